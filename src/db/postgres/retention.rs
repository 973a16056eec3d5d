//! Cleanup on PostgreSQL: a session-level advisory lock, UTC sessions, the batch DELETE
//! through a ctid list in its own short transaction with `lock_timeout` and
//! `statement_timeout`, and cascaded rows counted from this backend's statistics.

use std::time::Duration;

use anyhow::{Context, Result};

use super::{conn::begin, quote_ident, PgConn};
use crate::catalog::Dialect;
use crate::db::retention::{cleanup_busy, count, CleanupLock, Retention};
use crate::db::{SqlResult, TxKind, TxOpts};
use crate::retention::{Batch, Cascade, Job, Timeouts};

impl Retention for PgConn {
    fn cleanup_session(&mut self) -> Result<()> {
        self.client
            .batch_execute(&format!(
                "SET TIME ZONE 'UTC'; SET search_path TO {}",
                quote_ident(&self.namespace)
            ))
            .sql()?;
        Ok(())
    }

    fn cleanup_lock(&mut self) -> Result<CleanupLock> {
        let got: bool = self
            .client
            .query_one(
                "SELECT pg_try_advisory_lock(hashtext('chatdb.cleanup'), hashtext($1))",
                &[&self.namespace],
            )
            .sql()?
            .get(0);
        if got {
            Ok(CleanupLock::held())
        } else {
            let holder =
                super::conn::advisory_holder(&mut self.client, "chatdb.cleanup", &self.namespace);
            Err(cleanup_busy(holder).into())
        }
    }

    fn db_now(&mut self) -> Result<String> {
        Ok(self
            .client
            .query_one("SELECT now()::text", &[])
            .sql()?
            .get(0))
    }

    fn cutoff(&mut self, now: &str, keep: Duration) -> Result<String> {
        let secs = keep.as_secs_f64();
        Ok(self
            .client
            .query_one(
                "SELECT (($1::text)::timestamptz - make_interval(secs => $2))::text",
                &[&now, &secs],
            )
            .sql()?
            .get(0))
    }

    fn column_exists(&mut self, table: &str, column: &str) -> Result<bool> {
        let found: i64 = self
            .client
            .query_one(
                "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped",
                &[&quote_ident(table), &column],
            )
            .sql()?
            .get(0);
        Ok(found > 0)
    }

    fn cascades(&mut self) -> Result<Vec<Cascade>> {
        let rows = self
            .client
            .query(
                "SELECT ch.relname::text, pa.relname::text,
                        ARRAY(SELECT attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
                              JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i),
                        ARRAY(SELECT attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
                              JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i)
                 FROM pg_constraint k
                 JOIN pg_class ch ON ch.oid = k.conrelid
                 JOIN pg_class pa ON pa.oid = k.confrelid
                 JOIN pg_namespace n ON n.oid = ch.relnamespace
                 WHERE k.contype = 'f' AND k.confdeltype = 'c' AND n.nspname = $1",
                &[&self.namespace],
            )
            .sql()?;
        Ok(rows
            .iter()
            .map(|r| Cascade {
                child: r.get(0),
                parent: r.get(1),
                child_cols: r.get(2),
                parent_cols: r.get(3),
            })
            .collect())
    }

    fn sql_dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn cutoff_literal(&self, cutoff: &str) -> String {
        format!("'{}'::timestamptz", cutoff.replace('\'', "''"))
    }

    fn scalar(&mut self, sql: &str) -> Result<u64> {
        Ok(count(self.client.query_one(sql, &[]).sql()?.get(0)))
    }

    fn delete_batch(
        &mut self,
        job: &Job,
        cutoff: &str,
        from: Option<&str>,
        limit: u64,
        timeouts: Timeouts,
    ) -> Result<Batch> {
        let namespace = self.namespace.clone();
        let started = std::time::Instant::now();
        let mut tx = begin(
            &mut self.client,
            &TxOpts {
                lock_timeout: Some(timeouts.lock),
                statement_timeout: Some(timeouts.statement),
                ..TxOpts::new(TxKind::Batch, &namespace)
            },
        )?;
        let sql = job.batch_delete_sql(Dialect::Postgres, from.is_some());
        // This backend's not-yet-flushed delete counters of the child tables, before
        // and after: the difference is what the cascade deleted in this transaction.
        let children: Vec<String> = job.cascade_tables.iter().map(|t| quote_ident(t)).collect();
        let cascaded_before = deletes_so_far(&mut tx, &children)?;
        let lim = limit as i64;
        let from_s = from.unwrap_or("");
        let row = if from.is_some() {
            tx.query_one(sql.as_str(), &[&cutoff, &lim, &from_s])
        } else {
            tx.query_one(sql.as_str(), &[&cutoff, &lim])
        }
        .sql()
        .with_context(|| format!("deleting a batch from {}", job.table))?;
        let deleted: i64 = row.get(0);
        let last: Option<String> = row.get(1);
        let cascaded = deletes_so_far(&mut tx, &children)? - cascaded_before;
        tx.commit().sql().context("committing the batch")?;
        Ok(Batch {
            deleted: count(deleted),
            cascaded: count(cascaded),
            last,
            held: started.elapsed(),
        })
    }

    fn vacuum(&mut self, tables: &[String]) -> Result<Vec<String>> {
        let mut done = Vec::new();
        for t in tables {
            self.client
                .batch_execute(&format!("VACUUM (ANALYZE) {}", quote_ident(t)))
                .sql()?;
            done.push(format!("VACUUM (ANALYZE) {t}"));
        }
        Ok(done)
    }

    fn keyset_floor(&self) -> &'static str {
        "1970-01-01 00:00:00+00"
    }
}

/// Rows deleted from `tables` by this backend and not yet flushed to the statistics
/// collector (PostgreSQL flushes only between transactions, so a difference taken inside
/// one transaction is exact).
fn deletes_so_far(tx: &mut postgres::Transaction<'_>, tables: &[String]) -> Result<i64> {
    if tables.is_empty() {
        return Ok(0);
    }
    Ok(tx
        .query_one(
            "SELECT coalesce(sum(pg_stat_get_xact_tuples_deleted(to_regclass(t))), 0)::int8 FROM unnest($1::text[]) t",
            &[&tables],
        )
        .sql()?
        .get(0))
}
