//! Preparing keys on a provider, or refusing with a backend that can: above both the parts and
//! the catalogue of built-in backends, so that neither depends on the other.

use std::sync::Arc;

use phone_core::Error;

use crate::algorithms::ContentAlgorithm;
use crate::keys::{AlipayPublicKey, ContentKey, RsaPublicKey};
use crate::parts::{ContentCipher, SignatureVerifier};
use crate::provider::CryptoProvider;
use crate::refusals::{rsa_too_small, unsupported_encrypt, unsupported_sign};

impl CryptoProvider {
    /// Prepares an RSA Alipay public key.
    pub fn prepare_verifier(&self, key: &RsaPublicKey) -> Result<Arc<dyn SignatureVerifier>, Error> {
        self.prepare_public_key(&AlipayPublicKey::Rsa(key.clone()))
    }

    /// Prepares an Alipay public key of any algorithm, or says which backend can.
    ///
    /// ```
    /// use phone_crypto::{AlipayPublicKey, Backend};
    /// let key = AlipayPublicKey::parse(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/alipay_public_key.txt"))?)?;
    /// assert_eq!(Backend::default().crypto_provider().prepare_public_key(&key)?.bits(), 2048);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prepare_public_key(&self, key: &AlipayPublicKey) -> Result<Arc<dyn SignatureVerifier>, Error> {
        let algorithm = key.algorithm();
        let Some(part) = self.verifier_part(algorithm) else {
            return Err(unsupported_sign(self.name(), algorithm.sign_types()[0]));
        };
        if let AlipayPublicKey::Rsa(rsa) = key
            && rsa.bits() < part.min_bits
        {
            return Err(rsa_too_small(part.backend, part.min_bits, rsa.bits()));
        }
        part.factory.prepare(key)
    }

    /// Prepares an AES key for AES-CBC.
    pub fn prepare_cipher(&self, key: &ContentKey) -> Result<Arc<dyn ContentCipher>, Error> {
        self.prepare_content_key(ContentAlgorithm::AesCbc, key)
    }

    /// Prepares a content key for `algorithm`, or says which backend can.
    pub fn prepare_content_key(
        &self,
        algorithm: ContentAlgorithm,
        key: &ContentKey,
    ) -> Result<Arc<dyn ContentCipher>, Error> {
        match self.cipher(algorithm) {
            Some(f) => f.prepare(key),
            None => Err(unsupported_encrypt(self.name(), algorithm.encrypt_types()[0])),
        }
    }
}

#[cfg(feature = "alipay-side")]
mod alipay_side {
    use std::sync::Arc;

    use phone_core::{Error, KeyProblem, KeyRole, SignType};

    use crate::algorithms::ContentAlgorithm;
    use crate::alipay_side::{
        ContentEncryptor, EncryptorFactory, EncryptorPart, EnvelopeSigner, KeyGenerator, SignerPart,
    };
    use crate::keys::{ContentKey, RsaPrivateKey};
    use crate::provider::CryptoProvider;
    use crate::refusals::unsupported_encrypt;

    #[cfg_attr(docsrs, doc(cfg(feature = "alipay-side")))]
    impl CryptoProvider {
        /// Sets the signer part (feature `alipay-side`).
        pub fn with_signer_part(mut self, part: SignerPart) -> Self {
            self.alipay.signer = Some(part);
            self
        }

        /// Adds an encryptor part, replacing one of the same algorithm (feature `alipay-side`).
        pub fn with_encryptor_part(mut self, part: EncryptorPart) -> Self {
            self.alipay.encryptors.retain(|p| p.algorithm != part.algorithm);
            self.alipay.encryptors.push(part);
            self
        }

        /// Sets the key generator (feature `alipay-side`).
        pub fn with_key_generator(mut self, generator: Arc<dyn KeyGenerator>) -> Self {
            self.alipay.generator = Some(generator);
            self
        }

        /// The sign types [`CryptoProvider::prepare_signer`]'s signers produce.
        pub fn sign_types(&self) -> &'static [SignType] {
            self.alipay.signer.as_ref().map_or(&[], |s| s.sign_types)
        }

        /// Prepares an RSA private key to sign as Alipay does.
        pub fn prepare_signer(&self, key: &RsaPrivateKey) -> Result<Box<dyn EnvelopeSigner>, Error> {
            match &self.alipay.signer {
                Some(s) => s.factory.prepare(key),
                None => Err(Error::key(
                    KeyRole::RsaPrivate,
                    KeyProblem::Rejected(format!("the {} backend cannot sign", self.name())),
                )),
            }
        }

        /// Generates an RSA key pair. Backends that cannot (ring) say so with a `key_error`.
        pub fn generate_rsa_key(&self, bits: usize) -> Result<RsaPrivateKey, Error> {
            match &self.alipay.generator {
                Some(g) => g.generate_rsa_key(bits),
                None => Err(Error::key(
                    KeyRole::RsaPrivate,
                    KeyProblem::Rejected(format!(
                        "the {} backend cannot generate {bits}-bit RSA keys",
                        self.name()
                    )),
                )),
            }
        }

        /// Prepares a content key to encrypt as Alipay does, or says which backend can.
        pub fn prepare_encryptor(
            &self,
            algorithm: ContentAlgorithm,
            key: &ContentKey,
        ) -> Result<Box<dyn ContentEncryptor>, Error> {
            match self.encryptor(algorithm) {
                Some(f) => f.prepare(key),
                None => Err(unsupported_encrypt(self.name(), algorithm.encrypt_types()[0])),
            }
        }

        /// The encryptor factory for `algorithm`, if any.
        pub fn encryptor(&self, algorithm: ContentAlgorithm) -> Option<&dyn EncryptorFactory> {
            self.alipay
                .encryptors
                .iter()
                .find(|p| p.algorithm == algorithm)
                .map(|p| &*p.factory)
        }
    }
}
