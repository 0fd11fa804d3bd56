//! The `ring` backend: RSA verification with ring; AES-CBC with RustCrypto `aes` + `cbc`,
//! because ring has no CBC mode.
//!
//! ring has no public "prepared RSA public key" type: the prepared verifier keeps the modulus
//! and exponent already extracted from the DER, so no ASN.1 is parsed per payload, but ring
//! still sets up its Montgomery arithmetic on each call.

super::parts! {
    name: "ring",
    feature: "ring",
    libraries: "ring (RSA); RustCrypto aes + cbc (ring has no CBC)",
    verify: [Rsa [Rsa, Rsa2] from 1024 bits => imp::RingRsa],
    decrypt: [AesCbc => super::rustcrypto_aes::RustCryptoAesCbc],
    sign: [Rsa2] => imp::alipay_side::RingSignerFactory,
    encrypt: [AesCbc => super::rustcrypto_aes::RustCryptoAesCbc],
    generate: [],
}

#[cfg(feature = "ring")]
mod imp {
    use std::sync::Arc;

    use phone_core::{Error, SignType};
    use ring::signature::{self, RsaPublicKeyComponents};

    use crate::algorithms::SignAlgorithm;
    use crate::keys::AlipayPublicKey;
    use crate::parts::{SignatureVerifier, VerifierFactory, not_this_algorithm, wrong_algorithm};

    /// Prepares RSA public keys for ring.
    #[derive(Debug)]
    pub(super) struct RingRsa;

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

    #[cfg(feature = "alipay-side")]
    pub(super) mod alipay_side {
        use phone_core::{Error, KeyProblem, KeyRole, SignType};
        use ring::signature;

        use crate::alipay_side::{EnvelopeSigner, SignerFactory, unsupported_signing};
        use crate::keys::{RsaPrivateKey, RsaPublicKey};

        #[derive(Debug)]
        pub(crate) struct RingSignerFactory;

        struct RingSigner {
            pair: signature::RsaKeyPair,
            public: RsaPublicKey,
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

            fn public_key(&self) -> &RsaPublicKey {
                &self.public
            }
        }

        impl SignerFactory for RingSignerFactory {
            fn prepare(&self, key: &RsaPrivateKey) -> Result<Box<dyn EnvelopeSigner>, Error> {
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
        }
    }
}
