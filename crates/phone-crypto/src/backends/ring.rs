//! The `ring` backend: RSA verification (and RSA2 signing) with ring; AES-CBC with RustCrypto
//! `aes` + `cbc`, because ring has no CBC mode.
//!
//! ring has no public "prepared RSA public key" type: the prepared verifier keeps the modulus
//! and exponent already extracted from the DER, so no ASN.1 is parsed per payload, but ring
//! still sets up its Montgomery arithmetic on each call.

use phone_core::{Error, KeyProblem, SignType};
use ring::signature::{self, RsaPublicKeyComponents};

use super::rustcrypto_aes::RustCryptoCipher;
use crate::backend::{ContentCipher, CryptoBackend, EnvelopeSigner, SignatureVerifier, unsupported_sign};
use crate::keys::{AesKey, RsaPrivateKeyDer, RsaPublicKeyDer};

/// The ring backend (feature `ring`, the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct RingBackend;

#[derive(Debug)]
struct RingVerifier {
    n: Vec<u8>,
    e: Vec<u8>,
    bits: usize,
}

impl SignatureVerifier for RingVerifier {
    fn verify(&self, sign_type: SignType, message: &[u8], sig: &[u8]) -> Result<(), Error> {
        // The 1024_8192 parameter sets accept legacy 1024-bit keys; the SDK's own key check
        // already bounds sizes to 1024..=4096 for every backend alike.
        let params = match sign_type {
            SignType::Rsa => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            SignType::Rsa2 => &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            other => return Err(unsupported_sign("ring", other)),
        };
        RsaPublicKeyComponents {
            n: &self.n[..],
            e: &self.e[..],
        }
        .verify(params, message, sig)
        .map_err(|_| Error::BadSignature)
    }

    fn bits(&self) -> usize {
        self.bits
    }
}

struct RingSigner {
    pair: signature::RsaKeyPair,
    public: RsaPublicKeyDer,
}

impl std::fmt::Debug for RingSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RingSigner(RSA-{}, redacted)", self.public.bits())
    }
}

impl EnvelopeSigner for RingSigner {
    fn sign(&self, sign_type: SignType, message: &[u8]) -> Result<Vec<u8>, Error> {
        if sign_type != SignType::Rsa2 {
            // ring signs PKCS#1 v1.5 with SHA-256 and up only.
            return Err(unsupported_sign("ring", sign_type));
        }
        let mut sig = vec![0u8; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                message,
                &mut sig,
            )
            .map_err(|_| {
                Error::key(
                    phone_core::KeyRole::RsaPrivate,
                    KeyProblem::Rejected("ring could not sign".into()),
                )
            })?;
        Ok(sig)
    }

    fn public_key(&self) -> &RsaPublicKeyDer {
        &self.public
    }
}

impl CryptoBackend for RingBackend {
    fn name(&self) -> &'static str {
        "ring"
    }

    fn prepare_verifier(&self, key: &RsaPublicKeyDer) -> Result<Box<dyn SignatureVerifier>, Error> {
        Ok(Box::new(RingVerifier {
            n: key.modulus().to_vec(),
            e: key.exponent().to_vec(),
            bits: key.bits(),
        }))
    }

    fn prepare_cipher(&self, key: &AesKey) -> Result<Box<dyn ContentCipher>, Error> {
        Ok(Box::new(RustCryptoCipher::new(key)?))
    }

    fn prepare_signer(&self, key: &RsaPrivateKeyDer) -> Result<Box<dyn EnvelopeSigner>, Error> {
        let pair = signature::RsaKeyPair::from_der(key.pkcs1_der()).map_err(|e| {
            Error::key(
                phone_core::KeyRole::RsaPrivate,
                KeyProblem::Rejected(format!("ring: {e} (ring signs with 2048-bit keys and up)")),
            )
        })?;
        Ok(Box::new(RingSigner {
            pair,
            public: key.public_key().clone(),
        }))
    }

    fn sign_sign_types(&self) -> &'static [SignType] {
        &[SignType::Rsa2]
    }
}
