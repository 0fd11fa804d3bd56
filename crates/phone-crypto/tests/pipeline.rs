//! Round trips across backends, key formats and their targeted errors, rotation, and the
//! verify-before-decrypt guarantee.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::*;
use phone_core::{Error, KeyProblem, SignType};
use phone_crypto::{
    AppKeys, Backend, ContentAlgorithm, ContentKey, KeyFormat, RsaPrivateKey, RsaPublicKey, seal_envelope,
    success_plaintext,
};

fn private_keys() -> Vec<(&'static str, RsaPrivateKey)> {
    vec![
        ("rsa1024", RsaPrivateKey::parse(&key("rsa1024_pkcs1.pem")).unwrap()),
        (
            "rsa2048",
            RsaPrivateKey::parse(&demo("alipay_private_key.pem")).unwrap(),
        ),
        ("rsa4096", RsaPrivateKey::parse(&key("rsa4096_pkcs8.pem")).unwrap()),
    ]
}

const AES_KEYS: [&str; 3] = [
    "aa4BtZ4tspm2wnXLb1ThQA==",
    "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3",
    "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
];

/// The smallest RSA key each backend's Alipay-side signer takes: ring and aws-lc-rs sign
/// with 2048-bit keys and up (their APIs refuse 1024-bit private keys); OpenSSL and RustCrypto
/// sign 1024 too. Every backend *verifies* 1024 to 4096.
fn min_signing_bits(backend: Backend) -> usize {
    match backend.name() {
        "ring" | "aws-lc-rs" | "graviola" => 2048,
        "openssl" | "rustcrypto" => 1024,
        other => panic!("no signing data for {other}"),
    }
}

/// Every signer backend x every opener backend x sign type x key size x AES key length x
/// encrypted or plain: what one seals the other opens.
#[test]
fn every_backend_opens_what_every_other_backend_sealed() {
    let mut opened = 0;
    let mut refused = 0;
    for (size, private) in private_keys() {
        let bits = private.public_key().bits();
        for sealer in Backend::ALL {
            let signer = match sealer.alipay_side().prepare_signer(&private) {
                Ok(signer) => {
                    assert!(bits >= min_signing_bits(*sealer), "{sealer} signed with {size}");
                    signer
                }
                Err(e) => {
                    // Only a backend whose signer needs bigger keys may skip a size.
                    assert!(bits < min_signing_bits(*sealer), "{sealer} {size}: {e}");
                    assert_eq!(e.kind(), "key_error", "{sealer} {size}");
                    continue;
                }
            };
            for sign_type in [SignType::Rsa, SignType::Rsa2] {
                if !sealer.alipay_side().sign_types().contains(&sign_type) {
                    // ring and aws-lc-rs sign RSA2 only: they must refuse RSA by name.
                    let e = signer.sign(sign_type, b"x").unwrap_err();
                    assert_eq!(e.kind(), "unsupported_sign_type", "{sealer} {sign_type}");
                    continue;
                }
                for (i, aes) in AES_KEYS.iter().enumerate() {
                    let cipher = encryptor(*sealer, aes);
                    let mobile = format!("1380013800{i}");
                    for encrypted in [true, false] {
                        let body = seal_envelope(
                            &success_plaintext(&mobile),
                            &*signer,
                            encrypted.then_some(&*cipher),
                            sign_type,
                        )
                        .unwrap();
                        for opener in Backend::ALL {
                            let keys = AppKeys::builder()
                                .alipay_public_key_der(private.public_key().clone())
                                .aes_key(aes)
                                .unwrap()
                                .build(*opener);
                            if !covers(*opener, sign_type, bits) {
                                // graviola: RSA2 from 2048 bits; refused by name, with a backend that can.
                                let e = keys.and_then(|k| k.open(&body)).unwrap_err();
                                assert_refused_for_capability(*opener, &e);
                                refused += 1;
                                continue;
                            }
                            let got = keys
                                .unwrap()
                                .open(&body)
                                .unwrap_or_else(|e| panic!("{sealer}->{opener} {size} {sign_type} {e}"));
                            assert_eq!(got.response.phone.reveal(), mobile);
                            assert_eq!(got.content_key_index, encrypted.then_some(0));
                            opened += 1;
                        }
                    }
                }
            }
        }
    }
    // Exactly the combinations the capability data allows: each (key size, sealer) pair whose
    // signer takes the size, times its sign types, AES keys, encrypted or plain, openers.
    let sealings: usize = private_keys()
        .iter()
        .map(|(_, private)| {
            Backend::ALL
                .iter()
                .filter(|b| private.public_key().bits() >= min_signing_bits(**b))
                .map(|b| b.alipay_side().sign_types().len())
                .sum::<usize>()
        })
        .sum();
    assert_eq!(opened + refused, sealings * AES_KEYS.len() * 2 * Backend::ALL.len());
    // What a backend does not cover is refused, never opened: the openers that cover each
    // sealed (size, sign type) opened it.
    let covered: usize = private_keys()
        .iter()
        .map(|(_, private)| {
            let bits = private.public_key().bits();
            Backend::ALL
                .iter()
                .filter(|b| bits >= min_signing_bits(**b))
                .flat_map(|b| b.alipay_side().sign_types().iter().copied())
                .map(|t| Backend::ALL.iter().filter(|o| covers(**o, t, bits)).count())
                .sum::<usize>()
        })
        .sum();
    assert_eq!(opened, covered * AES_KEYS.len() * 2);
    if !Backend::ALL.iter().any(|b| b.name() == "graviola") {
        assert_eq!(refused, 0);
    }
    if Backend::ALL.len() == 4 && refused == 0 {
        // 1024: openssl, rustcrypto x2 sign types; 2048 and 4096: those + ring, aws-lc-rs x1.
        assert_eq!(sealings, 4 + 6 + 6);
        assert_eq!(opened, 384);
    }
    if Backend::ALL.len() == 5 {
        // graviola signs RSA2 from 2048 bits too, and opens only RSA2 from 2048 bits: the
        // 1024-bit sealings (4) and the RSA ones (2 per larger size) reach 4 openers, the
        // rest (5 per larger size) all 5.
        assert_eq!(sealings, 4 + 7 + 7);
        assert_eq!(opened, (4 * 4 + 2 * (2 * 4 + 5 * 5)) * AES_KEYS.len() * 2);
        assert_eq!(refused, (4 + 2 * 2) * AES_KEYS.len() * 2);
    }
}

for_each_backend! {
    #[test]
    fn nothing_is_decrypted_before_the_signature_verified() {
        let (keys, counts) = counting_demo_keys(BACKEND);
        let body = demo("envelope.json");
        let ok = keys.open(&body).unwrap();
        assert_eq!(ok.response.phone.reveal(), "13800138000");
        assert_eq!(counts.decrypts(), 1);

        // Flip one character of the ciphertext, then one of the signature.
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        for field in ["response", "sign"] {
            let mut t = v.clone();
            let s = t[field].as_str().unwrap().to_owned();
            let flipped = if s.starts_with('A') { s.replacen('A', "B", 1) } else { format!("A{}", &s[1..]) };
            t[field] = flipped.into();
            let tampered = t.to_string();
            let err = keys.open(&tampered).unwrap_err();
            assert_eq!(err.kind(), "bad_signature", "{field}");
        }
        assert_eq!(counts.decrypts(), 1, "a tampered envelope reached the decryptor");
    }

    #[test]
    fn rotation_reports_which_keys_matched() {
        let old = RsaPrivateKey::parse(&key("rsa4096_pkcs8.pem")).unwrap();
        let current = RsaPublicKey::parse(&demo("alipay_public_key.txt")).unwrap();
        let keys = AppKeys::builder()
            .alipay_public_key_der(current)
            .alipay_public_key_der(old.public_key().clone())
            .aes_key(AES_KEYS[0]).unwrap()
            .aes_key(&demo("aes_key.txt")).unwrap()
            .build(BACKEND)
            .unwrap();
        let got = keys.open(&demo("envelope.json")).unwrap();
        assert_eq!((got.verify_key_index, got.content_key_index), (Some(0), Some(1)));

        let signer = BACKEND.alipay_side().prepare_signer(&old).unwrap();
        let cipher = encryptor(BACKEND, AES_KEYS[0]);
        let body = seal_envelope(&success_plaintext("13900139000"), &*signer, Some(&*cipher), SignType::Rsa2).unwrap();
        let got = keys.open(&body).unwrap();
        assert_eq!((got.verify_key_index, got.content_key_index), (Some(1), Some(0)));
        assert_eq!(got.to_string(), "139****9000");
    }

    #[test]
    fn sign_type_mismatch_is_a_bad_signature() {
        let private = RsaPrivateKey::parse(&demo("alipay_private_key.pem")).unwrap();
        // Every backend signs RSA2 with a 2048-bit key: none may skip this test.
        let signer = BACKEND.alipay_side().prepare_signer(&private).unwrap();
        let keys = AppKeys::builder().alipay_public_key(&demo("alipay_public_key.txt")).unwrap().aes_key(AES_KEYS[0]).unwrap().build(BACKEND).unwrap();
        let body = seal_envelope(&success_plaintext("13800138000"), &*signer, None, SignType::Rsa2).unwrap();
        assert!(keys.open(&body).is_ok());
        let downgraded = body.replace("\"RSA2\"", "\"RSA\"");
        if BACKEND.capabilities().verifies(SignType::Rsa) {
            assert_eq!(keys.open(&downgraded).unwrap_err().kind(), "bad_signature");
        } else {
            // graviola has no SHA-1: refused by name before any verification.
            assert_refused_for_capability(BACKEND, &keys.open(&downgraded).unwrap_err());
        }
        let sm2 = body.replace("\"RSA2\"", "\"SM2\"");
        assert_eq!(keys.open(&sm2).unwrap_err().kind(), "unsupported_sign_type");
    }

    #[test]
    fn unsigned_envelopes_open_only_when_allowed() {
        let body = r#"{"response":"{\"code\":\"10000\",\"msg\":\"Success\",\"mobile\":\"13800138000\"}"}"#;
        let strict = AppKeys::builder().alipay_public_key(&demo("alipay_public_key.txt")).unwrap().build(BACKEND).unwrap();
        assert_eq!(strict.open(body).unwrap_err().kind(), "missing_signature");
        let lenient = AppKeys::builder().options(phone_core::ParseOptions::default().allow_unsigned(true)).build(BACKEND).unwrap();
        let got = lenient.open(body).unwrap();
        assert_eq!((got.response.phone.reveal(), got.verify_key_index), ("13800138000", None));
    }
}

#[test]
fn public_keys_parse_in_every_format_users_paste() {
    let raw = RsaPublicKey::parse(&demo("alipay_public_key.txt")).unwrap();
    assert_eq!(
        (raw.bits(), raw.format(), raw.was_pem()),
        (2048, KeyFormat::Spki, false)
    );
    let pem = RsaPublicKey::parse(&demo("alipay_public_key.pem")).unwrap();
    assert_eq!((pem.format(), pem.was_pem()), (KeyFormat::Spki, true));
    let pkcs1 = RsaPublicKey::parse(&key("demo_public_pkcs1.pem")).unwrap();
    assert_eq!(pkcs1.format(), KeyFormat::Pkcs1);
    for k in [&pem, &pkcs1] {
        assert_eq!(k.pkcs1_der(), raw.pkcs1_der());
    }
    assert_eq!(raw.to_spki_base64(), demo("alipay_public_key.txt").trim());

    // Line breaks, spaces and JSON-style "\n" escapes in pasted text.
    let text = demo("alipay_public_key.txt");
    let wrapped: String = text
        .as_bytes()
        .chunks(64)
        .map(|c| format!("  {}\r\n", std::str::from_utf8(c).unwrap()))
        .collect();
    assert_eq!(RsaPublicKey::parse(&wrapped).unwrap().pkcs1_der(), raw.pkcs1_der());
    let escaped = demo("alipay_public_key.pem").replace('\n', "\\n");
    assert_eq!(RsaPublicKey::parse(&escaped).unwrap().pkcs1_der(), raw.pkcs1_der());

    // The Node SDK's fixtures: PEM, no-wrapper base64, and the certificate-mode certificate.
    let node_pem = RsaPublicKey::parse(&read("fixtures/alipay-sdk-nodejs/alipay-public-key.pem")).unwrap();
    let node_bare = RsaPublicKey::parse(&read("fixtures/alipay-sdk-nodejs/alipay-public-key-no-wrapper.pem")).unwrap();
    assert_eq!(node_pem.pkcs1_der(), node_bare.pkcs1_der());
    let cert = RsaPublicKey::parse(&read("fixtures/alipay-sdk-nodejs/alipayCertPublicKey_RSA2.crt")).unwrap();
    assert_eq!((cert.format(), cert.bits()), (KeyFormat::Certificate, 2048));
}

fn problem(e: Error) -> KeyProblem {
    match e {
        Error::KeyError { problem, .. } => problem,
        other => panic!("not a key error: {other}"),
    }
}

#[test]
fn wrong_key_material_gets_a_targeted_key_error() {
    for private in [
        demo("alipay_private_key.pem"),
        key("rsa1024_pkcs1.pem"),
        read("fixtures/alipay-sdk-nodejs/app-private-key.pem"),
        read("fixtures/alipay-sdk-nodejs/app-private-key-pkcs8.pem"),
        // A private key pasted without its PEM lines.
        demo("alipay_private_key.pem")
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect(),
    ] {
        let e = RsaPublicKey::parse(&private).unwrap_err();
        assert_eq!(e.kind(), "key_error");
        assert!(e.hint().unwrap().contains("支付宝公钥"));
        assert_eq!(problem(e), KeyProblem::PrivateKeyAsPublic);
    }
    assert!(matches!(
        problem(RsaPublicKey::parse(&key("ec_p256_public.pem")).unwrap_err()),
        KeyProblem::WrongAlgorithm(_)
    ));
    assert_eq!(
        problem(RsaPublicKey::parse(&key("rsa512_public.pem")).unwrap_err()),
        KeyProblem::UnsupportedSize { bits: 512 }
    );
    for garbage in [
        "",
        "hello world",
        "MIIB",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n",
        "AAAAAAAA",
    ] {
        let e = RsaPublicKey::parse(garbage).unwrap_err();
        assert!(matches!(problem(e), KeyProblem::Unparsable(_)), "{garbage:?}");
    }
    // The public key given where the private key belongs.
    assert_eq!(
        problem(RsaPrivateKey::parse(&demo("alipay_public_key.pem")).unwrap_err()),
        KeyProblem::PublicKeyAsPrivate
    );
    assert_eq!(
        problem(RsaPrivateKey::parse(&demo("alipay_public_key.txt")).unwrap_err()),
        KeyProblem::PublicKeyAsPrivate
    );
}

#[test]
fn aes_keys_of_the_wrong_length_or_kind_are_refused() {
    // 25 bytes, which the PHP SDK silently truncates.
    let e = ContentKey::parse("ZXdCNW9ta1FsRGlVbzQ0TVdXbzJKN001dA==").unwrap_err();
    assert_eq!(problem(e), KeyProblem::AesKeyLength { len: 25 });
    // The Alipay public key pasted as the AES key: the Java SDK's "1218 bytes" mistake.
    let e = ContentKey::parse(&demo("alipay_public_key.txt")).unwrap_err();
    assert!(e.hint().unwrap().contains("RSA key"), "{:?}", e.hint());
    assert_eq!(problem(e), KeyProblem::AesKeyLength { len: 294 });
    assert!(matches!(
        problem(ContentKey::parse(&demo("alipay_private_key.pem")).unwrap_err()),
        KeyProblem::Unparsable(_)
    ));
    assert!(matches!(
        problem(ContentKey::parse("not base64!").unwrap_err()),
        KeyProblem::Unparsable(_)
    ));
    for ok in AES_KEYS {
        assert!(ContentKey::parse(&format!(" {ok}\n")).is_ok());
    }
}

#[test]
fn debug_output_never_shows_key_material() {
    let aes_text = demo("aes_key.txt");
    let private_text = demo("alipay_private_key.pem");
    let keys = AppKeys::builder()
        .alipay_public_key(&demo("alipay_public_key.txt"))
        .unwrap()
        .aes_key(&aes_text)
        .unwrap()
        .build(Backend::default())
        .unwrap();
    let private = RsaPrivateKey::parse(&private_text).unwrap();
    let aes = ContentKey::parse(&aes_text).unwrap();
    let mut outputs = vec![format!("{keys:?}"), format!("{private:?}"), format!("{aes:?}")];
    for b in Backend::ALL {
        outputs.push(format!("{:?}", b.crypto_provider().prepare_cipher(&aes).unwrap()));
        // The demo key is 2048 bits, which every backend signs with.
        let s = b.alipay_side().prepare_signer(&private).unwrap();
        outputs.push(format!("{s:?}"));
    }
    let aes_hex: String = aes.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let aes_dec = format!("{:?}", aes.as_bytes());
    for out in &outputs {
        assert!(
            !out.contains(aes_text.trim()) && !out.contains(&aes_hex) && !out.contains(&aes_dec[1..20]),
            "{out}"
        );
        assert!(!out.contains("MII"), "{out}");
    }
}

/// An SM4 envelope (IV || SM4-GCM ciphertext || tag, signed like AES content) opens on the
/// backends that list SM4 and is a typed refusal naming one that can on the others.
#[test]
fn sm4_envelopes_open_where_supported_and_are_refused_by_name_elsewhere() {
    use base64::Engine as _;
    let Some(sm4_backend) = Backend::ALL
        .iter()
        .find(|b| b.capabilities().decrypts(phone_core::EncryptType::Sm4))
    else {
        // Only a build without the rustcrypto backend (the one with SM4) has nothing to test.
        assert!(Backend::from_name("rustcrypto").is_none(), "rustcrypto decrypts SM4");
        return;
    };
    let private = RsaPrivateKey::parse(&demo("alipay_private_key.pem")).unwrap();
    let aes = ContentKey::parse(AES_KEYS[0]).unwrap();
    let cipher = sm4_backend
        .alipay_side()
        .prepare_encryptor(ContentAlgorithm::Sm4Gcm, &aes)
        .unwrap();
    let iv = [7u8; 16];
    let mut content = iv.to_vec();
    content.extend(
        cipher
            .encrypt(&iv, success_plaintext("13500135000").as_bytes())
            .unwrap(),
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(&content);
    let signer = Backend::default().alipay_side().prepare_signer(&private).unwrap();
    let sign = base64::engine::general_purpose::STANDARD
        .encode(signer.sign(SignType::Rsa2, format!("\"{b64}\"").as_bytes()).unwrap());
    let body =
        format!(r#"{{"response":"{b64}","sign":"{sign}","sign_type":"RSA2","encrypt_type":"SM4","charset":"UTF-8"}}"#);
    for b in Backend::ALL {
        let keys = AppKeys::builder()
            .alipay_public_key_der(private.public_key().clone())
            .aes_key_raw(aes.clone())
            .build(*b)
            .unwrap();
        match keys.open(&body) {
            Ok(o) => {
                assert!(b.capabilities().decrypts(phone_core::EncryptType::Sm4), "{b}");
                assert_eq!(o.response.phone.reveal(), "13500135000");
            }
            Err(e) => {
                assert_eq!(e.kind(), "unsupported_encrypt_type", "{b}: {e}");
                assert!(e.to_string().contains("rustcrypto"), "{e}");
            }
        }
    }
    // A flipped tag byte after a valid signature is decrypt_failed, not a panic.
    let keys = AppKeys::builder()
        .alipay_public_key_der(private.public_key().clone())
        .aes_key_raw(aes.clone())
        .build(*sm4_backend)
        .unwrap();
    let mut bad = content.clone();
    *bad.last_mut().unwrap() ^= 1;
    let bad_b64 = base64::engine::general_purpose::STANDARD.encode(&bad);
    let bad_sign = base64::engine::general_purpose::STANDARD.encode(
        signer
            .sign(SignType::Rsa2, format!("\"{bad_b64}\"").as_bytes())
            .unwrap(),
    );
    let bad_body = format!(r#"{{"response":"{bad_b64}","sign":"{bad_sign}","encrypt_type":"SM4"}}"#);
    assert_eq!(keys.open(&bad_body).unwrap_err().kind(), "decrypt_failed");
}

/// SM2 against an envelope signed by the OpenSSL command line: verifies on the backends that
/// list SM2, is a typed refusal naming one that can elsewhere; SM2 vs RSA keys never mix.
#[test]
fn sm2_envelopes_verify_where_supported_and_never_mix_with_rsa_keys() {
    let sm2_public = key("sm2_public.pem");
    let body = key("sm2_envelope.json");
    for b in Backend::ALL {
        let keys = AppKeys::builder()
            .alipay_public_key(&sm2_public)
            .unwrap()
            .aes_key(&demo("aes_key.txt"))
            .unwrap()
            .build(*b)
            .unwrap();
        let supported = b.capabilities().verifies(SignType::Sm2);
        match keys.open(&body) {
            Ok(o) => {
                assert!(supported, "{b}");
                assert_eq!(o.response.phone.reveal(), "13700137000");
            }
            Err(e) => {
                assert!(!supported, "{b}: {e}");
                assert_eq!(e.kind(), "unsupported_sign_type", "{b}");
                assert!(e.to_string().contains("rustcrypto"), "{e}");
            }
        }
        // An RSA2 envelope against the SM2 key, and the SM2 envelope against an RSA key.
        assert_eq!(
            keys.open(&demo("envelope.json")).unwrap_err().kind(),
            "unsupported_sign_type",
            "{b}"
        );
        let rsa_keys = AppKeys::builder()
            .alipay_public_key(&demo("alipay_public_key.txt"))
            .unwrap()
            .aes_key(&demo("aes_key.txt"))
            .unwrap()
            .build(*b)
            .unwrap();
        assert_eq!(rsa_keys.open(&body).unwrap_err().kind(), "unsupported_sign_type", "{b}");
        if supported {
            // One changed byte of the ciphertext: the SM2 signature no longer verifies.
            let tampered = body.replacen("9ao3", "9ao4", 1);
            assert_eq!(keys.open(&tampered).unwrap_err().kind(), "bad_signature");
            // The same signature declared as another SM2 user id would not verify: the id is fixed.
        }
    }
}

/// The Java SDK verifies the raw posted text of `response` (escapes such as `\/` kept): an
/// envelope signed that way opens, only through the fallback, and a tampered one still fails.
#[test]
fn a_signature_over_the_raw_escaped_text_verifies_through_the_fallback() {
    use base64::Engine as _;
    let private = RsaPrivateKey::parse(&demo("alipay_private_key.pem")).unwrap();
    let signer = Backend::default().alipay_side().prepare_signer(&private).unwrap();
    let aes = demo("aes_key.txt");
    // Find a mobile whose ciphertext's base64 contains '/', so escaping changes the text.
    let (b64, escaped) = (0..200)
        .find_map(|i| {
            let enc = encryptor(Backend::default(), &aes);
            let ct = enc
                .encrypt_cbc(&[0; 16], success_plaintext(&format!("1380013{i:04}")).as_bytes())
                .unwrap();
            let b64 = base64::engine::general_purpose::STANDARD.encode(ct);
            b64.contains('/').then(|| (b64.clone(), b64.replace('/', "\\/")))
        })
        .unwrap();
    let raw_signed = format!("\"{escaped}\"");
    let sign =
        base64::engine::general_purpose::STANDARD.encode(signer.sign(SignType::Rsa2, raw_signed.as_bytes()).unwrap());
    let body = format!(
        r#"{{"response":"{escaped}","sign":"{sign}","sign_type":"RSA2","encrypt_type":"AES","charset":"UTF-8"}}"#
    );
    for backend in Backend::ALL {
        let keys = AppKeys::builder()
            .alipay_public_key(&demo("alipay_public_key.txt"))
            .unwrap()
            .aes_key(&aes)
            .unwrap()
            .build(*backend)
            .unwrap();
        assert!(
            keys.open(&body).unwrap().response.phone.reveal().starts_with("1380013"),
            "{backend}"
        );
        // The signature covers the escaped text only: the unescaped body is another text.
        let plain = body.replace(&escaped, &b64);
        assert_eq!(keys.open(&plain).unwrap_err().kind(), "bad_signature", "{backend}");
    }
}

/// A backend that has SM4 but no configured key of SM4's size names the problem: the content
/// keys do not fit, before anything is verified or decrypted.
#[test]
fn an_sm4_envelope_without_a_16_byte_key_is_refused_by_type() {
    let body = r#"{"response":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","sign":"c2ln","sign_type":"RSA2","encrypt_type":"SM4"}"#;
    let mut checked = 0;
    for backend in Backend::ALL
        .iter()
        .filter(|b| b.capabilities().decrypts(phone_core::EncryptType::Sm4))
    {
        let keys = AppKeys::builder()
            .alipay_public_key(&demo("alipay_public_key.txt"))
            .unwrap()
            .aes_key(AES_KEYS[2])
            .unwrap()
            .build(*backend)
            .unwrap();
        let err = keys.open(body).unwrap_err();
        assert_eq!(err.kind(), "unsupported_encrypt_type", "{backend}: {err}");
        assert!(err.to_string().contains("16 bytes"), "{err}");
        checked += 1;
    }
    assert_eq!(checked, usize::from(Backend::from_name("rustcrypto").is_some()));
}

/// Pinning: an app that accepts only some sign types opens exactly those, and refuses the
/// others by type even though their signatures verify.
#[test]
fn pinned_sign_types_open_exactly_the_pinned_types() {
    // Alipay's own shapes from the shared vectors, not sealed here: ring and aws-lc-rs cannot
    // sign SHA1withRSA, and each backend alone must run this test too.
    let file = load_json("vectors/envelopes.json");
    let case = |name: &str| {
        file["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    let (rsa_case, rsa2_case) = (case("rsa_sha1_2048_ok"), case("rsa2_2048_aes128_ok"));
    assert_eq!(rsa_case["alipay_public_key"], rsa2_case["alipay_public_key"]);
    assert_eq!(rsa_case["aes_key"], rsa2_case["aes_key"]);
    let public = RsaPublicKey::parse(rsa_case["alipay_public_key"].as_str().unwrap()).unwrap();
    let aes = rsa_case["aes_key"].as_str().unwrap().to_owned();
    let (rsa, rsa2) = (
        rsa_case["envelope"].as_str().unwrap().to_owned(),
        rsa2_case["envelope"].as_str().unwrap().to_owned(),
    );
    let mobile = |c: &serde_json::Value| c["expected"]["ok"]["mobile"].as_str().unwrap().to_owned();
    let (rsa_mobile, rsa2_mobile) = (mobile(&rsa_case), mobile(&rsa2_case));
    let pins: [(&[SignType], bool, bool); 6] = [
        (&[SignType::Rsa2], false, true),
        // A type listed twice is still accepted (a set, not a toggle).
        (&[SignType::Rsa2, SignType::Rsa2], false, true),
        (&[SignType::Rsa], true, false),
        (&[SignType::Rsa, SignType::Rsa2], true, true),
        (&[SignType::Sm2], false, false),
        (&[], false, false),
    ];
    for backend in Backend::ALL {
        for (pin, rsa_opens, rsa2_opens) in pins {
            let keys = AppKeys::builder()
                .alipay_public_key_der(public.clone())
                .aes_key(&aes)
                .unwrap()
                .accept_sign_types(pin)
                .build(*backend)
                .unwrap();
            assert_eq!(
                keys.accepts(SignType::Sm2),
                pin.contains(&SignType::Sm2),
                "{backend} {pin:?}"
            );
            for (body, opens, t, want_mobile) in [
                (&rsa, rsa_opens, SignType::Rsa, &rsa_mobile),
                (&rsa2, rsa2_opens, SignType::Rsa2, &rsa2_mobile),
            ] {
                assert_eq!(keys.accepts(t), opens, "{backend} {pin:?} {t}");
                let covered = covers(*backend, t, public.bits());
                match keys.open(body) {
                    Ok(o) => {
                        assert!(opens && covered, "{backend} {pin:?} opened {t}");
                        assert_eq!(&o.response.phone.reveal(), want_mobile);
                    }
                    Err(e) if opens && !covered => assert_refused_for_capability(*backend, &e),
                    Err(e) => {
                        assert!(!opens, "{backend} {pin:?} {t}: {e}");
                        assert_eq!(e.kind(), "unsupported_sign_type", "{e}");
                        let names: Vec<&str> = pin.iter().map(|t| t.as_str()).collect();
                        let want = format!("this app accepts only {} envelopes", names.join(", "));
                        if !pin.contains(&SignType::Rsa2) || pin.len() == 1 {
                            assert!(e.to_string().contains(&want), "{e}");
                        }
                    }
                }
            }
        }
        // Not pinned: every type the keys verify.
        let open = AppKeys::builder()
            .alipay_public_key_der(public.clone())
            .aes_key(&aes)
            .unwrap()
            .build(*backend)
            .unwrap();
        assert!(open.open(&rsa2).is_ok(), "{backend}");
        match open.open(&rsa) {
            Ok(_) => assert!(covers(*backend, SignType::Rsa, public.bits()), "{backend}"),
            Err(e) => assert_refused_for_capability(*backend, &e),
        }
        // Debug shows the shape, never a key.
        let pinned = AppKeys::builder()
            .alipay_public_key_der(public.clone())
            .aes_key(&aes)
            .unwrap()
            .accept_sign_types(&[SignType::Rsa2])
            .build(*backend)
            .unwrap();
        assert_eq!(pinned.backend(), backend.name());
        assert_eq!(pinned.options(), &phone_core::ParseOptions::default());
        let limited = AppKeys::builder()
            .alipay_public_key_der(public.clone())
            .options(phone_core::ParseOptions::default().max_envelope_bytes(1234))
            .build(*backend)
            .unwrap();
        assert_eq!(limited.options().max_envelope_bytes, 1234);
        let debug = format!("{pinned:?}");
        assert!(
            debug.starts_with("AppKeys {")
                && debug.contains(&format!("backend: {:?}", backend.name()))
                && debug.contains("verifying_keys: 1")
                && debug.contains("content_keys: 1")
                && debug.contains("sign_types: Some(\"RSA2\")"),
            "{debug}"
        );
        assert!(open.accepts(SignType::Sm2));
    }
}

/// A provider assembled from two backends' parts: AWS-LC's RSA and AES-CBC with RustCrypto's
/// SM4-GCM. Its capabilities are the union of the parts it holds, each part keeps naming the
/// backend it came from, and it opens envelopes and decrypts SM4 as either backend would.
#[cfg(all(feature = "aws-lc-rs", feature = "rustcrypto"))]
#[test]
fn a_provider_assembled_from_two_backends_parts_does_what_its_parts_do() {
    use phone_core::EncryptType;
    use phone_crypto::{CryptoProvider, KeyPool, SignAlgorithm, decrypt_content};

    let sm4 = Backend::RustCrypto
        .crypto_provider()
        .cipher_part(ContentAlgorithm::Sm4Gcm)
        .unwrap()
        .clone();
    let mixed = CryptoProvider::clone(&Backend::AwsLc.crypto_provider())
        .with_cipher_part(sm4)
        .named("aws-lc-rs+sm4");
    let caps = mixed.capabilities();
    assert!(caps.decrypts(EncryptType::Sm4) && caps.decrypts(EncryptType::Aes));
    assert!(caps.verifies(SignType::Rsa2) && !caps.verifies(SignType::Sm2));
    assert!(!Backend::AwsLc.capabilities().decrypts(EncryptType::Sm4));
    assert_eq!(mixed.verifier_part(SignAlgorithm::Rsa).unwrap().backend, "aws-lc-rs");
    assert_eq!(
        mixed.cipher_part(ContentAlgorithm::Sm4Gcm).unwrap().backend,
        "rustcrypto"
    );
    assert_eq!(
        mixed.cipher_part(ContentAlgorithm::AesCbc).unwrap().backend,
        "aws-lc-rs"
    );

    // The SM4 reference vector decrypts through the borrowed part.
    let file = load_json("vectors/reference.json");
    let v = file["content_vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["encrypt_type"] == "SM4")
        .unwrap();
    let key = ContentKey::parse(v["aes_key"].as_str().unwrap()).unwrap();
    let ct = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        v["ciphertext"].as_str().unwrap(),
    )
    .unwrap();
    let cipher = mixed.prepare_content_key(ContentAlgorithm::Sm4Gcm, &key).unwrap();
    let pt = decrypt_content(EncryptType::Sm4, &*cipher, &ct).unwrap();
    assert_eq!(std::str::from_utf8(&pt).unwrap(), v["plaintext"].as_str().unwrap());

    // And the demo envelope opens on keys prepared through it.
    let pool = KeyPool::with_provider(std::sync::Arc::new(mixed));
    let keys = AppKeys::builder()
        .alipay_public_key(&demo("alipay_public_key.txt"))
        .unwrap()
        .aes_key(&demo("aes_key.txt"))
        .unwrap()
        .build_in(&pool)
        .unwrap();
    assert_eq!(keys.backend(), "aws-lc-rs+sm4");
    assert_eq!(
        keys.open(&demo("envelope.json")).unwrap().response.phone.reveal(),
        "13800138000"
    );
}
