//! `chatdb stats` on PostgreSQL: one read-only transaction under a statement timeout, and
//! one query per kind of fact: the server (connections, the pool's, sizes, the schema's cache
//! hits, XID age, oldest transaction, blocked backends, replica lag, whether
//! pg_stat_statements is there), the
//! schema's tables (rows, size, scans, dead rows, last vacuum) in one catalog join, the
//! statements from `pg_stat_statements` (PostgreSQL 13+ names: `total_exec_time`,
//! `mean_exec_time`), and each manifest metric.

use anyhow::{Context, Result};

use super::conn::begin;
use super::PgConn;
use crate::db::stats::{Stats, StatsRequest};
use crate::db::{SqlResult, TxKind, TxOpts};
use crate::model::stats::{Facts, ServerFacts, Statement, TableFacts};

/// `$1` the namespace, `$2` the schema's tables. Transactions, locks and the pool are
/// this database's (a transaction elsewhere holds back no vacuum here); the cache ratio is
/// over the schema's tables, as PgHero reads it from `pg_statio_user_tables`.
/// `pg_blocking_pids` (which locks the lock manager while it looks) is asked only about
/// backends of this database waiting on a heavyweight lock.
const SERVER: &str = "
WITH activity AS MATERIALIZED (
  SELECT pid, datname = current_database() AS here, xact_start, query_start,
         CASE WHEN datname = current_database() AND wait_event_type = 'Lock'
              THEN cardinality(pg_blocking_pids(pid)) > 0 ELSE false END AS blocked
  FROM pg_stat_activity WHERE backend_type = 'client backend'
), cache AS (
  SELECT sum(coalesce(heap_blks_hit, 0) + coalesce(idx_blks_hit, 0)
             + coalesce(toast_blks_hit, 0) + coalesce(tidx_blks_hit, 0))::int8 AS hit,
         sum(coalesce(heap_blks_read, 0) + coalesce(idx_blks_read, 0)
             + coalesce(toast_blks_read, 0) + coalesce(tidx_blks_read, 0))::int8 AS read
  FROM pg_statio_user_tables WHERE schemaname = $1 AND relname = ANY($2)
)
SELECT
  (SELECT count(*) FROM activity)::int8,
  current_setting('max_connections')::int8,
  pg_database_size(current_database())::int8,
  (SELECT hit FROM cache),
  (SELECT read FROM cache),
  (SELECT age(datfrozenxid)::int8 FROM pg_database WHERE datname = current_database()),
  (SELECT extract(epoch FROM max(clock_timestamp() - xact_start))::float8
     FROM activity WHERE here AND xact_start IS NOT NULL AND pid <> pg_backend_pid()),
  (SELECT count(*) FROM activity WHERE here AND blocked)::int8,
  (SELECT extract(epoch FROM max(clock_timestamp() - query_start))::float8
     FROM activity WHERE here AND blocked),
  (SELECT count(*) FROM activity WHERE here AND pid <> pg_backend_pid())::int8,
  (SELECT extract(epoch FROM max(replay_lag))::float8 FROM pg_stat_replication),
  current_setting('shared_preload_libraries'),
  (SELECT quote_ident(n.nspname) FROM pg_extension e
     JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'),
  current_setting('server_version_num')::int4,
  current_database()::text";

const TABLES: &str = "
SELECT c.relname::text,
       greatest(coalesce(s.n_live_tup, 0), c.reltuples::int8, 0)::int8,
       pg_total_relation_size(c.oid)::int8,
       s.seq_scan::int8, s.idx_scan::int8, s.n_dead_tup::int8,
       to_char(greatest(s.last_vacuum, s.last_autovacuum) AT TIME ZONE 'UTC',
               'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname = ANY($2)
ORDER BY c.relname";

/// What to do where `pg_stat_statements` is missing, in the server's own terms.
pub fn enable_note(preloaded: bool, database: &str) -> String {
    if preloaded {
        format!(
            "pg_stat_statements is loaded but not installed in database {database}: run `CREATE EXTENSION pg_stat_statements;` there; query times are not reported"
        )
    } else {
        format!(
            "pg_stat_statements is not loaded, so query times are not reported: add `shared_preload_libraries = 'pg_stat_statements'` to postgresql.conf (or ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'), restart the server, then run `CREATE EXTENSION pg_stat_statements;` in database {database}"
        )
    }
}

impl Stats for PgConn {
    fn stats(&mut self, req: &StatsRequest) -> Result<Facts> {
        let namespace = self.namespace.clone();
        let opts = TxOpts {
            statement_timeout: Some(req.statement_timeout),
            ..TxOpts::new(TxKind::Read, &namespace)
        };
        let mut tx = begin(&mut self.client, &opts)?;
        let row = tx
            .query_one(SERVER, &[&namespace, &req.tables])
            .sql()
            .context("reading server statistics")?;
        let unsigned = |v: Option<i64>| v.map(|n| n.max(0) as u64);
        let (hit, read) = (unsigned(row.get(3)), unsigned(row.get(4)));
        let cache_blocks = hit.zip(read).map(|(h, r)| h + r);
        let server = ServerFacts {
            connections: unsigned(row.get(0)),
            max_connections: unsigned(row.get(1)),
            database_bytes: unsigned(row.get(2)),
            cache_hit_ratio: hit
                .zip(cache_blocks)
                .filter(|(_, all)| *all > 0)
                .map(|(h, all)| h as f64 / all as f64),
            cache_blocks,
            xid_age: unsigned(row.get(5)),
            oldest_transaction_seconds: row.get(6),
            blocked: unsigned(row.get(7)),
            longest_blocked_seconds: row.get(8),
            database_connections: unsigned(row.get(9)),
            replication_lag_seconds: row.get(10),
        };
        let preload: String = row.get(11);
        let extension: Option<String> = row.get(12);
        let version: i32 = row.get(13);
        let database: String = row.get(14);
        let preloaded = preload
            .split(',')
            .any(|l| l.trim().trim_matches('"') == "pg_stat_statements");

        let tables = tx
            .query(TABLES, &[&namespace, &req.tables])
            .sql()
            .context("reading table statistics")?
            .iter()
            .map(|r| TableFacts {
                name: r.get(0),
                rows: unsigned(r.get(1)).unwrap_or(0),
                bytes: unsigned(r.get(2)),
                seq_scans: unsigned(r.get(3)),
                index_scans: unsigned(r.get(4)),
                dead_rows: unsigned(r.get(5)),
                last_vacuum: r.get(6),
                stat1_rows: None,
            })
            .collect();

        let (statements, statements_note) = match (&extension, preloaded) {
            (Some(ns), true) if version >= 130_000 => {
                let sql = format!(
                    "SELECT query, calls::int8, total_exec_time, mean_exec_time, stddev_exec_time
                     FROM {ns}.pg_stat_statements
                     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                       AND calls > 0"
                );
                let rows = tx
                    .query(sql.as_str(), &[])
                    .sql()
                    .context("reading pg_stat_statements")?;
                let list = rows
                    .iter()
                    .map(|r| Statement {
                        query: r.get::<_, Option<String>>(0).unwrap_or_default(),
                        calls: unsigned(r.get(1)).unwrap_or(0),
                        total_ms: r.get(2),
                        mean_ms: r.get(3),
                        stddev_ms: r.get(4),
                    })
                    .filter(|s| crate::stats::touches(&s.query, req.tables))
                    .collect();
                (Some(list), None)
            }
            (Some(_), true) => (
                None,
                Some("pg_stat_statements before PostgreSQL 13 has no total_exec_time/mean_exec_time: query times are not reported".to_string()),
            ),
            (ext, preloaded) => (None, Some(enable_note(preloaded && ext.is_none(), &database))),
        };

        let mut metrics = Vec::new();
        for (name, sql) in req.metrics {
            let wrapped = format!(
                "SELECT CAST(({}) AS float8)",
                sql.trim().trim_end_matches(';')
            );
            let v: Option<f64> = tx
                .query_one(wrapped.as_str(), &[])
                .sql()
                .with_context(|| format!("metric {name}"))?
                .get(0);
            metrics.push((name.to_string(), v.unwrap_or(0.0)));
        }
        tx.rollback().sql()?;
        Ok(Facts {
            tables,
            server,
            statements,
            statements_note,
            sqlite: None,
            metrics,
        })
    }
}
