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

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use moka::sync::Cache;
use phone_core::{AppId, Error, KeyProblem, KeyRole};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::types::WrongType;
use tokio_postgres::{AsyncMessage, Client, Config, NoTls, Socket, Statement};

use crate::cache::CachingKeys;
use crate::client::DEFAULT_CAPACITY;
use crate::material::AppKeyMaterial;
use crate::provider::KeyProvider;
use crate::provider_error::ProviderError;
use phone_crypto::KeyTextError;

/// The channel the migration's trigger notifies, with the app id as payload.
const CHANNEL: &str = "alipay_phone_keys";
const LOAD_SQL: &str = "SELECT alipay_public_keys, aes_keys, verify_with, updated_at, sign_types FROM alipay_phone_keys \
     WHERE app_id = $1";
/// One row that changes whenever any row is inserted, updated (the trigger stamps
/// `updated_at`) or deleted; a sum is order-free, so no sort runs.
const FINGERPRINT_SQL: &str = "SELECT count(*)::text || '/' || coalesce(sum(hashtextextended(app_id || '/' || \
     (extract(epoch FROM updated_at) * 1000000)::bigint::text, 0)), 0)::text FROM alipay_phone_keys";
/// The stored `updated_at` of some cached apps, compared by the periodic check.
const STAMPS_SQL: &str = "SELECT app_id, updated_at FROM alipay_phone_keys WHERE app_id = ANY($1)";
/// How many app ids one [`STAMPS_SQL`] asks about: an ISV's table may hold 100,000 rows.
const STAMPS_CHUNK: usize = 1000;
/// Past this many apps loaded between two checks, the next check compares every cached app
/// rather than remembering which.
const DIRTY_MAX: usize = 10_000;
/// The trigger's payload for "every row changed" (TRUNCATE); app ids never hold a `*`.
const ALL_APPS: &str = "*";
/// The same driver failure is logged at warn at most this often.
const LOG_EVERY: Duration = Duration::from_secs(60);
const READY_SQL: &str = "SELECT 1 FROM alipay_phone_keys LIMIT 1";
/// Notifications buffered between the connection and the watcher; past that, everything is
/// reloaded instead (a bulk update of many apps).
const NOTIFY_BUFFER: usize = 1024;
/// After a failed connect, callers get that error without a new attempt for this long, so a
/// database that is down is not asked once per request for a new app.
const RECONNECT_PAUSE: Duration = Duration::from_millis(500);
const BACKOFF_MIN: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

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
/// - Loads are on demand, one indexed query per app id, behind a bounded [`CachingKeys`]
///   (`ttl` 5 minutes, `max_stale` 1 hour, 100,000 app ids by default): steady-state requests
///   never touch the database. A load is one round trip, an app id nobody knows included: the
///   query is prepared once per connection (again after a schema change that invalidates it).
/// - Changes reach every replica within a second: a background task LISTENs on channel
///   `alipay_phone_keys`, which the trigger notifies with the app id (with `*` after a
///   `TRUNCATE`: every app), and drops that app's cached answer. As a fallback it compares a
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
    cache: CachingKeys,
    watch: Arc<WatchState>,
}

/// Options of a [`PgKeys`], from [`PgKeys::builder`].
///
/// ```no_run
/// # async fn run() -> Result<(), phone_client::Error> {
/// use std::time::Duration;
/// let keys = phone_client::PgKeys::builder("postgres://alipay_phone@db.internal/keys")?
///     .check_interval(Duration::from_secs(30))
///     .query_timeout(Duration::from_secs(2))
///     .max_stale(Duration::from_secs(6 * 3600))
///     .build()?;
/// # Ok(()) }
/// ```
pub struct PgKeysBuilder {
    config: Config,
    summary: String,
    connect: Connector,
    listen: bool,
    check_interval: Duration,
    query_timeout: Duration,
    ttl: Option<Duration>,
    max_stale: Option<Duration>,
    capacity: u64,
}

impl fmt::Debug for PgKeysBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgKeysBuilder")
            .field("database", &self.summary)
            .field("listen", &self.listen)
            .field("check_interval", &self.check_interval)
            .field("query_timeout", &self.query_timeout)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for PgKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgKeys")
            .field("database", &self.core.summary)
            .field("listening", &self.is_listening())
            .finish_non_exhaustive()
    }
}

/// What the loader and the watcher share. Holds no cache of material itself: that is the
/// [`CachingKeys`], which holds the loader (so the loader cannot hold it back).
struct Core {
    db: Db,
    summary: String,
    /// Each cached app's `updated_at` as loaded (`None`: no row), for the periodic check.
    stamps: Cache<String, Option<SystemTime>>,
    /// Rows whose keys do not parse: their error, so a broken app is not queried per request.
    broken: Cache<String, Error>,
    /// Bumped by every invalidation: a load that overlapped one does not record its error in
    /// `broken` (the row it read may be fixed already). Its stamp is always recorded.
    generation: AtomicU64,
    /// The apps whose stamp was recorded since the periodic check last took this: it compares
    /// them even when the table's fingerprint did not move (a load may have read the row
    /// before a change the check saw without a stamp to compare).
    dirty: std::sync::Mutex<Dirty>,
}

#[derive(Default)]
struct Dirty {
    /// Too many to list: the next check compares every cached app.
    all: bool,
    ids: HashSet<String>,
}

impl Core {
    /// Records the `updated_at` a load read (`None`: no row), for the periodic check. Always:
    /// a value older than the row's is harmless (the next check sees the difference and the
    /// app is loaded again), while a missing one would hide the app from the check.
    fn record(&self, app_id: &str, stamp: Option<SystemTime>) {
        self.stamps.insert(app_id.to_owned(), stamp);
        let mut dirty = self.dirty.lock().unwrap_or_else(|p| p.into_inner());
        if dirty.all {
            return;
        }
        if dirty.ids.len() >= DIRTY_MAX {
            dirty.all = true;
            dirty.ids = HashSet::new();
        } else {
            dirty.ids.insert(app_id.to_owned());
        }
    }

    fn take_dirty(&self) -> Dirty {
        std::mem::take(&mut *self.dirty.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The background task's state, shared with [`PgKeys::is_listening`].
struct WatchState {
    listening: AtomicBool,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for WatchState {
    // The task holds no handle that keeps this alive: the last PgKeys clone stops it.
    fn drop(&mut self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            task.abort();
        }
    }
}

/// A connection: its client, and the notifications its connection task forwards.
struct Conn {
    client: Client,
    notes: mpsc::Receiver<String>,
    /// Set when a notification could not be buffered.
    overflowed: Arc<AtomicBool>,
}

type ConnectFuture = Pin<Box<dyn Future<Output = Result<Conn, tokio_postgres::Error>> + Send>>;
/// Connects with the configured TLS; erased so that PgKeys is not generic over it.
type Connector = Arc<dyn Fn(&Config) -> ConnectFuture + Send + Sync>;

fn connector<T>(tls: T) -> Connector
where
    T: MakeTlsConnect<Socket> + Clone + Send + Sync + 'static,
    T::Stream: Send + 'static,
    T::TlsConnect: Send,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    Arc::new(move |config: &Config| {
        let (config, tls) = (config.clone(), tls.clone());
        Box::pin(async move {
            let (client, mut connection) = config.connect(tls).await?;
            let (tx, notes) = mpsc::channel(NOTIFY_BUFFER);
            let overflowed = Arc::new(AtomicBool::new(false));
            let flag = overflowed.clone();
            tokio::spawn(async move {
                // poll_message drives the connection (queries included) and also yields what
                // the server sends unasked: notifications.
                while let Some(message) = poll_fn(|cx| connection.poll_message(cx)).await {
                    match message {
                        Ok(AsyncMessage::Notification(n)) if n.channel() == CHANNEL => {
                            if tx.try_send(n.payload().to_owned()).is_err() {
                                flag.store(true, Ordering::Release);
                            }
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::debug!(error = %e, "PostgreSQL connection closed");
                            break;
                        }
                    }
                }
            });
            Ok(Conn {
                client,
                notes,
                overflowed,
            })
        })
    })
}

const SEE_LOG: &str = "details in this service's log";

/// An error and its causes, for the log: the driver's own `Display` stops at its kind ("db
/// error"), the server's words are its source.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        text.push_str(": ");
        text.push_str(&s.to_string());
        next = s.source();
    }
    text
}

/// A key-store failure, for callers (the message becomes an HTTP answer's `message`): generic
/// text, never the driver's (which may name users, tables or the server's own words); the
/// driver's error is kept as the source, and logged by the caller ([`Db::report`]).
///
/// A setup problem (no table, no SELECT right, columns of another type, a login refused) is
/// still [`KeyProblem::ProviderFailed`] (503: readiness fails until it is fixed), but its
/// message says what to fix rather than "try again later".
fn store_error(e: tokio_postgres::Error) -> Error {
    let why = match setup_problem(&e) {
        Some(why) => {
            format!("the PostgreSQL key store is not set up: {why}; retrying will not help until then ({SEE_LOG})")
        }
        None => format!("the PostgreSQL key store is unavailable ({SEE_LOG})"),
    };
    Error::key_with_source(KeyRole::KeyProvider, KeyProblem::ProviderFailed(why), e)
}

/// What to fix, when `e` is a configuration problem rather than an outage.
fn setup_problem(e: &tokio_postgres::Error) -> Option<&'static str> {
    const COLUMNS: &str = "table alipay_phone_keys does not have the columns of the migration \
                           (crates/phone-client/migrations); apply it, or fix the table";
    if std::error::Error::source(e).is_some_and(|s| s.is::<WrongType>()) {
        return Some(COLUMNS);
    }
    let code = e.code()?;
    if *code == SqlState::UNDEFINED_TABLE {
        Some(
            "table alipay_phone_keys does not exist; apply the migration \
             (crates/phone-client/migrations, PgKeys::migrate, or `alipay-phone serve --migrate`)",
        )
    } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
        Some(
            "cannot read table alipay_phone_keys (permission denied); \
             GRANT SELECT ON alipay_phone_keys TO the role of the database URL",
        )
    } else if [
        SqlState::UNDEFINED_COLUMN,
        SqlState::DATATYPE_MISMATCH,
        SqlState::UNDEFINED_FUNCTION,
    ]
    .contains(code)
    {
        Some(COLUMNS)
    } else if [
        SqlState::INVALID_PASSWORD,
        SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
        SqlState::INVALID_CATALOG_NAME,
    ]
    .contains(code)
    {
        Some("the database refused the login; check the user, password and database name of the database URL")
    } else {
        None
    }
}

fn timeout_error(timeout: Duration) -> Error {
    Error::key(
        KeyRole::KeyProvider,
        KeyProblem::ProviderFailed(format!(
            "the PostgreSQL key store is unavailable: no answer within {timeout:?}"
        )),
    )
}

/// A failed migration, for whoever applies it (`serve --migrate`, an admin tool; never an
/// HTTP caller): the database's own words are what to fix, so they are part of the message.
fn migration_error(name: &str, e: tokio_postgres::Error) -> Error {
    let why = match e.as_db_error() {
        Some(db) if *db.code() == SqlState::INSUFFICIENT_PRIVILEGE => format!(
            "{}; apply the migrations as a role that may create in the schema (or owns the table)",
            db.message()
        ),
        Some(db) => db.message().to_owned(),
        None => "the PostgreSQL key store is unavailable".to_owned(),
    };
    Error::key_with_source(
        KeyRole::KeyProvider,
        KeyProblem::ProviderFailed(format!("migration {name} failed and was rolled back: {why}")),
        e,
    )
}

/// One reconnecting client for loads: tokio-postgres pipelines concurrent queries on it.
struct Db {
    config: Config,
    connect: Connector,
    timeout: Duration,
    /// The URL without its password, for logs.
    summary: String,
    state: tokio::sync::Mutex<DbState>,
    /// The driver failure last logged at warn, and when.
    logged: std::sync::Mutex<Option<(String, Instant)>>,
}

/// The load connection's client, and whether a query on it timed out (the connection may be
/// silently dead: the next caller connects anew).
struct Live {
    client: Client,
    dead: AtomicBool,
    /// [`LOAD_SQL`], prepared once on this connection: a query by text is a prepare and an
    /// execute, two round trips (and two transactions) where one is enough, and every app id
    /// a caller makes up is a load. The lock is held while preparing, so that a burst of
    /// loads on a new connection waits for one prepare rather than each sending its own.
    load: tokio::sync::Mutex<Option<Arc<Statement>>>,
}

impl Live {
    fn new(client: Client) -> Self {
        Self {
            client,
            dead: AtomicBool::new(false),
            load: tokio::sync::Mutex::new(None),
        }
    }

    fn usable(&self) -> bool {
        !self.dead.load(Ordering::Acquire) && !self.client.is_closed()
    }

    // An Arc: the driver's Statement has no identity to compare (see `forget`).
    async fn load_statement(&self) -> Result<Arc<Statement>, tokio_postgres::Error> {
        let mut slot = self.load.lock().await;
        if let Some(statement) = slot.as_ref() {
            return Ok(statement.clone());
        }
        let statement = Arc::new(self.client.prepare(LOAD_SQL).await?);
        *slot = Some(statement.clone());
        Ok(statement)
    }

    /// Forgets `stale`, unless a concurrent load has replaced it already.
    async fn forget(&self, stale: &Arc<Statement>) {
        let mut slot = self.load.lock().await;
        if slot.as_ref().is_some_and(|s| Arc::ptr_eq(s, stale)) {
            *slot = None;
        }
    }

    /// The row of `app_id`, through the prepared statement; once more with a new one when
    /// the server no longer accepts the statement it has.
    async fn load_row(&self, app_id: &str) -> Result<Option<tokio_postgres::Row>, tokio_postgres::Error> {
        let statement = self.load_statement().await?;
        match self.client.query_opt(&*statement, &[&app_id]).await {
            Err(e) if stale(&e) => {
                self.forget(&statement).await;
                let statement = self.load_statement().await?;
                self.client.query_opt(&*statement, &[&app_id]).await
            }
            result => result,
        }
    }
}

/// Whether `e` may be the server refusing a statement prepared before a change it outlived,
/// so that preparing it again can help. The server replans a prepared statement by itself
/// after DDL while its result stays the same (a column added, the table recreated); these
/// are what it says otherwise: a returned column changed type ("cached plan must not change
/// result type"), the table or a column is gone (the new prepare then fails the same way:
/// the setup problem it reports), or the statement itself is gone (`DISCARD ALL`, e.g. by a
/// connection pooler in front of the server). One retry is all any of them costs.
fn stale(e: &tokio_postgres::Error) -> bool {
    e.code().is_some_and(|code| {
        [
            SqlState::FEATURE_NOT_SUPPORTED,
            SqlState::UNDEFINED_TABLE,
            SqlState::UNDEFINED_COLUMN,
            SqlState::INVALID_SQL_STATEMENT_NAME,
        ]
        .contains(code)
    })
}

#[derive(Default)]
struct DbState {
    live: Option<Arc<Live>>,
    failed: Option<(Instant, Error)>,
}

impl Db {
    /// Logs a driver failure (its text goes to the log only, see [`store_error`]): at warn,
    /// unless the same text was logged at warn within [`LOG_EVERY`].
    fn report(&self, what: &str, e: &tokio_postgres::Error) {
        let text = chain(e);
        let mut logged = self.logged.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = !logged
            .as_ref()
            .is_some_and(|(last, at)| *last == text && at.elapsed() < LOG_EVERY);
        if fresh {
            tracing::warn!(database = %self.summary, error = %text, "{what}");
            *logged = Some((text, Instant::now()));
        } else {
            tracing::debug!(database = %self.summary, error = %text, "{what}");
        }
    }

    /// The load client, connecting if there is none; bounded by `deadline` (waiting for
    /// another caller's connect included). A failed connect is remembered for
    /// [`RECONNECT_PAUSE`], timeouts included.
    async fn client(&self, deadline: Instant) -> Result<Arc<Live>, Error> {
        let Ok(mut state) = tokio::time::timeout_at(deadline, self.state.lock()).await else {
            // Another caller is connecting and has not finished: it records the outcome.
            return Err(timeout_error(self.timeout));
        };
        if let Some(live) = state.live.as_ref().filter(|l| l.usable()) {
            return Ok(live.clone());
        }
        state.live = None;
        if let Some((at, e)) = &state.failed
            && at.elapsed() < RECONNECT_PAUSE
        {
            return Err(e.clone());
        }
        // Bounded here, under the lock, rather than by the caller: a connect that times out
        // is recorded like any failure.
        let result = match tokio::time::timeout_at(deadline, (self.connect)(&self.config)).await {
            Ok(Ok(conn)) => Ok(Arc::new(Live::new(conn.client))),
            Ok(Err(e)) => {
                self.report("cannot connect to the PostgreSQL key store", &e);
                Err(store_error(e))
            }
            Err(_) => {
                if state.failed.is_none() {
                    tracing::warn!(database = %self.summary, timeout = ?self.timeout,
                        "cannot connect to the PostgreSQL key store: no answer in time");
                }
                Err(timeout_error(self.timeout))
            }
        };
        match result {
            Ok(live) => {
                if state.failed.take().is_some() {
                    tracing::info!(database = %self.summary, "PostgreSQL key store reachable again");
                }
                state.live = Some(live.clone());
                Ok(live)
            }
            Err(e) => {
                state.failed = Some((Instant::now(), e.clone()));
                Err(e)
            }
        }
    }

    /// Runs `work` on the client, the whole call (waiting for a connect, connecting, the
    /// query) bounded by `timeout`; a query that times out retires the client, since its
    /// connection may be silently dead.
    async fn run<R, F, Fut>(&self, timeout: Duration, work: F) -> Result<R, Error>
    where
        F: FnOnce(Arc<Live>) -> Fut,
        Fut: Future<Output = Result<R, tokio_postgres::Error>>,
    {
        let deadline = Instant::now() + timeout;
        let live = self.client(deadline).await?;
        match tokio::time::timeout_at(deadline, work(live.clone())).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => {
                self.report("PostgreSQL key store query failed", &e);
                Err(store_error(e))
            }
            Err(_) => {
                // No lock: the next caller sees the flag and connects anew.
                live.dead.store(true, Ordering::Release);
                Err(timeout_error(timeout))
            }
        }
    }
}

/// Says where a malformed key is, in the problems that carry text; the problem (and so its
/// hint) stays the key's own.
fn located(e: KeyTextError, app_id: &str) -> Error {
    let (column, index) = (e.text.as_str(), e.index);
    tracing::warn!(app_id, column, index, error = %e.error, "malformed key in alipay_phone_keys");
    let at = format!("alipay_phone_keys app {app_id}, {column}[{index}]");
    match e.error {
        Error::KeyError { role, problem, source } => {
            let problem = match problem {
                KeyProblem::Unparsable(why) => KeyProblem::Unparsable(format!("{at}: {why}")),
                KeyProblem::WrongAlgorithm(why) => KeyProblem::WrongAlgorithm(format!("{at}: {why}")),
                KeyProblem::Rejected(why) => KeyProblem::Rejected(format!("{at}: {why}")),
                other => other,
            };
            Error::KeyError { role, problem, source }
        }
        other => other,
    }
}

/// One row's material. NULL array elements hold no key, like blank ones.
fn material(
    app_id: &str,
    public_keys: &[Option<String>],
    aes_keys: &[Option<String>],
    sign_types: Option<&[Option<String>]>,
    verify_with: Option<&str>,
) -> Result<AppKeyMaterial, Error> {
    fn texts(keys: &[Option<String>]) -> impl Iterator<Item = &str> {
        keys.iter().map(|k| k.as_deref().unwrap_or(""))
    }
    let pin = sign_types.map(|types| types.iter().flatten().map(String::as_str).collect::<Vec<_>>().join(","));
    AppKeyMaterial::from_text(texts(public_keys), texts(aes_keys), pin.as_deref(), verify_with)
        .map_err(|e| located(e, app_id))
}

/// The raw loader the [`CachingKeys`] wraps: one query per call.
struct Loader(Arc<Core>);

impl fmt::Debug for Loader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PgKeys loader")
    }
}

#[async_trait]
impl KeyProvider for Loader {
    async fn load(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        // The store's failures (connecting, a query, a timeout, a setup problem: 503 until
        // fixed, see `store_error`) are ProviderFailed, so Unavailable; others are the row's keys.
        self.load_row(app_id).await.map_err(ProviderError::from)
    }
}

impl Loader {
    async fn load_row(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, Error> {
        let app_id = app_id.as_str();
        let core = &self.0;
        if let Some(e) = core.broken.get(app_id) {
            return Err(e);
        }
        let generation = core.generation.load(Ordering::Acquire);
        let row = core
            .db
            .run(core.db.timeout, |live| async move {
                let Some(row) = live.load_row(app_id).await? else {
                    return Ok(None);
                };
                let public_keys: Vec<Option<String>> = row.try_get(0)?;
                let aes_keys: Vec<Option<String>> = row.try_get(1)?;
                let verify_with: Option<String> = row.try_get(2)?;
                let updated_at: SystemTime = row.try_get(3)?;
                let sign_types: Option<Vec<Option<String>>> = row.try_get(4)?;
                Ok(Some((public_keys, aes_keys, verify_with, updated_at, sign_types)))
            })
            .await?;
        let Some((public_keys, aes_keys, verify_with, updated_at, sign_types)) = row else {
            core.record(app_id, None);
            return Ok(None);
        };
        let result = material(
            app_id,
            &public_keys,
            &aes_keys,
            sign_types.as_deref(),
            verify_with.as_deref(),
        );
        core.record(app_id, Some(updated_at));
        // A broken row is not queried again until it changes: unless it changed (or anything
        // did) while this query ran, since the error would then outlive the fix.
        if let Err(e) = &result
            && core.generation.load(Ordering::Acquire) == generation
        {
            core.broken.insert(app_id.to_owned(), e.clone());
        }
        result.map(|m| Some(Arc::new(m)))
    }
}

impl PgKeys {
    /// The migrations, `(file name, SQL)` in the order to apply them: the files of
    /// `crates/phone-client/migrations/`. Each is idempotent and runs in its own transaction.
    ///
    /// ```
    /// let (name, sql) = phone_client::PgKeys::MIGRATIONS[0];
    /// assert_eq!(name, "0001_alipay_phone_keys.sql");
    /// assert!(sql.contains("CREATE TABLE IF NOT EXISTS alipay_phone_keys"));
    /// ```
    pub const MIGRATIONS: &'static [(&'static str, &'static str)] = &[
        (
            "0001_alipay_phone_keys.sql",
            include_str!("../migrations/0001_alipay_phone_keys.sql"),
        ),
        ("0002_sign_types.sql", include_str!("../migrations/0002_sign_types.sql")),
    ];

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

    /// Applies [`PgKeys::MIGRATIONS`] on a connection of its own, closed after (one minute at
    /// most): a failure leaves nothing behind, neither a half-applied file (each is one
    /// transaction) nor a broken connection for loads. The error's message says what the
    /// database refused (e.g. "permission denied for schema public"): it is for whoever
    /// applies the migration, not for HTTP callers.
    pub async fn migrate(&self) -> Result<(), Error> {
        const TIMEOUT: Duration = Duration::from_secs(60);
        let db = &self.core.db;
        let deadline = Instant::now() + TIMEOUT;
        let conn = match tokio::time::timeout_at(deadline, (db.connect)(&db.config)).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => {
                db.report("cannot connect to the PostgreSQL key store to migrate it", &e);
                return Err(store_error(e));
            }
            Err(_) => return Err(timeout_error(TIMEOUT)),
        };
        let result = tokio::time::timeout_at(deadline, Self::migrate_with(&conn.client))
            .await
            // Dropping the connection (below) ends the transaction: the server rolls it back.
            .unwrap_or_else(|_| Err(timeout_error(TIMEOUT)));
        drop(conn);
        result
    }

    /// Applies [`PgKeys::MIGRATIONS`] on a client of your own (e.g. before any `PgKeys`
    /// exists). Each file is one transaction; when one fails, a `ROLLBACK` is sent before the
    /// error is returned, so the client is usable again (call it outside a transaction of
    /// your own: that one would be rolled back too).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let (client, connection) =
    ///     tokio_postgres::connect("postgres://postgres@127.0.0.1/keys", tokio_postgres::NoTls).await?;
    /// tokio::spawn(connection);
    /// phone_client::PgKeys::migrate_with(&client).await?;
    /// # Ok(()) }
    /// ```
    pub async fn migrate_with(client: &Client) -> Result<(), Error> {
        for (name, sql) in Self::MIGRATIONS {
            if let Err(e) = client.batch_execute(sql).await {
                // The file's BEGIN left the session in an aborted transaction; a ROLLBACK on
                // a connection that is gone fails too, and changes nothing.
                let _ = client.batch_execute("ROLLBACK").await;
                tracing::warn!(migration = name, error = %chain(&e), "PostgreSQL key store migration failed");
                return Err(migration_error(name, e));
            }
        }
        Ok(())
    }

    /// Drops `app_id`'s cached answer everywhere in this provider.
    fn invalidate(core: &Core, cache: &CachingKeys, app_id: &str) {
        core.generation.fetch_add(1, Ordering::AcqRel);
        cache.invalidate(app_id);
        core.stamps.invalidate(app_id);
        core.broken.invalidate(app_id);
    }

    fn invalidate_all(core: &Core, cache: &CachingKeys) {
        core.generation.fetch_add(1, Ordering::AcqRel);
        cache.invalidate_all();
        core.stamps.invalidate_all();
        core.broken.invalidate_all();
    }
}

impl PgKeysBuilder {
    /// Options for an already built configuration.
    pub fn from_config(mut config: Config) -> Self {
        if config.get_application_name().is_none() {
            config.application_name("alipay-phone");
        }
        let summary = summary(&config);
        Self {
            config,
            summary,
            connect: connector(NoTls),
            listen: true,
            check_interval: Duration::from_secs(10),
            query_timeout: Duration::from_secs(3),
            ttl: None,
            max_stale: None,
            capacity: DEFAULT_CAPACITY,
        }
    }

    /// Connects through `tls` (e.g. `postgres_openssl::MakeTlsConnector` or
    /// `tokio_postgres_rustls::MakeRustlsConnect`), as the URL's `sslmode` asks.
    pub fn tls<T>(mut self, tls: T) -> Self
    where
        T: MakeTlsConnect<Socket> + Clone + Send + Sync + 'static,
        T::Stream: Send + 'static,
        T::TlsConnect: Send,
        <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
    {
        self.connect = connector(tls);
        self
    }

    /// Connects over TLS or not at all, whatever the URL's `sslmode` says. With `prefer` (the
    /// default when the URL has none) the driver goes on in plain text when the server, or
    /// anyone on the network path, answers that it has no TLS; with this, such a connect
    /// fails instead. A `disable` in the URL is overridden too. Give a connector with
    /// [`PgKeysBuilder::tls`] (one that verifies the server's certificate): with the default,
    /// plain TCP, every connect fails.
    ///
    /// ```no_run
    /// # use tokio_postgres::{Socket, tls::{MakeTlsConnect, TlsConnect}};
    /// # async fn run<T>(tls: T) -> Result<(), phone_client::Error>
    /// # where
    /// #     T: MakeTlsConnect<Socket> + Clone + Send + Sync + 'static,
    /// #     T::Stream: Send + 'static,
    /// #     T::TlsConnect: Send,
    /// #     <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
    /// # {
    /// // `tls`: e.g. a postgres_openssl::MakeTlsConnector that verifies the server.
    /// let keys = phone_client::PgKeys::builder("postgres://alipay_phone@db.internal/keys")?
    ///     .tls(tls)
    ///     .require_tls()
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn require_tls(mut self) -> Self {
        self.config.ssl_mode(SslMode::Require);
        self
    }

    /// Whether to LISTEN for the trigger's notifications (default on); off, changes arrive
    /// through the periodic check only.
    pub fn listen(mut self, on: bool) -> Self {
        self.listen = on;
        self
    }

    /// How often the table's fingerprint is compared (default 10 s): the fallback for missed
    /// notifications, and the liveness check of the LISTEN connection.
    pub fn check_interval(mut self, every: Duration) -> Self {
        self.check_interval = every.max(Duration::from_millis(10));
        self
    }

    /// The longest a query may take, connecting included (default 3 s).
    pub fn query_timeout(mut self, timeout: Duration) -> Self {
        self.query_timeout = timeout;
        self
    }

    /// How long an app's keys are used before they are loaded again even without a change
    /// (default 5 minutes; changes are pushed, so this is a last resort).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// How long past `ttl` cached keys are still served while the database is down (default
    /// 1 hour).
    pub fn max_stale(mut self, max_stale: Duration) -> Self {
        self.max_stale = Some(max_stale);
        self
    }

    /// How many app ids are cached (default 100,000).
    pub fn capacity(mut self, apps: u64) -> Self {
        self.capacity = apps;
        self
    }

    /// Starts the provider: the background task connects (LISTEN, periodic check); loads
    /// connect on first use. Fails outside a Tokio runtime.
    pub fn build(self) -> Result<PgKeys, Error> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::key(
                KeyRole::KeyProvider,
                KeyProblem::ProviderFailed("PgKeys must be built within a Tokio runtime".into()),
            )
        })?;
        let mut config = self.config;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(self.query_timeout);
        }
        let idle = self.ttl.unwrap_or(Duration::from_secs(300)) + self.max_stale.unwrap_or(Duration::from_secs(3600));
        let core = Arc::new(Core {
            db: Db {
                config,
                connect: self.connect,
                timeout: self.query_timeout,
                summary: self.summary.clone(),
                state: Default::default(),
                logged: Default::default(),
            },
            summary: self.summary,
            stamps: Cache::builder().max_capacity(self.capacity).time_to_idle(idle).build(),
            broken: Cache::builder()
                .max_capacity(self.capacity)
                .time_to_live(self.ttl.unwrap_or(Duration::from_secs(300)))
                .build(),
            generation: AtomicU64::new(0),
            dirty: Default::default(),
        });
        let mut cache = CachingKeys::new(Loader(core.clone()))
            .capacity(self.capacity)
            // The loader's own timeout says more; this one is a backstop.
            .load_timeout(self.query_timeout + Duration::from_secs(1));
        if let Some(ttl) = self.ttl {
            cache = cache.ttl(ttl);
        }
        if let Some(max_stale) = self.max_stale {
            cache = cache.max_stale(max_stale);
        }
        let watch = Arc::new(WatchState {
            listening: AtomicBool::new(false),
            task: std::sync::Mutex::new(None),
        });
        let watcher = Watcher {
            core: core.clone(),
            cache: cache.clone(),
            watch: Arc::downgrade(&watch),
            listen: self.listen,
            every: self.check_interval,
        };
        let task = runtime.spawn(watcher.run());
        *watch.task.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
        Ok(PgKeys { core, cache, watch })
    }
}

/// The URL without its password, for `Debug` and logs.
fn summary(config: &Config) -> String {
    let user = config.get_user().unwrap_or("");
    let password = if config.get_password().is_some() { ":***" } else { "" };
    let at = if user.is_empty() && password.is_empty() {
        ""
    } else {
        "@"
    };
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let host = match h {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            };
            match config.get_ports().get(i).or(config.get_ports().first()) {
                Some(port) => format!("{host}:{port}"),
                None => host,
            }
        })
        .collect();
    let db = config.get_dbname().unwrap_or("");
    format!("postgres://{user}{password}{at}{}/{db}", hosts.join(","))
}

/// The background task: LISTEN and the periodic check on a connection of its own.
struct Watcher {
    core: Arc<Core>,
    cache: CachingKeys,
    watch: std::sync::Weak<WatchState>,
    listen: bool,
    every: Duration,
}

/// What an error's message leaves out (the driver's words), for the log.
fn cause(e: &Error) -> String {
    std::error::Error::source(e).map_or_else(|| "-".to_owned(), chain)
}

impl Watcher {
    fn set_listening(&self, on: bool) {
        if let Some(w) = self.watch.upgrade() {
            w.listening.store(on, Ordering::Release);
        }
    }

    async fn connect(&self) -> Result<Conn, Error> {
        let db = &self.core.db;
        let deadline = Instant::now() + db.timeout;
        let conn = tokio::time::timeout_at(deadline, (db.connect)(&db.config))
            .await
            .map_err(|_| timeout_error(db.timeout))?
            .map_err(store_error)?;
        if self.listen {
            tokio::time::timeout_at(deadline, conn.client.batch_execute(&format!("LISTEN {CHANNEL}")))
                .await
                .map_err(|_| timeout_error(db.timeout))?
                .map_err(store_error)?;
        }
        Ok(conn)
    }

    async fn run(self) {
        let mut last: Option<String> = None;
        let mut backoff = BACKOFF_MIN;
        let mut lost = false;
        let database = &self.core.summary;
        loop {
            match self.connect().await {
                Ok(mut conn) => {
                    backoff = BACKOFF_MIN;
                    self.set_listening(self.listen);
                    if lost {
                        tracing::info!(%database, "PostgreSQL key store watcher reconnected");
                    }
                    // Anything missed while disconnected shows in the fingerprint.
                    let why = match self.check(&conn.client, &mut last).await {
                        Ok(()) => self.serve(&mut conn, &mut last).await,
                        Err(e) => e,
                    };
                    self.set_listening(false);
                    tracing::warn!(%database, error = %why, cause = %cause(&why),
                        "PostgreSQL key store watcher disconnected; reconnecting");
                    lost = true;
                }
                Err(e) => {
                    if !lost {
                        tracing::warn!(%database, error = %e, cause = %cause(&e),
                            "PostgreSQL key store watcher cannot connect; retrying");
                    } else {
                        tracing::debug!(%database, error = %e, cause = %cause(&e),
                            "PostgreSQL key store watcher cannot connect; retrying");
                    }
                    lost = true;
                }
            }
            let jitter = backoff.mul_f64(fastrand::f64() * 0.5);
            tokio::time::sleep(backoff + jitter).await;
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }

    /// Handles notifications and ticks until the connection fails; returns why.
    async fn serve(&self, conn: &mut Conn, last: &mut Option<String>) -> Error {
        let mut tick = tokio::time::interval_at(Instant::now() + self.every, self.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                note = conn.notes.recv() => match note {
                    Some(app_id) => {
                        if conn.overflowed.swap(false, Ordering::AcqRel) {
                            tracing::info!("many key changes at once; reloading every app");
                            PgKeys::invalidate_all(&self.core, &self.cache);
                        } else if app_id == ALL_APPS {
                            tracing::info!("table alipay_phone_keys truncated; reloading every app");
                            PgKeys::invalidate_all(&self.core, &self.cache);
                        } else {
                            tracing::debug!(app_id = %app_id, "key change notified");
                            PgKeys::invalidate(&self.core, &self.cache, &app_id);
                        }
                    }
                    None => return Error::key(
                        KeyRole::KeyProvider,
                        KeyProblem::ProviderFailed("the LISTEN connection closed".into()),
                    ),
                },
                _ = tick.tick() => {
                    if let Err(e) = self.check(&conn.client, last).await {
                        return e;
                    }
                }
            }
        }
    }

    /// Compares the stored `updated_at` of cached apps with what their loads read, and drops
    /// the apps whose row changed, came or went: every cached app when the table's fingerprint
    /// moved since the last check (or the last check failed), otherwise the apps loaded since
    /// the last check (a load may have read its row before a change that check saw).
    async fn check(&self, client: &Client, last: &mut Option<String>) -> Result<(), Error> {
        let timeout = self.core.db.timeout;
        // Taken first: a load that records after this is compared by the next check.
        let dirty = self.core.take_dirty();
        // Cleared until this check succeeds: after a failure the next one compares everything.
        let previous = last.take();
        let fingerprint: String = tokio::time::timeout(timeout, async {
            client.query_one(FINGERPRINT_SQL, &[]).await?.try_get(0)
        })
        .await
        .map_err(|_| timeout_error(timeout))?
        .map_err(store_error)?;
        let ids: Vec<String> = if dirty.all || previous.as_deref() != Some(fingerprint.as_str()) {
            self.core.stamps.iter().map(|(id, _)| String::clone(&id)).collect()
        } else {
            dirty.ids.into_iter().collect()
        };
        let mut changed = 0usize;
        for chunk in ids.chunks(STAMPS_CHUNK) {
            let rows = tokio::time::timeout(timeout, client.query(STAMPS_SQL, &[&chunk]))
                .await
                .map_err(|_| timeout_error(timeout))?
                .map_err(store_error)?;
            let table = rows
                .iter()
                .map(|r| Ok((r.try_get::<_, &str>(0)?, r.try_get::<_, SystemTime>(1)?)))
                .collect::<Result<HashMap<_, _>, tokio_postgres::Error>>()
                .map_err(store_error)?;
            for app_id in chunk {
                // Not cached any more (or dropped meanwhile): nothing to compare.
                let Some(stamp) = self.core.stamps.get(app_id) else {
                    continue;
                };
                if table.get(app_id.as_str()).copied() != stamp {
                    PgKeys::invalidate(&self.core, &self.cache, app_id);
                    changed += 1;
                }
            }
        }
        if changed > 0 {
            tracing::info!(apps = changed, "key store changed; those apps are reloaded");
        }
        *last = Some(fingerprint);
        Ok(())
    }
}

#[async_trait]
impl KeyProvider for PgKeys {
    async fn load(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        self.cache.load(app_id).await
    }

    async fn reload(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        self.cache.reload(app_id).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn require_tls_overrides_the_urls_sslmode() {
        for mode in ["", "?sslmode=disable", "?sslmode=prefer", "?sslmode=require"] {
            let url = format!("postgres://keys:hunter2@db.internal/keys{mode}");
            let builder = PgKeys::builder(&url).unwrap();
            let default = if mode.is_empty() { "?sslmode=prefer" } else { mode };
            let asked = match builder.config.get_ssl_mode() {
                SslMode::Disable => "?sslmode=disable",
                SslMode::Prefer => "?sslmode=prefer",
                _ => "?sslmode=require",
            };
            assert_eq!(asked, default);
            assert_eq!(builder.require_tls().config.get_ssl_mode(), SslMode::Require, "{url}");
        }
    }
}
