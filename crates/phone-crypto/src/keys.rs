//! Key material as users paste it, normalised once into DER that every backend prepares from.
//!
//! Accepted for the Alipay public key: the console's one-line base64 SPKI, PEM
//! (`BEGIN PUBLIC KEY`), PKCS#1 (`BEGIN RSA PUBLIC KEY`, or its bare base64/DER) and X.509
//! certificates (PEM or DER; the first certificate of a chain). Line breaks, stray spaces and
//! literal `\n` escapes (from JSON or env files) are tolerated in key text; envelope base64 is
//! checked strictly elsewhere.

use std::fmt;

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use der::asn1::{BitStringRef, OctetStringRef};
use der::pem::{self, LineEnding, PemLabel};
use der::referenced::OwnedToRef;
use der::{Decode, Encode, EncodePem, SecretDocument};
use phone_core::{Error, KeyProblem, KeyRole};
use spki::{ObjectIdentifier, SubjectPublicKeyInfoRef};
use zeroize::Zeroizing;

/// Key text is base64 with lenient padding; the key itself is validated by DER parsing.
const KEY_B64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// id-ecPublicKey: what an EC or SM2 key pasted where the RSA key belongs carries.
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// The SM2 curve (sm2p256v1), as EC parameters or as the key algorithm itself.
const OID_SM2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");

/// The RSA modulus sizes this SDK accepts, on every backend alike.
pub const RSA_BITS: std::ops::RangeInclusive<usize> = 1024..=4096;

const ROLE_PUBLIC: KeyRole = KeyRole::AlipayPublic;
const ROLE_PRIVATE: KeyRole = KeyRole::RsaPrivate;
const ROLE_AES: KeyRole = KeyRole::Aes;

fn key_error(role: KeyRole, problem: KeyProblem) -> Error {
    Error::key(role, problem)
}

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
/// use phone_crypto::RsaPublicKeyDer;
/// let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/alipay_public_key.txt"))?;
/// let key = RsaPublicKeyDer::parse(&text)?;
/// assert_eq!(key.bits(), 2048);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKeyDer {
    pkcs1: Vec<u8>,
    modulus: Vec<u8>,
    exponent: Vec<u8>,
    bits: usize,
    format: KeyFormat,
    pem: bool,
}

impl fmt::Debug for RsaPublicKeyDer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Public, but still configuration: show what it is, not its bytes.
        write!(f, "RsaPublicKeyDer(RSA-{}, {:?})", self.bits, self.format)
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

/// A PEM block as found in pasted text or a certificate file, its body not yet judged.
pub(crate) struct PemBlock<'a> {
    /// The type label, its spacing normalised.
    pub(crate) label: String,
    body: &'a str,
}

/// A BEGIN line that opens no complete block.
pub(crate) struct BrokenPem {
    pub(crate) why: &'static str,
    /// Known once the header line closed.
    pub(crate) label: Option<String>,
}

/// Finds the first PEM block in `text`, or what is wrong with it, and the text after it; `None`
/// when `text` has no BEGIN line.
///
/// The lenient half of PEM reading: `pem-rfc7468` implements RFC 7468's strict grammar, which
/// refuses what users paste and what Alipay ships (certificates wrapped at 76 columns, the
/// Node SDK's keys as one 392-character line, indented or CRLF lines, doubled spaces in the
/// labels, text around the block).
pub(crate) fn find_pem(text: &str) -> Option<(Result<PemBlock<'_>, BrokenPem>, &str)> {
    const BEGIN: &str = "-----BEGIN";
    const END: &str = "-----END";
    const DASHES: &str = "-----";
    let after = &text[text.find(BEGIN)? + BEGIN.len()..];
    // A broken block resumes the search right after its BEGIN, so that a BEGIN line it
    // swallowed (as its label, or while looking for its END) is still found.
    let broken = |why, label| Some((Err(BrokenPem { why, label }), after));
    let Some(label_end) = after.find(DASHES) else {
        return broken("a PEM header without its closing dashes", None);
    };
    let label = normalise_label(&after[..label_end]);
    let rest = &after[label_end + DASHES.len()..];
    let end = rest.match_indices(END).find_map(|(start, _)| {
        let tail = &rest[start + END.len()..];
        let close = tail.find(DASHES)?;
        (normalise_label(&tail[..close]) == label).then_some((start, start + END.len() + close + DASHES.len()))
    });
    let Some((body_end, block_end)) = end else {
        return broken("a PEM block without its END line", Some(label));
    };
    let block = PemBlock {
        label,
        body: &rest[..body_end],
    };
    Some((Ok(block), &rest[block_end..]))
}

fn normalise_label(raw: &str) -> String {
    raw.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

impl PemBlock<'_> {
    /// The DER inside: the block is rewritten as strict RFC 7468 PEM, which `pem-rfc7468` then
    /// checks and decodes (its base64 is constant-time, as private keys deserve).
    pub(crate) fn decode(&self) -> Result<Zeroizing<Vec<u8>>, String> {
        // Sized up front (with room for padding): growing a Zeroizing<Vec> would leave
        // unzeroized copies behind.
        let mut b64 = Zeroizing::new(Vec::with_capacity(self.body.len() + 3));
        // RFC 1421 headers (Proc-Type, DEK-Info of legacy encrypted keys) are not RFC 7468.
        b64.extend(
            self.body
                .lines()
                .filter(|l| !l.contains(':'))
                .flat_map(str::bytes)
                .filter(|b| !b.is_ascii_whitespace()),
        );
        // pem-rfc7468 refuses an empty body; an empty DER still lets the label speak (a private
        // key's block where the public key belongs keeps its targeted error).
        if b64.is_empty() {
            return Ok(Zeroizing::new(Vec::new()));
        }
        // Padding lost in copying is restored (base64ct insists on it). A length of `4n + 1`
        // is not base64 at all: padded to `x===` the decoder still refuses it, so no case is
        // needed for it.
        let padded = b64.len().next_multiple_of(4);
        b64.resize(padded, b'=');
        let lines = b64.chunks(pem::BASE64_WRAP_WIDTH);
        let mut strict = Zeroizing::new(Vec::with_capacity(b64.len() + lines.len() + 2 * self.label.len() + 32));
        for part in [b"-----BEGIN ", self.label.as_bytes(), b"-----\n"] {
            strict.extend_from_slice(part);
        }
        for line in lines {
            strict.extend_from_slice(line);
            strict.push(b'\n');
        }
        for part in [b"-----END ", self.label.as_bytes(), b"-----\n"] {
            strict.extend_from_slice(part);
        }
        let describe = |e: pem::Error| match e {
            pem::Error::Base64(_) | pem::Error::Length => "the PEM body is not base64".to_owned(),
            other => format!("a PEM block this SDK cannot read ({other})"),
        };
        let mut decoder = pem::Decoder::new(&strict).map_err(describe)?;
        let mut der = Zeroizing::new(Vec::new());
        decoder.decode_to_end(&mut der).map_err(describe)?;
        Ok(der)
    }
}

/// Decodes key text: PEM (first block, lenient about line lengths and spacing) or bare base64.
/// Returns `None` as the label for bare base64.
fn decode_text(text: &str, role: KeyRole) -> Result<(Option<String>, Zeroizing<Vec<u8>>), Error> {
    let text = text.trim().replace("\\n", "\n").replace("\\r", "");
    let unparsable = |why: String| key_error(role, KeyProblem::Unparsable(why));
    if let Some((found, _)) = find_pem(&text) {
        let block = found.map_err(|broken| unparsable(broken.why.to_owned()))?;
        let der = block.decode().map_err(unparsable)?;
        return Ok((Some(block.label), der));
    }
    let compact: Zeroizing<String> = Zeroizing::new(text.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    if compact.is_empty() {
        return Err(key_error(role, KeyProblem::Unparsable("the key is empty".into())));
    }
    let der = KEY_B64
        .decode(compact.as_bytes())
        .map_err(|_| key_error(role, KeyProblem::Unparsable("not base64 or PEM".into())))?;
    Ok((None, Zeroizing::new(der)))
}

fn is_private_label(label: &str) -> bool {
    label.ends_with("PRIVATE KEY")
}

fn looks_like_private_der(der: &[u8]) -> bool {
    pkcs8::PrivateKeyInfoRef::from_der(der).is_ok() || pkcs1::RsaPrivateKeyRef::from_der(der).is_ok()
}

impl RsaPublicKeyDer {
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

fn parse_certificate(der: &[u8]) -> Result<x509_cert::Certificate, Error> {
    x509_cert::Certificate::from_der(der)
        .map_err(|_| key_error(ROLE_PUBLIC, KeyProblem::Unparsable("not an X.509 certificate".into())))
}

/// An SM2 public key (for the `SM2` sign type): the SEC1 point from an SPKI whose algorithm is
/// id-ecPublicKey on sm2p256v1 (or the SM2 OID itself), as PEM, base64 or DER, or from a
/// certificate.
///
/// ```
/// let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys/sm2_public.pem"))?;
/// let key = phone_crypto::Sm2PublicKeyDer::parse(&pem)?;
/// assert_eq!(key.point().len(), 65);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Sm2PublicKeyDer {
    point: Vec<u8>,
}

impl fmt::Debug for Sm2PublicKeyDer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm2PublicKeyDer(sm2p256v1)")
    }
}

impl Sm2PublicKeyDer {
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

/// An Alipay public key of either kind Alipay issues: RSA (RSA/RSA2 sign types) or SM2.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AlipayPublicKey {
    /// For `RSA` and `RSA2`.
    Rsa(RsaPublicKeyDer),
    /// For `SM2`.
    Sm2(Sm2PublicKeyDer),
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
        match RsaPublicKeyDer::parse(text) {
            Ok(k) => Ok(Self::Rsa(k)),
            Err(
                e @ Error::KeyError {
                    problem: KeyProblem::WrongAlgorithm(_),
                    ..
                },
            ) => Sm2PublicKeyDer::parse(text).map(Self::Sm2).map_err(|_| e),
            Err(e) => Err(e),
        }
    }
}

/// An RSA private key (Alipay's side: building envelopes for tests and tools), as PKCS#1 DER.
/// Zeroized on drop; `Debug` shows only its size.
#[derive(Clone)]
pub struct RsaPrivateKeyDer {
    pkcs1: Zeroizing<Vec<u8>>,
    public: RsaPublicKeyDer,
}

impl fmt::Debug for RsaPrivateKeyDer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaPrivateKeyDer(RSA-{}, redacted)", self.public.bits)
    }
}

impl RsaPrivateKeyDer {
    /// Parses PKCS#8 or PKCS#1 private key text (PEM or base64).
    ///
    /// ```
    /// use phone_crypto::RsaPrivateKeyDer;
    /// let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/alipay_private_key.pem"))?;
    /// let key = RsaPrivateKeyDer::parse(&pem)?;
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
        if RsaPublicKeyDer::from_der(der).is_ok() {
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
        let public = RsaPublicKeyDer::from_pkcs1_der(&public_der).map_err(|e| match e {
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
    /// reasons given at `RsaPublicKeyDer::spki`; so the infallible `to_pkcs8_*` methods fall back
    /// to empty output rather than panic.
    fn pkcs8(&self) -> der::Result<SecretDocument> {
        SecretDocument::encode_msg(&pkcs8::PrivateKeyInfoRef::new(
            pkcs1::ALGORITHM_ID,
            OctetStringRef::new(&self.pkcs1)?,
        ))
    }

    /// The matching public key.
    pub fn public_key(&self) -> &RsaPublicKeyDer {
        &self.public
    }
}

/// An AES content-encryption key (接口内容加密方式): 16, 24 or 32 bytes. Zeroized on drop;
/// `Debug` shows only its length.
///
/// ```
/// use phone_crypto::AesKey;
/// let key = AesKey::parse("aa4BtZ4tspm2wnXLb1ThQA==")?;
/// assert_eq!(key.len(), 16);
/// assert_eq!(format!("{key:?}"), "AesKey(128 bits, redacted)");
/// let err = AesKey::parse("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA").unwrap_err();
/// assert_eq!(err.kind(), "key_error");
/// # Ok::<(), phone_core::Error>(())
/// ```
#[derive(Clone)]
pub struct AesKey(Zeroizing<Vec<u8>>);

impl fmt::Debug for AesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AesKey({} bits, redacted)", self.0.len() * 8)
    }
}

impl AesKey {
    /// Parses the console's base64 form.
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.contains("-----BEGIN") {
            return Err(key_error(
                ROLE_AES,
                KeyProblem::Unparsable("this is a PEM key; the AES key is 24 characters of base64".into()),
            ));
        }
        let compact: Zeroizing<String> = Zeroizing::new(text.chars().filter(|c| !c.is_ascii_whitespace()).collect());
        if compact.is_empty() {
            return Err(key_error(ROLE_AES, KeyProblem::Unparsable("the key is empty".into())));
        }
        let bytes = KEY_B64
            .decode(compact.as_bytes())
            .map_err(|_| key_error(ROLE_AES, KeyProblem::Unparsable("not base64".into())))?;
        Self::from_bytes(&bytes)
    }

    /// A fresh random key of 16, 24 or 32 bytes from the operating system's generator.
    pub fn generate(len: usize) -> Result<Self, Error> {
        let mut bytes = Zeroizing::new(vec![0u8; len]);
        getrandom::fill(&mut bytes)
            .map_err(|e| key_error(ROLE_AES, KeyProblem::Rejected(format!("no randomness: {e}"))))?;
        Self::from_bytes(&bytes)
    }

    /// Takes raw key bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        match bytes.len() {
            16 | 24 | 32 => Ok(Self(Zeroizing::new(bytes.to_vec()))),
            len => Err(key_error(ROLE_AES, KeyProblem::AesKeyLength { len })),
        }
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes (16, 24 or 32).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: an AES key is never empty. Present for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The console's base64 form.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&*self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo(name: &str) -> String {
        std::fs::read_to_string(format!("{}/tests/data/demo/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn encodings_reproduce_the_files_openssl_wrote() {
        let private_pem = demo("alipay_private_key.pem");
        let private = RsaPrivateKeyDer::parse(&private_pem).unwrap();
        assert_eq!(*private.to_pkcs8_pem(), private_pem);
        let pkcs8_der = private.to_pkcs8_der();
        let info = pkcs8::PrivateKeyInfoRef::from_der(&pkcs8_der).unwrap();
        assert_eq!(info.algorithm, pkcs1::ALGORITHM_ID);
        assert_eq!(info.private_key.as_bytes(), private.pkcs1_der());

        let public_pem = demo("alipay_public_key.pem");
        let public = RsaPublicKeyDer::parse(&public_pem).unwrap();
        assert_eq!(public.to_spki_pem(), public_pem);
        assert_eq!(public.pkcs1_der(), private.public_key().pkcs1_der());
        let der = public.to_spki_der();
        assert_eq!(
            RsaPublicKeyDer::from_spki_der(&der).unwrap().pkcs1_der(),
            public.pkcs1_der()
        );
    }

    #[test]
    fn pasted_pem_is_made_strict_before_pem_rfc7468_reads_it() {
        let pem = demo("alipay_public_key.pem");
        let want = RsaPublicKeyDer::parse(&pem).unwrap();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let wrap = |width: usize, eol: &str| -> String {
            body.as_bytes()
                .chunks(width)
                .map(|c| format!("{}{eol}", std::str::from_utf8(c).unwrap()))
                .collect()
        };
        for pasted in [
            // Alipay's certificates wrap at 76 columns, the Node SDK's keys not at all.
            format!("-----BEGIN PUBLIC KEY-----\n{}-----END PUBLIC KEY-----", wrap(76, "\n")),
            format!("-----BEGIN PUBLIC KEY-----{body}-----END PUBLIC KEY-----"),
            format!(
                "-----BEGIN PUBLIC KEY-----\r\n{}-----END PUBLIC KEY-----\r\n",
                wrap(64, "\r\n")
            ),
            format!(
                "  -----BEGIN  PUBLIC KEY-----\n\t{}\n  -----END  PUBLIC KEY-----  ",
                wrap(40, " \n\t")
            ),
            format!(
                "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----",
                body.trim_end_matches('=')
            ),
            format!("-----BEGIN PUBLIC KEY-----\nProc-Type: 4,ENCRYPTED\n\n{body}\n-----END PUBLIC KEY-----"),
            format!("the key:\n-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\nthanks"),
        ] {
            let got = RsaPublicKeyDer::parse(&pasted).unwrap_or_else(|e| panic!("{pasted:?}: {e}"));
            assert_eq!(got.pkcs1_der(), want.pkcs1_der(), "{pasted:?}");
        }
        // An empty block is still judged by its label.
        let empty = "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----";
        assert!(matches!(
            RsaPublicKeyDer::parse(empty),
            Err(Error::KeyError {
                problem: KeyProblem::PrivateKeyAsPublic,
                ..
            })
        ));
        for broken in [
            format!("-----BEGIN PUBLIC KEY-----\n{body}!\n-----END PUBLIC KEY-----"),
            format!("-----BEGIN PUBLIC KEY-----\n{body}A\n-----END PUBLIC KEY-----"),
            format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PRIVATE KEY-----"),
        ] {
            assert!(matches!(
                RsaPublicKeyDer::parse(&broken),
                Err(Error::KeyError {
                    problem: KeyProblem::Unparsable(_),
                    ..
                })
            ));
        }
    }

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

    fn test_key(name: &str) -> String {
        std::fs::read_to_string(format!("{}/tests/keys/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn problem<T: fmt::Debug>(r: Result<T, Error>) -> KeyProblem {
        match r {
            Err(Error::KeyError { problem, .. }) => problem,
            other => panic!("not a key error: {other:?}"),
        }
    }

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
    fn find_pem_returns_exactly_the_text_after_the_block() {
        let text = "before -----BEGIN A-----\nQUJD\n-----END A-----TAIL-----BEGIN B-----";
        let (block, rest) = find_pem(text).unwrap();
        assert_eq!(block.ok().unwrap().label, "A");
        assert_eq!(rest, "TAIL-----BEGIN B-----");
    }

    #[test]
    fn pem_padding_lost_in_copying_is_restored() {
        let block = |body| PemBlock {
            label: "PUBLIC KEY".into(),
            body,
        };
        assert_eq!(*block("QQ").decode().unwrap(), b"A");
        assert_eq!(*block("QUI").decode().unwrap(), b"AB");
        assert_eq!(*block("QUJD").decode().unwrap(), b"ABC");
        assert_eq!(*block("QUJDRA").decode().unwrap(), b"ABCD");
        assert_eq!(*block("QUJDREU").decode().unwrap(), b"ABCDE");
        // Four characters and one: not base64, with or without padding.
        assert!(block("QUJDR").decode().is_err());
        // A whole public key with its `=` lost still parses.
        let pem = test_key("sm2_public.pem");
        assert!(pem.contains("=\n"), "the fixture should end in padding");
        let want = Sm2PublicKeyDer::parse(&pem).unwrap();
        assert_eq!(Sm2PublicKeyDer::parse(&pem.replace('=', "")).unwrap(), want);
    }

    #[test]
    fn a_non_rsa_key_names_its_algorithm() {
        let ec = problem(RsaPublicKeyDer::parse(&test_key("ec_p256_public.pem")));
        assert!(
            matches!(&ec, KeyProblem::WrongAlgorithm(w) if w.starts_with("an EC (or SM2) public key")),
            "{ec:?}"
        );
        // Ed25519, made with `openssl genpkey -algorithm ed25519`.
        let ed = problem(RsaPublicKeyDer::parse(
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
                problem(RsaPublicKeyDer::from_pkcs1_der(&encode(m, e))),
                KeyProblem::Unparsable(w) if w == "the modulus or exponent is invalid"
            )
        };
        let key = RsaPublicKeyDer::from_pkcs1_der(&encode(&odd, &[1, 0, 1])).unwrap();
        assert_eq!((key.bits, key.exponent.as_slice()), (2048, &[1u8, 0, 1][..]));
        // Eight exponent bytes are the most a backend takes; nine are refused.
        assert!(RsaPublicKeyDer::from_pkcs1_der(&encode(&odd, &[0x7f; 8])).is_ok());
        assert!(invalid(&odd, &[0x7f; 9]));
        assert!(invalid(&odd, &[0]));
        assert!(invalid(&even, &[1, 0, 1]));
        assert!(invalid(&even, &[0x7f; 9]));
    }

    #[test]
    fn debug_shows_the_kind_of_key_and_never_its_bytes() {
        let private = RsaPrivateKeyDer::parse(&demo("alipay_private_key.pem")).unwrap();
        assert_eq!(format!("{private:?}"), "RsaPrivateKeyDer(RSA-2048, redacted)");
        let public = RsaPublicKeyDer::parse(&demo("alipay_public_key.pem")).unwrap();
        assert_eq!(format!("{public:?}"), "RsaPublicKeyDer(RSA-2048, Spki)");
        let sm2 = Sm2PublicKeyDer::parse(&test_key("sm2_public.pem")).unwrap();
        assert_eq!(format!("{sm2:?}"), "Sm2PublicKeyDer(sm2p256v1)");
    }

    #[test]
    fn sm2_keys_come_from_their_oid_a_certificate_and_never_a_private_key() {
        let public = Sm2PublicKeyDer::parse(&test_key("sm2_public.pem")).unwrap();
        // The same key in a certificate (`openssl req -x509 -sm3`, see tests/keys/README.md).
        assert_eq!(Sm2PublicKeyDer::parse(&test_key("sm2_cert.pem")).unwrap(), public);
        // Named by the SM2 algorithm OID itself rather than id-ecPublicKey with the SM2 curve.
        let direct = spki_der(OID_SM2, None, public.point());
        assert_eq!(Sm2PublicKeyDer::from_spki_der(&direct).unwrap(), public);
        // An EC key on another curve is not SM2, nor is an EC key without a curve.
        let p256 = problem(Sm2PublicKeyDer::parse(&test_key("ec_p256_public.pem")));
        assert!(matches!(&p256, KeyProblem::WrongAlgorithm(_)), "{p256:?}");
        let no_curve = spki_der(OID_EC, None, public.point());
        assert!(Sm2PublicKeyDer::from_spki_der(&no_curve).is_err());
        assert!(matches!(
            problem(Sm2PublicKeyDer::parse(&test_key("sm2_private.pem"))),
            KeyProblem::PrivateKeyAsPublic
        ));
    }

    #[test]
    fn aes_keys_report_their_size_and_console_form() {
        for (text, len) in [
            ("aa4BtZ4tspm2wnXLb1ThQA==", 16),
            ("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3", 24),
            ("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", 32),
        ] {
            let key = AesKey::parse(text).unwrap();
            assert_eq!(
                (key.len(), key.is_empty(), key.to_base64()),
                (len, false, text.to_owned())
            );
        }
    }

    #[test]
    fn a_private_key_slot_names_what_it_was_given() {
        let block = |label: &str| format!("-----BEGIN {label}-----\nQUJD\n-----END {label}-----\n");
        for label in ["PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE"] {
            assert!(
                matches!(
                    problem(RsaPrivateKeyDer::parse(&block(label))),
                    KeyProblem::PublicKeyAsPrivate
                ),
                "{label}"
            );
        }
        for label in ["EC PARAMETERS", "X509 CRL"] {
            let p = problem(RsaPrivateKeyDer::parse(&block(label)));
            assert!(
                matches!(&p, KeyProblem::Unparsable(w) if w == &format!("a PEM block of type {label:?}")),
                "{label}: {p:?}"
            );
        }
    }
}
