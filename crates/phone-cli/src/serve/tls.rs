//! TLS to PostgreSQL: the connector `--database-url` connects through, as its `sslmode` asks.

use std::path::Path;

use openssl::ssl::{SslConnector, SslMethod, SslVersion};
use openssl::x509::X509;
use postgres_openssl::MakeTlsConnector;

/// A connector that verifies the server's certificate chain and host name (or IP address)
/// against the system's roots and, when given, the CA certificates of the PEM file `ca`.
///
/// Errors are usage errors naming the file, never quoting it: a file given by mistake may be
/// a private key or a credential.
pub fn connector(ca: Option<&Path>) -> Result<MakeTlsConnector, String> {
    let setup = |e: openssl::error::ErrorStack| format!("cannot set up TLS for --database-url: {e}");
    // The builder loads the system's roots (default verify paths) and verifies the peer.
    let mut builder = SslConnector::builder(SslMethod::tls()).map_err(setup)?;
    // PostgreSQL 12 and later refuse anything older by default; so does this side.
    builder.set_min_proto_version(Some(SslVersion::TLS1_2)).map_err(setup)?;
    if let Some(path) = ca {
        for cert in read_ca(path)? {
            builder.cert_store_mut().add_cert(cert).map_err(setup)?;
        }
    }
    Ok(MakeTlsConnector::new(builder.build()))
}

/// The certificates of a PEM bundle: at least one, and nothing that is not a certificate.
fn read_ca(path: &Path) -> Result<Vec<X509>, String> {
    let not_pem = || {
        format!(
            "--database-ca {}: not a PEM bundle of CA certificates (-----BEGIN CERTIFICATE-----)",
            path.display()
        )
    };
    let bytes = std::fs::read(path).map_err(|e| format!("--database-ca {}: {e}", path.display()))?;
    // stack_from_pem stops quietly at the first block that is not a certificate (a private
    // key, say): every BEGIN line must have become one, or the file is not what it claims.
    let certs = X509::stack_from_pem(&bytes).map_err(|_| not_pem())?;
    let blocks = bytes.windows(11).filter(|w| w == b"-----BEGIN ").count();
    if certs.is_empty() || certs.len() != blocks {
        return Err(not_pem());
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn file(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("alipay-phone-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_ca_file_that_is_not_pem_is_refused_by_name_without_its_content() {
        let secret = "postgres://keys:hunter2@db/keys";
        for (name, text) in [
            ("empty.pem", ""),
            ("url.pem", secret),
            (
                "key.pem",
                "-----BEGIN PRIVATE KEY-----\nhunter2\n-----END PRIVATE KEY-----\n",
            ),
            (
                "broken.pem",
                "-----BEGIN CERTIFICATE-----\nhunter2\n-----END CERTIFICATE-----\n",
            ),
        ] {
            let path = file(name, text);
            let e = connector(Some(&path)).err().unwrap();
            assert!(
                e.starts_with(&format!("--database-ca {}: not a PEM", path.display())),
                "{e}"
            );
            assert!(!e.contains("hunter2"), "{e}");
        }
        let missing = std::env::temp_dir().join("alipay-phone-tls-no-such-file.pem");
        let e = connector(Some(&missing)).err().unwrap();
        assert!(e.starts_with(&format!("--database-ca {}: ", missing.display())), "{e}");
    }

    #[test]
    fn the_system_roots_alone_and_a_ca_bundle_load() {
        assert!(connector(None).is_ok());
        // A self-signed certificate made for this test (openssl crate, no file shipped).
        let key = openssl::pkey::PKey::from_ec_key(
            openssl::ec::EcKey::generate(
                &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        let mut name = openssl::x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "alipay-phone test CA").unwrap();
        let name = name.build();
        let mut cert = X509::builder().unwrap();
        cert.set_version(2).unwrap();
        cert.set_subject_name(&name).unwrap();
        cert.set_issuer_name(&name).unwrap();
        cert.set_pubkey(&key).unwrap();
        cert.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        cert.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        cert.sign(&key, openssl::hash::MessageDigest::sha256()).unwrap();
        let pem = String::from_utf8(cert.build().to_pem().unwrap()).unwrap();
        let path = file("ca.pem", &format!("# a comment before the block\n{pem}{pem}"));
        assert!(connector(Some(&path)).is_ok());
    }
}
