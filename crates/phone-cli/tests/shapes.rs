//! The shapes front ends post (PROTOCOL.md 0.4) and `my.getRunData`'s answer (section 5):
//! `forge` builds each, `decrypt` and `doctor` open them, and `doctor` names each refused shape
//! with the parser's own check id, message and fixes.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Output;

use phone_core::{Envelope, Lang, ParseOptions};
use serde_json::{Value, json};
use test_support::root;

const BIN: &str = env!("CARGO_BIN_EXE_alipay-phone");
/// A valid AES-128 key that is not the demo key set's.
const OTHER_AES: &str = "MDEyMzQ1Njc4OWFiY2RlZg==";

fn run(args: &[&str], stdin: &[u8]) -> Output {
    test_support::run(BIN, args, &[("NO_COLOR", "1")], stdin)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn demo(file: &str) -> String {
    format!("@{}", root().join("examples/data").join(file).display())
}

/// `forge` with the demo keys; panics unless it succeeds.
fn forge(extra: &[&str]) -> String {
    let (private, aes) = (demo("alipay_private_key.pem"), demo("aes_key.txt"));
    let mut args = vec!["forge", "--alipay-private-key", &private, "--aes-key", &aes];
    args.extend_from_slice(extra);
    let out = run(&args, b"");
    assert!(
        out.status.success(),
        "{extra:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    text.trim_end().to_owned()
}

fn decrypt(body: &str) -> Value {
    let out = run(
        &[
            "decrypt",
            "--json",
            "--reveal",
            "--alipay-public-key",
            &demo("alipay_public_key.txt"),
            "--aes-key",
            &demo("aes_key.txt"),
        ],
        body.as_bytes(),
    );
    serde_json::from_str(stdout(&out).trim()).unwrap()
}

/// `doctor --json` over `body` (on stdin) with the demo public key and `aes`.
fn doctor_with(body: &str, aes: &str, extra: &[&str]) -> (i32, Value) {
    let pk = demo("alipay_public_key.txt");
    let mut args = vec!["doctor", "--json", "--alipay-public-key", &pk, "--aes-key", aes];
    args.extend_from_slice(extra);
    args.push("-");
    let out = run(&args, body.as_bytes());
    let text = stdout(&out);
    (
        out.status.code().unwrap(),
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}

fn doctor(body: &str, extra: &[&str]) -> (i32, Value) {
    doctor_with(body, &demo("aes_key.txt"), extra)
}

fn check<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == id)
        .unwrap_or_else(|| panic!("no {id} in {v}"))
}

fn has_check(v: &Value, id: &str) -> bool {
    v["checks"].as_array().unwrap().iter().any(|c| c["check"] == id)
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

fn text_of<'a>(c: &'a Value, field: &str) -> &'a str {
    c[field].as_str().unwrap_or_else(|| panic!("no {field} in {c}"))
}

/// A backend that signs RSA (SHA-1): ring and aws-lc-rs sign RSA2 only.
fn rsa_signer() -> Option<&'static str> {
    [
        ("openssl", cfg!(feature = "openssl")),
        ("rustcrypto", cfg!(feature = "rustcrypto")),
    ]
    .into_iter()
    .find_map(|(b, on)| on.then_some(b))
}

#[test]
fn forged_shapes_are_cut_from_the_one_envelope_and_decrypt_to_the_number() {
    let mobile = "13800138000";
    let envelope = forge(&["--mobile", mobile]);
    // AES-CBC with the zero IV and PKCS#1 v1.5 are deterministic: the same plaintext gives the
    // same response and sign, so each shape can be compared with the envelope field by field.
    let fields: serde_json::Map<String, Value> = serde_json::from_str(&envelope).unwrap();
    assert_eq!(forge(&["--mobile", mobile, "--shape", "envelope"]), envelope);

    let detail = forge(&["--mobile", mobile, "--shape", "event-detail"]);
    let d: serde_json::Map<String, Value> = serde_json::from_str(&detail).unwrap();
    assert_eq!(d.keys().collect::<Vec<_>>(), ["encryptedData", "sign"], "{detail}");
    assert_eq!(d["encryptedData"], fields["response"]);
    assert_eq!(d["sign"], fields["sign"]);

    let wrapped = forge(&["--mobile", mobile, "--shape", "encrypt-content"]);
    let w: serde_json::Map<String, Value> = serde_json::from_str(&wrapped).unwrap();
    assert_eq!(w.keys().collect::<Vec<_>>(), ["encryptContent"], "{wrapped}");
    // The envelope's exact text, so its signature holds inside the wrapper.
    assert_eq!(w["encryptContent"].as_str(), Some(envelope.as_str()));

    for (body, shape) in [
        (&envelope, "envelope"),
        (&detail, "event_detail"),
        (&wrapped, "encrypt_content"),
    ] {
        let got = decrypt(body);
        assert_eq!(
            (got["status"].as_str(), got["mobile"].as_str()),
            (Some("ok"), Some(mobile)),
            "{shape}: {got}"
        );
        assert_eq!(
            Envelope::parse(body, &ParseOptions::default())
                .unwrap()
                .shape()
                .as_str(),
            shape
        );
    }
    // encryptContent wraps plain content as well.
    let plain = forge(&[
        "--mobile",
        "1-6030824628",
        "--unencrypted",
        "--shape",
        "encrypt-content",
    ]);
    assert_eq!(decrypt(&plain)["mobile"], "1-6030824628", "{plain}");
}

#[test]
fn forge_refuses_an_event_detail_it_cannot_express_as_a_usage_error() {
    let (private, aes) = (demo("alipay_private_key.pem"), demo("aes_key.txt"));
    for (extra, flag) in [
        (vec!["--unencrypted"], "--unencrypted"),
        (vec!["--sign-type", "RSA"], "--sign-type RSA"),
    ] {
        let mut args = vec![
            "forge",
            "--alipay-private-key",
            &private,
            "--aes-key",
            &aes,
            "--mobile",
            "13800138000",
            "--shape",
            "event-detail",
        ];
        args.extend(extra.iter().copied());
        let out = run(&args, b"");
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(out.stdout.is_empty(), "{flag}: {}", stdout(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(flag) && err.contains("event-detail"), "{err}");
    }
    let bad_shape = run(
        &[
            "forge",
            "--alipay-private-key",
            &private,
            "--aes-key",
            &aes,
            "--mobile",
            "1",
            "--shape",
            "detail",
        ],
        b"",
    );
    assert_eq!(bad_shape.status.code(), Some(2));
}

fn run_data_of(body: &str) -> phone_core::RunData {
    let keys = phone_crypto::AppKeys::builder()
        .alipay_public_key(&test_support::demo("alipay_public_key.txt"))
        .unwrap()
        .aes_key(&test_support::demo("aes_key.txt"))
        .unwrap()
        .build(phone_crypto::Backend::default())
        .unwrap();
    keys.open_run_data(body).unwrap().response
}

#[test]
fn forged_run_data_opens_as_run_data_in_every_shape_and_doctor_masks_the_count() {
    for shape in ["envelope", "event-detail", "encrypt-content"] {
        let body = forge(&["--run-count", "16880", "--count-date", "2026-11-30", "--shape", shape]);
        let run = run_data_of(&body);
        assert_eq!(
            (
                run.count.reveal(),
                run.count_date.to_string(),
                run.code.as_str(),
                run.msg.as_str()
            ),
            (16880, "2026-11-30".to_owned(), "10000", "Success"),
            "{shape}"
        );

        let (code, v) = doctor(&body, &[]);
        assert_eq!((code, failed(&v)), (0, vec![]), "{shape}: {v}");
        assert_eq!(
            text_of(check(&v, "envelope"), "message"),
            "the envelope opens: run data (*** steps on 2026-11-30)",
            "{shape}"
        );
        assert!(!v.to_string().contains("16880"), "{v}");
        let (code, v) = doctor(&body, &["--reveal"]);
        assert_eq!(code, 0, "{v}");
        assert_eq!(
            text_of(check(&v, "envelope"), "message"),
            "the envelope opens: run data (16880 steps on 2026-11-30)"
        );
    }
    // The plaintext itself, as Alipay writes it; the older documents' digit string.
    let plain: Value = serde_json::from_str(&forge(&[
        "--run-count",
        "0",
        "--count-date",
        "2024-02-29",
        "--unencrypted",
    ]))
    .unwrap();
    assert_eq!(
        plain["response"].to_string(),
        r#"{"count":0,"countDate":"2024-02-29","code":"10000","msg":"Success"}"#
    );
    let older = forge(&[
        "--run-count",
        "8093",
        "--count-date",
        "2026-12-01",
        "--count-as-string",
        "--unencrypted",
    ]);
    let v: Value = serde_json::from_str(&older).unwrap();
    assert_eq!(v["response"]["count"], "8093", "{older}");
    assert_eq!(run_data_of(&older).count.reveal(), 8093);
    let encrypted_older = forge(&["--run-count", "8093", "--count-as-string"]);
    assert_eq!(run_data_of(&encrypted_older).count.reveal(), 8093);
}

/// Days from 1970-01-01 to a civil date, counted day by day from the year's start (a
/// different way than forge's, so the two check each other).
fn days_since_epoch(date: &str) -> i64 {
    let (y, m, d): (i64, i64, i64) = (
        date[0..4].parse().unwrap(),
        date[5..7].parse().unwrap(),
        date[8..10].parse().unwrap(),
    );
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut days: i64 = (1970..y).map(|y| if leap(y) { 366 } else { 365 }).sum();
    let months = [
        31,
        if leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    days += months[..(m - 1) as usize].iter().sum::<i64>();
    days + d - 1
}

#[test]
fn run_count_dates_default_to_today_in_utc_and_bad_ones_are_usage_errors() {
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        / 86_400;
    let v: Value = serde_json::from_str(&forge(&["--run-count", "1", "--unencrypted"])).unwrap();
    let after = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        / 86_400;
    let date = v["response"]["countDate"].as_str().unwrap();
    assert!(phone_core::CountDate::parse(date).is_some(), "{date}");
    let day = days_since_epoch(date);
    assert!(day == before || day == after, "{date} is day {day}, today is {before}");

    let (private, aes) = (demo("alipay_private_key.pem"), demo("aes_key.txt"));
    let base = ["forge", "--alipay-private-key", &private, "--aes-key", &aes];
    for (extra, why) in [
        (
            vec!["--run-count", "1", "--count-date", "2023-02-29"],
            "not a real date",
        ),
        (vec!["--run-count", "1", "--count-date", "2023-2-28"], "not yyyy-mm-dd"),
        (vec!["--run-count", "-1"], "a sign"),
        (vec!["--run-count", "1.5"], "a fraction"),
        (
            vec!["--mobile", "13800138000", "--count-date", "2023-02-28"],
            "a date without a count",
        ),
        (
            vec!["--mobile", "13800138000", "--count-as-string"],
            "a string count without a count",
        ),
        (vec!["--mobile", "13800138000", "--run-count", "1"], "two contents"),
        (
            vec!["--mobile", "13800138000", "--sub-code", "isv.x"],
            "a sub-code without a code",
        ),
    ] {
        let mut args = base.to_vec();
        args.extend(extra.iter().copied());
        let out = run(&args, b"");
        assert_eq!(out.status.code(), Some(2), "{why}: {}", stdout(&out));
        assert!(out.stdout.is_empty(), "{why}");
    }
}

/// Percent-encodes as a form serialiser does.
fn form_value(s: &str) -> String {
    s.replace('%', "%25")
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

#[test]
fn doctor_names_each_refused_shape_with_the_parsers_message_and_fixes() {
    let env_text = forge(&["--mobile", "13800138000"]);
    let env: Value = serde_json::from_str(&env_text).unwrap();
    let mut merged = env.clone();
    merged["encryptedData"] = env["response"].clone();
    let form = format!(
        "response={}&sign={}&sign_type=RSA2&encrypt_type=AES&charset=UTF-8",
        form_value(env["response"].as_str().unwrap()),
        form_value(env["sign"].as_str().unwrap())
    );
    let cases = [
        (
            serde_json::to_string(&env_text).unwrap(),
            "posted_as_json_string",
            "JSON.stringify",
        ),
        (
            json!({"response": env_text}).to_string(),
            "envelope_in_response",
            "res.response",
        ),
        (json!({"data": env}).to_string(), "envelope_in_field", "encryptContent"),
        (form, "form_encoded", "application/json"),
        (merged.to_string(), "ambiguous_content", "encryptedData"),
        (
            json!({"encryptContent": json!({"encryptContent": env_text}).to_string()}).to_string(),
            "encrypt_content_twice",
            "encryptContent",
        ),
    ];
    for (body, id, fix_word) in cases {
        let (code, v) = doctor(&body, &[]);
        assert_eq!(code, 1, "{id}: {v}");
        assert_eq!(failed(&v), [id], "{v}");
        // Refused before anything is verified or opened.
        for later in ["shape", "signature", "envelope"] {
            assert!(!has_check(&v, later), "{id}: {later} in {v}");
        }
        let c = check(&v, id);
        let err = Envelope::parse(&body, &ParseOptions::default()).unwrap_err();
        let mistake = err.mistake().unwrap_or_else(|| panic!("{id}: {err}"));
        assert_eq!(mistake.check_id(), id);
        assert_eq!(text_of(c, "message"), mistake.to_string(), "{id}");
        assert_eq!(text_of(c, "fix"), mistake.hint_in(Lang::En), "{id}");
        assert_eq!(text_of(c, "fix_zh"), mistake.hint_in(Lang::Zh), "{id}");
        assert!(text_of(c, "fix").contains(fix_word), "{id}: {c}");
        assert!(
            has_cjk(text_of(c, "fix_zh")) && !has_cjk(text_of(c, "fix")),
            "{id}: {c}"
        );
    }
    // The field holding the envelope is named.
    let (_, v) = doctor(&json!({"data": env}).to_string(), &[]);
    assert!(
        text_of(check(&v, "envelope_in_field"), "message").contains("\"data\""),
        "{v}"
    );
}

#[test]
fn doctor_passes_the_event_detail_and_the_encrypt_content_wrapper_end_to_end() {
    let envelope = forge(&["--mobile", "13800138000"]);
    let detail = forge(&["--mobile", "13800138000", "--shape", "event-detail"]);
    let wrapped = forge(&["--mobile", "13800138000", "--shape", "encrypt-content"]);
    let as_object = json!({"encryptContent": serde_json::from_str::<Value>(&envelope).unwrap()}).to_string();
    for (body, shape_words) in [
        (&envelope, "envelope object"),
        (&detail, "event detail {encryptedData, sign}"),
        (&wrapped, "{encryptContent: <envelope>}"),
        (&as_object, "{encryptContent: <envelope>}"),
    ] {
        let (code, v) = doctor(body, &[]);
        assert_eq!((code, failed(&v)), (0, vec![]), "{body}: {v}");
        let shape = check(&v, "shape");
        assert_eq!(shape["status"], "ok");
        assert!(text_of(shape, "message").contains(shape_words), "{shape}");
        assert_eq!(
            text_of(check(&v, "signature"), "message"),
            "RSA2 signature verifies with the Alipay public key"
        );
        assert_eq!(
            text_of(check(&v, "envelope"), "message"),
            "the envelope opens: 138****8000 (10000 Success)"
        );
        assert!(!v.to_string().contains("13800138000"), "{v}");
    }
}

/// A mobile whose forged envelope has a '+' in both the ciphertext and the signature, so a
/// form encoding that turns '+' into spaces changes both.
fn envelope_with_pluses() -> (String, Value) {
    (0..50)
        .map(|i| format!("138001380{i:02}"))
        .map(|m| forge(&["--mobile", &m]))
        .map(|text| {
            let v: Value = serde_json::from_str(&text).unwrap();
            (text, v)
        })
        .find(|(_, v)| v["response"].as_str().unwrap().contains('+') && v["sign"].as_str().unwrap().contains('+'))
        .unwrap()
}

#[test]
fn doctor_finds_spaces_for_plus_in_the_event_detail_and_inside_encrypt_content() {
    let (_, env) = envelope_with_pluses();
    let spaced = |field: &str| env[field].as_str().unwrap().replace('+', " ");
    let detail = json!({"encryptedData": spaced("response"), "sign": env["sign"]}).to_string();
    let detail_sign = json!({"encryptedData": env["response"], "sign": spaced("sign")}).to_string();
    let mut inner = env.clone();
    inner["response"] = spaced("response").into();
    let wrapped = json!({"encryptContent": inner.to_string()}).to_string();
    let mut inner_sign = env.clone();
    inner_sign["sign"] = spaced("sign").into();
    let wrapped_sign = json!({"encryptContent": inner_sign}).to_string();
    for (body, field) in [
        (detail, "encryptedData"),
        (detail_sign, "sign"),
        (wrapped, "response"),
        (wrapped_sign, "sign"),
    ] {
        let (code, v) = doctor(&body, &[]);
        assert_eq!((code, failed(&v)), (1, vec!["form_encoded"]), "{body}: {v}");
        let c = check(&v, "form_encoded");
        assert_eq!(
            text_of(c, "message"),
            format!("`{field}` has spaces where '+' belonged: the payload was form-encoded on the way")
        );
        assert!(has_cjk(text_of(c, "fix_zh")), "{c}");
    }
    // Other broken base64 in the event detail is named by its own field.
    let (code, v) = doctor(
        &json!({"encryptedData": "not base64!", "sign": env["sign"]}).to_string(),
        &[],
    );
    assert_eq!((code, failed(&v)), (1, vec!["bad_base64"]), "{v}");
    assert_eq!(
        text_of(check(&v, "bad_base64"), "message"),
        "`encryptedData` is not valid base64"
    );
}

#[test]
fn a_ciphertext_the_aes_key_cannot_open_is_sized_as_a_success_or_an_alipay_error() {
    let success = forge(&["--mobile", "13800138000"]);
    let detail = forge(&["--mobile", "13800138000", "--shape", "event-detail"]);
    let run_data = forge(&["--run-count", "16880", "--count-date", "2026-11-30"]);
    for (body, bytes) in [(&success, 64), (&detail, 64), (&run_data, 80)] {
        let (code, v) = doctor_with(body, OTHER_AES, &[]);
        assert_eq!((code, failed(&v)), (1, vec!["aes_key_mismatch"]), "{v}");
        let c = check(&v, "aes_key_mismatch");
        let message = text_of(c, "message");
        assert!(
            message.contains(&format!("its {bytes} bytes of ciphertext fit a success body"))
                && message.ends_with("so the AES key is wrong"),
            "{message}"
        );
        assert!(!message.contains("error body"), "{message}");
        let (en, zh) = (text_of(c, "fix"), text_of(c, "fix_zh"));
        assert!(
            en.contains("接口内容加密方式") && en.contains("the key is the one thing to fix"),
            "{en}"
        );
        assert!(zh.contains("密文长度与成功报文相符"), "{zh}");
        assert!(!en.contains("40003") && !zh.contains("40003"), "{en} / {zh}");
        // Neither key nor number in the output.
        assert!(!v.to_string().contains(OTHER_AES) && !v.to_string().contains("13800138000"));
    }
    for code in ["40003", "40006", "20000"] {
        let error = forge(&["--code", code]);
        // With the right key it is the Alipay error itself, not a key problem.
        let (_, right) = doctor(&error, &[]);
        assert_eq!(failed(&right), ["alipay_error"], "{right}");

        let (status, v) = doctor_with(&error, OTHER_AES, &[]);
        assert_eq!((status, failed(&v)), (1, vec!["aes_key_mismatch"]), "{v}");
        let c = check(&v, "aes_key_mismatch");
        let message = text_of(c, "message");
        let env = Envelope::parse(&error, &ParseOptions::default()).unwrap();
        let size = env.decode_ciphertext().unwrap().unwrap().len();
        assert!(size >= 96, "{code}: {size}");
        assert!(
            message.contains(&format!(
                "its {size} bytes of ciphertext are the size of an Alipay error body"
            )) && message.contains("Alipay answered an error, and this AES key cannot open it"),
            "{message}"
        );
        let (en, zh) = (text_of(c, "fix"), text_of(c, "fix_zh"));
        assert!(
            en.starts_with("two things to fix") && en.contains("接口内容加密方式") && en.contains("40003"),
            "{en}"
        );
        assert!(
            zh.starts_with("有两处要改") && zh.contains("40003") && zh.contains("错误报文"),
            "{zh}"
        );
    }
}

#[test]
fn an_rsa_signed_event_detail_is_explained_as_the_apps_sign_type_not_the_body() {
    let Some(signer) = rsa_signer() else { return };
    let env: Value = serde_json::from_str(&forge(&[
        "--mobile",
        "13800138000",
        "--sign-type",
        "RSA",
        "--backend",
        signer,
    ]))
    .unwrap();
    let detail = json!({"encryptedData": env["response"], "sign": env["sign"]}).to_string();
    let (code, v) = doctor(&detail, &[]);
    assert_eq!((code, failed(&v)), (1, vec!["sign_type_mixed_up"]), "{v}");
    let c = check(&v, "sign_type_mixed_up");
    assert!(
        text_of(c, "message").contains("declares no sign type and is read as RSA2"),
        "{c}"
    );
    assert!(text_of(c, "fix").contains("accept_sign_types"), "{c}");
    assert!(has_cjk(text_of(c, "fix_zh")), "{c}");
}

#[test]
fn run_data_that_does_not_read_is_named_as_such_not_as_a_missing_number() {
    for (plaintext, why) in [
        (
            r#"{"count":-5,"countDate":"2026-11-30","code":"10000","msg":"Success"}"#,
            "`count`",
        ),
        (
            r#"{"count":"12.5","countDate":"2026-11-30","code":"10000","msg":"Success"}"#,
            "`count`",
        ),
        (
            r#"{"count":16880,"countDate":"2026-02-30","code":"10000","msg":"Success"}"#,
            "`countDate`",
        ),
        (
            r#"{"countDate":"2026-11-30","code":"10000","msg":"Success"}"#,
            "`count`",
        ),
    ] {
        let body = forge(&["--plaintext", plaintext]);
        let (code, v) = doctor(&body, &[]);
        assert_eq!((code, failed(&v)), (1, vec!["malformed_plaintext"]), "{plaintext}: {v}");
        let c = check(&v, "malformed_plaintext");
        assert!(
            text_of(c, "message").starts_with("the envelope opens to run data that does not read")
                && text_of(c, "message").contains(why),
            "{c}"
        );
        assert!(
            text_of(c, "fix").contains("countDate") && has_cjk(text_of(c, "fix_zh")),
            "{c}"
        );
        // The values are personal data: never echoed.
        assert!(
            !v.to_string().contains("16880") && !v.to_string().contains("12.5"),
            "{v}"
        );
    }
    // A success with neither a number nor run data is still the missing number.
    let body = forge(&["--plaintext", r#"{"code":"10000","msg":"Success"}"#]);
    let (code, v) = doctor(&body, &[]);
    assert_eq!((code, failed(&v)), (1, vec!["no_phone"]), "{v}");
}

/// Alipay's Java SDK may sign the raw text of a `response` whose '/' a serialiser escaped as
/// `\/`; the library accepts it, and doctor must not call it a bad signature.
#[test]
fn doctor_accepts_a_signature_over_the_escaped_raw_text_as_the_library_does() {
    use phone_crypto::{Backend, RsaPrivateKey};
    let env: Value = (0..50)
        .map(|i| forge(&["--mobile", &format!("138001380{i:02}"), "--shape", "event-detail"]))
        .map(|t| serde_json::from_str::<Value>(&t).unwrap())
        .find(|v| v["encryptedData"].as_str().unwrap().contains('/'))
        .unwrap();
    let escaped = env["encryptedData"].as_str().unwrap().replace('/', "\\/");
    let raw = format!("\"{escaped}\"");
    let signer = Backend::default()
        .alipay_side()
        .prepare_signer(&RsaPrivateKey::parse(&test_support::demo("alipay_private_key.pem")).unwrap())
        .unwrap();
    let sign = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        signer.sign(phone_core::SignType::Rsa2, raw.as_bytes()).unwrap(),
    );
    for body in [
        format!(r#"{{"encryptedData":{raw},"sign":"{sign}"}}"#),
        format!(r#"{{"response":{raw},"sign":"{sign}","sign_type":"RSA2","encrypt_type":"AES","charset":"UTF-8"}}"#),
    ] {
        assert_eq!(decrypt(&body)["status"], "ok", "{body}");
        let (code, v) = doctor(&body, &[]);
        assert_eq!((code, failed(&v)), (0, vec![]), "{body}: {v}");
        assert_eq!(check(&v, "signature")["status"], "ok");
    }
}
