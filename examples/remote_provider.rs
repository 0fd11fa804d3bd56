//! A custom key provider standing in for a remote secret store (Vault, KMS, a config service),
//! with artificial latency, behind the client's key cache so that only the first request waits.
//!
//! `cargo run --example remote_provider` from the workspace root.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use phone_client::{AppId, AppKeyMaterial, KeyCache, KeyProvider, PhoneClient, ProviderError};

/// Pretends to fetch keys over the network: 50 ms per call, and only one app is known.
#[derive(Debug, Default)]
struct RemoteSecretStore {
    fetches: AtomicUsize,
}

#[async_trait]
impl KeyProvider for RemoteSecretStore {
    async fn load(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        if app_id != "2021001234567890" {
            return Ok(None); // "not mine": a chain would ask the next provider
        }
        let material = AppKeyMaterial::new()
            .with_alipay_public_key(include_str!("data/alipay_public_key.txt"))?
            .with_aes_key(include_str!("data/aes_key.txt"))?;
        Ok(Some(Arc::new(material)))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = Arc::new(RemoteSecretStore::default());
    // A provider of one's own is cached by the client by default; the policy can be set here.
    let client = PhoneClient::builder()
        .shared_keys(store.clone())
        .cache(
            KeyCache::default()
                .ttl(Duration::from_secs(300))
                .load_timeout(Duration::from_secs(2)),
        )
        .build()?;
    let body = include_str!("data/envelope.json");

    for i in 1..=3 {
        let t = Instant::now();
        let phone = client.decrypt_phone("2021001234567890", body).await?;
        println!("request {i}: {phone} in {:?}", t.elapsed());
    }
    if let Err(err) = client.decrypt_phone("2021000000000000", body).await {
        println!("unknown app: {} ({err})", err.kind());
    }
    println!("remote fetches: {}", store.fetches.load(Ordering::SeqCst));
    Ok(())
}
