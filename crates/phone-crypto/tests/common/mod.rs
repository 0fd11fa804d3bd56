//! Shared helpers for the per-backend suites: vector files, outcomes, the backend macro.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use phone_core::Error;
use phone_crypto::{
    AesKey, AlipayPublicKey, AppKeys, Backend, CipherFactory, ContentAlgorithm, ContentCipher, ContentEncryptor,
    CryptoBackend, KeyPool, SignAlgorithm, SignatureVerifier, VerifierFactory,
};
use serde_json::{Value, json};
use zeroize::Zeroizing;

// Files, for the suites that `use common::*`. Everything is read from this crate's own
// `tests/` (verbatim copies of the workspace's `testdata/` and `examples/data/`, checked by
// `scripts/package-check.sh`), so that the crate as published tests on its own.

/// This crate's `tests/` directory.
pub fn tests_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// A path under `tests/data/` (a copy of the workspace's `testdata/`).
pub fn testdata(rel: &str) -> std::path::PathBuf {
    tests_dir().join("data").join(rel)
}

/// The text of a file under `tests/data/`.
pub fn read(rel: &str) -> String {
    std::fs::read_to_string(testdata(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A JSON file under `tests/data/`.
pub fn load_json(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A file of the demo key set and envelope (`tests/data/demo/`, a copy of `examples/data/`).
pub fn demo(file: &str) -> String {
    read(&format!("demo/{file}"))
}

/// A test key of `tests/keys/` (1024, 4096-bit, EC, SM2 ...).
pub fn key(name: &str) -> String {
    let p = tests_dir().join("keys").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Decodes lower- or upper-case hex; panics on odd length or a non-hex digit.
pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_else(|e| panic!("hex {s:?}: {e}")))
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
    let body = case["envelope"].as_str().unwrap();
    // A case with `data` names the open data it carries (`decrypt --data run|any`).
    let opened = match case["data"].as_str() {
        Some("run") => keys.open_run_data(body).map(|o| {
            json!({"ok": {"code": o.response.code, "msg": o.response.msg, "count": o.response.count.reveal(),
                "count_date": o.response.count_date.to_string()}})
        }),
        Some("any") => keys
            .open_data::<serde_json::Map<String, Value>>(body)
            .map(|o| json!({"ok": {"code": o.response.code, "msg": o.response.msg, "data": o.response.data}})),
        _ => keys.open(body).map(
            |o| json!({"ok": {"code": o.response.code, "msg": o.response.msg, "mobile": o.response.phone.reveal()}}),
        ),
    };
    match opened {
        Ok(v) => v,
        Err(e) => {
            let mut v = json!({"error": e.kind()});
            if let Some(a) = e.alipay() {
                v["plaintext"] = json!({"code": a.code, "msg": a.msg, "subCode": a.sub_code, "subMsg": a.sub_msg});
            }
            v
        }
    }
}

/// The vector files' rule: `ok` compares code, msg, mobile (for run and any open data, every
/// expected field with its JSON type); `alipay_error` compares code.
pub fn matches(got: &Value, want: &Value) -> bool {
    if let Some(ok) = want.get("ok") {
        let typed = ok.get("count").is_some() || ok.get("data").is_some();
        return got.get("ok").is_some_and(|g| {
            if typed {
                ok.as_object().unwrap().iter().all(|(k, v)| &g[k] == v)
            } else {
                ["code", "msg", "mobile"].iter().all(|k| g[k] == ok[k])
            }
        });
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

/// A backend that wraps a real one and counts what it is asked to do: how many keys it
/// prepares (sharing proofs) and how often a prepared content key decrypts (nothing reaches
/// decryption before the signature verified). Held as `Arc<dyn CryptoBackend>` like any
/// custom backend.
#[derive(Debug)]
pub struct CountingBackend {
    verifiers: Vec<CountingVerifierFactory>,
    ciphers: Vec<CountingCipherFactory>,
    pub counts: Arc<Counts>,
}

#[derive(Debug, Default)]
pub struct Counts {
    pub prepared_verifiers: AtomicUsize,
    pub prepared_ciphers: AtomicUsize,
    pub decrypts: AtomicUsize,
}

impl Counts {
    pub fn decrypts(&self) -> usize {
        self.decrypts.load(Ordering::SeqCst)
    }
    pub fn prepared_verifiers(&self) -> usize {
        self.prepared_verifiers.load(Ordering::SeqCst)
    }
    pub fn prepared_ciphers(&self) -> usize {
        self.prepared_ciphers.load(Ordering::SeqCst)
    }
}

#[derive(Debug)]
struct CountingVerifierFactory {
    inner: Arc<dyn CryptoBackend>,
    algorithm: SignAlgorithm,
    counts: Arc<Counts>,
}

#[derive(Debug)]
struct CountingCipherFactory {
    inner: Arc<dyn CryptoBackend>,
    algorithm: ContentAlgorithm,
    counts: Arc<Counts>,
}

#[derive(Debug)]
struct CountingCipher {
    inner: Arc<dyn ContentCipher>,
    counts: Arc<Counts>,
}

impl VerifierFactory for CountingVerifierFactory {
    fn algorithm(&self) -> SignAlgorithm {
        self.algorithm
    }
    fn prepare(&self, key: &AlipayPublicKey) -> Result<Arc<dyn SignatureVerifier>, Error> {
        self.counts.prepared_verifiers.fetch_add(1, Ordering::SeqCst);
        self.inner.prepare_public_key(key)
    }
}

impl CipherFactory for CountingCipherFactory {
    fn algorithm(&self) -> ContentAlgorithm {
        self.algorithm
    }
    fn prepare(&self, key: &AesKey) -> Result<Arc<dyn ContentCipher>, Error> {
        self.counts.prepared_ciphers.fetch_add(1, Ordering::SeqCst);
        Ok(Arc::new(CountingCipher {
            inner: self.inner.prepare_content_key(self.algorithm, key)?,
            counts: self.counts.clone(),
        }))
    }
}

impl ContentCipher for CountingCipher {
    fn decrypt(&self, iv: &[u8; 16], input: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.counts.decrypts.fetch_add(1, Ordering::SeqCst);
        self.inner.decrypt(iv, input)
    }
    fn key_len(&self) -> usize {
        self.inner.key_len()
    }
}

impl CountingBackend {
    pub fn new(backend: Backend) -> Arc<Self> {
        let inner = backend.provider();
        let counts = Arc::new(Counts::default());
        let caps = inner.capabilities();
        Arc::new(Self {
            verifiers: SignAlgorithm::ALL
                .into_iter()
                .filter(|a| caps.verifies_algorithm(*a))
                .map(|algorithm| CountingVerifierFactory {
                    inner: inner.clone(),
                    algorithm,
                    counts: counts.clone(),
                })
                .collect(),
            ciphers: ContentAlgorithm::ALL
                .into_iter()
                .filter(|a| caps.decrypts_algorithm(*a))
                .map(|algorithm| CountingCipherFactory {
                    inner: inner.clone(),
                    algorithm,
                    counts: counts.clone(),
                })
                .collect(),
            counts,
        })
    }
}

impl CryptoBackend for CountingBackend {
    fn name(&self) -> &'static str {
        "counting"
    }
    fn verifier(&self, algorithm: SignAlgorithm) -> Option<&dyn VerifierFactory> {
        self.verifiers
            .iter()
            .find(|f| f.algorithm == algorithm)
            .map(|f| f as &dyn VerifierFactory)
    }
    fn cipher(&self, algorithm: ContentAlgorithm) -> Option<&dyn CipherFactory> {
        self.ciphers
            .iter()
            .find(|f| f.algorithm == algorithm)
            .map(|f| f as &dyn CipherFactory)
    }
}

/// The demo app's keys prepared on a counting wrapper of `backend`.
pub fn counting_demo_keys(backend: Backend) -> (AppKeys, Arc<Counts>) {
    let counting = CountingBackend::new(backend);
    let counts = counting.counts.clone();
    let pool = KeyPool::with_backend(counting);
    let keys = AppKeys::builder()
        .alipay_public_key(&demo("alipay_public_key.txt"))
        .and_then(|b| b.aes_key(&demo("aes_key.txt")))
        .and_then(|b| b.build_in(&pool))
        .unwrap();
    (keys, counts)
}

/// A content encryptor for sealing envelopes as Alipay does.
pub fn encryptor(backend: Backend, key: &str) -> Box<dyn ContentEncryptor> {
    backend
        .alipay_side()
        .prepare_encryptor(ContentAlgorithm::AesCbc, &AesKey::parse(key).unwrap())
        .unwrap()
}
