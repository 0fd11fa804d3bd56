//! The backend trait: prepared parts per algorithm, and what a backend can do as data.

use std::fmt;
use std::sync::Arc;

use phone_core::{Error, KeyProblem, KeyRole, SignType};
use zeroize::Zeroizing;

use crate::capabilities::{Capabilities, ContentAlgorithm, SignAlgorithm};
use crate::keys::{AesKey, AlipayPublicKey, RsaPublicKeyDer};

/// A crypto backend: a set of factories, one per algorithm it implements, that turn key
/// material into prepared, backend-native objects once.
///
/// Modelled on rustls' `CryptoProvider`: what a backend can do is answered by which factories
/// it returns ([`CryptoBackend::capabilities`]), before any key is prepared. Object safe, sync,
/// `Send + Sync`; held as `Arc<dyn CryptoBackend>`, so a custom backend needs no `'static`.
///
/// ```
/// use phone_crypto::{Backend, SignAlgorithm};
/// let backend = Backend::default().provider();
/// assert!(backend.verifier(SignAlgorithm::Rsa).is_some());
/// assert!(backend.capabilities().verifies(phone_core::SignType::Rsa2));
/// ```
pub trait CryptoBackend: Send + Sync + fmt::Debug {
    /// A short stable name (`ring`, `openssl`, `rustcrypto`, `aws-lc-rs`).
    fn name(&self) -> &'static str;

    /// The factory preparing Alipay public keys of `algorithm`, if this backend verifies it.
    /// Every backend verifies [`SignAlgorithm::Rsa`] (sign types `RSA` and `RSA2`).
    fn verifier(&self, algorithm: SignAlgorithm) -> Option<&dyn VerifierFactory>;

    /// The factory preparing content keys for `algorithm`, if this backend decrypts it.
    /// Every backend decrypts [`ContentAlgorithm::AesCbc`] (encrypt types `AES` and `AES_V2`).
    fn cipher(&self, algorithm: ContentAlgorithm) -> Option<&dyn CipherFactory>;

    /// What this backend can verify and decrypt, derived from its factories.
    fn capabilities(&self) -> Capabilities {
        Capabilities::from_fn(|a| self.verifier(a).is_some(), |a| self.cipher(a).is_some())
    }
}

/// Prepares Alipay public keys of one [`SignAlgorithm`].
pub trait VerifierFactory: Send + Sync + fmt::Debug {
    /// The algorithm this factory's keys verify.
    fn algorithm(&self) -> SignAlgorithm;

    /// Loads `key` into a backend-native verifier. A key of another algorithm is a
    /// `key_error` (`WrongAlgorithm`).
    fn prepare(&self, key: &AlipayPublicKey) -> Result<Arc<dyn SignatureVerifier>, Error>;
}

/// Prepares content keys (接口内容加密方式) for one [`ContentAlgorithm`].
pub trait CipherFactory: Send + Sync + fmt::Debug {
    /// The algorithm this factory's keys decrypt.
    fn algorithm(&self) -> ContentAlgorithm;

    /// Expands `key` into a backend-native decryptor.
    fn prepare(&self, key: &AesKey) -> Result<Arc<dyn ContentCipher>, Error>;
}

/// A prepared Alipay public key.
pub trait SignatureVerifier: Send + Sync + fmt::Debug {
    /// Verifies `signature` over `message` with the hash `sign_type` declares, and only that
    /// one. Every failure is the same [`Error::BadSignature`]; a sign type of another
    /// algorithm is `unsupported_sign_type`.
    fn verify(&self, sign_type: SignType, message: &[u8], signature: &[u8]) -> Result<(), Error>;

    /// The key size in bits.
    fn bits(&self) -> usize;
}

/// A prepared content key.
///
/// What [`ContentCipher::decrypt`] does depends on the factory's algorithm:
/// - [`ContentAlgorithm::AesCbc`]: raw AES-CBC without padding removal; `input` is a non-empty
///   multiple of 16 bytes (checked by the caller, which also removes PKCS#7 padding);
/// - [`ContentAlgorithm::Sm4Gcm`]: authenticated SM4-GCM decryption of `ciphertext || tag`.
pub trait ContentCipher: Send + Sync + fmt::Debug {
    /// Decrypts `input` with `iv`. The result is zeroized on drop.
    fn decrypt(&self, iv: &[u8; 16], input: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error>;

    /// The key size in bytes.
    fn key_len(&self) -> usize;
}

impl dyn ContentCipher + '_ {
    /// AES-CBC with strict PKCS#7, the way Alipay encrypts content (for an AES-CBC key).
    pub fn decrypt_cbc(&self, iv: &[u8; 16], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        crate::padding::check_ciphertext_len(ciphertext)?;
        crate::padding::unpad(self.decrypt(iv, ciphertext)?)
    }
}

impl dyn CryptoBackend + '_ {
    /// Prepares an RSA Alipay public key (every backend can).
    pub fn prepare_verifier(&self, key: &RsaPublicKeyDer) -> Result<Arc<dyn SignatureVerifier>, Error> {
        self.prepare_public_key(&AlipayPublicKey::Rsa(key.clone()))
    }

    /// Prepares an Alipay public key of any algorithm, or says which backend can.
    pub fn prepare_public_key(&self, key: &AlipayPublicKey) -> Result<Arc<dyn SignatureVerifier>, Error> {
        let algorithm = key.algorithm();
        match self.verifier(algorithm) {
            Some(f) => f.prepare(key),
            None => Err(crate::capabilities::unsupported_sign(
                self.name(),
                algorithm.sign_types()[0],
            )),
        }
    }

    /// Prepares an AES key for AES-CBC (every backend can).
    pub fn prepare_cipher(&self, key: &AesKey) -> Result<Arc<dyn ContentCipher>, Error> {
        self.prepare_content_key(ContentAlgorithm::AesCbc, key)
    }

    /// Prepares a content key for `algorithm`, or says which backend can.
    pub fn prepare_content_key(
        &self,
        algorithm: ContentAlgorithm,
        key: &AesKey,
    ) -> Result<Arc<dyn ContentCipher>, Error> {
        match self.cipher(algorithm) {
            Some(f) => f.prepare(key),
            None => Err(crate::capabilities::unsupported_encrypt(
                self.name(),
                algorithm.encrypt_types()[0],
            )),
        }
    }
}

/// The `key_error` for a key handed to a factory of another algorithm.
pub(crate) fn wrong_algorithm(expected: SignAlgorithm, got: &AlipayPublicKey) -> Error {
    Error::key(
        KeyRole::AlipayPublic,
        KeyProblem::WrongAlgorithm(format!("a {} key given to the {} verifier", got.algorithm(), expected)),
    )
}

/// The refusal of a verifier asked for a sign type of another algorithm.
pub(crate) fn not_this_algorithm(backend: &str, sign_type: SignType) -> Error {
    Error::UnsupportedSignType {
        name: sign_type.as_str().to_owned(),
        reason: format!("this {backend} key is of another algorithm"),
    }
}

/// The AES-CBC key length check of the backends with native AES-CBC.
#[cfg_attr(not(any(feature = "openssl", feature = "aws-lc-rs")), allow(dead_code))]
pub(crate) fn aes_len(key: &AesKey) -> Result<usize, Error> {
    match key.len() {
        n @ (16 | 24 | 32) => Ok(n),
        len => Err(Error::key(KeyRole::Aes, KeyProblem::AesKeyLength { len })),
    }
}
