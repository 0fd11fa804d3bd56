//! Keys from environment variables.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use moka::sync::Cache;
use phone_core::{AppId, Error};

use crate::cache_policy::DEFAULT_CAPACITY;
use crate::material::AppKeyMaterial;
use crate::provider::KeyProvider;
use crate::provider_error::ProviderError;

type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;
/// The variables' text as last read, and the material parsed from it.
type Parsed = (Vec<Option<String>>, Arc<AppKeyMaterial>);

/// The variable prefixes, one app's form being `<PREFIX>_<APPID>`.
pub const ENV_PREFIXES: [&str; 4] = [
    "ALIPAY_PUBLIC_KEY",
    "ALIPAY_AES_KEY",
    "ALIPAY_VERIFY_WITH",
    "ALIPAY_SIGN_TYPES",
];

/// Keys from the environment.
///
/// - `ALIPAY_PUBLIC_KEY_<APPID>` and `ALIPAY_AES_KEY_<APPID>`: one app (taken first);
/// - `ALIPAY_PUBLIC_KEY` and `ALIPAY_AES_KEY`: every other app id (a single-app service);
///   parsed once, shared by every app id they serve;
/// - `ALIPAY_VERIFY_WITH_<APPID>`: ISV mode, verify with that app's Alipay public key;
/// - `ALIPAY_SIGN_TYPES_<APPID>` / `ALIPAY_SIGN_TYPES`: pin the accepted sign types, e.g.
///   `RSA2`.
///
/// Several keys for rotation are separated by `|` (base64 and PEM never contain it).
/// An app with no variables is "not mine", so a chain moves on. Parsed per-app material is
/// kept for at most 100,000 app ids.
///
/// ```
/// use phone_client::EnvKeys;
/// // Tests and embedders can give the variables instead of the process environment.
/// let env = EnvKeys::from_vars([("ALIPAY_AES_KEY", "aa4BtZ4tspm2wnXLb1ThQA==")]);
/// assert!(env.is_configured());
/// assert!(!EnvKeys::from_vars(Vec::<(String, String)>::new()).is_configured());
/// ```
#[derive(Clone)]
pub struct EnvKeys {
    lookup: Lookup,
    /// Every variable name, when known (the process environment, or given variables).
    names: Option<Arc<dyn Fn() -> Vec<String> + Send + Sync>>,
    /// The default keys' material: one for every app id they serve.
    defaults: Arc<Mutex<Option<Parsed>>>,
    /// Parsed material of apps with variables of their own, reused while their text is
    /// unchanged.
    apps: Cache<String, Arc<Parsed>>,
}

impl std::fmt::Debug for EnvKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnvKeys")
    }
}

impl Default for EnvKeys {
    fn default() -> Self {
        Self::new()
    }
}

impl EnvKeys {
    /// Reads the process environment.
    pub fn new() -> Self {
        let mut keys = Self::from_lookup(|name| std::env::var(name).ok());
        keys.names = Some(Arc::new(|| {
            std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()).collect()
        }));
        keys
    }

    /// Reads the given variables only.
    pub fn from_vars<K: Into<String>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>) -> Self {
        // Bounded by the variables given here, never by requests (an unknown id is a miss).
        let map: HashMap<String, String> = vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        let map = Arc::new(map);
        let names = map.clone();
        let mut keys = Self::from_lookup(move |name| map.get(name).cloned());
        keys.names = Some(Arc::new(move || names.keys().cloned().collect()));
        keys
    }

    /// Reads variables through `lookup` (then [`EnvKeys::is_configured`] cannot list them and
    /// answers from the default variables only).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self {
            lookup: Arc::new(lookup),
            names: None,
            defaults: Arc::default(),
            apps: Cache::builder().max_capacity(DEFAULT_CAPACITY).build(),
        }
    }

    fn var(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    /// Whether the single-app variables (`ALIPAY_PUBLIC_KEY`, `ALIPAY_AES_KEY`) are set.
    pub fn has_default_keys(&self) -> bool {
        self.var("ALIPAY_PUBLIC_KEY").is_some() && self.var("ALIPAY_AES_KEY").is_some()
    }

    /// The app ids that have variables of their own (`ALIPAY_PUBLIC_KEY_<APPID>`, ...), when
    /// the variable names can be listed.
    pub fn configured_apps(&self) -> Option<Vec<String>> {
        let names = self.names.as_ref()?();
        let mut apps: Vec<String> = names
            .iter()
            .filter_map(|n| {
                ENV_PREFIXES
                    .iter()
                    .find_map(|p| n.strip_prefix(p).and_then(|rest| rest.strip_prefix('_')))
            })
            .filter(|app| !app.is_empty() && self.var(&format!("ALIPAY_AES_KEY_{app}")).is_some())
            .map(str::to_owned)
            .collect();
        apps.sort();
        apps.dedup();
        Some(apps)
    }

    /// Whether any keys are configured: the default variables, or any app's own.
    pub fn is_configured(&self) -> bool {
        self.var("ALIPAY_PUBLIC_KEY").is_some()
            || self.var("ALIPAY_AES_KEY").is_some()
            || self.configured_apps().is_some_and(|a| !a.is_empty())
    }

    fn material(&self, vars: &[Option<String>]) -> Result<AppKeyMaterial, Error> {
        let keys = |i: usize| vars[i].iter().flat_map(|v| v.split('|'));
        AppKeyMaterial::from_text(keys(0), keys(1), vars[3].as_deref(), vars[2].as_deref()).map_err(|e| e.error)
    }
}

#[async_trait]
impl KeyProvider for EnvKeys {
    async fn load(&self, app_id: &AppId) -> Result<Option<Arc<AppKeyMaterial>>, ProviderError> {
        // An AppId is safe as a variable suffix: no `=` or NUL reaches the OS.
        let own: Vec<Option<String>> = ENV_PREFIXES
            .iter()
            .map(|p| self.var(&format!("{p}_{app_id}")))
            .collect();
        if own.iter().any(Option::is_some) {
            if let Some(hit) = self.apps.get(app_id.as_str())
                && hit.0 == own
            {
                return Ok(Some(hit.1.clone()));
            }
            let material = Arc::new(self.material(&own).map_err(ProviderError::InvalidKeys)?);
            self.apps.insert(app_id.to_string(), Arc::new((own, material.clone())));
            return Ok(Some(material));
        }
        let defaults: Vec<Option<String>> = ["ALIPAY_PUBLIC_KEY", "ALIPAY_AES_KEY"]
            .iter()
            .map(|n| self.var(n))
            .chain([None, self.var("ALIPAY_SIGN_TYPES")])
            .collect();
        if defaults[..2].iter().all(Option::is_none) {
            return Ok(None);
        }
        let mut cached = self.defaults.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((seen, material)) = &*cached
            && *seen == defaults
        {
            return Ok(Some(material.clone()));
        }
        let material = Arc::new(self.material(&defaults).map_err(ProviderError::InvalidKeys)?);
        *cached = Some((defaults, material.clone()));
        Ok(Some(material))
    }
    /// None: variables are read in memory, and text already parsed is not parsed again.
    fn cache_policy(&self) -> Option<crate::cache_policy::KeyCache> {
        None
    }
}
