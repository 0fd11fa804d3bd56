//! The key cache's policy and its change feed: what the client, the cache and the providers
//! share about caching, in a module that imports none of them (so none imports another).

use std::sync::{Mutex, Weak};
use std::time::Duration;

/// The default number of apps whose prepared keys, cached material and reload cooldowns are
/// kept (defined with the cache policy, which the client, the cache and the providers use, so
/// that none of them imports another for it).
pub const DEFAULT_CAPACITY: u64 = 100_000;

/// How a key cache keeps answers: the one policy of [`CachingKeys`](crate::CachingKeys), of
/// [`KeyProvider::cache_policy`](crate::KeyProvider::cache_policy) and of
/// [`PhoneClientBuilder::cache`](crate::PhoneClientBuilder::cache), which puts the cache in
/// front of any provider the way the AWS SDK puts its identity cache in front of a credentials
/// provider. The defaults: `ttl` 5 minutes, refresh 10 s (minus up to 5 s
/// of jitter) before expiry, a load timeout of 5 s, expired keys served for up to an hour
/// while the store fails, 100,000 app ids.
///
/// ```
/// use std::time::Duration;
/// use phone_client::{EnvKeys, KeyCache, PhoneClient};
/// let policy = KeyCache::default().ttl(Duration::from_secs(60)).load_timeout(Duration::from_secs(2));
/// assert_eq!(policy.get_ttl(), Duration::from_secs(60));
/// let client = PhoneClient::builder().keys(EnvKeys::new()).cache(policy).build()?;
/// # Ok::<(), phone_client::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyCache {
    pub(crate) ttl: Duration,
    pub(crate) refresh_before: Duration,
    pub(crate) refresh_jitter: Duration,
    pub(crate) load_timeout: Duration,
    pub(crate) max_stale: Duration,
    pub(crate) capacity: u64,
}

impl Default for KeyCache {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
            refresh_before: Duration::from_secs(10),
            refresh_jitter: Duration::from_secs(5),
            load_timeout: Duration::from_secs(5),
            max_stale: Duration::from_secs(3600),
            capacity: DEFAULT_CAPACITY,
        }
    }
}

impl KeyCache {
    /// How long an answer is used.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How long before expiry the background refresh starts.
    pub fn refresh_before(mut self, lead: Duration) -> Self {
        self.refresh_before = lead;
        self
    }

    /// The largest random amount the refresh moves earlier, per entry.
    pub fn refresh_jitter(mut self, jitter: Duration) -> Self {
        self.refresh_jitter = jitter;
        self
    }

    /// The longest a load may take.
    pub fn load_timeout(mut self, timeout: Duration) -> Self {
        self.load_timeout = timeout;
        self
    }

    /// How long past expiry keys are still served while the store fails.
    pub fn max_stale(mut self, max_stale: Duration) -> Self {
        self.max_stale = max_stale;
        self
    }

    /// How many app ids are kept (answers "not mine" included).
    pub fn capacity(mut self, apps: u64) -> Self {
        self.capacity = apps;
        self
    }

    /// The time-to-live set.
    pub fn get_ttl(&self) -> Duration {
        self.ttl
    }

    /// How long past expiry keys are served while the store fails.
    pub fn get_max_stale(&self) -> Duration {
        self.max_stale
    }

    /// The load timeout set.
    pub fn get_load_timeout(&self) -> Duration {
        self.load_timeout
    }

    /// The capacity set.
    pub fn get_capacity(&self) -> u64 {
        self.capacity
    }
}

/// What a cache is told when a provider's keys change (its entries for that app are dropped).
pub(crate) trait Forget: Send + Sync {
    fn forget(&self, app_id: &str);
    fn forget_all(&self);
}

/// Where a provider reports that keys changed: handed to [`KeyProvider::subscribe`](crate::KeyProvider::subscribe)
/// by each cache put in front of it (the client's, or a
/// [`CachingKeys`](crate::CachingKeys) of your own). A provider that learns of changes (a
/// database's notifications, a watched file) keeps the handles in a [`KeySubscribers`] and
/// tells them; the caches then load the app again on its next request instead of at the end
/// of their `ttl`. A handle holds its cache weakly: a cache that was dropped is simply no
/// longer told.
#[derive(Clone)]
pub struct KeyChanges {
    cache: Weak<dyn Forget>,
}

impl std::fmt::Debug for KeyChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyChanges").field("live", &self.is_live()).finish()
    }
}

impl KeyChanges {
    pub(crate) fn new(cache: Weak<dyn Forget>) -> Self {
        Self { cache }
    }

    /// `app_id`'s keys changed (or came, or went): its cached answer is dropped. A load that
    /// was already running when this was said keeps what it read to itself.
    pub fn app_changed(&self, app_id: &str) {
        if let Some(cache) = self.cache.upgrade() {
            cache.forget(app_id);
        }
    }

    /// Any app's keys may have changed (notifications were missed, the table was emptied):
    /// every cached answer is dropped.
    pub fn all_changed(&self) {
        if let Some(cache) = self.cache.upgrade() {
            cache.forget_all();
        }
    }

    /// Whether the cache still exists.
    pub fn is_live(&self) -> bool {
        self.cache.strong_count() > 0
    }
}

/// The caches a provider tells of changes: what a provider's
/// [`KeyProvider::subscribe`](crate::KeyProvider::subscribe) adds to and its change handler
/// tells. Dropped caches are pruned as handles are added, so it holds as many handles as live
/// caches (one per client, usually).
///
/// ```
/// use std::sync::Arc;
/// use phone_client::{AppId, AppKeyMaterial, CachingKeys, KeyChanges, KeyProvider, KeySubscribers, ProviderError};
///
/// #[derive(Debug, Default)]
/// struct Vault { subscribers: KeySubscribers }
///
/// #[async_trait::async_trait]
/// impl KeyProvider for Vault {
///     async fn load(&self, _: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
///         Ok(None)
///     }
///     fn subscribe(&self, changes: KeyChanges) {
///         self.subscribers.add(changes);
///     }
/// }
///
/// let vault = Arc::new(Vault::default());
/// let cached = CachingKeys::from_shared(vault.clone());
/// assert_eq!(vault.subscribers.len(), 1);
/// vault.subscribers.app_changed("2021001234567890"); // e.g. on the vault's change event
/// drop(cached);
/// assert_eq!(vault.subscribers.len(), 0);
/// ```
#[derive(Debug, Default)]
pub struct KeySubscribers {
    // Bounded by the live caches: dead handles go whenever one is added.
    caches: Mutex<Vec<KeyChanges>>,
}

impl KeySubscribers {
    /// Adds a cache to tell.
    pub fn add(&self, changes: KeyChanges) {
        let mut caches = self.caches.lock().unwrap_or_else(|p| p.into_inner());
        caches.retain(KeyChanges::is_live);
        caches.push(changes);
    }

    /// Tells every cache that `app_id` changed.
    pub fn app_changed(&self, app_id: &str) {
        for c in self.live() {
            c.app_changed(app_id);
        }
    }

    /// Tells every cache that any app may have changed.
    pub fn all_changed(&self) {
        for c in self.live() {
            c.all_changed();
        }
    }

    /// How many live caches are told.
    pub fn len(&self) -> usize {
        self.caches
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|c| c.is_live())
            .count()
    }

    /// Whether no live cache is told.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The handles, copied out so that no lock is held while caches drop entries.
    fn live(&self) -> Vec<KeyChanges> {
        let mut caches = self.caches.lock().unwrap_or_else(|p| p.into_inner());
        caches.retain(KeyChanges::is_live);
        caches.clone()
    }
}
