//! The `aws-lc-rs` backend: AWS-LC for RSA (prepared `ParsedPublicKey`s, so verification does
//! no per-call key setup) and for AES-CBC (native, key schedule expanded once).

super::parts! {
    name: "aws-lc-rs",
    feature: "aws-lc-rs",
    libraries: "AWS-LC (FIPS-capable)",
    verify: [Rsa [Rsa, Rsa2] from 1024 bits => imp::RsaFactory],
    decrypt: [AesCbc => imp::AesCbcFactory],
    sign: [Rsa2] => imp::alipay_side::RsaSignerFactory,
    encrypt: [AesCbc => imp::AesCbcFactory],
    generate: [imp::alipay_side::RsaKeyGenerator],
}

#[cfg(feature = "aws-lc-rs")]
mod imp {
    use std::sync::Arc;

    use aws_lc_rs::cipher::{AES_128, AES_192, AES_256, Algorithm, DecryptingKey, DecryptionContext, UnboundCipherKey};
    use aws_lc_rs::iv::FixedLength;
    use aws_lc_rs::signature::{self, ParsedPublicKey};
    use phone_core::{Error, KeyProblem, KeyRole, SignType};
    use zeroize::Zeroizing;

    use crate::algorithms::SignAlgorithm;
    use crate::keys::{AlipayPublicKey, ContentKey};
    use crate::parts::{
        CipherFactory, ContentCipher, SignatureVerifier, VerifierFactory, aes_len, not_this_algorithm, wrong_algorithm,
    };

    #[derive(Debug)]
    pub(super) struct RsaFactory;

    #[derive(Debug)]
    pub(super) struct AesCbcFactory;

    fn rejected(role: KeyRole, why: impl std::fmt::Display) -> Error {
        Error::key(role, KeyProblem::Rejected(format!("aws-lc-rs: {why}")))
    }

    struct AwsLcVerifier {
        sha1: ParsedPublicKey,
        sha256: ParsedPublicKey,
        bits: usize,
    }

    impl std::fmt::Debug for AwsLcVerifier {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "AwsLcVerifier(RSA-{})", self.bits)
        }
    }

    impl SignatureVerifier for AwsLcVerifier {
        fn verify(&self, sign_type: SignType, message: &[u8], sig: &[u8]) -> Result<(), Error> {
            let key = match sign_type {
                SignType::Rsa => &self.sha1,
                SignType::Rsa2 => &self.sha256,
                other => return Err(not_this_algorithm("aws-lc-rs", other)),
            };
            key.verify_sig(message, sig).map_err(|_| Error::BadSignature)
        }

        fn bits(&self) -> usize {
            self.bits
        }
    }

    impl VerifierFactory for RsaFactory {
        fn prepare(&self, key: &AlipayPublicKey) -> Result<Arc<dyn SignatureVerifier>, Error> {
            let AlipayPublicKey::Rsa(key) = key else {
                return Err(wrong_algorithm(SignAlgorithm::Rsa, key));
            };
            let der = key.pkcs1_der();
            let sha1 = ParsedPublicKey::new(&signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY, der)
                .map_err(|e| rejected(KeyRole::AlipayPublic, e))?;
            let sha256 = ParsedPublicKey::new(&signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, der)
                .map_err(|e| rejected(KeyRole::AlipayPublic, e))?;
            Ok(Arc::new(AwsLcVerifier {
                sha1,
                sha256,
                bits: key.bits(),
            }))
        }
    }

    fn algorithm(key: &ContentKey) -> Result<&'static Algorithm, Error> {
        Ok(match aes_len(key)? {
            16 => &AES_128,
            24 => &AES_192,
            _ => &AES_256,
        })
    }

    struct AwsLcCipher {
        decrypt: DecryptingKey,
        len: usize,
    }

    impl std::fmt::Debug for AwsLcCipher {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "AwsLcCipher(AES-{}, redacted)", self.len * 8)
        }
    }

    impl ContentCipher for AwsLcCipher {
        fn decrypt(&self, iv: &[u8; 16], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
            let mut buf = Zeroizing::new(ciphertext.to_vec());
            self.decrypt
                .decrypt(&mut buf, DecryptionContext::Iv128(FixedLength::from(iv)))
                .map_err(|_| Error::DecryptFailed("AWS-LC could not run AES-CBC"))?;
            Ok(buf)
        }

        fn key_len(&self) -> usize {
            self.len
        }
    }

    impl CipherFactory for AesCbcFactory {
        fn prepare(&self, key: &ContentKey) -> Result<Arc<dyn ContentCipher>, Error> {
            let unbound =
                UnboundCipherKey::new(algorithm(key)?, key.as_bytes()).map_err(|e| rejected(KeyRole::Aes, e))?;
            let decrypt = DecryptingKey::cbc(unbound).map_err(|e| rejected(KeyRole::Aes, e))?;
            Ok(Arc::new(AwsLcCipher {
                decrypt,
                len: key.len(),
            }))
        }
    }

    #[cfg(feature = "alipay-side")]
    pub(super) mod alipay_side {
        use aws_lc_rs::cipher::{EncryptingKey, EncryptionContext, UnboundCipherKey};
        use aws_lc_rs::iv::FixedLength;
        use aws_lc_rs::signature::{self, RsaKeyPair};
        use phone_core::{Error, KeyRole, SignType};

        use super::{AesCbcFactory, algorithm, rejected};
        use crate::alipay_side::{
            ContentEncryptor, EncryptorFactory, EnvelopeSigner, KeyGenerator, SignerFactory, check_bits,
            unsupported_signing,
        };
        use crate::keys::{ContentKey, RsaPrivateKey, RsaPublicKey};

        /// Prepares RSA private keys for AWS-LC's signers.
        #[derive(Debug)]
        pub(crate) struct RsaSignerFactory;

        /// Generates RSA keys with AWS-LC.
        #[derive(Debug)]
        pub(crate) struct RsaKeyGenerator;

        struct AwsLcSigner {
            pair: RsaKeyPair,
            public: RsaPublicKey,
        }

        impl std::fmt::Debug for AwsLcSigner {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "AwsLcSigner(RSA-{}, redacted)", self.public.bits())
            }
        }

        impl EnvelopeSigner for AwsLcSigner {
            fn sign(&self, sign_type: SignType, message: &[u8]) -> Result<Vec<u8>, Error> {
                if sign_type != SignType::Rsa2 {
                    return Err(unsupported_signing("aws-lc-rs", sign_type));
                }
                let mut sig = vec![0u8; self.pair.public_modulus_len()];
                self.pair
                    .sign(
                        &signature::RSA_PKCS1_SHA256,
                        &aws_lc_rs::rand::SystemRandom::new(),
                        message,
                        &mut sig,
                    )
                    .map_err(|_| rejected(KeyRole::RsaPrivate, "could not sign"))?;
                Ok(sig)
            }

            fn public_key(&self) -> &RsaPublicKey {
                &self.public
            }
        }

        struct AwsLcEncryptor {
            key: EncryptingKey,
            len: usize,
        }

        impl std::fmt::Debug for AwsLcEncryptor {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "AwsLcEncryptor(AES-{}, redacted)", self.len * 8)
            }
        }

        impl ContentEncryptor for AwsLcEncryptor {
            fn encrypt(&self, iv: &[u8; 16], padded: &[u8]) -> Result<Vec<u8>, Error> {
                let mut buf = padded.to_vec();
                self.key
                    .less_safe_encrypt(&mut buf, EncryptionContext::Iv128(FixedLength::from(iv)))
                    .map_err(|_| Error::EncryptFailed("AWS-LC could not run AES-CBC"))?;
                Ok(buf)
            }

            fn key_len(&self) -> usize {
                self.len
            }
        }

        impl SignerFactory for RsaSignerFactory {
            fn prepare(&self, key: &RsaPrivateKey) -> Result<Box<dyn EnvelopeSigner>, Error> {
                let pair = RsaKeyPair::from_der(key.pkcs1_der()).map_err(|e| {
                    rejected(
                        KeyRole::RsaPrivate,
                        format!("{e} (aws-lc-rs signs with 2048-bit keys and up)"),
                    )
                })?;
                Ok(Box::new(AwsLcSigner {
                    pair,
                    public: key.public_key().clone(),
                }))
            }
        }

        impl EncryptorFactory for AesCbcFactory {
            fn prepare(&self, key: &ContentKey) -> Result<Box<dyn ContentEncryptor>, Error> {
                let unbound =
                    UnboundCipherKey::new(algorithm(key)?, key.as_bytes()).map_err(|e| rejected(KeyRole::Aes, e))?;
                let key_obj = EncryptingKey::cbc(unbound).map_err(|e| rejected(KeyRole::Aes, e))?;
                Ok(Box::new(AwsLcEncryptor {
                    key: key_obj,
                    len: key.len(),
                }))
            }
        }

        impl KeyGenerator for RsaKeyGenerator {
            fn generate_rsa_key(&self, bits: usize) -> Result<RsaPrivateKey, Error> {
                use aws_lc_rs::encoding::AsDer;
                check_bits(bits)?;
                let size = match bits {
                    2048 => aws_lc_rs::rsa::KeySize::Rsa2048,
                    3072 => aws_lc_rs::rsa::KeySize::Rsa3072,
                    4096 => aws_lc_rs::rsa::KeySize::Rsa4096,
                    other => {
                        return Err(rejected(
                            KeyRole::RsaPrivate,
                            format!("generates 2048, 3072 or 4096-bit keys, not {other}"),
                        ));
                    }
                };
                let pair = RsaKeyPair::generate(size).map_err(|e| rejected(KeyRole::RsaPrivate, e))?;
                let der = pair.as_der().map_err(|e| rejected(KeyRole::RsaPrivate, e))?;
                RsaPrivateKey::from_der(der.as_ref())
            }
        }
    }
}
