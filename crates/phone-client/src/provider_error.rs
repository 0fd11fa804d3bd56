//! What a key provider's failure is, told apart the way the AWS SDK's `CredentialsError` tells
//! them apart, so that the client answers each with the right status and a chain knows
//! whether to stop.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use phone_core::{Error, KeyProblem, KeyRole};

/// The source of a [`ProviderError`]: shared, so the error stays `Clone` (a cache hands the
/// same failure to every caller waiting on one load); the envelope error's own source type.
pub type ProviderSource = phone_core::ErrorSource;

/// Why a [`KeyProvider`](crate::KeyProvider) has no material to give. ("Not this provider's
/// app" is not an error: it is `Ok(None)`, and a [`ChainKeys`](crate::ChainKeys) moves on.)
///
/// Messages are written for whoever reads an HTTP answer or a log line: they never hold a
/// key, a password or the store's own words (those go to [`std::error::Error::source`]).
/// The client turns each into the contract's `key_error` with its HTTP status:
///
/// | variant | status | `alipay_phone_key_errors_total{class}` |
/// | --- | --- | --- |
/// | [`ProviderError::Unavailable`], [`ProviderError::TimedOut`] | 503 | `unavailable` |
/// | [`ProviderError::InvalidConfiguration`] | 500 | `invalid` |
/// | [`ProviderError::InvalidKeys`] | 500 (the key's own problem and hint) | `invalid` |
///
/// ```
/// use std::time::Duration;
/// use phone_client::ProviderError;
/// let down = ProviderError::unavailable("the key store is unreachable", std::io::Error::other("refused"));
/// assert_eq!(phone_client::Error::from(down).http_status(), 503);
/// let slow = ProviderError::timed_out(Duration::from_secs(3));
/// assert_eq!(slow.to_string(), "the key store gave no answer within 3s");
/// let wrong = ProviderError::invalid_configuration("no key provider was configured");
/// assert_eq!(phone_client::Error::from(wrong).http_status(), 500);
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum ProviderError {
    /// The store cannot be reached or failed (an outage: retry later).
    Unavailable {
        /// What failed, for callers.
        message: String,
        /// The driver's or the OS's error.
        source: Option<ProviderSource>,
    },
    /// The store gave no answer in time.
    TimedOut {
        /// How long the load was given.
        after: Duration,
    },
    /// The provider is set up wrong (no provider, a keyring that does not parse): retrying
    /// does not help until someone fixes it.
    InvalidConfiguration {
        /// What to fix.
        message: String,
        /// The underlying error, if any.
        source: Option<ProviderSource>,
    },
    /// The app's keys were found but cannot be used: the key's own `key_error` (e.g. an AES
    /// key of the wrong length), with its hint.
    InvalidKeys(Error),
}

impl ProviderError {
    /// The store is down or failed; `source` is logged, never shown to callers.
    pub fn unavailable(message: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unavailable {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// No answer within `after`.
    pub fn timed_out(after: Duration) -> Self {
        Self::TimedOut { after }
    }

    /// The provider is misconfigured.
    pub fn invalid_configuration(message: impl Into<String>) -> Self {
        Self::InvalidConfiguration {
            message: message.into(),
            source: None,
        }
    }

    /// The provider is misconfigured, because of `source`.
    pub fn invalid_configuration_with(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::InvalidConfiguration {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// Whether this is an outage (503) rather than something to fix (500): what a cache
    /// serves stale keys through.
    ///
    /// ```
    /// assert!(phone_client::ProviderError::timed_out(std::time::Duration::from_secs(1)).is_transient());
    /// assert!(!phone_client::ProviderError::invalid_configuration("x").is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::TimedOut { .. })
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable { message, .. } | Self::InvalidConfiguration { message, .. } => f.write_str(message),
            Self::TimedOut { after } => write!(f, "the key store gave no answer within {after:?}"),
            Self::InvalidKeys(e) => fmt::Display::fmt(e, f),
        }
    }
}

// By hand: a source's Debug may quote what the driver saw (a URL with its password).
impl fmt::Debug for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (variant, has_source) = match self {
            Self::Unavailable { source, .. } => ("Unavailable", source.is_some()),
            Self::TimedOut { .. } => ("TimedOut", false),
            Self::InvalidConfiguration { source, .. } => ("InvalidConfiguration", source.is_some()),
            Self::InvalidKeys(_) => ("InvalidKeys", false),
        };
        f.debug_struct("ProviderError")
            .field("kind", &variant)
            .field("message", &self.to_string())
            .field("has_source", &has_source)
            .finish()
    }
}

impl std::error::Error for ProviderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unavailable { source, .. } | Self::InvalidConfiguration { source, .. } => {
                source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
            }
            Self::TimedOut { .. } => None,
            Self::InvalidKeys(e) => std::error::Error::source(e),
        }
    }
}

impl From<ProviderError> for Error {
    /// The contract's `key_error` for each failure (see [`ProviderError`]'s table).
    fn from(e: ProviderError) -> Self {
        let key = |problem, source: Option<ProviderSource>| Error::KeyError {
            role: KeyRole::KeyProvider,
            problem,
            source,
        };
        match e {
            ProviderError::Unavailable { message, source } => key(KeyProblem::ProviderFailed(message), source),
            ProviderError::TimedOut { after } => key(
                KeyProblem::ProviderFailed(format!("the key store gave no answer within {after:?}")),
                None,
            ),
            ProviderError::InvalidConfiguration { message, source } => key(KeyProblem::Misconfigured(message), source),
            ProviderError::InvalidKeys(e) => e,
        }
    }
}

impl From<Error> for ProviderError {
    /// An envelope error from code that builds material (`?` on
    /// [`KeyMaterial::with_aes_key`](phone_crypto::KeyMaterial::with_aes_key), ...): the
    /// key's problem is [`ProviderError::InvalidKeys`]; a `key_error` whose problem is
    /// `ProviderFailed` (how providers said "unavailable" before 0.3) is
    /// [`ProviderError::Unavailable`]. Either way the client answers with the same error.
    fn from(e: Error) -> Self {
        match e {
            Error::KeyError {
                problem: KeyProblem::ProviderFailed(message),
                source,
                ..
            } => Self::Unavailable { message, source },
            other => Self::InvalidKeys(other),
        }
    }
}

impl From<phone_core::InvalidAppId> for ProviderError {
    fn from(e: phone_core::InvalidAppId) -> Self {
        Self::invalid_configuration_with("an app id in the key configuration is not an app id", e)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn each_failure_keeps_its_status_and_class_and_its_source() {
        let io = std::io::Error::other("connection refused by postgres://u:hunter2@db");
        let down: Error = ProviderError::unavailable("the key store is unavailable", io).into();
        assert_eq!((down.kind(), down.http_status()), ("key_error", 503));
        assert!(!down.to_string().contains("hunter2"), "{down}");
        let source = std::error::Error::source(&down).unwrap().to_string();
        assert!(source.contains("connection refused"), "{source}");
        let slow: Error = ProviderError::timed_out(Duration::from_millis(1500)).into();
        assert_eq!(slow.http_status(), 503);
        assert!(slow.to_string().contains("1.5s"), "{slow}");
        let wrong: Error = ProviderError::invalid_configuration("no key provider was configured").into();
        assert_eq!((wrong.kind(), wrong.http_status()), ("key_error", 500));
        // Its own problem and hint: the operator's configuration, not a pasted key.
        assert!(
            matches!(
                &wrong,
                Error::KeyError {
                    problem: KeyProblem::Misconfigured(_),
                    ..
                }
            ),
            "{wrong:?}"
        );
        assert!(wrong.hint().unwrap().contains("configuration"), "{wrong}");
        assert!(!wrong.hint().unwrap().contains("paste"), "{wrong}");
        let key = Error::key(KeyRole::Aes, KeyProblem::AesKeyLength { len: 7 });
        let bad: Error = ProviderError::InvalidKeys(key.clone()).into();
        assert_eq!(bad.to_string(), key.to_string());
        // The old way of saying "unavailable" is still told apart.
        let old = Error::key(KeyRole::KeyProvider, KeyProblem::ProviderFailed("down".into()));
        assert!(ProviderError::from(old).is_transient());
        assert!(!ProviderError::from(key).is_transient());
    }

    #[test]
    fn debug_never_shows_the_source() {
        let io = std::io::Error::other("postgres://u:hunter2@db");
        let e = ProviderError::unavailable("the key store is unavailable", io);
        let shown = format!("{e:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("Unavailable") && shown.contains("has_source: true"),
            "{shown}"
        );
    }
}
