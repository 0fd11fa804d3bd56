//! Key parsing in every format on arbitrary input, as text and as DER, then preparation on
//! every backend: a typed `key_error` or a usable key, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phone_crypto::{ContentKey, Backend, RsaPrivateKey, RsaPublicKey};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut publics = vec![RsaPublicKey::parse(&text), RsaPublicKey::from_der(data)];
    // Wrap the bytes as PEM too, so the DER parsers see PEM-borne input.
    use base64::Engine as _;
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(data)
    );
    publics.push(RsaPublicKey::parse(&pem));
    for key in publics.into_iter().flatten() {
        assert!(phone_crypto::RSA_BITS.contains(&key.bits()));
        let _ = RsaPublicKey::from_der(&key.to_spki_der()).expect("our own SPKI re-parses");
        for b in Backend::ALL {
            let _ = b.crypto_provider().prepare_verifier(&key);
        }
    }
    for key in [RsaPrivateKey::parse(&text), RsaPrivateKey::from_der(data)]
        .into_iter()
        .flatten()
    {
        let _ = format!("{key:?}");
    }
    if let Ok(k) = ContentKey::parse(&text) {
        assert!(matches!(k.len(), 16 | 24 | 32));
    }
});
