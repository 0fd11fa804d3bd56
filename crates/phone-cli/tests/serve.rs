//! `alipay-phone serve`, driven through the built binary over HTTP on 127.0.0.1 (port 0).
//!
//! The PostgreSQL tests are ignored by default; run them against a throwaway cluster:
//!
//! ```text
//! scripts/with-postgres.sh cargo test -p phone-cli --test serve -- --include-ignored
//! ```
#![cfg(feature = "serve")]
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use test_support::{demo, root};

const BIN: &str = env!("CARGO_BIN_EXE_alipay-phone");
const APP: &str = "2021001234567890";
const MOBILE: &str = "13912345678";
const TOKEN_A: &str = "tok-alpha-7f3c9e2b1d5a6b7c8d9e0f1a2b3c";
const TOKEN_B: &str = "tok-bravo-0a4d8c6e5f4e3d2c1b0a9f8e7d6c";

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("alipay-phone-serve-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

fn data(file: &str) -> String {
    root().join("examples/data").join(file).display().to_string()
}

/// An envelope built as Alipay builds it, by the CLI's `forge`.
fn forge(private_key: &str, aes_key: &str, mobile: &str) -> String {
    let out = Command::new(BIN)
        .args([
            "forge",
            "--alipay-private-key",
            &format!("@{private_key}"),
            "--aes-key",
            aes_key,
            "--mobile",
            mobile,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "forge: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn demo_envelope(mobile: &str) -> String {
    forge(&data("alipay_private_key.pem"), demo("aes_key.txt").trim(), mobile)
}

/// A keyring with the demo keys for `app_ids`.
fn keyring(dir: &Path, app_ids: &[&str]) -> PathBuf {
    let mut text = String::new();
    for id in app_ids {
        text.push_str(&format!(
            "[apps.{id}]\nalipay_public_key = \"{}\"\naes_key = \"{}\"\n\n",
            demo("alipay_public_key.txt").trim(),
            demo("aes_key.txt").trim()
        ));
    }
    let path = dir.join("keys.toml");
    write_private(&path, &text);
    path
}

/// A running `serve`; killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    logs: Arc<Mutex<Vec<String>>>,
}

/// How a `serve` that refused to start ended.
#[derive(Debug)]
struct Refused {
    status: ExitStatus,
    stderr: String,
}

fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .args(args)
        // Only what the test gives: no ALIPAY_* or PHONE_SERVE_* of the caller's environment.
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

// The child moves into the Server, whose Drop kills and waits for it.
#[allow(clippy::zombie_processes)]
fn try_start(args: &[&str], env: &[(&str, &str)]) -> Result<Server, Refused> {
    let mut child = command(args, env).spawn().unwrap();
    let logs = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = logs.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap().push(line);
        }
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        if stdout.read_line(&mut line).unwrap() == 0 {
            let status = child.wait().unwrap();
            reader.join().unwrap();
            let stderr = logs.lock().unwrap().join("\n");
            return Err(Refused { status, stderr });
        }
        if let Some(rest) = line.trim().strip_prefix("listening addr=") {
            let addr = rest.split_whitespace().next().unwrap().parse().unwrap();
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
            return Ok(Server { child, addr, logs });
        }
    }
}

fn start(args: &[&str], env: &[(&str, &str)]) -> Server {
    try_start(args, env).unwrap_or_else(|r| panic!("serve did not start: {r:?}"))
}

fn refused(args: &[&str], env: &[(&str, &str)]) -> Refused {
    match try_start(args, env) {
        Ok(s) => panic!("serve started on {} but should have refused", s.addr),
        Err(r) => r,
    }
}

impl Server {
    fn logs(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }

    /// The log once `done` holds for it (serve writes its lines in batches, some milliseconds
    /// late), or as it is after 10 s, for the assertion that follows to show.
    fn logs_when(&self, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let logs = self.logs();
            if done(&logs) || Instant::now() > deadline {
                return logs;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Waits for the process to exit (panics after `within`).
    fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < within, "serve still running after {within:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn post(&self, app_id: &str, token: Option<&str>, body: &str) -> Response {
        self.post_to("phone", app_id, token, body)
    }

    /// A POST to `/v1/apps/{app_id}/{route}` (`phone`, `run-data`, `open-data`).
    fn post_to(&self, route: &str, app_id: &str, token: Option<&str>, body: &str) -> Response {
        let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
        if let Some(t) = token {
            headers.push(("Authorization".to_owned(), format!("Bearer {t}")));
        }
        request(
            self.addr,
            "POST",
            &format!("/v1/apps/{app_id}/{route}"),
            &headers,
            body.as_bytes(),
        )
    }

    fn get(&self, path: &str) -> Response {
        request(self.addr, "GET", path, &[], b"")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn head(method: &str, path: &str, headers: &[(String, String)], len: usize) -> String {
    let mut text =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {len}\r\n");
    for (n, v) in headers {
        text.push_str(&format!("{n}: {v}\r\n"));
    }
    text.push_str("\r\n");
    text
}

fn read_response(mut stream: TcpStream) -> Response {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP response: {text:?}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`).
fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream
        .write_all(head(method, path, headers, body.len()).as_bytes())
        .unwrap();
    stream.write_all(body).unwrap();
    read_response(stream)
}

fn token_file(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("tokens");
    write_private(&path, text);
    path
}

fn assert_401(r: &Response, presented: bool) {
    assert_eq!(r.status, 401, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "error");
    assert_eq!(v["kind"], "unauthorized");
    let challenge = r.header("www-authenticate").unwrap();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert_eq!(challenge.contains("invalid_token"), presented, "{challenge}");
}

/// POSTs `body` with `Transfer-Encoding: chunked`, one chunk per piece, pausing between them
/// so that serve reads them as separate frames.
fn post_chunked(addr: SocketAddr, app_id: &str, token: &str, pieces: &[&[u8]]) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "POST /v1/apps/{app_id}/phone HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    // A server that refused the body may close before the rest is sent: then stop sending.
    for piece in pieces {
        let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
        chunk.extend_from_slice(piece);
        chunk.extend_from_slice(b"\r\n");
        if stream.write_all(&chunk).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    read_response(stream)
}

#[test]
fn a_body_in_many_chunks_opens_and_an_endless_one_is_cut_at_the_limit() {
    let dir = tmp("chunked");
    let ring = keyring(&dir, &[APP]);
    let server = start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--keyring",
            ring.to_str().unwrap(),
            "--body-limit",
            "2000",
        ],
        &[("PHONE_SERVE_TOKEN", TOKEN_A)],
    );
    let body = demo_envelope(MOBILE);
    let bytes = body.as_bytes();
    let third = bytes.len() / 3;
    let r = post_chunked(
        server.addr,
        APP,
        TOKEN_A,
        &[&bytes[..third], &bytes[third..2 * third], &bytes[2 * third..]],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["mobile"], MOBILE);

    // No Content-Length to refuse up front: the limit cuts it as the chunks arrive.
    let filler = vec![b' '; 900];
    let r = post_chunked(server.addr, APP, TOKEN_A, &[&filler, &filler, &filler, &filler]);
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.json()["kind"], "payload_too_large");
}

#[test]
fn keyring_serve_opens_with_either_token_and_refuses_without() {
    let dir = tmp("keyring");
    let ring = keyring(&dir, &[APP]);
    // Blank lines, surrounding whitespace, two tokens (a rotation).
    let tokens = token_file(&dir, &format!("\n   {TOKEN_A}  \n\n\t{TOKEN_B}\r\n  \n"));
    let server = start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--keyring",
            ring.to_str().unwrap(),
            "--token-file",
            tokens.to_str().unwrap(),
        ],
        &[],
    );
    let body = demo_envelope(MOBILE);

    for token in [TOKEN_A, TOKEN_B] {
        let r = server.post(APP, Some(token), &body);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("cache-control"), Some("no-store"));
        let v = r.json();
        assert_eq!(
            v,
            serde_json::json!({"status": "ok", "code": "10000", "msg": "Success", "mobile": MOBILE})
        );
    }
    assert_401(&server.post(APP, None, &body), false);
    assert_401(&server.post(APP, Some("tok-alpha"), &body), true);
    assert_401(&server.post(APP, Some(&format!("{TOKEN_A}x")), &body), true);
    // A token given some other way than Bearer is no token.
    let basic = request(
        server.addr,
        "POST",
        &format!("/v1/apps/{APP}/phone"),
        &[("Authorization".into(), format!("Basic {TOKEN_A}"))],
        body.as_bytes(),
    );
    assert_401(&basic, false);
    // The 401 speaks the caller's language, like the library's errors.
    let zh = request(
        server.addr,
        "POST",
        &format!("/v1/apps/{APP}/phone"),
        &[("Accept-Language".into(), "zh-CN,zh;q=0.9".into())],
        body.as_bytes(),
    );
    assert_eq!(zh.status, 401);
    assert_eq!(zh.header("content-language"), Some("zh"));
    assert_eq!(zh.json()["hint"], zh.json()["hint_zh"]);

    // The library's errors with its status mapping, and Accept-Language.
    let unknown = server.post("2021009999999999", Some(TOKEN_A), &body);
    // A made-up app id is the caller's mistake: 404, not a 5xx that pages someone; the
    // metrics tell it from an outage and from a broken key.
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    let scraped = request(server.addr, "GET", "/metrics", &[], b"").body;
    assert!(
        scraped.contains("alipay_phone_key_errors_total{class=\"unknown_app\"} 1"),
        "{scraped}"
    );
    assert!(!scraped.contains("class=\"unavailable\""), "{scraped}");
    assert_eq!(unknown.json()["kind"], "key_error");
    let tampered = body.replacen("\"sign\":\"", "\"sign\":\"AAAA", 1);
    let bad = server.post(APP, Some(TOKEN_A), &tampered);
    assert_eq!(bad.status, 403, "{}", bad.body);
    assert_eq!(bad.json()["kind"], "bad_signature");
    let garbage = request(
        server.addr,
        "POST",
        &format!("/v1/apps/{APP}/phone"),
        &[
            ("Authorization".into(), format!("Bearer {TOKEN_B}")),
            ("Accept-Language".into(), "zh-CN".into()),
        ],
        b"not json",
    );
    assert_eq!(garbage.status, 400, "{}", garbage.body);
    assert_eq!(garbage.json()["kind"], "malformed_envelope");
    assert_eq!(garbage.header("content-language"), Some("zh"));

    // Over the default 64 KiB body limit: the contract's payload_too_large.
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(70 * 1024));
    let r = server.post(APP, Some(TOKEN_A), &big);
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.json()["kind"], "payload_too_large");

    // Probes: no token needed.
    assert_eq!(server.get("/healthz").status, 200);
    let ready = server.get("/readyz");
    assert_eq!(ready.status, 200, "{}", ready.body);
    let metrics = server.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.body.contains("alipay_phone_requests_total{outcome=\"ok\"} 2"),
        "{}",
        metrics.body
    );
    assert!(metrics.body.contains("outcome=\"bad_signature\""), "{}", metrics.body);
    assert!(
        metrics
            .body
            .contains("alipay_phone_requests_total{outcome=\"unauthorized\"} 5"),
        "{}",
        metrics.body
    );
    assert!(
        metrics
            .body
            .contains("alipay_phone_requests_total{outcome=\"payload_too_large\"} 1"),
        "{}",
        metrics.body
    );
    assert!(!metrics.body.contains(MOBILE));

    // One line per request with app id, outcome, status and duration; never the number, a
    // token, a key or the ciphertext.
    let logs = server.logs_when(|l| l.matches("POST /v1/apps").count() >= 11);
    let lines: Vec<&str> = logs.lines().filter(|l| l.contains("POST /v1/apps")).collect();
    assert_eq!(lines.len(), 11, "{logs}");
    let ok = lines.iter().find(|l| l.contains("outcome=\"ok\"")).unwrap();
    assert!(ok.contains(&format!("app_id={APP}")), "{ok}");
    assert!(ok.contains("status=200") && ok.contains("duration_us="), "{ok}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("outcome=\"unauthorized\"") && l.contains("status=401"))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("outcome=\"payload_too_large\"") && l.contains("status=413"))
    );
    let envelope: Value = serde_json::from_str(&body).unwrap();
    let secrets = [
        MOBILE.to_owned(),
        TOKEN_A.to_owned(),
        TOKEN_B.to_owned(),
        demo("aes_key.txt").trim().to_owned(),
        demo("alipay_public_key.txt").trim()[40..80].to_owned(),
        envelope["sign"].as_str().unwrap()[..40].to_owned(),
        envelope["response"].as_str().unwrap()[..20].to_owned(),
    ];
    for s in &secrets {
        assert!(!logs.contains(s.as_str()), "the log holds {s:?}:\n{logs}");
    }
}

/// An envelope of the demo keys around `plaintext`, built by `forge`.
fn demo_plaintext_envelope(plaintext: &str) -> String {
    let out = Command::new(BIN)
        .args([
            "forge",
            "--alipay-private-key",
            &format!("@{}", data("alipay_private_key.pem")),
            "--aes-key",
            demo("aes_key.txt").trim(),
            "--plaintext",
            plaintext,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "forge: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Every shape a front end posts reaches the phone route; run data and any open data have
/// routes of their own over HTTP; refused shapes are 400 with the mistake's hint; the access
/// log and the metrics tell the shapes apart, never the values.
#[test]
fn every_shape_run_data_and_any_open_data_over_http() {
    let dir = tmp("shapes");
    let ring = keyring(&dir, &[APP]);
    let tokens = token_file(&dir, TOKEN_A);
    let server = start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--keyring",
            ring.to_str().unwrap(),
            "--token-file",
            tokens.to_str().unwrap(),
        ],
        &[],
    );
    let envelope = demo_envelope(MOBILE);
    let env: Value = serde_json::from_str(&envelope).unwrap();
    let detail = serde_json::json!({"encryptedData": env["response"], "sign": env["sign"]}).to_string();
    let wrapped = serde_json::json!({"encryptContent": envelope}).to_string();
    for body in [&envelope, &detail, &wrapped] {
        let r = server.post(APP, Some(TOKEN_A), body);
        assert_eq!(r.status, 200, "{body}: {}", r.body);
        assert_eq!(r.json()["mobile"], MOBILE);
    }

    let steps = 48213;
    let run = demo_plaintext_envelope(&format!(
        r#"{{"count":{steps},"countDate":"2026-11-30","code":"10000","msg":"Success"}}"#
    ));
    let run_wrapped = serde_json::json!({"encryptContent": run}).to_string();
    for body in [&run, &run_wrapped] {
        let r = server.post_to("run-data", APP, Some(TOKEN_A), body);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert_eq!(
            r.json(),
            serde_json::json!({"status": "ok", "code": "10000", "msg": "Success", "count": steps, "count_date": "2026-11-30"})
        );
    }
    // A phone envelope on the run-data route: no count in it.
    let r = server.post_to("run-data", APP, Some(TOKEN_A), &envelope);
    assert_eq!(
        (r.status, r.json()["kind"].as_str()),
        (502, Some("malformed_plaintext")),
        "{}",
        r.body
    );
    assert!(
        r.json()["message"].as_str().unwrap().contains("not run data"),
        "{}",
        r.body
    );
    // Any open data: the plaintext object as it is.
    let profile = r#"{"code":"10000","msg":"Success","nickName":"n","gender":"m"}"#;
    let r = server.post_to("open-data", APP, Some(TOKEN_A), &demo_plaintext_envelope(profile));
    assert_eq!(r.status, 200, "{}", r.body);
    let want: Value = serde_json::from_str(profile).unwrap();
    assert_eq!(
        r.json(),
        serde_json::json!({"status": "ok", "code": "10000", "msg": "Success", "data": want})
    );
    // Alipay's errors keep their fix on every route.
    let busy = demo_plaintext_envelope(r#"{"code":"40006","msg":"Insufficient Permissions"}"#);
    for route in ["phone", "run-data", "open-data"] {
        let r = server.post_to(route, APP, Some(TOKEN_A), &busy);
        assert_eq!((r.status, r.json()["code"].as_str()), (422, Some("40006")), "{route}");
        assert!(
            r.json()["hint"].as_str().unwrap().contains("获取会员手机号"),
            "{}",
            r.body
        );
    }
    // Nothing is opened before the token: the new routes need it too.
    assert_401(&server.post_to("run-data", APP, None, &run), false);
    assert_401(&server.post_to("open-data", APP, None, &run), false);

    // A refused shape: 400, its own message and hint, in the asked language.
    let twice = serde_json::to_string(&envelope).unwrap();
    let r = server.post(APP, Some(TOKEN_A), &twice);
    assert_eq!((r.status, r.json()["kind"].as_str()), (400, Some("malformed_envelope")));
    assert!(
        r.json()["message"].as_str().unwrap().contains("encoded twice"),
        "{}",
        r.body
    );
    let form = format!(
        "response={}&sign={}",
        env["response"].as_str().unwrap(),
        env["sign"].as_str().unwrap()
    );
    let r = request(
        server.addr,
        "POST",
        &format!("/v1/apps/{APP}/run-data"),
        &[
            ("Authorization".into(), format!("Bearer {TOKEN_A}")),
            ("Accept-Language".into(), "zh-CN".into()),
        ],
        form.as_bytes(),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.json()["hint"].as_str().unwrap().contains("application/json"),
        "{}",
        r.body
    );
    assert_eq!(r.json()["hint"], r.json()["hint_zh"]);

    // The access log: which data and shape, never the number or the count.
    let logs = server.logs_when(|l| l.contains("shape=\"form_encoded\""));
    for want in [
        "data=\"phone\" shape=\"event_detail\" outcome=\"ok\"",
        "data=\"phone\" shape=\"encrypt_content\" outcome=\"ok\"",
        "data=\"run\" shape=\"envelope\" outcome=\"ok\"",
        "data=\"any\" shape=\"envelope\" outcome=\"ok\"",
        "data=\"phone\" shape=\"posted_as_json_string\" outcome=\"malformed_envelope\"",
        "data=\"run\" shape=\"form_encoded\" outcome=\"malformed_envelope\"",
        // A failure after parsing still says the shape it came in.
        "data=\"run\" shape=\"envelope\" outcome=\"alipay_error\"",
        "data=\"phone\" shape=\"envelope\" outcome=\"alipay_error\"",
    ] {
        assert!(logs.contains(want), "{want} not in {logs}");
    }
    assert!(!logs.contains(MOBILE) && !logs.contains(&steps.to_string()), "{logs}");
    // The metrics count the shapes and the mistakes.
    let metrics = request(server.addr, "GET", "/metrics", &[], b"").body;
    for want in [
        "alipay_phone_shapes_total{shape=\"event_detail\",data=\"phone\"} 1",
        "alipay_phone_shapes_total{shape=\"encrypt_content\",data=\"run\"} 1",
        "alipay_phone_misposted_total{mistake=\"form_encoded\",data=\"run\"} 1",
        "alipay_phone_misposted_total{mistake=\"posted_as_json_string\",data=\"phone\"} 1",
    ] {
        assert!(metrics.contains(want), "{want} not in {metrics}");
    }
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tmp("json");
    let ring = keyring(&dir, &[APP]);
    let server = start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--keyring",
            ring.to_str().unwrap(),
            "--log-format",
            "json",
        ],
        &[("PHONE_SERVE_TOKEN", TOKEN_A)],
    );
    let body = demo_envelope(MOBILE);
    assert_eq!(server.post(APP, Some(TOKEN_A), &body).status, 200);
    assert_eq!(server.post(APP, None, &body).status, 401);
    let logs = server.logs_when(|l| l.matches("POST /v1/apps").count() >= 2);
    let mut requests = Vec::new();
    for line in logs.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if v["message"].as_str().is_some_and(|m| m.starts_with("POST /v1/apps")) {
            requests.push(v);
        }
    }
    assert_eq!(requests.len(), 2, "{logs}");
    assert_eq!(requests[0]["app_id"], APP);
    assert_eq!(requests[0]["outcome"], "ok");
    assert_eq!(requests[0]["status"], 200);
    assert!(requests[0]["duration_us"].as_u64().is_some());
    assert_eq!(requests[1]["outcome"], "unauthorized");
    assert!(!logs.contains(MOBILE) && !logs.contains(TOKEN_A), "{logs}");
}

#[test]
fn refuses_to_start_without_keys_or_on_a_public_address_without_a_token() {
    let dir = tmp("refuse");
    let ring = keyring(&dir, &[APP]);

    let r = refused(&["--listen", "127.0.0.1:0"], &[]);
    assert_eq!(r.status.code(), Some(2), "{}", r.stderr);
    for name in [
        "--keyring",
        "--database-url",
        "ALIPAY_PUBLIC_KEY",
        "ALIPAY_AES_KEY",
        "--demo",
    ] {
        assert!(r.stderr.contains(name), "{name}: {}", r.stderr);
    }

    let r = refused(&["--listen", "0.0.0.0:0", "--keyring", ring.to_str().unwrap()], &[]);
    assert_eq!(r.status.code(), Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("without a token"), "{}", r.stderr);
    assert!(r.stderr.contains("--token-file"), "{}", r.stderr);

    let empty = dir.join("empty-tokens");
    write_private(&empty, "\n   \n\t\n");
    let r = refused(
        &[
            "--listen",
            "127.0.0.1:0",
            "--keyring",
            ring.to_str().unwrap(),
            "--token-file",
            empty.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(r.status.code(), Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("no token"), "{}", r.stderr);

    let broken = dir.join("broken.toml");
    write_private(&broken, "[apps.1]\naes_key = \"c2VjcmV0\"\n");
    let r = refused(&["--listen", "127.0.0.1:0", "--keyring", broken.to_str().unwrap()], &[]);
    assert_eq!(r.status.code(), Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("--keyring"), "{}", r.stderr);
    assert!(!r.stderr.contains("c2VjcmV0"), "{}", r.stderr);

    let r = refused(
        &[
            "--listen",
            "127.0.0.1:0",
            "--keyring",
            ring.to_str().unwrap(),
            "--migrate",
        ],
        &[],
    );
    assert_eq!(r.status.code(), Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("--migrate needs --database-url"), "{}", r.stderr);

    // --database-ca alone, from the flag, the environment or the config file; the file is
    // not read then (this one does not exist).
    let ca_config = dir.join("ca.toml");
    std::fs::write(&ca_config, "database_ca = \"db-ca.pem\"\n").unwrap();
    let ca_config = ca_config.to_str().unwrap();
    let no_env: &[(&str, &str)] = &[];
    for keys in [&["--keyring", ring.to_str().unwrap()][..], &["--demo"]] {
        for (ca, env) in [
            (&["--database-ca", "db-ca.pem"][..], no_env),
            (&[], &[("PHONE_SERVE_DATABASE_CA", "db-ca.pem")]),
            (&["--config", ca_config], no_env),
        ] {
            let args = [&["--listen", "127.0.0.1:0"], keys, ca].concat();
            let r = refused(&args, env);
            assert_eq!(r.status.code(), Some(2), "{args:?}: {}", r.stderr);
            assert!(r.stderr.contains("--database-ca needs --database-url"), "{}", r.stderr);
        }
    }
    // A CA file that is not PEM: named, neither quoted nor the URL's password shown.
    let not_pem = dir.join("not-a-ca.pem");
    write_private(&not_pem, "password=hunter3\n");
    let r = refused(
        &[
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "postgres://keys:hunter2@127.0.0.1:1/keys?sslmode=require",
            "--database-ca",
            not_pem.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(r.status.code(), Some(2), "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("--database-ca {}: not a PEM", not_pem.display())),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("hunter"), "{}", r.stderr);

    // With a token, a non-loopback address is fine.
    let tokens = token_file(&dir, TOKEN_A);
    let server = start(
        &[
            "--listen",
            "0.0.0.0:0",
            "--keyring",
            ring.to_str().unwrap(),
            "--token-file",
            tokens.to_str().unwrap(),
        ],
        &[],
    );
    assert!(server.addr.port() > 0);
}

#[test]
fn demo_keys_only_with_demo() {
    let dir = tmp("demo");
    let body = demo_envelope(MOBILE);
    // A keyring for another app: the demo envelope for APP is not opened with demo keys.
    let ring = keyring(&dir, &["2021000000000001"]);
    let server = start(&["--listen", "127.0.0.1:0", "--keyring", ring.to_str().unwrap()], &[]);
    let r = server.post(APP, None, &body);
    // An app no source knows: 404 (the caller's mistake), still kind key_error.
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(r.json()["kind"], "key_error");
    drop(server);

    let server = start(&["--listen", "127.0.0.1:0", "--demo"], &[]);
    let r = server.post(APP, None, &body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["mobile"], MOBILE);
    assert!(server.logs_when(|l| l.contains("demo mode")).contains("demo mode"));
    drop(server);

    // PHONE_SERVE_DEMO=0 is not demo mode.
    let r = refused(&["--listen", "127.0.0.1:0"], &[("PHONE_SERVE_DEMO", "0")]);
    assert_eq!(r.status.code(), Some(2), "{}", r.stderr);
    let r = refused(
        &["--listen", "127.0.0.1:0", "--demo", "--keyring", ring.to_str().unwrap()],
        &[],
    );
    assert_eq!(r.status.code(), Some(2), "{}", r.stderr);
}

#[test]
fn keys_from_the_environment() {
    let public = demo("alipay_public_key.txt");
    let aes = demo("aes_key.txt");
    let server = start(
        &["--listen", "127.0.0.1:0"],
        &[
            (&format!("ALIPAY_PUBLIC_KEY_{APP}"), public.trim()),
            (&format!("ALIPAY_AES_KEY_{APP}"), aes.trim()),
        ],
    );
    let r = server.post(APP, None, &demo_envelope(MOBILE));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["mobile"], MOBILE);
    assert_eq!(server.get("/readyz").status, 200);
}

#[test]
fn flags_win_over_the_environment_which_wins_over_the_config_file() {
    let dir = tmp("config");
    keyring(&dir, &[APP]);
    let config = dir.join("serve.toml");
    // A relative keyring path is relative to the config file.
    std::fs::write(
        &config,
        "listen = \"127.0.0.1:0\"\nkeyring = \"keys.toml\"\nbody_limit = 100\nrequest_timeout = \"3s\"\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let body = demo_envelope(MOBILE);

    let server = start(&["--config", config], &[]);
    assert_eq!(server.post(APP, None, &body).status, 413);
    drop(server);
    let server = start(&["--config", config], &[("PHONE_SERVE_BODY_LIMIT", "64KiB")]);
    assert_eq!(server.post(APP, None, &body).status, 200);
    drop(server);
    let server = start(
        &["--config", config, "--body-limit", "100"],
        &[("PHONE_SERVE_BODY_LIMIT", "64KiB")],
    );
    assert_eq!(server.post(APP, None, &body).status, 413);
    drop(server);
    // The config file may come from the environment too.
    let server = start(&[], &[("PHONE_SERVE_CONFIG", config), ("PHONE_SERVE_BODY_LIMIT", "1m")]);
    assert_eq!(server.post(APP, None, &body).status, 200);
    drop(server);

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "listen = \"127.0.0.1:0\"\nlisten_addr = 1\n").unwrap();
    let r = refused(&["--config", bad.to_str().unwrap()], &[]);
    assert_eq!(r.status.code(), Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("listen_addr"), "{}", r.stderr);
}

#[test]
fn keyring_and_token_file_changes_apply_without_a_restart() {
    let dir = tmp("reload");
    let ring = keyring(&dir, &[APP]);
    let tokens = token_file(&dir, TOKEN_A);
    let server = start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--keyring",
            ring.to_str().unwrap(),
            "--token-file",
            tokens.to_str().unwrap(),
        ],
        &[],
    );
    let body = demo_envelope(MOBILE);
    let other = "2021000000000002";
    assert_eq!(server.post(other, Some(TOKEN_A), &body).status, 404);
    // Rewritten with a different size, so the change is seen even within one mtime tick.
    keyring(&dir, &[APP, other]);
    token_file(&dir, &format!("{TOKEN_B}\n"));
    let start = Instant::now();
    loop {
        let a = server.post(other, Some(TOKEN_B), &body).status;
        if a == 200 && server.post(APP, Some(TOKEN_A), &body).status == 401 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "not reloaded: {a}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // An emptied token file keeps the previous tokens rather than locking everyone out.
    token_file(&dir, "\n\n");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(server.post(APP, Some(TOKEN_B), &body).status, 200);
    let logs = server.logs_when(|l| l.contains("token file has no token"));
    assert!(logs.contains("token file has no token"), "{logs}");
}

#[test]
fn a_request_past_the_timeout_is_503() {
    let dir = tmp("timeout");
    let ring = keyring(&dir, &[APP]);
    let server = start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--keyring",
            ring.to_str().unwrap(),
            "--request-timeout",
            "300ms",
        ],
        &[],
    );
    let body = demo_envelope(MOBILE);
    // A body that never finishes arriving.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let path = format!("/v1/apps/{APP}/phone");
    stream
        .write_all(head("POST", &path, &[], body.len()).as_bytes())
        .unwrap();
    stream.write_all(&body.as_bytes()[..10]).unwrap();
    let started = Instant::now();
    let r = read_response(stream);
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.json()["kind"], "timeout");
    assert!(r.header("retry-after").is_some());
    assert!(started.elapsed() < Duration::from_secs(3));
}

/// A request whose body arrives in two parts: in flight from the first write until its
/// response is read.
struct SlowRequest {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl SlowRequest {
    fn begin(addr: SocketAddr, app_id: &str, token: Option<&str>, body: &str) -> Self {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut headers = Vec::new();
        if let Some(t) = token {
            headers.push(("Authorization".to_owned(), format!("Bearer {t}")));
        }
        let path = format!("/v1/apps/{app_id}/phone");
        stream
            .write_all(head("POST", &path, &headers, body.len()).as_bytes())
            .unwrap();
        let half = body.len() / 2;
        stream.write_all(&body.as_bytes()[..half]).unwrap();
        Self {
            stream,
            rest: body.as_bytes()[half..].to_vec(),
        }
    }

    fn finish(mut self) -> Response {
        self.stream.write_all(&self.rest).unwrap();
        read_response(self.stream)
    }
}

#[test]
fn sigterm_finishes_every_request_in_flight_then_exits_0() {
    let dir = tmp("sigterm");
    let ring = keyring(&dir, &[APP]);
    let mut server = start(&["--listen", "127.0.0.1:0", "--keyring", ring.to_str().unwrap()], &[]);
    let body = demo_envelope(MOBILE);
    // Warm: keys loaded and prepared.
    assert_eq!(server.post(APP, None, &body).status, 200);
    const N: usize = 48;
    let in_flight: Vec<SlowRequest> = (0..N)
        .map(|_| SlowRequest::begin(server.addr, APP, None, &body))
        .collect();
    // Let the server accept every connection and start reading every body.
    std::thread::sleep(Duration::from_millis(500));
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(300));
    // Draining: no new connections.
    assert!(
        TcpStream::connect_timeout(&server.addr, Duration::from_secs(1)).is_err(),
        "still accepting after SIGTERM"
    );
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "exited with requests in flight"
    );
    let handles: Vec<_> = in_flight
        .into_iter()
        .map(|r| std::thread::spawn(move || r.finish()))
        .collect();
    for h in handles {
        let r = h.join().unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["mobile"], MOBILE);
    }
    let status = server.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{}", server.logs());
}

#[test]
fn the_drain_timeout_bounds_a_stuck_request() {
    let dir = tmp("drain");
    let ring = keyring(&dir, &[APP]);
    let mut server = start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--keyring",
            ring.to_str().unwrap(),
            "--drain-timeout",
            "500ms",
            "--request-timeout",
            "30s",
        ],
        &[],
    );
    let body = demo_envelope(MOBILE);
    let stuck = SlowRequest::begin(server.addr, APP, None, &body);
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    server.signal("INT");
    let status = server.wait_exit(Duration::from_secs(5));
    assert!(t.elapsed() >= Duration::from_millis(450), "{:?}", t.elapsed());
    assert_eq!(status.code(), Some(1), "{}", server.logs());
    let logs = server.logs_when(|l| l.contains("drain timeout"));
    assert!(logs.contains("drain timeout"), "{logs}");
    drop(stuck);
}

// ---------------------------------------------------------------------------------------
// TLS to PostgreSQL, without a server
// ---------------------------------------------------------------------------------------

/// A CA certificate (PEM) for `--database-ca` where no TLS handshake ever happens.
fn some_ca() -> String {
    root()
        .join("crates/phone-crypto/tests/certs/alipayRootCert.crt")
        .display()
        .to_string()
}

/// What a fake PostgreSQL server that answers "no TLS" to every SSLRequest received after that
/// answer, per connection, until the client closed (or sent its startup message).
fn no_tls_server() -> (u16, std::sync::mpsc::Receiver<Vec<u8>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let tx = tx.clone();
            std::thread::spawn(move || {
                stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut request = [0u8; 8];
                if stream.read_exact(&mut request).is_err() {
                    return;
                }
                // SSLRequest: length 8, code 80877103.
                assert_eq!(request, [0, 0, 0, 8, 4, 210, 22, 47], "not an SSLRequest");
                stream.write_all(b"N").unwrap();
                let mut after = Vec::new();
                let mut buf = [0u8; 1024];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    after.extend_from_slice(&buf[..n]);
                    if after.windows(4).any(|w| w == b"user") {
                        break;
                    }
                }
                let _ = tx.send(after);
            });
        }
    });
    (port, rx)
}

#[test]
fn a_database_ca_never_falls_back_to_plain_text_when_the_server_answers_no_tls() {
    // Without --database-ca, prefer (the URL's default) goes on in plain text: the startup
    // message, user name included, follows the "no TLS" answer. (127.0.0.1: no warning.)
    let (port, received) = no_tls_server();
    let url = format!("postgres://keys:hunter2@127.0.0.1:{port}/keys");
    let server = pg_server(&url, &[]);
    let after = received.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        after.windows(4).any(|w| w == b"user"),
        "prefer did not fall back: {after:?}"
    );
    let logs = server.logs_when(|l| l.contains("listening"));
    assert!(!logs.contains("sslmode=prefer"), "{logs}");
    drop(server);

    // With it, the same URL: nothing after the answer, every time (the watcher retries).
    let (port, received) = no_tls_server();
    let url = format!("postgres://keys:hunter2@127.0.0.1:{port}/keys");
    let server = pg_server(&url, &["--database-ca", &some_ca()]);
    let ready = server.get("/readyz");
    assert_eq!(ready.status, 503, "{}", ready.body);
    let mut connections = 0;
    let deadline = Instant::now() + Duration::from_secs(3);
    while let Ok(after) = received.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        assert!(after.is_empty(), "sent in plain text after \"no TLS\": {after:?}");
        connections += 1;
    }
    assert!(connections >= 2, "{connections} connections");
    let logs = server.logs_when(|l| l.contains("server does not support TLS"));
    assert!(logs.contains("server does not support TLS"), "{logs}");
    assert!(!logs.contains("hunter2"), "{logs}");
}

#[test]
fn prefer_to_a_remote_host_warns_and_disable_with_a_database_ca_is_refused() {
    let warning = "anyone on the network path to the database can answer";
    // db.invalid: never resolves, so nothing connects; serve starts anyway.
    let server = pg_server("postgres://keys:hunter2@db.invalid/keys", &[]);
    let logs = server.logs_when(|l| l.contains(warning));
    assert!(logs.contains(warning) && logs.contains("host=db.invalid"), "{logs}");
    assert!(!logs.contains("hunter2"), "{logs}");
    drop(server);
    for (url, extra) in [
        ("postgres://keys@db.invalid/keys?sslmode=require", &[][..]),
        ("postgres://keys@db.invalid/keys?sslmode=verify-full", &[][..]),
        ("host=db.invalid user=keys sslmode=verify-ca", &[][..]),
        ("host=db.invalid user=keys", &["--database-ca", "CA"][..]),
        ("postgres://keys@localhost/keys", &[][..]),
    ] {
        let ca = some_ca();
        let extra: Vec<&str> = extra.iter().map(|&a| if a == "CA" { ca.as_str() } else { a }).collect();
        let server = pg_server(url, &extra);
        // The warning would come before the listening line, in order.
        let logs = server.logs_when(|l| l.contains("listening"));
        assert!(logs.contains("listening") && !logs.contains(warning), "{url}: {logs}");
    }

    let ca = some_ca();
    for url in [
        "postgres://keys:hunter2@db.example.com/keys?sslmode=disable",
        "host=db.example.com user=keys password=hunter2 sslmode=disable",
    ] {
        let r = refused(
            &["--listen", "127.0.0.1:0", "--database-url", url, "--database-ca", &ca],
            &[],
        );
        assert_eq!(r.status.code(), Some(2), "{}", r.stderr);
        assert!(r.stderr.contains("contradict"), "{}", r.stderr);
        assert!(!r.stderr.contains("hunter2"), "{}", r.stderr);
    }
    // libpq's sslmode=allow: not understood, said without the URL.
    let r = refused(
        &[
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "postgres://keys:hunter2@db.example.com/keys?sslmode=allow",
        ],
        &[],
    );
    assert_eq!(r.status.code(), Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("does not parse") && !r.stderr.contains("hunter2"),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------

const NEEDS_PG: &str =
    "needs PostgreSQL: scripts/with-postgres.sh cargo test -p phone-cli --test serve -- --include-ignored";

/// Shared by the tests that only use the database server; taken exclusively by the one that
/// stops it.
static PG: std::sync::RwLock<()> = std::sync::RwLock::new(());

fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| panic!("DATABASE_URL is unset: these tests need a PostgreSQL server; {NEEDS_PG}"))
}

fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A fresh, empty database `name` (no table: `serve --migrate` creates it); its URL, with the
/// query (sslmode) of DATABASE_URL.
fn fresh_database(name: &str) -> String {
    let url = database_url();
    psql(&url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    psql(&url, &format!("CREATE DATABASE {name}"));
    let (base, rest) = url.rsplit_once('/').unwrap();
    let query = rest.find('?').map_or("", |at| &rest[at..]);
    format!("{base}/{name}{query}")
}

/// `url` with `sslmode=mode` as its only parameter.
fn with_sslmode(url: &str, mode: &str) -> String {
    let base = url.split_once('?').map_or(url, |(base, _)| base);
    format!("{base}?sslmode={mode}")
}

/// The CA of the throwaway cluster's server certificate.
fn pg_ca() -> String {
    std::env::var("PHONE_TEST_PG_CA").unwrap_or_else(|_| panic!("PHONE_TEST_PG_CA is unset; {NEEDS_PG}"))
}

/// The connections of `serve` (application_name alipay-phone) to `database`: (over TLS, all).
fn serve_connections(url: &str, database: &str) -> (u32, u32) {
    let out = psql(
        url,
        &format!(
            "SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
             WHERE a.datname = '{database}' AND a.application_name = 'alipay-phone'"
        ),
    );
    let (tls, all) = out.trim().split_once('|').unwrap();
    (tls.parse().unwrap(), all.parse().unwrap())
}

/// [`serve_connections`] once it is `expected`, or as it is after 30 s (for the assertion
/// that follows to show): sessions of a `serve` stopped just before may still be closing, and
/// those of one just started still opening.
fn serve_connections_when(url: &str, database: &str, expected: (u32, u32)) -> (u32, u32) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = serve_connections(url, database);
        if now == expected || Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `url` without its query (sslmode): what a URL without `sslmode` means is `prefer`.
fn without_query(url: &str) -> &str {
    url.split_once('?').map_or(url, |(base, _)| base)
}

fn put(url: &str, app_id: &str, public_keys: &[&str], aes_keys: &[&str]) {
    let arr = |keys: &[&str]| {
        let quoted: Vec<String> = keys.iter().map(|k| format!("'{}'", k.trim())).collect();
        format!("ARRAY[{}]::text[]", quoted.join(","))
    };
    psql(
        url,
        &format!(
            "INSERT INTO alipay_phone_keys (app_id, alipay_public_keys, aes_keys) VALUES ('{app_id}', {}, {}) \
             ON CONFLICT (app_id) DO UPDATE SET alipay_public_keys = EXCLUDED.alipay_public_keys, aes_keys = EXCLUDED.aes_keys",
            arr(public_keys),
            arr(aes_keys)
        ),
    );
}

/// A fresh development key pair from `keygen`: (private key path, public key text).
fn keygen(dir: &Path) -> (String, String) {
    let out = Command::new(BIN)
        .args(["keygen", "--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "keygen: {}", String::from_utf8_lossy(&out.stderr));
    (
        dir.join("alipay_private_key.pem").display().to_string(),
        std::fs::read_to_string(dir.join("alipay_public_key.txt")).unwrap(),
    )
}

fn pg_server(url: &str, extra: &[&str]) -> Server {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tokens_dir = tmp(&format!("pg-tokens-{n}"));
    let tokens = token_file(&tokens_dir, TOKEN_A);
    let mut args = vec![
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        url,
        "--token-file",
        tokens.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    start(&args, &[])
}

#[test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test -p phone-cli --test serve -- --include-ignored"]
fn pg_an_envelope_opens_through_serve_and_needs_a_token() {
    let _shared = PG.read().unwrap_or_else(|p| p.into_inner());
    let url = fresh_database("serve_open");
    // `serve` alone never changes the schema: without the table it is not ready.
    let server = pg_server(&url, &[]);
    let r = server.get("/readyz");
    assert_eq!(r.status, 503, "{}", r.body);
    drop(server);
    let server = pg_server(&url, &["--migrate"]);
    let logs = server.logs_when(|l| l.contains("migrations applied"));
    assert!(logs.contains("migrations applied"), "{logs}");
    put(
        &url,
        APP,
        &[demo("alipay_public_key.txt").trim()],
        &[demo("aes_key.txt").trim()],
    );
    assert_eq!(server.get("/readyz").status, 200);
    let body = demo_envelope(MOBILE);
    let r = server.post(APP, Some(TOKEN_A), &body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["mobile"], MOBILE);
    assert_401(&server.post(APP, None, &body), false);
    assert_401(&server.post(APP, Some(TOKEN_B), &body), true);
    // An app id without a row: the library's key_error (404), not the database's (503).
    let r = server.post("2021000000000404", Some(TOKEN_A), &body);
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(r.json()["kind"], "key_error");
    assert!(!server.logs().contains(MOBILE));
}

#[test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test -p phone-cli --test serve -- --include-ignored"]
fn pg_two_replicas_use_rotated_keys_without_a_failed_request() {
    let _shared = PG.read().unwrap_or_else(|p| p.into_inner());
    let url = fresh_database("serve_rotate");
    let dir = tmp("pg-rotate");
    let (new_private, new_public) = keygen(&dir.join("new"));
    let old_public = demo("alipay_public_key.txt");
    let old_aes = demo("aes_key.txt");
    let new_aes = "ZmVkY2JhOTg3NjU0MzIxMA==";
    let a = pg_server(&url, &["--migrate"]);
    let b = pg_server(&url, &[]);
    put(&url, APP, &[&old_public], &[&old_aes]);
    let old_body = demo_envelope(MOBILE);
    let new_body = forge(&new_private, new_aes, "13700001111");
    for s in [&a, &b] {
        assert_eq!(s.post(APP, Some(TOKEN_A), &old_body).status, 200);
    }

    // Callers keep sending envelopes signed with the old (still active) key throughout.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let callers: Vec<_> = [a.addr, b.addr]
        .into_iter()
        .map(|addr| {
            let stop = stop.clone();
            let body = old_body.clone();
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let headers = [("Authorization".to_owned(), format!("Bearer {TOKEN_A}"))];
                    let r = request(
                        addr,
                        "POST",
                        &format!("/v1/apps/{APP}/phone"),
                        &headers,
                        body.as_bytes(),
                    );
                    assert_eq!(r.status, 200, "old-key envelope failed during the rotation: {}", r.body);
                    n += 1;
                }
                n
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // The rotation: the new keys first, the old ones still accepted.
    let rotated = Instant::now();
    put(&url, APP, &[&new_public, &old_public], &[new_aes, &old_aes]);
    for s in [&a, &b] {
        loop {
            let r = s.post(APP, Some(TOKEN_A), &new_body);
            if r.status == 200 {
                assert_eq!(r.json()["mobile"], "13700001111");
                break;
            }
            // Within the periodic check's interval (10 s), LISTEN/NOTIFY makes it ~instant.
            assert!(rotated.elapsed() < Duration::from_secs(10), "{}", r.body);
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let picked_up = rotated.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent: usize = callers.into_iter().map(|c| c.join().unwrap()).sum();
    assert!(sent > 10, "{sent}");
    eprintln!("rotation picked up by both replicas in {picked_up:?}; {sent} old-key requests, none failed");

    // The old key retired: both replicas refuse it within the interval.
    put(&url, APP, &[&new_public], &[new_aes]);
    for s in [&a, &b] {
        let t = Instant::now();
        while s.post(APP, Some(TOKEN_A), &old_body).status != 403 {
            assert!(t.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(s.post(APP, Some(TOKEN_A), &new_body).status, 200);
    }
}

fn pg_ctl(args: &[&str]) {
    let ctl = std::env::var("PHONE_PG_CTL").unwrap_or_else(|_| panic!("PHONE_PG_CTL is unset; {NEEDS_PG}"));
    let out = Command::new(&ctl).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "pg_ctl {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts the database again if the test fails while it is stopped.
struct RestartOnDrop(bool);

impl Drop for RestartOnDrop {
    fn drop(&mut self) {
        if self.0 {
            let _ = std::env::var("PHONE_PG_CTL").map(|ctl| Command::new(ctl).args(["start", "-w"]).status());
        }
    }
}

#[test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test -p phone-cli --test serve -- --include-ignored"]
fn pg_database_down_cached_apps_keep_working_new_ones_503_then_recover() {
    let _exclusive = PG.write().unwrap_or_else(|p| p.into_inner());
    let url = fresh_database("serve_down");
    let server = pg_server(&url, &["--migrate"]);
    let cached = APP;
    let uncached = "2021000000000003";
    for id in [cached, uncached] {
        put(
            &url,
            id,
            &[demo("alipay_public_key.txt").trim()],
            &[demo("aes_key.txt").trim()],
        );
    }
    let body = demo_envelope(MOBILE);
    assert_eq!(server.post(cached, Some(TOKEN_A), &body).status, 200);
    assert_eq!(server.get("/readyz").status, 200);

    pg_ctl(&["stop", "-m", "fast", "-w"]);
    let mut guard = RestartOnDrop(true);
    for _ in 0..20 {
        let r = server.post(cached, Some(TOKEN_A), &body);
        assert_eq!(r.status, 200, "a cached app failed with the database down: {}", r.body);
    }
    let r = server.post(uncached, Some(TOKEN_A), &body);
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.json()["kind"], "key_error");
    assert!(r.header("retry-after").is_some());
    let ready = server.get("/readyz");
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert!(!ready.body.contains("password"));

    pg_ctl(&["start", "-w"]);
    guard.0 = false;
    let t = Instant::now();
    loop {
        let ready = server.get("/readyz").status;
        let r = server.post(uncached, Some(TOKEN_A), &body);
        if ready == 200 && r.status == 200 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "not recovered: readyz {ready}, {}",
            r.body
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("recovered {:?} after the restart", t.elapsed());
    assert_eq!(server.post(cached, Some(TOKEN_A), &body).status, 200);
}

#[test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test -p phone-cli --test serve -- --include-ignored"]
fn pg_tls_with_the_servers_ca_serves_keys_over_tls_only() {
    let _shared = PG.read().unwrap_or_else(|p| p.into_inner());
    let url = fresh_database("serve_tls");
    let tls_url = with_sslmode(&url, "require");
    let ca = pg_ca();
    // --migrate over TLS too: the table is created through the verified connection.
    let server = pg_server(&tls_url, &["--migrate", "--database-ca", &ca]);
    let logs = server.logs_when(|l| l.contains("migrations applied"));
    assert!(logs.contains("migrations applied"), "{logs}");
    put(
        &url,
        APP,
        &[demo("alipay_public_key.txt").trim()],
        &[demo("aes_key.txt").trim()],
    );
    let ready = server.get("/readyz");
    assert_eq!(ready.status, 200, "{}", ready.body);
    let body = demo_envelope(MOBILE);
    let r = server.post(APP, Some(TOKEN_A), &body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["mobile"], MOBILE);
    let (tls, all) = serve_connections(&url, "serve_tls");
    assert!(all > 0 && tls == all, "{tls} of {all} connections over TLS");
    assert!(
        !server.logs().contains("certificate verify failed"),
        "{}",
        server.logs()
    );
    drop(server);

    // The config file's database_ca, relative to the file.
    let dir = tmp("pg-tls-config");
    std::fs::copy(&ca, dir.join("db-ca.pem")).unwrap();
    let config = dir.join("serve.toml");
    std::fs::write(
        &config,
        format!("listen = \"127.0.0.1:0\"\ndatabase_url = \"{tls_url}\"\ndatabase_ca = \"db-ca.pem\"\n"),
    )
    .unwrap();
    let server = start(&["--config", config.to_str().unwrap()], &[]);
    assert_eq!(server.post(APP, None, &body).status, 200);
    assert_eq!(server.get("/readyz").status, 200);
}

#[test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test -p phone-cli --test serve -- --include-ignored"]
fn pg_tls_to_a_server_that_does_not_verify_gets_no_key_and_is_not_ready() {
    let _shared = PG.read().unwrap_or_else(|p| p.into_inner());
    let url = fresh_database("serve_tls_other");
    let setup = pg_server(&url, &["--migrate"]);
    setup.logs_when(|l| l.contains("migrations applied"));
    drop(setup);
    put(
        &url,
        APP,
        &[demo("alipay_public_key.txt").trim()],
        &[demo("aes_key.txt").trim()],
    );
    // A CA of this test's own, which never signed the server's certificate.
    let dir = tmp("pg-tls-other");
    let other = dir.join("other-ca.pem");
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-new",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-days", "1", "-subj", "/CN=not the server's CA", "-keyout"])
        .arg(dir.join("other-ca.key"))
        .arg("-out")
        .arg(&other)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body = demo_envelope(MOBILE);

    // The right CA, but a name the server's certificate does not hold (the socket still goes
    // to 127.0.0.1).
    let port = url.split_once("127.0.0.1:").unwrap().1.split('/').next().unwrap();
    let misnamed =
        format!("host=db.invalid hostaddr=127.0.0.1 port={port} user=postgres dbname=serve_tls_other sslmode=require");
    let other = other.to_str().unwrap();
    let ca = pg_ca();
    // require, and prefer (the URL's default): the server offers TLS, so both verify it.
    // Without --database-ca, prefer to a server whose CA is no system root (Debian's snakeoil
    // certificate, say): it offers TLS, the certificate does not verify.
    for (url, ca, why) in [
        (
            with_sslmode(&url, "require"),
            Some(other),
            "unable to get local issuer certificate",
        ),
        (
            with_sslmode(&url, "prefer"),
            Some(other),
            "unable to get local issuer certificate",
        ),
        (misnamed, Some(ca.as_str()), "hostname mismatch"),
        (
            without_query(&url).to_owned(),
            None,
            "unable to get local issuer certificate",
        ),
    ] {
        let extra: &[&str] = match ca {
            Some(ca) => &["--database-ca", ca],
            None => &[],
        };
        let server = pg_server(&url, extra);
        let ready = server.get("/readyz");
        assert_eq!(ready.status, 503, "{}", ready.body);
        assert!(
            ready.json()["reason"]
                .as_str()
                .unwrap()
                .contains("give --database-ca with the server's CA, or sslmode=disable on a trusted network"),
            "{}",
            ready.body
        );
        let r = server.post(APP, Some(TOKEN_A), &body);
        assert_eq!(r.status, 503, "{}", r.body);
        assert_eq!(r.json()["kind"], "key_error");
        assert!(!r.body.contains(MOBILE), "{}", r.body);
        let hint = "cannot connect to the PostgreSQL key store: the database server's certificate does not verify";
        let logs = server.logs_when(|l| l.contains(why) && l.contains(hint));
        assert!(
            logs.contains("certificate verify failed") && logs.contains(why) && logs.contains(hint),
            "{url}: {logs}"
        );
        // None in plain text either, nor left open: the setup's sessions may still be closing.
        assert_eq!(
            serve_connections_when(&database_url(), "serve_tls_other", (0, 0)),
            (0, 0),
            "{logs}"
        );
    }
}

#[test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test -p phone-cli --test serve -- --include-ignored"]
fn pg_tls_a_database_ca_with_a_url_without_sslmode_connects_over_tls_only() {
    let _shared = PG.read().unwrap_or_else(|p| p.into_inner());
    let url = fresh_database("serve_tls_prefer");
    // No sslmode: prefer, which --database-ca makes require.
    let prefer = without_query(&url);
    let server = pg_server(prefer, &["--migrate", "--database-ca", &pg_ca()]);
    let logs = server.logs_when(|l| l.contains("migrations applied"));
    assert!(logs.contains("migrations applied"), "{logs}");
    put(
        &url,
        APP,
        &[demo("alipay_public_key.txt").trim()],
        &[demo("aes_key.txt").trim()],
    );
    assert_eq!(server.get("/readyz").status, 200);
    let r = server.post(APP, Some(TOKEN_A), &demo_envelope(MOBILE));
    assert_eq!(r.status, 200, "{}", r.body);
    // The load connection and the LISTEN one (the migration's may still be closing: TLS too).
    let deadline = Instant::now() + Duration::from_secs(30);
    let (tls, all) = loop {
        let (tls, all) = serve_connections(&url, "serve_tls_prefer");
        if all >= 2 || Instant::now() > deadline {
            break (tls, all);
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(all >= 2 && tls == all, "{tls} of {all} connections over TLS");
    let logs = server.logs();
    assert!(!logs.contains("sslmode=prefer"), "{logs}");
}

#[test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test -p phone-cli --test serve -- --include-ignored"]
fn pg_tls_verify_full_and_verify_ca_are_libpqs_and_mean_require() {
    let _shared = PG.read().unwrap_or_else(|p| p.into_inner());
    let url = fresh_database("serve_tls_verify");
    let setup = pg_server(&url, &["--migrate"]);
    setup.logs_when(|l| l.contains("migrations applied"));
    drop(setup);
    put(
        &url,
        APP,
        &[demo("alipay_public_key.txt").trim()],
        &[demo("aes_key.txt").trim()],
    );
    let body = demo_envelope(MOBILE);
    let ca = pg_ca();
    let port = url.split_once("127.0.0.1:").unwrap().1.split('/').next().unwrap();
    for url in [
        with_sslmode(&url, "verify-full"),
        format!("host=127.0.0.1 port={port} user=postgres dbname=serve_tls_verify sslmode='verify-ca'"),
    ] {
        let server = pg_server(&url, &["--database-ca", &ca]);
        let ready = server.get("/readyz");
        assert_eq!(ready.status, 200, "{url}: {}", ready.body);
        let r = server.post(APP, Some(TOKEN_A), &body);
        assert_eq!(r.status, 200, "{url}: {}", r.body);
        assert_eq!(r.json()["mobile"], MOBILE);
    }
    // verify-full without --database-ca: the system's roots, which never signed this server.
    let server = pg_server(&with_sslmode(&url, "verify-full"), &[]);
    let ready = server.get("/readyz");
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert!(ready.body.contains("give --database-ca"), "{}", ready.body);
    assert_eq!(
        serve_connections_when(&database_url(), "serve_tls_verify", (0, 0)),
        (0, 0)
    );
}

// Hostile connections (issue 18): each attack measured on the 0.2 binary, as a test that
// failed there. Limits are lowered so that each runs in seconds.

/// The resident set of a process, in KiB (Linux).
fn rss_kib(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Whether the server closed `stream` within `within`: a read returns EOF (or a reset).
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            // A response (a 431, say) before the close: keep reading.
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

fn metric(server: &Server, name: &str) -> f64 {
    let text = request(server.addr, "GET", "/metrics", &[], b"").body;
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn demo_server(extra: &[&str]) -> Server {
    let mut args = vec!["--listen", "127.0.0.1:0", "--demo"];
    args.extend(extra);
    start(&args, &[])
}

#[test]
fn slowloris_heads_and_idle_keep_alive_connections_are_closed_by_their_timeouts() {
    let server = demo_server(&["--header-timeout", "1s", "--idle-timeout", "2s"]);
    // 50 connections that send one header byte every 300 ms: each is cut at the header timeout.
    let mut slow: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            s.write_all(b"POST /v1/apps/2021001234567890/phone HTTP/1.1\r\n")
                .unwrap();
            s
        })
        .collect();
    let started = Instant::now();
    let mut cut = 0;
    while started.elapsed() < Duration::from_secs(8) && cut < slow.len() {
        std::thread::sleep(Duration::from_millis(300));
        cut = 0;
        for s in &mut slow {
            if s.write_all(b"X").is_err() || closed_within(s, Duration::from_millis(1)) {
                cut += 1;
            }
        }
    }
    assert_eq!(cut, 50, "slow heads still open after {:?}", started.elapsed());
    // A keep-alive connection that goes quiet after its request: closed at the idle timeout,
    // not at the (shorter) header timeout.
    let mut idle = TcpStream::connect(server.addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 256];
    let n = idle.read(&mut buf).unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );
    assert!(
        !closed_within(&mut idle, Duration::from_millis(1200)),
        "closed before the idle timeout"
    );
    assert!(
        closed_within(&mut idle, Duration::from_secs(5)),
        "idle connection still open"
    );
    assert!(
        metric(
            &server,
            "alipay_phone_serve_connections_closed_total{reason=\"header_timeout\"}"
        ) >= 50.0
    );
    assert!(
        metric(
            &server,
            "alipay_phone_serve_connections_closed_total{reason=\"idle_timeout\"}"
        ) >= 1.0
    );
    // The service still answers.
    assert_eq!(request(server.addr, "GET", "/healthz", &[], b"").status, 200);
}

#[test]
fn the_connection_cap_closes_excess_connections_at_once_and_keeps_the_service_up() {
    let server = demo_server(&["--max-connections", "20"]);
    let held: Vec<TcpStream> = (0..20).map(|_| TcpStream::connect(server.addr).unwrap()).collect();
    // Let the server accept all twenty.
    let deadline = Instant::now() + Duration::from_secs(5);
    while metric_with_spare(&server) < 20.0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut excess = TcpStream::connect(server.addr).unwrap();
    assert!(
        closed_within(&mut excess, Duration::from_secs(2)),
        "the 21st connection was kept"
    );
    drop(held);
    // Once they are gone, the service answers again, and the cap was counted and warned about.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut status = 0;
    while Instant::now() < deadline {
        status = std::panic::catch_unwind(|| request(server.addr, "GET", "/healthz", &[], b"").status).unwrap_or(0);
        if status == 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(status, 200);
    assert!(metric(&server, "alipay_phone_serve_connections_closed_total{reason=\"cap\"}") >= 1.0);
    let logs = server.logs_when(|l| l.contains("connection cap reached"));
    assert!(logs.contains("connection cap reached"), "{logs}");
}

/// The open-connections gauge as the server sees it, counting the scrape's own connection
/// out; a scrape refused by the cap reads as "full".
fn metric_with_spare(server: &Server) -> f64 {
    std::panic::catch_unwind(|| metric(server, "alipay_phone_serve_open_connections") - 1.0).unwrap_or(20.0)
}

#[test]
fn large_unfinished_heads_are_refused_with_431_and_memory_stays_bounded() {
    let server = demo_server(&["--header-timeout", "30s"]);
    let before = rss_kib(&server.pid());
    // 300 connections, each sending 40 KiB of a header that never ends (the 0.2 binary held
    // 400 KiB per connection, and kept it).
    let chunk = format!(
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: {}",
        "a".repeat(40 * 1024)
    );
    let mut refused = 0;
    let conns: Vec<TcpStream> = (0..300)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            let _ = s.write_all(chunk.as_bytes());
            s
        })
        .collect();
    let peak = rss_kib(&server.pid());
    for mut s in conns {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = [0u8; 64];
        if let Ok(n) = s.read(&mut buf)
            && buf[..n].starts_with(b"HTTP/1.1 431")
        {
            refused += 1;
        }
    }
    assert_eq!(refused, 300);
    // 300 x 40 KiB would be 12 MiB held; the cap holds at most ~40 KiB each, briefly.
    let grown = peak.saturating_sub(before);
    assert!(grown < 24 * 1024, "RSS grew by {grown} KiB ({before} -> {peak})");
    // A head just under the cap is served.
    let ok_head = vec![("X-Pad".to_owned(), "b".repeat(16 * 1024))];
    assert_eq!(request(server.addr, "GET", "/healthz", &ok_head, b"").status, 200);
}

#[test]
fn an_oversized_content_length_is_413_at_once_and_http_1_1_without_host_is_400() {
    let dir = tmp("limits");
    let ring = keyring(&dir, &[APP]);
    let tokens = token_file(&dir, TOKEN_A);
    let server = start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--keyring",
            ring.to_str().unwrap(),
            "--token-file",
            tokens.to_str().unwrap(),
            "--request-timeout",
            "30s",
        ],
        &[],
    );
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST /v1/apps/{APP}/phone HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN_A}\r\nContent-Length: 10737418240\r\n\r\n"
    )
    .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    let n = s.read(&mut buf).unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("payload_too_large"), "{head}");
    // Long before the request timeout: nothing of the body was waited for.
    assert!(started.elapsed() < Duration::from_secs(20));
    // Without a token it is 401 first: nothing is looked at before the caller is known.
    let mut s = TcpStream::connect(server.addr).unwrap();
    write!(
        s,
        "POST /v1/apps/{APP}/phone HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10737418240\r\n\r\n"
    )
    .unwrap();
    let n = s.read(&mut buf).unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 401"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    // HTTP/1.1 without Host: 400 (RFC 9112); HTTP/1.0 needs none.
    for (req, want) in [
        ("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n", "HTTP/1.1 400"),
        ("GET /healthz HTTP/1.0\r\n\r\n", "HTTP/1.0 200"),
    ] {
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.write_all(req.as_bytes()).unwrap();
        let r = read_response(s);
        assert_eq!(
            r.status,
            if want.ends_with("400") { 400 } else { 200 },
            "{req:?}: {}",
            r.body
        );
        if r.status == 400 {
            assert_eq!(r.json()["kind"], "bad_request");
        }
    }
}

#[test]
fn sigterm_with_unfinished_and_idle_connections_exits_0_at_once() {
    let mut server = demo_server(&["--drain-timeout", "30s", "--header-timeout", "60s"]);
    // 200 unfinished request heads and 20 idle keep-alive connections.
    let mut held: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            s.write_all(b"POST /v1/apps/2021001234567890/phone HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .unwrap();
            s
        })
        .collect();
    for _ in 0..20 {
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 256];
        let _ = s.read(&mut buf).unwrap();
        held.push(s);
    }
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    server.signal("TERM");
    // Well before the 30 s drain timeout: nothing was in flight.
    let status = server.wait_exit(Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "{}", server.logs());
    assert!(signalled.elapsed() < Duration::from_secs(5));
    for s in &mut held {
        assert!(closed_within(s, Duration::from_secs(1)));
    }
}

#[test]
fn a_token_shorter_than_32_characters_or_a_blank_variable_refuses_to_start() {
    let dir = tmp("short-token");
    let short = token_file(&dir, "x\n");
    let r = refused(
        &[
            "--listen",
            "127.0.0.1:0",
            "--demo",
            "--token-file",
            short.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(r.status.code(), Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("openssl rand -hex 32"), "{}", r.stderr);
    for value in ["", "   ", "tok-alpha"] {
        let r = refused(&["--listen", "127.0.0.1:0", "--demo"], &[("PHONE_SERVE_TOKEN", value)]);
        assert_eq!(r.status.code(), Some(2), "{value:?}: {}", r.stderr);
        assert!(r.stderr.contains("PHONE_SERVE_TOKEN"), "{}", r.stderr);
        assert!(
            value.trim().is_empty() || !r.stderr.contains(value),
            "the token was echoed"
        );
    }
}

#[test]
fn the_connection_settings_come_from_the_config_file_and_the_environment_too() {
    let dir = tmp("conn-config");
    let config = dir.join("serve.toml");
    std::fs::write(
        &config,
        "demo = true\nmax_header_size = \"2KiB\"\nlisten_backlog = 64\n",
    )
    .unwrap();
    let server = start(
        &["--listen", "127.0.0.1:0", "--config", config.to_str().unwrap()],
        &[("PHONE_SERVE_IDLE_TIMEOUT", "1s")],
    );
    // The file's head cap: a 4 KiB header is 431.
    let pad = vec![("X-Pad".to_owned(), "c".repeat(4096))];
    assert_eq!(request(server.addr, "GET", "/healthz", &pad, b"").status, 431);
    // The variable's idle timeout: a quiet keep-alive connection is closed after about 1 s.
    let mut idle = TcpStream::connect(server.addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 256];
    assert!(idle.read(&mut buf).unwrap() > 0);
    assert!(closed_within(&mut idle, Duration::from_secs(5)));
    // Zero is not a setting.
    for (flag, value) in [
        ("--max-connections", "0"),
        ("--listen-backlog", "0"),
        ("--max-header-size", "100"),
    ] {
        let r = refused(&["--listen", "127.0.0.1:0", "--demo", flag, value], &[]);
        assert_eq!(r.status.code(), Some(2), "{flag} {value}: {}", r.stderr);
    }
}
