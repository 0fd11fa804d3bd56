//! The whole flow over prepared keys: checks in the contract's order, verify strictly before
//! decrypt, then the plaintext.

use std::borrow::Borrow;

use phone_core::{EncryptType, Envelope, Error, PhoneResponse, parse_plaintext_with};
use zeroize::Zeroizing;

use crate::backend::{ContentCipher, SignatureVerifier};

/// A decrypted phone number and which configured keys opened it.
///
/// The indices tell operators which key of a rotation is still in use without revealing it.
/// `Display` and `Debug` mask the number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// Alipay's answer: code, msg and the phone number.
    pub response: PhoneResponse,
    /// Index of the verifying key that matched (`None` for an allowed unsigned envelope).
    pub verify_key: Option<usize>,
    /// Index of the AES key that decrypted (`None` for plain content).
    pub aes_key: Option<usize>,
}

impl std::fmt::Display for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.response.phone, f)
    }
}

/// Opens a parsed envelope: any of `verifiers` may verify; `ciphers` are tried in order, only
/// after the signature verified. An Alipay error body is reported with the key that decrypted it.
///
/// Takes slices of `&dyn` or `Box<dyn>` alike, so callers holding boxed keys pay no per-call
/// allocation to pass them.
pub fn open_envelope<'k, V, C>(env: &Envelope<'_>, verifiers: &[V], ciphers: &[C]) -> Result<Opened, Error>
where
    V: Borrow<dyn SignatureVerifier + 'k>,
    C: Borrow<dyn ContentCipher + 'k>,
{
    let sign_type = env.sign_type();
    if env.is_signed() && !verifiers.iter().any(|v| v.borrow().supports(sign_type)) {
        return Err(Error::UnsupportedSignType {
            name: sign_type.as_str().into(),
            reason: "no configured key can verify it".into(),
        });
    }
    if env.is_encrypted() && !ciphers.iter().any(|c| c.borrow().supports(env.encrypt_type())) {
        return Err(crate::backend::unsupported_encrypt(env.encrypt_type()));
    }
    let signature = env.decode_signature()?;
    let ciphertext = env.decode_ciphertext()?;

    let verify_key = match signature {
        Some(sig) => {
            let signed = env.signed_content();
            // A key whose backend cannot do the type explains itself instead of failing alike.
            let mut unsupported = None;
            let hit = verifiers.iter().position(|v| {
                let v = v.borrow();
                if !v.supports(sign_type) {
                    return false;
                }
                match v.verify(sign_type, &signed, &sig) {
                    Ok(()) => true,
                    Err(e @ Error::UnsupportedSignType { .. }) => {
                        unsupported.get_or_insert(e);
                        false
                    }
                    Err(_) => false,
                }
            });
            Some(hit.ok_or_else(|| unsupported.unwrap_or(Error::BadSignature))?)
        }
        None => None,
    };

    let Some(ciphertext) = ciphertext else {
        let text = env.plain_text().unwrap_or_default();
        let response = parse_plaintext_with(text.as_bytes(), env.charset(), env.options())?;
        return Ok(Opened {
            response,
            verify_key,
            aes_key: None,
        });
    };
    if ciphers.is_empty() {
        return Err(Error::DecryptFailed("no AES key is configured"));
    }
    let mut first_err = None;
    for (i, cipher) in ciphers.iter().enumerate() {
        match decrypt(env.encrypt_type(), cipher.borrow(), &ciphertext)
            .and_then(|pt| parse_plaintext_with(&pt, env.charset(), env.options()))
        {
            Ok(response) => {
                return Ok(Opened {
                    response,
                    verify_key,
                    aes_key: Some(i),
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

/// Decrypts verified content: `AES` with the all-zero IV, `AES_V2` with the IV prepended.
pub fn decrypt(
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
            cipher.sm4_gcm_decrypt(iv, body)
        }
        other => Err(crate::backend::unsupported_encrypt(other)),
    }
}
