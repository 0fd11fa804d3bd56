//! Formats every public error and result, and captures all tracing output, and asserts that
//! no key material, no full phone number and no ciphertext appears anywhere.
#![allow(clippy::unwrap_used, missing_docs)]

use phone_client::*;
use phone_core::{AlipayError, Envelope, Error, KeyProblem, ParseOptions, PhoneNumber, SignType};
use phone_crypto::{AppKeys, ContentKey, RsaPrivateKey, RsaPublicKey, seal_envelope, success_plaintext};
mod common;
use common::{Captured, demo};

/// Every secret of the demo set, and pieces long enough to be recognisable.
fn secrets(body: &str) -> Vec<String> {
    let mut s = vec!["13800138000".to_owned()];
    let aes = demo("aes_key.txt").trim().to_owned();
    let aes_key = ContentKey::parse(&aes).unwrap();
    s.push(aes.clone());
    s.push(aes_key.as_bytes().iter().map(|b| format!("{b:02x}")).collect());
    s.push(format!("{:?}", aes_key.as_bytes()));
    for line in demo("alipay_private_key.pem")
        .lines()
        .filter(|l| !l.starts_with("-----"))
    {
        s.push(line.to_owned());
    }
    let env: serde_json::Value = serde_json::from_str(body).unwrap();
    let ct = env["response"].as_str().unwrap();
    s.push(ct.to_owned());
    s.extend(
        ct.as_bytes()
            .chunks(16)
            .filter(|c| c.len() == 16)
            .map(|c| String::from_utf8(c.to_vec()).unwrap()),
    );
    s
}

#[tokio::test(flavor = "current_thread")]
async fn nothing_secret_in_errors_results_debug_or_tracing() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let body = demo("envelope.json");
    let material = AppKeyMaterial::new()
        .with_alipay_public_key(&demo("alipay_public_key.txt"))
        .unwrap()
        .with_aes_key(&demo("aes_key.txt"))
        .unwrap();
    let client = PhoneClient::builder()
        .keys(StaticKeys::new().app("app", material.clone()))
        .build()
        .unwrap();

    let private = RsaPrivateKey::parse(&demo("alipay_private_key.pem")).unwrap();
    let p = Backend::default().alipay_side();
    let signer = p.prepare_signer(&private).unwrap();
    let cipher = p
        .prepare_encryptor(
            phone_crypto::ContentAlgorithm::AesCbc,
            &ContentKey::parse(&demo("aes_key.txt")).unwrap(),
        )
        .unwrap();
    let alipay_error = seal_envelope(
        r#"{"code":"40003","msg":"Insufficient Conditions","subCode":"isv.invalid-auth-relations","subMsg":"无效的授权关系","mobile":"13800138000"}"#,
        &*signer,
        Some(&*cipher),
        SignType::Rsa2,
    )
    .unwrap();
    let plain = seal_envelope(&success_plaintext("13800138000"), &*signer, None, SignType::Rsa2).unwrap();
    let wrong_aes = AppKeyMaterial::new()
        .with_alipay_public_key(&demo("alipay_public_key.txt"))
        .unwrap()
        .with_aes_key("MDEyMzQ1Njc4OWFiY2RlZg==")
        .unwrap();
    let client2 = PhoneClient::builder()
        .keys(StaticKeys::new().any_app(wrong_aes))
        .build()
        .unwrap();

    let mut outputs: Vec<String> = Vec::new();
    let mut record = |r: &Result<Opened, Error>| {
        outputs.push(format!("{r:?}"));
        match r {
            Ok(o) => outputs.extend([o.to_string(), format!("{:?}", o.response), o.response.to_string()]),
            Err(e) => outputs.extend([
                e.to_string(),
                e.to_contract_json().to_string(),
                e.hint().unwrap_or("").to_owned(),
            ]),
        }
    };
    let tampered = body.replace("\"sign\":\"", "\"sign\":\"AAAA");
    for b in [
        body.as_str(),
        &tampered,
        &alipay_error,
        &plain,
        "{",
        r#"{"response":"x"}"#,
        "13800138000",
    ] {
        record(&client.open("app", b).await);
        record(&client.open("unknown-app", b).await);
        record(&client2.open("app", b).await);
    }
    // Every error variant and key problem, formatted every way.
    let problems = [
        KeyProblem::PrivateKeyAsPublic,
        KeyProblem::PublicKeyAsPrivate,
        KeyProblem::Unparsable("x".into()),
        KeyProblem::WrongAlgorithm("x".into()),
        KeyProblem::UnsupportedSize { bits: 512 },
        KeyProblem::AesKeyLength { len: 294 },
        KeyProblem::Rejected("x".into()),
        KeyProblem::UnknownApp("app".into()),
        KeyProblem::ProviderFailed("x".into()),
    ];
    let mut errors: Vec<Error> = problems
        .into_iter()
        .map(|problem| Error::key(phone_core::KeyRole::Aes, problem))
        .collect();
    for text in [
        demo("aes_key.txt"),
        demo("alipay_private_key.pem"),
        demo("alipay_public_key.txt") + "x",
        "13800138000".into(),
    ] {
        errors.extend(ContentKey::parse(&text).err());
        errors.extend(RsaPublicKey::parse(&text).err());
        errors.extend(RsaPrivateKey::parse(&text).err());
    }
    errors.push(Error::AlipayError(AlipayError::new("40003", "m", Some("s"), Some("t"))));
    for e in &errors {
        outputs.extend([e.to_string(), format!("{e:?}"), e.to_contract_json().to_string()]);
    }
    let keys = AppKeys::builder()
        .alipay_public_key(&demo("alipay_public_key.txt"))
        .unwrap()
        .aes_key(&demo("aes_key.txt"))
        .unwrap()
        .build(Backend::default())
        .unwrap();
    let env = Envelope::parse(&body, &ParseOptions::default()).unwrap();
    let phone = PhoneNumber::parse("13800138000").unwrap();
    outputs.extend([
        format!("{keys:?}"),
        format!("{material:?}"),
        format!("{client:?}"),
        format!("{private:?}"),
        format!("{signer:?}"),
        format!("{cipher:?}"),
        format!("{env:?}"),
        format!("{phone:?}"),
        phone.to_string(),
        format!("{:?}", ContentKey::parse(&demo("aes_key.txt")).unwrap()),
    ]);
    for b in Backend::ALL {
        outputs.push(format!(
            "{:?}",
            b.crypto_provider()
                .prepare_cipher(&ContentKey::parse(&demo("aes_key.txt")).unwrap())
                .unwrap()
        ));
    }
    // App ids come from requests: one that could forge a log line or flood it is shown as a
    // marker, never as it is.
    let hostile = format!("app\nINFO forged line{}", "x".repeat(10_000));
    assert_eq!(
        client.decrypt_phone(&hostile, &body).await.unwrap_err().kind(),
        "key_error"
    );
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        !logs.contains("forged line") && !logs.contains(&"x".repeat(100)),
        "{logs}"
    );
    assert!(logs.contains("\"<invalid>\""), "{logs}");
    assert!(
        logs.contains("alipay_phone") && logs.contains("outcome"),
        "the span was not recorded: {logs}"
    );
    outputs.push(logs);

    for secret in secrets(&body) {
        for out in &outputs {
            assert!(!out.contains(&secret), "secret {secret:?} leaked in: {out}");
        }
    }
    assert!(
        outputs.iter().any(|o| o.contains("138****8000")),
        "masked numbers should still be visible"
    );
}
