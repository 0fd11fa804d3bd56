//! The [axum](https://docs.rs/axum) integration (feature `axum`): a ready router, an app-id
//! extractor and an error response with the contract's JSON and HTTP status.
//!
//! ```
//! use phone_client::{PhoneClient, axum::router};
//!
//! // `POST /alipay/phone?app_id=ID` with the envelope as the body (and `/alipay/run-data`,
//! // `/alipay/open-data` for `my.getRunData` and any open data); add your own routes.
//! fn app(client: PhoneClient) -> axum::Router {
//!     router(client).route("/healthz", axum::routing::get(|| async { "ok" }))
//! }
//! ```
//!
//! - success: 200 `{"status":"ok","code":"10000","msg":"Success","mobile":"138****8000"}` (the
//!   number masked; [`phone_success`] with [`Reveal::Full`] for a handler of your own);
//!   run data `{"status":"ok","code":"10000","msg":"Success","count":"***","count_date":"2018-12-19"}`
//!   and any open data `{"status":"ok","code":"10000","msg":"Success","data":{...}}` masked the
//!   same way (every value of `data` but Alipay's status fields is `"***"`): a handler of your
//!   own calls `PhoneClient::decrypt_run_data` / `decrypt_open_data` for the values;
//! - the body may be any shape of PROTOCOL.md 0.4 the SDK opens (the envelope, the button's
//!   `{encryptedData, sign}`, `{encryptContent}`); a known front-end mistake is a 400 whose
//!   hint says what to post instead;
//! - failure: the contract's JSON ([`Error::to_contract_json_in`]) with [`Error::http_status`]
//!   (400, 403, 404, 413, 422, 500, 502 or 503), and `Retry-After` on 503 (Alipay busy, or the key
//!   store cannot be reached);
//! - a missing or empty `app_id` query parameter: 400 with kind `malformed_envelope`.
//!
//! Failures speak the language the request's `Accept-Language` asks for ([`AcceptLanguage`]):
//! `hint` is the fix in that language (English unless Chinese is preferred), `hint_zh` is
//! always the Chinese fix, and the response says which with `Content-Language` and
//! `Vary: Accept-Language`. The other fields of the contract do not change with the language.
//!
//! Every request logs one `tracing` line at `info`: app id, outcome kind, the body's shape
//! ([`Shape`](phone_core::Shape), or the mistake it was refused as) and duration; never
//! the number, a key or the ciphertext. The app id comes from the caller, so it is logged only
//! when it is an [`AppId`](phone_core::AppId) (1 to 64 ASCII letters, digits, `_` or `-`, as the key providers
//! require); any other is logged as `<invalid>` with its length in `app_id_len`.
//!
//! With the `metrics` feature, requests refused before the envelope is opened (a missing app
//! id, a body that is not UTF-8) are counted too, as `malformed_envelope`
//! (`PhoneClient::record_rejected`).

use ::axum::Router;
use ::axum::body::Bytes;
use ::axum::extract::{DefaultBodyLimit, FromRequestParts, Query, State};
use ::axum::http::request::Parts;
use ::axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::post;
use phone_core::{Error, Lang};
use serde::{Deserialize, Serialize};

use crate::PhoneClient;

/// The path of [`open_phone`] in [`router`].
pub const PHONE_PATH: &str = "/alipay/phone";
/// The path of [`open_run_data`] in [`router`].
pub const RUN_DATA_PATH: &str = "/alipay/run-data";
/// The path of [`open_any_data`] in [`router`].
pub const OPEN_DATA_PATH: &str = "/alipay/open-data";

/// The `Retry-After` value, in seconds, sent with a 503.
pub const RETRY_AFTER_SECS: u32 = 5;

/// The body limit [`router`] sets: above the SDK's own 64 KiB envelope limit, so an oversized
/// envelope still gets the contract's `payload_too_large` JSON rather than axum's plain 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// An [`Error`] as an HTTP response: status [`Error::http_status`], body
/// [`Error::to_contract_json`], and `Retry-After` on a 503. (A newtype because both `Error` and
/// `IntoResponse` are foreign to your crate.)
///
/// ```
/// use axum::response::IntoResponse;
/// use phone_client::{Error, axum::ErrorResponse};
///
/// async fn handler() -> Result<String, ErrorResponse> {
///     Err(Error::NoPhone)? // `?` converts an `Error`
/// }
/// let response = ErrorResponse(Error::BadSignature).into_response();
/// assert_eq!(response.status(), 403);
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
#[derive(Debug, Clone)]
pub struct ErrorResponse(pub Error);

impl From<Error> for ErrorResponse {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

impl ErrorResponse {
    /// The same error answered in `lang`: `hint` in that language (see
    /// [`LocalizedErrorResponse`]).
    ///
    /// ```
    /// use axum::response::IntoResponse;
    /// use phone_client::{Error, axum::{AcceptLanguage, ErrorResponse, LocalizedErrorResponse}};
    ///
    /// async fn handler(AcceptLanguage(lang): AcceptLanguage) -> Result<String, LocalizedErrorResponse> {
    ///     Err(ErrorResponse(Error::NoPhone).in_lang(lang))
    /// }
    /// ```
    pub fn in_lang(self, lang: Lang) -> LocalizedErrorResponse {
        LocalizedErrorResponse { error: self.0, lang }
    }
}

impl IntoResponse for ErrorResponse {
    fn into_response(self) -> Response {
        error_response(&self.0, Lang::En, false)
    }
}

/// An [`Error`] as an HTTP response in the language the client asked for: like
/// [`ErrorResponse`], with `hint` in `lang` and `hint_zh` always Chinese
/// ([`Error::to_contract_json_in`]), `Content-Language` naming `lang` and
/// `Vary: Accept-Language`. [`open_phone`] answers with it.
///
/// ```
/// use axum::response::IntoResponse;
/// use phone_client::{Error, axum::LocalizedErrorResponse};
/// use phone_core::Lang;
///
/// let response = LocalizedErrorResponse { error: Error::BadSignature, lang: Lang::Zh }.into_response();
/// assert_eq!(response.status(), 403);
/// assert_eq!(response.headers()["content-language"], "zh");
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
#[derive(Debug, Clone)]
pub struct LocalizedErrorResponse {
    /// The error.
    pub error: Error,
    /// The language of `hint`.
    pub lang: Lang,
}

impl IntoResponse for LocalizedErrorResponse {
    fn into_response(self) -> Response {
        error_response(&self.error, self.lang, true)
    }
}

fn error_response(e: &Error, lang: Lang, localized: bool) -> Response {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, ::axum::Json(e.to_contract_json_in(lang))).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    }
    if localized {
        language_headers(response.headers_mut(), lang);
    }
    response
}

/// Says which language `hint` is in, and that a cache must key it by `Accept-Language`.
fn language_headers(headers: &mut HeaderMap, lang: Lang) {
    headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.as_str()));
    headers.append(header::VARY, HeaderValue::from_static("accept-language"));
}

/// The language a request asks for, from its `Accept-Language` header
/// ([`Lang::from_accept_language`]: the highest-weighted of `zh*` and `en*`); English when the
/// header is absent, unreadable or names neither. Never rejects a request.
///
/// ```
/// use axum::body::Bytes;
/// use phone_client::axum::{AcceptLanguage, AppId};
///
/// async fn handler(AcceptLanguage(lang): AcceptLanguage, AppId(app_id): AppId, body: Bytes) -> String {
///     format!("{app_id}: answering in {lang}")
/// }
/// # let _ = axum::Router::<()>::new().route("/", axum::routing::post(handler));
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AcceptLanguage(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for AcceptLanguage {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_headers(&parts.headers))
    }
}

impl AcceptLanguage {
    /// The language of `headers` (every `Accept-Language` line, as one list).
    ///
    /// ```
    /// use axum::http::{HeaderMap, HeaderValue};
    /// use phone_client::axum::AcceptLanguage;
    /// use phone_core::Lang;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("accept-language", HeaderValue::from_static("zh-CN,zh;q=0.9,en;q=0.8"));
    /// assert_eq!(AcceptLanguage::from_headers(&headers), AcceptLanguage(Lang::Zh));
    /// assert_eq!(AcceptLanguage::from_headers(&HeaderMap::new()), AcceptLanguage(Lang::En));
    /// ```
    pub fn from_headers(headers: &HeaderMap) -> Self {
        // A header sent on several lines is one list (RFC 9110 section 5.3); a line that is
        // not visible ASCII is skipped.
        let joined: Vec<&str> = headers
            .get_all(header::ACCEPT_LANGUAGE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        Self(Lang::from_accept_language(&joined.join(",")))
    }
}

/// The app id from the `app_id` query parameter (`?app_id=2021001234567890`). A missing or
/// empty one is rejected with [`MissingAppId`] (400).
///
/// ```
/// use axum::{body::Bytes, extract::State};
/// use phone_client::{PhoneClient, axum::{AppId, ErrorResponse}};
///
/// // Your own handler: open, then do something with the number.
/// async fn login(State(client): State<PhoneClient>, AppId(app_id): AppId, body: Bytes) -> Result<String, ErrorResponse> {
///     let text = std::str::from_utf8(&body).map_err(|_| phone_client::Error::MalformedEnvelope("not UTF-8".into()))?;
///     let opened = client.open(&app_id, text).await?;
///     Ok(opened.response.phone.masked())
/// }
/// # fn app(client: PhoneClient) -> axum::Router {
/// #     axum::Router::new().route("/login", axum::routing::post(login)).with_state(client)
/// # }
/// ```
///
/// A single-app service can ignore the query and pass its own app id to
/// [`PhoneClient::open`] instead.
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppId(pub String);

#[derive(Deserialize)]
struct AppIdQuery {
    app_id: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for AppId {
    type Rejection = MissingAppId;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match Query::<AppIdQuery>::try_from_uri(&parts.uri) {
            Ok(Query(AppIdQuery { app_id: Some(id) })) if !id.is_empty() => Ok(Self(id)),
            _ => Err(MissingAppId),
        }
    }
}

/// The rejection of [`AppId`]: 400 with the contract's JSON, kind `malformed_envelope`.
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingAppId;

impl IntoResponse for MissingAppId {
    fn into_response(self) -> Response {
        missing_app_id(Lang::En, false)
    }
}

const MISSING_APP_ID_HINT: &str = "POST /alipay/phone?app_id=<your mini-program's app id>";
const MISSING_APP_ID_HINT_ZH: &str = "请求地址要带上小程序的 AppID：POST /alipay/phone?app_id=<小程序 AppID>";

/// The contract kind of [`MissingAppId`]'s 400.
const MISSING_APP_ID_KIND: &str = "malformed_envelope";

fn missing_app_id(lang: Lang, localized: bool) -> Response {
    let e = HttpError::new(
        StatusCode::BAD_REQUEST,
        MISSING_APP_ID_KIND,
        "the app_id query parameter is missing",
        MISSING_APP_ID_HINT,
        MISSING_APP_ID_HINT_ZH,
    );
    if localized {
        return e.into_response_in(lang);
    }
    let mut response = e.into_response_in(Lang::En);
    // Unlocalized (the bare extractor's rejection): no language headers, as before.
    response.headers_mut().remove(header::CONTENT_LANGUAGE);
    response.headers_mut().remove(header::VARY);
    response
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    status: &'static str,
    kind: &'static str,
    message: &'a str,
    hint: &'static str,
    hint_zh: &'static str,
}

/// The one `info` line per request. The app id is the caller's (percent-decoded, so it may
/// hold a newline, and be as long as the query): only a plausible one is written as it is.
fn log_request(
    path: &'static str,
    app_id: Option<&str>,
    outcome: &'static str,
    shape: &'static str,
    start: std::time::Instant,
) {
    let duration_us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
    let (shown, len) = match app_id {
        None => ("<missing>", None),
        Some(id) if phone_core::AppId::is_valid(id) => (id, None),
        Some(id) => ("<invalid>", Some(id.len())),
    };
    tracing::info!(app_id = %shown, app_id_len = len, outcome, shape, duration_us, "POST {path}");
}

pub use crate::OpenDataKind;

/// Opens `text` posted for `app_id` as `kind` and answers with its 200 ([`Reveal`] says how
/// much it shows) or the error, beside the label an access line gives the body (the shape it
/// opened in, the mistake it was refused as, or `-`). The one place the routes of [`router`] and
/// `alipay-phone serve` turn an open into an answer.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use phone_client::{AppKeyMaterial, PhoneClient, StaticKeys};
/// use phone_client::axum::{OpenDataKind, Reveal, open_and_answer};
/// let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/");
/// let material = AppKeyMaterial::new()
///     .with_alipay_public_key(&std::fs::read_to_string(format!("{data}alipay_public_key.txt"))?)?
///     .with_aes_key(&std::fs::read_to_string(format!("{data}aes_key.txt"))?)?;
/// let client = PhoneClient::builder().keys(StaticKeys::new().app("2021001234567890", material)).build()?;
/// let body = std::fs::read_to_string(format!("{data}envelope.json"))?;
/// let (answer, shape) = open_and_answer(&client, "2021001234567890", &body, OpenDataKind::Phone, Reveal::Masked).await;
/// assert_eq!((answer?.status().as_u16(), shape), (200, "envelope"));
/// # Ok(()) }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub async fn open_and_answer(
    client: &PhoneClient,
    app_id: &str,
    text: &str,
    kind: OpenDataKind,
    reveal: Reveal,
) -> (Result<Response, Error>, &'static str) {
    let answered = match kind {
        OpenDataKind::Phone => client
            .open(app_id, text)
            .await
            .map(|o| (phone_success(&o.response, reveal), o.shape)),
        OpenDataKind::Run => client
            .open_run_data(app_id, text)
            .await
            .map(|o| (run_success(&o.response, reveal), o.shape)),
        OpenDataKind::Any => client
            .open_data::<serde_json::Map<String, serde_json::Value>>(app_id, text)
            .await
            .map(|o| (any_success(&o.response, reveal), o.shape)),
    };
    match answered {
        Ok((response, shape)) => (Ok(response), shape.as_str()),
        Err(e) => {
            let label = phone_core::Shape::label_of_failed(text, &e);
            (Err(e), label)
        }
    }
}

/// Whether a 200 shows the personal values (the number, the step count, the open data's
/// values) or masks them. [`router`] masks; a service whose callers are the team's own trusted
/// backends (`alipay-phone serve`) answers in full, as the CLI's `--reveal` does.
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reveal {
    /// `138****8000`, `"***"`.
    #[default]
    Masked,
    /// The values as Alipay sent them.
    Full,
}

#[derive(Serialize)]
struct PhoneBody<'a> {
    status: &'static str,
    code: &'a str,
    msg: &'a str,
    mobile: std::borrow::Cow<'a, str>,
}

/// A 200 of personal data: no shared cache on the way back may keep it.
fn no_store(body: impl Serialize) -> Response {
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        ::axum::Json(body),
    )
        .into_response()
}

/// The phone's 200: `{"status":"ok","code":"10000","msg":"Success","mobile":"138****8000"}`
/// (the full number with [`Reveal::Full`]), `Cache-Control: no-store`. Serialized from borrowed
/// fields: no `serde_json::Value` is built per request.
///
/// ```
/// use phone_client::axum::{Reveal, phone_success};
/// let r = phone_core::parse_plaintext(br#"{"code":"10000","msg":"Success","mobile":"13800138000"}"#, phone_core::Charset::Utf8)?;
/// let response = phone_success(&r, Reveal::Masked);
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.headers()["cache-control"], "no-store");
/// # Ok::<(), phone_client::Error>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub fn phone_success(r: &crate::PhoneResponse, reveal: Reveal) -> Response {
    no_store(PhoneBody {
        status: "ok",
        code: &r.code,
        msg: &r.msg,
        mobile: match reveal {
            Reveal::Full => std::borrow::Cow::Borrowed(r.phone.reveal()),
            Reveal::Masked => std::borrow::Cow::Owned(r.phone.masked()),
        },
    })
}

/// `my.getRunData`'s 200: `{"status":"ok","code","msg","count","count_date"}`, the count a JSON
/// integer with [`Reveal::Full`] and `"***"` masked (CONTRACT.md's `decrypt --data run`).
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub fn run_success(run: &phone_core::RunData, reveal: Reveal) -> Response {
    let count = match reveal {
        Reveal::Full => serde_json::Value::from(run.count.reveal()),
        Reveal::Masked => serde_json::Value::from("***"),
    };
    no_store(serde_json::json!({
        "status": "ok",
        "code": run.code,
        "msg": run.msg,
        "count": count,
        "count_date": run.count_date.to_string(),
    }))
}

/// Any open data's 200: `{"status":"ok","code","msg","data":{...}}`, every value of `data` but
/// Alipay's status fields `"***"` when masked ([`phone_core::OpenData::masked`]).
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub fn any_success(any: &phone_core::OpenData, reveal: Reveal) -> Response {
    let data = match reveal {
        Reveal::Full => any.data.clone(),
        Reveal::Masked => any.masked(),
    };
    no_store(serde_json::json!({"status": "ok", "code": any.code, "msg": any.msg, "data": data}))
}

/// An error of the HTTP layer itself rather than of the library (a missing app id, no token, a
/// timeout, a request without `Host`): the contract's JSON shape with a `kind` of its own, its
/// fix in both languages, `Content-Language` and `Vary`.
///
/// ```
/// use axum::http::StatusCode;
/// use phone_client::axum::HttpError;
/// use phone_core::Lang;
/// let e = HttpError::new(StatusCode::UNAUTHORIZED, "unauthorized", "a bearer token is required", "send one", "请带上令牌");
/// let response = e.into_response_in(Lang::Zh);
/// assert_eq!(response.status(), 401);
/// assert_eq!(response.headers()["content-language"], "zh");
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
#[derive(Debug, Clone)]
pub struct HttpError {
    /// The status.
    pub status: StatusCode,
    /// A short fixed word (`unauthorized`, `timeout`, ...), never text from the request.
    pub kind: &'static str,
    /// What is wrong.
    pub message: std::borrow::Cow<'static, str>,
    /// The fix, English.
    pub hint: &'static str,
    /// The fix, Chinese.
    pub hint_zh: &'static str,
}

impl HttpError {
    /// Builds one.
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        message: impl Into<std::borrow::Cow<'static, str>>,
        hint: &'static str,
        hint_zh: &'static str,
    ) -> Self {
        Self {
            status,
            kind,
            message: message.into(),
            hint,
            hint_zh,
        }
    }

    /// The response, `hint` in `lang`.
    pub fn into_response_in(self, lang: Lang) -> Response {
        let body = ::axum::Json(ErrorBody {
            status: "error",
            kind: self.kind,
            message: &self.message,
            hint: match lang {
                Lang::Zh => self.hint_zh,
                _ => self.hint,
            },
            hint_zh: self.hint_zh,
        });
        let mut response = (self.status, body).into_response();
        language_headers(response.headers_mut(), lang);
        response
    }
}

/// The handler behind [`router`]'s [`PHONE_PATH`], for routing it yourself (state: a
/// [`PhoneClient`], or any state it can be taken from with `FromRef`): the body is the envelope
/// exactly as the mini-program got it (`res.response`, posted as JSON), or the button event's
/// `detail`, or `{encryptContent}`. Failures are [`LocalizedErrorResponse`]s in the language of
/// the request's `Accept-Language`.
///
/// ```
/// use axum::{Router, routing::post};
/// use phone_client::{PhoneClient, axum::open_phone};
/// fn app(client: PhoneClient) -> Router {
///     Router::new().route("/v1/phone", post(open_phone)).with_state(client)
/// }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub async fn open_phone(
    State(client): State<PhoneClient>,
    AcceptLanguage(lang): AcceptLanguage,
    app_id: Result<AppId, MissingAppId>,
    body: Bytes,
) -> Response {
    handle(PHONE_PATH, client, lang, app_id, body, OpenDataKind::Phone).await
}

/// The handler behind [`router`]'s [`RUN_DATA_PATH`]: `my.getRunData`'s envelope (any accepted
/// shape, Alipay's own `{encryptContent: res.response}` included), answered
/// `{"status":"ok","code":"10000","msg":"Success","count":"***","count_date":"2018-12-19"}`:
/// the step count is personal data, masked as the number is.
///
/// ```
/// use axum::{Router, routing::post};
/// use phone_client::{PhoneClient, axum::open_run_data};
/// fn app(client: PhoneClient) -> Router {
///     Router::new().route("/v1/steps", post(open_run_data)).with_state(client)
/// }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub async fn open_run_data(
    State(client): State<PhoneClient>,
    AcceptLanguage(lang): AcceptLanguage,
    app_id: Result<AppId, MissingAppId>,
    body: Bytes,
) -> Response {
    handle(RUN_DATA_PATH, client, lang, app_id, body, OpenDataKind::Run).await
}

/// The handler behind [`router`]'s [`OPEN_DATA_PATH`]: any open data Alipay sends in this
/// envelope, answered `{"status":"ok","code":"10000","msg":"Success","data":{...}}` with every
/// value of `data` but Alipay's status fields masked ([`phone_core::OpenData::masked`]).
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub async fn open_any_data(
    State(client): State<PhoneClient>,
    AcceptLanguage(lang): AcceptLanguage,
    app_id: Result<AppId, MissingAppId>,
    body: Bytes,
) -> Response {
    handle(OPEN_DATA_PATH, client, lang, app_id, body, OpenDataKind::Any).await
}

/// What the three handlers share: the app id, UTF-8, the open ([`open_and_answer`]), the log
/// line, the metrics of refusals, the error response in the asked language.
async fn handle(
    path: &'static str,
    client: PhoneClient,
    lang: Lang,
    app_id: Result<AppId, MissingAppId>,
    body: Bytes,
    kind: OpenDataKind,
) -> Response {
    let start = std::time::Instant::now();
    // Taken as a Result so that a missing app id is answered in the asked language too.
    let Ok(AppId(app_id)) = app_id else {
        let outcome = MISSING_APP_ID_KIND;
        #[cfg(feature = "metrics")]
        client.record_rejected(outcome, start.elapsed());
        log_request(path, None, outcome, "-", start);
        return missing_app_id(lang, true);
    };
    let (result, shape) = match std::str::from_utf8(&body) {
        Ok(text) => open_and_answer(&client, &app_id, text, kind, Reveal::Masked).await,
        Err(_) => {
            let e = Error::MalformedEnvelope("the body is not UTF-8 text".into());
            // `open` counts what it sees; this never reached it.
            #[cfg(feature = "metrics")]
            client.record_rejected(e.kind(), start.elapsed());
            (Err(e), "-")
        }
    };
    let outcome = result.as_ref().map_or_else(|e| e.kind(), |_| "ok");
    log_request(path, Some(&app_id), outcome, shape, start);
    match result {
        Ok(response) => response,
        Err(e) => ErrorResponse(e).in_lang(lang).into_response(),
    }
}

/// A router serving `POST /alipay/phone?app_id=ID` ([`open_phone`]), `POST
/// /alipay/run-data?app_id=ID` ([`open_run_data`]) and `POST /alipay/open-data?app_id=ID`
/// ([`open_any_data`]) over `client`, with a [`BODY_LIMIT`] body limit. Merge or nest it into
/// your application, add routes to it.
///
/// ```
/// use phone_client::{AppKeyMaterial, PhoneClient, StaticKeys};
/// let keys = AppKeyMaterial::new().with_aes_key("aa4BtZ4tspm2wnXLb1ThQA==")?;
/// let client = PhoneClient::builder().keys(StaticKeys::new().app("2021001234567890", keys)).build()?;
/// let app: axum::Router = axum::Router::new().merge(phone_client::axum::router(client));
/// # Ok::<(), phone_client::Error>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub fn router(client: PhoneClient) -> Router {
    Router::new()
        .route(PHONE_PATH, post(open_phone))
        .route(RUN_DATA_PATH, post(open_run_data))
        .route(OPEN_DATA_PATH, post(open_any_data))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(client)
}
