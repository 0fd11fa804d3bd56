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
//!   (`res.response`, posted as JSON). 200: `{"status":"ok","code":"10000","mobile":"<masked>"}`.
//! - `GET /healthz`: 200.
//!
//! Failures return the CONTRACT.md error JSON `{"status":"error","kind","message","hint"}`
//! (plus Alipay's `code`, `msg`, `sub_code`, `sub_msg` for `alipay_error`), with this status:
//!
//! | status | kinds | whose problem |
//! | --- | --- | --- |
//! | 400 | `malformed_envelope`, a missing `app_id` | the request |
//! | 403 | `missing_signature`, `bad_signature` | the payload is not proven to come from Alipay |
//! | 413 | `payload_too_large` | the request |
//! | 422 | `bad_base64`, `unsupported_sign_type`, `unsupported_encrypt_type`, `no_phone`, `alipay_error` (but 20000) | the payload or the user's authorisation |
//! | 500 | `key_error` (unknown app id, bad or unavailable keys), `decrypt_failed` (a verified payload our AES key cannot open) | this server's configuration |
//! | 502 | `malformed_plaintext` | Alipay's content is not what the protocol says |
//! | 503 | `alipay_error` 20000 | Alipay is busy: retry |
//!
//! One log line per request: app id, outcome kind, duration. Never the number, a key or the
//! ciphertext.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use phone_client::{AppKeyMaterial, EnvKeys, PhoneClient, StaticKeys};
use phone_core::{Error, ErrorKind, SignType};
use serde_json::json;

/// The HTTP status for an error kind (the table above).
pub fn status_for(e: &Error) -> StatusCode {
    match e.error_kind() {
        ErrorKind::MalformedEnvelope => StatusCode::BAD_REQUEST,
        ErrorKind::MissingSignature | ErrorKind::BadSignature => StatusCode::FORBIDDEN,
        ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::KeyError | ErrorKind::DecryptFailed | ErrorKind::EncryptFailed => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorKind::MalformedPlaintext => StatusCode::BAD_GATEWAY,
        ErrorKind::AlipayError if e.alipay().is_some_and(|a| a.code == "20000") => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

async fn phone(State(client): State<PhoneClient>, Query(q): Query<HashMap<String, String>>, body: Bytes) -> Response {
    let start = std::time::Instant::now();
    let Some(app_id) = q.get("app_id").filter(|a| !a.is_empty()) else {
        let body = json!({"status": "error", "kind": "malformed_envelope", "message": "the app_id query parameter is missing", "hint": "POST /alipay/phone?app_id=<your mini-program's app id>"});
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    };
    let result = match std::str::from_utf8(&body) {
        Ok(text) => client.open(app_id, text).await,
        Err(_) => Err(Error::MalformedEnvelope("the body is not UTF-8 text".into())),
    };
    let outcome = result.as_ref().map_or_else(|e| e.kind(), |_| "ok");
    tracing::info!(app_id = %app_id, outcome, duration_us = start.elapsed().as_micros() as u64, "POST /alipay/phone");
    match result {
        Ok(o) => {
            let body = json!({"status": "ok", "code": o.response.code, "mobile": o.response.phone.masked()});
            (StatusCode::OK, axum::Json(body)).into_response()
        }
        Err(e) => (status_for(&e), axum::Json(e.to_contract_json())).into_response(),
    }
}

/// The routes, over a client.
pub fn app(client: PhoneClient) -> Router {
    Router::new()
        .route("/alipay/phone", post(phone))
        .route("/healthz", get(|| async { "ok" }))
        // Above the SDK's own 64 KiB limit, so an oversized envelope gets the contract's JSON.
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .with_state(client)
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
