//! The RSA public key (the `RSA` and `RSA2` sign types): SPKI, PKCS#1 or a certificate,
//! checked once so that every backend prepares the same key.

use std::fmt;

use base64::Engine as _;
use der::asn1::BitStringRef;
use der::pem::LineEnding;
use der::referenced::OwnedToRef;
use der::{Decode, Encode, EncodePem};
use phone_core::{Error, KeyProblem};
use spki::SubjectPublicKeyInfoRef;

use super::text::{decode_text, is_private_label, looks_like_private_der};
use super::{OID_EC, ROLE_PUBLIC, key_error};

/// The RSA modulus sizes this SDK accepts, on every backend alike.
pub const RSA_BITS: std::ops::RangeInclusive<usize> = 1024..=4096;

/// The format a public key arrived in (what `doctor` reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyFormat {
    /// X.509 SubjectPublicKeyInfo (the console's base64, or `BEGIN PUBLIC KEY`).
    Spki,
    /// PKCS#1 `RSAPublicKey` / `RSAPrivateKey`.
    Pkcs1,
    /// PKCS#8 `PrivateKeyInfo`.
    Pkcs8,
    /// An X.509 certificate (public-key certificate mode).
    Certificate,
}

/// An RSA public key, parsed and checked once: its PKCS#1 DER plus modulus and exponent.
///
/// ```
/// use phone_crypto::RsaPublicKey;
/// let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/alipay_public_key.txt"))?;
/// let key = RsaPublicKey::parse(&text)?;
/// assert_eq!(key.bits(), 2048);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    pkcs1: Vec<u8>,
    modulus: Vec<u8>,
    exponent: Vec<u8>,
    bits: usize,
    format: KeyFormat,
    pem: bool,
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Public, but still configuration: show what it is, not its bytes.
        write!(f, "RsaPublicKey(RSA-{}, {:?})", self.bits, self.format)
    }
}

fn bit_len(bytes: &[u8]) -> usize {
    match bytes.iter().position(|&b| b != 0) {
        Some(i) => (bytes.len() - i - 1) * 8 + (8 - bytes[i].leading_zeros() as usize),
        None => 0,
    }
}

fn strip_zeros(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

impl RsaPublicKey {
    /// Parses public key text in any accepted format.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let (label, der) = decode_text(text, ROLE_PUBLIC)?;
        let mut key = match label.as_deref() {
            Some(l) if is_private_label(l) => return Err(key_error(ROLE_PUBLIC, KeyProblem::PrivateKeyAsPublic)),
            Some("PUBLIC KEY") => Self::from_spki_der(&der)?,
            Some("RSA PUBLIC KEY") => Self::from_pkcs1_der(&der)?,
            Some("CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE") => Self::from_certificate_der(&der)?,
            Some(other) => {
                return Err(key_error(
                    ROLE_PUBLIC,
                    KeyProblem::Unparsable(format!("a PEM block of type {other:?}")),
                ));
            }
            None => Self::from_der(&der)?,
        };
        key.pem = label.is_some();
        Ok(key)
    }

    /// Parses DER of any accepted kind (SPKI, PKCS#1 or a certificate).
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        if spki::SubjectPublicKeyInfoRef::from_der(der).is_ok() {
            return Self::from_spki_der(der);
        }
        if pkcs1::RsaPublicKeyRef::from_der(der).is_ok() {
            return Self::from_pkcs1_der(der);
        }
        if let Ok(cert) = x509_cert::Certificate::from_der(der) {
            return Self::from_certificate(&cert);
        }
        if looks_like_private_der(der) {
            return Err(key_error(ROLE_PUBLIC, KeyProblem::PrivateKeyAsPublic));
        }
        Err(key_error(
            ROLE_PUBLIC,
            KeyProblem::Unparsable("the DER is not a public key (SPKI or PKCS#1) nor a certificate".into()),
        ))
    }

    /// Parses an X.509 SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        let spki = SubjectPublicKeyInfoRef::from_der(der).map_err(|_| {
            if looks_like_private_der(der) {
                key_error(ROLE_PUBLIC, KeyProblem::PrivateKeyAsPublic)
            } else {
                key_error(ROLE_PUBLIC, KeyProblem::Unparsable("not a SubjectPublicKeyInfo".into()))
            }
        })?;
        Self::from_spki(&spki, KeyFormat::Spki)
    }

    fn from_spki(spki: &SubjectPublicKeyInfoRef<'_>, format: KeyFormat) -> Result<Self, Error> {
        let oid = spki.algorithm.oid;
        if oid != pkcs1::ALGORITHM_OID {
            let what = if oid == OID_EC {
                "an EC (or SM2) public key; the RSA and RSA2 sign types need an RSA key".to_owned()
            } else {
                format!("a public key of algorithm {oid}, not RSA")
            };
            return Err(key_error(ROLE_PUBLIC, KeyProblem::WrongAlgorithm(what)));
        }
        let bits = spki.subject_public_key.as_bytes().ok_or_else(|| {
            key_error(
                ROLE_PUBLIC,
                KeyProblem::Unparsable("the key bit string is not byte-aligned".into()),
            )
        })?;
        let mut key = Self::from_pkcs1_der(bits)?;
        key.format = format;
        Ok(key)
    }

    /// Parses a PKCS#1 `RSAPublicKey`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, Error> {
        let rsa = pkcs1::RsaPublicKeyRef::from_der(der)
            .map_err(|_| key_error(ROLE_PUBLIC, KeyProblem::Unparsable("not a PKCS#1 RSAPublicKey".into())))?;
        let modulus = strip_zeros(rsa.modulus.as_bytes());
        let exponent = strip_zeros(rsa.public_exponent.as_bytes());
        let bits = bit_len(&modulus);
        if !RSA_BITS.contains(&bits) {
            return Err(key_error(ROLE_PUBLIC, KeyProblem::UnsupportedSize { bits }));
        }
        if exponent.is_empty() || exponent.len() > 8 || modulus.last().is_some_and(|b| b & 1 == 0) {
            return Err(key_error(
                ROLE_PUBLIC,
                KeyProblem::Unparsable("the modulus or exponent is invalid".into()),
            ));
        }
        Ok(Self {
            pkcs1: der.to_vec(),
            modulus,
            exponent,
            bits,
            format: KeyFormat::Pkcs1,
            pem: false,
        })
    }

    /// Takes the public key of an X.509 certificate (the first one of a chain).
    pub fn from_certificate_der(der: &[u8]) -> Result<Self, Error> {
        Self::from_certificate(&parse_certificate(der)?)
    }

    /// Takes the public key of a parsed certificate.
    pub(crate) fn from_certificate(cert: &x509_cert::Certificate) -> Result<Self, Error> {
        Self::from_spki(
            &cert.tbs_certificate().subject_public_key_info().owned_to_ref(),
            KeyFormat::Certificate,
        )
    }

    /// PKCS#1 `RSAPublicKey` DER.
    pub fn pkcs1_der(&self) -> &[u8] {
        &self.pkcs1
    }

    /// The modulus, big-endian without leading zeros.
    pub fn modulus(&self) -> &[u8] {
        &self.modulus
    }

    /// The public exponent, big-endian without leading zeros.
    pub fn exponent(&self) -> &[u8] {
        &self.exponent
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// The format the key arrived in.
    pub fn format(&self) -> KeyFormat {
        self.format
    }

    /// Whether the key arrived as PEM.
    pub fn was_pem(&self) -> bool {
        self.pem
    }

    /// PEM (`BEGIN PUBLIC KEY`).
    pub fn to_spki_pem(&self) -> String {
        // See `spki` for why this cannot fail.
        self.spki()
            .and_then(|spki| spki.to_pem(LineEnding::LF))
            .unwrap_or_default()
    }

    /// The console's one-line form: base64 of the SubjectPublicKeyInfo DER.
    pub fn to_spki_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.to_spki_der())
    }

    /// SubjectPublicKeyInfo DER (rsaEncryption with NULL parameters).
    pub fn to_spki_der(&self) -> Vec<u8> {
        // See `spki` for why this cannot fail.
        self.spki().and_then(|spki| spki.to_der()).unwrap_or_default()
    }

    /// The key as a SubjectPublicKeyInfo. Encoding it cannot fail: der and pem-rfc7468 fail only
    /// for lengths past 256 MiB or labels outside RFC 7468, and this is a key of at most 4096
    /// bits under a fixed label; so the infallible `to_spki_*` methods fall back to empty output
    /// rather than panic.
    fn spki(&self) -> der::Result<SubjectPublicKeyInfoRef<'_>> {
        Ok(SubjectPublicKeyInfoRef {
            algorithm: pkcs1::ALGORITHM_ID,
            subject_public_key: BitStringRef::from_bytes(&self.pkcs1)?,
        })
    }
}

pub(super) fn parse_certificate(der: &[u8]) -> Result<x509_cert::Certificate, Error> {
    x509_cert::Certificate::from_der(der)
        .map_err(|_| key_error(ROLE_PUBLIC, KeyProblem::Unparsable("not an X.509 certificate".into())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::testing::{problem, test_key};

    #[test]
    fn bit_len_counts_from_the_highest_set_bit() {
        assert_eq!(bit_len(&[]), 0);
        assert_eq!(bit_len(&[0, 0]), 0);
        assert_eq!(bit_len(&[0x80]), 8);
        assert_eq!(bit_len(&[0x01, 0xff]), 9);
        assert_eq!(bit_len(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_len(&[0x7f, 0, 0, 0]), 31);
    }

    #[test]
    fn a_non_rsa_key_names_its_algorithm() {
        let ec = problem(RsaPublicKey::parse(&test_key("ec_p256_public.pem")));
        assert!(
            matches!(&ec, KeyProblem::WrongAlgorithm(w) if w.starts_with("an EC (or SM2) public key")),
            "{ec:?}"
        );
        // Ed25519, made with `openssl genpkey -algorithm ed25519`.
        let ed = problem(RsaPublicKey::parse(
            "MCowBQYDK2VwAyEA9J/ZIbM13oZg8jFvOqpzsQiC0iLolnM5/ru+uySb7lw=",
        ));
        assert!(
            matches!(&ed, KeyProblem::WrongAlgorithm(w) if w == "a public key of algorithm 1.3.101.112, not RSA"),
            "{ed:?}"
        );
    }

    #[test]
    fn rsa_exponent_and_modulus_are_checked() {
        let encode = |modulus: &[u8], exponent: &[u8]| {
            pkcs1::RsaPublicKey {
                modulus: der::asn1::UintRef::new(modulus).unwrap(),
                public_exponent: der::asn1::UintRef::new(exponent).unwrap(),
            }
            .to_der()
            .unwrap()
        };
        let mut odd = vec![0xc5; 256];
        odd[255] = 0x01;
        let mut even = odd.clone();
        even[255] = 0x02;
        let invalid = |m: &[u8], e: &[u8]| {
            matches!(
                problem(RsaPublicKey::from_pkcs1_der(&encode(m, e))),
                KeyProblem::Unparsable(w) if w == "the modulus or exponent is invalid"
            )
        };
        let key = RsaPublicKey::from_pkcs1_der(&encode(&odd, &[1, 0, 1])).unwrap();
        assert_eq!((key.bits, key.exponent.as_slice()), (2048, &[1u8, 0, 1][..]));
        // Eight exponent bytes are the most a backend takes; nine are refused.
        assert!(RsaPublicKey::from_pkcs1_der(&encode(&odd, &[0x7f; 8])).is_ok());
        assert!(invalid(&odd, &[0x7f; 9]));
        assert!(invalid(&odd, &[0]));
        assert!(invalid(&even, &[1, 0, 1]));
        assert!(invalid(&even, &[0x7f; 9]));
    }
}
