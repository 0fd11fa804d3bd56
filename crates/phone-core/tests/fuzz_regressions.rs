//! Inputs found by the differential fuzz target (`fuzz/fuzz_targets/differential.rs`), kept as
//! deterministic tests.

use phone_core::{Charset, Envelope, ParseOptions, parse_plaintext};

/// Finding 1 (issue 11): the general serde path read a JSON *array* of exactly five elements
/// as the envelope struct (serde derive's `visit_seq`: `response`, `sign`, `sign_type`,
/// `encrypt_type`, `charset` by position), where the contract takes only an object. The fuzzer's minimized input is `["a","","","",""]` (unsigned allowed).
#[test]
fn an_array_is_not_an_envelope() {
    for (body, opts) in [
        (r#"["a","","","",""]"#, ParseOptions::default().allow_unsigned(true)),
        (r#"["QUJD","c2ln","RSA2","AES","UTF-8"]"#, ParseOptions::default()),
        (r#" [{"code":"10000"},"c2ln",null,null,null] "#, ParseOptions::default()),
    ] {
        let err = Envelope::parse(body, &opts).expect_err(body);
        assert_eq!(err.kind(), "malformed_envelope", "{body}");
    }
}

/// Finding 1, plaintext side: a seven-element array was read as `code`, `msg`, `mobile`,
/// `subCode`, `sub_code`, `subMsg`, `sub_msg` by position (the fuzzer's input was seven base64
/// strings, answered as an Alipay error with that "code").
#[test]
fn an_array_is_not_a_plaintext() {
    for body in [
        r#"["10000","Success","13800138000",null,null,null,null]"#,
        r#"["40003","Insufficient Conditions",null,"isv.invalid-auth-relations","x",null,null]"#,
        r#"["a","","","","","",""]"#,
    ] {
        let err = parse_plaintext(body.as_bytes(), Charset::Utf8).expect_err(body);
        assert_eq!(err.kind(), "malformed_plaintext", "{body}");
    }
}
