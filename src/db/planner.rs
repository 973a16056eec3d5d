//! The [`Planner`]: fetches [`Plan`]s from either dialect on one connection.

use std::time::Duration;

use anyhow::Result;

use super::{postgres::plan as pg_plan, sqlite::plan as sqlite_plan, Conn};
use crate::catalog::queries::Param;
use crate::model::plan::{IndexInfo, Plan, PlanMode};

/// Plans queries on one connection, in one namespace.
pub struct Planner<'c> {
    conn: &'c mut Conn,
    namespace: String,
    server: String,
    pg_version: i32,
}

impl<'c> Planner<'c> {
    pub fn new(conn: &'c mut Conn, namespace: &str) -> Result<Self> {
        let (server, pg_version) = match conn {
            Conn::Postgres(client) => {
                let version = pg_plan::server_version(client)?;
                (
                    format!("PostgreSQL {}", pg_plan::version_text(version)),
                    version,
                )
            }
            Conn::Sqlite(c) => {
                sqlite_plan::read_only(c)?;
                (format!("SQLite {}", rusqlite::version()), 0)
            }
        };
        Ok(Planner {
            conn,
            namespace: namespace.to_string(),
            server,
            pg_version,
        })
    }

    /// `PostgreSQL 15.4` / `SQLite 3.46.0`.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The indexes `names`, in order, as the database has them.
    pub fn indexes(&mut self, names: &[String]) -> Result<Vec<IndexInfo>> {
        match self.conn {
            Conn::Postgres(client) => pg_plan::indexes(client, &self.namespace, names),
            Conn::Sqlite(c) => sqlite_plan::indexes(c, names),
        }
    }

    /// Plans (or, with [`PlanMode::Analyze`] and [`PlanMode::AnalyzeDelete`], runs) `sql`.
    pub fn plan(
        &mut self,
        sql: &str,
        params: &[Param],
        mode: PlanMode,
        statement_timeout: Duration,
    ) -> Result<Plan> {
        match self.conn {
            Conn::Postgres(client) => pg_plan::plan(
                client,
                &pg_plan::Request {
                    namespace: &self.namespace,
                    version: self.pg_version,
                    sql,
                    params,
                    mode,
                    statement_timeout,
                },
            ),
            Conn::Sqlite(c) => sqlite_plan::plan(c, sql, params, mode, statement_timeout),
        }
    }
}
