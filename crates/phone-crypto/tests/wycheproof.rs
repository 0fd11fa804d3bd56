//! Wycheproof RSA PKCS#1 v1.5 SHA-256 and AES-CBC-PKCS5 vectors on every backend: every
//! `valid` case must pass and every `invalid` one fail.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::*;
use phone_core::SignType;
use phone_crypto::{ContentKey, RsaPublicKey};
use serde_json::Value;

/// Runs one RSA file; returns (valid verified, invalid rejected, acceptable seen).
fn run_rsa(backend: phone_crypto::Backend, file: &str) -> (usize, usize, usize) {
    let data = load_json(file);
    let (mut valid, mut invalid, mut acceptable) = (0, 0, 0);
    let mut failures = Vec::new();
    for group in data["testGroups"].as_array().unwrap() {
        let key = RsaPublicKey::from_der(&hex(group["publicKeyDer"].as_str().unwrap())).unwrap();
        let verifier = backend.crypto_provider().prepare_verifier(&key).unwrap();
        for t in group["tests"].as_array().unwrap() {
            let ok = verifier
                .verify(
                    SignType::Rsa2,
                    &hex(t["msg"].as_str().unwrap()),
                    &hex(t["sig"].as_str().unwrap()),
                )
                .is_ok();
            match t["result"].as_str().unwrap() {
                "valid" if ok => valid += 1,
                "invalid" if !ok => invalid += 1,
                "acceptable" => acceptable += 1,
                r => failures.push(format!("tcId {} ({r}): verified={ok} {}", t["tcId"], t["comment"])),
            }
        }
    }
    assert!(failures.is_empty(), "{backend} {file}:\n{}", failures.join("\n"));
    assert_eq!(
        valid + invalid + acceptable,
        data["numberOfTests"].as_u64().unwrap() as usize
    );
    (valid, invalid, acceptable)
}

for_each_backend! {
    #[test]
    fn rsa_2048_sha256() {
        let (valid, invalid, _) = run_rsa(BACKEND, "wycheproof/rsa_signature_2048_sha256_test.json");
        assert_eq!((valid, invalid), (9, 249));
    }

    #[test]
    fn rsa_3072_sha256() {
        let (valid, invalid, _) = run_rsa(BACKEND, "wycheproof/rsa_signature_3072_sha256_test.json");
        assert_eq!((valid, invalid), (8, 250));
    }

    #[test]
    fn rsa_4096_sha256() {
        let (valid, invalid, _) = run_rsa(BACKEND, "wycheproof/rsa_signature_4096_sha256_test.json");
        assert_eq!((valid, invalid), (7, 250));
    }

    #[test]
    fn aes_cbc_pkcs5() {
        let data = load_json("wycheproof/aes_cbc_pkcs5_test.json");
        let (mut valid, mut invalid) = (0, 0);
        for group in data["testGroups"].as_array().unwrap() {
            for t in group["tests"].as_array().unwrap() {
                let key = ContentKey::from_bytes(&hex(t["key"].as_str().unwrap())).unwrap();
                let cipher = BACKEND.crypto_provider().prepare_cipher(&key).unwrap();
                let iv: [u8; 16] = hex(t["iv"].as_str().unwrap()).try_into().unwrap();
                let (msg, ct) = (hex(t["msg"].as_str().unwrap()), hex(t["ct"].as_str().unwrap()));
                let got = cipher.decrypt_cbc(&iv, &ct);
                match t["result"].as_str().unwrap() {
                    "valid" => {
                        assert_eq!(&**got.as_ref().unwrap(), &msg[..], "tcId {}", t["tcId"]);
                        let enc = BACKEND.alipay_side().prepare_encryptor(phone_crypto::ContentAlgorithm::AesCbc, &key).unwrap();
                        assert_eq!(enc.encrypt_cbc(&iv, &msg).unwrap(), ct, "tcId {}", t["tcId"]);
                        valid += 1;
                    }
                    "invalid" => {
                        assert_eq!(got.unwrap_err().kind(), "decrypt_failed", "tcId {}", t["tcId"]);
                        invalid += 1;
                    }
                    other => panic!("unexpected result {other:?}"),
                }
            }
        }
        assert_eq!(valid + invalid, data["numberOfTests"].as_u64().unwrap() as usize);
        assert_eq!((valid, invalid), (72, 144));
    }
}

#[test]
fn every_group_key_parses_from_every_encoding_wycheproof_gives() {
    let data = load_json("wycheproof/rsa_signature_2048_sha256_test.json");
    let g: &Value = &data["testGroups"][0];
    let from_der = RsaPublicKey::from_der(&hex(g["publicKeyDer"].as_str().unwrap())).unwrap();
    let from_pem = RsaPublicKey::parse(g["publicKeyPem"].as_str().unwrap()).unwrap();
    let from_pkcs1 = RsaPublicKey::from_der(&hex(g["publicKeyAsn"].as_str().unwrap())).unwrap();
    assert_eq!(from_der.pkcs1_der(), from_pem.pkcs1_der());
    assert_eq!(from_der.pkcs1_der(), from_pkcs1.pkcs1_der());
    assert_eq!(from_der.to_spki_der(), hex(g["publicKeyDer"].as_str().unwrap()));
}
