//! The async facade: a cheap-to-clone, `Send + Sync` client shared across a whole server.
//!
//! This is the skeleton the key-provider work builds on: today it serves one app's prepared
//! [`AppKeys`]; key providers, rotation reloads and multi-app routing arrive next.
//!
//! ```
//! use phone_client::PhoneClient;
//! use phone_crypto::{AppKeys, Backend};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/");
//! let keys = AppKeys::builder()
//!     .alipay_public_key(&std::fs::read_to_string(format!("{data}alipay_public_key.txt"))?)?
//!     .aes_key(&std::fs::read_to_string(format!("{data}aes_key.txt"))?)?
//!     .build(Backend::default())?;
//! let client = PhoneClient::new(keys); // clone it into every handler
//! let body = std::fs::read_to_string(format!("{data}envelope.json"))?;
//! let phone = client.decrypt_phone(&body).await?;
//! assert_eq!(phone.to_string(), "138****8000");
//! # Ok(()) }
//! ```

use std::sync::Arc;

use phone_core::{Error, PhoneNumber};
use phone_crypto::{AppKeys, Opened};

/// A client over prepared keys. Clones share the keys.
#[derive(Debug, Clone)]
pub struct PhoneClient {
    keys: Arc<AppKeys>,
}

impl PhoneClient {
    /// Wraps prepared keys.
    pub fn new(keys: AppKeys) -> Self {
        Self { keys: Arc::new(keys) }
    }

    /// Verifies, decrypts and parses the posted envelope. The work is a few tens of
    /// microseconds of CPU, so it runs inline rather than on a blocking pool.
    pub async fn decrypt_phone(&self, body: &str) -> Result<PhoneNumber, Error> {
        self.open(body).await.map(|o| o.response.phone)
    }

    /// Like [`PhoneClient::decrypt_phone`], with Alipay's code and msg and which keys matched.
    pub async fn open(&self, body: &str) -> Result<Opened, Error> {
        self.keys.open(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phone_crypto::Backend;

    fn data(f: &str) -> String {
        std::fs::read_to_string(format!("{}/../../examples/data/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn clones_share_keys_across_tasks() {
        let keys = AppKeys::builder()
            .alipay_public_key(&data("alipay_public_key.txt"))
            .unwrap()
            .aes_key(&data("aes_key.txt"))
            .unwrap()
            .build(Backend::default())
            .unwrap();
        let client = PhoneClient::new(keys);
        let body = data("envelope.json");
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (c, b) = (client.clone(), body.clone());
                tokio::spawn(async move { c.decrypt_phone(&b).await })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap().reveal(), "13800138000");
        }
        let err = client.decrypt_phone("{}").await.unwrap_err();
        assert_eq!(err.kind(), "malformed_envelope");
    }
}
