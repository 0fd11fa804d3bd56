//! keygen, forge, verify and doctor, driven through the built binary.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use test_support::{hex, root};

const BIN: &str = env!("CARGO_BIN_EXE_alipay-phone");

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("alipay-phone-tools-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    test_support::run(BIN, args, &[("NO_COLOR", "1")], stdin)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn at(dir: &Path, f: &str) -> String {
    format!("@{}", dir.join(f).display())
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
fn keygen_writes_the_key_set_with_a_private_mode_and_refuses_to_overwrite() {
    let dir = tmp("keygen");
    let out = run(&["keygen", "--out", dir.to_str().unwrap(), "--json"], b"");
    if compiled_backends() == ["ring"] {
        // ring cannot generate RSA keys: a typed refusal.
        assert_eq!(out.status.code(), Some(1));
        return;
    }
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(summary["bits"], 2048);
    let public = std::fs::read_to_string(dir.join("alipay_public_key.txt")).unwrap();
    assert_eq!(public.len(), 392);
    assert!(public.starts_with("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"));
    assert!(
        std::fs::read_to_string(dir.join("alipay_public_key.pem"))
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----\n")
    );
    assert!(
        std::fs::read_to_string(dir.join("alipay_private_key.pem"))
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----\n")
    );
    assert_eq!(std::fs::read_to_string(dir.join("aes_key.txt")).unwrap().len(), 24);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("alipay_private_key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let before = std::fs::read(dir.join("alipay_private_key.pem")).unwrap();
    let again = run(&["keygen", "--out", dir.to_str().unwrap()], b"");
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(std::fs::read(dir.join("alipay_private_key.pem")).unwrap(), before);
    let forced = run(
        &[
            "keygen",
            "--out",
            dir.to_str().unwrap(),
            "--force",
            "--bits",
            "1024",
            "--aes-bytes",
            "32",
        ],
        b"",
    );
    assert_eq!(forced.status.code(), Some(0));
    assert_ne!(std::fs::read(dir.join("alipay_private_key.pem")).unwrap(), before);
    assert_eq!(std::fs::read_to_string(dir.join("aes_key.txt")).unwrap().len(), 44);
}

/// keygen, then forge on one backend and decrypt on another, for every pair.
#[test]
fn keygen_forge_decrypt_round_trip_for_every_backend_pair() {
    let backends = compiled_backends();
    let dir = tmp("pairs");
    let keys = if backends == ["ring"] {
        root().join("examples/data")
    } else {
        assert!(run(&["keygen", "--out", dir.to_str().unwrap()], b"").status.success());
        dir.clone()
    };
    let (private, aes) = (at(&keys, "alipay_private_key.pem"), at(&keys, "aes_key.txt"));
    let mut pairs = 0;
    for forger in &backends {
        for opener in &backends {
            for (i, extra) in [vec![], vec!["--unencrypted"], vec!["--sign-type", "RSA"]]
                .iter()
                .enumerate()
            {
                if matches!(*forger, "ring" | "aws-lc-rs" | "graviola") && extra.contains(&"RSA") {
                    continue; // ring, aws-lc-rs and graviola sign RSA2 only
                }
                let mobile = format!("1390013900{i}");
                let mut args = vec![
                    "forge",
                    "--backend",
                    forger,
                    "--alipay-private-key",
                    &private,
                    "--aes-key",
                    &aes,
                    "--mobile",
                    &mobile,
                ];
                args.extend(extra.iter().copied());
                let forged = run(&args, b"");
                assert!(
                    forged.status.success(),
                    "{forger} {extra:?}: {}",
                    String::from_utf8_lossy(&forged.stderr)
                );
                let opened = run(
                    &[
                        "decrypt",
                        "--json",
                        "--reveal",
                        "--backend",
                        opener,
                        "--alipay-public-key",
                        &at(&keys, "alipay_public_key.txt"),
                        "--aes-key",
                        &at(&keys, "aes_key.txt"),
                    ],
                    &forged.stdout,
                );
                let got: Value = serde_json::from_str(stdout(&opened).trim()).unwrap();
                if *opener == "graviola" && extra.contains(&"RSA") {
                    // graviola has no SHA-1: refused by name, with a backend that can.
                    assert_eq!(got["kind"], "unsupported_sign_type", "{forger} -> {opener}: {got}");
                    assert!(got["message"].as_str().unwrap().contains("ring backend"), "{got}");
                    continue;
                }
                assert_eq!(got["mobile"], mobile.as_str(), "{forger} -> {opener} {extra:?}: {got}");
                pairs += 1;
            }
        }
    }
    assert!(pairs >= backends.len() * backends.len() * 2);
}

#[test]
fn forge_fills_in_documented_alipay_errors() {
    let data = root().join("examples/data");
    let forged = run(
        &[
            "forge",
            "--alipay-private-key",
            &at(&data, "alipay_private_key.pem"),
            "--aes-key",
            &at(&data, "aes_key.txt"),
            "--code",
            "40003",
        ],
        b"",
    );
    assert!(forged.status.success());
    let out = run(
        &[
            "decrypt",
            "--json",
            "--alipay-public-key",
            &at(&data, "alipay_public_key.txt"),
            "--aes-key",
            &at(&data, "aes_key.txt"),
        ],
        &forged.stdout,
    );
    let got: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(got["kind"], "alipay_error");
    assert_eq!(
        (got["code"].as_str(), got["msg"].as_str()),
        (Some("40003"), Some("Insufficient Conditions"))
    );
    assert_eq!(
        (got["sub_code"].as_str(), got["sub_msg"].as_str()),
        (Some("isv.invalid-auth-relations"), Some("无效的授权关系"))
    );
    assert!(got["hint"].as_str().unwrap().contains("getAuthorize"));
    let usage = run(
        &[
            "forge",
            "--alipay-private-key",
            &at(&data, "alipay_private_key.pem"),
            "--mobile",
            "1",
        ],
        b"",
    );
    assert_eq!(usage.status.code(), Some(2), "no --aes-key without --unencrypted");
}

/// Every Wycheproof RSA PKCS#1 v1.5 SHA-256 case through `verify`, on every backend.
#[test]
fn verify_passes_the_wycheproof_files_on_every_backend() {
    let dir = tmp("wycheproof");
    let mut checked = 0;
    for bits in [2048, 3072, 4096] {
        let file: Value = serde_json::from_str(
            &std::fs::read_to_string(root().join(format!("testdata/wycheproof/rsa_signature_{bits}_sha256_test.json")))
                .unwrap(),
        )
        .unwrap();
        for group in file["testGroups"].as_array().unwrap() {
            let key = dir.join("key.pem");
            std::fs::write(&key, group["publicKeyPem"].as_str().unwrap()).unwrap();
            let key_arg = format!("@{}", key.display());
            for t in group["tests"].as_array().unwrap() {
                let result = t["result"].as_str().unwrap();
                if result == "acceptable" {
                    continue;
                }
                let msg = hex(t["msg"].as_str().unwrap());
                let sig = base64_of(&hex(t["sig"].as_str().unwrap()));
                for backend in compiled_backends() {
                    let out = run(
                        &[
                            "verify",
                            "--backend",
                            backend,
                            "--alipay-public-key",
                            &key_arg,
                            "--sign-type",
                            "RSA2",
                            "--sign",
                            &sig,
                        ],
                        &msg,
                    );
                    let want = if result == "valid" { 0 } else { 1 };
                    assert_eq!(
                        out.status.code(),
                        Some(want),
                        "{bits} tcId {} {backend}: {}",
                        t["tcId"],
                        stdout(&out)
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, (258 + 258 + 257) * compiled_backends().len());
}

#[test]
fn verify_usage_errors_exit_2() {
    let out = run(
        &[
            "verify",
            "--alipay-public-key",
            "@/nonexistent",
            "--sign-type",
            "RSA2",
            "--sign",
            "AAAA",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        &[
            "verify",
            "--alipay-public-key",
            "x",
            "--sign-type",
            "SHA512",
            "--sign",
            "AAAA",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn doctor(args: &[&str]) -> (i32, Value) {
    let mut full = vec!["doctor", "--json"];
    full.extend_from_slice(args);
    let out = run(&full, b"");
    (
        out.status.code().unwrap(),
        serde_json::from_str(stdout(&out).trim()).unwrap(),
    )
}

fn failed_checks(v: &Value) -> Vec<String> {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["check"].as_str().unwrap().to_owned())
        .collect()
}

/// Each misconfiguration named in the issue gets its own check id and a fix.
#[test]
fn doctor_catches_each_misconfiguration_with_its_own_message() {
    let data = root().join("examples/data");
    let pk = at(&data, "alipay_public_key.txt");
    let aes = at(&data, "aes_key.txt");
    let envelope = data.join("envelope.json");
    let env_arg = envelope.to_str().unwrap();

    let (code, v) = doctor(&["--alipay-public-key", &pk, "--aes-key", &aes, env_arg]);
    assert_eq!((code, failed_checks(&v)), (0, vec![]), "{v}");
    assert!(v.to_string().contains("RSA-2048 public key"));
    assert!(v.to_string().contains("138****8000") && !v.to_string().contains("13800138000"));

    let work = tmp("doctor");
    let write = |name: &str, text: String| {
        let p = work.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let body = std::fs::read_to_string(&envelope).unwrap();
    let mangled = write("mangled.json", body.replace('+', " "));
    let form = write("form.txt", "response=abc&sign=def".into());
    let unsigned = write("unsigned.json", body.replace("\"sign\":", "\"signature\":"));
    let tampered = write("tampered.json", body.replace("\"sign\":\"", "\"sign\":\"AAAA"));
    let wrong_type = write("rsa.json", body.replace("\"RSA2\"", "\"RSA\""));
    let other_aes = write("aes.txt", "MDEyMzQ1Njc4OWFiY2RlZg==".into());
    let forged_error = run(
        &[
            "forge",
            "--alipay-private-key",
            &at(&data, "alipay_private_key.pem"),
            "--aes-key",
            &aes,
            "--code",
            "40006",
        ],
        b"",
    );
    let alipay_err = write("40006.json", stdout(&forged_error));

    let private = at(&data, "alipay_private_key.pem");
    let other_aes = format!("@{other_aes}");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--alipay-public-key", &private, "--aes-key", &aes],
            "alipay_public_key_is_private",
        ),
        (
            vec!["--alipay-public-key", "not a key", "--aes-key", &aes],
            "alipay_public_key",
        ),
        (vec!["--alipay-public-key", &pk, "--aes-key", &pk], "aes_key_is_rsa_key"),
        (
            vec!["--alipay-public-key", &pk, "--aes-key", &private],
            "aes_key_is_rsa_key",
        ),
        (
            vec![
                "--alipay-public-key",
                &pk,
                "--aes-key",
                "ZXdCNW9ta1FsRGlVbzQ0TVdXbzJKN001dA==",
            ],
            "aes_key_length",
        ),
        (
            vec![
                "--alipay-public-key",
                &pk,
                "--aes-key",
                &aes,
                "--app-private-key",
                &private,
            ],
            "app_public_key_as_alipay",
        ),
        (
            vec!["--alipay-public-key", &pk, "--aes-key", &aes, &mangled],
            "form_encoded",
        ),
        (
            vec!["--alipay-public-key", &pk, "--aes-key", &aes, &form],
            "form_encoded",
        ),
        (
            vec!["--alipay-public-key", &pk, "--aes-key", &aes, &unsigned],
            "missing_signature",
        ),
        (
            vec!["--alipay-public-key", &pk, "--aes-key", &aes, &tampered],
            "bad_signature",
        ),
        (
            vec!["--alipay-public-key", &pk, "--aes-key", &aes, &wrong_type],
            "sign_type_mixed_up",
        ),
        (
            vec!["--alipay-public-key", &pk, "--aes-key", &other_aes, env_arg],
            "aes_key_mismatch",
        ),
        (
            vec!["--alipay-public-key", &pk, "--aes-key", &aes, &alipay_err],
            "alipay_error",
        ),
    ];
    for (args, want) in cases {
        let (code, v) = doctor(&args);
        assert_eq!(code, 1, "{want}: {v}");
        let failed = failed_checks(&v);
        assert!(failed.contains(&want.to_owned()), "{want}: {failed:?} {v}");
        let check = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == want)
            .unwrap();
        assert!(check["fix"].as_str().is_some_and(|f| !f.is_empty()), "{want}: {check}");
        if want == "alipay_error" {
            assert!(check["fix"].as_str().unwrap().contains("获取会员手机号"), "{check}");
        }
        if want == "missing_signature" {
            assert!(check["fix"].as_str().unwrap().contains("接口加签方式"), "{check}");
        }
    }
}

/// `bench --json` prints one object per compiled backend with the contract's fields (values
/// are measurements: only their presence and sign are checked, never their speed).
#[test]
fn bench_json_has_one_object_per_backend() {
    let out = run(&["bench", "--seconds", "0.05", "--threads", "2", "--json"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let names: Vec<&str> = lines.iter().map(|v| v["backend"].as_str().unwrap()).collect();
    assert_eq!(names.len(), compiled_backends().len());
    for b in compiled_backends() {
        assert!(names.contains(&b), "{b}: {names:?}");
    }
    for v in &lines {
        assert_eq!(v["bits"], 2048);
        for field in [
            "pipeline_per_s",
            "raw_verify_per_s",
            "overhead",
            "client_per_s",
            "scaling",
        ] {
            assert!(v[field].as_f64().is_some_and(|x| x > 0.0), "{field} in {v}");
        }
    }
    let one = run(
        &[
            "bench",
            "--backend",
            compiled_backends()[0],
            "--seconds",
            "0.05",
            "--json",
        ],
        b"",
    );
    assert_eq!(stdout(&one).lines().count(), 1);
    assert_eq!(run(&["bench", "--backend", "nope"], b"").status.code(), Some(2));
}

#[test]
fn cert_sn_prints_the_official_values() {
    let dir = root().join("testdata/fixtures/alipay-sdk-nodejs");
    for (file, want) in [
        (
            "appCertPublicKey_2021001161683774.crt",
            "866efef280dec9137a87d047ac446315",
        ),
        ("alipayCertPublicKey_RSA2.crt", "7513daaaa48aa3ba2e4018d84402479c"),
        (
            "alipayRootCert.crt",
            "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6",
        ),
    ] {
        let out = run(&["cert-sn", dir.join(file).to_str().unwrap()], b"");
        assert_eq!(stdout(&out).trim(), want, "{file}");
        let json: Value =
            serde_json::from_str(stdout(&run(&["cert-sn", "--json", dir.join(file).to_str().unwrap()], b"")).trim())
                .unwrap();
        assert_eq!(json["sn"], want);
    }
    assert_eq!(run(&["cert-sn", "/nonexistent.crt"], b"").status.code(), Some(2));
    // The certificate works as the public key in decrypt and doctor too.
    let cert = format!("@{}", dir.join("alipayCertPublicKey_RSA2.crt").display());
    let (code, v) = doctor(&["--alipay-public-key", &cert, "--aes-key", "aa4BtZ4tspm2wnXLb1ThQA=="]);
    assert_eq!(code, 0, "{v}");
    assert!(v.to_string().contains("certificate"), "{v}");
}
