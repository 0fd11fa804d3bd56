//! The axum router served over real HTTP for the suites that look around `PhoneClient::open`
//! (`axum_log`, `axum_metrics`): a client with the demo keys, a server, raw POSTs.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use crate::common::demo;
use phone_client::axum::router;
use phone_client::{AppKeyMaterial, PhoneClient, PhoneClientBuilder, StaticKeys};

pub const APP: &str = "2021001234567890";

pub fn builder() -> PhoneClientBuilder {
    let keys = AppKeyMaterial::new()
        .with_alipay_public_key(&demo("alipay_public_key.txt"))
        .unwrap()
        .with_aes_key(&demo("aes_key.txt"))
        .unwrap();
    PhoneClient::builder().keys(StaticKeys::new().app(APP, keys))
}

pub async fn start(client: PhoneClient) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(client)).await.unwrap() });
    addr
}

/// One POST of `body` (any bytes) to `path`, over a fresh connection; the status.
pub async fn post(addr: SocketAddr, path: &str, body: Vec<u8>) -> u16 {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .unwrap();
        s.write_all(&body).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8_lossy(&raw);
        raw.split(' ').nth(1).unwrap().parse().unwrap()
    })
    .await
    .unwrap()
}
