//! Sign, encrypt and charset types named in the envelope.

use std::fmt;

use crate::error::Error;

pub(crate) use crate::echo::echo;

/// The signature algorithm an envelope declares in `sign_type`.
///
/// ```
/// use phone_core::SignType;
/// assert_eq!(SignType::parse("rsa2")?, SignType::Rsa2);
/// assert_eq!(SignType::Rsa.as_str(), "RSA");
/// # Ok::<(), phone_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SignType {
    /// `RSA`: SHA1withRSA, PKCS#1 v1.5 (legacy apps).
    Rsa,
    /// `RSA2`: SHA256withRSA, PKCS#1 v1.5 (the default).
    #[default]
    Rsa2,
    /// `SM2`: SM3withSM2 (Alipay's Java SDK only).
    Sm2,
}

impl SignType {
    /// Parses a declared type, case-insensitively.
    pub fn parse(name: &str) -> Result<Self, Error> {
        // Compared without allocating: this runs for every payload.
        let is = |known: &str| name.eq_ignore_ascii_case(known);
        match () {
            _ if is("RSA2") => Ok(Self::Rsa2),
            _ if is("RSA") => Ok(Self::Rsa),
            _ if is("SM2") => Ok(Self::Sm2),
            _ => Err(Error::UnsupportedSignType {
                name: echo(name),
                reason: "not a sign type Alipay defines (RSA, RSA2, SM2)".into(),
            }),
        }
    }

    /// The canonical upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rsa => "RSA",
            Self::Rsa2 => "RSA2",
            Self::Sm2 => "SM2",
        }
    }
}

impl fmt::Display for SignType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The content encryption an envelope declares in `encrypt_type`.
///
/// ```
/// use phone_core::EncryptType;
/// assert_eq!(EncryptType::parse("aes")?, EncryptType::Aes);
/// # Ok::<(), phone_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum EncryptType {
    /// `AES`: AES-CBC, all-zero IV, PKCS#7 (the type this flow documents).
    #[default]
    Aes,
    /// `AES_V2`: AES-CBC with a random IV prepended (Alipay's Java SDK).
    AesV2,
    /// `SM4`: SM4-GCM (Alipay's Java SDK).
    Sm4,
}

impl EncryptType {
    /// Parses a declared type, case-insensitively.
    pub fn parse(name: &str) -> Result<Self, Error> {
        let is = |known: &str| name.eq_ignore_ascii_case(known);
        match () {
            _ if is("AES") => Ok(Self::Aes),
            _ if is("AES_V2") => Ok(Self::AesV2),
            _ if is("SM4") => Ok(Self::Sm4),
            _ => Err(Error::UnsupportedEncryptType {
                name: echo(name),
                reason: "not an encrypt type Alipay defines (AES, AES_V2, SM4)".into(),
            }),
        }
    }

    /// The canonical upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aes => "AES",
            Self::AesV2 => "AES_V2",
            Self::Sm4 => "SM4",
        }
    }
}

impl fmt::Display for EncryptType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The character set of the decrypted plaintext (`charset`).
///
/// UTF-8 is what Alipay sends for this flow; the GB family is decoded with `encoding_rs`
/// because old apps configured GBK still exist.
///
/// ```
/// use phone_core::Charset;
/// assert_eq!(Charset::parse("utf-8")?, Charset::Utf8);
/// assert_eq!(Charset::parse("GBK")?, Charset::Gbk);
/// assert!(Charset::parse("latin1").is_err());
/// # Ok::<(), phone_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Charset {
    /// UTF-8 (the default).
    #[default]
    Utf8,
    /// GBK / GB2312.
    Gbk,
    /// GB18030.
    Gb18030,
}

impl Charset {
    /// Parses a declared charset, case-insensitively.
    pub fn parse(name: &str) -> Result<Self, Error> {
        let is = |known: &str| name.eq_ignore_ascii_case(known);
        match () {
            _ if is("UTF-8") || is("UTF8") => Ok(Self::Utf8),
            _ if is("GBK") || is("GB2312") => Ok(Self::Gbk),
            _ if is("GB18030") => Ok(Self::Gb18030),
            _ => Err(Error::MalformedEnvelope(format!(
                "charset {:?} is not supported (UTF-8, GBK, GB2312, GB18030)",
                echo(name)
            ))),
        }
    }

    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Gbk => "GBK",
            Self::Gb18030 => "GB18030",
        }
    }

    /// Decodes bytes strictly: an invalid sequence is an error, never a replacement character.
    pub fn decode(self, bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, Error> {
        let bad = || Error::MalformedPlaintext(format!("the plaintext is not valid {}", self.as_str()));
        match self {
            Self::Utf8 => std::str::from_utf8(bytes).map(Into::into).map_err(|_| bad()),
            Self::Gbk | Self::Gb18030 => {
                let enc = if self == Self::Gbk {
                    encoding_rs::GBK
                } else {
                    encoding_rs::GB18030
                };
                enc.decode_without_bom_handling_and_without_replacement(bytes)
                    .ok_or_else(bad)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_case_insensitive_and_unknown_ones_are_typed_errors() {
        assert_eq!(SignType::parse("Rsa").unwrap(), SignType::Rsa);
        assert_eq!(SignType::parse("sm2").unwrap(), SignType::Sm2);
        assert_eq!(SignType::parse("DSA").unwrap_err().kind(), "unsupported_sign_type");
        assert_eq!(EncryptType::parse("aes_v2").unwrap(), EncryptType::AesV2);
        assert_eq!(
            EncryptType::parse("DES").unwrap_err().kind(),
            "unsupported_encrypt_type"
        );
        assert_eq!(Charset::parse("Utf8").unwrap(), Charset::Utf8);
    }

    #[test]
    fn long_type_names_are_not_echoed_whole() {
        let long = "X".repeat(10_000);
        let err = SignType::parse(&long).unwrap_err();
        assert!(err.to_string().len() < 200);
    }

    #[test]
    fn charset_decoding_is_strict() {
        assert!(Charset::Utf8.decode(&[0xff, 0xfe]).is_err());
        assert_eq!(Charset::Gbk.decode(&[0xc4, 0xe3]).unwrap(), "你");
    }
}
