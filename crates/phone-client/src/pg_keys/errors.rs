//! Failures as callers see them: generic messages that never hold the driver's or the server's
//! words (those are the source, for the log), setup problems that say what to fix, and
//! malformed keys located by row and column.

use std::time::Duration;

use phone_core::{Error, KeyProblem, KeyRole};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::WrongType;

use phone_crypto::KeyTextError;

pub(super) const SEE_LOG: &str = "details in this service's log";

/// An error and its causes, for the log: the driver's own `Display` stops at its kind ("db
/// error"), the server's words are its source.
pub(super) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        text.push_str(": ");
        text.push_str(&s.to_string());
        next = s.source();
    }
    text
}

/// A key-store failure, for callers (the message becomes an HTTP answer's `message`): generic
/// text, never the driver's (which may name users, tables or the server's own words); the
/// driver's error is kept as the source, and logged by the caller ([`Db::report`]).
///
/// A setup problem (no table, no SELECT right, columns of another type, a login refused) is
/// still [`KeyProblem::ProviderFailed`] (503: readiness fails until it is fixed), but its
/// message says what to fix rather than "try again later".
pub(super) fn store_error(e: tokio_postgres::Error) -> Error {
    let why = match setup_problem(&e) {
        Some(why) => {
            format!("the PostgreSQL key store is not set up: {why}; retrying will not help until then ({SEE_LOG})")
        }
        None => format!("the PostgreSQL key store is unavailable ({SEE_LOG})"),
    };
    Error::key_with_source(KeyRole::KeyProvider, KeyProblem::ProviderFailed(why), e)
}

/// What to fix, when `e` is a configuration problem rather than an outage.
pub(super) fn setup_problem(e: &tokio_postgres::Error) -> Option<&'static str> {
    const COLUMNS: &str = "table alipay_phone_keys does not have the columns of the migration \
                           (crates/phone-client/migrations); apply it, or fix the table";
    if std::error::Error::source(e).is_some_and(|s| s.is::<WrongType>()) {
        return Some(COLUMNS);
    }
    let code = e.code()?;
    if *code == SqlState::UNDEFINED_TABLE {
        Some(
            "table alipay_phone_keys does not exist; apply the migration \
             (crates/phone-client/migrations, PgKeys::migrate, or `alipay-phone serve --migrate`)",
        )
    } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
        Some(
            "cannot read table alipay_phone_keys (permission denied); \
             GRANT SELECT ON alipay_phone_keys TO the role of the database URL",
        )
    } else if [
        SqlState::UNDEFINED_COLUMN,
        SqlState::DATATYPE_MISMATCH,
        SqlState::UNDEFINED_FUNCTION,
    ]
    .contains(code)
    {
        Some(COLUMNS)
    } else if [
        SqlState::INVALID_PASSWORD,
        SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
        SqlState::INVALID_CATALOG_NAME,
    ]
    .contains(code)
    {
        Some("the database refused the login; check the user, password and database name of the database URL")
    } else {
        None
    }
}

pub(super) fn timeout_error(timeout: Duration) -> Error {
    Error::key(
        KeyRole::KeyProvider,
        KeyProblem::ProviderFailed(format!(
            "the PostgreSQL key store is unavailable: no answer within {timeout:?}"
        )),
    )
}

/// A failed migration, for whoever applies it (`serve --migrate`, an admin tool; never an
/// HTTP caller): the database's own words are what to fix, so they are part of the message.
pub(super) fn migration_error(name: &str, e: tokio_postgres::Error) -> Error {
    let why = match e.as_db_error() {
        Some(db) if *db.code() == SqlState::INSUFFICIENT_PRIVILEGE => format!(
            "{}; apply the migrations as a role that may create in the schema (or owns the table)",
            db.message()
        ),
        Some(db) => db.message().to_owned(),
        None => "the PostgreSQL key store is unavailable".to_owned(),
    };
    Error::key_with_source(
        KeyRole::KeyProvider,
        KeyProblem::ProviderFailed(format!("migration {name} failed and was rolled back: {why}")),
        e,
    )
}

/// What an error's message leaves out (the driver's words), for the log.
pub(super) fn cause(e: &Error) -> String {
    std::error::Error::source(e).map_or_else(|| "-".to_owned(), chain)
}

/// Says where a malformed key is, in the problems that carry text; the problem (and so its
/// hint) stays the key's own.
pub(super) fn located(e: KeyTextError, app_id: &str) -> Error {
    let (column, index) = (e.text.as_str(), e.index);
    tracing::warn!(app_id, column, index, error = %e.error, "malformed key in alipay_phone_keys");
    let at = format!("alipay_phone_keys app {app_id}, {column}[{index}]");
    match e.error {
        Error::KeyError { role, problem, source } => {
            let problem = match problem {
                KeyProblem::Unparsable(why) => KeyProblem::Unparsable(format!("{at}: {why}")),
                KeyProblem::WrongAlgorithm(why) => KeyProblem::WrongAlgorithm(format!("{at}: {why}")),
                KeyProblem::Rejected(why) => KeyProblem::Rejected(format!("{at}: {why}")),
                other => other,
            };
            Error::KeyError { role, problem, source }
        }
        other => other,
    }
}
