//! The axum router's one log line per request never carries a caller's app id that could
//! forge a line (a percent-encoded newline) or flood the log (a 10 KB id), over real HTTP.
//!
//! Alone in its binary: the subscriber is installed for the test's thread only, and tracing's
//! per-callsite interest is shared by the whole process, so a test running beside it without
//! a subscriber could have the log line's callsite cached as disabled. The test runs on a
//! current-thread runtime, so the server task runs on that thread.
#![cfg(feature = "axum")]
#![allow(clippy::unwrap_used, missing_docs)]

mod axum_support;
mod common;

use axum_support::{APP, builder, post, start};
use common::{Captured, demo};

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_log_line_holds_only_a_plausible_app_id() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .without_time()
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let addr = start(builder().build().unwrap()).await;
    let envelope = || demo("envelope.json").into_bytes();
    let long = "x".repeat(10 * 1024);
    let long_newline = format!("{}%0A{}", "y".repeat(5 * 1024), "z".repeat(5 * 1024));
    // (query value, status, what the log line must say about it); ids no provider knows are 404.
    let cases = [
        (APP.to_owned(), 200, format!("app_id={APP} ")),
        ("a%0Ab".to_owned(), 404, "app_id=<invalid> app_id_len=3 ".to_owned()),
        (
            "a%0D%0AINFO%20forged".to_owned(),
            404,
            "app_id=<invalid> app_id_len=14 ".to_owned(),
        ),
        (long.clone(), 404, "app_id=<invalid> app_id_len=10240 ".to_owned()),
        (long_newline, 404, "app_id=<invalid> app_id_len=10241 ".to_owned()),
        ("x".repeat(65), 404, "app_id=<invalid> app_id_len=65 ".to_owned()),
        ("2021-00_12".to_owned(), 404, "app_id=2021-00_12 ".to_owned()),
    ];
    for (app_id, status, _) in &cases {
        let got = post(addr, &format!("/alipay/phone?app_id={app_id}"), envelope()).await;
        assert_eq!(got, *status, "{app_id}");
    }
    // A missing app id and a body that is not UTF-8 log their line too.
    assert_eq!(post(addr, "/alipay/phone", envelope()).await, 400);
    assert_eq!(post(addr, "/alipay/phone?app_id=a%0Ab", vec![0xff, 0xfe]).await, 400);

    let out = captured.text();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        cases.len() + 2,
        "one line per request, none injected:\n{out}"
    );
    assert!(
        lines.iter().all(|l| l.contains("POST /alipay/phone") && l.len() < 300),
        "{out}"
    );
    for (line, (app_id, _, expected)) in lines.iter().zip(&cases) {
        assert!(line.contains(expected.as_str()), "{app_id:.40}: {line}");
    }
    assert!(lines[cases.len()].contains("app_id=<missing> "), "{out}");
    assert!(
        lines[cases.len() + 1].contains("app_id=<invalid> app_id_len=3 outcome=\"malformed_envelope\""),
        "{out}"
    );
    assert!(!out.contains("xxxxxxxxxxxxxxxx") && !out.contains("forged"), "{out}");
}
