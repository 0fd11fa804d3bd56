//! `alipay-phone`: decrypt and check Alipay `my.getPhoneNumber` envelopes from the command line.
//!
//! Exit status: 0 success, 1 an error kind of the contract, 2 a usage error.

mod decrypt;
mod input;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Decrypt and check Alipay my.getPhoneNumber envelopes.
#[derive(Debug, Parser)]
#[command(name = "alipay-phone", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify and decrypt an envelope (the body the mini-program posted) into a phone number.
    Decrypt(decrypt::DecryptArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Decrypt(args) => decrypt::run(args),
    }
}
