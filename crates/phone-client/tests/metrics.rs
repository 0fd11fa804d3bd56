//! The `metrics` feature: exact counts read back through a recorder local to each test's thread
//! (the tests run on current-thread runtimes, so every spawned task records there too).
#![cfg(feature = "metrics")]
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

mod common;

use async_trait::async_trait;
use common::{aid, demo};
use metrics_util::MetricKind;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use phone_client::metrics::*;
use phone_client::{AppId, AppKeyMaterial, CachingKeys, KeyProvider, PhoneClient, ProviderError, StaticKeys};
use phone_core::Error;

const APP: &str = "2021001234567890";

/// Running totals: a snapshot resets counters and gauges to zero, so each one is added on.
struct Seen {
    snapshotter: Snapshotter,
    counters: BTreeMap<String, u64>,
    gauges: BTreeMap<String, f64>,
    samples: BTreeMap<String, usize>,
}

impl Seen {
    fn new(recorder: &DebuggingRecorder) -> Self {
        Self {
            snapshotter: recorder.snapshotter(),
            counters: BTreeMap::new(),
            gauges: BTreeMap::new(),
            samples: BTreeMap::new(),
        }
    }

    fn take(&mut self) -> &mut Self {
        for (key, _, _, value) in self.snapshotter.snapshot().into_vec() {
            let mut labels: Vec<_> = key
                .key()
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            labels.sort();
            let name = format!("{}{{{}}}", key.key().name(), labels.join(","));
            match (key.kind(), value) {
                (MetricKind::Counter, DebugValue::Counter(n)) => *self.counters.entry(name).or_default() += n,
                (MetricKind::Gauge, DebugValue::Gauge(g)) => *self.gauges.entry(name).or_default() += g.0,
                (MetricKind::Histogram, DebugValue::Histogram(v)) => *self.samples.entry(name).or_default() += v.len(),
                other => panic!("{other:?}"),
            }
        }
        self
    }

    /// The counters whose name starts with `prefix`, as `name{labels}` → count (zeros left out).
    fn counters(&mut self, prefix: &str) -> BTreeMap<String, u64> {
        self.take();
        self.counters
            .iter()
            .filter(|(k, v)| k.starts_with(prefix) && **v > 0)
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    fn gauge(&mut self, name: &str) -> f64 {
        self.take();
        self.gauges.get(&format!("{name}{{}}")).copied().unwrap_or_default()
    }

    fn samples(&mut self) -> BTreeMap<String, usize> {
        self.take();
        self.samples.clone()
    }
}

fn expect(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn demo_material() -> AppKeyMaterial {
    AppKeyMaterial::new()
        .with_alipay_public_key(&demo("alipay_public_key.txt"))
        .unwrap()
        .with_aes_key(&demo("aes_key.txt"))
        .unwrap()
}

fn forged() -> String {
    demo("envelope.json").replace("\"sign\":\"", "\"sign\":\"AAAA")
}

#[tokio::test]
async fn requests_are_counted_by_outcome_and_timed_by_backend_without_an_app_id() {
    let recorder = DebuggingRecorder::new();
    let _local = metrics::set_default_local_recorder(&recorder);
    let mut seen = Seen::new(&recorder);
    let client = PhoneClient::builder()
        .keys(StaticKeys::new().app(APP, demo_material()))
        .build()
        .unwrap();
    for _ in 0..3 {
        client.decrypt_phone(APP, &demo("envelope.json")).await.unwrap();
    }
    for _ in 0..2 {
        assert_eq!(client.open(APP, &forged()).await.unwrap_err().kind(), "bad_signature");
    }
    assert_eq!(
        client.open(APP, "not json").await.unwrap_err().kind(),
        "malformed_envelope"
    );

    assert_eq!(
        seen.counters("alipay_phone_requests_total"),
        expect(&[
            ("alipay_phone_requests_total{outcome=bad_signature}", 2),
            ("alipay_phone_requests_total{outcome=malformed_envelope}", 1),
            ("alipay_phone_requests_total{outcome=ok}", 3),
        ])
    );
    let backend = client.backend_name();
    assert_eq!(
        seen.samples(),
        BTreeMap::from([(format!("{REQUEST_DURATION_SECONDS}{{backend={backend}}}"), 6)])
    );
}

#[tokio::test]
async fn the_app_id_label_is_there_only_when_asked_for_and_only_for_apps_with_keys() {
    let recorder = DebuggingRecorder::new();
    let _local = metrics::set_default_local_recorder(&recorder);
    let mut seen = Seen::new(&recorder);
    let client = PhoneClient::builder()
        .keys(StaticKeys::new().app(APP, demo_material()))
        .metrics_app_id_label(true)
        .build()
        .unwrap();
    client.decrypt_phone(APP, &demo("envelope.json")).await.unwrap();
    client.decrypt_phone(APP, &forged()).await.unwrap_err();
    // A made-up app id, and a request that fails before its keys are looked up: no new series.
    let err = client
        .decrypt_phone("made-up-1", &demo("envelope.json"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "key_error");
    client
        .decrypt_phone("made-up-2", &demo("envelope.json"))
        .await
        .unwrap_err();
    client.decrypt_phone(APP, "not json").await.unwrap_err();

    assert_eq!(
        seen.counters(REQUESTS_TOTAL),
        expect(&[
            (
                "alipay_phone_requests_total{app_id=2021001234567890,outcome=bad_signature}",
                1
            ),
            ("alipay_phone_requests_total{app_id=2021001234567890,outcome=ok}", 1),
            ("alipay_phone_requests_total{app_id=other,outcome=key_error}", 2),
            (
                "alipay_phone_requests_total{app_id=other,outcome=malformed_envelope}",
                1
            ),
        ])
    );
    // The two made-up ids are told apart from an outage and from a broken key.
    assert_eq!(
        seen.counters("alipay_phone_key_errors_total"),
        expect(&[("alipay_phone_key_errors_total{class=unknown_app}", 2)])
    );
    let backend = client.backend_name();
    assert_eq!(
        seen.samples(),
        BTreeMap::from([
            (
                format!("{REQUEST_DURATION_SECONDS}{{app_id={APP},backend={backend}}}"),
                2
            ),
            (
                format!("{REQUEST_DURATION_SECONDS}{{app_id=other,backend={backend}}}"),
                3
            ),
        ])
    );
}

/// A key store that answers at once with the demo keys until it is switched off.
#[derive(Debug, Default)]
struct Store {
    down: AtomicBool,
}

#[async_trait]
impl KeyProvider for Store {
    async fn load(&self, _app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(ProviderError::unavailable(
                "connection refused",
                std::io::Error::other("connection refused"),
            ));
        }
        Ok(Some(Arc::new(demo_material())))
    }
}

#[tokio::test(start_paused = true)]
async fn the_key_cache_counts_hits_misses_reloads_stale_serves_and_entries() {
    let recorder = DebuggingRecorder::new();
    let _local = metrics::set_default_local_recorder(&recorder);
    let mut seen = Seen::new(&recorder);
    let store = Arc::new(Store::default());
    let cache = CachingKeys::from_shared(store.clone())
        .ttl(Duration::from_secs(60))
        .refresh_before(Duration::from_secs(10))
        .refresh_jitter(Duration::ZERO)
        .load_timeout(Duration::from_secs(1))
        .max_stale(Duration::from_secs(600));

    cache.load(&aid("a")).await.unwrap(); // miss
    cache.load(&aid("a")).await.unwrap(); // hit
    tokio::time::advance(Duration::from_secs(55)).await;
    cache.load(&aid("a")).await.unwrap(); // hit, and a refresh behind it
    tokio::time::sleep(Duration::from_millis(10)).await;
    cache.reload(&aid("a")).await.unwrap(); // forced
    assert_eq!(
        seen.counters("alipay_phone_key_cache"),
        expect(&[
            ("alipay_phone_key_cache_hits_total{}", 2),
            ("alipay_phone_key_cache_misses_total{}", 1),
            ("alipay_phone_key_cache_reloads_total{reason=forced}", 1),
            ("alipay_phone_key_cache_reloads_total{reason=refresh}", 1),
        ])
    );

    // The store goes down and the keys expire: a miss served stale, then a stale serve
    // without asking the store again; a cold app gets the store's error.
    store.down.store(true, Ordering::SeqCst);
    tokio::time::advance(Duration::from_secs(70)).await;
    assert!(cache.load(&aid("a")).await.unwrap().is_some());
    assert!(cache.load(&aid("a")).await.unwrap().is_some());
    assert_eq!(
        Error::from(cache.load(&aid("b")).await.unwrap_err()).kind(),
        "key_error"
    );
    assert_eq!(
        seen.counters("alipay_phone_key_cache"),
        expect(&[
            ("alipay_phone_key_cache_hits_total{}", 2),
            ("alipay_phone_key_cache_misses_total{}", 3),
            ("alipay_phone_key_cache_reloads_total{reason=forced}", 1),
            ("alipay_phone_key_cache_reloads_total{reason=refresh}", 1),
            ("alipay_phone_key_cache_stale_serves_total{}", 2),
        ])
    );
    assert_eq!(seen.gauge(KEY_CACHE_ENTRIES), 2.0);
    // Nothing here is a request: the request metrics stay empty.
    assert!(seen.counters(REQUESTS_TOTAL).is_empty());

    // A cache that goes away takes its entries off the gauge.
    drop(cache);
    assert_eq!(seen.gauge(KEY_CACHE_ENTRIES), 0.0);
}

#[tokio::test]
async fn the_entries_gauge_follows_evictions_and_adds_up_over_caches() {
    let recorder = DebuggingRecorder::new();
    let _local = metrics::set_default_local_recorder(&recorder);
    let mut seen = Seen::new(&recorder);
    let store = Arc::new(Store::default());
    let small = CachingKeys::from_shared(store.clone()).capacity(3);
    let other = CachingKeys::from_shared(store);
    for i in 0..20 {
        small.load(&aid(&format!("app-{i}"))).await.unwrap();
    }
    other.load(&aid("x")).await.unwrap();
    other.load(&aid("y")).await.unwrap();
    let held = small.entry_count() + other.entry_count();
    assert!(small.entry_count() <= 3, "{}", small.entry_count());
    assert_eq!(seen.gauge(KEY_CACHE_ENTRIES), held as f64);
    drop(small);
    assert_eq!(seen.gauge(KEY_CACHE_ENTRIES), 2.0);
    drop(other);
    assert_eq!(seen.gauge(KEY_CACHE_ENTRIES), 0.0);
}

#[tokio::test(start_paused = true)]
async fn a_failed_signature_counts_a_forced_reload_through_the_client() {
    let recorder = DebuggingRecorder::new();
    let _local = metrics::set_default_local_recorder(&recorder);
    let mut seen = Seen::new(&recorder);
    let client = PhoneClient::builder()
        .keys(CachingKeys::new(StaticKeys::new().app(APP, demo_material())))
        .build()
        .unwrap();
    client.decrypt_phone(APP, &demo("envelope.json")).await.unwrap();
    client.decrypt_phone(APP, &forged()).await.unwrap_err();
    // Within the reload cooldown: no second reload.
    client.decrypt_phone(APP, &forged()).await.unwrap_err();
    assert_eq!(
        seen.counters("alipay_phone_"),
        expect(&[
            ("alipay_phone_key_cache_hits_total{}", 2),
            ("alipay_phone_key_cache_misses_total{}", 1),
            ("alipay_phone_key_cache_reloads_total{reason=forced}", 1),
            ("alipay_phone_requests_total{outcome=bad_signature}", 2),
            ("alipay_phone_requests_total{outcome=ok}", 1),
            ("alipay_phone_shapes_total{data=phone,shape=envelope}", 3),
        ])
    );
}

#[test]
fn every_metric_is_described_and_named_alipay_phone() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        describe();
        // Described metrics show only once recorded.
        metrics::counter!(REQUESTS_TOTAL).increment(1);
        metrics::gauge!(KEY_CACHE_ENTRIES).set(0.0);
    });
    let names = [
        REQUESTS_TOTAL,
        REQUEST_DURATION_SECONDS,
        KEY_CACHE_ENTRIES,
        KEY_CACHE_HITS_TOTAL,
        KEY_CACHE_MISSES_TOTAL,
        KEY_CACHE_RELOADS_TOTAL,
        KEY_CACHE_STALE_SERVES_TOTAL,
    ];
    assert!(names.iter().all(|n| n.starts_with("alipay_phone_")));
    for (key, unit, help, _) in snapshotter.snapshot().into_vec() {
        assert!(unit.is_some() && help.is_some(), "{key:?}");
    }
    // The module's table names every one.
    let doc = include_str!("../src/metrics.rs");
    for n in names {
        assert!(doc.contains(&format!("//! | `{n}` |")), "{n} is not in the table");
    }
}

/// A key store that answers after `delay`, or hangs while `hang` is set.
#[derive(Debug)]
struct Slow {
    delay: Duration,
    hang: AtomicBool,
    calls: std::sync::atomic::AtomicUsize,
}

#[async_trait]
impl KeyProvider for Slow {
    async fn load(&self, _app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.hang.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(self.delay).await;
        Ok(Some(Arc::new(demo_material())))
    }
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_each_count_a_miss_and_a_stale_serve_for_one_store_call() {
    let recorder = DebuggingRecorder::new();
    let _local = metrics::set_default_local_recorder(&recorder);
    let mut seen = Seen::new(&recorder);
    let store = Arc::new(Slow {
        delay: Duration::from_millis(100),
        hang: AtomicBool::new(false),
        calls: Default::default(),
    });
    let cache = CachingKeys::from_shared(store.clone())
        .ttl(Duration::from_secs(60))
        .load_timeout(Duration::from_secs(1));
    let all = |cache: &CachingKeys| {
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let c = cache.clone();
                tokio::spawn(async move { c.load(&aid("a")).await })
            })
            .collect();
        async move {
            for t in tasks {
                assert!(t.await.unwrap().unwrap().is_some());
            }
        }
    };
    // Cold: twenty misses, one store call.
    all(&cache).await;
    assert_eq!(store.calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        seen.counters("alipay_phone_key_cache"),
        expect(&[("alipay_phone_key_cache_misses_total{}", 20)])
    );

    // Expired and the store hangs: one timeout, and every caller is handed the stale keys.
    store.hang.store(true, Ordering::SeqCst);
    tokio::time::advance(Duration::from_secs(61)).await;
    all(&cache).await;
    assert_eq!(store.calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        seen.counters("alipay_phone_key_cache"),
        expect(&[
            ("alipay_phone_key_cache_misses_total{}", 40),
            ("alipay_phone_key_cache_stale_serves_total{}", 20),
        ])
    );
    assert_eq!(seen.gauge(KEY_CACHE_ENTRIES), 1.0);
}
