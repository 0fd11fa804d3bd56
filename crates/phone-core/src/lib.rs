//! The protocol model of Alipay's `my.getPhoneNumber` server side, with no crypto in it.
//!
//! **Which crate to start from:** a service (async, key providers, caching, axum) depends on
//! [`phone-client`](https://docs.rs/phone-client) alone; sync or embedded code on
//! [`phone-crypto`](https://docs.rs/phone-crypto); `phone-core` alone is for the model only.
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
//!
//! # Features
#![doc = document_features::document_features!()]
//!
//! The workspace's [README](https://github.com/alipay-phone/alipay-phone#readme) has the whole
//! picture: key formats, errors and their fixes, backends, the service setup.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod app_id;
mod codes;
mod echo;
mod envelope;
mod error;
mod json;
mod lang;
mod open_data;
mod phone;
mod plaintext;
mod run_data;
mod shapes;
mod types;

pub use app_id::{APP_ID_MAX_LEN, AppId, InvalidAppId};
pub use codes::{AlipayCode, KNOWN_CODES, hint_for, hint_for_in};
pub use envelope::{
    Content, DEFAULT_MAX_CONTENT_BYTES, DEFAULT_MAX_ENVELOPE_BYTES, DEFAULT_MAX_JSON_DEPTH, Envelope, ParseOptions,
};
pub use error::{AlipayError, Error, ErrorKind, ErrorSource, KeyProblem, KeyRole};
pub use lang::{Lang, UnknownLang};
pub use open_data::{OpenData, STATUS_FIELDS, parse_open_data, parse_open_data_with};
pub use phone::{PhoneNumber, mask_phone};
pub use plaintext::{PhoneResponse, parse_plaintext, parse_plaintext_with};
pub use run_data::{CountDate, RunData, StepCount, parse_run_data, parse_run_data_with};
pub use shapes::{Mistake, Shape};
pub use types::{Charset, EncryptType, SignType};

/// The `code` Alipay puts in a successful plaintext.
pub const SUCCESS_CODE: &str = "10000";

/// The README shown on crates.io: its snippets compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
