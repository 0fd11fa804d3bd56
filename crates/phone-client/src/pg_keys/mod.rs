//! Keys from a PostgreSQL table shared by every replica of a service.
//!
//! The driver is `tokio-postgres` rather than sqlx: this provider runs four fixed queries, so
//! sqlx's compile-time checking (a database or an offline cache at build time) and its macro
//! and runtime layers buy nothing, while tokio-postgres is a small, runtime-only dependency
//! whose `Connection` hands out LISTEN/NOTIFY messages (`poll_message`) on the very connection
//! that runs the queries.
//!
//! There is no pool crate either: loads are rare (every answer is cached, and changes are
//! pushed), and one tokio-postgres client pipelines concurrent queries, so one reconnecting
//! client for loads plus one connection for LISTEN and the periodic check is all a replica
//! holds open: two connections per replica, however many replicas.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use phone_core::{AppId, Error, KeyProblem, KeyRole};
use tokio_postgres::Config;

use crate::cache_policy::{KeyCache, KeyChanges};
use crate::material::AppKeyMaterial;
use crate::provider::KeyProvider;
use crate::provider_error::ProviderError;

mod backoff;
mod builder;
mod connection;
mod errors;
mod listen;
mod loader;
mod migrations;

use backoff::*;
pub use builder::PgKeysBuilder;
use connection::*;
use errors::*;
use listen::*;
use loader::*;

const READY_SQL: &str = "SELECT 1 FROM alipay_phone_keys LIMIT 1";

/// Keys from the PostgreSQL table `alipay_phone_keys` (feature `postgres`).
///
/// The table and its trigger are the migration in `crates/phone-client/migrations/`
/// ([`PgKeys::MIGRATIONS`], applied by `psql` or [`PgKeys::migrate`]):
///
/// ```sql
/// alipay_phone_keys(app_id text primary key,
///                   alipay_public_keys text[] not null default '{}',  -- current first
///                   aes_keys text[] not null default '{}',            -- current first
///                   verify_with text,            -- ISV mode: verify with this app's public keys
///                   updated_at timestamptz not null default now(),
///                   sign_types text[])           -- 0002: the pin, e.g. '{RSA2}'; NULL: none
/// ```
///
/// Keys are stored as pasted from the console, in any format [`AppKeyMaterial`] accepts;
/// every key of a row is used (rotation: the first is current, the others still verify or
/// decrypt). NULL or blank array elements are skipped.
///
/// - It is a plain loader: one indexed query per [`load`](KeyProvider::load). The client
///   puts its key cache in front of it ([`KeyProvider::cache_policy`]: `ttl` 5 minutes,
///   `max_stale` 1 hour, 100,000 app ids by default, set on the builder), so steady-state
///   requests never touch the database; a [`CachingKeys`](crate::CachingKeys) of your own
///   does the same outside a client. A load is one round trip, an app id nobody knows
///   included: the query is prepared once per connection (again after a schema change that
///   invalidates it).
/// - Changes reach every replica within a second: a background task LISTENs on channel
///   `alipay_phone_keys`, which the trigger notifies with the app id (with `*` after a
///   `TRUNCATE`: every app), and tells the caches in front of it ([`KeyProvider::subscribe`])
///   to drop that app's answer. As a fallback it compares a
///   one-row fingerprint of the table every `check_interval` (10 s by default) and, when it
///   moved, asks for the `updated_at` of the cached apps (1,000 ids per query, never the whole
///   table) and drops those whose `updated_at` differs from what their load read (or whose
///   row came or went); apps loaded since the previous check are compared even when the
///   fingerprint did not move. That check also runs at once after the LISTEN connection is
///   re-established (with backoff, 0.2 s to 5 s), since notifications may have been missed
///   meanwhile.
/// - The database down: cached apps keep working (up to `max_stale` past their `ttl`); a new
///   app id gets a `key_error` whose problem is [`KeyProblem::ProviderFailed`] ("the
///   PostgreSQL key store is unavailable", HTTP 503), and [`PgKeys::ready`] fails. The
///   database back: the next query reconnects; nothing needs restarting. After a failed
///   connect, new app ids get that error at once for 0.5 s rather than each trying again.
/// - A setup problem (no table, no SELECT right, columns of another type, a refused login) is
///   the same 503 and `ready()` fails too, but the message says what to fix ("the PostgreSQL
///   key store is not set up: ... GRANT SELECT ..."): retrying does not help.
/// - Messages never hold the driver's or the server's own words (they reach HTTP callers):
///   those are the error's [`source`](std::error::Error::source) and are logged at warn
///   (the same failure at most once a minute), with the URL but never its password.
/// - Every call (waiting for a connect, connecting and the query) is bounded by
///   `query_timeout` (3 s by default).
/// - A malformed key is that app's `key_error` with the key's own hint (e.g. an AES key of the
///   wrong length); other apps are unaffected. An unknown app id is "not mine" (`Ok(None)`),
///   so a [`ChainKeys`](crate::ChainKeys) moves on; an id that is no [`AppId`] (not 1 to 64
///   ASCII letters, digits, `_` or `-`) is refused by the client and never queried.
/// - Keys never appear in logs or `Debug`, and neither does the URL's password.
///
/// TLS is the caller's choice of connector ([`PgKeysBuilder::tls`]), used as the URL's
/// `sslmode` asks; plain TCP by default. [`PgKeysBuilder::require_tls`] makes TLS a must
/// (no plain-text fallback under `prefer`).
///
/// ```no_run
/// # async fn run() -> Result<(), phone_client::Error> {
/// use phone_client::{PgKeys, PhoneClient};
/// let keys = PgKeys::connect("postgres://alipay_phone:secret@127.0.0.1/keys")?;
/// keys.ready().await?; // for a readiness probe
/// let client = PhoneClient::builder().keys(keys).build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PgKeys {
    core: Arc<Core>,
    watch: Arc<WatchState>,
}

impl fmt::Debug for PgKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgKeys")
            .field("database", &self.core.summary)
            .field("listening", &self.is_listening())
            .finish_non_exhaustive()
    }
}

impl PgKeys {
    /// Options for the database at `url` (`postgres://user:password@host:port/dbname`, or the
    /// `key=value` form libpq accepts). Fails only on a URL that does not parse; nothing
    /// connects before [`PgKeysBuilder::build`].
    pub fn builder(url: &str) -> Result<PgKeysBuilder, Error> {
        // The parser's message may quote the URL, password included: not passed on.
        let config: Config = url.parse().map_err(|_| {
            Error::key(
                KeyRole::KeyProvider,
                KeyProblem::ProviderFailed(
                    "the PostgreSQL URL does not parse (postgres://user:password@host:port/dbname)".into(),
                ),
            )
        })?;
        Ok(PgKeysBuilder::from_config(config))
    }

    /// [`PgKeys::builder`] with the defaults, started: LISTEN, a check every 10 s, queries
    /// bounded by 3 s. Call it within a Tokio runtime.
    pub fn connect(url: &str) -> Result<Self, Error> {
        Self::builder(url)?.build()
    }

    /// Whether keys can be loaded now: the table answers a query within the query timeout. For
    /// a readiness probe; the error is the one a new app id would get (503).
    pub async fn ready(&self) -> Result<(), Error> {
        self.core
            .db
            .run(self.core.db.timeout, |live| async move {
                live.client.query_opt(READY_SQL, &[]).await.map(|_| ())
            })
            .await
    }

    /// Whether the LISTEN connection is up, so changes arrive within a second rather than at
    /// the next periodic check.
    pub fn is_listening(&self) -> bool {
        self.watch.listening.load(Ordering::Acquire)
    }

    /// Forgets what `app_id`'s load read, then tells the caches it changed: in this order, so
    /// that the stamp a load records right after the caches forget is kept (the other order
    /// could drop it and hide the app from the periodic check until its ttl).
    fn invalidate(core: &Core, app_id: &str) {
        core.stamps.invalidate(app_id);
        core.subscribers.app_changed(app_id);
    }

    fn invalidate_all(core: &Core) {
        core.stamps.invalidate_all();
        core.subscribers.all_changed();
    }
}

#[async_trait]
impl KeyProvider for PgKeys {
    async fn load(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        // The store's failures (connecting, a query, a timeout, a setup problem: 503 until
        // fixed, see `store_error`) are ProviderFailed, so Unavailable; others are the row's keys.
        self.core.load_row(app_id).await.map_err(ProviderError::from)
    }

    /// The policy set on the builder: changes are pushed, so the ttl is a last resort.
    fn cache_policy(&self) -> Option<KeyCache> {
        Some(self.core.policy)
    }

    fn subscribe(&self, changes: KeyChanges) {
        self.core.subscribers.add(changes);
    }
}
