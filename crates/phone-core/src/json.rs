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
