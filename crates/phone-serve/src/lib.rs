//! `phone-serve`: the phone-number service any backend can call over HTTP, as a library and as
//! the `alipay-phone-serve` binary.
//!
//! `POST /v1/apps/{app_id}/phone` (and `/run-data`, `/open-data`) takes the envelope the
//! mini-program got from `my.getPhoneNumber` and answers with the number, verified and
//! decrypted by [`phone_client`] on any of the four backends; keys come from a TOML keyring,
//! PostgreSQL or the environment; `/healthz`, `/readyz` and `/metrics` (Prometheus) come with
//! it. `alipay-phone serve` (the developer CLI, `phone-cli`) runs the same code with the same
//! flags.
//!
//! The service links no Alipay-side code: it depends on `phone-crypto` without its
//! `alipay-side` feature, so no code path in it signs, encrypts or holds a private key.
//!
//! ```no_run
//! use clap::Parser;
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(flatten)]
//!     args: phone_serve::ServeArgs,
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     phone_serve::run(Cli::parse().args)
//! }
//! ```
//!
//! Exit status, as `alipay-phone serve`'s: 0 after a clean shutdown (SIGTERM, SIGINT), 1 when
//! the service could not run or the drain timeout cut requests in flight, 2 for a usage or
//! configuration error (no keys, a token missing, an address in use).

#![forbid(unsafe_code)]

mod input;
mod serve;

pub use serve::{ServeArgs, run};
