//! Property tests on every backend, bounded to keep CI fast: round trips for random
//! plaintexts, key sizes and AES key lengths; one changed byte of `response` or `sign` is
//! always `bad_signature` and the decryptor is never called; random bytes anywhere give a
//! typed error, never a panic.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::*;
use phone_core::SignType;
use phone_crypto::{AesKey, ContentAlgorithm, RsaPrivateKeyDer, seal_envelope};
use proptest::prelude::*;

static PRIVATE_KEYS: LazyLock<Vec<RsaPrivateKeyDer>> = LazyLock::new(|| {
    let dir = format!("{}/tests/keys", env!("CARGO_MANIFEST_DIR"));
    vec![
        RsaPrivateKeyDer::parse(&std::fs::read_to_string(format!("{dir}/rsa1024_pkcs1.pem")).unwrap()).unwrap(),
        RsaPrivateKeyDer::parse(&demo("alipay_private_key.pem")).unwrap(),
        RsaPrivateKeyDer::parse(&std::fs::read_to_string(format!("{dir}/rsa4096_pkcs8.pem")).unwrap()).unwrap(),
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
            let key = AesKey::from_bytes(&aes).unwrap();
            let cipher = sealer.alipay_side().prepare_encryptor(ContentAlgorithm::AesCbc, &key).unwrap();
            let body = seal_envelope(&plaintext(&mobile, &extra), &*signer, encrypted.then_some(&*cipher), sign_type).unwrap();
            let keys = phone_crypto::AppKeys::builder().alipay_public_key_der(private.public_key().clone()).aes_key_raw(key.clone()).build(BACKEND).unwrap();
            let opened = keys.open(&body).unwrap();
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
            match keys.open_bytes(&body) {
                Ok(o) => prop_assert_eq!(o.response.phone.reveal(), "13800138000"), // inserted whitespace, say
                Err(e) => prop_assert!(phone_core::ErrorKind::ALL.iter().any(|k| k.as_str() == e.kind())),
            }
        }
    }
}
