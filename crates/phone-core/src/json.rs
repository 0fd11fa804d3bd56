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

/// The offset of the first `"`, `\\` or control character, eight bytes at a time (SWAR: a byte
/// that matches makes its word non-zero after the classic has-zero-byte trick), then exactly:
/// base64 values are long and this runs on every payload.
fn string_end(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let special = |c: u8| c == b'"' || c == b'\\' || c < 0x20;
    let mut at = 0;
    for chunk in s.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let hits = has_zero(x ^ (LO * u64::from(b'"')))
            | has_zero(x ^ (LO * u64::from(b'\\')))
            | (x.wrapping_sub(LO * 0x20) & !x & HI);
        if hits != 0 {
            break;
        }
        at += 8;
    }
    s[at..].iter().position(|&c| special(c)).map(|p| p + at)
}

/// Off only to measure the fast path against serde alone, in one process (feature `fuzzing`):
/// without the feature there is no switch to read.
#[cfg(feature = "fuzzing")]
pub(crate) static FAST_PATH: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// The fast path for Alipay's canonical JSON: one flat object whose keys are all in `names`,
/// each once, with string values free of escapes and control characters. Returns the values
/// by position in `names`. Anything else (escapes, other value types, unknown or repeated
/// keys, trailing text) returns `None` and the caller takes the general serde path, so both
/// accept exactly the same documents; unit tests and the fuzz target compare them.
pub(crate) fn flat_string_object<'a, const N: usize>(body: &'a str, names: &[&str; N]) -> Option<[Option<&'a str>; N]> {
    #[cfg(feature = "fuzzing")]
    if !FAST_PATH.load(std::sync::atomic::Ordering::Relaxed) {
        return None;
    }
    let b = body.as_bytes();
    let mut i = 0;
    let ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
            *i += 1;
        }
    };
    // A string without escapes or control characters; returns its contents.
    let string = |i: &mut usize| -> Option<&str> {
        if b.get(*i) != Some(&b'"') {
            return None;
        }
        let start = *i + 1;
        let len = string_end(&b[start..])?;
        if b[start + len] != b'"' {
            return None;
        }
        *i = start + len + 1;
        body.get(start..start + len)
    };
    let mut fields: [Option<&str>; N] = [None; N];
    ws(&mut i);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    ws(&mut i);
    if b.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            let key = string(&mut i)?;
            let slot = names.iter().position(|&n| n == key)?;
            ws(&mut i);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i += 1;
            ws(&mut i);
            let value = string(&mut i)?;
            if fields[slot].replace(value).is_some() {
                return None;
            }
            ws(&mut i);
            match b.get(i) {
                Some(b',') => {
                    i += 1;
                    ws(&mut i);
                }
                Some(b'}') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    ws(&mut i);
    (i == b.len()).then_some(fields)
}

#[cfg(test)]
mod tests {
    use super::{depth_exceeds, describe, openers, string_end};

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
    fn string_end_finds_the_first_special_byte_anywhere() {
        for len in 0..40 {
            for special in [b'"', b'\\', 0x00, 0x1f] {
                let mut s = vec![b'A'; len];
                s.push(special);
                s.extend_from_slice(b"xx\"");
                assert_eq!(string_end(&s), Some(len), "{len} {special}");
            }
            assert_eq!(string_end(&vec![0x7f; len]), None);
            assert_eq!(string_end(&vec![0x20; len]), None);
        }
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
    fn string_end_matches_a_plain_scan_for_every_byte_at_every_position() {
        // The word-at-a-time prefilter must never miss a special byte, whatever surrounds it:
        // at either end of the first two words and in the tail after them.
        let special = |c: u8| c == b'"' || c == b'\\' || c < 0x20;
        for filler in (0..=255_u8).filter(|&c| !special(c)) {
            for byte in 0..=255_u8 {
                for pos in [0, 1, 6, 7, 8, 9, 15, 16] {
                    let mut s = vec![filler; 20];
                    s[pos] = byte;
                    let want = s.iter().position(|&c| special(c));
                    assert_eq!(string_end(&s), want, "{filler:#x} {byte:#x} at {pos}");
                }
            }
        }
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
