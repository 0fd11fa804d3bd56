//! The content-encryption key (接口内容加密方式): AES, or SM4 for the `SM4` type.

use std::fmt;

use base64::Engine as _;
use phone_core::{Error, KeyProblem};
use zeroize::Zeroizing;

use super::text::KEY_B64;
use super::{ROLE_AES, key_error};

/// An AES content-encryption key (接口内容加密方式): 16, 24 or 32 bytes. Zeroized on drop;
/// `Debug` shows only its length.
///
/// ```
/// use phone_crypto::ContentKey;
/// let key = ContentKey::parse("aa4BtZ4tspm2wnXLb1ThQA==")?;
/// assert_eq!(key.len(), 16);
/// assert_eq!(format!("{key:?}"), "ContentKey(128 bits, redacted)");
/// let err = ContentKey::parse("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA").unwrap_err();
/// assert_eq!(err.kind(), "key_error");
/// # Ok::<(), phone_core::Error>(())
/// ```
#[derive(Clone)]
pub struct ContentKey(Zeroizing<Vec<u8>>);

impl fmt::Debug for ContentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentKey({} bits, redacted)", self.0.len() * 8)
    }
}

impl ContentKey {
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

    #[test]
    fn aes_keys_report_their_size_and_console_form() {
        for (text, len) in [
            ("aa4BtZ4tspm2wnXLb1ThQA==", 16),
            ("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3", 24),
            ("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", 32),
        ] {
            let key = ContentKey::parse(text).unwrap();
            assert_eq!(
                (key.len(), key.is_empty(), key.to_base64()),
                (len, false, text.to_owned())
            );
        }
    }
}
