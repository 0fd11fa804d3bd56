//! One app's prepared keys: what a service keeps in memory and reuses for every payload.

use std::sync::{Arc, OnceLock};

use phone_core::{Envelope, Error, KeyProblem, KeyRole, ParseOptions, SignType};

use crate::algorithms::{ContentAlgorithm, SignAlgorithm};
use crate::backend::Backend;
use crate::capabilities::Capabilities;
use crate::keys::{AlipayPublicKey, ContentKey, RsaPublicKey};
use crate::material::KeyMaterial;
use crate::parts::{ContentCipher, SignatureVerifier};
use crate::pool::KeyPool;
use crate::provider::CryptoProvider;

/// A set of sign types an app accepts (pinning).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct SignTypeSet(u8);

impl SignTypeSet {
    fn bit(t: SignType) -> u8 {
        match t {
            SignType::Rsa => 1,
            SignType::Rsa2 => 2,
            SignType::Sm2 => 4,
            _ => 0,
        }
    }

    pub(crate) fn from_types(types: &[SignType]) -> Self {
        Self(types.iter().fold(0, |acc, t| acc | Self::bit(*t)))
    }

    pub(crate) fn contains(self, t: SignType) -> bool {
        self.0 & Self::bit(t) != 0
    }

    /// The one type of a set that holds exactly one.
    pub(crate) fn single(self) -> Option<SignType> {
        [SignType::Rsa, SignType::Rsa2, SignType::Sm2]
            .into_iter()
            .find(|t| self.0 == Self::bit(*t))
    }

    fn names(self) -> String {
        [SignType::Rsa, SignType::Rsa2, SignType::Sm2]
            .into_iter()
            .filter(|t| self.contains(*t))
            .map(SignType::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A prepared Alipay public key and its algorithm.
#[derive(Debug, Clone)]
pub(crate) struct PreparedVerifier {
    pub(crate) algorithm: SignAlgorithm,
    pub(crate) key: Arc<dyn SignatureVerifier>,
}

/// One content key: AES-CBC prepared up front; SM4-GCM, which few apps use, prepared on the
/// first `SM4` envelope (it would otherwise double the memory of every 16-byte key on a
/// backend that has SM4).
#[derive(Debug)]
pub(crate) struct PreparedContentKey {
    pub(crate) aes_cbc: Option<Arc<dyn ContentCipher>>,
    pub(crate) sm4_gcm: Option<Box<LazySm4>>,
}

/// A 16-byte content key kept for SM4-GCM, prepared when first needed.
pub(crate) struct LazySm4 {
    key: ContentKey,
    prepared: OnceLock<Option<Arc<dyn ContentCipher>>>,
}

impl std::fmt::Debug for LazySm4 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazySm4")
            .field("prepared", &self.prepared.get().is_some())
            .finish()
    }
}

impl PreparedContentKey {
    /// The prepared key for `algorithm`, if this key fits it on this backend.
    pub(crate) fn get(&self, algorithm: ContentAlgorithm, backend: &CryptoProvider) -> Option<&dyn ContentCipher> {
        match algorithm {
            ContentAlgorithm::AesCbc => self.aes_cbc.as_deref(),
            ContentAlgorithm::Sm4Gcm => {
                let lazy = self.sm4_gcm.as_deref()?;
                lazy.prepared
                    .get_or_init(|| backend.prepare_content_key(ContentAlgorithm::Sm4Gcm, &lazy.key).ok())
                    .as_deref()
            }
        }
    }

    /// Whether this key can serve `algorithm` (without preparing anything).
    pub(crate) fn fits(&self, algorithm: ContentAlgorithm) -> bool {
        match algorithm {
            ContentAlgorithm::AesCbc => self.aes_cbc.is_some(),
            ContentAlgorithm::Sm4Gcm => self.sm4_gcm.is_some(),
        }
    }
}

/// The prepared keys of one app: Alipay public key(s) and content key(s) loaded once into
/// backend-native objects, the sign types the app accepts, and the envelope limits.
///
/// This is the one place keys are prepared. Several keys of each kind support rotation: any
/// listed verifying key may verify, and content keys are tried in order after the signature
/// verified. Built through a [`KeyPool`], identical keys of different apps are prepared once.
///
/// ```
/// use phone_crypto::{AppKeys, Backend};
/// let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/");
/// let keys = AppKeys::builder()
///     .alipay_public_key(&std::fs::read_to_string(format!("{data}alipay_public_key.txt"))?)?
///     .aes_key(&std::fs::read_to_string(format!("{data}aes_key.txt"))?)?
///     .build(Backend::default())?;
/// let body = std::fs::read_to_string(format!("{data}envelope.json"))?;
/// let phone = phone_crypto::decrypt_phone(&keys, &body)?;
/// assert_eq!(phone.to_string(), "138****8000");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AppKeys {
    pub(crate) verifiers: Box<[PreparedVerifier]>,
    pub(crate) content_keys: Box<[PreparedContentKey]>,
    pub(crate) sign_types: Option<SignTypeSet>,
    pub(crate) backend: Arc<CryptoProvider>,
    pub(crate) capabilities: Capabilities,
    pub(crate) options: Arc<ParseOptions>,
}

impl std::fmt::Debug for AppKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppKeys")
            .field("backend", &self.backend.name())
            .field("verifying_keys", &self.verifiers.len())
            .field("content_keys", &self.content_keys.len())
            .field("sign_types", &self.sign_types.map(SignTypeSet::names))
            .field("options", &self.options)
            .finish()
    }
}

/// Builds [`AppKeys`] from one [`KeyMaterial`] and options; each key is parsed (and rejected
/// with a targeted `key_error`) as soon as it is given, and prepared by
/// [`AppKeysBuilder::build`] or [`AppKeysBuilder::build_in`].
///
/// A key source's material goes in whole ([`AppKeysBuilder::material`]), shared rather than
/// copied key by key; the text methods ([`AppKeysBuilder::alipay_public_key`], ...) add to it.
///
/// ```
/// use phone_crypto::{AppKeys, Backend, KeyMaterial};
/// let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/");
/// let material = KeyMaterial::new()
///     .with_alipay_public_key(&std::fs::read_to_string(format!("{data}alipay_public_key.txt"))?)?
///     .with_aes_key(&std::fs::read_to_string(format!("{data}aes_key.txt"))?)?
///     .shared();
/// let keys = AppKeys::builder().material(material).build(Backend::default())?;
/// let body = std::fs::read_to_string(format!("{data}envelope.json"))?;
/// assert_eq!(phone_crypto::decrypt_phone(&keys, &body)?.to_string(), "138****8000");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default, Clone)]
pub struct AppKeysBuilder {
    material: Arc<KeyMaterial>,
    /// ISV/template mode: the material whose Alipay public keys verify instead.
    verifying: Option<Arc<KeyMaterial>>,
    /// The pin when neither material pins.
    default_sign_types: Option<Vec<SignType>>,
    options: Arc<ParseOptions>,
}

impl AppKeysBuilder {
    /// Starts from `material` (replacing anything given before): its keys and its pinned sign
    /// types. An `Arc` is shared, not copied.
    pub fn material(mut self, material: impl Into<Arc<KeyMaterial>>) -> Self {
        self.material = material.into();
        self
    }

    /// ISV/template mode: verifies with `isv`'s Alipay public keys instead of the material's
    /// own (which then usually holds only content keys); `isv`'s pinned sign types apply when
    /// the material pins none.
    ///
    /// ```
    /// use phone_crypto::{AppKeys, Backend, KeyMaterial};
    /// let key = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/alipay_public_key.txt"))?;
    /// let isv = KeyMaterial::new().with_alipay_public_key(&key)?;
    /// let merchant = KeyMaterial::new().with_aes_key("aa4BtZ4tspm2wnXLb1ThQA==")?.verify_with("isv");
    /// let keys = AppKeys::builder().material(merchant).verify_with_material(isv).build(Backend::default())?;
    /// assert_eq!(format!("{keys:?}").contains("verifying_keys: 1"), true);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_with_material(mut self, isv: impl Into<Arc<KeyMaterial>>) -> Self {
        self.verifying = Some(isv.into());
        self
    }

    /// The sign types accepted when neither the material nor the ISV's material pins any
    /// (a service-wide pin).
    pub fn default_sign_types(mut self, types: &[SignType]) -> Self {
        self.default_sign_types = Some(types.to_vec());
        self
    }

    fn edit(&mut self, change: impl FnOnce(KeyMaterial) -> KeyMaterial) {
        let m = std::mem::take(Arc::make_mut(&mut self.material));
        *Arc::make_mut(&mut self.material) = change(m);
    }

    /// Adds an Alipay public key (支付宝公钥): the console's base64, PEM, PKCS#1, a certificate,
    /// or an SM2 key. Call again to accept several during a rotation.
    pub fn alipay_public_key(mut self, text: &str) -> Result<Self, Error> {
        let key = AlipayPublicKey::parse(text)?;
        self.edit(|m| m.with_public_key(key));
        Ok(self)
    }

    /// Adds an already parsed RSA Alipay public key.
    pub fn alipay_public_key_der(self, key: RsaPublicKey) -> Self {
        self.public_key(AlipayPublicKey::Rsa(key))
    }

    /// Adds an already parsed Alipay public key of any algorithm.
    pub fn public_key(mut self, key: AlipayPublicKey) -> Self {
        self.edit(|m| m.with_public_key(key));
        self
    }

    /// Adds a content key (接口内容加密方式) in the console's base64 form. Call again for
    /// rotation; keys are tried in the order given.
    pub fn aes_key(mut self, text: &str) -> Result<Self, Error> {
        let key = ContentKey::parse(text)?;
        self.edit(|m| m.with_aes_key_raw(key));
        Ok(self)
    }

    /// Adds an already parsed content key.
    pub fn aes_key_raw(mut self, key: ContentKey) -> Self {
        self.edit(|m| m.with_aes_key_raw(key));
        self
    }

    /// Pins the sign types this app accepts (e.g. only `RSA2`): an envelope declaring another
    /// is `unsupported_sign_type` even when its signature would verify. Default: every sign
    /// type the keys and backend can verify.
    ///
    /// ```
    /// use phone_core::SignType;
    /// use phone_crypto::{AppKeys, Backend};
    /// let key = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/alipay_public_key.txt"))?;
    /// let keys = AppKeys::builder().alipay_public_key(&key)?.accept_sign_types(&[SignType::Rsa2]).build(Backend::default())?;
    /// let legacy = r#"{"response":"AAAAAAAAAAAAAAAAAAAAAA==","sign":"c2ln","sign_type":"RSA"}"#;
    /// assert_eq!(keys.open(legacy).unwrap_err().kind(), "unsupported_sign_type");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accept_sign_types(mut self, types: &[SignType]) -> Self {
        self.edit(|m| m.accept_sign_types(types));
        self
    }

    /// Sets every envelope limit at once (sizes, nesting depth, unsigned envelopes): the one
    /// place limits are configured.
    pub fn options(self, options: ParseOptions) -> Self {
        self.shared_options(Arc::new(options))
    }

    /// Like [`AppKeysBuilder::options`], sharing one set of limits between many apps (what
    /// a service with thousands of apps does: the limits are not copied per app).
    pub fn shared_options(mut self, options: Arc<ParseOptions>) -> Self {
        self.options = options;
        self
    }

    /// Prepares the keys on a compiled backend (a pool of its own: nothing shared with other
    /// apps).
    pub fn build(self, backend: Backend) -> Result<AppKeys, Error> {
        self.build_in(&KeyPool::new(backend))
    }

    /// Prepares the keys through `pool`, sharing every key another app of the pool holds.
    pub fn build_in(self, pool: &KeyPool) -> Result<AppKeys, Error> {
        let own = &*self.material;
        let verify_from = self.verifying.as_deref().unwrap_or(own);
        let public_keys = verify_from.verify_keys();
        if public_keys.is_empty() && !self.options.allow_unsigned {
            return Err(Error::key(
                KeyRole::AlipayPublic,
                KeyProblem::Unparsable("no Alipay public key was given".into()),
            ));
        }
        let backend = pool.provider();
        let capabilities = backend.capabilities();
        // A key whose algorithm this backend lacks is kept out; `open` then names a backend
        // that has it instead of failing alike for every envelope.
        let verifiers = public_keys
            .iter()
            .filter(|k| capabilities.verifies_algorithm(k.algorithm()))
            .map(|k| {
                Ok(PreparedVerifier {
                    algorithm: k.algorithm(),
                    key: pool.verifier(k)?,
                })
            })
            .collect::<Result<Box<[_]>, Error>>()?;
        let content_keys = own
            .aes_keys()
            .iter()
            .map(|k| {
                let aes_cbc = capabilities
                    .decrypts_algorithm(ContentAlgorithm::AesCbc)
                    .then(|| pool.cipher(ContentAlgorithm::AesCbc, k))
                    .transpose()?;
                // SM4 keys are 16 bytes: the console's key serves SM4 when the app chose it.
                let sm4_gcm = (k.len() == 16 && capabilities.decrypts_algorithm(ContentAlgorithm::Sm4Gcm)).then(|| {
                    Box::new(LazySm4 {
                        key: k.clone(),
                        prepared: OnceLock::new(),
                    })
                });
                Ok(PreparedContentKey { aes_cbc, sm4_gcm })
            })
            .collect::<Result<Box<[_]>, Error>>()?;
        Ok(AppKeys {
            verifiers,
            content_keys,
            sign_types: own
                .sign_types()
                .or_else(|| self.verifying.as_deref().and_then(KeyMaterial::sign_types))
                .or(self.default_sign_types.as_deref())
                .map(SignTypeSet::from_types),
            backend: backend.clone(),
            capabilities,
            options: self.options,
        })
    }
}

impl AppKeys {
    /// Starts a builder.
    pub fn builder() -> AppKeysBuilder {
        AppKeysBuilder::default()
    }

    /// The name of the backend the keys were prepared on.
    pub fn backend(&self) -> &'static str {
        self.backend.name()
    }

    /// The envelope limits.
    pub fn options(&self) -> &ParseOptions {
        &self.options
    }

    /// Whether this app accepts envelopes of `sign_type` (pinning, if set).
    pub fn accepts(&self, sign_type: SignType) -> bool {
        self.sign_types.is_none_or(|s| s.contains(sign_type))
    }

    /// Parses the posted text under this app's limits, its one pinned sign type (if it pins
    /// exactly one) standing in for a shape that declares none.
    pub fn parse<'a>(&self, body: &'a str) -> Result<Envelope<'a>, Error> {
        Envelope::parse_pinned(body, &self.options, self.single_sign_type())
    }

    /// The app's sign type when it pins exactly one.
    pub(crate) fn single_sign_type(&self) -> Option<SignType> {
        self.sign_types.and_then(SignTypeSet::single)
    }

    pub(crate) fn pinned_refusal(&self, sign_type: SignType) -> Option<Error> {
        let set = self.sign_types?;
        (!set.contains(sign_type)).then(|| Error::UnsupportedSignType {
            name: sign_type.as_str().into(),
            reason: format!("this app accepts only {} envelopes", set.names()),
        })
    }
}
