//! The built-in backends described for people: the README's table and the CLI's `--help`,
//! both from [`BUILTIN_BACKENDS`].

use std::fmt;

use crate::backend::BUILTIN_BACKENDS;

fn names(types: &[impl fmt::Display]) -> String {
    types.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
}

/// The sign types verified, with the smallest RSA key when it is above the SDK's 1024 bits.
fn verifies(caps: &crate::Capabilities) -> String {
    let types = names(&caps.sign_types());
    match caps.min_rsa_bits() {
        bits if bits > 1024 => format!("{types} (RSA keys of {bits} bits and up)"),
        _ => types,
    }
}

/// The backend table of the README, built from [`BUILTIN_BACKENDS`].
///
/// ```
/// assert!(phone_crypto::backend_table().contains("| `rustcrypto` |"));
/// ```
pub fn backend_table() -> String {
    let mut out = String::from(
        "| backend (feature) | verifies sign types | decrypts encrypt types | signs (feature `alipay-side`) | libraries |\n| --- | --- | --- | --- | --- |\n",
    );
    for b in BUILTIN_BACKENDS {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            b.feature,
            verifies(&b.capabilities),
            names(&b.capabilities.encrypt_types()),
            names(b.signs),
            b.libraries
        ));
    }
    out
}

/// One line per backend for the CLI's `--help`: name and what it verifies and decrypts.
pub fn backend_help() -> String {
    BUILTIN_BACKENDS
        .iter()
        .map(|b| {
            format!(
                "{}: verifies {}; decrypts {}{}",
                b.name,
                verifies(&b.capabilities),
                names(&b.capabilities.encrypt_types()),
                if b.compiled() { "" } else { " (not in this build)" }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
