//! Providers, caching, multi-app and ISV isolation, rotation and the reload-once rule.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use phone_client::*;
use phone_core::{Error, SignType};
use phone_crypto::{ContentKey, RsaPrivateKey, seal_envelope, success_plaintext};
mod common;
use common::{aid, demo, key};

const OTHER_AES: &str = "MDEyMzQ1Njc4OWFiY2RlZg==";

fn demo_material() -> AppKeyMaterial {
    AppKeyMaterial::new()
        .with_alipay_public_key(&demo("alipay_public_key.txt"))
        .unwrap()
        .with_aes_key(&demo("aes_key.txt"))
        .unwrap()
}

/// An envelope sealed with the 4096-bit test key and `aes`.
fn sealed_by_other_key(aes: &str, mobile: &str) -> (String, String) {
    let private = RsaPrivateKey::parse(&key("rsa4096_pkcs8.pem")).unwrap();
    let p = Backend::default().alipay_side();
    let body = seal_envelope(
        &success_plaintext(mobile),
        &*p.prepare_signer(&private).unwrap(),
        Some(
            &*p.prepare_encryptor(phone_crypto::ContentAlgorithm::AesCbc, &ContentKey::parse(aes).unwrap())
                .unwrap(),
        ),
        SignType::Rsa2,
    )
    .unwrap();
    (body, private.public_key().to_spki_base64())
}

#[tokio::test]
async fn static_keys_isolate_apps() {
    let (other_body, other_public) = sealed_by_other_key(OTHER_AES, "13900139000");
    let client = PhoneClient::builder()
        .keys(
            StaticKeys::new().app("app-a", demo_material()).app(
                "app-b",
                AppKeyMaterial::new()
                    .with_alipay_public_key(&other_public)
                    .unwrap()
                    .with_aes_key(OTHER_AES)
                    .unwrap(),
            ),
        )
        .build()
        .unwrap();
    assert_eq!(
        client
            .decrypt_phone("app-a", &demo("envelope.json"))
            .await
            .unwrap()
            .reveal(),
        "13800138000"
    );
    assert_eq!(
        client.decrypt_phone("app-b", &other_body).await.unwrap().reveal(),
        "13900139000"
    );
    // Each app's envelope fails under the other app's keys.
    assert_eq!(
        client
            .decrypt_phone("app-b", &demo("envelope.json"))
            .await
            .unwrap_err()
            .kind(),
        "bad_signature"
    );
    assert_eq!(
        client.decrypt_phone("app-a", &other_body).await.unwrap_err().kind(),
        "bad_signature"
    );
    let unknown = client.decrypt_phone("app-c", &other_body).await.unwrap_err();
    assert_eq!(unknown.kind(), "key_error");
    assert!(unknown.is_server_side());
}

#[tokio::test]
async fn isv_mode_verifies_with_the_isv_key_and_decrypts_with_the_merchant_key() {
    // The ISV's Alipay public key signs; the merchant app's AES key encrypts.
    let (body, isv_public) = sealed_by_other_key(OTHER_AES, "13700137000");
    let client = PhoneClient::builder()
        .keys(
            StaticKeys::new()
                .app(
                    "isv",
                    AppKeyMaterial::new().with_alipay_public_key(&isv_public).unwrap(),
                )
                .app(
                    "merchant",
                    AppKeyMaterial::new()
                        .with_aes_key(OTHER_AES)
                        .unwrap()
                        .verify_with("isv"),
                ),
        )
        .build()
        .unwrap();
    assert_eq!(
        client.decrypt_phone("merchant", &body).await.unwrap().reveal(),
        "13700137000"
    );
}

#[tokio::test]
async fn env_keys_single_app_and_per_app_forms() {
    let (other_body, other_public) = sealed_by_other_key(OTHER_AES, "13900139000");
    let (pk, aes) = (demo("alipay_public_key.txt"), demo("aes_key.txt"));
    let env = EnvKeys::from_lookup(move |name| match name {
        "ALIPAY_PUBLIC_KEY" => Some(pk.clone()),
        "ALIPAY_AES_KEY" => Some(aes.clone()),
        "ALIPAY_PUBLIC_KEY_2021B" => Some(other_public.clone()),
        "ALIPAY_AES_KEY_2021B" => Some(format!("{OTHER_AES}|aa4BtZ4tspm2wnXLb1ThQA==")),
        _ => None,
    });
    assert!(env.has_default_keys());
    let client = PhoneClient::builder().keys(env).build().unwrap();
    assert_eq!(
        client
            .decrypt_phone("any-app", &demo("envelope.json"))
            .await
            .unwrap()
            .reveal(),
        "13800138000"
    );
    let opened = client.open("2021B", &other_body).await.unwrap();
    assert_eq!((opened.verify_key_index, opened.content_key_index), (Some(0), Some(0)));
    assert_eq!(
        client
            .decrypt_phone("2021B", &demo("envelope.json"))
            .await
            .unwrap_err()
            .kind(),
        "bad_signature"
    );
    let empty = PhoneClient::builder()
        .keys(EnvKeys::from_lookup(|_| None))
        .build()
        .unwrap();
    assert_eq!(
        empty
            .decrypt_phone("x", &demo("envelope.json"))
            .await
            .unwrap_err()
            .kind(),
        "key_error"
    );
}

/// An envelope declaring the legacy `RSA` (SHA1) sign type; its signature is junk, so an app
/// that accepts RSA answers `bad_signature` and one pinned to RSA2 `unsupported_sign_type`
/// (the sign type is checked first).
const LEGACY_RSA: &str = r#"{"response":"AAAAAAAAAAAAAAAAAAAAAA==","sign":"c2ln","sign_type":"RSA"}"#;

async fn pinned_outcome(keys: impl KeyProvider + 'static, app_id: &str) -> &'static str {
    let client = PhoneClient::builder().keys(keys).build().unwrap();
    client.open(app_id, LEGACY_RSA).await.unwrap_err().kind()
}

#[tokio::test]
async fn env_keys_honour_the_sign_type_pin_per_app_and_for_every_app() {
    let (pk, aes) = (demo("alipay_public_key.txt"), demo("aes_key.txt"));
    let vars = |pins: &[(&str, &str)]| {
        let mut v: Vec<(String, String)> = vec![
            ("ALIPAY_PUBLIC_KEY".into(), pk.clone()),
            ("ALIPAY_AES_KEY".into(), aes.clone()),
            ("ALIPAY_PUBLIC_KEY_2021A".into(), pk.clone()),
            ("ALIPAY_AES_KEY_2021A".into(), aes.clone()),
        ];
        v.extend(pins.iter().map(|(k, p)| (k.to_string(), p.to_string())));
        EnvKeys::from_vars(v)
    };
    assert_eq!(pinned_outcome(vars(&[]), "2021A").await, "bad_signature");
    assert_eq!(pinned_outcome(vars(&[]), "other").await, "bad_signature");
    let own = [("ALIPAY_SIGN_TYPES_2021A", "RSA2")];
    assert_eq!(pinned_outcome(vars(&own), "2021A").await, "unsupported_sign_type");
    assert_eq!(pinned_outcome(vars(&own), "other").await, "bad_signature");
    let every = [("ALIPAY_SIGN_TYPES", "rsa2")];
    assert_eq!(pinned_outcome(vars(&every), "other").await, "unsupported_sign_type");
}

#[tokio::test]
async fn file_keys_honour_the_sign_type_pin() {
    let dir = std::env::temp_dir().join(format!("phone-client-filepin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, pin: &str| {
        let path = dir.join(name);
        std::fs::write(
            &path,
            format!(
                "[apps.app1]\nalipay_public_key = \"{}\"\naes_key = \"{}\"\n{pin}",
                demo("alipay_public_key.txt").trim(),
                demo("aes_key.txt").trim()
            ),
        )
        .unwrap();
        FileKeys::watch(path)
    };
    assert_eq!(pinned_outcome(write("open.toml", ""), "app1").await, "bad_signature");
    let pinned = write("pinned.toml", "sign_types = [\"RSA2\"]\n");
    assert_eq!(pinned_outcome(pinned, "app1").await, "unsupported_sign_type");
    // A pin that accepts nothing is refused, not taken as "refuse every envelope".
    let empty = write("empty.toml", "sign_types = []\n");
    assert_eq!(pinned_outcome(empty, "app1").await, "key_error");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A provider that counts loads, answers after a delay, and can be switched to new keys.
#[derive(Debug)]
struct Counting {
    loads: AtomicUsize,
    delay: Duration,
    material: std::sync::Mutex<Arc<AppKeyMaterial>>,
}

#[async_trait]
impl KeyProvider for Counting {
    async fn load(&self, _app: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        Ok(Some(self.material.lock().unwrap().clone()))
    }
}

fn counting(delay: Duration) -> Arc<Counting> {
    Arc::new(Counting {
        loads: AtomicUsize::new(0),
        delay,
        material: std::sync::Mutex::new(Arc::new(demo_material())),
    })
}

#[tokio::test(start_paused = true)]
async fn the_clients_cache_is_in_front_of_any_provider() {
    let source = counting(Duration::from_millis(10));
    let client = PhoneClient::builder()
        .shared_keys(source.clone())
        .cache(KeyCache::default().ttl(Duration::from_secs(60)))
        .build()
        .unwrap();
    for _ in 0..5 {
        assert!(client.decrypt_phone("app", &demo("envelope.json")).await.is_ok());
    }
    assert_eq!(source.loads.load(Ordering::SeqCst), 1);
    tokio::time::advance(Duration::from_secs(61)).await;
    assert!(client.decrypt_phone("app", &demo("envelope.json")).await.is_ok());
    assert_eq!(source.loads.load(Ordering::SeqCst), 2);
    // Without one, every request asks the provider.
    let uncached = PhoneClient::builder()
        .shared_keys(source.clone())
        .no_cache()
        .build()
        .unwrap();
    for _ in 0..3 {
        assert!(uncached.decrypt_phone("app", &demo("envelope.json")).await.is_ok());
    }
    assert_eq!(source.loads.load(Ordering::SeqCst), 5);
    // A provider of one's own asks for the default cache, and gets it without a word.
    let by_default = PhoneClient::builder().shared_keys(source.clone()).build().unwrap();
    for _ in 0..3 {
        assert!(by_default.decrypt_phone("app", &demo("envelope.json")).await.is_ok());
    }
    assert_eq!(source.loads.load(Ordering::SeqCst), 6);
    // The in-memory providers ask for none: the client's provider is theirs, not a cache.
    let env = PhoneClient::builder()
        .keys(EnvKeys::from_vars([("ALIPAY_AES_KEY", "aa4BtZ4tspm2wnXLb1ThQA==")]))
        .build()
        .unwrap();
    assert!(
        format!("{:?}", env.provider()).starts_with("EnvKeys"),
        "{:?}",
        env.provider()
    );
    let static_keys = PhoneClient::builder().keys(StaticKeys::new()).build().unwrap();
    assert!(format!("{:?}", static_keys.provider()).starts_with("StaticKeys"));
}

#[tokio::test(start_paused = true)]
async fn caching_shares_one_load_refreshes_ahead_and_times_out() {
    let source = counting(Duration::from_millis(100));
    let cache = CachingKeys::from_shared(source.clone())
        .ttl(Duration::from_secs(60))
        .refresh_before(Duration::from_secs(10))
        .load_timeout(Duration::from_secs(1));
    // Twenty concurrent callers on a cold cache: one load.
    let calls = (0..20).map(|_| {
        let c = cache.clone();
        async move { c.load(&aid("app")).await }
    });
    let results = futures_join(calls).await;
    assert!(results.iter().all(|r| r.as_ref().unwrap().is_some()));
    assert_eq!(source.loads.load(Ordering::SeqCst), 1);

    // Fresh: no load.
    tokio::time::advance(Duration::from_secs(30)).await;
    cache.load(&aid("app")).await.unwrap();
    assert_eq!(source.loads.load(Ordering::SeqCst), 1);

    // Within the refresh window: the current keys come back at once, one refresh runs behind.
    tokio::time::advance(Duration::from_secs(25)).await;
    cache.load(&aid("app")).await.unwrap();
    cache.load(&aid("app")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(source.loads.load(Ordering::SeqCst), 2);

    // A source slower than the timeout: a cold app gets key_error.
    let slow = counting(Duration::from_secs(5));
    let slow_cache = CachingKeys::from_shared(slow.clone()).load_timeout(Duration::from_secs(1));
    let err = Error::from(slow_cache.load(&aid("cold")).await.unwrap_err());
    assert_eq!(err.kind(), "key_error");
    assert!(err.to_string().contains("no answer within"), "{err}");
}

async fn futures_join<F: std::future::Future + Send + 'static>(futs: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(start_paused = true)]
async fn a_failed_signature_reloads_once_and_picks_up_rotated_keys() {
    let source = counting(Duration::ZERO);
    let cache = CachingKeys::from_shared(source.clone()).ttl(Duration::from_secs(3600));
    let client = PhoneClient::builder()
        .keys(cache)
        .reload_cooldown(Duration::from_secs(30))
        .build()
        .unwrap();
    assert!(client.decrypt_phone("app", &demo("envelope.json")).await.is_ok());
    assert_eq!(source.loads.load(Ordering::SeqCst), 1);

    // Alipay rotates to a new key; the cache still holds the old one.
    let (rotated_body, new_public) = sealed_by_other_key(OTHER_AES, "13600136000");
    *source.material.lock().unwrap() = Arc::new(
        AppKeyMaterial::new()
            .with_alipay_public_key(&new_public)
            .unwrap()
            .with_alipay_public_key(&demo("alipay_public_key.txt"))
            .unwrap()
            .with_aes_key(OTHER_AES)
            .unwrap(),
    );
    let opened = client.open("app", &rotated_body).await.unwrap();
    assert_eq!(opened.response.phone.reveal(), "13600136000");
    assert_eq!(opened.verify_key_index, Some(0));
    assert_eq!(source.loads.load(Ordering::SeqCst), 2);

    // Forged payloads within the cooldown do not reach the key store again.
    let forged = demo("envelope.json").replace("\"sign\":\"", "\"sign\":\"AAAA");
    for _ in 0..5 {
        assert_eq!(
            client.decrypt_phone("app", &forged).await.unwrap_err().kind(),
            "bad_signature"
        );
    }
    assert!(
        source.loads.load(Ordering::SeqCst) <= 3,
        "{}",
        source.loads.load(Ordering::SeqCst)
    );
}

#[tokio::test]
async fn file_keys_pick_up_edits_and_keep_the_last_good_keyring() {
    let dir = std::env::temp_dir().join(format!("phone-client-filekeys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("keys.toml");
    let write = |aes: &str| {
        std::fs::write(
            &path,
            format!(
                "[apps.app1]\nalipay_public_key = \"{}\"\naes_key = \"{aes}\"\n",
                demo("alipay_public_key.txt").trim()
            ),
        )
        .unwrap();
    };
    write(OTHER_AES);
    let client = PhoneClient::builder()
        .keys(FileKeys::watch(&path).check_interval(Duration::ZERO))
        .build()
        .unwrap();
    // The wrong AES key first.
    assert_eq!(
        client
            .decrypt_phone("app1", &demo("envelope.json"))
            .await
            .unwrap_err()
            .kind(),
        "decrypt_failed"
    );
    // Fix the file: no restart needed. (Sizes equal, so wait for a new mtime.)
    std::thread::sleep(Duration::from_millis(20));
    write(demo("aes_key.txt").trim());
    assert_eq!(
        client
            .decrypt_phone("app1", &demo("envelope.json"))
            .await
            .unwrap()
            .reveal(),
        "13800138000"
    );
    // A broken edit keeps the last good keyring.
    std::fs::write(&path, "not = [valid").unwrap();
    assert_eq!(
        client
            .decrypt_phone("app1", &demo("envelope.json"))
            .await
            .unwrap()
            .reveal(),
        "13800138000"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(is_shared(&path).unwrap());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(!is_shared(&path).unwrap());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn chain_moves_on_only_for_not_mine() {
    let chain =
        ChainKeys::first_try(EnvKeys::from_lookup(|_| None)).or_else(StaticKeys::new().app("app", demo_material()));
    let client = PhoneClient::builder().keys(chain).build().unwrap();
    assert!(client.decrypt_phone("app", &demo("envelope.json")).await.is_ok());

    // A broken provider stops the chain with its error rather than falling through.
    let broken = FileKeys::watch("/nonexistent/keys.toml");
    let chain = ChainKeys::first_try(broken).or_else(StaticKeys::new().app("app", demo_material()));
    let client = PhoneClient::builder().keys(chain).build().unwrap();
    let err = client.decrypt_phone("app", &demo("envelope.json")).await.unwrap_err();
    assert_eq!(err.kind(), "key_error");
}

#[tokio::test]
async fn sm2_keys_come_through_providers_too() {
    let sm2_public = key("sm2_public.pem");
    let body = key("sm2_envelope.json");
    let material = AppKeyMaterial::new()
        .with_alipay_public_key(&sm2_public)
        .unwrap()
        .with_aes_key(&demo("aes_key.txt"))
        .unwrap();
    for b in Backend::ALL {
        let client = PhoneClient::builder()
            .keys(StaticKeys::new().app("sm2-app", material.clone()))
            .backend(*b)
            .build()
            .unwrap();
        let got = client.decrypt_phone("sm2-app", &body).await;
        if b.capabilities().verifies(SignType::Sm2) {
            assert_eq!(got.unwrap().reveal(), "13700137000");
        } else {
            assert_eq!(got.unwrap_err().kind(), "unsupported_sign_type", "{b}");
        }
    }
}

#[tokio::test]
async fn provider_failures_keep_apart_unknown_misconfigured_and_unavailable() {
    let body = demo("envelope.json");
    // No provider at all is a setup mistake (500), not an outage.
    let e = PhoneClient::builder().build().unwrap_err();
    assert_eq!((e.kind(), e.http_status()), ("key_error", 500), "{e}");
    // An app nobody knows, and an id that is no app id, are the caller's (404).
    let client = PhoneClient::builder()
        .keys(StaticKeys::new().app("app", demo_material()))
        .build()
        .unwrap();
    for id in ["other", "a\nforged=1"] {
        let e = client.decrypt_phone(id, &body).await.unwrap_err();
        assert_eq!((e.kind(), e.http_status()), ("key_error", 404), "{id:?}: {e}");
    }
    // A keyring file that is not there is an outage of that source (503) ...
    let gone = PhoneClient::builder()
        .keys(FileKeys::watch("/nonexistent/keys.toml"))
        .build()
        .unwrap();
    assert_eq!(gone.decrypt_phone("app", &body).await.unwrap_err().http_status(), 503);
    // ... one that does not parse is someone's to fix (500), and never quotes the file.
    let dir = std::env::temp_dir().join(format!("phone-client-badring-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("keys.toml");
    std::fs::write(&path, "[apps.app]\naes_key = \"c2VjcmV0LWJ1dC13cm9uZw\"\n").unwrap();
    let broken = PhoneClient::builder().keys(FileKeys::watch(&path)).build().unwrap();
    let e = broken.decrypt_phone("app", &body).await.unwrap_err();
    assert_eq!((e.kind(), e.http_status()), ("key_error", 500), "{e}");
    assert!(!e.to_string().contains("c2VjcmV0"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A store that reports its changes (as PostgreSQL's NOTIFY does), answers per app from a map
/// it can edit, and counts loads.
#[derive(Debug, Default)]
struct Reporting {
    loads: AtomicUsize,
    rows: std::sync::Mutex<std::collections::HashMap<String, Result<Arc<AppKeyMaterial>, Error>>>,
    subscribers: KeySubscribers,
    /// How long a load takes after it read the row (the answer is on its way back).
    delay: Duration,
}

impl Reporting {
    fn set(&self, app: &str, row: Result<AppKeyMaterial, Error>) {
        self.rows.lock().unwrap().insert(app.into(), row.map(Arc::new));
    }
}

#[async_trait]
impl KeyProvider for Reporting {
    async fn load(&self, app: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        let row = self.rows.lock().unwrap().get(app.as_str()).cloned();
        tokio::time::sleep(self.delay).await;
        match row {
            None => Ok(None),
            Some(Ok(m)) => Ok(Some(m)),
            Some(Err(e)) => Err(ProviderError::InvalidKeys(e)),
        }
    }

    fn subscribe(&self, changes: KeyChanges) {
        self.subscribers.add(changes);
    }
}

#[tokio::test(start_paused = true)]
async fn a_provider_that_reports_changes_drops_them_from_the_clients_cache_at_once() {
    let store = Arc::new(Reporting::default());
    store.set("a", Ok(demo_material()));
    // Through a chain, as `serve` builds it: the store, which asks for a cache, gets one in
    // the chain (subscribed to its changes); the in-memory member none; the client none more.
    let chain = ChainKeys::first_try(StaticKeys::new()).or_else_shared(store.clone());
    assert!(chain.cache_policy().is_none());
    let client = PhoneClient::builder().keys(chain).build().unwrap();
    assert_eq!(store.subscribers.len(), 1, "one cache, subscribed");
    let body = demo("envelope.json");
    for _ in 0..3 {
        assert!(client.decrypt_phone("a", &body).await.is_ok());
    }
    assert_eq!(store.loads.load(Ordering::SeqCst), 1);

    // The row breaks: nothing changes until the store says so, then the next request sees it.
    let bad_aes = AppKeyMaterial::new().with_aes_key("c2VjcmV0").unwrap_err();
    store.set("a", Err(bad_aes));
    assert!(client.decrypt_phone("a", &body).await.is_ok(), "cached for the ttl");
    store.subscribers.app_changed("a");
    let e = client.decrypt_phone("a", &body).await.unwrap_err();
    assert_eq!(e.kind(), "key_error");
    assert_eq!(store.loads.load(Ordering::SeqCst), 2);
    // A broken row is an answer: kept, not asked for per request.
    for _ in 0..5 {
        assert_eq!(client.decrypt_phone("a", &body).await.unwrap_err().kind(), "key_error");
    }
    assert_eq!(store.loads.load(Ordering::SeqCst), 2);

    // Fixed, and every app said changed (notifications were missed): loaded again.
    store.set("a", Ok(demo_material()));
    store.subscribers.all_changed();
    assert!(client.decrypt_phone("a", &body).await.is_ok());
    assert_eq!(store.loads.load(Ordering::SeqCst), 3);

    // A dropped client's cache is no longer told, nor held.
    drop(client);
    assert_eq!(store.subscribers.len(), 0);
    store.subscribers.app_changed("a");
}

#[tokio::test(start_paused = true)]
async fn a_broken_rows_error_is_kept_until_its_ttl_but_good_stale_keys_win_over_it() {
    let store = Arc::new(Reporting::default());
    store.set("a", Ok(demo_material()));
    let cache = CachingKeys::from_shared(store.clone())
        .ttl(Duration::from_secs(60))
        .refresh_before(Duration::ZERO)
        .refresh_jitter(Duration::ZERO);
    assert!(cache.load(&aid("a")).await.unwrap().is_some());
    // A bad edit after good keys: the good keys are served stale rather than the error.
    let bad_aes = AppKeyMaterial::new().with_aes_key("c2VjcmV0").unwrap_err();
    store.set("a", Err(bad_aes.clone()));
    tokio::time::advance(Duration::from_secs(61)).await;
    assert!(cache.load(&aid("a")).await.unwrap().is_some());
    // An app whose first answer is broken keeps that answer for the ttl, then asks again.
    store.set("b", Err(bad_aes));
    let loads = store.loads.load(Ordering::SeqCst);
    assert!(cache.load(&aid("b")).await.is_err());
    assert!(cache.load(&aid("b")).await.is_err());
    assert_eq!(store.loads.load(Ordering::SeqCst), loads + 1);
    store.set("b", Ok(demo_material()));
    tokio::time::advance(Duration::from_secs(61)).await;
    assert!(cache.load(&aid("b")).await.unwrap().is_some());
    assert_eq!(store.loads.load(Ordering::SeqCst), loads + 2);
}

#[tokio::test(start_paused = true)]
async fn a_load_in_flight_when_its_app_changes_is_not_kept_and_setters_keep_the_subscription() {
    let store = Arc::new(Reporting {
        delay: Duration::from_secs(1),
        ..Reporting::default()
    });
    store.set("a", Ok(demo_material()));
    // The builder-style setters make a new map: the subscription follows it.
    let cache = CachingKeys::from_shared(store.clone())
        .ttl(Duration::from_secs(3600))
        .capacity(10)
        .max_stale(Duration::from_secs(60));
    assert_eq!(store.subscribers.len(), 1, "only the live map is told");
    let old = demo_material().fingerprint();
    let in_flight = tokio::spawn({
        let cache = cache.clone();
        async move { cache.load(&aid("a")).await }
    });
    tokio::time::sleep(Duration::from_millis(10)).await; // the load has read the old row
    store.set("a", Ok(AppKeyMaterial::new().with_aes_key(OTHER_AES).unwrap()));
    store.subscribers.app_changed("a");
    let first = in_flight.await.unwrap().unwrap().unwrap();
    assert_eq!(first.fingerprint(), old, "its caller gets what it read");
    // What it read before the change is not what the cache now answers.
    let next = cache.load(&aid("a")).await.unwrap().unwrap();
    assert_ne!(next.fingerprint(), old);
    assert_eq!(store.loads.load(Ordering::SeqCst), 2);
}
