//! Differential: the hand-written fast path (Alipay's canonical flat JSON) against the general
//! serde path, for the envelope and for the plaintext, on the same bytes. Whenever the fast
//! path takes a document, both must read it identically: every field, the signed bytes, the
//! raw alternative, the decoded signature and ciphertext, the plain text, the phone answer, or
//! the same error. And `parse` end to end must agree with the general path alone, whichever
//! path it took; and what the general path accepts is a JSON object, as the fast path requires.
//! Needs phone-core's `fuzzing` feature (the doc-hidden `fuzz_envelope` and
//! `fuzz_plaintext` hooks).
//!
//! ```sh
//! RUSTC_BOOTSTRAP=1 cargo fuzz run -O differential fuzz/corpus/differential fuzz/seeds/envelope \
//!     fuzz/seeds/pipeline -- -dict=fuzz/differential.dict -max_total_time=600
//! ```
#![no_main]

use libfuzzer_sys::fuzz_target;
use phone_core::{
    Charset, Content, Envelope, Error, ParseOptions, PhoneResponse, fuzz_envelope, fuzz_plaintext, parse_plaintext_with,
};

/// An error as far as a caller can tell: kind, message and the Alipay fields.
fn error(e: &Error) -> String {
    format!("{} | {} | {:?}", e.kind(), e, e.alipay())
}

fn content(c: &Content<'_>) -> (&'static str, String) {
    match c {
        Content::Encrypted(s) => ("encrypted", s.to_string()),
        Content::PlainString(s) => ("plain string", s.to_string()),
        Content::PlainObject(s) => ("plain object", s.to_string()),
    }
}

/// What one path read before the type checks, owned and printable.
fn read(r: &Result<fuzz_envelope::Read<'_>, Error>) -> Result<impl PartialEq + std::fmt::Debug, String> {
    match r {
        Ok((c, raw, texts, shape)) => Ok((
            content(c),
            raw.as_deref().map(str::to_owned),
            texts.clone().map(|t| t.map(|t| t.into_owned())),
            *shape,
        )),
        Err(e) => Err(error(e)),
    }
}

/// Everything the public API shows of a parsed envelope.
fn view(r: &Result<Envelope<'_>, Error>) -> Result<impl PartialEq + std::fmt::Debug, String> {
    let env = r.as_ref().map_err(error)?;
    Ok((
        (
            content(env.content()),
            env.plain_text().map(str::to_owned),
            env.is_encrypted(),
            (env.shape(), env.sign_type_is_implied()),
        ),
        (
            env.signed_content().into_owned(),
            env.raw_signed_content().map(<[u8]>::to_vec),
        ),
        (env.is_signed(), env.decode_signature().map_err(|e| error(&e))),
        env.decode_ciphertext().map_err(|e| error(&e)),
        (
            env.sign_type(),
            env.encrypt_type(),
            env.charset(),
            env.options().clone(),
        ),
    ))
}

fn answer(r: &Result<PhoneResponse, Error>) -> Result<(String, String, String), String> {
    r.as_ref()
        .map(|p| (p.code.clone(), p.msg.clone(), p.phone.reveal().to_owned()))
        .map_err(error)
}

/// Finding 1: the general path's serde derive also reads a struct from a JSON array of the
/// right length (`visit_seq`, fields by position), so `["a","","","",""]` (the minimized crash)
/// parsed as an envelope and `["10000","Success","13800138000",null,null,null,null]` as a phone
/// answer, where the fast path and the contract ("not a JSON object of the expected shape")
/// take only objects. Fixed: both general paths refuse a top-level array (regression tests in
/// crates/phone-core/tests/fuzz_regressions.rs); the switch stays for the next such finding.
const TOLERATE_KNOWN_ARRAY_FINDING: bool = false;

/// A document either path accepts must be a JSON object, as the fast path requires.
fn assert_object(text: &str, what: &str) {
    let first = text.trim_start_matches([' ', '\t', '\n', '\r']).as_bytes().first();
    if TOLERATE_KNOWN_ARRAY_FINDING && first == Some(&b'[') {
        return;
    }
    assert_eq!(
        first,
        Some(&b'{'),
        "{what} accepted a document that is not an object: {text:?}"
    );
}

/// Checks only the limits `parse` applies before choosing a path can explain a difference.
fn is_limit(e: &Error) -> bool {
    e.kind() == "payload_too_large" || e.to_string().contains("nested deeper than")
}

fn envelope(body: &str) {
    let general = fuzz_envelope::general(body);
    if general.is_ok() {
        assert_object(body, "the envelope's general path");
    }
    let strict = ParseOptions::default();
    let lenient = ParseOptions::default().allow_unsigned(true);
    if let Some(fast) = fuzz_envelope::fast(body) {
        assert_eq!(read(&fast), read(&general), "envelope paths read differently: {body:?}");
        // Field equality implies the rest, but check the public view too: it is what callers see.
        for opts in [&strict, &lenient] {
            let f = fast.clone().and_then(|r| fuzz_envelope::check(r, opts));
            let g = general.clone().and_then(|r| fuzz_envelope::check(r, opts));
            assert_eq!(view(&f), view(&g), "envelope paths differ after the checks: {body:?}");
        }
    }
    // `parse`, whichever path it took, agrees with the general path alone.
    for opts in [&strict, &lenient] {
        let got = Envelope::parse(body, opts);
        if got.as_ref().is_err_and(is_limit) {
            continue;
        }
        let reference = general.clone().and_then(|r| fuzz_envelope::check(r, opts));
        assert_eq!(
            view(&got),
            view(&reference),
            "parse differs from the general path: {body:?}"
        );
        let bytes = Envelope::parse_bytes(body.as_bytes(), opts);
        assert_eq!(view(&bytes), view(&got), "parse_bytes differs from parse: {body:?}");
    }
}

fn plaintext(text: &str) {
    let general = fuzz_plaintext::general(text);
    // An answer (a phone, no phone, an Alipay error) means the document was read.
    if general
        .as_ref()
        .map_or_else(|e| e.kind() != "malformed_plaintext", |_| true)
    {
        assert_object(text, "the plaintext's general path");
    }
    if let Some(fast) = fuzz_plaintext::fast(text) {
        assert_eq!(answer(&fast), answer(&general), "plaintext paths differ: {text:?}");
    }
    let got = parse_plaintext_with(text.as_bytes(), Charset::Utf8, &ParseOptions::default());
    if !got.as_ref().is_err_and(is_limit) {
        assert_eq!(
            answer(&got),
            answer(&general),
            "parse_plaintext differs from the general path: {text:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        envelope(text);
        plaintext(text);
    }
    // The GBK family decodes first and then takes the same two paths on the text.
    for charset in [Charset::Gbk, Charset::Gb18030] {
        let got = parse_plaintext_with(data, charset, &ParseOptions::default());
        if got.as_ref().is_err_and(is_limit) {
            continue;
        }
        let reference = charset.decode(data).and_then(|t| fuzz_plaintext::general(&t));
        assert_eq!(
            answer(&got),
            answer(&reference),
            "{} plaintext differs: {data:?}",
            charset.as_str()
        );
    }
});
