//! The protocol model of Alipay's `my.getPhoneNumber` server side, with no crypto in it.
//!
//! A mini-program posts `res.response`, a JSON envelope. This crate parses that envelope
//! ([`Envelope`]), tells which exact bytes Alipay signed ([`Envelope::signed_content`]), parses
//! the decrypted plaintext into a [`PhoneNumber`] or a typed [`AlipayError`] carrying the
//! documented fix, and defines the [`Error`] enum whose [`Error::kind`] strings are the project's
//! stable public contract. The crypto lives in `phone-crypto`.
//!
//! ```
//! use phone_core::{Envelope, ParseOptions, SignType};
//!
//! let body = r#"{"response":"AAAAAAAAAAAAAAAAAAAAAA==","sign":"c2ln","sign_type":"rsa2"}"#;
//! let env = Envelope::parse(body, &ParseOptions::default())?;
//! assert_eq!(env.sign_type(), SignType::Rsa2);
//! // Encrypted content is signed with a pair of quotes around it: the classic pitfall.
//! assert_eq!(&*env.signed_content(), br#""AAAAAAAAAAAAAAAAAAAAAA==""#);
//! # Ok::<(), phone_core::Error>(())
//! ```

#![forbid(unsafe_code)]

mod codes;
mod envelope;
mod error;
mod json;
mod phone;
mod plaintext;
mod types;

pub use codes::{AlipayCode, KNOWN_CODES, hint_for};
/// Fuzzing hooks for the envelope parser's two paths (feature `fuzzing`; not API).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub use envelope::fuzzing as fuzz_envelope;
pub use envelope::{
    Content, DEFAULT_MAX_CONTENT_BYTES, DEFAULT_MAX_ENVELOPE_BYTES, DEFAULT_MAX_JSON_DEPTH, Envelope, ParseOptions,
};
pub use error::{AlipayError, Error, ErrorKind, ErrorSource, KeyProblem, KeyRole};
pub use phone::{PhoneNumber, mask_phone};
/// Fuzzing hooks for the plaintext parser's two paths (feature `fuzzing`; not API).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub use plaintext::fuzzing as fuzz_plaintext;
pub use plaintext::{PhoneResponse, parse_plaintext, parse_plaintext_with};
pub use types::{Charset, EncryptType, SignType};

/// The `code` Alipay puts in a successful plaintext.
pub const SUCCESS_CODE: &str = "10000";
