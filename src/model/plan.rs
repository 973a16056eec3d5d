//! Query plans in one shape for both dialects (the planner that fetches them is `db::planner`).
//!
//! PostgreSQL's `EXPLAIN (FORMAT JSON)` and SQLite's `EXPLAIN QUERY PLAN` say different
//! things in different words. Each dialect module turns its own output into [`PlanNode`]
//! trees and classifies every node ([`NodeKind`]); everything that judges a plan (which
//! indexes it uses, whether it scans or sorts) works on these types only, so commands never
//! branch on the dialect.
//!
//! Everything the planner runs is read-only: PostgreSQL work happens in `READ ONLY`
//! transactions that are rolled back, SQLite connections are switched to `query_only`. The
//! one exception is [`PlanMode::AnalyzeDelete`] (PostgreSQL only, for cleanup's batch DELETE,
//! which a `READ ONLY` transaction refuses): it runs in a writable transaction that is always
//! rolled back, never committed.

use serde::Serialize;

use std::time::Duration;

/// What a node does, as far as index checks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// Reads every row of a table (PostgreSQL `Seq Scan`, SQLite `SCAN t`).
    SeqScan,
    /// Reaches rows through an index (index, index-only and bitmap index scans; SQLite
    /// `SEARCH ... USING INDEX` and `SCAN ... USING INDEX`).
    IndexScan,
    /// Reaches rows by rowid or primary key without a named index (SQLite).
    KeyLookup,
    /// Sorts rows for an ORDER BY (PostgreSQL `Sort`/`Incremental Sort`, SQLite
    /// `USE TEMP B-TREE FOR ORDER BY`).
    Sort,
    /// Anything else: joins, limits, aggregates, grouping b-trees, subquery headers.
    Other,
}

/// One node of a plan tree.
#[derive(Debug, Clone, Serialize)]
pub struct PlanNode {
    /// The planner's own name for the node (`Index Scan`, `SEARCH`, `USE TEMP B-TREE`).
    pub node: String,
    /// One line as the planner would print it.
    pub detail: String,
    pub kind: NodeKind,
    /// The table the node reads, when it reads one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// Conditions and keys (`Index Cond: ...`, `Filter: ...`, `Sort Key: ...`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup_cost: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_cost: Option<f64>,
    /// Estimated rows per execution of the node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_rows: Option<f64>,
    /// Measured by `--analyze` (PostgreSQL only: SQLite does not time nodes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Actual>,
    /// A sort that ran out of `work_mem` and used disk (`Sort Space Type: Disk`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub spilled: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<PlanNode>,
}

impl PlanNode {
    /// The node writes rows (PostgreSQL `Delete`, `Update`, `Insert`, `Merge`): it is the
    /// statement itself, not a way of reading a table.
    pub fn modifies(&self) -> bool {
        matches!(self.node.as_str(), "Delete" | "Update" | "Insert" | "Merge")
    }

    /// A `Limit`: the nodes below it stop early by design.
    pub fn is_limit(&self) -> bool {
        self.node == "Limit"
    }

    /// A SQLite temporary b-tree (`USE TEMP B-TREE FOR ORDER BY`, `... FOR GROUP BY`).
    pub fn is_temp_btree(&self) -> bool {
        self.node == "USE TEMP B-TREE"
    }

    /// A scan filtered by a ctid list: how PostgreSQL fetches the rows a batch DELETE's
    /// subquery picked when it does not use a Tid Scan.
    pub fn filters_by_ctid(&self) -> bool {
        self.conditions
            .iter()
            .any(|c| c.starts_with("Filter: (ctid = ANY"))
    }

    /// The node's `Sort Key: ...` line, if it has one.
    pub fn sort_key(&self) -> Option<&str> {
        self.condition("Sort Key:")
    }

    /// The node's `Sort Method: ...` line, if it has one.
    pub fn sort_method(&self) -> Option<&str> {
        self.condition("Sort Method:")
    }

    fn condition(&self, prefix: &str) -> Option<&str> {
        self.conditions
            .iter()
            .find(|c| c.starts_with(prefix))
            .map(String::as_str)
    }

    pub fn new(node: impl Into<String>, detail: impl Into<String>, kind: NodeKind) -> Self {
        PlanNode {
            node: node.into(),
            detail: detail.into(),
            kind,
            relation: None,
            alias: None,
            index: None,
            conditions: Vec::new(),
            startup_cost: None,
            total_cost: None,
            plan_rows: None,
            actual: None,
            spilled: false,
            children: Vec::new(),
        }
    }

    /// This node and all below it, depth first.
    pub fn walk(&self) -> Vec<&PlanNode> {
        let mut out = vec![self];
        for c in &self.children {
            out.extend(c.walk());
        }
        out
    }
}

/// Per-node measurements of `EXPLAIN ANALYZE`.
#[derive(Debug, Clone, Serialize)]
pub struct Actual {
    /// Rows per loop, as PostgreSQL reports them.
    pub rows: f64,
    pub loops: f64,
    /// Milliseconds per loop until the last row.
    pub total_ms: f64,
}

/// Shared-buffer traffic of an analyzed PostgreSQL query (8 kB blocks).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Buffers {
    pub shared_hit: u64,
    pub shared_read: u64,
    pub temp_read: u64,
    pub temp_written: u64,
}

/// Time spent in one trigger, including the foreign-key triggers that run cascades.
#[derive(Debug, Clone, Serialize)]
pub struct TriggerTime {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    pub calls: u64,
    pub ms: f64,
}

/// SQLite's per-statement counters (`sqlite3_stmt_status`), its nearest thing to buffers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SqliteCounters {
    /// Rows stepped through by full table scans.
    pub fullscan_steps: i64,
    /// Sorts performed.
    pub sorts: i64,
    /// Rows inserted into automatic (transient) indexes.
    pub autoindex_rows: i64,
    pub vm_steps: i64,
}

/// What running the query (`--analyze`) measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Measured {
    /// Execution time in milliseconds (PostgreSQL's `Execution Time`; SQLite: wall time to
    /// step through every row).
    pub execution_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planning_ms: Option<f64>,
    /// Rows the query returned.
    pub rows: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buffers: Option<Buffers>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<TriggerTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sqlite: Option<SqliteCounters>,
}

/// A plan, with measurements when it was analyzed.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// How the plan was obtained (`generic plan`, `enable_seqscan = off`, ...).
    pub how: String,
    /// The top-level nodes (PostgreSQL: exactly one).
    pub roots: Vec<PlanNode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured: Option<Measured>,
    /// `--analyze` hit the statement timeout; nothing was measured.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub timed_out: bool,
    /// `--analyze` of a cleanup DELETE waited longer than its `lock_timeout` for rows
    /// another transaction holds; nothing was measured.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub lock_timed_out: bool,
    /// Planned without any table statistics (SQLite's forced plans), so the choice among
    /// indexes cannot come from the data.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub without_statistics: bool,
}

impl Plan {
    /// Every node, depth first.
    pub fn nodes(&self) -> Vec<&PlanNode> {
        self.roots.iter().flat_map(|r| r.walk()).collect()
    }

    /// The indexes the plan uses, in plan order, without repeats.
    pub fn indexes(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for n in self.nodes() {
            if let Some(i) = &n.index {
                if !out.contains(i) {
                    out.push(i.clone());
                }
            }
        }
        out
    }

    /// The root's estimated total cost (PostgreSQL only).
    pub fn cost(&self) -> Option<f64> {
        self.roots.first().and_then(|r| r.total_cost)
    }
}

/// How to plan a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanMode {
    /// The plan the planner prefers on the data at hand, for any parameter values
    /// (PostgreSQL: a generic plan).
    Preferred,
    /// The plan when the planner is pushed towards indexes: PostgreSQL with sequential scans
    /// (and, for `ordered` queries, explicit sorts) disabled; SQLite without statistics.
    /// What it uses, indexes *can* serve, whatever the data.
    Forced { ordered: bool },
    /// Run the query with the sample values, in a transaction that is rolled back.
    Analyze,
    /// Run a cleanup batch DELETE with the sample values (PostgreSQL only): `EXPLAIN
    /// ANALYZE` executes it, cascades included, in a *writable* transaction that is always
    /// rolled back, under the statement timeout and [`DELETE_LOCK_TIMEOUT`].
    AnalyzeDelete,
}

impl PlanMode {
    /// Whether the statement is executed (`EXPLAIN ANALYZE`).
    pub fn analyzes(self) -> bool {
        matches!(self, PlanMode::Analyze | PlanMode::AnalyzeDelete)
    }
}

/// How long [`PlanMode::AnalyzeDelete`] waits for a row or table lock before giving up: an
/// application transaction holding the rows is left alone.
pub const DELETE_LOCK_TIMEOUT: Duration = Duration::from_secs(1);

/// What the planner knows about one index.
#[derive(Debug, Clone, Serialize)]
pub struct IndexInfo {
    pub name: String,
    /// The table it indexes; `None` when the index does not exist.
    pub table: Option<String>,
    /// `false` for a PostgreSQL index left invalid by a failed `CREATE INDEX CONCURRENTLY`.
    pub valid: bool,
    /// The table's row count as the planner's statistics have it; `None` when the table has
    /// never been analyzed.
    pub table_rows: Option<f64>,
}
