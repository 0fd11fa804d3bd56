//! `alipay-phone decrypt`.

use std::process::ExitCode;

use clap::Args;
use phone_core::Lang;
use phone_crypto::{AppKeys, Backend};

use crate::input::{UsageError, backend_names, body, key_text};
use crate::output::{print_error, print_success};

/// Arguments of `decrypt`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  alipay-phone decrypt --alipay-public-key @examples/data/alipay_public_key.txt \\
      --aes-key @examples/data/aes_key.txt examples/data/envelope.json
  curl ... | alipay-phone decrypt --json --alipay-public-key env:ALIPAY_PUBLIC_KEY --aes-key env:ALIPAY_AES_KEY

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
    /// Print the full phone number instead of the masked one.
    #[arg(long)]
    reveal: bool,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Accept an envelope without `sign` (only for consoles set up without signing).
    #[arg(long)]
    allow_unsigned: bool,
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
                .and_then(|b| b.build(backend))
                .and_then(|keys| keys.open_bytes(&body));
            match result {
                Ok(opened) => {
                    print_success(&opened.response, args.reveal, args.json);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    print_error(&e, args.json, lang);
                    ExitCode::from(1)
                }
            }
        }
    }
}

fn inputs(args: &DecryptArgs) -> Result<(String, String, Vec<u8>), UsageError> {
    Ok((
        key_text(&args.alipay_public_key, "--alipay-public-key")?,
        key_text(&args.aes_key, "--aes-key")?,
        body(args.file.as_deref())?,
    ))
}
