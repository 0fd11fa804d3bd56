//! The routes of `serve`: `POST /v1/apps/{app_id}/phone`, `/v1/apps/{app_id}/run-data`,
//! `/v1/apps/{app_id}/open-data`, `/healthz`, `/readyz`, `/metrics`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt as _;
use phone_client::axum::{
    AcceptLanguage, ErrorResponse, HttpError, OpenDataKind, RETRY_AFTER_SECS, Reveal, open_and_answer,
};
use phone_client::metrics::PrometheusHandle;
use phone_client::{Error, PhoneClient};
use phone_core::Lang;
use serde_json::json;

use super::auth::{Auth, Tokens};
use super::keys::Sources;
use super::logs::AccessLog;

/// The route that opens `my.getPhoneNumber` envelopes.
pub const PHONE_ROUTE: &str = "/v1/apps/{app_id}/phone";
/// The route that opens `my.getRunData` envelopes.
pub const RUN_DATA_ROUTE: &str = "/v1/apps/{app_id}/run-data";
/// The route that opens any other open data Alipay sends in this envelope.
pub const OPEN_DATA_ROUTE: &str = "/v1/apps/{app_id}/open-data";

/// What every request handler shares.
pub struct AppState {
    pub client: PhoneClient,
    pub tokens: Tokens,
    pub sources: Sources,
    pub body_limit: usize,
    pub request_timeout: Duration,
    pub metrics: PrometheusHandle,
    pub access_log: AccessLog,
}

/// The routes over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(PHONE_ROUTE, post(phone))
        .route(RUN_DATA_ROUTE, post(run_data))
        .route(OPEN_DATA_ROUTE, post(open_data))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn phone(State(state): State<Arc<AppState>>, Path(app_id): Path<String>, request: Request) -> Response {
    handle(state, app_id, request, OpenDataKind::Phone).await
}

async fn run_data(State(state): State<Arc<AppState>>, Path(app_id): Path<String>, request: Request) -> Response {
    handle(state, app_id, request, OpenDataKind::Run).await
}

async fn open_data(State(state): State<Arc<AppState>>, Path(app_id): Path<String>, request: Request) -> Response {
    handle(state, app_id, request, OpenDataKind::Any).await
}

/// One request, start to end: the bearer token (nothing is read before the caller is known),
/// the request timeout around the body upload and the open, the access line, and the metrics
/// of a request the client never counted. These stay in one function rather than in
/// `axum::middleware::from_fn` layers: three such layers (each boxes its future and clones the
/// inner service per request) took serve from 0.87-0.90x of its floor to 0.76x
/// (scripts/serve-load.sh, the same window).
async fn handle(state: Arc<AppState>, app_id: String, request: Request, data: OpenDataKind) -> Response {
    let start = Instant::now();
    // The headers are borrowed, not extracted: a `HeaderMap` extractor copies every one.
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let AcceptLanguage(lang) = AcceptLanguage::from_headers(headers);
    // Nothing is read, let alone decrypted, before the caller is known.
    let (outcome, shape, response, reached_open) = match state.tokens.check(headers) {
        Auth::Allowed => match tokio::time::timeout(
            state.request_timeout,
            open(&state, &app_id, declared_length(headers), body, data),
        )
        .await
        {
            Ok((Ok((response, shape)), _)) => ("ok", shape, response, true),
            Ok((Err((e, shape)), reached)) => {
                (e.kind(), shape, ErrorResponse(e).in_lang(lang).into_response(), reached)
            }
            // An open cut short by the timeout never recorded itself.
            Err(_) => ("timeout", "-", timeout(lang, state.request_timeout), false),
        },
        auth => ("unauthorized", "-", unauthorized(lang, auth == Auth::Invalid), false),
    };
    let duration_us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
    if !reached_open {
        // So that alipay_phone_requests_total counts every request, refused ones included.
        state.client.record_rejected(outcome, start.elapsed());
    }
    state.access_log.request(
        phone_client::loggable_app_id(&app_id),
        data.as_str(),
        shape,
        outcome,
        response.status().as_u16(),
        duration_us,
    );
    response
}

/// Reads the body and opens it as `data`, answering the 200 and the shape it came in; the flag
/// says whether the client's open ran (and so counted the request in the metrics itself).
async fn open(
    state: &AppState,
    app_id: &str,
    declared: Option<u64>,
    body: Body,
    data: OpenDataKind,
) -> (Result<(Response, &'static str), (Error, &'static str)>, bool) {
    // A declared length over the limit is refused before a byte of the body is read (nginx
    // does the same with client_max_body_size), not after the request timeout.
    if let Some(size) = declared.filter(|&n| n > state.body_limit as u64) {
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        return (
            Err((
                Error::PayloadTooLarge {
                    size,
                    limit: state.body_limit,
                },
                "-",
            )),
            false,
        );
    }
    let body = match read_body(body, state.body_limit).await {
        Ok(b) => b,
        Err(e) => return (Err((e, "-")), false),
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return (
            Err((Error::MalformedEnvelope("the body is not UTF-8 text".into()), "-")),
            false,
        );
    };
    // The caller is the team's own backend: it gets the values in full, as `--reveal` does.
    let (answered, shape) = open_and_answer(&state.client, app_id, text, data, Reveal::Full).await;
    let answered = match answered {
        Ok(response) => Ok((response, shape)),
        Err(e) => Err((e, shape)),
    };
    (answered, true)
}

/// The request's `Content-Length`, when it has a readable one (hyper has refused a malformed
/// or repeated one already).
fn declared_length(headers: &axum::http::HeaderMap) -> Option<u64> {
    headers
        .get(axum::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The body, refused as soon as it passes `limit` whatever Content-Length claims, chunked
/// bodies too (`http_body_util::Limited`). A body that arrives as one frame (the usual case: an
/// envelope is under 1 KiB) is kept as it is, not copied.
async fn read_body(body: Body, limit: usize) -> Result<Bytes, Error> {
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(Error::PayloadTooLarge {
            // Limited stops at the first byte past the limit: that is all that is known.
            size: limit.saturating_add(1),
            limit,
        }),
        Err(_) => Err(Error::MalformedEnvelope("the request body could not be read".into())),
    }
}

fn unauthorized(lang: Lang, presented: bool) -> Response {
    let (message, challenge) = if presented {
        (
            "the bearer token is not valid",
            "Bearer realm=\"alipay-phone\", error=\"invalid_token\"",
        )
    } else {
        ("a bearer token is required", "Bearer realm=\"alipay-phone\"")
    };
    let mut response = HttpError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        message,
        "send Authorization: Bearer <token> with one of the tokens of the service's --token-file or PHONE_SERVE_TOKEN",
        "请求头要带 Authorization: Bearer <令牌>，令牌取自服务的 --token-file 或 PHONE_SERVE_TOKEN",
    )
    .into_response_in(lang);
    response
        .headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
    response
}

fn timeout(lang: Lang, limit: Duration) -> Response {
    let message = format!("the request did not finish within {} ms", limit.as_millis());
    let mut response = HttpError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "timeout",
        message,
        "retry after Retry-After seconds; if it persists, check the key store (database) and the body upload",
        "请在 Retry-After 秒后重试；持续出现时检查密钥存储（数据库）与请求体上传",
    )
    .into_response_in(lang);
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    response
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match state.sources.ready().await {
        Ok(()) => (StatusCode::OK, axum::Json(json!({"status": "ready"}))).into_response(),
        Err(reason) => {
            let mut response = (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({"status": "not_ready", "reason": reason})),
            )
                .into_response();
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
            response
        }
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

#[cfg(test)]
mod tests {
    use phone_client::loggable_app_id as loggable;

    /// The access line writes the app id unescaped: the library's rule must keep it safe.
    #[test]
    fn only_plausible_app_ids_are_logged() {
        assert_eq!(loggable("2021001234567890"), "2021001234567890");
        assert_eq!(loggable("a\nforged=1"), "<invalid>");
        assert_eq!(loggable(""), "<invalid>");
        assert_eq!(loggable(&"9".repeat(65)), "<invalid>");
    }
}
