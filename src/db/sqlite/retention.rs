//! Cleanup on SQLite: an OS lock on `<database>-chatdb-cleanup.lock` (SQLite has no
//! advisory locks), the batch DELETE through a rowid list in its own `BEGIN IMMEDIATE`
//! transaction followed by a pause as long as a waiting writer's busy handler needs to try
//! again ([`pause_after`]: so the application's writers get the lock between batches),
//! batches sized by time (`batch_budget`: 100 ms of lock), cascaded rows counted from
//! `total_changes`, and a WAL
//! checkpoint and incremental vacuum where those are enabled. Times compare as text: a
//! policy whose column holds numbers (epoch, julianday) is refused ([`Retention::refuse_odd_times`]).

use std::fs::File;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use super::{begin, large_page_cache, SqliteConn};
use crate::catalog::Dialect;
use crate::db::retention::{cleanup_busy, count, CleanupLock, Retention};
use crate::db::{quote_ident, TxKind, TxOpts};
use crate::retention::sql::{
    sqlite_odd_times_below_sql, sqlite_odd_times_chunk_sql, ODD_TIMES_CHUNK,
};
use crate::retention::{Batch, Cascade, Job, Timeouts};

/// How long one batch may hold the write lock. Batches aim at 80% of it
/// (`fit_to_budget`); an application write that arrives just as a batch starts waits it
/// out plus at most one pause ([`pause_after`]). A smaller budget does not shorten the
/// longest application write: over 1M rows that one spent under 1 ms waiting for the lock
/// and 230-333 ms in its own COMMIT (its fsync behind cleanup's writes on this machine's
/// disk), with 60 ms as with 100 ms. Measured in BENCHMARKS.md
/// (`benches/cleanup_sqlite_writers.sh`, `benches/cleanup_sqlite.sh`).
const BATCH_BUDGET: Duration = Duration::from_millis(100);

/// How long cleanup stays off the write lock after a batch that held it for `held`: long
/// enough that a writer waiting since the batch began tries again inside the pause, and no
/// longer (every millisecond off the lock is throughput lost). A writer waiting in SQLite's
/// busy handler (`sqlite3_busy_timeout`, what applications set) tries at 0, 1, 3, 8, 18, 33,
/// 53, 78, 103, 128, 178, 228 ms and then every 100 ms: the gap between its tries is at most
/// 25 ms until 128 ms, 50 ms until 228 ms, then 100 ms. The pause is that gap at `held`,
/// plus 5 ms for the writer's own sleeps running late.
pub(crate) fn pause_after(held: Duration) -> Duration {
    let gap = match held.as_millis() {
        0..=103 => 25,
        104..=178 => 50,
        _ => 100,
    };
    Duration::from_millis(gap + 5)
}

impl Retention for SqliteConn {
    fn cleanup_session(&mut self) -> Result<()> {
        // The index pages one batch rewrote stay cached for the next, which SQLite keeps
        // while no other connection writes (batches 20-40% faster, BENCHMARKS.md).
        large_page_cache(&self.conn)?;
        // In WAL mode a COMMIT that passes 1,000 WAL pages checkpoints inside the COMMIT:
        // the batch's timing then counts work done off the write lock (the application may
        // write meanwhile), and the batches come out smaller than their lock allows. This
        // connection checkpoints after each batch instead, and that time counts as the pause.
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .context("reading the journal mode")?;
        if mode.eq_ignore_ascii_case("wal") {
            self.conn
                .query_row("PRAGMA wal_autocheckpoint = 0", [], |_| Ok(()))
                .context("setting the WAL autocheckpoint")?;
            self.checkpoints = true;
        }
        Ok(())
    }

    fn cleanup_lock(&mut self) -> Result<CleanupLock> {
        let Some(db) = &self.path else {
            // In memory: nothing to share, nothing to lock.
            return Ok(CleanupLock::held());
        };
        let mut name = db.as_os_str().to_owned();
        name.push("-chatdb-cleanup.lock");
        let path = PathBuf::from(name);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening the cleanup lock file {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(CleanupLock::file(file)),
            Err(std::fs::TryLockError::WouldBlock) => Err(cleanup_busy(None).into()),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(anyhow::Error::new(e).context(format!("locking {}", path.display())))
            }
        }
    }

    fn db_now(&mut self) -> Result<String> {
        Ok(self
            .conn
            .query_row("SELECT datetime('now')", [], |r| r.get(0))?)
    }

    fn cutoff(&mut self, now: &str, keep: Duration) -> Result<String> {
        Ok(self.conn.query_row(
            "SELECT datetime(?1, printf('-%d seconds', ?2))",
            rusqlite::params![now, keep.as_secs() as i64],
            |r| r.get(0),
        )?)
    }

    fn column_exists(&mut self, table: &str, column: &str) -> Result<bool> {
        let found: i64 = self.conn.query_row(
            "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
            [table, column],
            |r| r.get(0),
        )?;
        Ok(found > 0)
    }

    fn cascades(&mut self) -> Result<Vec<Cascade>> {
        let mut stmt = self.conn.prepare(
            "SELECT m.name, f.\"table\", f.id, f.\"from\", f.\"to\" FROM sqlite_schema m, pragma_foreign_key_list(m.name) f
             WHERE m.type = 'table' AND upper(f.on_delete) = 'CASCADE' ORDER BY m.name, f.id, f.seq",
        )?;
        let mut out: Vec<(String, i64, Cascade)> = Vec::new();
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        for row in rows {
            let (child, parent, id, from, to) = row?;
            let to = to.unwrap_or_else(|| "rowid".to_string());
            match out.iter_mut().find(|(c, i, _)| *c == child && *i == id) {
                Some((_, _, cas)) => {
                    cas.child_cols.push(from);
                    cas.parent_cols.push(to);
                }
                None => out.push((
                    child.clone(),
                    id,
                    Cascade {
                        child,
                        parent,
                        child_cols: vec![from],
                        parent_cols: vec![to],
                    },
                )),
            }
        }
        Ok(out.into_iter().map(|(_, _, c)| c).collect())
    }

    fn sql_dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn refuse_odd_times(&mut self, job: &Job, cutoff: &str) -> Result<()> {
        let floor = self.keyset_floor();
        let context = || format!("checking the times in {}.{}", job.table, job.time_column);
        let (mut n, kinds): (i64, String) = self
            .conn
            .query_row(&sqlite_odd_times_below_sql(job), [floor], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .with_context(context)?;
        let mut kinds: Vec<String> = kinds
            .split(',')
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect();
        // The expired text times, a chunk per read: one read over a million rows held the
        // database 300 ms, and an application's COMMIT waited all of it.
        let chunk = sqlite_odd_times_chunk_sql(job);
        let mut after: (rusqlite::types::Value, i64) =
            (rusqlite::types::Value::Text(floor.to_string()), i64::MIN);
        loop {
            let (read, odd, last_t, last_r): (i64, i64, rusqlite::types::Value, Option<i64>) = self
                .conn
                .prepare_cached(&chunk)
                .and_then(|mut s| {
                    s.query_row(
                        rusqlite::params![floor, cutoff, after.0, after.1, ODD_TIMES_CHUNK],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                })
                .with_context(context)?;
            if odd > 0 {
                n += odd;
                if !kinds.iter().any(|k| k == "text") {
                    kinds.push("text".to_string());
                }
            }
            match last_r {
                Some(r) if read >= ODD_TIMES_CHUNK => after = (last_t, r),
                _ => break,
            }
        }
        let kinds = kinds.join(",");
        if n > 0 {
            bail!(
                "{}.{}: {n} row(s) hold a time that is not SQLite date text `YYYY-MM-DD HH:MM:SS` (stored as {kinds}); \
                 SQLite orders every number before every text, so comparing them with the cutoff says nothing about their age \
                 and cleanup refuses to touch the table. Convert them first, e.g. \
                 UPDATE \"{}\" SET \"{}\" = datetime(\"{}\", 'unixepoch') WHERE typeof(\"{}\") = 'integer' \
                 (unix epoch seconds; a julianday REAL converts with datetime(\"{}\"))",
                job.table,
                job.time_column,
                job.table,
                job.time_column,
                job.time_column,
                job.time_column,
                job.time_column,
            );
        }
        Ok(())
    }

    fn cutoff_literal(&self, cutoff: &str) -> String {
        format!("'{}'", cutoff.replace('\'', "''"))
    }

    fn scalar(&mut self, sql: &str) -> Result<u64> {
        Ok(count(self.conn.query_row(sql, [], |r| r.get(0))?))
    }

    fn delete_batch(
        &mut self,
        job: &Job,
        cutoff: &str,
        from: Option<&str>,
        limit: u64,
        _timeouts: Timeouts,
    ) -> Result<Batch> {
        let timeout = self.lock_timeout;
        let floor = self.keyset_floor();
        let started = std::time::Instant::now();
        let tx = begin(
            &mut self.conn,
            &TxOpts::new(TxKind::Batch, crate::names::DEFAULT_NAMESPACE),
            timeout,
        )?;
        // Always the keyset form, the first batch from the text floor: numbers sort before
        // every text, so the lower bound keeps a numeric time out of every batch.
        let sql = job.batch_delete_sql(Dialect::Sqlite, true);
        let from = Some(from.unwrap_or(floor));
        let before = tx.total_changes();
        let mut deleted = 0u64;
        let mut last: Option<String> = None;
        {
            let mut stmt = tx.prepare_cached(&sql)?;
            let params: Vec<Box<dyn rusqlite::ToSql>> = match from {
                Some(f) => vec![
                    Box::new(cutoff.to_string()),
                    Box::new(limit as i64),
                    Box::new(f.to_string()),
                ],
                None => vec![Box::new(cutoff.to_string()), Box::new(limit as i64)],
            };
            let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
            while let Some(row) = rows.next()? {
                deleted += 1;
                let v: rusqlite::types::Value = row.get(0)?;
                let text = match v {
                    rusqlite::types::Value::Text(t) => Some(t),
                    rusqlite::types::Value::Integer(i) => Some(i.to_string()),
                    rusqlite::types::Value::Real(r) => Some(r.to_string()),
                    _ => None,
                };
                if let Some(t) = text {
                    if last.as_ref().is_none_or(|l| &t > l) {
                        last = Some(t);
                    }
                }
            }
        }
        let cascaded = (tx.total_changes() - before).saturating_sub(deleted);
        tx.commit()?;
        let held = started.elapsed();
        // SQLite has one writer, and a writer waiting in its busy handler sleeps between
        // tries: stay off the lock until it has tried again, so that the application's
        // writes get their turn instead of waiting out the whole run. A WAL checkpoint
        // (PASSIVE: it waits for nobody, and writers go on meanwhile) is time off the lock.
        let off = std::time::Instant::now();
        if self.checkpoints {
            self.conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                .context("checkpointing the WAL after a batch")?;
        }
        std::thread::sleep(pause_after(held).saturating_sub(off.elapsed()));
        Ok(Batch {
            deleted,
            cascaded,
            last,
            held,
            more: deleted >= limit,
        })
    }

    fn vacuum(&mut self, tables: &[String]) -> Result<Vec<String>> {
        let c = &self.conn;
        let mut done = Vec::new();
        let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if mode.eq_ignore_ascii_case("wal") {
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            done.push("PRAGMA wal_checkpoint(TRUNCATE)".to_string());
        }
        let auto: i64 = c.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
        if auto == 2 {
            c.execute_batch("PRAGMA incremental_vacuum")?;
            done.push("PRAGMA incremental_vacuum".to_string());
        }
        for t in tables {
            c.execute_batch(&format!("ANALYZE {}", quote_ident(t)))?;
            done.push(format!("ANALYZE {t}"));
        }
        Ok(done)
    }

    fn keyset_floor(&self) -> &'static str {
        "1970-01-01 00:00:00"
    }

    fn batch_budget(&self) -> Option<Duration> {
        Some(BATCH_BUDGET)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_after_a_batch_covers_a_waiting_writers_next_try() {
        // The busy handler's tries, from a writer's first attempt (sqlite3.c, sqliteDefaultBusyCallback).
        let mut tries = vec![0u64, 1, 3, 8, 18, 33, 53, 78, 103, 128, 178, 228];
        while tries.last() < Some(&2000) {
            tries.push(tries.last().copied().unwrap_or(0) + 100);
        }
        // A writer that arrived `since` ms before the batch ended (at most the batch's
        // length) tries inside the pause that follows, whenever it arrived.
        for held in [0u64, 10, 48, 80, 103, 104, 150, 178, 179, 400, 1500] {
            let pause = pause_after(Duration::from_millis(held)).as_millis() as u64;
            for since in 0..=held {
                assert!(
                    tries.iter().any(|&t| t >= since && t + 5 <= since + pause),
                    "held {held} ms, pause {pause} ms: a writer waiting {since} ms misses it"
                );
            }
        }
    }
}
