//! PgKeys against a real PostgreSQL (no mock). The tests that need the server are ignored by
//! default; run them through the throwaway cluster of `scripts/with-postgres.sh`:
//!
//! ```text
//! scripts/with-postgres.sh cargo test -p phone-client --features postgres --test postgres -- --include-ignored
//! ```
//!
//! Each test works in a database of its own, so they run in parallel; the one that stops the
//! server takes the lock exclusively.
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, missing_docs)]

use std::future::Future;
use std::time::{Duration, Instant};

use phone_client::{AppId, AppKeyMaterial, CachingKeys, KeyProvider, PgKeys, PhoneClient, ProviderError};
use phone_core::{Error, KeyProblem, KeyRole, SignType};
use phone_crypto::{Backend, ContentKey, RsaPrivateKey, seal_envelope, success_plaintext};
use tokio_postgres::{Client, NoTls};
mod common;
use common::{aid, demo, key};

const NEEDS_PG: &str = "needs PostgreSQL: scripts/with-postgres.sh cargo test -p phone-client --features postgres --test postgres -- --include-ignored";

/// Shared by the tests that only use the server; taken exclusively by the one that stops it.
static SERVER: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

const OLD_AES: &str = "MDEyMzQ1Njc4OWFiY2RlZg==";
const NEW_AES: &str = "ZmVkY2JhOTg3NjU0MzIxMA==";

fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| panic!("DATABASE_URL is unset: these tests need a PostgreSQL server; {NEEDS_PG}"))
}

async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
    tokio::spawn(connection);
    client
}

/// A fresh, empty database `name`; its URL and an admin (superuser) client on it.
async fn empty_database(name: &str) -> (String, Client) {
    let url = database_url();
    let server = connect(&url).await;
    server
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
    server.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    let url = format!("{base}/{name}");
    let client = connect(&url).await;
    (url, client)
}

/// A fresh database `name` with the migration applied; its URL and an admin client on it.
async fn fresh_database(name: &str) -> (String, Client) {
    let (url, client) = empty_database(name).await;
    PgKeys::migrate_with(&client).await.unwrap();
    (url, client)
}

/// A login role `role` of the cluster (roles are cluster-wide: created once per cluster), and
/// `url` as that role (the throwaway cluster trusts local logins: no password).
async fn as_role(db: &Client, url: &str, role: &str) -> String {
    db.batch_execute(&format!(
        "DO $$ BEGIN CREATE ROLE {role} LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    ))
    .await
    .unwrap();
    let (scheme, rest) = url.split_once("://").unwrap();
    let (_, rest) = rest.split_once('@').unwrap();
    format!("{scheme}://{role}@{rest}")
}

/// `url` with its port replaced by `port` (same host).
fn with_port(url: &str, port: u16) -> String {
    let config: tokio_postgres::Config = url.parse().unwrap();
    let old = config.get_ports()[0];
    url.replacen(&format!(":{old}/"), &format!(":{port}/"), 1)
}

/// Runs an UPDATE of `app_id` as a change whose notification is missed: no trigger fires (so
/// no NOTIFY), and updated_at is stamped by hand, as the trigger would have.
async fn update_unnotified(db: &Client, app_id: &str, aes_keys: &[&str]) {
    let aes_keys: Vec<String> = aes_keys.iter().map(|s| s.to_string()).collect();
    db.batch_execute("SET session_replication_role = replica")
        .await
        .unwrap();
    db.execute(
        "UPDATE alipay_phone_keys SET aes_keys = $2, updated_at = clock_timestamp() WHERE app_id = $1",
        &[&app_id, &aes_keys],
    )
    .await
    .unwrap();
    db.batch_execute("RESET session_replication_role").await.unwrap();
}

/// A TCP proxy to the test server. Its `gated`-th accepted connection (from 0) holds the
/// server's answer to an executed statement (from its BindComplete on) while the gate is
/// closed: the statement has run, and read what it read, but the client does not know yet.
/// Frozen, it forwards nothing either way and new connections get no answer: a database
/// that went silent (a dropped route, a firewall that drops packets).
struct Proxy {
    port: u16,
    gate: tokio::sync::watch::Sender<bool>,
    frozen: tokio::sync::watch::Sender<bool>,
}

impl Proxy {
    async fn start(gated: usize) -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let config: tokio_postgres::Config = database_url().parse().unwrap();
        let target = format!("127.0.0.1:{}", config.get_ports()[0]);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (gate, open) = tokio::sync::watch::channel(true);
        let (frozen, thawed) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            let mut n = 0usize;
            while let Ok((client, _)) = listener.accept().await {
                let (open, mut thawed, target) = (open.clone(), thawed.clone(), target.clone());
                let gated = n == gated;
                n += 1;
                tokio::spawn(async move {
                    if thawed.wait_for(|f| !*f).await.is_err() {
                        return;
                    }
                    let server = tokio::net::TcpStream::connect(&target).await.unwrap();
                    let (mut client_rx, mut client_tx) = client.into_split();
                    let (mut server_rx, mut server_tx) = server.into_split();
                    let mut up = thawed.clone();
                    tokio::spawn(async move {
                        let mut buf = vec![0u8; 64 * 1024];
                        while let Ok(read @ 1..) = client_rx.read(&mut buf).await {
                            if up.wait_for(|f| !*f).await.is_err() || server_tx.write_all(&buf[..read]).await.is_err() {
                                break;
                            }
                        }
                    });
                    let (mut open, mut down) = (open, thawed);
                    let mut pending = Vec::new();
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(read @ 1..) = server_rx.read(&mut buf).await {
                        // Whole messages (a type byte, then a length that counts itself).
                        pending.extend_from_slice(&buf[..read]);
                        while pending.len() >= 5 {
                            let len = u32::from_be_bytes(pending[1..5].try_into().unwrap()) as usize + 1;
                            if pending.len() < len {
                                break;
                            }
                            let message: Vec<u8> = pending.drain(..len).collect();
                            if gated && message[0] == b'2' && open.wait_for(|o| *o).await.is_err() {
                                return;
                            }
                            if down.wait_for(|f| !*f).await.is_err() || client_tx.write_all(&message).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        Self { port, gate, frozen }
    }

    fn freeze(&self) {
        self.frozen.send_replace(true);
    }

    fn url(&self, url: &str) -> String {
        with_port(url, self.port)
    }

    fn close(&self) {
        self.gate.send_replace(false);
    }

    fn open(&self) {
        self.gate.send_replace(true);
    }
}

/// An Alipay-side key pair: the private key signs envelopes, the public key goes in the table.
struct Signer {
    private: RsaPrivateKey,
}

impl Signer {
    fn demo() -> Self {
        Self::from_pem(&demo("alipay_private_key.pem"))
    }

    fn from_pem(pem: &str) -> Self {
        Self {
            private: RsaPrivateKey::parse(pem).unwrap(),
        }
    }

    /// The public key as the console shows it (one line of base64).
    fn public(&self) -> String {
        self.private.public_key().to_spki_base64()
    }

    fn seal(&self, aes: &str, mobile: &str) -> String {
        let p = Backend::default().alipay_side();
        seal_envelope(
            &success_plaintext(mobile),
            &*p.prepare_signer(&self.private).unwrap(),
            Some(
                &*p.prepare_encryptor(phone_crypto::ContentAlgorithm::AesCbc, &ContentKey::parse(aes).unwrap())
                    .unwrap(),
            ),
            SignType::Rsa2,
        )
        .unwrap()
    }
}

async fn put(db: &Client, app_id: &str, public_keys: &[&str], aes_keys: &[&str], verify_with: Option<&str>) {
    let public_keys: Vec<String> = public_keys.iter().map(|s| s.to_string()).collect();
    let aes_keys: Vec<String> = aes_keys.iter().map(|s| s.to_string()).collect();
    db.execute(
        "INSERT INTO alipay_phone_keys (app_id, alipay_public_keys, aes_keys, verify_with) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (app_id) DO UPDATE SET alipay_public_keys = $2, aes_keys = $3, verify_with = $4",
        &[&app_id, &public_keys, &aes_keys, &verify_with],
    )
    .await
    .unwrap();
}

/// A `PgKeys` behind the cache a client puts in front of it (the provider itself is a plain
/// loader): what these tests load through, so that they see what a service sees.
#[derive(Clone)]
struct Cached {
    pg: PgKeys,
    cache: CachingKeys,
}

impl std::fmt::Debug for Cached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.pg.fmt(f)
    }
}

impl std::ops::Deref for Cached {
    type Target = PgKeys;
    fn deref(&self) -> &PgKeys {
        &self.pg
    }
}

impl Cached {
    async fn load(&self, app_id: &AppId) -> Result<Option<std::sync::Arc<AppKeyMaterial>>, ProviderError> {
        self.cache.load(app_id).await
    }
}

/// The cache with the policy the provider asks for, subscribed to its changes.
fn cached(pg: PgKeys) -> Cached {
    let cache = CachingKeys::new(pg.clone());
    Cached { pg, cache }
}

fn client(keys: &PgKeys) -> PhoneClient {
    PhoneClient::builder().keys(keys.clone()).build().unwrap()
}

async fn mobile(client: &PhoneClient, app_id: &str, body: &str) -> Result<String, Error> {
    client.decrypt_phone(app_id, body).await.map(|p| p.reveal().to_owned())
}

/// Polls `check` until it holds; panics after `within`. Returns how long it took.
async fn eventually<F, Fut>(what: &str, within: Duration, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn is_store_down(e: &Error) -> bool {
    matches!(
        e,
        Error::KeyError {
            role: KeyRole::KeyProvider,
            problem: KeyProblem::ProviderFailed(why),
            ..
        } if why.contains("unavailable")
    )
}

#[tokio::test]
async fn debug_and_errors_never_show_the_password_and_implausible_ids_are_not_queried() {
    // Port 1 on loopback: nothing listens, so any query fails at once.
    let keys = cached(
        PgKeys::builder("postgres://alipay:hunter2@127.0.0.1:1/keys")
            .unwrap()
            .query_timeout(Duration::from_secs(2))
            .build()
            .unwrap(),
    );
    let shown = format!("{keys:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("postgres://alipay:***@127.0.0.1:1/keys"), "{shown}");
    let builder = format!(
        "{:?}",
        PgKeys::builder("postgres://alipay:hunter2@127.0.0.1:1/keys").unwrap()
    );
    assert!(!builder.contains("hunter2"), "{builder}");
    let bad = PgKeys::builder("postgres://alipay:hunter2@127.0.0.1:notaport/keys").unwrap_err();
    assert!(!bad.to_string().contains("hunter2"), "{bad}");

    // Not worth a query: no AppId, so the client answers "unknown app" (404) without touching
    // the (unreachable) store, which would have answered 503.
    let client = client(&keys);
    for id in ["", "bad id", "a'; DROP TABLE alipay_phone_keys; --", &"9".repeat(65)] {
        assert!(AppId::parse(id).is_err(), "{id:?}");
        let e = client.decrypt_phone(id, &demo("envelope.json")).await.unwrap_err();
        assert_eq!((e.kind(), e.http_status()), ("key_error", 404), "{id:?}: {e}");
    }
    // A plausible one is queried, and the unreachable store is a temporary, server-side error.
    let e = Error::from(keys.load(&aid("2021000000000001")).await.unwrap_err());
    assert!(is_store_down(&e), "{e}");
    assert_eq!(e.http_status(), 503);
    assert!(!e.to_string().contains("hunter2"), "{e}");
    // The driver's words are for the log (and the error's source), not for HTTP callers.
    assert!(!e.to_string().contains("os error"), "{e}");
    assert!(e.to_string().contains("details in this service's log"), "{e}");
    assert!(causes(&e).contains("connect"), "{}", causes(&e));
    assert!(keys.ready().await.is_err());
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn migration_applies_twice_and_matches_the_files() {
    let _server = SERVER.read().await;
    let (url, db) = fresh_database("pg_migrate").await;
    // Once more through the library, once more as psql would (the file as it is).
    PgKeys::migrate_with(&db).await.unwrap();
    let keys = cached(PgKeys::connect(&url).unwrap());
    keys.migrate().await.unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let names: Vec<&str> = PgKeys::MIGRATIONS.iter().map(|(n, _)| *n).collect();
    assert_eq!(files, names, "PgKeys::MIGRATIONS lists the migration files in order");
    for (name, sql) in PgKeys::MIGRATIONS {
        assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), *sql);
        db.batch_execute(sql).await.unwrap();
    }

    let columns: Vec<(String, String, String, Option<String>)> = db
        .query(
            "SELECT column_name::text, udt_name::text, is_nullable::text, column_default::text \
             FROM information_schema.columns WHERE table_name = 'alipay_phone_keys' ORDER BY ordinal_position",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let expected = [
        ("app_id", "text", "NO", None),
        ("alipay_public_keys", "_text", "NO", Some("'{}'::text[]")),
        ("aes_keys", "_text", "NO", Some("'{}'::text[]")),
        ("verify_with", "text", "YES", None),
        ("updated_at", "timestamptz", "NO", Some("now()")),
        ("sign_types", "_text", "YES", None),
    ];
    assert_eq!(columns.len(), expected.len(), "{columns:?}");
    for (got, want) in columns.iter().zip(expected) {
        assert_eq!((got.0.as_str(), got.1.as_str(), got.2.as_str(), got.3.as_deref()), want);
    }
    let pk: String = db
        .query_one(
            "SELECT string_agg(a.attname, ',') FROM pg_index i JOIN pg_attribute a \
             ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = 'alipay_phone_keys'::regclass AND i.indisprimary",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(pk, "app_id");

    // The trigger: every kind of change notifies with the app id; an update stamps updated_at.
    let (listener, mut connection) = tokio_postgres::connect(&url, NoTls).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(m)) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            if let tokio_postgres::AsyncMessage::Notification(n) = m {
                let _ = tx.send((n.channel().to_owned(), n.payload().to_owned()));
            }
        }
    });
    listener.batch_execute("LISTEN alipay_phone_keys").await.unwrap();
    db.batch_execute("INSERT INTO alipay_phone_keys (app_id, updated_at) VALUES ('t1', '2000-01-01')")
        .await
        .unwrap();
    db.batch_execute("UPDATE alipay_phone_keys SET verify_with = 'x' WHERE app_id = 't1'")
        .await
        .unwrap();
    let stamped: bool = db
        .query_one(
            "SELECT updated_at > now() - interval '1 hour' FROM alipay_phone_keys WHERE app_id = 't1'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(stamped, "UPDATE sets updated_at");
    db.batch_execute("DELETE FROM alipay_phone_keys WHERE app_id = 't1'")
        .await
        .unwrap();
    for _ in 0..3 {
        let note = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(note, ("alipay_phone_keys".to_owned(), "t1".to_owned()));
    }
    // TRUNCATE fires no row trigger: a statement trigger says "every app" ('*'), once.
    db.batch_execute("INSERT INTO alipay_phone_keys (app_id) VALUES ('t2'), ('t3')")
        .await
        .unwrap();
    db.batch_execute("TRUNCATE alipay_phone_keys").await.unwrap();
    let mut notes = Vec::new();
    for _ in 0..3 {
        let note = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        notes.push(note.1);
    }
    assert_eq!(notes, ["t2", "t3", "*"]);
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn a_rows_sign_type_pin_is_honoured() {
    let _server = SERVER.read().await;
    let (url, db) = fresh_database("pg_pin").await;
    for app in ["2021000000000001", "2021000000000002", "2021000000000003"] {
        put(
            &db,
            app,
            &[&demo("alipay_public_key.txt")],
            &[&demo("aes_key.txt")],
            None,
        )
        .await;
    }
    db.execute(
        "UPDATE alipay_phone_keys SET sign_types = '{RSA2}' WHERE app_id = '2021000000000002'",
        &[],
    )
    .await
    .unwrap();
    db.execute(
        "UPDATE alipay_phone_keys SET sign_types = '{}' WHERE app_id = '2021000000000003'",
        &[],
    )
    .await
    .unwrap();
    let client = client(&PgKeys::connect(&url).unwrap());
    // Declares RSA with a junk signature: unpinned it fails on the signature, pinned to RSA2
    // on the sign type (checked first).
    let legacy = r#"{"response":"AAAAAAAAAAAAAAAAAAAAAA==","sign":"c2ln","sign_type":"RSA"}"#;
    let kind = |app: &'static str| {
        let client = client.clone();
        async move { client.open(app, legacy).await.unwrap_err().kind() }
    };
    assert_eq!(kind("2021000000000001").await, "bad_signature");
    assert_eq!(kind("2021000000000002").await, "unsupported_sign_type");
    // A pin naming no sign type is that app's key_error, pointing at the column.
    let e = client.open("2021000000000003", legacy).await.unwrap_err();
    assert_eq!(e.kind(), "key_error");
    assert!(e.to_string().contains("sign_types[1]"), "{e}");
    // The pinned app still opens its RSA2 envelopes.
    assert_eq!(
        mobile(&client, "2021000000000002", &demo("envelope.json"))
            .await
            .unwrap(),
        "13800138000"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn keys_in_the_table_open_envelopes_with_rotation_and_isv_mode() {
    let _server = SERVER.read().await;
    let (url, db) = fresh_database("pg_open").await;
    let (old, new) = (Signer::demo(), Signer::from_pem(&key("rsa4096_pkcs8.pem")));
    // As users paste them: the console's base64 line, and PEM.
    put(
        &db,
        "2021000000000001",
        &[&demo("alipay_public_key.txt")],
        &[&demo("aes_key.txt")],
        None,
    )
    .await;
    put(
        &db,
        "2021000000000002",
        &[&new.public(), &demo("alipay_public_key.pem")],
        &[NEW_AES, OLD_AES],
        None,
    )
    .await;
    // An ISV's merchant: its own AES key, verified with the ISV app's Alipay public keys.
    put(&db, "2021000000000003", &[], &[OLD_AES], Some("2021000000000002")).await;

    let keys = cached(PgKeys::connect(&url).unwrap());
    keys.ready().await.unwrap();
    let client = client(&keys);
    assert_eq!(
        mobile(&client, "2021000000000001", &demo("envelope.json"))
            .await
            .unwrap(),
        "13800138000"
    );
    // Rotation: the current key and the previous one both work.
    assert_eq!(
        mobile(&client, "2021000000000002", &new.seal(NEW_AES, "13900139001"))
            .await
            .unwrap(),
        "13900139001"
    );
    assert_eq!(
        mobile(&client, "2021000000000002", &old.seal(OLD_AES, "13900139002"))
            .await
            .unwrap(),
        "13900139002"
    );
    assert_eq!(
        mobile(&client, "2021000000000003", &new.seal(OLD_AES, "13900139003"))
            .await
            .unwrap(),
        "13900139003"
    );
    // Apps are isolated: app 1's keys do not open app 2's envelope.
    let e = mobile(&client, "2021000000000001", &new.seal(NEW_AES, "13900139004"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "bad_signature");
    // Unknown: "not mine", so the client says no keys are configured (404: neither the
    // server's fault nor the store's outage).
    assert!(keys.load(&aid("2021000000000009")).await.unwrap().is_none());
    let e = mobile(&client, "2021000000000009", &demo("envelope.json"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::KeyError {
                problem: KeyProblem::UnknownApp(_),
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.http_status(), 404);
    // Loaded once, then cached: the same Arc until something changes.
    let a = keys.load(&aid("2021000000000001")).await.unwrap().unwrap();
    let b = keys.load(&aid("2021000000000001")).await.unwrap().unwrap();
    assert!(std::sync::Arc::ptr_eq(&a, &b));
    // The provider itself is a plain loader: each load is a query and new material; the
    // cache it asks for is the builder's default policy.
    let (c, d) = (
        keys.pg.load(&aid("2021000000000001")).await.unwrap().unwrap(),
        keys.pg.load(&aid("2021000000000001")).await.unwrap().unwrap(),
    );
    assert!(!std::sync::Arc::ptr_eq(&c, &d));
    assert_eq!(c.fingerprint(), a.fingerprint());
    assert_eq!(
        keys.pg.cache_policy(),
        Some(phone_client::KeyCache::default().load_timeout(Duration::from_secs(4)))
    );
}

/// Rotates app `app_id` from the demo keys to `new` by an UPDATE and waits until `keys` serve
/// the new material; returns how long that took.
async fn rotate_and_wait(db: &Client, keys: &[&Cached], app_id: &str, new: &Signer, within: Duration) -> Duration {
    // The new keys first, the demo keys (what the row held) still listed after them.
    let rotated = AppKeyMaterial::new()
        .with_alipay_public_key(&new.public())
        .unwrap()
        .with_alipay_public_key(&demo("alipay_public_key.txt"))
        .unwrap()
        .with_aes_key(NEW_AES)
        .unwrap()
        .with_aes_key(&demo("aes_key.txt"))
        .unwrap();
    db.execute(
        "UPDATE alipay_phone_keys SET alipay_public_keys = ARRAY[$2, alipay_public_keys[1]], \
         aes_keys = ARRAY[$3, aes_keys[1]] WHERE app_id = $1",
        &[&app_id, &new.public(), &NEW_AES],
    )
    .await
    .unwrap();
    let mut took = Duration::ZERO;
    for k in keys {
        took = took.max(
            eventually("the rotated keys are served", within, || async {
                k.load(&aid(app_id)).await.unwrap().unwrap().fingerprint() == rotated.fingerprint()
            })
            .await,
        );
    }
    took
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn a_rotation_by_update_reaches_every_replica_through_notify() {
    let _server = SERVER.read().await;
    let (url, db) = fresh_database("pg_notify").await;
    put(
        &db,
        "2021000000000001",
        &[&demo("alipay_public_key.txt")],
        &[&demo("aes_key.txt")],
        None,
    )
    .await;
    // Two replicas; the periodic check is out of the picture (an hour), the TTL too.
    let replicas: Vec<Cached> = (0..2)
        .map(|_| {
            cached(
                PgKeys::builder(&url)
                    .unwrap()
                    .check_interval(Duration::from_secs(3600))
                    .ttl(Duration::from_secs(3600))
                    .build()
                    .unwrap(),
            )
        })
        .collect();
    for r in &replicas {
        eventually("listening", Duration::from_secs(10), || async { r.is_listening() }).await;
        assert_eq!(
            mobile(&client(r), "2021000000000001", &demo("envelope.json"))
                .await
                .unwrap(),
            "13800138000"
        );
    }
    // A client's own cache, built as a service builds it, is told by the same notifications.
    let service = client(&replicas[0]);
    let before = service
        .provider()
        .load(&aid("2021000000000001"))
        .await
        .unwrap()
        .unwrap();
    let new = Signer::from_pem(&key("rsa4096_pkcs8.pem"));
    let took = rotate_and_wait(
        &db,
        &replicas.iter().collect::<Vec<_>>(),
        "2021000000000001",
        &new,
        Duration::from_secs(5),
    )
    .await;
    eprintln!("rotation through NOTIFY reached both replicas in {took:?}");
    eventually("the client's cache is told", Duration::from_secs(5), || async {
        let now = service
            .provider()
            .load(&aid("2021000000000001"))
            .await
            .unwrap()
            .unwrap();
        now.fingerprint() != before.fingerprint()
    })
    .await;
    for r in &replicas {
        let c = client(r);
        // The new key, and the old one (still listed second) both open envelopes.
        assert_eq!(
            mobile(&c, "2021000000000001", &new.seal(NEW_AES, "13700137000"))
                .await
                .unwrap(),
            "13700137000"
        );
        assert_eq!(
            mobile(&c, "2021000000000001", &demo("envelope.json")).await.unwrap(),
            "13800138000"
        );
    }
    // A row inserted for an app that was asked for before (cached as unknown), and a delete.
    assert!(replicas[0].load(&aid("2021000000000002")).await.unwrap().is_none());
    put(&db, "2021000000000002", &[], &[OLD_AES], Some("2021000000000001")).await;
    eventually("the new row is seen", Duration::from_secs(5), || async {
        replicas[0].load(&aid("2021000000000002")).await.unwrap().is_some()
    })
    .await;
    db.execute(
        "DELETE FROM alipay_phone_keys WHERE app_id = $1",
        &[&"2021000000000002"],
    )
    .await
    .unwrap();
    eventually("the deleted row is gone", Duration::from_secs(5), || async {
        replicas[0].load(&aid("2021000000000002")).await.unwrap().is_none()
    })
    .await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn without_listen_the_periodic_check_picks_up_changes() {
    let _server = SERVER.read().await;
    let (url, db) = fresh_database("pg_periodic").await;
    put(
        &db,
        "2021000000000001",
        &[&demo("alipay_public_key.txt")],
        &[&demo("aes_key.txt")],
        None,
    )
    .await;
    put(
        &db,
        "2021000000000005",
        &[&demo("alipay_public_key.txt")],
        &[&demo("aes_key.txt")],
        None,
    )
    .await;
    let keys = cached(
        PgKeys::builder(&url)
            .unwrap()
            .listen(false)
            .check_interval(Duration::from_millis(300))
            .ttl(Duration::from_secs(3600))
            .build()
            .unwrap(),
    );
    let c = client(&keys);
    assert_eq!(
        mobile(&c, "2021000000000001", &demo("envelope.json")).await.unwrap(),
        "13800138000"
    );
    let unchanged = keys.load(&aid("2021000000000005")).await.unwrap().unwrap();
    assert!(keys.load(&aid("2021000000000002")).await.unwrap().is_none());
    assert!(!keys.is_listening());
    let new = Signer::from_pem(&key("rsa4096_pkcs8.pem"));
    let took = rotate_and_wait(&db, &[&keys], "2021000000000001", &new, Duration::from_secs(5)).await;
    eprintln!("rotation through the periodic check (300 ms) took {took:?}");
    assert_eq!(
        mobile(&c, "2021000000000001", &new.seal(NEW_AES, "13700137001"))
            .await
            .unwrap(),
        "13700137001"
    );
    // Only the changed app was reloaded: the other keeps its cached material.
    let still = keys.load(&aid("2021000000000005")).await.unwrap().unwrap();
    assert!(std::sync::Arc::ptr_eq(&unchanged, &still));
    // Inserts and deletes show too.
    put(&db, "2021000000000002", &[&new.public()], &[NEW_AES], None).await;
    eventually("the new row is seen", Duration::from_secs(5), || async {
        keys.load(&aid("2021000000000002")).await.unwrap().is_some()
    })
    .await;
    db.execute(
        "DELETE FROM alipay_phone_keys WHERE app_id = $1",
        &[&"2021000000000002"],
    )
    .await
    .unwrap();
    eventually("the deleted row is gone", Duration::from_secs(5), || async {
        keys.load(&aid("2021000000000002")).await.unwrap().is_none()
    })
    .await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn a_malformed_key_is_that_apps_key_error_and_others_are_unaffected() {
    let _server = SERVER.read().await;
    let (url, db) = fresh_database("pg_malformed").await;
    let public = demo("alipay_public_key.txt");
    let private = demo("alipay_private_key.pem");
    put(&db, "good", &[&public], &[&demo("aes_key.txt")], None).await;
    put(&db, "bad_public", &[&public, "not a key at all"], &[OLD_AES], None).await;
    put(&db, "bad_aes", &[&public], &["c2hvcnQ="], None).await;
    put(&db, "private_as_public", &[&private], &[OLD_AES], None).await;
    let keys = cached(PgKeys::connect(&url).unwrap());
    let c = client(&keys);

    let e = mobile(&c, "bad_public", &demo("envelope.json")).await.unwrap_err();
    assert_eq!(e.kind(), "key_error");
    assert_eq!(
        e.http_status(),
        500,
        "a broken key is configuration, not a store outage"
    );
    let Error::KeyError { role, problem, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(*role, KeyRole::AlipayPublic);
    assert!(matches!(problem, KeyProblem::Unparsable(_)), "{problem:?}");
    assert_eq!(e.hint(), Some(problem.hint()), "the key's own hint");
    assert!(
        e.to_string()
            .contains("alipay_phone_keys app bad_public, alipay_public_keys[2]"),
        "{e}"
    );
    assert!(!e.to_string().contains("not a key at all"), "{e}");

    let e = mobile(&c, "bad_aes", &demo("envelope.json")).await.unwrap_err();
    assert!(
        matches!(
            &e,
            Error::KeyError {
                role: KeyRole::Aes,
                problem: KeyProblem::AesKeyLength { len: 5 },
                ..
            }
        ),
        "{e}"
    );
    let e = mobile(&c, "private_as_public", &demo("envelope.json"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::KeyError {
                problem: KeyProblem::PrivateKeyAsPublic,
                ..
            }
        ),
        "{e}"
    );
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(private.lines().nth(1).unwrap()), "{shown}");

    assert_eq!(mobile(&c, "good", &demo("envelope.json")).await.unwrap(), "13800138000");
    // Fixed in the table: picked up like any change.
    put(&db, "bad_aes", &[&public], &[&demo("aes_key.txt")], None).await;
    eventually("the fixed row is used", Duration::from_secs(5), || async {
        mobile(&c, "bad_aes", &demo("envelope.json")).await.is_ok()
    })
    .await;
}

/// Starts the server again if a test stopped it and failed before restarting it.
struct RestartOnDrop {
    ctl: String,
    stopped: bool,
}

impl RestartOnDrop {
    fn pg_ctl(&mut self, args: &[&str]) {
        let status = std::process::Command::new(&self.ctl)
            .args(args)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("{}: {e}", self.ctl));
        assert!(status.success(), "{} {args:?}: {status}", self.ctl);
        self.stopped = args[0] == "stop";
    }
}

impl Drop for RestartOnDrop {
    fn drop(&mut self) {
        if self.stopped {
            let _ = std::process::Command::new(&self.ctl).args(["start", "-w"]).status();
        }
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn the_database_stopped_mid_run_then_restarted() {
    let _server = SERVER.write().await;
    let ctl = std::env::var("PHONE_PG_CTL")
        .unwrap_or_else(|_| panic!("PHONE_PG_CTL is unset: this test stops and restarts the server; {NEEDS_PG}"));
    let (url, db) = fresh_database("pg_down").await;
    let other = Signer::from_pem(&key("rsa4096_pkcs8.pem"));
    put(
        &db,
        "2021000000000001",
        &[&demo("alipay_public_key.txt")],
        &[&demo("aes_key.txt")],
        None,
    )
    .await;
    put(&db, "2021000000000002", &[&other.public()], &[OLD_AES], None).await;
    drop(db);
    let keys = cached(
        PgKeys::builder(&url)
            .unwrap()
            .check_interval(Duration::from_secs(3600))
            .query_timeout(Duration::from_secs(1))
            .build()
            .unwrap(),
    );
    let c = client(&keys);
    eventually("listening", Duration::from_secs(10), || async { keys.is_listening() }).await;
    assert_eq!(
        mobile(&c, "2021000000000001", &demo("envelope.json")).await.unwrap(),
        "13800138000"
    );
    keys.ready().await.unwrap();

    let mut server = RestartOnDrop { ctl, stopped: false };
    server.pg_ctl(&["stop", "-m", "fast", "-w"]);
    let down = Instant::now();
    // The cached app keeps working; a new one gets the temporary key-store error.
    assert_eq!(
        mobile(&c, "2021000000000001", &demo("envelope.json")).await.unwrap(),
        "13800138000"
    );
    let e = mobile(&c, "2021000000000002", &other.seal(OLD_AES, "13600136000"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "key_error");
    assert!(is_store_down(&e), "{e}");
    assert_eq!(e.http_status(), 503);
    let e = keys.ready().await.unwrap_err();
    assert!(is_store_down(&e), "{e}");
    eventually("the listener notices", Duration::from_secs(5), || async {
        !keys.is_listening()
    })
    .await;
    assert!(
        down.elapsed() < Duration::from_secs(5),
        "failing took {:?}",
        down.elapsed()
    );

    server.pg_ctl(&["start", "-w"]);
    let up = Instant::now();
    let ready = eventually("ready again", Duration::from_secs(10), || async {
        keys.ready().await.is_ok()
    })
    .await;
    eventually("the new app loads", Duration::from_secs(10), || async {
        mobile(&c, "2021000000000002", &other.seal(OLD_AES, "13600136000"))
            .await
            .is_ok_and(|m| m == "13600136000")
    })
    .await;
    let listening = eventually("listening again", Duration::from_secs(10), || async {
        keys.is_listening()
    })
    .await;
    eprintln!("after the restart: ready in {ready:?}, listening again in {listening:?}");
    // The LISTEN connection is back: a rotation arrives through NOTIFY (no periodic check).
    let db = connect(&url).await;
    let took = rotate_and_wait(&db, &[&keys], "2021000000000001", &other, Duration::from_secs(5)).await;
    eprintln!(
        "rotation after the restart took {took:?}; recovered in {:?}",
        up.elapsed()
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn a_failed_migration_is_rolled_back_and_loads_keep_working() {
    let _server = SERVER.read().await;
    let (url, db) = fresh_database("pg_migrate_fail").await;
    put(
        &db,
        "2021000000000001",
        &[&demo("alipay_public_key.txt")],
        &[&demo("aes_key.txt")],
        None,
    )
    .await;
    // A role that may read the table but not create in the schema, nor replace the trigger's
    // function (owned by postgres): the migration fails half way through its transaction.
    let reader = as_role(&db, &url, "alipay_phone_reader").await;
    db.batch_execute(
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT SELECT ON alipay_phone_keys TO alipay_phone_reader",
    )
    .await
    .unwrap();
    let keys = cached(PgKeys::connect(&reader).unwrap());
    // The load connection is up before the migration is tried.
    keys.ready().await.unwrap();
    let e = keys.migrate().await.unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.contains("migration 0001_alipay_phone_keys.sql failed and was rolled back"),
        "{shown}"
    );
    assert!(shown.contains("apply the migrations as a role"), "{shown}");
    // The load connection is not left in the aborted transaction.
    keys.ready().await.unwrap();
    assert_eq!(
        mobile(&client(&keys), "2021000000000001", &demo("envelope.json"))
            .await
            .unwrap(),
        "13800138000"
    );

    // On a client of the caller's: rolled back before the error returns, so it works on.
    let own = connect(&reader).await;
    let e = PgKeys::migrate_with(&own).await.unwrap_err();
    assert!(e.to_string().contains("rolled back"), "{e}");
    let rows: i64 = own
        .query_one("SELECT count(*) FROM alipay_phone_keys", &[])
        .await
        .unwrap()
        .get(0);
    // (Without the ROLLBACK: "current transaction is aborted, commands ignored until end of
    // transaction block".)
    assert_eq!(rows, 1);
}

/// The causes of `e` (its sources, outermost first).
fn causes(e: &Error) -> String {
    let mut text = String::new();
    let mut next = std::error::Error::source(e);
    while let Some(s) = next {
        text.push_str(&format!("{s}; "));
        next = s.source();
    }
    text
}

/// The error a load of a new app id gets, with the checks every store error passes: 503, a
/// message without the driver's words (those stay in the source), and `ready()` agrees.
async fn store_failure(keys: &Cached, driver_words: &str) -> String {
    let e = Error::from(keys.load(&aid("2021000000000001")).await.unwrap_err());
    assert!(
        matches!(
            &e,
            Error::KeyError {
                role: KeyRole::KeyProvider,
                problem: KeyProblem::ProviderFailed(_),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.http_status(), 503, "readiness fails until it is fixed");
    let shown = e.to_string();
    assert!(!shown.contains(driver_words), "{shown}");
    assert!(shown.contains("details in this service's log"), "{shown}");
    let source = causes(&e);
    assert!(
        source.contains(driver_words),
        "the driver's error is the source: {source}"
    );
    let ready = keys.ready().await.unwrap_err();
    assert_eq!(ready.to_string(), shown);
    shown
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn setup_problems_say_what_to_fix_without_the_drivers_words() {
    let _server = SERVER.read().await;
    let setup = "the PostgreSQL key store is not set up";

    // No table: apply the migration.
    let (url, db) = empty_database("pg_setup_none").await;
    let keys = cached(PgKeys::connect(&url).unwrap());
    let shown = store_failure(&keys, "relation \"alipay_phone_keys\" does not exist").await;
    assert!(
        shown.contains(setup) && shown.contains("apply the migration"),
        "{shown}"
    );
    assert!(!shown.contains("unavailable"), "not an outage: {shown}");

    // A table of the wrong shape: aes_keys is text, not text[].
    db.batch_execute(
        "CREATE TABLE alipay_phone_keys (app_id text PRIMARY KEY, alipay_public_keys text[] NOT NULL DEFAULT '{}', \
         aes_keys text NOT NULL DEFAULT '', verify_with text, updated_at timestamptz NOT NULL DEFAULT now()); \
         INSERT INTO alipay_phone_keys (app_id) VALUES ('2021000000000001')",
    )
    .await
    .unwrap();
    let keys = cached(PgKeys::connect(&url).unwrap());
    let e = Error::from(keys.load(&aid("2021000000000001")).await.unwrap_err());
    let shown = e.to_string();
    assert!(
        shown.contains(setup) && shown.contains("columns of the migration"),
        "{shown}"
    );
    assert!(!shown.contains("cannot convert"), "{shown}");
    assert_eq!(e.http_status(), 503);

    // No SELECT right: grant it.
    let (url, db) = fresh_database("pg_setup_grant").await;
    let stranger = as_role(&db, &url, "alipay_phone_stranger").await;
    let keys = cached(PgKeys::connect(&stranger).unwrap());
    let shown = store_failure(&keys, "permission denied for table alipay_phone_keys").await;
    assert!(
        shown.contains(setup) && shown.contains("GRANT SELECT ON alipay_phone_keys"),
        "{shown}"
    );
    db.batch_execute("GRANT SELECT ON alipay_phone_keys TO alipay_phone_stranger")
        .await
        .unwrap();
    keys.ready().await.unwrap();

    // No such database: the URL.
    let missing = format!("{}/pg_setup_no_such_database", url.rsplit_once('/').unwrap().0);
    let keys = cached(PgKeys::connect(&missing).unwrap());
    let shown = store_failure(&keys, "\"pg_setup_no_such_database\" does not exist").await;
    assert!(shown.contains(setup) && shown.contains("database URL"), "{shown}");
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn a_load_that_overlaps_another_apps_change_still_records_what_it_read() {
    let _server = SERVER.read().await;
    let (url, db) = fresh_database("pg_overlap").await;
    for app in ["2021000000000001", "2021000000000002"] {
        put(&db, app, &[&demo("alipay_public_key.txt")], &[OLD_AES], None).await;
    }
    // Connection 0 is the watcher's (it connects at build), 1 the loads'.
    let proxy = Proxy::start(1).await;
    let keys = cached(
        PgKeys::builder(&proxy.url(&url))
            .unwrap()
            .check_interval(Duration::from_millis(300))
            .ttl(Duration::from_secs(3600))
            .query_timeout(Duration::from_secs(10))
            .build()
            .unwrap(),
    );
    eventually("listening", Duration::from_secs(10), || async { keys.is_listening() }).await;
    keys.load(&aid("2021000000000002")).await.unwrap().unwrap();

    // App 1's load reads its row, and while its answer is on the way, app 2 changes (notified:
    // the watcher drops app 2).
    proxy.close();
    let pending = tokio::spawn({
        let keys = keys.clone();
        async move { keys.load(&aid("2021000000000001")).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    put(
        &db,
        "2021000000000002",
        &[&demo("alipay_public_key.txt")],
        &[NEW_AES],
        None,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.open();
    let old = pending.await.unwrap().unwrap().unwrap();

    // App 1 changes and its notification is missed: the periodic check must find it, which
    // it can only if app 1's load recorded the updated_at it read.
    update_unnotified(&db, "2021000000000001", &[NEW_AES]).await;
    let took = eventually("the periodic check reloads app 1", Duration::from_secs(5), || async {
        keys.load(&aid("2021000000000001"))
            .await
            .unwrap()
            .unwrap()
            .fingerprint()
            != old.fingerprint()
    })
    .await;
    eprintln!("a missed change after an overlapping load was picked up in {took:?}");
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn a_load_in_flight_during_a_check_is_compared_by_the_next_check() {
    let _server = SERVER.read().await;
    let (url, db) = fresh_database("pg_in_flight").await;
    put(
        &db,
        "2021000000000001",
        &[&demo("alipay_public_key.txt")],
        &[OLD_AES],
        None,
    )
    .await;
    let proxy = Proxy::start(1).await;
    let keys = cached(
        PgKeys::builder(&proxy.url(&url))
            .unwrap()
            .check_interval(Duration::from_millis(200))
            .ttl(Duration::from_secs(3600))
            .query_timeout(Duration::from_secs(10))
            .build()
            .unwrap(),
    );
    eventually("listening", Duration::from_secs(10), || async { keys.is_listening() }).await;
    keys.ready().await.unwrap();

    // The load reads the old row; the row changes unnotified; checks see the new fingerprint
    // while the load has recorded nothing yet; then the load records the old updated_at.
    proxy.close();
    let pending = tokio::spawn({
        let keys = keys.clone();
        async move { keys.load(&aid("2021000000000001")).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    update_unnotified(&db, "2021000000000001", &[NEW_AES]).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    proxy.open();
    let old = pending.await.unwrap().unwrap().unwrap();
    assert_eq!(
        old.fingerprint(),
        AppKeyMaterial::new()
            .with_alipay_public_key(&demo("alipay_public_key.txt"))
            .unwrap()
            .with_aes_key(OLD_AES)
            .unwrap()
            .fingerprint(),
        "the load read the row before the change"
    );
    // The table's fingerprint does not move again, yet the next check compares that app.
    let took = eventually("the next check reloads the app", Duration::from_secs(5), || async {
        keys.load(&aid("2021000000000001"))
            .await
            .unwrap()
            .unwrap()
            .fingerprint()
            != old.fingerprint()
    })
    .await;
    eprintln!("a change seen by a check during the load was picked up in {took:?}");
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn truncate_drops_every_cached_app_through_notify() {
    let _server = SERVER.read().await;
    let (url, db) = fresh_database("pg_truncate").await;
    for app in ["2021000000000001", "2021000000000002"] {
        put(&db, app, &[&demo("alipay_public_key.txt")], &[OLD_AES], None).await;
    }
    // No periodic check, no TTL: only the notification can tell.
    let keys = cached(
        PgKeys::builder(&url)
            .unwrap()
            .check_interval(Duration::from_secs(3600))
            .ttl(Duration::from_secs(3600))
            .build()
            .unwrap(),
    );
    eventually("listening", Duration::from_secs(10), || async { keys.is_listening() }).await;
    for app in ["2021000000000001", "2021000000000002"] {
        assert!(keys.load(&aid(app)).await.unwrap().is_some());
    }
    db.batch_execute("TRUNCATE alipay_phone_keys").await.unwrap();
    let took = eventually("every app is gone", Duration::from_secs(5), || async {
        keys.load(&aid("2021000000000001")).await.unwrap().is_none()
            && keys.load(&aid("2021000000000002")).await.unwrap().is_none()
    })
    .await;
    eprintln!("TRUNCATE reached the cache in {took:?}");
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn the_periodic_check_asks_about_cached_apps_in_chunks() {
    let _server = SERVER.read().await;
    let (url, db) = fresh_database("pg_chunks").await;
    // More rows than are cached, and more cached apps than one query asks about (1000).
    db.batch_execute("INSERT INTO alipay_phone_keys (app_id) SELECT 'app' || i FROM generate_series(1, 4000) i")
        .await
        .unwrap();
    let keys = cached(
        PgKeys::builder(&url)
            .unwrap()
            .listen(false)
            .check_interval(Duration::from_millis(300))
            .ttl(Duration::from_secs(3600))
            .build()
            .unwrap(),
    );
    let start = Instant::now();
    let mut loads = tokio::task::JoinSet::new();
    for worker in 0..8 {
        let keys = keys.clone();
        loads.spawn(async move {
            for i in (1 + worker..=2500).step_by(8) {
                keys.load(&aid(&format!("app{i}"))).await.unwrap().unwrap();
            }
        });
    }
    while let Some(r) = loads.join_next().await {
        r.unwrap();
    }
    eprintln!("2500 apps loaded in {:?}", start.elapsed());
    let unchanged = keys.load(&aid("app7")).await.unwrap().unwrap();
    let empty = unchanged.fingerprint();
    // Changed and deleted rows, spread over the cached apps (and one that is not cached).
    db.batch_execute(&format!(
        "UPDATE alipay_phone_keys SET aes_keys = ARRAY['{OLD_AES}'] WHERE app_id IN ('app1', 'app1234', 'app2500', 'app3000'); \
         DELETE FROM alipay_phone_keys WHERE app_id IN ('app2', 'app2001')"
    ))
    .await
    .unwrap();
    let took = eventually("every change is seen", Duration::from_secs(5), || async {
        let mut all = true;
        for app in ["app1", "app1234", "app2500"] {
            all &= keys.load(&aid(app)).await.unwrap().unwrap().fingerprint() != empty;
        }
        for app in ["app2", "app2001"] {
            all &= keys.load(&aid(app)).await.unwrap().is_none();
        }
        all
    })
    .await;
    eprintln!("changes among 2500 cached apps seen in {took:?}");
    let still = keys.load(&aid("app7")).await.unwrap().unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&unchanged, &still),
        "an unchanged app is not reloaded"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn a_silent_database_costs_one_query_timeout_then_fails_fast() {
    let _server = SERVER.read().await;
    // Accepts connections and never answers: a database behind a firewall that drops packets
    // after the handshake, or a hung server.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let timeout = Duration::from_millis(400);
    let keys = cached(
        PgKeys::builder(&format!("postgres://postgres@127.0.0.1:{port}/keys"))
            .unwrap()
            .query_timeout(timeout)
            .build()
            .unwrap(),
    );
    // Concurrent loads: each bounded by the query timeout, waiting for the connect included.
    let start = Instant::now();
    let mut loads = tokio::task::JoinSet::new();
    for i in 0..4 {
        let keys = keys.clone();
        loads.spawn(async move { keys.load(&aid(&format!("202100000000000{i}"))).await });
    }
    while let Some(r) = loads.join_next().await {
        let e = r.unwrap().unwrap_err();
        assert!(e.is_transient(), "{e}");
        let e = Error::from(e);
        assert!(is_store_down(&e), "{e}");
    }
    let first = start.elapsed();
    assert!(first < timeout + Duration::from_millis(250), "{first:?}");
    // The failed connect is remembered: the next callers get it at once, no new attempt.
    let start = Instant::now();
    let e = Error::from(keys.load(&aid("2021000000000009")).await.unwrap_err());
    assert!(is_store_down(&e), "{e}");
    assert!(keys.ready().await.is_err());
    let fast = start.elapsed();
    assert!(fast < Duration::from_millis(100), "{fast:?}");
    eprintln!("silent database: first answers in {first:?}, then in {fast:?}");

    // The database goes silent under a live connection. A query times out and retires the
    // connection; a new caller then connects (and holds the connect lock while the connect
    // hangs); a query already running on the retired connection still answers within its own
    // timeout, without waiting for that lock.
    let (url, db) = fresh_database("pg_silent").await;
    put(
        &db,
        "2021000000000001",
        &[&demo("alipay_public_key.txt")],
        &[OLD_AES],
        None,
    )
    .await;
    let proxy = Proxy::start(usize::MAX).await;
    let keys = cached(
        PgKeys::builder(&proxy.url(&url))
            .unwrap()
            .query_timeout(timeout)
            .build()
            .unwrap(),
    );
    keys.ready().await.unwrap();
    proxy.freeze();
    let timed = |keys: Cached, app: &'static str| async move {
        let start = Instant::now();
        let r = keys.load(&aid(app)).await;
        (start.elapsed(), r)
    };
    let a = tokio::spawn(timed(keys.clone(), "2021000000000002"));
    tokio::time::sleep(Duration::from_millis(150)).await;
    let b = tokio::spawn(timed(keys.clone(), "2021000000000003"));
    // After A timed out (and retired the connection), before B does.
    tokio::time::sleep(timeout - Duration::from_millis(150) + Duration::from_millis(50)).await;
    let d = tokio::spawn(timed(keys.clone(), "2021000000000004"));
    for (name, task) in [("a", a), ("b", b), ("d", d)] {
        let (took, r) = task.await.unwrap();
        let e = r.unwrap_err();
        assert!(e.is_transient(), "{name}: {e}");
        let e = Error::from(e);
        assert!(is_store_down(&e), "{name}: {e}");
        assert!(took < timeout + Duration::from_millis(200), "{name} took {took:?}");
    }
    drop(proxy);

    // A query that hangs on a reachable server: bounded, and the connection is retired.
    let (url, db) = fresh_database("pg_hang").await;
    put(
        &db,
        "2021000000000001",
        &[&demo("alipay_public_key.txt")],
        &[OLD_AES],
        None,
    )
    .await;
    let keys = cached(PgKeys::builder(&url).unwrap().query_timeout(timeout).build().unwrap());
    keys.ready().await.unwrap();
    db.batch_execute("BEGIN; LOCK TABLE alipay_phone_keys IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let start = Instant::now();
    let e = Error::from(keys.load(&aid("2021000000000001")).await.unwrap_err());
    let hung = start.elapsed();
    assert!(is_store_down(&e), "{e}");
    assert!(hung < timeout + Duration::from_millis(250), "{hung:?}");
    db.batch_execute("COMMIT").await.unwrap();
    assert!(keys.load(&aid("2021000000000001")).await.unwrap().is_some());
}

/// Transactions database `name` has committed or rolled back, once every client backend on it
/// has gone: a backend flushes its statistics as it exits (PostgreSQL 15 and later flush them
/// otherwise at most once a second, and up to 10 s late when idle), so counting only settled
/// backends is exact. Read from a connection to another database, which adds none to `name`.
async fn settled_transactions(name: &str) -> i64 {
    let reader = connect(&database_url()).await;
    eventually("no client backend on the database", Duration::from_secs(10), || async {
        let open: i64 = reader
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
                &[&name],
            )
            .await
            .unwrap()
            .get(0);
        open == 0
    })
    .await;
    reader.batch_execute("SELECT pg_stat_clear_snapshot()").await.unwrap();
    reader
        .query_one(
            "SELECT (xact_commit + xact_rollback)::bigint FROM pg_stat_database WHERE datname = $1",
            &[&name],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn a_made_up_app_id_costs_one_round_trip_even_across_a_schema_change() {
    let _server = SERVER.read().await;
    // Each made-up id is a request anyone can send: a statement prepared per load (two round
    // trips, two transactions) doubles what a flood of them costs the database.
    const N: usize = 200;
    // The connects, LISTEN and the watcher's first check, one prepare per statement, the
    // two ALTERs, and whatever autovacuum does meanwhile.
    const SLACK: usize = 30;
    let name = "pg_round_trips";
    let (url, db) = fresh_database(name).await;
    let isv = "2021000000000001";
    put(&db, isv, &[&demo("alipay_public_key.txt")], &[OLD_AES], None).await;
    put(&db, "2021000000000002", &[], &[NEW_AES], Some(isv)).await;
    drop(db);
    let before = settled_transactions(name).await;

    let keys = cached(
        PgKeys::builder(&url)
            .unwrap()
            .check_interval(Duration::from_secs(3600))
            .build()
            .unwrap(),
    );
    let made_up = |i: usize| format!("2099{i:012}");
    // At once on a cold provider: they wait for one connect and one prepare, not one each.
    let mut loads = tokio::task::JoinSet::new();
    for i in 0..N / 2 {
        let (keys, app_id) = (keys.clone(), made_up(i));
        loads.spawn(async move { keys.load(&aid(&app_id)).await });
    }
    while let Some(r) = loads.join_next().await {
        assert!(r.unwrap().unwrap().is_none());
    }
    assert!(keys.load(&aid(isv)).await.unwrap().is_some());

    let admin = connect(&url).await;
    // The server replans a cached statement by itself when its result stays the same...
    admin
        .batch_execute("ALTER TABLE alipay_phone_keys ADD COLUMN extra text")
        .await
        .unwrap();
    assert!(keys.load(&aid(&made_up(N / 2))).await.unwrap().is_none());
    // ...and refuses it when a column it returns changed type ("cached plan must not change
    // result type"): the statement is prepared again and the load retried.
    admin
        .batch_execute("ALTER TABLE alipay_phone_keys ALTER COLUMN verify_with TYPE varchar(64)")
        .await
        .unwrap();
    drop(admin);
    let isv_app = keys.load(&aid("2021000000000002")).await.unwrap().unwrap();
    assert_eq!(isv_app.verify_with_app(), Some(isv));
    for i in N / 2 + 1..N {
        assert!(keys.load(&aid(&made_up(i))).await.unwrap().is_none());
    }
    keys.ready().await.unwrap();
    drop(keys);

    let spent = settled_transactions(name).await - before;
    eprintln!("{N} made-up app ids (and 2 real ones, 2 ALTERs) cost {spent} transactions");
    assert!(
        spent <= (N + SLACK) as i64,
        "{N} made-up app ids cost {spent} transactions: more than one round trip each"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/with-postgres.sh cargo test ... -- --include-ignored"]
async fn two_caches_on_one_provider_both_see_a_change_whose_notification_was_missed() {
    let _server = SERVER.read().await;
    let (url, db) = fresh_database("pg_two_caches").await;
    put(&db, "2021000000000001", &[], &[OLD_AES], None).await;
    // No LISTEN, no periodic check within the test, an hour's ttl: only the loads can tell.
    let pg = PgKeys::builder(&url)
        .unwrap()
        .listen(false)
        .check_interval(Duration::from_secs(3600))
        .ttl(Duration::from_secs(3600))
        .build()
        .unwrap();
    let (a, b) = (CachingKeys::new(pg.clone()), CachingKeys::new(pg.clone()));
    let old = a.load(&aid("2021000000000001")).await.unwrap().unwrap();
    update_unnotified(&db, "2021000000000001", &[NEW_AES]).await;
    // The second cache's first load reads the new row: one stamp per app could not keep both,
    // so the first cache is told there and then.
    let new = b.load(&aid("2021000000000001")).await.unwrap().unwrap();
    assert_ne!(new.fingerprint(), old.fingerprint());
    let again = a.load(&aid("2021000000000001")).await.unwrap().unwrap();
    assert_eq!(
        again.fingerprint(),
        new.fingerprint(),
        "the first cache no longer serves the old row"
    );
}
