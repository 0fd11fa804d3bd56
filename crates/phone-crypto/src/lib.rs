//! Crypto backends for Alipay's `my.getPhoneNumber` envelope: keys prepared once into
//! backend-native objects, RSA/RSA2 verification strictly before AES-CBC decryption.
//!
//! **Which crate to start from:** this one for sync or embedded use (no runtime, no key
//! providers); a service starts from [`phone-client`](https://docs.rs/phone-client) (async,
//! key providers, caching, axum), which re-exports what it needs from here.
//!
//! Backends are additive features; any combination compiles together:
//!
//! | feature | RSA (SHA1) / RSA2 (SHA256) verify | AES-CBC | signs (Alipay side) | notes |
//! | --- | --- | --- | --- | --- |
//! | `ring` (default) | ring | RustCrypto `aes` + `cbc` (ring has no CBC) | RSA2 only, keys of 2048 bits and up | small, audited, needs a C compiler for its asm |
//! | `openssl` | OpenSSL | OpenSSL | RSA, RSA2 | links the system OpenSSL 3 |
//! | `rustcrypto` | `rsa` | `aes` + `cbc` | RSA, RSA2 | pure Rust; RUSTSEC-2023-0071 affects private-key use only |
//! | `aws-lc-rs` | AWS-LC (prepared `ParsedPublicKey`) | AWS-LC | RSA2, keys of 2048 bits and up | FIPS-capable; builds AWS-LC with a C compiler |
//! | `graviola` | graviola: RSA2 only, keys of 2048 bits and up | RustCrypto `aes` + `cbc` | RSA2, keys of 2048 bits and up | Rust and formally verified assembly, no C compiler or cmake; x86_64 and aarch64 |
//!
//! Padding is checked by one shared strict PKCS#7 routine so every backend accepts exactly the
//! same ciphertexts. Key sizes 1024 to 4096 bits are accepted on every backend but graviola
//! (2048 to 4096).
//!
//! A backend is a value, [`CryptoProvider`]: a name and algorithm-bound parts (a
//! [`VerifierPart`] per [`SignAlgorithm`], a [`CipherPart`] per [`ContentAlgorithm`]), its
//! [`Capabilities`] derived from them. [`Backend::crypto_provider`] gives a built-in one; a
//! provider of your own is assembled from parts.
//!
//! ```
//! use phone_crypto::{AppKeys, Backend};
//! let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/");
//! let keys = AppKeys::builder()
//!     .alipay_public_key(&std::fs::read_to_string(format!("{data}alipay_public_key.txt"))?)?
//!     .aes_key(&std::fs::read_to_string(format!("{data}aes_key.txt"))?)?
//!     .build(Backend::default())?;
//! let body = std::fs::read_to_string(format!("{data}envelope.json"))?;
//! let phone = phone_crypto::decrypt_phone(&keys, &body)?;
//! println!("{phone}"); // 138****8000: masked unless the caller asks
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//!
//! Each backend below adds a [`Backend`] variant and the `provider()` of its module in
//! [`backends`]; docs.rs builds with every feature and marks what each item needs.
#![doc = document_features::document_features!()]
//!
//! The workspace's [README](https://github.com/alipay-phone/alipay-phone#readme) has the whole
//! picture: key formats, errors and their fixes, choosing a backend, performance.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(not(any(
    feature = "ring",
    feature = "openssl",
    feature = "rustcrypto",
    feature = "aws-lc-rs",
    feature = "graviola"
)))]
compile_error!(
    "phone-crypto needs at least one backend feature: `ring`, `openssl`, `rustcrypto`, `aws-lc-rs` or `graviola`"
);

mod algorithms;
#[cfg(feature = "alipay-side")]
mod alipay_side;
mod app_keys;
mod backend;
pub mod backends;
mod capabilities;
pub mod certs;
mod describe;
mod keys;
mod material;
mod open;
mod padding;
mod parts;
mod pool;
mod prepare;
mod provider;
mod refusals;

pub use algorithms::{ContentAlgorithm, SignAlgorithm};
#[cfg(feature = "alipay-side")]
#[cfg_attr(docsrs, doc(cfg(feature = "alipay-side")))]
pub use alipay_side::{
    ContentEncryptor, EncryptorFactory, EncryptorPart, EnvelopeSigner, KeyGenerator, SignerFactory, SignerPart,
    seal_envelope, success_plaintext,
};
pub use app_keys::{AppKeys, AppKeysBuilder};
pub use backend::{BUILTIN_BACKENDS, Backend, UnknownBackend};
pub use capabilities::{BackendInfo, Capabilities};
pub use certs::{CertInfo, cert_sn, public_key_from_certificate, root_cert_sn};
pub use describe::{backend_help, backend_table};
#[allow(deprecated)]
pub use keys::{AesKey, RsaPrivateKeyDer, RsaPublicKeyDer, Sm2PublicKeyDer};
pub use keys::{AlipayPublicKey, ContentKey, KeyFormat, RSA_BITS, RsaPrivateKey, RsaPublicKey, Sm2PublicKey};
pub use material::{KeyMaterial, KeyText, KeyTextError};
#[allow(deprecated)]
pub use open::decrypt;
pub use open::{Opened, PlaintextReader, decrypt_content, decrypt_open_data, decrypt_phone, decrypt_run_data};
pub use parts::{CipherFactory, ContentCipher, SignatureVerifier, VerifierFactory};
pub use phone_core;
pub use pool::{KeyFingerprint, KeyPool, PoolStats};
pub use provider::{CipherPart, CryptoProvider, VerifierPart};

/// The README shown on crates.io: its snippets compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
