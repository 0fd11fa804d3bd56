//! The axum router answers failures in the language of the request's `Accept-Language`, over
//! real HTTP: `hint` in that language, `hint_zh` always, `Content-Language` and `Vary`.
#![cfg(feature = "axum")]
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use axum::response::IntoResponse;
use common::demo;
use phone_client::axum::{AcceptLanguage, ErrorResponse, LocalizedErrorResponse, router};
use phone_client::{AppKeyMaterial, Error, PhoneClient, StaticKeys};
use phone_core::Lang;
use serde_json::Value;

const APP: &str = "2021001234567890";

async fn start() -> SocketAddr {
    let keys = AppKeyMaterial::new()
        .with_alipay_public_key(&demo("alipay_public_key.txt"))
        .unwrap()
        .with_aes_key(&demo("aes_key.txt"))
        .unwrap();
    let client = PhoneClient::builder()
        .keys(StaticKeys::new().app(APP, keys))
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(client)).await.unwrap() });
    addr
}

struct Reply {
    status: u16,
    /// Lower-cased header lines.
    head: String,
    body: Value,
}

/// One POST with the given extra header lines, over a fresh connection.
async fn post(addr: SocketAddr, path: &str, headers: &[&str], body: String) -> Reply {
    let path = path.to_owned();
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        Reply {
            status,
            head: head.to_ascii_lowercase(),
            body: serde_json::from_str(body).unwrap(),
        }
    })
    .await
    .unwrap()
}

fn tampered() -> String {
    demo("envelope.json").replace("\"sign\":\"", "\"sign\":\"AAAA")
}

fn phone_path() -> String {
    format!("/alipay/phone?app_id={APP}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_answer_in_the_language_the_request_asks_for() {
    let addr = start().await;
    let en = Error::BadSignature.hint_in(Lang::En).unwrap();
    let zh = Error::BadSignature.hint_in(Lang::Zh).unwrap();
    let cases: [(&[&str], &str, &str); 8] = [
        (&[], en, "en"),
        (&["Accept-Language: zh-CN,zh;q=0.9,en;q=0.8"], zh, "zh"),
        (&["Accept-Language: zh"], zh, "zh"),
        (&["Accept-Language: en-US,en;q=0.9,zh-CN;q=0.8"], en, "en"),
        (&["Accept-Language: fr-FR, zh-Hans;q=0.6, en;q=0.5"], zh, "zh"),
        (&["Accept-Language: ja"], en, "en"),
        (&["Accept-Language: zh;q=0, en"], en, "en"),
        // Two header lines are one list.
        (&["Accept-Language: en;q=0.2", "Accept-Language: zh-TW;q=0.8"], zh, "zh"),
    ];
    for (headers, hint, content_language) in cases {
        let r = post(addr, &phone_path(), headers, tampered()).await;
        assert_eq!(r.status, 403, "{headers:?}: {}", r.body);
        assert_eq!(r.body["kind"], "bad_signature");
        assert_eq!(r.body["hint"], hint, "{headers:?}");
        assert_eq!(r.body["hint_zh"], zh, "{headers:?}");
        assert!(
            r.head.contains(&format!("\r\ncontent-language: {content_language}")),
            "{headers:?}: {}",
            r.head
        );
        assert!(r.head.contains("\r\nvary: accept-language"), "{}", r.head);
        // The contract's other fields do not depend on the language.
        assert_eq!(
            r.body["message"],
            "the signature does not verify with the configured Alipay public key"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alipay_error_and_a_missing_app_id_are_localized_too() {
    let addr = start().await;
    // An unknown app id: the key error's fix in Chinese.
    let r = post(
        addr,
        "/alipay/phone?app_id=2021999999999999",
        &["Accept-Language: zh-CN"],
        demo("envelope.json"),
    )
    .await;
    assert_eq!(
        (r.status, r.body["kind"].as_str()),
        (404, Some("key_error")),
        "{}",
        r.body
    );
    assert!(r.body["hint"].as_str().unwrap().contains("AppID"), "{}", r.body);
    assert_eq!(r.body["hint"], r.body["hint_zh"]);

    // No app id at all: 400 malformed_envelope, in either language.
    for (header, chinese) in [("Accept-Language: zh-CN", true), ("Accept-Language: en", false)] {
        let r = post(addr, "/alipay/phone", &[header], demo("envelope.json")).await;
        assert_eq!((r.status, r.body["kind"].as_str()), (400, Some("malformed_envelope")));
        let hint = r.body["hint"].as_str().unwrap();
        assert_eq!(hint.contains("小程序"), chinese, "{hint}");
        assert!(hint.contains("app_id"), "{hint}");
        assert!(r.body["hint_zh"].as_str().unwrap().contains("小程序"), "{}", r.body);
        let lang = if chinese { "zh" } else { "en" };
        assert!(r.head.contains(&format!("content-language: {lang}")), "{}", r.head);
    }

    // Success is not localized: the contract's success object, unchanged.
    let r = post(addr, &phone_path(), &["Accept-Language: zh-CN"], demo("envelope.json")).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        serde_json::json!({"status": "ok", "code": "10000", "msg": "Success", "mobile": "138****8000"})
    );
}

#[tokio::test]
async fn error_responses_carry_hint_zh_and_localized_ones_say_their_language() {
    let body = |r: axum::response::Response| async move {
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice::<Value>(&bytes).unwrap()
    };
    // ErrorResponse keeps its English hint and gains hint_zh; it names no language.
    let r = ErrorResponse(Error::NoPhone).into_response();
    assert!(r.headers().get("content-language").is_none());
    let v = body(r).await;
    assert_eq!(v["hint"], Error::NoPhone.hint().unwrap());
    assert_eq!(v["hint_zh"], Error::NoPhone.hint_in(Lang::Zh).unwrap());

    let busy = Error::AlipayError(phone_core::AlipayError::new(
        "20000",
        "Service Currently Unavailable",
        Some("isp.unknow-error"),
        Some("系统繁忙"),
    ));
    let r = ErrorResponse(busy.clone()).in_lang(Lang::Zh).into_response();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    assert_eq!(r.headers()["content-language"], "zh");
    assert_eq!(r.headers()["vary"], "accept-language");
    let v = body(r).await;
    assert_eq!(v["hint"], busy.hint_in(Lang::Zh).unwrap());
    assert_eq!(v["sub_msg"], "系统繁忙");

    let r = LocalizedErrorResponse {
        error: Error::NoPhone,
        lang: Lang::En,
    }
    .into_response();
    assert_eq!(r.headers()["content-language"], "en");
    assert_eq!(body(r).await["hint"], Error::NoPhone.hint().unwrap());

    // The extractor on its own: a header that is not visible ASCII is skipped.
    let mut headers = axum::http::HeaderMap::new();
    headers.append("accept-language", axum::http::HeaderValue::from_bytes(b"\xff").unwrap());
    headers.append("accept-language", axum::http::HeaderValue::from_static("zh"));
    assert_eq!(AcceptLanguage::from_headers(&headers), AcceptLanguage(Lang::Zh));
}
