//! The README's backend table is the one `phone_crypto::backend_table()` builds from the
//! backends' capability data, and each compiled backend's factories match that data.
#![allow(clippy::unwrap_used, missing_docs)]

use phone_crypto::{BUILTIN_BACKENDS, Backend};

#[test]
fn readme_backend_table_is_generated_from_the_capability_data() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("<!-- backend-table:start -->\n").unwrap() + "<!-- backend-table:start -->\n".len();
    let end = readme.find("<!-- backend-table:end -->").unwrap();
    assert_eq!(
        &readme[start..end],
        phone_crypto::backend_table(),
        "regenerate the README table from phone_crypto::backend_table()"
    );
}

#[test]
fn each_compiled_backend_offers_exactly_the_factories_its_data_says() {
    for b in Backend::ALL {
        let info = BUILTIN_BACKENDS.iter().find(|i| i.name == b.name()).unwrap();
        assert_eq!(b.crypto_provider().capabilities(), info.capabilities, "{b}");
        assert_eq!(b.alipay_side().sign_types(), info.signs, "{b}");
        assert!(info.compiled());
    }
}
