//! `my.getRunData`'s plaintext (`spec/PROTOCOL.md` section 5):
//! `{"count":16880,"countDate":"2018-12-19","code":"10000","msg":"Success"}`.

use std::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::Error;
use crate::plaintext::{decoded, success_status, text};
use crate::types::Charset;

/// A step count: personal (health-related) data under PIPL. `Debug` and `Display` print
/// `***`; [`StepCount::reveal`] is the one explicit way to read it.
///
/// ```
/// use phone_core::StepCount;
/// let steps = StepCount::new(16880);
/// assert_eq!(steps.to_string(), "***");
/// assert_eq!(format!("{steps:?}"), "StepCount(***)");
/// assert_eq!(steps.reveal(), 16880);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StepCount(u64);

impl StepCount {
    /// Wraps a count.
    pub fn new(count: u64) -> Self {
        Self(count)
    }

    /// The count itself. Every call site is a place where personal data leaves the masked
    /// world: keep them few.
    pub fn reveal(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for StepCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StepCount(***)")
    }
}

impl fmt::Display for StepCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A calendar date as `my.getRunData` writes it (`yyyy-mm-dd`), checked to exist.
///
/// ```
/// use phone_core::CountDate;
/// let d = CountDate::parse("2024-02-29").unwrap();
/// assert_eq!((d.year(), d.month(), d.day()), (2024, 2, 29));
/// assert_eq!(d.to_string(), "2024-02-29");
/// assert!(CountDate::parse("2023-02-29").is_none());
/// assert!(CountDate::parse("2023-2-28").is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountDate {
    year: u16,
    month: u8,
    day: u8,
}

impl CountDate {
    /// Parses exactly `yyyy-mm-dd` (ten characters, a real date of the Gregorian calendar);
    /// `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u16> {
            let digits = &b[range];
            digits
                .iter()
                .all(u8::is_ascii_digit)
                .then(|| digits.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0')))
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if year == 0 || day == 0 || day > days {
            return None;
        }
        Some(Self {
            year,
            month: u8::try_from(month).ok()?,
            day: u8::try_from(day).ok()?,
        })
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u8 {
        self.day
    }
}

impl fmt::Display for CountDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A successful `my.getRunData` answer: the step count of one day.
///
/// `Debug` and `Display` never show the count.
///
/// ```
/// use phone_core::{Charset, parse_run_data};
/// let run = parse_run_data(br#"{"count":16880,"countDate":"2018-12-19","code":"10000","msg":"Success"}"#, Charset::Utf8)?;
/// assert_eq!(run.count.reveal(), 16880);
/// assert_eq!(run.count_date.to_string(), "2018-12-19");
/// assert_eq!(run.to_string(), "*** steps on 2018-12-19");
/// assert!(!format!("{run:?}").contains("16880"));
/// # Ok::<(), phone_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunData {
    /// Always `10000`.
    pub code: String,
    /// Alipay's `msg`, normally `Success`.
    pub msg: String,
    /// The steps walked that day.
    pub count: StepCount,
    /// The day they were counted (`countDate`).
    pub count_date: CountDate,
}

impl fmt::Display for RunData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} steps on {}", self.count, self.count_date)
    }
}

#[derive(Deserialize)]
struct RawRun<'a> {
    #[serde(borrow)]
    count: Option<&'a RawValue>,
    /// Present in a phone number's plaintext: the envelope was sent to the wrong place.
    #[serde(borrow)]
    mobile: Option<&'a RawValue>,
    #[serde(borrow, rename = "countDate")]
    count_date: Option<&'a RawValue>,
}

/// A count from a JSON integer or a digit string (older documents); no sign, fraction,
/// exponent or other text. The message never echoes the value.
fn count(raw: Option<&RawValue>) -> Result<StepCount, Error> {
    let bad = || Error::MalformedPlaintext("`count` is not a non-negative integer".into());
    let Some(raw) = raw.filter(|r| r.get() != "null") else {
        return Err(Error::MalformedPlaintext("the run data has no `count`".into()));
    };
    let posted = raw.get();
    let digits = if posted.starts_with('"') {
        text(Some(raw), "count")?.ok_or_else(bad)?.into_owned()
    } else {
        posted.to_owned()
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    digits.parse().map(StepCount).map_err(|_| bad())
}

/// Parses `my.getRunData`'s decrypted plaintext under the default limits.
///
/// Code `10000` needs a `count` (a non-negative integer, as a number or a digit string) and a
/// `countDate` (a real `yyyy-mm-dd` date), or it is `malformed_plaintext`; any other code is
/// the typed [`Error::AlipayError`] with its documented fix, as for the phone number.
///
/// ```
/// use phone_core::{Charset, parse_run_data};
/// let older = parse_run_data(br#"{"code":"10000","msg":"Success","count":"8093","countDate":"2026-12-01"}"#, Charset::Utf8)?;
/// assert_eq!(older.count.reveal(), 8093);
/// let err = parse_run_data(br#"{"code":"10000","count":-1,"countDate":"2026-12-01"}"#, Charset::Utf8).unwrap_err();
/// assert_eq!(err.kind(), "malformed_plaintext");
/// let err = parse_run_data(br#"{"code":"40006","msg":"Insufficient Permissions"}"#, Charset::Utf8).unwrap_err();
/// assert_eq!(err.kind(), "alipay_error");
/// # Ok::<(), phone_core::Error>(())
/// ```
pub fn parse_run_data(bytes: &[u8], charset: Charset) -> Result<RunData, Error> {
    parse_run_data_with(bytes, charset, &crate::ParseOptions::default())
}

/// [`parse_run_data`] under explicit limits (size and nesting, as for the phone plaintext).
pub fn parse_run_data_with(bytes: &[u8], charset: Charset, opts: &crate::ParseOptions) -> Result<RunData, Error> {
    let text_form = decoded(bytes, charset, opts)?;
    let (code, msg) = success_status(&text_form)?;
    // `success_status` has read the document as an object: this parse cannot meet new syntax.
    let raw: RawRun<'_> = serde_json::from_str(&text_form)
        .map_err(|e| Error::MalformedPlaintext(crate::json::describe(&e, "the run data")))?;
    if raw.count.is_none() && raw.mobile.is_some() {
        return Err(Error::MalformedPlaintext(
            "the plaintext is a phone number's (my.getPhoneNumber), not run data: open it as the phone".into(),
        ));
    }
    let count = count(raw.count)?;
    let count_date = match text(raw.count_date, "countDate")? {
        Some(d) => CountDate::parse(&d)
            .ok_or_else(|| Error::MalformedPlaintext("`countDate` is not a yyyy-mm-dd date".into()))?,
        None => return Err(Error::MalformedPlaintext("the run data has no `countDate`".into())),
    };
    Ok(RunData {
        code,
        msg,
        count,
        count_date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<RunData, Error> {
        parse_run_data(s.as_bytes(), Charset::Utf8)
    }

    #[test]
    fn counts_from_numbers_and_digit_strings() {
        for (body, want) in [
            (
                r#"{"code":"10000","msg":"Success","count":16880,"countDate":"2018-12-19"}"#,
                16880,
            ),
            (r#"{"code":"10000","count":"16880","countDate":"2018-12-19"}"#, 16880),
            (r#"{"code":"10000","count":0,"countDate":"2018-12-19"}"#, 0),
            (
                r#"{"code":"10000","count":"\u0031\u0032","countDate":"2018-12-19"}"#,
                12,
            ),
        ] {
            let run = parse(body).unwrap();
            assert_eq!(run.count.reveal(), want, "{body}");
            assert_eq!(run.count_date, CountDate::parse("2018-12-19").unwrap());
        }
    }

    #[test]
    fn anything_but_a_non_negative_integer_count_is_malformed_and_never_echoed() {
        for count in [
            "-1",
            "1.5",
            "1e3",
            "\"\"",
            "\"-1\"",
            "\"12a\"",
            "\" 12\"",
            "\"1.0\"",
            "true",
            "[1]",
            "{}",
            "99999999999999999999999",
            "\"99999999999999999999999\"",
        ] {
            let body = format!(r#"{{"code":"10000","count":{count},"countDate":"2018-12-19"}}"#);
            let e = parse(&body).unwrap_err();
            assert_eq!(e.kind(), "malformed_plaintext", "{body}");
            assert_eq!(
                e.to_string(),
                "malformed plaintext: `count` is not a non-negative integer",
                "{body}"
            );
        }
        for body in [
            r#"{"code":"10000","countDate":"2018-12-19"}"#,
            r#"{"code":"10000","count":null,"countDate":"2018-12-19"}"#,
        ] {
            assert_eq!(
                parse(body).unwrap_err().to_string(),
                "malformed plaintext: the run data has no `count`"
            );
        }
    }

    #[test]
    fn the_date_must_exist() {
        for date in [
            "\"2018-02-30\"",
            "\"2019-02-29\"",
            "\"1900-02-29\"",
            "\"2018-13-01\"",
            "\"2018-00-10\"",
            "\"2018-01-00\"",
            "\"0000-01-01\"",
            "\"2018/12/19\"",
            "\"18-12-19\"",
            "\"2018-12-19T00:00:00\"",
            "\"２０１８-12-19\"",
            "20181219",
        ] {
            let body = format!(r#"{{"code":"10000","count":1,"countDate":{date}}}"#);
            assert_eq!(parse(&body).unwrap_err().kind(), "malformed_plaintext", "{body}");
        }
        assert!(CountDate::parse("2000-02-29").is_some());
        assert!(CountDate::parse("2018-12-31").is_some());
        assert!(CountDate::parse("2018-04-31").is_none());
        let e = parse(r#"{"code":"10000","count":1}"#).unwrap_err();
        assert_eq!(e.to_string(), "malformed plaintext: the run data has no `countDate`");
    }

    #[test]
    fn alipay_codes_come_first_and_keep_their_fix() {
        let e =
            parse(r#"{"code":"40006","msg":"Insufficient Permissions","sub_code":"isv.insufficient-isv-permissions"}"#)
                .unwrap_err();
        assert_eq!(
            e.alipay().unwrap().sub_code.as_deref(),
            Some("isv.insufficient-isv-permissions")
        );
        assert!(e.hint().is_some());
        // An error body needs no count.
        let e = parse(r#"{"code":"20000","msg":"Service Currently Unavailable"}"#).unwrap_err();
        assert_eq!(e.http_status(), 503);
        assert_eq!(
            parse(r#"{"count":1,"countDate":"2018-12-19"}"#).unwrap_err().kind(),
            "malformed_plaintext"
        );
        assert_eq!(parse("[]").unwrap_err().kind(), "malformed_plaintext");
        // A phone plaintext is not run data.
        let e = parse(r#"{"code":"10000","msg":"Success","mobile":"13800138000"}"#).unwrap_err();
        assert_eq!(e.kind(), "malformed_plaintext");
        assert!(e.to_string().contains("not run data: open it as the phone"), "{e}");
        assert!(!e.to_string().contains("13800138000"));
    }

    #[test]
    fn limits_apply_as_for_the_phone() {
        let body = br#"{"code":"10000","count":1,"countDate":"2018-12-19","x":[[[[1]]]]}"#;
        let opts = crate::ParseOptions::default().max_json_depth(3);
        assert_eq!(
            parse_run_data_with(body, Charset::Utf8, &opts).unwrap_err().kind(),
            "malformed_plaintext"
        );
        let opts = crate::ParseOptions::default().max_plaintext_bytes(10);
        assert_eq!(
            parse_run_data_with(body, Charset::Utf8, &opts).unwrap_err().kind(),
            "payload_too_large"
        );
        let gbk = crate::ParseOptions::default();
        assert_eq!(parse_run_data_with(body, Charset::Gbk, &gbk).unwrap().count.reveal(), 1);
    }

    #[test]
    fn nothing_shows_the_count() {
        let run = parse(r#"{"code":"10000","msg":"Success","count":48213,"countDate":"2018-12-19"}"#).unwrap();
        for shown in [
            format!("{run:?}"),
            run.to_string(),
            format!("{:?}", run.count),
            run.count.to_string(),
        ] {
            assert!(!shown.contains("48213"), "{shown}");
        }
        assert!(format!("{run:?}").contains("2018"));
    }
}
