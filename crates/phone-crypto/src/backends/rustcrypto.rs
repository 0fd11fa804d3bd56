//! The pure-Rust `rustcrypto` backend: `rsa` for PKCS#1 v1.5, `sm2` for SM3withSM2, `aes` +
//! `cbc` and `sm4` + GCM for content.
//!
//! RustSec RUSTSEC-2023-0071 (Marvin) concerns `rsa` private-key operations; this backend's
//! production path only verifies. Signing exists only with the `alipay-side` feature.

super::parts! {
    name: "rustcrypto",
    feature: "rustcrypto",
    libraries: "pure Rust: rsa, sm2, aes + cbc, sm4 + gcm",
    verify: [
        Rsa [Rsa, Rsa2] from 1024 bits => imp::RsaFactory,
        Sm2 [Sm2] from 256 bits => imp::Sm2Factory,
    ],
    decrypt: [
        AesCbc => super::rustcrypto_aes::RustCryptoAesCbc,
        Sm4Gcm => imp::Sm4Factory,
    ],
    sign: [Rsa, Rsa2] => imp::alipay_side::RsaSignerFactory,
    encrypt: [
        AesCbc => super::rustcrypto_aes::RustCryptoAesCbc,
        Sm4Gcm => imp::Sm4Factory,
    ],
    generate: [imp::alipay_side::RsaKeyGenerator],
}

#[cfg(feature = "rustcrypto")]
mod imp {
    use std::sync::Arc;

    use phone_core::{Error, KeyProblem, KeyRole, SignType};
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;
    use zeroize::Zeroizing;

    use crate::algorithms::SignAlgorithm;
    use crate::keys::{AlipayPublicKey, ContentKey};
    use crate::parts::{
        CipherFactory, ContentCipher, SignatureVerifier, VerifierFactory, not_this_algorithm, wrong_algorithm,
    };

    /// The SM2 user id (distinguishing identifier) Alipay uses: the GB/T 32918 default.
    const SM2_USER_ID: &str = "1234567812345678";

    /// SM4-GCM with the Java SDK's 16-byte IV.
    type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, aes_gcm::aead::consts::U16>;

    #[derive(Debug)]
    pub(super) struct RsaFactory;

    #[derive(Debug)]
    pub(super) struct Sm2Factory;

    #[derive(Debug)]
    pub(super) struct Sm4Factory;

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
                other => return Err(not_this_algorithm("rustcrypto", other)),
            };
            ok.map_err(|_| Error::BadSignature)
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
            let public = rsa::PublicKey::from_pkcs1_der(key.pkcs1_der())
                .map_err(|e| Error::key(KeyRole::AlipayPublic, KeyProblem::Rejected(format!("rsa: {e}"))))?;
            Ok(Arc::new(RustCryptoVerifier {
                sha1: VerifyingKey::new(public.clone()),
                sha256: VerifyingKey::new(public),
                bits: key.bits(),
            }))
        }
    }

    /// SM3withSM2 verification (DER-encoded signatures, as Alipay and OpenSSL produce them).
    #[derive(Debug)]
    struct RustCryptoSm2 {
        vk: sm2::dsa::VerifyingKey,
    }

    impl SignatureVerifier for RustCryptoSm2 {
        fn verify(&self, sign_type: SignType, message: &[u8], sig: &[u8]) -> Result<(), Error> {
            if sign_type != SignType::Sm2 {
                return Err(not_this_algorithm("rustcrypto", sign_type));
            }
            let sig = sm2::dsa::Signature::from_der(sig).map_err(|_| Error::BadSignature)?;
            self.vk.verify(message, &sig).map_err(|_| Error::BadSignature)
        }

        fn bits(&self) -> usize {
            256
        }
    }

    impl VerifierFactory for Sm2Factory {
        fn prepare(&self, key: &AlipayPublicKey) -> Result<Arc<dyn SignatureVerifier>, Error> {
            let AlipayPublicKey::Sm2(key) = key else {
                return Err(wrong_algorithm(SignAlgorithm::Sm2, key));
            };
            let vk = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_USER_ID, key.point()).map_err(|_| {
                Error::key(
                    KeyRole::AlipayPublic,
                    KeyProblem::Rejected("sm2: not a point on sm2p256v1".into()),
                )
            })?;
            Ok(Arc::new(RustCryptoSm2 { vk }))
        }
    }

    /// An SM4-GCM key (SM4 keys are 16 bytes: the console's content key when the app chose SM4).
    struct Sm4Cipher(Sm4Gcm);

    impl std::fmt::Debug for Sm4Cipher {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Sm4Cipher(redacted)")
        }
    }

    impl Sm4Cipher {
        fn new(key: &ContentKey) -> Result<Self, Error> {
            use aes_gcm::KeyInit;
            Sm4Gcm::new_from_slice(key.as_bytes())
                .map(Self)
                .map_err(|_| Error::key(KeyRole::Aes, KeyProblem::AesKeyLength { len: key.len() }))
        }
    }

    impl ContentCipher for Sm4Cipher {
        fn decrypt(&self, iv: &[u8; 16], ciphertext_and_tag: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
            use aes_gcm::aead::Aead;
            self.0
                .decrypt(iv.into(), ciphertext_and_tag)
                .map(Zeroizing::new)
                .map_err(|_| Error::DecryptFailed("SM4-GCM authentication failed (usually a wrong key)"))
        }

        fn key_len(&self) -> usize {
            16
        }
    }

    impl CipherFactory for Sm4Factory {
        fn prepare(&self, key: &ContentKey) -> Result<Arc<dyn ContentCipher>, Error> {
            Ok(Arc::new(Sm4Cipher::new(key)?))
        }
    }

    #[cfg(feature = "alipay-side")]
    pub(super) mod alipay_side {
        use phone_core::{Error, KeyProblem, KeyRole, SignType};
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::pkcs1v15::SigningKey;
        use rsa::signature::{SignatureEncoding, Signer};

        use super::{Sm4Cipher, Sm4Factory};
        use crate::alipay_side::{
            ContentEncryptor, EncryptorFactory, EnvelopeSigner, KeyGenerator, SignerFactory, check_bits,
            unsupported_signing,
        };
        use crate::keys::{ContentKey, RsaPrivateKey, RsaPublicKey};

        /// Prepares RSA private keys for `rsa`'s signers.
        #[derive(Debug)]
        pub(crate) struct RsaSignerFactory;

        /// Generates RSA keys with `rsa`.
        #[derive(Debug)]
        pub(crate) struct RsaKeyGenerator;

        struct RustCryptoSigner {
            sha1: SigningKey<sha1::Sha1>,
            sha256: SigningKey<sha2::Sha256>,
            public: RsaPublicKey,
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
                    other => return Err(unsupported_signing("rustcrypto", other)),
                };
                sig.map(|s| s.to_vec())
                    .map_err(|_| Error::key(KeyRole::RsaPrivate, KeyProblem::Rejected("rsa could not sign".into())))
            }

            fn public_key(&self) -> &RsaPublicKey {
                &self.public
            }
        }

        impl ContentEncryptor for Sm4Cipher {
            fn encrypt(&self, iv: &[u8; 16], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
                use aes_gcm::aead::Aead;
                self.0
                    .encrypt(iv.into(), plaintext)
                    .map_err(|_| Error::EncryptFailed("SM4-GCM could not encrypt"))
            }

            fn key_len(&self) -> usize {
                16
            }
        }

        impl SignerFactory for RsaSignerFactory {
            fn prepare(&self, key: &RsaPrivateKey) -> Result<Box<dyn EnvelopeSigner>, Error> {
                let private = rsa::PrivateKey::from_pkcs1_der(key.pkcs1_der())
                    .map_err(|e| Error::key(KeyRole::RsaPrivate, KeyProblem::Rejected(format!("rsa: {e}"))))?;
                Ok(Box::new(RustCryptoSigner {
                    sha1: SigningKey::new(private.clone()),
                    sha256: SigningKey::new(private),
                    public: key.public_key().clone(),
                }))
            }
        }

        impl EncryptorFactory for Sm4Factory {
            fn prepare(&self, key: &ContentKey) -> Result<Box<dyn ContentEncryptor>, Error> {
                Ok(Box::new(Sm4Cipher::new(key)?))
            }
        }

        impl KeyGenerator for RsaKeyGenerator {
            fn generate_rsa_key(&self, bits: usize) -> Result<RsaPrivateKey, Error> {
                use rsa::pkcs1::EncodeRsaPrivateKey;
                check_bits(bits)?;
                let failed = |why: String| Error::key(KeyRole::RsaPrivate, KeyProblem::Rejected(why));
                let key =
                    rsa::PrivateKey::new(&mut getrandom::SysRng, bits).map_err(|e| failed(format!("rsa: {e}")))?;
                let der = key.to_pkcs1_der().map_err(|e| failed(format!("rsa: {e}")))?;
                RsaPrivateKey::from_der(der.as_bytes())
            }
        }
    }
}
