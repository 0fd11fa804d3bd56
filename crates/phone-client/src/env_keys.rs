//! Keys from environment variables.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use phone_core::Error;

use crate::material::AppKeyMaterial;
use crate::provider::KeyProvider;

type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;
/// The variables' text as last read, and the material parsed from it.
type Parsed = HashMap<String, (Vec<Option<String>>, Arc<AppKeyMaterial>)>;

/// Keys from the environment.
///
/// - `ALIPAY_PUBLIC_KEY_<APPID>` and `ALIPAY_AES_KEY_<APPID>`: one app (taken first);
/// - `ALIPAY_PUBLIC_KEY` and `ALIPAY_AES_KEY`: every other app id (a single-app service);
/// - `ALIPAY_VERIFY_WITH_<APPID>`: ISV mode, verify with that app's Alipay public key.
///
/// Several keys for rotation are separated by `|` (base64 and PEM never contain it).
/// An app with no variables is "not mine", so a chain moves on.
///
/// ```
/// use phone_client::EnvKeys;
/// // Tests and embedders can inject the lookup instead of the process environment.
/// let env = EnvKeys::from_lookup(|name| (name == "ALIPAY_AES_KEY").then(|| "aa4BtZ4tspm2wnXLb1ThQA==".to_owned()));
/// ```
#[derive(Clone)]
pub struct EnvKeys {
    lookup: Lookup,
    /// Parsed material per app, reused while the variables' text is unchanged.
    parsed: Arc<Mutex<Parsed>>,
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
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self {
            lookup: Arc::new(lookup),
            parsed: Arc::default(),
        }
    }

    fn var(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    /// Whether the single-app variables are set (the example server's switch).
    pub fn has_default_keys(&self) -> bool {
        self.var("ALIPAY_PUBLIC_KEY").is_some() && self.var("ALIPAY_AES_KEY").is_some()
    }

    fn material(
        &self,
        public: Option<String>,
        aes: Option<String>,
        verify_with: Option<String>,
    ) -> Result<AppKeyMaterial, Error> {
        let mut m = AppKeyMaterial::new();
        for k in public.iter().flat_map(|v| v.split('|')) {
            m = m.with_alipay_public_key(k)?;
        }
        for k in aes.iter().flat_map(|v| v.split('|')) {
            m = m.with_aes_key(k)?;
        }
        if let Some(isv) = verify_with {
            m = m.verify_with(isv.trim());
        }
        Ok(m)
    }
}

#[async_trait]
impl KeyProvider for EnvKeys {
    async fn load(&self, app_id: &str) -> Result<Option<Arc<AppKeyMaterial>>, Error> {
        let mut vars = vec![
            self.var(&format!("ALIPAY_PUBLIC_KEY_{app_id}")),
            self.var(&format!("ALIPAY_AES_KEY_{app_id}")),
            self.var(&format!("ALIPAY_VERIFY_WITH_{app_id}")),
        ];
        if vars.iter().all(Option::is_none) {
            vars = vec![self.var("ALIPAY_PUBLIC_KEY"), self.var("ALIPAY_AES_KEY"), None];
            if vars.iter().all(Option::is_none) {
                return Ok(None);
            }
        }
        let mut parsed = self.parsed.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((seen, material)) = parsed.get(app_id)
            && *seen == vars
        {
            return Ok(Some(material.clone()));
        }
        let material = Arc::new(self.material(vars[0].clone(), vars[1].clone(), vars[2].clone())?);
        parsed.insert(app_id.to_owned(), (vars, material.clone()));
        Ok(Some(material))
    }
}
