//! Memory of N merchant apps under one ISV: each merchant its own AES key, all verifying with
//! the ISV's Alipay public key, opened through `PhoneClient`.
//!
//! `cargo run --release --example isv_scale -- N BACKEND` prints one line with
//! `prepared_bytes_per_app` (RSS growth while the client prepares and caches the merchants'
//! keys, divided by N) and `aes_only_bytes_per_app` (the same for N AES keys prepared alone on
//! that backend), and `cached_bytes_per_app`: the client run again with the key cache in
//! front of the provider, as a store-backed ISV runs (`PgKeys`, or a provider of your own ask
//! for it). Each measurement runs in a fresh child process, so neither reuses memory the
//! other freed. Linux only (reads `/proc/self/statm`).

use std::io::{BufRead, Write};

use phone_client::{AppKeyMaterial, KeyCache, PhoneClient, StaticKeys};
use phone_crypto::{Backend, ContentAlgorithm, ContentKey, RsaPrivateKey, seal_envelope, success_plaintext};

fn rss_bytes() -> Result<u64, Box<dyn std::error::Error>> {
    let statm = std::fs::read_to_string("/proc/self/statm")?;
    let pages: u64 = statm.split_whitespace().nth(1).ok_or("statm")?.parse()?;
    Ok(pages * 4096)
}

fn merchant_aes(i: usize) -> String {
    use base64::Engine as _;
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&(i as u64).to_be_bytes());
    key[8..].copy_from_slice(b"merchant");
    base64::engine::general_purpose::STANDARD.encode(key)
}

/// The ISV's key pair: the committed 1024-bit test key, because sealing N envelopes is
/// signing N times and the measurement is of the merchants, not of the ISV key.
fn isv_private() -> Result<RsaPrivateKey, Box<dyn std::error::Error>> {
    let pem = std::fs::read_to_string(format!(
        "{}/crates/phone-crypto/tests/keys/rsa1024_pkcs1.pem",
        env!("CARGO_MANIFEST_DIR")
    ))?;
    Ok(RsaPrivateKey::parse(&pem)?)
}

/// Seals one envelope per merchant (two threads) into `path`: `aes_key \t envelope` lines.
fn prepare_envelopes(n: usize, path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let private = isv_private()?;
    let side = Backend::ALL
        .iter()
        .map(|b| b.alipay_side())
        .find(|s| s.prepare_signer(&private).is_ok())
        .ok_or("no backend signs 1024-bit keys")?;
    let signer = side.prepare_signer(&private)?;
    let lines: Vec<String> = std::thread::scope(|s| {
        let halves: Vec<_> = [(0, n / 2), (n / 2, n)]
            .into_iter()
            .map(|(from, to)| {
                let (signer, side) = (&signer, &side);
                s.spawn(move || -> Result<Vec<String>, phone_core::Error> {
                    (from..to)
                        .map(|i| {
                            let aes = merchant_aes(i);
                            let enc = side.prepare_encryptor(ContentAlgorithm::AesCbc, &ContentKey::parse(&aes)?)?;
                            let body = seal_envelope(
                                &success_plaintext("13800138000"),
                                &**signer,
                                Some(&*enc),
                                phone_core::SignType::Rsa2,
                            )?;
                            Ok(format!("{aes}\t{body}"))
                        })
                        .collect()
                })
            })
            .collect();
        halves
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| "sealing thread panicked")?
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<Vec<String>>, String>>()
            .map(|v| v.concat())
    })?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for l in lines {
        writeln!(f, "{l}")?;
    }
    Ok(())
}

fn read_envelopes(path: &str) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let f = std::io::BufReader::new(std::fs::File::open(path)?);
    f.lines()
        .map(|l| {
            let l = l?;
            let (aes, body) = l.split_once('\t').ok_or("bad line")?;
            Ok((aes.to_owned(), body.to_owned()))
        })
        .collect()
}

/// Child: N AES keys prepared alone on the backend.
fn aes_only(backend: Backend, path: &str) -> Result<f64, Box<dyn std::error::Error>> {
    // The envelopes stay alive as in the client run, so that neither run prepares into memory
    // the other freed.
    let envelopes = read_envelopes(path)?;
    let keys: Vec<ContentKey> = envelopes
        .iter()
        .map(|(aes, _)| ContentKey::parse(aes))
        .collect::<Result<_, _>>()?;
    let provider = backend.crypto_provider();
    let before = rss_bytes()?;
    let prepared: Vec<_> = keys
        .iter()
        .map(|k| provider.prepare_cipher(k))
        .collect::<Result<_, _>>()?;
    let after = rss_bytes()?;
    std::hint::black_box((&prepared, &envelopes));
    Ok((after.saturating_sub(before)) as f64 / keys.len() as f64)
}

/// Child: N merchants opened through the client (behind the key cache when `cached`).
fn client(backend: Backend, path: &str, cached: bool) -> Result<f64, Box<dyn std::error::Error>> {
    let envelopes = read_envelopes(path)?;
    let isv_public = isv_private()?.public_key().clone();
    let mut keys = StaticKeys::new().app("isv", AppKeyMaterial::new().with_rsa_public_key(isv_public));
    for (i, (aes, _)) in envelopes.iter().enumerate() {
        keys = keys.app(
            format!("m{i}"),
            AppKeyMaterial::new().with_aes_key(aes)?.verify_with("isv"),
        );
    }
    let mut builder = PhoneClient::builder().keys(keys).backend(backend);
    if cached {
        builder = builder.cache(KeyCache::default());
    }
    let client = builder.build()?;
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    let ids: Vec<String> = (0..envelopes.len()).map(|i| format!("m{i}")).collect();
    let before = rss_bytes()?;
    rt.block_on(async {
        for (id, (_, body)) in ids.iter().zip(&envelopes) {
            let phone = client.decrypt_phone(id, body).await?;
            assert_eq!(phone.reveal(), "13800138000");
        }
        Ok::<_, phone_core::Error>(())
    })?;
    let stats = client.stats();
    let after = rss_bytes()?;
    assert_eq!(stats.pool.verifiers, 1, "the ISV key is prepared once");
    eprintln!("{stats:?}");
    Ok((after.saturating_sub(before)) as f64 / envelopes.len() as f64)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 5 && args[1] == "--child" {
        let backend: Backend = args[3].parse()?;
        let per_app = match args[2].as_str() {
            "aes-only" => aes_only(backend, &args[4])?,
            "cached" => client(backend, &args[4], true)?,
            _ => client(backend, &args[4], false)?,
        };
        println!("{per_app:.0}");
        return Ok(());
    }
    let n: usize = args.get(1).map_or(Ok(100_000), |a| a.parse())?;
    let backend: Backend = args.get(2).map_or(Ok(Backend::default()), |a| a.parse())?;
    let path = std::env::temp_dir().join(format!("isv_scale_{n}_{}.tsv", std::process::id()));
    prepare_envelopes(n, &path)?;
    let run = |phase: &str| -> Result<f64, Box<dyn std::error::Error>> {
        let out = std::process::Command::new(std::env::current_exe()?)
            .args(["--child", phase, backend.name()])
            .arg(&path)
            .output()?;
        if !out.status.success() {
            return Err(format!("{phase}: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
        Ok(String::from_utf8(out.stdout)?.trim().parse()?)
    };
    let prepared = run("client");
    let aes_only = run("aes-only");
    let cached = run("cached");
    let _ = std::fs::remove_file(&path);
    let (prepared, aes_only, cached) = (prepared?, aes_only?, cached?);
    println!(
        "backend={} n={n} prepared_bytes_per_app={prepared:.0} aes_only_bytes_per_app={aes_only:.0} overhead_bytes_per_app={:.0} cached_bytes_per_app={cached:.0}",
        backend.name(),
        prepared - aes_only
    );
    Ok(())
}
