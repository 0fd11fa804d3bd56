//! A TOML keyring on disk, re-read when it changes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use phone_core::{Error, KeyProblem};
use serde::Deserialize;

use crate::material::AppKeyMaterial;
use crate::provider::KeyProvider;

/// A keyring file with one table per app:
///
/// ```toml
/// [apps.2021001234567890]
/// alipay_public_key = "MIIBIjANBgkq..."       # or alipay_public_keys = ["new", "old"]
/// aes_key = "aa4BtZ4tspm2wnXLb1ThQA=="         # or aes_keys = ["new", "old"]
///
/// [apps.2021009999999999]                      # a merchant app under an ISV
/// aes_key = "..."
/// verify_with = "2021001234567890"             # verify with the ISV app's Alipay public key
/// ```
///
/// [`FileKeys::watch`] re-reads the file when its modification time or size changes (checked
/// at most once per `check_interval`, one second by default), so edits apply without a
/// restart; a broken edit keeps the last good keyring and logs the error. A file readable by
/// other users is logged as a warning.
///
/// ```
/// let keys = phone_client::FileKeys::watch("keys.toml");
/// ```
#[derive(Debug, Clone)]
pub struct FileKeys {
    path: PathBuf,
    check_interval: Duration,
    state: Arc<Mutex<FileState>>,
}

#[derive(Debug, Default)]
struct FileState {
    stamp: Option<(SystemTime, u64)>,
    checked: Option<Instant>,
    apps: HashMap<String, Arc<AppKeyMaterial>>,
    error: Option<Error>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Keyring {
    #[serde(default)]
    apps: HashMap<String, AppEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppEntry {
    alipay_public_key: Option<String>,
    #[serde(default)]
    alipay_public_keys: Vec<String>,
    aes_key: Option<String>,
    #[serde(default)]
    aes_keys: Vec<String>,
    verify_with: Option<String>,
}

fn file_error(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::key(
        phone_core::KeyRole::Keyring,
        KeyProblem::ProviderFailed(format!("{}: {why}", path.display())),
    )
}

impl FileKeys {
    /// Watches `path`; nothing is read until the first request.
    pub fn watch(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            check_interval: Duration::from_secs(1),
            state: Arc::default(),
        }
    }

    /// How often the file's metadata is checked (default one second).
    pub fn check_interval(mut self, every: Duration) -> Self {
        self.check_interval = every;
        self
    }

    fn parse(&self, text: &str) -> Result<HashMap<String, Arc<AppKeyMaterial>>, Error> {
        // toml's messages quote the offending line, which may hold a key: keep only the position.
        let ring: Keyring = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| format!(" at byte {}", s.start)).unwrap_or_default();
            file_error(&self.path, format!("not a valid keyring{at}"))
        })?;
        let mut apps = HashMap::new();
        for (app_id, entry) in ring.apps {
            let mut m = AppKeyMaterial::new();
            for k in entry.alipay_public_key.iter().chain(&entry.alipay_public_keys) {
                m = m
                    .with_alipay_public_key(k)
                    .map_err(|e| file_error(&self.path, format!("app {app_id}: {e}")))?;
            }
            for k in entry.aes_key.iter().chain(&entry.aes_keys) {
                m = m
                    .with_aes_key(k)
                    .map_err(|e| file_error(&self.path, format!("app {app_id}: {e}")))?;
            }
            if let Some(isv) = entry.verify_with {
                m = m.verify_with(isv);
            }
            apps.insert(app_id, Arc::new(m));
        }
        Ok(apps)
    }

    fn refresh(&self, state: &mut FileState, force: bool) {
        let now = Instant::now();
        if !force
            && state
                .checked
                .is_some_and(|t| now.duration_since(t) < self.check_interval)
        {
            return;
        }
        state.checked = Some(now);
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) => {
                state.error = Some(file_error(&self.path, e));
                return;
            }
        };
        let stamp = (meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), meta.len());
        if !force && state.stamp == Some(stamp) {
            return;
        }
        warn_if_shared(&self.path, &meta);
        let parsed = std::fs::read_to_string(&self.path)
            .map_err(|e| file_error(&self.path, e))
            .and_then(|t| self.parse(&t));
        match parsed {
            Ok(apps) => {
                // Keep the Arc of unchanged apps so the client does not re-prepare them.
                let mut next = HashMap::new();
                for (id, m) in apps {
                    let keep = state.apps.get(&id).filter(|old| same(old, &m)).cloned();
                    next.insert(id, keep.unwrap_or(m));
                }
                tracing::info!(path = %self.path.display(), apps = next.len(), "keyring loaded");
                state.apps = next;
                state.stamp = Some(stamp);
                state.error = None;
            }
            Err(e) => {
                tracing::error!(path = %self.path.display(), error = %e, "keyring not reloaded; keeping the last good one");
                state.stamp = Some(stamp);
                state.error = Some(e);
            }
        }
    }

    fn get(&self, app_id: &str, force: bool) -> Result<Option<Arc<AppKeyMaterial>>, Error> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        self.refresh(&mut state, force);
        if state.apps.is_empty()
            && let Some(e) = &state.error
        {
            return Err(e.clone());
        }
        Ok(state.apps.get(app_id).cloned())
    }
}

fn same(a: &AppKeyMaterial, b: &AppKeyMaterial) -> bool {
    a.verify_with_app == b.verify_with_app
        && a.verify_keys == b.verify_keys
        && a.sm2_verify_keys == b.sm2_verify_keys
        && a.aes_keys.len() == b.aes_keys.len()
        && a.aes_keys
            .iter()
            .zip(&b.aes_keys)
            .all(|(x, y)| x.as_bytes() == y.as_bytes())
}

#[cfg(unix)]
fn warn_if_shared(path: &Path, meta: &std::fs::Metadata) {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "keyring is readable by other users; chmod 600 it");
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path, _meta: &std::fs::Metadata) {}

/// Whether a keyring file's permissions let other users read it (what the warning checks).
pub fn is_shared(path: &Path) -> std::io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Ok(std::fs::metadata(path)?.permissions().mode() & 0o077 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(false)
    }
}

#[async_trait]
impl KeyProvider for FileKeys {
    async fn load(&self, app_id: &str) -> Result<Option<Arc<AppKeyMaterial>>, Error> {
        self.get(app_id, false)
    }

    async fn reload(&self, app_id: &str) -> Result<Option<Arc<AppKeyMaterial>>, Error> {
        self.get(app_id, true)
    }
}
