//! Bearer tokens: read from `--token-file` (re-read when it changes) and `PHONE_SERVE_TOKEN`,
//! checked in constant time.
//!
//! Only SHA-256 digests of the tokens are kept, and a presented token is hashed and compared
//! with every digest by `subtle::ConstantTimeEq`, all of them every time: the comparison's
//! time depends neither on how much of a token matched nor on its length (digests are all 32
//! bytes), nor on which token matched.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

type Digests = Arc<Vec<[u8; 32]>>;

/// The accepted tokens (as digests). Empty: no token configured, every caller is let in (only
/// allowed on a loopback address; `serve` checks that before it binds).
#[derive(Debug, Clone)]
pub struct Tokens {
    /// Swapped whole on a reload: a request reads the current set without a lock.
    digests: Arc<ArcSwap<Vec<[u8; 32]>>>,
    /// From `PHONE_SERVE_TOKEN`: kept across re-reads of the file.
    env: Option<[u8; 32]>,
}

/// What a request presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// A valid token, or none is configured.
    Allowed,
    /// No `Authorization: Bearer` header.
    Missing,
    /// A bearer token that matches none.
    Invalid,
}

fn digest(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

/// The tokens of a token file: one per line, surrounding whitespace and blank lines ignored.
pub fn parse_token_file(text: &str) -> Vec<[u8; 32]> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| digest(l.as_bytes()))
        .collect()
}

/// The shortest token accepted: 32 characters, as `openssl rand -hex 16` gives (128 bits); a
/// short token is guessed, a one-character one at once.
pub const MIN_TOKEN_LEN: usize = 32;

/// How to make a token, for every refusal.
const MAKE_ONE: &str = "make one with: openssl rand -hex 32";

/// Every token of a token file is at least [`MIN_TOKEN_LEN`] characters; the error names the
/// line, never the token.
pub fn check_token_lengths(text: &str) -> Result<(), String> {
    for (i, line) in text.lines().enumerate() {
        let token = line.trim();
        if !token.is_empty() && token.chars().count() < MIN_TOKEN_LEN {
            return Err(format!(
                "line {}: a token of {} characters; tokens are at least {MIN_TOKEN_LEN} ({MAKE_ONE})",
                i + 1,
                token.chars().count()
            ));
        }
    }
    Ok(())
}

/// `PHONE_SERVE_TOKEN`: unset is none; set, it must be a real token. Set but empty or blank is
/// an error, never "no authentication" (a deployment template that left it empty).
pub fn env_token(value: Option<&str>) -> Result<Option<&str>, String> {
    let Some(value) = value else { return Ok(None) };
    let token = value.trim();
    if token.is_empty() {
        return Err(format!(
            "PHONE_SERVE_TOKEN is set but empty: give a token ({MAKE_ONE}) or unset it"
        ));
    }
    if token.chars().count() < MIN_TOKEN_LEN {
        return Err(format!(
            "PHONE_SERVE_TOKEN has {} characters; tokens are at least {MIN_TOKEN_LEN} ({MAKE_ONE})",
            token.chars().count()
        ));
    }
    Ok(Some(token))
}

/// Reads a token file; an unreadable file, one without a token or with a short one is an
/// error (the message names the file and line, never its content).
pub fn read_token_file(path: &Path) -> Result<Vec<[u8; 32]>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("--token-file {}: {e}", path.display()))?;
    check_token_lengths(&text).map_err(|e| format!("--token-file {}: {e}", path.display()))?;
    let tokens = parse_token_file(&text);
    if tokens.is_empty() {
        return Err(format!(
            "--token-file {}: no token in the file (one token per line; blank lines are ignored)",
            path.display()
        ));
    }
    Ok(tokens)
}

impl Tokens {
    /// The tokens of `file` (already read) and of `PHONE_SERVE_TOKEN` (`env`, trimmed; empty
    /// is none).
    pub fn new(file: Vec<[u8; 32]>, env: Option<&str>) -> Self {
        let env = env
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| digest(t.as_bytes()));
        let mut all = file;
        all.extend(env);
        Self {
            digests: Arc::new(ArcSwap::from_pointee(all)),
            env,
        }
    }

    /// Whether any token is configured.
    pub fn configured(&self) -> bool {
        !self.current().is_empty()
    }

    /// How many tokens are accepted.
    pub fn count(&self) -> usize {
        self.current().len()
    }

    fn current(&self) -> Digests {
        self.digests.load_full()
    }

    fn replace_file_tokens(&self, file: Vec<[u8; 32]>) {
        let mut all = file;
        all.extend(self.env);
        self.digests.store(Arc::new(all));
    }

    /// Checks the request's `Authorization: Bearer <token>`.
    pub fn check(&self, headers: &HeaderMap) -> Auth {
        let digests = self.current();
        if digests.is_empty() {
            return Auth::Allowed;
        }
        let Some(token) = bearer(headers) else {
            return Auth::Missing;
        };
        let presented = digest(token);
        // Every digest is compared, whatever matched before.
        let matched = digests
            .iter()
            .fold(Choice::from(0), |acc, d| acc | d.as_slice().ct_eq(presented.as_slice()));
        if bool::from(matched) {
            Auth::Allowed
        } else {
            Auth::Invalid
        }
    }

    /// Re-reads `path` when its modification time or size changes (looked at every `every`).
    /// A file that becomes unreadable or empty keeps the last good tokens, with an error
    /// logged: a half-written file must not lock every caller out (or let everyone in).
    pub fn watch(&self, path: PathBuf, every: Duration) {
        let tokens = self.clone();
        tokio::spawn(async move {
            let mut seen = stamp(&path).await;
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let now = stamp(&path).await;
                if now == seen {
                    continue;
                }
                seen = now;
                let read = tokio::fs::read_to_string(&path).await;
                let read = read.map_err(|e| e.to_string()).and_then(|t| {
                    check_token_lengths(&t)?;
                    Ok(parse_token_file(&t))
                });
                match read {
                    Ok(file) if !file.is_empty() => {
                        tracing::info!(path = %path.display(), tokens = file.len(), "token file reloaded");
                        tokens.replace_file_tokens(file);
                    }
                    Ok(_) => {
                        tracing::error!(path = %path.display(), "token file has no token; keeping the previous tokens")
                    }
                    Err(e) => {
                        tracing::error!(path = %path.display(), error = %e, "token file unreadable or with a short token; keeping the previous tokens")
                    }
                }
            }
        });
    }
}

async fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = tokio::fs::metadata(path).await.ok()?;
    Some((meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), meta.len()))
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
fn bearer(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, rest) = value.split_at_checked(7)?;
    if !scheme.eq_ignore_ascii_case(b"bearer ") {
        return None;
    }
    let token = rest.trim_ascii();
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
        h
    }

    #[test]
    fn file_tokens_trim_skip_blank_lines_and_rotate() {
        let t = Tokens::new(parse_token_file("\n  alpha  \n\n\tbeta\r\n \n"), None);
        assert_eq!(t.count(), 2);
        assert_eq!(t.check(&headers("Bearer alpha")), Auth::Allowed);
        assert_eq!(t.check(&headers("bearer beta")), Auth::Allowed);
        assert_eq!(t.check(&headers("Bearer gamma")), Auth::Invalid);
        assert_eq!(t.check(&headers("Bearer alph")), Auth::Invalid);
        assert_eq!(t.check(&headers("Basic alpha")), Auth::Missing);
        assert_eq!(t.check(&HeaderMap::new()), Auth::Missing);
    }

    #[test]
    fn env_token_survives_a_file_reload() {
        let t = Tokens::new(parse_token_file("a"), Some(" e \n"));
        t.replace_file_tokens(parse_token_file("b"));
        assert_eq!(t.check(&headers("Bearer e")), Auth::Allowed);
        assert_eq!(t.check(&headers("Bearer b")), Auth::Allowed);
        assert_eq!(t.check(&headers("Bearer a")), Auth::Invalid);
    }

    #[test]
    fn short_and_blank_tokens_are_refused_with_how_to_make_one() {
        let long = "a".repeat(MIN_TOKEN_LEN);
        assert!(check_token_lengths(&format!("\n  {long}\n\n")).is_ok());
        let e = check_token_lengths(&format!("{long}\nx\n")).unwrap_err();
        assert_eq!(
            e,
            "line 2: a token of 1 characters; tokens are at least 32 (make one with: openssl rand -hex 32)"
        );
        let short = "b".repeat(MIN_TOKEN_LEN - 1);
        assert!(!check_token_lengths(&short).unwrap_err().contains(&short));
        assert_eq!(env_token(None), Ok(None));
        assert_eq!(env_token(Some(&format!(" {long}\n"))), Ok(Some(long.as_str())));
        for blank in ["", "  ", "\t\n"] {
            assert!(
                env_token(Some(blank)).unwrap_err().contains("set but empty"),
                "{blank:?}"
            );
        }
        let e = env_token(Some("tok-alpha")).unwrap_err();
        assert!(
            e.contains("9 characters") && e.contains("openssl rand -hex 32") && !e.contains("tok-alpha"),
            "{e}"
        );
    }

    #[test]
    fn no_token_configured_lets_everyone_in() {
        let t = Tokens::new(Vec::new(), Some("  "));
        assert!(!t.configured());
        assert_eq!(t.check(&HeaderMap::new()), Auth::Allowed);
    }
}
