//! One app's prepared keys: what a service keeps in memory and reuses for every payload.

use phone_core::{Envelope, Error, ParseOptions, PhoneNumber};

use crate::backend::{ContentCipher, CryptoBackend, SignatureVerifier};
use crate::keys::{AesKey, AlipayPublicKey, RsaPublicKeyDer, Sm2PublicKeyDer};
use crate::open::{Opened, open_envelope};
use crate::selection::Backend;

/// The prepared keys of one app: Alipay public key(s) and AES key(s) loaded once into
/// backend-native objects, plus the envelope limits.
///
/// Several keys of each kind support rotation: any listed verifying key may verify, and AES
/// keys are tried in order after the signature verified.
///
/// ```
/// use phone_crypto::{AppKeys, Backend};
/// let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/");
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
    verifiers: Vec<Box<dyn SignatureVerifier>>,
    ciphers: Vec<Box<dyn ContentCipher>>,
    backend: &'static str,
    options: ParseOptions,
}

impl std::fmt::Debug for AppKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppKeys")
            .field("backend", &self.backend)
            .field("verifying_keys", &self.verifiers.len())
            .field("aes_keys", &self.ciphers.len())
            .field("options", &self.options)
            .finish()
    }
}

/// Builds [`AppKeys`]; each key is parsed (and rejected with a targeted `key_error`) as soon as
/// it is given.
#[derive(Debug, Default, Clone)]
pub struct AppKeysBuilder {
    public_keys: Vec<RsaPublicKeyDer>,
    sm2_keys: Vec<Sm2PublicKeyDer>,
    aes_keys: Vec<AesKey>,
    options: ParseOptions,
}

impl AppKeysBuilder {
    /// Adds an Alipay public key (支付宝公钥): the console's base64, PEM, PKCS#1 or a
    /// certificate. Call again to accept several during a rotation.
    pub fn alipay_public_key(mut self, text: &str) -> Result<Self, Error> {
        match AlipayPublicKey::parse(text)? {
            AlipayPublicKey::Rsa(k) => self.public_keys.push(k),
            AlipayPublicKey::Sm2(k) => self.sm2_keys.push(k),
        }
        Ok(self)
    }

    /// Adds an already parsed Alipay public key.
    pub fn alipay_public_key_der(mut self, key: RsaPublicKeyDer) -> Self {
        self.public_keys.push(key);
        self
    }

    /// Adds an AES key (接口内容加密方式) in the console's base64 form. Call again for
    /// rotation; keys are tried in the order given.
    pub fn aes_key(mut self, text: &str) -> Result<Self, Error> {
        self.aes_keys.push(AesKey::parse(text)?);
        Ok(self)
    }

    /// Adds an already parsed AES key.
    pub fn aes_key_raw(mut self, key: AesKey) -> Self {
        self.aes_keys.push(key);
        self
    }

    /// Sets the envelope size limit (default 64 KiB).
    pub fn max_envelope_bytes(mut self, limit: usize) -> Self {
        self.options.max_envelope_bytes = limit;
        self
    }

    /// Sets every envelope limit at once (sizes, nesting depth, unsigned envelopes).
    pub fn options(mut self, options: ParseOptions) -> Self {
        self.options = options;
        self
    }

    /// Accepts envelopes without a signature. Off by default; see [`ParseOptions::allow_unsigned`].
    pub fn allow_unsigned(mut self, allow: bool) -> Self {
        self.options.allow_unsigned = allow;
        self
    }

    /// Prepares the keys on a compiled backend.
    pub fn build(self, backend: Backend) -> Result<AppKeys, Error> {
        self.build_with(backend.provider())
    }

    /// Prepares the keys on any backend implementation.
    pub fn build_with(self, backend: &dyn CryptoBackend) -> Result<AppKeys, Error> {
        if self.public_keys.is_empty() && self.sm2_keys.is_empty() && !self.options.allow_unsigned {
            return Err(Error::key(
                phone_core::KeyRole::AlipayPublic,
                phone_core::KeyProblem::Unparsable("no Alipay public key was given".into()),
            ));
        }
        let mut verifiers: Vec<_> = self
            .public_keys
            .iter()
            .map(|k| backend.prepare_verifier(k))
            .collect::<Result<_, _>>()?;
        for k in &self.sm2_keys {
            verifiers.push(backend.prepare_sm2_verifier(k)?);
        }
        let ciphers = self
            .aes_keys
            .iter()
            .map(|k| backend.prepare_cipher(k))
            .collect::<Result<_, _>>()?;
        Ok(AppKeys {
            verifiers,
            ciphers,
            backend: backend.name(),
            options: self.options,
        })
    }
}

impl AppKeys {
    /// Starts a builder.
    pub fn builder() -> AppKeysBuilder {
        AppKeysBuilder::default()
    }

    /// Assembles keys prepared elsewhere (e.g. by a key provider's cache).
    pub fn from_prepared(
        verifiers: Vec<Box<dyn SignatureVerifier>>,
        ciphers: Vec<Box<dyn ContentCipher>>,
        backend: &'static str,
        options: ParseOptions,
    ) -> Self {
        Self {
            verifiers,
            ciphers,
            backend,
            options,
        }
    }

    /// The name of the backend the keys were prepared on.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// The envelope limits.
    pub fn options(&self) -> &ParseOptions {
        &self.options
    }

    /// Opens the posted text: size, envelope, signature, decryption, plaintext.
    pub fn open(&self, body: &str) -> Result<Opened, Error> {
        let env = Envelope::parse(body, &self.options)?;
        self.open_parsed(&env)
    }

    /// Opens posted bytes (must be UTF-8).
    pub fn open_bytes(&self, body: &[u8]) -> Result<Opened, Error> {
        let env = Envelope::parse_bytes(body, &self.options)?;
        self.open_parsed(&env)
    }

    /// Opens an envelope parsed by the caller.
    pub fn open_parsed(&self, env: &Envelope<'_>) -> Result<Opened, Error> {
        open_envelope(env, &self.verifiers, &self.ciphers)
    }
}

/// The one-call flow: the posted text in, the phone number (masked when printed) out.
///
/// Sync and runtime-free: verifies Alipay's signature, then decrypts, then parses.
pub fn decrypt_phone(keys: &AppKeys, body: &str) -> Result<PhoneNumber, Error> {
    keys.open(body).map(|o| o.response.phone)
}
