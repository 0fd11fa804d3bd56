//! `alipay-phone-serve`: the phone-number service any backend can call over HTTP, the same
//! service as `alipay-phone serve` with the same flags, variables and config file.
//!
//! Exit status: 0 after a clean shutdown, 1 when the service failed, 2 a usage or configuration error.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use phone_serve::ServeArgs;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Serve POST /v1/apps/{app_id}/phone (and /run-data, /open-data) over HTTP for any backend (keys from a keyring, PostgreSQL or the environment).
#[derive(Debug, Parser)]
#[command(name = "alipay-phone-serve", version, long_about = None)]
struct Cli {
    #[command(flatten)]
    args: ServeArgs,
}

fn main() -> ExitCode {
    phone_serve::run(Cli::parse().args)
}
