//! Key material for one app, parsed but not yet prepared on a backend: what every key source
//! (static values, the environment, a keyring file, a database row) produces, and what
//! [`AppKeysBuilder`](crate::AppKeysBuilder) prepares.

use std::fmt;
use std::sync::{Arc, OnceLock};

use phone_core::{Error, KeyProblem, KeyRole, SignType};

use crate::keys::{AlipayPublicKey, ContentKey, RsaPublicKey};
use crate::pool::KeyFingerprint;

/// One app's Alipay public key(s) and content key(s), already parsed, the sign types it
/// accepts, and in ISV/template mode the app whose Alipay public key verifies its envelopes.
///
/// Several keys of a kind support rotation: any verifying key may verify; content keys are
/// tried in order after the signature verified. Material is identified by
/// [`KeyMaterial::fingerprint`] (its key bytes), so sources may hand out fresh copies of
/// unchanged keys without anything being prepared again. `Debug` shows counts, never keys.
///
/// ```
/// use phone_crypto::KeyMaterial;
/// let m = KeyMaterial::new()
///     .with_alipay_public_key(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/alipay_public_key.txt"))?)?
///     .with_aes_key("aa4BtZ4tspm2wnXLb1ThQA==")?;
/// assert_eq!(format!("{m:?}"), "KeyMaterial { verify_keys: 1, aes_keys: 1, verify_with_app: None, sign_types: None }");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct KeyMaterial {
    verify_keys: Vec<AlipayPublicKey>,
    aes_keys: Vec<ContentKey>,
    verify_with_app: Option<String>,
    sign_types: Option<Vec<SignType>>,
    fingerprint: OnceLock<KeyFingerprint>,
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("verify_keys", &self.verify_keys.len())
            .field("aes_keys", &self.aes_keys.len())
            .field("verify_with_app", &self.verify_with_app)
            .field("sign_types", &self.sign_types)
            .finish()
    }
}

impl PartialEq for KeyMaterial {
    fn eq(&self, other: &Self) -> bool {
        self.fingerprint() == other.fingerprint()
    }
}

impl Eq for KeyMaterial {}

/// Which text given to [`KeyMaterial::from_text`] did not parse.
///
/// ```
/// use phone_crypto::{KeyMaterial, KeyText};
/// let e = KeyMaterial::from_text([], ["aa4BtZ4tspm2wnXLb1ThQA==", "short"], None, None).unwrap_err();
/// assert_eq!((e.text, e.index), (KeyText::ContentKey, 2));
/// assert_eq!(e.error.kind(), "key_error");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyText {
    /// An Alipay public key.
    AlipayPublicKey,
    /// A content (AES or SM4) key.
    ContentKey,
    /// The sign-type pin.
    SignTypes,
}

impl KeyText {
    /// A short name for messages: `alipay_public_keys`, `aes_keys`, `sign_types` (the names
    /// the keyring file and the database table give these texts).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AlipayPublicKey => "alipay_public_keys",
            Self::ContentKey => "aes_keys",
            Self::SignTypes => "sign_types",
        }
    }
}

/// A text of [`KeyMaterial::from_text`] that did not parse: which one (its kind and its
/// position among the non-blank texts of that kind, from 1) and why. The error never holds
/// the text itself, which may be a key.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct KeyTextError {
    /// Which kind of text.
    pub text: KeyText,
    /// Its position among the texts of that kind as given (from 1, blank ones counted), so
    /// that a message can point at `aes_keys[2]`.
    pub index: usize,
    /// Why: the key's own `key_error` (and its hint), or `unsupported_sign_type`.
    pub error: Error,
}

impl fmt::Display for KeyTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]: {}", self.text.as_str(), self.index, self.error)
    }
}

impl std::error::Error for KeyTextError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl KeyMaterial {
    /// Empty material.
    pub fn new() -> Self {
        Self::default()
    }

    /// The material of key texts as a key source stores them: the one constructor every text
    /// source (environment, keyring file, database row) uses, so that they all accept and
    /// refuse alike.
    ///
    /// - `alipay_public_keys`, `aes_keys`: each in any accepted format, the current first;
    ///   blank texts (empty or only whitespace) hold no key and are skipped;
    /// - `sign_types`: the pin, sign types separated by `,`, `|` or spaces (`"RSA2"`,
    ///   `"RSA, RSA2"`), matched case-insensitively; `None` pins nothing, a text naming no
    ///   sign type is refused (a pin that accepts nothing is a mistake, not a setting);
    /// - `verify_with`: ISV/template mode, the app whose Alipay public keys verify; blank is
    ///   none.
    ///
    /// ```
    /// use phone_core::SignType;
    /// use phone_crypto::KeyMaterial;
    /// let m = KeyMaterial::from_text([], ["aa4BtZ4tspm2wnXLb1ThQA==", " "], Some("rsa2"), Some("2021001234567890"))?;
    /// assert_eq!(m.aes_keys().len(), 1);
    /// assert_eq!(m.sign_types(), Some([SignType::Rsa2].as_slice()));
    /// assert_eq!(m.verify_with_app(), Some("2021001234567890"));
    /// # Ok::<(), phone_crypto::KeyTextError>(())
    /// ```
    pub fn from_text<'a>(
        alipay_public_keys: impl IntoIterator<Item = &'a str>,
        aes_keys: impl IntoIterator<Item = &'a str>,
        sign_types: Option<&str>,
        verify_with: Option<&str>,
    ) -> Result<Self, KeyTextError> {
        let at = |text, index| move |error| KeyTextError { text, index, error };
        let mut m = Self::new();
        for (i, k) in given(alipay_public_keys) {
            m = m.with_alipay_public_key(k).map_err(at(KeyText::AlipayPublicKey, i))?;
        }
        for (i, k) in given(aes_keys) {
            m = m.with_aes_key(k).map_err(at(KeyText::ContentKey, i))?;
        }
        if let Some(pin) = sign_types {
            let types = pin
                .split([',', '|', ' '])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(SignType::parse)
                .collect::<Result<Vec<_>, _>>()
                .map_err(at(KeyText::SignTypes, 1))?;
            if types.is_empty() {
                return Err(KeyTextError {
                    text: KeyText::SignTypes,
                    index: 1,
                    error: Error::key(
                        KeyRole::App,
                        KeyProblem::Unparsable("the sign-type pin names no sign type (e.g. RSA2)".into()),
                    ),
                });
            }
            m = m.accept_sign_types(&types);
        }
        if let Some(isv) = verify_with.map(str::trim).filter(|s| !s.is_empty()) {
            m = m.verify_with(isv);
        }
        Ok(m)
    }

    /// Adds an Alipay public key in any accepted format: RSA (base64 SPKI, PEM, PKCS#1, a
    /// certificate) or SM2.
    pub fn with_alipay_public_key(self, text: &str) -> Result<Self, Error> {
        Ok(self.with_public_key(AlipayPublicKey::parse(text)?))
    }

    /// Adds an already parsed Alipay public key.
    pub fn with_public_key(mut self, key: AlipayPublicKey) -> Self {
        self.verify_keys.push(key);
        self.fingerprint = OnceLock::new();
        self
    }

    /// Adds an already parsed RSA Alipay public key.
    pub fn with_rsa_public_key(self, key: RsaPublicKey) -> Self {
        self.with_public_key(AlipayPublicKey::Rsa(key))
    }

    /// Adds a content key (接口内容加密方式, base64).
    pub fn with_aes_key(self, text: &str) -> Result<Self, Error> {
        Ok(self.with_aes_key_raw(ContentKey::parse(text)?))
    }

    /// Adds an already parsed content key.
    pub fn with_aes_key_raw(mut self, key: ContentKey) -> Self {
        self.aes_keys.push(key);
        self.fingerprint = OnceLock::new();
        self
    }

    /// Verifies with another app's Alipay public key (ISV/template mode).
    pub fn verify_with(mut self, isv_app_id: impl Into<String>) -> Self {
        self.verify_with_app = Some(isv_app_id.into());
        self.fingerprint = OnceLock::new();
        self
    }

    /// Pins the sign types this app accepts (e.g. only `RSA2`); see
    /// [`AppKeysBuilder::accept_sign_types`](crate::AppKeysBuilder::accept_sign_types).
    pub fn accept_sign_types(mut self, types: &[SignType]) -> Self {
        self.sign_types = Some(types.to_vec());
        self.fingerprint = OnceLock::new();
        self
    }

    /// The Alipay public keys, current first.
    pub fn verify_keys(&self) -> &[AlipayPublicKey] {
        &self.verify_keys
    }

    /// The content keys, in the order they are tried.
    pub fn aes_keys(&self) -> &[ContentKey] {
        &self.aes_keys
    }

    /// The ISV app whose Alipay public key verifies this app's envelopes.
    pub fn verify_with_app(&self) -> Option<&str> {
        self.verify_with_app.as_deref()
    }

    /// The pinned sign types, if any.
    pub fn sign_types(&self) -> Option<&[SignType]> {
        self.sign_types.as_deref()
    }

    /// A fingerprint of everything that decides how envelopes open: the keys, their order,
    /// the ISV app and the pinned sign types. Computed once per value.
    pub fn fingerprint(&self) -> KeyFingerprint {
        *self.fingerprint.get_or_init(|| {
            let keys: Vec<[u8; 32]> = self
                .verify_keys
                .iter()
                .map(|k| *k.fingerprint().as_bytes())
                .chain(self.aes_keys.iter().map(|k| *k.fingerprint().as_bytes()))
                .collect();
            let counts = [self.verify_keys.len() as u8, self.aes_keys.len() as u8];
            let isv = match &self.verify_with_app {
                Some(id) => format!("isv:{id}"),
                None => String::new(),
            };
            let pins = match &self.sign_types {
                Some(types) => format!("pin:{}", types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",")),
                None => String::new(),
            };
            let mut parts: Vec<&[u8]> = keys.iter().map(|k| k.as_slice()).collect();
            parts.extend([counts.as_slice(), isv.as_bytes(), pins.as_bytes()]);
            KeyFingerprint::of_parts(parts)
        })
    }

    /// Wraps in the `Arc` key sources hand out.
    pub fn shared(self) -> Arc<Self> {
        Arc::new(self)
    }
}

/// The non-blank texts with their position (from 1) among all given.
fn given<'a>(texts: impl IntoIterator<Item = &'a str>) -> impl Iterator<Item = (usize, &'a str)> {
    texts
        .into_iter()
        .enumerate()
        .filter(|(_, k)| !k.trim().is_empty())
        .map(|(i, k)| (i + 1, k))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn from_text_locates_the_text_that_fails_and_never_quotes_it() {
        let e = KeyMaterial::from_text(["", "not a key at all"], [], None, None).unwrap_err();
        assert_eq!((e.text, e.index), (KeyText::AlipayPublicKey, 2));
        assert!(!e.to_string().contains("not a key at all"), "{e}");
        assert!(e.to_string().starts_with("alipay_public_keys[2]: "), "{e}");
        let e = KeyMaterial::from_text([], [], Some("RSA2, MD5"), None).unwrap_err();
        assert_eq!(e.text, KeyText::SignTypes);
        assert_eq!(e.error.kind(), "unsupported_sign_type");
    }

    #[test]
    fn an_empty_pin_is_refused_and_no_pin_pins_nothing() {
        let e = KeyMaterial::from_text([], [], Some(" , "), None).unwrap_err();
        assert_eq!((e.text, e.error.kind()), (KeyText::SignTypes, "key_error"));
        let m = KeyMaterial::from_text([], [], None, Some("  ")).unwrap();
        assert_eq!((m.sign_types(), m.verify_with_app()), (None, None));
        let m = KeyMaterial::from_text([], [], Some("rsa|RSA2"), None).unwrap();
        assert_eq!(m.sign_types(), Some([SignType::Rsa, SignType::Rsa2].as_slice()));
    }

    #[test]
    fn the_fingerprint_follows_pins_and_the_isv() {
        let plain = KeyMaterial::new().with_aes_key("aa4BtZ4tspm2wnXLb1ThQA==").unwrap();
        assert_eq!(plain, plain.clone());
        assert_ne!(plain, plain.clone().accept_sign_types(&[SignType::Rsa2]));
        assert_ne!(plain, plain.clone().verify_with("isv"));
    }
}
