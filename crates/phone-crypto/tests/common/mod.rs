//! Shared helpers for the per-backend suites: vector files, outcomes, the backend macro.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use std::sync::atomic::{AtomicUsize, Ordering};

use phone_core::Error;
use phone_crypto::{AppKeys, Backend, ContentCipher};
use serde_json::{Value, json};
use zeroize::Zeroizing;

pub fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

pub fn load_json(rel: &str) -> Value {
    let text = std::fs::read_to_string(testdata(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap()
}

pub fn read(rel: &str) -> String {
    std::fs::read_to_string(testdata(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn demo(file: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/data")
        .join(file);
    std::fs::read_to_string(p).unwrap()
}

pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// What the SDK made of a case, in the vector files' vocabulary.
pub fn outcome(backend: Backend, case: &Value) -> Value {
    let keys = AppKeys::builder()
        .alipay_public_key(case["alipay_public_key"].as_str().unwrap())
        .and_then(|b| b.aes_key(case["aes_key"].as_str().unwrap()))
        .and_then(|b| b.build(backend));
    let keys = match keys {
        Ok(k) => k,
        Err(e) => return json!({"error": e.kind()}),
    };
    match keys.open(case["envelope"].as_str().unwrap()) {
        Ok(o) => json!({"ok": {"code": o.response.code, "msg": o.response.msg, "mobile": o.response.phone.reveal()}}),
        Err(e) => {
            let mut v = json!({"error": e.kind()});
            if let Some(a) = e.alipay() {
                v["plaintext"] = json!({"code": a.code, "msg": a.msg, "subCode": a.sub_code, "subMsg": a.sub_msg});
            }
            v
        }
    }
}

/// The vector files' rule: `ok` compares code, msg, mobile; `alipay_error` compares code.
pub fn matches(got: &Value, want: &Value) -> bool {
    if let Some(ok) = want.get("ok") {
        return got
            .get("ok")
            .is_some_and(|g| ["code", "msg", "mobile"].iter().all(|k| g[k] == ok[k]));
    }
    if got.get("error") != want.get("error") {
        return false;
    }
    match want.get("plaintext") {
        Some(p) if want["error"] == "alipay_error" => got["plaintext"]["code"] == p["code"],
        _ => true,
    }
}

/// Runs every case of a vector file; returns (passed, failures).
pub fn run_cases(backend: Backend, cases: &[Value]) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    for case in cases {
        let got = outcome(backend, case);
        let mut wants = vec![case["expected"].clone()];
        wants.extend(
            case.get("also_acceptable")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        if !wants.iter().any(|w| matches(&got, w)) {
            failures.push(format!("{}: got {got}, want {}", case["name"], case["expected"]));
        }
    }
    (cases.len() - failures.len(), failures)
}

/// Stamps the same test module once per compiled backend, with `BACKEND` set.
#[macro_export]
macro_rules! for_each_backend {
    ($($body:tt)*) => {
        #[cfg(feature = "ring")]
        mod ring {
            #[allow(unused_imports)]
            use super::*;
            const BACKEND: phone_crypto::Backend = phone_crypto::Backend::Ring;
            $($body)*
        }
        #[cfg(feature = "openssl")]
        mod openssl {
            #[allow(unused_imports)]
            use super::*;
            const BACKEND: phone_crypto::Backend = phone_crypto::Backend::OpenSsl;
            $($body)*
        }
        #[cfg(feature = "rustcrypto")]
        mod rustcrypto {
            #[allow(unused_imports)]
            use super::*;
            const BACKEND: phone_crypto::Backend = phone_crypto::Backend::RustCrypto;
            $($body)*
        }
        #[cfg(feature = "aws-lc-rs")]
        mod aws_lc_rs {
            #[allow(unused_imports)]
            use super::*;
            const BACKEND: phone_crypto::Backend = phone_crypto::Backend::AwsLc;
            $($body)*
        }
    };
}

/// A cipher that counts how often it is asked to decrypt: proves nothing reaches decryption
/// before the signature verified.
#[derive(Debug)]
pub struct Counting<'a> {
    pub inner: &'a dyn ContentCipher,
    pub calls: AtomicUsize,
}

impl<'a> Counting<'a> {
    pub fn new(inner: &'a dyn ContentCipher) -> Self {
        Self {
            inner,
            calls: AtomicUsize::new(0),
        }
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl ContentCipher for Counting<'_> {
    fn cbc_decrypt_raw(&self, iv: &[u8; 16], ct: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.cbc_decrypt_raw(iv, ct)
    }
    fn cbc_encrypt_raw(&self, iv: &[u8; 16], padded: &[u8]) -> Result<Vec<u8>, Error> {
        self.inner.cbc_encrypt_raw(iv, padded)
    }
    fn key_len(&self) -> usize {
        self.inner.key_len()
    }
}
