//! AES-CBC on RustCrypto `aes` + `cbc`: the AES-CBC part of the `rustcrypto` backend, and of the
//! `ring` and `graviola` backends (neither has CBC mode). The key schedule is expanded once, at preparation.

use std::sync::Arc;

use aes::cipher::array::Array;
use aes::cipher::{BlockModeDecrypt, InnerIvInit, KeyInit};
use phone_core::{Error, KeyProblem, KeyRole};
use zeroize::Zeroizing;

use crate::keys::ContentKey;
use crate::parts::{CipherFactory, ContentCipher};

/// The AES-CBC factory of the ring, rustcrypto and graviola backends.
#[derive(Debug)]
pub(crate) struct RustCryptoAesCbc;

impl CipherFactory for RustCryptoAesCbc {
    fn prepare(&self, key: &ContentKey) -> Result<Arc<dyn ContentCipher>, Error> {
        Ok(Arc::new(RustCryptoCipher::new(key)?))
    }
}

/// An expanded AES key schedule (zeroized on drop by the `aes` crate's `zeroize` feature).
#[derive(Clone)]
pub(crate) enum RustCryptoCipher {
    Aes128(aes::Aes128),
    Aes192(aes::Aes192),
    Aes256(aes::Aes256),
}

impl std::fmt::Debug for RustCryptoCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RustCryptoCipher(AES-{}, redacted)", self.key_len() * 8)
    }
}

impl RustCryptoCipher {
    pub(crate) fn new(key: &ContentKey) -> Result<Self, Error> {
        let bytes = key.as_bytes();
        let rejected = || Error::key(KeyRole::Aes, KeyProblem::AesKeyLength { len: bytes.len() });
        Ok(match bytes.len() {
            16 => Self::Aes128(aes::Aes128::new_from_slice(bytes).map_err(|_| rejected())?),
            24 => Self::Aes192(aes::Aes192::new_from_slice(bytes).map_err(|_| rejected())?),
            32 => Self::Aes256(aes::Aes256::new_from_slice(bytes).map_err(|_| rejected())?),
            _ => return Err(rejected()),
        })
    }
}

macro_rules! cbc_with {
    ($self:expr, $c:ident => $body:expr) => {
        match $self {
            RustCryptoCipher::Aes128($c) => $body,
            RustCryptoCipher::Aes192($c) => $body,
            RustCryptoCipher::Aes256($c) => $body,
        }
    };
}

impl ContentCipher for RustCryptoCipher {
    fn decrypt(&self, iv: &[u8; 16], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut buf = Zeroizing::new(ciphertext.to_vec());
        let (blocks, rest) = Array::slice_as_chunks_mut(&mut buf[..]);
        if !rest.is_empty() {
            return Err(Error::DecryptFailed(
                "the ciphertext length is not a positive multiple of 16 bytes",
            ));
        }
        let iv = Array::from(*iv);
        cbc_with!(self, c => cbc::Decryptor::inner_iv_init(c.clone(), &iv).decrypt_blocks(blocks));
        Ok(buf)
    }

    fn key_len(&self) -> usize {
        match self {
            Self::Aes128(_) => 16,
            Self::Aes192(_) => 24,
            Self::Aes256(_) => 32,
        }
    }
}

#[cfg(feature = "alipay-side")]
impl crate::alipay_side::ContentEncryptor for RustCryptoCipher {
    fn encrypt(&self, iv: &[u8; 16], padded: &[u8]) -> Result<Vec<u8>, Error> {
        use aes::cipher::BlockModeEncrypt;
        let mut buf = padded.to_vec();
        let (blocks, rest) = Array::slice_as_chunks_mut(&mut buf[..]);
        if !rest.is_empty() {
            return Err(Error::EncryptFailed("the plaintext is not padded to 16 bytes"));
        }
        let iv = Array::from(*iv);
        cbc_with!(self, c => cbc::Encryptor::inner_iv_init(c.clone(), &iv).encrypt_blocks(blocks));
        Ok(buf)
    }

    fn key_len(&self) -> usize {
        ContentCipher::key_len(self)
    }
}

#[cfg(feature = "alipay-side")]
impl crate::alipay_side::EncryptorFactory for RustCryptoAesCbc {
    fn prepare(&self, key: &ContentKey) -> Result<Box<dyn crate::alipay_side::ContentEncryptor>, Error> {
        Ok(Box::new(RustCryptoCipher::new(key)?))
    }
}
