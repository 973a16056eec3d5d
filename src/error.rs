//! Errors that code has to tell apart, and how an error becomes an exit code.
//!
//! Everything else is an `anyhow::Error` with context; only the cases that change the exit
//! code (a lock held by another run) get a type of their own.

use std::process::ExitCode;

/// Exit code for a run that found problems (pending migrations with `--exit-code`, ...).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code for a failure to run: bad input, configuration, connection, SQL.
pub const EXIT_ERROR: u8 = 2;
/// Exit code when another chatdb run holds the database's lock.
pub const EXIT_LOCKED: u8 = 3;
/// Exit code of a cleanup that stopped with expired rows left (`--max-runtime`, or rows
/// that kept changing under its batches): the report says how many are left.
pub const EXIT_INCOMPLETE: u8 = 4;

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Someone holds the lock and we gave up waiting: `holder` names them as precisely as
    /// the database can (PostgreSQL: pid, application_name, how long its transaction has
    /// been open), `waited` says how long chatdb really waited.
    #[error("{holder} holds the {what} lock on this database (waited {waited})")]
    Busy {
        what: &'static str,
        waited: String,
        holder: String,
    },
}

/// Maps an error chain to the documented exit code.
pub fn exit_code_for(err: &anyhow::Error) -> ExitCode {
    if err.chain().any(|e| e.downcast_ref::<LockError>().is_some()) {
        ExitCode::from(EXIT_LOCKED)
    } else {
        ExitCode::from(EXIT_ERROR)
    }
}
