//! The algorithms the SDK knows: a family of Alipay public keys, and a content cipher. Each
//! part of a [`CryptoProvider`](crate::CryptoProvider) is bound to one of them.

use std::fmt;

use phone_core::{EncryptType, SignType};

/// A family of Alipay public keys; one verifier factory serves all its sign types.
///
/// ```
/// use phone_crypto::SignAlgorithm;
/// use phone_core::SignType;
/// assert_eq!(SignAlgorithm::for_sign_type(SignType::Rsa2), Some(SignAlgorithm::Rsa));
/// assert_eq!(SignAlgorithm::Rsa.sign_types(), &[SignType::Rsa, SignType::Rsa2]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SignAlgorithm {
    /// RSA PKCS#1 v1.5: sign types `RSA` (SHA-1) and `RSA2` (SHA-256).
    Rsa,
    /// SM2 with SM3 and user id `1234567812345678`: sign type `SM2`.
    Sm2,
}

impl SignAlgorithm {
    /// Every algorithm the SDK knows.
    pub const ALL: [SignAlgorithm; 2] = [Self::Rsa, Self::Sm2];

    /// The sign types a key of this algorithm verifies.
    pub fn sign_types(self) -> &'static [SignType] {
        match self {
            Self::Rsa => &[SignType::Rsa, SignType::Rsa2],
            Self::Sm2 => &[SignType::Sm2],
        }
    }

    /// The algorithm a sign type needs.
    pub fn for_sign_type(sign_type: SignType) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.sign_types().contains(&sign_type))
    }
}

impl fmt::Display for SignAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::Rsa => "RSA",
            Self::Sm2 => "SM2",
        })
    }
}

/// A content cipher; one factory serves all its encrypt types.
///
/// ```
/// use phone_crypto::ContentAlgorithm;
/// use phone_core::EncryptType;
/// assert_eq!(ContentAlgorithm::for_encrypt_type(EncryptType::AesV2), Some(ContentAlgorithm::AesCbc));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ContentAlgorithm {
    /// AES-CBC with PKCS#7: encrypt types `AES` (zero IV) and `AES_V2` (IV prepended).
    AesCbc,
    /// SM4-GCM, the Java SDK's layout (IV, ciphertext, tag): encrypt type `SM4`.
    Sm4Gcm,
}

impl ContentAlgorithm {
    /// Every algorithm the SDK knows.
    pub const ALL: [ContentAlgorithm; 2] = [Self::AesCbc, Self::Sm4Gcm];

    /// The encrypt types this algorithm decrypts.
    pub fn encrypt_types(self) -> &'static [EncryptType] {
        match self {
            Self::AesCbc => &[EncryptType::Aes, EncryptType::AesV2],
            Self::Sm4Gcm => &[EncryptType::Sm4],
        }
    }

    /// The algorithm an encrypt type needs.
    pub fn for_encrypt_type(encrypt_type: EncryptType) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.encrypt_types().contains(&encrypt_type))
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for ContentAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::AesCbc => "AES-CBC",
            Self::Sm4Gcm => "SM4-GCM",
        })
    }
}
