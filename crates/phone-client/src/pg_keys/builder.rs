//! `PgKeysBuilder`: the options, and starting the provider (loader and watcher).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use moka::sync::Cache;
use phone_core::{Error, KeyProblem, KeyRole};
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{Config, NoTls, Socket};

use crate::cache_policy::{DEFAULT_CAPACITY, KeyCache, KeySubscribers};

use super::*;

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
    pub(super) config: Config,
    pub(super) summary: String,
    pub(super) connect: Connector,
    pub(super) listen: bool,
    pub(super) check_interval: Duration,
    pub(super) query_timeout: Duration,
    pub(super) ttl: Option<Duration>,
    pub(super) max_stale: Option<Duration>,
    pub(super) capacity: u64,
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

    /// How long the cache in front of it uses an app's keys before they are loaded again
    /// even without a change (default 5 minutes; changes are pushed, so this is a last
    /// resort). These three are the provider's
    /// [`KeyProvider::cache_policy`](crate::KeyProvider::cache_policy): what the client's cache
    /// keeps unless its builder sets a policy of its own. They also size the record of what
    /// each load read, which the periodic check compares: a client cache set to keep more app
    /// ids, or longer than `ttl + max_stale`, relies on NOTIFY alone for the apps past them.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// How long past `ttl` the cache in front of it still serves keys while the database is
    /// down (default 1 hour).
    pub fn max_stale(mut self, max_stale: Duration) -> Self {
        self.max_stale = Some(max_stale);
        self
    }

    /// How many app ids the cache in front of it keeps (default 100,000).
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
        let mut policy = KeyCache::default()
            .capacity(self.capacity)
            // The loader's own timeout says more; the cache's is a backstop.
            .load_timeout(self.query_timeout + Duration::from_secs(1));
        if let Some(ttl) = self.ttl {
            policy = policy.ttl(ttl);
        }
        if let Some(max_stale) = self.max_stale {
            policy = policy.max_stale(max_stale);
        }
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
            subscribers: KeySubscribers::default(),
            policy,
            stamps: Cache::builder()
                .max_capacity(self.capacity)
                .time_to_idle(policy.get_ttl() + policy.get_max_stale())
                .build(),
            dirty: Default::default(),
        });
        let watch = Arc::new(WatchState {
            listening: AtomicBool::new(false),
            task: std::sync::Mutex::new(None),
        });
        let watcher = Watcher {
            core: core.clone(),
            watch: Arc::downgrade(&watch),
            listen: self.listen,
            every: self.check_interval,
        };
        let task = runtime.spawn(watcher.run());
        *watch.task.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
        Ok(PgKeys { core, watch })
    }
}

/// The URL without its password, for `Debug` and logs.
pub(super) fn summary(config: &Config) -> String {
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
