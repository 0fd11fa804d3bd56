//! What a backend can do, as data: derived from the parts a provider holds, and described for
//! the built-in backends whether or not their feature is compiled in.

use phone_core::{EncryptType, SignType};

use crate::algorithms::{ContentAlgorithm, SignAlgorithm};

/// The sign types, in the SDK's order: the index of each in [`Capabilities`].
const SIGN_TYPES: [SignType; 3] = [SignType::Rsa, SignType::Rsa2, SignType::Sm2];

const fn sign_index(t: SignType) -> Option<usize> {
    match t {
        SignType::Rsa => Some(0),
        SignType::Rsa2 => Some(1),
        SignType::Sm2 => Some(2),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Which sign types a backend verifies, which content algorithms it decrypts, and the
/// smallest RSA key it verifies with.
///
/// Per sign type, not per key algorithm: a backend may verify `RSA2` and not `RSA` with the
/// same RSA key (graviola has no SHA-1).
///
/// ```
/// use phone_crypto::Backend;
/// use phone_core::{EncryptType, SignType};
/// let caps = Backend::default().crypto_provider().capabilities();
/// assert!(caps.verifies(SignType::Rsa2) && caps.decrypts(EncryptType::Aes));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Capabilities {
    verify: [bool; 3],
    decrypt: [bool; 2],
    min_rsa_bits: usize,
}

impl Capabilities {
    /// Capabilities from the sign types and content algorithms listed, RSA keys from
    /// `min_rsa_bits` up (to the SDK's 4096).
    pub const fn new(verify: &[SignType], decrypt: &[ContentAlgorithm], min_rsa_bits: usize) -> Self {
        let mut c = Self {
            verify: [false; 3],
            decrypt: [false; 2],
            min_rsa_bits,
        };
        let mut i = 0;
        while i < verify.len() {
            if let Some(at) = sign_index(verify[i]) {
                c.verify[at] = true;
            }
            i += 1;
        }
        let mut i = 0;
        while i < decrypt.len() {
            c.decrypt[decrypt[i] as usize] = true;
            i += 1;
        }
        c
    }

    /// Whether keys of `algorithm` can be prepared (for at least one of its sign types).
    pub fn verifies_algorithm(&self, algorithm: SignAlgorithm) -> bool {
        algorithm.sign_types().iter().any(|t| self.verifies(*t))
    }

    /// Whether content keys for `algorithm` can be prepared.
    pub fn decrypts_algorithm(&self, algorithm: ContentAlgorithm) -> bool {
        self.decrypt[algorithm.index()]
    }

    /// Whether envelopes of `sign_type` can be verified.
    pub fn verifies(&self, sign_type: SignType) -> bool {
        sign_index(sign_type).is_some_and(|i| self.verify[i])
    }

    /// Whether content of `encrypt_type` can be decrypted.
    pub fn decrypts(&self, encrypt_type: EncryptType) -> bool {
        ContentAlgorithm::for_encrypt_type(encrypt_type).is_some_and(|a| self.decrypts_algorithm(a))
    }

    /// Whether an RSA key of `bits` can be prepared (the SDK's own bound, 1024 to 4096, is
    /// checked when the key is parsed).
    pub fn verifies_rsa_bits(&self, bits: usize) -> bool {
        self.verifies_algorithm(SignAlgorithm::Rsa) && bits >= self.min_rsa_bits
    }

    /// The smallest RSA key verified, in bits.
    pub fn min_rsa_bits(&self) -> usize {
        self.min_rsa_bits
    }

    /// The sign types verified, in the SDK's order.
    pub fn sign_types(&self) -> Vec<SignType> {
        SIGN_TYPES.into_iter().filter(|t| self.verifies(*t)).collect()
    }

    /// The encrypt types decrypted, in the SDK's order.
    pub fn encrypt_types(&self) -> Vec<EncryptType> {
        ContentAlgorithm::ALL
            .into_iter()
            .filter(|a| self.decrypts_algorithm(*a))
            .flat_map(|a| a.encrypt_types().iter().copied())
            .collect()
    }
}

/// One of the SDK's own backends, described whether or not its feature is compiled in: how a
/// refusal names a backend that can, and what the README's table and `--help` show. Each is
/// written by the same `parts!` list in its backend's file that assembles its provider, so
/// the two cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackendInfo {
    /// The backend's name (`--backend` value).
    pub name: &'static str,
    /// The Cargo feature that brings it.
    pub feature: &'static str,
    /// What it verifies and decrypts.
    pub capabilities: Capabilities,
    /// The sign types its Alipay-side signer produces (feature `alipay-side`).
    pub signs: &'static [SignType],
    /// Which library does what.
    pub libraries: &'static str,
}
