//! The `unsupported_*` refusals of a provider without a part, each naming a built-in backend
//! that has it.

use phone_core::{EncryptType, Error, KeyProblem, KeyRole, SignType};

use crate::backend::BUILTIN_BACKENDS;
use crate::capabilities::Capabilities;

/// Names the built-in backends that pass `can`, saying which are not in this build.
fn who_can(can: impl Fn(&Capabilities) -> bool) -> String {
    let able: Vec<String> = BUILTIN_BACKENDS
        .iter()
        .filter(|b| can(&b.capabilities))
        .map(|b| {
            if b.compiled() {
                format!("the {} backend", b.name)
            } else {
                format!("the {} backend (feature `{}`)", b.name, b.feature)
            }
        })
        .collect();
    if able.is_empty() {
        "no backend of this SDK".into()
    } else {
        able.join(" or ")
    }
}

/// `unsupported_sign_type` for a provider without the sign type, naming one that has it.
pub(crate) fn unsupported_sign(backend: &str, sign_type: SignType) -> Error {
    Error::UnsupportedSignType {
        name: sign_type.as_str().to_owned(),
        reason: format!(
            "the {backend} backend cannot verify it; {} can",
            who_can(|c| c.verifies(sign_type))
        ),
    }
}

/// `unsupported_encrypt_type` for a provider without the algorithm, naming one that has it.
pub(crate) fn unsupported_encrypt(backend: &str, encrypt_type: EncryptType) -> Error {
    Error::UnsupportedEncryptType {
        name: encrypt_type.as_str().to_owned(),
        reason: format!(
            "the {backend} backend cannot decrypt it; {} can",
            who_can(|c| c.decrypts(encrypt_type))
        ),
    }
}

/// The `key_error` for an RSA key smaller than a provider's part takes, naming one that
/// takes it.
pub(crate) fn rsa_too_small(backend: &str, min_bits: usize, bits: usize) -> Error {
    Error::key(
        KeyRole::AlipayPublic,
        KeyProblem::Rejected(format!(
            "the {backend} backend verifies RSA keys of {min_bits} bits and up, this one has {bits}; {} can",
            who_can(|c| c.verifies_rsa_bits(bits))
        )),
    )
}
