//! The `ring` backend: RSA verification with ring; AES-CBC with RustCrypto `aes` + `cbc`,
//! because ring has no CBC mode.
//!
//! ring has no public "prepared RSA public key" type: the prepared verifier keeps the modulus
//! and exponent already extracted from the DER, so no ASN.1 is parsed per payload, but ring
//! still sets up its Montgomery arithmetic on each call.

use std::sync::Arc;

use phone_core::{Error, SignType};
use ring::signature::{self, RsaPublicKeyComponents};

use super::rustcrypto_aes::RustCryptoAesCbc;
use crate::backend::{
    CipherFactory, CryptoBackend, SignatureVerifier, VerifierFactory, not_this_algorithm, wrong_algorithm,
};
use crate::capabilities::{ContentAlgorithm, SignAlgorithm};
use crate::keys::AlipayPublicKey;

/// The ring backend (feature `ring`, the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct RingBackend;

/// Prepares RSA public keys for ring.
#[derive(Debug)]
struct RingRsa;

#[derive(Debug)]
struct RingVerifier {
    n: Box<[u8]>,
    e: Box<[u8]>,
    bits: usize,
}

impl SignatureVerifier for RingVerifier {
    fn verify(&self, sign_type: SignType, message: &[u8], sig: &[u8]) -> Result<(), Error> {
        // The 1024_8192 parameter sets accept legacy 1024-bit keys; the SDK's own key check
        // already bounds sizes to 1024..=4096 for every backend alike.
        let params = match sign_type {
            SignType::Rsa => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            SignType::Rsa2 => &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            other => return Err(not_this_algorithm("ring", other)),
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

impl VerifierFactory for RingRsa {
    fn algorithm(&self) -> SignAlgorithm {
        SignAlgorithm::Rsa
    }

    fn prepare(&self, key: &AlipayPublicKey) -> Result<Arc<dyn SignatureVerifier>, Error> {
        let AlipayPublicKey::Rsa(key) = key else {
            return Err(wrong_algorithm(SignAlgorithm::Rsa, key));
        };
        Ok(Arc::new(RingVerifier {
            n: key.modulus().into(),
            e: key.exponent().into(),
            bits: key.bits(),
        }))
    }
}

impl CryptoBackend for RingBackend {
    fn name(&self) -> &'static str {
        "ring"
    }

    fn verifier(&self, algorithm: SignAlgorithm) -> Option<&dyn VerifierFactory> {
        match algorithm {
            SignAlgorithm::Rsa => Some(&RingRsa),
            _ => None,
        }
    }

    fn cipher(&self, algorithm: ContentAlgorithm) -> Option<&dyn CipherFactory> {
        match algorithm {
            ContentAlgorithm::AesCbc => Some(&RustCryptoAesCbc),
            _ => None,
        }
    }
}

#[cfg(feature = "alipay-side")]
mod alipay_side {
    use phone_core::{Error, KeyProblem, KeyRole, SignType};
    use ring::signature;

    use super::RingBackend;
    use crate::alipay_side::{AlipaySide, ContentEncryptor, EnvelopeSigner, unsupported_signing};
    use crate::capabilities::ContentAlgorithm;
    use crate::keys::{AesKey, RsaPrivateKeyDer, RsaPublicKeyDer};

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
                return Err(unsupported_signing("ring", sign_type));
            }
            let mut sig = vec![0u8; self.pair.public().modulus_len()];
            self.pair
                .sign(
                    &signature::RSA_PKCS1_SHA256,
                    &ring::rand::SystemRandom::new(),
                    message,
                    &mut sig,
                )
                .map_err(|_| Error::key(KeyRole::RsaPrivate, KeyProblem::Rejected("ring could not sign".into())))?;
            Ok(sig)
        }

        fn public_key(&self) -> &RsaPublicKeyDer {
            &self.public
        }
    }

    #[cfg_attr(docsrs, doc(cfg(feature = "alipay-side")))]
    impl AlipaySide for RingBackend {
        fn name(&self) -> &'static str {
            "ring"
        }

        fn prepare_signer(&self, key: &RsaPrivateKeyDer) -> Result<Box<dyn EnvelopeSigner>, Error> {
            let pair = signature::RsaKeyPair::from_der(key.pkcs1_der()).map_err(|e| {
                Error::key(
                    KeyRole::RsaPrivate,
                    KeyProblem::Rejected(format!("ring: {e} (ring signs with 2048-bit keys and up)")),
                )
            })?;
            Ok(Box::new(RingSigner {
                pair,
                public: key.public_key().clone(),
            }))
        }

        fn prepare_encryptor(
            &self,
            algorithm: ContentAlgorithm,
            key: &AesKey,
        ) -> Result<Box<dyn ContentEncryptor>, Error> {
            crate::backends::rustcrypto_aes::encryptor(self.name(), algorithm, key)
        }
    }
}
