//! Where keys and envelopes come from: literal text, `@PATH`, `env:NAME`, a file or stdin.

use std::io::Read;

use clap::builder::PossibleValuesParser;
use phone_crypto::Backend;

/// The `--backend` values: every compiled backend.
pub fn backend_names() -> PossibleValuesParser {
    PossibleValuesParser::new(Backend::ALL.iter().map(|b| b.name()))
}

/// A backend picked by name (clap has already checked the name).
pub fn backend(name: &str) -> Backend {
    Backend::from_name(name).unwrap_or_default()
}

/// A problem with the command line itself (exit status 2).
#[derive(Debug)]
pub struct UsageError(pub String);

/// Resolves a key argument: the literal text, `@PATH` for a file, or `env:NAME`.
pub fn key_text(arg: &str, flag: &str) -> Result<String, UsageError> {
    if let Some(path) = arg.strip_prefix('@') {
        return std::fs::read_to_string(path).map_err(|e| UsageError(format!("{flag}: cannot read {path}: {e}")));
    }
    if let Some(name) = arg.strip_prefix("env:") {
        return std::env::var(name).map_err(|_| UsageError(format!("{flag}: environment variable {name} is not set")));
    }
    Ok(arg.to_owned())
}

/// Reads FILE, or stdin when it is absent or `-`.
pub fn body(file: Option<&str>) -> Result<Vec<u8>, UsageError> {
    match file {
        Some(path) if path != "-" => std::fs::read(path).map_err(|e| UsageError(format!("cannot read {path}: {e}"))),
        _ => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| UsageError(format!("cannot read stdin: {e}")))?;
            Ok(buf)
        }
    }
}
