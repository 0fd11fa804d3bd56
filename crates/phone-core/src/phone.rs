//! The phone number, masked unless the caller explicitly reveals it.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// A phone number from Alipay: 11 digits for mainland China, `CC-number` (e.g.
/// `1-1234432112`) for overseas users.
///
/// `Display` and `Debug` mask it (`138****8000`) so it cannot leak into logs by accident;
/// [`PhoneNumber::reveal`] is the one explicit way to get the full number. The digits are
/// zeroized when the value is dropped.
///
/// ```
/// use phone_core::PhoneNumber;
/// let p = PhoneNumber::parse("13800138000").unwrap();
/// assert_eq!(p.to_string(), "138****8000");
/// assert_eq!(format!("{p:?}"), "PhoneNumber(138****8000)");
/// assert_eq!(p.reveal(), "13800138000");
///
/// let overseas = PhoneNumber::parse("1-6030824628").unwrap();
/// assert_eq!(overseas.country_code(), Some("1"));
/// assert_eq!(overseas.to_string(), "1-603***4628");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Zeroize, ZeroizeOnDrop)]
pub struct PhoneNumber {
    full: String,
    /// Byte offset of the national number in `full` (after `CC-`), 0 without a country code.
    national_at: usize,
}

impl PhoneNumber {
    /// Parses Alipay's `mobile`: digits, optionally `CC-` in front (1 to 4 digits) or a leading
    /// `+`. Returns `None` for anything else; the caller decides how to report it.
    pub fn parse(mobile: &str) -> Option<Self> {
        let body = mobile.strip_prefix('+').unwrap_or(mobile);
        let (cc, national) = match body.split_once('-') {
            Some((cc, n)) => (Some(cc), n),
            None => (None, body),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if let Some(cc) = cc
            && (!digits(cc) || cc.len() > 4)
        {
            return None;
        }
        if !digits(national) || !(3..=17).contains(&national.len()) {
            return None;
        }
        Some(Self {
            national_at: mobile.len() - national.len(),
            full: mobile.to_owned(),
        })
    }

    /// The full number exactly as Alipay sent it. Every call site is a place where personal
    /// data leaves the masked world: keep them few.
    pub fn reveal(&self) -> &str {
        &self.full
    }

    /// The country code of an overseas number (`1` in `1-1234432112`).
    pub fn country_code(&self) -> Option<&str> {
        if self.national_at == 0 {
            return None;
        }
        Some(self.full[..self.national_at - 1].trim_start_matches('+'))
    }

    /// Whether the number is a mainland China number (no country code).
    pub fn is_mainland(&self) -> bool {
        self.national_at == 0
    }

    /// The masked form that `Display` prints.
    pub fn masked(&self) -> String {
        let mut out = String::with_capacity(self.full.len());
        out.push_str(&self.full[..self.national_at]);
        out.push_str(&mask_digits(&self.full[self.national_at..]));
        out
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

fn mask_digits(n: &str) -> String {
    let len = n.chars().count();
    let (head, tail) = match len {
        9.. => (3, 4),
        5..=8 => (2, 2),
        _ => (0, 0),
    };
    n.chars()
        .enumerate()
        .map(|(i, c)| if i < head || i >= len - tail { c } else { '*' })
        .collect()
}

/// Masks any phone-like text for logs: keeps a country-code prefix, the first three and the
/// last four digits of a long number, and stars the rest. Text that is not a phone number is
/// masked whole.
///
/// ```
/// assert_eq!(phone_core::mask_phone("13800138000"), "138****8000");
/// assert_eq!(phone_core::mask_phone("1-6030824628"), "1-603***4628");
/// assert_eq!(phone_core::mask_phone("not a number"), "************");
/// ```
pub fn mask_phone(text: &str) -> String {
    match PhoneNumber::parse(text) {
        Some(p) => p.masked(),
        None => "*".repeat(text.chars().count()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_by_length_and_never_shows_the_middle() {
        assert_eq!(mask_phone("1597671905"), "159***1905");
        assert_eq!(mask_phone("12345678"), "12****78");
        assert_eq!(mask_phone("1234"), "****");
        assert_eq!(mask_phone("+86-13800138000"), "+86-138****8000");
        let p = PhoneNumber::parse("+86-13800138000").unwrap();
        assert_eq!(p.country_code(), Some("86"));
        assert!(!p.is_mainland());
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        for bad in [
            "",
            "-",
            "1-",
            "-123",
            "12a45678901",
            "12345-1-2",
            "99999-1234567",
            "1 3800138000",
        ] {
            assert!(PhoneNumber::parse(bad).is_none(), "{bad:?}");
        }
    }
}
