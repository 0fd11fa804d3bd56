//! Any open data Alipay sends in this envelope (`spec/PROTOCOL.md` section 5): the plaintext
//! handed to the caller's own type after the Alipay code check, so that the next API needs no
//! new release of this SDK.

use std::fmt;

use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::plaintext::{decoded, success_status};
use crate::types::Charset;

/// A successful plaintext of any open data: Alipay's `code` and `msg`, and the whole document
/// read as `T` (the caller's `serde` type, or by default the JSON object itself).
///
/// `Debug` shows the code and message only: `data` is personal data this SDK has no type for,
/// so it never reaches a log through this type.
///
/// ```
/// use phone_core::{Charset, OpenData, parse_open_data};
/// #[derive(serde::Deserialize)]
/// struct Profile { #[serde(rename = "nickName")] nick_name: String }
/// let text = r#"{"code":"10000","msg":"Success","nickName":"小明"}"#;
/// let got: OpenData<Profile> = parse_open_data(text.as_bytes(), Charset::Utf8)?;
/// assert_eq!(got.data.nick_name, "小明");
/// // Or the JSON object, with nothing to declare.
/// let any: OpenData = parse_open_data(text.as_bytes(), Charset::Utf8)?;
/// assert_eq!(any.data["nickName"], "小明");
/// assert!(!format!("{any:?}").contains("小明"));
/// # Ok::<(), phone_core::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct OpenData<T = serde_json::Map<String, serde_json::Value>> {
    /// Always `10000`.
    pub code: String,
    /// Alipay's `msg`, normally `Success`.
    pub msg: String,
    /// The whole plaintext document, `code` and `msg` included, read as `T`.
    pub data: T,
}

impl<T> fmt::Debug for OpenData<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenData")
            .field("code", &self.code)
            .field("msg", &self.msg)
            .field("data", &format_args!("<{}>", std::any::type_name::<T>()))
            .finish()
    }
}

/// The fields Alipay's status is made of: shown as they are when the rest is masked.
pub const STATUS_FIELDS: [&str; 6] = ["code", "msg", "subCode", "subMsg", "sub_code", "sub_msg"];

impl OpenData<serde_json::Map<String, serde_json::Value>> {
    /// The document with every value but Alipay's status fields ([`STATUS_FIELDS`]) replaced
    /// by `"***"`: what a tool or a log may show without `--reveal`.
    ///
    /// ```
    /// use phone_core::{Charset, OpenData, parse_open_data};
    /// let any: OpenData = parse_open_data(br#"{"code":"10000","msg":"Success","nickName":"n"}"#, Charset::Utf8)?;
    /// let shown = any.masked();
    /// assert_eq!((shown["code"].as_str(), shown["nickName"].as_str()), (Some("10000"), Some("***")));
    /// # Ok::<(), phone_core::Error>(())
    /// ```
    pub fn masked(&self) -> serde_json::Map<String, serde_json::Value> {
        self.data
            .iter()
            .map(|(k, v)| {
                let shown = if STATUS_FIELDS.contains(&k.as_str()) {
                    v.clone()
                } else {
                    "***".into()
                };
                (k.clone(), shown)
            })
            .collect()
    }
}

/// Parses the decrypted plaintext of any open data under the default limits.
///
/// Code `10000` reads the document as `T` (a mismatch is `malformed_plaintext`, with no value
/// echoed); any other code is the typed [`Error::AlipayError`] with its documented fix, before
/// `T` is looked at.
///
/// ```
/// use phone_core::{Charset, OpenData, parse_open_data};
/// let err = parse_open_data::<serde_json::Value>(br#"{"code":"40003","msg":"Insufficient Conditions"}"#, Charset::Utf8).unwrap_err();
/// assert_eq!(err.kind(), "alipay_error");
/// let err = parse_open_data::<serde_json::Map<String, serde_json::Value>>(b"[1]", Charset::Utf8).unwrap_err();
/// assert_eq!(err.kind(), "malformed_plaintext");
/// ```
pub fn parse_open_data<T: DeserializeOwned>(bytes: &[u8], charset: Charset) -> Result<OpenData<T>, Error> {
    parse_open_data_with(bytes, charset, &crate::ParseOptions::default())
}

/// [`parse_open_data`] under explicit limits (size and nesting, as for the phone plaintext).
pub fn parse_open_data_with<T: DeserializeOwned>(
    bytes: &[u8],
    charset: Charset,
    opts: &crate::ParseOptions,
) -> Result<OpenData<T>, Error> {
    let text_form = decoded(bytes, charset, opts)?;
    let (code, msg) = success_status(&text_form)?;
    let data = serde_json::from_str(&text_form)
        .map_err(|e| Error::MalformedPlaintext(crate::json::describe(&e, "the open data")))?;
    Ok(OpenData { code, msg, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Typed {
        #[serde(rename = "nickName")]
        nick_name: String,
        age: u8,
    }

    #[test]
    fn the_callers_type_reads_the_whole_document() {
        let text = br#"{"code":"10000","msg":"Success","nickName":"n","age":7}"#;
        let got: OpenData<Typed> = parse_open_data(text, Charset::Utf8).unwrap();
        assert_eq!((got.code.as_str(), got.msg.as_str()), ("10000", "Success"));
        assert_eq!((got.data.nick_name.as_str(), got.data.age), ("n", 7));
        let map: OpenData = parse_open_data(text, Charset::Utf8).unwrap();
        assert_eq!(map.data.len(), 4);
        assert_eq!(map.data["age"], 7);
    }

    #[test]
    fn a_type_mismatch_is_malformed_and_echoes_nothing() {
        let text = br#"{"code":"10000","msg":"Success","nickName":"secret-name","age":"13800138000"}"#;
        let e = parse_open_data::<Typed>(text, Charset::Utf8).unwrap_err();
        assert_eq!(e.kind(), "malformed_plaintext");
        assert!(
            !e.to_string().contains("13800138000") && !e.to_string().contains("secret"),
            "{e}"
        );
    }

    #[test]
    fn alipay_codes_are_checked_before_the_type() {
        let e = parse_open_data::<Typed>(
            br#"{"code":"40003","msg":"Insufficient Conditions","subCode":"isv.invalid-auth-relations"}"#,
            Charset::Utf8,
        )
        .unwrap_err();
        assert_eq!(e.alipay().unwrap().code, "40003");
        assert!(e.hint().unwrap().contains("getAuthorize"));
        let e = parse_open_data::<Typed>(br#"{"nickName":"n","age":1}"#, Charset::Utf8).unwrap_err();
        assert_eq!(e.to_string(), "malformed plaintext: the plaintext has no `code`");
    }

    #[test]
    fn limits_apply() {
        let deep = br#"{"code":"10000","x":[[[[1]]]]}"#;
        let opts = crate::ParseOptions::default().max_json_depth(3);
        assert_eq!(
            parse_open_data_with::<serde_json::Value>(deep, Charset::Utf8, &opts)
                .unwrap_err()
                .kind(),
            "malformed_plaintext"
        );
        let opts = crate::ParseOptions::default().max_plaintext_bytes(5);
        assert_eq!(
            parse_open_data_with::<serde_json::Value>(deep, Charset::Utf8, &opts)
                .unwrap_err()
                .kind(),
            "payload_too_large"
        );
    }

    #[test]
    fn debug_hides_the_data() {
        let got: OpenData =
            parse_open_data(br#"{"code":"10000","msg":"Success","x":"private"}"#, Charset::Utf8).unwrap();
        let shown = format!("{got:?}");
        assert!(!shown.contains("private") && shown.contains("10000"), "{shown}");
    }
}
