//! Starts the example server on an ephemeral port and talks to it over real HTTP.
#![allow(clippy::unwrap_used, missing_docs)]

#[allow(dead_code)]
#[path = "../examples/server.rs"]
mod server;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use phone_client::EnvKeys;
use serde_json::Value;
use test_support::demo;

/// One HTTP/1.1 request over a fresh connection; returns (status, body).
fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let (status, _, body) = http_with_head(addr, method, path, body);
    (status, body)
}

/// Like [`http`], with the response head (status line and headers) too.
fn http_with_head(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    (status, head.to_ascii_lowercase(), body.to_owned())
}

async fn start(env: EnvKeys, demo: bool) -> SocketAddr {
    let client = server::client_from_env(env, demo).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, server::app(client)).await.unwrap() });
    addr
}

async fn call(addr: SocketAddr, method: &'static str, path: String, body: String) -> (u16, Value) {
    let (status, text) = tokio::task::spawn_blocking(move || http(addr, method, &path, &body))
        .await
        .unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mode_serves_the_contract_over_http() {
    let addr = start(EnvKeys::from_vars(Vec::<(String, String)>::new()), true).await;
    let (status, body) = call(addr, "GET", "/healthz".into(), String::new()).await;
    assert_eq!((status, body), (200, Value::String("ok".into())));

    let (status, body) = call(
        addr,
        "POST",
        "/alipay/phone?app_id=2021001234567890".into(),
        demo("envelope.json"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        serde_json::json!({"status": "ok", "code": "10000", "msg": "Success", "mobile": "138****8000"})
    );

    let cases = [
        ("not json", 400, "malformed_envelope"),
        (r#"{"response":"QUJD"}"#, 403, "missing_signature"),
        (
            &demo("envelope.json").replace("\"sign\":\"", "\"sign\":\"AAAA"),
            403,
            "bad_signature",
        ),
        (
            &demo("envelope.json").replace("\"sign\":\"", "\"sign\":\" "),
            422,
            "bad_base64",
        ),
        (
            &format!(r#"{{"response":"{}","sign":"c2ln"}}"#, "A".repeat(70_000)),
            413,
            "payload_too_large",
        ),
    ];
    for (body, want_status, want_kind) in cases {
        let (status, got) = call(addr, "POST", "/alipay/phone?app_id=x".into(), body.to_owned()).await;
        assert_eq!((status, got["kind"].as_str()), (want_status, Some(want_kind)), "{got}");
        assert!(got["hint"].is_string(), "{got}");
    }
    let (status, got) = call(addr, "POST", "/alipay/phone".into(), demo("envelope.json")).await;
    assert_eq!(status, 400, "{got}");
}

/// The example server's route takes every shape a front end posts: the envelope, the button's
/// event detail, Alipay's `{encryptContent}`; and refuses the mistakes by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_phone_route_takes_every_accepted_shape() {
    let addr = start(EnvKeys::from_vars(Vec::<(String, String)>::new()), true).await;
    let envelope = demo("envelope.json");
    let env: Value = serde_json::from_str(&envelope).unwrap();
    let detail = serde_json::json!({"encryptedData": env["response"], "sign": env["sign"]}).to_string();
    let wrapped = serde_json::json!({"encryptContent": envelope.trim()}).to_string();
    for body in [envelope.clone(), detail, wrapped] {
        let (status, got) = call(addr, "POST", "/alipay/phone?app_id=2021001234567890".into(), body).await;
        assert_eq!((status, got["mobile"].as_str()), (200, Some("138****8000")), "{got}");
    }
    for (body, message) in [
        (serde_json::to_string(&envelope).unwrap(), "encoded twice"),
        (
            serde_json::json!({"data": envelope}).to_string(),
            "nested in the field \"data\"",
        ),
        (
            format!(
                "response={}&sign={}",
                env["response"].as_str().unwrap(),
                env["sign"].as_str().unwrap()
            ),
            "form-encoded",
        ),
    ] {
        let (status, got) = call(addr, "POST", "/alipay/phone?app_id=2021001234567890".into(), body).await;
        assert_eq!(
            (status, got["kind"].as_str()),
            (400, Some("malformed_envelope")),
            "{got}"
        );
        assert!(got["message"].as_str().unwrap().contains(message), "{got}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_keys_mode_and_server_side_key_errors_are_5xx() {
    let (pk, aes) = (demo("alipay_public_key.txt"), demo("aes_key.txt"));
    let env = EnvKeys::from_lookup(move |name| match name {
        "ALIPAY_PUBLIC_KEY" => Some(pk.clone()),
        "ALIPAY_AES_KEY" => Some(aes.clone()),
        // A misconfigured second app: an RSA key where the AES key belongs.
        "ALIPAY_AES_KEY_broken" => Some(demo("alipay_public_key.txt")),
        _ => None,
    });
    let addr = start(env, false).await;
    let (status, body) = call(addr, "POST", "/alipay/phone?app_id=any".into(), demo("envelope.json")).await;
    assert_eq!((status, &body["mobile"]), (200, &Value::from("138****8000")));
    let (status, body) = call(
        addr,
        "POST",
        "/alipay/phone?app_id=broken".into(),
        demo("envelope.json"),
    )
    .await;
    assert_eq!((status, body["kind"].as_str()), (500, Some("key_error")), "{body}");
    assert!(!body.to_string().contains("13800138000"));
}

fn seal(private_pem: &str, aes: &str, sign_type: phone_core::SignType) -> String {
    use phone_crypto::{Backend, ContentAlgorithm, ContentKey, RsaPrivateKey, seal_envelope, success_plaintext};
    // RSA (SHA1) signing needs a backend that has it; RSA2 any.
    let side = Backend::ALL
        .iter()
        .map(|b| b.alipay_side())
        .find(|s| s.sign_types().contains(&sign_type))
        .unwrap();
    let signer = side
        .prepare_signer(&RsaPrivateKey::parse(private_pem).unwrap())
        .unwrap();
    let enc = side
        .prepare_encryptor(ContentAlgorithm::AesCbc, &ContentKey::parse(aes).unwrap())
        .unwrap();
    seal_envelope(&success_plaintext("13912345678"), &*signer, Some(&*enc), sign_type).unwrap()
}

fn real_app_key() -> (String, String) {
    let pem = std::fs::read_to_string(format!(
        "{}/crates/phone-crypto/tests/keys/rsa4096_pkcs8.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let public = phone_crypto::RsaPrivateKey::parse(&pem)
        .unwrap()
        .public_key()
        .to_spki_base64();
    (pem, public)
}

#[test]
fn without_any_keys_the_server_refuses_to_start_and_names_the_variables() {
    let err = server::client_from_env(EnvKeys::from_vars(Vec::<(String, String)>::new()), false).unwrap_err();
    let msg = err.to_string();
    for var in [
        "ALIPAY_PUBLIC_KEY_<APPID>",
        "ALIPAY_AES_KEY_<APPID>",
        "ALIPAY_PUBLIC_KEY",
        "PHONE_DEMO=1",
    ] {
        assert!(msg.contains(var), "{msg}");
    }
    // A half-set configuration (a verifying key, no content key) is not "configured" either.
    let half = EnvKeys::from_vars([("ALIPAY_PUBLIC_KEY_2021000000000001", real_app_key().1)]);
    assert!(server::client_from_env(half, false).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_only_per_app_variables_real_envelopes_open_and_demo_forgeries_are_refused() {
    const APP: &str = "2021000000000001";
    const AES: &str = "ZH9pW3dHSwnLZ1hpr+Kw8A==";
    let (private, public) = real_app_key();
    let env = EnvKeys::from_vars([
        (format!("ALIPAY_PUBLIC_KEY_{APP}"), public),
        (format!("ALIPAY_AES_KEY_{APP}"), AES.to_owned()),
    ]);
    let addr = start(env, false).await;
    let path = format!("/alipay/phone?app_id={APP}");

    let real = seal(&private, AES, phone_core::SignType::Rsa2);
    let (status, body) = call(addr, "POST", path.clone(), real).await;
    assert_eq!((status, &body["mobile"]), (200, &Value::from("139****5678")), "{body}");

    // Forged with the public demo private key: the real app's key refuses it.
    let forged = seal(&demo("alipay_private_key.pem"), AES, phone_core::SignType::Rsa2);
    let (status, body) = call(addr, "POST", path.clone(), forged.clone()).await;
    assert_eq!((status, body["kind"].as_str()), (403, Some("bad_signature")), "{body}");
    // Any other app id has no keys at all: nothing falls back to the demo keys.
    let (status, body) = call(addr, "POST", "/alipay/phone?app_id=2021009999999999".into(), forged).await;
    assert_eq!((status, body["kind"].as_str()), (404, Some("key_error")), "{body}");
    // The demo envelope itself is refused too.
    let (status, body) = call(addr, "POST", path.clone(), demo("envelope.json")).await;
    assert_eq!((status, body["kind"].as_str()), (403, Some("bad_signature")), "{body}");

    // RSA2 is pinned: a legacy RSA (SHA1) envelope that would verify is refused by type.
    let legacy = seal(&private, AES, phone_core::SignType::Rsa);
    let (status, body) = call(addr, "POST", path, legacy).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (422, Some("unsupported_sign_type")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("RSA2"), "{body}");
}

/// A key store that cannot be reached.
#[derive(Debug)]
struct StoreDown;

#[async_trait::async_trait]
impl phone_client::KeyProvider for StoreDown {
    async fn load(
        &self,
        _app_id: &phone_client::AppId,
    ) -> Result<Option<std::sync::Arc<phone_client::AppKeyMaterial>>, phone_client::ProviderError> {
        Err(phone_client::ProviderError::unavailable(
            "connection refused",
            std::io::Error::other("connection refused"),
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_store_that_cannot_be_reached_is_503_with_retry_after() {
    let client = phone_client::PhoneClient::builder().keys(StoreDown).build().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, server::app(client)).await.unwrap() });

    let (status, head, body) = tokio::task::spawn_blocking(move || {
        http_with_head(
            addr,
            "POST",
            "/alipay/phone?app_id=2021001234567890",
            &demo("envelope.json"),
        )
    })
    .await
    .unwrap();
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((status, body["kind"].as_str()), (503, Some("key_error")), "{body}");
    assert!(head.contains("\r\nretry-after: 5"), "{head}");
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(body["hint"].as_str().unwrap().contains("retried"), "{body}");

    // Other failures carry no Retry-After.
    let (status, head, _) =
        tokio::task::spawn_blocking(move || http_with_head(addr, "POST", "/alipay/phone?app_id=x", "not json"))
            .await
            .unwrap();
    assert_eq!(status, 400);
    assert!(!head.contains("retry-after"), "{head}");
}

#[test]
fn the_status_table_is_error_http_status() {
    use axum::response::IntoResponse;
    use phone_client::axum::ErrorResponse;
    use phone_core::{AlipayError, Error, KeyProblem, KeyRole};
    let busy = Error::AlipayError(AlipayError::new("20000", "Service Currently Unavailable", None, None));
    for (e, status, retry) in [
        (busy, 503, true),
        (
            Error::AlipayError(AlipayError::new("40003", "m", None, None)),
            422,
            false,
        ),
        (Error::key(KeyRole::App, KeyProblem::UnknownApp("a".into())), 404, false),
        (Error::MalformedPlaintext("x".into()), 502, false),
        (Error::DecryptFailed("x"), 500, false),
    ] {
        assert_eq!(e.http_status(), status);
        let r = ErrorResponse(e).into_response();
        assert_eq!(r.status().as_u16(), status);
        assert_eq!(r.headers().contains_key("retry-after"), retry);
    }
}

/// The value of the Prometheus sample `line_start` (name and labels as rendered), 0 if absent.
fn sample(text: &str, line_start: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(line_start)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

// The recorder is global to this test binary and the other tests' requests land in it too:
// hence "at least one more" rather than exact counts (phone-client's own tests count exactly).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_serves_the_request_counter_by_outcome_in_prometheus_text() {
    let addr = start(EnvKeys::from_vars(Vec::<(String, String)>::new()), true).await;
    let scrape = move || tokio::task::spawn_blocking(move || http_with_head(addr, "GET", "/metrics", ""));
    let (_, _, before) = scrape().await.unwrap();
    let ok = r#"alipay_phone_requests_total{outcome="ok"}"#;
    let malformed = r#"alipay_phone_requests_total{outcome="malformed_envelope"}"#;

    let (status, _) = call(
        addr,
        "POST",
        "/alipay/phone?app_id=2021001234567890".into(),
        demo("envelope.json"),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        addr,
        "POST",
        "/alipay/phone?app_id=2021001234567890".into(),
        "not json".into(),
    )
    .await;
    assert_eq!(status, 400);

    let (status, head, after) = scrape().await.unwrap();
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/plain; version=0.0.4"), "{head}");
    assert!(sample(&after, ok) >= sample(&before, ok) + 1.0, "{after}");
    assert!(sample(&after, malformed) >= sample(&before, malformed) + 1.0, "{after}");
    assert!(after.contains("# TYPE alipay_phone_requests_total counter"), "{after}");
    // Durations by backend, in the buckets the example sets; no app id label by default.
    let backend = phone_crypto::Backend::default().name();
    assert!(
        after.contains(&format!(
            r#"alipay_phone_request_duration_seconds_bucket{{backend="{backend}",le="0.001"}}"#
        )),
        "{after}"
    );
    assert!(!after.contains("app_id="), "{after}");
    assert!(!after.contains("13800138000"));
}
