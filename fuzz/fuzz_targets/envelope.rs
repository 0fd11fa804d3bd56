//! The envelope parser (every shape of PROTOCOL.md 0.4) and the plaintext parsers (phone, run
//! data, any open data) on arbitrary bytes: typed errors, no panics, and the signed bytes
//! always derivable from what parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phone_core::{Charset, Envelope, OpenData, ParseOptions, parse_open_data, parse_plaintext, parse_run_data};

fuzz_target!(|data: &[u8]| {
    let opts = ParseOptions::default().allow_unsigned(true);
    if let Ok(env) = Envelope::parse_bytes(data, &opts) {
        let signed = env.signed_content();
        assert!(!signed.is_empty());
        let _ = env.decode_signature();
        let _ = env.decode_ciphertext();
        let _ = format!("{env:?}");
        let _ = env.shape();
    } else if let Err(e) = Envelope::parse_bytes(data, &opts) {
        // A refused shape always names its mistake and a fix.
        if let Some(m) = e.mistake() {
            assert_eq!(e.kind(), "malformed_envelope");
            assert!(!m.check_id().is_empty() && e.hint().is_some());
        }
    }
    for charset in [Charset::Utf8, Charset::Gbk, Charset::Gb18030] {
        if let Err(e) = parse_plaintext(data, charset) {
            let _ = (e.kind(), e.hint(), e.to_string());
        }
        match parse_run_data(data, charset) {
            // The count is personal data: Debug shows it masked.
            Ok(run) => assert!(format!("{run:?}").contains("StepCount(***)")),
            Err(e) => {
                let _ = (e.kind(), e.hint(), e.to_string());
            }
        }
        if let Ok(any) = parse_open_data::<serde_json::Map<String, serde_json::Value>>(data, charset) {
            let _: OpenData = any;
        }
    }
});
