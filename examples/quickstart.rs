//! Quickstart: an envelope built as Alipay builds it, then verified and decrypted on every
//! compiled backend.
//!
//! Run from the workspace root: `cargo run --example quickstart`.
//! It uses the demo keys in `examples/data/` (public on purpose: never use them for a real app).

use phone_core::SignType;
use phone_crypto::{
    AppKeys, Backend, ContentAlgorithm, ContentKey, RsaPrivateKey, decrypt_phone, seal_envelope, success_plaintext,
};

fn data(file: &str) -> Result<String, std::io::Error> {
    std::fs::read_to_string(format!("{}/examples/data/{file}", env!("CARGO_MANIFEST_DIR")))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let alipay_public_key = data("alipay_public_key.txt")?; // as the Alipay console shows it
    let aes_key = data("aes_key.txt")?; // 接口内容加密方式, base64

    // 1. Alipay's side: encrypt the plaintext with the app's AES key and sign it with Alipay's
    //    private key. In production the mini-program receives this from my.getPhoneNumber.
    //    (Those operations need phone-crypto's `alipay-side` feature; a server never does.)
    let alipay = Backend::default().alipay_side();
    let signer = alipay.prepare_signer(&RsaPrivateKey::parse(&data("alipay_private_key.pem")?)?)?;
    let cipher = alipay.prepare_encryptor(ContentAlgorithm::AesCbc, &ContentKey::parse(&aes_key)?)?;
    let body = seal_envelope(
        &success_plaintext("13800138000"),
        &*signer,
        Some(&*cipher),
        SignType::Rsa2,
    )?;
    println!("envelope as the mini-program posts it ({} bytes)", body.len());

    // 2. Your server: keys parsed once at start-up, then one call per request.
    for backend in Backend::ALL {
        let keys = AppKeys::builder()
            .alipay_public_key(&alipay_public_key)?
            .aes_key(&aes_key)?
            .build(*backend)?;
        let phone = decrypt_phone(&keys, &body)?;
        println!("{backend:>10}: {phone}"); // masked: 138****8000

        // The committed envelope was made with the OpenSSL command line, independently.
        let independent = decrypt_phone(&keys, &data("envelope.json")?)?;
        assert_eq!(independent.reveal(), "13800138000");
    }

    // 3. What a failure looks like: a tampered envelope is refused before any decryption.
    let keys = AppKeys::builder()
        .alipay_public_key(&alipay_public_key)?
        .aes_key(&aes_key)?
        .build(Backend::default())?;
    let at = body.find("\"response\":\"").ok_or("no response")? + 12;
    let flipped = if &body[at..at + 1] == "A" { "B" } else { "A" };
    let tampered = format!("{}{flipped}{}", &body[..at], &body[at + 1..]);
    if let Err(e) = decrypt_phone(&keys, &tampered) {
        println!("tampered: {} ({e})\n  hint: {}", e.kind(), e.hint().unwrap_or("-"));
    }
    Ok(())
}
