//! SQLite: opening a connection the way every chatdb command needs it.
//!
//! `foreign_keys` is a per-connection setting that SQLite leaves off by default; with it
//! off, `ON DELETE CASCADE` silently does nothing. chatdb turns it on for every connection
//! and checks that it took. The busy timeout makes a second writer wait for the first
//! (migrate's exclusive lock) instead of failing at once.

//!
//! [`SqliteConn`] is the SQLite backend; [`begin`] is the one place a SQLite transaction is
//! started. Introspection, plans, retention and loading are in their own files.

pub mod introspect;
pub mod load;
pub mod plan;
pub mod rebuild;
pub mod retention;
pub mod stats;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::{Access, Backend, ConnectOpts, HistoryRow, Session, SqlError, Tx, TxKind, TxOpts};
use crate::catalog::Dialect;
use crate::error::LockError;

/// An open SQLite database (a file, or in memory).
pub struct SqliteConn {
    pub(super) conn: Connection,
    /// The file; `None` in memory.
    pub(super) path: Option<PathBuf>,
    /// The busy timeout the connection waits for another writer.
    pub(super) lock_timeout: Duration,
    /// Cleanup on a WAL database checkpoints after each batch itself, off the write lock
    /// (its connection's autocheckpoint is off).
    pub(super) checkpoints: bool,
}

impl SqliteConn {
    pub fn open(path: Option<&Path>, opts: ConnectOpts) -> Result<SqliteConn> {
        Ok(SqliteConn {
            conn: open(path, opts)?,
            path: path.map(Path::to_path_buf),
            lock_timeout: opts.lock_timeout,
            checkpoints: false,
        })
    }
}

pub fn open(path: Option<&Path>, opts: ConnectOpts) -> Result<Connection> {
    let conn = match path {
        None => Connection::open_in_memory().context("opening an in-memory SQLite database")?,
        Some(path) => {
            let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI;
            match opts.access {
                Access::Create => flags |= OpenFlags::SQLITE_OPEN_CREATE,
                Access::Existing => {
                    if !path.exists() {
                        bail!(
                            "SQLite database {} does not exist (run `chatdb migrate` to create it)",
                            path.display()
                        );
                    }
                }
            }
            Connection::open_with_flags(path, flags)
                .with_context(|| format!("opening SQLite database {}", path.display()))?
        }
    };
    conn.busy_timeout(opts.lock_timeout)
        .context("setting the SQLite busy timeout")?;
    conn.pragma_update(None, "foreign_keys", true)
        .context("turning on SQLite foreign keys")?;
    let on: bool = conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .context("reading PRAGMA foreign_keys")?;
    if !on {
        bail!("this SQLite build cannot enforce foreign keys (PRAGMA foreign_keys stays off)");
    }
    Ok(conn)
}

/// The lock error for a transaction that could not start within the busy timeout: how
/// long it waited, and the timeout.
fn busy(what: &'static str, waited: Duration, timeout: Duration) -> LockError {
    LockError::Busy {
        what,
        waited: format!(
            "{:.1}s; busy timeout {}",
            waited.as_secs_f64(),
            humantime::format_duration(timeout)
        ),
        // SQLite keeps no record of who holds its write lock.
        holder: "another connection to the file (an application or another chatdb run; SQLite cannot say which)".to_string(),
    }
}

/// A page cache of up to 64 MiB for this connection (SQLite's default is 2 MiB), for the
/// commands that write many pages: seed and cleanup. A fixed bound, not a function of the
/// rows.
pub(super) fn large_page_cache(conn: &Connection) -> Result<()> {
    conn.execute_batch("PRAGMA cache_size = -65536")
        .context("setting the page cache")
}

/// Starts a transaction as `o` says: `BEGIN EXCLUSIVE` for migrate, `BEGIN IMMEDIATE` for
/// seed and cleanup batches (a 64 MiB page cache for seed), `BEGIN DEFERRED` otherwise.
/// A database another connection holds past `busy_timeout` is a `LockError`.
pub fn begin<'c>(
    conn: &'c mut Connection,
    o: &TxOpts,
    busy_timeout: Duration,
) -> Result<rusqlite::Transaction<'c>> {
    let (behavior, what) = match o.kind {
        TxKind::Locked => (TransactionBehavior::Exclusive, "exclusive"),
        TxKind::Seed => (TransactionBehavior::Immediate, "seed"),
        TxKind::Batch => (TransactionBehavior::Immediate, "cleanup"),
        TxKind::Read | TxKind::Scratch => (TransactionBehavior::Deferred, "read"),
    };
    if o.kind == TxKind::Seed {
        large_page_cache(conn)?;
    }
    // Outside a transaction, where the pragma takes effect: off for a table rebuild only.
    let fk = if o.foreign_keys_off { "OFF" } else { "ON" };
    conn.execute_batch(&format!("PRAGMA foreign_keys = {fk}"))
        .context("setting PRAGMA foreign_keys")?;
    let started = std::time::Instant::now();
    match conn.transaction_with_behavior(behavior) {
        Ok(tx) => Ok(tx),
        Err(e) => {
            let e = SqlError::sqlite(&e, "");
            if e.is_busy() {
                Err(busy(what, started.elapsed(), busy_timeout).into())
            } else {
                Err(anyhow::Error::new(e).context("starting a transaction"))
            }
        }
    }
}

pub(super) fn sql_error(e: &rusqlite::Error) -> SqlError {
    SqlError::sqlite(e, "SQLite: ")
}

impl Session for rusqlite::Transaction<'_> {
    fn batch(&mut self, sql: &str) -> Result<(), SqlError> {
        self.execute_batch(sql).map_err(|e| sql_error(&e))
    }

    fn history_rows(&mut self, sql: &str) -> Result<Vec<HistoryRow>, SqlError> {
        let wrapped = format!(
            "SELECT CAST(version AS INTEGER), coalesce(name, ''), coalesce(applied_on, ''), coalesce(CAST(checksum AS TEXT), '') FROM ({}) AS h",
            sql.trim_end().trim_end_matches(';')
        );
        let mut stmt = self.prepare(&wrapped).map_err(|e| sql_error(&e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(HistoryRow {
                    version: r.get(0)?,
                    name: r.get(1)?,
                    applied_on: r.get(2)?,
                    checksum: r.get(3)?,
                })
            })
            .map_err(|e| sql_error(&e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| sql_error(&e))
    }

    fn table_exists(&mut self, table: &str) -> Result<bool, SqlError> {
        self.query_row(
            "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .map_err(|e| sql_error(&e))
    }

    fn inventory(&mut self, _namespace: &str) -> Result<crate::model::inventory::Inventory> {
        introspect::inventory(self).context("reading the SQLite catalog")
    }

    fn foreign_key_violations(&mut self) -> Result<Vec<String>, SqlError> {
        foreign_key_violations(self)
    }
}

/// `PRAGMA foreign_key_check`, one line per violated key: `3 row(s) of message_reads
/// reference missing messages rows`.
pub fn foreign_key_violations(conn: &Connection) -> Result<Vec<String>, SqlError> {
    let sql = "SELECT \"table\", parent, count(*) FROM pragma_foreign_key_check GROUP BY 1, 2 ORDER BY 1, 2";
    let mut stmt = conn.prepare(sql).map_err(|e| sql_error(&e))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(format!(
                "{} row(s) of {} reference missing {} rows",
                r.get::<_, i64>(2)?,
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?
            ))
        })
        .map_err(|e| sql_error(&e))?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(|e| sql_error(&e))
}

impl Tx for rusqlite::Transaction<'_> {
    fn commit(self: Box<Self>) -> Result<()> {
        rusqlite::Transaction::commit(*self).context("committing")
    }

    fn rollback(self: Box<Self>) -> Result<()> {
        rusqlite::Transaction::rollback(*self).context("rolling back")
    }
}

impl Backend for SqliteConn {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn namespace(&self) -> Option<&str> {
        None
    }

    fn begin<'c>(&'c mut self, opts: &TxOpts) -> Result<Box<dyn Tx + 'c>> {
        let timeout = self.lock_timeout;
        Ok(Box::new(begin(&mut self.conn, opts, timeout)?))
    }

    fn analyze(&mut self, _tables: &[&str]) -> Result<()> {
        self.conn.execute_batch("ANALYZE").context("ANALYZE")
    }

    fn check_note(&self) -> Option<&'static str> {
        Some("chatdb's own connections enforce foreign keys; foreign-keys-off reports the rows left by connections that did not")
    }

    fn canceller(&self) -> Box<dyn Fn() + Send> {
        let handle = self.conn.get_interrupt_handle();
        Box::new(move || handle.interrupt())
    }

    fn lock_holders(&mut self) -> Vec<String> {
        // SQLite keeps no record of who holds its lock.
        Vec::new()
    }
}
