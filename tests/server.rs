//! Starts the example server on an ephemeral port and talks to it over real HTTP.
#![allow(clippy::unwrap_used, missing_docs)]

#[allow(dead_code)]
#[path = "../examples/server.rs"]
mod server;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use phone_client::EnvKeys;
use serde_json::Value;

fn data(f: &str) -> String {
    std::fs::read_to_string(format!("{}/examples/data/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// One HTTP/1.1 request over a fresh connection; returns (status, body).
fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
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
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

async fn start(env: EnvKeys) -> (SocketAddr, bool) {
    let (client, demo) = server::client_from_env(env).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, server::app(client)).await.unwrap() });
    (addr, demo)
}

async fn call(addr: SocketAddr, method: &'static str, path: String, body: String) -> (u16, Value) {
    let (status, text) = tokio::task::spawn_blocking(move || http(addr, method, &path, &body))
        .await
        .unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mode_serves_the_contract_over_http() {
    let (addr, demo) = start(EnvKeys::from_lookup(|_| None)).await;
    assert!(demo);
    let (status, body) = call(addr, "GET", "/healthz".into(), String::new()).await;
    assert_eq!((status, body), (200, Value::String("ok".into())));

    let (status, body) = call(
        addr,
        "POST",
        "/alipay/phone?app_id=2021001234567890".into(),
        data("envelope.json"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        serde_json::json!({"status": "ok", "code": "10000", "mobile": "138****8000"})
    );

    let cases = [
        ("not json", 400, "malformed_envelope"),
        (r#"{"response":"QUJD"}"#, 403, "missing_signature"),
        (
            &data("envelope.json").replace("\"sign\":\"", "\"sign\":\"AAAA"),
            403,
            "bad_signature",
        ),
        (
            &data("envelope.json").replace("\"sign\":\"", "\"sign\":\" "),
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
    let (status, got) = call(addr, "POST", "/alipay/phone".into(), data("envelope.json")).await;
    assert_eq!(status, 400, "{got}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_keys_mode_and_server_side_key_errors_are_5xx() {
    let (pk, aes) = (data("alipay_public_key.txt"), data("aes_key.txt"));
    let env = EnvKeys::from_lookup(move |name| match name {
        "ALIPAY_PUBLIC_KEY" => Some(pk.clone()),
        "ALIPAY_AES_KEY" => Some(aes.clone()),
        // A misconfigured second app: an RSA key where the AES key belongs.
        "ALIPAY_AES_KEY_broken" => Some(data("alipay_public_key.txt")),
        _ => None,
    });
    let (addr, demo) = start(env).await;
    assert!(!demo);
    let (status, body) = call(addr, "POST", "/alipay/phone?app_id=any".into(), data("envelope.json")).await;
    assert_eq!((status, &body["mobile"]), (200, &Value::from("138****8000")));
    let (status, body) = call(
        addr,
        "POST",
        "/alipay/phone?app_id=broken".into(),
        data("envelope.json"),
    )
    .await;
    assert_eq!((status, body["kind"].as_str()), (500, Some("key_error")), "{body}");
    assert!(!body.to_string().contains("13800138000"));
}
