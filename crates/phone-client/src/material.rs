//! Key material for one app: phone-crypto's [`KeyMaterial`](phone_crypto::KeyMaterial), the one
//! parsed type every provider returns, under the name this crate has always given it.

/// What a [`KeyProvider`](crate::KeyProvider) returns for an app id: the same type as
/// [`phone_crypto::KeyMaterial`] (this crate's name for it since 0.1), so that code written
/// against either name compiles.
///
/// ```
/// use phone_client::AppKeyMaterial;
/// let m = AppKeyMaterial::new()
///     .with_alipay_public_key(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo/alipay_public_key.txt"))?)?
///     .with_aes_key("aa4BtZ4tspm2wnXLb1ThQA==")?;
/// let same: phone_client::KeyMaterial = m.clone();
/// assert_eq!(m, same);
/// assert_eq!(format!("{m:?}"), "KeyMaterial { verify_keys: 1, aes_keys: 1, verify_with_app: None, sign_types: None }");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub use phone_crypto::KeyMaterial as AppKeyMaterial;
