//! SQLite: opening a connection the way every chatdb command needs it.
//!
//! `foreign_keys` is a per-connection setting that SQLite leaves off by default; with it
//! off, `ON DELETE CASCADE` silently does nothing. chatdb turns it on for every connection
//! and checks that it took. The busy timeout makes a second writer wait for the first
//! (migrate's exclusive lock) instead of failing at once.

pub mod introspect;
pub mod plan;

use std::path::Path;

use anyhow::{bail, Context, Result};
use rusqlite::{Connection, OpenFlags};

use super::{Access, ConnectOpts};

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

/// True when `e` is SQLite saying another connection holds the lock.
pub fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn sql_error(e: &rusqlite::Error) -> super::SqlError {
    let offset = match e {
        rusqlite::Error::SqlInputError { offset, .. } if *offset >= 0 => Some(*offset as usize),
        _ => None,
    };
    super::SqlError {
        message: format!("SQLite: {e}"),
        offset,
    }
}

impl super::Session for rusqlite::Transaction<'_> {
    /// Runs every statement of `sql`. rusqlite's `execute_batch` hands SQLite the rest of
    /// the text for each statement, and SQLite copies a text that is not NUL-terminated, so
    /// a file of n statements was copied n times (a 200,000-statement migration took
    /// minutes). One NUL-terminated copy makes it linear. An error's offset comes relative to
    /// the rest of the text; it is made relative to `sql`, as callers locate statements in it.
    fn batch(&mut self, sql: &str) -> Result<(), super::SqlError> {
        let mut text = String::with_capacity(sql.len() + 1);
        text.push_str(sql);
        text.push('\0');
        self.execute_batch(&text).map_err(|e| {
            let mut err = sql_error(&e);
            if let rusqlite::Error::SqlInputError { sql: rest, .. } = &e {
                let base = text.len().saturating_sub(rest.len());
                err.offset = err.offset.map(|o| (base + o).min(sql.len()));
            }
            err.message = err.message.replace('\0', "");
            err
        })
    }

    fn history_rows(&mut self, sql: &str) -> Result<Vec<super::HistoryRow>, super::SqlError> {
        let wrapped = format!(
            "SELECT CAST(version AS INTEGER), coalesce(name, ''), coalesce(applied_on, ''), coalesce(CAST(checksum AS TEXT), '') FROM ({}) AS h",
            sql.trim_end().trim_end_matches(';')
        );
        let mut stmt = self.prepare(&wrapped).map_err(|e| sql_error(&e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(super::HistoryRow {
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

    fn table_exists(&mut self, table: &str) -> Result<bool, super::SqlError> {
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
}

pub fn in_transaction<T>(
    conn: &mut Connection,
    kind: super::TxKind,
    f: impl FnOnce(&mut dyn super::Session) -> Result<T>,
) -> Result<T> {
    use super::TxKind;
    use rusqlite::TransactionBehavior;
    let behavior = match kind {
        TxKind::Locked => TransactionBehavior::Exclusive,
        TxKind::Read | TxKind::Scratch => TransactionBehavior::Deferred,
    };
    let mut tx = match conn.transaction_with_behavior(behavior) {
        Ok(tx) => tx,
        Err(e) if is_busy(&e) => {
            return Err(crate::error::LockError::Busy {
                what: "exclusive",
                waited: format!(
                    "{} (busy timeout)",
                    humantime::format_duration(std::time::Duration::from_millis(0))
                ),
            }
            .into())
        }
        Err(e) => return Err(anyhow::Error::new(e).context("starting a transaction")),
    };
    let result = f(&mut tx);
    match (kind, result) {
        (TxKind::Locked, Ok(value)) => {
            tx.commit().context("committing")?;
            Ok(value)
        }
        (_, result) => {
            let _ = tx.rollback();
            result
        }
    }
}
