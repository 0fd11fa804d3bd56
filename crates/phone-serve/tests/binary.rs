//! The `alipay-phone-serve` binary, over HTTP on 127.0.0.1 (port 0): it starts with the same
//! flags as `alipay-phone serve`, answers `/healthz` and the demo envelope, and exits 0 on
//! SIGTERM. The routes, key sources and tokens in depth are `phone-cli`'s `tests/serve.rs`,
//! which drives the same code through `alipay-phone serve`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_alipay-phone-serve");
const APP: &str = "2021001234567890";

/// Kills the server if the test fails before it exits.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request on a fresh connection; the status line's code and the body.
fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn the_binary_serves_the_demo_envelope_and_exits_0_on_sigterm() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data");
    let envelope = std::fs::read(data.join("envelope.json")).unwrap();

    let mut child = Command::new(BIN)
        .args(["--demo", "--listen", "127.0.0.1:0"])
        // Only what the test gives: no ALIPAY_* or PHONE_SERVE_* of the caller's environment.
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut server = Server(child);

    let mut line = String::new();
    let addr: SocketAddr = loop {
        line.clear();
        assert_ne!(stdout.read_line(&mut line).unwrap(), 0, "exited before listening");
        if let Some(rest) = line.trim().strip_prefix("listening addr=") {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));

    let (status, body) = request(addr, "GET", "/healthz", b"");
    assert_eq!(status, 200, "{body}");

    let (status, body) = request(addr, "POST", &format!("/v1/apps/{APP}/phone"), &envelope);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"mobile\":\"13800138000\""), "{body}");

    let pid = server.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{status}");
}
