//! The pure-Rust `rustcrypto` backend: `rsa` for PKCS#1 v1.5, `aes` + `cbc` for content.
//!
//! RustSec RUSTSEC-2023-0071 (Marvin) concerns `rsa` private-key operations; this backend's
//! production path only verifies. Signing is there for tests and tools.

use phone_core::{EncryptType, Error, KeyProblem, SignType};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use zeroize::Zeroizing;

use super::rustcrypto_aes::RustCryptoCipher;
use crate::backend::{
    ContentCipher, CryptoBackend, EnvelopeSigner, SignatureVerifier, check_bits, unsupported_encrypt, unsupported_sign,
};
use crate::keys::{AesKey, RsaPrivateKeyDer, RsaPublicKeyDer, Sm2PublicKeyDer};

/// The SM2 user id (distinguishing identifier) Alipay uses: the GB/T 32918 default.
const SM2_USER_ID: &str = "1234567812345678";

/// SM3withSM2 verification (DER-encoded signatures, as Alipay and OpenSSL produce them).
#[derive(Debug)]
struct RustCryptoSm2 {
    vk: sm2::dsa::VerifyingKey,
}

impl SignatureVerifier for RustCryptoSm2 {
    fn verify(&self, sign_type: SignType, message: &[u8], sig: &[u8]) -> Result<(), Error> {
        if sign_type != SignType::Sm2 {
            return Err(unsupported_sign("rustcrypto", sign_type));
        }
        let sig = sm2::dsa::Signature::from_der(sig).map_err(|_| Error::BadSignature)?;
        self.vk.verify(message, &sig).map_err(|_| Error::BadSignature)
    }

    fn supports(&self, sign_type: SignType) -> bool {
        sign_type == SignType::Sm2
    }

    fn bits(&self) -> usize {
        256
    }
}

/// SM4-GCM with the Java SDK's 16-byte IV.
type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, aes_gcm::aead::consts::U16>;

/// AES-CBC plus, for 16-byte keys, SM4-GCM.
struct RustCryptoContent {
    aes: RustCryptoCipher,
    sm4: Option<Sm4Gcm>,
}

impl std::fmt::Debug for RustCryptoContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RustCryptoContent(AES-{}, sm4: {}, redacted)",
            self.aes.key_len() * 8,
            self.sm4.is_some()
        )
    }
}

impl ContentCipher for RustCryptoContent {
    fn cbc_decrypt_raw(&self, iv: &[u8; 16], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.aes.cbc_decrypt_raw(iv, ciphertext)
    }

    fn cbc_encrypt_raw(&self, iv: &[u8; 16], padded: &[u8]) -> Result<Vec<u8>, Error> {
        self.aes.cbc_encrypt_raw(iv, padded)
    }

    fn key_len(&self) -> usize {
        self.aes.key_len()
    }

    fn supports(&self, encrypt_type: EncryptType) -> bool {
        matches!(encrypt_type, EncryptType::Aes | EncryptType::AesV2)
            || (encrypt_type == EncryptType::Sm4 && self.sm4.is_some())
    }

    fn sm4_gcm_decrypt(&self, iv: &[u8; 16], ciphertext_and_tag: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        use aes_gcm::aead::Aead;
        let sm4 = self.sm4.as_ref().ok_or_else(|| unsupported_encrypt(EncryptType::Sm4))?;
        sm4.decrypt(iv.into(), ciphertext_and_tag)
            .map(Zeroizing::new)
            .map_err(|_| Error::DecryptFailed("SM4-GCM authentication failed (usually a wrong key)"))
    }

    fn sm4_gcm_encrypt(&self, iv: &[u8; 16], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        use aes_gcm::aead::Aead;
        let sm4 = self.sm4.as_ref().ok_or_else(|| unsupported_encrypt(EncryptType::Sm4))?;
        sm4.encrypt(iv.into(), plaintext)
            .map_err(|_| Error::DecryptFailed("SM4-GCM could not encrypt"))
    }
}

/// The RustCrypto backend (feature `rustcrypto`): no C toolchain needed.
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCryptoBackend;

#[derive(Debug)]
struct RustCryptoVerifier {
    sha1: VerifyingKey<sha1::Sha1>,
    sha256: VerifyingKey<sha2::Sha256>,
    bits: usize,
}

impl SignatureVerifier for RustCryptoVerifier {
    fn verify(&self, sign_type: SignType, message: &[u8], sig: &[u8]) -> Result<(), Error> {
        let sig = Signature::try_from(sig).map_err(|_| Error::BadSignature)?;
        let ok = match sign_type {
            SignType::Rsa => self.sha1.verify(message, &sig),
            SignType::Rsa2 => self.sha256.verify(message, &sig),
            other => return Err(unsupported_sign("rustcrypto", other)),
        };
        ok.map_err(|_| Error::BadSignature)
    }

    fn bits(&self) -> usize {
        self.bits
    }
}

struct RustCryptoSigner {
    sha1: SigningKey<sha1::Sha1>,
    sha256: SigningKey<sha2::Sha256>,
    public: RsaPublicKeyDer,
}

impl std::fmt::Debug for RustCryptoSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RustCryptoSigner(RSA-{}, redacted)", self.public.bits())
    }
}

impl EnvelopeSigner for RustCryptoSigner {
    fn sign(&self, sign_type: SignType, message: &[u8]) -> Result<Vec<u8>, Error> {
        let sig = match sign_type {
            SignType::Rsa => self.sha1.try_sign(message),
            SignType::Rsa2 => self.sha256.try_sign(message),
            other => return Err(unsupported_sign("rustcrypto", other)),
        };
        sig.map(|s| s.to_vec()).map_err(|_| {
            Error::key(
                phone_core::KeyRole::RsaPrivate,
                KeyProblem::Rejected("rsa could not sign".into()),
            )
        })
    }

    fn public_key(&self) -> &RsaPublicKeyDer {
        &self.public
    }
}

impl CryptoBackend for RustCryptoBackend {
    fn name(&self) -> &'static str {
        "rustcrypto"
    }

    fn prepare_verifier(&self, key: &RsaPublicKeyDer) -> Result<Box<dyn SignatureVerifier>, Error> {
        let public = rsa::PublicKey::from_pkcs1_der(key.pkcs1_der()).map_err(|e| {
            Error::key(
                phone_core::KeyRole::AlipayPublic,
                KeyProblem::Rejected(format!("rsa: {e}")),
            )
        })?;
        Ok(Box::new(RustCryptoVerifier {
            sha1: VerifyingKey::new(public.clone()),
            sha256: VerifyingKey::new(public),
            bits: key.bits(),
        }))
    }

    fn prepare_cipher(&self, key: &AesKey) -> Result<Box<dyn ContentCipher>, Error> {
        use aes_gcm::KeyInit;
        // SM4 keys are 16 bytes; the same console key serves SM4 when the app chose it.
        let sm4 = (key.len() == 16)
            .then(|| Sm4Gcm::new_from_slice(key.as_bytes()))
            .transpose()
            .map_err(|_| Error::key(phone_core::KeyRole::Aes, KeyProblem::AesKeyLength { len: key.len() }))?;
        Ok(Box::new(RustCryptoContent {
            aes: RustCryptoCipher::new(key)?,
            sm4,
        }))
    }

    fn prepare_sm2_verifier(&self, key: &Sm2PublicKeyDer) -> Result<Box<dyn SignatureVerifier>, Error> {
        let vk = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_USER_ID, key.point()).map_err(|_| {
            Error::key(
                phone_core::KeyRole::AlipayPublic,
                KeyProblem::Rejected("sm2: not a point on sm2p256v1".into()),
            )
        })?;
        Ok(Box::new(RustCryptoSm2 { vk }))
    }

    fn verify_sign_types(&self) -> &'static [SignType] {
        &[SignType::Rsa, SignType::Rsa2, SignType::Sm2]
    }

    fn encrypt_types(&self) -> &'static [EncryptType] {
        &[EncryptType::Aes, EncryptType::AesV2, EncryptType::Sm4]
    }

    fn generate_rsa_key(&self, bits: usize) -> Result<RsaPrivateKeyDer, Error> {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        check_bits(bits)?;
        let failed = |why: String| Error::key(phone_core::KeyRole::RsaPrivate, KeyProblem::Rejected(why));
        let key = rsa::PrivateKey::new(&mut getrandom::SysRng, bits).map_err(|e| failed(format!("rsa: {e}")))?;
        let der = key.to_pkcs1_der().map_err(|e| failed(format!("rsa: {e}")))?;
        RsaPrivateKeyDer::from_der(der.as_bytes())
    }

    fn prepare_signer(&self, key: &RsaPrivateKeyDer) -> Result<Box<dyn EnvelopeSigner>, Error> {
        let private = rsa::PrivateKey::from_pkcs1_der(key.pkcs1_der()).map_err(|e| {
            Error::key(
                phone_core::KeyRole::RsaPrivate,
                KeyProblem::Rejected(format!("rsa: {e}")),
            )
        })?;
        Ok(Box::new(RustCryptoSigner {
            sha1: SigningKey::new(private.clone()),
            sha256: SigningKey::new(private),
            public: key.public_key().clone(),
        }))
    }
}
