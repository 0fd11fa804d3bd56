//! The shapes front ends post, `my.getRunData` and any open data through `PhoneClient` (async,
//! the key providers) and the axum router over real HTTP.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::demo;
use phone_client::{AppKeyMaterial, Backend, PhoneClient, Shape, SignType, StaticKeys};
use phone_crypto::{ContentKey, RsaPrivateKey, seal_envelope, success_plaintext};
use serde_json::{Value, json};

const APP: &str = "2021001234567890";

/// An envelope sealed with the demo keys as Alipay seals it.
fn sealed(plaintext: &str, sign_type: SignType) -> String {
    let private = RsaPrivateKey::parse(&demo("alipay_private_key.pem")).unwrap();
    // ring and AWS-LC sign RSA2 only; OpenSSL and RustCrypto sign the legacy RSA too.
    let side = Backend::ALL
        .iter()
        .find(|b| b.alipay_side().sign_types().contains(&sign_type))
        .unwrap()
        .alipay_side();
    let aes = ContentKey::parse(&demo("aes_key.txt")).unwrap();
    seal_envelope(
        plaintext,
        &*side.prepare_signer(&private).unwrap(),
        Some(
            &*side
                .prepare_encryptor(phone_crypto::ContentAlgorithm::AesCbc, &aes)
                .unwrap(),
        ),
        sign_type,
    )
    .unwrap()
}

fn detail(envelope: &str) -> String {
    let env: Value = serde_json::from_str(envelope).unwrap();
    json!({"encryptedData": env["response"], "sign": env["sign"]}).to_string()
}

fn wrapped(envelope: &str) -> String {
    json!({"encryptContent": envelope}).to_string()
}

fn material() -> AppKeyMaterial {
    AppKeyMaterial::new()
        .with_alipay_public_key(&demo("alipay_public_key.txt"))
        .unwrap()
        .with_aes_key(&demo("aes_key.txt"))
        .unwrap()
}

fn client(material: AppKeyMaterial) -> PhoneClient {
    PhoneClient::builder()
        .keys(StaticKeys::new().app(APP, material))
        .build()
        .unwrap()
}

const RUN: &str = r#"{"count":16880,"countDate":"2018-12-19","code":"10000","msg":"Success"}"#;

#[tokio::test]
async fn every_shape_opens_through_the_client_and_says_which_it_was() {
    let client = client(material());
    let envelope = sealed(&success_plaintext("13800138000"), SignType::Rsa2);
    for backend in Backend::ALL.iter().copied() {
        let client = PhoneClient::builder()
            .keys(StaticKeys::new().app(APP, material()))
            .backend(backend)
            .build()
            .unwrap();
        for (body, shape) in [
            (envelope.clone(), Shape::Envelope),
            (detail(&envelope), Shape::EventDetail),
            (wrapped(&envelope), Shape::EncryptContent),
        ] {
            let opened = client.open(APP, &body).await.unwrap();
            assert_eq!(
                (opened.response.phone.reveal(), opened.shape),
                ("13800138000", shape),
                "{backend}"
            );
        }
    }
    // Run data and any open data, in each shape too.
    let run = sealed(RUN, SignType::Rsa2);
    for body in [run.clone(), detail(&run), wrapped(&run)] {
        let got = client.decrypt_run_data(APP, &body).await.unwrap();
        assert_eq!(
            (got.count.reveal(), got.count_date.to_string()),
            (16880, "2018-12-19".into())
        );
        let any = client
            .decrypt_open_data::<serde_json::Map<String, Value>>(APP, &body)
            .await
            .unwrap();
        assert_eq!(any.data["count"], 16880);
        let opened = client.open_run_data(APP, &body).await.unwrap();
        assert_eq!(opened.verify_key_index, Some(0));
    }
    // The caller's own type.
    #[derive(serde::Deserialize)]
    struct Steps {
        count: u32,
    }
    assert_eq!(
        client.decrypt_open_data::<Steps>(APP, &run).await.unwrap().data.count,
        16880
    );
    // Each kind of open data is only what it is.
    assert_eq!(client.decrypt_phone(APP, &run).await.unwrap_err().kind(), "no_phone");
    assert_eq!(
        client.decrypt_run_data(APP, &envelope).await.unwrap_err().kind(),
        "malformed_plaintext"
    );
}

// Sealing a legacy RSA envelope needs a backend that signs SHA1withRSA.
#[cfg(any(feature = "openssl", feature = "rustcrypto"))]
#[tokio::test]
async fn the_event_detail_takes_the_apps_one_pinned_sign_type() {
    let legacy = sealed(&success_plaintext("13800138000"), SignType::Rsa);
    let body = detail(&legacy);
    // Without a pin the detail is RSA2: a SHA1withRSA signature does not verify.
    assert_eq!(
        client(material()).open(APP, &body).await.unwrap_err().kind(),
        "bad_signature"
    );
    // The app pins RSA alone: the detail is read as RSA.
    let pinned = client(material().accept_sign_types(&[SignType::Rsa]));
    assert_eq!(pinned.decrypt_phone(APP, &body).await.unwrap().reveal(), "13800138000");
    // Pinning two types picks neither: RSA2 applies, and the SHA1 signature fails.
    let two = client(material().accept_sign_types(&[SignType::Rsa, SignType::Rsa2]));
    assert_eq!(two.open(APP, &body).await.unwrap_err().kind(), "bad_signature");
    // The client-wide pin counts as the app's.
    let wide = PhoneClient::builder()
        .keys(StaticKeys::new().app(APP, material()))
        .accept_sign_types(&[SignType::Rsa])
        .build()
        .unwrap();
    assert!(wide.decrypt_phone(APP, &body).await.is_ok());
    // An RSA2 detail on an RSA-only app is refused by the pin, as an envelope would be.
    let modern = detail(&sealed(&success_plaintext("13800138000"), SignType::Rsa2));
    assert_eq!(pinned.open(APP, &modern).await.unwrap_err().kind(), "bad_signature");
}

#[tokio::test]
async fn refused_shapes_never_reach_the_key_store() {
    let client = client(material());
    let envelope = sealed(&success_plaintext("13800138000"), SignType::Rsa2);
    for body in [
        serde_json::to_string(&envelope).unwrap(),
        json!({"data": envelope}).to_string(),
        json!({"response": envelope}).to_string(),
    ] {
        // An unknown app id: a refused shape is answered before any key is looked up.
        let e = client.open("no-such-app", &body).await.unwrap_err();
        assert_eq!(e.kind(), "malformed_envelope", "{body}");
        assert!(e.mistake().is_some(), "{body}");
    }
}

#[cfg(feature = "axum")]
mod over_http {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};

    use super::*;

    async fn start() -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = phone_client::axum::router(client(material()));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    }

    async fn post(addr: SocketAddr, path: &str, body: String) -> (u16, Value) {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut s = TcpStream::connect(addr).unwrap();
            write!(
                s,
                "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
            let mut raw = String::new();
            s.read_to_string(&mut raw).unwrap();
            let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
            let (_, body) = raw.split_once("\r\n\r\n").unwrap();
            (status, serde_json::from_str(body).unwrap())
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn the_router_opens_run_data_and_any_data_in_every_shape_masked() {
        let addr = start().await;
        let run = sealed(RUN, SignType::Rsa2);
        for body in [run.clone(), detail(&run), wrapped(&run)] {
            let (status, v) = post(addr, &format!("/alipay/run-data?app_id={APP}"), body).await;
            assert_eq!(status, 200, "{v}");
            assert_eq!(
                v,
                json!({"status": "ok", "code": "10000", "msg": "Success", "count": "***", "count_date": "2018-12-19"})
            );
        }
        let (status, v) = post(addr, &format!("/alipay/open-data?app_id={APP}"), wrapped(&run)).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(
            v["data"],
            json!({"count": "***", "countDate": "***", "code": "10000", "msg": "Success"})
        );
        let envelope = sealed(&success_plaintext("13800138000"), SignType::Rsa2);
        let (status, v) = post(addr, &format!("/alipay/phone?app_id={APP}"), detail(&envelope)).await;
        assert_eq!((status, v["mobile"].as_str()), (200, Some("138****8000")));
        // A refused shape: 400 with the mistake's hint on each route.
        for path in ["phone", "run-data", "open-data"] {
            let (status, v) = post(
                addr,
                &format!("/alipay/{path}?app_id={APP}"),
                json!({"data": run}).to_string(),
            )
            .await;
            assert_eq!(
                (status, v["kind"].as_str()),
                (400, Some("malformed_envelope")),
                "{path}"
            );
            assert!(v["message"].as_str().unwrap().contains("\"data\""), "{v}");
            assert!(v["hint"].as_str().unwrap().contains("encryptContent"), "{v}");
        }
        // Missing app id on the new routes too.
        let (status, _) = post(addr, "/alipay/run-data", run.clone()).await;
        assert_eq!(status, 400);
    }
}
