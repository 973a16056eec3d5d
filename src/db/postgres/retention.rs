//! Cleanup on PostgreSQL: a session-level advisory lock, UTC sessions, the batch DELETE
//! through a ctid list in its own short transaction with `lock_timeout` and
//! `statement_timeout`, sent as one message (one round trip per batch), and cascaded rows
//! counted from this backend's statistics.

use std::time::Duration;

use anyhow::{Context, Result};

use postgres::{SimpleQueryMessage, SimpleQueryRow};

use super::conn::ms;
use super::{quote_ident, PgConn};
use crate::catalog::Dialect;
use crate::db::retention::{cleanup_busy, count, CleanupLock, Retention};
use crate::db::SqlResult;
use crate::retention::sql::text_literal;
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
        let started = std::time::Instant::now();
        let range = job.batch_delete_inline(cutoff, limit, from);
        let mut batch = self.batch(job, &batch_message(job, &range, timeouts))?;
        if batch.deleted == 0 && batch.more {
            // At least `limit` rows share the lower bound: the range before the next time
            // is empty. Those rows go `limit` at a time, by ctid.
            let ties = job.batch_delete_ties_inline(cutoff, limit, from);
            batch = self.batch(job, &batch_message(job, &ties, timeouts))?;
        }
        batch.held = started.elapsed();
        Ok(batch)
    }

    fn settle(&mut self) -> Result<()> {
        // A transaction with a transaction id commits with the session's own
        // synchronous_commit, which flushes the WAL up to it: every batch before it too.
        self.client
            .batch_execute("SELECT pg_current_xact_id()")
            .sql()
            .context("flushing the committed batches to disk")?;
        Ok(())
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

impl PgConn {
    /// Runs one batch message and reads its result rows: [children's deletes before,] the
    /// batch (count, newest time, more)[, after].
    fn batch(&mut self, job: &Job, sql: &str) -> Result<Batch> {
        let rows: Vec<SimpleQueryRow> = self
            .client
            .simple_query(sql)
            .sql()
            .with_context(|| format!("deleting a batch from {}", job.table))?
            .into_iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(r) => Some(r),
                _ => None,
            })
            .collect();
        let number = |r: Option<&SimpleQueryRow>, i: usize| -> i64 {
            r.and_then(|r| r.get(i))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        let (batch, cascaded) = if job.cascade_tables.is_empty() {
            (rows.first(), 0)
        } else {
            (
                rows.get(1),
                number(rows.get(2), 0) - number(rows.first(), 0),
            )
        };
        Ok(Batch {
            deleted: count(number(batch, 0)),
            cascaded: count(cascaded),
            last: batch.and_then(|r| r.get(1)).map(str::to_string),
            held: Duration::ZERO,
            more: number(batch, 2) > 0,
        })
    }
}

/// One batch as one simple-query message, so one round trip: the server runs it as one
/// implicit transaction (committed at its end, rolled back whole on an error), the
/// `SET LOCAL`s bounding the DELETE after them. With cascades the children's delete
/// counters are read before and after the DELETE: this backend's not-yet-flushed counters
/// (PostgreSQL flushes only between transactions, so the difference taken inside one is
/// what the cascade deleted). The batch commits with `synchronous_commit = off` (no wait
/// for the disk flush, which dominates a small transaction); a policy ends with one
/// synchronous commit ([`Retention::settle`]) that makes every batch before it durable.
fn batch_message(job: &Job, delete: &str, timeouts: Timeouts) -> String {
    let mut sql = format!(
        "SET LOCAL lock_timeout = '{}ms'; SET LOCAL statement_timeout = '{}ms'; SET LOCAL synchronous_commit = off;\n",
        ms(timeouts.lock),
        ms(timeouts.statement)
    );
    let children = (!job.cascade_tables.is_empty()).then(|| {
        let names: Vec<String> = job
            .cascade_tables
            .iter()
            .map(|t| text_literal(&quote_ident(t)))
            .collect();
        format!(
            "SELECT coalesce(sum(pg_stat_get_xact_tuples_deleted(to_regclass(t))), 0)::int8 FROM unnest(ARRAY[{}]::text[]) t",
            names.join(", ")
        )
    });
    if let Some(c) = &children {
        sql.push_str(&format!("{c};\n"));
    }
    sql.push_str(delete);
    if let Some(c) = &children {
        sql.push_str(&format!(";\n{c}"));
    }
    sql
}
