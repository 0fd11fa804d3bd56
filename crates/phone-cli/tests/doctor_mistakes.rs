//! `doctor` on three real mistakes a new user makes (issue 12): the AES key base64-encoded
//! twice, the app's own certificate given as Alipay's, and the root bundle given as the Alipay
//! public key. Each has its own check id and a fix in English and Chinese.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::{Command, Output, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use test_support::root;

const BIN: &str = env!("CARGO_BIN_EXE_alipay-phone");

fn run(args: &[&str], lang: &str) -> Output {
    let mut cmd = Command::new(BIN);
    for name in ["LC_ALL", "LC_MESSAGES", "LANGUAGE"] {
        cmd.env_remove(name);
    }
    cmd.env("LANG", lang)
        .env("NO_COLOR", "1")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn doctor(args: &[&str]) -> (i32, Value, String) {
    let mut full = vec!["doctor", "--json"];
    full.extend_from_slice(args);
    let out = run(&full, "C.UTF-8");
    let text = String::from_utf8(out.stdout).unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_str(text.trim()).unwrap(),
        text,
    )
}

fn check<'a>(v: &'a Value, id: &str) -> Option<&'a Value> {
    v["checks"].as_array().unwrap().iter().find(|c| c["check"] == id)
}

fn failed(v: &Value) -> Vec<&str> {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["check"].as_str().unwrap())
        .collect()
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The failing check `id` with a fix in both languages; returns (fix, fix_zh).
fn fixes(v: &Value, id: &str) -> (String, String) {
    let c = check(v, id).unwrap_or_else(|| panic!("no {id} in {v}"));
    assert_eq!(c["status"], "fail", "{c}");
    let en = c["fix"].as_str().unwrap().to_owned();
    let zh = c["fix_zh"].as_str().unwrap().to_owned();
    assert!(!en.is_empty() && has_cjk(&zh) && en != zh, "{c}");
    (en, zh)
}

fn fixture(name: &str) -> String {
    format!(
        "@{}",
        root().join("testdata/fixtures/alipay-sdk-nodejs").join(name).display()
    )
}

fn demo(name: &str) -> String {
    format!("@{}", root().join("examples/data").join(name).display())
}

const AES: &str = "aa4BtZ4tspm2wnXLb1ThQA==";

#[test]
fn the_root_bundle_as_the_alipay_public_key_names_the_file_to_give_instead() {
    let root_bundle = fixture("alipayRootCert.crt");
    let (code, v, _) = doctor(&["--alipay-public-key", &root_bundle, "--aes-key", AES]);
    assert_eq!(code, 1);
    assert_eq!(failed(&v), ["root_cert_as_alipay"], "{v}");
    let (en, zh) = fixes(&v, "root_cert_as_alipay");
    assert!(en.contains("alipayCertPublicKey_RSA2.crt"), "{en}");
    assert!(
        zh.contains("alipayCertPublicKey_RSA2.crt") && zh.contains("支付宝公钥证书"),
        "{zh}"
    );
    // No longer the misleading algorithm error it used to be.
    assert!(!v.to_string().contains("wrong key algorithm"), "{v}");
    let message = check(&v, "root_cert_as_alipay").unwrap()["message"].as_str().unwrap();
    assert!(message.contains("alipayRootCert.crt"), "{message}");

    // Only the bundle's first block copied out (its SM2 root): still the root, not a key.
    let bundle =
        std::fs::read_to_string(root().join("testdata/fixtures/alipay-sdk-nodejs/alipayRootCert.crt")).unwrap();
    let end = "-----END CERTIFICATE-----";
    let first = &bundle[..bundle.find(end).unwrap() + end.len()];
    let path = std::env::temp_dir().join(format!("alipay-phone-doctor-{}-first-root.crt", std::process::id()));
    std::fs::write(&path, first).unwrap();
    let (code, v, _) = doctor(&["--alipay-public-key", &format!("@{}", path.display()), "--aes-key", AES]);
    let _ = std::fs::remove_file(&path);
    assert_eq!((code, failed(&v)), (1, vec!["root_cert_as_alipay"]), "{v}");

    // A single self-signed RSA certificate that works as a key (a test chain's root) is
    // let through: test setups make those.
    let test_root = format!(
        "@{}",
        root()
            .join("crates/phone-crypto/tests/certs/alipayRootCert.crt")
            .display()
    );
    let (code, v, _) = doctor(&["--alipay-public-key", &test_root, "--aes-key", AES]);
    assert_eq!((code, failed(&v)), (0, vec![]), "{v}");
}

#[test]
fn the_apps_own_certificate_as_alipays_is_caught_by_its_subject() {
    let app_cert = fixture("appCertPublicKey_2021001161683774.crt");
    let data = root().join("examples/data");
    let envelope = data.join("envelope.json");
    for extra in [vec![], vec![envelope.to_str().unwrap()]] {
        let mut args = vec!["--alipay-public-key", &app_cert, "--aes-key", AES];
        args.extend(extra.iter().copied());
        let (code, v, _) = doctor(&args);
        assert_eq!(code, 1);
        // Only this check fails: no generic bad_signature on top of it.
        assert_eq!(failed(&v), ["app_cert_as_alipay"], "{v}");
        let (en, zh) = fixes(&v, "app_cert_as_alipay");
        assert!(
            en.contains("alipayCertPublicKey_RSA2.crt") && en.contains("支付宝"),
            "{en}"
        );
        assert!(
            zh.contains("alipayCertPublicKey_RSA2.crt") && zh.contains("应用公钥证书"),
            "{zh}"
        );
        let message = check(&v, "app_cert_as_alipay").unwrap()["message"].as_str().unwrap();
        assert!(
            message.contains("appCertPublicKey_2021001161683774.crt")
                && message.contains("2088831204659217-2021001161683774"),
            "{message}"
        );
    }
    // Alipay's own certificate (CN 支付宝(中国)网络技术有限公司-<PID>) is fine, alone or with
    // its chain.
    for good in [
        fixture("alipayCertPublicKey_RSA2.crt"),
        format!(
            "@{}",
            root()
                .join("crates/phone-crypto/tests/certs/alipayCertPublicKey_RSA2.crt")
                .display()
        ),
    ] {
        let (code, v, _) = doctor(&["--alipay-public-key", &good, "--aes-key", AES]);
        assert_eq!((code, failed(&v)), (0, vec![]), "{good}: {v}");
    }
}

/// Keys of every AES size, encoded twice: 16 bytes give 32 characters (decoding to 24 bytes,
/// itself a valid AES-192 length), 24 give 44 (32 bytes, valid AES-256), 32 give 60.
#[test]
fn an_aes_key_encoded_twice_is_named_and_the_fix_shown_only_with_reveal() {
    let envelope = root().join("examples/data/envelope.json");
    let demo_aes = std::fs::read_to_string(root().join("examples/data/aes_key.txt")).unwrap();
    let demo_aes = demo_aes.trim();
    let pk = demo("alipay_public_key.txt");
    for raw_len in [16usize, 24, 32] {
        let raw: Vec<u8> = (0..raw_len)
            .map(|i| (i as u8).wrapping_mul(37).wrapping_add(11))
            .collect();
        let once = STANDARD.encode(&raw);
        let twice = STANDARD.encode(&once);
        assert_eq!(twice.len(), [32, 44, 60][raw_len / 8 - 2]);
        let (code, v, text) = doctor(&["--alipay-public-key", &pk, "--aes-key", &twice]);
        assert_eq!(code, 1, "{raw_len}");
        assert_eq!(failed(&v), ["aes_key_double_base64"], "{raw_len}: {v}");
        let (en, zh) = fixes(&v, "aes_key_double_base64");
        assert!(en.contains("--reveal") && zh.contains("--reveal"), "{en} / {zh}");
        // Keys never appear in output unless asked for.
        assert!(!text.contains(&once) && !text.contains(&twice), "{raw_len}: {text}");

        let (_, v, _) = doctor(&["--alipay-public-key", &pk, "--aes-key", &twice, "--reveal"]);
        let (en, zh) = fixes(&v, "aes_key_double_base64");
        assert!(en.contains(&once) && zh.contains(&once), "{raw_len}: {en} / {zh}");
    }
    // With a captured envelope, the key decoded once is tried and opens it.
    let twice = STANDARD.encode(demo_aes);
    let (code, v, _) = doctor(&[
        "--alipay-public-key",
        &pk,
        "--aes-key",
        &twice,
        envelope.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(failed(&v), ["aes_key_double_base64"], "{v}");
    let opened = check(&v, "envelope").unwrap();
    assert_eq!(opened["status"], "ok", "{v}");
    assert!(opened["message"].as_str().unwrap().contains("decoded once"), "{opened}");
    // Whitespace and a missing padding, as pasted from a file, change nothing.
    let (_, v, _) = doctor(&[
        "--alipay-public-key",
        &pk,
        "--aes-key",
        &format!(" {}\n", twice.trim_end_matches('=')),
    ]);
    assert_eq!(failed(&v), ["aes_key_double_base64"], "{v}");
}

/// The usual way a key gets encoded twice: `$(echo "$KEY" | base64)` encodes the newline
/// `echo` adds, so the text decoded once ends in `\n` (25 or 45 bytes). That is still the key
/// encoded twice, not a wrong length or an RSA key.
#[test]
fn an_aes_key_encoded_twice_by_echo_and_base64_with_its_newline_is_named() {
    let pk = demo("alipay_public_key.txt");
    let key32 = STANDARD.encode(
        (0..32u8)
            .map(|i| i.wrapping_mul(91).wrapping_add(7))
            .collect::<Vec<_>>(),
    );
    for key in ["+Iyjx34pVTjbm6yLsggtGg==", key32.as_str()] {
        // What the shell gives: `echo` adds the newline, `$(...)` drops base64's own.
        let twice = STANDARD.encode(format!("{key}\n"));
        if key.len() == 24 {
            assert_eq!(twice, "K0l5angzNHBWVGpibTZ5THNnZ3RHZz09Cg==");
        }
        let (code, v, text) = doctor(&["--alipay-public-key", &pk, "--aes-key", &twice]);
        assert_eq!(code, 1, "{key}");
        assert_eq!(failed(&v), ["aes_key_double_base64"], "{key}: {v}");
        let (en, zh) = fixes(&v, "aes_key_double_base64");
        assert!(en.contains("--reveal") && zh.contains("--reveal"), "{en} / {zh}");
        assert!(
            !text.contains("RSA key pasted") && !text.contains("aes_key_length"),
            "{text}"
        );
        // The corrected key is not shown unless asked for.
        assert!(!text.contains(key) && !text.contains(&twice), "{key}: {text}");

        let (code, v, text) = doctor(&["--alipay-public-key", &pk, "--aes-key", &twice, "--reveal"]);
        assert_eq!((code, failed(&v)), (1, vec!["aes_key_double_base64"]), "{v}");
        let (en, zh) = fixes(&v, "aes_key_double_base64");
        // Shown without the newline: exactly the text to configure.
        assert!(
            en.contains(&format!(": {key} (")) && zh.contains(&format!("：{key}（")),
            "{key}: {en} / {zh}"
        );
        assert!(!text.contains(&format!("{key}\\n")), "{text}");
    }
}

#[test]
fn correct_aes_keys_of_every_size_are_not_mistaken_for_double_encoding() {
    let pk = demo("alipay_public_key.txt");
    // Random-looking key bytes of every length, including 24 and 32 bytes (the lengths a
    // twice-encoded key decodes to), and the demo key.
    let mut keys: Vec<String> = [16usize, 24, 32]
        .iter()
        .map(|&n| {
            STANDARD.encode(
                (0..n)
                    .map(|i| (i as u8).wrapping_mul(151).wrapping_add(200))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    keys.push(AES.to_owned());
    for key in keys {
        let (code, v, _) = doctor(&["--alipay-public-key", &pk, "--aes-key", &key]);
        assert_eq!((code, failed(&v)), (0, vec![]), "{key}: {v}");
    }
    // A key of a wrong length that is not base64 text inside keeps its own check.
    let (_, v, _) = doctor(&[
        "--alipay-public-key",
        &pk,
        "--aes-key",
        "ZXdCNW9ta1FsRGlVbzQ0TVdXbzJKN001dA==",
    ]);
    assert_eq!(failed(&v), ["aes_key_length"], "{v}");
}

#[test]
fn the_three_fixes_follow_the_language_in_human_output() {
    let twice = STANDARD.encode(AES);
    for (args, id, zh_word) in [
        (
            vec![
                "--alipay-public-key".to_owned(),
                fixture("alipayRootCert.crt"),
                "--aes-key".into(),
                AES.into(),
            ],
            "root_cert_as_alipay",
            "支付宝根证书",
        ),
        (
            vec![
                "--alipay-public-key".to_owned(),
                fixture("appCertPublicKey_2021001161683774.crt"),
                "--aes-key".into(),
                AES.into(),
            ],
            "app_cert_as_alipay",
            "应用公钥证书",
        ),
        (
            vec![
                "--alipay-public-key".to_owned(),
                demo("alipay_public_key.txt"),
                "--aes-key".into(),
                twice,
            ],
            "aes_key_double_base64",
            "解码一次",
        ),
    ] {
        let mut full = vec!["doctor"];
        full.extend(args.iter().map(String::as_str));
        let zh = String::from_utf8(run(&full, "zh_CN.UTF-8").stdout).unwrap();
        assert!(zh.contains(&format!("[{id}]")) && zh.contains(zh_word), "{zh}");
        full.extend(["--lang", "en"]);
        let en = String::from_utf8(run(&full, "zh_CN.UTF-8").stdout).unwrap();
        assert!(
            en.contains(&format!("[{id}]")) && !en.contains(zh_word) && en.contains("fix:"),
            "{en}"
        );
    }
}
