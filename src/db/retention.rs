//! What `chatdb cleanup` needs from a database, per dialect: the database's clock, the
//! cleanup lock, counting expired rows (and the rows their deletion would cascade to), and
//! deleting one keyset batch in its own short transaction.
//!
//! Keyset: each batch deletes the oldest expired rows `ORDER BY time_column LIMIT n`,
//! starting from the newest time the previous batch deleted (inclusive, so rows sharing that
//! time are not skipped). A batch therefore starts its index scan where the last one stopped
//! instead of walking over the dead index entries the earlier batches left behind, and each
//! batch costs about the same as the first.
//!
//! Timestamps: PostgreSQL sessions run with `TimeZone = UTC`, so naive `timestamp` columns
//! are read as UTC, like SQLite's `CURRENT_TIMESTAMP` text (`YYYY-MM-DD HH:MM:SS`, UTC).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};

use super::postgres::{describe, quote_ident};
use super::Conn;
use crate::catalog::Dialect;
use crate::error::LockError;

/// One table's retention job.
#[derive(Debug, Clone)]
pub struct Job {
    pub table: String,
    pub time_column: String,
    pub condition: Option<String>,
    /// Tables that deletions from `table` cascade to (transitively).
    pub cascade_tables: Vec<String>,
}

impl Job {
    /// `"tc" < cutoff AND (condition)`, with `alias.` before the time column if given.
    fn expired_sql(&self, alias: Option<&str>, cutoff: &str) -> String {
        let col = match alias {
            Some(a) => format!("{a}.{}", quote_ident(&self.time_column)),
            None => quote_ident(&self.time_column),
        };
        let mut s = format!("{col} < {cutoff}");
        if let Some(c) = &self.condition {
            s.push_str(&format!(" AND ({c})"));
        }
        s
    }

    /// The statement that deletes one keyset batch in `dialect`: what
    /// [`Conn::delete_batch`] runs and what `chatdb explain` plans (its `cleanup:<table>`
    /// entries), written here only so that the two cannot drift apart.
    ///
    /// Parameters, the same in both dialects: 1 the cutoff (text; PostgreSQL casts it to
    /// `timestamptz`), 2 the batch limit, and with `keyset` 3 the lower bound (text, inclusive:
    /// the newest time the previous batch deleted). The rows go oldest first, by the time
    /// column, so the index leading with it drives the batch. PostgreSQL returns one row
    /// (rows deleted, newest time deleted as text); SQLite returns each deleted row's time.
    pub fn batch_delete_sql(&self, dialect: Dialect, keyset: bool) -> String {
        let table = quote_ident(&self.table);
        let tc = quote_ident(&self.time_column);
        match dialect {
            Dialect::Postgres => {
                let mut pred = self.expired_sql(None, "($1::text)::timestamptz");
                if keyset {
                    pred.push_str(&format!(" AND {tc} >= ($3::text)::timestamptz"));
                }
                format!(
                    "WITH d AS (DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table} WHERE {pred} ORDER BY {tc} LIMIT $2)) RETURNING {tc})\n\
                     SELECT count(*)::int8, max({tc})::text FROM d"
                )
            }
            Dialect::Sqlite => {
                let mut pred = self.expired_sql(None, "?1");
                if keyset {
                    pred.push_str(&format!(" AND {tc} >= ?3"));
                }
                format!(
                    "DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE {pred} ORDER BY {tc} LIMIT ?2) RETURNING {tc}"
                )
            }
        }
    }
}

/// What one batch did.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub deleted: u64,
    /// Rows deleted in other tables by `ON DELETE CASCADE`, in the same transaction.
    pub cascaded: u64,
    /// The newest time value the batch deleted: where the next batch starts.
    pub last: Option<String>,
}

/// Held while a cleanup runs; dropping it releases the lock.
pub enum CleanupLock {
    /// PostgreSQL: a session-level advisory lock, released with the connection.
    Advisory,
    /// SQLite: an exclusive OS lock on `<database>-chatdb-cleanup.lock`.
    File(File),
    /// In-memory SQLite: nothing to share, nothing to lock.
    None,
}

impl Drop for CleanupLock {
    fn drop(&mut self) {
        if let CleanupLock::File(file) = self {
            let _ = file.unlock();
        }
    }
}

/// A foreign key whose parent deletions cascade to its child.
#[derive(Debug, Clone)]
pub struct Cascade {
    pub child: String,
    pub child_cols: Vec<String>,
    pub parent: String,
    pub parent_cols: Vec<String>,
}

impl Conn {
    /// Prepares the connection for cleanup: UTC for naive timestamps (PostgreSQL).
    pub fn cleanup_session(&mut self, namespace: &str) -> Result<()> {
        if let Conn::Postgres(c) = self {
            c.batch_execute(&format!(
                "SET TIME ZONE 'UTC'; SET search_path TO {}",
                quote_ident(namespace)
            ))
            .map_err(|e| anyhow!("{}", describe(&e)))?;
        }
        Ok(())
    }

    /// Takes the one-cleanup-at-a-time lock, or fails at once with [`LockError`].
    pub fn cleanup_lock(
        &mut self,
        namespace: &str,
        sqlite_path: Option<&Path>,
    ) -> Result<CleanupLock> {
        let busy = || LockError::Busy {
            what: "cleanup",
            waited: "0s: cleanup never waits".to_string(),
        };
        match self {
            Conn::Postgres(c) => {
                let got: bool = c
                    .query_one(
                        "SELECT pg_try_advisory_lock(hashtext('chatdb.cleanup'), hashtext($1))",
                        &[&namespace],
                    )
                    .map_err(|e| anyhow!("{}", describe(&e)))?
                    .get(0);
                if got {
                    Ok(CleanupLock::Advisory)
                } else {
                    Err(busy().into())
                }
            }
            Conn::Sqlite(_) => {
                match sqlite_path {
                    None => Ok(CleanupLock::None),
                    Some(db) => {
                        let mut name = db.as_os_str().to_owned();
                        name.push("-chatdb-cleanup.lock");
                        let path = PathBuf::from(name);
                        let file = File::options()
                            .create(true)
                            .truncate(false)
                            .write(true)
                            .open(&path)
                            .with_context(|| {
                                format!("opening the cleanup lock file {}", path.display())
                            })?;
                        match file.try_lock() {
                            Ok(()) => Ok(CleanupLock::File(file)),
                            Err(std::fs::TryLockError::WouldBlock) => Err(busy().into()),
                            Err(std::fs::TryLockError::Error(e)) => Err(anyhow::Error::new(e)
                                .context(format!("locking {}", path.display()))),
                        }
                    }
                }
            }
        }
    }

    /// The database's current time, read once: every cutoff of a run derives from it.
    pub fn db_now(&mut self) -> Result<String> {
        match self {
            Conn::Postgres(c) => Ok(c
                .query_one("SELECT now()::text", &[])
                .map_err(|e| anyhow!("{}", describe(&e)))?
                .get(0)),
            Conn::Sqlite(c) => Ok(c.query_row("SELECT datetime('now')", [], |r| r.get(0))?),
        }
    }

    /// `now - keep` in the database's own arithmetic and text form.
    pub fn cutoff(&mut self, now: &str, keep: Duration) -> Result<String> {
        let secs = keep.as_secs_f64();
        match self {
            Conn::Postgres(c) => Ok(c
                .query_one(
                    "SELECT (($1::text)::timestamptz - make_interval(secs => $2))::text",
                    &[&now, &secs],
                )
                .map_err(|e| anyhow!("{}", describe(&e)))?
                .get(0)),
            Conn::Sqlite(c) => Ok(c.query_row(
                "SELECT datetime(?1, printf('-%d seconds', ?2))",
                rusqlite::params![now, keep.as_secs() as i64],
                |r| r.get(0),
            )?),
        }
    }

    /// Checks that the policy's table and column exist (the schema may not be migrated).
    pub fn check_job(&mut self, job: &Job) -> Result<()> {
        let found = match self {
            Conn::Postgres(c) => c
                .query_one(
                    "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped",
                    &[&quote_ident(&job.table), &job.time_column],
                )
                .map_err(|e| anyhow!("{}", describe(&e)))?
                .get::<_, i64>(0),
            Conn::Sqlite(c) => c.query_row(
                "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
                [&job.table, &job.time_column],
                |r| r.get::<_, i64>(0),
            )?,
        };
        if found == 0 {
            bail!(
                "table {} has no column {} here: is the schema migrated (chatdb migrate / chatdb status)?",
                job.table,
                job.time_column
            );
        }
        Ok(())
    }

    /// Foreign keys with `ON DELETE CASCADE`, for counting what deletions would cascade to.
    pub fn cascades(&mut self, namespace: &str) -> Result<Vec<Cascade>> {
        match self {
            Conn::Postgres(c) => {
                let rows = c
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
                        &[&namespace],
                    )
                    .map_err(|e| anyhow!("{}", describe(&e)))?;
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
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare(
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
        }
    }

    /// Rows `job` would delete at `cutoff`, and the rows that would cascade from them.
    pub fn count_expired(
        &mut self,
        job: &Job,
        cutoff: &str,
        cascades: &[Cascade],
    ) -> Result<(u64, u64)> {
        let lit = self.cutoff_literal(cutoff);
        let direct = format!(
            "SELECT count(*) FROM {} WHERE {}",
            quote_ident(&job.table),
            job.expired_sql(None, &lit)
        );
        let mut total_cascaded = 0u64;
        let mut queries = Vec::new();
        cascade_counts(
            cascades,
            &job.table,
            &job.expired_sql(Some("t0"), &lit),
            1,
            &mut queries,
        );
        let direct_n = self.scalar(&direct)?;
        for q in queries {
            total_cascaded += self.scalar(&q)?;
        }
        Ok((direct_n, total_cascaded))
    }

    fn cutoff_literal(&self, cutoff: &str) -> String {
        let quoted = format!("'{}'", cutoff.replace('\'', "''"));
        match self {
            Conn::Postgres(_) => format!("{quoted}::timestamptz"),
            Conn::Sqlite(_) => quoted,
        }
    }

    fn scalar(&mut self, sql: &str) -> Result<u64> {
        let n: i64 = match self {
            Conn::Postgres(c) => c
                .query_one(sql, &[])
                .map_err(|e| anyhow!("{}", describe(&e)))?
                .get(0),
            Conn::Sqlite(c) => c.query_row(sql, [], |r| r.get(0))?,
        };
        Ok(n.max(0) as u64)
    }

    /// Deletes one keyset batch of at most `limit` expired rows in its own transaction.
    pub fn delete_batch(
        &mut self,
        job: &Job,
        cutoff: &str,
        from: Option<&str>,
        limit: u64,
        timeouts: Timeouts,
    ) -> Result<Batch> {
        match self {
            Conn::Postgres(c) => {
                let mut tx = c.transaction().map_err(|e| anyhow!("{}", describe(&e)))?;
                tx.batch_execute(&format!(
                    "SET LOCAL lock_timeout = '{}ms'; SET LOCAL statement_timeout = '{}ms'",
                    timeouts.lock.as_millis().max(1),
                    timeouts.statement.as_millis().max(1)
                ))
                .map_err(|e| anyhow!("{}", describe(&e)))?;
                let sql = job.batch_delete_sql(Dialect::Postgres, from.is_some());
                // This backend's not-yet-flushed delete counters of the child tables, before
                // and after: the difference is what the cascade deleted in this transaction.
                let children: Vec<String> =
                    job.cascade_tables.iter().map(|t| quote_ident(t)).collect();
                let cascaded_before = deletes_so_far(&mut tx, &children)?;
                let lim = limit as i64;
                let from_s = from.unwrap_or("");
                let row = if from.is_some() {
                    tx.query_one(sql.as_str(), &[&cutoff, &lim, &from_s])
                } else {
                    tx.query_one(sql.as_str(), &[&cutoff, &lim])
                }
                .map_err(|e| {
                    anyhow!("{}", describe(&e))
                        .context(format!("deleting a batch from {}", job.table))
                })?;
                let deleted: i64 = row.get(0);
                let last: Option<String> = row.get(1);
                let cascaded = deletes_so_far(&mut tx, &children)? - cascaded_before;
                tx.commit().map_err(|e| anyhow!("{}", describe(&e)))?;
                Ok(Batch {
                    deleted: deleted as u64,
                    cascaded: cascaded.max(0) as u64,
                    last,
                })
            }
            Conn::Sqlite(c) => {
                let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let sql = job.batch_delete_sql(Dialect::Sqlite, from.is_some());
                let before = tx.total_changes();
                let mut deleted = 0u64;
                let mut last: Option<String> = None;
                {
                    let mut stmt = tx.prepare(&sql)?;
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
                Ok(Batch {
                    deleted,
                    cascaded,
                    last,
                })
            }
        }
    }

    /// Reclaims space after a cleanup: `VACUUM (ANALYZE)` on PostgreSQL; on SQLite a WAL
    /// checkpoint and an incremental vacuum where those are enabled, then ANALYZE.
    pub fn vacuum(&mut self, tables: &[String]) -> Result<Vec<String>> {
        let mut done = Vec::new();
        match self {
            Conn::Postgres(c) => {
                for t in tables {
                    c.batch_execute(&format!("VACUUM (ANALYZE) {}", quote_ident(t)))
                        .map_err(|e| anyhow!("{}", describe(&e)))?;
                    done.push(format!("VACUUM (ANALYZE) {t}"));
                }
            }
            Conn::Sqlite(c) => {
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
            }
        }
        Ok(done)
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
        .map_err(|e| anyhow!("{}", describe(&e)))?
        .get(0))
}

/// Tables that deleting from `table` cascades to, transitively.
pub fn descendants(table: &str, cascades: &[Cascade]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut frontier = vec![table.to_string()];
    while let Some(t) = frontier.pop() {
        for c in cascades.iter().filter(|c| c.parent == t) {
            if c.child != table && !out.contains(&c.child) {
                out.push(c.child.clone());
                frontier.push(c.child.clone());
            }
        }
    }
    out
}

/// Per-batch limits (PostgreSQL).
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub lock: Duration,
    pub statement: Duration,
}

/// Builds one count query per table reachable through cascading foreign keys from `parent`,
/// each counting the rows whose ancestors are expired. `pred` is the expired-predicate of
/// the parent alias `t{depth-1}`.
fn cascade_counts(
    cascades: &[Cascade],
    parent: &str,
    pred: &str,
    depth: usize,
    out: &mut Vec<String>,
) {
    if depth > 4 {
        return;
    }
    for c in cascades
        .iter()
        .filter(|c| c.parent == parent && c.child != parent)
    {
        let (pa, ch) = (format!("t{}", depth - 1), format!("t{depth}"));
        let join: Vec<String> = c
            .parent_cols
            .iter()
            .zip(&c.child_cols)
            .map(|(p, k)| format!("{pa}.{} = {ch}.{}", quote_ident(p), quote_ident(k)))
            .collect();
        let exists = format!(
            "EXISTS (SELECT 1 FROM {} {pa} WHERE {} AND {pred})",
            quote_ident(parent),
            join.join(" AND ")
        );
        out.push(format!(
            "SELECT count(*) FROM {} {ch} WHERE {exists}",
            quote_ident(&c.child)
        ));
        // Grandchildren: a child row goes when its parent does, so `exists` (over alias
        // t{depth}) is the child's predicate one level down.
        cascade_counts(cascades, &c.child, &exists, depth + 1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(condition: Option<&str>) -> Job {
        Job {
            table: "sessions".into(),
            time_column: "ended_at".into(),
            condition: condition.map(str::to_string),
            cascade_tables: vec![],
        }
    }

    #[test]
    fn the_batch_delete_is_written_once_per_dialect() {
        let j = job(Some("ended_at IS NOT NULL"));
        assert_eq!(
            j.batch_delete_sql(Dialect::Postgres, true),
            "WITH d AS (DELETE FROM \"sessions\" WHERE ctid = ANY(ARRAY(SELECT ctid FROM \"sessions\" \
             WHERE \"ended_at\" < ($1::text)::timestamptz AND (ended_at IS NOT NULL) \
             AND \"ended_at\" >= ($3::text)::timestamptz ORDER BY \"ended_at\" LIMIT $2)) RETURNING \"ended_at\")\n\
             SELECT count(*)::int8, max(\"ended_at\")::text FROM d"
        );
        assert_eq!(
            job(None).batch_delete_sql(Dialect::Sqlite, false),
            "DELETE FROM \"sessions\" WHERE rowid IN (SELECT rowid FROM \"sessions\" \
             WHERE \"ended_at\" < ?1 ORDER BY \"ended_at\" LIMIT ?2) RETURNING \"ended_at\""
        );
        assert!(!j.batch_delete_sql(Dialect::Postgres, false).contains("$3"));
        assert!(j
            .batch_delete_sql(Dialect::Sqlite, true)
            .contains("\"ended_at\" >= ?3"));
    }
}
