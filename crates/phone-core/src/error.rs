//! The error enum and its stable kinds (`spec/CONTRACT.md`).

use std::fmt;

use crate::shapes::Mistake;
use crate::{Lang, codes};

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

    /// The documented fix for this code and sub-code, where Alipay documents one (English).
    pub fn hint(&self) -> Option<&'static str> {
        self.hint_in(Lang::En)
    }

    /// The documented fix in `lang`, where Alipay documents one.
    ///
    /// ```
    /// use phone_core::{AlipayError, Lang};
    /// let e = AlipayError::new("40006", "Insufficient Permissions", None, None);
    /// assert!(e.hint_in(Lang::Zh).unwrap().contains("获取会员手机号"));
    /// ```
    pub fn hint_in(&self, lang: Lang) -> Option<&'static str> {
        codes::hint_for_in(&self.code, self.sub_code.as_deref(), lang)
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

    /// The HTTP status a service answers with for this error. Plain `u16`: phone-core has no
    /// HTTP dependency.
    ///
    /// | status | kinds | whose problem |
    /// | --- | --- | --- |
    /// | 400 | `malformed_envelope` | the request |
    /// | 403 | `missing_signature`, `bad_signature` | the payload is not proven to come from Alipay |
    /// | 413 | `payload_too_large` | the request |
    /// | 422 | `bad_base64`, `unsupported_sign_type`, `unsupported_encrypt_type`, `no_phone`, `alipay_error` (but 20000) | the payload or the user's authorisation |
    /// | 404 | `key_error` with [`KeyProblem::UnknownApp`]: no provider knows the app id (a made-up id is the caller's mistake, not a server fault: no 5xx alert, no load-balancer ejection) | the request |
    /// | 500 | `key_error` (a known app's wrong or missing keys), `decrypt_failed` (a verified payload our AES key cannot open), `encrypt_failed` | this server's configuration |
    /// | 502 | `malformed_plaintext` | Alipay's content is not what the protocol says |
    /// | 503 | `alipay_error` 20000 (Alipay busy), `key_error` with [`KeyProblem::ProviderFailed`] (the key store cannot be reached) | temporary: retry later |
    ///
    /// ```
    /// use phone_core::{AlipayError, Error, KeyProblem, KeyRole};
    /// assert_eq!(Error::BadSignature.http_status(), 403);
    /// assert_eq!(Error::key(KeyRole::App, KeyProblem::UnknownApp("2021".into())).http_status(), 404);
    /// // Temporary: the key store is down, or Alipay is busy.
    /// let store_down = Error::key(KeyRole::KeyProvider, KeyProblem::ProviderFailed("timeout".into()));
    /// assert_eq!(store_down.http_status(), 503);
    /// let busy = Error::AlipayError(AlipayError::new("20000", "Service Currently Unavailable", None, None));
    /// assert_eq!(busy.http_status(), 503);
    /// ```
    pub fn http_status(&self) -> u16 {
        match self {
            Self::MalformedEnvelope(_) | Self::WrongShape(_) => 400,
            Self::MissingSignature | Self::BadSignature => 403,
            Self::PayloadTooLarge { .. } => 413,
            Self::BadBase64 { .. }
            | Self::UnsupportedSignType { .. }
            | Self::UnsupportedEncryptType { .. }
            | Self::NoPhone => 422,
            Self::AlipayError(a) if a.code == "20000" => 503,
            Self::AlipayError(_) => 422,
            Self::KeyError {
                problem: KeyProblem::ProviderFailed(_),
                ..
            } => 503,
            Self::KeyError {
                problem: KeyProblem::UnknownApp(_),
                ..
            } => 404,
            Self::KeyError { .. } | Self::DecryptFailed(_) | Self::EncryptFailed(_) => 500,
            Self::MalformedPlaintext(_) => 502,
        }
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

    /// The contract's failure object: `{"status":"error","kind","message","hint","hint_zh"}`,
    /// plus `code`, `msg`, `sub_code`, `sub_msg` for an `alipay_error`. `hint` is English and
    /// `hint_zh` the same fix in Chinese (an addition to the contract's fields). The CLI prints
    /// it and HTTP services can return it as is; it holds no key, number or ciphertext.
    ///
    /// ```
    /// let v = phone_core::Error::NoPhone.to_contract_json();
    /// assert_eq!(v["status"], "error");
    /// assert_eq!(v["kind"], "no_phone");
    /// assert_eq!(v["hint"], phone_core::Error::NoPhone.hint().unwrap());
    /// assert!(v["hint_zh"].as_str().unwrap().contains("手机号"));
    /// ```
    pub fn to_contract_json(&self) -> serde_json::Value {
        self.to_contract_json_in(Lang::En)
    }

    /// [`Error::to_contract_json`] with `hint` in `lang` (for a service answering in the
    /// language its client asked for); `hint_zh` is always the Chinese fix.
    ///
    /// ```
    /// use phone_core::{Error, Lang};
    /// let v = Error::BadSignature.to_contract_json_in(Lang::Zh);
    /// assert_eq!(v["hint"], v["hint_zh"]);
    /// assert_eq!(v["kind"], "bad_signature");
    /// ```
    pub fn to_contract_json_in(&self, lang: Lang) -> serde_json::Value {
        let mut v = serde_json::json!({
            "status": "error",
            "kind": self.kind(),
            "message": self.to_string(),
            "hint": self.hint_in(lang),
            "hint_zh": self.hint_in(Lang::Zh),
        });
        if let Some(a) = self.alipay() {
            v["code"] = a.code.clone().into();
            v["msg"] = a.msg.clone().into();
            v["sub_code"] = a.sub_code.clone().into();
            v["sub_msg"] = a.sub_msg.clone().into();
        }
        v
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

    /// How to fix it: the documented fix where Alipay documents one, otherwise our advice.
    /// English; [`Error::hint_in`] gives it in another language.
    pub fn hint(&self) -> Option<&'static str> {
        self.hint_in(Lang::En)
    }

    /// How to fix it, in `lang`: the same advice as [`Error::hint`], written in Chinese with the
    /// console's own names for [`Lang::Zh`].
    ///
    /// ```
    /// use phone_core::{Error, Lang};
    /// let e = Error::DecryptFailed("bad padding");
    /// assert!(e.hint_in(Lang::Zh).unwrap().contains("接口内容加密方式"));
    /// assert_eq!(e.hint_in(Lang::En), e.hint());
    /// ```
    pub fn hint_in(&self, lang: Lang) -> Option<&'static str> {
        let (en, zh) = match self {
            Self::MalformedEnvelope(_) => (
                "post the mini-program's res.response unchanged as the request body (JSON, not form-encoded)",
                "把小程序拿到的 res.response 原样作为请求体提交给后端（JSON 格式，不要用表单编码，也不要改动或再包一层）",
            ),
            Self::MissingSignature => (
                "Alipay signs the response only when the console has a signing method (接口加签方式) with the Alipay public key, a content-encryption key (接口内容加密方式) and an application gateway configured; fix the console, then the user must authorise again",
                "只有在开放平台控制台配好接口加签方式（并取得支付宝公钥）、接口内容加密方式和应用网关后，支付宝才会对返回内容加签；改好控制台配置后，用户需要重新授权",
            ),
            Self::PayloadTooLarge { .. } => (
                "a phone-number envelope is well under 1 KiB; raise the limit only if you really expect larger bodies",
                "获取会员手机号的返回报文远小于 1 KiB；只有确实要处理更大的请求体时才调高上限（max_envelope_bytes）",
            ),
            Self::UnsupportedSignType { .. } => (
                "Alipay signs this flow with RSA2 (SHA256withRSA) or RSA (SHA1withRSA); SM2 needs a backend that supports it",
                "这个接口的返回由支付宝用 RSA2（SHA256withRSA）或 RSA（SHA1withRSA）加签；SM2 需要换用支持国密的后端",
            ),
            Self::UnsupportedEncryptType { .. } => (
                "the phone flow is encrypted with AES (接口内容加密方式 = AES); check the console setting or pick a backend that supports the type",
                "手机号内容用 AES 加密（接口内容加密方式选 AES）；请检查控制台设置，或换一个支持该加密类型的后端",
            ),
            Self::BadBase64 { .. } => (
                "if the base64 has spaces where '+' belonged, the front end sent the payload form-encoded: post res.response as JSON instead",
                "如果 base64 里本该是 '+' 的地方变成了空格，说明前端用表单编码提交了数据：请把 res.response 作为 JSON 原样提交",
            ),
            Self::KeyError { problem, .. } => return Some(problem.hint_in(lang)),
            Self::WrongShape(m) => return Some(m.hint_in(lang)),
            Self::BadSignature => (
                "verify with the Alipay public key (支付宝公钥), not the app's own public key; check RSA vs RSA2; the signed bytes of encrypted content include a pair of double quotes",
                "验签要用支付宝公钥，不是自己上传的应用公钥；核对接口加签方式是 RSA 还是 RSA2；加密内容的待验签字符串两侧带有双引号",
            ),
            Self::DecryptFailed(_) => (
                "the AES key (接口内容加密方式) does not match the one in the Alipay console for this mini-program; after a key reset, configure the new key",
                "AES 密钥和开放平台控制台里这个小程序的接口内容加密方式不一致；如果重置过密钥，要换成新的密钥",
            ),
            Self::MalformedPlaintext(_) => (
                "the content decrypted to something that is not Alipay's JSON: usually the wrong AES key or charset",
                "解密出来的不是支付宝的 JSON：通常是 AES 密钥（接口内容加密方式）或字符集（charset）不对",
            ),
            Self::AlipayError(e) => return e.hint_in(lang),
            Self::NoPhone => (
                "the user has no phone number bound to the Alipay account; they must bind one in Alipay's account settings",
                "该用户的支付宝账号没有绑定手机号，需要用户先在支付宝的账号设置里绑定手机号",
            ),
            Self::EncryptFailed(_) => (
                "check the content key's length (16, 24 or 32 bytes) and that the backend supports the encrypt type",
                "检查内容加密密钥的长度（16、24 或 32 字节），以及所选后端是否支持这种加密类型",
            ),
        };
        Some(pick(lang, en, zh))
    }
}

/// One of a pair of texts by language.
fn pick(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

impl KeyProblem {
    /// A targeted hint for this problem (English; [`KeyProblem::hint_in`] for another language).
    pub fn hint(&self) -> &'static str {
        self.hint_in(Lang::En)
    }

    /// A targeted hint for this problem, in `lang`.
    ///
    /// ```
    /// use phone_core::{KeyProblem, Lang};
    /// assert!(KeyProblem::PrivateKeyAsPublic.hint_in(Lang::Zh).contains("支付宝公钥"));
    /// ```
    pub fn hint_in(&self, lang: Lang) -> &'static str {
        let (en, zh) = match self {
            Self::PrivateKeyAsPublic => (
                "configure the Alipay public key (支付宝公钥) from the console's key settings; never put a private key here",
                "这里要填开放平台控制台接口加签方式里查看到的支付宝公钥；私钥绝不能填在这里",
            ),
            Self::PublicKeyAsPrivate => (
                "an Alipay-side signer needs the RSA private key, PKCS#8 or PKCS#1",
                "模拟支付宝签名的工具需要 RSA 私钥（PKCS#8 或 PKCS#1 格式）",
            ),
            Self::Unparsable(_) => (
                "paste the key as the console shows it (one line of base64), or as PEM (BEGIN PUBLIC KEY), PKCS#1 (BEGIN RSA PUBLIC KEY) or an X.509 certificate",
                "按控制台显示的样子粘贴密钥（一行 base64），或者用 PEM（BEGIN PUBLIC KEY）、PKCS#1（BEGIN RSA PUBLIC KEY）或 X.509 证书（公钥证书模式下的 alipayCertPublicKey_RSA2.crt）",
            ),
            Self::WrongAlgorithm(_) => (
                "the phone flow's RSA and RSA2 sign types need an RSA key",
                "手机号接口的 RSA、RSA2 加签方式需要 RSA 密钥",
            ),
            Self::UnsupportedSize { .. } => (
                "Alipay keys are RSA-2048 (RSA2) or, for legacy apps, RSA-1024",
                "支付宝的密钥是 RSA-2048（RSA2），老应用也可能是 RSA-1024",
            ),
            Self::AesKeyLength { .. } => (
                "the AES key (接口内容加密方式) is 24 characters of base64 in the console; a much longer value is usually an RSA key pasted by mistake",
                "控制台接口内容加密方式里的 AES 密钥是 24 个字符的 base64；长得多的值通常是误贴进来的 RSA 密钥",
            ),
            Self::Rejected(_) => (
                "check that the key is a valid RSA key; try another backend to compare",
                "检查这是不是有效的 RSA 密钥；可以换一个后端对比一下",
            ),
            Self::UnknownApp(_) => (
                "add the app id to the key configuration (a keyring table, ALIPAY_PUBLIC_KEY_<APPID>/ALIPAY_AES_KEY_<APPID>, or your provider)",
                "把这个 AppID 加进密钥配置（keyring 文件里的表、环境变量 ALIPAY_PUBLIC_KEY_<APPID>/ALIPAY_AES_KEY_<APPID>，或你自己的密钥提供方）",
            ),
            Self::ProviderFailed(_) => (
                "the key store is unreachable or slow; the request can be retried",
                "密钥存储连不上或响应太慢；这个请求可以稍后重试",
            ),
        };
        pick(lang, en, zh)
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
    fn every_kind_has_its_documented_http_status() {
        let example = |kind: ErrorKind| match kind {
            ErrorKind::MalformedEnvelope => Error::MalformedEnvelope("x".into()),
            ErrorKind::MissingSignature => Error::MissingSignature,
            ErrorKind::PayloadTooLarge => Error::PayloadTooLarge { size: 2, limit: 1 },
            ErrorKind::UnsupportedSignType => Error::UnsupportedSignType {
                name: "SM2".into(),
                reason: "r".into(),
            },
            ErrorKind::UnsupportedEncryptType => Error::UnsupportedEncryptType {
                name: "SM4".into(),
                reason: "r".into(),
            },
            ErrorKind::BadBase64 => Error::BadBase64 { field: "sign" },
            ErrorKind::KeyError => Error::key(KeyRole::Aes, KeyProblem::AesKeyLength { len: 7 }),
            ErrorKind::BadSignature => Error::BadSignature,
            ErrorKind::DecryptFailed => Error::DecryptFailed("padding"),
            ErrorKind::MalformedPlaintext => Error::MalformedPlaintext("x".into()),
            ErrorKind::AlipayError => Error::AlipayError(AlipayError::new("40003", "m", None, None)),
            ErrorKind::NoPhone => Error::NoPhone,
            ErrorKind::EncryptFailed => Error::EncryptFailed("x"),
        };
        let want = |kind: ErrorKind| match kind {
            ErrorKind::MalformedEnvelope => 400,
            ErrorKind::MissingSignature | ErrorKind::BadSignature => 403,
            ErrorKind::PayloadTooLarge => 413,
            ErrorKind::UnsupportedSignType
            | ErrorKind::UnsupportedEncryptType
            | ErrorKind::BadBase64
            | ErrorKind::AlipayError
            | ErrorKind::NoPhone => 422,
            ErrorKind::KeyError | ErrorKind::DecryptFailed | ErrorKind::EncryptFailed => 500,
            ErrorKind::MalformedPlaintext => 502,
        };
        for kind in ErrorKind::ALL {
            let e = example(kind);
            assert_eq!(e.error_kind(), kind);
            assert_eq!(e.http_status(), want(kind), "{kind}");
        }
        // The two temporary failures: retry later.
        let busy = Error::AlipayError(AlipayError::new("20000", "Service Currently Unavailable", None, None));
        assert_eq!(busy.http_status(), 503);
        let store_down = Error::key_with_source(
            KeyRole::KeyProvider,
            KeyProblem::ProviderFailed("timeout".into()),
            std::io::Error::other("down"),
        );
        assert_eq!(store_down.http_status(), 503);
        // An app id no provider knows is the request's: 404.
        assert_eq!(
            Error::key(KeyRole::App, KeyProblem::UnknownApp("2021".into())).http_status(),
            404
        );
        // Every other key problem is the configuration: 500.
        for problem in [
            KeyProblem::PrivateKeyAsPublic,
            KeyProblem::PublicKeyAsPrivate,
            KeyProblem::Unparsable("x".into()),
            KeyProblem::WrongAlgorithm("EC".into()),
            KeyProblem::UnsupportedSize { bits: 512 },
            KeyProblem::AesKeyLength { len: 7 },
            KeyProblem::Rejected("x".into()),
        ] {
            assert_eq!(
                Error::key(KeyRole::AlipayPublic, problem.clone()).http_status(),
                500,
                "{problem:?}"
            );
        }
    }

    #[test]
    fn aes_key_length_hint_mentions_pasted_rsa_key() {
        let e = Error::key(KeyRole::Aes, KeyProblem::AesKeyLength { len: 1218 });
        assert_eq!(e.kind(), "key_error");
        assert!(e.hint().unwrap().contains("RSA key"));
        assert!(e.to_string().contains("1218 bytes"));
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
        let e = AlipayError::new("40003", "m", Some("isv.invalid-auth-relations"), None);
        assert_eq!(e.hint(), Some(codes::hint_for("40003", None).unwrap()));
        assert_eq!(AlipayError::new("12345", "m", None, None).hint(), None);
    }

    #[test]
    fn the_contract_json_carries_alipays_fields() {
        let e = Error::AlipayError(AlipayError::new("40006", "Insufficient Permissions", Some("s"), None));
        assert_eq!(e.alipay().map(|a| a.code.as_str()), Some("40006"));
        let v = e.to_contract_json();
        assert_eq!(v["kind"], "alipay_error");
        assert_eq!(v["message"], "Alipay returned 40006 Insufficient Permissions (s)");
        assert_eq!(v["hint"], codes::hint_for("40006", None).unwrap());
        assert_eq!(
            (&v["code"], &v["msg"], &v["sub_code"]),
            (&"40006".into(), &"Insufficient Permissions".into(), &"s".into())
        );
        assert!(v["sub_msg"].is_null());
        assert_eq!(Error::NoPhone.alipay(), None);
    }
}
