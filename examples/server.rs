//! An HTTP service that turns posted `my.getPhoneNumber` envelopes into phone numbers.
//!
//! `cargo run --release --example server` from the workspace root. It listens on
//! `127.0.0.1:8080` or `PHONE_LISTEN`. Keys come from the environment (`EnvKeys`), in every
//! documented form: per app `ALIPAY_PUBLIC_KEY_<APPID>` / `ALIPAY_AES_KEY_<APPID>` (and
//! `ALIPAY_VERIFY_WITH_<APPID>`, `ALIPAY_SIGN_TYPES_<APPID>`), or `ALIPAY_PUBLIC_KEY` /
//! `ALIPAY_AES_KEY` for every other app id. It fails closed: without any of them it refuses
//! to start, naming the variables; the public demo keys are used only with `--demo` or
//! `PHONE_DEMO=1`. Every app accepts only `RSA2` envelopes unless its variables pin others.
//!
//! - `POST /alipay/phone?app_id=ID`, body: the envelope exactly as the mini-program got it
//!   (`res.response`, posted as JSON). 200: `{"status":"ok","code":"10000","msg":"Success","mobile":"<masked>"}`.
//! - `GET /healthz`: 200.
//! - `GET /metrics`: the `alipay_phone_*` metrics (`phone_client::metrics`, feature `metrics`) in
//!   Prometheus text: requests by outcome, durations by backend, the key cache's counts.
//!
//! Failures return the CONTRACT.md error JSON `{"status":"error","kind","message","hint"}`
//! (plus Alipay's `code`, `msg`, `sub_code`, `sub_msg` for `alipay_error`), with the status of
//! `Error::http_status`:
//!
//! | status | kinds | whose problem |
//! | --- | --- | --- |
//! | 400 | `malformed_envelope`, a missing `app_id` | the request |
//! | 403 | `missing_signature`, `bad_signature` | the payload is not proven to come from Alipay |
//! | 413 | `payload_too_large` | the request |
//! | 422 | `bad_base64`, `unsupported_sign_type`, `unsupported_encrypt_type`, `no_phone`, `alipay_error` (but 20000) | the payload or the user's authorisation |
//! | 404 | `key_error` for an app id no key provider knows | the request |
//! | 500 | `key_error` (a known app's wrong or missing keys), `decrypt_failed` (a verified payload our AES key cannot open) | this server's configuration |
//! | 502 | `malformed_plaintext` | Alipay's content is not what the protocol says |
//! | 503 + `Retry-After` | `alipay_error` 20000 (Alipay busy), `key_error` from a key store that cannot be reached | temporary: retry |
//!
//! The routes are `phone_client::axum::router` (feature `axum`: `/alipay/phone`, `/alipay/run-data`,
//! `/alipay/open-data`, every shape a front end posts) plus `/healthz`. One log line per request:
//! app id, outcome kind, shape, duration. Never the number, the step count, a key or the ciphertext.

use std::net::SocketAddr;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use phone_client::metrics::PrometheusHandle;
use phone_client::{AppKeyMaterial, EnvKeys, PhoneClient, StaticKeys};
use phone_core::SignType;

/// The routes, over a client.
pub fn app(client: PhoneClient) -> Router {
    let metrics = prometheus();
    phone_client::axum::router(client)
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/metrics",
            get(|| async move { ([(CONTENT_TYPE, "text/plain; version=0.0.4")], metrics.render()) }),
        )
}

/// The process's Prometheus recorder, installed on first use. The `metrics` facade has one
/// global recorder per process, so every [`app`] (the tests start several) shares this one.
pub fn prometheus() -> PrometheusHandle {
    phone_client::metrics::prometheus()
}

/// Why the server will not start.
#[derive(Debug)]
pub struct NoKeys;

impl std::fmt::Display for NoKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "no keys configured: set ALIPAY_PUBLIC_KEY_<APPID> and ALIPAY_AES_KEY_<APPID> for each app \
             (ALIPAY_VERIFY_WITH_<APPID> for ISV merchants), or ALIPAY_PUBLIC_KEY and ALIPAY_AES_KEY for \
             every app id; --demo or PHONE_DEMO=1 serves the public demo keys instead (never in production)",
        )
    }
}

impl std::error::Error for NoKeys {}

/// Keys from the environment; the demo keys only when `demo` is asked for. Fails closed.
pub fn client_from_env(env: EnvKeys, demo: bool) -> Result<PhoneClient, Box<dyn std::error::Error>> {
    let builder = PhoneClient::builder().accept_sign_types(&[SignType::Rsa2]);
    if demo {
        let demo = AppKeyMaterial::new()
            .with_alipay_public_key(include_str!("data/alipay_public_key.txt"))?
            .with_aes_key(include_str!("data/aes_key.txt"))?;
        return Ok(builder.keys(StaticKeys::new().any_app(demo)).build()?);
    }
    if !env.is_configured() {
        return Err(Box::new(NoKeys));
    }
    Ok(builder.keys(env).build()?)
}

/// Whether demo mode was asked for: `--demo` or `PHONE_DEMO=1`.
pub fn demo_requested() -> bool {
    std::env::args().any(|a| a == "--demo") || std::env::var("PHONE_DEMO").is_ok_and(|v| v == "1")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let demo = demo_requested();
    let client = match client_from_env(EnvKeys::new(), demo) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("server: {e}");
            std::process::exit(2);
        }
    };
    if demo {
        tracing::warn!("demo mode: serving every app id with the PUBLIC demo keys in examples/data/");
    }
    let addr: SocketAddr = std::env::var("PHONE_LISTEN")
        .unwrap_or_else(|_| "127.0.0.1:8080".into())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, backend = client.backend_name(), "listening");
    axum::serve(listener, app(client))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
