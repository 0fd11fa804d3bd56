//! A chain of providers, each cached as it asks.

use std::sync::Arc;

use async_trait::async_trait;
use phone_core::AppId;

use crate::cache::CachingKeys;
use crate::cache_policy::{KeyCache, KeyChanges};
use crate::material::AppKeyMaterial;
use crate::provider::{KeyProvider, SharedKeyProvider};
use crate::provider_error::ProviderError;

/// Tries providers in order: the first that knows the app wins; a real error stops the chain.
///
/// Each member is cached as it asks ([`KeyProvider::cache_policy`]): a remote store in the
/// chain gets its own key cache, told of its changes, while an in-memory member (a
/// [`FileKeys`](crate::FileKeys) that re-reads its file on change) keeps answering live. So
/// the chain itself asks for no cache; [`PhoneClientBuilder::cache`](crate::PhoneClientBuilder::cache)
/// still puts one in front of the whole chain.
///
/// ```
/// use phone_client::{ChainKeys, EnvKeys, FileKeys, KeyProvider};
/// let chain = ChainKeys::first_try(FileKeys::watch("keys.toml")).or_else(EnvKeys::new());
/// assert!(chain.cache_policy().is_none());
/// ```
#[derive(Debug, Default, Clone)]
pub struct ChainKeys {
    providers: Vec<SharedKeyProvider>,
}

impl ChainKeys {
    /// Starts a chain with its first provider.
    pub fn first_try(provider: impl KeyProvider + 'static) -> Self {
        Self {
            providers: vec![member(Arc::new(provider))],
        }
    }

    /// Adds the next provider.
    pub fn or_else(mut self, provider: impl KeyProvider + 'static) -> Self {
        self.providers.push(member(Arc::new(provider)));
        self
    }

    /// Adds the next provider, shared.
    pub fn or_else_shared(mut self, provider: SharedKeyProvider) -> Self {
        self.providers.push(member(provider));
        self
    }
}

#[async_trait]
impl KeyProvider for ChainKeys {
    async fn load(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        for p in &self.providers {
            if let Some(m) = p.load(app_id).await? {
                return Ok(Some(m));
            }
        }
        Ok(None)
    }

    async fn reload(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        for p in &self.providers {
            if let Some(m) = p.reload(app_id).await? {
                return Ok(Some(m));
            }
        }
        Ok(None)
    }

    /// None: each member that asked for a cache has its own already.
    fn cache_policy(&self) -> Option<KeyCache> {
        None
    }

    /// Every member reports to the cache (through its own cache, which passes it on).
    fn subscribe(&self, changes: KeyChanges) {
        for p in &self.providers {
            p.subscribe(changes.clone());
        }
    }
}

/// The member as the chain holds it: behind the cache it asks for, if any.
fn member(provider: SharedKeyProvider) -> SharedKeyProvider {
    match provider.cache_policy() {
        Some(policy) => Arc::new(CachingKeys::with_policy(provider, policy)),
        None => provider,
    }
}
