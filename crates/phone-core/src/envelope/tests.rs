//! The envelope parser's unit tests (private helpers included), beside it.

use super::*;

fn parse(body: &str) -> Result<Envelope<'_>, Error> {
    Envelope::parse(body, &ParseOptions::default())
}

#[test]
fn defaults_apply_to_absent_and_empty_fields() {
    let env = parse(r#"{"response":"QUJD","sign":"c2ln","sign_type":"","charset":null}"#).unwrap();
    assert_eq!(env.sign_type(), SignType::Rsa2);
    assert_eq!(env.encrypt_type(), EncryptType::Aes);
    assert_eq!(env.charset(), Charset::Utf8);
}

#[test]
fn escaped_slashes_are_signed_unescaped() {
    let env = parse(r#"{"response":"ab\/cd==","sign":"c2ln"}"#).unwrap();
    assert_eq!(&*env.signed_content(), b"\"ab/cd==\"");
}

#[test]
fn a_plain_string_is_signed_without_quotes() {
    let env = parse(r#"{"response":"{\"code\":\"10000\"}","sign":"c2ln"}"#).unwrap();
    assert_eq!(&*env.signed_content(), br#"{"code":"10000"}"#);
    assert!(!env.is_encrypted());
}

#[test]
fn a_plain_object_is_signed_as_posted_with_its_spacing() {
    let env = parse("{\"response\": { \"b\":1,  \"a\":2 } ,\"sign\":\"c2ln\"}").unwrap();
    assert_eq!(&*env.signed_content(), br#"{ "b":1,  "a":2 }"#);
}

#[test]
fn shape_errors_are_malformed_envelope() {
    for body in [
        "",
        "[]",
        "{}",
        "not json",
        "{\"response\":\"QUJD\",\"sign\":\"c2ln\"} trailing",
        "\u{feff}{\"response\":\"QUJD\",\"sign\":\"c2ln\"}",
        r#"{"response":12345,"sign":"c2ln"}"#,
        r#"{"response":"","sign":"c2ln"}"#,
        r#"{"response":"QUJD","sign":5}"#,
        r#"{"response":"QUJD","sign":"c2ln","sign_type":2}"#,
        r#"{"response":"QUJD","response":"QUJD","sign":"c2ln"}"#,
    ] {
        assert_eq!(parse(body).unwrap_err().kind(), "malformed_envelope", "{body:?}");
    }
}

#[test]
fn missing_sign_is_an_error_unless_allowed() {
    let body = r#"{"response":"QUJD","sign":""}"#;
    assert_eq!(parse(body).unwrap_err().kind(), "missing_signature");
    let env = Envelope::parse(body, &ParseOptions::default().allow_unsigned(true)).unwrap();
    assert!(!env.is_signed());
    assert_eq!(env.decode_signature().unwrap(), None);
}

#[test]
fn size_limit_is_configurable() {
    let body = r#"{"response":"QUJD","sign":"c2ln"}"#;
    let err = Envelope::parse(body, &ParseOptions::default().max_envelope_bytes(10)).unwrap_err();
    assert_eq!(err.kind(), "payload_too_large");
    assert!(Envelope::parse(body, &ParseOptions::default().max_envelope_bytes(body.len())).is_ok());
}

#[test]
fn base64_is_strict() {
    for sign in ["c2l n", "c2ln\\n", "c2l-", "c2ln="] {
        let body = format!(r#"{{"response":"QUJD","sign":"{sign}"}}"#);
        assert_eq!(
            parse(&body).unwrap().decode_signature().unwrap_err().kind(),
            "bad_base64",
            "{sign}"
        );
    }
    let env = parse(r#"{"response":"QU JD","sign":"c2ln"}"#).unwrap();
    assert_eq!(env.decode_ciphertext().unwrap_err().kind(), "bad_base64");
}

/// What `parse` made of a body, public view: content, alternative signed bytes, signature
/// and types.
type View<'a> = (
    Content<'a>,
    Option<Vec<u8>>,
    Shape,
    Option<String>,
    SignType,
    EncryptType,
    Charset,
);

fn view<'a>(env: &Envelope<'a>) -> View<'a> {
    (
        env.content().clone(),
        env.raw_signed_content().map(<[u8]>::to_vec),
        env.shape(),
        env.sign.as_deref().map(str::to_owned),
        env.sign_type(),
        env.encrypt_type(),
        env.charset(),
    )
}

#[test]
fn canonical_bodies_and_their_near_misses_read_as_pinned() {
    // Alipay's canonical flat object, its variants and near misses; pinned from what the
    // removed fast path and the serde path agreed on, so the removal changed no outcome.
    let ok = |content, raw: Option<&str>, sign: &str| {
        Ok((
            content,
            raw.map(|r| r.as_bytes().to_vec()),
            Shape::Envelope,
            Some(sign.to_owned()),
            SignType::Rsa2,
            EncryptType::Aes,
            Charset::Utf8,
        ))
    };
    let encrypted = |s| Content::Encrypted(Cow::Borrowed(s));
    let plain = |s| Content::PlainString(Cow::Borrowed(s));
    let err = |m: &str| Err(m.to_owned());
    let not_json = |column: u32| {
        err(&format!(
            "malformed envelope: the envelope is not valid JSON (line 1, column {column})"
        ))
    };
    let cases: [(&str, Result<View<'static>, String>); 19] = [
        (
            r#"{"response":"QUJD","sign":"c2ln","sign_type":"RSA2","encrypt_type":"AES","charset":"UTF-8"}"#,
            ok(encrypted("QUJD"), None, "c2ln"),
        ),
        (
            " {\n\"sign\" : \"c2ln\" ,\t\"response\":\"{x}\"} ",
            ok(plain("{x}"), None, "c2ln"),
        ),
        (
            r#"{"response":"","sign":"c2ln"}"#,
            err("malformed envelope: `response` is empty"),
        ),
        (r#"{"sign":"c2ln"}"#, err("malformed envelope: `response` is missing")),
        (r#"{}"#, err("malformed envelope: `response` is missing")),
        (
            r#"{"response":"QUJD","sign":"","sign_type":"dsa"}"#,
            err("the envelope has no signature (`sign` is absent or empty)"),
        ),
        (
            r#"{"response":"QUJD","sign":"c2ln","charset":"latin1"}"#,
            err(r#"malformed envelope: charset "latin1" is not supported (UTF-8, GBK, GB2312, GB18030)"#),
        ),
        (
            r#"{"response":"QUJD","response":"QUJD","sign":"c2ln"}"#,
            err("malformed envelope: the envelope is not a JSON object of the expected shape"),
        ),
        (r#"{"response":"QUJD","sign":"c2ln"} x"#, not_json(35)),
        (r#"{"response":"QUJD","sign":"c2ln",}"#, not_json(34)),
        (r#"{"response":"QUJD" "sign":"c2ln"}"#, not_json(20)),
        (
            r#"{"response":"ab/cd==","sign":"c2ln"}"#,
            ok(encrypted("ab/cd=="), None, "c2ln"),
        ),
        // Escapes: the raw text is the other signed bytes to try.
        (
            r#"{"response":"ab\/cd==","sign":"c2ln"}"#,
            ok(encrypted("ab/cd=="), Some(r#""ab\/cd==""#), "c2ln"),
        ),
        (
            r#"{"response":"ab\u0041cd==","sign":"c2\/ln"}"#,
            ok(encrypted("abAcd=="), Some(r#""ab\u0041cd==""#), "c2/ln"),
        ),
        (
            r#"{"response":"{\"code\":\"10000\"}","sign":"c2ln"}"#,
            ok(plain(r#"{"code":"10000"}"#), None, "c2ln"),
        ),
        (
            r#"{"response":{"code":"10000","x":"a\/b"},"sign":"c2ln"}"#,
            ok(
                Content::PlainObject(Cow::Borrowed(r#"{"code":"10000","x":"a\/b"}"#)),
                None,
                "c2ln",
            ),
        ),
        (
            "{\"response\":\"a\\/b\",\"sign\":\"c2ln\"}",
            ok(encrypted("a/b"), Some(r#""a\/b""#), "c2ln"),
        ),
        // A raw control character is not JSON.
        ("{\"response\":\"a\u{1}b\",\"sign\":\"c2ln\"}", not_json(14)),
        // Unknown fields are ignored.
        (
            r#"{"response":"QUJD","sign":"c2ln","extra":"x"}"#,
            ok(encrypted("QUJD"), None, "c2ln"),
        ),
    ];
    for (body, want) in cases {
        let got = parse(body);
        assert_eq!(got.as_ref().map(view).map_err(ToString::to_string), want, "{body}");
    }
}

#[test]
fn an_escaped_slash_offers_the_raw_text_as_the_other_signed_bytes() {
    let body = r#"{"response":"ab\/cd==","sign":"c2ln"}"#;
    let env = parse(body).unwrap();
    assert_eq!(env.content(), &Content::Encrypted(Cow::Borrowed("ab/cd==")));
    assert_eq!(&*env.signed_content(), br#""ab/cd==""#);
    let raw = env.raw_signed_content().unwrap();
    assert_eq!(raw, br#""ab\/cd==""#);
    // Borrowed from the posted text, not copied.
    assert!(body.as_bytes().as_ptr_range().contains(&raw.as_ptr()));
    // The same content without the escape: nothing else to try.
    let plain = r#"{"response":"ab/cd==","sign":"c2ln"}"#;
    let env = parse(plain).unwrap();
    assert_eq!(&*env.signed_content(), br#""ab/cd==""#);
    assert_eq!(env.raw_signed_content(), None);
}

#[test]
fn a_unicode_escape_offers_the_raw_text_as_the_other_signed_bytes() {
    let env = parse(r#"{"response":"ab\u0041cd\u003d=","sign":"c2ln"}"#).unwrap();
    assert_eq!(&*env.signed_content(), br#""abAcd==""#);
    assert_eq!(env.raw_signed_content(), Some(&br#""ab\u0041cd\u003d=""#[..]));
    // Spacing around the value is not part of it.
    let env = parse("{ \"response\" :  \"a\\/b=\" , \"sign\":\"c2ln\"}").unwrap();
    assert_eq!(env.raw_signed_content(), Some(&b"\"a\\/b=\""[..]));
}

#[test]
fn without_an_escape_or_with_plain_content_there_is_no_other_form() {
    for body in [
        r#"{"response":"QUJD","sign":"c2ln"}"#,
        " {\"sign\" : \"c2\\/ln\" , \"response\" : \"QUJD\" } ",
        r#"{"response":"QUJD","sign":"c2ln","sign_type":"RSA\u0032"}"#,
        r#"{"response":"{\"code\":\"10000\",\"x\":\"a\/b\"}","sign":"c2ln"}"#,
        r#"{"response":"\u007b\"code\":\"10000\"}","sign":"c2ln"}"#,
        r#"{"response":{"code":"10000","x":"a\/b"},"sign":"c2ln"}"#,
    ] {
        assert_eq!(parse(body).unwrap().raw_signed_content(), None, "{body}");
    }
}

#[test]
fn debug_shows_no_content() {
    let env = parse(r#"{"response":"U0VDUkVUU0VDUkVU","sign":"c2ln"}"#).unwrap();
    let dbg = format!("{env:?}");
    assert!(!dbg.contains("U0VDUkVU"), "{dbg}");
    assert!(dbg.contains("Encrypted(16 bytes)"));
}

#[test]
fn defaults_and_builders_set_exact_limits() {
    assert_eq!(DEFAULT_MAX_ENVELOPE_BYTES, 65_536);
    assert_eq!(DEFAULT_MAX_CONTENT_BYTES, 32_768);
    let limits = |o: &ParseOptions| {
        (
            o.max_envelope_bytes,
            o.max_ciphertext_bytes,
            o.max_plaintext_bytes,
            o.max_json_depth,
            o.allow_unsigned,
        )
    };
    assert_eq!(limits(&ParseOptions::default()), (65_536, 32_768, 32_768, 16, false));
    let opts = ParseOptions::default()
        .max_envelope_bytes(1)
        .max_ciphertext_bytes(2)
        .max_plaintext_bytes(3)
        .max_json_depth(4)
        .allow_unsigned(true);
    assert_eq!(limits(&opts), (1, 2, 3, 4, true));
}

#[test]
fn both_entry_points_take_exactly_the_limit_and_refuse_one_byte_more() {
    let body = r#"{"response":"QUJD","sign":"c2ln"}"#;
    let at = ParseOptions::default().max_envelope_bytes(body.len());
    assert_eq!(
        Envelope::parse(body, &at).unwrap().decode_ciphertext().unwrap(),
        Some(b"ABC".to_vec())
    );
    assert_eq!(
        Envelope::parse_bytes(body.as_bytes(), &at)
            .unwrap()
            .decode_ciphertext()
            .unwrap(),
        Some(b"ABC".to_vec())
    );
    let under = ParseOptions::default().max_envelope_bytes(body.len() - 1);
    for err in [
        Envelope::parse(body, &under).unwrap_err(),
        Envelope::parse_bytes(body.as_bytes(), &under).unwrap_err(),
    ] {
        assert!(
            matches!(err, Error::PayloadTooLarge { size, limit } if size == body.len() && limit == body.len() - 1),
            "{err:?}"
        );
    }
    // Bytes over the limit are refused before they are read as UTF-8.
    let not_utf8 = [0xff_u8; 40];
    let err = Envelope::parse_bytes(&not_utf8, &ParseOptions::default().max_envelope_bytes(39)).unwrap_err();
    assert!(matches!(err, Error::PayloadTooLarge { size: 40, limit: 39 }), "{err:?}");
    let err = Envelope::parse_bytes(&not_utf8, &ParseOptions::default().max_envelope_bytes(40)).unwrap_err();
    assert_eq!(err.to_string(), "malformed envelope: the envelope is not UTF-8 text");
}

#[test]
fn accessors_report_what_was_posted() {
    let env = parse(r#"{"response":"QUJD","sign":"c2ln","sign_type":"RSA","encrypt_type":"AES_V2","charset":"GBK"}"#)
        .unwrap();
    assert!(env.is_encrypted());
    assert!(env.is_signed());
    assert_eq!(
        (env.sign_type(), env.encrypt_type(), env.charset()),
        (SignType::Rsa, EncryptType::AesV2, Charset::Gbk)
    );
    assert_eq!(env.content(), &Content::Encrypted(Cow::Borrowed("QUJD")));
    assert_eq!(env.plain_text(), None);
    assert_eq!(env.decode_signature().unwrap(), Some(b"sig".to_vec()));
    assert_eq!(env.decode_ciphertext().unwrap(), Some(b"ABC".to_vec()));
    assert_eq!(&*env.signed_content(), br#""QUJD""#);
    assert_eq!(env.options(), &ParseOptions::default());

    let opts = ParseOptions::default().allow_unsigned(true).max_json_depth(5);
    let env = Envelope::parse(
        r#"{"response":{"code":"10000"},"sign_type":"SM2","encrypt_type":"SM4"}"#,
        &opts,
    )
    .unwrap();
    assert!(!env.is_encrypted());
    assert!(!env.is_signed());
    assert_eq!((env.sign_type(), env.encrypt_type()), (SignType::Sm2, EncryptType::Sm4));
    assert_eq!(env.options(), &opts);
    assert_eq!(
        env.content(),
        &Content::PlainObject(Cow::Borrowed(r#"{"code":"10000"}"#))
    );
    assert_eq!(env.plain_text(), Some(r#"{"code":"10000"}"#));
    assert_eq!(env.decode_signature().unwrap(), None);
    assert_eq!(env.decode_ciphertext().unwrap(), None);

    let env = Envelope::parse(r#"{"response":"{\"code\":\"10000\"}","charset":"GB18030"}"#, &opts).unwrap();
    assert_eq!(
        env.content(),
        &Content::PlainString(Cow::Borrowed(r#"{"code":"10000"}"#))
    );
    assert_eq!(env.plain_text(), Some(r#"{"code":"10000"}"#));
    assert_eq!(env.charset(), Charset::Gb18030);
    assert_eq!(env.decode_ciphertext().unwrap(), None);
}

#[test]
fn the_ciphertext_limit_is_exact_in_decoded_bytes() {
    let opts = ParseOptions::default().max_ciphertext_bytes(16);
    let body = |n: usize| format!(r#"{{"response":"{}","sign":"c2ln"}}"#, STANDARD.encode(vec![7_u8; n]));
    // No padding, one `=`, two `=`: each decodes to exactly its length.
    for n in [0, 14, 15, 16] {
        let body = body(n);
        let got = Envelope::parse(&body, &opts).map(|env| env.decode_ciphertext());
        if n == 0 {
            // An empty `response` is not content at all.
            assert_eq!(got.unwrap_err().kind(), "malformed_envelope");
        } else {
            assert_eq!(got.unwrap().unwrap(), Some(vec![7_u8; n]), "{n}");
        }
    }
    for n in [17, 18, 19, 100] {
        let body = body(n);
        let err = Envelope::parse(&body, &opts).unwrap().decode_ciphertext().unwrap_err();
        assert!(
            matches!(err, Error::PayloadTooLarge { size, limit: 16 } if size == n),
            "{n}: {err:?}"
        );
    }
    // Padding alone is not negative length: the decoder refuses it.
    let env = Envelope::parse(r#"{"response":"==","sign":"c2ln"}"#, &opts).unwrap();
    assert_eq!(env.decode_ciphertext().unwrap_err().kind(), "bad_base64");
}

#[test]
fn every_field_of_a_canonical_envelope_is_read() {
    let canonical = r#"{"response":"QUJD","sign":"c2ln","sign_type":"RSA","encrypt_type":"AES_V2","charset":"GBK"}"#;
    let env = parse(canonical).unwrap();
    assert_eq!(
        view(&env),
        (
            Content::Encrypted(Cow::Borrowed("QUJD")),
            None,
            Shape::Envelope,
            Some("c2ln".to_owned()),
            SignType::Rsa,
            EncryptType::AesV2,
            Charset::Gbk,
        )
    );
    assert!(!env.sign_type_is_implied());
    let escaped = parse(r#"{"response":"ab\/cd==","sign":"c2ln"}"#).unwrap();
    assert_eq!(escaped.raw_signed_content(), Some(&br#""ab\/cd==""#[..]));
    assert_eq!(escaped.content(), &Content::Encrypted(Cow::Borrowed("ab/cd==")));
    assert_eq!(parse("[]").unwrap_err().kind(), "malformed_envelope");
    assert_eq!(parse(r#"{"response":"QUJD"}"#).unwrap_err().kind(), "missing_signature");
}
