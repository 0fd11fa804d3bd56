//! A TOML keyring on disk, re-read when it changes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use phone_core::AppId;
use serde::Deserialize;

use crate::material::AppKeyMaterial;
use crate::provider::KeyProvider;
use crate::provider_error::ProviderError;

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
/// sign_types = ["RSA2"]                        # optional: accept only these sign types
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
    /// What requests read: swapped whole after a reload.
    snapshot: Arc<RwLock<Arc<Snapshot>>>,
    /// When the file was last looked at; requests check it without waiting.
    checked: Arc<Mutex<Option<Instant>>>,
    /// Serialises the file system work, which runs on tokio's blocking-aware `fs`.
    refresh: Arc<tokio::sync::Mutex<Option<(SystemTime, u64)>>>,
}

#[derive(Debug, Default)]
struct Snapshot {
    // Bounded by the keyring file's tables, never by requests (an unknown id is a lookup miss).
    apps: HashMap<String, Arc<AppKeyMaterial>>,
    error: Option<ProviderError>,
    /// Whether the file was read (or failed to be) at least once.
    loaded: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Keyring {
    // Bounded by the file's own tables, which the operator writes; requests never add one.
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
    sign_types: Option<Vec<String>>,
}

/// The file cannot be read (gone, no permission, a disk error): an outage of this source.
fn io_error(path: &Path, e: std::io::Error) -> ProviderError {
    ProviderError::unavailable(format!("keyring {}: {e}", path.display()), e)
}

/// The file was read but is not a usable keyring: someone has to fix it.
fn file_error(path: &Path, why: impl std::fmt::Display) -> ProviderError {
    ProviderError::invalid_configuration(format!("keyring {}: {why}", path.display()))
}

impl FileKeys {
    /// Watches `path`; nothing is read until the first request.
    pub fn watch(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            check_interval: Duration::from_secs(1),
            snapshot: Arc::default(),
            checked: Arc::default(),
            refresh: Arc::default(),
        }
    }

    /// How often the file's metadata is checked (default one second).
    pub fn check_interval(mut self, every: Duration) -> Self {
        self.check_interval = every;
        self
    }

    fn parse(&self, text: &str) -> Result<HashMap<String, Arc<AppKeyMaterial>>, ProviderError> {
        // toml's messages quote the offending line, which may hold a key: keep only the position.
        let ring: Keyring = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| format!(" at byte {}", s.start)).unwrap_or_default();
            file_error(&self.path, format!("not a valid keyring{at}"))
        })?;
        let mut apps = HashMap::new();
        for (app_id, entry) in ring.apps {
            let pin = entry.sign_types.map(|types| types.join(","));
            let m = AppKeyMaterial::from_text(
                entry
                    .alipay_public_key
                    .iter()
                    .chain(&entry.alipay_public_keys)
                    .map(String::as_str),
                entry.aes_key.iter().chain(&entry.aes_keys).map(String::as_str),
                pin.as_deref(),
                entry.verify_with.as_deref(),
            )
            .map_err(|e| file_error(&self.path, format!("app {app_id}: {}", e.error)))?;
            apps.insert(app_id, Arc::new(m));
        }
        Ok(apps)
    }

    /// Whether the file is due for a look; marks it looked at.
    fn due(&self, force: bool) -> bool {
        let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if !force && checked.is_some_and(|t| now.duration_since(t) < self.check_interval) {
            return false;
        }
        *checked = Some(now);
        true
    }

    async fn refresh(&self, force: bool) {
        let mut stamp_seen = self.refresh.lock().await;
        let meta = match tokio::fs::metadata(&self.path).await {
            Ok(m) => m,
            Err(e) => {
                let error = io_error(&self.path, e);
                let mut snap = self.snapshot.write().unwrap_or_else(|p| p.into_inner());
                *snap = Arc::new(Snapshot {
                    apps: snap.apps.clone(),
                    error: Some(error),
                    loaded: true,
                });
                return;
            }
        };
        let stamp = (meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), meta.len());
        if !force && *stamp_seen == Some(stamp) {
            return;
        }
        warn_if_shared(&self.path, &meta);
        let parsed = match tokio::fs::read_to_string(&self.path).await {
            Ok(text) => self.parse(&text),
            Err(e) => Err(io_error(&self.path, e)),
        };
        *stamp_seen = Some(stamp);
        let mut snap = self.snapshot.write().unwrap_or_else(|p| p.into_inner());
        match parsed {
            Ok(apps) => {
                // Keep the Arc of unchanged apps: nothing downstream sees a change.
                let next: HashMap<_, _> = apps
                    .into_iter()
                    .map(|(id, m)| {
                        let keep = snap.apps.get(&id).filter(|old| ***old == *m).cloned();
                        (id, keep.unwrap_or(m))
                    })
                    .collect();
                tracing::info!(path = %self.path.display(), apps = next.len(), "keyring loaded");
                *snap = Arc::new(Snapshot {
                    apps: next,
                    error: None,
                    loaded: true,
                });
            }
            Err(e) => {
                tracing::error!(path = %self.path.display(), error = %e, "keyring not reloaded; keeping the last good one");
                *snap = Arc::new(Snapshot {
                    apps: snap.apps.clone(),
                    error: Some(e),
                    loaded: true,
                });
            }
        }
    }

    /// Looks at the file when due; a caller arriving before the first read finished waits
    /// for it instead of answering "not mine" from the empty start.
    async fn ensure_fresh(&self, force: bool) {
        let loaded = self.snapshot.read().unwrap_or_else(|p| p.into_inner()).loaded;
        if self.due(force) || !loaded {
            self.refresh(force).await;
        }
    }

    async fn get(&self, app_id: &AppId, force: bool) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        self.ensure_fresh(force).await;
        let snap = self.snapshot.read().unwrap_or_else(|p| p.into_inner()).clone();
        if snap.apps.is_empty()
            && let Some(e) = &snap.error
        {
            return Err(e.clone());
        }
        Ok(snap.apps.get(app_id.as_str()).cloned())
    }

    /// The app ids in the keyring as last loaded (reads the file first when it is due).
    pub async fn app_ids(&self) -> Result<Vec<String>, ProviderError> {
        self.ensure_fresh(false).await;
        let snap = self.snapshot.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(e) = snap.error.as_ref().filter(|_| snap.apps.is_empty()) {
            return Err(e.clone());
        }
        let mut ids: Vec<String> = snap.apps.keys().cloned().collect();
        ids.sort();
        Ok(ids)
    }
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
    async fn load(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        self.get(app_id, false).await
    }

    async fn reload(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        self.get(app_id, true).await
    }
    /// None: the keyring is in memory, read again when the file changes.
    fn cache_policy(&self) -> Option<crate::cache_policy::KeyCache> {
        None
    }
}
