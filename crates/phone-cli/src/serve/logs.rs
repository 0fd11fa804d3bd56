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
//! Nothing is lost: past [`HIGH_WATER`] buffered bytes (a log collector that stopped reading
//! stderr) the request that logs waits for the writer, as the old non-lossy queue did, so
//! memory stays bounded. Dropping the [`FlushGuard`] writes what is left.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long a batch gathers after its first line before it is written: the delay a line may
/// see, and at most this many writes a second.
pub const GATHER: Duration = Duration::from_millis(20);
/// Buffered bytes past which a batch is written at once, before its gathering time is up.
const EARLY_WRITE: usize = 64 * 1024;
/// Buffered bytes past which a line waits for the writer (back-pressure instead of loss).
pub const HIGH_WATER: usize = 1024 * 1024;
/// How long exiting waits for the last lines to be written: a log collector that stopped
/// reading stderr must not keep a drained process from exiting.
const EXIT_WAIT: Duration = Duration::from_secs(2);

#[derive(Default)]
struct State {
    buf: Vec<u8>,
    closing: bool,
    /// Set by the writer thread when it has written its last batch.
    finished: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// The writer waits here for a first line, for `EARLY_WRITE`, or for closing.
    filled: Condvar,
    /// Lines held back by `HIGH_WATER` wait here for the writer to take the buffer, and the
    /// guard for the writer to finish.
    drained: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves only bytes behind: keep logging.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, line: &[u8]) {
        let mut state = self.lock();
        while state.buf.len() >= HIGH_WATER && !state.closing {
            state = self.drained.wait(state).unwrap_or_else(PoisonError::into_inner);
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
    let shared = Arc::new(Shared::default());
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
            .wait_timeout_while(state, GATHER, |s| s.buf.len() < EARLY_WRITE && !s.closing)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
        std::mem::swap(&mut state.buf, &mut batch);
        let closing = state.closing && state.buf.is_empty();
        drop(state);
        shared.drained.notify_all();
        // stderr gone (a closed pipe) loses the lines, as eprintln would; nothing to tell.
        let _ = sink.write_all(&batch).and_then(|()| sink.flush());
        batch.clear();
        if batch.capacity() > HIGH_WATER * 2 {
            batch.shrink_to(HIGH_WATER);
        }
        if closing {
            shared.lock().finished = true;
            shared.drained.notify_all();
            return;
        }
    }
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.closing = true;
        self.shared.filled.notify_one();
        self.shared.drained.notify_all();
        let (state, waited) = self
            .shared
            .drained
            .wait_timeout_while(state, EXIT_WAIT, |s| !s.finished)
            .unwrap_or_else(PoisonError::into_inner);
        let finished = state.finished && !waited.timed_out();
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
/// `tracing_subscriber::fmt` (text or flattened JSON; tests parse both), and obeys the same
/// `RUST_LOG` filter, but skips the generic field visiting and escaping: every value is known
/// to need none (a vetted app id, a contract kind, numbers). That was most of the per-request
/// cost of logging under callgrind.
#[derive(Clone)]
pub struct AccessLog {
    writer: BatchWriter,
    json: bool,
}

/// The target every request line is logged under (what `RUST_LOG` filters on).
pub const ACCESS_TARGET: &str = "alipay_phone::serve";
const ACCESS_MESSAGE: &str = "POST /v1/apps/{app_id}/phone";

impl AccessLog {
    pub fn new(writer: BatchWriter, json: bool) -> Self {
        Self { writer, json }
    }

    /// Logs one request. `app_id` must already be safe to print (`http::loggable`) and
    /// `outcome` a contract kind or serve's own fixed word.
    pub fn request(&self, app_id: &str, outcome: &str, status: u16, duration_us: u64) {
        if !tracing::enabled!(target: ACCESS_TARGET, tracing::Level::INFO) {
            return;
        }
        debug_assert!(
            [app_id, outcome]
                .iter()
                .all(|v| v.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')),
            "access log values must not need escaping"
        );
        use std::fmt::Write as _;
        use tracing_subscriber::fmt::format::Writer;
        use tracing_subscriber::fmt::time::FormatTime as _;
        let mut line = String::with_capacity(224);
        let mut timestamp = String::with_capacity(32);
        // The same clock and format as every other line of the process.
        let _ = tracing_subscriber::fmt::time::SystemTime.format_time(&mut Writer::new(&mut timestamp));
        let _ = if self.json {
            writeln!(
                line,
                r#"{{"timestamp":"{timestamp}","level":"INFO","message":"{ACCESS_MESSAGE}","app_id":"{app_id}","outcome":"{outcome}","status":{status},"duration_us":{duration_us},"target":"{ACCESS_TARGET}"}}"#
            )
        } else {
            writeln!(
                line,
                r#"{timestamp}  INFO {ACCESS_TARGET}: {ACCESS_MESSAGE} app_id={app_id} outcome="{outcome}" status={status} duration_us={duration_us}"#
            )
        };
        self.writer.shared.push(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A sink that records what it got and how many writes it took.
    #[derive(Clone, Default)]
    struct Sink {
        bytes: Arc<Mutex<Vec<u8>>>,
        writes: Arc<AtomicUsize>,
        /// Set: every write blocks until cleared (a log collector that stopped reading).
        stalled: Arc<Mutex<bool>>,
    }

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            while *self.stalled.lock().unwrap() {
                std::thread::sleep(Duration::from_millis(1));
            }
            self.writes.fetch_add(1, Ordering::SeqCst);
            self.bytes.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Drops the timestamp (the line's first field in text, a key in JSON).
    fn without_timestamp(line: &str) -> String {
        match line.strip_prefix(r#"{"timestamp":""#) {
            Some(rest) => rest
                .split_once('"')
                .map(|(_, tail)| tail.to_owned())
                .unwrap_or_default(),
            None => line
                .split_once(' ')
                .map(|(_, tail)| tail.to_owned())
                .unwrap_or_default(),
        }
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
                AccessLog::new(writer.clone(), json).request("2021001234567890", "bad_signature", 403, 1234);
                tracing::info!(
                    target: "alipay_phone::serve",
                    app_id = %"2021001234567890",
                    outcome = "bad_signature",
                    status = 403u16,
                    duration_us = 1234u64,
                    "POST /v1/apps/{{app_id}}/phone"
                );
            });
            drop(guard);
            let bytes = sink.bytes.lock().unwrap().clone();
            let text = String::from_utf8(bytes).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 2, "{text}");
            assert_eq!(without_timestamp(lines[0]), without_timestamp(lines[1]), "json: {json}");
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
    fn the_access_line_obeys_the_filter() {
        let sink = Sink::default();
        let (writer, guard) = batch_writer(sink.clone()).unwrap();
        let quiet = tracing::Dispatch::new(
            tracing_subscriber::fmt()
                .with_writer(writer.clone())
                .with_max_level(tracing::Level::WARN)
                .finish(),
        );
        tracing::dispatcher::with_default(&quiet, || {
            AccessLog::new(writer.clone(), false).request("2021001234567890", "ok", 200, 1);
        });
        drop(guard);
        assert!(sink.bytes.lock().unwrap().is_empty());
    }

    fn line(i: usize) -> Vec<u8> {
        format!("line {i:06} {}\n", "x".repeat(40)).into_bytes()
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
        assert!(writes < n / 20, "{writes} writes for {n} lines");
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

    #[test]
    fn a_lone_line_is_written_without_a_flush() {
        let sink = Sink::default();
        let (writer, _guard) = batch_writer(sink.clone()).unwrap();
        writer.make_writer().write_all(b"one\n").unwrap();
        // Within the gathering time (with ample room for a loaded machine), guard still held.
        for _ in 0..500 {
            if !sink.bytes.lock().unwrap().is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(*sink.bytes.lock().unwrap(), b"one\n");
    }

    #[test]
    fn exiting_does_not_wait_for_a_stalled_sink_for_ever() {
        let sink = Sink::default();
        *sink.stalled.lock().unwrap() = true;
        let (writer, guard) = batch_writer(sink.clone()).unwrap();
        writer.make_writer().write_all(b"stuck\n").unwrap();
        let (done_tx, done) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            drop(guard);
            let _ = done_tx.send(());
        });
        // Returns after EXIT_WAIT; the minute only turns a hang into a failure.
        assert!(
            done.recv_timeout(Duration::from_secs(60)).is_ok(),
            "exit hung on the sink"
        );
        assert!(sink.bytes.lock().unwrap().is_empty());
        *sink.stalled.lock().unwrap() = false;
    }

    #[test]
    fn a_stalled_sink_holds_memory_at_the_high_water_mark() {
        let sink = Sink::default();
        *sink.stalled.lock().unwrap() = true;
        let (writer, guard) = batch_writer(sink.clone()).unwrap();
        let written = Arc::new(AtomicUsize::new(0));
        let producer = {
            let (writer, written) = (writer.clone(), written.clone());
            std::thread::spawn(move || {
                let big = vec![b'y'; 1023];
                for _ in 0..4096 {
                    writer.make_writer().write_all(&big).unwrap();
                    writer.make_writer().write_all(b"\n").unwrap();
                    written.fetch_add(1024, Ordering::SeqCst);
                }
            })
        };
        // 4 MiB offered; with the sink stalled, the producer is held once the buffer is full
        // (the writer thread holds one more batch, stuck in the sink).
        let full = || writer.shared.lock().buf.len() >= HIGH_WATER;
        for _ in 0..6000 {
            if full() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(full(), "the buffer never filled");
        let held = written.load(Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            written.load(Ordering::SeqCst),
            held,
            "the producer went on past the high-water mark"
        );
        assert!(held < 4 * 1024 * 1024);
        assert!(writer.shared.lock().buf.len() <= HIGH_WATER + 1024);
        *sink.stalled.lock().unwrap() = false;
        producer.join().unwrap();
        drop(guard);
        assert_eq!(sink.bytes.lock().unwrap().len(), 4 * 1024 * 1024);
    }
}
