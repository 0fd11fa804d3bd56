//! serve's log writer: lines gather in memory and a thread of their own writes them out in
//! batches.
//!
//! Why not `tracing_appender::non_blocking`: it hands every line to its thread, which then
//! wakes, makes one `write` call and goes back to sleep. On a loaded core that is a thread
//! switch and a system call per request, and the load test (`scripts/serve-load.sh`) measured
//! it at about a fifth of a request's time. Here a request only copies its line into a buffer
//! under a lock; the writer thread wakes when a batch starts, lets it gather for
//! [`GATHER`], and writes it in one call.
//!
//! A log collector that stops reading stderr: past [`HIGH_WATER`] buffered bytes a line waits
//! up to [`FULL_WAIT`] for the writer, then is dropped and counted, and so is every line after
//! it until the writer gets through; then a warning line says how many were lost. So memory
//! stays bounded and a stalled collector costs one request a second at most, never stops
//! requests or the drain at SIGTERM. Dropping the
//! [`FlushGuard`] writes what is left, waiting at most [`EXIT_WAIT`].

use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime as _;

/// How long a batch gathers after its first line before it is written: the delay a line may
/// see, and at most this many writes a second.
pub const GATHER: Duration = Duration::from_millis(20);
/// Buffered bytes past which a batch is written at once, before its gathering time is up.
const EARLY_WRITE: usize = 64 * 1024;
/// Buffered bytes past which a line waits for the writer: some 80,000 request lines, seconds
/// of a collector's hiccup at full load.
pub const HIGH_WATER: usize = 16 * 1024 * 1024;
/// How long a line waits at the high-water mark before it is dropped.
pub const FULL_WAIT: Duration = Duration::from_secs(1);
/// How long exiting waits for the last lines to be written: a log collector that stopped
/// reading stderr must not keep a drained process from exiting.
pub const EXIT_WAIT: Duration = Duration::from_secs(2);

/// The target serve's own lines are logged under (what `RUST_LOG` filters on).
pub const ACCESS_TARGET: &str = "alipay_phone::serve";
// One message for the three routes: the `data` field says which (phone, run, any).
const ACCESS_MESSAGE: &str = "POST /v1/apps/{app_id}";

#[derive(Default)]
struct State {
    buf: Vec<u8>,
    /// Lines dropped at the high-water mark since the last warning about it.
    dropped: u64,
    /// How many lines have waited at the high-water mark (one per stall, see `push`).
    waits: u64,
    closing: bool,
    /// Set by the writer thread when it has written its last batch.
    finished: bool,
}

struct Limits {
    gather: Duration,
    high_water: usize,
    full_wait: Duration,
    exit_wait: Duration,
}

struct Shared {
    state: Mutex<State>,
    /// The writer waits here for a first line, for `EARLY_WRITE`, or for closing.
    filled: Condvar,
    /// Lines held at the high-water mark wait here for the writer to take the buffer, and the
    /// guard for the writer to finish.
    drained: Condvar,
    limits: Limits,
    /// The lines' shape, as the subscriber was set up: flattened JSON objects or tracing's
    /// text (set by [`AccessLog::new`]).
    json: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves only bytes behind: keep logging.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, line: &[u8]) {
        let mut state = self.lock();
        // Only the first line of a stall waits: once one was dropped, the rest go at once
        // (counted) until the writer gets through, so requests keep their speed.
        if state.buf.len() >= self.limits.high_water && !state.closing && state.dropped == 0 {
            state.waits += 1;
            state = self
                .drained
                .wait_timeout_while(state, self.limits.full_wait, |s| {
                    s.buf.len() >= self.limits.high_water && !s.closing
                })
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        if state.buf.len() >= self.limits.high_water && !state.closing {
            state.dropped += 1;
            return;
        }
        let before = state.buf.len();
        state.buf.extend_from_slice(line);
        let after = state.buf.len();
        drop(state);
        // One wake-up per batch: when it starts, and when it grows past the early-write size.
        if before == 0 || (before < EARLY_WRITE && after >= EARLY_WRITE) {
            self.filled.notify_one();
        }
    }

    /// One line as `tracing_subscriber::fmt` would write it for an event with these fields
    /// (already safe to print unquoted: numbers, vetted ids, fixed words).
    fn line(&self, level: &str, message: &str, fields: &[(&str, Field<'_>)]) -> String {
        let mut line = String::with_capacity(224);
        let json = self.json.load(Ordering::Relaxed);
        let _ = if json {
            write!(line, r#"{{"timestamp":""#)
        } else {
            Ok(())
        };
        // The same clock and format as every other line of the process.
        let _ = tracing_subscriber::fmt::time::SystemTime.format_time(&mut Writer::new(&mut line));
        let _ = if json {
            write!(line, r#"","level":"{level}","message":"{message}""#)
        } else {
            write!(line, " {level:>5} {ACCESS_TARGET}: {message}")
        };
        for (name, value) in fields {
            let _ = match (json, value) {
                (true, Field::Str(v)) => write!(line, r#","{name}":"{v}""#),
                (true, Field::Num(v)) => write!(line, r#","{name}":{v}"#),
                (false, Field::Str(v)) => write!(line, r#" {name}="{v}""#),
                (false, Field::Num(v)) => write!(line, " {name}={v}"),
                // tracing prints a `%value` field without quotes in text.
                (false, Field::Display(v)) => write!(line, " {name}={v}"),
                (true, Field::Display(v)) => write!(line, r#","{name}":"{v}""#),
            };
        }
        let _ = if json {
            writeln!(line, r#","target":"{ACCESS_TARGET}"}}"#)
        } else {
            writeln!(line)
        };
        line
    }
}

/// A field of a line `Shared::line` writes.
enum Field<'a> {
    /// `name = "value"` in tracing's terms.
    Str(&'a str),
    /// `name = %value`.
    Display(&'a str),
    Num(u64),
}

/// The `MakeWriter` handed to `tracing_subscriber::fmt`; see the module documentation.
#[derive(Clone)]
pub struct BatchWriter {
    shared: Arc<Shared>,
}

/// Writes the lines still buffered and stops the writer thread when dropped.
pub struct FlushGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// A writer over `sink` (stderr in `serve`) and the guard that flushes it at exit.
pub fn batch_writer<W: Write + Send + 'static>(sink: W) -> io::Result<(BatchWriter, FlushGuard)> {
    with_limits(
        sink,
        Limits {
            gather: GATHER,
            high_water: HIGH_WATER,
            full_wait: FULL_WAIT,
            exit_wait: EXIT_WAIT,
        },
    )
}

fn with_limits<W: Write + Send + 'static>(sink: W, limits: Limits) -> io::Result<(BatchWriter, FlushGuard)> {
    let shared = Arc::new(Shared {
        state: Mutex::default(),
        filled: Condvar::new(),
        drained: Condvar::new(),
        limits,
        json: AtomicBool::new(false),
    });
    let for_thread = shared.clone();
    let thread = std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || write_batches(&for_thread, sink))?;
    Ok((
        BatchWriter { shared: shared.clone() },
        FlushGuard {
            shared,
            thread: Some(thread),
        },
    ))
}

fn write_batches<W: Write>(shared: &Shared, mut sink: W) {
    let mut batch = Vec::new();
    loop {
        let mut state = shared.lock();
        while state.buf.is_empty() && !state.closing {
            state = shared.filled.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        // Let the batch gather (a request per line keeps arriving meanwhile), unless it is
        // already large or the process is closing.
        state = shared
            .filled
            .wait_timeout_while(state, shared.limits.gather, |s| s.buf.len() < EARLY_WRITE && !s.closing)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
        std::mem::swap(&mut state.buf, &mut batch);
        let dropped = std::mem::take(&mut state.dropped);
        drop(state);
        shared.drained.notify_all();
        // stderr gone (a closed pipe) loses the lines, as eprintln would; nothing to tell.
        let mut written = sink.write_all(&batch).and_then(|()| sink.flush()).is_ok();
        if dropped > 0 && written {
            let warning = shared.line(
                "WARN",
                "log lines dropped: stderr did not keep up (a stalled log collector?)",
                &[("dropped", Field::Num(dropped))],
            );
            written = sink.write_all(warning.as_bytes()).is_ok();
        }
        if dropped > 0 && !written {
            // Not told yet: say it with the next batch that gets through.
            shared.lock().dropped += dropped;
        }
        recycle(&mut batch);
        // Lines pushed while the last batch was being written still go out before the end.
        let mut state = shared.lock();
        if state.closing && state.buf.is_empty() {
            state.finished = true;
            drop(state);
            shared.drained.notify_all();
            return;
        }
    }
}

/// Empties a written batch for the next one, keeping its memory unless a burst made it large.
fn recycle(batch: &mut Vec<u8>) {
    batch.clear();
    if batch.capacity() > EARLY_WRITE * 4 {
        batch.shrink_to(EARLY_WRITE);
    }
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.closing = true;
        self.shared.filled.notify_one();
        self.shared.drained.notify_all();
        let (state, _) = self
            .shared
            .drained
            .wait_timeout_while(state, self.shared.limits.exit_wait, |s| !s.finished)
            .unwrap_or_else(PoisonError::into_inner);
        let finished = state.finished;
        drop(state);
        // A writer stuck on a stalled stderr is left behind; the process is exiting anyway.
        if let Some(thread) = self.thread.take().filter(|_| finished) {
            let _ = thread.join();
        }
    }
}

/// One event's line: `tracing_subscriber::fmt` formats the whole line first and writes it
/// with one `write_all`, so each `write` here is a complete line.
pub struct LineWriter<'a> {
    shared: &'a Shared,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.shared.push(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchWriter {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter { shared: &self.shared }
    }
}

/// The one line per request, written straight into the [`BatchWriter`].
///
/// It reads exactly as `tracing::info!(target: "alipay_phone::serve", ...)` would through
/// `tracing_subscriber::fmt` (text or flattened JSON; a test compares them), and obeys the
/// `RUST_LOG` level for its target, but skips the generic field visiting and escaping: every
/// value is known to need none. That was most of the per-request cost of logging under
/// callgrind. (Filters on field values and ANSI colours do not apply to it.)
#[derive(Clone)]
pub struct AccessLog {
    writer: BatchWriter,
}

impl AccessLog {
    /// The access log over `writer`, in the shape the subscriber writes (`json`), which the
    /// writer's own warnings then follow too.
    pub fn new(writer: BatchWriter, json: bool) -> Self {
        writer.shared.json.store(json, Ordering::Relaxed);
        Self { writer }
    }

    /// Logs one request. `app_id` must already be safe to print (`phone_client::loggable_app_id`); `outcome`
    /// is a contract kind or serve's own fixed word, never text from the request.
    pub fn request(
        &self,
        app_id: &str,
        data: &'static str,
        shape: &'static str,
        outcome: &'static str,
        status: u16,
        duration_us: u64,
    ) {
        if !tracing::enabled!(target: ACCESS_TARGET, tracing::Level::INFO) {
            return;
        }
        // A release build relies on `loggable_app_id`; this catches a caller that forgot it.
        debug_assert!(
            [app_id, data, shape, outcome]
                .iter()
                .all(|v| v.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')),
            "access log values must not need escaping"
        );
        let shared = &self.writer.shared;
        let line = shared.line(
            "INFO",
            ACCESS_MESSAGE,
            &[
                ("app_id", Field::Display(app_id)),
                ("data", Field::Str(data)),
                ("shape", Field::Str(shape)),
                ("outcome", Field::Str(outcome)),
                ("status", Field::Num(u64::from(status))),
                ("duration_us", Field::Num(duration_us)),
            ],
        );
        shared.push(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    type Hook = Arc<Mutex<Option<Box<dyn FnOnce() + Send>>>>;

    /// A sink that records what it got and how many writes it took.
    #[derive(Clone, Default)]
    struct Sink {
        bytes: Arc<Mutex<Vec<u8>>>,
        writes: Arc<AtomicUsize>,
        /// Set: every write blocks until cleared (a log collector that stopped reading).
        stalled: Arc<Mutex<bool>>,
        /// Run once, during the first write.
        on_first_write: Hook,
        /// Set: every write fails (a closed pipe).
        failing: Arc<Mutex<bool>>,
        flushes: Arc<AtomicUsize>,
    }

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            while *self.stalled.lock().unwrap() {
                std::thread::sleep(Duration::from_millis(1));
            }
            if let Some(hook) = self.on_first_write.lock().unwrap().take() {
                hook();
            }
            if *self.failing.lock().unwrap() {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            self.writes.fetch_add(1, Ordering::SeqCst);
            self.bytes.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            self.flushes.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    impl Sink {
        /// Until `done` holds for what was written; a minute turns a hang into a failure.
        fn until(&self, done: impl Fn(&str) -> bool) -> String {
            for _ in 0..6000 {
                let text = self.text();
                if done(&text) {
                    return text;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            panic!("never written: {:?}", self.text());
        }

        fn text(&self) -> String {
            String::from_utf8(self.bytes.lock().unwrap().clone()).unwrap()
        }
    }

    fn line(i: usize) -> Vec<u8> {
        format!("line {i:06} {}\n", "x".repeat(40)).into_bytes()
    }

    /// Splits off the timestamp (the line's first field in text, a key in JSON).
    fn split_timestamp(line: &str) -> (String, String) {
        match line.strip_prefix(r#"{"timestamp":""#) {
            Some(rest) => {
                let (ts, tail) = rest.split_once('"').unwrap();
                (ts.to_owned(), tail.to_owned())
            }
            None => {
                let (ts, tail) = line.split_once(' ').unwrap();
                (ts.to_owned(), tail.to_owned())
            }
        }
    }

    /// The timestamp's shape: digits as 9, the rest as is.
    fn shape(ts: &str) -> String {
        ts.chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect()
    }

    #[test]
    fn the_access_line_reads_as_tracing_would_write_it() {
        for json in [false, true] {
            let sink = Sink::default();
            let (writer, guard) = batch_writer(sink.clone()).unwrap();
            let builder = tracing_subscriber::fmt()
                .with_writer(writer.clone())
                .with_ansi(false)
                .with_max_level(tracing::Level::INFO);
            let dispatch = if json {
                tracing::Dispatch::new(builder.json().flatten_event(true).finish())
            } else {
                tracing::Dispatch::new(builder.finish())
            };
            tracing::dispatcher::with_default(&dispatch, || {
                AccessLog::new(writer.clone(), json).request(
                    "2021001234567890",
                    "phone",
                    "event_detail",
                    "bad_signature",
                    403,
                    1234,
                );
                tracing::info!(
                    target: "alipay_phone::serve",
                    app_id = %"2021001234567890",
                    data = "phone",
                    shape = "event_detail",
                    outcome = "bad_signature",
                    status = 403u16,
                    duration_us = 1234u64,
                    "POST /v1/apps/{{app_id}}"
                );
            });
            drop(guard);
            let text = sink.text();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 2, "{text}");
            let (ours, theirs) = (split_timestamp(lines[0]), split_timestamp(lines[1]));
            assert_eq!(ours.1, theirs.1, "json: {json}");
            assert_eq!(shape(&ours.0), shape(&theirs.0), "json: {json}");
            assert!(
                lines[0].contains("2021001234567890") && lines[0].contains("1234"),
                "{text}"
            );
            if json {
                let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
                assert_eq!(v["status"], 403);
            }
        }
    }

    #[test]
    fn the_access_line_obeys_the_filter_of_its_target() {
        for (directives, logged) in [
            ("info,alipay_phone::serve=warn", false),
            ("warn,alipay_phone::serve=info", true),
        ] {
            let sink = Sink::default();
            let (writer, guard) = batch_writer(sink.clone()).unwrap();
            let dispatch = tracing::Dispatch::new(
                tracing_subscriber::fmt()
                    .with_writer(writer.clone())
                    .with_env_filter(tracing_subscriber::EnvFilter::new(directives))
                    .finish(),
            );
            tracing::dispatcher::with_default(&dispatch, || {
                AccessLog::new(writer.clone(), false).request("2021001234567890", "phone", "envelope", "ok", 200, 1);
            });
            drop(guard);
            assert_eq!(sink.text().contains("outcome=\"ok\""), logged, "{directives}");
        }
    }

    #[test]
    fn every_line_arrives_in_order_and_in_few_writes() {
        let sink = Sink::default();
        let (writer, guard) = batch_writer(sink.clone()).unwrap();
        let n = 10_000;
        for i in 0..n {
            writer.make_writer().write_all(&line(i)).unwrap();
        }
        drop(guard);
        let expected: Vec<u8> = (0..n).flat_map(line).collect();
        assert_eq!(*sink.bytes.lock().unwrap(), expected);
        // 10,000 lines of 53 bytes in a tight loop: batches of up to 64 KiB, not a write each.
        let writes = sink.writes.load(Ordering::SeqCst);
        assert!(writes < n / 100, "{writes} writes for {n} lines");
    }

    #[test]
    fn lines_from_many_threads_stay_whole() {
        let sink = Sink::default();
        let (writer, guard) = batch_writer(sink.clone()).unwrap();
        std::thread::scope(|s| {
            for t in 0..4 {
                let writer = writer.clone();
                s.spawn(move || {
                    for i in 0..1000 {
                        writer.make_writer().write_all(&line(t * 1000 + i)).unwrap();
                    }
                });
            }
        });
        drop(guard);
        let bytes = sink.bytes.lock().unwrap();
        let mut seen: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
        assert_eq!(seen.len(), 4000);
        seen.sort();
        let expected: Vec<Vec<u8>> = (0..4000).map(line).collect();
        assert!(seen.iter().zip(&expected).all(|(a, b)| *a == b.as_slice()));
    }

    /// Waits until the writer has taken the buffer (it then writes, or is stuck writing);
    /// a minute turns a hang into a failure.
    fn taken(writer: &BatchWriter) {
        for _ in 0..6000 {
            if writer.shared.lock().buf.is_empty() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("the writer never took the buffer");
    }

    fn limits() -> Limits {
        Limits {
            gather: GATHER,
            high_water: HIGH_WATER,
            full_wait: FULL_WAIT,
            exit_wait: EXIT_WAIT,
        }
    }

    #[test]
    fn an_idle_writer_is_woken_by_a_line_and_otherwise_sleeps() {
        let sink = Sink::default();
        let (writer, _guard) = batch_writer(sink.clone()).unwrap();
        writer.make_writer().write_all(b"one\n").unwrap();
        sink.until(|t| t == "one\n");
        // The writer is asleep now: it does nothing until a line comes, then wakes for it.
        let flushes = sink.flushes.load(Ordering::SeqCst);
        std::thread::sleep(GATHER * 10);
        assert_eq!(
            sink.flushes.load(Ordering::SeqCst),
            flushes,
            "an idle writer kept working"
        );
        writer.make_writer().write_all(b"two\n").unwrap();
        sink.until(|t| t == "one\ntwo\n");
    }

    #[test]
    fn a_batch_gathers_until_its_time_or_its_size() {
        let sink = Sink::default();
        let limits = Limits {
            gather: Duration::from_secs(3600),
            exit_wait: Duration::from_secs(60),
            ..limits()
        };
        let (writer, guard) = with_limits(sink.clone(), limits).unwrap();
        writer.make_writer().write_all(b"first\n").unwrap();
        std::thread::sleep(GATHER * 10);
        assert_eq!(sink.text(), "", "written before its gathering time");
        // At the early-write size the batch goes at once, gathering time or not.
        let burst = vec![b'z'; EARLY_WRITE - 6];
        writer.make_writer().write_all(&burst).unwrap();
        sink.until(|t| t.len() == EARLY_WRITE);
        writer.make_writer().write_all(b"last\n").unwrap();
        // Closing does not wait for the gathering time either.
        drop(guard);
        assert!(sink.text().ends_with("last\n"));
    }

    #[test]
    fn a_written_batch_keeps_its_memory_unless_a_burst_made_it_large() {
        for (capacity, kept) in [
            (EARLY_WRITE * 2, true),
            (EARLY_WRITE * 4, true),
            (EARLY_WRITE * 4 + 1, false),
        ] {
            let mut batch = Vec::with_capacity(capacity);
            batch.extend_from_slice(b"some line\n");
            recycle(&mut batch);
            assert!(batch.is_empty());
            assert_eq!(batch.capacity() >= capacity, kept, "{capacity}");
            assert!(batch.capacity() >= EARLY_WRITE.min(capacity));
        }
    }

    #[test]
    fn megabytes_of_lines_are_held_for_a_stalled_sink_without_loss() {
        let sink = Sink::default();
        *sink.stalled.lock().unwrap() = true;
        let (writer, guard) = batch_writer(sink.clone()).unwrap();
        let one = [b'w'; 1024];
        for _ in 0..8 * 1024 {
            writer.make_writer().write_all(&one).unwrap();
        }
        let state = writer.shared.lock();
        assert_eq!(
            (state.dropped, state.waits),
            (0, 0),
            "8 MiB is under the high-water mark"
        );
        drop(state);
        *sink.stalled.lock().unwrap() = false;
        drop(guard);
        assert_eq!(sink.bytes.lock().unwrap().len(), 8 * 1024 * 1024);
    }

    #[test]
    fn at_the_high_water_mark_a_line_waits_and_gets_in_once_the_sink_moves() {
        let sink = Sink::default();
        *sink.stalled.lock().unwrap() = true;
        let limits = Limits {
            high_water: 4096,
            full_wait: Duration::from_secs(600),
            ..limits()
        };
        let (writer, guard) = with_limits(sink.clone(), limits).unwrap();
        // A first batch the writer takes and gets stuck with, then a full buffer behind it.
        writer.make_writer().write_all(b"first\n").unwrap();
        taken(&writer);
        let mut full = vec![b'f'; 1023];
        full.push(b'\n');
        while writer.shared.lock().buf.len() < 4096 {
            writer.make_writer().write_all(&full).unwrap();
        }
        let (done_tx, done) = std::sync::mpsc::channel();
        let held = writer.clone();
        std::thread::spawn(move || {
            held.make_writer().write_all(b"held\n").unwrap();
            let _ = done_tx.send(());
        });
        // The line waits (the sink is stalled) ...
        assert!(done.recv_timeout(GATHER * 10).is_err(), "the line did not wait");
        assert_eq!(writer.shared.lock().waits, 1);
        // ... and goes in as soon as the writer takes the buffer, long before full_wait.
        *sink.stalled.lock().unwrap() = false;
        assert!(done.recv_timeout(Duration::from_secs(60)).is_ok(), "still waiting");
        drop(guard);
        let text = sink.text();
        assert!(text.ends_with("held\n") && !text.contains("dropped"), "{text}");
    }

    #[test]
    fn drops_told_while_stderr_fails_are_told_once_it_works() {
        let sink = Sink::default();
        *sink.stalled.lock().unwrap() = true;
        let limits = Limits {
            high_water: 2048,
            full_wait: Duration::from_millis(1),
            ..limits()
        };
        let (writer, guard) = with_limits(sink.clone(), limits).unwrap();
        AccessLog::new(writer.clone(), false);
        let one = [b'd'; 1023];
        for _ in 0..10 {
            let mut line = one.to_vec();
            line.push(b'\n');
            writer.make_writer().write_all(&line).unwrap();
        }
        let dropped = writer.shared.lock().dropped;
        assert!(dropped > 0);
        // The stalled write then fails, and so does the next batch: nothing can be told yet.
        *sink.failing.lock().unwrap() = true;
        *sink.stalled.lock().unwrap() = false;
        taken(&writer);
        writer.make_writer().write_all(b"lost too\n").unwrap();
        std::thread::sleep(GATHER * 5);
        *sink.failing.lock().unwrap() = false;
        writer.make_writer().write_all(b"back\n").unwrap();
        sink.until(|t| t.contains("back\n") && t.contains("dropped="));
        drop(guard);
        let text = sink.text();
        let warnings: Vec<&str> = text.lines().filter(|l| l.contains("log lines dropped")).collect();
        assert_eq!(warnings.len(), 1, "{text}");
        let told: u64 = warnings[0].rsplit_once("dropped=").unwrap().1.parse().unwrap();
        assert_eq!(told, dropped, "{text}");
        assert_eq!(writer.shared.lock().waits, 1);
    }

    #[test]
    fn a_line_logged_while_the_last_batch_is_written_still_goes_out() {
        let sink = Sink::default();
        let (writer, guard) = batch_writer(sink.clone()).unwrap();
        let late = writer.clone();
        *sink.on_first_write.lock().unwrap() = Some(Box::new(move || {
            late.make_writer().write_all(b"late\n").unwrap();
        }));
        writer.make_writer().write_all(b"first\n").unwrap();
        // Closing before the first batch is written: the hook then logs during the last one.
        drop(guard);
        assert_eq!(sink.text(), "first\nlate\n");
    }

    #[test]
    fn exiting_does_not_wait_for_a_stalled_sink_for_ever() {
        let sink = Sink::default();
        *sink.stalled.lock().unwrap() = true;
        let limits = Limits {
            exit_wait: Duration::from_millis(100),
            ..limits()
        };
        let (writer, guard) = with_limits(sink.clone(), limits).unwrap();
        writer.make_writer().write_all(b"stuck\n").unwrap();
        let (done_tx, done) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            drop(guard);
            let _ = done_tx.send(());
        });
        // Returns after exit_wait; the minute only turns a hang into a failure.
        assert!(
            done.recv_timeout(Duration::from_secs(60)).is_ok(),
            "exit hung on the sink"
        );
        assert!(sink.bytes.lock().unwrap().is_empty());
        *sink.stalled.lock().unwrap() = false;
    }

    #[test]
    fn a_stalled_sink_holds_memory_and_drops_lines_it_then_counts() {
        let sink = Sink::default();
        *sink.stalled.lock().unwrap() = true;
        let high_water = 64 * 1024;
        let limits = Limits {
            high_water,
            full_wait: Duration::from_millis(5),
            ..limits()
        };
        let (writer, guard) = with_limits(sink.clone(), limits).unwrap();
        AccessLog::new(writer.clone(), false);
        // 256 KiB offered while the sink is stalled: at the high-water mark the first line is
        // held a little, then dropped, and so are the rest; the producer finishes either way.
        let n = 256;
        let mut one = vec![b'y'; 1023];
        one.push(b'\n');
        for _ in 0..n {
            writer.make_writer().write_all(&one).unwrap();
            assert!(writer.shared.lock().buf.len() <= high_water + one.len());
        }
        assert!(
            writer.shared.lock().dropped > 0,
            "nothing dropped with the sink stalled"
        );
        *sink.stalled.lock().unwrap() = false;
        drop(guard);
        let text = sink.text();
        let kept = text.lines().filter(|l| l.as_bytes() == &one[..1023]).count();
        let warnings: Vec<&str> = text.lines().filter(|l| l.contains("log lines dropped")).collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let told: usize = warnings[0].rsplit_once("dropped=").unwrap().1.parse().unwrap();
        // Every line is either written whole or counted in the warning.
        assert_eq!(kept + told, n, "kept {kept}, told of {told} dropped");
        assert_eq!(text.lines().count(), kept + 1);
        assert!(
            warnings[0].contains(" WARN alipay_phone::serve: log lines dropped"),
            "{}",
            warnings[0]
        );
    }
}
