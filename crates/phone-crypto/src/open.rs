//! The whole flow over prepared keys: checks in the contract's order, verify strictly before
//! decrypt, then the plaintext.

use phone_core::{
    Charset, EncryptType, Envelope, Error, OpenData, ParseOptions, PhoneNumber, PhoneResponse, RunData, Shape,
    parse_open_data_with, parse_plaintext_with, parse_run_data_with,
};
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::algorithms::{ContentAlgorithm, SignAlgorithm};
use crate::app_keys::AppKeys;
use crate::parts::ContentCipher;
use crate::refusals::{unsupported_encrypt, unsupported_sign};

/// An opened envelope: Alipay's answer (by default the phone number; [`phone_core::RunData`]
/// or [`phone_core::OpenData`] for other open data), which configured keys opened it, and the
/// shape the body arrived in.
///
/// The indices tell operators which key of a rotation is still in use without revealing it.
/// `Display` and `Debug` mask the number (and the step count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened<T = PhoneResponse> {
    /// Alipay's answer: for the phone, code, msg and the number.
    pub response: T,
    /// Index (in the order configured) of the verifying key that matched (`None` for an allowed unsigned envelope).
    pub verify_key_index: Option<usize>,
    /// Index of the content key that decrypted (`None` for plain content).
    pub content_key_index: Option<usize>,
    /// The shape the body arrived in (the envelope, the button's event detail, the
    /// `encryptContent` wrapper): for a service to count.
    pub shape: Shape,
}

/// Reads a decrypted plaintext into `T` under the envelope's charset and limits: how the
/// pipeline is told which open data it carries.
pub type PlaintextReader<T> = fn(&[u8], Charset, &ParseOptions) -> Result<T, Error>;

impl std::fmt::Display for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.response.phone, f)
    }
}

impl AppKeys {
    /// Opens the posted text, in any accepted shape: size, envelope, signature, decryption,
    /// plaintext (the phone number).
    pub fn open(&self, body: &str) -> Result<Opened, Error> {
        let env = self.parse(body)?;
        self.open_parsed(&env)
    }

    /// Opens posted bytes (must be UTF-8).
    pub fn open_bytes(&self, body: &[u8]) -> Result<Opened, Error> {
        let env = Envelope::parse_bytes_pinned(body, &self.options, self.single_sign_type())?;
        self.open_parsed(&env)
    }

    /// Opens `my.getRunData`'s envelope: the same checks as [`AppKeys::open`], then the step
    /// count (masked when printed).
    ///
    /// ```
    /// use phone_crypto::{AppKeys, Backend};
    /// let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/");
    /// let keys = AppKeys::builder()
    ///     .alipay_public_key(&std::fs::read_to_string(format!("{data}alipay_public_key.txt"))?)?
    ///     .aes_key(&std::fs::read_to_string(format!("{data}aes_key.txt"))?)?
    ///     .build(Backend::default())?;
    /// // The phone number's envelope is not run data: no count in it.
    /// let body = std::fs::read_to_string(format!("{data}envelope.json"))?;
    /// assert_eq!(keys.open_run_data(&body).unwrap_err().kind(), "malformed_plaintext");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_run_data(&self, body: &str) -> Result<Opened<RunData>, Error> {
        self.open_as(body, parse_run_data_with)
    }

    /// Opens any open data Alipay sends in this envelope, read as the caller's `T` (or the
    /// JSON object, [`OpenData`]'s default) after verification, decryption and the Alipay code
    /// check.
    ///
    /// ```
    /// use phone_core::OpenData;
    /// use phone_crypto::{AppKeys, Backend};
    /// let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/");
    /// let keys = AppKeys::builder()
    ///     .alipay_public_key(&std::fs::read_to_string(format!("{data}alipay_public_key.txt"))?)?
    ///     .aes_key(&std::fs::read_to_string(format!("{data}aes_key.txt"))?)?
    ///     .build(Backend::default())?;
    /// let body = std::fs::read_to_string(format!("{data}envelope.json"))?;
    /// // The JSON object as it is; or name your own `serde` type instead of the map.
    /// let opened = keys.open_data::<serde_json::Map<String, serde_json::Value>>(&body)?;
    /// assert!(opened.response.data.contains_key("mobile"));
    /// assert_eq!(opened.response.code, "10000");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_data<T: DeserializeOwned>(&self, body: &str) -> Result<Opened<OpenData<T>>, Error> {
        self.open_as(body, parse_open_data_with::<T>)
    }

    /// Opens an envelope parsed by the caller, reading its plaintext with `read` (e.g.
    /// [`phone_core::parse_run_data_with`], [`phone_core::parse_open_data_with`], or a reader of
    /// the caller's own): every check before the plaintext is [`AppKeys::open`]'s.
    pub fn open_parsed_as<T>(&self, env: &Envelope<'_>, read: PlaintextReader<T>) -> Result<Opened<T>, Error> {
        match self.single_sign_type().and_then(|t| env.pinned_to(t)) {
            Some(pinned) => open_prepared_as(self, &pinned, read),
            None => open_prepared_as(self, env, read),
        }
    }

    fn open_as<T>(&self, body: &str, read: PlaintextReader<T>) -> Result<Opened<T>, Error> {
        let env = self.parse(body)?;
        open_prepared_as(self, &env, read)
    }

    /// Opens an envelope parsed by the caller (under its own limits). A shape that declared
    /// no sign type takes this app's one pinned type, as [`AppKeys::open`] does.
    pub fn open_parsed(&self, env: &Envelope<'_>) -> Result<Opened, Error> {
        match self.single_sign_type().and_then(|t| env.pinned_to(t)) {
            Some(pinned) => open_prepared(self, &pinned),
            None => open_prepared(self, env),
        }
    }
}

/// The one-call flow: the posted text in, the phone number (masked when printed) out.
///
/// Sync and runtime-free: verifies Alipay's signature, then decrypts, then parses.
pub fn decrypt_phone(keys: &AppKeys, body: &str) -> Result<PhoneNumber, Error> {
    keys.open(body).map(|o| o.response.phone)
}

/// The one-call flow for `my.getRunData`: the posted text in, the step count and its date out
/// (the count masked when printed). Every check of [`decrypt_phone`] applies.
pub fn decrypt_run_data(keys: &AppKeys, body: &str) -> Result<RunData, Error> {
    keys.open_run_data(body).map(|o| o.response)
}

/// The one-call flow for any open data: verified, decrypted, Alipay's code checked, then the
/// plaintext read as `T` (the caller's `serde` type or a JSON map).
pub fn decrypt_open_data<T: DeserializeOwned>(keys: &AppKeys, body: &str) -> Result<OpenData<T>, Error> {
    keys.open_data(body).map(|o| o.response)
}

/// Opens a parsed envelope with an app's prepared keys, reading the phone number.
pub(crate) fn open_prepared(keys: &AppKeys, env: &Envelope<'_>) -> Result<Opened, Error> {
    open_prepared_as(keys, env, parse_plaintext_with)
}

/// Opens a parsed envelope with an app's prepared keys, reading the plaintext with `read`:
/// every check before it is the same whatever the open data.
pub(crate) fn open_prepared_as<T>(
    keys: &AppKeys,
    env: &Envelope<'_>,
    read: PlaintextReader<T>,
) -> Result<Opened<T>, Error> {
    let sign_type = env.sign_type();
    if env.is_signed() {
        if let Some(refusal) = keys.pinned_refusal(sign_type) {
            return Err(refusal);
        }
        if !keys.capabilities.verifies(sign_type) {
            return Err(unsupported_sign(keys.backend.name(), sign_type));
        }
        let algorithm = SignAlgorithm::for_sign_type(sign_type);
        if !keys.verifiers.iter().any(|v| Some(v.algorithm) == algorithm) {
            return Err(Error::UnsupportedSignType {
                name: sign_type.as_str().into(),
                reason: "no configured Alipay public key is of its algorithm".into(),
            });
        }
    }
    let content_algorithm = ContentAlgorithm::for_encrypt_type(env.encrypt_type());
    if env.is_encrypted() {
        if !keys.capabilities.decrypts(env.encrypt_type()) {
            return Err(unsupported_encrypt(keys.backend.name(), env.encrypt_type()));
        }
        let usable = content_algorithm.is_some_and(|a| keys.content_keys.iter().any(|k| k.fits(a)));
        if !keys.content_keys.is_empty() && !usable {
            return Err(Error::UnsupportedEncryptType {
                name: env.encrypt_type().as_str().into(),
                reason: "no configured content key fits it (SM4 keys are 16 bytes)".into(),
            });
        }
    }
    let signature = env.decode_signature()?;
    let ciphertext = env.decode_ciphertext()?;

    let verify_key = match signature {
        Some(sig) => Some(verify(keys, env, &sig)?),
        None => None,
    };

    let Some(ciphertext) = ciphertext else {
        let text = env.plain_text().unwrap_or_default();
        let response = read(text.as_bytes(), env.charset(), env.options())?;
        return Ok(Opened {
            response,
            verify_key_index: verify_key,
            content_key_index: None,
            shape: env.shape(),
        });
    };
    let Some(algorithm) = content_algorithm.filter(|_| !keys.content_keys.is_empty()) else {
        return Err(Error::DecryptFailed("no AES key is configured"));
    };
    let mut first_err = None;
    for (i, key) in keys.content_keys.iter().enumerate() {
        let Some(cipher) = key.get(algorithm, &keys.backend) else {
            continue;
        };
        match decrypt_content(env.encrypt_type(), cipher, &ciphertext)
            .and_then(|pt| read(&pt, env.charset(), env.options()))
        {
            Ok(response) => {
                return Ok(Opened {
                    response,
                    verify_key_index: verify_key,
                    content_key_index: Some(i),
                    shape: env.shape(),
                });
            }
            Err(e @ (Error::AlipayError(_) | Error::NoPhone | Error::PayloadTooLarge { .. })) => return Err(e),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err.unwrap_or(Error::DecryptFailed("no AES key is configured")))
}

/// Any key of the sign type's algorithm may verify. The decoded content is tried first; only
/// when no key verifies it and the envelope offers the raw posted text as well (a JSON escape
/// such as `\/`, which the Java SDK verifies as posted) is that tried too.
fn verify(keys: &AppKeys, env: &Envelope<'_>, sig: &[u8]) -> Result<usize, Error> {
    let sign_type = env.sign_type();
    let algorithm = SignAlgorithm::for_sign_type(sign_type);
    let try_all = |message: &[u8]| {
        keys.verifiers
            .iter()
            .position(|v| Some(v.algorithm) == algorithm && v.key.verify(sign_type, message, sig).is_ok())
    };
    if let Some(hit) = try_all(&env.signed_content()) {
        return Ok(hit);
    }
    env.raw_signed_content().and_then(try_all).ok_or(Error::BadSignature)
}

/// Decrypts verified content (the content step alone): renamed [`decrypt_content`].
#[deprecated(
    since = "0.3.0",
    note = "renamed `decrypt_content`: it is the content step alone, not the flow"
)]
pub fn decrypt(
    encrypt_type: EncryptType,
    cipher: &dyn ContentCipher,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    decrypt_content(encrypt_type, cipher, ciphertext)
}

/// Decrypts verified content: `AES` with the all-zero IV, `AES_V2` with the IV prepended,
/// `SM4` (GCM) in the Java SDK's layout.
pub fn decrypt_content(
    encrypt_type: EncryptType,
    cipher: &dyn ContentCipher,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    match encrypt_type {
        EncryptType::Aes => cipher.decrypt_cbc(&[0u8; 16], ciphertext),
        EncryptType::AesV2 => {
            if ciphertext.len() < 32 {
                return Err(Error::DecryptFailed(
                    "AES_V2 content is shorter than an IV and one block",
                ));
            }
            let (iv, body) = ciphertext.split_at(16);
            let iv: &[u8; 16] = iv.try_into().map_err(|_| Error::DecryptFailed("bad IV"))?;
            cipher.decrypt_cbc(iv, body)
        }
        EncryptType::Sm4 => {
            // The Java SDK's layout: 16-byte IV, then the ciphertext, then the 16-byte tag.
            if ciphertext.len() < 32 {
                return Err(Error::DecryptFailed("SM4 content is shorter than an IV and a tag"));
            }
            let (iv, body) = ciphertext.split_at(16);
            let iv: &[u8; 16] = iv.try_into().map_err(|_| Error::DecryptFailed("bad IV"))?;
            cipher.decrypt(iv, body)
        }
        other => Err(Error::UnsupportedEncryptType {
            name: other.as_str().into(),
            reason: "not an encrypt type this SDK knows".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::algorithms::ContentAlgorithm;
    use crate::backend::Backend;
    use crate::keys::ContentKey;

    /// A cipher that records what it was given and returns its input: shows exactly how
    /// `decrypt` splits the content.
    #[derive(Debug, Default)]
    struct Echo(Mutex<Vec<([u8; 16], Vec<u8>)>>);

    impl ContentCipher for Echo {
        fn decrypt(&self, iv: &[u8; 16], input: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
            self.0.lock().unwrap().push((*iv, input.to_vec()));
            Ok(Zeroizing::new(input.to_vec()))
        }

        fn key_len(&self) -> usize {
            16
        }
    }

    impl Echo {
        fn calls(&self) -> Vec<([u8; 16], Vec<u8>)> {
            self.0.lock().unwrap().clone()
        }
    }

    const IV: [u8; 16] = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6];

    /// One block: eight bytes of data and eight of padding.
    fn block() -> Vec<u8> {
        let mut b = b"ABCDEFGH".to_vec();
        b.extend([8; 8]);
        b
    }

    fn refusal(result: Result<Zeroizing<Vec<u8>>, Error>) -> &'static str {
        match result {
            Err(Error::DecryptFailed(why)) => why,
            other => panic!("not a decrypt_failed: {other:?}"),
        }
    }

    #[test]
    fn aes_uses_the_zero_iv_and_the_whole_content() {
        let echo = Echo::default();
        assert_eq!(
            &*decrypt_content(EncryptType::Aes, &echo, &block()).unwrap(),
            b"ABCDEFGH"
        );
        assert_eq!(echo.calls(), [([0; 16], block())]);
    }

    #[test]
    fn aes_v2_of_exactly_an_iv_and_one_block_opens() {
        let echo = Echo::default();
        let mut content = IV.to_vec();
        content.extend(block());
        assert_eq!(content.len(), 32);
        assert_eq!(
            &*decrypt_content(EncryptType::AesV2, &echo, &content).unwrap(),
            b"ABCDEFGH"
        );
        assert_eq!(echo.calls(), [(IV, block())]);
    }

    #[test]
    fn aes_v2_shorter_than_an_iv_and_one_block_is_decrypt_failed_before_decrypting() {
        let echo = Echo::default();
        let mut content = IV.to_vec();
        content.extend(block());
        for len in [31, 16, 0] {
            assert_eq!(
                refusal(decrypt_content(EncryptType::AesV2, &echo, &content[..len])),
                "AES_V2 content is shorter than an IV and one block",
                "{len}"
            );
        }
        assert_eq!(echo.calls(), []);
    }

    #[test]
    fn sm4_of_exactly_an_iv_and_a_tag_reaches_the_cipher() {
        let echo = Echo::default();
        let tag = [0x5a; 16];
        let mut content = IV.to_vec();
        content.extend(tag);
        // GCM output is not padded: what the cipher returns is the plaintext.
        assert_eq!(&*decrypt_content(EncryptType::Sm4, &echo, &content).unwrap(), &tag[..]);
        for len in [31, 16, 0] {
            assert_eq!(
                refusal(decrypt_content(EncryptType::Sm4, &echo, &content[..len])),
                "SM4 content is shorter than an IV and a tag",
                "{len}"
            );
        }
        assert_eq!(echo.calls(), [(IV, tag.to_vec())]);
    }

    #[test]
    fn one_real_block_after_the_iv_opens_on_every_backend() {
        let key = ContentKey::from_bytes(&[0x42; 16]).unwrap();
        for backend in Backend::ALL {
            let encryptor = backend
                .alipay_side()
                .prepare_encryptor(ContentAlgorithm::AesCbc, &key)
                .unwrap();
            let mut content = IV.to_vec();
            content.extend(encryptor.encrypt_cbc(&IV, b"13800138000").unwrap());
            assert_eq!(content.len(), 32, "{backend}");
            let cipher = backend.crypto_provider().prepare_cipher(&key).unwrap();
            let got = decrypt_content(EncryptType::AesV2, &*cipher, &content).unwrap();
            assert_eq!(&*got, b"13800138000", "{backend}");
            assert_eq!(
                refusal(decrypt_content(EncryptType::AesV2, &*cipher, &content[..31])),
                "AES_V2 content is shorter than an IV and one block",
                "{backend}"
            );
        }
    }
}
