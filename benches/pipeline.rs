//! Criterion benchmarks for every compiled backend, all in one run:
//! key preparation per format, RSA2 and RSA verification at 2048 and 4096 bits, AES-CBC
//! decryption, the whole `decrypt_phone`, the async client path (provider and cache included),
//! and, as the baseline, each library's own raw verify call on a pre-parsed key.
//!
//! `cargo bench --bench pipeline` from the workspace root; filter with e.g. `-- aws-lc-rs/`.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use phone_client::{AppKeyMaterial, PhoneClient, StaticKeys};
use phone_core::{Envelope, ParseOptions, SignType};
use phone_crypto::{
    AppKeys, Backend, ContentKey, RsaPrivateKey, RsaPublicKey, decrypt_phone, seal_envelope, success_plaintext,
};

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).expect("bench data")
}

struct Case {
    bits: usize,
    sign_type: SignType,
    private: RsaPrivateKey,
    body: String,
    signed: Vec<u8>,
    sig: Vec<u8>,
}

fn case(private: &RsaPrivateKey, sign_type: SignType, aes: &ContentKey) -> Case {
    // Sign with a backend that can do SHA1 (openssl or rustcrypto) when needed.
    let signer = Backend::ALL
        .iter()
        .filter(|b| b.alipay_side().sign_types().contains(&sign_type))
        .find_map(|b| b.alipay_side().prepare_signer(private).ok())
        .expect("a signing backend");
    let cipher = Backend::default()
        .alipay_side()
        .prepare_encryptor(phone_crypto::ContentAlgorithm::AesCbc, aes)
        .expect("cipher");
    let body = seal_envelope(&success_plaintext("13800138000"), &*signer, Some(&*cipher), sign_type).expect("seal");
    let env = Envelope::parse(&body, &ParseOptions::default()).expect("parse");
    let signed = env.signed_content().into_owned();
    let sig = env.decode_signature().expect("b64").expect("signed");
    Case {
        bits: private.public_key().bits(),
        sign_type,
        private: private.clone(),
        body,
        signed,
        sig,
    }
}

/// A verify call: (message, signature) -> valid.
type RawVerify = Box<dyn Fn(&[u8], &[u8]) -> bool>;

/// Each library's own verify call on a key parsed once, outside the SDK's traits.
fn raw_verify(backend: Backend, key: &RsaPublicKey) -> RawVerify {
    match backend.name() {
        "ring" => {
            let (n, e) = (key.modulus().to_vec(), key.exponent().to_vec());
            Box::new(move |m, s| {
                ring::signature::RsaPublicKeyComponents { n: &n[..], e: &e[..] }
                    .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, m, s)
                    .is_ok()
            })
        }
        "openssl" => {
            let pkey = openssl::pkey::PKey::from_rsa(
                openssl::rsa::Rsa::public_key_from_der_pkcs1(key.pkcs1_der()).expect("key"),
            )
            .expect("pkey");
            Box::new(move |m, s| {
                openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), &pkey)
                    .and_then(|mut v| v.verify_oneshot(s, m))
                    .unwrap_or(false)
            })
        }
        "rustcrypto" => {
            use rsa::pkcs1::DecodeRsaPublicKey;
            use rsa::signature::Verifier;
            let vk = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(
                rsa::PublicKey::from_pkcs1_der(key.pkcs1_der()).expect("key"),
            );
            Box::new(move |m, s| rsa::pkcs1v15::Signature::try_from(s).is_ok_and(|sig| vk.verify(m, &sig).is_ok()))
        }
        "graviola" => {
            let vk = graviola::signing::rsa::VerifyingKey::from_pkcs1_der(key.pkcs1_der()).expect("key");
            Box::new(move |m, s| vk.verify_pkcs1_sha256(s, m).is_ok())
        }
        _ => {
            let parsed = aws_lc_rs::signature::ParsedPublicKey::new(
                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                key.pkcs1_der(),
            )
            .expect("key");
            Box::new(move |m, s| parsed.verify_sig(m, s).is_ok())
        }
    }
}

fn bench(c: &mut Criterion) {
    let aes_text = read("examples/data/aes_key.txt");
    let aes = ContentKey::parse(&aes_text).expect("aes");
    let demo = RsaPrivateKey::parse(&read("examples/data/alipay_private_key.pem")).expect("demo key");
    let big = RsaPrivateKey::parse(&read("crates/phone-crypto/tests/keys/rsa4096_pkcs8.pem")).expect("4096 key");
    let cases = [
        case(&demo, SignType::Rsa2, &aes),
        case(&demo, SignType::Rsa, &aes),
        case(&big, SignType::Rsa2, &aes),
        case(&big, SignType::Rsa, &aes),
    ];
    let formats = [
        ("raw_base64", read("examples/data/alipay_public_key.txt")),
        ("pem", read("examples/data/alipay_public_key.pem")),
        (
            "pkcs1_pem",
            read("crates/phone-crypto/tests/keys/demo_public_pkcs1.pem"),
        ),
        (
            "certificate",
            read("testdata/fixtures/alipay-sdk-nodejs/alipayCertPublicKey_RSA2.crt"),
        ),
    ];
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");

    for backend in Backend::ALL {
        let p = backend.crypto_provider();
        let mut g = c.benchmark_group(backend.name());
        for (name, text) in &formats {
            g.bench_function(format!("prepare_key/{name}"), |b| {
                b.iter(|| {
                    p.prepare_verifier(&RsaPublicKey::parse(black_box(text)).expect("key"))
                        .expect("verifier")
                })
            });
        }
        for cs in cases.iter().filter(|cs| backend.capabilities().verifies(cs.sign_type)) {
            // graviola has no SHA-1: it benches the RSA2 cases only.
            let verifier = p.prepare_verifier(cs.private.public_key()).expect("verifier");
            g.bench_function(format!("verify/{}_{}", cs.sign_type, cs.bits), |b| {
                b.iter(|| {
                    verifier
                        .verify(cs.sign_type, black_box(&cs.signed), black_box(&cs.sig))
                        .expect("valid")
                })
            });
            if cs.sign_type == SignType::Rsa2 {
                let raw = raw_verify(*backend, cs.private.public_key());
                assert!(raw(&cs.signed, &cs.sig), "{backend} raw verify");
                g.bench_function(format!("raw_library_verify/RSA2_{}", cs.bits), |b| {
                    b.iter(|| raw(black_box(&cs.signed), black_box(&cs.sig)))
                });
            }
        }
        let cipher = p.prepare_cipher(&aes).expect("cipher");
        let env = Envelope::parse(&cases[0].body, &ParseOptions::default()).expect("parse");
        let ct = env.decode_ciphertext().expect("b64").expect("encrypted");
        g.bench_function("aes_cbc_decrypt_64B", |b| {
            b.iter(|| cipher.decrypt_cbc(&[0; 16], black_box(&ct)).expect("pt"))
        });

        for cs in [&cases[0], &cases[2]] {
            let keys = AppKeys::builder()
                .alipay_public_key_der(cs.private.public_key().clone())
                .aes_key_raw(aes.clone())
                .build(*backend)
                .expect("keys");
            g.bench_function(format!("decrypt_phone/RSA2_{}", cs.bits), |b| {
                b.iter(|| decrypt_phone(&keys, black_box(&cs.body)).expect("phone"))
            });
        }
        let material = AppKeyMaterial::new()
            .with_rsa_public_key(demo.public_key().clone())
            .with_aes_key_raw(aes.clone());
        let client = PhoneClient::builder()
            .keys(StaticKeys::new().app("app", material))
            .backend(*backend)
            .build()
            .expect("client");
        g.bench_function("client_decrypt_phone/RSA2_2048", |b| {
            b.iter(|| {
                rt.block_on(client.decrypt_phone("app", black_box(&cases[0].body)))
                    .expect("phone")
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
