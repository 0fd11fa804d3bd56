//! `decrypt --data phone|run|any` (CONTRACT.md) over `open-data.json` on every backend: the
//! shapes front ends post, run data, any open data, and what stays masked without `--reveal`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Output;

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_alipay-phone");

fn run(args: &[&str], stdin: &str) -> Output {
    test_support::run(BIN, args, &[], stdin.as_bytes())
}

fn json_of(out: &Output) -> Value {
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(text.trim().lines().count(), 1, "not exactly one line: {text}");
    serde_json::from_str(text.trim()).unwrap()
}

fn cases() -> Vec<Value> {
    let file = test_support::load_json("vectors/open-data.json");
    file["cases"].as_array().unwrap().clone()
}

fn case(name: &str) -> Value {
    cases().into_iter().find(|c| c["name"] == name).unwrap()
}

/// `decrypt --json` of a case, with `--data` as the case says and the extra flags.
fn decrypt(case: &Value, backend: &str, extra: &[&str]) -> (Value, Option<i32>) {
    let mut args = vec![
        "decrypt",
        "--json",
        "--backend",
        backend,
        "--alipay-public-key",
        case["alipay_public_key"].as_str().unwrap(),
        "--aes-key",
        case["aes_key"].as_str().unwrap(),
    ];
    if let Some(data) = case["data"].as_str() {
        args.extend(["--data", data]);
    }
    args.extend(extra);
    let out = run(&args, case["envelope"].as_str().unwrap());
    (json_of(&out), out.status.code())
}

fn compiled_backends() -> Vec<&'static str> {
    [
        ("ring", cfg!(feature = "ring")),
        ("openssl", cfg!(feature = "openssl")),
        ("rustcrypto", cfg!(feature = "rustcrypto")),
        ("aws-lc-rs", cfg!(feature = "aws-lc-rs")),
        ("graviola", cfg!(feature = "graviola")),
    ]
    .into_iter()
    .filter_map(|(b, on)| on.then_some(b))
    .collect()
}

#[test]
fn every_open_data_case_gives_the_contract_json_on_every_backend() {
    let cases = cases();
    assert_eq!(cases.len(), 28);
    let mut checked = 0;
    for backend in compiled_backends() {
        for case in &cases {
            let (got, code) = decrypt(case, backend, &["--reveal"]);
            let name = &case["name"];
            let mut wants = vec![case["expected"].clone()];
            wants.extend(
                case.get("also_acceptable")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            );
            let hit = wants.iter().any(|w| match w.get("ok") {
                // Field by field, JSON types included: `count` is an integer.
                Some(ok) => got["status"] == "ok" && ok.as_object().unwrap().iter().all(|(k, v)| &got[k] == v),
                None => {
                    got["status"] == "error"
                        && got["kind"] == w["error"]
                        && w.get("plaintext").is_none_or(|p| got["code"] == p["code"])
                }
            });
            assert!(hit, "[{backend}] {name}: got {got}, want {}", case["expected"]);
            assert_eq!(code, Some(if got["status"] == "ok" { 0 } else { 1 }), "{name}");
            if got["status"] == "error" {
                assert!(got["hint"].as_str().is_some_and(|h| !h.is_empty()), "{name}: {got}");
                assert!(got["hint_zh"].as_str().is_some_and(|h| !h.is_empty()), "{name}: {got}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 28 * compiled_backends().len());
}

#[test]
fn run_data_and_any_data_are_masked_unless_revealed() {
    let backend = compiled_backends()[0];
    let run_case = case("run_data_ok");
    let (masked, _) = decrypt(&run_case, backend, &[]);
    assert_eq!(
        masked,
        json!({"status": "ok", "code": "10000", "msg": "Success", "count": "***", "count_date": "2026-11-30"})
    );
    let (revealed, _) = decrypt(&run_case, backend, &["--reveal"]);
    assert_eq!(revealed["count"], 21665);

    let any = case("any_open_data_ok");
    let (masked, _) = decrypt(&any, backend, &[]);
    assert_eq!(
        masked["data"],
        json!({"code": "10000", "msg": "Success", "nickName": "***", "avatar": "***"})
    );
    let (revealed, _) = decrypt(&any, backend, &["--reveal"]);
    assert_eq!(revealed["data"], any["expected"]["ok"]["data"]);

    // The human line: the count only with --reveal.
    let args = |reveal: bool| {
        let mut a = vec![
            "decrypt".to_owned(),
            "--data".into(),
            "run".into(),
            "--alipay-public-key".into(),
            run_case["alipay_public_key"].as_str().unwrap().into(),
            "--aes-key".into(),
            run_case["aes_key"].as_str().unwrap().into(),
        ];
        if reveal {
            a.push("--reveal".into());
        }
        a
    };
    for (reveal, want) in [
        (false, "ok *** steps on 2026-11-30 (10000 Success)"),
        (true, "ok 21665 steps on 2026-11-30 (10000 Success)"),
    ] {
        let a = args(reveal);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let out = run(&a, run_case["envelope"].as_str().unwrap());
        assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), want);
    }
}

#[test]
fn a_phone_envelope_is_not_run_data_and_run_data_is_not_a_phone() {
    let backend = compiled_backends()[0];
    let (got, _) = decrypt(&case("phone_asked_as_run_data"), backend, &[]);
    assert_eq!(got["kind"], "malformed_plaintext");
    let (got, _) = decrypt(&case("run_data_asked_as_phone"), backend, &[]);
    assert_eq!(got["kind"], "no_phone");
    // The same phone envelope read as any open data: the whole plaintext, the number masked.
    let mut phone = case("button_detail_ok");
    phone["data"] = "any".into();
    let (got, _) = decrypt(&phone, backend, &[]);
    assert_eq!(got["data"], json!({"code": "10000", "msg": "Success", "mobile": "***"}));
}

#[test]
fn each_refused_shape_says_what_to_post_instead_in_both_languages() {
    let backend = compiled_backends()[0];
    for (name, message, hint) in [
        (
            "double_encoded_envelope",
            "encoded twice",
            "post the envelope object itself",
        ),
        (
            "response_holds_whole_envelope",
            "`response` holds a whole envelope",
            "not {response: JSON.stringify(res)}",
        ),
        (
            "data_wrapper",
            "nested in the field \"data\"",
            "post what that field holds itself",
        ),
        ("form_encoded_envelope", "form-encoded", "application/json"),
        (
            "envelope_and_encrypted_data_both",
            "both `response` and `encryptedData`",
            "post one shape only",
        ),
    ] {
        let (got, code) = decrypt(&case(name), backend, &[]);
        assert_eq!(
            (got["kind"].as_str(), code),
            (Some("malformed_envelope"), Some(1)),
            "{name}"
        );
        assert!(got["message"].as_str().unwrap().contains(message), "{name}: {got}");
        assert!(got["hint"].as_str().unwrap().contains(hint), "{name}: {got}");
        assert_ne!(got["hint"], got["hint_zh"], "{name}");
        // Never the misleading missing_signature.
        assert_ne!(got["kind"], "missing_signature");
    }
}

/// An event detail signed SHA1withRSA (a legacy app) opens only when the app pins RSA alone:
/// the detail declares no sign type.
#[cfg(any(feature = "openssl", feature = "rustcrypto"))]
#[test]
fn an_rsa_event_detail_opens_when_the_app_pins_rsa() {
    let rsa = case("button_detail_sha1_signature");
    let backend = compiled_backends()[0];
    let (got, _) = decrypt(&rsa, backend, &[]);
    assert_eq!(got["kind"], "bad_signature");
    let (got, code) = decrypt(&rsa, backend, &["--accept-sign-type", "RSA", "--reveal"]);
    assert_eq!((got["status"].as_str(), code), (Some("ok"), Some(0)), "{got}");
    assert_eq!(got["code"], "10000");
    // Two pins leave the detail at RSA2.
    let (got, _) = decrypt(
        &rsa,
        backend,
        &["--accept-sign-type", "RSA", "--accept-sign-type", "RSA2"],
    );
    assert_eq!(got["kind"], "bad_signature");
    // An RSA2 envelope under an RSA-only pin is refused by the pin.
    let (got, _) = decrypt(&case("run_data_ok"), backend, &["--accept-sign-type", "RSA"]);
    assert_eq!(got["kind"], "unsupported_sign_type");
}
