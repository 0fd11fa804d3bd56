//! `alipay-phone decrypt`.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use phone_core::{Envelope, Lang, OpenData, RunData, SignType, parse_open_data_with, parse_run_data_with};
use phone_crypto::{AppKeys, Backend};
use serde_json::{Map, Value, json};

use crate::input::{UsageError, backend_names, body, key_text};
use crate::output::{colour, paint, print_error, print_success};

/// Which open data the envelope carries (CONTRACT.md: `--data phone|run|any`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Data {
    /// `my.getPhoneNumber`: the phone number.
    Phone,
    /// `my.getRunData`: the step count and its date.
    Run,
    /// Any other open data: the plaintext object as it is.
    Any,
}

/// Arguments of `decrypt`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  alipay-phone decrypt --alipay-public-key @examples/data/alipay_public_key.txt \\
      --aes-key @examples/data/aes_key.txt examples/data/envelope.json
  curl ... | alipay-phone decrypt --json --alipay-public-key env:ALIPAY_PUBLIC_KEY --aes-key env:ALIPAY_AES_KEY
  alipay-phone decrypt --data run --json ... run-data.json   # my.getRunData: count and count_date

The body may be the envelope (res.response), the button's event detail {encryptedData, sign}
or Alipay's {encryptContent: res.response}; other shapes are refused with a hint that says
what to post instead.

KEY is the literal text (base64 or PEM), @PATH for a file, or env:NAME for a variable.")]
pub struct DecryptArgs {
    /// The Alipay public key (支付宝公钥): base64 SPKI as the console shows it, PEM, PKCS#1 or a certificate.
    #[arg(long, value_name = "KEY")]
    alipay_public_key: String,
    /// The AES content-encryption key (接口内容加密方式), base64.
    #[arg(long, value_name = "KEY")]
    aes_key: String,
    /// The crypto backend.
    #[arg(long, value_parser = backend_names(), default_value = Backend::default().name(),
          long_help = format!("The crypto backend. What each verifies and decrypts:\n{}", phone_crypto::backend_help()))]
    backend: String,
    /// Print the full phone number (the step count, the open data's values) instead of masking it.
    #[arg(long)]
    reveal: bool,
    /// Which open data the envelope carries: phone (my.getPhoneNumber), run (my.getRunData),
    /// any (the plaintext object as it is, after the same checks).
    #[arg(long, value_enum, default_value_t = Data::Phone)]
    data: Data,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Accept an envelope without `sign` (only for consoles set up without signing).
    #[arg(long)]
    allow_unsigned: bool,
    /// Pin the sign types the app accepts (repeat for several): any other is refused, and a
    /// shape that declares none (the button's {encryptedData, sign}) is read as the one pinned
    /// type when exactly one is given (RSA2 otherwise).
    #[arg(long, value_name = "TYPE", value_parser = clap::builder::PossibleValuesParser::new(["RSA", "RSA2", "SM2"]))]
    accept_sign_type: Vec<String>,
    /// The envelope size limit in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = phone_core::DEFAULT_MAX_ENVELOPE_BYTES)]
    max_bytes: usize,
    /// The envelope file; stdin when absent or `-`.
    file: Option<String>,
}

/// Runs `decrypt`: exit 0 on success, 1 on any error kind, 2 on usage errors.
pub fn run(args: DecryptArgs, lang: Lang) -> ExitCode {
    match inputs(&args) {
        Err(UsageError(msg)) => {
            eprintln!("alipay-phone decrypt: {msg}");
            ExitCode::from(2)
        }
        Ok((public, aes, body)) => {
            let backend = Backend::from_name(&args.backend).unwrap_or_default();
            let result = AppKeys::builder()
                .alipay_public_key(&public)
                .and_then(|b| b.aes_key(&aes))
                .map(|b| {
                    b.options(
                        phone_core::ParseOptions::default()
                            .allow_unsigned(args.allow_unsigned)
                            .max_envelope_bytes(args.max_bytes),
                    )
                })
                .and_then(|b| {
                    if args.accept_sign_type.is_empty() {
                        return Ok(b);
                    }
                    let pinned = args
                        .accept_sign_type
                        .iter()
                        .map(|t| SignType::parse(t))
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(b.accept_sign_types(&pinned))
                })
                .and_then(|b| b.build(backend));
            let opened = result.and_then(|keys| {
                // Bytes, so that the size limit comes before the UTF-8 check (the contract's order).
                let env = Envelope::parse_bytes(&body, keys.options())?;
                match args.data {
                    Data::Phone => keys
                        .open_parsed(&env)
                        .map(|o| print_success(&o.response, args.reveal, args.json)),
                    Data::Run => keys
                        .open_parsed_as(&env, parse_run_data_with)
                        .map(|o| print_run(&o.response, args.reveal, args.json)),
                    Data::Any => keys
                        .open_parsed_as(&env, parse_open_data_with::<Map<String, Value>>)
                        .map(|o| print_any(&o.response, args.reveal, args.json)),
                }
            });
            match opened {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    print_error(&e, args.json, lang);
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// `{"status":"ok","code","msg","count","count_date"}`; the count is `"***"` unless `reveal`.
fn print_run(run: &RunData, reveal: bool, as_json: bool) {
    let count = if reveal {
        json!(run.count.reveal())
    } else {
        json!("***")
    };
    if as_json {
        let v = json!({"status": "ok", "code": run.code, "msg": run.msg, "count": count, "count_date": run.count_date.to_string()});
        println!("{v}");
    } else {
        let on = colour(std::io::IsTerminal::is_terminal(&std::io::stdout()));
        let count = if reveal {
            run.count.reveal().to_string()
        } else {
            "***".into()
        };
        println!(
            "{} {count} steps on {} ({} {})",
            paint("32", "ok", on),
            run.count_date,
            run.code,
            run.msg
        );
    }
}

/// `{"status":"ok","code","msg","data"}`; every value of `data` but Alipay's status fields is
/// `"***"` unless `reveal`.
fn print_any(data: &OpenData, reveal: bool, as_json: bool) {
    let shown = if reveal { data.data.clone() } else { data.masked() };
    if as_json {
        println!(
            "{}",
            json!({"status": "ok", "code": data.code, "msg": data.msg, "data": shown})
        );
    } else {
        let on = colour(std::io::IsTerminal::is_terminal(&std::io::stdout()));
        println!(
            "{} {} ({} {})",
            paint("32", "ok", on),
            Value::Object(shown),
            data.code,
            data.msg
        );
    }
}

fn inputs(args: &DecryptArgs) -> Result<(String, String, Vec<u8>), UsageError> {
    Ok((
        key_text(&args.alipay_public_key, "--alipay-public-key")?,
        key_text(&args.aes_key, "--aes-key")?,
        body(args.file.as_deref())?,
    ))
}
