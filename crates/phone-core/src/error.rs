//! The error enum and its stable kinds (`spec/CONTRACT.md`). How each error is fixed, in two
//! languages, is in `hints`; how a service answers with one (HTTP status, the contract's JSON)
//! in `render`: the type stays readable without either.

use std::fmt;

use crate::shapes::Mistake;

mod hints;
mod render;

/// The stable, machine-readable class of an [`Error`]. [`ErrorKind::as_str`] returns exactly
/// the strings of the project's contract; they never change.
///
/// ```
/// use phone_core::{Error, ErrorKind};
/// assert_eq!(Error::BadSignature.kind(), "bad_signature");
/// assert_eq!(Error::BadSignature.error_kind(), ErrorKind::BadSignature);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `malformed_envelope`
    MalformedEnvelope,
    /// `missing_signature`
    MissingSignature,
    /// `payload_too_large`
    PayloadTooLarge,
    /// `unsupported_sign_type`
    UnsupportedSignType,
    /// `unsupported_encrypt_type`
    UnsupportedEncryptType,
    /// `bad_base64`
    BadBase64,
    /// `key_error`
    KeyError,
    /// `bad_signature`
    BadSignature,
    /// `decrypt_failed`
    DecryptFailed,
    /// `malformed_plaintext`
    MalformedPlaintext,
    /// `alipay_error`
    AlipayError,
    /// `no_phone`
    NoPhone,
    /// `encrypt_failed`: only the Alipay-side tools (building envelopes) produce it.
    EncryptFailed,
}

impl ErrorKind {
    /// Every kind, in the contract's order of checks.
    pub const ALL: [ErrorKind; 13] = [
        Self::KeyError,
        Self::PayloadTooLarge,
        Self::MalformedEnvelope,
        Self::MissingSignature,
        Self::UnsupportedSignType,
        Self::UnsupportedEncryptType,
        Self::BadBase64,
        Self::BadSignature,
        Self::DecryptFailed,
        Self::MalformedPlaintext,
        Self::AlipayError,
        Self::NoPhone,
        Self::EncryptFailed,
    ];

    /// The contract string, e.g. `"bad_signature"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MalformedEnvelope => "malformed_envelope",
            Self::MissingSignature => "missing_signature",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedSignType => "unsupported_sign_type",
            Self::UnsupportedEncryptType => "unsupported_encrypt_type",
            Self::BadBase64 => "bad_base64",
            Self::KeyError => "key_error",
            Self::BadSignature => "bad_signature",
            Self::DecryptFailed => "decrypt_failed",
            Self::MalformedPlaintext => "malformed_plaintext",
            Self::AlipayError => "alipay_error",
            Self::NoPhone => "no_phone",
            Self::EncryptFailed => "encrypt_failed",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which configured key an [`Error::KeyError`] is about.
///
/// ```
/// use phone_core::KeyRole;
/// assert_eq!(KeyRole::AlipayPublic.to_string(), "Alipay public");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyRole {
    /// The Alipay public key (支付宝公钥) or certificate that verifies signatures.
    AlipayPublic,
    /// The content-encryption key (接口内容加密方式): AES, or SM4 for the `SM4` type.
    Aes,
    /// An RSA private key (the Alipay-side tools, or one pasted where a public key belongs).
    RsaPrivate,
    /// A certificate (certificate mode).
    Certificate,
    /// The app id itself: no provider knows it.
    App,
    /// The key provider (a store that failed or timed out).
    KeyProvider,
    /// A keyring file.
    Keyring,
}

impl KeyRole {
    /// The role as it appears in messages, e.g. `"Alipay public"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AlipayPublic => "Alipay public",
            Self::Aes => "AES",
            Self::RsaPrivate => "RSA private",
            Self::Certificate => "certificate",
            Self::App => "app",
            Self::KeyProvider => "key provider",
            Self::Keyring => "keyring",
        }
    }
}

impl fmt::Display for KeyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An underlying error kept as an [`Error`]'s `source()`: only errors that carry no secret
/// (I/O, timeouts, a database driver's connection error) are attached.
pub type ErrorSource = std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>;

/// What is wrong with configured key material. Each variant has its own targeted hint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyProblem {
    /// A private key was given where the Alipay public key belongs.
    PrivateKeyAsPublic,
    /// The text is neither base64, PEM nor DER of a key of the expected kind.
    Unparsable(String),
    /// A key of another algorithm than the sign type needs (e.g. an EC key for RSA2).
    WrongAlgorithm(String),
    /// The RSA modulus is outside what the SDK or the backend accepts.
    UnsupportedSize {
        /// The key's modulus size in bits.
        bits: usize,
    },
    /// An AES key that does not decode to 16, 24 or 32 bytes.
    AesKeyLength {
        /// The decoded length in bytes.
        len: usize,
    },
    /// A public key was given where a private key belongs.
    PublicKeyAsPrivate,
    /// The backend refused the key although it parsed.
    Rejected(String),
    /// No key provider knows this app id.
    UnknownApp(String),
    /// A key provider failed or timed out (a server-side problem, not the payload's).
    ProviderFailed(String),
    /// A key provider is configured wrongly (no provider, a keyring file that does not parse,
    /// a setting out of range): the operator's to fix, not the key text's.
    Misconfigured(String),
}

/// An Alipay business error found in the decrypted plaintext (`code` other than `10000`).
///
/// ```
/// use phone_core::AlipayError;
/// let e = AlipayError::new("40003", "Insufficient Conditions", Some("isv.invalid-auth-relations"), None);
/// assert!(e.hint().unwrap().contains("getAuthorize"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlipayError {
    /// Alipay's `code`, e.g. `40003`.
    pub code: String,
    /// Alipay's `msg`.
    pub msg: String,
    /// Alipay's `subCode`, e.g. `isv.invalid-auth-relations`.
    pub sub_code: Option<String>,
    /// Alipay's `subMsg` (often Chinese).
    pub sub_msg: Option<String>,
}

impl AlipayError {
    /// Builds an Alipay error from its fields.
    pub fn new(code: &str, msg: &str, sub_code: Option<&str>, sub_msg: Option<&str>) -> Self {
        Self {
            code: code.to_owned(),
            msg: msg.to_owned(),
            sub_code: sub_code.map(str::to_owned),
            sub_msg: sub_msg.map(str::to_owned),
        }
    }
}

impl fmt::Display for AlipayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Alipay returned {} {}", self.code, self.msg)?;
        match (&self.sub_code, &self.sub_msg) {
            (Some(c), Some(m)) => write!(f, " ({c}: {m})"),
            (Some(c), None) => write!(f, " ({c})"),
            (None, Some(m)) => write!(f, " ({m})"),
            (None, None) => Ok(()),
        }
    }
}

/// Everything that can go wrong between the posted text and a phone number.
///
/// Messages never contain key material, a phone number or ciphertext; values taken from the
/// envelope are truncated before they are echoed. [`Error::hint`] says how to fix it.
///
/// ```
/// use phone_core::Error;
/// let e = Error::MissingSignature;
/// assert_eq!(e.kind(), "missing_signature");
/// assert!(e.hint().unwrap().contains("接口加签方式"));
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The posted text is not a well-formed envelope.
    #[error("malformed envelope: {0}")]
    MalformedEnvelope(String),
    /// The body is a known front-end mistake (PROTOCOL.md 0.4): kind `malformed_envelope`,
    /// with a hint of its own that says what to post instead.
    #[error("malformed envelope: {0}")]
    WrongShape(Mistake),
    /// The envelope has no `sign` and unsigned envelopes are not allowed.
    #[error("the envelope has no signature (`sign` is absent or empty)")]
    MissingSignature,
    /// The envelope is larger than the configured limit.
    #[error("the envelope is {size} bytes, over the limit of {limit} bytes")]
    PayloadTooLarge {
        /// Size of the posted text in bytes.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The sign type is unknown or the backend cannot do it.
    #[error("unsupported sign_type {name:?}: {reason}")]
    UnsupportedSignType {
        /// The declared type (truncated).
        name: String,
        /// Why it is unsupported.
        reason: String,
    },
    /// The encrypt type is unknown or the backend cannot do it.
    #[error("unsupported encrypt_type {name:?}: {reason}")]
    UnsupportedEncryptType {
        /// The declared type (truncated).
        name: String,
        /// Why it is unsupported.
        reason: String,
    },
    /// `sign` or the encrypted `response` is not strict standard base64.
    #[error("`{field}` is not valid base64")]
    BadBase64 {
        /// Which field: `sign` or `response`.
        field: &'static str,
    },
    /// Configured key material cannot be used.
    #[error("{role} key: {problem}")]
    KeyError {
        /// Which key.
        role: KeyRole,
        /// What is wrong with it.
        problem: KeyProblem,
        /// The underlying failure (e.g. the key store's I/O error), never one holding a secret.
        #[source]
        source: Option<ErrorSource>,
    },
    /// The signature does not verify. Deliberately uniform: no detail that helps an attacker.
    #[error("the signature does not verify with the configured Alipay public key")]
    BadSignature,
    /// The verified ciphertext does not decrypt.
    #[error("the content does not decrypt: {0}")]
    DecryptFailed(&'static str),
    /// The decrypted bytes are not the expected JSON.
    #[error("malformed plaintext: {0}")]
    MalformedPlaintext(String),
    /// Alipay answered with a business error.
    #[error("{0}")]
    AlipayError(AlipayError),
    /// Success, but the account has no phone number bound.
    #[error("Alipay returned success but no mobile number")]
    NoPhone,
    /// Alipay-side content encryption failed (building envelopes in tools and tests; opening
    /// an envelope never returns it).
    #[error("the content could not be encrypted: {0}")]
    EncryptFailed(&'static str),
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PrivateKeyAsPublic => f.write_str("this is a private key, but a public key belongs here"),
            Self::PublicKeyAsPrivate => f.write_str("this is a public key, but a private key belongs here"),
            Self::Unparsable(why) => write!(f, "not a usable key ({why})"),
            Self::WrongAlgorithm(what) => write!(f, "wrong key algorithm: {what}"),
            Self::UnsupportedSize { bits } => {
                write!(
                    f,
                    "a {bits}-bit RSA key is outside the accepted range of 1024 to 4096 bits"
                )
            }
            Self::AesKeyLength { len } => {
                write!(f, "decodes to {len} bytes; an AES key is 16, 24 or 32 bytes")
            }
            Self::Rejected(why) => write!(f, "the crypto backend rejected it ({why})"),
            Self::UnknownApp(app) => write!(f, "no keys are configured for app {app:?}"),
            Self::ProviderFailed(why) => write!(f, "the key provider failed: {why}"),
            Self::Misconfigured(why) => write!(f, "the key provider is misconfigured: {why}"),
        }
    }
}

impl Error {
    /// A key error without an underlying source.
    ///
    /// ```
    /// use phone_core::{Error, KeyProblem, KeyRole};
    /// let e = Error::key(KeyRole::Aes, KeyProblem::AesKeyLength { len: 7 });
    /// assert_eq!(e.kind(), "key_error");
    /// ```
    pub fn key(role: KeyRole, problem: KeyProblem) -> Self {
        Self::KeyError {
            role,
            problem,
            source: None,
        }
    }

    /// A key error with the underlying failure kept as its `source()`; only for sources that
    /// hold no secret.
    pub fn key_with_source(
        role: KeyRole,
        problem: KeyProblem,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::KeyError {
            role,
            problem,
            source: Some(std::sync::Arc::new(source)),
        }
    }

    /// Whether the failure is the server's own configuration (keys, key store) rather than
    /// the posted payload: an HTTP service answers 5xx for these.
    pub fn is_server_side(&self) -> bool {
        matches!(self, Self::KeyError { .. })
    }

    /// The stable kind string of the contract, e.g. `"bad_signature"`.
    pub fn kind(&self) -> &'static str {
        self.error_kind().as_str()
    }

    /// The kind as an enum.
    pub fn error_kind(&self) -> ErrorKind {
        match self {
            Self::MalformedEnvelope(_) | Self::WrongShape(_) => ErrorKind::MalformedEnvelope,
            Self::MissingSignature => ErrorKind::MissingSignature,
            Self::PayloadTooLarge { .. } => ErrorKind::PayloadTooLarge,
            Self::UnsupportedSignType { .. } => ErrorKind::UnsupportedSignType,
            Self::UnsupportedEncryptType { .. } => ErrorKind::UnsupportedEncryptType,
            Self::BadBase64 { .. } => ErrorKind::BadBase64,
            Self::KeyError { .. } => ErrorKind::KeyError,
            Self::BadSignature => ErrorKind::BadSignature,
            Self::DecryptFailed(_) => ErrorKind::DecryptFailed,
            Self::MalformedPlaintext(_) => ErrorKind::MalformedPlaintext,
            Self::AlipayError(_) => ErrorKind::AlipayError,
            Self::NoPhone => ErrorKind::NoPhone,
            Self::EncryptFailed(_) => ErrorKind::EncryptFailed,
        }
    }

    /// The front-end mistake behind a `malformed_envelope`, when the parser recognised one.
    ///
    /// ```
    /// use phone_core::{Envelope, Mistake, ParseOptions};
    /// let body = r#"{"response":"QUJD","encryptedData":"QUJD","sign":"c2ln"}"#;
    /// let err = Envelope::parse(body, &ParseOptions::default()).unwrap_err();
    /// assert_eq!(err.mistake().map(Mistake::check_id), Some("ambiguous_content"));
    /// ```
    pub fn mistake(&self) -> Option<&Mistake> {
        match self {
            Self::WrongShape(m) => Some(m),
            _ => None,
        }
    }

    /// The Alipay error carried by an `alipay_error`.
    pub fn alipay(&self) -> Option<&AlipayError> {
        match self {
            Self::AlipayError(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_the_contract_strings() {
        let all: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            all,
            [
                "key_error",
                "payload_too_large",
                "malformed_envelope",
                "missing_signature",
                "unsupported_sign_type",
                "unsupported_encrypt_type",
                "bad_base64",
                "bad_signature",
                "decrypt_failed",
                "malformed_plaintext",
                "alipay_error",
                "no_phone",
                "encrypt_failed"
            ]
        );
    }

    #[test]
    fn kinds_and_roles_display_as_their_strings() {
        for kind in ErrorKind::ALL {
            assert_eq!(kind.to_string(), kind.as_str());
        }
        assert_eq!(ErrorKind::NoPhone.to_string(), "no_phone");
        assert_eq!(KeyRole::Aes.to_string(), "AES");
        assert_eq!(KeyRole::KeyProvider.as_str(), "key provider");
    }

    #[test]
    fn only_key_errors_are_server_side() {
        assert!(Error::key(KeyRole::App, KeyProblem::UnknownApp("2021".into())).is_server_side());
        let io = std::io::Error::other("store down");
        let e = Error::key_with_source(KeyRole::KeyProvider, KeyProblem::ProviderFailed("timeout".into()), io);
        assert!(e.is_server_side());
        assert_eq!(e.kind(), "key_error");
        assert_eq!(e.to_string(), "key provider key: the key provider failed: timeout");
        assert_eq!(
            std::error::Error::source(&e).map(ToString::to_string).as_deref(),
            Some("store down")
        );
        for e in [
            Error::BadSignature,
            Error::NoPhone,
            Error::DecryptFailed("x"),
            Error::MissingSignature,
        ] {
            assert!(!e.is_server_side(), "{e:?}");
        }
    }

    #[test]
    fn alipay_errors_display_every_combination_of_sub_fields() {
        let show = |sc: Option<&str>, sm: Option<&str>| {
            AlipayError::new("40003", "Insufficient Conditions", sc, sm).to_string()
        };
        assert_eq!(
            show(Some("isv.invalid-auth-relations"), Some("无效的授权关系")),
            "Alipay returned 40003 Insufficient Conditions (isv.invalid-auth-relations: 无效的授权关系)"
        );
        assert_eq!(
            show(Some("isv.invalid-auth-relations"), None),
            "Alipay returned 40003 Insufficient Conditions (isv.invalid-auth-relations)"
        );
        assert_eq!(
            show(None, Some("m")),
            "Alipay returned 40003 Insufficient Conditions (m)"
        );
        assert_eq!(show(None, None), "Alipay returned 40003 Insufficient Conditions");
    }
}
