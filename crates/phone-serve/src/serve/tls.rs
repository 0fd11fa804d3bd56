//! TLS to PostgreSQL: the connector `--database-url` connects through, and what the URL's
//! `sslmode` and `--database-ca` make of it.
//!
//! - `--database-ca FILE`: TLS or no connection (whatever `prefer` would allow), the server's
//!   certificate verified against that file's certificates only (like libpq's `sslrootcert`);
//!   `sslmode=disable` with it is a usage error.
//! - `sslmode=verify-ca` and `verify-full` (libpq's) mean `require`: serve always verifies
//!   the chain and the host name.
//! - Without `--database-ca`, the system's roots; `prefer` (the URL's default) to a host off
//!   this machine starts with a warning: it can be downgraded to plain text.

use std::borrow::Cow;
use std::net::IpAddr;
use std::path::Path;

use openssl::ssl::{SslConnector, SslMethod, SslVersion};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use postgres_openssl::MakeTlsConnector;
use tokio_postgres::Config;
use tokio_postgres::config::{Host, SslMode};

/// What to do when the server's certificate does not verify: said at startup and in
/// `/readyz`'s reason.
pub const NOT_VERIFIED_HINT: &str = "the database server's certificate does not verify (chain or host name): \
give --database-ca with the server's CA, or sslmode=disable on a trusted network";

/// A connector that verifies the server's certificate chain and host name (or IP address):
/// against the CA certificates of the PEM file `ca` alone when given, else against the
/// system's roots.
///
/// Errors are usage errors naming the file, never quoting it: a file given by mistake may be
/// a private key or a credential.
pub fn connector(ca: Option<&Path>) -> Result<MakeTlsConnector, String> {
    Ok(MakeTlsConnector::new(ssl_connector(ca)?))
}

fn ssl_connector(ca: Option<&Path>) -> Result<SslConnector, String> {
    let setup = |e: openssl::error::ErrorStack| format!("cannot set up TLS for --database-url: {e}");
    // The builder loads the system's roots (default verify paths) and verifies the peer.
    let mut builder = SslConnector::builder(SslMethod::tls()).map_err(setup)?;
    // PostgreSQL 12 and later refuse anything older by default; so does this side.
    builder.set_min_proto_version(Some(SslVersion::TLS1_2)).map_err(setup)?;
    // ALPN "postgresql": what PostgreSQL 17 requires of sslnegotiation=direct.
    postgres_openssl::set_postgresql_alpn(&mut builder).map_err(setup)?;
    if let Some(path) = ca {
        // A store of the file's certificates alone replaces the one with the system's roots:
        // a server certificate from any public CA must not pass for the database's.
        let mut store = X509StoreBuilder::new().map_err(setup)?;
        for cert in read_ca(path)? {
            store.add_cert(cert).map_err(setup)?;
        }
        builder.set_cert_store(store.build());
    }
    Ok(builder.build())
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
    // stack_from_pem skips blocks that are not certificates (a private key, say) without a
    // word: the count check below catches them, every BEGIN line must have become one.
    let certs = X509::stack_from_pem(&bytes).map_err(|_| not_pem())?;
    let blocks = bytes.windows(11).filter(|w| w == b"-----BEGIN ").count();
    if certs.is_empty() || certs.len() != blocks {
        return Err(not_pem());
    }
    Ok(certs)
}

/// `--database-url` checked against `--database-ca`: the configuration to connect with.
#[derive(Debug)]
pub struct Database {
    /// The URL parsed, `verify-ca`/`verify-full` read as `require`.
    pub config: Config,
    /// TLS or no connection, whatever the URL's `sslmode` says (`--database-ca` given).
    pub require_tls: bool,
    /// `prefer` to a host off this machine: the host, for the startup warning.
    pub downgradable: Option<String>,
}

/// The startup warning when [`Database::downgradable`] names a host.
pub const PREFER_WARNING: &str = "--database-url has sslmode=prefer (the default when it has none): \
anyone on the network path to the database can answer \"no TLS\" and read the keys in plain text; \
set sslmode=require (or verify-full) in the URL, with --database-ca FILE when the server's CA is not a system root";

const NOT_PARSED: &str = "--database-url: the PostgreSQL URL does not parse \
(postgres://user:password@host:port/dbname?sslmode=require, or host=... dbname=... key=value pairs)";

/// Parses `url` (never quoting the parser's message, which may hold the password) and applies
/// the policy of this module's documentation. Errors are usage errors.
pub fn database(url: &str, ca: bool) -> Result<Database, String> {
    let config: Config = verify_as_require(url).parse().map_err(|_| NOT_PARSED.to_owned())?;
    if !ca {
        let downgradable = match config.get_ssl_mode() {
            SslMode::Prefer => remote_host(&config),
            _ => None,
        };
        return Ok(Database {
            config,
            require_tls: false,
            downgradable,
        });
    }
    if config.get_ssl_mode() == SslMode::Disable {
        return Err(
            "--database-url says sslmode=disable while --database-ca asks for TLS to the database: \
                    they contradict; drop one of them"
                .into(),
        );
    }
    #[cfg(unix)]
    if let Some(Host::Unix(dir)) = config.get_hosts().iter().find(|h| matches!(h, Host::Unix(_))) {
        return Err(format!(
            "--database-ca: the --database-url host {} is a Unix socket, where PostgreSQL has no TLS; \
             give a TCP host, or drop --database-ca",
            dir.display()
        ));
    }
    if config.get_hosts().is_empty() && !config.get_hostaddrs().is_empty() {
        return Err(
            "--database-ca verifies the database server's host name: --database-url needs a host \
                    (hostaddr alone names none)"
                .into(),
        );
    }
    Ok(Database {
        config,
        require_tls: true,
        downgradable: None,
    })
}

fn is_verify(mode: &str) -> bool {
    mode == "verify-ca" || mode == "verify-full"
}

/// `url` with libpq's `sslmode=verify-ca` and `verify-full`, which tokio-postgres does not
/// parse, as `sslmode=require` (serve verifies the chain and the host name anyway), in either
/// form: URI (`postgres://...?sslmode=verify-full`, percent-encoded or not) or key-value
/// (`host=db sslmode=verify-full`, quoted or not). Read as tokio-postgres reads them; what it
/// would not parse is left alone, for it to refuse.
fn verify_as_require(url: &str) -> Cow<'_, str> {
    let rest = ["postgres://", "postgresql://"]
        .iter()
        .find_map(|prefix| url.strip_prefix(prefix));
    let rewritten = match rest {
        Some(rest) => uri_verify_as_require(url, url.len() - rest.len()),
        None => key_value_verify_as_require(url),
    };
    rewritten.map_or(Cow::Borrowed(url), Cow::Owned)
}

/// The URI form: credentials up to the first `@`, the query from the next `?`, then
/// `key=value` pairs split at the first `=` and the next `&`.
fn uri_verify_as_require(url: &str, after_prefix: usize) -> Option<String> {
    let rest = &url[after_prefix..];
    let hosts = rest.find('@').map_or(0, |at| at + 1);
    let mut at = after_prefix + hosts + rest[hosts..].find('?')? + 1;
    let mut out = String::with_capacity(url.len());
    let mut copied = 0;
    while at < url.len() {
        let eq = at + url[at..].find('=')?;
        let end = url[eq + 1..].find('&').map_or(url.len(), |amp| eq + 1 + amp);
        let key = percent_decode(&url[at..eq]);
        let value = percent_decode(&url[eq + 1..end]);
        if key.as_deref() == Some("sslmode") && value.as_deref().is_some_and(is_verify) {
            out.push_str(&url[copied..eq + 1]);
            out.push_str("require");
            copied = end;
        }
        at = end + 1;
    }
    (copied > 0).then(|| out + &url[copied..])
}

/// The key-value form: `key = value` pairs separated by white space, a value either
/// `'quoted'` or up to the next white space, `\` escaping the next character in both.
fn key_value_verify_as_require(text: &str) -> Option<String> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let pos = |i: usize| chars.get(i).map_or(text.len(), |&(p, _)| p);
    let ws = |i: usize| chars.get(i).is_some_and(|&(_, c)| c.is_whitespace());
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    loop {
        while ws(i) {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let key_start = i;
        while i < chars.len() && !ws(i) && chars[i].1 != '=' {
            i += 1;
        }
        let key = &text[pos(key_start)..pos(i)];
        while ws(i) {
            i += 1;
        }
        if chars.get(i)?.1 != '=' {
            return None;
        }
        i += 1;
        while ws(i) {
            i += 1;
        }
        let value_start = pos(i);
        let mut value = String::new();
        if chars.get(i).is_some_and(|&(_, c)| c == '\'') {
            i += 1;
            loop {
                let &(_, c) = chars.get(i)?;
                i += 1;
                match c {
                    '\'' => break,
                    '\\' => {
                        value.push(chars.get(i)?.1);
                        i += 1;
                    }
                    c => value.push(c),
                }
            }
        } else {
            while i < chars.len() && !ws(i) {
                if chars[i].1 == '\\' {
                    i += 1;
                    if let Some(&(_, c)) = chars.get(i) {
                        value.push(c);
                    }
                } else {
                    value.push(chars[i].1);
                }
                i += 1;
            }
        }
        if key == "sslmode" && is_verify(&value) {
            out.push_str(&text[copied..value_start]);
            out.push_str("require");
            copied = pos(i);
        }
    }
    (copied > 0).then(|| out + &text[copied..])
}

/// `%XX` decoded (a `%` not followed by two hex digits stays, as libpq reads it); None when
/// the result is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

/// The first host the connection would reach off this machine (what a downgrade needs: a
/// network path), or None when every one is loopback (127.0.0.0/8, ::1, `localhost`) or a
/// Unix socket. The socket goes to `hostaddr` when given, else to `host`.
fn remote_host(config: &Config) -> Option<String> {
    let (hosts, addrs) = (config.get_hosts(), config.get_hostaddrs());
    (0..hosts.len().max(addrs.len())).find_map(|i| match (addrs.get(i), hosts.get(i)) {
        (Some(ip), _) => (!is_loopback_ip(*ip)).then(|| ip.to_string()),
        (None, Some(Host::Tcp(name))) => (!is_loopback_name(name)).then(|| name.clone()),
        #[cfg(unix)]
        (None, Some(Host::Unix(_))) => None,
        (None, None) => None,
    })
}

fn is_loopback_ip(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

fn is_loopback_name(name: &str) -> bool {
    let name = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')).unwrap_or(name);
    name.eq_ignore_ascii_case("localhost") || name.parse().is_ok_and(is_loopback_ip)
}

/// Whether `e` (or a cause of it) is a TLS handshake that failed because the server's
/// certificate did not verify (an unknown CA, a host name it does not hold, expired).
pub fn certificate_not_verified(e: &(dyn std::error::Error + 'static)) -> bool {
    const REASON: &str = "certificate verify failed";
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(ssl) = e.downcast_ref::<openssl::ssl::Error>()
            && ssl
                .ssl_error()
                .is_some_and(|stack| stack.errors().iter().any(|e| e.reason() == Some(REASON)))
        {
            return true;
        }
        // The driver wraps the TLS crate's error in types of its own: their text says it.
        if e.to_string().contains(REASON) {
            return true;
        }
        next = e.source();
    }
    false
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

    /// A key and a certificate for `cn`, self-signed (`issuer` None: a CA) or signed by
    /// `issuer`; made at test time with the openssl crate, no file shipped.
    fn cert(
        cn: &str,
        issuer: Option<&(openssl::pkey::PKey<openssl::pkey::Private>, X509)>,
    ) -> (openssl::pkey::PKey<openssl::pkey::Private>, X509) {
        use openssl::x509::extension::BasicConstraints;
        let key = openssl::pkey::PKey::from_ec_key(
            openssl::ec::EcKey::generate(
                &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        let mut name = openssl::x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", cn).unwrap();
        let name = name.build();
        let mut cert = X509::builder().unwrap();
        cert.set_version(2).unwrap();
        let serial = openssl::bn::BigNum::from_u32(fastrand_serial()).unwrap();
        cert.set_serial_number(&serial.to_asn1_integer().unwrap()).unwrap();
        cert.set_subject_name(&name).unwrap();
        cert.set_issuer_name(issuer.map_or(&name, |(_, c)| c.subject_name()))
            .unwrap();
        cert.set_pubkey(&key).unwrap();
        cert.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        cert.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        let constraints = if issuer.is_none() {
            BasicConstraints::new().critical().ca().build()
        } else {
            BasicConstraints::new().build()
        };
        cert.append_extension(constraints.unwrap()).unwrap();
        let signer = issuer.map_or(&key, |(k, _)| k);
        cert.sign(signer, openssl::hash::MessageDigest::sha256()).unwrap();
        (key, cert.build())
    }

    fn fastrand_serial() -> u32 {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(1);
        N.fetch_add(1, Ordering::Relaxed)
    }

    /// Whether `cert` verifies against the trust store of `connector`.
    fn trusts(connector: &SslConnector, cert: &X509) -> bool {
        let config = connector.configure().unwrap();
        let store = config.ssl_context().cert_store();
        let chain = openssl::stack::Stack::new().unwrap();
        let mut ctx = openssl::x509::X509StoreContext::new().unwrap();
        ctx.init(store, cert, &chain, |c| c.verify_cert()).unwrap()
    }

    #[test]
    fn the_system_roots_alone_and_a_ca_bundle_load() {
        assert!(connector(None).is_ok());
        let (_, ca) = cert("alipay-phone test CA", None);
        let pem = String::from_utf8(ca.to_pem().unwrap()).unwrap();
        let path = file("ca.pem", &format!("# a comment before the block\n{pem}{pem}"));
        assert!(connector(Some(&path)).is_ok());
    }

    #[test]
    fn a_ca_file_is_the_only_trust_the_system_roots_are_not() {
        let ca = cert("alipay-phone test CA", None);
        let other = cert("another test CA", None);
        let pem = String::from_utf8(ca.1.to_pem().unwrap()).unwrap();
        let path = file("only.pem", &pem);
        let with_file = ssl_connector(Some(&path)).unwrap();
        let system = ssl_connector(None).unwrap();

        // The store holds exactly the file's certificates.
        let config = with_file.configure().unwrap();
        let held: Vec<Vec<u8>> = config
            .ssl_context()
            .cert_store()
            .all_certificates()
            .iter()
            .map(|c| c.to_der().unwrap())
            .collect();
        assert!(
            held == [ca.1.to_der().unwrap()],
            "{} certificates in the store, not the file's one",
            held.len()
        );

        // A server certificate of the file's CA verifies; one of another CA does not.
        let (_, server) = cert("db.internal", Some(&ca));
        let (_, stranger) = cert("db.internal", Some(&other));
        assert!(trusts(&with_file, &server));
        assert!(!trusts(&with_file, &stranger));
        assert!(!trusts(&system, &server));

        // A root the system trusts (when this machine has a bundle) is not trusted with the file.
        let bundle = [
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/cert.pem",
        ]
        .iter()
        .find_map(|p| std::fs::read(p).ok());
        let Some(bundle) = bundle else {
            eprintln!("no system CA bundle: the system-root half of this test is skipped");
            return;
        };
        let roots = X509::stack_from_pem(&bundle).unwrap();
        let root = roots
            .iter()
            .find(|r| trusts(&system, r))
            .expect("a root of the system bundle that the system store verifies");
        assert!(!trusts(&with_file, root), "a system root passed with --database-ca");
    }

    #[test]
    fn verify_ca_and_verify_full_read_as_require_in_both_url_forms() {
        for (url, expected) in [
            (
                "postgres://u:p@db/keys?sslmode=verify-full",
                "postgres://u:p@db/keys?sslmode=require",
            ),
            (
                "postgresql://db/keys?application_name=x&sslmode=verify-ca&connect_timeout=3",
                "postgresql://db/keys?application_name=x&sslmode=require&connect_timeout=3",
            ),
            (
                "postgres://db/keys?ssl%6Dode=verify%2Dfull",
                "postgres://db/keys?ssl%6Dode=require",
            ),
            (
                "postgres://db/keys?sslmode=verify-full&sslmode=prefer",
                "postgres://db/keys?sslmode=require&sslmode=prefer",
            ),
            (
                "host=db sslmode=verify-full dbname=keys",
                "host=db sslmode=require dbname=keys",
            ),
            ("host=db sslmode = 'verify-ca'", "host=db sslmode = require"),
            ("sslmode=verify-full", "sslmode=require"),
        ] {
            assert_eq!(verify_as_require(url), expected, "{url}");
        }
        // Left alone: other modes, and verify-full where it is not the sslmode (a password).
        for url in [
            "postgres://u:p@db/keys?sslmode=require",
            "postgres://db/keys",
            "postgres://u:pw?sslmode=verify-full@db/keys",
            "host=db password='x sslmode=verify-full'",
            "host=db password=x\\ sslmode=verify-full",
            "host=db sslmode=disable",
            "host=db sslmode",
        ] {
            assert!(matches!(verify_as_require(url), Cow::Borrowed(u) if u == url), "{url}");
        }
        for url in [
            "postgres://u:p@db/keys?sslmode=verify-full",
            "host=db user=u sslmode='verify-ca'",
        ] {
            let d = database(url, false).unwrap();
            assert_eq!(d.config.get_ssl_mode(), SslMode::Require, "{url}");
            assert!(!d.require_tls && d.downgradable.is_none(), "{url}");
        }
    }

    #[test]
    fn prefer_to_a_host_off_this_machine_is_downgradable() {
        for (url, remote) in [
            ("postgres://u@db.example.com/keys", Some("db.example.com")),
            (
                "postgres://u@db.example.com/keys?sslmode=prefer",
                Some("db.example.com"),
            ),
            ("host=10.0.0.7 dbname=keys", Some("10.0.0.7")),
            ("postgres://u@localhost,db.example.com/keys", Some("db.example.com")),
            ("host=localhost hostaddr=10.0.0.7", Some("10.0.0.7")),
            ("postgres://u@127.0.0.1/keys", None),
            ("postgres://u@127.9.9.9:6432/keys", None),
            ("postgres://u@LOCALHOST/keys", None),
            ("postgres://u@[::1]:5432/keys", None),
            ("host=::1", None),
            ("host=db.invalid hostaddr=127.0.0.1", None),
            ("host=db.invalid hostaddr=::ffff:127.0.0.1", None),
            ("host=/var/run/postgresql dbname=keys", None),
            ("postgres://u@%2Fvar%2Frun%2Fpostgresql/keys", None),
            ("postgres://u@db.example.com/keys?sslmode=require", None),
            ("postgres://u@db.example.com/keys?sslmode=disable", None),
        ] {
            let d = database(url, false).unwrap();
            assert_eq!(d.downgradable.as_deref(), remote, "{url}");
            assert!(!d.require_tls, "{url}");
        }
    }

    #[test]
    fn a_ca_file_requires_tls_and_contradicts_disable() {
        for url in [
            "postgres://u@db.example.com/keys",
            "postgres://u@127.0.0.1/keys?sslmode=prefer",
            "postgres://u@db.example.com/keys?sslmode=require",
            "host=db.example.com sslmode=verify-full",
        ] {
            let d = database(url, true).unwrap();
            assert!(d.require_tls && d.downgradable.is_none(), "{url}");
        }
        let e = database("postgres://u:hunter2@db/keys?sslmode=disable", true).unwrap_err();
        assert!(e.contains("contradict") && !e.contains("hunter2"), "{e}");
        let e = database("host=/var/run/postgresql dbname=keys", true).unwrap_err();
        assert!(e.contains("Unix socket"), "{e}");
        let e = database("hostaddr=10.0.0.7 dbname=keys", true).unwrap_err();
        assert!(e.contains("needs a host"), "{e}");
    }

    #[test]
    fn a_url_that_does_not_parse_is_refused_without_quoting_it() {
        for url in [
            "postgres://u:hunter2@db/keys?sslmode=bogus",
            "postgres://u:hunter2@db/keys?sslmode=allow",
            "user=u password=hunter2 sslmode",
            "postgres://u:hunter2@[db/keys",
        ] {
            for ca in [false, true] {
                let e = database(url, ca).unwrap_err();
                assert!(e.contains("does not parse") && !e.contains("hunter2"), "{e}");
            }
        }
    }

    #[derive(Debug)]
    struct Wrapped(&'static str, Option<Box<Wrapped>>);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn a_certificate_that_does_not_verify_is_found_in_the_chain() {
        let failed = Wrapped(
            "the PostgreSQL key store is unavailable",
            Some(Box::new(Wrapped(
                "error performing TLS handshake",
                Some(Box::new(Wrapped(
                    "error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed",
                    None,
                ))),
            ))),
        );
        assert!(certificate_not_verified(&failed));
        let refused = Wrapped(
            "the PostgreSQL key store is unavailable",
            Some(Box::new(Wrapped("server does not support TLS", None))),
        );
        assert!(!certificate_not_verified(&refused));
    }
}
