//! What every JSON reading shares: serde_json errors turned into messages that never echo
//! input (serde's own messages can quote values, a phone number in a type error, so only the
//! category and position survive), and the nesting limit checked before parsing.
//!
//! Reading itself is serde_json's alone. A hand-written scanner for Alipay's canonical flat
//! object once ran first; issue 19 measured it at 0.7-0.8% of the pipeline's instructions (1.2%
//! of its estimated cycles, 0.3-0.7 us of a 30-50 us RSA-2048 payload), under the 2% it had to
//! be worth, and it was removed with its fuzz hooks.

pub(crate) fn describe(err: &serde_json::Error, what: &str) -> String {
    use serde_json::error::Category;
    match err.classify() {
        Category::Eof => format!("{what} is empty or truncated JSON"),
        Category::Syntax => format!(
            "{what} is not valid JSON (line {}, column {})",
            err.line(),
            err.column()
        ),
        Category::Data => format!("{what} is not a JSON object of the expected shape"),
        Category::Io => format!("{what} could not be read"),
    }
}

/// Whether JSON text nests objects and arrays deeper than `max`. A linear scan before parsing,
/// so a hostile body is refused without recursion.
pub(crate) fn depth_exceeds(text: &[u8], max: usize) -> bool {
    // Fast path: with no more openers than the limit, no nesting can exceed it.
    if openers(text) <= max {
        return false;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in text {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Counts `{` and `[` (`[` | 0x20 == `{`, and no other byte maps there). Byte-wide counters
/// over 64-byte chunks let the compiler vectorise it: this runs on every payload.
fn openers(text: &[u8]) -> usize {
    let mut chunks = text.chunks_exact(64);
    let mut n = 0usize;
    for chunk in &mut chunks {
        let mut k = 0u8;
        for &b in chunk {
            k += u8::from((b | 0x20) == b'{');
        }
        n += usize::from(k);
    }
    n + chunks.remainder().iter().filter(|&&b| (b | 0x20) == b'{').count()
}

#[cfg(test)]
mod tests {
    use super::{depth_exceeds, describe, openers};

    #[test]
    fn openers_counts_both_brackets_only() {
        let text = "{[a]}".repeat(40) + "[{}]" + &"x{".repeat(30);
        let want = text.bytes().filter(|&b| b == b'{' || b == b'[').count();
        assert_eq!(openers(text.as_bytes()), want);
        assert_eq!(openers(&[0x5b, 0x7b, 0xfb, 0xdb, 0x3b]), 2);
    }

    #[test]
    fn depth_counts_only_structure_outside_strings() {
        assert!(!depth_exceeds(br#"{"a":{"b":[1,2]}}"#, 3));
        assert!(depth_exceeds(br#"{"a":{"b":[1,2]}}"#, 2));
        assert!(!depth_exceeds(br#"{"a":"[[[[{{{{\"[["}"#, 1));
    }

    #[test]
    fn depth_goes_back_down_after_each_closer() {
        // Four openers, but never more than two open at once.
        assert!(!depth_exceeds(b"[[1],[2],{\"a\":3}]", 2));
        assert!(depth_exceeds(b"[[1],[2],{\"a\":3}]", 1));
        assert!(!depth_exceeds(b"[][][][]", 1));
        assert!(depth_exceeds(b"[][][[]]", 1));
    }

    #[test]
    fn serde_errors_become_messages_without_the_input() {
        let err = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        assert_eq!(
            describe(&err(""), "the envelope"),
            "the envelope is empty or truncated JSON"
        );
        assert_eq!(describe(&err("{\"a\":"), "x"), "x is empty or truncated JSON");
        assert_eq!(
            describe(&err("\n 13800138000x"), "the plaintext"),
            "the plaintext is not valid JSON (line 2, column 13)"
        );
        let data = serde_json::from_str::<Vec<u8>>("[13800138000]").unwrap_err();
        assert_eq!(describe(&data, "y"), "y is not a JSON object of the expected shape");
    }
}
