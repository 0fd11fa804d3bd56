//! Turns serde_json errors into messages that never echo input: serde's own messages can quote
//! values (a phone number in a type error), so only the category and position survive.

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
    use super::{depth_exceeds, openers};

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
}
