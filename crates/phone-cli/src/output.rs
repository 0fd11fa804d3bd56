//! The contract's output: one JSON object with `--json`, a short line otherwise.

use std::io::IsTerminal;

use phone_core::{Error, Lang, PhoneResponse};
use serde_json::{Value, json};

/// Whether to colour human output: a terminal, and no `NO_COLOR`.
pub fn colour(stream_is_tty: bool) -> bool {
    stream_is_tty && std::env::var_os("NO_COLOR").is_none()
}

/// Wraps `text` in an ANSI colour when `on`.
pub fn paint(code: &str, text: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

/// The success object: `{"status":"ok","code","msg","mobile"}`, masked unless `reveal`.
pub fn success_json(r: &PhoneResponse, reveal: bool) -> Value {
    let mobile = if reveal {
        r.phone.reveal().to_owned()
    } else {
        r.phone.masked()
    };
    json!({"status": "ok", "code": r.code, "msg": r.msg, "mobile": mobile})
}

/// Prints a success.
pub fn print_success(r: &PhoneResponse, reveal: bool, as_json: bool) {
    if as_json {
        println!("{}", success_json(r, reveal));
    } else {
        let on = colour(std::io::stdout().is_terminal());
        let mobile = if reveal {
            r.phone.reveal().to_owned()
        } else {
            r.phone.masked()
        };
        println!("{} {mobile} ({} {})", paint("32", "ok", on), r.code, r.msg);
    }
}

/// The label of a hint line in `lang`.
pub fn hint_label(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "提示",
        _ => "hint",
    }
}

/// Prints a failure (stdout with `--json`, stderr otherwise). The JSON keeps the contract's
/// English `hint` whatever the language, with `hint_zh` beside it, so scripts parse one shape;
/// the human line follows `lang`.
pub fn print_error(e: &Error, as_json: bool, lang: Lang) {
    if as_json {
        println!("{}", e.to_contract_json());
        return;
    }
    let on = colour(std::io::stderr().is_terminal());
    eprintln!("{}: {e}", paint("31", &format!("error[{}]", e.kind()), on));
    if let Some(hint) = e.hint_in(lang) {
        eprintln!("  {}: {hint}", paint("33", hint_label(lang), on));
    }
}
