//! Alipay's side (feature `alipay-side`): signing, content encryption, key generation and
//! building envelopes exactly as Alipay does, for tests, demos and tools. A production build
//! without the feature never touches a private key.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use phone_core::{Error, KeyProblem, KeyRole, SignType};

use std::sync::Arc;

use crate::algorithms::ContentAlgorithm;
use crate::keys::{ContentKey, RsaPrivateKey, RsaPublicKey};

/// Prepares RSA private keys to sign as Alipay does (an Alipay-side part).
#[cfg_attr(docsrs, doc(cfg(feature = "alipay-side")))]
pub trait SignerFactory: Send + Sync + fmt::Debug {
    /// Loads `key` into a backend-native signer.
    fn prepare(&self, key: &RsaPrivateKey) -> Result<Box<dyn EnvelopeSigner>, Error>;
}

/// Prepares content keys to encrypt as Alipay does, for one [`ContentAlgorithm`] (an
/// Alipay-side part).
#[cfg_attr(docsrs, doc(cfg(feature = "alipay-side")))]
pub trait EncryptorFactory: Send + Sync + fmt::Debug {
    /// Expands `key` into a backend-native encryptor.
    fn prepare(&self, key: &ContentKey) -> Result<Box<dyn ContentEncryptor>, Error>;
}

/// Generates RSA key pairs (development key sets and tests; an Alipay-side part).
#[cfg_attr(docsrs, doc(cfg(feature = "alipay-side")))]
pub trait KeyGenerator: Send + Sync + fmt::Debug {
    /// A fresh RSA private key of `bits`.
    fn generate_rsa_key(&self, bits: usize) -> Result<RsaPrivateKey, Error>;
}

/// A signer factory and the sign types its signers produce.
#[cfg_attr(docsrs, doc(cfg(feature = "alipay-side")))]
#[derive(Clone, Debug)]
pub struct SignerPart {
    /// The sign types produced.
    pub sign_types: &'static [SignType],
    /// The factory.
    pub factory: Arc<dyn SignerFactory>,
}

/// An encryptor factory bound to its content algorithm.
#[cfg_attr(docsrs, doc(cfg(feature = "alipay-side")))]
#[derive(Clone, Debug)]
pub struct EncryptorPart {
    /// The content algorithm.
    pub algorithm: ContentAlgorithm,
    /// The factory.
    pub factory: Arc<dyn EncryptorFactory>,
}

/// The Alipay-side parts of a provider.
#[derive(Clone, Debug, Default)]
pub(crate) struct AlipayParts {
    pub(crate) signer: Option<SignerPart>,
    pub(crate) encryptors: Vec<EncryptorPart>,
    pub(crate) generator: Option<Arc<dyn KeyGenerator>>,
}

/// A prepared RSA private key that signs like Alipay (SHA1withRSA / SHA256withRSA).
#[cfg_attr(docsrs, doc(cfg(feature = "alipay-side")))]
pub trait EnvelopeSigner: Send + Sync + fmt::Debug {
    /// Signs `message` with the hash of `sign_type`.
    fn sign(&self, sign_type: SignType, message: &[u8]) -> Result<Vec<u8>, Error>;

    /// The matching public key.
    fn public_key(&self) -> &RsaPublicKey;
}

/// A prepared content key that encrypts like Alipay.
///
/// For [`ContentAlgorithm::AesCbc`], `encrypt` is raw CBC over already padded input; for
/// [`ContentAlgorithm::Sm4Gcm`] it returns `ciphertext || tag`.
#[cfg_attr(docsrs, doc(cfg(feature = "alipay-side")))]
pub trait ContentEncryptor: Send + Sync + fmt::Debug {
    /// Encrypts `input` with `iv`.
    fn encrypt(&self, iv: &[u8; 16], input: &[u8]) -> Result<Vec<u8>, Error>;

    /// The key size in bytes.
    fn key_len(&self) -> usize;
}

#[cfg_attr(docsrs, doc(cfg(feature = "alipay-side")))]
impl dyn ContentEncryptor + '_ {
    /// AES-CBC with PKCS#7 padding (for an AES-CBC key).
    pub fn encrypt_cbc(&self, iv: &[u8; 16], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        self.encrypt(iv, &crate::padding::pad(plaintext))
    }
}

// The backends that sign RSA2 only use it.
#[cfg_attr(
    not(any(feature = "ring", feature = "rustcrypto", feature = "aws-lc-rs")),
    allow(dead_code)
)]
pub(crate) fn unsupported_signing(backend: &str, sign_type: SignType) -> Error {
    Error::UnsupportedSignType {
        name: sign_type.as_str().to_owned(),
        reason: format!("the {backend} backend cannot sign it"),
    }
}

// Used by the backends that generate keys; ring alone has none.
#[cfg_attr(
    not(any(feature = "openssl", feature = "rustcrypto", feature = "aws-lc-rs")),
    allow(dead_code)
)]
pub(crate) fn check_bits(bits: usize) -> Result<(), Error> {
    if !crate::keys::RSA_BITS.contains(&bits) {
        return Err(Error::key(KeyRole::RsaPrivate, KeyProblem::UnsupportedSize { bits }));
    }
    Ok(())
}

/// Builds the envelope Alipay would send for `plaintext`.
///
/// With an encryptor: AES-CBC (zero IV, PKCS#7), base64, and the signature over the base64
/// wrapped in double quotes. Without: `response` is the plaintext JSON object itself, signed
/// as its raw text, as Alipay sends unencrypted content.
///
/// ```
/// use phone_crypto::{ContentKey, Backend, ContentAlgorithm, RsaPrivateKey, seal_envelope};
/// let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/");
/// let side = Backend::default().crypto_provider();
/// let signer = side.prepare_signer(&RsaPrivateKey::parse(&std::fs::read_to_string(format!("{data}alipay_private_key.pem"))?)?)?;
/// let enc = side.prepare_encryptor(ContentAlgorithm::AesCbc, &ContentKey::parse("aa4BtZ4tspm2wnXLb1ThQA==")?)?;
/// let body = seal_envelope(r#"{"code":"10000","msg":"Success","mobile":"13800138000"}"#, &*signer, Some(&*enc), phone_core::SignType::Rsa2)?;
/// assert!(body.starts_with(r#"{"response":""#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "alipay-side")))]
pub fn seal_envelope(
    plaintext: &str,
    signer: &dyn EnvelopeSigner,
    encryptor: Option<&dyn ContentEncryptor>,
    sign_type: SignType,
) -> Result<String, Error> {
    let q = |s: &str| serde_json::Value::from(s).to_string();
    let (response, signed) = match encryptor {
        Some(enc) => {
            let b64 = STANDARD.encode(enc.encrypt_cbc(&[0u8; 16], plaintext.as_bytes())?);
            let quoted = format!("\"{b64}\"");
            (quoted.clone(), quoted)
        }
        // A JSON object goes in as it is (the Java SDK refuses the string form); anything
        // else can only be a string, signed as its text.
        None if serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(plaintext).is_ok() => {
            (plaintext.to_owned(), plaintext.to_owned())
        }
        None => (q(plaintext), plaintext.to_owned()),
    };
    let sign = STANDARD.encode(signer.sign(sign_type, signed.as_bytes())?);
    // Alipay's field order; serde_json's map would sort the keys.
    let mut out = format!(
        "{{\"response\":{response},\"sign\":{},\"sign_type\":{}",
        q(&sign),
        q(sign_type.as_str())
    );
    if encryptor.is_some() {
        out.push_str(",\"encrypt_type\":\"AES\"");
    }
    out.push_str(",\"charset\":\"UTF-8\"}");
    Ok(out)
}

/// The plaintext Alipay sends for a successful call.
///
/// ```
/// assert_eq!(phone_crypto::success_plaintext("13800138000"), r#"{"code":"10000","msg":"Success","mobile":"13800138000"}"#);
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "alipay-side")))]
pub fn success_plaintext(mobile: &str) -> String {
    format!(
        r#"{{"code":"10000","msg":"Success","mobile":{}}}"#,
        serde_json::Value::from(mobile)
    )
}
