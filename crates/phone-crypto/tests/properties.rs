//! Property tests on every backend, bounded to keep CI fast: round trips for random
//! plaintexts, key sizes and AES key lengths; one changed byte of `response` or `sign` is
//! always `bad_signature` and the decryptor is never called; random bytes anywhere give the
//! error kind the contract's order of checks names for them, never a panic.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::*;
use phone_core::{Charset, EncryptType, SignType};
use phone_crypto::{ContentAlgorithm, ContentKey, RsaPrivateKey, seal_envelope};
use proptest::prelude::*;
use serde_json::{Map, Value};

static PRIVATE_KEYS: LazyLock<Vec<RsaPrivateKey>> = LazyLock::new(|| {
    vec![
        RsaPrivateKey::parse(&key("rsa1024_pkcs1.pem")).unwrap(),
        RsaPrivateKey::parse(&demo("alipay_private_key.pem")).unwrap(),
        RsaPrivateKey::parse(&key("rsa4096_pkcs8.pem")).unwrap(),
    ]
});

fn mobile() -> impl Strategy<Value = String> {
    prop_oneof!["1[3-9][0-9]{9}", "[1-9][0-9]{0,2}-[0-9]{6,12}",]
}

fn aes_key() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 16),
        prop::collection::vec(any::<u8>(), 24),
        prop::collection::vec(any::<u8>(), 32)
    ]
}

/// What the contract says opening `body` must give, when `body` is the demo envelope with
/// bytes inserted (or replaced whole): `Ok(())` for the demo number, else the error kind. A
/// small model of the contract's order of checks, with serde_json as the JSON oracle:
/// envelope JSON and field shapes, then `sign` present, sign type, encrypt type, charset, then
/// base64 (`sign`, encrypted `response`), then the signature over `response` as posted.
fn expected_kind(body: &[u8], demo: &Map<String, Value>) -> Result<(), &'static str> {
    let Ok(env) = serde_json::from_slice::<Map<String, Value>>(body) else {
        return Err("malformed_envelope"); // not UTF-8, not JSON, or not an object
    };
    // `response`: a non-empty string or an object. The other fields: strings, or null.
    match env.get("response") {
        Some(Value::String(r)) if !r.is_empty() => {}
        Some(Value::Object(_)) => {}
        _ => return Err("malformed_envelope"),
    }
    let text = |field: &str| match env.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(v)) => Ok(Some(v.clone()).filter(|v| !v.is_empty())),
        Some(_) => Err("malformed_envelope"),
    };
    let (sign, sign_type, encrypt_type, charset) = (
        text("sign")?,
        text("sign_type")?,
        text("encrypt_type")?,
        text("charset")?,
    );
    let Some(sign) = sign else {
        return Err("missing_signature");
    };
    let sign_type = sign_type
        .map_or(Ok(SignType::default()), |t| SignType::parse(&t))
        .map_err(|_| "unsupported_sign_type")?;
    let encrypt_type = encrypt_type
        .map_or(Ok(EncryptType::default()), |t| EncryptType::parse(&t))
        .map_err(|_| "unsupported_encrypt_type")?;
    charset
        .map_or(Ok(Charset::default()), |c| Charset::parse(&c))
        .map_err(|_| "malformed_envelope")?;
    if sign_type == SignType::Sm2 {
        return Err("unsupported_sign_type"); // an SM2 envelope against an RSA key
    }
    // Both base64 texts are checked before the signature: `sign`, then encrypted content (a
    // `response` string that is not itself a JSON object's text).
    if STANDARD.decode(&sign).is_err() {
        return Err("bad_base64");
    }
    if let Some(Value::String(r)) = env.get("response")
        && !r.starts_with('{')
        && STANDARD.decode(r).is_err()
    {
        return Err("bad_base64");
    }
    // The demo is RSA2 over the unchanged `response`: anything else fails verification.
    if env.get("response") != demo.get("response")
        || Some(&Value::from(sign)) != demo.get("sign")
        || sign_type != SignType::Rsa2
    {
        return Err("bad_signature");
    }
    // Verified: the same AES ciphertext opens under AES (a charset change cannot touch its
    // ASCII plaintext); another declared encrypt type cannot decrypt it.
    match encrypt_type {
        EncryptType::Aes => Ok(()),
        _ => Err("decrypt_failed"),
    }
}

/// A plaintext with the number plus random extra fields (unicode, escapes).
fn plaintext(mobile: &str, extra: &str) -> String {
    serde_json::json!({"code": "10000", "msg": "Success", "mobile": mobile, "extra": extra}).to_string()
}

for_each_backend! {
    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn seal_then_open_round_trips(mobile in mobile(), extra in "\\PC{0,40}", key_idx in 0usize..3, aes in aes_key(), encrypted in any::<bool>(), rsa1 in any::<bool>()) {
            let private = &PRIVATE_KEYS[key_idx];
            let sign_type = if rsa1 { SignType::Rsa } else { SignType::Rsa2 };
            // Sign with a backend that can (ring: RSA2 and 2048+ only); open with BACKEND.
            let sealer = phone_crypto::Backend::ALL
                .iter()
                .find(|b| b.alipay_side().sign_types().contains(&sign_type) && b.alipay_side().prepare_signer(private).is_ok());
            // A build whose backends cannot sign this combination (ring alone: no SHA1, no
            // 1024-bit signing) has nothing to seal it with.
            prop_assume!(sealer.is_some());
            let sealer = sealer.unwrap();
            let signer = sealer.alipay_side().prepare_signer(private).unwrap();
            let key = ContentKey::from_bytes(&aes).unwrap();
            let cipher = sealer.alipay_side().prepare_encryptor(ContentAlgorithm::AesCbc, &key).unwrap();
            let body = seal_envelope(&plaintext(&mobile, &extra), &*signer, encrypted.then_some(&*cipher), sign_type).unwrap();
            let keys = phone_crypto::AppKeys::builder().alipay_public_key_der(private.public_key().clone()).aes_key_raw(key.clone()).build(BACKEND);
            if !covers(BACKEND, sign_type, private.public_key().bits()) {
                // graviola opens RSA2 from 2048 bits only: anything else is refused by name.
                assert_refused_for_capability(BACKEND, &keys.and_then(|k| k.open(&body)).unwrap_err());
                return Ok(());
            }
            let opened = keys.unwrap().open(&body).unwrap();
            prop_assert_eq!(opened.response.phone.reveal(), mobile.as_str());
        }

        #[test]
        fn one_changed_byte_is_a_bad_signature_and_never_decrypted(field_is_sign in any::<bool>(), pos in any::<prop::sample::Index>(), bit in 0u8..8) {
            let (keys, counts) = counting_demo_keys(BACKEND);
            let body: serde_json::Value = serde_json::from_str(&demo("envelope.json")).unwrap();
            let field = if field_is_sign { "sign" } else { "response" };
            // Change one byte of the decoded value, then re-encode: the base64 stays valid.
            let mut bytes = STANDARD.decode(body[field].as_str().unwrap()).unwrap();
            let i = pos.index(bytes.len());
            bytes[i] ^= 1 << bit;
            let mut tampered = body.clone();
            tampered[field] = STANDARD.encode(&bytes).into();
            let text = tampered.to_string();
            let err = keys.open(&text).unwrap_err();
            prop_assert_eq!(err.kind(), "bad_signature");
            prop_assert_eq!(counts.decrypts(), 0);
        }

        #[test]
        fn random_bytes_anywhere_give_a_typed_error(junk in prop::collection::vec(any::<u8>(), 0..64), at in any::<prop::sample::Index>(), whole in any::<bool>()) {
            let keys = phone_crypto::AppKeys::builder().alipay_public_key(&demo("alipay_public_key.txt")).unwrap().aes_key(&demo("aes_key.txt")).unwrap().build(BACKEND).unwrap();
            let mut body = demo("envelope.json").into_bytes();
            if whole {
                body = junk.clone();
            } else {
                let i = at.index(body.len());
                body.splice(i..i, junk.iter().copied());
            }
            let demo_env: Map<String, Value> = serde_json::from_str(&demo("envelope.json")).unwrap();
            let want = expected_kind(&body, &demo_env);
            match keys.open_bytes(&body) {
                // Whitespace between tokens, or a renamed field whose default is the demo's.
                Ok(o) => {
                    prop_assert_eq!(want, Ok(()), "opened {:?}", String::from_utf8_lossy(&body));
                    prop_assert_eq!(o.response.phone.reveal(), "13800138000");
                }
                Err(e) => prop_assert_eq!(want, Err(e.kind()), "{:?}: {}", String::from_utf8_lossy(&body), e),
            }
        }
    }
}
