//! A caching wrapper for slow or remote providers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use phone_core::{Error, KeyProblem};
use tokio::time::Instant;

use crate::material::AppKeyMaterial;
use crate::provider::{KeyProvider, SharedKeyProvider};

/// Caches another provider's answers per app id.
///
/// - answers (including "not mine") live for `ttl` (default 5 minutes);
/// - within `refresh_before` of expiry (default 10 s) one background refresh starts while
///   callers keep getting the current keys;
/// - on a miss, one load runs and every concurrent caller for that app waits for it;
/// - a load that takes longer than `load_timeout` (default 5 s) fails with `key_error`; if an
///   expired answer exists it is served instead, with a warning, so a key-store outage does not
///   take the service down.
///
/// Time is tokio's clock, so tests can pause and advance it instead of sleeping.
///
/// ```
/// use std::time::Duration;
/// use phone_client::{CachingKeys, EnvKeys};
/// let cached = CachingKeys::new(EnvKeys::new()).ttl(Duration::from_secs(60)).load_timeout(Duration::from_secs(2));
/// ```
#[derive(Debug, Clone)]
pub struct CachingKeys {
    inner: SharedKeyProvider,
    ttl: Duration,
    refresh_before: Duration,
    load_timeout: Duration,
    slots: Arc<Mutex<HashMap<String, Arc<Slot>>>>,
}

#[derive(Debug, Default)]
struct Slot {
    current: RwLock<Option<Cached>>,
    loading: tokio::sync::Mutex<()>,
    refreshing: AtomicBool,
}

#[derive(Debug, Clone)]
struct Cached {
    value: Option<Arc<AppKeyMaterial>>,
    expires: Instant,
}

impl CachingKeys {
    /// Wraps `inner` with the default policy.
    pub fn new(inner: impl KeyProvider + 'static) -> Self {
        Self::from_shared(Arc::new(inner))
    }

    /// Wraps a shared provider.
    pub fn from_shared(inner: SharedKeyProvider) -> Self {
        Self {
            inner,
            ttl: Duration::from_secs(300),
            refresh_before: Duration::from_secs(10),
            load_timeout: Duration::from_secs(5),
            slots: Arc::default(),
        }
    }

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

    /// The longest a load may take.
    pub fn load_timeout(mut self, timeout: Duration) -> Self {
        self.load_timeout = timeout;
        self
    }

    fn slot(&self, app_id: &str) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.entry(app_id.to_owned()).or_default().clone()
    }

    fn fresh(slot: &Slot) -> Option<Cached> {
        let cur = slot.current.read().unwrap_or_else(|p| p.into_inner()).clone()?;
        (Instant::now() < cur.expires).then_some(cur)
    }

    async fn fetch(&self, app_id: &str, slot: &Slot, force: bool) -> Result<Option<Arc<AppKeyMaterial>>, Error> {
        let load = if force {
            self.inner.reload(app_id)
        } else {
            self.inner.load(app_id)
        };
        let result = match tokio::time::timeout(self.load_timeout, load).await {
            Ok(r) => r,
            Err(_) => Err(Error::key(
                phone_core::KeyRole::KeyProvider,
                KeyProblem::ProviderFailed(format!("no answer within {:?}", self.load_timeout)),
            )),
        };
        match result {
            Ok(value) => {
                let cached = Cached {
                    value: value.clone(),
                    expires: Instant::now() + self.ttl,
                };
                *slot.current.write().unwrap_or_else(|p| p.into_inner()) = Some(cached);
                Ok(value)
            }
            Err(e) => {
                let stale = slot.current.read().unwrap_or_else(|p| p.into_inner()).clone();
                match stale {
                    Some(s) => {
                        tracing::warn!(app_id, error = %e, "key provider failed; serving the expired keys");
                        Ok(s.value)
                    }
                    None => Err(e),
                }
            }
        }
    }

    fn spawn_refresh(&self, app_id: &str, slot: Arc<Slot>) {
        if slot.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let (this, app_id) = (self.clone(), app_id.to_owned());
        tokio::spawn(async move {
            let _guard = slot.loading.lock().await;
            let _ = this.fetch(&app_id, &slot, false).await;
            slot.refreshing.store(false, Ordering::Release);
        });
    }
}

#[async_trait]
impl KeyProvider for CachingKeys {
    async fn load(&self, app_id: &str) -> Result<Option<Arc<AppKeyMaterial>>, Error> {
        let slot = self.slot(app_id);
        if let Some(cur) = Self::fresh(&slot) {
            if Instant::now() + self.refresh_before >= cur.expires {
                self.spawn_refresh(app_id, slot.clone());
            }
            return Ok(cur.value);
        }
        let _guard = slot.loading.lock().await;
        // Another caller may have loaded while this one waited.
        if let Some(cur) = Self::fresh(&slot) {
            return Ok(cur.value);
        }
        self.fetch(app_id, &slot, false).await
    }

    async fn reload(&self, app_id: &str) -> Result<Option<Arc<AppKeyMaterial>>, Error> {
        let slot = self.slot(app_id);
        let _guard = slot.loading.lock().await;
        self.fetch(app_id, &slot, true).await
    }
}
