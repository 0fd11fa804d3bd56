//! The parts a [`CryptoProvider`](crate::CryptoProvider) is assembled from: factories that
//! turn key material into prepared, backend-native objects once, and those objects.
//!
//! A part is bound to its algorithm by the provider that holds it, not by the part itself,
//! so one factory type can serve wherever it is put.

use std::fmt;
use std::sync::Arc;

use phone_core::{Error, KeyProblem, KeyRole, SignType};
use zeroize::Zeroizing;

use crate::algorithms::SignAlgorithm;
use crate::keys::{AlipayPublicKey, ContentKey};

/// Prepares Alipay public keys of one [`SignAlgorithm`] (the one its
/// [`VerifierPart`](crate::VerifierPart) names).
///
/// ```
/// use phone_crypto::{AlipayPublicKey, Backend, SignAlgorithm};
/// let key = AlipayPublicKey::parse(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/alipay_public_key.txt"))?)?;
/// let provider = Backend::default().crypto_provider();
/// let verifier = provider.verifier(SignAlgorithm::Rsa).unwrap().prepare(&key)?;
/// assert_eq!(verifier.bits(), 2048);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait VerifierFactory: Send + Sync + fmt::Debug {
    /// Loads `key` into a backend-native verifier. A key of another algorithm is a
    /// `key_error` (`WrongAlgorithm`).
    fn prepare(&self, key: &AlipayPublicKey) -> Result<Arc<dyn SignatureVerifier>, Error>;
}

/// Prepares content keys (接口内容加密方式) for one
/// [`ContentAlgorithm`](crate::ContentAlgorithm).
pub trait CipherFactory: Send + Sync + fmt::Debug {
    /// Expands `key` into a backend-native decryptor.
    fn prepare(&self, key: &ContentKey) -> Result<Arc<dyn ContentCipher>, Error>;
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
/// What [`ContentCipher::decrypt`] does depends on the algorithm its factory serves:
/// - [`ContentAlgorithm::AesCbc`](crate::ContentAlgorithm::AesCbc): raw AES-CBC without padding
///   removal; `input` is a non-empty multiple of 16 bytes (checked by the caller, which also
///   removes PKCS#7 padding);
/// - [`ContentAlgorithm::Sm4Gcm`](crate::ContentAlgorithm::Sm4Gcm): authenticated SM4-GCM
///   decryption of `ciphertext || tag`.
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

/// The `key_error` for a key handed to a factory of another algorithm.
pub(crate) fn wrong_algorithm(expected: SignAlgorithm, got: &AlipayPublicKey) -> Error {
    Error::key(
        KeyRole::AlipayPublic,
        KeyProblem::WrongAlgorithm(format!("a {} key given to the {} verifier", got.algorithm(), expected)),
    )
}

/// The refusal of a verifier asked for a sign type it does not verify.
pub(crate) fn not_this_algorithm(backend: &str, sign_type: SignType) -> Error {
    Error::UnsupportedSignType {
        name: sign_type.as_str().to_owned(),
        reason: format!("this {backend} key does not verify it"),
    }
}

/// The AES-CBC key length check of the backends with native AES-CBC.
#[cfg_attr(not(any(feature = "openssl", feature = "aws-lc-rs")), allow(dead_code))]
pub(crate) fn aes_len(key: &ContentKey) -> Result<usize, Error> {
    match key.len() {
        n @ (16 | 24 | 32) => Ok(n),
        len => Err(Error::key(KeyRole::Aes, KeyProblem::AesKeyLength { len })),
    }
}
