//! Cleanup on PostgreSQL: a session-level advisory lock, UTC sessions without JIT, and
//! the batch DELETE in its own short transaction bounded by `lock_timeout` and
//! `statement_timeout`, one round trip per batch: a prepared statement run in autocommit
//! under session settings made once per run of batches ([`BatchSession`]), or, for a table
//! whose deletes cascade, one simple-query message that also reads the cascaded rows from
//! this backend's statistics ([`batch_message`]).

use std::time::Duration;

use anyhow::{Context, Result};

use postgres::{SimpleQueryMessage, SimpleQueryRow, Statement};

use super::conn::ms;
use super::{quote_ident, PgConn};
use crate::catalog::Dialect;
use crate::db::retention::{cleanup_busy, count, CleanupLock, Retention};
use crate::db::SqlResult;
use crate::retention::sql::text_literal;
use crate::retention::{Batch, Cascade, Job, Timeouts};

impl Retention for PgConn {
    fn cleanup_session(&mut self) -> Result<()> {
        // No JIT: cleanup's statements are short, and compiling them costs more than it
        // saves (measured: 8 ms on a batch that runs in 12, BENCHMARKS.md).
        self.client
            .batch_execute(&format!(
                "SET TIME ZONE 'UTC'; SET jit = off; SET search_path TO {}",
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
        // A count is not a batch: the session's own timeouts again.
        self.batch_settings(None)?;
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
        if from.is_none() {
            // From the oldest expired row: a new sweep.
            self.cleanup.sweep = Sweep::default();
        }
        let mut batch = if job.cascade_tables.is_empty() {
            self.batch_settings(Some(timeouts))?;
            let stmt = self.batch_statement(job)?;
            // The first batch from before every time, so that it is the same statement.
            let lower = from.unwrap_or("-infinity");
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let row = match self
                .client
                .query_one(&stmt, &[&cutoff, &limit, &lower])
                .sql()
            {
                Ok(row) => row,
                Err(e) => {
                    // A batch rolled back may have spent a transaction id of its own.
                    self.cleanup.sweep.unproven();
                    return Err(anyhow::Error::new(e)
                        .context(format!("deleting a batch from {}", job.table)));
                }
            };
            let (batch, snapshot, xid) = read_batch(&row)
                .sql()
                .with_context(|| format!("reading a batch's result from {}", job.table))?;
            self.cleanup.sweep.saw(snapshot, xid);
            batch
        } else {
            // Cascades are counted from statistics the batch reads in its own transaction:
            // a simple-query message, which does not prove a sweep.
            self.cleanup.sweep.unproven();
            let range = job.batch_delete_inline(cutoff, limit, from);
            self.batch(job, &batch_message(job, &range, timeouts))?
        };
        if batch.deleted == 0 && batch.more {
            // At least `limit` rows share the lower bound: the range before the next time
            // is empty. Those rows go `limit` at a time, by ctid.
            self.cleanup.sweep.unproven();
            let ties = job.batch_delete_ties_inline(cutoff, limit, from);
            batch = self.batch(job, &batch_message(job, &ties, timeouts))?;
        }
        batch.held = started.elapsed();
        Ok(batch)
    }

    fn proven_empty(&mut self) -> Result<bool> {
        if !self.cleanup.sweep.provable() {
            return Ok(false);
        }
        let now: String = self
            .client
            .query_one("SELECT txid_current_snapshot()::text", &[])
            .sql()?
            .get(0);
        Ok(self.cleanup.sweep.alone_until(&now))
    }

    fn settle(&mut self) -> Result<()> {
        // A transaction with a transaction id commits with the session's own
        // synchronous_commit, which flushes the WAL up to it: every batch before it too.
        self.batch_settings(None)?;
        self.client
            .batch_execute("SELECT pg_current_xact_id()")
            .sql()
            .context("flushing the committed batches to disk")?;
        Ok(())
    }

    fn vacuum(&mut self, tables: &[String]) -> Result<Vec<String>> {
        self.batch_settings(None)?;
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

/// The session state of a run of batches: the prepared batch DELETE of the policy at
/// work, the timeouts the session is set to while batches run (`None`: the session's
/// own, as after `RESET`), and what the current sweep saw of other writers.
#[derive(Default)]
pub(crate) struct BatchSession {
    statement: Option<(String, Statement)>,
    timeouts: Option<Timeouts>,
    sweep: Sweep,
}

/// One sweep of a policy's batches, from the oldest expired row (`-infinity`) to the
/// cutoff, and the proof it can give that no expired row is left without counting them.
///
/// Counting after the batches walks every index entry they left dead, each a heap visit
/// until the scan marks it (0.3-0.6 s per million rows, BENCHMARKS.md): the work a plain
/// DELETE leaves to its next reader. The count is needed only if another transaction
/// wrote while the sweep ran: a row inserted or updated behind the keyset. Every writer
/// takes a transaction id, ids are handed out one after another for the whole cluster,
/// and each batch reports its statement's snapshot and its own id. So if, from the first
/// batch's snapshot `S1` to a snapshot taken after the last batch `E`, no transaction was
/// in progress at `S1` and every id in `[S1.xmax, E.xmax)` is one of the sweep's batches,
/// nobody else wrote anything anywhere in the cluster: every batch saw the rows `S1` saw
/// less those the batches before it deleted, the batches' ranges joined cover every time
/// before the cutoff, and none is left at `E`. Otherwise (any other writer, in any
/// database, a batch rolled back, a ties or cascade batch, which report no snapshot),
/// the expired rows are counted as before.
#[derive(Debug, Default)]
struct Sweep {
    /// The first batch's snapshot.
    first: Option<Snapshot>,
    /// The transaction ids the sweep's batches took.
    ours: Vec<u64>,
    /// False once something happened that the proof cannot account for.
    unprovable: bool,
}

impl Sweep {
    fn unproven(&mut self) {
        self.unprovable = true;
    }

    /// A batch's snapshot and transaction id (none when it deleted nothing).
    fn saw(&mut self, snapshot: &str, xid: Option<&str>) {
        match Snapshot::parse(snapshot) {
            Some(s) if self.first.is_none() => self.first = Some(s),
            Some(_) => {}
            None => self.unprovable = true,
        }
        match xid.map(str::parse::<u64>) {
            Some(Ok(x)) => self.ours.push(x),
            Some(Err(_)) => self.unprovable = true,
            None => {}
        }
    }

    fn provable(&self) -> bool {
        !self.unprovable && self.first.is_some()
    }

    /// Whether no transaction but the sweep's batches took an id or was in progress from
    /// the first batch's snapshot to `now` (a snapshot's text, taken after the last batch).
    fn alone_until(&self, now: &str) -> bool {
        let (Some(first), Some(now)) = (&self.first, Snapshot::parse(now)) else {
            return false;
        };
        if self.unprovable || !first.running.is_empty() || now.xmax < first.xmax {
            return false;
        }
        let ours = self
            .ours
            .iter()
            .filter(|&&x| first.xmax <= x && x < now.xmax)
            .count() as u64;
        // Ids are consecutive: the span holds exactly the sweep's own (a transaction still
        // running at `now` with an id in it is another's, and fails this too).
        now.xmax - first.xmax == ours
    }
}

/// A snapshot's text (`xmin:xmax:xip,...`, `txid_current_snapshot()`: 64-bit ids with
/// their epoch, PostgreSQL 10 on, where `pg_current_snapshot()` needs 13): ids from `xmax`
/// on had not completed; `running` were in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    xmax: u64,
    running: Vec<u64>,
}

impl Snapshot {
    fn parse(text: &str) -> Option<Snapshot> {
        let mut parts = text.split(':');
        let _xmin: u64 = parts.next()?.parse().ok()?;
        let xmax: u64 = parts.next()?.parse().ok()?;
        let list = parts.next()?;
        if parts.next().is_some() {
            return None;
        }
        let running = if list.is_empty() {
            Vec::new()
        } else {
            list.split(',')
                .map(|x| x.parse().ok())
                .collect::<Option<Vec<u64>>>()?
        };
        Some(Snapshot { xmax, running })
    }
}

impl PgConn {
    /// Sets the session for batches under `timeouts` (each batch is its own autocommit
    /// transaction: `lock_timeout` and `statement_timeout` bound it, and it commits with
    /// `synchronous_commit = off`; [`Retention::settle`] flushes them all), or with `None`
    /// back to the session's own settings, for everything that is not a batch (counts,
    /// the flush, VACUUM). One round trip, and only when the state changes.
    fn batch_settings(&mut self, timeouts: Option<Timeouts>) -> Result<()> {
        if self.cleanup.timeouts == timeouts {
            return Ok(());
        }
        let sql = match timeouts {
            Some(t) => format!(
                "SET lock_timeout = '{}ms'; SET statement_timeout = '{}ms'; SET synchronous_commit = off",
                ms(t.lock),
                ms(t.statement)
            ),
            None => "RESET lock_timeout; RESET statement_timeout; RESET synchronous_commit".to_string(),
        };
        self.client
            .batch_execute(&sql)
            .sql()
            .context("setting the session for cleanup's batches")?;
        self.cleanup.timeouts = timeouts;
        Ok(())
    }

    /// The batch DELETE of [`Job::batch_delete_sql`] (keyset form), prepared once per
    /// policy: a batch is then one Bind/Execute, planned from the cached plan.
    fn batch_statement(&mut self, job: &Job) -> Result<Statement> {
        let sql = job.batch_delete_sql(Dialect::Postgres, true);
        if let Some((text, stmt)) = &self.cleanup.statement {
            if *text == sql {
                return Ok(stmt.clone());
            }
        }
        let stmt = self
            .client
            .prepare(&sql)
            .sql()
            .with_context(|| format!("preparing the batch DELETE of {}", job.table))?;
        self.cleanup.statement = Some((sql, stmt.clone()));
        Ok(stmt)
    }

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

/// A prepared batch's result row: the batch, its snapshot's text and its transaction id
/// (see [`Job::batch_delete_sql`]). Our own statement's columns, read with `try_get` all
/// the same, so that a surprise is an error and never a panic.
fn read_batch(row: &postgres::Row) -> Result<(Batch, &str, Option<&str>), postgres::Error> {
    let batch = Batch {
        deleted: count(row.try_get(0)?),
        cascaded: 0,
        last: row.try_get(1)?,
        held: Duration::ZERO,
        more: row.try_get::<_, i64>(2)? > 0,
    };
    Ok((batch, row.try_get(3)?, row.try_get(4)?))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep(first: &str, ours: &[u64]) -> Sweep {
        let mut s = Sweep::default();
        s.saw(first, None);
        s.ours = ours.to_vec();
        s
    }

    #[test]
    fn a_sweep_is_proven_only_when_no_other_transaction_took_an_id() {
        // Batches took 100, 101, 102; the snapshot after them has xmax 103.
        assert!(sweep("100:100:", &[100, 101, 102]).alone_until("103:103:"));
        // The last batch deleted nothing (no id): still alone.
        assert!(sweep("100:100:", &[100, 101]).alone_until("102:102:"));
        // Another transaction took 101 (committed, aborted or running): count.
        assert!(!sweep("100:100:", &[100, 102]).alone_until("103:103:"));
        assert!(!sweep("100:100:", &[100, 102]).alone_until("101:103:101"));
        // Another one was in progress when the sweep began.
        assert!(!sweep("99:100:99", &[100, 101, 102]).alone_until("103:103:"));
        // Running at the end, past the snapshot's xmax: not ours, not in the span; it
        // commits after the proof, like any write after the run.
        assert!(sweep("100:100:", &[100]).alone_until("101:101:"));
        // A batch that failed took an id of its own and rolled back: never proven.
        let mut s = sweep("100:100:", &[100]);
        s.unproven();
        assert!(!s.alone_until("101:101:"));
        // No batch reported a snapshot, or it cannot be read: never proven.
        assert!(!Sweep::default().alone_until("5:5:"));
        assert!(!sweep("garbage", &[]).alone_until("5:5:"));
        assert!(!sweep("100:100:", &[]).alone_until("1:2:3:4"));
        // The clock cannot go back.
        assert!(!sweep("100:100:", &[]).alone_until("90:90:"));
    }

    #[test]
    fn snapshots_are_read_from_their_text() {
        assert_eq!(
            Snapshot::parse("748:752:748,750"),
            Some(Snapshot {
                xmax: 752,
                running: vec![748, 750]
            })
        );
        assert_eq!(
            Snapshot::parse("10:10:"),
            Some(Snapshot {
                xmax: 10,
                running: vec![]
            })
        );
        for bad in ["", "1:2", "a:b:", "1:2:x", "1:2:3:4", "1:2:3,"] {
            assert_eq!(Snapshot::parse(bad), None, "{bad}");
        }
    }
}
