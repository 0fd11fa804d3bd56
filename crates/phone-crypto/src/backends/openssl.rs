//! The `openssl` backend: the system OpenSSL (3.x) through the `openssl` crate.
//!
//! Keys are loaded once into `PKey` objects; OpenSSL re-parsing a key per call would cost
//! several times the verification itself.

super::parts! {
    name: "openssl",
    feature: "openssl",
    libraries: "the system OpenSSL 3",
    verify: [Rsa [Rsa, Rsa2] from 1024 bits => imp::RsaFactory],
    decrypt: [AesCbc => imp::AesCbcFactory],
    sign: [Rsa, Rsa2] => imp::alipay_side::RsaSignerFactory,
    encrypt: [AesCbc => imp::AesCbcFactory],
    generate: [imp::alipay_side::RsaKeyGenerator],
}

#[cfg(feature = "openssl")]
mod imp {
    use std::sync::Arc;

    use openssl::hash::MessageDigest;
    use openssl::pkey::{PKey, Public};
    use openssl::rsa::Rsa;
    use openssl::sign::Verifier;
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

    fn digest(sign_type: SignType) -> Result<MessageDigest, Error> {
        match sign_type {
            SignType::Rsa => Ok(MessageDigest::sha1()),
            SignType::Rsa2 => Ok(MessageDigest::sha256()),
            other => Err(not_this_algorithm("openssl", other)),
        }
    }

    fn rejected(role: KeyRole) -> impl Fn(openssl::error::ErrorStack) -> Error {
        move |e| Error::key(role, KeyProblem::Rejected(format!("openssl: {e}")))
    }

    #[derive(Debug)]
    struct OpenSslVerifier {
        key: PKey<Public>,
        bits: usize,
    }

    impl SignatureVerifier for OpenSslVerifier {
        fn verify(&self, sign_type: SignType, message: &[u8], sig: &[u8]) -> Result<(), Error> {
            let md = digest(sign_type)?;
            let mut verifier = Verifier::new(md, &self.key).map_err(|_| Error::BadSignature)?;
            match verifier.verify_oneshot(sig, message) {
                Ok(true) => Ok(()),
                _ => Err(Error::BadSignature),
            }
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
            let rsa = Rsa::public_key_from_der_pkcs1(key.pkcs1_der()).map_err(rejected(KeyRole::AlipayPublic))?;
            let key_obj = PKey::from_rsa(rsa).map_err(rejected(KeyRole::AlipayPublic))?;
            Ok(Arc::new(OpenSslVerifier {
                key: key_obj,
                bits: key.bits(),
            }))
        }
    }

    fn evp(len: usize) -> &'static openssl::cipher::CipherRef {
        use openssl::cipher::Cipher as Evp;
        match len {
            16 => Evp::aes_128_cbc(),
            24 => Evp::aes_192_cbc(),
            _ => Evp::aes_256_cbc(),
        }
    }

    struct OpenSslCipher {
        evp: &'static openssl::cipher::CipherRef,
        key: Zeroizing<Vec<u8>>,
        /// Decryption contexts with the key schedule already set up: creating one per payload
        /// (EVP_CIPHER_CTX_new + key expansion) costs more than decrypting the payload itself.
        /// OpenSSL frees (and cleanses) them on drop.
        pool: std::sync::Mutex<Vec<openssl::cipher_ctx::CipherCtx>>,
    }

    impl std::fmt::Debug for OpenSslCipher {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "OpenSslCipher(AES-{}, redacted)", self.key.len() * 8)
        }
    }

    impl OpenSslCipher {
        fn new_ctx(&self) -> Result<openssl::cipher_ctx::CipherCtx, openssl::error::ErrorStack> {
            let mut ctx = openssl::cipher_ctx::CipherCtx::new()?;
            ctx.decrypt_init(Some(self.evp), Some(&self.key), None)?;
            ctx.set_padding(false);
            Ok(ctx)
        }

        fn decrypt_pooled(
            &self,
            iv: &[u8; 16],
            input: &[u8],
        ) -> Result<Zeroizing<Vec<u8>>, openssl::error::ErrorStack> {
            let pooled = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let mut ctx = match pooled {
                Some(ctx) => ctx,
                None => self.new_ctx()?,
            };
            // Only the IV changes: the key schedule is reused.
            ctx.decrypt_init(None, None, Some(iv))?;
            let mut out = Zeroizing::new(vec![0u8; input.len() + 16]);
            let n = ctx.cipher_update(input, Some(&mut out))?;
            let m = ctx.cipher_final(&mut out[n..])?;
            out.truncate(n + m);
            let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
            // A few contexts per key are enough for the threads that decrypt at once; the bound
            // keeps idle keys small.
            if pool.len() < 8 {
                pool.push(ctx);
            }
            Ok(out)
        }
    }

    impl ContentCipher for OpenSslCipher {
        fn decrypt(&self, iv: &[u8; 16], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
            self.decrypt_pooled(iv, ciphertext)
                .map_err(|_| Error::DecryptFailed("OpenSSL could not run AES-CBC"))
        }

        fn key_len(&self) -> usize {
            self.key.len()
        }
    }

    impl CipherFactory for AesCbcFactory {
        fn prepare(&self, key: &ContentKey) -> Result<Arc<dyn ContentCipher>, Error> {
            let len = aes_len(key)?;
            let cipher = OpenSslCipher {
                evp: evp(len),
                key: Zeroizing::new(key.as_bytes().to_vec()),
                pool: Default::default(),
            };
            // The key schedule is expanded here, once, like every other backend's: the first
            // payload finds a ready context.
            let ctx = cipher.new_ctx().map_err(rejected(KeyRole::Aes))?;
            cipher.pool.lock().unwrap_or_else(|p| p.into_inner()).push(ctx);
            Ok(Arc::new(cipher))
        }
    }

    #[cfg(feature = "alipay-side")]
    pub(super) mod alipay_side {
        use openssl::pkey::{PKey, Private};
        use openssl::rsa::Rsa;
        use openssl::sign::Signer;
        use openssl::symm::{Cipher, Crypter, Mode};
        use phone_core::{Error, KeyRole, SignType};
        use zeroize::Zeroizing;

        use super::{AesCbcFactory, digest, rejected};
        use crate::alipay_side::{
            ContentEncryptor, EncryptorFactory, EnvelopeSigner, KeyGenerator, SignerFactory, check_bits,
        };
        use crate::keys::{ContentKey, RsaPrivateKey, RsaPublicKey};
        use crate::parts::aes_len;

        /// Prepares RSA private keys for OpenSSL's signers.
        #[derive(Debug)]
        pub(crate) struct RsaSignerFactory;

        /// Generates RSA keys with OpenSSL.
        #[derive(Debug)]
        pub(crate) struct RsaKeyGenerator;

        struct OpenSslSigner {
            key: PKey<Private>,
            public: RsaPublicKey,
        }

        impl std::fmt::Debug for OpenSslSigner {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "OpenSslSigner(RSA-{}, redacted)", self.public.bits())
            }
        }

        impl EnvelopeSigner for OpenSslSigner {
            fn sign(&self, sign_type: SignType, message: &[u8]) -> Result<Vec<u8>, Error> {
                let md = digest(sign_type)?;
                let mut signer = Signer::new(md, &self.key).map_err(rejected(KeyRole::RsaPrivate))?;
                signer
                    .sign_oneshot_to_vec(message)
                    .map_err(rejected(KeyRole::RsaPrivate))
            }

            fn public_key(&self) -> &RsaPublicKey {
                &self.public
            }
        }

        struct OpenSslEncryptor {
            cipher: Cipher,
            key: Zeroizing<Vec<u8>>,
        }

        impl std::fmt::Debug for OpenSslEncryptor {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "OpenSslEncryptor(AES-{}, redacted)", self.key.len() * 8)
            }
        }

        impl ContentEncryptor for OpenSslEncryptor {
            fn encrypt(&self, iv: &[u8; 16], padded: &[u8]) -> Result<Vec<u8>, Error> {
                let failed = |_| Error::EncryptFailed("OpenSSL could not run AES-CBC");
                let mut crypter = Crypter::new(self.cipher, Mode::Encrypt, &self.key, Some(iv)).map_err(failed)?;
                // Padding is added by the shared PKCS#7 code, identically on every backend.
                crypter.pad(false);
                let mut out = vec![0u8; padded.len() + 16];
                let n = crypter.update(padded, &mut out).map_err(failed)?;
                let m = crypter.finalize(&mut out[n..]).map_err(failed)?;
                out.truncate(n + m);
                Ok(out)
            }

            fn key_len(&self) -> usize {
                self.key.len()
            }
        }

        impl SignerFactory for RsaSignerFactory {
            fn prepare(&self, key: &RsaPrivateKey) -> Result<Box<dyn EnvelopeSigner>, Error> {
                let rsa = Rsa::private_key_from_der(key.pkcs1_der()).map_err(rejected(KeyRole::RsaPrivate))?;
                let pkey = PKey::from_rsa(rsa).map_err(rejected(KeyRole::RsaPrivate))?;
                Ok(Box::new(OpenSslSigner {
                    key: pkey,
                    public: key.public_key().clone(),
                }))
            }
        }

        impl EncryptorFactory for AesCbcFactory {
            fn prepare(&self, key: &ContentKey) -> Result<Box<dyn ContentEncryptor>, Error> {
                let cipher = match aes_len(key)? {
                    16 => Cipher::aes_128_cbc(),
                    24 => Cipher::aes_192_cbc(),
                    _ => Cipher::aes_256_cbc(),
                };
                Ok(Box::new(OpenSslEncryptor {
                    cipher,
                    key: Zeroizing::new(key.as_bytes().to_vec()),
                }))
            }
        }

        impl KeyGenerator for RsaKeyGenerator {
            fn generate_rsa_key(&self, bits: usize) -> Result<RsaPrivateKey, Error> {
                check_bits(bits)?;
                let failed = rejected(KeyRole::RsaPrivate);
                let der = Zeroizing::new(
                    Rsa::generate(bits as u32)
                        .map_err(&failed)?
                        .private_key_to_der()
                        .map_err(&failed)?,
                );
                RsaPrivateKey::from_der(&der)
            }
        }
    }
}
