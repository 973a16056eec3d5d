//! What `chatdb cleanup` needs from a database: the database's clock, the cleanup lock,
//! counting expired rows (and the rows their deletion would cascade to), and deleting one
//! keyset batch in its own short transaction. Declared here, implemented per dialect in
//! `db/postgres/retention.rs` and `db/sqlite/retention.rs`; the SQL they run comes from
//! the dialect-free [`crate::retention::sql`].
//!
//! Timestamps: PostgreSQL sessions run with `TimeZone = UTC`, so naive `timestamp` columns
//! are read as UTC, like SQLite's `CURRENT_TIMESTAMP` text (`YYYY-MM-DD HH:MM:SS`, UTC).

use std::fs::File;
use std::time::Duration;

use anyhow::{bail, Result};

use crate::catalog::Dialect;
use crate::retention::sql::count_queries;
use crate::retention::{Batch, Cascade, Job, Timeouts};

/// Held while a cleanup runs; dropping it releases the lock (a PostgreSQL session-level
/// advisory lock goes with the connection; a SQLite lock file is unlocked here).
pub struct CleanupLock {
    file: Option<File>,
}

impl CleanupLock {
    /// A lock that needs no release of its own (advisory, or an in-memory database).
    pub fn held() -> CleanupLock {
        CleanupLock { file: None }
    }

    /// An exclusive OS lock on `file`, released on drop.
    pub fn file(file: File) -> CleanupLock {
        CleanupLock { file: Some(file) }
    }
}

impl Drop for CleanupLock {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            let _ = file.unlock();
        }
    }
}

/// The busy error of a cleanup that found another one at work: cleanup never waits.
/// `holder` names it where the database can (see `PgConn`'s lock holders).
pub fn cleanup_busy(holder: Option<String>) -> crate::error::LockError {
    crate::error::LockError::Busy {
        what: "cleanup",
        waited: "0s: cleanup never waits".to_string(),
        holder: holder.unwrap_or_else(|| "another chatdb cleanup".to_string()),
    }
}

/// Cleanup's operations, in the connection's namespace.
pub trait Retention {
    /// Prepares the connection for cleanup (PostgreSQL: UTC for naive timestamps).
    fn cleanup_session(&mut self) -> Result<()>;
    /// Takes the one-cleanup-at-a-time lock, or fails at once with a `LockError`.
    fn cleanup_lock(&mut self) -> Result<CleanupLock>;
    /// The database's current time, read once: every cutoff of a run derives from it.
    fn db_now(&mut self) -> Result<String>;
    /// `now - keep` in the database's own arithmetic and text form.
    fn cutoff(&mut self, now: &str, keep: Duration) -> Result<String>;
    /// Whether `table` has `column` here.
    fn column_exists(&mut self, table: &str, column: &str) -> Result<bool>;
    /// Checks that the policy's table and column exist (the schema may not be migrated).
    fn check_job(&mut self, job: &Job) -> Result<()> {
        if !self.column_exists(&job.table, &job.time_column)? {
            bail!(
                "table {} has no column {} here: is the schema migrated (chatdb migrate / chatdb status)?",
                job.table,
                job.time_column
            );
        }
        Ok(())
    }
    /// Foreign keys with `ON DELETE CASCADE`, for counting what deletions would cascade to.
    fn cascades(&mut self) -> Result<Vec<Cascade>>;
    /// The dialect whose SQL the counts are written in.
    fn sql_dialect(&self) -> Dialect;
    /// Refuses a policy whose time column holds values that cannot be compared with the
    /// cutoff (SQLite: numbers, or text that is not a date), naming the table and column.
    fn refuse_odd_times(&mut self, _job: &Job, _cutoff: &str) -> Result<()> {
        Ok(())
    }
    /// `cutoff` as a SQL literal of the dialect's time type.
    fn cutoff_literal(&self, cutoff: &str) -> String;
    /// The one number a `SELECT count(*) ...` returns.
    fn scalar(&mut self, sql: &str) -> Result<u64>;
    /// Rows `job` would delete at `cutoff`, and the rows that would cascade from them.
    fn count_expired(
        &mut self,
        job: &Job,
        cutoff: &str,
        cascades: &[Cascade],
    ) -> Result<(u64, u64)> {
        let literal = self.cutoff_literal(cutoff);
        let (direct, queries) = count_queries(job, &literal, cascades, self.sql_dialect());
        let direct = self.scalar(&direct)?;
        let mut cascaded = 0;
        for q in queries {
            cascaded += self.scalar(&q)?;
        }
        Ok((direct, cascaded))
    }
    /// Expired rows of `job` still there at `cutoff` (what a stopped cleanup leaves).
    fn count_left(&mut self, job: &Job, cutoff: &str) -> Result<u64> {
        Ok(self.count_expired(job, cutoff, &[])?.0)
    }
    /// Deletes one keyset batch of at most `limit` expired rows in its own transaction.
    fn delete_batch(
        &mut self,
        job: &Job,
        cutoff: &str,
        from: Option<&str>,
        limit: u64,
        timeouts: Timeouts,
    ) -> Result<Batch>;
    /// Whether the batches since the last one from the oldest expired row prove, without
    /// counting, that no expired row is left (PostgreSQL: no other transaction wrote
    /// while they ran; see `db/postgres/retention.rs`). `false`: count them.
    fn proven_empty(&mut self) -> Result<bool> {
        Ok(false)
    }
    /// Makes every committed batch durable (PostgreSQL commits batches without waiting
    /// for the disk flush; one synchronous commit here flushes them all). Called before a
    /// run reports.
    fn settle(&mut self) -> Result<()> {
        Ok(())
    }
    /// How long one batch may hold its locks, where that matters more than rows per batch
    /// (SQLite: one writer, so the application's writes wait out every batch); batches are
    /// then sized by time ([`crate::retention::fit_to_budget`]). `None`: by rows only.
    fn batch_budget(&self) -> Option<Duration> {
        None
    }
    /// Reclaims space after a cleanup; returns the statements it ran.
    fn vacuum(&mut self, tables: &[String]) -> Result<Vec<String>>;
    /// The keyset lower bound older than any row, in the dialect's time text
    /// (`chatdb explain` runs the batch DELETE with it).
    fn keyset_floor(&self) -> &'static str;
}

/// Reads a count as `u64` (negative counts do not happen; they read as 0).
pub fn count(n: i64) -> u64 {
    n.max(0) as u64
}
