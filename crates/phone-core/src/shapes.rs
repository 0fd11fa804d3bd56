//! The shapes a front end posts (`spec/PROTOCOL.md` section 0.4): the ones the envelope parser
//! opens ([`Shape`]) and the mistakes it refuses with a hint of their own ([`Mistake`]).
//!
//! Diagnosis runs only on the failure path: a body that opens never pays for it.

use std::fmt;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use crate::Lang;
use crate::echo::echo;
use crate::json::depth_exceeds;

/// Which accepted shape a body arrived in. A service counts them (metrics, access log) to
/// see what its front ends really post.
///
/// ```
/// use phone_core::{Envelope, ParseOptions, Shape};
/// let detail = r#"{"encryptedData":"QUJD","sign":"c2ln"}"#;
/// let env = Envelope::parse(detail, &ParseOptions::default())?;
/// assert_eq!(env.shape(), Shape::EventDetail);
/// assert_eq!(env.shape().as_str(), "event_detail");
/// # Ok::<(), phone_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Shape {
    /// The envelope object itself (`res.response` of `my.getPhoneNumber` / `my.getRunData`).
    #[default]
    Envelope,
    /// The `<button open-type="getAuthorize" onGetPhoneNumber>` event's `detail`
    /// (`{encryptedData, sign}`, base library 2.8.0+).
    EventDetail,
    /// Alipay's own `my.getRunData` sample: `{encryptContent: res.response}`.
    EncryptContent,
}

impl Shape {
    /// Every shape, in the order of PROTOCOL.md's table.
    pub const ALL: [Shape; 3] = [Self::Envelope, Self::EventDetail, Self::EncryptContent];

    /// A stable label for metrics and logs: `envelope`, `event_detail`, `encrypt_content`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Envelope => "envelope",
            Self::EventDetail => "event_detail",
            Self::EncryptContent => "encrypt_content",
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A front-end mistake the parser recognises and refuses (kind `malformed_envelope`), each
/// with its own message, hint in English and Chinese, and `doctor` check id. Nothing here is
/// opened by guessing: the hint says what to post instead.
///
/// ```
/// use phone_core::{Envelope, Error, Lang, Mistake, ParseOptions};
/// let err = Envelope::parse("response=QUJD&sign=c2ln", &ParseOptions::default()).unwrap_err();
/// assert_eq!(err.kind(), "malformed_envelope");
/// assert_eq!(err.mistake(), Some(&Mistake::FormEncoded));
/// assert_eq!(Mistake::FormEncoded.check_id(), "form_encoded");
/// assert!(err.hint_in(Lang::En).unwrap().contains("application/json"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mistake {
    /// The body is a JSON string whose text is an envelope: encoded twice.
    EncodedTwice,
    /// `response` holds a whole envelope (`{response: JSON.stringify(res)}`).
    EnvelopeInResponse,
    /// Another field holds the envelope (`{data: res.response}`).
    WrappedInField {
        /// The field's name as posted (at most 32 characters are kept).
        field: String,
    },
    /// A form-encoded body (`response=...&sign=...`).
    FormEncoded,
    /// Two content fields at once (`response` and `encryptedData`): ambiguous.
    Ambiguous {
        /// The first content field found.
        first: &'static str,
        /// The second.
        second: &'static str,
    },
    /// An `encryptContent` wrapper inside another: only one level is opened.
    WrappedTwice,
}

impl Mistake {
    /// The `doctor` check id of this mistake.
    pub fn check_id(&self) -> &'static str {
        match self {
            Self::EncodedTwice => "posted_as_json_string",
            Self::EnvelopeInResponse => "envelope_in_response",
            Self::WrappedInField { .. } => "envelope_in_field",
            Self::FormEncoded => "form_encoded",
            Self::Ambiguous { .. } => "ambiguous_content",
            Self::WrappedTwice => "encrypt_content_twice",
        }
    }

    /// What to post instead, in `lang`.
    pub fn hint_in(&self, lang: Lang) -> &'static str {
        let (en, zh) = match self {
            Self::EncodedTwice => (
                "posted as a JSON string (encoded twice): post the envelope object itself; my.request serialises `data` already, so pass res.response without JSON.stringify",
                "请求体是一个 JSON 字符串（被编码了两次）：请直接提交报文对象本身；my.request 会自己序列化 data，不要再对 res.response 调用 JSON.stringify",
            ),
            Self::EnvelopeInResponse => (
                "post res.response itself (the object with response, sign, sign_type, ...) as the body, not {response: JSON.stringify(res)}",
                "请把 res.response 本身（包含 response、sign、sign_type 等字段的对象）作为请求体提交，不要写成 {response: JSON.stringify(res)}",
            ),
            Self::WrappedInField { .. } => (
                "post what that field holds itself as the body: res.response of my.getPhoneNumber / my.getRunData (or {encryptContent: res.response}, Alipay's own wrapper), or the button's event.detail",
                "请把这个字段里的内容本身作为请求体提交：my.getPhoneNumber / my.getRunData 的 res.response（或支付宝官方示例的 {encryptContent: res.response}），或者按钮事件的 event.detail",
            ),
            Self::FormEncoded => (
                "send JSON: set headers: {'content-type': 'application/json'} in my.request / my.httpRequest (it defaults to application/x-www-form-urlencoded, which turns '+' into spaces) and post res.response as the data",
                "请用 JSON 提交：在 my.request / my.httpRequest 里设置 headers: {'content-type': 'application/json'}（默认是 application/x-www-form-urlencoded，会把 '+' 变成空格），把 res.response 作为 data 提交",
            ),
            Self::Ambiguous { .. } => (
                "post one shape only: res.response of my.getPhoneNumber, or event.detail of the button's onGetPhoneNumber ({encryptedData, sign}), never the two merged",
                "只提交一种格式：my.getPhoneNumber 的 res.response，或者按钮 onGetPhoneNumber 事件的 event.detail（{encryptedData, sign}），不要把两者合并在一个对象里",
            ),
            Self::WrappedTwice => (
                "wrap res.response once: {encryptContent: res.response}, or post res.response itself",
                "只包一层：{encryptContent: res.response}，或者直接提交 res.response 本身",
            ),
        };
        match lang {
            Lang::Zh => zh,
            _ => en,
        }
    }
}

impl fmt::Display for Mistake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EncodedTwice => {
                f.write_str("a JSON string whose text is an envelope arrived: the envelope was JSON-encoded twice")
            }
            Self::EnvelopeInResponse => f.write_str(
                "`response` holds a whole envelope as text ({response: JSON.stringify(res)}), not Alipay's ciphertext",
            ),
            Self::WrappedInField { field } => write!(f, "the envelope is nested in the field {field:?}"),
            Self::FormEncoded => f.write_str("the body is form-encoded (key=value&...), not JSON"),
            Self::Ambiguous { first, second } => write!(
                f,
                "the body has both `{first}` and `{second}`: which one is the content is ambiguous"
            ),
            Self::WrappedTwice => f.write_str("`encryptContent` holds another `encryptContent` wrapper"),
        }
    }
}

/// The fields that mark a JSON object as an envelope of an accepted shape.
#[derive(Deserialize)]
struct Probe {
    response: Option<IgnoredAny>,
    #[serde(rename = "encryptedData")]
    encrypted_data: Option<IgnoredAny>,
    #[serde(rename = "encryptContent")]
    encrypt_content: Option<IgnoredAny>,
}

/// Whether JSON text is an object carrying `response`, `encryptedData` or `encryptContent`.
pub(crate) fn envelope_like(text: &str, max_depth: usize) -> bool {
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\r']);
    if !trimmed.starts_with('{') || depth_exceeds(trimmed.as_bytes(), max_depth) {
        return false;
    }
    serde_json::from_str::<Probe>(trimmed)
        .is_ok_and(|p| p.response.is_some() || p.encrypted_data.is_some() || p.encrypt_content.is_some())
}

/// The text of a JSON value that may hold an envelope: a string's decoded value, an object's
/// raw text.
fn held_text(raw: &RawValue) -> Option<std::borrow::Cow<'_, str>> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'{') => Some(std::borrow::Cow::Borrowed(text)),
        Some(b'"') => serde_json::from_str::<String>(text).ok().map(std::borrow::Cow::Owned),
        _ => None,
    }
}

/// Why a body that is not an envelope object failed, when it is a known mistake: a JSON
/// string holding an envelope, or a form-encoded body.
pub(crate) fn diagnose_unparsed(body: &str, max_depth: usize) -> Option<Mistake> {
    let trimmed = body.trim_matches([' ', '\t', '\n', '\r']);
    if trimmed.starts_with('"') {
        let inner: String = serde_json::from_str(trimmed).ok()?;
        return envelope_like(&inner, max_depth).then_some(Mistake::EncodedTwice);
    }
    if trimmed.starts_with(['{', '[']) {
        return None;
    }
    // `k=v&k=v`, with one of the envelope's own keys (the front end serialised it as a form).
    let keys = [
        "response",
        "sign",
        "sign_type",
        "encrypt_type",
        "charset",
        "encryptedData",
        "encryptContent",
    ];
    trimmed
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .any(|(k, _)| keys.contains(&k))
        .then_some(Mistake::FormEncoded)
}

/// The field of an object (without any content field of its own) that holds an envelope.
pub(crate) fn wrapping_field(body: &str, max_depth: usize) -> Option<Mistake> {
    let fields: std::collections::BTreeMap<String, &RawValue> = serde_json::from_str(body).ok()?;
    fields.iter().find_map(|(name, raw)| {
        let text = held_text(raw)?;
        envelope_like(&text, max_depth).then(|| Mistake::WrappedInField { field: echo(name) })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_stable() {
        let labels: Vec<_> = Shape::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(labels, ["envelope", "event_detail", "encrypt_content"]);
        assert_eq!(Shape::default(), Shape::Envelope);
        assert_eq!(Shape::EncryptContent.to_string(), "encrypt_content");
    }

    #[test]
    fn envelope_like_needs_a_content_field_in_an_object() {
        for yes in [
            r#"{"response":"x"}"#,
            r#" {"encryptedData":"x","sign":"y"}"#,
            r#"{"encryptContent":{}}"#,
        ] {
            assert!(envelope_like(yes, 16), "{yes}");
        }
        for no in [
            r#"{"sign":"x"}"#,
            r#"["response"]"#,
            "response",
            r#"{"response":1"#,
            "{}",
        ] {
            assert!(!envelope_like(no, 16), "{no}");
        }
        // Too deep to probe: not taken for an envelope.
        assert!(!envelope_like(r#"{"response":[[[[1]]]]}"#, 3));
    }

    #[test]
    fn unparsed_bodies_are_diagnosed_only_when_they_are_known_mistakes() {
        let twice = serde_json::to_string(r#"{"response":"QUJD","sign":"c2ln"}"#).unwrap();
        assert_eq!(diagnose_unparsed(&twice, 16), Some(Mistake::EncodedTwice));
        assert_eq!(diagnose_unparsed(r#""hello""#, 16), None);
        assert_eq!(diagnose_unparsed("response=a&sign=b", 16), Some(Mistake::FormEncoded));
        assert_eq!(diagnose_unparsed("encryptedData=a", 16), Some(Mistake::FormEncoded));
        assert_eq!(diagnose_unparsed("a=b&c=d", 16), None);
        assert_eq!(diagnose_unparsed("not json", 16), None);
        assert_eq!(diagnose_unparsed("{\"response\":", 16), None);
    }

    #[test]
    fn the_wrapping_field_is_named_and_its_name_truncated() {
        let inner = serde_json::to_string(r#"{"response":"QUJD","sign":"c2ln"}"#).unwrap();
        let body = format!(r#"{{"other":1,"data":{inner}}}"#);
        assert_eq!(
            wrapping_field(&body, 16),
            Some(Mistake::WrappedInField { field: "data".into() })
        );
        let long = "x".repeat(100);
        let body = format!(r#"{{"{long}":{{"response":"QUJD"}}}}"#);
        assert_eq!(
            wrapping_field(&body, 16),
            Some(Mistake::WrappedInField { field: "x".repeat(32) })
        );
        assert_eq!(wrapping_field(r#"{"data":"QUJD"}"#, 16), None);
    }

    #[test]
    fn every_mistake_has_its_own_check_id_message_and_hints() {
        let all = [
            Mistake::EncodedTwice,
            Mistake::EnvelopeInResponse,
            Mistake::WrappedInField { field: "data".into() },
            Mistake::FormEncoded,
            Mistake::Ambiguous {
                first: "response",
                second: "encryptedData",
            },
            Mistake::WrappedTwice,
        ];
        let ids: std::collections::HashSet<_> = all.iter().map(Mistake::check_id).collect();
        assert_eq!(ids.len(), all.len());
        let hints: std::collections::HashSet<_> = all.iter().map(|m| m.hint_in(Lang::En)).collect();
        assert_eq!(hints.len(), all.len());
        for m in &all {
            assert_ne!(m.hint_in(Lang::En), m.hint_in(Lang::Zh), "{m:?}");
            assert!(!m.to_string().is_empty());
        }
        assert!(all[2].to_string().contains("\"data\""));
        assert!(all[4].to_string().contains("`encryptedData`"));
    }
}
