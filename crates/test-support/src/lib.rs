//! Helpers shared by the workspace's test suites (a dev-dependency only, never published):
//! the repository's paths and files, hex decoding, and running a built binary.
//!
//! Paths are found from this crate's own location, so every test crate reads the same files
//! whatever its own manifest directory.

#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A path under `testdata/`.
pub fn testdata(rel: &str) -> PathBuf {
    root().join("testdata").join(rel)
}

/// The text of a file under `testdata/`.
pub fn read(rel: &str) -> String {
    std::fs::read_to_string(testdata(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A JSON file under `testdata/`.
pub fn load_json(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A file of the demo key set and envelope in `examples/data/`.
pub fn demo(file: &str) -> String {
    let p = root().join("examples/data").join(file);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A test key of `crates/phone-crypto/tests/keys/` (1024, 4096-bit, EC, SM2 ...).
pub fn key(name: &str) -> String {
    let p = root().join("crates/phone-crypto/tests/keys").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Decodes lower- or upper-case hex; panics on odd length or a non-hex digit.
pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_else(|e| panic!("hex {s:?}: {e}")))
        .collect()
}

/// Runs `bin` with `args` and the extra environment `env`, writes `stdin` to it and waits.
pub fn run(bin: &str, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Output {
    let mut child = Command::new(bin)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{bin}: {e}"));
    child
        .stdin
        .take()
        .unwrap_or_else(|| panic!("{bin}: no stdin"))
        .write_all(stdin)
        .unwrap_or_else(|e| panic!("{bin}: writing stdin: {e}"));
    child.wait_with_output().unwrap_or_else(|e| panic!("{bin}: {e}"))
}
