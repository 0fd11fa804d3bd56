//! The decrypted plaintext: Alipay's `{"code":"10000","msg":"Success","mobile":"..."}` or an
//! error body with `subCode`/`subMsg` (snake_case accepted too).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::SUCCESS_CODE;
use crate::error::{AlipayError, Error};
use crate::json::describe;
use crate::phone::PhoneNumber;
use crate::types::Charset;

/// A successful answer: Alipay's code and message, and the phone number.
///
/// `Debug` and `Display` show the number masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneResponse {
    /// Always `10000`.
    pub code: String,
    /// Alipay's `msg`, normally `Success`.
    pub msg: String,
    /// The phone number.
    pub phone: PhoneNumber,
}

impl std::fmt::Display for PhoneResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.phone, f)
    }
}

#[derive(Deserialize)]
struct Raw<'a> {
    #[serde(borrow)]
    code: Option<&'a RawValue>,
    #[serde(borrow)]
    msg: Option<&'a RawValue>,
    #[serde(borrow)]
    mobile: Option<&'a RawValue>,
    #[serde(borrow, rename = "subCode")]
    sub_code_camel: Option<&'a RawValue>,
    #[serde(borrow, rename = "sub_code")]
    sub_code_snake: Option<&'a RawValue>,
    #[serde(borrow, rename = "subMsg")]
    sub_msg_camel: Option<&'a RawValue>,
    #[serde(borrow, rename = "sub_msg")]
    sub_msg_snake: Option<&'a RawValue>,
}

/// A field as text: strings decoded, numbers as written, `null` as absent.
pub(crate) fn text<'a>(raw: Option<&'a RawValue>, field: &str) -> Result<Option<Cow<'a, str>>, Error> {
    let Some(raw) = raw else { return Ok(None) };
    let s = raw.get();
    match s.as_bytes().first() {
        // Already validated by the parse; without escapes the value is the slice itself.
        Some(b'"') if !s.contains('\\') => Ok(Some(Cow::Borrowed(&s[1..s.len() - 1]))),
        Some(b'"') => serde_json::from_str::<Cow<'a, str>>(s)
            .map(Some)
            .map_err(|e| Error::MalformedPlaintext(describe(&e, field))),
        Some(b'n') => Ok(None),
        Some(b'-' | b'0'..=b'9') => Ok(Some(Cow::Borrowed(s))),
        _ => Err(Error::MalformedPlaintext(format!("`{field}` is not a string"))),
    }
}

/// Parses the decrypted plaintext.
///
/// Returns the phone number for code `10000`, [`Error::NoPhone`] when it has no (or an
/// empty) `mobile`, and [`Error::AlipayError`] with the documented fix for any other code.
///
/// ```
/// use phone_core::{parse_plaintext, Charset};
/// let ok = parse_plaintext(br#"{"code":"10000","msg":"Success","mobile":"13800138000"}"#, Charset::Utf8)?;
/// assert_eq!(ok.phone.reveal(), "13800138000");
///
/// let err = parse_plaintext(
///     r#"{"code":"40003","msg":"Insufficient Conditions","subCode":"isv.invalid-auth-relations","subMsg":"无效的授权关系"}"#.as_bytes(),
///     Charset::Utf8,
/// ).unwrap_err();
/// assert_eq!(err.kind(), "alipay_error");
/// assert_eq!(err.alipay().unwrap().sub_code.as_deref(), Some("isv.invalid-auth-relations"));
/// # Ok::<(), phone_core::Error>(())
/// ```
pub fn parse_plaintext(bytes: &[u8], charset: Charset) -> Result<PhoneResponse, Error> {
    parse_plaintext_with(bytes, charset, &crate::ParseOptions::default())
}

/// [`parse_plaintext`] under explicit limits: a plaintext over `max_plaintext_bytes` is
/// `payload_too_large`, nesting over `max_json_depth` is `malformed_plaintext`.
///
/// ```
/// use phone_core::{parse_plaintext_with, Charset, ParseOptions};
/// let deep = br#"{"code":"10000","x":[[[[1]]]],"mobile":"13800138000"}"#;
/// let err = parse_plaintext_with(deep, Charset::Utf8, &ParseOptions::default().max_json_depth(3)).unwrap_err();
/// assert_eq!(err.kind(), "malformed_plaintext");
/// ```
pub fn parse_plaintext_with(
    bytes: &[u8],
    charset: Charset,
    opts: &crate::ParseOptions,
) -> Result<PhoneResponse, Error> {
    let text_form = decoded(bytes, charset, opts)?;
    read(&text_form)
}

/// The plaintext as text, after the limits every kind of open data shares: size, nesting,
/// charset.
pub(crate) fn decoded<'b>(
    bytes: &'b [u8],
    charset: Charset,
    opts: &crate::ParseOptions,
) -> Result<Cow<'b, str>, Error> {
    if bytes.len() > opts.max_plaintext_bytes {
        return Err(Error::PayloadTooLarge {
            size: bytes.len(),
            limit: opts.max_plaintext_bytes,
        });
    }
    if crate::json::depth_exceeds(bytes, opts.max_json_depth) {
        return Err(Error::MalformedPlaintext(format!(
            "JSON nested deeper than {} levels",
            opts.max_json_depth
        )));
    }
    charset.decode(bytes)
}

/// Alipay's status in any open data's plaintext: `code` and `msg` for `10000`, the typed
/// [`Error::AlipayError`] (with its documented fix) for any other code, `malformed_plaintext`
/// for a document that is not an object or has no `code`.
pub(crate) fn success_status(text_form: &str) -> Result<(String, String), Error> {
    if crate::envelope::starts_array(text_form) {
        return Err(Error::MalformedPlaintext(
            "the plaintext is not a JSON object of the expected shape".into(),
        ));
    }
    let raw: Raw<'_> =
        serde_json::from_str(text_form).map_err(|e| Error::MalformedPlaintext(describe(&e, "the plaintext")))?;
    let code =
        text(raw.code, "code")?.ok_or_else(|| Error::MalformedPlaintext("the plaintext has no `code`".into()))?;
    let msg = text(raw.msg, "msg")?.unwrap_or_default();
    if code != SUCCESS_CODE {
        let (sub_code, sub_msg) = sub_fields(&raw)?;
        return Err(Error::AlipayError(AlipayError::new(
            &code,
            &msg,
            sub_code.as_deref(),
            sub_msg.as_deref(),
        )));
    }
    Ok((code.into_owned(), msg.into_owned()))
}

/// `subCode`/`subMsg`, or their snake_case forms.
fn sub_fields<'a>(raw: &Raw<'a>) -> Result<(Text<'a>, Text<'a>), Error> {
    let sub_code = match text(raw.sub_code_camel, "subCode")? {
        Some(c) => Some(c),
        None => text(raw.sub_code_snake, "sub_code")?,
    };
    let sub_msg = match text(raw.sub_msg_camel, "subMsg")? {
        Some(m) => Some(m),
        None => text(raw.sub_msg_snake, "sub_msg")?,
    };
    Ok((sub_code, sub_msg))
}

/// Any valid JSON, through serde_json with raw slices.
fn read(text_form: &str) -> Result<PhoneResponse, Error> {
    // As for the envelope: serde would read the fields from an array by position.
    if crate::envelope::starts_array(text_form) {
        return Err(Error::MalformedPlaintext(
            "the plaintext is not a JSON object of the expected shape".into(),
        ));
    }
    let raw: Raw<'_> =
        serde_json::from_str(text_form).map_err(|e| Error::MalformedPlaintext(describe(&e, "the plaintext")))?;
    let code = text(raw.code, "code")?;
    let msg = text(raw.msg, "msg")?;
    finish(code, msg, || text(raw.mobile, "mobile"), || sub_fields(&raw))
}

type Text<'a> = Option<Cow<'a, str>>;

/// Turns the fields into the answer; `mobile` and the sub-fields are read only when needed, so
/// the first problem reported is the one that decides the answer.
fn finish<'a>(
    code: Text<'a>,
    msg: Text<'a>,
    mobile: impl FnOnce() -> Result<Text<'a>, Error>,
    subs: impl FnOnce() -> Result<(Text<'a>, Text<'a>), Error>,
) -> Result<PhoneResponse, Error> {
    let code = code.ok_or_else(|| Error::MalformedPlaintext("the plaintext has no `code`".into()))?;
    let msg = msg.unwrap_or_default();
    if code != SUCCESS_CODE {
        let (sub_code, sub_msg) = subs()?;
        return Err(Error::AlipayError(AlipayError::new(
            &code,
            &msg,
            sub_code.as_deref(),
            sub_msg.as_deref(),
        )));
    }
    let mobile = mobile()?.filter(|m| !m.is_empty()).ok_or(Error::NoPhone)?;
    let phone = PhoneNumber::parse(&mobile)
        .ok_or_else(|| Error::MalformedPlaintext("`mobile` is not a phone number".into()))?;
    Ok(PhoneResponse {
        code: code.into_owned(),
        msg: msg.into_owned(),
        phone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<PhoneResponse, Error> {
        parse_plaintext(s.as_bytes(), Charset::Utf8)
    }

    #[test]
    fn snake_case_sub_fields_are_accepted() {
        let e = parse(r#"{"code":"40006","msg":"Insufficient Permissions","sub_code":"isv.insufficient-isv-permissions","sub_msg":"ISV权限不足"}"#).unwrap_err();
        let a = e.alipay().unwrap();
        assert_eq!(a.sub_code.as_deref(), Some("isv.insufficient-isv-permissions"));
        assert_eq!(a.sub_msg.as_deref(), Some("ISV权限不足"));
        assert!(e.hint().unwrap().contains("获取会员手机号"));
    }

    #[test]
    fn empty_missing_and_null_mobile_are_no_phone() {
        for body in [
            r#"{"code":"10000","msg":"Success","mobile":""}"#,
            r#"{"code":"10000","msg":"Success"}"#,
            r#"{"code":"10000","msg":"Success","mobile":null}"#,
        ] {
            assert_eq!(parse(body).unwrap_err().kind(), "no_phone", "{body}");
        }
    }

    #[test]
    fn errors_never_echo_the_number() {
        for body in [
            r#"{"code":"10000","mobile":13800138000x}"#,
            r#"{"code":"10000","mobile":"1380013800a"}"#,
            r#"{"code":"10000","mobile":["13800138000"]}"#,
        ] {
            let e = parse(body).unwrap_err();
            assert_eq!(e.kind(), "malformed_plaintext", "{body}");
            assert!(
                !e.to_string().contains("13800138000") && !e.to_string().contains("1380013800"),
                "{e}"
            );
        }
    }

    #[test]
    fn garbage_is_malformed_plaintext() {
        assert_eq!(parse("not json").unwrap_err().kind(), "malformed_plaintext");
        assert_eq!(parse("[]").unwrap_err().kind(), "malformed_plaintext");
        assert_eq!(parse(r#"{"msg":"x"}"#).unwrap_err().kind(), "malformed_plaintext");
        assert_eq!(
            parse_plaintext(&[0xff, b'{'], Charset::Utf8).unwrap_err().kind(),
            "malformed_plaintext"
        );
    }

    #[test]
    fn an_escaped_key_reads_the_same() {
        // The same documents with `code` spelt with an escape: the answers must not change.
        for body in [
            r#"{"code":"10000","msg":"Success","mobile":"13800138000"}"#,
            r#"{"code":"10000","msg":"Success","mobile":""}"#,
            r#"{"code":"10000","msg":"Success"}"#,
            r#"{"code":"","msg":"Success","mobile":"13800138000"}"#,
            r#"{"msg":"Success","mobile":"13800138000"}"#,
            r#"{"code":"40003","msg":"Insufficient Conditions","subCode":"isv.invalid-auth-relations","subMsg":"x"}"#,
            r#"{"code":"40006","msg":"m","sub_code":"isv.insufficient-isv-permissions","sub_msg":"y"}"#,
            r#"{"code":"40006","msg":"m","subCode":"a","sub_code":"b"}"#,
            r#"{"code":"10000","msg":"Success","mobile":"1380013800x"}"#,
        ] {
            let escaped = body.replacen(r#""code""#, r#""\u0063ode""#, 1);
            assert!(escaped != body || !body.contains("code"), "{escaped}");
            let plain = parse(body).map_err(|e| e.to_string());
            let with_escape = parse(&escaped).map_err(|e| e.to_string());
            assert_eq!(plain, with_escape, "{body}");
        }
    }

    #[test]
    fn numeric_code_is_read_as_written() {
        let e = parse(r#"{"code":40003,"msg":"Insufficient Conditions"}"#).unwrap_err();
        assert_eq!(e.alipay().unwrap().code, "40003");
    }

    #[test]
    fn the_plaintext_limit_is_exact() {
        let body = br#"{"code":"10000","msg":"Success","mobile":"13800138000"}"#;
        let at = crate::ParseOptions::default().max_plaintext_bytes(body.len());
        let ok = parse_plaintext_with(body, Charset::Utf8, &at).unwrap();
        assert_eq!(ok.phone.reveal(), "13800138000");
        let under = crate::ParseOptions::default().max_plaintext_bytes(body.len() - 1);
        let err = parse_plaintext_with(body, Charset::Utf8, &under).unwrap_err();
        assert!(
            matches!(err, Error::PayloadTooLarge { size, limit } if size == body.len() && limit == body.len() - 1),
            "{err:?}"
        );
    }

    #[test]
    fn strings_are_read_exactly() {
        // Unknown keys are ignored; unescaped strings are their slices without the quotes.
        let ok = parse(r#"{"code":"10000","msg":"Success","mobile":"13800138000","x":1}"#).unwrap();
        let want = PhoneResponse {
            code: "10000".into(),
            msg: "Success".into(),
            phone: PhoneNumber::parse("13800138000").unwrap(),
        };
        assert_eq!(ok, want);
        assert_eq!(ok.to_string(), "138****8000");
        // Escapes are decoded, in every field.
        let e = parse(
            r#"{"code":40003,"msg":"Insufficient\u0020Conditions","subCode":"isv.invalid-auth-relations","subMsg":"a\/b"}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.alipay(),
            Some(&AlipayError::new(
                "40003",
                "Insufficient Conditions",
                Some("isv.invalid-auth-relations"),
                Some("a/b")
            ))
        );
        let ok = parse(r#"{"code":"1000\u0030","msg":null,"mobile":"1380013800\u0030"}"#).unwrap();
        assert_eq!(
            (ok.code.as_str(), ok.msg.as_str(), ok.phone.reveal()),
            ("10000", "", "13800138000")
        );
        // A `null` sub-field falls back to the snake_case one; other types are refused.
        let e = parse(r#"{"code":"40006","msg":"m","subCode":null,"sub_code":"b","subMsg":null,"sub_msg":"c"}"#)
            .unwrap_err();
        assert_eq!(e.alipay(), Some(&AlipayError::new("40006", "m", Some("b"), Some("c"))));
        let e = parse(r#"{"code":"40006","msg":true}"#).unwrap_err();
        assert_eq!(e.to_string(), "malformed plaintext: `msg` is not a string");
        let e = parse(r#"{"code":-1,"msg":"m"}"#).unwrap_err();
        assert_eq!(e.alipay(), Some(&AlipayError::new("-1", "m", None, None)));
    }

    #[test]
    fn a_canonical_plaintext_and_its_escaped_form_answer_alike() {
        let canonical = r#"{"code":"10000","msg":"Success","mobile":"13800138000"}"#;
        let want = PhoneResponse {
            code: "10000".into(),
            msg: "Success".into(),
            phone: PhoneNumber::parse("13800138000").unwrap(),
        };
        assert_eq!(parse(canonical).unwrap(), want);
        let escaped = r#"{"code":"1000\u0030","msg":"Success","mobile":"13800138000"}"#;
        assert_eq!(parse(escaped).unwrap(), want);
        assert_eq!(parse("[]").unwrap_err().kind(), "malformed_plaintext");
        assert_eq!(parse(r#"{"code":"10000"}"#).unwrap_err().kind(), "no_phone");
    }
}
