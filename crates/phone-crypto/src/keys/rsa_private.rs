//! The RSA private key: Alipay's side only (tools and tests that build envelopes).

use std::fmt;

use der::asn1::OctetStringRef;
use der::pem::{LineEnding, PemLabel};
use der::{Decode, Encode, SecretDocument};
use phone_core::{Error, KeyProblem};
use zeroize::Zeroizing;

use super::text::decode_text;
use super::{ROLE_PRIVATE, RsaPublicKey, key_error};

/// An RSA private key (Alipay's side: building envelopes for tests and tools), as PKCS#1 DER.
/// Zeroized on drop; `Debug` shows only its size.
#[derive(Clone)]
pub struct RsaPrivateKey {
    pkcs1: Zeroizing<Vec<u8>>,
    public: RsaPublicKey,
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaPrivateKey(RSA-{}, redacted)", self.public.bits())
    }
}

impl RsaPrivateKey {
    /// Parses PKCS#8 or PKCS#1 private key text (PEM or base64).
    ///
    /// ```
    /// use phone_crypto::RsaPrivateKey;
    /// let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/alipay_private_key.pem"))?;
    /// let key = RsaPrivateKey::parse(&pem)?;
    /// assert_eq!(key.public_key().bits(), 2048);
    /// assert!(!format!("{key:?}").contains("MII"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, Error> {
        let (label, der) = decode_text(text, ROLE_PRIVATE)?;
        match label.as_deref() {
            Some("PRIVATE KEY" | "RSA PRIVATE KEY") | None => Self::from_der(&der),
            Some("ENCRYPTED PRIVATE KEY") => Err(key_error(
                ROLE_PRIVATE,
                KeyProblem::Unparsable("an encrypted private key; decrypt it first (openssl pkcs8)".into()),
            )),
            Some(l) if l.contains("PUBLIC KEY") || l.contains("CERTIFICATE") => {
                Err(key_error(ROLE_PRIVATE, KeyProblem::PublicKeyAsPrivate))
            }
            Some(other) => Err(key_error(
                ROLE_PRIVATE,
                KeyProblem::Unparsable(format!("a PEM block of type {other:?}")),
            )),
        }
    }

    /// Parses PKCS#8 or PKCS#1 DER.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        if let Ok(info) = pkcs8::PrivateKeyInfoRef::from_der(der) {
            if info.algorithm.oid != pkcs1::ALGORITHM_OID {
                return Err(key_error(
                    ROLE_PRIVATE,
                    KeyProblem::WrongAlgorithm("not an RSA private key".into()),
                ));
            }
            return Self::from_pkcs1_der(info.private_key.as_bytes());
        }
        if pkcs1::RsaPrivateKeyRef::from_der(der).is_ok() {
            return Self::from_pkcs1_der(der);
        }
        if RsaPublicKey::from_der(der).is_ok() {
            return Err(key_error(ROLE_PRIVATE, KeyProblem::PublicKeyAsPrivate));
        }
        Err(key_error(
            ROLE_PRIVATE,
            KeyProblem::Unparsable("not a PKCS#8 or PKCS#1 private key".into()),
        ))
    }

    fn from_pkcs1_der(der: &[u8]) -> Result<Self, Error> {
        let key = pkcs1::RsaPrivateKeyRef::from_der(der).map_err(|_| {
            key_error(
                ROLE_PRIVATE,
                KeyProblem::Unparsable("not a PKCS#1 RSAPrivateKey".into()),
            )
        })?;
        let public_der = pkcs1::RsaPublicKeyRef {
            modulus: key.modulus,
            public_exponent: key.public_exponent,
        }
        .to_der()
        .map_err(|_| {
            key_error(
                ROLE_PRIVATE,
                KeyProblem::Unparsable("the public part is unreadable".into()),
            )
        })?;
        let public = RsaPublicKey::from_pkcs1_der(&public_der).map_err(|e| match e {
            Error::KeyError { problem, .. } => key_error(ROLE_PRIVATE, problem),
            other => other,
        })?;
        Ok(Self {
            pkcs1: Zeroizing::new(der.to_vec()),
            public,
        })
    }

    /// PKCS#1 `RSAPrivateKey` DER.
    pub fn pkcs1_der(&self) -> &[u8] {
        &self.pkcs1
    }

    /// PKCS#8 `PrivateKeyInfo` DER (what `BEGIN PRIVATE KEY` holds).
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        // See `pkcs8` for why this cannot fail.
        self.pkcs8().map(|doc| doc.to_bytes()).unwrap_or_default()
    }

    /// PKCS#8 PEM (`BEGIN PRIVATE KEY`), the format the Alipay key tool writes.
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        // See `pkcs8` for why this cannot fail.
        self.pkcs8()
            .and_then(|doc| doc.to_pem(pkcs8::PrivateKeyInfoRef::PEM_LABEL, LineEnding::LF))
            .unwrap_or_default()
    }

    /// The key as a PKCS#8 (v1) document, zeroized on drop. Encoding it cannot fail, for the
    /// reasons given at `RsaPublicKey::spki`; so the infallible `to_pkcs8_*` methods fall back
    /// to empty output rather than panic.
    fn pkcs8(&self) -> der::Result<SecretDocument> {
        SecretDocument::encode_msg(&pkcs8::PrivateKeyInfoRef::new(
            pkcs1::ALGORITHM_ID,
            OctetStringRef::new(&self.pkcs1)?,
        ))
    }

    /// The matching public key.
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::testing::{demo, problem};

    #[test]
    fn encodings_reproduce_the_files_openssl_wrote() {
        let private_pem = demo("alipay_private_key.pem");
        let private = RsaPrivateKey::parse(&private_pem).unwrap();
        assert_eq!(*private.to_pkcs8_pem(), private_pem);
        let pkcs8_der = private.to_pkcs8_der();
        let info = pkcs8::PrivateKeyInfoRef::from_der(&pkcs8_der).unwrap();
        assert_eq!(info.algorithm, pkcs1::ALGORITHM_ID);
        assert_eq!(info.private_key.as_bytes(), private.pkcs1_der());

        let public_pem = demo("alipay_public_key.pem");
        let public = RsaPublicKey::parse(&public_pem).unwrap();
        assert_eq!(public.to_spki_pem(), public_pem);
        assert_eq!(public.pkcs1_der(), private.public_key().pkcs1_der());
        let der = public.to_spki_der();
        assert_eq!(
            RsaPublicKey::from_spki_der(&der).unwrap().pkcs1_der(),
            public.pkcs1_der()
        );
    }

    #[test]
    fn a_private_key_slot_names_what_it_was_given() {
        let block = |label: &str| format!("-----BEGIN {label}-----\nQUJD\n-----END {label}-----\n");
        for label in ["PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE"] {
            assert!(
                matches!(
                    problem(RsaPrivateKey::parse(&block(label))),
                    KeyProblem::PublicKeyAsPrivate
                ),
                "{label}"
            );
        }
        for label in ["EC PARAMETERS", "X509 CRL"] {
            let p = problem(RsaPrivateKey::parse(&block(label)));
            assert!(
                matches!(&p, KeyProblem::Unparsable(w) if w == &format!("a PEM block of type {label:?}")),
                "{label}: {p:?}"
            );
        }
    }
}
