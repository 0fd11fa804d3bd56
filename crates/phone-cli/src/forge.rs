//! `alipay-phone forge`: an envelope built exactly as Alipay builds it.

use std::process::ExitCode;

use clap::{ArgGroup, Args};
use phone_core::{AlipayCode, CountDate, Lang, SignType};
use phone_crypto::{ContentKey, RsaPrivateKey, seal_envelope, success_plaintext};
use serde_json::{Map, Value, json};

use crate::input::{UsageError, backend, backend_names, key_text};
use crate::output::print_error;

/// Arguments of `forge`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("content").required(true).args(["mobile", "code", "plaintext", "run_count"])))]
#[command(after_help = "Examples:
  alipay-phone forge --alipay-private-key @dev-keys/alipay_private_key.pem --aes-key @dev-keys/aes_key.txt --mobile 13800138000
  alipay-phone forge ... --code 40003            # fills in msg, subCode and subMsg as Alipay sends them
  alipay-phone forge ... --plaintext '{\"code\":\"10000\",\"msg\":\"Success\",\"mobile\":\"1-6030824628\"}' --unencrypted
  alipay-phone forge ... --run-count 16880 --count-date 2018-12-19     # my.getRunData's answer
  alipay-phone forge ... --mobile 13800138000 --shape event-detail     # the button's event.detail {encryptedData, sign}
  alipay-phone forge ... --run-count 8093 --shape encrypt-content      # {encryptContent: res.response}, Alipay's run data sample

Shapes (--shape): envelope is res.response as my.getPhoneNumber / my.getRunData return it;
event-detail is what <button open-type=\"getAuthorize\" onGetPhoneNumber> hands over (base
library 2.8.0+): it declares no sign type, so it is forged encrypted and RSA2 only;
encrypt-content wraps the envelope's JSON text once. All are cut from the one sealed envelope,
never signed again.")]
pub struct ForgeArgs {
    /// The private key standing in for Alipay's (PKCS#8 or PKCS#1; from `keygen`).
    #[arg(long, value_name = "KEY")]
    alipay_private_key: String,
    /// The AES key (base64); unused with --unencrypted.
    #[arg(long, value_name = "KEY")]
    aes_key: Option<String>,
    /// A success carrying this number.
    #[arg(long, value_name = "N")]
    mobile: Option<String>,
    /// An Alipay error with this code (e.g. 40003); known codes get Alipay's msg, subCode, subMsg.
    #[arg(long, value_name = "C")]
    code: Option<String>,
    /// The sub-code for --code (default: the documented one for the code).
    #[arg(long, value_name = "S", requires = "code")]
    sub_code: Option<String>,
    /// The exact plaintext JSON.
    #[arg(long, value_name = "JSON")]
    plaintext: Option<String>,
    /// A `my.getRunData` success carrying this step count (a non-negative integer).
    #[arg(long, value_name = "N")]
    run_count: Option<u64>,
    /// The day of --run-count, yyyy-mm-dd (default: today, UTC).
    #[arg(long, value_name = "DATE", requires = "run_count", value_parser = count_date)]
    count_date: Option<CountDate>,
    /// Write --run-count as a digit string ("16880"), as older documents show it.
    #[arg(long, requires = "run_count")]
    count_as_string: bool,
    /// The body a front end posts: the envelope, the button's event detail, or the
    /// encryptContent wrapper.
    #[arg(long, default_value = "envelope", value_parser = clap::builder::PossibleValuesParser::new(["envelope", "event-detail", "encrypt-content"]))]
    shape: String,
    /// RSA (SHA1withRSA) or RSA2 (SHA256withRSA).
    #[arg(long, default_value = "RSA2", value_parser = clap::builder::PossibleValuesParser::new(["RSA", "RSA2"]))]
    sign_type: String,
    /// Send the content as plain JSON text instead of encrypting it.
    #[arg(long)]
    unencrypted: bool,
    /// The backend that signs and encrypts.
    #[arg(long, value_parser = backend_names(), default_value = phone_crypto::Backend::default().name())]
    backend: String,
    /// Errors as the contract's JSON (the envelope itself is always JSON).
    #[arg(long)]
    json: bool,
}

fn count_date(text: &str) -> Result<CountDate, String> {
    CountDate::parse(text).ok_or_else(|| format!("{text:?} is not a date of the form yyyy-mm-dd"))
}

/// Today in UTC: the day `my.getRunData` counts by default. The civil-from-days conversion
/// (Howard Hinnant's) keeps a date library out of the CLI for this one default.
fn today_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn plaintext(args: &ForgeArgs) -> String {
    if let Some(p) = &args.plaintext {
        return p.clone();
    }
    if let Some(n) = args.run_count {
        let count: Value = if args.count_as_string {
            n.to_string().into()
        } else {
            n.into()
        };
        let date = args.count_date.map_or_else(today_utc, |d| d.to_string());
        return json!({"count": count, "countDate": date, "code": "10000", "msg": "Success"}).to_string();
    }
    if let Some(m) = &args.mobile {
        return success_plaintext(m);
    }
    let code = args.code.as_deref().unwrap_or("40003");
    let known = AlipayCode::lookup(code, args.sub_code.as_deref());
    let msg = known.map_or("Business Failed", |c| c.msg);
    let sub_code = args.sub_code.as_deref().or(known.and_then(|c| c.sub_code));
    let sub_msg = known.and_then(|c| c.sub_msg);
    let mut v = json!({"code": code, "msg": msg});
    if let Some(sc) = sub_code {
        v["subCode"] = sc.into();
    }
    if let Some(sm) = sub_msg {
        v["subMsg"] = sm.into();
    }
    v.to_string()
}

/// Runs `forge`: prints one envelope; exit 1 when a key is unusable, 2 on usage errors.
pub fn run(args: ForgeArgs, lang: Lang) -> ExitCode {
    let keys = (|| -> Result<(String, Option<String>), UsageError> {
        let aes = match (&args.aes_key, args.unencrypted) {
            (Some(k), _) => Some(key_text(k, "--aes-key")?),
            (None, true) => None,
            (None, false) => return Err(UsageError("--aes-key is required unless --unencrypted".into())),
        };
        Ok((key_text(&args.alipay_private_key, "--alipay-private-key")?, aes))
    })();
    let shape_refused = match (args.shape.as_str(), args.unencrypted, args.sign_type.as_str()) {
        // The button's detail has no field to say plain content or another sign type: what
        // it carries is always a ciphertext, read as RSA2 unless the app pins its one type.
        ("event-detail", true, _) => {
            Some("--shape event-detail carries a ciphertext (encryptedData): drop --unencrypted")
        }
        ("event-detail", _, "RSA") => {
            Some("--shape event-detail declares no sign type, so it is read as RSA2: drop --sign-type RSA")
        }
        _ => None,
    };
    // clap lets `requires` pass when the required flag conflicts with one given (they share
    // the `content` group), so `--mobile N --count-date D` would slip through: checked here.
    let orphan = [
        (
            args.count_date.is_some() && args.run_count.is_none(),
            "--count-date needs --run-count",
        ),
        (
            args.count_as_string && args.run_count.is_none(),
            "--count-as-string needs --run-count",
        ),
        (
            args.sub_code.is_some() && args.code.is_none(),
            "--sub-code needs --code",
        ),
    ]
    .into_iter()
    .find_map(|(bad, msg)| bad.then_some(msg));
    let keys = keys.and_then(|k| match shape_refused.or(orphan) {
        Some(msg) => Err(UsageError(msg.into())),
        None => Ok(k),
    });
    let (private, aes) = match keys {
        Ok(k) => k,
        Err(UsageError(msg)) => {
            eprintln!("alipay-phone forge: {msg}");
            return ExitCode::from(2);
        }
    };
    let provider = backend(&args.backend).alipay_side();
    let sign_type = if args.sign_type == "RSA" {
        SignType::Rsa
    } else {
        SignType::Rsa2
    };
    let result = (|| {
        let signer = provider.prepare_signer(&RsaPrivateKey::parse(&private)?)?;
        let cipher = match (&aes, args.unencrypted) {
            (Some(k), false) => {
                Some(provider.prepare_encryptor(phone_crypto::ContentAlgorithm::AesCbc, &ContentKey::parse(k)?)?)
            }
            _ => None,
        };
        seal_envelope(&plaintext(&args), &*signer, cipher.as_deref(), sign_type)
    })();
    match result.and_then(|envelope| reshape(&envelope, &args.shape)) {
        Ok(body) => {
            println!("{body}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            print_error(&e, args.json, lang);
            ExitCode::from(1)
        }
    }
}

/// The body in `shape`, cut from the sealed envelope's own fields: the signature stays the
/// one made over the envelope's content, as Alipay's base library hands it on.
fn reshape(envelope: &str, shape: &str) -> Result<String, phone_core::Error> {
    match shape {
        "event-detail" => {
            let fields: Map<String, Value> = serde_json::from_str(envelope)
                .map_err(|_| phone_core::Error::EncryptFailed("the sealed envelope is not JSON"))?;
            let detail = json!({
                "encryptedData": fields.get("response").cloned().unwrap_or(Value::Null),
                "sign": fields.get("sign").cloned().unwrap_or(Value::Null),
            });
            Ok(detail.to_string())
        }
        "encrypt-content" => Ok(json!({ "encryptContent": envelope }).to_string()),
        _ => Ok(envelope.to_owned()),
    }
}
