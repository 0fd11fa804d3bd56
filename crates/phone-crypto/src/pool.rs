//! Prepared keys shared by fingerprint: the merchants of an ISV hold one prepared ISV key, and
//! default keys serving every app id are prepared once.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, Weak};

use phone_core::Error;
use sha2::{Digest, Sha256};

use crate::algorithms::{ContentAlgorithm, SignAlgorithm};
use crate::backend::Backend;
use crate::keys::{AlipayPublicKey, ContentKey};
use crate::parts::{ContentCipher, SignatureVerifier};
use crate::provider::CryptoProvider;

/// A SHA-256 fingerprint of key bytes, with the algorithm mixed in. It identifies a key
/// without holding it: two apps configured with the same key bytes share one prepared key.
///
/// `Debug` prints only a short prefix; an AES key's fingerprint reveals nothing of the key
/// (SHA-256 of at least 128 random bits).
///
/// ```
/// use phone_crypto::{ContentKey, KeyFingerprint};
/// let a = ContentKey::parse("aa4BtZ4tspm2wnXLb1ThQA==")?;
/// assert_eq!(a.fingerprint(), ContentKey::parse("aa4BtZ4tspm2wnXLb1ThQA==")?.fingerprint());
/// # Ok::<(), phone_core::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyFingerprint([u8; 32]);

impl KeyFingerprint {
    /// The fingerprint of `parts`, each length-prefixed so that no two lists collide.
    pub fn of_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut h = Sha256::new();
        for p in parts {
            h.update((p.len() as u64).to_be_bytes());
            h.update(p);
        }
        Self(h.finalize().into())
    }

    /// The fingerprint's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn short(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out.copy_from_slice(&self.0[..16]);
        out
    }
}

impl fmt::Debug for KeyFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KeyFingerprint({:02x}{:02x}{:02x}{:02x}..)",
            self.0[0], self.0[1], self.0[2], self.0[3]
        )
    }
}

impl AlipayPublicKey {
    /// The algorithm this key verifies with.
    pub fn algorithm(&self) -> SignAlgorithm {
        match self {
            Self::Rsa(_) => SignAlgorithm::Rsa,
            Self::Sm2(_) => SignAlgorithm::Sm2,
        }
    }

    /// The key's fingerprint (of its DER, whatever format it was pasted in).
    pub fn fingerprint(&self) -> KeyFingerprint {
        match self {
            Self::Rsa(k) => KeyFingerprint::of_parts([b"rsa".as_slice(), k.pkcs1_der()]),
            Self::Sm2(k) => KeyFingerprint::of_parts([b"sm2".as_slice(), k.point()]),
        }
    }
}

impl ContentKey {
    /// The key's fingerprint.
    pub fn fingerprint(&self) -> KeyFingerprint {
        KeyFingerprint::of_parts([b"content".as_slice(), self.as_bytes()])
    }
}

/// Weak references by fingerprint: the pool never keeps a key alive on its own, so its size
/// follows the keys that apps still hold.
struct WeakMap<T: ?Sized> {
    /// Keyed by the algorithm and the fingerprint's first 128 bits: collision-free in practice
    /// for configured keys, and half the bytes per entry of a pool of 100,000 merchant keys.
    map: HashMap<(u8, [u8; 16]), Weak<T>>,
    sweep_at: usize,
}

impl<T: ?Sized> Default for WeakMap<T> {
    fn default() -> Self {
        Self {
            map: HashMap::new(),
            sweep_at: 64,
        }
    }
}

impl<T: ?Sized> WeakMap<T> {
    fn get_or_try(
        &mut self,
        key: (u8, [u8; 16]),
        prepare: impl FnOnce() -> Result<Arc<T>, Error>,
    ) -> Result<(Arc<T>, bool), Error> {
        if let Some(live) = self.map.get(&key).and_then(Weak::upgrade) {
            return Ok((live, false));
        }
        let fresh = prepare()?;
        self.map.insert(key, Arc::downgrade(&fresh));
        // Amortised sweep of keys no app holds any more: the map stays within twice the live
        // keys, however many apps came and went.
        if self.map.len() >= self.sweep_at {
            self.map.retain(|_, w| w.strong_count() > 0);
            self.sweep_at = (self.map.len() * 2).max(64);
        }
        Ok((fresh, true))
    }

    fn live(&self) -> usize {
        self.map.values().filter(|w| w.strong_count() > 0).count()
    }
}

/// Prepares keys on one backend and shares every prepared key by fingerprint.
///
/// [`AppKeysBuilder::build_in`](crate::AppKeysBuilder::build_in) prepares through a pool; a
/// service keeps one pool for all its apps (`phone-client`'s `PhoneClient` does), so N
/// merchant apps verifying with one ISV key hold one prepared verifier.
///
/// ```
/// use phone_crypto::{AppKeys, Backend, KeyPool};
/// let pool = KeyPool::new(Backend::default());
/// let key = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/alipay_public_key.txt"))?;
/// let a = AppKeys::builder().alipay_public_key(&key)?.aes_key("aa4BtZ4tspm2wnXLb1ThQA==")?.build_in(&pool)?;
/// let b = AppKeys::builder().alipay_public_key(&key)?.aes_key("ZH9pW3dHSwnLZ1hpr+Kw8A==")?.build_in(&pool)?;
/// assert_eq!(pool.stats().verifiers, 1); // one prepared Alipay public key for both apps
/// assert_eq!(pool.stats().ciphers, 2);
/// # drop((a, b));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct KeyPool {
    backend: Arc<CryptoProvider>,
    verifiers: Mutex<WeakMap<dyn SignatureVerifier>>,
    ciphers: Mutex<WeakMap<dyn ContentCipher>>,
    prepared: std::sync::atomic::AtomicU64,
}

/// Counts of a [`KeyPool`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Prepared verifiers some app still holds.
    pub verifiers: usize,
    /// Prepared content keys some app still holds.
    pub ciphers: usize,
    /// Keys prepared on the backend since the pool was made (shared ones once).
    pub prepared_total: u64,
}

impl fmt::Debug for KeyPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPool")
            .field("backend", &self.backend.name())
            .field("stats", &self.stats())
            .finish()
    }
}

impl KeyPool {
    /// A pool on a compiled backend.
    pub fn new(backend: Backend) -> Self {
        Self::with_provider(backend.crypto_provider())
    }

    /// A pool on any provider: a built-in backend's, or one assembled from parts.
    pub fn with_provider(backend: Arc<CryptoProvider>) -> Self {
        Self {
            backend,
            verifiers: Mutex::default(),
            ciphers: Mutex::default(),
            prepared: Default::default(),
        }
    }

    /// The provider keys are prepared on.
    pub fn provider(&self) -> &Arc<CryptoProvider> {
        &self.backend
    }

    /// The prepared verifier for `key`, shared with every other holder of the same key.
    pub fn verifier(&self, key: &AlipayPublicKey) -> Result<Arc<dyn SignatureVerifier>, Error> {
        let tag = key.algorithm() as u8;
        let mut map = self.verifiers.lock().unwrap_or_else(|p| p.into_inner());
        let (v, fresh) = map.get_or_try((tag, key.fingerprint().short()), || {
            self.backend.prepare_public_key(key)
        })?;
        self.count(fresh);
        Ok(v)
    }

    /// The prepared content key for `algorithm`, shared with every other holder of the same key.
    pub fn cipher(&self, algorithm: ContentAlgorithm, key: &ContentKey) -> Result<Arc<dyn ContentCipher>, Error> {
        let tag = algorithm as u8;
        let mut map = self.ciphers.lock().unwrap_or_else(|p| p.into_inner());
        let (c, fresh) = map.get_or_try((tag, key.fingerprint().short()), || {
            self.backend.prepare_content_key(algorithm, key)
        })?;
        self.count(fresh);
        Ok(c)
    }

    fn count(&self, fresh: bool) {
        if fresh {
            self.prepared.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// How many prepared keys are alive and how many were prepared in all.
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            verifiers: self.verifiers.lock().unwrap_or_else(|p| p.into_inner()).live(),
            ciphers: self.ciphers.lock().unwrap_or_else(|p| p.into_inner()).live(),
            prepared_total: self.prepared.load(std::sync::atomic::Ordering::Relaxed),
        }
    }
}
