//! PostgreSQL plans: generic plans for parameterised queries, `EXPLAIN ANALYZE` under a
//! statement timeout, and `EXPLAIN (FORMAT JSON)` turned into [`PlanNode`] trees.
//!
//! A hot query runs with many parameter values, so the plan worth checking is the generic
//! one, valid for any value. PostgreSQL 16 has `EXPLAIN (GENERIC_PLAN)`; on 15 and earlier the
//! same plan comes from `PREPARE` under `plan_cache_mode = force_generic_plan` and `EXPLAIN
//! EXECUTE` with NULLs (without `force_generic_plan` a NULL folds the plan to
//! `One-Time Filter: false`). A cached generic plan ignores later `SET`s, so every plan is
//! prepared afresh in its own transaction; prepared statements survive `ROLLBACK`, so each is
//! deallocated afterwards.
//!
//! Every transaction here is `READ ONLY` and rolled back: EXPLAIN ANALYZE of anything that
//! writes fails instead of writing. The one exception is [`PlanMode::AnalyzeDelete`], for
//! cleanup's batch DELETE (the statement comes from `Job::batch_delete_sql`, never from a
//! manifest's `[[query]]`): a writable transaction, with `lock_timeout`
//! [`DELETE_LOCK_TIMEOUT`] and `TimeZone = UTC` as cleanup runs it, that is rolled back
//! whatever happens (explicitly, or by dropping the transaction on an error). Nothing here
//! ever commits.

use anyhow::{anyhow, bail, Context, Result};
use postgres::SimpleQueryMessage;
use serde_json::Value;

use super::conn::begin as begin_tx;
use super::PgConn;
use crate::catalog::queries::{Param, Sample};
use crate::db::planner::Plans;
use crate::db::{SqlError, SqlResult, TxKind, TxOpts};
use crate::model::plan::{
    Actual, Buffers, IndexInfo, Measured, NodeKind, Plan, PlanMode, PlanNode, TriggerTime,
    DELETE_LOCK_TIMEOUT,
};

/// The name of the one prepared statement chatdb uses, deallocated after each plan.
const STMT: &str = "chatdb_explain";

/// What [`plan`] needs to know.
pub struct Request<'a> {
    pub namespace: &'a str,
    /// `server_version_num`, e.g. 150004.
    pub version: i32,
    pub sql: &'a str,
    pub params: &'a [Param],
    pub mode: PlanMode,
    pub statement_timeout: std::time::Duration,
}

impl Plans for PgConn {
    fn plan_session(&mut self) -> Result<String> {
        let version = server_version(&mut self.client)?;
        self.version = Some(version);
        Ok(format!("PostgreSQL {}", version_text(version)))
    }

    fn indexes(&mut self, names: &[String]) -> Result<Vec<IndexInfo>> {
        indexes(&mut self.client, &self.namespace, names)
    }

    fn plan(
        &mut self,
        sql: &str,
        params: &[Param],
        mode: PlanMode,
        statement_timeout: std::time::Duration,
    ) -> Result<Plan> {
        let version = match self.version {
            Some(v) => v,
            None => {
                let v = server_version(&mut self.client)?;
                self.version = Some(v);
                v
            }
        };
        plan(
            &mut self.client,
            &Request {
                namespace: &self.namespace,
                version,
                sql,
                params,
                mode,
                statement_timeout,
            },
        )
    }

    fn analyze_delete_skipped(&self) -> Option<&'static str> {
        None
    }
}

pub fn server_version(client: &mut postgres::Client) -> Result<i32> {
    let row = client
        .query_one("SELECT current_setting('server_version_num')::int4", &[])
        .sql()
        .context("reading server_version_num")?;
    Ok(row.get(0))
}

/// 150004 -> `15.4`; 90624 -> `9.6.24`.
pub fn version_text(v: i32) -> String {
    if v >= 100_000 {
        format!("{}.{}", v / 10_000, v % 10_000)
    } else {
        format!("{}.{}.{}", v / 10_000, v / 100 % 100, v % 100)
    }
}

pub fn indexes(
    client: &mut postgres::Client,
    namespace: &str,
    names: &[String],
) -> Result<Vec<IndexInfo>> {
    let rows = client
        .query(
            "SELECT i.relname::text, t.relname::text, x.indisvalid, t.reltuples::float8
             FROM pg_index x
             JOIN pg_class i ON i.oid = x.indexrelid
             JOIN pg_class t ON t.oid = x.indrelid
             JOIN pg_namespace n ON n.oid = i.relnamespace
             WHERE n.nspname = $1 AND i.relname::text = ANY($2::text[])",
            &[&namespace, &names],
        )
        .sql()
        .context("looking up the expected indexes")?;
    Ok(names
        .iter()
        .map(|name| {
            let row = rows.iter().find(|r| r.get::<_, String>(0) == *name);
            IndexInfo {
                name: name.clone(),
                table: row.map(|r| r.get(1)),
                valid: row.is_some_and(|r| r.get(2)),
                // reltuples is -1 until the table is first vacuumed or analyzed (PG 14+).
                table_rows: row.map(|r| r.get::<_, f64>(3)).filter(|n| *n >= 0.0),
            }
        })
        .collect())
}

pub fn plan(client: &mut postgres::Client, req: &Request) -> Result<Plan> {
    if !req.mode.analyzes() && req.version >= 160_000 {
        if let Some(plan) = generic_plan_option(client, req)? {
            return Ok(plan);
        }
    }
    let mut prepared = false;
    let result = prepared_plan(client, req, &mut prepared);
    if prepared {
        client
            .batch_execute(&format!("DEALLOCATE {STMT}"))
            .sql()
            .context("deallocating the explained statement")?;
    }
    result
}

/// The planner settings a mode asks for, as `SET LOCAL` statements.
fn settings(mode: PlanMode) -> Vec<&'static str> {
    match mode {
        PlanMode::Preferred | PlanMode::Analyze | PlanMode::AnalyzeDelete => vec![],
        PlanMode::Forced { ordered } => {
            let mut s = vec!["enable_seqscan = off"];
            if ordered {
                s.push("enable_sort = off");
            }
            s
        }
    }
}

fn describe_how(mode: PlanMode, how: &str) -> String {
    let s = settings(mode);
    if s.is_empty() {
        how.to_string()
    } else {
        format!("{how}, {}", s.join(", "))
    }
}

fn begin<'c>(client: &'c mut postgres::Client, req: &Request) -> Result<postgres::Transaction<'c>> {
    let writes = req.mode == PlanMode::AnalyzeDelete;
    // As cleanup runs a DELETE: naive timestamps read as UTC; never wait long on a lock an
    // application transaction holds. The statement timeout also bounds planning, which
    // waits for any lock a migration holds on the tables.
    let opts = TxOpts {
        kind: if writes {
            TxKind::Scratch
        } else {
            TxKind::Read
        },
        namespace: req.namespace,
        lock_timeout: writes.then_some(DELETE_LOCK_TIMEOUT),
        statement_timeout: Some(req.statement_timeout),
        utc: writes,
        ..TxOpts::new(TxKind::Read, req.namespace)
    };
    let mut tx = begin_tx(client, &opts).context(if writes {
        "starting the transaction the DELETE runs in (rolled back)"
    } else {
        "starting a read-only transaction"
    })?;
    for s in settings(req.mode) {
        tx.batch_execute(&format!("SET LOCAL {s}")).sql()?;
    }
    Ok(tx)
}

/// PostgreSQL 16+: `EXPLAIN (GENERIC_PLAN)`. `None` when the SQL leaves a parameter's type
/// open (the PREPARE path declares the types instead).
fn generic_plan_option(client: &mut postgres::Client, req: &Request) -> Result<Option<Plan>> {
    let mut tx = begin(client, req)?;
    let text = match single_value(
        &mut tx,
        &format!("EXPLAIN (GENERIC_PLAN, FORMAT JSON) {}", req.sql),
    ) {
        Ok(text) => text,
        Err(e) if e.is_undetermined_parameter() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let _ = tx.rollback();
    parse(
        &text,
        describe_how(req.mode, "generic plan (EXPLAIN GENERIC_PLAN)"),
    )
    .map(Some)
}

/// PREPARE with the declared types, then EXPLAIN EXECUTE: with NULLs under
/// `force_generic_plan` for a generic plan, with the sample values for `--analyze`.
fn prepared_plan(
    client: &mut postgres::Client,
    req: &Request,
    prepared: &mut bool,
) -> Result<Plan> {
    let mut tx = begin(client, req)?;
    let analyze = req.mode.analyzes();
    if !analyze {
        tx.batch_execute("SET LOCAL plan_cache_mode = force_generic_plan")
            .sql()?;
    }
    let types: Vec<&str> = req.params.iter().map(|p| p.pg_type.as_str()).collect();
    let signature = if types.is_empty() {
        String::new()
    } else {
        format!("({})", types.join(", "))
    };
    tx.batch_execute(&format!("PREPARE {STMT}{signature} AS {}", req.sql))
        .sql()
        .context("preparing the query")?;
    *prepared = true;
    let args: Vec<String> = if analyze {
        req.params.iter().map(|p| literal(&p.sample)).collect()
    } else {
        req.params.iter().map(|_| "NULL".to_string()).collect()
    };
    let execute = if args.is_empty() {
        format!("EXECUTE {STMT}")
    } else {
        format!("EXECUTE {STMT}({})", args.join(", "))
    };
    let (options, how) = if req.mode == PlanMode::AnalyzeDelete {
        (
            "ANALYZE, BUFFERS, FORMAT JSON",
            "EXPLAIN ANALYZE with the sample values: the DELETE and its cascades ran, then were rolled back",
        )
    } else if analyze {
        (
            "ANALYZE, BUFFERS, FORMAT JSON",
            "EXPLAIN ANALYZE with the sample values, rolled back",
        )
    } else {
        (
            "FORMAT JSON",
            "generic plan (PREPARE, plan_cache_mode = force_generic_plan)",
        )
    };
    let text = match single_value(&mut tx, &format!("EXPLAIN ({options}) {execute}")) {
        Ok(text) => text,
        // Dropping `tx` on these returns rolls it back.
        Err(e) if analyze && e.is_statement_timeout() => {
            return Ok(Plan {
                how: how.to_string(),
                roots: vec![],
                measured: None,
                timed_out: true,
                lock_timed_out: false,
                without_statistics: false,
            });
        }
        Err(e) if analyze && e.is_lock_timeout() => {
            return Ok(Plan {
                how: how.to_string(),
                roots: vec![],
                measured: None,
                timed_out: false,
                lock_timed_out: true,
                without_statistics: false,
            });
        }
        Err(e) => return Err(e.into()),
    };
    if req.mode == PlanMode::AnalyzeDelete {
        // The DELETE ran: make sure of the rollback rather than assume it.
        tx.rollback()
            .sql()
            .context("rolling back the explained DELETE")?;
    } else {
        let _ = tx.rollback();
    }
    parse(&text, describe_how(req.mode, how))
}

/// The first column of the first row, read through the simple protocol (as text).
fn single_value(tx: &mut postgres::Transaction, sql: &str) -> Result<String, SqlError> {
    for msg in tx.simple_query(sql).sql()? {
        if let SimpleQueryMessage::Row(row) = msg {
            return Ok(row.get(0).unwrap_or_default().to_string());
        }
    }
    Ok(String::new())
}

/// A sample value as an SQL literal. `E''` strings read the same whatever
/// `standard_conforming_strings` says.
fn literal(sample: &Sample) -> String {
    match sample {
        Sample::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Sample::Int(i) => i.to_string(),
        Sample::Float(f) => f.to_string(),
        Sample::Text(s) => super::quote_literal(s),
    }
}

/// Parses `EXPLAIN (FORMAT JSON)` output.
pub fn parse(text: &str, how: String) -> Result<Plan> {
    let v: Value = serde_json::from_str(text).context("EXPLAIN output is not JSON")?;
    let top = v
        .get(0)
        .ok_or_else(|| anyhow!("EXPLAIN output has no plan"))?;
    let Some(plan) = top.get("Plan") else {
        bail!("EXPLAIN output has no \"Plan\"");
    };
    let root = node(plan);
    let measured = top.get("Execution Time").map(|exec| {
        let f = |k: &str| plan.get(k).and_then(Value::as_f64).unwrap_or(0.0);
        let u = |k: &str| plan.get(k).and_then(Value::as_u64).unwrap_or(0);
        Measured {
            execution_ms: exec.as_f64().unwrap_or(0.0),
            planning_ms: top.get("Planning Time").and_then(Value::as_f64),
            rows: (f("Actual Rows") * f("Actual Loops").max(1.0)).round() as u64,
            buffers: Some(Buffers {
                shared_hit: u("Shared Hit Blocks"),
                shared_read: u("Shared Read Blocks"),
                temp_read: u("Temp Read Blocks"),
                temp_written: u("Temp Written Blocks"),
            }),
            triggers: top
                .get("Triggers")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .map(|t| TriggerTime {
                            name: str_of(t, "Constraint Name")
                                .or_else(|| str_of(t, "Trigger Name"))
                                .unwrap_or_default(),
                            relation: str_of(t, "Relation"),
                            calls: t.get("Calls").and_then(Value::as_u64).unwrap_or(0),
                            ms: t.get("Time").and_then(Value::as_f64).unwrap_or(0.0),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            sqlite: None,
        }
    });
    Ok(Plan {
        how,
        roots: vec![root],
        measured,
        timed_out: false,
        lock_timed_out: false,
        without_statistics: false,
    })
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// The name PostgreSQL's text format would print: `Nested Loop Anti Join`, `HashAggregate`.
fn display_name(v: &Value, node_type: &str) -> String {
    let join = str_of(v, "Join Type").filter(|j| j != "Inner");
    match (node_type, join) {
        ("Nested Loop", Some(j)) => format!("Nested Loop {j} Join"),
        (t, Some(j)) if t.ends_with(" Join") => {
            format!("{} {j} Join", t.trim_end_matches(" Join"))
        }
        ("Aggregate", _) => match str_of(v, "Strategy").as_deref() {
            Some("Hashed") => "HashAggregate".into(),
            Some("Sorted") => "GroupAggregate".into(),
            Some("Mixed") => "MixedAggregate".into(),
            _ => "Aggregate".into(),
        },
        (t, _) => t.to_string(),
    }
}

fn node(v: &Value) -> PlanNode {
    let mut node_type = str_of(v, "Node Type").unwrap_or_else(|| "?".into());
    // The text format names a ModifyTable node by its operation: `Delete on sessions`.
    if node_type == "ModifyTable" {
        if let Some(op) = str_of(v, "Operation") {
            node_type = op;
        }
    }
    let kind = match node_type.as_str() {
        "Seq Scan" => NodeKind::SeqScan,
        "Index Scan" | "Index Only Scan" | "Bitmap Index Scan" => NodeKind::IndexScan,
        "Sort" | "Incremental Sort" => NodeKind::Sort,
        _ => NodeKind::Other,
    };
    let relation = str_of(v, "Relation Name");
    let alias = str_of(v, "Alias").filter(|a| Some(a) != relation.as_ref());
    let index = str_of(v, "Index Name");
    let mut detail = display_name(v, &node_type);
    if str_of(v, "Scan Direction").as_deref() == Some("Backward") {
        detail.push_str(" Backward");
    }
    match (&index, &relation) {
        (Some(i), Some(r)) => detail.push_str(&format!(" using {i} on {r}")),
        (Some(i), None) => detail.push_str(&format!(" on {i}")),
        (None, Some(r)) => detail.push_str(&format!(" on {r}")),
        (None, None) => {}
    }
    if let Some(a) = &alias {
        if relation.is_some() {
            detail.push_str(&format!(" {a}"));
        }
    }
    if let Some(sub) = str_of(v, "Subplan Name") {
        detail = format!("{sub}: {detail}");
    }
    let mut conditions = Vec::new();
    for key in ["Sort Key", "Presorted Key", "Group Key"] {
        if let Some(list) = v.get(key).and_then(Value::as_array) {
            let items: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
            conditions.push(format!("{key}: {}", items.join(", ")));
        }
    }
    for key in [
        "Index Cond",
        "TID Cond",
        "Recheck Cond",
        "Hash Cond",
        "Merge Cond",
        "Join Filter",
        "Filter",
        "One-Time Filter",
    ] {
        if let Some(c) = str_of(v, key) {
            conditions.push(format!("{key}: {c}"));
        }
    }
    if let Some(method) = str_of(v, "Sort Method") {
        let space = v
            .get("Sort Space Used")
            .and_then(Value::as_u64)
            .map_or(String::new(), |kb| {
                format!(
                    "  {}: {kb}kB",
                    str_of(v, "Sort Space Type").unwrap_or_default()
                )
            });
        conditions.push(format!("Sort Method: {method}{space}"));
    }
    let spilled = str_of(v, "Sort Space Type").as_deref() == Some("Disk")
        || str_of(v, "Sort Method").is_some_and(|m| m.starts_with("external"));
    let actual = v
        .get("Actual Loops")
        .and_then(Value::as_f64)
        .map(|loops| Actual {
            rows: v.get("Actual Rows").and_then(Value::as_f64).unwrap_or(0.0),
            loops,
            total_ms: v
                .get("Actual Total Time")
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
        });
    let mut children: Vec<PlanNode> = v
        .get("Plans")
        .and_then(Value::as_array)
        .map(|list| list.iter().map(node).collect())
        .unwrap_or_default();
    // A Bitmap Index Scan names no table; it reads for the Bitmap Heap Scan above it
    // (through any BitmapAnd/BitmapOr).
    if node_type == "Bitmap Heap Scan" {
        fn lend(n: &mut PlanNode, table: &Option<String>) {
            if n.node == "Bitmap Index Scan" && n.relation.is_none() {
                n.relation = table.clone();
            }
            if n.node.starts_with("Bitmap") {
                n.children.iter_mut().for_each(|c| lend(c, table));
            }
        }
        children.iter_mut().for_each(|c| lend(c, &relation));
    }
    PlanNode {
        node: node_type,
        detail,
        kind,
        relation,
        alias,
        index,
        conditions,
        startup_cost: v.get("Startup Cost").and_then(Value::as_f64),
        total_cost: v.get("Total Cost").and_then(Value::as_f64),
        plan_rows: v.get("Plan Rows").and_then(Value::as_f64),
        actual,
        spilled,
        children,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_like_the_server_says_them() {
        assert_eq!(version_text(150004), "15.4");
        assert_eq!(version_text(160001), "16.1");
        assert_eq!(version_text(90624), "9.6.24");
    }

    #[test]
    fn literals_are_escaped() {
        assert_eq!(
            literal(&Sample::Text("it's \\ ok".into())),
            r"E'it''s \\ ok'"
        );
        assert_eq!(literal(&Sample::Bool(false)), "FALSE");
        assert_eq!(literal(&Sample::Int(-3)), "-3");
    }

    #[test]
    fn json_plans_become_trees_with_measurements() {
        let text = r#"[{"Plan": {"Node Type": "Limit", "Startup Cost": 0.15, "Total Cost": 8.17,
            "Plan Rows": 1, "Actual Rows": 2, "Actual Loops": 1, "Actual Total Time": 0.05,
            "Shared Hit Blocks": 3, "Shared Read Blocks": 1,
            "Plans": [{"Node Type": "Sort", "Sort Key": ["created_at DESC"], "Sort Method": "external merge",
                "Sort Space Used": 900, "Sort Space Type": "Disk",
                "Plans": [{"Node Type": "Seq Scan", "Relation Name": "messages", "Alias": "m",
                    "Filter": "(room_id = $1)"}]},
              {"Node Type": "Index Scan", "Index Name": "idx_messages_room", "Relation Name": "messages",
               "Alias": "messages", "Scan Direction": "Backward"}]},
            "Planning Time": 0.1, "Execution Time": 2.5,
            "Triggers": [{"Trigger Name": "RI_ConstraintTrigger_a_1", "Constraint Name": "messages_room_id_fkey",
                "Relation": "messages", "Time": 2.0, "Calls": 4}]}]"#;
        let plan = parse(text, "t".into()).expect("parses");
        let nodes = plan.nodes();
        assert_eq!(nodes.len(), 4);
        assert_eq!(nodes[1].kind, NodeKind::Sort);
        assert!(nodes[1].spilled);
        assert_eq!(nodes[2].kind, NodeKind::SeqScan);
        assert_eq!(nodes[2].detail, "Seq Scan on messages m");
        assert_eq!(
            nodes[3].detail,
            "Index Scan Backward using idx_messages_room on messages"
        );
        assert_eq!(plan.indexes(), ["idx_messages_room"]);
        let m = plan.measured.expect("analyzed");
        assert_eq!(m.rows, 2);
        assert_eq!(m.triggers[0].name, "messages_room_id_fkey");
        assert_eq!(m.buffers.expect("buffers").shared_read, 1);
    }

    #[test]
    fn a_delete_reads_like_the_text_format_with_its_cascade_triggers() {
        let text = r#"[{"Plan": {"Node Type": "Aggregate", "Strategy": "Plain", "Plans": [
            {"Node Type": "ModifyTable", "Operation": "Delete", "Subplan Name": "CTE d",
             "Relation Name": "sessions", "Alias": "sessions_1", "Actual Rows": 20, "Actual Loops": 1,
             "Plans": [{"Node Type": "Tid Scan", "Relation Name": "sessions", "Alias": "sessions_1",
                        "TID Cond": "(ctid = ANY ($0))"}]}]},
            "Execution Time": 4.0,
            "Triggers": [{"Trigger Name": "RI_ConstraintTrigger_a_16500", "Constraint Name": "logs_session_id_fkey",
                "Relation": "sessions", "Time": 3.0, "Calls": 20}]}]"#;
        let plan = parse(text, "t".into()).expect("parses");
        let nodes = plan.nodes();
        assert_eq!(nodes[1].node, "Delete");
        assert_eq!(nodes[1].detail, "CTE d: Delete on sessions sessions_1");
        assert_eq!(nodes[2].conditions, ["TID Cond: (ctid = ANY ($0))"]);
        let m = plan.measured.expect("analyzed");
        assert_eq!(m.triggers[0].name, "logs_session_id_fkey");
        assert_eq!(m.triggers[0].calls, 20);
    }

    #[test]
    fn bitmap_index_scans_read_for_the_heap_scan_above() {
        let text = r#"[{"Plan": {"Node Type": "Bitmap Heap Scan", "Relation Name": "post", "Alias": "post",
            "Plans": [{"Node Type": "BitmapAnd", "Plans": [
                {"Node Type": "Bitmap Index Scan", "Index Name": "ix_post_pinned"},
                {"Node Type": "Bitmap Index Scan", "Index Name": "ix_post_created_at"}]}]}}]"#;
        let plan = parse(text, "t".into()).expect("parses");
        let scans: Vec<(&str, Option<&str>)> = plan
            .nodes()
            .into_iter()
            .filter(|n| n.node == "Bitmap Index Scan")
            .map(|n| (n.detail.as_str(), n.relation.as_deref()))
            .collect();
        assert_eq!(
            scans,
            [
                ("Bitmap Index Scan on ix_post_pinned", Some("post")),
                ("Bitmap Index Scan on ix_post_created_at", Some("post"))
            ]
        );
    }
}
