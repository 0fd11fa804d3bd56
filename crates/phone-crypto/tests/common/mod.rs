//! Shared helpers for the per-backend suites: vector files, outcomes, the backend macro.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use phone_core::Error;
use phone_crypto::{
    AlipayPublicKey, AppKeys, Backend, CipherFactory, ContentAlgorithm, ContentCipher, ContentEncryptor, ContentKey,
    CryptoProvider, KeyPool, SignatureVerifier, VerifierFactory,
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

/// Whether `backend` verifies `sign_type` with an RSA key of `bits` (graviola: RSA2 from 2048
/// bits; every other backend: RSA and RSA2 from 1024).
pub fn covers(backend: Backend, sign_type: phone_core::SignType, bits: usize) -> bool {
    let caps = backend.capabilities();
    caps.verifies(sign_type) && caps.verifies_rsa_bits(bits)
}

/// The refusal of a backend that does not cover a key size or sign type: by name, with a
/// backend that does.
pub fn assert_refused_for_capability(backend: Backend, e: &Error) {
    assert!(
        matches!(e.kind(), "unsupported_sign_type" | "key_error"),
        "{backend}: {e}"
    );
    assert!(
        e.to_string().contains(&format!("the {backend} backend")),
        "{backend}: {e}"
    );
    assert!(
        e.to_string().contains(" can"),
        "{backend} names no backend that can: {e}"
    );
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

/// Why `backend` cannot open `case` whatever its envelope holds: a declared sign type it does
/// not verify, or an RSA key smaller than it takes. `None` for every case it covers.
pub fn beyond(backend: Backend, case: &Value) -> Option<String> {
    let caps = backend.capabilities();
    let declared = case["sign_type"]
        .as_str()
        .and_then(|t| phone_core::SignType::parse(t).ok());
    if let Some(t) = declared.filter(|t| !caps.verifies(*t)) {
        return Some(format!("{backend} does not verify {t}"));
    }
    match AlipayPublicKey::parse(case["alipay_public_key"].as_str()?) {
        Ok(AlipayPublicKey::Rsa(k)) if !caps.verifies_rsa_bits(k.bits()) => {
            Some(format!("{backend} does not take {}-bit keys", k.bits()))
        }
        _ => None,
    }
}

/// Runs every case of a vector file; returns (passed, failures). A case the backend's
/// algorithms do not cover passes only when refused for that, naming a backend that can.
pub fn run_cases(backend: Backend, cases: &[Value]) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    for case in cases {
        if let Some(why) = beyond(backend, case) {
            // What the backend's algorithms do not cover (graviola: RSA, 1024-bit keys) is
            // refused by name with a backend that can, never opened nor failed otherwise.
            let keys = AppKeys::builder()
                .alipay_public_key(case["alipay_public_key"].as_str().unwrap())
                .and_then(|b| b.aes_key(case["aes_key"].as_str().unwrap()))
                .and_then(|b| b.build(backend));
            match keys.and_then(|k| k.open(case["envelope"].as_str().unwrap())) {
                Err(e)
                    if matches!(e.kind(), "unsupported_sign_type" | "key_error")
                        && e.to_string().contains(&format!("the {backend} backend"))
                        && e.to_string().contains(" can") => {}
                other => failures.push(format!(
                    "{} ({why}): not refused for the capability: {other:?}",
                    case["name"]
                )),
            }
            continue;
        }
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
        #[cfg(feature = "graviola")]
        mod graviola {
            #[allow(unused_imports)]
            use super::*;
            const BACKEND: phone_crypto::Backend = phone_crypto::Backend::Graviola;
            $($body)*
        }
    };
}

/// A provider whose parts wrap a real backend's and count what they are asked to do: how many
/// keys they prepare (sharing proofs) and how often a prepared content key decrypts (nothing
/// reaches decryption before the signature verified). Assembled from parts like any provider
/// of one's own.
pub struct CountingBackend;

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
    inner: Arc<dyn VerifierFactory>,
    counts: Arc<Counts>,
}

#[derive(Debug)]
struct CountingCipherFactory {
    inner: Arc<dyn CipherFactory>,
    counts: Arc<Counts>,
}

#[derive(Debug)]
struct CountingCipher {
    inner: Arc<dyn ContentCipher>,
    counts: Arc<Counts>,
}

impl VerifierFactory for CountingVerifierFactory {
    fn prepare(&self, key: &AlipayPublicKey) -> Result<Arc<dyn SignatureVerifier>, Error> {
        self.counts.prepared_verifiers.fetch_add(1, Ordering::SeqCst);
        self.inner.prepare(key)
    }
}

impl CipherFactory for CountingCipherFactory {
    fn prepare(&self, key: &ContentKey) -> Result<Arc<dyn ContentCipher>, Error> {
        self.counts.prepared_ciphers.fetch_add(1, Ordering::SeqCst);
        Ok(Arc::new(CountingCipher {
            inner: self.inner.prepare(key)?,
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
    /// `backend`'s parts, each wrapped in a counting one, and the counts.
    pub fn wrap(backend: Backend) -> (Arc<CryptoProvider>, Arc<Counts>) {
        let inner = backend.crypto_provider();
        let counts = Arc::new(Counts::default());
        let mut counting = CryptoProvider::new("counting");
        for part in inner.verifier_parts() {
            let mut part = part.clone();
            part.factory = Arc::new(CountingVerifierFactory {
                inner: part.factory.clone(),
                counts: counts.clone(),
            });
            counting = counting.with_verifier_part(part);
        }
        for part in inner.cipher_parts() {
            let mut part = part.clone();
            part.factory = Arc::new(CountingCipherFactory {
                inner: part.factory.clone(),
                counts: counts.clone(),
            });
            counting = counting.with_cipher_part(part);
        }
        assert_eq!(counting.capabilities(), inner.capabilities());
        (Arc::new(counting), counts)
    }
}

/// The demo app's keys prepared on a counting wrapper of `backend`.
pub fn counting_demo_keys(backend: Backend) -> (AppKeys, Arc<Counts>) {
    let (counting, counts) = CountingBackend::wrap(backend);
    let pool = KeyPool::with_provider(counting);
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
        .prepare_encryptor(ContentAlgorithm::AesCbc, &ContentKey::parse(key).unwrap())
        .unwrap()
}
