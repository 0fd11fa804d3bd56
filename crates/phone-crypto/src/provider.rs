//! A crypto provider: a value made of algorithm-bound parts, in the manner of rustls'
//! `CryptoProvider`. What it can do is which parts it holds.

use std::fmt;
use std::sync::Arc;

use phone_core::SignType;

use crate::algorithms::{ContentAlgorithm, SignAlgorithm};
use crate::capabilities::Capabilities;
use crate::parts::{CipherFactory, VerifierFactory};

/// A verifier factory bound to its algorithm, the sign types it verifies and the smallest RSA
/// key it takes.
///
/// ```
/// use phone_crypto::{Backend, SignAlgorithm};
/// let provider = Backend::default().crypto_provider();
/// let rsa = provider.verifier_part(SignAlgorithm::Rsa).unwrap();
/// assert_eq!(rsa.algorithm, SignAlgorithm::Rsa);
/// assert!(rsa.sign_types.contains(&phone_core::SignType::Rsa2));
/// ```
#[derive(Clone, Debug)]
pub struct VerifierPart {
    /// The key algorithm the factory prepares.
    pub algorithm: SignAlgorithm,
    /// The sign types its verifiers verify (a subset of `algorithm.sign_types()`).
    pub sign_types: &'static [SignType],
    /// The smallest key it prepares, in bits (RSA; ignored for SM2).
    pub min_bits: usize,
    /// The backend the part comes from, named in refusals.
    pub backend: &'static str,
    /// The factory.
    pub factory: Arc<dyn VerifierFactory>,
}

/// A cipher factory bound to its content algorithm.
#[derive(Clone, Debug)]
pub struct CipherPart {
    /// The content algorithm the factory prepares keys for.
    pub algorithm: ContentAlgorithm,
    /// The backend the part comes from.
    pub backend: &'static str,
    /// The factory.
    pub factory: Arc<dyn CipherFactory>,
}

/// What verifies and decrypts: a name and a set of parts, at most one per algorithm.
///
/// [`Backend::crypto_provider`](crate::Backend::crypto_provider) gives each built-in backend's;
/// a provider of your own is assembled from parts, your own or taken from a built-in one:
///
/// ```
/// # #[cfg(all(feature = "aws-lc-rs", feature = "rustcrypto"))] {
/// use phone_crypto::{Backend, ContentAlgorithm, CryptoProvider};
/// use phone_core::EncryptType;
/// // AWS-LC's RSA and AES-CBC, RustCrypto's SM4-GCM.
/// let sm4 = Backend::RustCrypto.crypto_provider().cipher_part(ContentAlgorithm::Sm4Gcm).unwrap().clone();
/// let mixed = CryptoProvider::clone(&Backend::AwsLc.crypto_provider())
///     .with_cipher_part(sm4)
///     .named("aws-lc-rs+sm4");
/// assert!(mixed.capabilities().decrypts(EncryptType::Sm4));
/// # }
/// ```
///
/// Held as `Arc<CryptoProvider>` by a [`KeyPool`](crate::KeyPool) and every [`AppKeys`](crate::AppKeys)
/// prepared through it.
#[derive(Clone)]
pub struct CryptoProvider {
    name: &'static str,
    verifiers: Vec<VerifierPart>,
    ciphers: Vec<CipherPart>,
    /// Derived from the parts whenever they change: every `AppKeys` built reads it.
    capabilities: Capabilities,
    #[cfg(feature = "alipay-side")]
    pub(crate) alipay: crate::alipay_side::AlipayParts,
}

impl fmt::Debug for CryptoProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let caps = self.capabilities();
        f.debug_struct("CryptoProvider")
            .field("name", &self.name)
            .field("verifies", &caps.sign_types())
            .field("decrypts", &caps.encrypt_types())
            .finish()
    }
}

impl CryptoProvider {
    /// A provider without parts: it verifies and decrypts nothing until parts are added.
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            verifiers: Vec::new(),
            ciphers: Vec::new(),
            capabilities: Capabilities::new(&[], &[], 0),
            #[cfg(feature = "alipay-side")]
            alipay: Default::default(),
        }
    }

    /// The same parts under another name (what logs and refusals call it).
    pub fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    /// Adds a verifier part, replacing one of the same algorithm.
    pub fn with_verifier_part(mut self, part: VerifierPart) -> Self {
        self.verifiers.retain(|p| p.algorithm != part.algorithm);
        self.verifiers.push(part);
        self.derive_capabilities()
    }

    /// Adds a cipher part, replacing one of the same algorithm.
    pub fn with_cipher_part(mut self, part: CipherPart) -> Self {
        self.ciphers.retain(|p| p.algorithm != part.algorithm);
        self.ciphers.push(part);
        self.derive_capabilities()
    }

    /// The provider's name (`ring`, `openssl`, ... for the built-in ones).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The verifier part for `algorithm`, if any.
    pub fn verifier_part(&self, algorithm: SignAlgorithm) -> Option<&VerifierPart> {
        self.verifiers.iter().find(|p| p.algorithm == algorithm)
    }

    /// The cipher part for `algorithm`, if any.
    pub fn cipher_part(&self, algorithm: ContentAlgorithm) -> Option<&CipherPart> {
        self.ciphers.iter().find(|p| p.algorithm == algorithm)
    }

    /// The factory preparing Alipay public keys of `algorithm`, if this provider verifies it.
    pub fn verifier(&self, algorithm: SignAlgorithm) -> Option<&dyn VerifierFactory> {
        self.verifier_part(algorithm).map(|p| &*p.factory)
    }

    /// The factory preparing content keys for `algorithm`, if this provider decrypts it.
    pub fn cipher(&self, algorithm: ContentAlgorithm) -> Option<&dyn CipherFactory> {
        self.cipher_part(algorithm).map(|p| &*p.factory)
    }

    /// Every verifier part.
    pub fn verifier_parts(&self) -> &[VerifierPart] {
        &self.verifiers
    }

    /// Every cipher part.
    pub fn cipher_parts(&self) -> &[CipherPart] {
        &self.ciphers
    }

    /// What this provider verifies and decrypts: derived from its parts.
    pub fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    fn derive_capabilities(mut self) -> Self {
        let verify: Vec<SignType> = self
            .verifiers
            .iter()
            .flat_map(|p| p.sign_types.iter().copied())
            .collect();
        let decrypt: Vec<ContentAlgorithm> = self.ciphers.iter().map(|p| p.algorithm).collect();
        let min_rsa_bits = self.verifier_part(SignAlgorithm::Rsa).map_or(0, |p| p.min_bits);
        self.capabilities = Capabilities::new(&verify, &decrypt, min_rsa_bits);
        self
    }
}
