//! The floor `alipay-phone serve` is measured against: the same HTTP stack (axum on a
//! multi-thread tokio runtime) and the same pipeline (`AppKeys::open`), and nothing else: no
//! token, no log line, no metrics, no timeout, no key provider.
//!
//! `scripts/serve-load.sh` runs it beside `serve` on the same core and load, so that what serve
//! adds is told apart from what HTTP plus the pipeline cost together on this machine (which is
//! more than the sum of a `/healthz` rate and a bench rate measured apart, see the script).
//!
//! ```text
//! cargo run --release -p phone-serve --example serve-floor -- 127.0.0.1:18181 \
//!     examples/data/alipay_public_key.txt examples/data/aes_key.txt aws-lc-rs
//! ```

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use phone_crypto::{AppKeys, Backend};

// The same allocator as `alipay-phone`, so that the two differ only in what serve adds.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [listen, public_key, aes_key, backend] = args.as_slice() else {
        eprintln!("usage: serve-floor ADDR ALIPAY_PUBLIC_KEY_FILE AES_KEY_FILE BACKEND");
        std::process::exit(2);
    };
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let backend = Backend::from_name(backend).unwrap_or_else(|| panic!("unknown backend {backend}"));
    let keys = AppKeys::builder()
        .alipay_public_key(read(public_key).trim())
        .and_then(|b| b.aes_key(read(aes_key).trim()))
        .and_then(|b| b.build(backend))
        .unwrap_or_else(|e| panic!("keys: {e}"));
    let keys = Arc::new(keys);
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/v1/apps/{app_id}/phone", post(open))
        .with_state(keys);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen.as_str()).await?;
        println!("listening addr={}", listener.local_addr()?);
        axum::serve(listener, app).await
    })
}

async fn open(State(keys): State<Arc<AppKeys>>, body: Bytes) -> (StatusCode, String) {
    match std::str::from_utf8(&body)
        .map_err(|_| ())
        .and_then(|t| keys.open(t).map_err(|_| ()))
    {
        Ok(o) => (
            StatusCode::OK,
            format!(
                "{{\"status\":\"ok\",\"code\":\"{}\",\"msg\":\"{}\",\"mobile\":\"{}\"}}",
                o.response.code,
                o.response.msg,
                o.response.phone.reveal()
            ),
        ),
        Err(()) => (StatusCode::BAD_REQUEST, String::new()),
    }
}
