//! Differential: the envelope and plaintext parsers (serde_json with raw slices, typed fields,
//! the shape rules) against a reference reading of the same bytes as plain `serde_json::Value`s,
//! written here without any of the parsers' code. Whatever either parser accepts is a JSON
//! object; and for the flat objects Alipay sends (known fields, string or `null` values) the
//! reference predicts the whole answer: every field, the signed bytes and their raw
//! alternative, the decoded signature and ciphertext, the phone answer, or the error's kind
//! (and for the type checks its message), in the contract's order of checks.
//!
//! ```sh
//! RUSTC_BOOTSTRAP=1 cargo fuzz run -O differential fuzz/corpus/differential fuzz/seeds/envelope \
//!     fuzz/seeds/pipeline -- -dict=fuzz/differential.dict -max_total_time=600
//! ```
#![no_main]

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;
use phone_core::{
    AlipayError, Charset, Content, EncryptType, Envelope, Error, ParseOptions, PhoneNumber, PhoneResponse, Shape,
    SignType, parse_plaintext_with,
};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

/// A JSON object's members in order, repeated keys kept: `Value`'s map keeps only the last,
/// and a parser that refuses a repeated field must be predicted to.
struct Members(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Object;
        impl<'de> Visitor<'de> for Object {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, Value>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(Object)
    }
}

/// The members of a flat object whose keys are all in `known`, each once, with string or `null`
/// values: `Ok(None)` when the text is not such an object (the reference predicts nothing),
/// `Err(())` when a known key repeats (serde's derive refuses it).
fn flat<'a>(members: &'a Members, known: &[&str]) -> Result<Option<BTreeMap<&'a str, Option<&'a str>>>, ()> {
    let mut fields = BTreeMap::new();
    for (key, value) in &members.0 {
        if !known.contains(&key.as_str()) || !(value.is_string() || value.is_null()) {
            return Ok(None);
        }
        if fields.insert(key.as_str(), value.as_str()).is_some() {
            return Err(());
        }
    }
    Ok(Some(fields))
}

/// An error as far as a caller can tell: kind, message and the Alipay fields.
fn error(e: &Error) -> String {
    format!("{} | {} | {:?}", e.kind(), e, e.alipay())
}

fn kind<T>(r: &Result<T, Error>) -> Result<(), &'static str> {
    r.as_ref().map(|_| ()).map_err(Error::kind)
}

/// Checks only the limits `parse` applies before reading can explain a difference.
fn is_limit(e: &Error) -> bool {
    e.kind() == "payload_too_large" || e.to_string().contains("nested deeper than")
}

/// A document a parser accepts is a JSON object: it opens with `{`, and serde_json alone reads
/// it as one when it reads it at all (it refuses lone surrogates in strings a parser may skip).
fn assert_object(text: &str, what: &str) {
    let first = text.trim_start_matches([' ', '\t', '\n', '\r']).as_bytes().first();
    assert_eq!(
        first,
        Some(&b'{'),
        "{what} accepted a document that is not an object: {text:?}"
    );
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        assert!(
            value.is_object(),
            "{what} accepted a document that is not an object: {text:?}"
        );
    }
}

const ENVELOPE_FIELDS: [&str; 5] = ["response", "sign", "sign_type", "encrypt_type", "charset"];

/// What the reference predicts for a flat envelope under `opts`.
fn envelope_reference(body: &str, got: &Result<Envelope<'_>, Error>, opts: &ParseOptions) {
    let Ok(members) = serde_json::from_str::<Members>(body) else {
        return;
    };
    let fields = match flat(&members, &ENVELOPE_FIELDS) {
        Ok(Some(fields)) => fields,
        Ok(None) => return,
        Err(()) => {
            assert_eq!(kind(got), Err("malformed_envelope"), "a repeated field: {body:?}");
            return;
        }
    };
    // `null` and `""` mean "not given", for every field.
    let given = |name: &str| fields.get(name).copied().flatten().filter(|v| !v.is_empty());
    let Some(response) = given("response") else {
        assert_eq!(kind(got), Err("malformed_envelope"), "no response: {body:?}");
        return;
    };
    let encrypted = !response.starts_with('{');
    // Plain content that is itself an envelope is a named front-end mistake; only the parser
    // knows its rule, so either reading is allowed, but the refusal must name the mistake.
    if !encrypted {
        if let Err(e) = got {
            assert!(
                e.mistake().is_some(),
                "plain content refused without a mistake: {body:?}: {e}"
            );
            return;
        }
    }
    let sign = given("sign");
    let expected_types = (|| {
        if sign.is_none() && !opts.allow_unsigned {
            return Err(Error::MissingSignature);
        }
        let sign_type = given("sign_type").map_or(Ok(SignType::default()), SignType::parse)?;
        let encrypt_type = given("encrypt_type").map_or(Ok(EncryptType::default()), EncryptType::parse)?;
        let charset = given("charset").map_or(Ok(Charset::default()), Charset::parse)?;
        Ok((sign_type, encrypt_type, charset))
    })();
    let env = match (got, expected_types) {
        (Ok(env), Ok(types)) => {
            assert_eq!((env.sign_type(), env.encrypt_type(), env.charset()), types, "{body:?}");
            env
        }
        (Err(e), Err(want)) => {
            assert_eq!(error(e), error(&want), "{body:?}");
            return;
        }
        (got, want) => panic!(
            "parse and the reference differ on {body:?}: {:?} vs {:?}",
            got.as_ref().map(|_| ()).map_err(error),
            want.map(|_| ()).map_err(|e| error(&e))
        ),
    };
    let content = if encrypted {
        Content::Encrypted(response.into())
    } else {
        Content::PlainString(response.into())
    };
    assert_eq!(env.content(), &content, "{body:?}");
    assert_eq!((env.shape(), env.sign_type_is_implied()), (Shape::Envelope, false));
    let signed = if encrypted {
        format!("\"{response}\"")
    } else {
        response.to_owned()
    };
    assert_eq!(&*env.signed_content(), signed.as_bytes(), "{body:?}");
    // The raw alternative, when offered, is the posted JSON string of the same value.
    if let Some(raw) = env.raw_signed_content() {
        assert!(encrypted && raw != signed.as_bytes(), "{body:?}");
        assert_eq!(serde_json::from_slice::<String>(raw).ok().as_deref(), Some(response));
    }
    assert_eq!(env.is_signed(), sign.is_some());
    assert_eq!(
        env.decode_signature().map_err(|e| error(&e)),
        sign.map(|s| STANDARD.decode(s))
            .transpose()
            .map_err(|_| error(&Error::BadBase64 { field: "sign" })),
        "{body:?}"
    );
    if encrypted {
        match env.decode_ciphertext() {
            Ok(decoded) => assert_eq!(decoded, STANDARD.decode(response).ok(), "{body:?}"),
            Err(e) if e.kind() == "bad_base64" => assert!(STANDARD.decode(response).is_err(), "{body:?}"),
            Err(_) => {}
        }
    } else {
        assert_eq!(env.decode_ciphertext().ok(), Some(None));
        assert_eq!(env.plain_text(), Some(response));
    }
}

fn envelope(body: &str) {
    for opts in [ParseOptions::default(), ParseOptions::default().allow_unsigned(true)] {
        let got = Envelope::parse(body, &opts);
        let bytes = Envelope::parse_bytes(body.as_bytes(), &opts);
        assert_eq!(
            bytes.as_ref().map(|e| format!("{e:?}")).map_err(error),
            got.as_ref().map(|e| format!("{e:?}")).map_err(error),
            "parse_bytes differs from parse: {body:?}"
        );
        if got.is_ok() {
            assert_object(body, "the envelope parser");
        }
        if got.as_ref().is_err_and(is_limit) {
            continue;
        }
        envelope_reference(body, &got, &opts);
    }
}

const PLAINTEXT_FIELDS: [&str; 7] = ["code", "msg", "mobile", "subCode", "sub_code", "subMsg", "sub_msg"];

fn answer(r: &Result<PhoneResponse, Error>) -> Result<(String, String, String), String> {
    r.as_ref()
        .map(|p| (p.code.clone(), p.msg.clone(), p.phone.reveal().to_owned()))
        .map_err(error)
}

/// What the reference predicts for a flat plaintext: `None` when it predicts nothing.
fn plaintext_reference(text: &str) -> Option<Result<PhoneResponse, Error>> {
    let members = serde_json::from_str::<Members>(text).ok()?;
    let fields = match flat(&members, &PLAINTEXT_FIELDS) {
        Ok(fields) => fields?,
        Err(()) => return Some(Err(Error::MalformedPlaintext(String::new()))),
    };
    // `null` means absent; an empty string is a value, except for `mobile`.
    let field = |name: &str| fields.get(name).copied().flatten();
    let Some(code) = field("code") else {
        return Some(Err(Error::MalformedPlaintext(String::new())));
    };
    let msg = field("msg").unwrap_or_default();
    if code != phone_core::SUCCESS_CODE {
        let sub_code = field("subCode").or(field("sub_code"));
        let sub_msg = field("subMsg").or(field("sub_msg"));
        return Some(Err(Error::AlipayError(AlipayError::new(code, msg, sub_code, sub_msg))));
    }
    let Some(mobile) = field("mobile").filter(|m| !m.is_empty()) else {
        return Some(Err(Error::NoPhone));
    };
    Some(match PhoneNumber::parse(mobile) {
        Some(phone) => Ok(PhoneResponse {
            code: code.to_owned(),
            msg: msg.to_owned(),
            phone,
        }),
        None => Err(Error::MalformedPlaintext(String::new())),
    })
}

fn plaintext(text: &str) {
    let got = parse_plaintext_with(text.as_bytes(), Charset::Utf8, &ParseOptions::default());
    // An answer (a phone, no phone, an Alipay error) means the document was read.
    if got
        .as_ref()
        .map_or_else(|e| e.kind() != "malformed_plaintext" && !is_limit(e), |_| true)
    {
        assert_object(text, "the plaintext parser");
    }
    if got.as_ref().is_err_and(is_limit) {
        return;
    }
    match plaintext_reference(text) {
        // The reference's malformed_plaintext has no message: the parser's own says where.
        Some(Err(Error::MalformedPlaintext(_))) => {
            assert_eq!(kind(&got), Err("malformed_plaintext"), "{text:?}");
        }
        Some(want) => assert_eq!(answer(&got), answer(&want), "plaintext differs: {text:?}"),
        None => {}
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        envelope(text);
        plaintext(text);
    }
    // The GBK family decodes first and then reads the text as UTF-8 does.
    for charset in [Charset::Gbk, Charset::Gb18030] {
        let got = parse_plaintext_with(data, charset, &ParseOptions::default());
        if got.as_ref().is_err_and(is_limit) {
            continue;
        }
        let reference = charset
            .decode(data)
            .and_then(|t| parse_plaintext_with(t.as_bytes(), Charset::Utf8, &ParseOptions::default()));
        if reference.as_ref().is_err_and(is_limit) {
            continue;
        }
        assert_eq!(
            answer(&got),
            answer(&reference),
            "{} plaintext differs: {data:?}",
            charset.as_str()
        );
    }
});
