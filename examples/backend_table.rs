//! Prints the README's backend table from the backends' capability data:
//! `cargo run --example backend_table`.

fn main() {
    print!("{}", phone_crypto::backend_table());
}
