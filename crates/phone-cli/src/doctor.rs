//! `alipay-phone doctor`: checks a configuration (and optionally a captured envelope) and
//! explains each problem in plain words with its fix.

use std::process::ExitCode;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::Args;
use phone_core::{Envelope, Error, KeyProblem, ParseOptions, SignType};
use phone_crypto::{AesKey, AppKeys, KeyFormat, RsaPrivateKeyDer, RsaPublicKeyDer, SignatureVerifier};
use serde_json::json;

use crate::input::{UsageError, backend, backend_names, key_text};
use crate::output::{colour, paint};

/// Arguments of `doctor`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 when everything checks out, 1 when a check fails, 2 usage errors.

Examples:
  alipay-phone doctor --alipay-public-key @alipay_public_key.txt --aes-key env:ALIPAY_AES_KEY
  alipay-phone doctor --alipay-public-key @alipay_public_key.txt --aes-key @aes_key.txt \\
      --app-private-key @app_private_key.pem captured-body.json"
)]
pub struct DoctorArgs {
    /// The Alipay public key (支付宝公钥) as configured.
    #[arg(long, value_name = "KEY")]
    alipay_public_key: String,
    /// The AES key (接口内容加密方式) as configured.
    #[arg(long, value_name = "KEY")]
    aes_key: String,
    /// The app's own private key (应用私钥): lets doctor spot the app's public key used as Alipay's.
    #[arg(long, value_name = "KEY")]
    app_private_key: Option<String>,
    /// The backend used for the checks.
    #[arg(long, value_parser = backend_names(), default_value = phone_crypto::Backend::default().name())]
    backend: String,
    /// Show the full number of a captured envelope.
    #[arg(long)]
    reveal: bool,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// A captured envelope (the body the mini-program posted) to check end to end.
    envelope_file: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    Fail,
}

struct Finding {
    check: &'static str,
    status: Status,
    message: String,
    fix: Option<String>,
}

fn ok(check: &'static str, message: impl Into<String>) -> Finding {
    Finding {
        check,
        status: Status::Ok,
        message: message.into(),
        fix: None,
    }
}

fn fail(check: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Finding {
    Finding {
        check,
        status: Status::Fail,
        message: message.into(),
        fix: Some(fix.into()),
    }
}

fn describe(key: &RsaPublicKeyDer) -> String {
    let form = match (key.format(), key.was_pem()) {
        (KeyFormat::Spki, false) => "SPKI, one line of base64 as the console shows it",
        (KeyFormat::Spki, true) => "SPKI, PEM",
        (KeyFormat::Pkcs1, _) => "PKCS#1 RSAPublicKey",
        (KeyFormat::Certificate, _) => "taken from an X.509 certificate (certificate mode)",
        _ => "DER",
    };
    format!("RSA-{} public key ({form})", key.bits())
}

fn key_problem(e: &Error) -> Option<&KeyProblem> {
    match e {
        Error::KeyError { problem, .. } => Some(problem),
        _ => None,
    }
}

struct Doctor {
    findings: Vec<Finding>,
}

impl Doctor {
    fn public_key(&mut self, text: &str) -> Option<RsaPublicKeyDer> {
        match RsaPublicKeyDer::parse(text) {
            Ok(k) => {
                self.findings.push(ok("alipay_public_key", describe(&k)));
                Some(k)
            }
            Err(e) => {
                let fix = e.hint().unwrap_or_default();
                let f = match key_problem(&e) {
                    Some(KeyProblem::PrivateKeyAsPublic) => fail(
                        "alipay_public_key_is_private",
                        "the Alipay public key setting holds a PRIVATE key",
                        format!("{fix}. If this is your app's private key, keep it secret and out of this setting."),
                    ),
                    _ => fail(
                        "alipay_public_key",
                        format!("the Alipay public key is unusable: {e}"),
                        fix,
                    ),
                };
                self.findings.push(f);
                None
            }
        }
    }

    fn aes_key(&mut self, text: &str) -> Option<AesKey> {
        match AesKey::parse(text) {
            Ok(k) => {
                self.findings
                    .push(ok("aes_key", format!("AES-{} key ({} bytes)", k.len() * 8, k.len())));
                Some(k)
            }
            Err(e) => {
                let fix = e.hint().unwrap_or_default().to_owned();
                let f = match key_problem(&e) {
                    Some(KeyProblem::AesKeyLength { len }) if *len > 64 => fail(
                        "aes_key_is_rsa_key",
                        format!("the AES key decodes to {len} bytes: that is an RSA key, not the AES key"),
                        fix,
                    ),
                    Some(KeyProblem::AesKeyLength { len }) => fail(
                        "aes_key_length",
                        format!("the AES key decodes to {len} bytes; it must be 16, 24 or 32"),
                        fix,
                    ),
                    Some(KeyProblem::Unparsable(why)) if why.contains("PEM") => fail(
                        "aes_key_is_rsa_key",
                        "the AES key setting holds a PEM key: that is an RSA key, not the AES key",
                        fix,
                    ),
                    _ => fail("aes_key", format!("the AES key is unusable: {e}"), fix),
                };
                self.findings.push(f);
                None
            }
        }
    }

    fn app_key(&mut self, text: &str, alipay: Option<&RsaPublicKeyDer>) {
        match RsaPrivateKeyDer::parse(text) {
            Err(e) => self.findings.push(fail(
                "app_private_key",
                format!("the app private key is unusable: {e}"),
                e.hint().unwrap_or_default(),
            )),
            Ok(app) => {
                if alipay.is_some_and(|a| a.pkcs1_der() == app.public_key().pkcs1_der()) {
                    self.findings.push(fail(
                        "app_public_key_as_alipay",
                        "the configured \"Alipay public key\" is your app's own public key (it matches the app private key)",
                        "copy the Alipay public key (支付宝公钥) from the console's key settings, not the app public key (应用公钥) you uploaded",
                    ));
                } else {
                    self.findings.push(ok(
                        "app_private_key",
                        format!(
                            "RSA-{} app private key, distinct from the Alipay public key",
                            app.public_key().bits()
                        ),
                    ));
                }
            }
        }
    }

    fn envelope(&mut self, body: &str, args: &DoctorArgs, public: Option<&RsaPublicKeyDer>, aes: Option<&AesKey>) {
        let provider = backend(&args.backend).provider();
        let opts = ParseOptions::default();
        let trimmed = body.trim_start();
        if !trimmed.starts_with('{') && body.contains("response=") {
            self.findings.push(fail(
                "form_encoded",
                "the body is form-encoded (response=...&sign=...), not the JSON envelope",
                "post res.response unchanged as a JSON body (content-type application/json); form encoding turns '+' into spaces",
            ));
            return;
        }
        let env = match Envelope::parse(body, &opts.clone().allow_unsigned(true)) {
            Ok(env) => env,
            Err(e) => {
                self.findings.push(fail(
                    error_check(&e),
                    format!("the envelope: {e}"),
                    e.hint().unwrap_or_default(),
                ));
                return;
            }
        };
        if !env.is_signed() {
            self.findings.push(fail(
                "missing_signature",
                "the envelope has no `sign`",
                Error::MissingSignature.hint().unwrap_or_default(),
            ));
            return;
        }
        let sig = match env.decode_signature() {
            Ok(s) => s.unwrap_or_default(),
            Err(_) => {
                self.findings.push(self.base64_finding(body, "sign"));
                return;
            }
        };
        if env.decode_ciphertext().is_err() {
            self.findings.push(self.base64_finding(body, "response"));
            return;
        }
        let Some(public) = public else { return };
        let verifier = match provider.prepare_verifier(public) {
            Ok(v) => v,
            Err(e) => {
                self.findings
                    .push(fail("alipay_public_key", e.to_string(), e.hint().unwrap_or_default()));
                return;
            }
        };
        let declared = env.sign_type();
        if verifier.verify(declared, &env.signed_content(), &sig).is_err() {
            self.findings
                .push(self.signature_finding(&env, &*verifier, &sig, args.app_private_key.is_some()));
            return;
        }
        self.findings.push(ok(
            "signature",
            format!("{declared} signature verifies with the Alipay public key"),
        ));
        let Some(aes) = aes else { return };
        let keys = AppKeys::builder()
            .alipay_public_key_der(public.clone())
            .aes_key_raw(aes.clone())
            .build_in(&phone_crypto::KeyPool::with_backend(provider.clone()));
        match keys.and_then(|k| k.open(body)) {
            Ok(o) => {
                let shown = if args.reveal { o.response.phone.reveal().to_owned() } else { o.response.phone.masked() };
                self.findings.push(ok("envelope", format!("the envelope opens: {shown} ({} {})", o.response.code, o.response.msg)));
            }
            Err(e @ Error::DecryptFailed(_)) | Err(e @ Error::MalformedPlaintext(_)) => self.findings.push(fail(
                "aes_key_mismatch",
                format!("the signature is Alipay's, but the AES key does not open the content ({e})"),
                "the AES key is not this mini-program's: copy 接口内容加密方式 from the console again (after a reset, old keys stop working)",
            )),
            Err(e) => self.findings.push(fail(error_check(&e), e.to_string(), e.hint().unwrap_or("see the Alipay code table"))),
        }
    }

    fn base64_finding(&self, body: &str, field: &'static str) -> Finding {
        let value = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v[field].as_str().map(str::to_owned));
        if let Some(v) = value
            && v.contains(' ')
            && STANDARD.decode(v.replace(' ', "+")).is_ok()
        {
            return fail(
                "form_encoded",
                format!("`{field}` has spaces where '+' belonged: the payload was form-encoded on the way"),
                "post res.response unchanged as a JSON body (content-type application/json), not as a form",
            );
        }
        fail(
            "bad_base64",
            format!("`{field}` is not valid base64"),
            Error::BadBase64 { field }.hint().unwrap_or_default(),
        )
    }

    fn signature_finding(
        &self,
        env: &Envelope<'_>,
        verifier: &dyn SignatureVerifier,
        sig: &[u8],
        app_key_given: bool,
    ) -> Finding {
        let declared = env.sign_type();
        let other = if declared == SignType::Rsa2 {
            SignType::Rsa
        } else {
            SignType::Rsa2
        };
        if verifier.verify(other, &env.signed_content(), sig).is_ok() {
            return fail(
                "sign_type_mixed_up",
                format!("the signature is a valid {other} signature, but the envelope declares {declared}"),
                "the sign_type in the envelope must match how it was signed; check RSA vs RSA2 in the console and in any code that builds envelopes",
            );
        }
        if env.is_encrypted() {
            let unquoted = env.signed_content();
            if verifier.verify(declared, &unquoted[1..unquoted.len() - 1], sig).is_ok() {
                return fail(
                    "signed_without_quotes",
                    "the signature covers the content without its double quotes",
                    "Alipay signs encrypted content wrapped in double quotes (\"<base64>\"); whatever built this envelope left them out",
                );
            }
        }
        let extra = if app_key_given {
            ""
        } else {
            " (pass --app-private-key to check whether it is your app's own key)"
        };
        fail(
            "bad_signature",
            format!("the signature does not verify with the configured Alipay public key{extra}"),
            Error::BadSignature.hint().unwrap_or_default(),
        )
    }
}

fn error_check(e: &Error) -> &'static str {
    use phone_core::ErrorKind;
    match e.error_kind() {
        kind @ (ErrorKind::AlipayError
        | ErrorKind::NoPhone
        | ErrorKind::PayloadTooLarge
        | ErrorKind::UnsupportedSignType
        | ErrorKind::UnsupportedEncryptType) => kind.as_str(),
        _ => "malformed_envelope",
    }
}

/// Runs `doctor`.
pub fn run(args: DoctorArgs) -> ExitCode {
    let inputs = (|| -> Result<_, UsageError> {
        let public = key_text(&args.alipay_public_key, "--alipay-public-key")?;
        let aes = key_text(&args.aes_key, "--aes-key")?;
        let app = args
            .app_private_key
            .as_deref()
            .map(|k| key_text(k, "--app-private-key"))
            .transpose()?;
        let body = match &args.envelope_file {
            Some(path) => Some(
                String::from_utf8(crate::input::body(Some(path))?)
                    .map_err(|_| UsageError(format!("{path} is not UTF-8 text")))?,
            ),
            None => None,
        };
        Ok((public, aes, app, body))
    })();
    let (public, aes, app, body) = match inputs {
        Ok(v) => v,
        Err(UsageError(msg)) => {
            eprintln!("alipay-phone doctor: {msg}");
            return ExitCode::from(2);
        }
    };
    let mut d = Doctor { findings: Vec::new() };
    let public_key = d.public_key(&public);
    let aes_key = d.aes_key(&aes);
    if let Some(app) = &app {
        d.app_key(app, public_key.as_ref());
    }
    if let Some(body) = &body {
        d.envelope(body, &args, public_key.as_ref(), aes_key.as_ref());
    }
    let healthy = d.findings.iter().all(|f| f.status == Status::Ok);
    if args.json {
        let checks: Vec<_> = d
            .findings
            .iter()
            .map(|f| json!({"check": f.check, "status": if f.status == Status::Ok { "ok" } else { "fail" }, "message": f.message, "fix": f.fix}))
            .collect();
        println!(
            "{}",
            json!({"status": if healthy { "ok" } else { "error" }, "checks": checks})
        );
    } else {
        let on = colour(std::io::IsTerminal::is_terminal(&std::io::stdout()));
        for f in &d.findings {
            match f.status {
                Status::Ok => println!("{} {}", paint("32", "ok  ", on), f.message),
                Status::Fail => {
                    println!("{} [{}] {}", paint("31", "FAIL", on), f.check, f.message);
                    if let Some(fix) = &f.fix {
                        println!("     {} {fix}", paint("33", "fix:", on));
                    }
                }
            }
        }
        println!(
            "{}",
            if healthy {
                "everything checks out"
            } else {
                "problems found"
            }
        );
    }
    if healthy { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
