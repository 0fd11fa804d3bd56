//! The backend trait and the prepared-key objects it produces.

use std::fmt;

use phone_core::{EncryptType, Error, SignType};
use zeroize::Zeroizing;

use crate::keys::{AesKey, RsaPrivateKeyDer, RsaPublicKeyDer, Sm2PublicKeyDer};

/// A crypto backend: turns key material into prepared, backend-native objects once.
///
/// Object safe, sync, `Send + Sync`: pick one with [`Backend`](crate::Backend) or bring your
/// own. Nothing on the per-payload path parses key material again.
pub trait CryptoBackend: Send + Sync + fmt::Debug {
    /// A short stable name (`ring`, `openssl`, `rustcrypto`).
    fn name(&self) -> &'static str;

    /// Prepares an RSA public key for RSA and RSA2 verification.
    fn prepare_verifier(&self, key: &RsaPublicKeyDer) -> Result<Box<dyn SignatureVerifier>, Error>;

    /// Prepares an SM2 public key for the `SM2` sign type (SM3withSM2, user id
    /// `1234567812345678`). Backends without SM2 return a verifier that refuses SM2 envelopes
    /// with `unsupported_sign_type` naming a backend that can.
    fn prepare_sm2_verifier(&self, key: &Sm2PublicKeyDer) -> Result<Box<dyn SignatureVerifier>, Error> {
        let _ = key;
        Ok(Box::new(NoSm2 { backend: self.name() }))
    }

    /// Prepares an AES key for CBC decryption and encryption.
    fn prepare_cipher(&self, key: &AesKey) -> Result<Box<dyn ContentCipher>, Error>;

    /// Prepares an RSA private key to sign as Alipay does (tests and tools).
    fn prepare_signer(&self, key: &RsaPrivateKeyDer) -> Result<Box<dyn EnvelopeSigner>, Error>;

    /// Generates an RSA key pair (for development key sets and tests). Backends that cannot
    /// generate RSA keys (ring) say so with a `key_error`.
    fn generate_rsa_key(&self, bits: usize) -> Result<RsaPrivateKeyDer, Error> {
        Err(Error::key(
            phone_core::KeyRole::RsaPrivate,
            phone_core::KeyProblem::Rejected(format!(
                "the {} backend cannot generate {bits}-bit RSA keys",
                self.name()
            )),
        ))
    }

    /// The sign types this backend verifies.
    fn verify_sign_types(&self) -> &'static [SignType] {
        &[SignType::Rsa, SignType::Rsa2]
    }

    /// The sign types this backend can sign with.
    fn sign_sign_types(&self) -> &'static [SignType] {
        &[SignType::Rsa, SignType::Rsa2]
    }

    /// The encrypt types this backend decrypts.
    fn encrypt_types(&self) -> &'static [EncryptType] {
        &[EncryptType::Aes, EncryptType::AesV2]
    }
}

/// A prepared Alipay public key.
pub trait SignatureVerifier: Send + Sync + fmt::Debug {
    /// Verifies `signature` over `message` with the hash `sign_type` declares, and only that
    /// one. Every failure is the same [`Error::BadSignature`].
    fn verify(&self, sign_type: SignType, message: &[u8], signature: &[u8]) -> Result<(), Error>;

    /// Whether this key can check `sign_type` at all.
    fn supports(&self, sign_type: SignType) -> bool {
        matches!(sign_type, SignType::Rsa | SignType::Rsa2)
    }

    /// The key size in bits.
    fn bits(&self) -> usize;
}

/// A prepared AES key.
pub trait ContentCipher: Send + Sync + fmt::Debug {
    /// AES-CBC decryption without padding removal; `ciphertext` is a non-empty multiple of 16
    /// bytes (checked by the caller). The result is zeroized on drop.
    fn cbc_decrypt_raw(&self, iv: &[u8; 16], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error>;

    /// AES-CBC encryption of already padded data.
    fn cbc_encrypt_raw(&self, iv: &[u8; 16], padded: &[u8]) -> Result<Vec<u8>, Error>;

    /// The key size in bytes.
    fn key_len(&self) -> usize;

    /// Whether this key can decrypt `encrypt_type` content.
    fn supports(&self, encrypt_type: EncryptType) -> bool {
        matches!(encrypt_type, EncryptType::Aes | EncryptType::AesV2)
    }

    /// SM4-GCM decryption of `ciphertext || tag` (the Java SDK's `SM4` type; the caller splits
    /// off the 16-byte IV). Backends without SM4 refuse with `unsupported_encrypt_type`.
    fn sm4_gcm_decrypt(&self, iv: &[u8; 16], ciphertext_and_tag: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let _ = (iv, ciphertext_and_tag);
        Err(unsupported_encrypt(EncryptType::Sm4))
    }

    /// SM4-GCM encryption, returning `ciphertext || tag`.
    fn sm4_gcm_encrypt(&self, iv: &[u8; 16], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        let _ = (iv, plaintext);
        Err(unsupported_encrypt(EncryptType::Sm4))
    }
}

/// The typed refusal for an encrypt type a backend lacks, naming the backends that have it.
pub(crate) fn unsupported_encrypt(encrypt_type: EncryptType) -> Error {
    let reason = match encrypt_type {
        EncryptType::Sm4 => "this backend has no SM4; the rustcrypto backend decrypts SM4",
        _ => "this backend cannot decrypt it",
    };
    Error::UnsupportedEncryptType {
        name: encrypt_type.as_str().into(),
        reason: reason.into(),
    }
}

impl dyn ContentCipher + '_ {
    /// AES-CBC with strict PKCS#7, the way Alipay encrypts content.
    pub fn decrypt_cbc(&self, iv: &[u8; 16], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        crate::padding::check_ciphertext_len(ciphertext)?;
        crate::padding::unpad(self.cbc_decrypt_raw(iv, ciphertext)?)
    }

    /// AES-CBC with PKCS#7 padding.
    pub fn encrypt_cbc(&self, iv: &[u8; 16], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        self.cbc_encrypt_raw(iv, &crate::padding::pad(plaintext))
    }
}

/// A prepared RSA private key that signs like Alipay (SHA1withRSA / SHA256withRSA).
pub trait EnvelopeSigner: Send + Sync + fmt::Debug {
    /// Signs `message` with the hash of `sign_type`.
    fn sign(&self, sign_type: SignType, message: &[u8]) -> Result<Vec<u8>, Error>;

    /// The matching public key.
    fn public_key(&self) -> &RsaPublicKeyDer;
}

/// Stands in for an SM2 key on a backend without SM2.
#[derive(Debug)]
struct NoSm2 {
    backend: &'static str,
}

impl SignatureVerifier for NoSm2 {
    fn verify(&self, sign_type: SignType, _message: &[u8], _signature: &[u8]) -> Result<(), Error> {
        Err(Error::UnsupportedSignType {
            name: sign_type.as_str().into(),
            reason: format!(
                "the {} backend has no SM2; the rustcrypto backend verifies SM2",
                self.backend
            ),
        })
    }

    fn supports(&self, sign_type: SignType) -> bool {
        sign_type == SignType::Sm2
    }

    fn bits(&self) -> usize {
        256
    }
}

pub(crate) fn unsupported_sign(backend: &str, sign_type: SignType) -> Error {
    Error::UnsupportedSignType {
        name: sign_type.as_str().to_owned(),
        reason: format!("the {backend} backend cannot do it"),
    }
}

// Used by the backends that generate keys; ring alone has none.
#[cfg_attr(
    not(any(feature = "openssl", feature = "rustcrypto", feature = "aws-lc-rs")),
    allow(dead_code)
)]
pub(crate) fn check_bits(bits: usize) -> Result<(), Error> {
    if !crate::keys::RSA_BITS.contains(&bits) {
        return Err(Error::key(
            phone_core::KeyRole::RsaPrivate,
            phone_core::KeyProblem::UnsupportedSize { bits },
        ));
    }
    Ok(())
}
