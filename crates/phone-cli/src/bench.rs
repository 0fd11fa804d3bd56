//! `alipay-phone bench`: payloads per second per backend, interleaved with the backend's raw
//! RSA verify on the same prepared key, so the overhead ratio comes from one run.

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use clap::builder::TypedValueParser as _;
use phone_client::{AppKeyMaterial, PhoneClient, StaticKeys};
use phone_core::{Envelope, ParseOptions, SignType};
use phone_crypto::{AppKeys, Backend, ContentKey, RsaPrivateKey, decrypt_phone, seal_envelope, success_plaintext};
use serde_json::json;

/// Arguments of `bench`.
#[derive(Debug, Args)]
#[command(
    after_help = "Measures, in one process and interleaved in short rounds, for each compiled backend: the whole
pipeline (parse, verify, decrypt, parse plaintext) and the backend's raw RSA verify of the same
signature on the same prepared key; overhead = pipeline time / raw verify time. With --threads N
it also drives PhoneClient (provider and cache included) from N threads.

Examples:
  alipay-phone bench --seconds 5
  alipay-phone bench --backend aws-lc-rs --bits 4096 --threads 2 --json"
)]
pub struct BenchArgs {
    /// One backend, or `all`.
    #[arg(long, default_value = "all")]
    backend: String,
    /// Measuring time per backend (split evenly between pipeline and raw verify).
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// RSA key size.
    #[arg(long, default_value_t = 2048, value_parser = clap::builder::PossibleValuesParser::new(["2048", "3072", "4096"]).map(|s| s.parse::<usize>().unwrap_or(2048)))]
    bits: usize,
    /// Also measure the async client path on this many threads (and on one, for scaling).
    #[arg(long)]
    threads: Option<usize>,
    /// One JSON object per line and backend.
    #[arg(long)]
    json: bool,
}

struct Setup {
    keys: AppKeys,
    body: String,
    signed: Vec<u8>,
    sig: Vec<u8>,
    verifier: std::sync::Arc<dyn phone_crypto::SignatureVerifier>,
    material: AppKeyMaterial,
}

fn setup(backend: Backend, private: &RsaPrivateKey, aes: &ContentKey) -> Result<Setup, phone_core::Error> {
    // Any backend that signs RSA2 builds the envelope; the one under test only opens it.
    let signer = Backend::ALL
        .iter()
        .find_map(|b| b.alipay_side().prepare_signer(private).ok())
        .ok_or(phone_core::Error::UnsupportedSignType {
            name: "RSA2".into(),
            reason: "no backend can sign".into(),
        })?;
    let p = backend.crypto_provider();
    let cipher = backend
        .alipay_side()
        .prepare_encryptor(phone_crypto::ContentAlgorithm::AesCbc, aes)?;
    let body = seal_envelope(
        &success_plaintext("13800138000"),
        &*signer,
        Some(&*cipher),
        SignType::Rsa2,
    )?;
    let env = Envelope::parse(&body, &ParseOptions::default())?;
    let signed = env.signed_content().into_owned();
    let sig = env.decode_signature()?.unwrap_or_default();
    let keys = AppKeys::builder()
        .alipay_public_key_der(private.public_key().clone())
        .aes_key_raw(aes.clone())
        .build(backend)?;
    let verifier = p.prepare_verifier(private.public_key())?;
    let material = AppKeyMaterial::new()
        .with_rsa_public_key(private.public_key().clone())
        .with_aes_key_raw(aes.clone());
    Ok(Setup {
        keys,
        body,
        signed,
        sig,
        verifier,
        material,
    })
}

/// Alternates short rounds of both loops until `total` has passed; returns (pipeline/s, raw/s).
fn interleaved(s: &Setup, total: Duration) -> (f64, f64) {
    let (mut pipe_n, mut pipe_t, mut raw_n, mut raw_t) = (0u64, Duration::ZERO, 0u64, Duration::ZERO);
    let round = 64;
    let start = Instant::now();
    while start.elapsed() < total || pipe_n == 0 {
        let t = Instant::now();
        for _ in 0..round {
            black_box(decrypt_phone(&s.keys, black_box(&s.body)).is_ok());
        }
        pipe_t += t.elapsed();
        pipe_n += round;
        let t = Instant::now();
        for _ in 0..round {
            black_box(
                s.verifier
                    .verify(SignType::Rsa2, black_box(&s.signed), black_box(&s.sig))
                    .is_ok(),
            );
        }
        raw_t += t.elapsed();
        raw_n += round;
    }
    (pipe_n as f64 / pipe_t.as_secs_f64(), raw_n as f64 / raw_t.as_secs_f64())
}

/// PhoneClient from `threads` tasks on a multi-thread runtime for `total`; payloads per second.
fn client_rate(backend: Backend, s: &Setup, threads: usize, total: Duration) -> Result<f64, phone_core::Error> {
    let client = PhoneClient::builder()
        .keys(StaticKeys::new().app("bench", s.material.clone()))
        .backend(backend)
        .build()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(|_| phone_core::Error::DecryptFailed("could not start a tokio runtime"))?;
    let body: Arc<str> = s.body.as_str().into();
    let (count, elapsed) = rt.block_on(async move {
        let start = Instant::now();
        let deadline = start + total;
        let tasks: Vec<_> = (0..threads)
            .map(|_| {
                let (client, body) = (client.clone(), body.clone());
                tokio::spawn(async move {
                    // At least one batch: on a loaded machine a task may first run after the
                    // deadline, and a rate of zero would be a lie, not a measurement.
                    let mut n = 0u64;
                    loop {
                        for _ in 0..32 {
                            black_box(client.decrypt_phone("bench", &body).await.is_ok());
                        }
                        n += 32;
                        if Instant::now() >= deadline {
                            break n;
                        }
                    }
                })
            })
            .collect();
        let mut n = 0;
        for t in tasks {
            n += t.await.unwrap_or(0);
        }
        (n, start.elapsed())
    });
    Ok(count as f64 / elapsed.as_secs_f64())
}

/// Runs `bench`.
pub fn run(args: BenchArgs) -> ExitCode {
    let backends: Vec<Backend> = if args.backend == "all" {
        Backend::ALL.to_vec()
    } else {
        match Backend::from_name(&args.backend) {
            Some(b) => vec![b],
            None => {
                let names: Vec<&str> = Backend::ALL.iter().map(|b| b.name()).collect();
                eprintln!(
                    "alipay-phone bench: no backend {:?} (compiled: {}, or all)",
                    args.backend,
                    names.join(", ")
                );
                return ExitCode::from(2);
            }
        }
    };
    let private = match Backend::ALL
        .iter()
        .find_map(|b| b.alipay_side().generate_rsa_key(args.bits).ok())
    {
        Some(k) => k,
        None => {
            eprintln!(
                "alipay-phone bench: no compiled backend can generate an RSA-{} key",
                args.bits
            );
            return ExitCode::from(1);
        }
    };
    let Ok(aes) = ContentKey::generate(16) else {
        eprintln!("alipay-phone bench: no randomness");
        return ExitCode::from(1);
    };
    let total = Duration::from_secs_f64(args.seconds.max(0.05));
    for backend in backends {
        let s = match setup(backend, &private, &aes) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("alipay-phone bench: {backend}: {e}");
                return ExitCode::from(1);
            }
        };
        let (pipeline, raw) = interleaved(&s, total);
        let overhead = raw / pipeline;
        let mut v = json!({"backend": backend.name(), "bits": args.bits, "pipeline_per_s": pipeline.round(), "raw_verify_per_s": raw.round(), "overhead": (overhead * 1000.0).round() / 1000.0});
        if let Some(threads) = args.threads {
            let one = client_rate(backend, &s, 1, total);
            let many = client_rate(backend, &s, threads, total);
            if let (Ok(one), Ok(many)) = (one, many) {
                v["threads"] = threads.into();
                v["client_1_thread_per_s"] = one.round().into();
                v["client_per_s"] = many.round().into();
                v["client_vs_pipeline"] = ((pipeline / one * 1000.0).round() / 1000.0).into();
                v["scaling"] = ((many / one * 1000.0).round() / 1000.0).into();
            }
        }
        if args.json {
            println!("{v}");
        } else {
            print!(
                "{:>10}  RSA-{}  pipeline {:>8.0}/s  raw verify {:>8.0}/s  overhead {:.3}x",
                backend.name(),
                args.bits,
                pipeline,
                raw,
                overhead
            );
            if let Some(t) = v.get("threads") {
                print!(
                    "  client 1 thread {}/s, {t} threads {}/s (x{})",
                    v["client_1_thread_per_s"], v["client_per_s"], v["scaling"]
                );
            }
            println!();
        }
    }
    ExitCode::SUCCESS
}
