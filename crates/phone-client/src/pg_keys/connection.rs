//! The connections: one reconnecting client for loads (tokio-postgres pipelines concurrent
//! queries on it, so no pool), its prepared load statement, and the connector that hands the
//! LISTEN connection's notifications to the watcher.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use phone_core::Error;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_postgres::error::SqlState;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{AsyncMessage, Client, Config, Socket, Statement};

use super::*;

/// The channel the migration's trigger notifies, with the app id as payload.
pub(super) const CHANNEL: &str = "alipay_phone_keys";

pub(super) const LOAD_SQL: &str = "SELECT alipay_public_keys, aes_keys, verify_with, updated_at, sign_types FROM alipay_phone_keys \
     WHERE app_id = $1";

/// The same driver failure is logged at warn at most this often.
pub(super) const LOG_EVERY: Duration = Duration::from_secs(60);

/// Notifications buffered between the connection and the watcher; past that, everything is
/// reloaded instead (a bulk update of many apps).
pub(super) const NOTIFY_BUFFER: usize = 1024;

/// A connection: its client, and the notifications its connection task forwards.
pub(super) struct Conn {
    pub(super) client: Client,
    pub(super) notes: mpsc::Receiver<String>,
    /// Set when a notification could not be buffered.
    pub(super) overflowed: Arc<AtomicBool>,
}

pub(super) type ConnectFuture = Pin<Box<dyn Future<Output = Result<Conn, tokio_postgres::Error>> + Send>>;

/// Connects with the configured TLS; erased so that PgKeys is not generic over it.
pub(super) type Connector = Arc<dyn Fn(&Config) -> ConnectFuture + Send + Sync>;

pub(super) fn connector<T>(tls: T) -> Connector
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

/// One reconnecting client for loads: tokio-postgres pipelines concurrent queries on it.
pub(super) struct Db {
    pub(super) config: Config,
    pub(super) connect: Connector,
    pub(super) timeout: Duration,
    /// The URL without its password, for logs.
    pub(super) summary: String,
    pub(super) state: tokio::sync::Mutex<DbState>,
    /// The driver failure last logged at warn, and when.
    pub(super) logged: std::sync::Mutex<Option<(String, Instant)>>,
}

/// The load connection's client, and whether a query on it timed out (the connection may be
/// silently dead: the next caller connects anew).
pub(super) struct Live {
    pub(super) client: Client,
    pub(super) dead: AtomicBool,
    /// [`LOAD_SQL`], prepared once on this connection: a query by text is a prepare and an
    /// execute, two round trips (and two transactions) where one is enough, and every app id
    /// a caller makes up is a load. The lock is held while preparing, so that a burst of
    /// loads on a new connection waits for one prepare rather than each sending its own.
    pub(super) load: tokio::sync::Mutex<Option<Arc<Statement>>>,
}

impl Live {
    pub(super) fn new(client: Client) -> Self {
        Self {
            client,
            dead: AtomicBool::new(false),
            load: tokio::sync::Mutex::new(None),
        }
    }

    pub(super) fn usable(&self) -> bool {
        !self.dead.load(Ordering::Acquire) && !self.client.is_closed()
    }

    // An Arc: the driver's Statement has no identity to compare (see `forget`).
    pub(super) async fn load_statement(&self) -> Result<Arc<Statement>, tokio_postgres::Error> {
        let mut slot = self.load.lock().await;
        if let Some(statement) = slot.as_ref() {
            return Ok(statement.clone());
        }
        let statement = Arc::new(self.client.prepare(LOAD_SQL).await?);
        *slot = Some(statement.clone());
        Ok(statement)
    }

    /// Forgets `stale`, unless a concurrent load has replaced it already.
    pub(super) async fn forget(&self, stale: &Arc<Statement>) {
        let mut slot = self.load.lock().await;
        if slot.as_ref().is_some_and(|s| Arc::ptr_eq(s, stale)) {
            *slot = None;
        }
    }

    /// The row of `app_id`, through the prepared statement; once more with a new one when
    /// the server no longer accepts the statement it has.
    pub(super) async fn load_row(&self, app_id: &str) -> Result<Option<tokio_postgres::Row>, tokio_postgres::Error> {
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
pub(super) fn stale(e: &tokio_postgres::Error) -> bool {
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
pub(super) struct DbState {
    pub(super) live: Option<Arc<Live>>,
    pub(super) failed: Option<(Instant, Error)>,
}

impl Db {
    /// Logs a driver failure (its text goes to the log only, see [`store_error`]): at warn,
    /// unless the same text was logged at warn within [`LOG_EVERY`].
    pub(super) fn report(&self, what: &str, e: &tokio_postgres::Error) {
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
    pub(super) async fn client(&self, deadline: Instant) -> Result<Arc<Live>, Error> {
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
    pub(super) async fn run<R, F, Fut>(&self, timeout: Duration, work: F) -> Result<R, Error>
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
