//! `alipay-phone verify`: a signature over exactly the bytes of a file, like `rsaCheck`.

use std::process::ExitCode;

use base64::Engine as _;
use clap::Args;
use phone_core::{Error, Lang, SignType};
use phone_crypto::RsaPublicKey;
use serde_json::json;

use crate::input::{UsageError, backend, backend_names, body, key_text};
use crate::output::{colour, paint};

/// Arguments of `verify`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 the signature is valid, 1 it is not (or the key is unusable), 2 usage errors.

Example (the signed bytes of an encrypted envelope are the base64 content in double quotes):
  printf '\"%s\"' \"$RESPONSE\" | alipay-phone verify --alipay-public-key @alipay_public_key.txt --sign-type RSA2 --sign \"$SIGN\""
)]
pub struct VerifyArgs {
    /// The Alipay public key (any accepted format).
    #[arg(long, value_name = "KEY")]
    alipay_public_key: String,
    /// RSA (SHA1withRSA) or RSA2 (SHA256withRSA).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["RSA", "RSA2"]))]
    sign_type: String,
    /// The signature, base64.
    #[arg(long, value_name = "BASE64", allow_hyphen_values = true)]
    sign: String,
    /// The backend that verifies.
    #[arg(long, value_parser = backend_names(), default_value = phone_crypto::Backend::default().name())]
    backend: String,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// The signed bytes; stdin when absent or `-`.
    file: Option<String>,
}

fn check(args: &VerifyArgs, key: &str, message: &[u8]) -> Result<(), Error> {
    let sign_type = if args.sign_type == "RSA" {
        SignType::Rsa
    } else {
        SignType::Rsa2
    };
    let sig = base64::engine::general_purpose::STANDARD
        .decode(args.sign.trim())
        .map_err(|_| Error::BadBase64 { field: "sign" })?;
    let verifier = backend(&args.backend)
        .crypto_provider()
        .prepare_verifier(&RsaPublicKey::parse(key)?)?;
    verifier.verify(sign_type, message, &sig)
}

/// Runs `verify`.
pub fn run(args: VerifyArgs, lang: Lang) -> ExitCode {
    let inputs = (|| -> Result<(String, Vec<u8>), UsageError> {
        Ok((
            key_text(&args.alipay_public_key, "--alipay-public-key")?,
            body(args.file.as_deref())?,
        ))
    })();
    let (key, message) = match inputs {
        Ok(v) => v,
        Err(UsageError(msg)) => {
            eprintln!("alipay-phone verify: {msg}");
            return ExitCode::from(2);
        }
    };
    let result = check(&args, &key, &message);
    if args.json {
        let v = match &result {
            Ok(()) => json!({"status": "ok", "valid": true, "sign_type": args.sign_type, "bytes": message.len()}),
            Err(e) => {
                let mut v = e.to_contract_json();
                v["valid"] = false.into();
                v
            }
        };
        println!("{v}");
    } else {
        let on = colour(std::io::IsTerminal::is_terminal(&std::io::stdout()));
        match &result {
            Ok(()) => println!(
                "{} {} signature over {} bytes",
                paint("32", "valid", on),
                args.sign_type,
                message.len()
            ),
            Err(e) => {
                println!("{} {e}", paint("31", "invalid", on));
                if let Some(h) = e.hint_in(lang) {
                    println!("  {}: {h}", crate::output::hint_label(lang));
                }
            }
        }
    }
    if result.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
