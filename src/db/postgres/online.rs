//! PostgreSQL's part of migrations that are safe on big, live tables: the session-level
//! migrate lock a no-transaction migration runs under, the connection outside any
//! transaction ([`Session`] for `postgres::Client`, autocommit), a statement's lock timeout,
//! an index's validity (an INVALID index is what a failed or killed `CREATE INDEX
//! CONCURRENTLY` leaves). Who holds the locks a statement timed out waiting for is
//! `conn.rs`'s `relation_holders`, the one holder lookup.

use std::time::Duration;

use anyhow::{Context, Result};
use postgres::{Client, GenericClient};

use super::{quote_ident, quote_literal, simple_rows, PgConn};
use crate::db::{HistoryRow, Session, SqlError, SqlResult};
use crate::error::LockError;

fn ms(d: Duration) -> u128 {
    d.as_millis().max(1)
}

/// `SET [LOCAL] lock_timeout`: `local` inside a transaction.
pub fn set_lock_timeout(
    c: &mut impl GenericClient,
    timeout: Duration,
    local: bool,
) -> Result<(), SqlError> {
    let scope = if local { "LOCAL " } else { "" };
    let sql = format!("SET {scope}lock_timeout = '{}ms'", ms(timeout));
    c.batch_execute(&sql)
        .map_err(|e| SqlError::postgres(&e, Some(&sql)))
}

/// Whether the index `name`, resolved through `search_path`, is valid; `None` if there is
/// no index of that name.
pub fn index_valid(c: &mut impl GenericClient, name: &str) -> Result<Option<bool>, SqlError> {
    let sql = "SELECT x.indisvalid FROM pg_index x WHERE x.indexrelid = to_regclass($1)";
    let row = c
        .query_opt(sql, &[&quote_ident(name)])
        .map_err(|e| SqlError::postgres(&e, Some(sql)))?;
    Ok(row.map(|r| r.get(0)))
}

/// The history query of [`Session::history_rows`], for a transaction or the bare client.
pub fn history_rows(c: &mut impl GenericClient, sql: &str) -> Result<Vec<HistoryRow>, SqlError> {
    // Cast in SQL so that a history table with unexpected column types still reads.
    let wrapped = format!(
        "SELECT version::int8, coalesce(name, '')::text, coalesce(applied_on, '')::text, coalesce(checksum, '')::text FROM ({}) AS h",
        sql.trim_end().trim_end_matches(';')
    );
    // One simple-query round trip (no Parse/Describe first): the columns come as text.
    let rows = simple_rows(c, &wrapped).map_err(|e| SqlError::postgres(&e, Some(sql)))?;
    let text = |r: &[Option<String>], i: usize| r.get(i).cloned().flatten().unwrap_or_default();
    rows.iter()
        .map(|r| {
            let version = text(r, 0);
            Ok(HistoryRow {
                version: version.parse().map_err(|_| {
                    SqlError::other(format!("history version `{version}` is not a number"))
                })?,
                name: text(r, 1),
                applied_on: text(r, 2),
                checksum: text(r, 3),
            })
        })
        .collect()
}

/// Whether `table` exists where `search_path` resolves it (one simple-query round trip).
pub fn table_exists(c: &mut impl GenericClient, table: &str) -> Result<bool, SqlError> {
    let sql = format!(
        "SELECT to_regclass({}) IS NOT NULL",
        quote_literal(&quote_ident(table))
    );
    let rows = simple_rows(c, &sql).map_err(|e| SqlError::postgres(&e, Some(&sql)))?;
    Ok(rows.first().and_then(|r| r.first()).cloned().flatten() == Some("t".to_string()))
}

/// The connection outside a transaction: every statement commits on its own.
impl Session for Client {
    fn batch(&mut self, sql: &str) -> Result<(), SqlError> {
        self.batch_execute(sql)
            .map_err(|e| SqlError::postgres(&e, Some(sql)))
    }

    fn history_rows(&mut self, sql: &str) -> Result<Vec<HistoryRow>, SqlError> {
        history_rows(self, sql)
    }

    fn table_exists(&mut self, table: &str) -> Result<bool, SqlError> {
        table_exists(self, table)
    }

    fn inventory(&mut self, namespace: &str) -> Result<crate::model::inventory::Inventory> {
        let mut tx = self.transaction().sql()?;
        super::introspect::inventory(&mut tx, namespace)
    }

    fn set_lock_timeout(&mut self, timeout: Duration) -> Result<(), SqlError> {
        set_lock_timeout(self, timeout, false)
    }

    fn index_valid(&mut self, name: &str) -> Result<Option<bool>, SqlError> {
        index_valid(self, name)
    }
}

/// The session-level migrate lock (the transaction-level one of `TxKind::Locked` has the
/// same key, so a transaction of the holding session takes it again at once).
const LOCK: &str = "hashtext('chatdb.migrate'), hashtext($1)";

impl PgConn {
    /// See [`crate::db::Backend::hold_migrate_lock`].
    pub(super) fn lock_session(&mut self, namespace: &str, wait: Duration) -> Result<()> {
        let c = &mut self.client;
        set_lock_timeout(c, wait, false)?;
        // A killed chatdb's statement is cancelled within a second (PostgreSQL 14+, Linux)
        // instead of running on to its end with nobody to report to.
        let _ = c.batch_execute("SET client_connection_check_interval = '1s'");
        let started = std::time::Instant::now();
        if let Err(e) = c.execute(&format!("SELECT pg_advisory_lock({LOCK})"), &[&namespace]) {
            let e = SqlError::from(e);
            if e.is_lock_timeout() {
                let holder = super::conn::advisory_holder(c, "chatdb.migrate", namespace);
                return Err(LockError::Busy {
                    what: "migrate",
                    waited: format!(
                        "{:.1}s; lock timeout {}",
                        started.elapsed().as_secs_f64(),
                        humantime::format_duration(wait)
                    ),
                    holder: holder.unwrap_or_else(|| "another chatdb migrate".to_string()),
                }
                .into());
            }
            return Err(anyhow::Error::new(e).context("taking the migrate advisory lock"));
        }
        let exists = c
            .query_opt(
                "SELECT 1 FROM pg_namespace WHERE nspname = $1",
                &[&namespace],
            )
            .sql()?
            .is_some();
        if !exists {
            c.batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {}",
                quote_ident(namespace)
            ))
            .sql()
            .with_context(|| format!("creating namespace {namespace}"))?;
        }
        c.batch_execute(&format!("SET search_path TO {}", quote_ident(namespace)))
            .sql()?;
        Ok(())
    }

    /// See [`crate::db::Backend::release_migrate_lock`].
    pub(super) fn unlock_session(&mut self, namespace: &str) -> Result<()> {
        self.client
            .execute(&format!("SELECT pg_advisory_unlock({LOCK})"), &[&namespace])
            .sql()
            .context("releasing the migrate advisory lock")?;
        self.client
            .batch_execute("RESET lock_timeout; RESET search_path")
            .sql()?;
        Ok(())
    }
}
