//! The async facade for Alipay's `my.getPhoneNumber`: a [`PhoneClient`] shared across a
//! server, with keys from [`KeyProvider`]s.
//!
//! - providers: [`StaticKeys`], [`EnvKeys`], [`FileKeys`] (a TOML keyring picked up without a
//!   restart), [`ChainKeys`], and [`CachingKeys`] for slow or remote stores;
//! - multi-app: keys are isolated per app id; ISV/template mode verifies with another app's
//!   Alipay public key ([`AppKeyMaterial::verify_with`]);
//! - rotation: several keys of each kind; the result says which matched; a failed signature
//!   reloads the app's keys once (rate-limited) and retries;
//! - observability: one `tracing` span per call with app id, backend, outcome and duration;
//! - HTTP: feature `axum` adds `phone_client::axum::router` (`POST /alipay/phone?app_id=ID`) and an error
//!   response with the contract's JSON and [`Error::http_status`].
//!
//! Key material is parsed by the providers and prepared on the backend once per change; a
//! payload never triggers key parsing.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;

mod cache;
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

pub use cache::CachingKeys;
pub use client::{ClientStats, DEFAULT_CAPACITY, DEFAULT_IDLE_EXPIRY, PhoneClient, PhoneClientBuilder};
pub use env_keys::{ENV_PREFIXES, EnvKeys};
pub use file_keys::{FileKeys, is_shared};
pub use material::AppKeyMaterial;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use pg_keys::{PgKeys, PgKeysBuilder};
pub use phone_core::{Error, ErrorKind, ParseOptions, PhoneNumber};
pub use phone_crypto::{Backend, KeyPool, Opened};
pub use provider::{ChainKeys, KeyProvider, SharedKeyProvider, StaticKeys};
