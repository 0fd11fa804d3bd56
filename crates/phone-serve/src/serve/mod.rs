//! `alipay-phone serve`: the phone-number service any backend can call over HTTP.

mod auth;
mod conn;
mod http;
mod keys;
mod logs;
mod tls;

use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use clap::builder::BoolishValueParser;
use phone_client::{EnvKeys, PgKeys, PgKeysBuilder, PhoneClient};
use phone_core::SignType;
use phone_crypto::Backend;
use serde::Deserialize;

use crate::input::backend_names;

/// The default listening address: loopback only, so nothing is exposed by accident.
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The default body limit: the library's own envelope limit (a real envelope is under 1 KiB).
const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the token file is looked at for changes.
const TOKEN_FILE_CHECK: Duration = Duration::from_secs(1);

/// The backend `serve` uses without `--backend`: aws-lc-rs when compiled, the fastest on RSA
/// verification, which is nearly all of a request's CPU time (`alipay-phone bench`).
fn default_backend() -> Backend {
    Backend::from_name("aws-lc-rs").unwrap_or_default()
}

/// Arguments of `serve`. Every flag may come from a `PHONE_SERVE_*` variable or the `--config`
/// file instead; a flag wins over its variable, a variable over the file.
#[derive(Debug, Args)]
#[command(after_help = "\
Routes:
  POST /v1/apps/{app_id}/phone   the envelope exactly as the mini-program got it (res.response) as the body,
                                 or the button's event detail {encryptedData, sign}, or {encryptContent: res.response};
                                 needs Authorization: Bearer <token> when tokens are configured.
                                 200 {\"status\":\"ok\",\"code\":\"10000\",\"msg\":\"Success\",\"mobile\":\"<full number>\"};
  POST /v1/apps/{app_id}/run-data  my.getRunData, the same shapes: 200 {..., \"count\":16880,\"count_date\":\"2018-12-19\"}
  POST /v1/apps/{app_id}/open-data any open data, the same shapes: 200 {..., \"data\":{<the plaintext object>}}
                                 errors: the contract's JSON and status (400/403/404/413/422/500/502/503;
                                 404 key_error: an app id no key source knows),
                                 401 kind \"unauthorized\" (WWW-Authenticate: Bearer), 503 kind \"timeout\".
  GET  /healthz                  200 while the process runs (no token)
  GET  /readyz                   200 when keys can be loaded (keyring parses, database answers), else 503 (no token)
  GET  /metrics                  Prometheus text: alipay_phone_requests_total by outcome (every request: 401s,
                                 timeouts and bodies refused before opening included), durations, key cache (no
                                 token: it holds counts only, never an app id, number or key, and scrapers need
                                 no secret)

Keys (at least one source; asked in this order, the first with keys for an app id wins):
  --keyring FILE        the TOML keyring ([apps.<app id>] alipay_public_key, aes_key, ...), re-read on change
  --database-url URL    PostgreSQL table alipay_phone_keys (changes reach every replica within a second);
                        --migrate applies crates/phone-client/migrations first; serve alone never changes the schema.
                        TLS as the URL's sslmode says: disable (none), prefer (the default: TLS when the server
                        offers it, else plain text; a warning for a host off this machine, since anyone on the path
                        can refuse TLS), require, verify-ca, verify-full (all three: TLS or no connection). Over
                        TLS the server's certificate and host name are always verified, against the system's roots,
                        or with --database-ca FILE (PEM CA certificates, e.g. the cloud provider's) against that
                        file's alone; --database-ca also makes TLS required (sslmode=disable with it: exit 2). A
                        certificate that does not verify fails the connection, with prefer too
  environment           ALIPAY_PUBLIC_KEY_<APPID> / ALIPAY_AES_KEY_<APPID> per app, or ALIPAY_PUBLIC_KEY /
                        ALIPAY_AES_KEY for every app id
  --demo                the PUBLIC demo keys for every app id (never in production; not with other sources)
Without any it refuses to start (exit 2).

Tokens: --token-file FILE (one per line, whitespace and blank lines ignored, several for rotation, re-read on
change) and/or PHONE_SERVE_TOKEN. Compared in constant time (SHA-256 digests, subtle). Without a token serve
only starts on a loopback address; an empty token file refuses to start.

Defaults: --listen 127.0.0.1:8080, --backend aws-lc-rs (the fastest RSA verify; ring when aws-lc-rs is not
compiled), --sign-types RSA2, --body-limit 64KiB, --request-timeout 5s, --drain-timeout 10s, --log-format text,
--header-timeout 10s, --idle-timeout 60s, --max-connections (the descriptor limit less 128, at most 16384),
--max-header-size 32KiB (larger: 431), --listen-backlog 1024. The soft RLIMIT_NOFILE is raised to the hard one.
Sizes take B, KiB, MiB (or k, m); durations ms, s, m (a bare number is seconds).
SIGTERM/SIGINT: stop accepting, close idle connections and unfinished request heads at once, answer the requests
already read, exit 0 (exit 1 when --drain-timeout cut one of them).
Tokens are at least 32 characters (openssl rand -hex 32); a set but blank PHONE_SERVE_TOKEN is exit 2.
At startup it prints one line on stdout: listening addr=IP:PORT backend=NAME keys=SOURCES
Logs (stderr, RUST_LOG filters): one line per request with app_id, outcome, status, duration_us; never the
number, a key, the token or the ciphertext.

Environment: PHONE_SERVE_LISTEN, PHONE_SERVE_KEYRING, PHONE_SERVE_DATABASE_URL, PHONE_SERVE_DATABASE_CA,
PHONE_SERVE_TOKEN_FILE, PHONE_SERVE_TOKEN, PHONE_SERVE_BACKEND, PHONE_SERVE_SIGN_TYPES, PHONE_SERVE_DEMO,
PHONE_SERVE_MIGRATE, PHONE_SERVE_LOG_FORMAT, PHONE_SERVE_BODY_LIMIT, PHONE_SERVE_REQUEST_TIMEOUT,
PHONE_SERVE_DRAIN_TIMEOUT, PHONE_SERVE_HEADER_TIMEOUT, PHONE_SERVE_IDLE_TIMEOUT, PHONE_SERVE_MAX_CONNECTIONS,
PHONE_SERVE_MAX_HEADER_SIZE, PHONE_SERVE_LISTEN_BACKLOG, PHONE_SERVE_CONFIG. Precedence: flag > environment > config file > default.

Config file (TOML, the flags' names with _; relative paths are relative to the file):
  listen = \"0.0.0.0:8080\"
  keyring = \"keys.toml\"
  token_file = \"tokens.txt\"
  request_timeout = \"3s\"

Examples:
  alipay-phone serve --demo                                   # try it: public demo keys on 127.0.0.1:8080
  alipay-phone serve --keyring /etc/alipay-phone/keys.toml --token-file /etc/alipay-phone/tokens
  PHONE_SERVE_DATABASE_URL=postgres://alipay_phone@db/keys PHONE_SERVE_TOKEN_FILE=/run/secrets/tokens \\
    alipay-phone serve --listen 0.0.0.0:8080 --log-format json
  alipay-phone serve --database-url postgres://postgres@127.0.0.1/keys --migrate --token-file tokens
  alipay-phone serve --database-url 'postgres://alipay_phone@db.example.com/keys?sslmode=require' \\
    --database-ca /etc/alipay-phone/db-ca.pem --token-file /etc/alipay-phone/tokens
  curl -H \"Authorization: Bearer $TOKEN\" --data-binary @envelope.json \\
    http://127.0.0.1:8080/v1/apps/2021001234567890/phone")]
pub struct ServeArgs {
    /// The address to listen on [default: 127.0.0.1:8080]; port 0 picks a free one.
    #[arg(long, env = "PHONE_SERVE_LISTEN", value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// A TOML keyring (the README's FileKeys format), re-read when it changes.
    #[arg(long, env = "PHONE_SERVE_KEYRING", value_name = "FILE")]
    keyring: Option<PathBuf>,
    /// PostgreSQL with the alipay_phone_keys table (postgres://user:password@host:port/db).
    #[arg(long, env = "PHONE_SERVE_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    database_url: Option<String>,
    /// CA certificates (PEM) the database server's certificate must chain to, instead of the
    /// system's roots; TLS to the database is then required.
    #[arg(long, env = "PHONE_SERVE_DATABASE_CA", value_name = "FILE")]
    database_ca: Option<PathBuf>,
    /// Bearer tokens, one per line (several for rotation), re-read when the file changes.
    #[arg(long, env = "PHONE_SERVE_TOKEN_FILE", value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// The crypto backend [default: aws-lc-rs when compiled, else ring].
    #[arg(long, env = "PHONE_SERVE_BACKEND", value_parser = backend_names())]
    backend: Option<String>,
    /// Sign types accepted for every app unless its keyring entry or variables pin others
    /// [default: RSA2], comma-separated.
    #[arg(long, env = "PHONE_SERVE_SIGN_TYPES", value_name = "LIST")]
    sign_types: Option<String>,
    /// Serve the PUBLIC demo keys of examples/data for every app id (never in production).
    #[arg(long, env = "PHONE_SERVE_DEMO", value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_missing_value = "true", value_parser = BoolishValueParser::new(), hide_possible_values = true)]
    demo: Option<bool>,
    /// Apply the PostgreSQL migrations (idempotent, serialised by an advisory lock), then serve.
    #[arg(long, env = "PHONE_SERVE_MIGRATE", value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_missing_value = "true", value_parser = BoolishValueParser::new(), hide_possible_values = true)]
    migrate: Option<bool>,
    /// Log lines as text or as JSON objects [default: text].
    // Only --backend lists its values: scripts read a command's one "possible values" line as its backends.
    #[arg(long, env = "PHONE_SERVE_LOG_FORMAT", value_name = "text|json", value_parser = ["text", "json"], hide_possible_values = true)]
    log_format: Option<String>,
    /// The largest request body accepted; larger is 413 payload_too_large [default: 64KiB].
    #[arg(long, env = "PHONE_SERVE_BODY_LIMIT", value_name = "SIZE", value_parser = parse_size)]
    body_limit: Option<usize>,
    /// The longest a request may take, body upload included; longer is 503 kind timeout
    /// [default: 5s].
    #[arg(long, env = "PHONE_SERVE_REQUEST_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    request_timeout: Option<Duration>,
    /// How long SIGTERM/SIGINT waits for the requests in flight [default: 10s].
    #[arg(long, env = "PHONE_SERVE_DRAIN_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    drain_timeout: Option<Duration>,
    /// From a connection's accept (or its first byte after idling) to the end of the request
    /// head; longer and the connection is closed [default: 10s].
    #[arg(long, env = "PHONE_SERVE_HEADER_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    header_timeout: Option<Duration>,
    /// How long a keep-alive connection may wait for its next request [default: 60s].
    #[arg(long, env = "PHONE_SERVE_IDLE_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    idle_timeout: Option<Duration>,
    /// Open connections at most; more are closed at once and counted [default: the descriptor
    /// limit (raised to its hard limit at start) less 128, at most 16384].
    #[arg(long, env = "PHONE_SERVE_MAX_CONNECTIONS", value_name = "N")]
    max_connections: Option<usize>,
    /// The largest request head (request line and headers); larger is 431 [default: 32KiB].
    #[arg(long, env = "PHONE_SERVE_MAX_HEADER_SIZE", value_name = "SIZE", value_parser = parse_size)]
    max_header_size: Option<usize>,
    /// The listen backlog [default: 1024].
    #[arg(long, env = "PHONE_SERVE_LISTEN_BACKLOG", value_name = "N")]
    listen_backlog: Option<u32>,
    /// A TOML file with any of the settings above (flags and variables win over it).
    #[arg(long, env = "PHONE_SERVE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
}

/// A size: bytes, or with B, KiB/k, MiB/m.
fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: usize = num
        .parse()
        .map_err(|_| format!("not a size: {text:?} (e.g. 65536, 64KiB, 1MiB)"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        _ => return Err(format!("not a size: {text:?} (e.g. 65536, 64KiB, 1MiB)")),
    };
    n.checked_mul(mult)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("not a usable size: {text:?}"))
}

/// A duration: seconds, or with ms, s, m.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("not a duration: {text:?} (e.g. 5s, 500ms, 2m)"))?;
    let d = match unit.trim() {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        _ => return Err(format!("not a duration: {text:?} (e.g. 5s, 500ms, 2m)")),
    };
    if d.is_zero() {
        return Err(format!("a duration must be positive: {text:?}"));
    }
    Ok(d)
}

/// A number or a text with a unit, in the config file.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Amount {
    Number(u64),
    Text(String),
}

impl Amount {
    fn text(&self) -> String {
        match self {
            Self::Number(n) => n.to_string(),
            Self::Text(t) => t.clone(),
        }
    }
}

/// The `--config` file: the flags' names with `_`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    keyring: Option<PathBuf>,
    database_url: Option<String>,
    database_ca: Option<PathBuf>,
    token_file: Option<PathBuf>,
    backend: Option<String>,
    sign_types: Option<String>,
    demo: Option<bool>,
    migrate: Option<bool>,
    log_format: Option<String>,
    body_limit: Option<Amount>,
    request_timeout: Option<Amount>,
    drain_timeout: Option<Amount>,
    header_timeout: Option<Amount>,
    idle_timeout: Option<Amount>,
    max_connections: Option<usize>,
    max_header_size: Option<Amount>,
    listen_backlog: Option<u32>,
}

/// The settings after flags, variables, the file and defaults are merged.
#[derive(Debug)]
struct Settings {
    listen: SocketAddr,
    keyring: Option<PathBuf>,
    database_url: Option<String>,
    database_ca: Option<PathBuf>,
    token_file: Option<PathBuf>,
    backend: Backend,
    sign_types: Vec<SignType>,
    demo: bool,
    migrate: bool,
    json_logs: bool,
    body_limit: usize,
    request_timeout: Duration,
    drain_timeout: Duration,
    header_timeout: Duration,
    idle_timeout: Duration,
    /// `None`: from the descriptor limit once it is raised.
    max_connections: Option<usize>,
    max_header_size: usize,
    listen_backlog: u32,
}

fn read_config(path: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("--config {}: {e}", path.display()))?;
    let mut config: FileConfig = toml::from_str(&text).map_err(|e| {
        // toml's message quotes the line, which may hold the database password: the position only.
        let at = e.span().map(|s| format!(" at byte {}", s.start)).unwrap_or_default();
        let what = e.message();
        let what = if what.contains("unknown field") {
            what
        } else {
            "not valid"
        };
        format!("--config {}: {what}{at}", path.display())
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    for p in [&mut config.keyring, &mut config.database_ca, &mut config.token_file]
        .into_iter()
        .flatten()
    {
        if p.is_relative() {
            *p = base.join(&*p);
        }
    }
    Ok(config)
}

fn resolve(args: ServeArgs) -> Result<Settings, String> {
    let file = match &args.config {
        Some(path) => read_config(path)?,
        None => FileConfig::default(),
    };
    let listen = match (args.listen, file.listen) {
        (Some(a), _) => a,
        (None, Some(t)) => t
            .parse()
            .map_err(|_| format!("config listen: not an address: {t:?} (IP:PORT)"))?,
        (None, None) => DEFAULT_LISTEN.parse().map_err(|_| "default address".to_owned())?,
    };
    let backend = match args.backend.or(file.backend) {
        Some(name) => Backend::from_name(&name).ok_or_else(|| {
            let names: Vec<_> = Backend::ALL.iter().map(|b| b.name()).collect();
            format!("backend {name:?} is not compiled in (compiled: {})", names.join(", "))
        })?,
        None => default_backend(),
    };
    let sign_types = args
        .sign_types
        .or(file.sign_types)
        .unwrap_or_else(|| "RSA2".into())
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| SignType::parse(s).map_err(|_| format!("--sign-types: unknown sign type {s:?} (RSA, RSA2, SM2)")))
        .collect::<Result<Vec<_>, _>>()?;
    if sign_types.is_empty() {
        return Err("--sign-types: give at least one (RSA2)".into());
    }
    let log_format = args.log_format.or(file.log_format).unwrap_or_else(|| "text".into());
    if log_format != "text" && log_format != "json" {
        return Err(format!("log_format {log_format:?}: text or json"));
    }
    let size = |name: &str, flag: Option<usize>, file: Option<Amount>, default: usize| -> Result<usize, String> {
        match (flag, file) {
            (Some(v), _) => Ok(v),
            (None, Some(a)) => parse_size(&a.text()).map_err(|e| format!("config {name}: {e}")),
            (None, None) => Ok(default),
        }
    };
    let duration = |name: &str, flag: Option<Duration>, file: Option<Amount>, default: Duration| match (flag, file) {
        (Some(v), _) => Ok(v),
        (None, Some(a)) => parse_duration(&a.text()).map_err(|e| format!("config {name}: {e}")),
        (None, None) => Ok(default),
    };
    Ok(Settings {
        listen,
        keyring: args.keyring.or(file.keyring),
        database_url: args.database_url.or(file.database_url).filter(|u| !u.trim().is_empty()),
        database_ca: args.database_ca.or(file.database_ca),
        token_file: args.token_file.or(file.token_file),
        backend,
        sign_types,
        demo: args.demo.or(file.demo).unwrap_or(false),
        migrate: args.migrate.or(file.migrate).unwrap_or(false),
        json_logs: log_format == "json",
        body_limit: size("body_limit", args.body_limit, file.body_limit, DEFAULT_BODY_LIMIT)?,
        request_timeout: duration(
            "request_timeout",
            args.request_timeout,
            file.request_timeout,
            DEFAULT_REQUEST_TIMEOUT,
        )?,
        drain_timeout: duration(
            "drain_timeout",
            args.drain_timeout,
            file.drain_timeout,
            DEFAULT_DRAIN_TIMEOUT,
        )?,
        header_timeout: duration(
            "header_timeout",
            args.header_timeout,
            file.header_timeout,
            conn::DEFAULT_HEADER_TIMEOUT,
        )?,
        idle_timeout: duration(
            "idle_timeout",
            args.idle_timeout,
            file.idle_timeout,
            conn::DEFAULT_IDLE_TIMEOUT,
        )?,
        max_connections: match args.max_connections.or(file.max_connections) {
            Some(0) => return Err("max_connections: give at least 1".into()),
            other => other,
        },
        max_header_size: match size(
            "max_header_size",
            args.max_header_size,
            file.max_header_size,
            conn::DEFAULT_MAX_HEADER_BYTES,
        )? {
            // hyper's read buffer has a floor of 8 KiB; a head cap below 1 KiB refuses real clients.
            n if n < 1024 => return Err(format!("max_header_size {n}: at least 1KiB")),
            n => n,
        },
        listen_backlog: match args.listen_backlog.or(file.listen_backlog) {
            Some(0) => return Err("listen_backlog: give at least 1".into()),
            other => other.unwrap_or(conn::DEFAULT_BACKLOG),
        },
    })
}

fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("alipay-phone serve: {message}");
    ExitCode::from(2)
}

/// Runs `serve`.
pub fn run(args: ServeArgs) -> ExitCode {
    let settings = match resolve(args) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    // Held to the end: dropping it flushes the lines still queued for stderr.
    let (_log_flush, access_log) = match init_logs(settings.json_logs) {
        Ok(logs) => logs,
        Err(e) => {
            eprintln!("alipay-phone serve: cannot start the log writer thread: {e}");
            return ExitCode::from(1);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("alipay-phone serve: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(serve(settings, access_log));
    // In-flight work past the drain timeout is abandoned, not waited for.
    runtime.shutdown_timeout(Duration::from_millis(100));
    code
}

fn init_logs(json: bool) -> std::io::Result<(logs::FlushGuard, logs::AccessLog)> {
    // The library's own `alipay_phone` span per call says what serve's request line says
    // again; by default it is left out (RUST_LOG brings it back), which the load test shows is
    // about a tenth of a request's time on one core.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,phone_client::client=warn".into());
    // Lines are written in batches by a thread of their own (see `logs`): a request never
    // waits on a write to stderr, nor wakes a thread per line.
    let (writer, guard) = logs::batch_writer(std::io::stderr())?;
    let access = logs::AccessLog::new(writer.clone(), json);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
    Ok((guard, access))
}

async fn serve(s: Settings, access_log: logs::AccessLog) -> ExitCode {
    // Tokens first: a misconfigured token must stop the start before any key is touched.
    let file_tokens = match &s.token_file {
        Some(path) => match auth::read_token_file(path) {
            Ok(t) => t,
            Err(e) => return usage(e),
        },
        None => Vec::new(),
    };
    let env_token = match std::env::var("PHONE_SERVE_TOKEN") {
        Ok(v) => Some(v),
        Err(std::env::VarError::NotPresent) => None,
        // Set, but unreadable: never taken for "no token".
        Err(std::env::VarError::NotUnicode(_)) => return usage("PHONE_SERVE_TOKEN is not UTF-8 text"),
    };
    let env_token = match auth::env_token(env_token.as_deref()) {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    let tokens = auth::Tokens::new(file_tokens, env_token);
    if !tokens.configured() && !s.listen.ip().is_loopback() {
        return usage(format!(
            "refusing to listen on {} without a token: callers must authenticate on a non-loopback address; \
             give --token-file FILE (PHONE_SERVE_TOKEN_FILE) or PHONE_SERVE_TOKEN",
            s.listen
        ));
    }

    let sources = match key_sources(&s).await {
        Ok(sources) => sources,
        Err(code) => return code,
    };
    let provider = match sources.provider() {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    let client = match PhoneClient::builder()
        .keys(provider)
        .backend(s.backend)
        .accept_sign_types(&s.sign_types)
        .build()
    {
        Ok(c) => c,
        Err(e) => return usage(e),
    };

    // Before the listener: every descriptor the process will hold is under the raised limit.
    let fd_limit = conn::raise_fd_limit();
    let limits = conn::ConnLimits {
        header_timeout: s.header_timeout,
        idle_timeout: s.idle_timeout,
        max_connections: s
            .max_connections
            .unwrap_or_else(|| conn::default_max_connections(fd_limit)),
        max_header_bytes: s.max_header_size,
        backlog: s.listen_backlog,
    };
    if u64::try_from(limits.max_connections).unwrap_or(u64::MAX) >= fd_limit {
        tracing::warn!(
            max_connections = limits.max_connections,
            fd_limit,
            "--max-connections is not below the descriptor limit: accepting may fail before the cap"
        );
    }
    let listener = match conn::bind(s.listen, limits.backlog) {
        Ok(l) => l,
        Err(e) => return usage(format!("cannot listen on {}: {e}", s.listen)),
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => return usage(format!("cannot listen on {}: {e}", s.listen)),
    };
    if let Some(path) = s.token_file.clone() {
        tokens.watch(path, TOKEN_FILE_CHECK);
    }
    if !tokens.configured() {
        tracing::warn!(addr = %addr, "no token configured: any local process can call this service");
    }
    if s.demo {
        tracing::warn!("demo mode: every app id is served with the PUBLIC demo keys (never in production)");
    }
    let state = Arc::new(http::AppState {
        client: client.clone(),
        tokens: tokens.clone(),
        sources: sources.clone(),
        body_limit: s.body_limit,
        request_timeout: s.request_timeout,
        metrics: phone_client::metrics::prometheus(),
        access_log,
    });
    tracing::info!(
        addr = %addr,
        backend = client.backend_name(),
        keys = %sources.describe(),
        tokens = tokens.count(),
        max_connections = limits.max_connections,
        fd_limit,
        "listening"
    );
    // The one line scripts and tests read, whatever the log format.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "listening addr={addr} backend={} keys={}",
        client.backend_name(),
        sources.describe()
    );
    let _ = out.flush();
    drop(out);

    let shutdown = async {
        shutdown_signal().await;
        tracing::info!("shutting down: no new connections, closing idle ones, finishing the requests in flight");
    };
    match conn::serve(listener, http::router(state), limits, shutdown, s.drain_timeout).await {
        conn::Ended::Drained => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        conn::Ended::Cut(n) => {
            tracing::error!(
                drain_timeout_ms = u64::try_from(s.drain_timeout.as_millis()).unwrap_or(u64::MAX),
                requests = n,
                "drain timeout: exiting with requests still in flight"
            );
            ExitCode::from(1)
        }
    }
}

const DATABASE_CA_ALONE: &str = "--database-ca needs --database-url (it verifies the database server's certificate)";

/// The key sources of the settings, checked: the keyring parses, the database URL parses (and
/// is migrated with `--migrate`), the environment has keys. A usage problem is exit 2, a
/// migration that fails exit 1.
async fn key_sources(s: &Settings) -> Result<keys::Sources, ExitCode> {
    let env = EnvKeys::new();
    if s.demo {
        if s.keyring.is_some() || s.database_url.is_some() {
            return Err(usage(
                "--demo serves the public demo keys for every app id: it does not combine with --keyring or --database-url",
            ));
        }
        if s.migrate {
            return Err(usage("--migrate needs --database-url"));
        }
        if s.database_ca.is_some() {
            return Err(usage(DATABASE_CA_ALONE));
        }
        return Ok(keys::Sources::demo());
    }
    let mut sources = keys::Sources::default();
    if let Some(path) = &s.keyring {
        sources = sources.with_keyring(path.clone());
        match sources.keyring_apps().await {
            Some(Ok(apps)) if apps.is_empty() => {
                tracing::warn!(path = %path.display(), "the keyring has no [apps.<id>] table yet")
            }
            Some(Err(e)) => return Err(usage(format!("--keyring: {e}"))),
            _ => {}
        }
    }
    if let Some(url) = &s.database_url {
        let database = tls::database(url, s.database_ca.is_some()).map_err(usage)?;
        let connector = tls::connector(s.database_ca.as_deref()).map_err(usage)?;
        if let Some(host) = &database.downgradable {
            tracing::warn!(host = %host, "{}", tls::PREFER_WARNING);
        }
        // Always given: the URL's sslmode decides whether it is used, unless TLS is required.
        let mut builder = PgKeysBuilder::from_config(database.config).tls(connector);
        if database.require_tls {
            builder = builder.require_tls();
        }
        let keys = match builder.build() {
            Ok(k) => k,
            Err(e) => return Err(usage(format!("--database-url: {e}"))),
        };
        if s.migrate {
            if let Err(e) = keys.migrate().await {
                let hint = if tls::certificate_not_verified(&e) {
                    format!("; {}", tls::NOT_VERIFIED_HINT)
                } else {
                    String::new()
                };
                eprintln!("alipay-phone serve: --migrate failed: {e}{hint}");
                return Err(ExitCode::from(1));
            }
            tracing::info!(migrations = PgKeys::MIGRATIONS.len(), "migrations applied");
        }
        // One look at startup, in the background (the database may be down: serve starts
        // anyway), for a certificate that does not verify: the library logs the failure, this
        // says what to do about it.
        let probe = keys.clone();
        tokio::spawn(async move {
            if let Ok(Err(e)) = tokio::time::timeout(Duration::from_secs(10), probe.ready()).await
                && tls::certificate_not_verified(&e)
            {
                tracing::error!("cannot connect to the PostgreSQL key store: {}", tls::NOT_VERIFIED_HINT);
            }
        });
        sources = sources.with_database(keys);
    } else if s.migrate {
        return Err(usage("--migrate needs --database-url"));
    } else if s.database_ca.is_some() {
        return Err(usage(DATABASE_CA_ALONE));
    }
    if env.is_configured() {
        sources = sources.with_env();
    }
    if sources.is_empty() {
        return Err(usage(keys::NO_KEYS));
    }
    Ok(sources)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("64KiB"), Ok(65536));
        assert_eq!(parse_size("1m"), Ok(1 << 20));
        assert!(parse_size("0").is_err());
        assert!(parse_size("ten").is_err());
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5h").is_err());
    }

    #[test]
    fn demo_keys_are_the_examples_data_files() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data");
        // Packaged alone, the crate has no examples/: nothing to compare with.
        let (Ok(public), Ok(aes)) = (
            std::fs::read_to_string(root.join("alipay_public_key.txt")),
            std::fs::read_to_string(root.join("aes_key.txt")),
        ) else {
            return;
        };
        assert_eq!(public.trim(), keys::DEMO_ALIPAY_PUBLIC_KEY);
        assert_eq!(aes.trim(), keys::DEMO_AES_KEY);
    }
}
