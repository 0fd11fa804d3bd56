//! Requests the axum router refuses before `PhoneClient::open` (a body that is not UTF-8, a
//! missing app id) are counted by the `metrics` feature, once each, like those `open` sees.
//! Read back through a recorder local to each test's thread: the tests run on current-thread
//! runtimes, so the server task records there (the HTTP client runs on a blocking thread and
//! records nothing).
#![cfg(all(feature = "axum", feature = "metrics"))]
#![allow(clippy::unwrap_used, missing_docs)]

mod axum_support;
mod common;

use std::collections::BTreeMap;

use axum_support::{APP, builder, post, start};
use common::demo;
use metrics_util::MetricKind;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use phone_client::PhoneClient;
use phone_client::metrics::{REQUEST_DURATION_SECONDS, REQUESTS_TOTAL};

/// The requests counted and the durations recorded since the last call, as
/// `name{labels}` → count (a snapshot resets the counters).
fn taken(snapshotter: &Snapshotter) -> BTreeMap<String, u64> {
    let mut seen = BTreeMap::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let mut labels: Vec<_> = key
            .key()
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        labels.sort();
        let name = format!("{}{{{}}}", key.key().name(), labels.join(","));
        let n = match (key.kind(), value) {
            (MetricKind::Counter, DebugValue::Counter(n)) => n,
            (MetricKind::Histogram, DebugValue::Histogram(v)) => v.len() as u64,
            _ => continue,
        };
        if n > 0 && (name.starts_with(REQUESTS_TOTAL) || name.starts_with(REQUEST_DURATION_SECONDS)) {
            seen.insert(name, n);
        }
    }
    seen
}

fn expect(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn duration(client: &PhoneClient) -> String {
    format!("{REQUEST_DURATION_SECONDS}{{backend={}}}", client.backend_name())
}

#[tokio::test(flavor = "current_thread")]
async fn requests_refused_before_open_are_counted_once() {
    let recorder = DebuggingRecorder::new();
    let _local = metrics::set_default_local_recorder(&recorder);
    let snapshotter = recorder.snapshotter();
    let client = builder().build().unwrap();
    let hist = duration(&client);
    let addr = start(client).await;
    let path = format!("/alipay/phone?app_id={APP}");

    // A body that is not UTF-8.
    assert_eq!(post(addr, &path, vec![b'{', 0xff, 0xfe, b'}']).await, 400);
    assert_eq!(
        taken(&snapshotter),
        expect(&[
            ("alipay_phone_requests_total{outcome=malformed_envelope}", 1),
            (&hist, 1)
        ])
    );
    // No app id, or an empty one.
    for missing in ["/alipay/phone", "/alipay/phone?app_id=", "/alipay/phone?other=1"] {
        assert_eq!(post(addr, missing, demo("envelope.json").into_bytes()).await, 400);
        assert_eq!(
            taken(&snapshotter),
            expect(&[
                ("alipay_phone_requests_total{outcome=malformed_envelope}", 1),
                (&hist, 1)
            ]),
            "{missing}"
        );
    }
    // Requests that reach `open` are still counted once, by `open` alone.
    assert_eq!(post(addr, &path, b"not json".to_vec()).await, 400);
    assert_eq!(post(addr, &path, demo("envelope.json").into_bytes()).await, 200);
    assert_eq!(
        taken(&snapshotter),
        expect(&[
            ("alipay_phone_requests_total{outcome=malformed_envelope}", 1),
            ("alipay_phone_requests_total{outcome=ok}", 1),
            (&hist, 2)
        ])
    );
}

#[tokio::test(flavor = "current_thread")]
async fn refused_requests_are_labelled_other_when_app_ids_are_labelled() {
    let recorder = DebuggingRecorder::new();
    let _local = metrics::set_default_local_recorder(&recorder);
    let snapshotter = recorder.snapshotter();
    let client = builder().metrics_app_id_label(true).build().unwrap();
    let hist = format!(
        "{REQUEST_DURATION_SECONDS}{{app_id=other,backend={}}}",
        client.backend_name()
    );
    let addr = start(client).await;

    assert_eq!(
        post(addr, &format!("/alipay/phone?app_id={APP}"), vec![0xc3]).await,
        400
    );
    assert_eq!(post(addr, "/alipay/phone", Vec::new()).await, 400);
    assert_eq!(
        taken(&snapshotter),
        expect(&[
            (
                "alipay_phone_requests_total{app_id=other,outcome=malformed_envelope}",
                2
            ),
            (&hist, 2)
        ])
    );
}

#[test]
fn record_rejected_counts_what_an_http_layer_refused() {
    let recorder = DebuggingRecorder::new();
    let _local = metrics::set_default_local_recorder(&recorder);
    let snapshotter = recorder.snapshotter();
    let client = builder().build().unwrap();
    client.record_rejected("unauthorized", std::time::Duration::from_millis(1));
    client.record_rejected("payload_too_large", std::time::Duration::ZERO);
    assert_eq!(
        taken(&snapshotter),
        expect(&[
            ("alipay_phone_requests_total{outcome=payload_too_large}", 1),
            ("alipay_phone_requests_total{outcome=unauthorized}", 1),
            (&duration(&client), 2)
        ])
    );
}
