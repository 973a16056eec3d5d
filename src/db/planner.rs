//! Plans: what `chatdb explain` needs from a database ([`Plans`], implemented in
//! `db/postgres/plan.rs` and `db/sqlite/plan.rs`), and the [`Planner`] that fetches
//! [`Plan`]s on one connection.

use std::time::Duration;

use anyhow::Result;

use super::Conn;
use crate::catalog::queries::Param;
use crate::model::plan::{IndexInfo, Plan, PlanMode};

/// Plan fetching, in the connection's namespace.
pub trait Plans {
    /// Readies the connection for planning (SQLite: read only for as long as it is open)
    /// and names the server: `PostgreSQL 15.4` / `SQLite 3.46.0`.
    fn plan_session(&mut self) -> Result<String>;
    /// The indexes `names`, in order, as the database has them.
    fn indexes(&mut self, names: &[String]) -> Result<Vec<IndexInfo>>;
    /// Plans (or, with [`PlanMode::Analyze`] and [`PlanMode::AnalyzeDelete`], runs) `sql`.
    fn plan(
        &mut self,
        sql: &str,
        params: &[Param],
        mode: PlanMode,
        statement_timeout: Duration,
    ) -> Result<Plan>;
    /// Why this dialect does not run [`PlanMode::AnalyzeDelete`], if it does not.
    fn analyze_delete_skipped(&self) -> Option<&'static str>;
}

/// Plans queries on one connection.
pub struct Planner<'c> {
    conn: &'c mut Conn,
    server: String,
}

impl<'c> Planner<'c> {
    pub fn new(conn: &'c mut Conn) -> Result<Self> {
        let server = conn.plan_session()?;
        Ok(Planner { conn, server })
    }

    /// `PostgreSQL 15.4` / `SQLite 3.46.0`.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The indexes `names`, in order, as the database has them.
    pub fn indexes(&mut self, names: &[String]) -> Result<Vec<IndexInfo>> {
        self.conn.indexes(names)
    }

    /// Plans (or, with [`PlanMode::Analyze`] and [`PlanMode::AnalyzeDelete`], runs) `sql`.
    pub fn plan(
        &mut self,
        sql: &str,
        params: &[Param],
        mode: PlanMode,
        statement_timeout: Duration,
    ) -> Result<Plan> {
        self.conn.plan(sql, params, mode, statement_timeout)
    }

    /// Why `--analyze` skips a DELETE on this dialect, if it does.
    pub fn analyze_delete_skipped(&self) -> Option<&'static str> {
        self.conn.analyze_delete_skipped()
    }
}
