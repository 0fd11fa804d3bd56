//! Writes `testdata/vectors/extra.json`: Alipay's real shapes that the shared vector files do
//! not cover, in their case format (`testdata/vectors/README.md`), sealed as Alipay seals them
//! with phone-crypto's `alipay-side` feature.
//!
//! Run from the workspace root: `scripts/make-extra-vectors.sh` (or
//! `cargo run -q --example make_extra_vectors > testdata/vectors/extra.json`). The output is
//! deterministic (fixed keys, fixed AES_V2 IVs, PKCS#1 v1.5 signatures), so running it again
//! reproduces the file byte for byte.
//!
//! The cases:
//! - error bodies whose `subMsg` / `sub_msg` carries URLs with JSON's `\/` escape, as Alipay's
//!   gateway writes them (`https:\/\/docs.open.alipay.com\/common\/isverror`), encrypted and
//!   plain: the parsed sub_msg must come out unescaped;
//! - `AES_V2` content of exactly one block after the IV (16 + 16 bytes), of an IV alone (no
//!   block: `decrypt_failed`), and a success answer under `AES_V2`;
//! - the 55-byte success body with an 11-digit number, whose PKCS#7 padding is 9 bytes of 0x09.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use phone_core::SignType;
use phone_crypto::{Backend, ContentAlgorithm, ContentKey, EnvelopeSigner, RsaPrivateKey, seal_envelope};
use serde_json::{Value, json};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The AES key of every case (AES-128, the size the Alipay console generates).
const AES_KEY: &str = "aa4BtZ4tspm2wnXLb1ThQA==";

fn data(file: &str) -> Result<String> {
    Ok(std::fs::read_to_string(format!(
        "{}/examples/data/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))?)
}

/// One case, its fields in the vector files' order.
struct Case {
    name: &'static str,
    description: &'static str,
    envelope: String,
    expected: Value,
}

/// An envelope with `content` (IV included for AES_V2) under `encrypt_type`, signed as Alipay
/// signs encrypted content: RSA2 over the base64 text in double quotes.
fn envelope(signer: &dyn EnvelopeSigner, content: &[u8], encrypt_type: &str) -> Result<String> {
    let b64 = STANDARD.encode(content);
    let sign = STANDARD.encode(signer.sign(SignType::Rsa2, format!("\"{b64}\"").as_bytes())?);
    Ok(format!(
        r#"{{"response":"{b64}","sign":"{sign}","sign_type":"RSA2","encrypt_type":"{encrypt_type}","charset":"UTF-8"}}"#
    ))
}

fn main() -> Result<()> {
    let private = RsaPrivateKey::parse(&data("alipay_private_key.pem")?)?;
    let side = Backend::default().alipay_side();
    let signer = side.prepare_signer(&private)?;
    let aes = side.prepare_encryptor(ContentAlgorithm::AesCbc, &ContentKey::parse(AES_KEY)?)?;
    let aes_v2 = |iv: [u8; 16], plaintext: &str| -> Result<String> {
        let mut content = iv.to_vec();
        content.extend(aes.encrypt_cbc(&iv, plaintext.as_bytes())?);
        envelope(&*signer, &content, "AES_V2")
    };

    // Gateway error bodies as Alipay writes them: `/` escaped as `\/` (the JSON text below is
    // exactly what is encrypted or posted; Rust raw strings keep the backslashes).
    let error_camel = r#"{"code":"40004","msg":"Business Failed","subCode":"isv.invalid-app-id","subMsg":"无效的AppID参数，详见https:\/\/docs.open.alipay.com\/common\/isverror"}"#;
    let error_snake = r#"{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature","sub_msg":"https:\/\/docs.open.alipay.com\/common\/isverror"}"#;
    let success_55 = r#"{"code":"10000","msg":"Success","mobile":"13912345678"}"#;
    assert_eq!(success_55.len(), 55, "55 bytes pad with 9 bytes of 0x09");
    // 15 bytes, one pad byte 0x01: the largest Alipay-shaped answer that fits one block.
    let one_block = r#"{"code":"4000"}"#;
    assert_eq!(one_block.len(), 15);

    let alipay_error = |code: &str, msg: &str, sub_code: &str, sub_msg: &str| json!({"error": "alipay_error", "plaintext": {"code": code, "msg": msg, "subCode": sub_code, "subMsg": sub_msg}});
    let ok = |mobile: &str| json!({"ok": {"code": "10000", "msg": "Success", "mobile": mobile}});
    let cases = [
        Case {
            name: "alipay_error_escaped_url_submsg_encrypted",
            description: "AES-encrypted error body whose subMsg carries a URL written with JSON's \\/ escape, as Alipay's gateway writes it; the parsed subMsg is unescaped",
            envelope: seal_envelope(error_camel, &*signer, Some(&*aes), SignType::Rsa2)?,
            expected: alipay_error(
                "40004",
                "Business Failed",
                "isv.invalid-app-id",
                "无效的AppID参数，详见https://docs.open.alipay.com/common/isverror",
            ),
        },
        Case {
            name: "alipay_error_escaped_url_sub_msg_plain",
            description: "unencrypted error body (response is the JSON object, signed as posted with its \\/ escapes) with snake_case sub_code/sub_msg; the parsed subMsg is unescaped",
            envelope: seal_envelope(error_snake, &*signer, None, SignType::Rsa2)?,
            expected: alipay_error(
                "40002",
                "Invalid Arguments",
                "isv.invalid-signature",
                "https://docs.open.alipay.com/common/isverror",
            ),
        },
        Case {
            name: "alipay_error_escaped_url_submsg_aes_v2",
            description: "the same escaped-URL error body under AES_V2 (random IV prepended, as Alipay's Java SDK sends)",
            envelope: aes_v2(
                *b"\x01\x23\x45\x67\x89\xab\xcd\xef\xfe\xdc\xba\x98\x76\x54\x32\x10",
                error_camel,
            )?,
            expected: alipay_error(
                "40004",
                "Business Failed",
                "isv.invalid-app-id",
                "无效的AppID参数，详见https://docs.open.alipay.com/common/isverror",
            ),
        },
        Case {
            name: "success_55_bytes_pad_09",
            description: "AES success body of exactly 55 bytes (11-digit number): 64 bytes of ciphertext whose PKCS#7 padding is 9 bytes of 0x09",
            envelope: seal_envelope(success_55, &*signer, Some(&*aes), SignType::Rsa2)?,
            expected: ok("13912345678"),
        },
        Case {
            name: "aes_v2_success_55_bytes_pad_09",
            description: "the 55-byte success body under AES_V2: IV + 64 bytes of ciphertext, padding 9 bytes of 0x09",
            envelope: aes_v2(*b"Alipay AES_V2 iv", success_55)?,
            expected: ok("13912345678"),
        },
        Case {
            name: "aes_v2_exactly_one_block",
            description: "AES_V2 content of exactly one block after the IV (16 + 16 bytes): a 15-byte body {\"code\":\"4000\"} padded with one 0x01, decrypted as an Alipay error",
            envelope: aes_v2([0x5a; 16], one_block)?,
            expected: json!({"error": "alipay_error", "plaintext": {"code": "4000"}}),
        },
        Case {
            name: "aes_v2_iv_only",
            description: "AES_V2 content of an IV and no block (16 bytes), validly signed: decrypt_failed",
            envelope: envelope(&*signer, &[0x5a; 16], "AES_V2")?,
            expected: json!({"error": "decrypt_failed"}),
        },
    ];

    let public_key = private.public_key().to_spki_base64();
    let cases: Vec<String> = cases
        .iter()
        .map(|c| {
            let fields = [
                ("name", json!(c.name)),
                ("description", json!(c.description)),
                ("envelope", json!(c.envelope)),
                ("alipay_public_key", json!(public_key)),
                ("aes_key", json!(AES_KEY)),
                ("sign_type", json!("RSA2")),
                ("expected", c.expected.clone()),
            ];
            object(&fields, "      ")
        })
        .collect();
    let top = [
        ("format", json!("alipay-phone-envelopes/1")),
        (
            "about",
            json!(
                "Alipay's real shapes beyond envelopes.json: escaped URLs in error subMsg, AES_V2 at one block and below, the 55-byte success body padded with 0x09. Same case format as envelopes.json; for alipay_error cases the SDK must also give the plaintext's subMsg exactly as listed (unescaped)."
            ),
        ),
        (
            "generator",
            json!("examples/make_extra_vectors.rs (phone-crypto alipay-side); scripts/make-extra-vectors.sh"),
        ),
        ("count", json!(cases.len())),
    ];
    let mut out = object(&top, "  ");
    out.truncate(out.len() - 2); // reopen the object for `cases`
    out.push_str(&format!(",\n  \"cases\": [\n    {}\n  ]\n}}", cases.join(",\n    ")));
    println!("{out}");
    Ok(())
}

/// A JSON object with its keys in the given order, one per line at `indent`.
fn object(fields: &[(&str, Value)], indent: &str) -> String {
    let outer = &indent[..indent.len() - 2];
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{indent}{}: {v}", Value::from(*k)))
        .collect();
    format!("{{\n{}\n{outer}}}", body.join(",\n"))
}
