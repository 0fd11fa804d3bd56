//! Choosing a compiled backend by name.

use std::fmt;
use std::str::FromStr;

use crate::backend::CryptoBackend;

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
    Ring,
    /// The system OpenSSL (feature `openssl`).
    #[cfg(feature = "openssl")]
    OpenSsl,
    /// Pure Rust: `rsa`, `aes`, `cbc` (feature `rustcrypto`).
    #[cfg(feature = "rustcrypto")]
    RustCrypto,
    /// AWS-LC through aws-lc-rs (feature `aws-lc-rs`).
    #[cfg(feature = "aws-lc-rs")]
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
        self.provider().name()
    }

    /// Looks a compiled backend up by name (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|b| b.name().eq_ignore_ascii_case(name))
    }

    /// The backend implementation.
    pub fn provider(self) -> &'static dyn CryptoBackend {
        match self {
            #[cfg(feature = "ring")]
            Backend::Ring => &crate::backends::ring::RingBackend,
            #[cfg(feature = "openssl")]
            Backend::OpenSsl => &crate::backends::openssl::OpenSslBackend,
            #[cfg(feature = "rustcrypto")]
            Backend::RustCrypto => &crate::backends::rustcrypto::RustCryptoBackend,
            #[cfg(feature = "aws-lc-rs")]
            Backend::AwsLc => &crate::backends::aws_lc_rs::AwsLcBackend,
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
