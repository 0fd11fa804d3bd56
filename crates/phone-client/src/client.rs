//! `PhoneClient`: what a service calls.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use phone_core::{Envelope, Error, KeyProblem, ParseOptions, PhoneNumber};
use phone_crypto::{Backend, ContentCipher, CryptoBackend, Opened, SignatureVerifier, open_envelope};
use tokio::time::Instant;
use tracing::field::Empty;

use crate::material::AppKeyMaterial;
use crate::provider::{KeyProvider, SharedKeyProvider};

/// Verifies and decrypts envelopes for any number of apps, with keys from a
/// [`KeyProvider`]. Cheap to clone, `Send + Sync`: build one and share it across the server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use phone_client::{AppKeyMaterial, PhoneClient, StaticKeys};
/// use phone_crypto::Backend;
/// let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/");
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

#[derive(Debug)]
struct Inner {
    provider: SharedKeyProvider,
    backend: &'static dyn CryptoBackend,
    options: ParseOptions,
    reload_cooldown: Duration,
    prepared: RwLock<HashMap<String, Arc<Prepared>>>,
    last_reload: Mutex<HashMap<String, Instant>>,
}

/// One app's keys prepared on the backend, with the material they came from.
#[derive(Debug)]
struct Prepared {
    own: Arc<AppKeyMaterial>,
    isv: Option<Arc<AppKeyMaterial>>,
    verifiers: Vec<Box<dyn SignatureVerifier>>,
    ciphers: Vec<Box<dyn ContentCipher>>,
}

impl Prepared {
    fn built_from(&self, own: &Arc<AppKeyMaterial>, isv: &Option<Arc<AppKeyMaterial>>) -> bool {
        Arc::ptr_eq(&self.own, own)
            && match (&self.isv, isv) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
    }
}

/// Builds a [`PhoneClient`].
#[derive(Debug)]
pub struct PhoneClientBuilder {
    provider: Option<SharedKeyProvider>,
    backend: &'static dyn CryptoBackend,
    options: ParseOptions,
    reload_cooldown: Duration,
}

impl Default for PhoneClientBuilder {
    fn default() -> Self {
        Self {
            provider: None,
            backend: Backend::default().provider(),
            options: ParseOptions::default(),
            reload_cooldown: Duration::from_secs(30),
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
        self.backend = backend.provider();
        self
    }

    /// Any backend implementation.
    pub fn crypto_backend(mut self, backend: &'static dyn CryptoBackend) -> Self {
        self.backend = backend;
        self
    }

    /// The envelope size limit (default 64 KiB).
    pub fn max_envelope_bytes(mut self, limit: usize) -> Self {
        self.options.max_envelope_bytes = limit;
        self
    }

    /// Sets every envelope limit at once (sizes, nesting depth, unsigned envelopes).
    pub fn options(mut self, options: ParseOptions) -> Self {
        self.options = options;
        self
    }

    /// Accept unsigned envelopes (off by default).
    pub fn allow_unsigned(mut self, allow: bool) -> Self {
        self.options.allow_unsigned = allow;
        self
    }

    /// The shortest time between two forced reloads of one app's keys after a failed
    /// signature (default 30 s), so that forged payloads cannot hammer the key store.
    pub fn reload_cooldown(mut self, cooldown: Duration) -> Self {
        self.reload_cooldown = cooldown;
        self
    }

    /// Builds the client; fails without a key provider.
    pub fn build(self) -> Result<PhoneClient, Error> {
        let provider = self.provider.ok_or_else(|| {
            Error::key(
                phone_core::KeyRole::KeyProvider,
                KeyProblem::ProviderFailed("no key provider was configured (PhoneClientBuilder::keys)".into()),
            )
        })?;
        Ok(PhoneClient {
            inner: Arc::new(Inner {
                provider,
                backend: self.backend,
                options: self.options,
                reload_cooldown: self.reload_cooldown,
                prepared: RwLock::default(),
                last_reload: Mutex::default(),
            }),
        })
    }
}

impl PhoneClient {
    /// Starts a builder.
    pub fn builder() -> PhoneClientBuilder {
        PhoneClientBuilder::default()
    }

    /// The backend's name.
    pub fn backend_name(&self) -> &'static str {
        self.inner.backend.name()
    }

    /// The phone number in the envelope `body` posted for `app_id`.
    pub async fn decrypt_phone(&self, app_id: &str, body: &str) -> Result<PhoneNumber, Error> {
        self.open(app_id, body).await.map(|o| o.response.phone)
    }

    /// Opens the envelope: Alipay's answer plus which configured keys matched.
    ///
    /// Records a `tracing` span `alipay_phone` with `app_id`, `backend`, `outcome` (`ok` or the
    /// error kind) and `duration_us`; never a key, a number or the ciphertext.
    pub async fn open(&self, app_id: &str, body: &str) -> Result<Opened, Error> {
        let span = tracing::info_span!(
            "alipay_phone",
            app_id,
            backend = self.backend_name(),
            outcome = Empty,
            duration_us = Empty
        );
        let start = Instant::now();
        let result = tracing::Instrument::instrument(self.open_inner(app_id, body), span.clone()).await;
        let outcome = result.as_ref().map_or_else(|e| e.kind(), |_| "ok");
        let micros = start.elapsed().as_micros() as u64;
        span.record("outcome", outcome);
        span.record("duration_us", micros);
        span.in_scope(|| tracing::debug!(outcome, duration_us = micros, "decrypt"));
        result
    }

    async fn open_inner(&self, app_id: &str, body: &str) -> Result<Opened, Error> {
        let prepared = self.prepared(app_id, false).await?;
        let env = Envelope::parse(body, &self.inner.options)?;
        match open_with(&prepared, &env) {
            Err(Error::BadSignature) if self.may_reload(app_id) => {
                // The keys may have been rotated since they were cached: reload once and retry.
                let fresh = self.prepared(app_id, true).await?;
                if Arc::ptr_eq(&fresh, &prepared) {
                    return Err(Error::BadSignature);
                }
                tracing::info!(app_id, "keys reloaded after a failed signature");
                open_with(&fresh, &env)
            }
            other => other,
        }
    }

    fn may_reload(&self, app_id: &str) -> bool {
        let mut last = self.inner.last_reload.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match last.get(app_id) {
            Some(t) if now.duration_since(*t) < self.inner.reload_cooldown => false,
            _ => {
                last.insert(app_id.to_owned(), now);
                true
            }
        }
    }

    async fn material(&self, app_id: &str, force: bool) -> Result<Arc<AppKeyMaterial>, Error> {
        let p = &self.inner.provider;
        let found = if force {
            p.reload(app_id).await?
        } else {
            p.load(app_id).await?
        };
        found.ok_or_else(|| Error::key(phone_core::KeyRole::App, KeyProblem::UnknownApp(app_id.to_owned())))
    }

    async fn prepared(&self, app_id: &str, force: bool) -> Result<Arc<Prepared>, Error> {
        let own = self.material(app_id, force).await?;
        let isv = match &own.verify_with_app {
            Some(isv_id) => Some(self.material(isv_id, force).await?),
            None => None,
        };
        if let Some(p) = self
            .inner
            .prepared
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(app_id)
            && p.built_from(&own, &isv)
        {
            return Ok(p.clone());
        }
        let backend = self.inner.backend;
        let verify_from = isv.as_deref().unwrap_or(&own);
        let mut verifiers: Vec<_> = verify_from
            .verify_keys
            .iter()
            .map(|k| backend.prepare_verifier(k))
            .collect::<Result<_, _>>()?;
        for k in &verify_from.sm2_verify_keys {
            verifiers.push(backend.prepare_sm2_verifier(k)?);
        }
        let ciphers = own
            .aes_keys
            .iter()
            .map(|k| backend.prepare_cipher(k))
            .collect::<Result<_, _>>()?;
        let prepared = Arc::new(Prepared {
            own,
            isv,
            verifiers,
            ciphers,
        });
        tracing::debug!(app_id, backend = backend.name(), "keys prepared");
        self.inner
            .prepared
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(app_id.to_owned(), prepared.clone());
        Ok(prepared)
    }
}

fn open_with(p: &Prepared, env: &Envelope<'_>) -> Result<Opened, Error> {
    open_envelope(env, &p.verifiers, &p.ciphers)
}
