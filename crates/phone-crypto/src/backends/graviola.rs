//! The `graviola` backend: RSA2 verification with graviola (Rust and formally verified
//! assembly, no C compiler or cmake); AES-CBC with RustCrypto `aes` + `cbc`, because graviola
//! has no CBC mode, as for ring.
//!
//! graviola verifies PKCS#1 v1.5 with SHA-256 and up, with keys of 2048 bits and up: sign type
//! `RSA2` with 2048 to 4096-bit keys. `RSA` (SHA-1), 1024-bit keys and the national
//! algorithms are refused by name with a backend that has them. It builds on x86_64 (with the
//! `aes`, `avx2`, `adx` and `bmi2` CPU features, most CPUs since 2014) and aarch64 only; on
//! an x86_64 CPU without them, preparing a key is refused instead of running its assembly.

super::parts! {
    name: "graviola",
    feature: "graviola",
    libraries: "graviola (RSA2: Rust and formally verified assembly); RustCrypto aes + cbc",
    verify: [Rsa [Rsa2] from 2048 bits => imp::GraviolaRsa],
    decrypt: [AesCbc => super::rustcrypto_aes::RustCryptoAesCbc],
    sign: [Rsa2] => imp::alipay_side::GraviolaSignerFactory,
    encrypt: [AesCbc => super::rustcrypto_aes::RustCryptoAesCbc],
    generate: [imp::alipay_side::GraviolaKeyGenerator],
}

#[cfg(feature = "graviola")]
mod imp {
    use std::sync::Arc;

    use graviola::signing::rsa::VerifyingKey;
    use phone_core::{Error, KeyProblem, KeyRole, SignType};

    use crate::algorithms::SignAlgorithm;
    use crate::keys::AlipayPublicKey;
    use crate::parts::{SignatureVerifier, VerifierFactory, not_this_algorithm, wrong_algorithm};

    /// Whether this CPU has what graviola's assembly needs: its README's list for x86_64;
    /// every aarch64 CPU it builds for has them.
    pub(super) fn cpu_supported() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            std::is_x86_feature_detected!("aes")
                && std::is_x86_feature_detected!("ssse3")
                && std::is_x86_feature_detected!("avx")
                && std::is_x86_feature_detected!("avx2")
                && std::is_x86_feature_detected!("adx")
                && std::is_x86_feature_detected!("bmi2")
                && std::is_x86_feature_detected!("pclmulqdq")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            true
        }
    }

    pub(super) fn rejected(role: KeyRole, why: impl std::fmt::Display) -> Error {
        Error::key(role, KeyProblem::Rejected(format!("graviola: {why}")))
    }

    pub(super) fn check_cpu(role: KeyRole) -> Result<(), Error> {
        if cpu_supported() {
            Ok(())
        } else {
            Err(rejected(
                role,
                "this CPU lacks aes, avx2, adx or bmi2, which graviola needs; use another backend",
            ))
        }
    }

    /// Prepares RSA public keys for graviola.
    #[derive(Debug)]
    pub(super) struct GraviolaRsa;

    struct GraviolaVerifier {
        key: VerifyingKey,
        bits: usize,
    }

    impl std::fmt::Debug for GraviolaVerifier {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "GraviolaVerifier(RSA-{})", self.bits)
        }
    }

    impl SignatureVerifier for GraviolaVerifier {
        fn verify(&self, sign_type: SignType, message: &[u8], sig: &[u8]) -> Result<(), Error> {
            if sign_type != SignType::Rsa2 {
                return Err(not_this_algorithm("graviola", sign_type));
            }
            self.key
                .verify_pkcs1_sha256(sig, message)
                .map_err(|_| Error::BadSignature)
        }

        fn bits(&self) -> usize {
            self.bits
        }
    }

    impl VerifierFactory for GraviolaRsa {
        fn prepare(&self, key: &AlipayPublicKey) -> Result<Arc<dyn SignatureVerifier>, Error> {
            let AlipayPublicKey::Rsa(key) = key else {
                return Err(wrong_algorithm(SignAlgorithm::Rsa, key));
            };
            check_cpu(KeyRole::AlipayPublic)?;
            let parsed = VerifyingKey::from_pkcs1_der(key.pkcs1_der())
                .map_err(|e| rejected(KeyRole::AlipayPublic, format!("{e:?}")))?;
            Ok(Arc::new(GraviolaVerifier {
                key: parsed,
                bits: key.bits(),
            }))
        }
    }

    #[cfg(feature = "alipay-side")]
    pub(super) mod alipay_side {
        use graviola::signing::rsa::{KeySize, SigningKey};
        use phone_core::{Error, KeyRole, SignType};
        use zeroize::Zeroizing;

        use super::{check_cpu, rejected};
        use crate::alipay_side::{EnvelopeSigner, KeyGenerator, SignerFactory, check_bits, unsupported_signing};
        use crate::keys::{RsaPrivateKey, RsaPublicKey};

        /// Prepares RSA private keys for graviola's signers.
        #[derive(Debug)]
        pub(crate) struct GraviolaSignerFactory;

        /// Generates RSA keys with graviola.
        #[derive(Debug)]
        pub(crate) struct GraviolaKeyGenerator;

        struct GraviolaSigner {
            key: SigningKey,
            public: RsaPublicKey,
        }

        impl std::fmt::Debug for GraviolaSigner {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "GraviolaSigner(RSA-{}, redacted)", self.public.bits())
            }
        }

        impl EnvelopeSigner for GraviolaSigner {
            fn sign(&self, sign_type: SignType, message: &[u8]) -> Result<Vec<u8>, Error> {
                if sign_type != SignType::Rsa2 {
                    return Err(unsupported_signing("graviola", sign_type));
                }
                let mut sig = vec![0u8; self.key.modulus_len_bytes()];
                let n = self
                    .key
                    .sign_pkcs1_sha256(&mut sig, message)
                    .map_err(|e| rejected(KeyRole::RsaPrivate, format!("could not sign: {e:?}")))?
                    .len();
                sig.truncate(n);
                Ok(sig)
            }

            fn public_key(&self) -> &RsaPublicKey {
                &self.public
            }
        }

        impl SignerFactory for GraviolaSignerFactory {
            fn prepare(&self, key: &RsaPrivateKey) -> Result<Box<dyn EnvelopeSigner>, Error> {
                check_cpu(KeyRole::RsaPrivate)?;
                let signing = SigningKey::from_pkcs1_der(key.pkcs1_der()).map_err(|e| {
                    rejected(
                        KeyRole::RsaPrivate,
                        format!("{e:?} (graviola signs with 2048-bit keys and up)"),
                    )
                })?;
                Ok(Box::new(GraviolaSigner {
                    key: signing,
                    public: key.public_key().clone(),
                }))
            }
        }

        impl KeyGenerator for GraviolaKeyGenerator {
            fn generate_rsa_key(&self, bits: usize) -> Result<RsaPrivateKey, Error> {
                check_bits(bits)?;
                check_cpu(KeyRole::RsaPrivate)?;
                let size = match bits {
                    2048 => KeySize::Rsa2048,
                    3072 => KeySize::Rsa3072,
                    4096 => KeySize::Rsa4096,
                    other => {
                        return Err(rejected(
                            KeyRole::RsaPrivate,
                            format!("generates 2048, 3072 or 4096-bit keys, not {other}"),
                        ));
                    }
                };
                let key = SigningKey::generate(size).map_err(|e| rejected(KeyRole::RsaPrivate, format!("{e:?}")))?;
                // PKCS#1 DER of a 4096-bit key is under 2.4 KB.
                let mut buf = Zeroizing::new(vec![0u8; 4096]);
                let der = key
                    .to_pkcs1_der(&mut buf)
                    .map_err(|e| rejected(KeyRole::RsaPrivate, format!("{e:?}")))?;
                RsaPrivateKey::from_der(der)
            }
        }
    }
}
