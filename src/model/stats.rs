//! What `chatdb stats` reads from a database, dialect-free: the facts the backends fill in
//! (`db/postgres/stats.rs`, `db/sqlite/stats.rs`) and the pure rules in `src/stats/` judge.
//! A field is `None` where the dialect or the server does not have the fact.

use serde::Serialize;

/// Everything one `stats` run read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facts {
    pub tables: Vec<TableFacts>,
    pub server: ServerFacts,
    /// `None`: statement statistics are not available (see `statements_note`).
    pub statements: Option<Vec<Statement>>,
    /// How to make statement statistics available, when they are not.
    pub statements_note: Option<String>,
    pub sqlite: Option<SqliteFacts>,
    /// The value of each manifest metric, in manifest order.
    pub metrics: Vec<(String, f64)>,
}

/// One table of the schema.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableFacts {
    pub name: String,
    /// PostgreSQL: `n_live_tup` (estimated); SQLite: `count(*)`.
    pub rows: u64,
    /// Table, indexes and TOAST (PostgreSQL `pg_total_relation_size`; SQLite via `dbstat`
    /// where compiled in).
    pub bytes: Option<u64>,
    pub seq_scans: Option<u64>,
    pub index_scans: Option<u64>,
    pub dead_rows: Option<u64>,
    /// The latest of the last vacuum and autovacuum, RFC 3339 UTC.
    pub last_vacuum: Option<String>,
    /// SQLite: the row count `sqlite_stat1` records for the table's first index, if any.
    pub stat1_rows: Option<u64>,
}

/// The server's health (PostgreSQL).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerFacts {
    pub connections: Option<u64>,
    pub max_connections: Option<u64>,
    pub database_bytes: Option<u64>,
    /// Client connections to this database other than chatdb's own: what the application's
    /// pool holds.
    pub database_connections: Option<u64>,
    /// Buffer hits over hits and reads of the schema's tables (heap, indexes, TOAST);
    /// `None` before any block was read.
    pub cache_hit_ratio: Option<f64>,
    /// Hits and reads behind `cache_hit_ratio`.
    pub cache_blocks: Option<u64>,
    /// `age(datfrozenxid)` of this database.
    pub xid_age: Option<u64>,
    /// The oldest open transaction in this database, chatdb's own excluded.
    pub oldest_transaction_seconds: Option<f64>,
    /// Backends of this database waiting on a lock held by another.
    pub blocked: Option<u64>,
    /// How long the longest of them has waited (since its statement began).
    pub longest_blocked_seconds: Option<f64>,
    /// The largest replay lag a replica reports; `None` without replicas.
    pub replication_lag_seconds: Option<f64>,
}

/// One normalised statement from `pg_stat_statements` (literals are `$n` there).
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub query: String,
    pub calls: u64,
    pub total_ms: f64,
    pub mean_ms: f64,
    pub stddev_ms: f64,
}

/// How a statement's p95 is had: pg_stat_statements keeps mean and stddev, no histogram.
pub const P95_METHOD: &str = "estimate: mean + 1.645 stddev";

impl Statement {
    /// p95 estimated as mean + 1.645 stddev (the normal approximation; pg_stat_statements
    /// keeps no histogram).
    pub fn p95_ms(&self) -> f64 {
        self.mean_ms + 1.645 * self.stddev_ms
    }
}

/// SQLite's file facts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SqliteFacts {
    pub file_bytes: u64,
    pub wal_bytes: u64,
    pub page_size: u64,
    pub page_count: u64,
    pub freelist_pages: u64,
    pub has_stat1: bool,
}
