//! The envelope parser and the plaintext parser on arbitrary bytes: typed errors, no panics,
//! and the signed bytes always derivable from what parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phone_core::{Charset, Envelope, ParseOptions, parse_plaintext};

fuzz_target!(|data: &[u8]| {
    let opts = ParseOptions::default().allow_unsigned(true);
    if let Ok(env) = Envelope::parse_bytes(data, &opts) {
        let signed = env.signed_content();
        assert!(!signed.is_empty());
        let _ = env.decode_signature();
        let _ = env.decode_ciphertext();
        let _ = format!("{env:?}");
    }
    for charset in [Charset::Utf8, Charset::Gbk, Charset::Gb18030] {
        if let Err(e) = parse_plaintext(data, charset) {
            let _ = (e.kind(), e.hint(), e.to_string());
        }
    }
});
