//! The PostgreSQL backend: [`PgConn`], and [`begin`], the one place a PostgreSQL
//! transaction is started (migrate, status, check, scratch applies, seed, cleanup
//! batches and explain's plans all come through it with a [`TxOpts`]).

use std::time::Duration;

use anyhow::{Context, Result};
use postgres::{Client, Transaction};

use super::{introspect, online, quote_ident, PgTarget};
use crate::catalog::Dialect;
use crate::db::{
    Backend, ConnectOpts, HistoryRow, Holder, Session, SqlError, SqlResult, Tx, TxKind, TxOpts,
};
use crate::error::LockError;

/// An open PostgreSQL connection working in one namespace.
pub struct PgConn {
    pub(super) client: Client,
    pub(super) namespace: String,
    /// `server_version_num`, read when plans are first asked for.
    pub(super) version: Option<i32>,
}

impl PgConn {
    pub fn open(target: &PgTarget, opts: ConnectOpts, namespace: &str) -> Result<PgConn> {
        Ok(PgConn {
            client: target.connect(opts)?,
            namespace: namespace.to_string(),
            version: None,
        })
    }
}

fn ms(d: Duration) -> u128 {
    d.as_millis().max(1)
}

/// Starts a transaction as `o` says (see [`TxKind`]): read-only or not, its `SET LOCAL`s,
/// the lock its kind takes, the namespace (created for the kinds that write schema).
pub fn begin<'c>(client: &'c mut Client, o: &TxOpts) -> Result<Transaction<'c>> {
    let mut tx = client
        .build_transaction()
        .read_only(o.kind.read_only())
        .start()
        .sql()
        .context("starting a transaction")?;
    let mut set = Vec::new();
    if o.utc || matches!(o.kind, TxKind::Seed | TxKind::Batch) {
        set.push("SET LOCAL TimeZone = 'UTC'".to_string());
    }
    if o.kind == TxKind::Seed {
        set.push("SET LOCAL statement_timeout = 0".to_string());
    }
    if let Some(t) = o.lock_timeout {
        set.push(format!("SET LOCAL lock_timeout = '{}ms'", ms(t)));
    }
    if let Some(t) = o.statement_timeout {
        set.push(format!("SET LOCAL statement_timeout = '{}ms'", ms(t)));
    }
    if !set.is_empty() {
        tx.batch_execute(&set.join("; ")).sql()?;
    }
    match o.kind {
        TxKind::Locked => {
            // One migrate at a time per namespace; the lock ends with the transaction.
            if let Err(e) = tx.execute(
                "SELECT pg_advisory_xact_lock(hashtext('chatdb.migrate'), hashtext($1))",
                &[&o.namespace],
            ) {
                let e = SqlError::from(e);
                if e.is_lock_timeout() {
                    return Err(LockError::Busy {
                        what: "migrate",
                        waited: o.lock_timeout.map_or("0s".to_string(), |t| {
                            humantime::format_duration(t).to_string()
                        }),
                    }
                    .into());
                }
                return Err(anyhow::Error::new(e).context("taking the migrate advisory lock"));
            }
        }
        TxKind::Seed => {
            let got: bool = tx
                .query_one(
                    "SELECT pg_try_advisory_xact_lock(hashtext('chatdb.seed'), hashtext($1))",
                    &[&o.namespace],
                )
                .sql()?
                .get(0);
            if !got {
                return Err(LockError::Busy {
                    what: "seed",
                    waited: "0s: seed never waits".to_string(),
                }
                .into());
            }
        }
        TxKind::Read | TxKind::Scratch | TxKind::Batch => {}
    }
    if matches!(o.kind, TxKind::Locked | TxKind::Scratch) {
        let exists = tx
            .query_opt(
                "SELECT 1 FROM pg_namespace WHERE nspname = $1",
                &[&o.namespace],
            )
            .sql()?
            .is_some();
        if !exists {
            tx.batch_execute(&format!("CREATE SCHEMA {}", quote_ident(o.namespace)))
                .sql()
                .with_context(|| format!("creating namespace {}", o.namespace))?;
        }
    }
    tx.batch_execute(&format!(
        "SET LOCAL search_path TO {}",
        quote_ident(o.namespace)
    ))
    .sql()?;
    Ok(tx)
}

impl Session for Transaction<'_> {
    fn batch(&mut self, sql: &str) -> Result<(), SqlError> {
        self.batch_execute(sql)
            .map_err(|e| SqlError::postgres(&e, Some(sql)))
    }

    fn history_rows(&mut self, sql: &str) -> Result<Vec<HistoryRow>, SqlError> {
        online::history_rows(self, sql)
    }

    fn table_exists(&mut self, table: &str) -> Result<bool, SqlError> {
        online::table_exists(self, table)
    }

    fn inventory(&mut self, namespace: &str) -> Result<crate::model::inventory::Inventory> {
        introspect::inventory(self, namespace)
    }

    fn set_lock_timeout(&mut self, timeout: Duration) -> Result<(), SqlError> {
        online::set_lock_timeout(self, timeout, true)
    }

    fn index_valid(&mut self, name: &str) -> Result<Option<bool>, SqlError> {
        online::index_valid(self, name)
    }

    fn lock_holders(&mut self) -> Result<Vec<Holder>, SqlError> {
        online::holders(self)
    }
}

impl Tx for Transaction<'_> {
    fn commit(self: Box<Self>) -> Result<()> {
        Transaction::commit(*self).sql().context("committing")
    }

    fn rollback(self: Box<Self>) -> Result<()> {
        Transaction::rollback(*self).sql().context("rolling back")
    }
}

impl Backend for PgConn {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn namespace(&self) -> Option<&str> {
        Some(&self.namespace)
    }

    fn begin<'c>(&'c mut self, opts: &TxOpts) -> Result<Box<dyn Tx + 'c>> {
        Ok(Box::new(begin(&mut self.client, opts)?))
    }

    fn analyze(&mut self, tables: &[&str]) -> Result<()> {
        for t in tables {
            self.client
                .batch_execute(&format!(
                    "ANALYZE {}.{}",
                    quote_ident(&self.namespace),
                    quote_ident(t)
                ))
                .sql()
                .with_context(|| format!("ANALYZE {t}"))?;
        }
        Ok(())
    }

    fn check_note(&self) -> Option<&'static str> {
        None
    }

    fn hold_migrate_lock(&mut self, namespace: &str, wait: Duration) -> Result<bool> {
        self.lock_session(namespace, wait)?;
        Ok(true)
    }

    fn release_migrate_lock(&mut self, namespace: &str) -> Result<()> {
        self.unlock_session(namespace)
    }

    fn autocommit(&mut self) -> Option<&mut dyn Session> {
        Some(&mut self.client)
    }
}
