//! Public-key certificate mode (公钥证书模式): certificate SNs computed exactly as the official
//! SDKs do, and the Alipay public key taken from `alipayCertPublicKey_RSA2.crt`.
//!
//! Cert SN = lowercase hex MD5 of the issuer DN in RFC 2253 form (RDNs reversed, joined with
//! `,` and no spaces) followed by the serial number in decimal. The root cert SN joins with `_`
//! the SNs of only the certificates in `alipayRootCert.crt` whose signature algorithm is RSA
//! (OID `1.2.840.113549.1.1.*`); the bundle's other roots (SM2, and an ECDSA root with a
//! non-standard encoding) are tolerated and skipped, even when they do not parse.

use std::time::{Duration, SystemTime};

use der::{Decode, Encode};
use md5::Digest as _;
use phone_core::{Error, KeyProblem};
use spki::ObjectIdentifier;
use x509_cert::Certificate;

use crate::keys::{RsaPublicKey, find_pem};

/// pkcs-1: the arc of the RSA signature algorithms.
const PKCS1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1");
const SHA1_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// What one certificate says, for SNs and operator warnings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CertInfo {
    /// The cert SN as Alipay computes it.
    pub sn: String,
    /// The issuer DN in RFC 2253 form.
    pub issuer: String,
    /// The subject DN in RFC 2253 form.
    pub subject: String,
    /// The serial number in decimal.
    pub serial: String,
    /// The signature algorithm OID.
    pub signature_algorithm: String,
    /// End of validity.
    pub not_after: SystemTime,
    /// Whether `not_after` has passed (a warning, not an error: Alipay keeps old certs valid
    /// for verification).
    pub expired: bool,
    signature_oid: ObjectIdentifier,
}

impl CertInfo {
    /// Whether the certificate is signed with RSA.
    pub fn is_rsa_signed(&self) -> bool {
        self.signature_oid.parent() == Some(PKCS1)
    }

    /// Whether issuer and subject are the same (a root).
    pub fn is_self_issued(&self) -> bool {
        self.issuer == self.subject
    }
}

fn cert_error(why: impl Into<String>) -> Error {
    Error::key(phone_core::KeyRole::Certificate, KeyProblem::Unparsable(why.into()))
}

/// Splits PEM text into the DER of each `CERTIFICATE` block; DER input is one certificate.
pub fn certificate_ders(input: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    let Ok(text) = std::str::from_utf8(input) else {
        return Ok(vec![input.to_vec()]);
    };
    if !text.contains("-----BEGIN") {
        return Ok(vec![input.to_vec()]);
    }
    let mut out = Vec::new();
    let mut rest = text;
    while let Some((found, after)) = find_pem(rest) {
        match found {
            Ok(block) if block.label == "CERTIFICATE" => {
                let der = block
                    .decode()
                    .map_err(|why| cert_error(format!("a certificate that does not decode: {why}")))?;
                out.push(der.to_vec());
            }
            Err(broken) if broken.label.as_deref() == Some("CERTIFICATE") => return Err(cert_error(broken.why)),
            // Blocks of other kinds, broken or not, are passed over like any text around the
            // certificates.
            Ok(_) | Err(_) => {}
        }
        rest = after;
    }
    if out.is_empty() {
        return Err(cert_error("no CERTIFICATE block"));
    }
    Ok(out)
}

/// Decimal digits of a big-endian unsigned integer.
fn decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = vec![0];
    for &byte in bytes {
        // digits = digits * 256 + byte, in base 10, least significant first.
        let mut carry = u32::from(byte);
        for d in digits.iter_mut() {
            let v = u32::from(*d) * 256 + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    while digits.len() > 1 && digits.last() == Some(&0) {
        digits.pop();
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

/// Reads one certificate (DER).
pub fn cert_info(der: &[u8]) -> Result<CertInfo, Error> {
    let cert = Certificate::from_der(der).map_err(|_| cert_error("not an X.509 certificate this parser accepts"))?;
    let tbs = cert.tbs_certificate();
    let issuer = tbs.issuer().to_string();
    let subject = tbs.subject().to_string();
    let serial = decimal(tbs.serial_number().as_bytes());
    let sn: String = md5::Md5::digest(format!("{issuer}{serial}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let not_after = SystemTime::UNIX_EPOCH + tbs.validity().not_after.to_date_time().unix_duration();
    let expired = SystemTime::now()
        .duration_since(not_after)
        .is_ok_and(|d| d > Duration::ZERO);
    let signature_oid = cert.signature_algorithm().oid;
    Ok(CertInfo {
        sn,
        issuer,
        subject,
        serial,
        signature_algorithm: signature_oid.to_string(),
        not_after,
        expired,
        signature_oid,
    })
}

/// The cert SN of the first certificate in `input` (PEM or DER): `app_cert_sn` or
/// `alipay_cert_sn`.
///
/// ```
/// let pem = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fixtures/alipay-sdk-nodejs/alipayCertPublicKey_RSA2.crt"))?;
/// assert_eq!(phone_crypto::cert_sn(&pem)?, "7513daaaa48aa3ba2e4018d84402479c");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn cert_sn(input: &[u8]) -> Result<String, Error> {
    let ders = certificate_ders(input)?;
    Ok(cert_info(&ders[0])?.sn)
}

/// The root cert SN of `alipayRootCert.crt`: the SNs of its RSA-signed certificates, joined
/// with `_`. Certificates that do not parse (the bundle's non-RSA roots use encodings strict
/// parsers reject) are skipped.
///
/// ```
/// let pem = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fixtures/alipay-sdk-nodejs/alipayRootCert.crt"))?;
/// assert_eq!(phone_crypto::root_cert_sn(&pem)?, "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn root_cert_sn(input: &[u8]) -> Result<String, Error> {
    let sns: Vec<String> = certificate_ders(input)?
        .iter()
        .filter_map(|der| cert_info(der).ok())
        .filter(CertInfo::is_rsa_signed)
        .map(|c| c.sn)
        .collect();
    if sns.is_empty() {
        return Err(cert_error("no RSA-signed certificate in the root bundle"));
    }
    Ok(sns.join("_"))
}

/// Every certificate in `input`, each parsed or with its error.
pub fn all_cert_infos(input: &[u8]) -> Result<Vec<Result<CertInfo, Error>>, Error> {
    Ok(certificate_ders(input)?.iter().map(|der| cert_info(der)).collect())
}

/// The Alipay public key from `alipayCertPublicKey_RSA2.crt` (the first certificate).
pub fn public_key_from_certificate(input: &[u8]) -> Result<RsaPublicKey, Error> {
    let ders = certificate_ders(input)?;
    RsaPublicKey::from_certificate_der(&ders[0])
}

/// The outcome of checking `alipayCertPublicKey_RSA2.crt` against `alipayRootCert.crt`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainCheck {
    /// Every signature from the first certificate up to a root of the bundle verifies.
    Verified {
        /// The subject of the root that anchors the chain.
        root: String,
    },
    /// A certificate's issuer is neither in the file nor among the roots (the file lacks its
    /// intermediate): nothing is proven either way.
    Incomplete {
        /// The issuer that could not be found.
        missing_issuer: String,
    },
    /// A signature in the chain does not verify.
    BadSignature {
        /// The subject of the certificate whose signature failed.
        subject: String,
    },
}

/// Checks the first certificate of `cert_file` against the roots in `root_bundle`, through any
/// intermediates the file carries, verifying each RSA signature on `backend`. Certificates
/// signed with other algorithms (SM2, ECDSA) count as unverifiable and end as `Incomplete`.
///
/// ```
/// use phone_crypto::{Backend, certs::{ChainCheck, check_chain}};
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/certs/");
/// let chain = std::fs::read(format!("{dir}alipayCertPublicKey_RSA2.crt"))?;
/// let roots = std::fs::read(format!("{dir}alipayRootCert.crt"))?;
/// assert!(matches!(check_chain(&chain, &roots, &Backend::default().crypto_provider())?, ChainCheck::Verified { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_chain(cert_file: &[u8], root_bundle: &[u8], backend: &crate::CryptoProvider) -> Result<ChainCheck, Error> {
    let parse_all = |input: &[u8]| -> Result<Vec<Certificate>, Error> {
        Ok(certificate_ders(input)?
            .iter()
            .filter_map(|der| Certificate::from_der(der).ok())
            .collect())
    };
    let chain = parse_all(cert_file)?;
    let roots = parse_all(root_bundle)?;
    let mut current = chain.first().ok_or_else(|| cert_error("no certificate"))?.clone();
    // Bounded walk: a chain longer than the certificates given cannot be genuine.
    for _ in 0..=chain.len() + roots.len() {
        let issuer = current.tbs_certificate().issuer().to_string();
        let subject = current.tbs_certificate().subject().to_string();
        let from_roots = roots
            .iter()
            .find(|r| r.tbs_certificate().subject().to_string() == issuer);
        let from_file = chain.iter().find(|c| {
            c.tbs_certificate().subject().to_string() == issuer && c.tbs_certificate().subject().to_string() != subject
        });
        let Some(parent) = from_roots.or(from_file) else {
            return Ok(ChainCheck::Incomplete { missing_issuer: issuer });
        };
        let sign_type = match current.signature_algorithm().oid {
            SHA256_WITH_RSA => phone_core::SignType::Rsa2,
            SHA1_WITH_RSA => phone_core::SignType::Rsa,
            _ => return Ok(ChainCheck::Incomplete { missing_issuer: issuer }),
        };
        let key = RsaPublicKey::from_certificate(parent)?;
        let tbs = current
            .tbs_certificate()
            .to_der()
            .map_err(|_| cert_error("unreadable certificate"))?;
        let sig = current
            .signature()
            .as_bytes()
            .ok_or_else(|| cert_error("unaligned signature"))?;
        if backend.prepare_verifier(&key)?.verify(sign_type, &tbs, sig).is_err() {
            return Ok(ChainCheck::BadSignature { subject });
        }
        if from_roots.is_some() {
            return Ok(ChainCheck::Verified { root: issuer });
        }
        current = parent.clone();
    }
    Ok(ChainCheck::Incomplete {
        missing_issuer: current.tbs_certificate().issuer().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::{certificate_ders, decimal};

    #[test]
    fn certificate_files_pass_over_blocks_of_other_kinds() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/certs/alipayRootCert.crt");
        let cert = std::fs::read_to_string(path).unwrap();
        let one = certificate_ders(cert.as_bytes()).unwrap();
        assert_eq!(one.len(), 1);
        let noisy = format!("-----BEGIN PRIVATE KEY-----\nAAAA\n-----BEGIN PUBLIC\n{cert}");
        assert_eq!(certificate_ders(noisy.as_bytes()).unwrap(), one);
        let truncated = &cert[..cert.find("-----END").unwrap()];
        assert!(certificate_ders(truncated.as_bytes()).is_err());
        assert!(certificate_ders(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").is_err());
    }

    #[test]
    fn decimal_of_big_integers() {
        assert_eq!(decimal(&[]), "0");
        assert_eq!(decimal(&[0]), "0");
        assert_eq!(decimal(&[1, 0]), "256");
        assert_eq!(decimal(&u64::MAX.to_be_bytes()), u64::MAX.to_string());
        assert_eq!(decimal(&u128::MAX.to_be_bytes()), u128::MAX.to_string());
    }
}
