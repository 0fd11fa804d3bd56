//! Where `serve` gets keys: a keyring file, PostgreSQL, the environment, or (asked for) the
//! public demo keys; and what `/readyz` asks each of them.

use std::path::PathBuf;
use std::time::Duration;

use phone_client::{AppKeyMaterial, ChainKeys, EnvKeys, FileKeys, KeyProvider, PgKeys, StaticKeys};

/// The public demo key set of `examples/data/` (a test checks they are equal): the demo
/// mode's keys. Carried as text because the published crate does not ship `examples/`.
pub const DEMO_ALIPAY_PUBLIC_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqN/vq5YqkCi/e18a2ykQY0mr2KJXrzxMCgRLNePzLaN8M2nSW98gcJBq3U4Y9f1ob3+w6+uPA6n3sGOJqSL31VTnfM7+glWKvs6dufRh8FSrkU3rCrsfCsKFCfyS5JRSzvO0k37swDaPC05CdB7/ecHplCsCs8qGH8XcMdCmtjSOvoxYfPYif7H5xsA66WUdfCu9ScD866gTZIUNHM0QKnq0Nncf4teaFYJvFYLuqSldfBlccqsdl7uVONaWB45U+93RkZcexdxLNoL3Ew1mtk2oM1dIxvAIw0UhE/tgUoRP5LONrkgyIa/6glAUNAvQqeMfcAHVQeBgMxFX3z9WqQIDAQAB";
/// The demo AES key (`examples/data/aes_key.txt`).
pub const DEMO_AES_KEY: &str = "+Iyjx34pVTjbm6yLsggtGg==";

/// The message when no key source is configured.
pub const NO_KEYS: &str = "no keys configured: give --keyring FILE (PHONE_SERVE_KEYRING), \
--database-url URL (PHONE_SERVE_DATABASE_URL), or the environment's ALIPAY_PUBLIC_KEY_<APPID> and \
ALIPAY_AES_KEY_<APPID> per app (ALIPAY_VERIFY_WITH_<APPID> for ISV merchants) or ALIPAY_PUBLIC_KEY and \
ALIPAY_AES_KEY for every app id; --demo serves the public demo keys instead (never in production)";

/// The configured sources, in the order they are asked (the first with keys for an app wins).
#[derive(Clone, Default)]
pub struct Sources {
    keyring: Option<(PathBuf, FileKeys)>,
    database: Option<PgKeys>,
    env: bool,
    demo: bool,
}

impl Sources {
    pub fn demo() -> Self {
        Self {
            demo: true,
            ..Self::default()
        }
    }

    pub fn with_keyring(mut self, path: PathBuf) -> Self {
        self.keyring = Some((path.clone(), FileKeys::watch(path)));
        self
    }

    pub fn with_database(mut self, keys: PgKeys) -> Self {
        self.database = Some(keys);
        self
    }

    pub fn with_env(mut self) -> Self {
        self.env = true;
        self
    }

    pub fn is_empty(&self) -> bool {
        self.keyring.is_none() && self.database.is_none() && !self.env && !self.demo
    }

    /// What the startup line says about the sources (names, never keys or the URL).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some((path, _)) = &self.keyring {
            parts.push(format!("keyring:{}", path.display()));
        }
        if self.database.is_some() {
            parts.push("postgresql".to_owned());
        }
        if self.env {
            parts.push("env".to_owned());
        }
        if self.demo {
            parts.push("demo".to_owned());
        }
        parts.join(",")
    }

    /// The keyring's app ids as loaded now (fails on a keyring that cannot be read or parsed).
    pub async fn keyring_apps(&self) -> Option<Result<Vec<String>, phone_client::Error>> {
        match &self.keyring {
            Some((_, keys)) => Some(keys.app_ids().await.map_err(phone_client::Error::from)),
            None => None,
        }
    }

    /// The provider: the sources chained, keyring first, then the database, then the
    /// environment; each asked only when the ones before have no keys for the app.
    pub fn provider(&self) -> Result<ChainKeys, phone_client::Error> {
        fn add(chain: Option<ChainKeys>, p: impl KeyProvider + 'static) -> Option<ChainKeys> {
            Some(match chain {
                None => ChainKeys::first_try(p),
                Some(c) => c.or_else(p),
            })
        }
        let mut chain = None;
        if self.demo {
            let demo = AppKeyMaterial::new()
                .with_alipay_public_key(DEMO_ALIPAY_PUBLIC_KEY)?
                .with_aes_key(DEMO_AES_KEY)?;
            chain = add(chain, StaticKeys::new().any_app(demo));
        }
        if let Some((_, keys)) = &self.keyring {
            chain = add(chain, keys.clone());
        }
        if let Some(keys) = &self.database {
            chain = add(chain, keys.clone());
        }
        if self.env {
            chain = add(chain, EnvKeys::new());
        }
        // A setup mistake (500), not an outage: the service is not started without keys.
        chain.ok_or_else(|| phone_client::ProviderError::invalid_configuration(NO_KEYS).into())
    }

    /// Whether keys can be loaded now: the keyring parses, the database answers; the
    /// environment and the demo keys were checked at startup. The reason names the source,
    /// never a key or the database password.
    pub async fn ready(&self) -> Result<(), String> {
        if let Some((path, keys)) = &self.keyring {
            keys.app_ids()
                .await
                .map_err(|e| format!("keyring {}: {e}", path.display()))?;
        }
        if let Some(db) = &self.database {
            match tokio::time::timeout(Duration::from_secs(5), db.ready()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) if super::tls::certificate_not_verified(&e) => {
                    return Err(format!("postgresql: {e}; {}", super::tls::NOT_VERIFIED_HINT));
                }
                Ok(Err(e)) => return Err(format!("postgresql: {e}")),
                Err(_) => return Err("postgresql: no answer within 5 s".into()),
            }
        }
        Ok(())
    }
}
