//! Key material as users paste it, normalised once into DER that every backend prepares from.
//!
//! Accepted for the Alipay public key: the console's one-line base64 SPKI, PEM
//! (`BEGIN PUBLIC KEY`), PKCS#1 (`BEGIN RSA PUBLIC KEY`, or its bare base64/DER) and X.509
//! certificates (PEM or DER; the first certificate of a chain). Line breaks, stray spaces and
//! literal `\n` escapes (from JSON or env files) are tolerated in key text; envelope base64 is
//! checked strictly elsewhere.
//!
//! One file per job: `text` turns pasted text into DER, then one file per key type.

use phone_core::{Error, KeyProblem, KeyRole};
use spki::ObjectIdentifier;

mod content;
mod rsa_private;
mod rsa_public;
mod sm2_public;
mod text;

pub use content::ContentKey;
pub use rsa_private::RsaPrivateKey;
pub use rsa_public::{KeyFormat, RSA_BITS, RsaPublicKey};
pub use sm2_public::Sm2PublicKey;

/// Renamed [`RsaPublicKey`]: it holds the modulus, exponent and pasted format, not only DER.
#[deprecated(since = "0.3.0", note = "renamed `RsaPublicKey`")]
pub type RsaPublicKeyDer = RsaPublicKey;
/// Renamed [`RsaPrivateKey`], like [`RsaPublicKey`].
#[deprecated(since = "0.3.0", note = "renamed `RsaPrivateKey`")]
pub type RsaPrivateKeyDer = RsaPrivateKey;
/// Renamed [`Sm2PublicKey`], like [`RsaPublicKey`].
#[deprecated(since = "0.3.0", note = "renamed `Sm2PublicKey`")]
pub type Sm2PublicKeyDer = Sm2PublicKey;
/// Renamed [`ContentKey`]: the content key serves AES and SM4.
#[deprecated(since = "0.3.0", note = "renamed `ContentKey`: it serves AES and SM4")]
pub type AesKey = ContentKey;
pub(crate) use text::find_pem;

/// id-ecPublicKey: what an EC or SM2 key pasted where the RSA key belongs carries.
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// The SM2 curve (sm2p256v1), as EC parameters or as the key algorithm itself.
const OID_SM2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");

const ROLE_PUBLIC: KeyRole = KeyRole::AlipayPublic;
const ROLE_PRIVATE: KeyRole = KeyRole::RsaPrivate;
const ROLE_AES: KeyRole = KeyRole::Aes;

fn key_error(role: KeyRole, problem: KeyProblem) -> Error {
    Error::key(role, problem)
}

/// An Alipay public key of either kind Alipay issues: RSA (RSA/RSA2 sign types) or SM2.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AlipayPublicKey {
    /// For `RSA` and `RSA2`.
    Rsa(RsaPublicKey),
    /// For `SM2`.
    Sm2(Sm2PublicKey),
}

impl AlipayPublicKey {
    /// Parses key text in any accepted format, RSA first; a non-RSA key is tried as SM2, and if
    /// it is neither, the RSA parser's targeted error is returned.
    ///
    /// ```
    /// let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys/sm2_public.pem"))?;
    /// assert!(matches!(phone_crypto::AlipayPublicKey::parse(&text)?, phone_crypto::AlipayPublicKey::Sm2(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, Error> {
        match RsaPublicKey::parse(text) {
            Ok(k) => Ok(Self::Rsa(k)),
            Err(
                e @ Error::KeyError {
                    problem: KeyProblem::WrongAlgorithm(_),
                    ..
                },
            ) => Sm2PublicKey::parse(text).map(Self::Sm2).map_err(|_| e),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod testing {
    use std::fmt;

    use phone_core::{Error, KeyProblem};

    pub(super) fn demo(name: &str) -> String {
        std::fs::read_to_string(format!("{}/tests/data/demo/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    pub(super) fn test_key(name: &str) -> String {
        std::fs::read_to_string(format!("{}/tests/keys/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    pub(super) fn problem<T: fmt::Debug>(r: Result<T, Error>) -> KeyProblem {
        match r {
            Err(Error::KeyError { problem, .. }) => problem,
            other => panic!("not a key error: {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{demo, test_key};
    use super::*;

    #[test]
    fn debug_shows_the_kind_of_key_and_never_its_bytes() {
        let private = RsaPrivateKey::parse(&demo("alipay_private_key.pem")).unwrap();
        assert_eq!(format!("{private:?}"), "RsaPrivateKey(RSA-2048, redacted)");
        let public = RsaPublicKey::parse(&demo("alipay_public_key.pem")).unwrap();
        assert_eq!(format!("{public:?}"), "RsaPublicKey(RSA-2048, Spki)");
        let sm2 = Sm2PublicKey::parse(&test_key("sm2_public.pem")).unwrap();
        assert_eq!(format!("{sm2:?}"), "Sm2PublicKey(sm2p256v1)");
    }
}
