//! The shapes front ends post (PROTOCOL.md 0.4): each accepted one read exactly as the envelope
//! itself, each refused one with its own mistake and hint.
#![allow(clippy::unwrap_used, missing_docs)]

use std::borrow::Cow;

use phone_core::{Content, Envelope, Error, Lang, Mistake, ParseOptions, Shape, SignType};

fn parse(body: &str) -> Result<Envelope<'_>, Error> {
    Envelope::parse(body, &ParseOptions::default())
}

fn mistake(body: &str) -> Mistake {
    let e = parse(body).unwrap_err();
    assert_eq!(e.kind(), "malformed_envelope", "{body}");
    assert_eq!(e.http_status(), 400);
    e.mistake()
        .cloned()
        .unwrap_or_else(|| panic!("no mistake named for {body}: {e}"))
}

const ENVELOPE: &str =
    r#"{"response":"ab\/cd==","sign":"c2ln","sign_type":"RSA2","encrypt_type":"AES","charset":"UTF-8"}"#;

#[test]
fn the_event_detail_is_an_encrypted_response_signed_with_quotes() {
    for body in [
        r#"{"encryptedData":"QUJD","sign":"c2ln"}"#,
        r#"{ "sign" : "c2ln", "encryptedData" : "QUJD" }"#,
    ] {
        let env = parse(body).unwrap();
        assert_eq!(env.shape(), Shape::EventDetail);
        assert_eq!(env.content(), &Content::Encrypted(Cow::Borrowed("QUJD")));
        assert_eq!(&*env.signed_content(), br#""QUJD""#);
        assert_eq!(env.raw_signed_content(), None);
        assert_eq!(env.sign_type(), SignType::Rsa2);
        assert_eq!(env.decode_signature().unwrap(), Some(b"sig".to_vec()));
        assert_eq!(env.decode_ciphertext().unwrap(), Some(b"ABC".to_vec()));
    }
    // The raw-text fallback applies to encryptedData as to response.
    let env = parse(r#"{"encryptedData":"ab\/cd==","sign":"c2ln"}"#).unwrap();
    assert_eq!(&*env.signed_content(), br#""ab/cd==""#);
    assert_eq!(env.raw_signed_content(), Some(&br#""ab\/cd==""#[..]));
}

#[test]
fn the_event_detail_takes_the_apps_one_pinned_sign_type_and_never_overrides_a_declared_one() {
    let opts = ParseOptions::default();
    let detail = r#"{"encryptedData":"QUJD","sign":"c2ln"}"#;
    for (pin, want) in [
        (None, SignType::Rsa2),
        (Some(SignType::Rsa), SignType::Rsa),
        (Some(SignType::Sm2), SignType::Sm2),
    ] {
        assert_eq!(Envelope::parse_pinned(detail, &opts, pin).unwrap().sign_type(), want);
        assert_eq!(
            Envelope::parse_bytes_pinned(detail.as_bytes(), &opts, pin)
                .unwrap()
                .sign_type(),
            want
        );
    }
    let declared = r#"{"encryptedData":"QUJD","sign":"c2ln","sign_type":"RSA2"}"#;
    assert_eq!(
        Envelope::parse_pinned(declared, &opts, Some(SignType::Rsa))
            .unwrap()
            .sign_type(),
        SignType::Rsa2
    );
    // The envelope without sign_type keeps the protocol's default: the pin is for the detail.
    let env = Envelope::parse_pinned(r#"{"response":"QUJD","sign":"c2ln"}"#, &opts, Some(SignType::Rsa)).unwrap();
    assert_eq!(env.sign_type(), SignType::Rsa2);
}

#[test]
fn the_event_detail_is_checked_like_the_envelope() {
    assert_eq!(
        parse(r#"{"encryptedData":"QUJD"}"#).unwrap_err().kind(),
        "missing_signature"
    );
    assert_eq!(
        parse(r#"{"encryptedData":"QUJD","sign":""}"#).unwrap_err().kind(),
        "missing_signature"
    );
    for (body, why) in [
        (r#"{"encryptedData":"","sign":"c2ln"}"#, "`encryptedData` is empty"),
        (
            r#"{"encryptedData":5,"sign":"c2ln"}"#,
            "`encryptedData` is not a string",
        ),
        (
            r#"{"encryptedData":{"code":"10000"},"sign":"c2ln"}"#,
            "`encryptedData` is not a string",
        ),
        (
            r#"{"encryptedData":"{\"code\":\"10000\"}","sign":"c2ln"}"#,
            "`encryptedData` is not a base64 ciphertext (it holds JSON)",
        ),
    ] {
        assert_eq!(
            parse(body).unwrap_err().to_string(),
            format!("malformed envelope: {why}"),
            "{body}"
        );
    }
    let env = parse(r#"{"encryptedData":"QU JD","sign":"c2ln"}"#).unwrap();
    let e = env.decode_ciphertext().unwrap_err();
    assert_eq!(e.kind(), "bad_base64");
    // Named as the front end posted it, wrapped or not.
    assert_eq!(e.to_string(), "`encryptedData` is not valid base64");
    let wrapped = format!(
        r#"{{"encryptContent":{}}}"#,
        serde_json::to_string(r#"{"encryptedData":"QU JD","sign":"c2ln","sign_type":"RSA2"}"#).unwrap()
    );
    let e = parse(&wrapped).unwrap().decode_ciphertext().unwrap_err();
    assert_eq!(e.to_string(), "`encryptedData` is not valid base64");
    let e = parse(r#"{"response":"QU JD","sign":"c2ln"}"#)
        .unwrap()
        .decode_ciphertext()
        .unwrap_err();
    assert_eq!(e.to_string(), "`response` is not valid base64");
}

#[test]
fn encrypt_content_opens_one_level_exactly_as_the_inner_text_alone() {
    let alone = parse(ENVELOPE).unwrap();
    let as_string = format!(r#"{{"encryptContent":{}}}"#, serde_json::to_string(ENVELOPE).unwrap());
    let as_object = format!(r#"{{"encryptContent":{ENVELOPE}}}"#);
    for body in [&as_string, &as_object] {
        let env = parse(body).unwrap();
        assert_eq!(env.shape(), Shape::EncryptContent, "{body}");
        assert_eq!(env.content(), alone.content());
        assert_eq!(env.signed_content(), alone.signed_content());
        // The raw-text fallback is the inner text's, `\/` and all.
        assert_eq!(env.raw_signed_content(), Some(&br#""ab\/cd==""#[..]));
        assert_eq!(env.decode_signature().unwrap(), alone.decode_signature().unwrap());
        assert_eq!(
            (env.sign_type(), env.encrypt_type(), env.charset()),
            (alone.sign_type(), alone.encrypt_type(), alone.charset())
        );
    }
    // The wrapped envelope keeps living past the body: it owns what it needs.
    let owned: Envelope<'static> = parse(&as_string).unwrap().into_owned();
    assert_eq!(owned.shape(), Shape::EncryptContent);
    // The wrapper's inner text meets every check of the envelope.
    let unsigned = format!(
        r#"{{"encryptContent":{}}}"#,
        serde_json::to_string(r#"{"response":"QUJD"}"#).unwrap()
    );
    assert_eq!(parse(&unsigned).unwrap_err().kind(), "missing_signature");
    let bad_type = format!(
        r#"{{"encryptContent":{}}}"#,
        serde_json::to_string(r#"{"response":"QUJD","sign":"c2ln","sign_type":"DSA"}"#).unwrap()
    );
    assert_eq!(parse(&bad_type).unwrap_err().kind(), "unsupported_sign_type");
    // A wrapped event detail is the detail, wrapped.
    let detail = format!(
        r#"{{"encryptContent":{}}}"#,
        serde_json::to_string(r#"{"encryptedData":"QUJD","sign":"c2ln"}"#).unwrap()
    );
    let env = Envelope::parse_pinned(&detail, &ParseOptions::default(), Some(SignType::Rsa)).unwrap();
    assert_eq!((env.shape(), env.sign_type()), (Shape::EncryptContent, SignType::Rsa));
}

#[test]
fn encrypt_content_that_is_not_an_envelope_is_refused_in_context() {
    for (body, why) in [
        (r#"{"encryptContent":""}"#, "`encryptContent` is empty"),
        (
            r#"{"encryptContent":7}"#,
            "`encryptContent` is neither a string nor an object",
        ),
        (
            r#"{"encryptContent":"QUJD"}"#,
            "`encryptContent`: the envelope is not valid JSON (line 1, column 1)",
        ),
        (
            r#"{"encryptContent":"{\"sign\":\"c2ln\"}"}"#,
            "`encryptContent`: `response` is missing",
        ),
    ] {
        assert_eq!(
            parse(body).unwrap_err().to_string(),
            format!("malformed envelope: {why}"),
            "{body}"
        );
    }
    // The inner string's nesting counts against the limit as if it had been posted alone.
    let deep = format!(
        r#"{{"encryptContent":{}}}"#,
        serde_json::to_string(&format!(
            r#"{{"response":{{"a":{}1{}}},"sign":"c2ln"}}"#,
            "[".repeat(20),
            "]".repeat(20)
        ))
        .unwrap()
    );
    assert!(
        parse(&deep)
            .unwrap_err()
            .to_string()
            .contains("nested deeper than 16 levels")
    );
    // Two levels are not opened.
    let inner = serde_json::to_string(ENVELOPE).unwrap();
    let twice = format!(
        r#"{{"encryptContent":{}}}"#,
        serde_json::to_string(&format!(r#"{{"encryptContent":{inner}}}"#)).unwrap()
    );
    assert_eq!(mistake(&twice), Mistake::WrappedTwice);
}

#[test]
fn each_front_end_mistake_is_named() {
    let text = serde_json::to_string(ENVELOPE).unwrap();
    let detail_text = serde_json::to_string(r#"{"encryptedData":"QUJD","sign":"c2ln"}"#).unwrap();
    let cases: Vec<(String, Mistake)> = vec![
        (text.clone(), Mistake::EncodedTwice),
        (format!(" {detail_text}\n"), Mistake::EncodedTwice),
        (format!(r#"{{"response":{text}}}"#), Mistake::EnvelopeInResponse),
        (
            format!(r#"{{"response":{text},"sign":"c2ln"}}"#),
            Mistake::EnvelopeInResponse,
        ),
        (format!(r#"{{"response":{ENVELOPE}}}"#), Mistake::EnvelopeInResponse),
        (
            format!(r#"{{"data":{text}}}"#),
            Mistake::WrappedInField { field: "data".into() },
        ),
        (
            format!(r#"{{"body":{ENVELOPE},"n":1}}"#),
            Mistake::WrappedInField { field: "body".into() },
        ),
        (
            format!(r#"{{"res":{detail_text}}}"#),
            Mistake::WrappedInField { field: "res".into() },
        ),
        (
            "response=ab%2Fcd%3D%3D&sign=c2ln&sign_type=RSA2".into(),
            Mistake::FormEncoded,
        ),
        ("encryptedData=QUJD&sign=c2ln".into(), Mistake::FormEncoded),
        (
            r#"{"response":"QUJD","encryptedData":"QUJD","sign":"c2ln"}"#.into(),
            Mistake::Ambiguous {
                first: "response",
                second: "encryptedData",
            },
        ),
        (
            format!(r#"{{"response":"QUJD","sign":"c2ln","encryptContent":{text}}}"#),
            Mistake::Ambiguous {
                first: "response",
                second: "encryptContent",
            },
        ),
        (
            format!(r#"{{"encryptedData":"QUJD","sign":"c2ln","encryptContent":{text}}}"#),
            Mistake::Ambiguous {
                first: "encryptedData",
                second: "encryptContent",
            },
        ),
    ];
    for (body, want) in cases {
        assert_eq!(mistake(&body), want, "{body}");
        let e = parse(&body).unwrap_err();
        assert_eq!(e.hint_in(Lang::En), Some(want.hint_in(Lang::En)));
        assert_eq!(e.hint_in(Lang::Zh), Some(want.hint_in(Lang::Zh)));
        assert_eq!(e.to_string(), format!("malformed envelope: {want}"));
        assert_eq!(e.to_contract_json_in(Lang::Zh)["hint_zh"], want.hint_in(Lang::Zh));
    }
}

#[test]
fn what_only_resembles_a_mistake_keeps_the_plain_message() {
    for (body, want) in [
        (
            r#""just a string""#,
            "malformed envelope: the envelope is not a JSON object of the expected shape",
        ),
        (
            "a=b&c=d",
            "malformed envelope: the envelope is not valid JSON (line 1, column 1)",
        ),
        (r#"{"data":"QUJD"}"#, "malformed envelope: `response` is missing"),
        (
            r#"{"data":{"sign":"c2ln"}}"#,
            "malformed envelope: `response` is missing",
        ),
        ("{}", "malformed envelope: `response` is missing"),
    ] {
        let e = parse(body).unwrap_err();
        assert_eq!(e.to_string(), want, "{body}");
        assert_eq!(e.mistake(), None);
    }
    // A plain string or object whose fields are Alipay's plaintext is content, not a mistake.
    let env = Envelope::parse(
        r#"{"response":{"code":"10000","mobile":"13800138000"},"sign":"c2ln"}"#,
        &ParseOptions::default(),
    )
    .unwrap();
    assert_eq!(env.shape(), Shape::Envelope);
    // A field name is echoed at most 32 characters long.
    let name = "f".repeat(200);
    let body = format!(r#"{{"{name}":{}}}"#, serde_json::to_string(ENVELOPE).unwrap());
    assert_eq!(mistake(&body), Mistake::WrappedInField { field: "f".repeat(32) });
}

#[test]
fn the_envelope_itself_says_so() {
    let env = parse(ENVELOPE).unwrap();
    assert_eq!(env.shape(), Shape::Envelope);
    let canonical = parse(r#"{"response":"QUJD","sign":"c2ln"}"#).unwrap();
    assert_eq!(canonical.shape(), Shape::Envelope);
    assert!(format!("{canonical:?}").contains("shape: Envelope"));
}
