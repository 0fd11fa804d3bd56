//! Soak test of the service path: the example server's router over real HTTP on 127.0.0.1,
//! many concurrent keep-alive clients, while the keyring file rotates `[old]` -> `[old, new]` ->
//! `[new]`, a remote key store behind `CachingKeys` fails and times out for stretches, and
//! garbage, oversized, form-mangled, tampered and unknown-app requests are mixed in.
//!
//! `cargo test --workspace --all-features soak` runs it. Every valid request must succeed,
//! every bad one must get its contract kind and status, and the caches must stay within their
//! capacity.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[allow(dead_code)]
#[path = "../examples/server.rs"]
mod server;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use phone_client::{AppId, AppKeyMaterial, CachingKeys, ChainKeys, FileKeys, KeyProvider, PhoneClient, ProviderError};
use phone_core::SignType;
use phone_crypto::{Backend, ContentAlgorithm, ContentKey, RsaPrivateKey, seal_envelope, success_plaintext};
use serde_json::Value;

const CLIENTS: usize = 8;
const REQUESTS: usize = 20_000;
const CAPACITY: u64 = 64;
const FILE_APP: &str = "2021000000000001";
const REMOTE_APP: &str = "2021000000000002";
const OLD_AES: &str = "aa4BtZ4tspm2wnXLb1ThQA==";
const NEW_AES: &str = "ZH9pW3dHSwnLZ1hpr+Kw8A==";

fn root(rel: &str) -> String {
    std::fs::read_to_string(format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

struct Pair {
    private: RsaPrivateKey,
    public: String,
}

fn pair(rel: &str) -> Pair {
    let private = RsaPrivateKey::parse(&root(rel)).unwrap();
    let public = private.public_key().to_spki_base64();
    Pair { private, public }
}

/// Envelopes sealed as Alipay would with one key pair and AES key, each with a '+' somewhere
/// (so that form-encoding mangles it) and a distinct number.
fn envelopes(p: &Pair, aes: &str, count: usize, tag: u32) -> Vec<(String, String)> {
    let side = Backend::ALL
        .iter()
        .map(|b| b.alipay_side())
        .find(|s| s.prepare_signer(&p.private).is_ok())
        .unwrap();
    let signer = side.prepare_signer(&p.private).unwrap();
    let enc = side
        .prepare_encryptor(ContentAlgorithm::AesCbc, &ContentKey::parse(aes).unwrap())
        .unwrap();
    (0..)
        .map(|i| {
            let mobile = format!("13{tag}{i:08}");
            let body = seal_envelope(&success_plaintext(&mobile), &*signer, Some(&*enc), SignType::Rsa2).unwrap();
            (mobile, body)
        })
        .filter(|(_, body)| body.contains('+'))
        .take(count)
        .collect()
}

fn keyring(publics: &[&str], aes: &[&str]) -> String {
    let list = |v: &[&str]| v.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", ");
    format!(
        "[apps.{FILE_APP}]\nalipay_public_keys = [{}]\naes_keys = [{}]\n",
        list(publics),
        list(aes)
    )
}

/// Replaces the keyring atomically, as an operator's deploy does.
fn write_keyring(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A remote key store that can be made to fail or hang.
#[derive(Debug)]
struct Remote {
    /// 0 healthy, 1 failing, 2 hanging past the load timeout.
    mode: AtomicU8,
    material: Arc<AppKeyMaterial>,
    loads: AtomicUsize,
}

#[async_trait]
impl KeyProvider for Remote {
    async fn load(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        self.loads.fetch_add(1, Ordering::Relaxed);
        match self.mode.load(Ordering::SeqCst) {
            1 => {
                return Err(ProviderError::unavailable(
                    "remote store down",
                    std::io::Error::other("remote store down"),
                ));
            }
            2 => tokio::time::sleep(Duration::from_secs(5)).await,
            _ => {}
        }
        Ok((app_id == REMOTE_APP).then(|| self.material.clone()))
    }
}

/// A minimal keep-alive HTTP/1.1 client: one connection per soak client.
struct Conn {
    addr: SocketAddr,
    reader: Option<BufReader<TcpStream>>,
}

impl Conn {
    fn post(&mut self, path: &str, body: &str) -> (u16, Value) {
        for attempt in 0..2 {
            if self.reader.is_none() {
                self.reader = Some(BufReader::new(TcpStream::connect(self.addr).unwrap()));
            }
            match self.try_post(path, body) {
                Ok(r) => return r,
                // The server may close an idle keep-alive connection: reconnect once.
                Err(e) if attempt == 0 => {
                    let _ = e;
                    self.reader = None;
                }
                Err(e) => panic!("{e}"),
            }
        }
        unreachable!()
    }

    fn try_post(&mut self, path: &str, body: &str) -> std::io::Result<(u16, Value)> {
        let reader = self.reader.as_mut().unwrap();
        let addr = self.addr;
        write!(
            reader.get_mut(),
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )?;
        let mut status_line = String::new();
        if reader.read_line(&mut status_line)? == 0 {
            return Err(std::io::Error::other("connection closed"));
        }
        let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                len = v.trim().parse().unwrap();
            }
        }
        let mut buf = vec![0u8; len];
        reader.read_exact(&mut buf)?;
        Ok((status, serde_json::from_slice(&buf).unwrap_or(Value::Null)))
    }
}

/// What a request is and what it must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    ValidFile,
    ValidRemote,
    Garbage,
    Oversized,
    FormMangled,
    Tampered,
    UnknownApp,
}

/// Responses per request kind and status.
type Counts = std::collections::HashMap<(Kind, u16), usize>;

const KINDS: [Kind; 7] = [
    Kind::ValidFile,
    Kind::ValidRemote,
    Kind::Garbage,
    Kind::Oversized,
    Kind::FormMangled,
    Kind::Tampered,
    Kind::UnknownApp,
];

#[test]
fn soak_service_path_under_rotation_store_faults_and_hostile_traffic() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("alipay-phone-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ring_path = dir.join("keys.toml");

    let old = pair("examples/data/alipay_private_key.pem");
    // The new key is the 1024-bit test key: its verification is cheap, which keeps the soak
    // (a debug build in CI) near a minute; its size does not matter to what is tested.
    let new = pair("crates/phone-crypto/tests/keys/rsa1024_pkcs1.pem");
    let old_envs = Arc::new(envelopes(&old, OLD_AES, 24, 1));
    let new_envs = Arc::new(envelopes(&new, NEW_AES, 24, 2));
    let remote_envs = Arc::new(envelopes(&old, OLD_AES, 8, 3));
    write_keyring(&ring_path, &keyring(&[&old.public], &[OLD_AES]));

    let remote = Arc::new(Remote {
        mode: AtomicU8::new(0),
        material: AppKeyMaterial::new()
            .with_alipay_public_key(&old.public)
            .unwrap()
            .with_aes_key(OLD_AES)
            .unwrap()
            .shared(),
        loads: AtomicUsize::new(0),
    });
    let cached_remote = CachingKeys::from_shared(remote.clone())
        .ttl(Duration::from_millis(300))
        .refresh_before(Duration::from_millis(100))
        .refresh_jitter(Duration::from_millis(50))
        .load_timeout(Duration::from_millis(200))
        .capacity(CAPACITY);
    let file = FileKeys::watch(&ring_path).check_interval(Duration::from_millis(20));
    let client = PhoneClient::builder()
        .shared_keys(Arc::new(ChainKeys::first_try(file).or_else(cached_remote.clone())))
        .capacity(CAPACITY)
        .accept_sign_types(&[SignType::Rsa2])
        .build()
        .unwrap();

    let addr = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = server::app(client.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    });

    // 0: old only; 1: old and new configured, traffic still old; 2: traffic on new; 3: new only.
    let stage = Arc::new(AtomicU8::new(0));
    let sent = Arc::new(AtomicUsize::new(0));
    let counts: Arc<std::sync::Mutex<Counts>> = Arc::default();
    let failures: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();

    let workers: Vec<_> = (0..CLIENTS)
        .map(|w| {
            let (stage, sent, counts, failures) = (stage.clone(), sent.clone(), counts.clone(), failures.clone());
            let (old_envs, new_envs, remote_envs) = (old_envs.clone(), new_envs.clone(), remote_envs.clone());
            std::thread::spawn(move || {
                let mut conn = Conn { addr, reader: None };
                let mut rng = fastrand::Rng::with_seed(w as u64);
                loop {
                    let n = sent.fetch_add(1, Ordering::SeqCst);
                    if n >= REQUESTS {
                        break;
                    }
                    // Two thirds valid, the rest spread over the hostile kinds.
                    let kind = if rng.u8(..3) < 2 {
                        if rng.bool() { Kind::ValidFile } else { Kind::ValidRemote }
                    } else {
                        KINDS[2 + rng.usize(..KINDS.len() - 2)]
                    };
                    let current = if stage.load(Ordering::SeqCst) >= 2 {
                        &new_envs
                    } else {
                        &old_envs
                    };
                    let (mobile, env) = &current[rng.usize(..current.len())];
                    let file_path = format!("/alipay/phone?app_id={FILE_APP}");
                    let (path, body, want_status, want) = match kind {
                        Kind::ValidFile => (file_path, env.clone(), 200, mobile.clone()),
                        Kind::ValidRemote => {
                            let (m, e) = &remote_envs[rng.usize(..remote_envs.len())];
                            (format!("/alipay/phone?app_id={REMOTE_APP}"), e.clone(), 200, m.clone())
                        }
                        Kind::Garbage => (
                            file_path,
                            "\u{0}not json {".to_owned(),
                            400,
                            "malformed_envelope".into(),
                        ),
                        Kind::Oversized => (
                            file_path,
                            format!(r#"{{"response":"{}","sign":"c2ln"}}"#, "A".repeat(70_000)),
                            413,
                            "payload_too_large".into(),
                        ),
                        Kind::FormMangled => (file_path, env.replace('+', " "), 422, "bad_base64".into()),
                        Kind::Tampered => {
                            let at = env.find("\"response\":\"").unwrap() + 12;
                            let flipped = if &env[at..at + 1] == "A" { "B" } else { "A" };
                            let body = format!("{}{flipped}{}", &env[..at], &env[at + 1..]);
                            (file_path, body, 403, "bad_signature".into())
                        }
                        Kind::UnknownApp => (
                            format!("/alipay/phone?app_id=20219{n:011}"),
                            env.clone(),
                            404,
                            "key_error".into(),
                        ),
                    };
                    let (status, got) = conn.post(&path, &body);
                    // An unknown app while the remote store fails or hangs: the chain cannot
                    // tell "unknown" from "unreachable", so it is the store's 503 (retry later).
                    let store_down = got["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("key provider failed"));
                    let want_status = if kind == Kind::UnknownApp && store_down {
                        503
                    } else {
                        want_status
                    };
                    let outcome = got["kind"].as_str().map(str::to_owned).unwrap_or_else(|| {
                        // A success carries the masked number: compare it with the one sealed.
                        got["mobile"].as_str().unwrap_or("?").to_owned()
                    });
                    let masked_want = if want_status == 200 {
                        format!("{}****{}", &want[..3], &want[7..])
                    } else {
                        want.clone()
                    };
                    if status != want_status || outcome != masked_want {
                        failures.lock().unwrap().push(format!(
                            "{kind:?}: want {want_status} {masked_want}, got {status} {got}"
                        ));
                    }
                    *counts.lock().unwrap().entry((kind, status)).or_default() += 1;
                }
            })
        })
        .collect();

    // The operator's side, while the clients run: rotate the keyring and break the store.
    let step = |ms| std::thread::sleep(Duration::from_millis(ms));
    let progress = |target: usize| {
        while sent.load(Ordering::SeqCst) < target.min(REQUESTS) {
            step(5);
        }
    };
    progress(REQUESTS / 8);
    remote.mode.store(1, Ordering::SeqCst); // the store fails: stale keys must carry the app
    progress(REQUESTS * 2 / 8);
    write_keyring(&ring_path, &keyring(&[&old.public, &new.public], &[OLD_AES, NEW_AES]));
    remote.mode.store(2, Ordering::SeqCst); // the store hangs past the load timeout
    progress(REQUESTS * 3 / 8);
    // Alipay switches to the new key only after it is configured (and picked up).
    step(100);
    stage.store(2, Ordering::SeqCst);
    remote.mode.store(0, Ordering::SeqCst);
    progress(REQUESTS * 4 / 8);
    remote.mode.store(1, Ordering::SeqCst);
    progress(REQUESTS * 5 / 8);
    // The old key goes once no envelope uses it; in-flight requests of stage 1 are done.
    step(100);
    write_keyring(&ring_path, &keyring(&[&new.public], &[NEW_AES]));
    stage.store(3, Ordering::SeqCst);
    remote.mode.store(2, Ordering::SeqCst);
    progress(REQUESTS * 6 / 8);
    remote.mode.store(0, Ordering::SeqCst);
    for w in workers {
        w.join().expect("a soak client panicked");
    }

    let counts = counts.lock().unwrap().clone();
    let mut per_kind: Vec<(Kind, u16, usize)> = counts.iter().map(|((k, s), n)| (*k, *s, *n)).collect();
    per_kind.sort_by_key(|(k, s, _)| (format!("{k:?}"), *s));
    let stats = client.stats();
    println!(
        "soak: {REQUESTS} requests from {CLIENTS} clients; remote store loads {}",
        remote.loads.load(Ordering::Relaxed)
    );
    for (k, s, n) in &per_kind {
        println!("  {k:?}: {n} x {s}");
    }
    println!(
        "  client: {stats:?}; remote cache entries {}",
        cached_remote.entry_count()
    );

    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} failed, first: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let total: usize = per_kind.iter().map(|(_, _, n)| n).sum();
    assert_eq!(total, REQUESTS);
    for kind in KINDS {
        assert!(
            per_kind.iter().any(|(k, _, n)| *k == kind && *n > 0),
            "no {kind:?} request was sent"
        );
    }
    // Unknown app ids (each distinct) filled the caches only up to their capacity.
    assert!(stats.prepared_sets <= CAPACITY + 16, "{stats:?}");
    assert!(stats.reload_cooldowns <= CAPACITY, "{stats:?}");
    assert!(
        cached_remote.entry_count() <= CAPACITY,
        "{}",
        cached_remote.entry_count()
    );
    assert!(
        cached_remote.entry_count() >= CAPACITY / 2,
        "{}",
        cached_remote.entry_count()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
