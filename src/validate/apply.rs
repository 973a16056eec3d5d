//! Fresh apply: a schema's migrations, in order, on an empty scratch database of each
//! dialect, then the result read back with [`crate::model::inventory`] for parity and the
//! manifest check. Both go through the one scratch apply, [`crate::db::scratch::apply`]:
//! SQLite in memory, PostgreSQL in a database created on the given server for this one
//! schema and dropped afterwards. Each migration runs statement by statement inside one
//! transaction, so a failing statement is named with its line without running it twice.

use anyhow::Result;

use crate::catalog::MigrationFile;
use crate::db::postgres::PgTarget;
use crate::db::scratch::{self, Place};
use crate::db::ConnectOpts;

pub use crate::db::scratch::Outcome;

/// Applies `files` to a fresh in-memory SQLite database.
pub fn sqlite(files: &[MigrationFile], opts: ConnectOpts) -> Result<Outcome> {
    let files: Vec<&MigrationFile> = files.iter().collect();
    scratch::apply(Place::Memory, &files, opts)
}

/// Applies `files` to a scratch database created on `server` and dropped afterwards.
pub fn postgres(server: &PgTarget, files: &[MigrationFile], opts: ConnectOpts) -> Result<Outcome> {
    let files: Vec<&MigrationFile> = files.iter().collect();
    scratch::apply(Place::Server(server), &files, opts)
}
