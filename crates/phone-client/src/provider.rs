//! The key-provider trait and the provider that needs no I/O: static maps.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use phone_core::AppId;

use crate::cache_policy::{KeyCache, KeyChanges};
use crate::material::AppKeyMaterial;
use crate::provider_error::ProviderError;

/// A source of key material per app id. Object safe; a chain moves on when a provider answers
/// `Ok(None)` ("not mine") and stops on a real error, a [`ProviderError`] that says what kind
/// of failure it is (the client answers each with its own status).
///
/// The app id is an [`AppId`], checked where the request entered: a provider may use it as a
/// variable-name suffix, a query parameter or a log field as it is.
///
/// ```
/// use std::sync::Arc;
/// use phone_client::{AppKeyMaterial, KeyProvider, ProviderError};
/// use phone_core::AppId;
///
/// #[derive(Debug)]
/// struct Vault;
///
/// #[async_trait::async_trait]
/// impl KeyProvider for Vault {
///     async fn load(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
///         match app_id.as_str() {
///             "2021001234567890" => Ok(Some(AppKeyMaterial::new().shared())),
///             "2021000000000000" => Err(ProviderError::timed_out(std::time::Duration::from_secs(2))),
///             _ => Ok(None), // not mine
///         }
///     }
/// }
/// ```
///
/// A provider is a plain loader: the client puts its one key cache
/// ([`CachingKeys`](crate::CachingKeys): ttl, refresh ahead, stale keys while the store fails,
/// bounded) in front of it, with the policy [`KeyProvider::cache_policy`] asks for (by default
/// [`KeyCache::default`]; a provider that answers from memory asks for none). A provider that
/// learns of changes tells the cache through [`KeyProvider::subscribe`].
///
/// A provider that delegates to another (a wrapper that adds logging, say) forwards
/// [`cache_policy`](KeyProvider::cache_policy) and [`subscribe`](KeyProvider::subscribe) too:
/// the defaults would ask for the default cache and drop the inner provider's change
/// reports (a wrapped `PgKeys`' notifications would then never reach the client's cache).
///
/// Return the same `Arc` while the material is unchanged where that is cheap: the client
/// prepares backend keys only for material whose fingerprint it has not seen, so a payload
/// never triggers backend key preparation either way.
#[async_trait]
pub trait KeyProvider: Send + Sync + std::fmt::Debug {
    /// The material for `app_id`, or `None` when this provider does not know the app.
    async fn load(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError>;

    /// Like [`KeyProvider::load`], bypassing any cache: called once when a signature fails
    /// with cached keys, in case the keys were rotated.
    async fn reload(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        self.load(app_id).await
    }

    /// How a client should cache this provider's answers when its builder does not say
    /// ([`PhoneClientBuilder::cache`](crate::PhoneClientBuilder::cache) and
    /// [`no_cache`](crate::PhoneClientBuilder::no_cache) override it). By default the
    /// default [`KeyCache`]: a provider of your own usually asks a remote store. Return `None`
    /// for one that answers from memory: a cache would only add memory per app id asked about.
    fn cache_policy(&self) -> Option<KeyCache> {
        Some(KeyCache::default())
    }

    /// Called by each cache put in front of this provider, with the handle to tell when an
    /// app's keys change (keep it in a [`KeySubscribers`](crate::KeySubscribers)). By default
    /// the provider reports nothing and cached answers live for their `ttl`.
    fn subscribe(&self, changes: KeyChanges) {
        let _ = changes;
    }
}

/// A cloneable handle to any provider.
pub type SharedKeyProvider = Arc<dyn KeyProvider>;

/// Fixed keys: one app, a map of apps, or one set for every app id.
///
/// ```
/// use phone_client::{AppKeyMaterial, StaticKeys};
/// let m = AppKeyMaterial::new().with_aes_key("aa4BtZ4tspm2wnXLb1ThQA==")?;
/// let keys = StaticKeys::new().app("2021001234567890", m);
/// # Ok::<(), phone_core::Error>(())
/// ```
#[derive(Debug, Default, Clone)]
pub struct StaticKeys {
    // Bounded by the configuration: only `app()` adds entries, never a request.
    apps: HashMap<String, Arc<AppKeyMaterial>>,
    any: Option<Arc<AppKeyMaterial>>,
}

impl StaticKeys {
    /// No apps yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one app's material.
    pub fn app(mut self, app_id: impl Into<String>, material: AppKeyMaterial) -> Self {
        self.apps.insert(app_id.into(), Arc::new(material));
        self
    }

    /// Serves this material for every app id not listed (a single-app service).
    pub fn any_app(mut self, material: AppKeyMaterial) -> Self {
        self.any = Some(Arc::new(material));
        self
    }
}

#[async_trait]
impl KeyProvider for StaticKeys {
    async fn load(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        Ok(self.apps.get(app_id.as_str()).or(self.any.as_ref()).cloned())
    }

    /// None: the keys are in memory already.
    fn cache_policy(&self) -> Option<KeyCache> {
        None
    }
}

/// What a log line or span shows for `app_id`: the id when it is an [`AppId`] (1 to 64 ASCII
/// letters, digits, `_` or `-`), else the fixed marker `<invalid>`. App ids come from requests: an HTTP
/// layer of your own logs them through this, as the SDK's spans and `alipay-phone serve` do,
/// so that a forged id cannot write a line of its own into the log.
///
/// ```
/// use phone_client::loggable_app_id;
///
/// assert_eq!(loggable_app_id("2021001234567890"), "2021001234567890");
/// assert_eq!(loggable_app_id("a\nforged=1"), "<invalid>");
/// ```
pub fn loggable_app_id(app_id: &str) -> &str {
    if AppId::is_valid(app_id) { app_id } else { "<invalid>" }
}
