//! An app id checked once where a request enters, then safe everywhere: as a lookup key, a
//! variable-name suffix, a query parameter, a log field and a metric label.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

/// The longest app id accepted (Alipay's are 16 digits).
pub const APP_ID_MAX_LEN: usize = 64;

/// A mini-program app id: 1 to [`APP_ID_MAX_LEN`] ASCII letters, digits, `_` or `-`.
///
/// App ids come from requests, so anything else (newlines, `=`, NUL, 10 KB of text) is refused
/// before it reaches a variable name, a query or a log line; an `AppId` printed, logged or used
/// as a label needs no escaping. Cheap to clone (shared text).
///
/// ```
/// use phone_core::AppId;
/// let id = AppId::parse("2021001234567890")?;
/// assert_eq!(id.as_str(), "2021001234567890");
/// assert_eq!(format!("{id} {id:?}"), "2021001234567890 AppId(\"2021001234567890\")");
/// assert!(AppId::parse("a\nforged=1").is_err());
/// assert!(AppId::parse("").is_err());
/// # Ok::<(), phone_core::InvalidAppId>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppId(Arc<str>);

/// The error of [`AppId::parse`]: the text is not an app id. It never holds the text (which
/// came from a request).
///
/// ```
/// let e = phone_core::AppId::parse("x=1").unwrap_err();
/// assert_eq!(e.to_string(), "not an app id (1 to 64 ASCII letters, digits, `_` or `-`)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an app id (1 to 64 ASCII letters, digits, `_` or `-`)")]
#[non_exhaustive]
pub struct InvalidAppId;

impl AppId {
    /// Checks `text` and keeps it.
    pub fn parse(text: &str) -> Result<Self, InvalidAppId> {
        if Self::is_valid(text) {
            Ok(Self(Arc::from(text)))
        } else {
            Err(InvalidAppId)
        }
    }

    /// Whether `text` is an app id, without keeping it.
    ///
    /// ```
    /// assert!(phone_core::AppId::is_valid("app_1-x"));
    /// assert!(!phone_core::AppId::is_valid(&"9".repeat(65)));
    /// ```
    pub fn is_valid(text: &str) -> bool {
        !text.is_empty()
            && text.len() <= APP_ID_MAX_LEN
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AppId").field(&&*self.0).finish()
    }
}

impl fmt::Display for AppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for AppId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for AppId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for AppId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for AppId {
    type Error = InvalidAppId;
    fn try_from(text: &str) -> Result<Self, InvalidAppId> {
        Self::parse(text)
    }
}

impl std::str::FromStr for AppId {
    type Err = InvalidAppId;
    fn from_str(text: &str) -> Result<Self, InvalidAppId> {
        Self::parse(text)
    }
}

impl PartialEq<str> for AppId {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for AppId {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_ascii_words_are_app_ids() {
        for ok in ["2021001234567890", "a", "A_b-9", &"x".repeat(64)] {
            assert_eq!(AppId::parse(ok).map(|a| a.to_string()), Ok(ok.to_owned()), "{ok:?}");
        }
        for bad in [
            "",
            " 2021",
            "2021\n",
            "a=b",
            "a\0b",
            "数字",
            "a.b",
            "a/b",
            &"x".repeat(65),
            &"9".repeat(10_000),
        ] {
            assert_eq!(AppId::parse(bad), Err(InvalidAppId), "{bad:?}");
        }
    }
}
