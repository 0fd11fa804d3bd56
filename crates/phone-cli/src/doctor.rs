//! `alipay-phone doctor`: checks a configuration (and optionally a captured envelope) and
//! explains each problem in plain words with its fix.

use std::process::ExitCode;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::Args;
use phone_core::{Content, Envelope, Error, KeyProblem, Lang, ParseOptions, Shape, SignType};
use phone_crypto::{AppKeys, ContentKey, KeyFormat, RsaPrivateKey, RsaPublicKey, SignatureVerifier};
use serde_json::json;
use zeroize::Zeroizing;

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
    /// Show the full number of a captured envelope, and the corrected key text when the AES
    /// key is base64-encoded twice (keys are never printed otherwise).
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
    fix: Option<Fix>,
}

/// A fix in both languages: JSON carries both (`fix`, `fix_zh`), the human output the one
/// asked for.
struct Fix {
    en: String,
    zh: String,
}

impl Fix {
    fn in_lang(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            _ => &self.en,
        }
    }
}

fn ok(check: &'static str, message: impl Into<String>) -> Finding {
    Finding {
        check,
        status: Status::Ok,
        message: message.into(),
        fix: None,
    }
}

fn fail(check: &'static str, message: impl Into<String>, en: impl Into<String>, zh: impl Into<String>) -> Finding {
    Finding {
        check,
        status: Status::Fail,
        message: message.into(),
        fix: Some(Fix {
            en: en.into(),
            zh: zh.into(),
        }),
    }
}

/// A failure whose fix is the error's own hint.
fn fail_with(check: &'static str, message: impl Into<String>, e: &Error) -> Finding {
    fail(
        check,
        message,
        e.hint_in(Lang::En).unwrap_or_default(),
        e.hint_in(Lang::Zh).unwrap_or_default(),
    )
}

fn describe(key: &RsaPublicKey) -> String {
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
    /// Set when the AES key was base64-encoded twice and the envelope is checked with the key
    /// decoded once: the envelope's finding says so.
    aes_decoded_once: bool,
}

/// The subject CN of an app certificate (`appCertPublicKey_<APPID>.crt`): `<PID>-<APPID>`, two
/// runs of digits. Alipay's own certificate has a CN starting with 支付宝.
fn app_cert_ids(subject: &str) -> Option<(&str, &str)> {
    let cn = subject.split(',').find_map(|rdn| rdn.trim().strip_prefix("CN="))?;
    let (pid, app_id) = cn.split_once('-')?;
    let digits = |s: &str| s.len() >= 8 && s.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(app_id)).then_some((pid, app_id))
}

/// The AES key text decoded once more, when the configured text is base64 of base64: the
/// 32 (or 44, 60) characters decode to 24 (32, 44) bytes that are themselves the console's
/// base64 of a 16 (24, 32) byte key (25, 33, 45 with the newline `echo "$KEY" | base64`
/// encodes along: ASCII whitespace in the decoded text is left out). Random key bytes are all
/// base64 characters or whitespace with a probability of about 2^-44, so a match is not a
/// coincidence.
fn decoded_once(text: &str) -> Option<(Zeroizing<String>, ContentKey)> {
    let compact: Zeroizing<String> = Zeroizing::new(text.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    let outer = Zeroizing::new(LENIENT.decode(compact.as_bytes()).ok()?);
    // `echo "$KEY" | base64` encodes the key's trailing newline too: whitespace inside is
    // dropped, as it is around the outer text.
    let inner: Zeroizing<String> = Zeroizing::new(
        std::str::from_utf8(&outer)
            .ok()?
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect(),
    );
    let alphabet = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    if inner.len() < 22 || !inner.bytes().all(alphabet) {
        return None;
    }
    let key = ContentKey::parse(&inner).ok()?;
    Some((inner, key))
}

/// The console's base64 as the SDK reads key text: padding optional.
const LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

impl Doctor {
    /// Certificate files that are not Alipay's public key certificate: the root bundle, or the
    /// app's own certificate. Each gets its own check; `None` when neither applies.
    fn wrong_certificate(text: &str) -> Option<Finding> {
        if !text.contains("-----BEGIN CERTIFICATE") {
            return None;
        }
        let infos = phone_crypto::certs::all_cert_infos(text.as_bytes()).ok()?;
        let parsed: Vec<_> = infos.iter().flatten().collect();
        // As cert-sn decides: every readable certificate its own issuer. Alipay's public key
        // certificate is issued by an intermediate, never by itself. A single self-signed RSA
        // certificate that works as a key is let through: test setups make those.
        let all_roots = !parsed.is_empty() && parsed.iter().all(|c| c.is_self_issued());
        if all_roots && (infos.len() > 1 || RsaPublicKey::parse(text).is_err()) {
            let what = if infos.len() > 1 {
                format!("a bundle of {} root certificates (alipayRootCert.crt)", infos.len())
            } else {
                "a root certificate (from alipayRootCert.crt)".to_owned()
            };
            return Some(fail(
                "root_cert_as_alipay",
                format!("the Alipay public key setting holds {what}, not Alipay's public key certificate"),
                "give alipayCertPublicKey_RSA2.crt (the Alipay public key certificate, 支付宝公钥证书), downloaded from the console together with the root bundle; alipayRootCert.crt only serves to compute alipay_root_cert_sn",
                "这里要填支付宝公钥证书 alipayCertPublicKey_RSA2.crt（在控制台和根证书一起下载）；支付宝根证书 alipayRootCert.crt 只用来计算 alipay_root_cert_sn，不能用来验签",
            ));
        }
        let first = parsed.first()?;
        let (pid, app_id) = app_cert_ids(&first.subject)?;
        Some(fail(
            "app_cert_as_alipay",
            format!(
                "the Alipay public key setting holds your app's own certificate (appCertPublicKey_{app_id}.crt: subject CN {pid}-{app_id}), not Alipay's"
            ),
            "give alipayCertPublicKey_RSA2.crt (the Alipay public key certificate, 支付宝公钥证书: its subject CN starts with 支付宝); appCertPublicKey_<APPID>.crt is your app's certificate, used only to compute app_cert_sn",
            "这里要填支付宝公钥证书 alipayCertPublicKey_RSA2.crt（证书主题 CN 以「支付宝」开头）；appCertPublicKey_<APPID>.crt 是应用公钥证书，只用来计算 app_cert_sn，不能验支付宝的签名",
        ))
    }

    fn public_key(&mut self, text: &str) -> Option<RsaPublicKey> {
        if let Some(f) = Self::wrong_certificate(text) {
            // Its key (if any) is certainly not Alipay's: checking an envelope with it would only
            // add a bad_signature that says less.
            self.findings.push(f);
            return None;
        }
        match RsaPublicKey::parse(text) {
            Ok(k) => {
                self.findings.push(ok("alipay_public_key", describe(&k)));
                Some(k)
            }
            Err(e) => {
                let f = match key_problem(&e) {
                    Some(KeyProblem::PrivateKeyAsPublic) => fail(
                        "alipay_public_key_is_private",
                        "the Alipay public key setting holds a PRIVATE key",
                        format!(
                            "{}. If this is your app's private key, keep it secret and out of this setting.",
                            e.hint_in(Lang::En).unwrap_or_default()
                        ),
                        format!(
                            "{}。如果这是你的应用私钥，请妥善保管，不要填在这里。",
                            e.hint_in(Lang::Zh).unwrap_or_default()
                        ),
                    ),
                    _ => fail_with(
                        "alipay_public_key",
                        format!("the Alipay public key is unusable: {e}"),
                        &e,
                    ),
                };
                self.findings.push(f);
                None
            }
        }
    }

    fn aes_key(&mut self, text: &str, reveal: bool) -> Option<ContentKey> {
        if let Some((inner, key)) = decoded_once(text) {
            // The corrected text is the key itself: printed only when asked for, like a number.
            let (shown, shown_zh) = if reveal {
                (format!(": {}", inner.as_str()), format!("：{}", inner.as_str()))
            } else {
                (String::new(), String::new())
            };
            self.findings.push(fail(
                "aes_key_double_base64",
                format!(
                    "the AES key is base64-encoded twice: it decodes to {} characters of base64, which are the AES-{} key itself",
                    inner.len(),
                    key.len() * 8
                ),
                format!(
                    "configure the text it decodes to{shown} (decode it once: printf %s \"$ALIPAY_AES_KEY\" | base64 -d{}); the console's 接口内容加密方式 shows the key as 24 characters, already base64",
                    if reveal { "" } else { ", or rerun doctor with --reveal to have it printed" }
                ),
                format!(
                    "改成它解码一次之后的文本{shown_zh}（解码一次：printf %s \"$ALIPAY_AES_KEY\" | base64 -d{}）；控制台接口内容加密方式里显示的 24 个字符本身就是 base64，不要再编码一次",
                    if reveal { "" } else { "，或加 --reveal 重新运行 doctor 直接显示" }
                ),
            ));
            self.aes_decoded_once = true;
            return Some(key);
        }
        match ContentKey::parse(text) {
            Ok(k) => {
                self.findings
                    .push(ok("aes_key", format!("AES-{} key ({} bytes)", k.len() * 8, k.len())));
                Some(k)
            }
            Err(e) => {
                let f = match key_problem(&e) {
                    Some(KeyProblem::AesKeyLength { len }) if *len > 64 => fail_with(
                        "aes_key_is_rsa_key",
                        format!("the AES key decodes to {len} bytes: that is an RSA key, not the AES key"),
                        &e,
                    ),
                    Some(KeyProblem::AesKeyLength { len }) => fail_with(
                        "aes_key_length",
                        format!("the AES key decodes to {len} bytes; it must be 16, 24 or 32"),
                        &e,
                    ),
                    Some(KeyProblem::Unparsable(why)) if why.contains("PEM") => fail_with(
                        "aes_key_is_rsa_key",
                        "the AES key setting holds a PEM key: that is an RSA key, not the AES key",
                        &e,
                    ),
                    _ => fail_with("aes_key", format!("the AES key is unusable: {e}"), &e),
                };
                self.findings.push(f);
                None
            }
        }
    }

    fn app_key(&mut self, text: &str, alipay: Option<&RsaPublicKey>) {
        match RsaPrivateKey::parse(text) {
            Err(e) => self.findings.push(fail_with(
                "app_private_key",
                format!("the app private key is unusable: {e}"),
                &e,
            )),
            Ok(app) => {
                if alipay.is_some_and(|a| a.pkcs1_der() == app.public_key().pkcs1_der()) {
                    self.findings.push(fail(
                        "app_public_key_as_alipay",
                        "the configured \"Alipay public key\" is your app's own public key (it matches the app private key)",
                        "copy the Alipay public key (支付宝公钥) from the console's key settings, not the app public key (应用公钥) you uploaded",
                        "到控制台接口加签方式里复制支付宝公钥，不是你自己上传的应用公钥",
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

    fn envelope(&mut self, body: &str, args: &DoctorArgs, public: Option<&RsaPublicKey>, aes: Option<&ContentKey>) {
        let provider = backend(&args.backend).crypto_provider();
        let opts = ParseOptions::default();
        let env = match Envelope::parse(body, &opts.clone().allow_unsigned(true)) {
            Ok(env) => env,
            Err(e) => {
                self.findings.push(match e.mistake() {
                    Some(m) => fail(m.check_id(), m.to_string(), m.hint_in(Lang::En), m.hint_in(Lang::Zh)),
                    None => fail_with(error_check(&e), format!("the envelope: {e}"), &e),
                });
                return;
            }
        };
        self.findings.push(ok("shape", shape_message(env.shape())));
        if !env.is_signed() {
            self.findings.push(fail_with(
                "missing_signature",
                "the envelope has no `sign`",
                &Error::MissingSignature,
            ));
            return;
        }
        let posted = posted_fields(body, env.shape());
        let sig = match env.decode_signature() {
            Ok(s) => s.unwrap_or_default(),
            Err(_) => {
                let value = posted.as_ref().and_then(|f| f.get("sign")).and_then(|v| v.as_str());
                self.findings.push(self.base64_finding(value, "sign"));
                return;
            }
        };
        let ciphertext_len = match env.decode_ciphertext() {
            Ok(ct) => ct.map(|c| c.len()),
            Err(_) => {
                let value = match env.content() {
                    Content::Encrypted(v) => Some(&**v),
                    _ => None,
                };
                self.findings
                    .push(self.base64_finding(value, content_field(env.shape())));
                return;
            }
        };
        let Some(public) = public else { return };
        let verifier = match provider.prepare_verifier(public) {
            Ok(v) => v,
            Err(e) => {
                self.findings.push(fail_with("alipay_public_key", e.to_string(), &e));
                return;
            }
        };
        let declared = env.sign_type();
        // As the library verifies: the decoded value first, then the raw posted text when a
        // JSON escape (`\/`) makes it differ; the Java SDK signs either.
        let verifies = |content: &[u8]| verifier.verify(declared, content, &sig).is_ok();
        if !verifies(&env.signed_content()) && !env.raw_signed_content().is_some_and(verifies) {
            self.findings
                .push(self.signature_finding(&env, &*verifier, &sig, args.app_private_key.is_some()));
            return;
        }
        self.findings.push(ok(
            "signature",
            format!("{declared} signature verifies with the Alipay public key"),
        ));
        let Some(aes) = aes else { return };
        let keys = match AppKeys::builder()
            .alipay_public_key_der(public.clone())
            .aes_key_raw(aes.clone())
            .build_in(&phone_crypto::KeyPool::with_provider(provider.clone()))
        {
            Ok(k) => k,
            Err(e) => {
                self.findings.push(fail_with(error_check(&e), e.to_string(), &e));
                return;
            }
        };
        let with = if self.aes_decoded_once {
            " with the AES key decoded once"
        } else {
            ""
        };
        let phone = keys.open(body);
        // A verified plaintext without a number may be another open data in the same
        // envelope: my.getRunData's answer is the one doctor knows by name.
        if let Err(Error::NoPhone | Error::MalformedPlaintext(_)) = &phone {
            match keys.open_run_data(body) {
                Ok(run) => {
                    let shown = if args.reveal {
                        format!("{} steps on {}", run.response.count.reveal(), run.response.count_date)
                    } else {
                        run.response.to_string()
                    };
                    self.findings
                        .push(ok("envelope", format!("the envelope opens{with}: run data ({shown})")));
                    return;
                }
                // A plaintext with run data's fields that does not read as run data: its own
                // problem, not the missing number the phone reading reports.
                Err(run_err @ Error::MalformedPlaintext(_))
                    if keys
                        .open_data::<serde_json::Map<String, serde_json::Value>>(body)
                        .is_ok_and(|o| ["count", "countDate"].iter().any(|k| o.response.data.contains_key(*k))) =>
                {
                    self.findings.push(fail(
                        "malformed_plaintext",
                        format!("the envelope opens{with} to run data that does not read ({run_err})"),
                        "my.getRunData's plaintext needs count (a non-negative integer, or a digit string) and countDate (a real date, yyyy-mm-dd); whatever built this envelope wrote them otherwise",
                        "my.getRunData 的明文需要 count（非负整数，或只含数字的字符串）和 countDate（真实日期，yyyy-mm-dd）；生成这个报文的代码没有按这个格式写",
                    ));
                    return;
                }
                Err(_) => {}
            }
        }
        match phone {
            Ok(o) => {
                let shown = if args.reveal {
                    o.response.phone.reveal().to_owned()
                } else {
                    o.response.phone.masked()
                };
                self.findings.push(ok(
                    "envelope",
                    format!(
                        "the envelope opens{with}: {shown} ({} {})",
                        o.response.code, o.response.msg
                    ),
                ));
            }
            Err(e @ Error::DecryptFailed(_)) | Err(e @ Error::MalformedPlaintext(_)) => {
                self.findings.push(aes_mismatch(&e, with, ciphertext_len));
            }
            Err(e) => self.findings.push(match e.hint() {
                Some(_) => fail_with(error_check(&e), e.to_string(), &e),
                None => fail(
                    error_check(&e),
                    e.to_string(),
                    "see the Alipay code table",
                    "请查阅支付宝错误码表",
                ),
            }),
        }
    }

    fn base64_finding(&self, value: Option<&str>, field: &'static str) -> Finding {
        if let Some(v) = value
            && v.contains(' ')
            && STANDARD.decode(v.replace(' ', "+")).is_ok()
        {
            return fail(
                "form_encoded",
                format!("`{field}` has spaces where '+' belonged: the payload was form-encoded on the way"),
                "post res.response unchanged as a JSON body (content-type application/json), not as a form",
                "把 res.response 原样作为 JSON 请求体提交（content-type: application/json），不要用表单提交",
            );
        }
        fail_with(
            "bad_base64",
            format!("`{field}` is not valid base64"),
            &Error::BadBase64 { field },
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
        if verifier.verify(other, &env.signed_content(), sig).is_ok() && env.sign_type_is_implied() {
            // Nothing in the body to correct: the event detail has no sign_type field, so the
            // app's configuration decides.
            return fail(
                "sign_type_mixed_up",
                format!(
                    "the signature is a valid {other} signature, but the event detail declares no sign type and is read as {declared}"
                ),
                format!(
                    "an app whose console signs with {other} must pin {other} as its one sign type (AppKeys::builder().accept_sign_types(&[SignType::{other:?}])), so that the event detail is read that way; or switch 接口加签方式 to RSA2"
                ),
                format!(
                    "按钮事件的 event.detail 不带 sign_type；控制台接口加签方式用 {other} 的应用要把 {other} 设为唯一的签名类型（AppKeys::builder().accept_sign_types(&[SignType::{other:?}])），或者把接口加签方式改成 RSA2"
                ),
            );
        }
        if verifier.verify(other, &env.signed_content(), sig).is_ok() {
            return fail(
                "sign_type_mixed_up",
                format!("the signature is a valid {other} signature, but the envelope declares {declared}"),
                "the sign_type in the envelope must match how it was signed; check RSA vs RSA2 in the console and in any code that builds envelopes",
                "报文里的 sign_type 必须和实际的签名方式一致；检查控制台接口加签方式是 RSA 还是 RSA2，以及自己拼装报文的代码",
            );
        }
        if env.is_encrypted() {
            let unquoted = env.signed_content();
            if verifier.verify(declared, &unquoted[1..unquoted.len() - 1], sig).is_ok() {
                return fail(
                    "signed_without_quotes",
                    "the signature covers the content without its double quotes",
                    "Alipay signs encrypted content wrapped in double quotes (\"<base64>\"); whatever built this envelope left them out",
                    "支付宝对加密内容签名时带着两侧的双引号（\"<base64>\"）；生成这个报文的代码把引号漏掉了",
                );
            }
        }
        let extra = if app_key_given {
            ""
        } else {
            " (pass --app-private-key to check whether it is your app's own key)"
        };
        fail_with(
            "bad_signature",
            format!("the signature does not verify with the configured Alipay public key{extra}"),
            &Error::BadSignature,
        )
    }
}

/// The largest AES ciphertext of a success: 64 bytes for the phone (55 bytes of plaintext for
/// an 11-digit number), 80 for run data. Alipay's error bodies carry subCode and subMsg and
/// take 96 bytes and more.
const SUCCESS_SIZED: usize = 80;
const ERROR_SIZED: usize = 96;

/// A verified ciphertext that does not open. Its size tells a wrong key on a success from a
/// wrong key on an Alipay error, which has a second cause to fix upstream.
fn aes_mismatch(e: &Error, with: &str, ciphertext_len: Option<usize>) -> Finding {
    let base = format!("the signature is Alipay's, but the AES key{with} does not open the content ({e})");
    let key_en = "the AES key is not this mini-program's: copy 接口内容加密方式 from the console again (after a reset, old keys stop working)";
    let key_zh = "这个 AES 密钥不是该小程序的：到控制台重新复制接口内容加密方式里的密钥（重置后旧密钥立即失效）";
    match ciphertext_len {
        Some(n) if n > 0 && n % 16 == 0 && n <= SUCCESS_SIZED => fail(
            "aes_key_mismatch",
            format!(
                "{base}; its {n} bytes of ciphertext fit a success body (64 bytes for a phone number, 80 for run data), so the AES key is wrong"
            ),
            format!("{key_en}; the content's size fits a success, so the key is the one thing to fix"),
            format!("{key_zh}；密文长度与成功报文相符，所以只需要改正密钥"),
        ),
        Some(n) if n % 16 == 0 && n >= ERROR_SIZED => fail(
            "aes_key_mismatch",
            format!(
                "{base}; its {n} bytes of ciphertext are the size of an Alipay error body (with subCode and subMsg), not of a success (64 bytes for a phone number): Alipay answered an error, and this AES key cannot open it"
            ),
            format!(
                "two things to fix: {key_en}; and Alipay answered an error, so the mini-program's call or the console is wrong too (e.g. 40003 when my.getPhoneNumber runs without the authorisation tap on <button open-type=\"getAuthorize\" scope=\"phoneNumber\">, 40006 when 获取会员手机号 is not bound); with the right AES key doctor names the code"
            ),
            format!(
                "有两处要改：{key_zh}；另外支付宝返回的是错误报文，说明小程序的调用或控制台配置也有问题（例如没有先点 <button open-type=\"getAuthorize\" scope=\"phoneNumber\"> 授权就调用 my.getPhoneNumber 会得到 40003，没有绑定获取会员手机号会得到 40006）；换成正确的 AES 密钥后 doctor 会显示具体的错误码"
            ),
        ),
        _ => fail("aes_key_mismatch", base, key_en, key_zh),
    }
}

/// What the `shape` check says arrived.
fn shape_message(shape: Shape) -> &'static str {
    match shape {
        Shape::EventDetail => {
            "the body is the button's event detail {encryptedData, sign} (base library 2.8.0+): it declares no types, so RSA2 (or the app's one pinned sign type), AES and UTF-8 apply"
        }
        Shape::EncryptContent => {
            "the body is the {encryptContent: <envelope>} wrapper (Alipay's my.getRunData sample): the envelope inside is checked"
        }
        _ => "the body is the envelope object (res.response, posted unchanged)",
    }
}

/// The field that carries the ciphertext in `shape`.
fn content_field(shape: Shape) -> &'static str {
    match shape {
        Shape::EventDetail => "encryptedData",
        _ => "response",
    }
}

/// The posted object whose fields the envelope was read from: the body itself, or the envelope
/// inside `encryptContent` (as text or as an object).
fn posted_fields(body: &str, shape: Shape) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut outer: serde_json::Map<String, serde_json::Value> = serde_json::from_str(body).ok()?;
    if shape != Shape::EncryptContent {
        return Some(outer);
    }
    match outer.remove("encryptContent")? {
        serde_json::Value::String(text) => serde_json::from_str(&text).ok(),
        serde_json::Value::Object(inner) => Some(inner),
        _ => None,
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

/// Runs `doctor`; fixes are printed in `lang` (JSON carries both languages).
pub fn run(args: DoctorArgs, lang: Lang) -> ExitCode {
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
    let mut d = Doctor {
        findings: Vec::new(),
        aes_decoded_once: false,
    };
    let public_key = d.public_key(&public);
    let aes_key = d.aes_key(&aes, args.reveal);
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
            .map(|f| {
                json!({
                    "check": f.check,
                    "status": if f.status == Status::Ok { "ok" } else { "fail" },
                    "message": f.message,
                    "fix": f.fix.as_ref().map(|x| &x.en),
                    "fix_zh": f.fix.as_ref().map(|x| &x.zh),
                })
            })
            .collect();
        println!(
            "{}",
            json!({"status": if healthy { "ok" } else { "error" }, "checks": checks})
        );
    } else {
        let on = colour(std::io::IsTerminal::is_terminal(&std::io::stdout()));
        let (fix_label, all_good, problems) = match lang {
            Lang::Zh => ("解决办法:", "全部检查通过", "发现问题"),
            _ => ("fix:", "everything checks out", "problems found"),
        };
        for f in &d.findings {
            match f.status {
                Status::Ok => println!("{} {}", paint("32", "ok  ", on), f.message),
                Status::Fail => {
                    println!("{} [{}] {}", paint("31", "FAIL", on), f.check, f.message);
                    if let Some(fix) = &f.fix {
                        println!("     {} {}", paint("33", fix_label, on), fix.in_lang(lang));
                    }
                }
            }
        }
        println!("{}", if healthy { all_good } else { problems });
    }
    if healthy { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
