//! The migrations of `crates/phone-client/migrations/`, applied on a connection of their own or
//! on the caller's client.

use std::time::Duration;

use phone_core::Error;
use tokio::time::Instant;
use tokio_postgres::Client;

use super::*;

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
            include_str!("../../migrations/0001_alipay_phone_keys.sql"),
        ),
        (
            "0002_sign_types.sql",
            include_str!("../../migrations/0002_sign_types.sql"),
        ),
    ];

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
}
