//! Alipay's side: building an envelope exactly as Alipay does, for tests, demos and tools.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use phone_core::{Error, SignType};

use crate::backend::{ContentCipher, EnvelopeSigner};

/// Builds the envelope Alipay would send for `plaintext`.
///
/// With a cipher: AES-CBC (zero IV, PKCS#7), base64, and the signature over the base64 wrapped
/// in double quotes. Without: the plaintext as a string, signed as is.
///
/// ```
/// use phone_crypto::{AesKey, Backend, RsaPrivateKeyDer, seal_envelope};
/// let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/");
/// let backend = Backend::default().provider();
/// let signer = backend.prepare_signer(&RsaPrivateKeyDer::parse(&std::fs::read_to_string(format!("{data}alipay_private_key.pem"))?)?)?;
/// let cipher = backend.prepare_cipher(&AesKey::parse("aa4BtZ4tspm2wnXLb1ThQA==")?)?;
/// let body = seal_envelope(r#"{"code":"10000","msg":"Success","mobile":"13800138000"}"#, &*signer, Some(&*cipher), phone_core::SignType::Rsa2)?;
/// assert!(body.starts_with(r#"{"response":""#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn seal_envelope(
    plaintext: &str,
    signer: &dyn EnvelopeSigner,
    cipher: Option<&dyn ContentCipher>,
    sign_type: SignType,
) -> Result<String, Error> {
    let (response, signed) = match cipher {
        Some(cipher) => {
            let b64 = STANDARD.encode(cipher.encrypt_cbc(&[0u8; 16], plaintext.as_bytes())?);
            let quoted = format!("\"{b64}\"");
            (b64, quoted)
        }
        None => (plaintext.to_owned(), plaintext.to_owned()),
    };
    let sign = STANDARD.encode(signer.sign(sign_type, signed.as_bytes())?);
    // Alipay's field order; serde_json's map would sort the keys.
    let q = |s: &str| serde_json::Value::from(s).to_string();
    let mut out = format!(
        "{{\"response\":{},\"sign\":{},\"sign_type\":{}",
        q(&response),
        q(&sign),
        q(sign_type.as_str())
    );
    if cipher.is_some() {
        out.push_str(",\"encrypt_type\":\"AES\"");
    }
    out.push_str(",\"charset\":\"UTF-8\"}");
    Ok(out)
}

/// The plaintext Alipay sends for a successful call.
///
/// ```
/// assert_eq!(phone_crypto::success_plaintext("13800138000"), r#"{"code":"10000","msg":"Success","mobile":"13800138000"}"#);
/// ```
pub fn success_plaintext(mobile: &str) -> String {
    format!(
        r#"{{"code":"10000","msg":"Success","mobile":{}}}"#,
        serde_json::Value::from(mobile)
    )
}
