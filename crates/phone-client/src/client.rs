//! `PhoneClient`: what a service calls.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use phone_core::{
    AppId, Envelope, Error, KeyProblem, KeyRole, OpenData, ParseOptions, PhoneNumber, RunData, SignType,
    parse_open_data_with, parse_plaintext_with, parse_run_data_with,
};
use phone_crypto::{AppKeys, Backend, CryptoProvider, KeyFingerprint, KeyPool, Opened, PlaintextReader, PoolStats};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::field::Empty;

use crate::material::AppKeyMaterial;
use crate::provider::{KeyProvider, SharedKeyProvider};
use crate::provider_error::ProviderError;

pub use crate::cache_policy::DEFAULT_CAPACITY;

/// The default time after which an app's prepared keys that no request used are dropped.
pub const DEFAULT_IDLE_EXPIRY: Duration = Duration::from_secs(3600);

/// Verifies and decrypts envelopes for any number of apps, with keys from a
/// [`KeyProvider`]. Cheap to clone, `Send + Sync`: build one and share it across the server.
///
/// Prepared keys are cached by the fingerprint of the material they came from, in a bounded
/// cache (capacity [`DEFAULT_CAPACITY`] apps, idle expiry [`DEFAULT_IDLE_EXPIRY`]): apps with
/// the same keys share one entry, a stream of app ids cannot grow memory past the capacity,
/// and one [`KeyPool`] shares each prepared key between all apps holding it (the merchants of
/// an ISV hold one prepared ISV key).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use phone_client::{AppKeyMaterial, PhoneClient, StaticKeys};
/// use phone_client::Backend;
/// let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/");
/// let material = AppKeyMaterial::new()
///     .with_alipay_public_key(&std::fs::read_to_string(format!("{data}alipay_public_key.txt"))?)?
///     .with_aes_key(&std::fs::read_to_string(format!("{data}aes_key.txt"))?)?;
/// let client = PhoneClient::builder()
///     .keys(StaticKeys::new().app("2021001234567890", material))
///     .backend(Backend::default())
///     .build()?;
/// let body = std::fs::read_to_string(format!("{data}envelope.json"))?;
/// let phone = client.decrypt_phone("2021001234567890", &body).await?;
/// assert_eq!(phone.to_string(), "138****8000");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PhoneClient {
    inner: Arc<Inner>,
}

/// What identifies a prepared key set: the app's material's fingerprint, or in ISV mode that
/// of the app's and the ISV's together.
type PreparedId = KeyFingerprint;

struct Inner {
    provider: SharedKeyProvider,
    pool: KeyPool,
    options: Arc<ParseOptions>,
    sign_types: Option<Vec<SignType>>,
    reload_cooldown: Duration,
    /// quick_cache here: this map holds one entry per distinct material (per merchant of an
    /// ISV), so its per-entry cost (about 100 bytes against moka's 370) is the SDK's memory
    /// per app; idle entries are refused on access (`idle_expiry`) and evicted by capacity.
    prepared: quick_cache::sync::Cache<PreparedId, Arc<Prepared>>,
    idle_expiry: Duration,
    started: std::time::Instant,
    last_reload: Cache<AppId, ()>,
    #[cfg(feature = "metrics")]
    metrics_app_id_label: bool,
}

/// A prepared key set and when a request last used it (seconds since the client started),
/// in one allocation: this is the client's memory per distinct app.
struct Prepared {
    keys: AppKeys,
    last_used: std::sync::atomic::AtomicU32,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneClient")
            .field("provider", &self.provider)
            .field("pool", &self.pool)
            .field("options", &self.options)
            .field("reload_cooldown", &self.reload_cooldown)
            .field("prepared", &self.prepared.len())
            .finish()
    }
}

/// Builds a [`PhoneClient`].
#[derive(Debug)]
pub struct PhoneClientBuilder {
    provider: Option<SharedKeyProvider>,
    backend: Arc<CryptoProvider>,
    options: ParseOptions,
    sign_types: Option<Vec<SignType>>,
    reload_cooldown: Duration,
    capacity: u64,
    idle_expiry: Duration,
    cache: CacheChoice,
    #[cfg(feature = "metrics")]
    metrics_app_id_label: bool,
}

/// Which key cache the builder puts in front of the provider.
#[derive(Debug, Clone, Copy)]
enum CacheChoice {
    /// The one the provider asks for ([`KeyProvider::cache_policy`]).
    AsAsked,
    Policy(crate::cache_policy::KeyCache),
    Off,
}

impl Default for PhoneClientBuilder {
    fn default() -> Self {
        Self {
            provider: None,
            backend: Backend::default().crypto_provider(),
            options: ParseOptions::default(),
            sign_types: None,
            reload_cooldown: Duration::from_secs(30),
            capacity: DEFAULT_CAPACITY,
            idle_expiry: DEFAULT_IDLE_EXPIRY,
            cache: CacheChoice::AsAsked,
            #[cfg(feature = "metrics")]
            metrics_app_id_label: false,
        }
    }
}

impl PhoneClientBuilder {
    /// Where keys come from.
    pub fn keys(mut self, provider: impl KeyProvider + 'static) -> Self {
        self.provider = Some(Arc::new(provider));
        self
    }

    /// Where keys come from, as a shared handle.
    pub fn shared_keys(mut self, provider: SharedKeyProvider) -> Self {
        self.provider = Some(provider);
        self
    }

    /// A compiled backend (default: [`Backend::default`]).
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend.crypto_provider();
        self
    }

    /// Any backend implementation.
    pub fn crypto_provider(mut self, backend: Arc<CryptoProvider>) -> Self {
        self.backend = backend;
        self
    }

    /// Every envelope limit (sizes, nesting depth, unsigned envelopes): the one place limits
    /// are set.
    pub fn options(mut self, options: ParseOptions) -> Self {
        self.options = options;
        self
    }

    /// Pins the sign types every app accepts unless its own material pins others (e.g. only
    /// `RSA2`: a downgraded `RSA` envelope is `unsupported_sign_type` even if it would verify).
    pub fn accept_sign_types(mut self, types: &[SignType]) -> Self {
        self.sign_types = Some(types.to_vec());
        self
    }

    /// The shortest time between two forced reloads of one app's keys after a failed
    /// signature (default 30 s), so that forged payloads cannot hammer the key store.
    pub fn reload_cooldown(mut self, cooldown: Duration) -> Self {
        self.reload_cooldown = cooldown;
        self
    }

    /// How many distinct prepared key sets (and reload cooldowns) are kept (default
    /// 100,000); the least recently used go first.
    pub fn capacity(mut self, apps: u64) -> Self {
        self.capacity = apps;
        self
    }

    /// Puts the key cache in front of the provider with `policy`, whatever provider it is (a
    /// remote store of your own, a chain, one that asked for no cache): one load per app
    /// shared by concurrent callers, a load timeout, refresh ahead of expiry, expired keys
    /// served while the store fails, a bounded number of app ids, entries dropped when the
    /// provider reports a change ([`KeyProvider::subscribe`]).
    ///
    /// Without this call the client caches as the provider asks
    /// ([`KeyProvider::cache_policy`]): `PgKeys` with the ttl, staleness and capacity set on
    /// its builder, a provider of your own with [`KeyCache::default`](crate::KeyCache::default), the
    /// in-memory providers (`StaticKeys`, `EnvKeys`, `FileKeys`) not at all, a
    /// [`ChainKeys`](crate::ChainKeys) not at all either (it caches each member as that member
    /// asks). Given a chain, this cache comes on top of its members' caches and `policy` does
    /// not reach them: for a chain, set the policy on its members (e.g. `PgKeysBuilder::ttl`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use phone_client::{KeyCache, PhoneClient, StaticKeys};
    /// let client = PhoneClient::builder()
    ///     .keys(StaticKeys::new())
    ///     .cache(KeyCache::default().ttl(Duration::from_secs(60)))
    ///     .build()?;
    /// # Ok::<(), phone_client::Error>(())
    /// ```
    pub fn cache(mut self, policy: crate::cache_policy::KeyCache) -> Self {
        self.cache = CacheChoice::Policy(policy);
        self
    }

    /// No key cache in front of the provider, whatever it asks: every request asks the
    /// provider (for a provider that caches in its own way). A [`ChainKeys`](crate::ChainKeys)
    /// keeps the caches it put in front of its members (they are part of the chain).
    ///
    /// ```
    /// use phone_client::{PhoneClient, StaticKeys};
    /// let client = PhoneClient::builder().keys(StaticKeys::new()).no_cache().build()?;
    /// # Ok::<(), phone_client::Error>(())
    /// ```
    pub fn no_cache(mut self) -> Self {
        self.cache = CacheChoice::Off;
        self
    }

    /// How long prepared keys no request used are kept (default one hour).
    pub fn idle_expiry(mut self, idle: Duration) -> Self {
        self.idle_expiry = idle;
        self
    }

    /// Whether the request metrics carry an `app_id` label (default: no). Each app id becomes
    /// a series of its own, so turn it on for a service with a known, small set of apps; app
    /// ids the key provider has no keys for are labelled `other` (see [`crate::metrics`]).
    ///
    /// ```
    /// use phone_client::{AppKeyMaterial, PhoneClient, StaticKeys};
    /// let client = PhoneClient::builder()
    ///     .keys(StaticKeys::new().app("2021001234567890", AppKeyMaterial::new()))
    ///     .metrics_app_id_label(true)
    ///     .build()?;
    /// # Ok::<(), phone_client::Error>(())
    /// ```
    #[cfg(feature = "metrics")]
    #[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
    pub fn metrics_app_id_label(mut self, on: bool) -> Self {
        self.metrics_app_id_label = on;
        self
    }

    /// Builds the client; fails without a key provider.
    pub fn build(self) -> Result<PhoneClient, Error> {
        // A setup mistake (500), not an outage (503): retrying does not help.
        let provider = self.provider.ok_or_else(|| {
            Error::from(ProviderError::invalid_configuration(
                "no key provider was configured (PhoneClientBuilder::keys)",
            ))
        })?;
        let policy = match self.cache {
            CacheChoice::AsAsked => provider.cache_policy(),
            CacheChoice::Policy(policy) => Some(policy),
            CacheChoice::Off => None,
        };
        let provider: SharedKeyProvider = match policy {
            Some(policy) => Arc::new(crate::cache::CachingKeys::with_policy(provider, policy)),
            None => provider,
        };
        Ok(PhoneClient {
            inner: Arc::new(Inner {
                provider,
                pool: KeyPool::with_provider(self.backend),
                options: Arc::new(self.options),
                sign_types: self.sign_types,
                reload_cooldown: self.reload_cooldown,
                prepared: quick_cache::sync::Cache::new(usize::try_from(self.capacity).unwrap_or(usize::MAX)),
                idle_expiry: self.idle_expiry,
                started: std::time::Instant::now(),
                last_reload: Cache::builder()
                    .max_capacity(self.capacity)
                    .time_to_live(self.reload_cooldown.max(Duration::from_millis(1)))
                    .build(),
                #[cfg(feature = "metrics")]
                metrics_app_id_label: self.metrics_app_id_label,
            }),
        })
    }
}

/// Counts of what a [`PhoneClient`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientStats {
    /// Prepared key sets cached (one per distinct material, not per app id).
    pub prepared_sets: u64,
    /// App ids in a reload cooldown.
    pub reload_cooldowns: u64,
    /// The shared prepared keys.
    pub pool: PoolStats,
}

impl PhoneClient {
    /// Starts a builder.
    pub fn builder() -> PhoneClientBuilder {
        PhoneClientBuilder::default()
    }

    /// The backend's name.
    pub fn backend_name(&self) -> &'static str {
        self.inner.pool.provider().name()
    }

    /// The key provider.
    pub fn provider(&self) -> &SharedKeyProvider {
        &self.inner.provider
    }

    /// What the client holds now (after pending cache maintenance).
    pub fn stats(&self) -> ClientStats {
        self.inner.last_reload.run_pending_tasks();
        ClientStats {
            prepared_sets: self.inner.prepared.len() as u64,
            reload_cooldowns: self.inner.last_reload.entry_count(),
            pool: self.inner.pool.stats(),
        }
    }

    /// The phone number in the envelope `body` posted for `app_id`.
    pub async fn decrypt_phone(&self, app_id: &str, body: &str) -> Result<PhoneNumber, Error> {
        self.open(app_id, body).await.map(|o| o.response.phone)
    }

    /// Opens the envelope: Alipay's answer plus which configured keys matched.
    ///
    /// Records a `tracing` span `alipay_phone` with `app_id`, `backend`, `outcome` (`ok` or the
    /// error kind) and `duration_us`; never a key, a number or the ciphertext. With the
    /// `metrics` feature, also counts the outcome and records the duration
    /// (`phone_client::metrics`).
    pub async fn open(&self, app_id: &str, body: &str) -> Result<Opened, Error> {
        self.open_as(app_id, body, OpenDataKind::Phone, parse_plaintext_with)
            .await
    }

    /// `my.getRunData`'s step count and date in the envelope `body` posted for `app_id` (the
    /// count masked when printed). The same keys, checks, span and metrics as
    /// [`PhoneClient::open`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use phone_client::{AppKeyMaterial, PhoneClient, StaticKeys};
    /// let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/");
    /// let material = AppKeyMaterial::new()
    ///     .with_alipay_public_key(&std::fs::read_to_string(format!("{data}alipay_public_key.txt"))?)?
    ///     .with_aes_key(&std::fs::read_to_string(format!("{data}aes_key.txt"))?)?;
    /// let client = PhoneClient::builder().keys(StaticKeys::new().app("2021001234567890", material)).build()?;
    /// // A phone envelope carries no step count.
    /// let body = std::fs::read_to_string(format!("{data}envelope.json"))?;
    /// let err = client.decrypt_run_data("2021001234567890", &body).await.unwrap_err();
    /// assert_eq!(err.kind(), "malformed_plaintext");
    /// # Ok(()) }
    /// ```
    pub async fn decrypt_run_data(&self, app_id: &str, body: &str) -> Result<RunData, Error> {
        self.open_run_data(app_id, body).await.map(|o| o.response)
    }

    /// [`PhoneClient::decrypt_run_data`] with which keys matched and the shape the body came in.
    pub async fn open_run_data(&self, app_id: &str, body: &str) -> Result<Opened<RunData>, Error> {
        self.open_as(app_id, body, OpenDataKind::Run, parse_run_data_with).await
    }

    /// Any open data in the envelope `body` posted for `app_id`, read as the caller's `T` (or a
    /// `serde_json::Map`) after verification, decryption and the Alipay code check: the next
    /// API Alipay sends this way needs no new release.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use phone_client::{AppKeyMaterial, PhoneClient, StaticKeys};
    /// let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/");
    /// let material = AppKeyMaterial::new()
    ///     .with_alipay_public_key(&std::fs::read_to_string(format!("{data}alipay_public_key.txt"))?)?
    ///     .with_aes_key(&std::fs::read_to_string(format!("{data}aes_key.txt"))?)?;
    /// let client = PhoneClient::builder().keys(StaticKeys::new().app("2021001234567890", material)).build()?;
    /// let body = std::fs::read_to_string(format!("{data}envelope.json"))?;
    /// #[derive(serde::Deserialize)]
    /// struct Mine { msg: String }
    /// let got = client.decrypt_open_data::<Mine>("2021001234567890", &body).await?;
    /// assert_eq!(got.data.msg, "Success");
    /// # Ok(()) }
    /// ```
    pub async fn decrypt_open_data<T: DeserializeOwned>(&self, app_id: &str, body: &str) -> Result<OpenData<T>, Error> {
        self.open_data(app_id, body).await.map(|o| o.response)
    }

    /// [`PhoneClient::decrypt_open_data`] with which keys matched and the shape the body came in.
    pub async fn open_data<T: DeserializeOwned>(&self, app_id: &str, body: &str) -> Result<Opened<OpenData<T>>, Error> {
        self.open_as(app_id, body, OpenDataKind::Any, parse_open_data_with::<T>)
            .await
    }

    async fn open_as<T>(
        &self,
        app_id: &str,
        body: &str,
        data: OpenDataKind,
        read: PlaintextReader<T>,
    ) -> Result<Opened<T>, Error> {
        let span = tracing::info_span!(
            "alipay_phone",
            app_id = crate::provider::loggable_app_id(app_id),
            backend = self.backend_name(),
            data = data.as_str(),
            shape = Empty,
            outcome = Empty,
            duration_us = Empty
        );
        let start = Instant::now();
        let mut keys_found = false;
        let mut shape = None;
        let result = tracing::Instrument::instrument(
            self.open_inner(app_id, body, read, &mut keys_found, &mut shape),
            span.clone(),
        )
        .await;
        let outcome = result.as_ref().map_or_else(|e| e.kind(), |_| "ok");
        let elapsed = start.elapsed();
        let micros = elapsed.as_micros() as u64;
        span.record("outcome", outcome);
        span.record("duration_us", micros);
        if let Some(shape) = shape {
            span.record("shape", shape.as_str());
        }
        span.in_scope(|| tracing::debug!(outcome, duration_us = micros, "decrypt"));
        #[cfg(feature = "metrics")]
        {
            self.record_metrics(app_id, keys_found, outcome, elapsed);
            crate::metrics::shape(data.as_str(), shape, result.as_ref().err().and_then(Error::mistake));
            if let Err(e) = &result {
                crate::metrics::key_error(e);
            }
        }
        #[cfg(not(feature = "metrics"))]
        let _ = keys_found;
        result
    }

    /// Counts one request that never reached [`PhoneClient::open`] because the HTTP layer in
    /// front of it refused it (no token, a body over its limit, not UTF-8, a missing app id, a
    /// timeout), so that `alipay_phone_requests_total` still sees every request: `outcome` is
    /// counted and `elapsed` (since the request arrived) recorded as its duration, exactly as
    /// `open` records its own (see [`crate::metrics`]). Do not call it for a request that went
    /// through `open`: that one is counted already.
    ///
    /// `outcome` becomes a label value: use a contract kind ([`Error::kind`], e.g.
    /// `malformed_envelope`, `payload_too_large`) where one fits, or a short fixed word of your
    /// own (`unauthorized`, `timeout`), never text from the request. The `app_id` label, when
    /// turned on, is `other`: no keys were looked up for the request.
    ///
    /// ```
    /// use std::time::Instant;
    /// use phone_client::{AppKeyMaterial, PhoneClient, StaticKeys};
    ///
    /// let client = PhoneClient::builder()
    ///     .keys(StaticKeys::new().app("2021001234567890", AppKeyMaterial::new()))
    ///     .build()?;
    /// let start = Instant::now();
    /// // ... the request had no valid bearer token: answered 401 without opening it ...
    /// client.record_rejected("unauthorized", start.elapsed());
    /// # Ok::<(), phone_client::Error>(())
    /// ```
    #[cfg(feature = "metrics")]
    #[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
    pub fn record_rejected(&self, outcome: &'static str, elapsed: Duration) {
        self.record_metrics("", false, outcome, elapsed);
    }

    #[cfg(feature = "metrics")]
    fn record_metrics(&self, app_id: &str, keys_found: bool, outcome: &'static str, elapsed: Duration) {
        // A made-up app id must not become a series: only ids the provider had keys for are
        // (and those are AppIds: checked before any provider was asked).
        let label = self.inner.metrics_app_id_label.then(|| {
            if keys_found {
                app_id.to_owned()
            } else {
                crate::metrics::OTHER_APP_ID.to_owned()
            }
        });
        crate::metrics::request(outcome, self.backend_name(), label, elapsed.as_secs_f64());
    }

    async fn open_inner<T>(
        &self,
        app_id: &str,
        body: &str,
        read: PlaintextReader<T>,
        keys_found: &mut bool,
        shape: &mut Option<phone_core::Shape>,
    ) -> Result<Opened<T>, Error> {
        // The envelope is checked before keys are looked up: garbage never reaches the store.
        let env = Envelope::parse(body, &self.inner.options)?;
        *shape = Some(env.shape());
        // Where the request's app id enters: from here on it is an AppId, safe to look up, log
        // and label. One that is not is unknown to every provider, as it always was.
        let app_id = &checked(app_id)?;
        let prepared = self.prepared(app_id, false, keys_found).await?;
        match prepared.keys.open_parsed_as(&env, read) {
            Err(Error::BadSignature) if self.may_reload(app_id) => {
                // The keys may have been rotated since they were cached: reload once and retry.
                let fresh = self.prepared(app_id, true, &mut true).await?;
                if Arc::ptr_eq(&fresh, &prepared) {
                    return Err(Error::BadSignature);
                }
                tracing::info!(app_id = app_id.as_str(), "keys reloaded after a failed signature");
                fresh.keys.open_parsed_as(&env, read)
            }
            other => other,
        }
    }

    fn may_reload(&self, app_id: &AppId) -> bool {
        // Bounded like every per-app-id map: an entry lives for the cooldown at most.
        let entry = self.inner.last_reload.entry_by_ref(app_id).or_insert(());
        entry.is_fresh()
    }

    async fn material(&self, app_id: &AppId, force: bool) -> Result<Arc<AppKeyMaterial>, Error> {
        let p = &self.inner.provider;
        let found = if force {
            p.reload(app_id).await?
        } else {
            p.load(app_id).await?
        };
        found.ok_or_else(|| unknown(app_id))
    }

    /// The app's prepared keys; `found` is set once the provider has material for `app_id`
    /// (even if it then fails to prepare), which is what lets the app id into a metric label.
    async fn prepared(&self, app_id: &AppId, force: bool, found: &mut bool) -> Result<Arc<Prepared>, Error> {
        let own = self.material(app_id, force).await?;
        *found = true;
        let isv = match own.verify_with_app() {
            Some(isv_id) => Some(self.material(&checked(isv_id)?, force).await?),
            None => None,
        };
        let id = match &isv {
            None => own.fingerprint(),
            Some(isv) => {
                KeyFingerprint::of_parts([own.fingerprint().as_bytes().as_slice(), isv.fingerprint().as_bytes()])
            }
        };
        let now = self.inner.started.elapsed().as_secs() as u32;
        if let Some(p) = self.inner.prepared.get(&id) {
            let last = p.last_used.swap(now, std::sync::atomic::Ordering::Relaxed);
            if u64::from(now.saturating_sub(last)) <= self.inner.idle_expiry.as_secs() {
                return Ok(p);
            }
        }
        let mut builder = AppKeys::builder()
            .shared_options(self.inner.options.clone())
            .material(own);
        if let Some(isv) = isv {
            builder = builder.verify_with_material(isv);
        }
        if let Some(types) = &self.inner.sign_types {
            builder = builder.default_sign_types(types);
        }
        let prepared = Arc::new(Prepared {
            keys: builder.build_in(&self.inner.pool)?,
            last_used: now.into(),
        });
        tracing::debug!(app_id = app_id.as_str(), backend = self.backend_name(), "keys prepared");
        self.inner.prepared.insert(id, prepared.clone());
        Ok(prepared)
    }
}

/// Which open data a call reads: the phone (`my.getPhoneNumber`), run data (`my.getRunData`)
/// or any open data. The `data` field of the span, the label of the shape counters, and what
/// `phone_client::axum::open_and_answer` opens.
///
/// ```
/// assert_eq!(phone_client::OpenDataKind::Run.as_str(), "run");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenDataKind {
    /// [`PhoneClient::open`].
    Phone,
    /// [`PhoneClient::open_run_data`].
    Run,
    /// [`PhoneClient::open_data`].
    Any,
}

impl OpenDataKind {
    /// The label of logs and metrics: `phone`, `run`, `any`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Run => "run",
            Self::Any => "any",
        }
    }
}

/// An app id as it may appear in an error: it comes from the request, so it is truncated.
fn echo(app_id: &str) -> String {
    app_id.chars().take(64).collect()
}

/// No provider knows the app (404).
fn unknown(app_id: &str) -> Error {
    Error::key(KeyRole::App, KeyProblem::UnknownApp(echo(app_id)))
}

/// The text as an [`AppId`]; one that is not is an app nobody has keys for.
fn checked(app_id: &str) -> Result<AppId, Error> {
    AppId::parse(app_id).map_err(|_| unknown(app_id))
}
