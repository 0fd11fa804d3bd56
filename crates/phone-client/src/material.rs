//! Key material for one app, parsed (not yet prepared on a backend).

use std::sync::Arc;

use phone_core::Error;
use phone_crypto::{AesKey, AlipayPublicKey, RsaPublicKeyDer, Sm2PublicKeyDer};

/// What a [`KeyProvider`](crate::KeyProvider) returns for an app id: its Alipay public key(s)
/// and AES key(s), already parsed, and in ISV/template mode the app whose Alipay public key
/// verifies its envelopes.
///
/// Several keys of a kind support rotation: any verifying key may verify; AES keys are tried
/// in order after the signature verified. `Debug` shows counts, never keys.
///
/// ```
/// use phone_client::AppKeyMaterial;
/// let m = AppKeyMaterial::new()
///     .with_alipay_public_key(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/alipay_public_key.txt"))?)?
///     .with_aes_key("aa4BtZ4tspm2wnXLb1ThQA==")?;
/// assert_eq!(format!("{m:?}"), "AppKeyMaterial { verify_keys: 1, aes_keys: 1, verify_with_app: None }");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct AppKeyMaterial {
    /// Alipay public keys, current first.
    pub verify_keys: Vec<RsaPublicKeyDer>,
    /// Alipay SM2 public keys, for apps on the `SM2` sign type.
    pub sm2_verify_keys: Vec<Sm2PublicKeyDer>,
    /// AES keys, tried in this order.
    pub aes_keys: Vec<AesKey>,
    /// ISV/template mode: verify with this app's Alipay public key instead of our own.
    pub verify_with_app: Option<String>,
}

impl std::fmt::Debug for AppKeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppKeyMaterial")
            .field("verify_keys", &(self.verify_keys.len() + self.sm2_verify_keys.len()))
            .field("aes_keys", &self.aes_keys.len())
            .field("verify_with_app", &self.verify_with_app)
            .finish()
    }
}

impl AppKeyMaterial {
    /// Empty material.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an Alipay public key in any accepted format: RSA (base64 SPKI, PEM, PKCS#1, a
    /// certificate) or SM2.
    pub fn with_alipay_public_key(mut self, text: &str) -> Result<Self, Error> {
        match AlipayPublicKey::parse(text)? {
            AlipayPublicKey::Rsa(k) => self.verify_keys.push(k),
            AlipayPublicKey::Sm2(k) => self.sm2_verify_keys.push(k),
            _ => {
                return Err(Error::key(
                    phone_core::KeyRole::AlipayPublic,
                    phone_core::KeyProblem::WrongAlgorithm("a key kind this client cannot use yet".into()),
                ));
            }
        }
        Ok(self)
    }

    /// Adds an AES key (base64).
    pub fn with_aes_key(mut self, text: &str) -> Result<Self, Error> {
        self.aes_keys.push(AesKey::parse(text)?);
        Ok(self)
    }

    /// Verifies with another app's Alipay public key (ISV/template mode).
    pub fn verify_with(mut self, isv_app_id: impl Into<String>) -> Self {
        self.verify_with_app = Some(isv_app_id.into());
        self
    }

    /// Wraps in the `Arc` providers hand out.
    pub fn shared(self) -> Arc<Self> {
        Arc::new(self)
    }
}
