//! The loader: one query per app id, the row turned into material, and what the periodic
//! check needs to know about each load (the `updated_at` it read).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::SystemTime;

use moka::sync::Cache;
use phone_core::{AppId, Error};

use crate::cache_policy::{KeyCache, KeySubscribers};
use crate::material::AppKeyMaterial;

use super::*;

/// Past this many apps loaded between two checks, the next check compares every cached app
/// rather than remembering which.
pub(super) const DIRTY_MAX: usize = 10_000;

/// What the loader and the watcher share. Holds no material: answers are kept by the cache in
/// front of the provider (the client's), which the watcher tells of changes.
pub(super) struct Core {
    pub(super) db: Db,
    pub(super) summary: String,
    /// The caches in front of this provider, told of every change.
    pub(super) subscribers: KeySubscribers,
    /// What those caches are asked to keep.
    pub(super) policy: KeyCache,
    /// Each loaded app's `updated_at` as its load read it (`None`: no row), for the periodic
    /// check: not an answer (no material, never served), the version each cached answer came
    /// from, so the check can tell which apps changed. As bounded as the cache it follows.
    pub(super) stamps: Cache<String, Option<SystemTime>>,
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
    ///
    /// One stamp per app, however many caches are in front (two clients on one provider):
    /// a load that reads another version than the recorded one means some cache may hold the
    /// older, so every cache is told at once rather than left to a check that would now
    /// compare the newer stamp only. In the common single cache that costs one extra load per
    /// change whose notification was missed.
    pub(super) fn record(&self, app_id: &str, stamp: Option<SystemTime>) {
        if self.stamps.get(app_id).is_some_and(|seen| seen != stamp) {
            self.subscribers.app_changed(app_id);
        }
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

impl Core {
    /// One query: the app's material, `None` for no row, or the row's keys' error.
    pub(super) async fn load_row(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, Error> {
        let app_id = app_id.as_str();
        let core = self;
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
        // A broken row is kept as the cache's answer (`InvalidKeys`) until it changes.
        result.map(|m| Some(Arc::new(m)))
    }
}
