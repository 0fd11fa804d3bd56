//! Every limit is configurable and each breach is a typed error.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::*;
use phone_core::{ParseOptions, SignType};
use phone_crypto::{AppKeys, Backend, ContentAlgorithm, ContentKey, RsaPrivateKey, seal_envelope};

fn keys(opts: ParseOptions) -> AppKeys {
    AppKeys::builder()
        .alipay_public_key(&demo("alipay_public_key.txt"))
        .unwrap()
        .aes_key(&demo("aes_key.txt"))
        .unwrap()
        .options(opts)
        .build(Backend::default())
        .unwrap()
}

/// A validly signed envelope around `plaintext`.
fn sealed(plaintext: &str, encrypted: bool) -> String {
    let p = Backend::default().alipay_side();
    let signer = p
        .prepare_signer(&RsaPrivateKey::parse(&demo("alipay_private_key.pem")).unwrap())
        .unwrap();
    let cipher = p
        .prepare_encryptor(
            ContentAlgorithm::AesCbc,
            &ContentKey::parse(&demo("aes_key.txt")).unwrap(),
        )
        .unwrap();
    seal_envelope(plaintext, &*signer, encrypted.then_some(&*cipher), SignType::Rsa2).unwrap()
}

fn padded_plaintext(extra: usize) -> String {
    format!(
        r#"{{"code":"10000","msg":"Success","mobile":"13800138000","pad":"{}"}}"#,
        "x".repeat(extra)
    )
}

#[test]
fn envelope_size_limit_default_and_configured() {
    let body = demo("envelope.json");
    assert!(keys(ParseOptions::default()).open(&body).is_ok());
    let err = keys(ParseOptions::default().max_envelope_bytes(body.len() - 1))
        .open(&body)
        .unwrap_err();
    assert_eq!(err.kind(), "payload_too_large");
    let big = sealed(&padded_plaintext(50_000), true);
    assert!(big.len() > 64 * 1024);
    assert_eq!(
        keys(ParseOptions::default()).open(&big).unwrap_err().kind(),
        "payload_too_large"
    );
    let roomy = ParseOptions::default()
        .max_envelope_bytes(1 << 20)
        .max_ciphertext_bytes(1 << 20)
        .max_plaintext_bytes(1 << 20);
    assert!(keys(roomy).open(&big).is_ok());
}

#[test]
fn ciphertext_limit_is_checked_before_decoding() {
    let body = sealed(&padded_plaintext(2_000), true);
    let opts = ParseOptions::default().max_ciphertext_bytes(1_024);
    let err = keys(opts).open(&body).unwrap_err();
    assert_eq!(err.kind(), "payload_too_large");
    assert!(err.to_string().contains("1024"), "{err}");
    assert!(
        keys(ParseOptions::default().max_ciphertext_bytes(4_096))
            .open(&body)
            .is_ok()
    );
}

#[test]
fn plaintext_limit_applies_to_decrypted_and_plain_content() {
    for encrypted in [true, false] {
        let body = sealed(&padded_plaintext(2_000), encrypted);
        let opts = ParseOptions::default()
            .max_plaintext_bytes(1_024)
            .max_ciphertext_bytes(1 << 16);
        assert_eq!(
            keys(opts).open(&body).unwrap_err().kind(),
            "payload_too_large",
            "encrypted={encrypted}"
        );
    }
}

#[test]
fn json_depth_limit_in_envelope_and_plaintext() {
    let deep = format!(
        r#"{{"response":"QUJD","sign":"c2ln","x":{}1{}}}"#,
        "[".repeat(40),
        "]".repeat(40)
    );
    assert_eq!(
        keys(ParseOptions::default()).open(&deep).unwrap_err().kind(),
        "malformed_envelope"
    );
    // Deep nesting inside a (validly signed) plaintext.
    let plaintext = format!(
        r#"{{"code":"10000","mobile":"13800138000","x":{}1{}}}"#,
        "[".repeat(20),
        "]".repeat(20)
    );
    let body = sealed(&plaintext, true);
    assert_eq!(
        keys(ParseOptions::default()).open(&body).unwrap_err().kind(),
        "malformed_plaintext"
    );
    assert!(keys(ParseOptions::default().max_json_depth(32)).open(&body).is_ok());
    // 200 levels would also hit serde_json's own recursion limit; ours answers first, typed.
    let very_deep = format!(r#"{{"response":{}}}"#, "{\"a\":".repeat(200) + "1" + &"}".repeat(200));
    assert_eq!(
        keys(ParseOptions::default()).open(&very_deep).unwrap_err().kind(),
        "malformed_envelope"
    );
}
