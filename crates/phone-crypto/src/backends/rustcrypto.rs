//! The pure-Rust `rustcrypto` backend: `rsa` for PKCS#1 v1.5, `aes` + `cbc` for content.
//!
//! RustSec RUSTSEC-2023-0071 (Marvin) concerns `rsa` private-key operations; this backend's
//! production path only verifies. Signing is there for tests and tools.

use phone_core::{Error, KeyProblem, SignType};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};

use super::rustcrypto_aes::RustCryptoCipher;
use crate::backend::{ContentCipher, CryptoBackend, EnvelopeSigner, SignatureVerifier, check_bits, unsupported_sign};
use crate::keys::{AesKey, RsaPrivateKeyDer, RsaPublicKeyDer};

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
        sig.map(|s| s.to_vec()).map_err(|_| Error::KeyError {
            role: "RSA private",
            problem: KeyProblem::Rejected("rsa could not sign".into()),
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
        let public = rsa::PublicKey::from_pkcs1_der(key.pkcs1_der()).map_err(|e| Error::KeyError {
            role: "Alipay public",
            problem: KeyProblem::Rejected(format!("rsa: {e}")),
        })?;
        Ok(Box::new(RustCryptoVerifier {
            sha1: VerifyingKey::new(public.clone()),
            sha256: VerifyingKey::new(public),
            bits: key.bits(),
        }))
    }

    fn prepare_cipher(&self, key: &AesKey) -> Result<Box<dyn ContentCipher>, Error> {
        Ok(Box::new(RustCryptoCipher::new(key)?))
    }

    fn generate_rsa_key(&self, bits: usize) -> Result<RsaPrivateKeyDer, Error> {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        check_bits(bits)?;
        let failed = |why: String| Error::KeyError {
            role: "RSA private",
            problem: KeyProblem::Rejected(why),
        };
        let key = rsa::PrivateKey::new(&mut getrandom::SysRng, bits).map_err(|e| failed(format!("rsa: {e}")))?;
        let der = key.to_pkcs1_der().map_err(|e| failed(format!("rsa: {e}")))?;
        RsaPrivateKeyDer::from_der(der.as_bytes())
    }

    fn prepare_signer(&self, key: &RsaPrivateKeyDer) -> Result<Box<dyn EnvelopeSigner>, Error> {
        let private = rsa::PrivateKey::from_pkcs1_der(key.pkcs1_der()).map_err(|e| Error::KeyError {
            role: "RSA private",
            problem: KeyProblem::Rejected(format!("rsa: {e}")),
        })?;
        Ok(Box::new(RustCryptoSigner {
            sha1: SigningKey::new(private.clone()),
            sha256: SigningKey::new(private),
            public: key.public_key().clone(),
        }))
    }
}
