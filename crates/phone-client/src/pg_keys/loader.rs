//! The loader behind the cache: one query per app id, the row turned into material, and what
//! the periodic check needs to know about each load (the `updated_at` it read).

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use async_trait::async_trait;
use moka::sync::Cache;
use phone_core::{AppId, Error};

use crate::material::AppKeyMaterial;
use crate::provider::KeyProvider;
use crate::provider_error::ProviderError;

use super::*;

/// Past this many apps loaded between two checks, the next check compares every cached app
/// rather than remembering which.
pub(super) const DIRTY_MAX: usize = 10_000;

/// What the loader and the watcher share. Holds no cache of material itself: that is the
/// [`CachingKeys`], which holds the loader (so the loader cannot hold it back).
pub(super) struct Core {
    pub(super) db: Db,
    pub(super) summary: String,
    /// Each cached app's `updated_at` as loaded (`None`: no row), for the periodic check.
    pub(super) stamps: Cache<String, Option<SystemTime>>,
    /// Rows whose keys do not parse: their error, so a broken app is not queried per request.
    pub(super) broken: Cache<String, Error>,
    /// Bumped by every invalidation: a load that overlapped one does not record its error in
    /// `broken` (the row it read may be fixed already). Its stamp is always recorded.
    pub(super) generation: AtomicU64,
    /// The apps whose stamp was recorded since the periodic check last took this: it compares
    /// them even when the table's fingerprint did not move (a load may have read the row
    /// before a change the check saw without a stamp to compare).
    pub(super) dirty: std::sync::Mutex<Dirty>,
}

#[derive(Default)]
pub(super) struct Dirty {
    /// Too many to list: the next check compares every cached app.
    pub(super) all: bool,
    pub(super) ids: HashSet<String>,
}

impl Core {
    /// Records the `updated_at` a load read (`None`: no row), for the periodic check. Always:
    /// a value older than the row's is harmless (the next check sees the difference and the
    /// app is loaded again), while a missing one would hide the app from the check.
    pub(super) fn record(&self, app_id: &str, stamp: Option<SystemTime>) {
        self.stamps.insert(app_id.to_owned(), stamp);
        let mut dirty = self.dirty.lock().unwrap_or_else(|p| p.into_inner());
        if dirty.all {
            return;
        }
        if dirty.ids.len() >= DIRTY_MAX {
            dirty.all = true;
            dirty.ids = HashSet::new();
        } else {
            dirty.ids.insert(app_id.to_owned());
        }
    }

    pub(super) fn take_dirty(&self) -> Dirty {
        std::mem::take(&mut *self.dirty.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// One row's material. NULL array elements hold no key, like blank ones.
pub(super) fn material(
    app_id: &str,
    public_keys: &[Option<String>],
    aes_keys: &[Option<String>],
    sign_types: Option<&[Option<String>]>,
    verify_with: Option<&str>,
) -> Result<AppKeyMaterial, Error> {
    fn texts(keys: &[Option<String>]) -> impl Iterator<Item = &str> {
        keys.iter().map(|k| k.as_deref().unwrap_or(""))
    }
    let pin = sign_types.map(|types| types.iter().flatten().map(String::as_str).collect::<Vec<_>>().join(","));
    AppKeyMaterial::from_text(texts(public_keys), texts(aes_keys), pin.as_deref(), verify_with)
        .map_err(|e| located(e, app_id))
}

/// The raw loader the [`CachingKeys`] wraps: one query per call.
pub(super) struct Loader(pub(super) Arc<Core>);

impl fmt::Debug for Loader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PgKeys loader")
    }
}

#[async_trait]
impl KeyProvider for Loader {
    async fn load(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        // The store's failures (connecting, a query, a timeout, a setup problem: 503 until
        // fixed, see `store_error`) are ProviderFailed, so Unavailable; others are the row's keys.
        self.load_row(app_id).await.map_err(ProviderError::from)
    }
}

impl Loader {
    pub(super) async fn load_row(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, Error> {
        let app_id = app_id.as_str();
        let core = &self.0;
        if let Some(e) = core.broken.get(app_id) {
            return Err(e);
        }
        let generation = core.generation.load(Ordering::Acquire);
        let row = core
            .db
            .run(core.db.timeout, |live| async move {
                let Some(row) = live.load_row(app_id).await? else {
                    return Ok(None);
                };
                let public_keys: Vec<Option<String>> = row.try_get(0)?;
                let aes_keys: Vec<Option<String>> = row.try_get(1)?;
                let verify_with: Option<String> = row.try_get(2)?;
                let updated_at: SystemTime = row.try_get(3)?;
                let sign_types: Option<Vec<Option<String>>> = row.try_get(4)?;
                Ok(Some((public_keys, aes_keys, verify_with, updated_at, sign_types)))
            })
            .await?;
        let Some((public_keys, aes_keys, verify_with, updated_at, sign_types)) = row else {
            core.record(app_id, None);
            return Ok(None);
        };
        let result = material(
            app_id,
            &public_keys,
            &aes_keys,
            sign_types.as_deref(),
            verify_with.as_deref(),
        );
        core.record(app_id, Some(updated_at));
        // A broken row is not queried again until it changes: unless it changed (or anything
        // did) while this query ran, since the error would then outlive the fix.
        if let Err(e) = &result
            && core.generation.load(Ordering::Acquire) == generation
        {
            core.broken.insert(app_id.to_owned(), e.clone());
        }
        result.map(|m| Some(Arc::new(m)))
    }
}
