//! Connections as a production server treats them: a header-read timeout and an idle
//! keep-alive timeout per connection, a cap on open connections below the descriptor limit, a
//! listen backlog, a cap on request heads, `Host` required on HTTP/1.1, and a shutdown that
//! closes idle and unfinished connections at once.
//!
//! axum's own `serve` runs hyper without a timer (so hyper's header timeout is off) and has
//! none of the rest: this is hyper's HTTP/1 connection driven by hand. Both timeouts are kept
//! here rather than in hyper, because hyper (1.12) restarts its header timer as soon as a
//! keep-alive connection goes idle, which would make the idle timeout the header timeout.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::header::HOST;
use axum::http::{Request, Response, StatusCode, Version};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tower::ServiceExt as _;

/// The defaults, each a flag (`ConnLimits`'s fields).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_MAX_HEADER_BYTES: usize = 32 * 1024;
pub const DEFAULT_BACKLOG: u32 = 1024;
/// Descriptors kept for everything but client connections: the database, the keyring and
/// token files, the log pipe, the runtime.
const RESERVED_FDS: u64 = 128;
/// The cap when the descriptor limit allows more: past this many open connections a
/// single-process service is better scaled out than made to hold more.
const MAX_DEFAULT_CONNECTIONS: u64 = 16_384;
/// At most one warning per this long for a hit cap or descriptor limit.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// How connections are limited.
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    /// From a connection's first byte of a request (or its accept) to the end of the head.
    pub header_timeout: Duration,
    /// How long a keep-alive connection may wait between requests.
    pub idle_timeout: Duration,
    /// Open connections at most; one more is closed at once.
    pub max_connections: usize,
    /// The largest request head (request line and headers); larger is 431.
    pub max_header_bytes: usize,
    /// The listen backlog.
    pub backlog: u32,
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit and returns the limit now in force (the
/// soft limit is 1024 on most systems, too low for a server; systemd and docker raise the
/// hard one).
pub fn raise_fd_limit() -> u64 {
    #[cfg(unix)]
    {
        match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(limit) => limit,
            Err(e) => {
                tracing::warn!(error = %e, "cannot raise the descriptor limit");
                rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
            }
        }
    }
    #[cfg(not(unix))]
    {
        u64::from(u32::MAX)
    }
}

/// The default connection cap for a descriptor limit: below it by a reserve, and never above
/// [`MAX_DEFAULT_CONNECTIONS`].
pub fn default_max_connections(fd_limit: u64) -> usize {
    let usable = if fd_limit > 2 * RESERVED_FDS {
        fd_limit - RESERVED_FDS
    } else {
        fd_limit / 2
    };
    usize::try_from(usable.clamp(1, MAX_DEFAULT_CONNECTIONS)).unwrap_or(1)
}

/// Binds `addr` with the given listen backlog (tokio's `TcpListener::bind` uses 1024 on Linux
/// but says nothing; this makes it a setting).
pub fn bind(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // A restarted server must not wait for the old one's TIME_WAIT sockets.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// Why a connection was closed by the server, for the counter's `reason` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closed {
    HeaderTimeout,
    IdleTimeout,
    Cap,
    Shutdown,
}

impl Closed {
    fn as_str(self) -> &'static str {
        match self {
            Self::HeaderTimeout => "header_timeout",
            Self::IdleTimeout => "idle_timeout",
            Self::Cap => "cap",
            Self::Shutdown => "shutdown",
        }
    }
}

/// Open connections: a gauge.
pub const OPEN_CONNECTIONS: &str = "alipay_phone_serve_open_connections";
/// Connections accepted: a counter.
pub const CONNECTIONS_ACCEPTED_TOTAL: &str = "alipay_phone_serve_connections_accepted_total";
/// Connections the server closed: a counter with label `reason` (`header_timeout`,
/// `idle_timeout`, `cap`, `shutdown`).
pub const CONNECTIONS_CLOSED_TOTAL: &str = "alipay_phone_serve_connections_closed_total";

fn describe_metrics() {
    use metrics::{Unit, describe_counter, describe_gauge};
    describe_gauge!(OPEN_CONNECTIONS, Unit::Count, "Client connections open now");
    describe_counter!(CONNECTIONS_ACCEPTED_TOTAL, Unit::Count, "Client connections accepted");
    describe_counter!(
        CONNECTIONS_CLOSED_TOTAL,
        Unit::Count,
        "Client connections closed by the server, by reason (header_timeout, idle_timeout, cap, shutdown)"
    );
}

fn closed(reason: Closed) {
    metrics::counter!(CONNECTIONS_CLOSED_TOTAL, "reason" => reason.as_str()).increment(1);
}

/// What a connection is doing, for its watchdog.
const PHASE_HEAD: u8 = 0;
const PHASE_BUSY: u8 = 1;
const PHASE_IDLE: u8 = 2;

/// How often the reaper looks at every connection's deadline: the timeouts are kept to this
/// much. One task for all connections costs a request nothing (a per-connection timer re-armed
/// on every phase change cost serve about a tenth of its throughput, scripts/serve-load.sh).
const REAP_EVERY: Duration = Duration::from_millis(250);

/// One connection's state, shared by its reader, its service, its task and the reaper. A
/// request only stores atomics here; nothing is woken until a deadline has passed.
struct ConnState {
    phase: AtomicU8,
    /// When the phase began, in milliseconds since the server's epoch.
    since_ms: AtomicU64,
    epoch: Instant,
    /// Told by the reaper when a deadline passed.
    close: Notify,
}

impl ConnState {
    fn new(epoch: Instant) -> Self {
        Self {
            // A fresh connection owes its first request head from the accept on.
            phase: AtomicU8::new(PHASE_HEAD),
            since_ms: AtomicU64::new(Self::ms(epoch)),
            epoch,
            close: Notify::new(),
        }
    }

    fn ms(epoch: Instant) -> u64 {
        u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn set(&self, phase: u8) {
        self.since_ms.store(Self::ms(self.epoch), Ordering::Relaxed);
        self.phase.store(phase, Ordering::Release);
    }

    /// Bytes arrived: an idle connection starts owing a head.
    fn on_read(&self) {
        if self.phase.load(Ordering::Acquire) == PHASE_IDLE {
            self.set(PHASE_HEAD);
        }
    }

    /// When the connection must be closed if nothing changes, and why; `None` while a request
    /// is being served (the request timeout bounds that).
    fn deadline(&self, limits: &ConnLimits) -> Option<(Instant, Closed)> {
        let since = self.epoch + Duration::from_millis(self.since_ms.load(Ordering::Relaxed));
        match self.phase.load(Ordering::Acquire) {
            PHASE_HEAD => Some((since + limits.header_timeout, Closed::HeaderTimeout)),
            PHASE_IDLE => Some((since + limits.idle_timeout, Closed::IdleTimeout)),
            _ => None,
        }
    }

    fn busy(&self) -> bool {
        self.phase.load(Ordering::Acquire) == PHASE_BUSY
    }

    /// The reaper's look: past its deadline, the connection is told to close.
    fn reap(&self, limits: &ConnLimits, now: Instant) {
        if self.deadline(limits).is_some_and(|(at, _)| now >= at) {
            self.close.notify_one();
        }
    }
}

/// Every open connection's state, for the reaper.
type Registry = Arc<std::sync::Mutex<std::collections::HashMap<u64, Arc<ConnState>>>>;

/// The one task that closes connections past their deadline.
fn spawn_reaper(registry: Registry, limits: ConnLimits) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REAP_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = Instant::now();
            let all: Vec<Arc<ConnState>> = registry
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .values()
                .cloned()
                .collect();
            for state in all {
                state.reap(&limits, now);
            }
        }
    })
}

/// The socket, telling the connection's state when bytes arrive.
struct Watched {
    inner: TcpStream,
    state: Arc<ConnState>,
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.state.on_read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Marks the connection busy for as long as a request is served; dropped (the response is
/// ready, or the request was cut), it goes idle.
struct Busy {
    state: Arc<ConnState>,
    in_flight: Arc<AtomicUsize>,
}

impl Busy {
    fn new(state: Arc<ConnState>, in_flight: Arc<AtomicUsize>) -> Self {
        state.set(PHASE_BUSY);
        in_flight.fetch_add(1, Ordering::AcqRel);
        Self { state, in_flight }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.state.set(PHASE_IDLE);
    }
}

/// The 400 for an HTTP/1.1 request without `Host` (RFC 9112 section 3.2: a server MUST
/// respond 400), in the contract's shape and the asked language.
fn missing_host(headers: &axum::http::HeaderMap) -> Response<Body> {
    let phone_client::axum::AcceptLanguage(lang) = phone_client::axum::AcceptLanguage::from_headers(headers);
    phone_client::axum::HttpError::new(
        StatusCode::BAD_REQUEST,
        "bad_request",
        "an HTTP/1.1 request must carry a Host header",
        "send the Host header (every HTTP client does; a hand-written request may not)",
        "HTTP/1.1 请求必须带 Host 请求头（正常的 HTTP 客户端都会自动带上；手写的请求可能漏掉）",
    )
    .into_response_in(lang)
}

/// A warning at most every [`WARN_EVERY`].
struct RateLimited {
    last: std::sync::Mutex<Option<Instant>>,
}

impl RateLimited {
    fn new() -> Self {
        Self {
            last: std::sync::Mutex::new(None),
        }
    }

    fn ready(&self) -> bool {
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if last.is_some_and(|t| now.duration_since(t) < WARN_EVERY) {
            return false;
        }
        *last = Some(now);
        true
    }
}

/// How serving ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// Every request that had been read was answered.
    Drained,
    /// The drain timeout cut requests that had been read.
    Cut(usize),
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains: idle connections and
/// those still sending a head are closed at once, requests being served get up to `drain`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
) -> Ended {
    describe_metrics();
    let epoch = Instant::now();
    let open = Arc::new(AtomicUsize::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let (stop_tx, stop_rx) = watch::channel(false);
    let all_closed = Arc::new(Notify::new());
    let cap_warning = Arc::new(RateLimited::new());
    let accept_warning = RateLimited::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // Ours (see the module docs): hyper's would also close idle keep-alive connections.
        .header_read_timeout(None)
        .max_header_size(limits.max_header_bytes)
        // The read buffer bounds what an unfinished head can hold; bodies are read as frames.
        .max_buf_size(limits.max_header_bytes.max(8192) + 8192)
        .keep_alive(true);
    let builder = Arc::new(builder);
    let registry: Registry = Arc::default();
    let reaper = spawn_reaper(registry.clone(), limits);
    let mut next_id = 0u64;
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // EMFILE/ENFILE: out of descriptors. Back off instead of spinning on accept.
                if accept_warning.ready() {
                    tracing::warn!(error = %e, open = open.load(Ordering::Relaxed), "cannot accept connections (descriptor limit?)");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        metrics::counter!(CONNECTIONS_ACCEPTED_TOTAL).increment(1);
        if open.load(Ordering::Acquire) >= limits.max_connections {
            // Closed at once: the cap keeps descriptors for the connections already open and
            // for /healthz behind them.
            drop(stream);
            closed(Closed::Cap);
            if cap_warning.ready() {
                tracing::warn!(
                    max_connections = limits.max_connections,
                    "connection cap reached: closing new connections"
                );
            }
            continue;
        }
        open.fetch_add(1, Ordering::AcqRel);
        metrics::gauge!(OPEN_CONNECTIONS).increment(1.0);
        let _ = stream.set_nodelay(true);
        let state = Arc::new(ConnState::new(epoch));
        next_id += 1;
        let id = next_id;
        registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id, state.clone());
        let io = TokioIo::new(Watched {
            inner: stream,
            state: state.clone(),
        });
        let service = {
            let app = app.clone();
            let state = state.clone();
            let in_flight = in_flight.clone();
            hyper::service::service_fn(move |request: Request<Incoming>| {
                let busy = Busy::new(state.clone(), in_flight.clone());
                let app = app.clone();
                async move {
                    let _busy = busy;
                    if request.version() == Version::HTTP_11 && !request.headers().contains_key(HOST) {
                        return Ok::<_, std::convert::Infallible>(missing_host(request.headers()));
                    }
                    app.oneshot(request.map(Body::new)).await
                }
            })
        };
        let conn = builder.serve_connection(io, service);
        let mut stop = stop_rx.clone();
        let open = open.clone();
        let all_closed = all_closed.clone();
        let registry = registry.clone();
        tokio::spawn(async move {
            let mut conn = std::pin::pin!(conn);
            let mut stopping = false;
            loop {
                tokio::select! {
                    _ = conn.as_mut() => break,
                    () = state.close.notified() => {
                        // Only a connection still past its deadline: a request may have started
                        // since the reaper looked.
                        if let Some((at, why)) = state.deadline(&limits)
                            && Instant::now() >= at
                        {
                            closed(why);
                            break;
                        }
                    }
                    changed = stop.changed(), if !stopping => {
                        let _ = changed;
                        stopping = true;
                        if !state.busy() {
                            closed(Closed::Shutdown);
                            break;
                        }
                        // Answer the request being served (hyper writes its response, then
                        // closes: keep-alive is off from here).
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
            registry
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(&id);
            metrics::gauge!(OPEN_CONNECTIONS).decrement(1.0);
            if open.fetch_sub(1, Ordering::AcqRel) == 1 {
                all_closed.notify_waiters();
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every connection closes itself now or after its request; wait for them up to `drain`.
    let waited = tokio::time::timeout(drain, async {
        loop {
            let notified = all_closed.notified();
            if open.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    })
    .await;
    reaper.abort();
    match waited {
        Ok(()) => Ended::Drained,
        Err(_) => match in_flight.load(Ordering::Acquire) {
            0 => Ended::Drained,
            n => Ended::Cut(n),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_cap_stays_below_the_descriptor_limit() {
        assert_eq!(default_max_connections(1024), 1024 - 128);
        assert_eq!(default_max_connections(200), 100);
        assert_eq!(default_max_connections(1_048_576), 16_384);
        assert_eq!(default_max_connections(0), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn deadlines_follow_the_phase() {
        let limits = ConnLimits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1,
            max_header_bytes: 16 * 1024,
            backlog: 16,
        };
        let state = ConnState::new(Instant::now());
        let (at, why) = state.deadline(&limits).unwrap();
        assert_eq!(why, Closed::HeaderTimeout);
        assert_eq!(at.duration_since(state.epoch), Duration::from_secs(10));
        state.set(PHASE_BUSY);
        assert!(state.deadline(&limits).is_none() && state.busy());
        tokio::time::advance(Duration::from_secs(5)).await;
        state.set(PHASE_IDLE);
        let (at, why) = state.deadline(&limits).unwrap();
        assert_eq!(
            (why, at.duration_since(state.epoch)),
            (Closed::IdleTimeout, Duration::from_secs(65))
        );
        // A byte after idling starts the head's clock; more bytes do not restart it.
        tokio::time::advance(Duration::from_secs(1)).await;
        state.on_read();
        let (at, why) = state.deadline(&limits).unwrap();
        assert_eq!(
            (why, at.duration_since(state.epoch)),
            (Closed::HeaderTimeout, Duration::from_secs(16))
        );
        tokio::time::advance(Duration::from_secs(3)).await;
        state.on_read();
        assert_eq!(
            state.deadline(&limits).unwrap().0.duration_since(state.epoch),
            Duration::from_secs(16)
        );
    }
}
