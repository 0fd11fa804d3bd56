//! The async facade for Alipay's `my.getPhoneNumber`: a [`PhoneClient`] shared across a
//! server, with keys from [`KeyProvider`]s.
//!
//! **Which crate to start from:** this one, for a service: it re-exports what a service needs
//! (`Error`, `ErrorKind`, `PhoneNumber`, `Backend`, `Opened`, ...), so it is the only dependency.
//! Sync or embedded code uses [`phone-crypto`](https://docs.rs/phone-crypto); the model alone is
//! [`phone-core`](https://docs.rs/phone-core).
//!
//! - providers: [`StaticKeys`], [`EnvKeys`], [`FileKeys`] (a TOML keyring picked up without a
//!   restart), `PgKeys` (feature `postgres`: a PostgreSQL table, changes through
//!   `LISTEN`/`NOTIFY`), [`ChainKeys`]: plain loaders, with the one key cache ([`CachingKeys`],
//!   policy [`KeyCache`]) put in front of each provider that asks for one, and told of changes;
//! - multi-app: keys are isolated per app id; ISV/template mode verifies with another app's
//!   Alipay public key ([`AppKeyMaterial::verify_with`]);
//! - rotation: several keys of each kind; the result says which matched; a failed signature
//!   reloads the app's keys once (rate-limited) and retries;
//! - observability: one `tracing` span per call with app id, backend, outcome and duration;
//!   feature `metrics` adds counters and histograms through the `metrics` facade
//!   (`phone_client::metrics`);
//! - HTTP: feature `axum` adds `phone_client::axum::router` (`POST /alipay/phone?app_id=ID`) and an error
//!   response with the contract's JSON and [`Error::http_status`].
//!
//! Key material is parsed by the providers and prepared on the backend once per change; a
//! payload never triggers key parsing.
//!
//! # Features
#![doc = document_features::document_features!()]
//!
//! The workspace's [README](https://github.com/alipay-phone/alipay-phone#readme) has the whole
//! picture: key formats, errors and their fixes, choosing a backend, an example server.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;

mod cache;
mod cache_policy;
mod chain;
mod client;
mod env_keys;
mod file_keys;
mod material;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod metrics;
#[cfg(feature = "postgres")]
mod pg_keys;
mod provider;
mod provider_error;

pub use cache::CachingKeys;
pub use cache_policy::{KeyCache, KeyChanges, KeySubscribers};
pub use client::{ClientStats, DEFAULT_CAPACITY, DEFAULT_IDLE_EXPIRY, OpenDataKind, PhoneClient, PhoneClientBuilder};
pub use env_keys::{ENV_PREFIXES, EnvKeys};
pub use file_keys::{FileKeys, is_shared};
pub use material::AppKeyMaterial;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use pg_keys::{PgKeys, PgKeysBuilder};
pub use phone_crypto::{KeyMaterial, KeyText, KeyTextError};
// What a service names, so that it depends on this crate alone; the rest is one path away
// through the re-exported crates.
pub use chain::ChainKeys;
pub use phone_core::{
    AlipayError, AppId, CountDate, Error, ErrorKind, InvalidAppId, KeyProblem, KeyRole, Lang, Mistake, OpenData,
    ParseOptions, PhoneNumber, PhoneResponse, RunData, Shape, SignType, StepCount,
};
#[allow(deprecated)]
pub use phone_crypto::{AesKey, RsaPublicKeyDer};
pub use phone_crypto::{
    AlipayPublicKey, Backend, ContentKey, CryptoProvider, KeyFingerprint, KeyPool, Opened, RsaPublicKey,
};
pub use provider::{KeyProvider, SharedKeyProvider, StaticKeys, loggable_app_id};
pub use provider_error::{ProviderError, ProviderSource};
pub use {phone_core, phone_crypto};

/// The README shown on crates.io: its snippets compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
