//! What `chatdb stats` needs from a database: one read of every fact, in one read-only
//! transaction under a statement timeout, one set-based query per kind of fact (never one
//! per table). Declared here, implemented in `db/postgres/stats.rs` and `db/sqlite/stats.rs`.

use std::time::Duration;

use anyhow::Result;

use crate::model::stats::Facts;

/// What the read is about.
#[derive(Debug, Clone, Copy)]
pub struct StatsRequest<'a> {
    /// The schema's tables (the manifest's and the migrations' own, without chatdb's history).
    pub tables: &'a [String],
    /// `(name, sql)` of each manifest metric in this dialect.
    pub metrics: &'a [(&'a str, &'a str)],
    pub statement_timeout: Duration,
}

pub trait Stats {
    /// Reads every fact; a query that fails or times out is an error.
    fn stats(&mut self, req: &StatsRequest) -> Result<Facts>;
}
