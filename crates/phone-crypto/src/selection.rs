//! Choosing a compiled backend by name.

use std::fmt;
use std::str::FromStr;

use std::sync::Arc;

use crate::backend::CryptoBackend;
use crate::capabilities::{BUILTIN_BACKENDS, BackendInfo, Capabilities};

/// A compiled-in backend. Variants exist only when their feature is on, so code that names a
/// backend the build lacks fails to compile rather than at run time.
///
/// ```
/// use phone_crypto::Backend;
/// let b = Backend::default();
/// assert_eq!(Backend::from_name(b.name()), Some(b));
/// assert!(Backend::ALL.contains(&b));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// ring for RSA, RustCrypto `aes` + `cbc` for AES-CBC (feature `ring`).
    #[cfg(feature = "ring")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ring")))]
    Ring,
    /// The system OpenSSL (feature `openssl`).
    #[cfg(feature = "openssl")]
    #[cfg_attr(docsrs, doc(cfg(feature = "openssl")))]
    OpenSsl,
    /// Pure Rust: `rsa`, `aes`, `cbc` (feature `rustcrypto`).
    #[cfg(feature = "rustcrypto")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rustcrypto")))]
    RustCrypto,
    /// AWS-LC through aws-lc-rs (feature `aws-lc-rs`).
    #[cfg(feature = "aws-lc-rs")]
    #[cfg_attr(docsrs, doc(cfg(feature = "aws-lc-rs")))]
    AwsLc,
}

impl Backend {
    /// Every compiled backend, default first.
    pub const ALL: &'static [Backend] = &[
        #[cfg(feature = "ring")]
        Backend::Ring,
        #[cfg(feature = "rustcrypto")]
        Backend::RustCrypto,
        #[cfg(feature = "openssl")]
        Backend::OpenSsl,
        #[cfg(feature = "aws-lc-rs")]
        Backend::AwsLc,
    ];

    /// The backend's stable name: `ring`, `openssl`, `rustcrypto` or `aws-lc-rs`.
    pub fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "ring")]
            Backend::Ring => "ring",
            #[cfg(feature = "openssl")]
            Backend::OpenSsl => "openssl",
            #[cfg(feature = "rustcrypto")]
            Backend::RustCrypto => "rustcrypto",
            #[cfg(feature = "aws-lc-rs")]
            Backend::AwsLc => "aws-lc-rs",
        }
    }

    /// What the backend verifies and decrypts (data; nothing is prepared).
    pub fn capabilities(self) -> Capabilities {
        self.info().capabilities
    }

    /// The backend's entry in [`BUILTIN_BACKENDS`].
    pub fn info(self) -> &'static BackendInfo {
        let name = self.name();
        BUILTIN_BACKENDS
            .iter()
            .find(|b| b.name == name)
            .unwrap_or(&BUILTIN_BACKENDS[0])
    }

    /// Looks a compiled backend up by name (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|b| b.name().eq_ignore_ascii_case(name))
    }

    /// The backend implementation, as the shared handle every API takes.
    pub fn provider(self) -> Arc<dyn CryptoBackend> {
        match self {
            #[cfg(feature = "ring")]
            Backend::Ring => Arc::new(crate::backends::ring::RingBackend),
            #[cfg(feature = "openssl")]
            Backend::OpenSsl => Arc::new(crate::backends::openssl::OpenSslBackend),
            #[cfg(feature = "rustcrypto")]
            Backend::RustCrypto => Arc::new(crate::backends::rustcrypto::RustCryptoBackend),
            #[cfg(feature = "aws-lc-rs")]
            Backend::AwsLc => Arc::new(crate::backends::aws_lc_rs::AwsLcBackend),
        }
    }
}

impl Default for Backend {
    /// ring when compiled, then RustCrypto, then OpenSSL.
    fn default() -> Self {
        Self::ALL[0]
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// The name did not match a compiled backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownBackend(pub String);

impl fmt::Display for UnknownBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Backend::ALL.iter().map(|b| b.name()).collect();
        write!(
            f,
            "no backend named {:?} in this build (compiled: {})",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownBackend {}

impl FromStr for Backend {
    type Err = UnknownBackend;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_name(s).ok_or_else(|| UnknownBackend(s.to_owned()))
    }
}
