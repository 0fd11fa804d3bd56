//! Files for the suites, read from this crate's own `tests/data/` (verbatim copies of the
//! workspace's `examples/data/` and of the few keys of `crates/phone-crypto/tests/keys/` used
//! here, checked by `scripts/package-check.sh`), so that the crate as published tests on its own.
#![allow(dead_code)] // each suite uses its own few

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

fn read(rel: &str) -> String {
    let p = data(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// An app id of the tests (they are all valid ones).
pub fn aid(text: &str) -> phone_client::AppId {
    phone_client::AppId::parse(text).unwrap()
}

/// A file of the demo key set and envelope (`tests/data/demo/`, a copy of `examples/data/`).
pub fn demo(file: &str) -> String {
    read(&format!("demo/{file}"))
}

/// A test key (`tests/data/keys/`: copies of those of phone-crypto's `tests/keys/` used here;
/// see phone-crypto's `tests/keys/README.md` for how each was made).
pub fn key(name: &str) -> String {
    read(&format!("keys/{name}"))
}

/// A `tracing` writer that keeps everything written, for the suites that read the logs.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
