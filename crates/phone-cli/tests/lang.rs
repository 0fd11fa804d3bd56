//! The language of hints and fixes through the built binary: the locale variables in POSIX
//! order, `--lang` over them, and `hint_zh` / `fix_zh` in the JSON.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::{Command, Output, Stdio};

use phone_core::{Error, Lang};
use serde_json::Value;
use test_support::root;

const BIN: &str = env!("CARGO_BIN_EXE_alipay-phone");

/// Runs the binary with exactly the given locale variables (the test's own are removed, so a
/// developer's zh_CN shell does not change the outcome).
fn run_with(args: &[&str], locale: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    for name in ["LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"] {
        cmd.env_remove(name);
    }
    cmd.envs(locale.iter().copied())
        .env("NO_COLOR", "1")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// `decrypt` of the demo envelope with another AES key: a `decrypt_failed` after a valid
/// signature, whose hint names 接口内容加密方式 in Chinese.
fn decrypt_failing(extra: &[&str], locale: &[(&str, &str)]) -> Output {
    let data = root().join("examples/data");
    let pk = format!("@{}", data.join("alipay_public_key.txt").display());
    let envelope = data.join("envelope.json");
    let mut args = vec![
        "decrypt",
        "--alipay-public-key",
        &pk,
        "--aes-key",
        "MDEyMzQ1Njc4OWFiY2RlZg==",
    ];
    args.extend_from_slice(extra);
    args.push(envelope.to_str().unwrap());
    let out = run_with(&args, locale);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn zh_hint() -> &'static str {
    Error::DecryptFailed("x").hint_in(Lang::Zh).unwrap()
}

fn en_hint() -> &'static str {
    Error::DecryptFailed("x").hint().unwrap()
}

#[test]
fn a_decrypt_error_under_a_chinese_lang_prints_its_fix_in_chinese() {
    let out = decrypt_failing(&[], &[("LANG", "zh_CN.UTF-8")]);
    let text = stderr(&out);
    assert!(text.contains("error[decrypt_failed]"), "{text}");
    assert!(text.contains(&format!("提示: {}", zh_hint())), "{text}");
    assert!(text.contains("接口内容加密方式"), "{text}");
    assert!(!text.contains(en_hint()), "{text}");
}

#[test]
fn english_is_the_default_and_for_any_other_locale() {
    for locale in [
        vec![],
        vec![("LANG", "C.UTF-8")],
        vec![("LANG", "en_US.UTF-8")],
        vec![("LANG", "ja_JP.UTF-8")],
    ] {
        let text = stderr(&decrypt_failing(&[], &locale));
        assert!(text.contains(&format!("hint: {}", en_hint())), "{locale:?}: {text}");
        assert!(!text.contains(zh_hint()), "{locale:?}: {text}");
    }
}

#[test]
fn locale_variables_follow_posix_precedence() {
    let zh = |locale: &[(&str, &str)]| stderr(&decrypt_failing(&[], locale)).contains(zh_hint());
    assert!(zh(&[("LC_ALL", "zh_CN.UTF-8"), ("LANG", "en_US.UTF-8")]));
    assert!(!zh(&[("LC_ALL", "en_US.UTF-8"), ("LANG", "zh_CN.UTF-8")]));
    assert!(zh(&[("LC_MESSAGES", "zh_CN.UTF-8"), ("LANG", "en_US.UTF-8")]));
    assert!(!zh(&[("LC_MESSAGES", "C"), ("LANG", "zh_CN.UTF-8")]));
    assert!(zh(&[("LC_ALL", "zh_TW.UTF-8"), ("LC_MESSAGES", "en_US.UTF-8")]));
    // An empty variable counts as unset.
    assert!(zh(&[("LC_ALL", ""), ("LC_MESSAGES", ""), ("LANG", "zh_CN.UTF-8")]));
    assert!(!zh(&[("LC_ALL", ""), ("LANG", "")]));
}

#[test]
fn the_lang_flag_overrides_the_locale_anywhere_on_the_line() {
    let zh_locale = [("LC_ALL", "zh_CN.UTF-8")];
    let text = stderr(&decrypt_failing(&["--lang", "en"], &zh_locale));
    assert!(text.contains(&format!("hint: {}", en_hint())), "{text}");
    assert!(!text.contains(zh_hint()), "{text}");

    let text = stderr(&decrypt_failing(&["--lang", "zh"], &[("LANG", "en_US.UTF-8")]));
    assert!(text.contains(zh_hint()), "{text}");

    // A global flag: before the subcommand too.
    let data = root().join("examples/data");
    let pk = format!("@{}", data.join("alipay_public_key.txt").display());
    let envelope = data.join("envelope.json");
    let out = run_with(
        &[
            "--lang",
            "en",
            "decrypt",
            "--alipay-public-key",
            &pk,
            "--aes-key",
            "MDEyMzQ1Njc4OWFiY2RlZg==",
            envelope.to_str().unwrap(),
        ],
        &zh_locale,
    );
    assert!(stderr(&out).contains(en_hint()), "{}", stderr(&out));

    // Only zh and en: anything else is a usage error.
    let out = run_with(&["--lang", "fr", "cert-sn", "x.crt"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid value 'fr'"), "{}", stderr(&out));
}

#[test]
fn json_keeps_the_english_hint_and_adds_hint_zh_in_any_language() {
    for (extra, locale) in [
        (vec!["--json"], vec![]),
        (vec!["--json"], vec![("LANG", "zh_CN.UTF-8")]),
        (vec!["--json", "--lang", "zh"], vec![]),
    ] {
        let out = decrypt_failing(&extra, &locale);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["kind"], "decrypt_failed");
        assert_eq!(v["hint"], en_hint(), "{extra:?} {locale:?}");
        assert_eq!(v["hint_zh"], zh_hint(), "{extra:?} {locale:?}");
        // The contract's fields first and unchanged; hint_zh is an addition after them.
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["status", "kind", "message", "hint", "hint_zh"]);
    }
}

#[test]
fn an_alipay_error_in_json_has_its_documented_fix_in_both_languages() {
    let data = root().join("examples/data");
    let private = format!("@{}", data.join("alipay_private_key.pem").display());
    let aes = format!("@{}", data.join("aes_key.txt").display());
    let pk = format!("@{}", data.join("alipay_public_key.txt").display());
    let forged = run_with(
        &[
            "forge",
            "--alipay-private-key",
            &private,
            "--aes-key",
            &aes,
            "--code",
            "40006",
        ],
        &[],
    );
    assert!(forged.status.success());
    let body = std::env::temp_dir().join(format!("alipay-phone-lang-{}-40006.json", std::process::id()));
    std::fs::write(&body, &forged.stdout).unwrap();
    let out = run_with(
        &[
            "decrypt",
            "--json",
            "--alipay-public-key",
            &pk,
            "--aes-key",
            &aes,
            body.to_str().unwrap(),
        ],
        &[("LANG", "zh_CN.UTF-8")],
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["kind"].as_str(), v["code"].as_str()),
        (Some("alipay_error"), Some("40006"))
    );
    assert_eq!(v["hint"], phone_core::hint_for("40006", None).unwrap());
    assert!(v["hint_zh"].as_str().unwrap().contains("获取会员手机号"), "{v}");
    // Human output under a Chinese locale: Alipay's own subMsg and the Chinese fix.
    let out = run_with(
        &[
            "decrypt",
            "--alipay-public-key",
            &pk,
            "--aes-key",
            &aes,
            body.to_str().unwrap(),
        ],
        &[("LANG", "zh_CN.UTF-8")],
    );
    assert!(
        stderr(&out).contains(phone_core::hint_for_in("40006", None, Lang::Zh).unwrap()),
        "{}",
        stderr(&out)
    );
    let _ = std::fs::remove_file(body);
}

#[test]
fn verify_prints_its_hint_in_the_chosen_language() {
    let pk = format!("@{}", root().join("examples/data/alipay_public_key.txt").display());
    let args = [
        "verify",
        "--alipay-public-key",
        &pk,
        "--sign-type",
        "RSA2",
        "--sign",
        "AAAA",
    ];
    let zh = run_with(&args, &[("LANG", "zh_CN.UTF-8")]);
    let text = String::from_utf8(zh.stdout).unwrap();
    assert!(text.contains(Error::BadSignature.hint_in(Lang::Zh).unwrap()), "{text}");
    let en = run_with(&args, &[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "C")]);
    let text = String::from_utf8(en.stdout).unwrap();
    assert!(text.contains(Error::BadSignature.hint().unwrap()), "{text}");
}

#[test]
fn doctor_prints_fixes_in_the_chosen_language_and_json_has_fix_zh() {
    let data = root().join("examples/data");
    let pk = format!("@{}", data.join("alipay_public_key.txt").display());
    let private = format!("@{}", data.join("alipay_private_key.pem").display());
    let args = ["doctor", "--alipay-public-key", &pk, "--aes-key", &private];
    let zh = run_with(&args, &[("LANG", "zh_CN.UTF-8")]);
    assert_eq!(zh.status.code(), Some(1));
    let text = String::from_utf8(zh.stdout).unwrap();
    assert!(text.contains("[aes_key_is_rsa_key]"), "{text}");
    assert!(text.contains("解决办法:") && text.contains("发现问题"), "{text}");
    let en = run_with(&[&args[..], &["--lang", "en"]].concat(), &[("LANG", "zh_CN.UTF-8")]);
    let text = String::from_utf8(en.stdout).unwrap();
    assert!(
        text.contains("fix:") && text.contains("problems found") && !has_cjk_outside_names(&text),
        "{text}"
    );

    let json = run_with(&[&args[..], &["--json"]].concat(), &[]);
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    for check in v["checks"].as_array().unwrap() {
        if check["status"] == "fail" {
            let (en, zh) = (check["fix"].as_str().unwrap(), check["fix_zh"].as_str().unwrap());
            assert!(has_cjk(zh) && en != zh, "{check}");
        } else {
            assert!(check["fix"].is_null() && check["fix_zh"].is_null(), "{check}");
        }
    }
}

/// English output may quote the console's names (支付宝公钥, 接口内容加密方式) but has no
/// Chinese sentence: no CJK run longer than a console name.
fn has_cjk_outside_names(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        if ('\u{4e00}'..='\u{9fff}').contains(&c) {
            run += 1;
            if run > 8 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}
