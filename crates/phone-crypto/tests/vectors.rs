//! The shared vector files on every backend.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::*;
use phone_core::EncryptType;
use phone_crypto::{AesKey, ContentAlgorithm, decrypt};

for_each_backend! {
    #[test]
    fn every_shared_envelope_gives_its_expected_outcome() {
        let file = load_json("vectors/envelopes.json");
        let cases = file["cases"].as_array().unwrap();
        assert_eq!(cases.len(), file["count"].as_u64().unwrap() as usize);
        let (passed, failures) = run_cases(BACKEND, cases);
        assert!(failures.is_empty(), "{} of {} failed on {BACKEND}:\n{}", failures.len(), cases.len(), failures.join("\n"));
        assert_eq!(passed, 53);
    }

    #[test]
    fn every_reference_envelope_gives_its_expected_outcome() {
        let file = load_json("vectors/reference.json");
        let cases = file["envelopes"].as_array().unwrap();
        let (passed, failures) = run_cases(BACKEND, cases);
        assert!(failures.is_empty(), "{BACKEND}:\n{}", failures.join("\n"));
        assert_eq!(passed, cases.len());
        assert!(passed >= 3);
    }

    #[test]
    fn reference_content_vectors_decrypt_and_aes_encrypts_to_the_same_bytes() {
        let file = load_json("vectors/reference.json");
        let mut checked = 0;
        for v in file["content_vectors"].as_array().unwrap() {
            let key = AesKey::parse(v["aes_key"].as_str().unwrap()).unwrap();
            let ct = STANDARD.decode(v["ciphertext"].as_str().unwrap()).unwrap();
            let plaintext = v["plaintext"].as_str().unwrap();
            let et = EncryptType::parse(v["encrypt_type"].as_str().unwrap()).unwrap();
            let algorithm = ContentAlgorithm::for_encrypt_type(et).unwrap();
            let p = BACKEND.provider();
            if BACKEND.capabilities().decrypts(et) {
                let cipher = p.prepare_content_key(algorithm, &key).unwrap();
                let pt = decrypt(et, &*cipher, &ct).unwrap();
                assert_eq!(std::str::from_utf8(&pt).unwrap(), plaintext, "{}", v["name"]);
                if et == EncryptType::Aes {
                    let enc = BACKEND.alipay_side().prepare_encryptor(algorithm, &key).unwrap();
                    assert_eq!(enc.encrypt_cbc(&[0; 16], plaintext.as_bytes()).unwrap(), ct, "{}", v["name"]);
                }
                checked += 1;
            } else {
                // A backend without the type refuses it by name and points at one that has it.
                let err = p.prepare_content_key(algorithm, &key).unwrap_err();
                assert_eq!(err.kind(), "unsupported_encrypt_type", "{}", v["name"]);
                assert!(err.to_string().contains("rustcrypto"), "{err}");
            }
        }
        let sm4 = usize::from(BACKEND.capabilities().decrypts(EncryptType::Sm4));
        assert_eq!(checked, 3 + sm4);
    }
}
