//! `alipay-phone keygen`: a development key set.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use phone_crypto::{Backend, ContentKey};
use serde_json::json;

use crate::input::backend_names;

/// Arguments of `keygen`.
#[derive(Debug, Args)]
#[command(
    after_help = "Writes alipay_private_key.pem (mode 600), alipay_public_key.txt (the console's one-line base64),
alipay_public_key.pem and aes_key.txt (base64). For development and tests only: in production
Alipay holds the private key and the console shows you the public key and the AES key.

Example:
  alipay-phone keygen --out dev-keys --bits 2048"
)]
pub struct KeygenArgs {
    /// The directory to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// RSA modulus size.
    #[arg(long, default_value_t = 2048, value_parser = clap::value_parser!(u16).range(1024..=4096))]
    bits: u16,
    /// AES key size in bytes.
    #[arg(long, default_value = "16", value_parser = clap::builder::PossibleValuesParser::new(["16", "24", "32"]))]
    aes_bytes: String,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
    /// The backend that generates the RSA key (ring cannot; the default is the first that can).
    #[arg(long, value_parser = backend_names())]
    backend: Option<String>,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
}

const FILES: [&str; 4] = [
    "alipay_private_key.pem",
    "alipay_public_key.txt",
    "alipay_public_key.pem",
    "aes_key.txt",
];

fn write(path: &Path, content: &[u8], private: bool, force: bool) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if force {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    #[cfg(unix)]
    if private {
        // An existing file keeps its mode on truncation: tighten it explicitly.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    let _ = private;
    f.write_all(content)
}

/// Runs `keygen`: exit 0 on success, 1 when a key cannot be made, 2 on usage errors.
pub fn run(args: KeygenArgs) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!("alipay-phone keygen: cannot create {}: {e}", args.out.display());
        return ExitCode::from(2);
    }
    if !args.force {
        let existing: Vec<&str> = FILES.iter().copied().filter(|f| args.out.join(f).exists()).collect();
        if !existing.is_empty() {
            eprintln!(
                "alipay-phone keygen: {} already exist in {}; pass --force to overwrite",
                existing.join(", "),
                args.out.display()
            );
            return ExitCode::from(2);
        }
    }
    let backends: Vec<Backend> = match &args.backend {
        Some(name) => vec![crate::input::backend(name)],
        None => Backend::ALL.to_vec(),
    };
    let mut last_err = None;
    let private = backends
        .iter()
        .find_map(|b| match b.alipay_side().generate_rsa_key(args.bits.into()) {
            Ok(k) => Some((k, *b)),
            Err(e) => {
                last_err = Some(e);
                None
            }
        });
    let Some((private, backend)) = private else {
        let e = last_err.map(|e| e.to_string()).unwrap_or_default();
        eprintln!("alipay-phone keygen: {e}");
        return ExitCode::from(1);
    };
    let aes = match ContentKey::generate(args.aes_bytes.parse().unwrap_or(16)) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("alipay-phone keygen: {e}");
            return ExitCode::from(1);
        }
    };
    let public = private.public_key();
    let contents: [(&str, Vec<u8>, bool); 4] = [
        (FILES[0], private.to_pkcs8_pem().as_bytes().to_vec(), true),
        (FILES[1], public.to_spki_base64().into_bytes(), false),
        (FILES[2], public.to_spki_pem().into_bytes(), false),
        (FILES[3], aes.to_base64().into_bytes(), true),
    ];
    for (name, content, private) in &contents {
        if let Err(e) = write(&args.out.join(name), content, *private, args.force) {
            eprintln!(
                "alipay-phone keygen: cannot write {}: {e}",
                args.out.join(name).display()
            );
            return ExitCode::from(2);
        }
    }
    if args.json {
        println!(
            "{}",
            json!({"status": "ok", "dir": args.out.display().to_string(), "bits": args.bits, "aes_bits": aes.len() * 8, "backend": backend.name(), "files": FILES})
        );
    } else {
        println!(
            "wrote RSA-{} and AES-{} development keys to {} (by {backend}):",
            args.bits,
            aes.len() * 8,
            args.out.display()
        );
        for f in FILES {
            println!("  {}", args.out.join(f).display());
        }
    }
    ExitCode::SUCCESS
}
