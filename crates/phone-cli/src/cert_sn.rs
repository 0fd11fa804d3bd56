//! `alipay-phone cert-sn`: the SN of a certificate, or of a root bundle.

use std::process::ExitCode;

use clap::Args;
use phone_crypto::certs::all_cert_infos;
use serde_json::json;

/// Arguments of `cert-sn`.
#[derive(Debug, Args)]
#[command(
    after_help = "A file whose certificates are all self-issued roots (alipayRootCert.crt) gives the root cert SN:
the SNs of its RSA-signed roots joined with '_'. Any other file gives the SN of its first
certificate (app_cert_sn for appCertPublicKey_<appid>.crt, alipay_cert_sn for alipayCertPublicKey_RSA2.crt).

Examples:
  alipay-phone cert-sn alipayRootCert.crt
  alipay-phone cert-sn --json alipayCertPublicKey_RSA2.crt"
)]
pub struct CertSnArgs {
    /// The certificate file (PEM or DER).
    file: String,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `cert-sn`.
pub fn run(args: CertSnArgs) -> ExitCode {
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("alipay-phone cert-sn: cannot read {}: {e}", args.file);
            return ExitCode::from(2);
        }
    };
    let infos = match all_cert_infos(&bytes) {
        Ok(i) => i,
        Err(e) => {
            if args.json {
                println!("{}", e.to_contract_json());
            } else {
                eprintln!("alipay-phone cert-sn: {e}");
            }
            return ExitCode::from(1);
        }
    };
    let parsed: Vec<_> = infos.iter().flatten().collect();
    let is_root_bundle = infos.len() > 1 && parsed.iter().all(|c| c.is_self_issued());
    let (kind, sn, expired) = if is_root_bundle {
        let sns: Vec<&str> = parsed
            .iter()
            .filter(|c| c.is_rsa_signed())
            .map(|c| c.sn.as_str())
            .collect();
        ("root", sns.join("_"), parsed.iter().any(|c| c.expired))
    } else {
        match infos.first() {
            Some(Ok(c)) => ("certificate", c.sn.clone(), c.expired),
            Some(Err(e)) => {
                eprintln!("alipay-phone cert-sn: {e}");
                return ExitCode::from(1);
            }
            None => return ExitCode::from(1),
        }
    };
    if sn.is_empty() {
        eprintln!("alipay-phone cert-sn: no RSA-signed certificate in {}", args.file);
        return ExitCode::from(1);
    }
    if args.json {
        println!(
            "{}",
            json!({"status": "ok", "kind": kind, "sn": sn, "certificates": infos.len(), "expired": expired})
        );
    } else {
        println!("{sn}");
        if expired {
            eprintln!(
                "warning: {} holds an expired certificate (Alipay still uses it to compute the SN)",
                args.file
            );
        }
    }
    ExitCode::SUCCESS
}
