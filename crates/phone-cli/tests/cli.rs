//! Drives the built `alipay-phone` binary: the contract's JSON, exit statuses and key inputs.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::{Command, Output};

use serde_json::Value;
use test_support::root;

const BIN: &str = env!("CARGO_BIN_EXE_alipay-phone");

fn run(args: &[&str], stdin: &str) -> Output {
    test_support::run(BIN, args, &[], stdin.as_bytes())
}

fn json_of(out: &Output) -> Value {
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(text.trim().lines().count(), 1, "not exactly one line: {text}");
    serde_json::from_str(text.trim()).unwrap()
}

fn backends() -> Vec<String> {
    let help = run(&["decrypt", "--help"], "");
    let text = String::from_utf8(help.stdout).unwrap();
    let line = text.lines().find(|l| l.contains("possible values")).unwrap().to_owned();
    let list = line.split("possible values: ").nth(1).unwrap().trim_end_matches(']');
    list.split(", ").map(str::to_owned).collect()
}

/// The refusal `backend` gives for a case beyond its algorithms (a key smaller than it takes,
/// refused when the keys are prepared; else a declared sign type it does not verify), read
/// from phone-crypto's capability data; `None` for a case it covers.
fn beyond(backend: &str, case: &Value) -> Option<Value> {
    let caps = phone_crypto::Backend::from_name(backend)?.capabilities();
    if let Ok(phone_crypto::AlipayPublicKey::Rsa(k)) =
        phone_crypto::AlipayPublicKey::parse(case["alipay_public_key"].as_str()?)
        && !caps.verifies_rsa_bits(k.bits())
    {
        return Some(serde_json::json!({"error": "key_error"}));
    }
    let declared = phone_core::SignType::parse(case["sign_type"].as_str()?).ok()?;
    (!caps.verifies(declared)).then(|| serde_json::json!({"error": "unsupported_sign_type"}))
}

#[test]
fn help_names_every_compiled_backend() {
    let names = backends();
    for (b, compiled) in [
        ("ring", cfg!(feature = "ring")),
        ("openssl", cfg!(feature = "openssl")),
        ("rustcrypto", cfg!(feature = "rustcrypto")),
        ("aws-lc-rs", cfg!(feature = "aws-lc-rs")),
        ("graviola", cfg!(feature = "graviola")),
    ] {
        assert_eq!(names.iter().any(|n| n == b), compiled, "{b}: {names:?}");
    }
    assert!(!names.is_empty());
}

/// Every shared vector, and the repository's own `extra.json` (escaped URLs in `subMsg`, AES_V2
/// at one block, the 0x09-padded body), through the CLI on every compiled backend, checking
/// the contract's fields and exit status.
#[test]
fn every_shared_vector_gives_the_contract_json_on_every_backend() {
    let mut cases = Vec::new();
    for file in ["envelopes.json", "extra.json"] {
        let file = test_support::load_json(&format!("vectors/{file}"));
        cases.extend(file["cases"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(cases.len(), 53 + 7);
    let mut checked = 0;
    for backend in backends() {
        for case in &cases {
            let out = run(
                &[
                    "decrypt",
                    "--json",
                    "--reveal",
                    "--backend",
                    &backend,
                    "--alipay-public-key",
                    case["alipay_public_key"].as_str().unwrap(),
                    "--aes-key",
                    case["aes_key"].as_str().unwrap(),
                ],
                case["envelope"].as_str().unwrap(),
            );
            let got = json_of(&out);
            let name = &case["name"];
            let mut wants = vec![case["expected"].clone()];
            wants.extend(
                case.get("also_acceptable")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            );
            if let Some(refusal) = beyond(&backend, case) {
                // graviola: RSA2 from 2048 bits only; the rest is refused by name.
                wants = vec![refusal];
                assert!(got["message"].as_str().unwrap().contains(" can"), "{name}: {got}");
            }
            let hit = wants.iter().any(|w| match w.get("ok") {
                Some(ok) => got["status"] == "ok" && ["code", "msg", "mobile"].iter().all(|k| got[k] == ok[k]),
                None => got["status"] == "error" && got["kind"] == w["error"],
            });
            assert!(hit, "[{backend}] {name}: got {got}, want {}", case["expected"]);
            if got["status"] == "ok" {
                assert_eq!(out.status.code(), Some(0), "{name}");
                let keys: Vec<&String> = got.as_object().unwrap().keys().collect();
                assert_eq!(keys, ["status", "code", "msg", "mobile"], "{name}");
            } else {
                assert_eq!(out.status.code(), Some(1), "{name}");
                assert!(got["message"].as_str().is_some_and(|m| !m.is_empty()), "{name}");
                assert!(got.get("hint").is_some(), "{name}");
                if got["kind"] == "alipay_error" {
                    let p = &case["expected"]["plaintext"];
                    assert_eq!(got["code"], p["code"], "{name}");
                    // A plaintext without `msg` (extra.json's one-block body) gives "".
                    let msg = p.get("msg").cloned().unwrap_or_else(|| "".into());
                    assert_eq!(got["msg"], msg, "{name}");
                    assert_eq!(got["sub_code"], p["subCode"], "{name}");
                    assert_eq!(got["sub_msg"], p["subMsg"], "{name}");
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, cases.len() * backends().len());
}

#[test]
fn numbers_are_masked_unless_revealed_and_keys_come_from_files_and_env() {
    let data = root().join("examples/data");
    let pk = format!("@{}", data.join("alipay_public_key.txt").display());
    let env_file = data.join("envelope.json");
    let aes = std::fs::read_to_string(data.join("aes_key.txt")).unwrap();
    let out = Command::new(BIN)
        .args([
            "decrypt",
            "--json",
            "--alipay-public-key",
            &pk,
            "--aes-key",
            "env:TEST_AES_KEY",
        ])
        .arg(&env_file)
        .env("TEST_AES_KEY", aes.trim())
        .output()
        .unwrap();
    assert_eq!(json_of(&out)["mobile"], "138****8000");
    let human = Command::new(BIN)
        .args(["decrypt", "--alipay-public-key", &pk, "--aes-key", aes.trim()])
        .arg(&env_file)
        .output()
        .unwrap();
    let line = String::from_utf8(human.stdout).unwrap();
    assert!(line.contains("138****8000") && !line.contains("13800138000"), "{line}");
    let revealed = Command::new(BIN)
        .args([
            "decrypt",
            "--reveal",
            "--alipay-public-key",
            &pk,
            "--aes-key",
            aes.trim(),
        ])
        .arg(&env_file)
        .output()
        .unwrap();
    assert!(String::from_utf8(revealed.stdout).unwrap().contains("13800138000"));
}

#[test]
fn usage_errors_exit_2_and_key_errors_exit_1() {
    let out = run(
        &["decrypt", "--alipay-public-key", "@/nonexistent/key", "--aes-key", "x"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        &[
            "decrypt",
            "--alipay-public-key",
            "env:SURELY_NOT_SET_ANYWHERE",
            "--aes-key",
            "x",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        &[
            "decrypt",
            "--backend",
            "nope",
            "--alipay-public-key",
            "x",
            "--aes-key",
            "x",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        &["decrypt", "--json", "--alipay-public-key", "garbage", "--aes-key", "x"],
        "{}",
    );
    assert_eq!(out.status.code(), Some(1));
    let got = json_of(&out);
    assert_eq!(got["kind"], "key_error");
    assert!(got["hint"].as_str().unwrap().contains("base64"));
}
