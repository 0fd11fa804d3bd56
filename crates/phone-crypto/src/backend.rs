//! The user's selector of a built-in backend, and the catalogue of them all.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use crate::capabilities::{BackendInfo, Capabilities};
use crate::provider::CryptoProvider;

/// The built-in backends, in the order of [`Backend::ALL`] and [`BUILTIN_BACKENDS`] (default
/// first). Each line is a variant, its module in `backends/` (whose `parts!` list is the one
/// source of its name, capabilities and parts) and its feature.
macro_rules! builtin_backends {
    ($($(#[doc = $doc:literal])* $variant:ident => $module:ident, feature $feature:literal;)*) => {
        /// A compiled-in backend. Variants exist only when their feature is on, so code that
        /// names a backend the build lacks fails to compile rather than at run time.
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
            $(
                $(#[doc = $doc])*
                #[cfg(feature = $feature)]
                #[cfg_attr(docsrs, doc(cfg(feature = $feature)))]
                $variant,
            )*
        }

        impl Backend {
            /// Every compiled backend, default first.
            pub const ALL: &'static [Backend] = &[$(#[cfg(feature = $feature)] Backend::$variant,)*];

            /// The backend's entry in [`BUILTIN_BACKENDS`]: name, feature, capabilities.
            pub fn info(self) -> &'static BackendInfo {
                match self {
                    $(#[cfg(feature = $feature)] Backend::$variant => &crate::backends::$module::INFO,)*
                }
            }

            /// The backend's parts, as the shared handle every API takes (assembled once per
            /// process).
            pub fn crypto_provider(self) -> Arc<CryptoProvider> {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Backend::$variant => {
                            static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
                            PROVIDER.get_or_init(|| Arc::new(crate::backends::$module::provider())).clone()
                        }
                    )*
                }
            }
        }

        /// The SDK's own backends, compiled in or not: what a refusal names as a backend that
        /// can, and what the README's table and `--help` show.
        pub const BUILTIN_BACKENDS: &[BackendInfo] = &[$(crate::backends::$module::INFO,)*];
    };
}

builtin_backends! {
    /// ring for RSA, RustCrypto `aes` + `cbc` for AES-CBC (feature `ring`).
    Ring => ring, feature "ring";
    /// Pure Rust: `rsa`, `sm2`, `aes` + `cbc`, `sm4` (feature `rustcrypto`).
    RustCrypto => rustcrypto, feature "rustcrypto";
    /// The system OpenSSL (feature `openssl`).
    OpenSsl => openssl, feature "openssl";
    /// AWS-LC through aws-lc-rs (feature `aws-lc-rs`).
    AwsLc => aws_lc_rs, feature "aws-lc-rs";
    /// graviola for RSA2 (Rust and formally verified assembly), RustCrypto `aes` + `cbc` for
    /// AES-CBC (feature `graviola`).
    Graviola => graviola, feature "graviola";
}

impl Backend {
    /// The backend's stable name: `ring`, `rustcrypto`, `openssl`, `aws-lc-rs` or `graviola`.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// What the backend verifies and decrypts (data; nothing is prepared).
    pub fn capabilities(self) -> Capabilities {
        self.info().capabilities
    }

    /// Looks a compiled backend up by name (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|b| b.name().eq_ignore_ascii_case(name))
    }

    /// The backend's crypto provider.
    #[deprecated(since = "0.3.0", note = "renamed `crypto_provider`: a key source is a `KeyProvider`")]
    pub fn provider(self) -> Arc<CryptoProvider> {
        self.crypto_provider()
    }

    /// The backend's provider, whose Alipay-side parts sign, encrypt and generate keys
    /// (feature `alipay-side`).
    #[cfg(feature = "alipay-side")]
    #[cfg_attr(docsrs, doc(cfg(feature = "alipay-side")))]
    pub fn alipay_side(self) -> Arc<CryptoProvider> {
        self.crypto_provider()
    }
}

impl BackendInfo {
    /// Whether this build has the backend.
    pub fn compiled(&self) -> bool {
        Backend::from_name(self.name).is_some()
    }
}

impl Default for Backend {
    /// ring when compiled, then RustCrypto, then OpenSSL, AWS-LC, graviola.
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
