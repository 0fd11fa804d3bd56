//! The `openssl` backend: the system OpenSSL (3.x) through the `openssl` crate.
//!
//! Keys are loaded once into `PKey` objects; OpenSSL re-parsing a key per call would cost
//! several times the verification itself.

use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::Rsa;
use openssl::sign::{Signer, Verifier};
use openssl::symm::{Cipher, Crypter, Mode};
use phone_core::{Error, KeyProblem, SignType};
use zeroize::Zeroizing;

use crate::backend::{ContentCipher, CryptoBackend, EnvelopeSigner, SignatureVerifier, check_bits, unsupported_sign};
use crate::keys::{AesKey, RsaPrivateKeyDer, RsaPublicKeyDer};

/// The OpenSSL backend (feature `openssl`).
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenSslBackend;

fn digest(backend_sign_type: SignType) -> Result<MessageDigest, Error> {
    match backend_sign_type {
        SignType::Rsa => Ok(MessageDigest::sha1()),
        SignType::Rsa2 => Ok(MessageDigest::sha256()),
        other => Err(unsupported_sign("openssl", other)),
    }
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

struct OpenSslCipher {
    cipher: Cipher,
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
    fn run(&self, mode: Mode, iv: &[u8; 16], input: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let failed = || Error::DecryptFailed("OpenSSL could not run AES-CBC");
        let mut crypter = Crypter::new(self.cipher, mode, &self.key, Some(iv)).map_err(|_| failed())?;
        // Padding is checked by the shared strict PKCS#7 code, identically on every backend.
        crypter.pad(false);
        let mut out = Zeroizing::new(vec![0u8; input.len() + 16]);
        let n = crypter.update(input, &mut out).map_err(|_| failed())?;
        let m = crypter.finalize(&mut out[n..]).map_err(|_| failed())?;
        out.truncate(n + m);
        Ok(out)
    }
}

impl OpenSslCipher {
    fn decrypt_pooled(&self, iv: &[u8; 16], input: &[u8]) -> Result<Zeroizing<Vec<u8>>, openssl::error::ErrorStack> {
        let pooled = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut ctx = match pooled {
            Some(ctx) => ctx,
            None => {
                let mut ctx = openssl::cipher_ctx::CipherCtx::new()?;
                ctx.decrypt_init(Some(self.evp), Some(&self.key), None)?;
                ctx.set_padding(false);
                ctx
            }
        };
        // Only the IV changes: the key schedule is reused.
        ctx.decrypt_init(None, None, Some(iv))?;
        let mut out = Zeroizing::new(vec![0u8; input.len() + 16]);
        let n = ctx.cipher_update(input, Some(&mut out))?;
        let m = ctx.cipher_final(&mut out[n..])?;
        out.truncate(n + m);
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < 64 {
            pool.push(ctx);
        }
        Ok(out)
    }
}

impl ContentCipher for OpenSslCipher {
    fn cbc_decrypt_raw(&self, iv: &[u8; 16], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.decrypt_pooled(iv, ciphertext)
            .map_err(|_| Error::DecryptFailed("OpenSSL could not run AES-CBC"))
    }

    fn cbc_encrypt_raw(&self, iv: &[u8; 16], padded: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(self.run(Mode::Encrypt, iv, padded)?.to_vec())
    }

    fn key_len(&self) -> usize {
        self.key.len()
    }
}

struct OpenSslSigner {
    key: PKey<Private>,
    public: RsaPublicKeyDer,
}

impl std::fmt::Debug for OpenSslSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OpenSslSigner(RSA-{}, redacted)", self.public.bits())
    }
}

impl EnvelopeSigner for OpenSslSigner {
    fn sign(&self, sign_type: SignType, message: &[u8]) -> Result<Vec<u8>, Error> {
        let md = digest(sign_type)?;
        let rejected = |e: openssl::error::ErrorStack| {
            Error::key(
                phone_core::KeyRole::RsaPrivate,
                KeyProblem::Rejected(format!("openssl: {e}")),
            )
        };
        let mut signer = Signer::new(md, &self.key).map_err(rejected)?;
        signer.sign_oneshot_to_vec(message).map_err(rejected)
    }

    fn public_key(&self) -> &RsaPublicKeyDer {
        &self.public
    }
}

impl CryptoBackend for OpenSslBackend {
    fn name(&self) -> &'static str {
        "openssl"
    }

    fn prepare_verifier(&self, key: &RsaPublicKeyDer) -> Result<Box<dyn SignatureVerifier>, Error> {
        let rejected = |e: openssl::error::ErrorStack| {
            Error::key(
                phone_core::KeyRole::AlipayPublic,
                KeyProblem::Rejected(format!("openssl: {e}")),
            )
        };
        let rsa = Rsa::public_key_from_der_pkcs1(key.pkcs1_der()).map_err(rejected)?;
        let key_obj = PKey::from_rsa(rsa).map_err(rejected)?;
        Ok(Box::new(OpenSslVerifier {
            key: key_obj,
            bits: key.bits(),
        }))
    }

    fn prepare_cipher(&self, key: &AesKey) -> Result<Box<dyn ContentCipher>, Error> {
        use openssl::cipher::Cipher as Evp;
        let (cipher, evp) = match key.len() {
            16 => (Cipher::aes_128_cbc(), Evp::aes_128_cbc()),
            24 => (Cipher::aes_192_cbc(), Evp::aes_192_cbc()),
            32 => (Cipher::aes_256_cbc(), Evp::aes_256_cbc()),
            len => {
                return Err(Error::key(phone_core::KeyRole::Aes, KeyProblem::AesKeyLength { len }));
            }
        };
        Ok(Box::new(OpenSslCipher {
            cipher,
            evp,
            key: Zeroizing::new(key.as_bytes().to_vec()),
            pool: Default::default(),
        }))
    }

    fn generate_rsa_key(&self, bits: usize) -> Result<RsaPrivateKeyDer, Error> {
        check_bits(bits)?;
        let failed = |e: openssl::error::ErrorStack| {
            Error::key(
                phone_core::KeyRole::RsaPrivate,
                KeyProblem::Rejected(format!("openssl: {e}")),
            )
        };
        let der = Zeroizing::new(
            Rsa::generate(bits as u32)
                .map_err(failed)?
                .private_key_to_der()
                .map_err(failed)?,
        );
        RsaPrivateKeyDer::from_der(&der)
    }

    fn prepare_signer(&self, key: &RsaPrivateKeyDer) -> Result<Box<dyn EnvelopeSigner>, Error> {
        let rejected = |e: openssl::error::ErrorStack| {
            Error::key(
                phone_core::KeyRole::RsaPrivate,
                KeyProblem::Rejected(format!("openssl: {e}")),
            )
        };
        let rsa = Rsa::private_key_from_der(key.pkcs1_der()).map_err(rejected)?;
        let pkey = PKey::from_rsa(rsa).map_err(rejected)?;
        Ok(Box::new(OpenSslSigner {
            key: pkey,
            public: key.public_key().clone(),
        }))
    }
}
