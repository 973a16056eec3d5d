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

/// Whether `table`, resolved through `search_path`, has the (not dropped) column `column`.
pub fn column_exists(
    c: &mut impl GenericClient,
    table: &str,
    column: &str,
) -> Result<bool, SqlError> {
    let sql = "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2 AND attnum > 0 AND NOT attisdropped)";
    let row = c
        .query_one(sql, &[&quote_ident(table), &column])
        .map_err(|e| SqlError::postgres(&e, Some(sql)))?;
    Ok(row.get(0))
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

    fn column_exists(&mut self, table: &str, column: &str) -> Result<bool, SqlError> {
        column_exists(self, table, column)
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
        // Set by `lock_session` where the server has it (PostgreSQL 14+), so reset the same way.
        let _ = self
            .client
            .batch_execute("RESET client_connection_check_interval");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Access, ConnectOpts, Target};

    /// `unlock_session` leaves the connection as it found it: every setting `lock_session`
    /// made for the session (lock timeout, search path, the dead-client check) is reset.
    #[test]
    fn releasing_the_session_lock_resets_every_setting_it_made_postgres() {
        let url = std::env::var("CHATDB_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
        let Ok(Target::Postgres(target)) = Target::parse(&url) else {
            panic!("CHATDB_TEST_PG_URL is not a PostgreSQL URL: {url}");
        };
        let opts = ConnectOpts {
            connect_timeout: Duration::from_secs(5),
            lock_timeout: Duration::from_secs(5),
            access: Access::Existing,
            wait: false,
        };
        let namespace = format!("chatdb_unlock_probe_{}", std::process::id());
        let mut conn = match PgConn::open(&target, opts, &namespace) {
            Ok(c) => c,
            Err(e) if std::env::var("CHATDB_REQUIRE_PG").as_deref() != Ok("1") => {
                eprintln!("SKIPPING: no PostgreSQL at {url}: {e:#}");
                return;
            }
            Err(e) => panic!("CHATDB_REQUIRE_PG=1 but PostgreSQL is unreachable: {e:#}"),
        };
        let show = |c: &mut Client, what: &str| -> String {
            c.query_one(&format!("SHOW {what}"), &[])
                .expect("SHOW")
                .get(0)
        };
        let settings = [
            "lock_timeout",
            "search_path",
            "client_connection_check_interval",
        ];
        let before: Vec<String> = settings.iter().map(|s| show(&mut conn.client, s)).collect();
        conn.lock_session(&namespace, Duration::from_secs(7))
            .expect("lock");
        assert_eq!(
            show(&mut conn.client, "client_connection_check_interval"),
            "1s"
        );
        assert_eq!(show(&mut conn.client, "lock_timeout"), "7s");
        conn.unlock_session(&namespace).expect("unlock");
        let after: Vec<String> = settings.iter().map(|s| show(&mut conn.client, s)).collect();
        assert_eq!(after, before, "{settings:?}");
        conn.client
            .batch_execute(&format!("DROP SCHEMA {} CASCADE", quote_ident(&namespace)))
            .expect("drop the probe namespace");
    }
}
