//! The language of hints: English or Chinese, picked from a locale, an `Accept-Language`
//! header or a flag.

use std::fmt;
use std::str::FromStr;

/// The language a hint is given in. English is the default; Chinese uses the Alipay console's
/// own names (支付宝公钥, 接口内容加密方式, 接口加签方式 ...).
///
/// ```
/// use phone_core::{Error, Lang};
///
/// let lang = Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8");
/// assert_eq!(lang, Lang::Zh);
/// assert!(Error::BadSignature.hint_in(lang).unwrap().contains("支付宝公钥"));
/// assert_eq!(Error::BadSignature.hint_in(Lang::En), Error::BadSignature.hint());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Lang {
    /// English (`en`): what [`crate::Error::hint`] returns.
    #[default]
    En,
    /// Simplified Chinese (`zh`).
    Zh,
}

/// A language name other than `en` or `zh` (see [`Lang::from_str`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language (expected en or zh)")]
pub struct UnknownLang;

/// The locale variables in POSIX order of precedence for messages.
const LOCALE_VARS: [&str; 3] = ["LC_ALL", "LC_MESSAGES", "LANG"];

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// The language tag: `"en"` or `"zh"`.
    ///
    /// ```
    /// assert_eq!(phone_core::Lang::Zh.as_str(), "zh");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Zh => "zh",
        }
    }

    /// The language of one POSIX locale value: Chinese when it starts with `zh` (`zh_CN.UTF-8`,
    /// `zh_TW`, `zh-CN`), English for anything else (`C`, `POSIX`, `en_US.UTF-8`, empty).
    ///
    /// ```
    /// use phone_core::Lang;
    /// assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::Zh);
    /// assert_eq!(Lang::from_locale("C.UTF-8"), Lang::En);
    /// ```
    pub fn from_locale(value: &str) -> Lang {
        let v = value.trim().as_bytes();
        if v.len() >= 2 && v[..2].eq_ignore_ascii_case(b"zh") {
            Self::Zh
        } else {
            Self::En
        }
    }

    /// The language of the locale variables as POSIX reads them for messages: the first of
    /// `LC_ALL`, `LC_MESSAGES` and `LANG` that is set and not empty decides; none gives English.
    /// `var` looks a variable up (see [`Lang::from_env`] for the process environment).
    ///
    /// ```
    /// use phone_core::Lang;
    /// let env = |name: &str| match name {
    ///     "LC_ALL" => Some(String::new()), // empty: skipped
    ///     "LANG" => Some("zh_CN.UTF-8".to_owned()),
    ///     _ => None,
    /// };
    /// assert_eq!(Lang::from_locale_vars(env), Lang::Zh);
    /// ```
    pub fn from_locale_vars(var: impl Fn(&str) -> Option<String>) -> Lang {
        LOCALE_VARS
            .iter()
            .filter_map(|name| var(name))
            .find(|v| !v.is_empty())
            .map_or(Self::En, |v| Self::from_locale(&v))
    }

    /// The language of this process's locale variables ([`Lang::from_locale_vars`]).
    ///
    /// ```
    /// let lang = phone_core::Lang::from_env();
    /// assert!(phone_core::Lang::ALL.contains(&lang));
    /// ```
    pub fn from_env() -> Lang {
        Self::from_locale_vars(|name| std::env::var(name).ok())
    }

    /// The language an HTTP `Accept-Language` header asks for: of the `zh*` and `en*` ranges,
    /// the one with the highest q-value wins (the first listed on a tie); `q=0` means "not
    /// this one". Other languages, `*` and malformed entries are passed over; when nothing
    /// names Chinese or English the answer is English.
    ///
    /// ```
    /// use phone_core::Lang;
    /// assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
    /// assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"), Lang::En);
    /// assert_eq!(Lang::from_accept_language("fr-FR, en;q=0.3, zh-Hans;q=0.7"), Lang::Zh);
    /// assert_eq!(Lang::from_accept_language(""), Lang::En);
    /// ```
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(Lang, u16)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let Some(lang) = Self::of_tag(tag) else { continue };
            let Some(q) = quality(parts) else { continue };
            // Strictly greater: the first listed wins a tie, as a user who lists zh before en
            // at the same weight expects.
            if q > 0 && best.is_none_or(|(_, b)| q > b) {
                best = Some((lang, q));
            }
        }
        best.map_or(Self::En, |(lang, _)| lang)
    }

    /// `zh`, `zh-CN`, `zh_Hans_CN` ... are Chinese; `en`, `en-GB` ... English; anything else
    /// (including `*` and `zhx`) is neither.
    fn of_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("zh") {
            Some(Self::Zh)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Self::En)
        } else {
            None
        }
    }
}

/// The q-value of one `Accept-Language` entry in thousandths (RFC 9110: at most three
/// decimals), 1000 when absent; `None` when malformed, so a broken entry is ignored rather
/// than read as the most wanted.
fn quality<'a>(params: impl Iterator<Item = &'a str>) -> Option<u16> {
    for param in params {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("q") {
            continue;
        }
        let value = value.trim();
        let (int, frac) = value.split_once('.').unwrap_or((value, ""));
        if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let thousandths = match int {
            "0" => frac
                .bytes()
                .chain(std::iter::repeat(b'0'))
                .take(3)
                .fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0')),
            "1" if frac.bytes().all(|b| b == b'0') => 1000,
            _ => return None,
        };
        return Some(thousandths);
    }
    Some(1000)
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lang {
    type Err = UnknownLang;

    /// `en` or `zh`, case-insensitively; a region or script (`zh-CN`, `zh_TW`, `en-US`) is
    /// accepted and ignored.
    ///
    /// ```
    /// use phone_core::Lang;
    /// assert_eq!("zh-CN".parse::<Lang>(), Ok(Lang::Zh));
    /// assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
    /// assert!("fr".parse::<Lang>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::of_tag(s.trim()).ok_or(UnknownLang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_values_parse_to_thousandths() {
        let q = |s: &str| quality(std::iter::once(s));
        assert_eq!(q("q=1"), Some(1000));
        assert_eq!(q("q=1.000"), Some(1000));
        assert_eq!(q(" Q = 0.5"), Some(500));
        assert_eq!(q("q=0.123"), Some(123));
        assert_eq!(q("q=0.05"), Some(50));
        assert_eq!(q("q=0"), Some(0));
        assert_eq!(q("q=0."), Some(0));
        assert_eq!(q("level=1"), Some(1000));
        for bad in ["q=1.5", "q=2", "q=0.1234", "q=-0.5", "q=abc", "q=", "q=.5"] {
            assert_eq!(q(bad), None, "{bad}");
        }
    }
}
