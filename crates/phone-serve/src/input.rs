//! What the service's command line shares with the CLI's (a copy of `phone-cli`'s `input`,
//! so that the service does not depend on the developer CLI).

use clap::builder::PossibleValuesParser;
use phone_crypto::Backend;

/// The names of the backends compiled in, for `--backend`.
pub fn backend_names() -> PossibleValuesParser {
    PossibleValuesParser::new(Backend::ALL.iter().map(|b| b.name()))
}
