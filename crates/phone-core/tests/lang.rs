//! Hints in Chinese and English, and how a language is picked from a locale or a header.
#![allow(clippy::unwrap_used, missing_docs)]

use phone_core::{AlipayError, Error, ErrorKind, KNOWN_CODES, KeyProblem, KeyRole, Lang, hint_for, hint_for_in};

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(is_cjk)
}

/// The Chinese must be written, not copied: CJK text, and not the English sentence.
fn assert_translated(what: &str, en: &str, zh: &str) {
    assert!(!en.is_empty() && !zh.is_empty(), "{what}");
    assert!(has_cjk(zh), "{what}: no Chinese in {zh:?}");
    assert_ne!(en, zh, "{what}");
    // An English hint quoting a console name (接口加签方式) is not a Chinese hint: the
    // sentence itself must be Chinese.
    let cjk = |s: &str| s.chars().filter(|&c| is_cjk(c)).count();
    assert!(
        cjk(zh) >= cjk(en) + 8,
        "{what}: hardly any Chinese beyond the English: {zh:?}"
    );
}

fn example(kind: ErrorKind) -> Error {
    match kind {
        ErrorKind::MalformedEnvelope => Error::MalformedEnvelope("x".into()),
        ErrorKind::MissingSignature => Error::MissingSignature,
        ErrorKind::PayloadTooLarge => Error::PayloadTooLarge { size: 2, limit: 1 },
        ErrorKind::UnsupportedSignType => Error::UnsupportedSignType {
            name: "SM2".into(),
            reason: "r".into(),
        },
        ErrorKind::UnsupportedEncryptType => Error::UnsupportedEncryptType {
            name: "SM4".into(),
            reason: "r".into(),
        },
        ErrorKind::BadBase64 => Error::BadBase64 { field: "sign" },
        ErrorKind::KeyError => Error::key(KeyRole::Aes, KeyProblem::AesKeyLength { len: 7 }),
        ErrorKind::BadSignature => Error::BadSignature,
        ErrorKind::DecryptFailed => Error::DecryptFailed("padding"),
        ErrorKind::MalformedPlaintext => Error::MalformedPlaintext("x".into()),
        ErrorKind::AlipayError => Error::AlipayError(AlipayError::new("40003", "m", None, None)),
        ErrorKind::NoPhone => Error::NoPhone,
        ErrorKind::EncryptFailed => Error::EncryptFailed("x"),
        other => panic!("no example for {other}"),
    }
}

#[test]
fn every_error_kind_has_a_chinese_hint() {
    for kind in ErrorKind::ALL {
        let e = example(kind);
        assert_eq!(e.error_kind(), kind);
        let en = e.hint_in(Lang::En).unwrap();
        assert_eq!(Some(en), e.hint(), "{kind}: hint() is the English one");
        assert_translated(kind.as_str(), en, e.hint_in(Lang::Zh).unwrap());
    }
}

#[test]
fn every_key_problem_has_a_chinese_hint() {
    let problems = [
        KeyProblem::PrivateKeyAsPublic,
        KeyProblem::PublicKeyAsPrivate,
        KeyProblem::Unparsable("x".into()),
        KeyProblem::WrongAlgorithm("EC".into()),
        KeyProblem::UnsupportedSize { bits: 512 },
        KeyProblem::AesKeyLength { len: 7 },
        KeyProblem::Rejected("x".into()),
        KeyProblem::UnknownApp("2021".into()),
        KeyProblem::ProviderFailed("timeout".into()),
    ];
    for p in problems {
        assert_eq!(p.hint_in(Lang::En), p.hint(), "{p:?}");
        assert_translated(&format!("{p:?}"), p.hint(), p.hint_in(Lang::Zh));
        let e = Error::key(KeyRole::AlipayPublic, p.clone());
        assert_eq!(e.hint_in(Lang::Zh), Some(p.hint_in(Lang::Zh)));
    }
}

#[test]
fn every_known_alipay_code_has_a_chinese_hint() {
    for c in KNOWN_CODES {
        let what = format!("{} {:?}", c.code, c.sub_code);
        assert_translated(&what, c.hint, c.hint_zh);
        assert_eq!(c.hint_in(Lang::En), c.hint, "{what}");
        assert_eq!(c.hint_in(Lang::Zh), c.hint_zh, "{what}");
        // The lookup by code finds the same entry in both languages.
        assert_eq!(hint_for_in(c.code, c.sub_code, Lang::En), Some(c.hint), "{what}");
        assert_eq!(hint_for_in(c.code, c.sub_code, Lang::Zh), Some(c.hint_zh), "{what}");
        let e = AlipayError::new(c.code, c.msg, c.sub_code, c.sub_msg);
        assert_eq!(e.hint_in(Lang::Zh), Some(c.hint_zh), "{what}");
        assert_eq!(e.hint(), Some(c.hint), "{what}");
    }
    // The console's own names, where a Chinese developer looks for them.
    assert!(hint_for_in("40006", None, Lang::Zh).unwrap().contains("获取会员手机号"));
    assert!(
        hint_for_in("40001", Some("isv.missing-encrypt-key"), Lang::Zh)
            .unwrap()
            .contains("接口内容加密方式")
    );
    assert!(
        hint_for_in("40001", Some("isv.missing-signature"), Lang::Zh)
            .unwrap()
            .contains("接口加签方式")
    );
    // An unknown sub-code falls back to its code's entry, in Chinese too; unknown codes have none.
    assert_eq!(
        hint_for_in("40001", Some("isv.something-new"), Lang::Zh),
        hint_for_in("40001", None, Lang::Zh)
    );
    assert_eq!(hint_for_in("99999", None, Lang::Zh), None);
    assert_eq!(hint_for("40003", None), hint_for_in("40003", None, Lang::En));
}

#[test]
fn console_names_appear_in_the_chinese_hints() {
    assert!(Error::BadSignature.hint_in(Lang::Zh).unwrap().contains("支付宝公钥"));
    assert!(
        Error::MissingSignature
            .hint_in(Lang::Zh)
            .unwrap()
            .contains("接口加签方式")
    );
    assert!(
        Error::DecryptFailed("x")
            .hint_in(Lang::Zh)
            .unwrap()
            .contains("接口内容加密方式")
    );
    let key = Error::key(KeyRole::AlipayPublic, KeyProblem::Unparsable("x".into()));
    assert!(key.hint_in(Lang::Zh).unwrap().contains("公钥证书模式"));
}

#[test]
fn the_contract_json_has_hint_in_the_language_and_hint_zh_always() {
    let e = Error::AlipayError(AlipayError::new("40006", "Insufficient Permissions", None, None));
    let en = e.to_contract_json();
    assert_eq!(en["hint"], e.hint().unwrap());
    assert_eq!(en["hint_zh"], e.hint_in(Lang::Zh).unwrap());
    assert_eq!(en["code"], "40006");
    assert_eq!(en, e.to_contract_json_in(Lang::En));
    let zh = e.to_contract_json_in(Lang::Zh);
    assert_eq!(zh["hint"], e.hint_in(Lang::Zh).unwrap());
    assert_eq!(zh["hint_zh"], zh["hint"]);
    // The contract's fields are all still there and unchanged but for `hint`.
    for field in ["status", "kind", "message", "code", "msg", "sub_code", "sub_msg"] {
        assert_eq!(en[field], zh[field], "{field}");
    }
    // An unknown code has no fix in either language.
    let unknown = Error::AlipayError(AlipayError::new("12345", "m", None, None)).to_contract_json();
    assert!(unknown["hint"].is_null() && unknown["hint_zh"].is_null(), "{unknown}");
}

#[test]
fn locales_pick_chinese_only_when_they_start_with_zh() {
    for zh in [
        "zh_CN.UTF-8",
        "zh_CN",
        "zh-CN",
        "zh_TW.Big5",
        "zh",
        "ZH_cn",
        " zh_CN.UTF-8",
    ] {
        assert_eq!(Lang::from_locale(zh), Lang::Zh, "{zh}");
    }
    for en in [
        "",
        "C",
        "C.UTF-8",
        "POSIX",
        "en_US.UTF-8",
        "ja_JP.UTF-8",
        "z",
        "fr_FR@euro",
    ] {
        assert_eq!(Lang::from_locale(en), Lang::En, "{en}");
    }
}

#[test]
fn locale_variables_follow_posix_precedence_and_skip_empty_values() {
    let vars = |all: Option<&str>, messages: Option<&str>, lang: Option<&str>| {
        let (all, messages, lang) = (
            all.map(str::to_owned),
            messages.map(str::to_owned),
            lang.map(str::to_owned),
        );
        Lang::from_locale_vars(move |name| match name {
            "LC_ALL" => all.clone(),
            "LC_MESSAGES" => messages.clone(),
            "LANG" => lang.clone(),
            other => panic!("read {other}"),
        })
    };
    assert_eq!(vars(None, None, None), Lang::En);
    assert_eq!(vars(None, None, Some("zh_CN.UTF-8")), Lang::Zh);
    assert_eq!(vars(None, Some("zh_CN.UTF-8"), Some("en_US.UTF-8")), Lang::Zh);
    assert_eq!(vars(None, Some("en_US.UTF-8"), Some("zh_CN.UTF-8")), Lang::En);
    assert_eq!(vars(Some("en_US.UTF-8"), Some("zh_CN"), Some("zh_CN")), Lang::En);
    assert_eq!(vars(Some("zh_CN.UTF-8"), Some("C"), Some("en_US")), Lang::Zh);
    // Empty means unset: the next variable decides.
    assert_eq!(vars(Some(""), Some(""), Some("zh_CN.UTF-8")), Lang::Zh);
    assert_eq!(vars(Some(""), None, Some("")), Lang::En);
    // C is a real choice, not "unset": it stops the search.
    assert_eq!(vars(Some("C"), None, Some("zh_CN.UTF-8")), Lang::En);
}

#[test]
fn accept_language_honours_order_and_q_values() {
    let cases = [
        ("zh-CN,zh;q=0.9,en;q=0.8", Lang::Zh),
        ("en-US,en;q=0.9,zh-CN;q=0.8", Lang::En),
        ("zh", Lang::Zh),
        ("zh-Hans-CN", Lang::Zh),
        ("zh_TW", Lang::Zh),
        ("ZH-cn", Lang::Zh),
        ("en", Lang::En),
        ("", Lang::En),
        ("*", Lang::En),
        ("fr-FR,de;q=0.9", Lang::En),
        // Languages we have no text for are passed over.
        ("fr-FR, zh;q=0.5", Lang::Zh),
        ("ja,fr;q=0.9,zh-CN;q=0.2,en;q=0.1", Lang::Zh),
        // The highest weight wins wherever it is listed.
        ("en;q=0.5, zh;q=0.8", Lang::Zh),
        ("zh;q=0.3, en;q=0.7", Lang::En),
        ("zh-CN;q=0.5, en-US;q=0.501", Lang::En),
        // On a tie the first listed wins.
        ("zh;q=0.8, en;q=0.8", Lang::Zh),
        ("en, zh", Lang::En),
        // q=0 means "not this one".
        ("zh;q=0, en", Lang::En),
        ("zh;q=0", Lang::En),
        ("en;q=0, zh;q=0.1", Lang::Zh),
        // Whitespace and case around parameters.
        ("en ; q = 0.2 , zh-CN ; Q=0.9", Lang::Zh),
        // A malformed q-value drops its entry, never makes it the favourite.
        ("zh;q=abc, en;q=0.1", Lang::En),
        ("zh;q=2, en;q=0.1", Lang::En),
        ("en;q=0.1, zh;q=1.0", Lang::Zh),
        // Not Chinese or English although it starts with the letters.
        ("zha, en;q=0.1", Lang::En),
        (",,;;,zh", Lang::Zh),
    ];
    for (header, want) in cases {
        assert_eq!(Lang::from_accept_language(header), want, "{header:?}");
    }
    // A long hostile header is still read in one linear pass.
    let long = "xx;q=0.9,".repeat(10_000) + "zh;q=0.01";
    assert_eq!(Lang::from_accept_language(&long), Lang::Zh);
}

#[test]
fn lang_names_round_trip() {
    for lang in Lang::ALL {
        assert_eq!(lang.as_str().parse::<Lang>(), Ok(lang));
        assert_eq!(lang.to_string(), lang.as_str());
    }
    assert_eq!(Lang::default(), Lang::En);
    assert_eq!("zh_CN".parse::<Lang>(), Ok(Lang::Zh));
    assert_eq!(" en-GB ".parse::<Lang>(), Ok(Lang::En));
    for bad in ["", "fr", "zhx", "chinese"] {
        assert!(bad.parse::<Lang>().is_err(), "{bad}");
    }
    assert_eq!(
        "fr".parse::<Lang>().unwrap_err().to_string(),
        "unknown language (expected en or zh)"
    );
}
