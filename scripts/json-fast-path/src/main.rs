//! Pipeline (parse, verify, decrypt, parse plaintext) with phone-core's JSON fast path against
//! serde alone, in alternating rounds in one process (the machine is shared and noisy), and the
//! two parsers alone. `cargo run --release -- time [rounds] [abba]`, or for callgrind one mode at a
//! time: `-- count fast|serde N [backend]` (run it with N = 0 too, and subtract the setup).

use std::hint::black_box;
use std::time::Instant;

use phone_core::{Charset, Envelope, ParseOptions, fuzz_envelope, parse_plaintext};
use phone_crypto::{AppKeys, Backend, decrypt_phone};

const PLAINTEXT: &[u8] = br#"{"code":"10000","msg":"Success","mobile":"13800138000"}"#;

fn demo(file: &str) -> String {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../crates/phone-crypto/tests/data/demo/"
    );
    std::fs::read_to_string(format!("{dir}{file}")).expect("demo data")
}

fn keys(backend: Backend) -> AppKeys {
    AppKeys::builder()
        .alipay_public_key(&demo("alipay_public_key.txt"))
        .expect("public key")
        .aes_key(&demo("aes_key.txt"))
        .expect("aes key")
        .build(backend)
        .expect("keys")
}

fn pipeline(keys: &AppKeys, body: &str) {
    black_box(decrypt_phone(keys, black_box(body)).is_ok());
}

fn parse_only(body: &str) {
    let opts = ParseOptions::default();
    black_box(Envelope::parse(black_box(body), &opts).is_ok());
    black_box(parse_plaintext(black_box(PLAINTEXT), Charset::Utf8).is_ok());
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Nanoseconds per call of `f` in each mode, `rounds` rounds each, fast and serde alternating
/// (A B A B, or A B B A with `abba`: neither mode always goes first).
fn alternate(rounds: usize, n: u32, abba: bool, f: &dyn Fn()) -> (f64, f64) {
    let (mut fast, mut serde) = (Vec::new(), Vec::new());
    for r in 0..2 * rounds {
        let on = if abba { matches!(r % 4, 0 | 3) } else { r % 2 == 0 };
        fuzz_envelope::set_fast_path(on);
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        let ns = t.elapsed().as_nanos() as f64 / f64::from(n);
        if on { fast.push(ns) } else { serde.push(ns) }
    }
    fuzz_envelope::set_fast_path(true);
    (median(&mut fast), median(&mut serde))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let body = demo("envelope.json");
    assert!(
        fuzz_envelope::fast(&body).is_some(),
        "the demo envelope takes the fast path"
    );
    match args.first().map(String::as_str) {
        Some("count") => {
            fuzz_envelope::set_fast_path(args[1] == "fast");
            let n: u32 = args[2].parse().expect("N");
            let backend = args
                .get(3)
                .map_or(Backend::default(), |b| Backend::from_name(b).expect("backend"));
            let keys = keys(backend);
            for _ in 0..n {
                pipeline(&keys, &body);
            }
            println!("{n} x pipeline ({backend}), fast path {}", args[1] == "fast");
        }
        _ => {
            let rounds: usize = args.get(1).map_or(11, |r| r.parse().expect("rounds"));
            let abba = args.get(2).is_some_and(|a| a == "abba");
            let (fast, serde) = alternate(rounds, 200_000, abba, &|| parse_only(&body));
            println!(
                "parsers alone (envelope + plaintext): fast path {fast:.0} ns, serde alone {serde:.0} ns, saves {:.0} ns",
                serde - fast
            );
            for backend in Backend::ALL {
                let keys = keys(*backend);
                pipeline(&keys, &body);
                let t = Instant::now();
                pipeline(&keys, &body);
                // About 0.3 s a round.
                let n = (0.3e9 / t.elapsed().as_nanos().max(1) as f64).clamp(50.0, 50_000.0) as u32;
                let (fast, serde) = alternate(rounds, n, abba, &|| pipeline(&keys, &body));
                println!(
                    "{:>10} pipeline: fast path {fast:.0} ns, serde alone {serde:.0} ns, serde/fast {:.4}, fast path worth {:.2}% ({rounds} rounds each, {n} payloads a round)",
                    backend.name(),
                    serde / fast,
                    (serde - fast) / serde * 100.0
                );
            }
        }
    }
}
