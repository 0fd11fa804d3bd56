//! Key material for one app, parsed (not yet prepared on a backend).

use std::sync::{Arc, OnceLock};

use phone_core::{Error, SignType};
use phone_crypto::{AesKey, AlipayPublicKey, KeyFingerprint, RsaPublicKeyDer};

/// What a [`KeyProvider`](crate::KeyProvider) returns for an app id: its Alipay public key(s)
/// and content key(s), already parsed, the sign types it accepts, and in ISV/template mode the
/// app whose Alipay public key verifies its envelopes.
///
/// Several keys of a kind support rotation: any verifying key may verify; content keys are
/// tried in order after the signature verified. The client identifies material by
/// [`AppKeyMaterial::fingerprint`] (its key bytes), so providers may hand out fresh copies of
/// unchanged keys without anything being prepared again. `Debug` shows counts, never keys.
///
/// ```
/// use phone_client::AppKeyMaterial;
/// let m = AppKeyMaterial::new()
///     .with_alipay_public_key(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/alipay_public_key.txt"))?)?
///     .with_aes_key("aa4BtZ4tspm2wnXLb1ThQA==")?;
/// assert_eq!(format!("{m:?}"), "AppKeyMaterial { verify_keys: 1, aes_keys: 1, verify_with_app: None, sign_types: None }");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct AppKeyMaterial {
    verify_keys: Vec<AlipayPublicKey>,
    aes_keys: Vec<AesKey>,
    verify_with_app: Option<String>,
    sign_types: Option<Vec<SignType>>,
    fingerprint: OnceLock<KeyFingerprint>,
}

impl std::fmt::Debug for AppKeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppKeyMaterial")
            .field("verify_keys", &self.verify_keys.len())
            .field("aes_keys", &self.aes_keys.len())
            .field("verify_with_app", &self.verify_with_app)
            .field("sign_types", &self.sign_types)
            .finish()
    }
}

impl PartialEq for AppKeyMaterial {
    fn eq(&self, other: &Self) -> bool {
        self.fingerprint() == other.fingerprint()
    }
}

impl Eq for AppKeyMaterial {}

impl AppKeyMaterial {
    /// Empty material.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an Alipay public key in any accepted format: RSA (base64 SPKI, PEM, PKCS#1, a
    /// certificate) or SM2.
    pub fn with_alipay_public_key(self, text: &str) -> Result<Self, Error> {
        Ok(self.with_public_key(AlipayPublicKey::parse(text)?))
    }

    /// Adds an already parsed Alipay public key.
    pub fn with_public_key(mut self, key: AlipayPublicKey) -> Self {
        self.verify_keys.push(key);
        self.fingerprint = OnceLock::new();
        self
    }

    /// Adds an already parsed RSA Alipay public key.
    pub fn with_rsa_public_key(self, key: RsaPublicKeyDer) -> Self {
        self.with_public_key(AlipayPublicKey::Rsa(key))
    }

    /// Adds a content key (接口内容加密方式, base64).
    pub fn with_aes_key(self, text: &str) -> Result<Self, Error> {
        Ok(self.with_aes_key_raw(AesKey::parse(text)?))
    }

    /// Adds an already parsed content key.
    pub fn with_aes_key_raw(mut self, key: AesKey) -> Self {
        self.aes_keys.push(key);
        self.fingerprint = OnceLock::new();
        self
    }

    /// Verifies with another app's Alipay public key (ISV/template mode).
    pub fn verify_with(mut self, isv_app_id: impl Into<String>) -> Self {
        self.verify_with_app = Some(isv_app_id.into());
        self.fingerprint = OnceLock::new();
        self
    }

    /// Pins the sign types this app accepts (e.g. only `RSA2`); see
    /// [`phone_crypto::AppKeysBuilder::accept_sign_types`].
    pub fn accept_sign_types(mut self, types: &[SignType]) -> Self {
        self.sign_types = Some(types.to_vec());
        self.fingerprint = OnceLock::new();
        self
    }

    /// The Alipay public keys, current first.
    pub fn verify_keys(&self) -> &[AlipayPublicKey] {
        &self.verify_keys
    }

    /// The content keys, in the order they are tried.
    pub fn aes_keys(&self) -> &[AesKey] {
        &self.aes_keys
    }

    /// The ISV app whose Alipay public key verifies this app's envelopes.
    pub fn verify_with_app(&self) -> Option<&str> {
        self.verify_with_app.as_deref()
    }

    /// The pinned sign types, if any.
    pub fn sign_types(&self) -> Option<&[SignType]> {
        self.sign_types.as_deref()
    }

    /// A fingerprint of everything that decides how envelopes open: the keys, their order,
    /// the ISV app and the pinned sign types. Computed once per value.
    pub fn fingerprint(&self) -> KeyFingerprint {
        *self.fingerprint.get_or_init(|| {
            let keys: Vec<[u8; 32]> = self
                .verify_keys
                .iter()
                .map(|k| *k.fingerprint().as_bytes())
                .chain(self.aes_keys.iter().map(|k| *k.fingerprint().as_bytes()))
                .collect();
            let counts = [self.verify_keys.len() as u8, self.aes_keys.len() as u8];
            let isv = match &self.verify_with_app {
                Some(id) => format!("isv:{id}"),
                None => String::new(),
            };
            let pins = match &self.sign_types {
                Some(types) => format!("pin:{}", types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",")),
                None => String::new(),
            };
            let mut parts: Vec<&[u8]> = keys.iter().map(|k| k.as_slice()).collect();
            parts.extend([counts.as_slice(), isv.as_bytes(), pins.as_bytes()]);
            KeyFingerprint::of_parts(parts)
        })
    }

    /// Wraps in the `Arc` providers hand out.
    pub fn shared(self) -> Arc<Self> {
        Arc::new(self)
    }
}
