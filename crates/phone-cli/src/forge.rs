//! `alipay-phone forge`: an envelope built exactly as Alipay builds it.

use std::process::ExitCode;

use clap::{ArgGroup, Args};
use phone_core::{AlipayCode, Lang, SignType};
use phone_crypto::{AesKey, RsaPrivateKeyDer, seal_envelope, success_plaintext};
use serde_json::json;

use crate::input::{UsageError, backend, backend_names, key_text};
use crate::output::print_error;

/// Arguments of `forge`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("content").required(true).args(["mobile", "code", "plaintext"])))]
#[command(after_help = "Examples:
  alipay-phone forge --alipay-private-key @dev-keys/alipay_private_key.pem --aes-key @dev-keys/aes_key.txt --mobile 13800138000
  alipay-phone forge ... --code 40003            # fills in msg, subCode and subMsg as Alipay sends them
  alipay-phone forge ... --plaintext '{\"code\":\"10000\",\"msg\":\"Success\",\"mobile\":\"1-6030824628\"}' --unencrypted")]
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

fn plaintext(args: &ForgeArgs) -> String {
    if let Some(p) = &args.plaintext {
        return p.clone();
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
        let signer = provider.prepare_signer(&RsaPrivateKeyDer::parse(&private)?)?;
        let cipher = match (&aes, args.unencrypted) {
            (Some(k), false) => {
                Some(provider.prepare_encryptor(phone_crypto::ContentAlgorithm::AesCbc, &AesKey::parse(k)?)?)
            }
            _ => None,
        };
        seal_envelope(&plaintext(&args), &*signer, cipher.as_deref(), sign_type)
    })();
    match result {
        Ok(envelope) => {
            println!("{envelope}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            print_error(&e, args.json, lang);
            ExitCode::from(1)
        }
    }
}
