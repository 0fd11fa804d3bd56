//! `alipay-phone`: decrypt and check Alipay `my.getPhoneNumber` envelopes from the command line.
//!
//! Exit status: 0 success, 1 an error kind of the contract, 2 a usage error.

#![forbid(unsafe_code)]

mod bench;
mod cert_sn;
mod decrypt;
mod doctor;
mod forge;
mod input;
mod keygen;
mod output;
mod verify;

use std::process::ExitCode;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use phone_core::Lang;

/// Decrypt and check Alipay my.getPhoneNumber envelopes.
#[derive(Debug, Parser)]
#[command(name = "alipay-phone", version, about, long_about = None, after_help = "Examples:
  alipay-phone keygen --out dev-keys
  alipay-phone forge --alipay-private-key @dev-keys/alipay_private_key.pem --aes-key @dev-keys/aes_key.txt --mobile 13800138000 > body.json
  alipay-phone decrypt --alipay-public-key @dev-keys/alipay_public_key.txt --aes-key @dev-keys/aes_key.txt body.json
  alipay-phone doctor --alipay-public-key env:ALIPAY_PUBLIC_KEY --aes-key env:ALIPAY_AES_KEY body.json

KEY arguments take the literal text, @PATH for a file, or env:NAME for a variable.
Phone numbers are masked unless --reveal.
Hints and fixes are in Chinese when LC_ALL, LC_MESSAGES or LANG (the first one set) starts
with zh, in English otherwise; --lang zh|en overrides. 提示与修复建议默认跟随系统语言。")]
struct Cli {
    /// The language of hints and fixes, zh or en; default: Chinese when LC_ALL, else
    /// LC_MESSAGES, else LANG starts with zh (empty values skipped), English otherwise.
    // The values are named in the text, not listed by clap: scripts read the one
    // "possible values" line of each command's help as its list of backends.
    #[arg(long, global = true, value_name = "zh|en", value_parser = ["zh", "en"], hide_possible_values = true)]
    lang: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify and decrypt an envelope (the body the mini-program posted) into a phone number.
    Decrypt(decrypt::DecryptArgs),
    /// Write a development key set: an RSA pair standing in for Alipay's, and an AES key.
    Keygen(keygen::KeygenArgs),
    /// Print an envelope built exactly as Alipay builds it (to test your backend end to end).
    Forge(forge::ForgeArgs),
    /// Check a signature over exactly the bytes of FILE, like the official SDKs' rsaCheck.
    Verify(verify::VerifyArgs),
    /// Check a key configuration and, optionally, a captured envelope; explain each problem.
    Doctor(doctor::DoctorArgs),
    /// Print the cert SN of a certificate file (for a root bundle, the root cert SN).
    CertSn(cert_sn::CertSnArgs),
    /// Measure each backend: whole-pipeline payloads per second against its raw RSA verify.
    Bench(bench::BenchArgs),
    /// Serve POST /v1/apps/{app_id}/phone (and /run-data, /open-data) over HTTP for any backend (keys from a keyring, PostgreSQL or the environment).
    #[cfg(feature = "serve")]
    Serve(phone_serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = match &cli.lang {
        Some(name) => name.parse().unwrap_or_default(),
        None => Lang::from_env(),
    };
    match cli.command {
        Command::Decrypt(args) => decrypt::run(args, lang),
        Command::Keygen(args) => keygen::run(args),
        Command::Forge(args) => forge::run(args, lang),
        Command::Verify(args) => verify::run(args, lang),
        Command::Doctor(args) => doctor::run(args, lang),
        Command::Bench(args) => bench::run(args),
        Command::CertSn(args) => cert_sn::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => phone_serve::run(args),
    }
}
