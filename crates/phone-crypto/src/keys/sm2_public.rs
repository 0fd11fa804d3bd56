//! The SM2 public key (the `SM2` sign type).

use std::fmt;

use der::Decode;
use der::referenced::OwnedToRef;
use phone_core::{Error, KeyProblem};
use spki::{ObjectIdentifier, SubjectPublicKeyInfoRef};

use super::rsa_public::parse_certificate;
use super::text::{decode_text, is_private_label};
use super::{OID_EC, OID_SM2, ROLE_PUBLIC, key_error};

/// An SM2 public key (for the `SM2` sign type): the SEC1 point from an SPKI whose algorithm is
/// id-ecPublicKey on sm2p256v1 (or the SM2 OID itself), as PEM, base64 or DER, or from a
/// certificate.
///
/// ```
/// let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys/sm2_public.pem"))?;
/// let key = phone_crypto::Sm2PublicKey::parse(&pem)?;
/// assert_eq!(key.point().len(), 65);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Sm2PublicKey {
    point: Vec<u8>,
}

impl fmt::Debug for Sm2PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm2PublicKey(sm2p256v1)")
    }
}

impl Sm2PublicKey {
    /// Parses SM2 public key text (PEM, base64 SPKI, or a certificate).
    pub fn parse(text: &str) -> Result<Self, Error> {
        let (label, der) = decode_text(text, ROLE_PUBLIC)?;
        match label.as_deref() {
            Some(l) if is_private_label(l) => Err(key_error(ROLE_PUBLIC, KeyProblem::PrivateKeyAsPublic)),
            Some("CERTIFICATE") => Self::from_spki(
                &parse_certificate(&der)?
                    .tbs_certificate()
                    .subject_public_key_info()
                    .owned_to_ref(),
            ),
            _ => Self::from_spki_der(&der),
        }
    }

    /// Parses an SM2 SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|_| key_error(ROLE_PUBLIC, KeyProblem::Unparsable("not a SubjectPublicKeyInfo".into())))?;
        Self::from_spki(&spki)
    }

    fn from_spki(spki: &SubjectPublicKeyInfoRef<'_>) -> Result<Self, Error> {
        let alg = spki.algorithm.oid;
        let curve = spki
            .algorithm
            .parameters
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        let is_sm2 = alg == OID_SM2 || (alg == OID_EC && curve == Some(OID_SM2));
        if !is_sm2 {
            return Err(key_error(
                ROLE_PUBLIC,
                KeyProblem::WrongAlgorithm("not an SM2 public key".into()),
            ));
        }
        let point = spki.subject_public_key.as_bytes().ok_or_else(|| {
            key_error(
                ROLE_PUBLIC,
                KeyProblem::Unparsable("the key bit string is not byte-aligned".into()),
            )
        })?;
        Ok(Self { point: point.to_vec() })
    }

    /// The SEC1-encoded public point.
    pub fn point(&self) -> &[u8] {
        &self.point
    }
}

#[cfg(test)]
mod tests {
    use der::Encode;
    use der::asn1::BitStringRef;

    use super::*;
    use crate::keys::testing::{problem, test_key};

    fn spki_der(oid: ObjectIdentifier, parameters: Option<ObjectIdentifier>, key: &[u8]) -> Vec<u8> {
        let parameters = parameters.map(|p| der::asn1::Any::encode_from(&p).unwrap());
        spki::SubjectPublicKeyInfoRef {
            algorithm: spki::AlgorithmIdentifier {
                oid,
                parameters: parameters.as_ref().map(|p| p.owned_to_ref()),
            },
            subject_public_key: BitStringRef::from_bytes(key).unwrap(),
        }
        .to_der()
        .unwrap()
    }

    #[test]
    fn sm2_keys_come_from_their_oid_a_certificate_and_never_a_private_key() {
        let public = Sm2PublicKey::parse(&test_key("sm2_public.pem")).unwrap();
        // The same key in a certificate (`openssl req -x509 -sm3`, see tests/keys/README.md).
        assert_eq!(Sm2PublicKey::parse(&test_key("sm2_cert.pem")).unwrap(), public);
        // Named by the SM2 algorithm OID itself rather than id-ecPublicKey with the SM2 curve.
        let direct = spki_der(OID_SM2, None, public.point());
        assert_eq!(Sm2PublicKey::from_spki_der(&direct).unwrap(), public);
        // An EC key on another curve is not SM2, nor is an EC key without a curve.
        let p256 = problem(Sm2PublicKey::parse(&test_key("ec_p256_public.pem")));
        assert!(matches!(&p256, KeyProblem::WrongAlgorithm(_)), "{p256:?}");
        let no_curve = spki_der(OID_EC, None, public.point());
        assert!(Sm2PublicKey::from_spki_der(&no_curve).is_err());
        assert!(matches!(
            problem(Sm2PublicKey::parse(&test_key("sm2_private.pem"))),
            KeyProblem::PrivateKeyAsPublic
        ));
    }
}
