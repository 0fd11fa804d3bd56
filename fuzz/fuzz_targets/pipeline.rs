//! The whole flow with the demo key pair on every backend: arbitrary bodies never panic, never
//! reach decryption unless the signature verified, and all backends agree on the outcome.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use phone_crypto::{AppKeys, Backend};

static KEYS: LazyLock<Vec<AppKeys>> = LazyLock::new(|| {
    Backend::ALL
        .iter()
        .map(|b| {
            AppKeys::builder()
                .alipay_public_key(include_str!("../../examples/data/alipay_public_key.txt"))
                .and_then(|k| k.aes_key(include_str!("../../examples/data/aes_key.txt")))
                .and_then(|k| k.build(*b))
                .expect("demo keys")
        })
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let outcomes: Vec<String> = KEYS
        .iter()
        .map(|k| match k.open_bytes(data) {
            Ok(o) => format!("ok {}", o.response.phone.reveal()),
            Err(e) => e.kind().to_owned(),
        })
        .collect();
    assert!(
        outcomes.windows(2).all(|w| w[0] == w[1]),
        "backends disagree: {outcomes:?}"
    );
});
