//! Certificate mode against the official Node SDK's published values for its fixtures.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::*;
use phone_crypto::certs::all_cert_infos;
use phone_crypto::{AppKeys, Backend, cert_sn, public_key_from_certificate, root_cert_sn};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(testdata(&format!("fixtures/alipay-sdk-nodejs/{name}"))).unwrap()
}

/// From alipay-sdk-nodejs-all test/antcertutil.test.ts.
const APP_CERT_SN: &str = "866efef280dec9137a87d047ac446315";
const ALIPAY_CERT_SN: &str = "7513daaaa48aa3ba2e4018d84402479c";
const ROOT_CERT_SN: &str = "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6";
const ALIPAY_PUBLIC_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAhoVesfcGvUv1XvUndmX0rmSZ/2posJBCooySbSVFpV79RtHMzrVz2aKkC3WvOXeT5iNeQK4mK8gp3vNkWrHTkQGx5BcmkeO1WS384CQde7dAS0gmxeFs5bs+cCQqV2A2c2R9/5rJMtFtp1Ot/rIiMBUn6Ei0UoztM7AneavqQEzSwYlCKNhPFFtHCiz7u4O5R9CIyvUmYr+zpem2HXBN9ygPAZ0aXBQipGbc45+G07ZCNsmY4hV/Igya1aBf+Ye8p10Ew8uBBri0sIknhSC2LqKKy2IH1fO6q1d1jhN240QRHvbpRNv60kAfZsEulBASBrCMBi49NiJyr5nre7SNywIDAQAB";

#[test]
fn cert_sns_match_the_official_sdks() {
    assert_eq!(
        cert_sn(&fixture("appCertPublicKey_2021001161683774.crt")).unwrap(),
        APP_CERT_SN
    );
    assert_eq!(
        cert_sn(&fixture("alipayCertPublicKey_RSA2.crt")).unwrap(),
        ALIPAY_CERT_SN
    );
    assert_eq!(root_cert_sn(&fixture("alipayRootCert.crt")).unwrap(), ROOT_CERT_SN);
}

#[test]
fn the_root_bundle_is_read_per_certificate() {
    let infos = all_cert_infos(&fixture("alipayRootCert.crt")).unwrap();
    assert_eq!(infos.len(), 4);
    let rsa = infos
        .iter()
        .filter(|i| i.as_ref().is_ok_and(|c| c.is_rsa_signed()))
        .count();
    assert_eq!(rsa, 2);
    assert!(infos.iter().flatten().all(|c| c.is_self_issued()));
}

#[test]
fn the_alipay_public_key_comes_from_the_first_certificate_and_works_on_every_backend() {
    let key = public_key_from_certificate(&fixture("alipayCertPublicKey_RSA2.crt")).unwrap();
    assert_eq!(key.to_spki_base64(), ALIPAY_PUBLIC_KEY);
    for b in Backend::ALL {
        AppKeys::builder().alipay_public_key_der(key.clone()).build(*b).unwrap();
    }
    // Key providers and AppKeys take the certificate text wherever a public key goes.
    let text = String::from_utf8(fixture("alipayCertPublicKey_RSA2.crt")).unwrap();
    assert!(AppKeys::builder().alipay_public_key(&text).is_ok());
}

#[test]
fn expired_certificates_are_flagged_not_refused() {
    let info = all_cert_infos(&fixture("alipayCertPublicKey_RSA2.crt"))
        .unwrap()
        .remove(0)
        .unwrap();
    // The fixture's validity ended in May 2022.
    assert!(info.expired);
    assert!(
        info.issuer
            .starts_with("CN=Ant Financial Certification Authority Class 2 R1,OU="),
        "{}",
        info.issuer
    );
    assert_eq!(info.serial, "42701552432456004857627230056898180491");
}

#[test]
fn chain_checks_verify_report_gaps_and_catch_forgeries_on_every_backend() {
    use phone_crypto::certs::{ChainCheck, check_chain};
    let dir = format!("{}/tests/certs", env!("CARGO_MANIFEST_DIR"));
    let chain = std::fs::read(format!("{dir}/alipayCertPublicKey_RSA2.crt")).unwrap();
    let roots = std::fs::read(format!("{dir}/alipayRootCert.crt")).unwrap();
    for b in Backend::ALL {
        let got = check_chain(&chain, &roots, &b.crypto_provider()).unwrap();
        assert!(
            matches!(&got, ChainCheck::Verified { root } if root.contains("Test Root R1")),
            "{b}: {got:?}"
        );
        // The Node fixture carries no intermediate: the gap is reported, not guessed over.
        let got = check_chain(
            &fixture("alipayCertPublicKey_RSA2.crt"),
            &fixture("alipayRootCert.crt"),
            &b.crypto_provider(),
        )
        .unwrap();
        assert!(
            matches!(&got, ChainCheck::Incomplete { missing_issuer } if missing_issuer.contains("Class 2 R1")),
            "{b}: {got:?}"
        );
        // A leaf checked against an unrelated root bundle never verifies.
        let got = check_chain(&chain, &fixture("alipayRootCert.crt"), &b.crypto_provider()).unwrap();
        assert!(!matches!(got, ChainCheck::Verified { .. }), "{b}: {got:?}");
    }
    // A certificate whose signature was altered.
    let text = String::from_utf8(chain.clone()).unwrap();
    let ders = phone_crypto::certs::certificate_ders(&chain).unwrap();
    let mut leaf = ders[0].clone();
    let n = leaf.len();
    leaf[n - 5] ^= 1;
    use base64::Engine as _;
    let forged = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n{}",
        base64::engine::general_purpose::STANDARD.encode(&leaf),
        &text[text.find("-----END CERTIFICATE-----").unwrap() + 26..]
    );
    let got = check_chain(forged.as_bytes(), &roots, &Backend::default().crypto_provider()).unwrap();
    assert!(matches!(got, ChainCheck::BadSignature { .. }), "{got:?}");
}
