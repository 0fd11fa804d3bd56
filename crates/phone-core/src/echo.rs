//! What an error may echo of a value from the internet: a leaf, so that every module that
//! refuses a value can name it without depending on the others.

/// Longest value echoed back in an error.
const MAX_ECHO: usize = 32;

/// The first characters of `value`, for an error message.
pub(crate) fn echo(value: &str) -> String {
    value.chars().take(MAX_ECHO).collect()
}
