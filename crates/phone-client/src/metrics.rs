//! Metrics (feature `metrics`) through the [`metrics`](https://docs.rs/metrics) facade: install
//! any recorder (Prometheus, StatsD, OpenTelemetry, ...) and [`PhoneClient`] and
//! [`CachingKeys`] report to it. Without the feature none of this is compiled in.
//!
//! | name | kind | labels | what |
//! | --- | --- | --- | --- |
//! | `alipay_phone_requests_total` | counter | `outcome` (`ok` or the error kind: `bad_signature`, `malformed_envelope`, ...); `app_id` only on request | one per [`PhoneClient::open`] / [`decrypt_phone`](crate::PhoneClient::decrypt_phone) |
//! | `alipay_phone_request_duration_seconds` | histogram | `backend` (`ring`, `openssl`, `rustcrypto`, `aws-lc-rs`, ...); `app_id` only on request | how long each of those calls took, key loading included |
//! | `alipay_phone_shapes_total` | counter | `shape` (`envelope`, `event_detail`, `encrypt_content`), `data` (`phone`, `run`, `any`) | bodies the envelope parser read, whatever the outcome after it: which shapes the front ends post |
//! | `alipay_phone_misposted_total` | counter | `mistake` (`posted_as_json_string`, `envelope_in_response`, `envelope_in_field`, `form_encoded`, `ambiguous_content`, `encrypt_content_twice`), `data` | bodies refused as a known front-end mistake ([`Mistake::check_id`](crate::phone_core::Mistake::check_id)) |
//! | `alipay_phone_key_errors_total` | counter | `class`: `unknown_app` (404: no provider knows the app id), `unavailable` (503: the key store failed or timed out), `invalid` (500: a known app's keys cannot be used) | `key_error` outcomes told apart, so that made-up app ids do not look like an outage |
//! | `alipay_phone_key_cache_entries` | gauge | none | app ids held by every [`CachingKeys`] (answers "not mine" included) |
//! | `alipay_phone_key_cache_hits_total` | counter | none | loads answered from the cache with unexpired keys |
//! | `alipay_phone_key_cache_misses_total` | counter | none | loads that found nothing usable and waited for the key store |
//! | `alipay_phone_key_cache_reloads_total` | counter | `reason`: `refresh` (ahead of expiry, in the background) or `forced` (after a failed signature) | key store calls that were not misses |
//! | `alipay_phone_key_cache_stale_serves_total` | counter | none | expired keys handed out because the key store failed (a miss that ends so counts here too) |
//!
//! The error kinds are those of [`ErrorKind`](crate::ErrorKind), the contract's strings.
//!
//! There is no `app_id` label unless [`PhoneClientBuilder::metrics_app_id_label`] asks for it:
//! each app id would be a series of its own. With it, the label holds the app id only when the
//! key provider had keys for it in that request, and `other` otherwise (no keys, or a request
//! that failed before its keys were looked up, such as a malformed envelope), so app ids made
//! up by a caller add no series; a provider that serves every app id (`StaticKeys::any_app`,
//! `ALIPAY_PUBLIC_KEY`) has keys for any id a caller sends, so keep it off there.
//!
//! No label ever holds a key, a phone number or a payload.
//!
//! ```
//! use phone_client::{AppKeyMaterial, PhoneClient, StaticKeys};
//!
//! // Once, after installing your recorder: names, units and help texts for the exporter.
//! phone_client::metrics::describe();
//! let client = PhoneClient::builder()
//!     .keys(StaticKeys::new().app("2021001234567890", AppKeyMaterial::new()))
//!     .metrics_app_id_label(true) // a few known apps: per-app series are affordable
//!     .build()?;
//! # Ok::<(), phone_client::Error>(())
//! ```
//!
//! [`PhoneClient`]: crate::PhoneClient
//! [`PhoneClient::open`]: crate::PhoneClient::open
//! [`CachingKeys`]: crate::CachingKeys
//! [`PhoneClientBuilder::metrics_app_id_label`]: crate::PhoneClientBuilder::metrics_app_id_label

use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};

/// Requests by outcome: a counter with label `outcome` (and `app_id` when asked for).
pub const REQUESTS_TOTAL: &str = "alipay_phone_requests_total";
/// Request durations in seconds: a histogram with label `backend` (and `app_id` when asked for).
pub const REQUEST_DURATION_SECONDS: &str = "alipay_phone_request_duration_seconds";
/// Bodies the parser read, by shape and open data: a counter with labels `shape` and `data`.
pub const SHAPES_TOTAL: &str = "alipay_phone_shapes_total";
/// Bodies refused as a known front-end mistake: a counter with labels `mistake` and `data`.
pub const MISPOSTED_TOTAL: &str = "alipay_phone_misposted_total";
/// `key_error` outcomes by class: a counter with label `class` (`unknown_app`, `unavailable`,
/// `invalid`).
pub const KEY_ERRORS_TOTAL: &str = "alipay_phone_key_errors_total";
/// App ids held by the key caches: a gauge.
pub const KEY_CACHE_ENTRIES: &str = "alipay_phone_key_cache_entries";
/// Key cache loads answered with unexpired cached keys: a counter.
pub const KEY_CACHE_HITS_TOTAL: &str = "alipay_phone_key_cache_hits_total";
/// Key cache loads that waited for the key store: a counter.
pub const KEY_CACHE_MISSES_TOTAL: &str = "alipay_phone_key_cache_misses_total";
/// Key store calls that were not misses: a counter with label `reason` (`refresh`, `forced`).
pub const KEY_CACHE_RELOADS_TOTAL: &str = "alipay_phone_key_cache_reloads_total";
/// Expired keys served while the key store failed: a counter.
pub const KEY_CACHE_STALE_SERVES_TOTAL: &str = "alipay_phone_key_cache_stale_serves_total";

/// Histogram buckets (seconds) that fit [`REQUEST_DURATION_SECONDS`]: a warm RSA2 request takes
/// tens of microseconds, a cold one waits for the key store (up to its load timeout, 5 s by
/// default).
///
/// ```
/// assert!(phone_client::metrics::DURATION_BUCKETS.windows(2).all(|w| w[0] < w[1]));
/// ```
pub const DURATION_BUCKETS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The value of the `app_id` label for requests whose app id was not matched to keys.
pub const OTHER_APP_ID: &str = "other";

/// Registers each metric's unit and help text with the installed recorder. Call it once after
/// installing the recorder (a recorder installed later has not seen it); recording works
/// without it.
///
/// ```
/// phone_client::metrics::describe(); // with no recorder installed: does nothing
/// ```
pub fn describe() {
    describe_counter!(
        REQUESTS_TOTAL,
        Unit::Count,
        "my.getPhoneNumber envelopes opened, by outcome (ok or the error kind)"
    );
    describe_histogram!(
        REQUEST_DURATION_SECONDS,
        Unit::Seconds,
        "Time to open one envelope, key loading included, by backend"
    );
    describe_counter!(
        SHAPES_TOTAL,
        Unit::Count,
        "Bodies the envelope parser read, by the shape they arrived in and the open data asked for"
    );
    describe_counter!(
        MISPOSTED_TOTAL,
        Unit::Count,
        "Bodies refused as a known front-end mistake (form-encoded, encoded twice, ...)"
    );
    describe_counter!(
        KEY_ERRORS_TOTAL,
        Unit::Count,
        "key_error outcomes: unknown_app (404), unavailable (503, the key store), invalid (500, a known app's keys)"
    );
    describe_gauge!(
        KEY_CACHE_ENTRIES,
        Unit::Count,
        "App ids held by the key caches (CachingKeys)"
    );
    describe_counter!(
        KEY_CACHE_HITS_TOTAL,
        Unit::Count,
        "Key cache loads answered with unexpired cached keys"
    );
    describe_counter!(
        KEY_CACHE_MISSES_TOTAL,
        Unit::Count,
        "Key cache loads that waited for the key store"
    );
    describe_counter!(
        KEY_CACHE_RELOADS_TOTAL,
        Unit::Count,
        "Key store calls ahead of expiry (reason=refresh) or after a failed signature (reason=forced)"
    );
    describe_counter!(
        KEY_CACHE_STALE_SERVES_TOTAL,
        Unit::Count,
        "Expired keys served because the key store failed"
    );
}

/// One request: its outcome counted, its duration recorded. `app_id` is `Some` only when the
/// user asked for the label.
pub(crate) fn request(outcome: &'static str, backend: &'static str, app_id: Option<String>, seconds: f64) {
    match app_id {
        None => {
            counter!(REQUESTS_TOTAL, "outcome" => outcome).increment(1);
            histogram!(REQUEST_DURATION_SECONDS, "backend" => backend).record(seconds);
        }
        Some(app_id) => {
            counter!(REQUESTS_TOTAL, "outcome" => outcome, "app_id" => app_id.clone()).increment(1);
            histogram!(REQUEST_DURATION_SECONDS, "backend" => backend, "app_id" => app_id).record(seconds);
        }
    }
}

/// The shape a body arrived in, or the mistake it was refused as (neither for other failures).
pub(crate) fn shape(data: &'static str, shape: Option<phone_core::Shape>, mistake: Option<&phone_core::Mistake>) {
    if let Some(shape) = shape {
        counter!(SHAPES_TOTAL, "shape" => shape.as_str(), "data" => data).increment(1);
    } else if let Some(mistake) = mistake {
        counter!(MISPOSTED_TOTAL, "mistake" => mistake.check_id(), "data" => data).increment(1);
    }
}

/// A `key_error` counted by its class.
pub(crate) fn key_error(e: &phone_core::Error) {
    let phone_core::Error::KeyError { problem, .. } = e else {
        return;
    };
    let class = match problem {
        phone_core::KeyProblem::UnknownApp(_) => "unknown_app",
        phone_core::KeyProblem::ProviderFailed(_) => "unavailable",
        _ => "invalid",
    };
    counter!(KEY_ERRORS_TOTAL, "class" => class).increment(1);
}

/// What a key cache did for one caller or in the background.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CacheEvent {
    Hit,
    Miss,
    Refresh,
    Forced,
    Stale,
}

pub(crate) fn cache(event: CacheEvent) {
    match event {
        CacheEvent::Hit => counter!(KEY_CACHE_HITS_TOTAL).increment(1),
        CacheEvent::Miss => counter!(KEY_CACHE_MISSES_TOTAL).increment(1),
        CacheEvent::Refresh => counter!(KEY_CACHE_RELOADS_TOTAL, "reason" => "refresh").increment(1),
        CacheEvent::Forced => counter!(KEY_CACHE_RELOADS_TOTAL, "reason" => "forced").increment(1),
        CacheEvent::Stale => counter!(KEY_CACHE_STALE_SERVES_TOTAL).increment(1),
    }
}

/// Entries come and go one at a time (never `set`), so several caches add up in one gauge.
pub(crate) fn cache_entries(delta: f64) {
    gauge!(KEY_CACHE_ENTRIES).increment(delta);
}

/// The handle [`prometheus`] returns: `render()` gives the Prometheus text.
#[cfg(feature = "prometheus")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
pub use metrics_exporter_prometheus::PrometheusHandle;

/// The process's Prometheus recorder (feature `prometheus`), installed on first call:
/// [`REQUEST_DURATION_SECONDS`] gets [`DURATION_BUCKETS`] (buckets aggregate across replicas,
/// the exporter's default summary does not), every metric is [`describe`]d, and a thread
/// drains histogram samples every 5 s so memory stays bounded between scrapes. Later calls
/// return the same handle. If another recorder is already installed, a warning is logged and
/// the handle renders nothing.
///
/// ```
/// let handle = phone_client::metrics::prometheus();
/// let text: String = handle.render(); // serve this at GET /metrics
/// # let _ = text;
/// ```
#[cfg(feature = "prometheus")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
pub fn prometheus() -> PrometheusHandle {
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
    static HANDLE: std::sync::OnceLock<PrometheusHandle> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION_SECONDS.into()), DURATION_BUCKETS);
            let handle = match builder.and_then(|b| b.install_recorder()) {
                Ok(handle) => handle,
                Err(e) => {
                    tracing::warn!(error = %e, "no metrics recorder installed; /metrics stays empty");
                    PrometheusBuilder::new().build_recorder().handle()
                }
            };
            describe();
            let upkeep = handle.clone();
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(5));
                    upkeep.run_upkeep();
                }
            });
            handle
        })
        .clone()
}
