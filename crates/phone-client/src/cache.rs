//! A caching wrapper for slow or remote providers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use moka::sync::Cache;
use phone_core::AppId;
use tokio::time::Instant;

use crate::cache_policy::{Forget, KeyCache, KeyChanges};
use crate::material::AppKeyMaterial;
use crate::provider::{KeyProvider, SharedKeyProvider};
use crate::provider_error::ProviderError;

/// Caches another provider's answers per app id, in a bounded cache: the one key cache of the
/// SDK, which [`PhoneClient`](crate::PhoneClient) puts in front of every provider that asks
/// for one ([`KeyProvider::cache_policy`]), as the AWS SDK puts its identity cache in front of
/// credential providers. Providers are plain loaders; build one of these yourself only to
/// call a provider outside a client or to share one cache between clients.
///
/// - answers (including "not mine", and a store's answer that an app's keys are invalid)
///   live for `ttl` (default 5 minutes), or until the provider says the app changed
///   ([`KeyProvider::subscribe`]: PostgreSQL's NOTIFY, say);
/// - from `refresh_before` (default 10 s, minus a random jitter of up to `refresh_jitter`,
///   default 5 s, so that replicas do not all reload at once) before expiry, one background
///   refresh runs while callers keep getting the current keys;
/// - on a miss, one load runs and every concurrent caller for that app waits for it;
/// - a load that takes longer than `load_timeout` (default 5 s) fails with `key_error`; while
///   the store fails, expired keys are served (with a warning) for at most `max_stale`
///   (default 1 hour) past their expiry, then the store's error is returned; while stale keys
///   are served the store is asked again at most once per `max(refresh_before, load_timeout)`,
///   so callers do not queue behind one failing load after another;
/// - at most `capacity` app ids (default 100,000, known and unknown alike) are kept, and an
///   entry no request touched for `ttl + max_stale` is dropped.
///
/// Time is tokio's clock, so tests can pause and advance it instead of sleeping.
///
/// With the `metrics` feature it reports its entries, hits, misses, reloads and stale serves
/// (the `alipay_phone_key_cache_*` metrics in `phone_client::metrics`).
///
/// ```
/// use std::time::Duration;
/// use phone_client::{CachingKeys, EnvKeys};
/// let cached = CachingKeys::new(EnvKeys::new())
///     .ttl(Duration::from_secs(60))
///     .load_timeout(Duration::from_secs(2))
///     .max_stale(Duration::from_secs(600));
/// ```
#[derive(Debug, Clone)]
pub struct CachingKeys {
    inner: SharedKeyProvider,
    policy: Policy,
    /// In an `Arc` of its own so that the provider's change handle can hold it weakly.
    slots: Arc<Slots>,
    /// Takes the entries this cache still holds off the gauge when its last clone goes.
    #[cfg(feature = "metrics")]
    entries: Arc<EntriesGauge>,
}

/// The `slots` of one cache, for the entries gauge: moka reports evictions but not its own
/// drop, so what is left at drop is subtracted here.
#[cfg(feature = "metrics")]
#[derive(Debug)]
struct EntriesGauge(Cache<AppId, Arc<Slot>>);

#[cfg(feature = "metrics")]
impl Drop for EntriesGauge {
    fn drop(&mut self) {
        // Pending evictions are reported by the listener first, so none is subtracted twice.
        self.0.run_pending_tasks();
        let left = self.0.entry_count();
        if left > 0 {
            crate::metrics::cache_entries(-(left as f64));
        }
    }
}

/// Why the key store is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fetch {
    /// A caller found nothing usable and waits.
    Miss,
    /// Ahead of expiry, in the background: no caller is served from it.
    Refresh,
    /// A caller asked for a reload (after a failed signature).
    Forced,
}

/// The policy as the cache reads it.
type Policy = KeyCache;

/// The bounded map of app id to slot.
#[derive(Debug)]
struct Slots(Cache<AppId, Arc<Slot>>);

impl Forget for Slots {
    fn forget(&self, app_id: &str) {
        // A text that is no app id has no entry.
        self.0.invalidate(app_id);
    }

    fn forget_all(&self) {
        self.0.invalidate_all();
    }
}

#[derive(Debug, Default)]
struct Slot {
    current: RwLock<Option<Cached>>,
    loading: tokio::sync::Mutex<()>,
    refreshing: AtomicBool,
}

/// An answer: material, "not mine", or the store's word that the app's keys are invalid
/// (kept like an answer, so a broken row is not queried per request).
type Answer = Result<Option<Arc<AppKeyMaterial>>, ProviderError>;

#[derive(Debug, Clone)]
struct Cached {
    value: Answer,
    expires: Instant,
    refresh_at: Instant,
    /// When the answer really expired, while it is being served stale.
    stale_since: Option<Instant>,
}

impl CachingKeys {
    /// Wraps `inner` with the policy it asks for ([`KeyProvider::cache_policy`]; the default
    /// policy if it asks for none: you asked for a cache, so one that answers from memory, or
    /// a chain whose members have their own, gets the default).
    pub fn new(inner: impl KeyProvider + 'static) -> Self {
        Self::from_shared(Arc::new(inner))
    }

    /// Wraps a shared provider, with the policy it asks for.
    pub fn from_shared(inner: SharedKeyProvider) -> Self {
        let policy = inner.cache_policy().unwrap_or_default();
        Self::with_policy(inner, policy)
    }

    /// Wraps a shared provider with `policy`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use phone_client::{CachingKeys, EnvKeys, KeyCache};
    /// let cached = CachingKeys::with_policy(Arc::new(EnvKeys::new()), KeyCache::default().capacity(10_000));
    /// assert_eq!(cached.policy().get_capacity(), 10_000);
    /// ```
    pub fn with_policy(inner: SharedKeyProvider, policy: KeyCache) -> Self {
        let slots = Arc::new(Slots(policy.storage()));
        let this = Self {
            inner,
            #[cfg(feature = "metrics")]
            entries: Arc::new(EntriesGauge(slots.0.clone())),
            slots,
            policy,
        };
        this.subscribe_to_inner();
        this
    }

    /// Asks the provider to report changes to this cache's slots.
    fn subscribe_to_inner(&self) {
        let forget: Arc<dyn Forget> = self.slots.clone();
        self.inner.subscribe(KeyChanges::new(Arc::downgrade(&forget)));
    }

    /// A new, empty map of slots for a changed policy (builder time: nothing is cached yet);
    /// the provider's handle to the old map dies with it.
    fn new_storage(mut self) -> Self {
        self.slots = Arc::new(Slots(self.policy.storage()));
        #[cfg(feature = "metrics")]
        {
            self.entries = Arc::new(EntriesGauge(self.slots.0.clone()));
        }
        self.subscribe_to_inner();
        self
    }

    /// How long an answer is used.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.policy.ttl = ttl;
        self.new_storage()
    }

    /// How long before expiry the background refresh starts.
    pub fn refresh_before(mut self, lead: Duration) -> Self {
        self.policy.refresh_before = lead;
        self
    }

    /// The largest random amount the refresh moves earlier, per entry.
    pub fn refresh_jitter(mut self, jitter: Duration) -> Self {
        self.policy.refresh_jitter = jitter;
        self
    }

    /// The longest a load may take.
    pub fn load_timeout(mut self, timeout: Duration) -> Self {
        self.policy.load_timeout = timeout;
        self
    }

    /// How long past expiry keys are still served while the store fails.
    pub fn max_stale(mut self, max_stale: Duration) -> Self {
        self.policy.max_stale = max_stale;
        self.new_storage()
    }

    /// How many app ids are kept (answers "not mine" included).
    pub fn capacity(mut self, apps: u64) -> Self {
        self.policy.capacity = apps;
        self.new_storage()
    }

    /// The policy in force.
    pub fn policy(&self) -> KeyCache {
        self.policy
    }

    /// How many app ids are cached now (after pending maintenance).
    pub fn entry_count(&self) -> u64 {
        self.slots.0.run_pending_tasks();
        self.slots.0.entry_count()
    }

    /// Forgets `app_id`'s answer: the next request loads it again (a store that is told of a
    /// change, e.g. PostgreSQL's NOTIFY, calls this). A load already running keeps its result
    /// to itself, so what it read before the change is not cached.
    ///
    /// ```
    /// let cached = phone_client::CachingKeys::new(phone_client::EnvKeys::new());
    /// cached.invalidate("2021001234567890");
    /// ```
    pub fn invalidate(&self, app_id: &str) {
        self.slots.forget(app_id);
    }

    /// Forgets every answer (e.g. after notifications may have been missed).
    pub fn invalidate_all(&self) {
        self.slots.forget_all();
    }

    fn slot(&self, app_id: &AppId) -> Arc<Slot> {
        self.slots.0.get_with_by_ref(app_id, || {
            // Runs once per inserted entry; the eviction listener takes each one off again.
            #[cfg(feature = "metrics")]
            crate::metrics::cache_entries(1.0);
            Arc::new(Slot::default())
        })
    }

    fn fresh(slot: &Slot) -> Option<Cached> {
        let cur = slot.current.read().unwrap_or_else(|p| p.into_inner()).clone()?;
        (Instant::now() < cur.expires).then_some(cur)
    }

    async fn fetch(&self, app_id: &AppId, slot: &Slot, why: Fetch) -> Answer {
        #[cfg(feature = "metrics")]
        match why {
            Fetch::Miss => {} // counted by the caller, which may not need to fetch after all
            Fetch::Refresh => crate::metrics::cache(crate::metrics::CacheEvent::Refresh),
            Fetch::Forced => crate::metrics::cache(crate::metrics::CacheEvent::Forced),
        }
        let load = if why == Fetch::Forced {
            self.inner.reload(app_id)
        } else {
            self.inner.load(app_id)
        };
        let timeout = self.policy.load_timeout;
        let result = match tokio::time::timeout(timeout, load).await {
            Ok(r) => r,
            Err(_) => Err(ProviderError::timed_out(timeout)),
        };
        match result {
            Ok(value) => {
                self.keep(slot, Ok(value.clone()));
                Ok(value)
            }
            // Every failure, as before typed errors: a store that answers "broken" for a while
            // is served through like one that does not answer, while there are good keys.
            Err(e) => {
                let mut current = slot.current.write().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                match current.as_mut() {
                    Some(s) if s.value.is_ok() && now < s.stale_since.unwrap_or(s.expires) + self.policy.max_stale => {
                        tracing::warn!(app_id = app_id.as_str(), error = %e, "key store failed; serving the expired keys");
                        // The stale answer counts as fresh until the next retry: the callers
                        // queued behind this load do not each wait for the store in turn.
                        s.stale_since.get_or_insert(s.expires);
                        let retry = now + self.policy.retry_after();
                        s.expires = retry;
                        s.refresh_at = retry;
                        // A background refresh hands nothing out: no caller got stale keys.
                        #[cfg(feature = "metrics")]
                        if why != Fetch::Refresh {
                            crate::metrics::cache(crate::metrics::CacheEvent::Stale);
                        }
                        s.value.clone()
                    }
                    // The store's answer about the app's keys, not an outage: kept like an
                    // answer until the row changes (the provider says so) or `ttl` passes.
                    _ if matches!(e, ProviderError::InvalidKeys(_)) => {
                        drop(current);
                        self.keep(slot, Err(e.clone()));
                        Err(e)
                    }
                    _ => Err(e),
                }
            }
        }
    }

    /// Stores `value` as the slot's answer for `ttl`, with its refresh time.
    fn keep(&self, slot: &Slot, value: Answer) {
        let expires = Instant::now() + self.policy.ttl;
        let jitter = self.policy.refresh_jitter.mul_f64(fastrand::f64());
        let lead = (self.policy.refresh_before + jitter).min(self.policy.ttl);
        *slot.current.write().unwrap_or_else(|p| p.into_inner()) = Some(Cached {
            value,
            expires,
            refresh_at: expires - lead,
            stale_since: None,
        });
    }

    fn spawn_refresh(&self, app_id: &AppId, slot: Arc<Slot>) {
        if slot.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let (this, app_id) = (self.clone(), app_id.clone());
        tokio::spawn(async move {
            let _guard = slot.loading.lock().await;
            let _ = this.fetch(&app_id, &slot, Fetch::Refresh).await;
            slot.refreshing.store(false, Ordering::Release);
        });
    }
}

impl Policy {
    /// How long a stale answer is served before the store is asked again.
    fn retry_after(&self) -> Duration {
        self.refresh_before
            .max(self.load_timeout)
            .min(self.ttl)
            .max(Duration::from_millis(1))
    }

    /// The bounded map of slots; a slot idle for `ttl + max_stale` can serve nothing.
    fn storage(&self) -> Cache<AppId, Arc<Slot>> {
        let builder = Cache::builder()
            .max_capacity(self.capacity)
            .time_to_idle(self.ttl + self.max_stale);
        #[cfg(feature = "metrics")]
        let builder = builder.eviction_listener(|_, _, cause| {
            // A replaced value leaves the count as it was; every other removal lowers it.
            if cause != moka::notification::RemovalCause::Replaced {
                crate::metrics::cache_entries(-1.0);
            }
        });
        builder.build()
    }
}

#[async_trait]
impl KeyProvider for CachingKeys {
    async fn load(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        let slot = self.slot(app_id);
        if let Some(cur) = Self::fresh(&slot) {
            if Instant::now() >= cur.refresh_at {
                self.spawn_refresh(app_id, slot.clone());
            }
            #[cfg(feature = "metrics")]
            crate::metrics::cache(if cur.stale_since.is_some() {
                crate::metrics::CacheEvent::Stale
            } else {
                crate::metrics::CacheEvent::Hit
            });
            return cur.value;
        }
        #[cfg(feature = "metrics")]
        crate::metrics::cache(crate::metrics::CacheEvent::Miss);
        let _guard = slot.loading.lock().await;
        // Another caller may have loaded while this one waited.
        if let Some(cur) = Self::fresh(&slot) {
            #[cfg(feature = "metrics")]
            if cur.stale_since.is_some() {
                crate::metrics::cache(crate::metrics::CacheEvent::Stale);
            }
            return cur.value;
        }
        self.fetch(app_id, &slot, Fetch::Miss).await
    }

    async fn reload(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        let slot = self.slot(app_id);
        let _guard = slot.loading.lock().await;
        self.fetch(app_id, &slot, Fetch::Forced).await
    }

    /// None: this is the cache (a client given one adds no second).
    fn cache_policy(&self) -> Option<KeyCache> {
        None
    }

    /// Passed on: a cache in front of this one is told too.
    fn subscribe(&self, changes: KeyChanges) {
        self.inner.subscribe(changes);
    }
}
