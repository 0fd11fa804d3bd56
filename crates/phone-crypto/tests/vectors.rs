//! The shared vector files on every backend.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::*;
use phone_core::EncryptType;
use phone_crypto::{AppKeys, Backend, ContentAlgorithm, ContentKey, decrypt_content};

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

    /// `open-data.json`: the button's event detail, Alipay's `encryptContent` wrapper, the
    /// refused front-end mistakes, `my.getRunData` and any open data.
    #[test]
    fn every_open_data_case_gives_its_expected_outcome() {
        let file = load_json("vectors/open-data.json");
        let cases = file["cases"].as_array().unwrap();
        assert_eq!(cases.len(), file["count"].as_u64().unwrap() as usize);
        let (passed, failures) = run_cases(BACKEND, cases);
        assert!(failures.is_empty(), "{} of {} failed on {BACKEND}:\n{}", failures.len(), cases.len(), failures.join("\n"));
        assert_eq!(passed, 28);
        // Each refused shape is refused as the mistake it is, not as a generic malformed body.
        let named = |name: &str| {
            let case = cases.iter().find(|c| c["name"] == name).unwrap();
            let keys = AppKeys::builder()
                .alipay_public_key(case["alipay_public_key"].as_str().unwrap())
                .unwrap()
                .aes_key(case["aes_key"].as_str().unwrap())
                .unwrap()
                .build(BACKEND)
                .unwrap();
            let err = keys.open(case["envelope"].as_str().unwrap()).unwrap_err();
            err.mistake().map(|m| m.check_id())
        };
        assert_eq!(named("envelope_and_encrypted_data_both"), Some("ambiguous_content"));
        assert_eq!(named("double_encoded_envelope"), Some("posted_as_json_string"));
        assert_eq!(named("response_holds_whole_envelope"), Some("envelope_in_response"));
        assert_eq!(named("data_wrapper"), Some("envelope_in_field"));
        assert_eq!(named("form_encoded_envelope"), Some("form_encoded"));
        assert_eq!(named("button_detail_empty_encrypted_data"), None);
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

    /// The repository's own `extra.json` (Alipay's real shapes, `examples/make_extra_vectors.rs`):
    /// every outcome as expected, and for Alipay errors every listed plaintext field exactly,
    /// so a `subMsg` written with `\/` escapes comes out unescaped.
    #[test]
    fn every_extra_envelope_gives_its_expected_outcome_and_fields() {
        let file = load_json("vectors/extra.json");
        let cases = file["cases"].as_array().unwrap();
        assert_eq!(cases.len(), file["count"].as_u64().unwrap() as usize);
        let (passed, failures) = run_cases(BACKEND, cases);
        assert!(failures.is_empty(), "{BACKEND}:\n{}", failures.join("\n"));
        assert_eq!(passed, 7);
        let mut fields = 0;
        for case in cases.iter().filter(|c| c["expected"]["error"] == "alipay_error") {
            let got = outcome(BACKEND, case);
            for (k, want) in case["expected"]["plaintext"].as_object().unwrap() {
                assert_eq!(&got["plaintext"][k], want, "{BACKEND} {} {k}", case["name"]);
                fields += 1;
            }
            assert!(!got["plaintext"]["subMsg"].as_str().unwrap_or("").contains('\\'), "{got}");
        }
        assert_eq!(fields, 4 + 4 + 4 + 1);
    }

    #[test]
    fn reference_content_vectors_decrypt_and_aes_encrypts_to_the_same_bytes() {
        let file = load_json("vectors/reference.json");
        let mut checked = 0;
        for v in file["content_vectors"].as_array().unwrap() {
            let key = ContentKey::parse(v["aes_key"].as_str().unwrap()).unwrap();
            let ct = STANDARD.decode(v["ciphertext"].as_str().unwrap()).unwrap();
            let plaintext = v["plaintext"].as_str().unwrap();
            let et = EncryptType::parse(v["encrypt_type"].as_str().unwrap()).unwrap();
            let algorithm = ContentAlgorithm::for_encrypt_type(et).unwrap();
            let p = BACKEND.crypto_provider();
            if BACKEND.capabilities().decrypts(et) {
                let cipher = p.prepare_content_key(algorithm, &key).unwrap();
                let pt = decrypt_content(et, &*cipher, &ct).unwrap();
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

/// Each `extra.json` case has the shape its name claims, read with raw (unpadded) AES-CBC:
/// one block after the IV, 9 pad bytes of 0x09 after a 55-byte body, `\/` in the text Alipay
/// encrypted or posted.
#[test]
fn extra_vectors_have_the_shapes_they_name() {
    let file = load_json("vectors/extra.json");
    let mut checked = 0;
    for case in file["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let env: serde_json::Value = serde_json::from_str(case["envelope"].as_str().unwrap()).unwrap();
        let posted = case["envelope"].as_str().unwrap();
        let key = ContentKey::parse(case["aes_key"].as_str().unwrap()).unwrap();
        let cipher = Backend::default()
            .crypto_provider()
            .prepare_content_key(ContentAlgorithm::AesCbc, &key)
            .unwrap();
        // The raw plaintext and its padding: AES has a zero IV, AES_V2 prepends it.
        let raw = |content: &[u8]| -> (Vec<u8>, usize) {
            let (iv, ct) = match env["encrypt_type"].as_str() {
                Some("AES_V2") => (content[..16].try_into().unwrap(), &content[16..]),
                _ => ([0u8; 16], content),
            };
            let padded = cipher.decrypt(&iv, ct).unwrap().to_vec();
            let pad = usize::from(*padded.last().unwrap());
            assert!(
                padded[padded.len() - pad..].iter().all(|b| usize::from(*b) == pad),
                "{name}"
            );
            (padded[..padded.len() - pad].to_vec(), pad)
        };
        let content = env["response"].as_str().map(|r| STANDARD.decode(r).unwrap());
        match name {
            "success_55_bytes_pad_09" | "aes_v2_success_55_bytes_pad_09" => {
                let content = content.unwrap();
                let v2 = name.starts_with("aes_v2");
                assert_eq!(content.len(), if v2 { 16 + 64 } else { 64 }, "{name}");
                let (text, pad) = raw(&content);
                assert_eq!((text.len(), pad), (55, 9), "{name}");
                assert_eq!(text, br#"{"code":"10000","msg":"Success","mobile":"13912345678"}"#);
            }
            "aes_v2_exactly_one_block" => {
                let content = content.unwrap();
                assert_eq!(content.len(), 16 + 16);
                assert_eq!(raw(&content), (br#"{"code":"4000"}"#.to_vec(), 1));
            }
            "aes_v2_iv_only" => assert_eq!(content.unwrap().len(), 16),
            "alipay_error_escaped_url_submsg_encrypted" | "alipay_error_escaped_url_submsg_aes_v2" => {
                let (text, _) = raw(&content.unwrap());
                let text = String::from_utf8(text).unwrap();
                assert!(
                    text.contains(
                        r#""subMsg":"无效的AppID参数，详见https:\/\/docs.open.alipay.com\/common\/isverror""#
                    ),
                    "{text}"
                );
            }
            "alipay_error_escaped_url_sub_msg_plain" => {
                // Unencrypted: `response` is the object itself, posted with its escapes.
                assert!(env["response"].is_object());
                assert!(
                    posted.contains(r#""sub_msg":"https:\/\/docs.open.alipay.com\/common\/isverror""#),
                    "{posted}"
                );
            }
            other => panic!("no shape check for {other}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 7);
}
