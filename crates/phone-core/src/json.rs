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

#[cfg(test)]
mod tests {
    use super::depth_exceeds;

    #[test]
    fn depth_counts_only_structure_outside_strings() {
        assert!(!depth_exceeds(br#"{"a":{"b":[1,2]}}"#, 3));
        assert!(depth_exceeds(br#"{"a":{"b":[1,2]}}"#, 2));
        assert!(!depth_exceeds(br#"{"a":"[[[[{{{{\"[["}"#, 1));
    }
}
