//! The `aws-lc-rs` backend: AWS-LC for RSA (prepared `ParsedPublicKey`s, so verification does
//! no per-call key setup) and for AES-CBC (native, key schedule expanded once).

use aws_lc_rs::cipher::{
    AES_128, AES_192, AES_256, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext, UnboundCipherKey,
};
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::signature::{self, ParsedPublicKey, RsaKeyPair};
use phone_core::{Error, KeyProblem, SignType};
use zeroize::Zeroizing;

use crate::backend::{ContentCipher, CryptoBackend, EnvelopeSigner, SignatureVerifier, check_bits, unsupported_sign};
use crate::keys::{AesKey, RsaPrivateKeyDer, RsaPublicKeyDer};

/// The aws-lc-rs backend (feature `aws-lc-rs`).
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsLcBackend;

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
            other => return Err(unsupported_sign("aws-lc-rs", other)),
        };
        key.verify_sig(message, sig).map_err(|_| Error::BadSignature)
    }

    fn bits(&self) -> usize {
        self.bits
    }
}

struct AwsLcCipher {
    decrypt: DecryptingKey,
    encrypt: EncryptingKey,
    len: usize,
}

impl std::fmt::Debug for AwsLcCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AwsLcCipher(AES-{}, redacted)", self.len * 8)
    }
}

impl ContentCipher for AwsLcCipher {
    fn cbc_decrypt_raw(&self, iv: &[u8; 16], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut buf = Zeroizing::new(ciphertext.to_vec());
        self.decrypt
            .decrypt(&mut buf, DecryptionContext::Iv128(FixedLength::from(iv)))
            .map_err(|_| Error::DecryptFailed("AWS-LC could not run AES-CBC"))?;
        Ok(buf)
    }

    fn cbc_encrypt_raw(&self, iv: &[u8; 16], padded: &[u8]) -> Result<Vec<u8>, Error> {
        let mut buf = padded.to_vec();
        self.encrypt
            .less_safe_encrypt(&mut buf, EncryptionContext::Iv128(FixedLength::from(iv)))
            .map_err(|_| Error::DecryptFailed("AWS-LC could not run AES-CBC"))?;
        Ok(buf)
    }

    fn key_len(&self) -> usize {
        self.len
    }
}

struct AwsLcSigner {
    pair: RsaKeyPair,
    public: RsaPublicKeyDer,
}

impl std::fmt::Debug for AwsLcSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AwsLcSigner(RSA-{}, redacted)", self.public.bits())
    }
}

impl EnvelopeSigner for AwsLcSigner {
    fn sign(&self, sign_type: SignType, message: &[u8]) -> Result<Vec<u8>, Error> {
        if sign_type != SignType::Rsa2 {
            return Err(unsupported_sign("aws-lc-rs", sign_type));
        }
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                message,
                &mut sig,
            )
            .map_err(|_| {
                Error::key(
                    phone_core::KeyRole::RsaPrivate,
                    KeyProblem::Rejected("aws-lc-rs could not sign".into()),
                )
            })?;
        Ok(sig)
    }

    fn public_key(&self) -> &RsaPublicKeyDer {
        &self.public
    }
}

fn rejected(role: phone_core::KeyRole, why: impl std::fmt::Display) -> Error {
    Error::key(role, KeyProblem::Rejected(format!("aws-lc-rs: {why}")))
}

impl CryptoBackend for AwsLcBackend {
    fn name(&self) -> &'static str {
        "aws-lc-rs"
    }

    fn prepare_verifier(&self, key: &RsaPublicKeyDer) -> Result<Box<dyn SignatureVerifier>, Error> {
        let der = key.pkcs1_der();
        let sha1 = ParsedPublicKey::new(&signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY, der)
            .map_err(|e| rejected(phone_core::KeyRole::AlipayPublic, e))?;
        let sha256 = ParsedPublicKey::new(&signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, der)
            .map_err(|e| rejected(phone_core::KeyRole::AlipayPublic, e))?;
        Ok(Box::new(AwsLcVerifier {
            sha1,
            sha256,
            bits: key.bits(),
        }))
    }

    fn prepare_cipher(&self, key: &AesKey) -> Result<Box<dyn ContentCipher>, Error> {
        let alg = match key.len() {
            16 => &AES_128,
            24 => &AES_192,
            32 => &AES_256,
            len => {
                return Err(Error::key(phone_core::KeyRole::Aes, KeyProblem::AesKeyLength { len }));
            }
        };
        let unbound = || UnboundCipherKey::new(alg, key.as_bytes()).map_err(|e| rejected(phone_core::KeyRole::Aes, e));
        let decrypt = DecryptingKey::cbc(unbound()?).map_err(|e| rejected(phone_core::KeyRole::Aes, e))?;
        let encrypt = EncryptingKey::cbc(unbound()?).map_err(|e| rejected(phone_core::KeyRole::Aes, e))?;
        Ok(Box::new(AwsLcCipher {
            decrypt,
            encrypt,
            len: key.len(),
        }))
    }

    fn prepare_signer(&self, key: &RsaPrivateKeyDer) -> Result<Box<dyn EnvelopeSigner>, Error> {
        let pair = RsaKeyPair::from_der(key.pkcs1_der()).map_err(|e| {
            rejected(
                phone_core::KeyRole::RsaPrivate,
                format!("{e} (aws-lc-rs signs with 2048-bit keys and up)"),
            )
        })?;
        Ok(Box::new(AwsLcSigner {
            pair,
            public: key.public_key().clone(),
        }))
    }

    fn generate_rsa_key(&self, bits: usize) -> Result<RsaPrivateKeyDer, Error> {
        use aws_lc_rs::encoding::AsDer;
        check_bits(bits)?;
        let size = match bits {
            2048 => aws_lc_rs::rsa::KeySize::Rsa2048,
            3072 => aws_lc_rs::rsa::KeySize::Rsa3072,
            4096 => aws_lc_rs::rsa::KeySize::Rsa4096,
            other => {
                return Err(rejected(
                    phone_core::KeyRole::RsaPrivate,
                    format!("generates 2048, 3072 or 4096-bit keys, not {other}"),
                ));
            }
        };
        let pair = RsaKeyPair::generate(size).map_err(|e| rejected(phone_core::KeyRole::RsaPrivate, e))?;
        let der = pair
            .as_der()
            .map_err(|e| rejected(phone_core::KeyRole::RsaPrivate, e))?;
        RsaPrivateKeyDer::from_der(der.as_ref())
    }

    fn sign_sign_types(&self) -> &'static [SignType] {
        &[SignType::Rsa2]
    }
}
