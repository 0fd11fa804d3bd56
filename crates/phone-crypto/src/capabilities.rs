//! What each backend can do, as data: the one source for `open`'s `unsupported_*` errors, the
//! README's backend table and the CLI's `--help`.

use std::fmt;

use phone_core::{EncryptType, Error, SignType};

/// A family of Alipay public keys; one verifier factory serves all its sign types.
///
/// ```
/// use phone_crypto::SignAlgorithm;
/// use phone_core::SignType;
/// assert_eq!(SignAlgorithm::for_sign_type(SignType::Rsa2), Some(SignAlgorithm::Rsa));
/// assert_eq!(SignAlgorithm::Rsa.sign_types(), &[SignType::Rsa, SignType::Rsa2]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SignAlgorithm {
    /// RSA PKCS#1 v1.5: sign types `RSA` (SHA-1) and `RSA2` (SHA-256).
    Rsa,
    /// SM2 with SM3 and user id `1234567812345678`: sign type `SM2`.
    Sm2,
}

impl SignAlgorithm {
    /// Every algorithm the SDK knows.
    pub const ALL: [SignAlgorithm; 2] = [Self::Rsa, Self::Sm2];

    /// The sign types a key of this algorithm verifies.
    pub fn sign_types(self) -> &'static [SignType] {
        match self {
            Self::Rsa => &[SignType::Rsa, SignType::Rsa2],
            Self::Sm2 => &[SignType::Sm2],
        }
    }

    /// The algorithm a sign type needs.
    pub fn for_sign_type(sign_type: SignType) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.sign_types().contains(&sign_type))
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for SignAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::Rsa => "RSA",
            Self::Sm2 => "SM2",
        })
    }
}

/// A content cipher; one factory serves all its encrypt types.
///
/// ```
/// use phone_crypto::ContentAlgorithm;
/// use phone_core::EncryptType;
/// assert_eq!(ContentAlgorithm::for_encrypt_type(EncryptType::AesV2), Some(ContentAlgorithm::AesCbc));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ContentAlgorithm {
    /// AES-CBC with PKCS#7: encrypt types `AES` (zero IV) and `AES_V2` (IV prepended).
    AesCbc,
    /// SM4-GCM, the Java SDK's layout (IV, ciphertext, tag): encrypt type `SM4`.
    Sm4Gcm,
}

impl ContentAlgorithm {
    /// Every algorithm the SDK knows.
    pub const ALL: [ContentAlgorithm; 2] = [Self::AesCbc, Self::Sm4Gcm];

    /// The encrypt types this algorithm decrypts.
    pub fn encrypt_types(self) -> &'static [EncryptType] {
        match self {
            Self::AesCbc => &[EncryptType::Aes, EncryptType::AesV2],
            Self::Sm4Gcm => &[EncryptType::Sm4],
        }
    }

    /// The algorithm an encrypt type needs.
    pub fn for_encrypt_type(encrypt_type: EncryptType) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.encrypt_types().contains(&encrypt_type))
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for ContentAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::AesCbc => "AES-CBC",
            Self::Sm4Gcm => "SM4-GCM",
        })
    }
}

/// Which algorithms a backend verifies and decrypts.
///
/// ```
/// use phone_crypto::Backend;
/// use phone_core::{EncryptType, SignType};
/// let caps = Backend::default().provider().capabilities();
/// assert!(caps.verifies(SignType::Rsa2) && caps.decrypts(EncryptType::Aes));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Capabilities {
    verify: [bool; 2],
    decrypt: [bool; 2],
}

impl Capabilities {
    /// Capabilities from the algorithms listed.
    pub const fn new(verify: &[SignAlgorithm], decrypt: &[ContentAlgorithm]) -> Self {
        let mut c = Self {
            verify: [false; 2],
            decrypt: [false; 2],
        };
        let mut i = 0;
        while i < verify.len() {
            c.verify[verify[i] as usize] = true;
            i += 1;
        }
        let mut i = 0;
        while i < decrypt.len() {
            c.decrypt[decrypt[i] as usize] = true;
            i += 1;
        }
        c
    }

    pub(crate) fn from_fn(verify: impl Fn(SignAlgorithm) -> bool, decrypt: impl Fn(ContentAlgorithm) -> bool) -> Self {
        Self {
            verify: SignAlgorithm::ALL.map(verify),
            decrypt: ContentAlgorithm::ALL.map(decrypt),
        }
    }

    /// Whether keys of `algorithm` can be prepared.
    pub fn verifies_algorithm(&self, algorithm: SignAlgorithm) -> bool {
        self.verify[algorithm.index()]
    }

    /// Whether content keys for `algorithm` can be prepared.
    pub fn decrypts_algorithm(&self, algorithm: ContentAlgorithm) -> bool {
        self.decrypt[algorithm.index()]
    }

    /// Whether envelopes of `sign_type` can be verified.
    pub fn verifies(&self, sign_type: SignType) -> bool {
        SignAlgorithm::for_sign_type(sign_type).is_some_and(|a| self.verifies_algorithm(a))
    }

    /// Whether content of `encrypt_type` can be decrypted.
    pub fn decrypts(&self, encrypt_type: EncryptType) -> bool {
        ContentAlgorithm::for_encrypt_type(encrypt_type).is_some_and(|a| self.decrypts_algorithm(a))
    }

    /// The sign types verified, in the SDK's order.
    pub fn sign_types(&self) -> Vec<SignType> {
        SignAlgorithm::ALL
            .into_iter()
            .filter(|a| self.verifies_algorithm(*a))
            .flat_map(|a| a.sign_types().iter().copied())
            .collect()
    }

    /// The encrypt types decrypted, in the SDK's order.
    pub fn encrypt_types(&self) -> Vec<EncryptType> {
        ContentAlgorithm::ALL
            .into_iter()
            .filter(|a| self.decrypts_algorithm(*a))
            .flat_map(|a| a.encrypt_types().iter().copied())
            .collect()
    }
}

/// One of the SDK's own backends, described whether or not its feature is compiled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackendInfo {
    /// The backend's name (`--backend` value).
    pub name: &'static str,
    /// The Cargo feature that brings it.
    pub feature: &'static str,
    /// What it verifies and decrypts.
    pub capabilities: Capabilities,
    /// The sign types its Alipay-side signer produces (feature `alipay-side`).
    pub signs: &'static [SignType],
    /// Which library does what.
    pub libraries: &'static str,
}

impl BackendInfo {
    /// Whether this build has the backend.
    pub fn compiled(&self) -> bool {
        crate::Backend::from_name(self.name).is_some()
    }
}

const RSA_AES: Capabilities = Capabilities::new(&[SignAlgorithm::Rsa], &[ContentAlgorithm::AesCbc]);

/// The SDK's four backends. Each compiled backend's factories are tested to match its entry.
pub const BUILTIN_BACKENDS: [BackendInfo; 4] = [
    BackendInfo {
        name: "ring",
        feature: "ring",
        capabilities: RSA_AES,
        signs: &[SignType::Rsa2],
        libraries: "ring (RSA); RustCrypto aes + cbc (ring has no CBC)",
    },
    BackendInfo {
        name: "openssl",
        feature: "openssl",
        capabilities: RSA_AES,
        signs: &[SignType::Rsa, SignType::Rsa2],
        libraries: "the system OpenSSL 3",
    },
    BackendInfo {
        name: "rustcrypto",
        feature: "rustcrypto",
        capabilities: Capabilities::new(
            &[SignAlgorithm::Rsa, SignAlgorithm::Sm2],
            &[ContentAlgorithm::AesCbc, ContentAlgorithm::Sm4Gcm],
        ),
        signs: &[SignType::Rsa, SignType::Rsa2],
        libraries: "pure Rust: rsa, sm2, aes + cbc, sm4 + gcm",
    },
    BackendInfo {
        name: "aws-lc-rs",
        feature: "aws-lc-rs",
        capabilities: RSA_AES,
        signs: &[SignType::Rsa2],
        libraries: "AWS-LC (FIPS-capable)",
    },
];

fn names(types: &[impl fmt::Display]) -> String {
    types.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
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
            names(&b.capabilities.sign_types()),
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
                names(&b.capabilities.sign_types()),
                names(&b.capabilities.encrypt_types()),
                if b.compiled() { "" } else { " (not in this build)" }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

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

/// `unsupported_sign_type` for a backend without the algorithm, naming one that has it.
pub(crate) fn unsupported_sign(backend: &str, sign_type: SignType) -> Error {
    Error::UnsupportedSignType {
        name: sign_type.as_str().to_owned(),
        reason: format!(
            "the {backend} backend cannot verify it; {} can",
            who_can(|c| c.verifies(sign_type))
        ),
    }
}

/// `unsupported_encrypt_type` for a backend without the algorithm, naming one that has it.
pub(crate) fn unsupported_encrypt(backend: &str, encrypt_type: EncryptType) -> Error {
    Error::UnsupportedEncryptType {
        name: encrypt_type.as_str().to_owned(),
        reason: format!(
            "the {backend} backend cannot decrypt it; {} can",
            who_can(|c| c.decrypts(encrypt_type))
        ),
    }
}
