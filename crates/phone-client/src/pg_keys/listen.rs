//! The background task: LISTEN for the trigger's notifications and the periodic check of the
//! table's fingerprint (the fallback for missed notifications), on a connection of its own;
//! both tell the caches in front of the provider which apps' rows changed.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use phone_core::{Error, KeyProblem, KeyRole};
use tokio::time::Instant;
use tokio_postgres::Client;

use super::*;

/// One row that changes whenever any row is inserted, updated (the trigger stamps
/// `updated_at`) or deleted; a sum is order-free, so no sort runs.
pub(super) const FINGERPRINT_SQL: &str = "SELECT count(*)::text || '/' || coalesce(sum(hashtextextended(app_id || '/' || \
     (extract(epoch FROM updated_at) * 1000000)::bigint::text, 0)), 0)::text FROM alipay_phone_keys";

/// The stored `updated_at` of some cached apps, compared by the periodic check.
pub(super) const STAMPS_SQL: &str = "SELECT app_id, updated_at FROM alipay_phone_keys WHERE app_id = ANY($1)";

/// How many app ids one [`STAMPS_SQL`] asks about: an ISV's table may hold 100,000 rows.
pub(super) const STAMPS_CHUNK: usize = 1000;

/// The trigger's payload for "every row changed" (TRUNCATE); app ids never hold a `*`.
pub(super) const ALL_APPS: &str = "*";

/// The background task's state, shared with [`PgKeys::is_listening`].
pub(super) struct WatchState {
    pub(super) listening: AtomicBool,
    pub(super) task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for WatchState {
    // The task holds no handle that keeps this alive: the last PgKeys clone stops it.
    fn drop(&mut self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            task.abort();
        }
    }
}

/// The background task: LISTEN and the periodic check on a connection of its own.
pub(super) struct Watcher {
    pub(super) core: Arc<Core>,
    pub(super) watch: std::sync::Weak<WatchState>,
    pub(super) listen: bool,
    pub(super) every: Duration,
}

impl Watcher {
    pub(super) fn set_listening(&self, on: bool) {
        if let Some(w) = self.watch.upgrade() {
            w.listening.store(on, Ordering::Release);
        }
    }

    pub(super) async fn connect(&self) -> Result<Conn, Error> {
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

    pub(super) async fn run(self) {
        let mut last: Option<String> = None;
        let mut backoff = Backoff::new();
        let mut lost = false;
        let database = &self.core.summary;
        loop {
            match self.connect().await {
                Ok(mut conn) => {
                    backoff.reset();
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
            tokio::time::sleep(backoff.next_wait()).await;
        }
    }

    /// Handles notifications and ticks until the connection fails; returns why.
    pub(super) async fn serve(&self, conn: &mut Conn, last: &mut Option<String>) -> Error {
        let mut tick = tokio::time::interval_at(Instant::now() + self.every, self.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                note = conn.notes.recv() => match note {
                    Some(app_id) => {
                        if conn.overflowed.swap(false, Ordering::AcqRel) {
                            tracing::info!("many key changes at once; reloading every app");
                            PgKeys::invalidate_all(&self.core);
                        } else if app_id == ALL_APPS {
                            tracing::info!("table alipay_phone_keys truncated; reloading every app");
                            PgKeys::invalidate_all(&self.core);
                        } else {
                            tracing::debug!(app_id = %app_id, "key change notified");
                            PgKeys::invalidate(&self.core, &app_id);
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
    pub(super) async fn check(&self, client: &Client, last: &mut Option<String>) -> Result<(), Error> {
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
                    PgKeys::invalidate(&self.core, app_id);
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
