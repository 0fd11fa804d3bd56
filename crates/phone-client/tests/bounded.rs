//! Multi-tenant state stays bounded and shared: floods of app ids leave every cache at its
//! capacity, the merchants of an ISV prepare the ISV key once, stale keys are served for
//! `max_stale` at most.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use phone_client::*;
use phone_core::Error;
use phone_crypto::{
    AlipayPublicKey, CipherFactory, ContentAlgorithm, ContentCipher, ContentKey, CryptoProvider, SignAlgorithm,
    SignatureVerifier, VerifierFactory,
};
mod common;
use common::{aid, demo};

/// A factory that counts every key it prepares, wrapping the default backend's part.
#[derive(Debug)]
struct CountingFactory {
    inner: Arc<CryptoProvider>,
    prepared: Arc<AtomicUsize>,
}

impl VerifierFactory for CountingFactory {
    fn prepare(&self, key: &AlipayPublicKey) -> Result<Arc<dyn SignatureVerifier>, Error> {
        self.prepared.fetch_add(1, Ordering::SeqCst);
        self.inner.prepare_public_key(key)
    }
}

impl CipherFactory for CountingFactory {
    fn prepare(&self, key: &ContentKey) -> Result<Arc<dyn ContentCipher>, Error> {
        self.prepared.fetch_add(1, Ordering::SeqCst);
        self.inner.prepare_cipher(key)
    }
}

/// The default backend's provider with its two parts swapped for counting ones.
fn counting_backend() -> (Arc<CryptoProvider>, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let inner = Backend::default().crypto_provider();
    let (rsa, aes) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut rsa_part = inner.verifier_part(SignAlgorithm::Rsa).unwrap().clone();
    rsa_part.factory = Arc::new(CountingFactory {
        inner: inner.clone(),
        prepared: rsa.clone(),
    });
    let mut aes_part = inner.cipher_part(ContentAlgorithm::AesCbc).unwrap().clone();
    aes_part.factory = Arc::new(CountingFactory {
        inner: inner.clone(),
        prepared: aes.clone(),
    });
    let counting = CryptoProvider::new(inner.name())
        .with_verifier_part(rsa_part)
        .with_cipher_part(aes_part);
    (Arc::new(counting), rsa, aes)
}

/// A 16-byte AES key for merchant `i`, in the console's base64.
fn merchant_aes(i: usize) -> String {
    use base64::Engine as _;
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&(i as u64).to_be_bytes());
    key[8..].copy_from_slice(b"merchant");
    base64::engine::general_purpose::STANDARD.encode(key)
}

#[tokio::test]
async fn merchants_of_an_isv_prepare_the_isv_key_once() {
    const MERCHANTS: usize = 300;
    let (backend, rsa, aes) = counting_backend();
    let mut keys = StaticKeys::new().app(
        "isv",
        AppKeyMaterial::new()
            .with_alipay_public_key(&demo("alipay_public_key.txt"))
            .unwrap(),
    );
    for i in 0..MERCHANTS {
        keys = keys.app(
            format!("m{i}"),
            AppKeyMaterial::new()
                .with_aes_key(&merchant_aes(i))
                .unwrap()
                .verify_with("isv"),
        );
    }
    // The demo envelope is encrypted with the demo AES key, so each merchant answers
    // decrypt_failed or malformed_plaintext after its signature verified with the ISV key:
    // preparing happens either way.
    let client = PhoneClient::builder()
        .keys(keys)
        .crypto_provider(backend)
        .build()
        .unwrap();
    let body = demo("envelope.json");
    for i in 0..MERCHANTS {
        let err = client.open(&format!("m{i}"), &body).await.unwrap_err();
        assert!(
            matches!(err.kind(), "decrypt_failed" | "malformed_plaintext"),
            "m{i}: {err}"
        );
    }
    assert_eq!(rsa.load(Ordering::SeqCst), 1, "the ISV key was prepared more than once");
    assert_eq!(aes.load(Ordering::SeqCst), MERCHANTS);
    let stats = client.stats();
    assert_eq!(stats.pool.verifiers, 1);
    assert_eq!(stats.pool.ciphers, MERCHANTS);
    assert_eq!(stats.prepared_sets, MERCHANTS as u64);
}

#[tokio::test]
async fn default_keys_serving_every_app_id_are_parsed_and_prepared_once() {
    let (backend, rsa, aes) = counting_backend();
    let env = EnvKeys::from_vars([
        ("ALIPAY_PUBLIC_KEY", demo("alipay_public_key.txt")),
        ("ALIPAY_AES_KEY", demo("aes_key.txt")),
    ]);
    let client = PhoneClient::builder()
        .keys(env)
        .crypto_provider(backend)
        .build()
        .unwrap();
    let body = demo("envelope.json");
    for i in 0..2_000 {
        let phone = client.decrypt_phone(&format!("20210{i}"), &body).await.unwrap();
        assert_eq!(phone.reveal(), "13800138000");
    }
    assert_eq!((rsa.load(Ordering::SeqCst), aes.load(Ordering::SeqCst)), (1, 1));
    assert_eq!(client.stats().prepared_sets, 1);
}

#[tokio::test]
async fn a_flood_of_distinct_app_ids_leaves_every_cache_at_its_capacity() {
    const CAPACITY: u64 = 500;
    const FLOOD: usize = 5_000;
    // Each app id its own material (its own AES key), behind a cache that also remembers the
    // "not mine" answers of unknown ids.
    #[derive(Debug)]
    struct EveryAppDistinct {
        public: String,
    }
    #[async_trait]
    impl KeyProvider for EveryAppDistinct {
        async fn load(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
            let Some(n) = app_id.strip_prefix("known-") else {
                return Ok(None);
            };
            let i: usize = n.parse().unwrap();
            Ok(Some(
                AppKeyMaterial::new()
                    .with_alipay_public_key(&self.public)?
                    .with_aes_key(&merchant_aes(i))?
                    .shared(),
            ))
        }
    }
    let cached = CachingKeys::new(EveryAppDistinct {
        public: demo("alipay_public_key.txt"),
    })
    .capacity(CAPACITY);
    let client = PhoneClient::builder()
        .shared_keys(Arc::new(cached.clone()))
        .capacity(CAPACITY)
        .reload_cooldown(Duration::from_secs(600))
        .build()
        .unwrap();
    let body = demo("envelope.json");
    // A forged signature for every known id also fills the reload cooldowns.
    let forged = body.replace("\"sign\":\"", "\"sign\":\"AAAA");
    for i in 0..FLOOD {
        let err = client.open(&format!("unknown-{i}"), &body).await.unwrap_err();
        assert_eq!(err.kind(), "key_error");
        let err = client.open(&format!("known-{i}"), &forged).await.unwrap_err();
        assert_eq!(err.kind(), "bad_signature");
    }
    let stats = client.stats();
    // quick_cache splits the capacity over its shards and rounds each up: a handful over.
    assert!(stats.prepared_sets <= CAPACITY + 16, "{stats:?}");
    assert!(stats.reload_cooldowns <= CAPACITY, "{stats:?}");
    // Every cache really was used up to its bound, not merely left empty.
    assert!(stats.prepared_sets >= CAPACITY / 2, "{stats:?}");
    assert!(cached.entry_count() <= CAPACITY, "{}", cached.entry_count());
    assert!(cached.entry_count() >= CAPACITY / 2, "{}", cached.entry_count());
    // The pool holds only keys some cached app still holds.
    assert!(stats.pool.ciphers as u64 <= CAPACITY + 16, "{stats:?}");
    assert_eq!(stats.pool.verifiers, 1);
}

#[tokio::test]
async fn env_keys_parse_cache_is_bounded_by_the_apps_it_has() {
    // Unknown app ids never create per-app entries: only apps with variables of their own do.
    // (Ids that are no AppId, `flood=\0`, never reach a provider: the client refuses them.)
    assert!(AppId::parse("flood-1=\0").is_err());
    let env = EnvKeys::from_vars([
        ("ALIPAY_PUBLIC_KEY", demo("alipay_public_key.txt")),
        ("ALIPAY_AES_KEY", demo("aes_key.txt")),
        ("ALIPAY_AES_KEY_own", merchant_aes(1)),
    ]);
    let first = env.load(&aid("a")).await.unwrap().unwrap();
    for i in 0..1_000 {
        let m = env.load(&aid(&format!("flood-{i}"))).await.unwrap().unwrap();
        assert!(Arc::ptr_eq(&m, &first), "default material parsed again");
    }
    let own = env.load(&aid("own")).await.unwrap().unwrap();
    assert_ne!(own.fingerprint(), first.fingerprint());
    assert_eq!(env.configured_apps().unwrap(), vec!["own".to_owned()]);
}

/// A store that can be switched off.
#[derive(Debug)]
struct Flaky {
    down: AtomicBool,
    material: Arc<AppKeyMaterial>,
}

#[async_trait]
impl KeyProvider for Flaky {
    async fn load(&self, _app: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(ProviderError::unavailable(
                "store down",
                std::io::Error::other("store down"),
            ));
        }
        Ok(Some(self.material.clone()))
    }
}

#[tokio::test(start_paused = true)]
async fn stale_keys_are_served_for_max_stale_then_the_store_error() {
    let store = Arc::new(Flaky {
        down: AtomicBool::new(false),
        material: AppKeyMaterial::new()
            .with_alipay_public_key(&demo("alipay_public_key.txt"))
            .unwrap()
            .with_aes_key(&demo("aes_key.txt"))
            .unwrap()
            .shared(),
    });
    let cache = CachingKeys::from_shared(store.clone())
        .ttl(Duration::from_secs(60))
        .max_stale(Duration::from_secs(600));
    assert!(cache.load(&aid("app")).await.unwrap().is_some());
    store.down.store(true, Ordering::SeqCst);
    // Expired, store down: the stale keys keep the app working...
    tokio::time::advance(Duration::from_secs(61 + 500)).await;
    assert!(cache.load(&aid("app")).await.unwrap().is_some());
    // ...until max_stale past expiry: then the store's error.
    tokio::time::advance(Duration::from_secs(101)).await;
    let err = Error::from(cache.load(&aid("app")).await.unwrap_err());
    assert!(err.to_string().contains("store down"), "{err}");
    // An app never loaded gets the error at once; the store back: everything recovers.
    assert_eq!(
        Error::from(cache.load(&aid("new")).await.unwrap_err()).kind(),
        "key_error"
    );
    store.down.store(false, Ordering::SeqCst);
    assert!(cache.load(&aid("app")).await.unwrap().is_some());
    assert!(cache.load(&aid("new")).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_racing_the_first_keyring_read_wait_for_it() {
    // Found by the soak test: the second of two first requests used to read the empty
    // snapshot while the first one was still reading the file, and got "not mine".
    let dir = std::env::temp_dir().join(format!("alipay-phone-race-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("keys.toml");
    std::fs::write(&path, format!("[apps.a]\naes_key = {:?}\n", demo("aes_key.txt").trim())).unwrap();
    for _ in 0..20 {
        let keys = FileKeys::watch(&path);
        let calls: Vec<_> = (0..8)
            .map(|_| {
                let k = keys.clone();
                tokio::spawn(async move { k.load(&aid("a")).await })
            })
            .collect();
        for c in calls {
            assert!(c.await.unwrap().unwrap().is_some());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A store whose loads never finish in time.
#[derive(Debug)]
struct Hanging {
    hang: AtomicBool,
    loads: AtomicUsize,
    material: Arc<AppKeyMaterial>,
}

#[async_trait]
impl KeyProvider for Hanging {
    async fn load(&self, _app: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        if self.hang.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Ok(Some(self.material.clone()))
    }
}

#[tokio::test(start_paused = true)]
async fn callers_behind_a_hanging_store_get_stale_keys_after_one_timeout_not_one_each() {
    let store = Arc::new(Hanging {
        hang: AtomicBool::new(false),
        loads: AtomicUsize::new(0),
        material: AppKeyMaterial::new()
            .with_aes_key(&demo("aes_key.txt"))
            .unwrap()
            .shared(),
    });
    let cache = CachingKeys::from_shared(store.clone())
        .ttl(Duration::from_secs(60))
        .load_timeout(Duration::from_secs(1));
    cache.load(&aid("app")).await.unwrap().unwrap();
    store.hang.store(true, Ordering::SeqCst);
    tokio::time::advance(Duration::from_secs(61)).await;
    let start = tokio::time::Instant::now();
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let c = cache.clone();
            tokio::spawn(async move { c.load(&aid("app")).await })
        })
        .collect();
    for c in calls {
        assert!(c.await.unwrap().unwrap().is_some());
    }
    // One load timed out; the 19 others were served the stale keys without asking again.
    assert_eq!(store.loads.load(Ordering::SeqCst), 2);
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
}
