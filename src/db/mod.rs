//! The one seam over PostgreSQL and SQLite: parse a URL, connect, and the handful of
//! operations commands need. Commands never branch on the dialect themselves.

pub mod load;
pub mod planner;
pub mod postgres;
pub mod retention;
pub mod scratch;
pub mod sqlite;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Result};

use crate::catalog::Dialect;
use crate::conninfo;

/// A parsed database URL.
#[derive(Debug, Clone)]
pub enum Target {
    /// A PostgreSQL URL or key=value connection string.
    Postgres(Box<postgres::PgTarget>),
    /// A SQLite file, or `None` for an in-memory database.
    Sqlite(Option<PathBuf>),
}

impl Target {
    /// Parses a database URL or key=value string; messages never quote the text (it may
    /// hold a password): they name the scheme, a keyword or a position.
    pub fn parse(url: &str) -> Result<Target> {
        let trimmed = url.trim();
        if trimmed.is_empty() {
            bail!("the database URL is empty");
        }
        if trimmed.starts_with("sqlite:") {
            return Ok(Target::Sqlite(conninfo::parse_sqlite(trimmed)?));
        }
        if conninfo::is_postgres_url(trimmed)
            || conninfo::scheme_of(trimmed).is_none() && trimmed.contains('=')
        {
            return Ok(Target::Postgres(Box::new(postgres::PgTarget::parse(
                trimmed,
            )?)));
        }
        match conninfo::scheme_of(trimmed) {
            Some(scheme) => bail!(
                "unsupported database URL scheme `{scheme}`: use postgres://user@host:5432/db, a key=value connection string, or sqlite://path"
            ),
            None => bail!(
                "unsupported database URL: use postgres://user@host:5432/db, a key=value connection string, or sqlite://path"
            ),
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Target::Postgres(_) => Dialect::Postgres,
            Target::Sqlite(_) => Dialect::Sqlite,
        }
    }
}

/// How a command means to use the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// May create the SQLite file (migrate).
    Create,
    /// The database must already exist; the command only reads.
    Existing,
}

/// Connection parameters shared by both dialects.
#[derive(Debug, Clone, Copy)]
pub struct ConnectOpts {
    pub connect_timeout: Duration,
    pub lock_timeout: Duration,
    pub access: Access,
}

/// An open connection.
pub enum Conn {
    Postgres(::postgres::Client),
    Sqlite(rusqlite::Connection),
}

impl Conn {
    pub fn open(target: &Target, opts: ConnectOpts) -> Result<Conn> {
        match target {
            Target::Postgres(t) => Ok(Conn::Postgres(t.connect(opts)?)),
            Target::Sqlite(path) => Ok(Conn::Sqlite(sqlite::open(path.as_deref(), opts)?)),
        }
    }
}

/// A failed SQL statement, in the server's own words.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SqlError {
    pub message: String,
    /// Byte offset into the SQL text where the server located the error, if it did.
    pub offset: Option<usize>,
}

/// A row of a schema's history table (refinery's layout).
#[derive(Debug, Clone, serde::Serialize)]
pub struct HistoryRow {
    pub version: i64,
    pub name: String,
    pub applied_on: String,
    pub checksum: String,
}

/// What migrations need from an open transaction, in either dialect.
pub trait Session {
    /// Runs one or more statements.
    fn batch(&mut self, sql: &str) -> Result<(), SqlError>;
    /// Runs a query returning (version, name, applied_on, checksum) rows.
    fn history_rows(&mut self, sql: &str) -> Result<Vec<HistoryRow>, SqlError>;
    /// Whether `table` exists in the namespace the session works in.
    fn table_exists(&mut self, table: &str) -> Result<bool, SqlError>;
    /// Tables, indexes, foreign keys and dialect facts of `namespace` (PostgreSQL) or of
    /// the database (SQLite), for `chatdb check`.
    fn inventory(&mut self, namespace: &str) -> Result<crate::model::inventory::Inventory>;
}

/// How a transaction is opened and ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxKind {
    /// Read only, always rolled back.
    Read,
    /// Exclusive (migrate): PostgreSQL advisory lock, SQLite `BEGIN EXCLUSIVE`;
    /// committed when the closure succeeds.
    Locked,
    /// Writes allowed, always rolled back (diagnosis replays).
    Scratch,
}

impl Conn {
    /// Runs `f` in a transaction of `kind` whose unqualified names resolve in `namespace`.
    pub fn in_transaction<T>(
        &mut self,
        kind: TxKind,
        namespace: &str,
        lock_timeout: Duration,
        f: impl FnOnce(&mut dyn Session) -> Result<T>,
    ) -> Result<T> {
        match self {
            Conn::Postgres(client) => {
                postgres::in_transaction(client, kind, namespace, lock_timeout, f)
            }
            Conn::Sqlite(conn) => sqlite::in_transaction(conn, kind, f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        assert!(
            matches!(Target::parse("sqlite://chatdb.sqlite3"), Ok(Target::Sqlite(Some(p))) if p.as_os_str() == "chatdb.sqlite3")
        );
        assert!(
            matches!(Target::parse("sqlite:///tmp/x.db"), Ok(Target::Sqlite(Some(p))) if p.as_os_str() == "/tmp/x.db")
        );
        assert!(matches!(
            Target::parse("sqlite::memory:"),
            Ok(Target::Sqlite(None))
        ));
        assert!(matches!(
            Target::parse("postgres://u@h/db"),
            Ok(Target::Postgres(_))
        ));
        assert!(matches!(
            Target::parse("host=h user=u dbname=d"),
            Ok(Target::Postgres(_))
        ));
        for bad in [
            "",
            "mysql://u:pw@h/db",
            "chatdb.sqlite3",
            "sqlite://",
            "postgres://u@h:notaport/db",
        ] {
            let err = Target::parse(bad).expect_err(bad);
            assert!(!format!("{err:#}").contains("pw"), "{err:#}");
        }
    }
}
