#![allow(missing_docs)] // criterion_group! generates undocumented items
//! Criterion benchmarks per compiled backend: key preparation, the raw RSA2 verify on a
//! prepared key (the floor), and the whole `decrypt_phone` on the demo envelope.
//!
//! `cargo bench --bench pipeline` from the workspace root.

use criterion::{Criterion, criterion_group, criterion_main};
use phone_core::{Envelope, ParseOptions};
use phone_crypto::{AesKey, AppKeys, Backend, RsaPublicKeyDer, decrypt_phone};
use std::hint::black_box;

fn data(file: &str) -> String {
    std::fs::read_to_string(format!("{}/examples/data/{file}", env!("CARGO_MANIFEST_DIR"))).expect("demo data")
}

fn bench(c: &mut Criterion) {
    let public = data("alipay_public_key.txt");
    let aes = data("aes_key.txt");
    let body = data("envelope.json");
    let env = Envelope::parse(&body, &ParseOptions::default()).expect("envelope");
    let signed = env.signed_content().into_owned();
    let sig = env.decode_signature().expect("base64").expect("signed");
    let public_der = RsaPublicKeyDer::parse(&public).expect("key");
    let aes_key = AesKey::parse(&aes).expect("aes");

    for backend in Backend::ALL {
        let mut g = c.benchmark_group(backend.name());
        let p = backend.provider();
        g.bench_function("prepare_keys_raw_base64", |b| {
            b.iter(|| {
                AppKeys::builder()
                    .alipay_public_key(black_box(&public))
                    .and_then(|k| k.aes_key(black_box(&aes)))
                    .and_then(|k| k.build(*backend))
                    .expect("keys")
            })
        });
        let verifier = p.prepare_verifier(&public_der).expect("verifier");
        g.bench_function("raw_verify_rsa2_2048", |b| {
            b.iter(|| {
                verifier
                    .verify(phone_core::SignType::Rsa2, black_box(&signed), black_box(&sig))
                    .expect("valid")
            })
        });
        let cipher = p.prepare_cipher(&aes_key).expect("cipher");
        let ct = env.decode_ciphertext().expect("b64").expect("encrypted");
        g.bench_function("aes_cbc_decrypt_64b", |b| {
            b.iter(|| cipher.decrypt_cbc(&[0; 16], black_box(&ct)).expect("pt"))
        });
        let keys = AppKeys::builder()
            .alipay_public_key(&public)
            .and_then(|k| k.aes_key(&aes))
            .and_then(|k| k.build(*backend))
            .expect("keys");
        g.bench_function("decrypt_phone", |b| {
            b.iter(|| decrypt_phone(&keys, black_box(&body)).expect("phone"))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
