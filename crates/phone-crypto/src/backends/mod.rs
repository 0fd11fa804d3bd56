//! One file per backend. Each file is compiled whatever the features: its `parts!` list
//! describes the backend (name, feature, what it verifies, decrypts and signs) for refusals,
//! the README's table and `--help`, and, when its feature is on, assembles its
//! [`CryptoProvider`](crate::CryptoProvider) from the same list, so the description and the
//! parts cannot disagree. The parts themselves are behind the feature.

/// Writes a backend's `INFO` (always) and `provider()` (with its feature) from one list.
macro_rules! parts {
    (
        name: $name:literal,
        feature: $feature:literal,
        libraries: $libraries:literal,
        verify: [$($valg:ident [$($vst:ident),+] from $bits:literal bits => $vfac:expr),* $(,)?],
        decrypt: [$($calg:ident => $cfac:expr),* $(,)?],
        sign: [$($sst:ident),*] $(=> $sfac:expr)?,
        encrypt: [$($ealg:ident => $efac:expr),* $(,)?],
        generate: [$($gen:expr)?] $(,)?
    ) => {
        /// What this backend is and does, compiled in or not.
        pub(crate) const INFO: $crate::BackendInfo = $crate::BackendInfo {
            name: $name,
            feature: $feature,
            capabilities: $crate::Capabilities::new(
                &[$($($crate::phone_core::SignType::$vst,)+)*],
                &[$($crate::ContentAlgorithm::$calg,)*],
                $crate::backends::min_rsa_bits(&[$(($crate::SignAlgorithm::$valg, $bits),)*]),
            ),
            signs: &[$($crate::phone_core::SignType::$sst),*],
            libraries: $libraries,
        };

        #[doc = concat!("The `", $name, "` backend's parts, as `Backend::crypto_provider` hands them out: to take parts from for a provider of your own.")]
        #[cfg(feature = $feature)]
        #[cfg_attr(docsrs, doc(cfg(feature = $feature)))]
        pub fn provider() -> $crate::CryptoProvider {
            #[allow(unused_imports)]
            use std::sync::Arc;
            let provider = $crate::CryptoProvider::new($name)
                $(.with_verifier_part($crate::VerifierPart {
                    algorithm: $crate::SignAlgorithm::$valg,
                    sign_types: &[$($crate::phone_core::SignType::$vst),+],
                    min_bits: $bits,
                    backend: $name,
                    factory: Arc::new($vfac),
                }))*
                $(.with_cipher_part($crate::CipherPart {
                    algorithm: $crate::ContentAlgorithm::$calg,
                    backend: $name,
                    factory: Arc::new($cfac),
                }))*;
            #[cfg(feature = "alipay-side")]
            let provider = provider
                $(.with_signer_part($crate::SignerPart {
                    sign_types: INFO.signs,
                    factory: Arc::new($sfac),
                }))?
                $(.with_encryptor_part($crate::EncryptorPart {
                    algorithm: $crate::ContentAlgorithm::$ealg,
                    factory: Arc::new($efac),
                }))*
                $(.with_key_generator(Arc::new($gen)))?;
            provider
        }
    };
}
pub(crate) use parts;

/// The smallest RSA key of a `parts!` list's verifiers (0 without an RSA verifier).
pub(crate) const fn min_rsa_bits(verifiers: &[(crate::SignAlgorithm, usize)]) -> usize {
    let mut i = 0;
    while i < verifiers.len() {
        if matches!(verifiers[i].0, crate::SignAlgorithm::Rsa) {
            return verifiers[i].1;
        }
        i += 1;
    }
    0
}

#[cfg(any(feature = "ring", feature = "rustcrypto", feature = "graviola"))]
pub(crate) mod rustcrypto_aes;

pub mod aws_lc_rs;
pub mod graviola;
pub mod openssl;
pub mod ring;
pub mod rustcrypto;
