//! SQLite plans: `EXPLAIN QUERY PLAN` rows turned into [`PlanNode`] trees, a statistics-free
//! replica of the schema for the "can the index serve it" check, and timed runs for
//! `--analyze`.
//!
//! `EXPLAIN QUERY PLAN` returns rows `(id, parent, notused, detail)`; the tree comes from the
//! parent links and the meaning from the detail: `SEARCH t USING INDEX i (a=?)` is an index
//! lookup, `SCAN t` a full table scan, `USE TEMP B-TREE FOR ORDER BY` a sort. Details name
//! a table by its alias when the query gives one, so aliases are resolved from the SQL.
//!
//! SQLite has no `enable_seqscan`. Without statistics (`sqlite_stat1`, written by `ANALYZE`)
//! its planner assumes large tables and picks indexes wherever they apply, so the forced plan
//! is the plan of an in-memory copy of the schema: same tables and indexes, no rows, no
//! statistics. The connection is switched to `query_only`, and `--analyze` refuses any
//! statement SQLite does not report as read-only.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, ErrorCode, StatementStatus};

use super::SqliteConn;
use crate::catalog::queries::{Param, Sample};
use crate::db::planner::Plans;
use crate::model::plan::{IndexInfo, Measured, NodeKind, Plan, PlanMode, PlanNode, SqliteCounters};
use crate::sqltext::{self, TokenKind};

/// Why `--analyze` skips a DELETE here.
const NO_ANALYZE_DELETE: &str = "--analyze skipped: SQLite has no EXPLAIN ANALYZE, and chatdb does not execute a DELETE to time it";

impl Plans for SqliteConn {
    fn plan_session(&mut self) -> Result<String> {
        read_only(&self.conn)?;
        Ok(format!("SQLite {}", rusqlite::version()))
    }

    fn indexes(&mut self, names: &[String]) -> Result<Vec<IndexInfo>> {
        indexes(&self.conn, names)
    }

    fn plan(
        &mut self,
        sql: &str,
        params: &[Param],
        mode: PlanMode,
        statement_timeout: Duration,
    ) -> Result<Plan> {
        plan(&mut self.conn, sql, params, mode, statement_timeout)
    }

    fn analyze_delete_skipped(&self) -> Option<&'static str> {
        Some(NO_ANALYZE_DELETE)
    }
}

/// Forbids writes on this connection for as long as it is open.
pub fn read_only(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "query_only", true)
        .context("setting PRAGMA query_only")
}

pub fn indexes(conn: &Connection, names: &[String]) -> Result<Vec<IndexInfo>> {
    let stats = has_stats(conn)?;
    names
        .iter()
        .map(|name| {
            let table: Option<String> = conn
                .query_row(
                    "SELECT tbl_name FROM sqlite_schema WHERE type = 'index' AND name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .map(Some)
                .or_else(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    e => Err(e),
                })
                .with_context(|| format!("looking up index {name}"))?;
            let table_rows = match (&table, stats) {
                (Some(t), true) => table_rows(conn, t)?,
                _ => None,
            };
            Ok(IndexInfo {
                name: name.clone(),
                valid: table.is_some(),
                table,
                table_rows,
            })
        })
        .collect()
}

fn has_stats(conn: &Connection) -> Result<bool> {
    conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'",
        [],
        |r| r.get(0),
    )
    .context("looking for sqlite_stat1")
}

/// The row count `ANALYZE` recorded for `table` (the first number of its sqlite_stat1 rows).
fn table_rows(conn: &Connection, table: &str) -> Result<Option<f64>> {
    let stat: Option<String> = conn
        .query_row(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = ?1 LIMIT 1",
            [table],
            |r| r.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .context("reading sqlite_stat1")?;
    Ok(stat.and_then(|s| s.split(' ').next()?.parse().ok()))
}

pub fn plan(
    conn: &mut Connection,
    sql: &str,
    params: &[Param],
    mode: PlanMode,
    timeout: Duration,
) -> Result<Plan> {
    match mode {
        PlanMode::Preferred => query_plan(conn, sql, "EXPLAIN QUERY PLAN".into()),
        PlanMode::Forced { .. } => {
            let mut plan = if has_stats(conn)? {
                let replica = replica(conn)?;
                query_plan(
                    &replica,
                    sql,
                    "EXPLAIN QUERY PLAN on an in-memory copy of the schema, without statistics"
                        .into(),
                )?
            } else {
                query_plan(
                    conn,
                    sql,
                    "EXPLAIN QUERY PLAN (no statistics: the planner already assumes large tables)"
                        .into(),
                )?
            };
            plan.without_statistics = true;
            Ok(plan)
        }
        PlanMode::AnalyzeDelete => {
            bail!("SQLite has no EXPLAIN ANALYZE, and chatdb does not execute a DELETE to time it")
        }
        PlanMode::Analyze => {
            let mut plan = query_plan(
                conn,
                sql,
                "ran with the sample values in a transaction that was rolled back".into(),
            )?;
            match run(conn, sql, params, timeout)? {
                Some(m) => plan.measured = Some(m),
                None => plan.timed_out = true,
            }
            Ok(plan)
        }
    }
}

/// A copy of the schema (tables, indexes, views, triggers) in memory: no rows, no statistics.
fn replica(conn: &Connection) -> Result<Connection> {
    let mem = Connection::open_in_memory().context("opening an in-memory SQLite database")?;
    let mut stmt = conn.prepare(
        "SELECT name, sql FROM sqlite_schema
         WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'
         ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (name, sql) = row?;
        // A virtual table creates its shadow tables itself; they are listed too.
        let exists: bool = mem
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_schema WHERE name = ?1",
                [&name],
                |r| r.get(0),
            )
            .with_context(|| format!("looking up {name} in the in-memory copy"))?;
        if exists {
            continue;
        }
        mem.execute_batch(&sql)
            .with_context(|| format!("copying {name} into memory"))?;
    }
    Ok(mem)
}

/// `EXPLAIN QUERY PLAN` of `sql` on `conn`, parameters bound to NULL.
fn query_plan(conn: &Connection, sql: &str, how: String) -> Result<Plan> {
    let index_tables: BTreeMap<String, String> = {
        let mut stmt =
            conn.prepare("SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index'")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let tables: Vec<String> = {
        let mut stmt = conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let aliases = aliases(sql);
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .map_err(|e| anyhow::anyhow!("SQLite: {e}"))?;
    let nulls = vec![SqlValue::Null; stmt.parameter_count()];
    let rows = stmt.query_map(rusqlite::params_from_iter(nulls), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let rows: Vec<(i64, i64, String)> = rows.collect::<Result<_, _>>()?;
    let resolve = |name: &str, index: Option<&String>| -> Option<String> {
        if let Some(t) = index.and_then(|i| index_tables.get(i)) {
            return Some(t.clone());
        }
        if let Some((_, t)) = aliases.iter().find(|(a, _)| a.eq_ignore_ascii_case(name)) {
            return Some(t.clone());
        }
        tables
            .iter()
            .find(|t| t.eq_ignore_ascii_case(name))
            .cloned()
    };
    let nodes: Vec<(i64, i64, PlanNode)> = rows
        .into_iter()
        .map(|(id, parent, detail)| (id, parent, classify(&detail, &resolve)))
        .collect();
    Ok(Plan {
        how,
        roots: tree(&nodes, 0),
        measured: None,
        timed_out: false,
        lock_timed_out: false,
        without_statistics: false,
    })
}

fn tree(nodes: &[(i64, i64, PlanNode)], parent: i64) -> Vec<PlanNode> {
    nodes
        .iter()
        .filter(|(id, p, _)| *p == parent && *id != parent)
        .map(|(id, _, n)| {
            let mut n = n.clone();
            n.children = tree(nodes, *id);
            n
        })
        .collect()
}

/// One `EXPLAIN QUERY PLAN` detail as a node. `resolve(name, index)` maps the name the
/// detail shows (a table or an alias) to the table.
fn classify(detail: &str, resolve: &dyn Fn(&str, Option<&String>) -> Option<String>) -> PlanNode {
    let verb = ["SEARCH ", "SCAN "]
        .into_iter()
        .find(|v| detail.starts_with(v));
    let Some(verb) = verb else {
        let kind = if detail.starts_with("USE TEMP B-TREE FOR") && detail.contains("ORDER BY") {
            NodeKind::Sort
        } else {
            NodeKind::Other
        };
        let node = if detail.starts_with("USE TEMP B-TREE") {
            "USE TEMP B-TREE"
        } else {
            detail
        };
        return PlanNode::new(node, detail, kind);
    };
    let rest = &detail[verb.len()..];
    // SQLite before 3.36 wrote `SCAN TABLE t` / `SEARCH TABLE t`.
    let rest = rest.strip_prefix("TABLE ").unwrap_or(rest);
    let name = rest.split(' ').next().unwrap_or("");
    let after = &rest[name.len()..];
    let index = ["USING COVERING INDEX ", "USING INDEX "]
        .into_iter()
        .find_map(|marker| {
            let at = after.find(marker)?;
            let idx = after[at + marker.len()..].split([' ', '(']).next()?;
            (!idx.is_empty()).then(|| idx.to_string())
        });
    let kind = if name == "CONSTANT" || after.contains("VIRTUAL TABLE") {
        NodeKind::Other
    } else if after.contains("AUTOMATIC") {
        // An automatic index is built by reading the whole table first.
        NodeKind::SeqScan
    } else if index.is_some() {
        NodeKind::IndexScan
    } else if after.contains("PRIMARY KEY") {
        NodeKind::KeyLookup
    } else if verb == "SCAN " {
        NodeKind::SeqScan
    } else {
        NodeKind::Other
    };
    let mut node = PlanNode::new(verb.trim(), detail, kind);
    if kind != NodeKind::Other {
        node.relation = resolve(name, index.as_ref());
    }
    if node.relation.as_deref() != Some(name) && name != "CONSTANT" {
        node.alias = Some(name.to_string());
    }
    node.index = index;
    node
}

/// (alias, table) for every `FROM t [AS] a` / `JOIN t [AS] a` in `sql`.
fn aliases(sql: &str) -> Vec<(String, String)> {
    const NOT_ALIAS: [&str; 24] = [
        "WHERE",
        "ON",
        "USING",
        "JOIN",
        "LEFT",
        "RIGHT",
        "FULL",
        "INNER",
        "CROSS",
        "NATURAL",
        "OUTER",
        "GROUP",
        "ORDER",
        "LIMIT",
        "HAVING",
        "WINDOW",
        "UNION",
        "EXCEPT",
        "INTERSECT",
        "INDEXED",
        "NOT",
        "RETURNING",
        "VALUES",
        "SET",
    ];
    let tokens = words(sql);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let (t, quoted) = &tokens[i];
        if !quoted && (t.eq_ignore_ascii_case("FROM") || t.eq_ignore_ascii_case("JOIN")) {
            if let Some((table, _)) = tokens.get(i + 1).filter(|(t, q)| *q || is_ident(t)) {
                let mut j = i + 2;
                if tokens
                    .get(j)
                    .is_some_and(|(t, q)| !q && t.eq_ignore_ascii_case("AS"))
                {
                    j += 1;
                }
                match tokens.get(j) {
                    Some((a, q))
                        if *q
                            || (is_ident(a)
                                && !NOT_ALIAS.iter().any(|k| k.eq_ignore_ascii_case(a))) =>
                    {
                        out.push((a.clone(), table.clone()))
                    }
                    _ => out.push((table.clone(), table.clone())),
                }
            }
        }
        i += 1;
    }
    out
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Words, quoted identifiers (flagged) and punctuation of `sql`, from [`sqltext::tokens`]:
/// string literals and comments are dropped, and SQLite's `[name]` becomes one quoted
/// identifier.
fn words(sql: &str) -> Vec<(String, bool)> {
    let toks = sqltext::tokens(sql);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        i += 1;
        match t.kind {
            TokenKind::String | TokenKind::Comment => {}
            TokenKind::Quoted => out.push((t.text.clone(), true)),
            TokenKind::Punct if t.is_punct('[') => {
                let close = toks[i..].iter().position(|c| c.is_punct(']'));
                let end = close.map_or(sql.len(), |k| toks[i + k].start);
                out.push((sql.get(t.end..end).unwrap_or("").to_string(), true));
                i = close.map_or(toks.len(), |k| i + k + 1);
            }
            _ => out.push((t.text.clone(), false)),
        }
    }
    out
}

/// Runs `sql` with the sample values inside a transaction that is rolled back, stepping
/// through every row. `None` when `timeout` interrupted it.
fn run(
    conn: &mut Connection,
    sql: &str,
    params: &[Param],
    timeout: Duration,
) -> Result<Option<Measured>> {
    // Deferred: a read takes no lock until it reads, so the busy timeout never applies.
    let tx = super::begin(
        conn,
        &crate::db::TxOpts::new(crate::db::TxKind::Read, crate::names::DEFAULT_NAMESPACE),
        Duration::ZERO,
    )?;
    let result = (|| -> Result<Option<Measured>> {
        let mut stmt = tx
            .prepare(sql)
            .map_err(|e| anyhow::anyhow!("SQLite: {e}"))?;
        if !stmt.readonly() {
            bail!("the statement is not read-only; chatdb explain only runs statements that change nothing");
        }
        for (i, p) in params.iter().enumerate() {
            let value = match &p.sample {
                Sample::Bool(b) => SqlValue::Integer(i64::from(*b)),
                Sample::Int(n) => SqlValue::Integer(*n),
                Sample::Float(f) => SqlValue::Real(*f),
                Sample::Text(s) => SqlValue::Text(s.clone()),
            };
            stmt.raw_bind_parameter(i + 1, value)
                .with_context(|| format!("binding parameter {} ({})", i + 1, p.name))?;
        }
        // SQLite has no statement timeout: a timer thread interrupts the connection.
        let handle = tx.get_interrupt_handle();
        let (done, wait) = mpsc::channel::<()>();
        let timer = std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(timeout) {
                handle.interrupt();
            }
        });
        let start = Instant::now();
        let mut count = 0u64;
        let stepped = {
            let mut rows = stmt.raw_query();
            loop {
                match rows.next() {
                    Ok(Some(_)) => count += 1,
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(e),
                }
            }
        };
        let elapsed = start.elapsed();
        let _ = done.send(());
        let _ = timer.join();
        match stepped {
            Ok(()) => {}
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::OperationInterrupted) => {
                return Ok(None)
            }
            Err(e) => return Err(anyhow::anyhow!("SQLite: {e}")),
        }
        Ok(Some(Measured {
            execution_ms: elapsed.as_secs_f64() * 1000.0,
            planning_ms: None,
            rows: count,
            buffers: None,
            triggers: vec![],
            sqlite: Some(SqliteCounters {
                fullscan_steps: i64::from(stmt.get_status(StatementStatus::FullscanStep)),
                sorts: i64::from(stmt.get_status(StatementStatus::Sort)),
                autoindex_rows: i64::from(stmt.get_status(StatementStatus::AutoIndex)),
                vm_steps: i64::from(stmt.get_status(StatementStatus::VmStep)),
            }),
        }))
    })();
    tx.rollback().context("rolling back")?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_come_from_from_and_join() {
        let a = aliases(
            "SELECT m.id FROM chat_room_members m LEFT JOIN messages AS msg ON msg.id = 1 \
             JOIN \"user\" WHERE 'FROM x y' = '' -- FROM z w",
        );
        assert_eq!(
            a,
            [
                ("m".to_string(), "chat_room_members".to_string()),
                ("msg".into(), "messages".into()),
                ("user".into(), "user".into()),
            ]
        );
    }

    #[test]
    fn details_are_classified() {
        let resolve = |name: &str, index: Option<&String>| -> Option<String> {
            match (name, index.map(String::as_str)) {
                (_, Some("idx_messages_room")) => Some("messages".into()),
                ("m", None) => Some("messages".into()),
                (n, None) => Some(n.to_string()),
                _ => None,
            }
        };
        let n = classify(
            "SEARCH m USING INDEX idx_messages_room (room_id=?)",
            &resolve,
        );
        assert_eq!(
            (
                n.kind,
                n.relation.as_deref(),
                n.alias.as_deref(),
                n.index.as_deref()
            ),
            (
                NodeKind::IndexScan,
                Some("messages"),
                Some("m"),
                Some("idx_messages_room")
            )
        );
        let n = classify("SCAN TABLE post", &resolve);
        assert_eq!(
            (n.kind, n.relation.as_deref()),
            (NodeKind::SeqScan, Some("post"))
        );
        let n = classify("SCAN m USING COVERING INDEX idx_messages_room", &resolve);
        assert_eq!(n.kind, NodeKind::IndexScan);
        assert_eq!(
            classify("USE TEMP B-TREE FOR ORDER BY", &resolve).kind,
            NodeKind::Sort
        );
        assert_eq!(
            classify("USE TEMP B-TREE FOR GROUP BY", &resolve).kind,
            NodeKind::Other
        );
        assert_eq!(
            classify("SEARCH t USING INTEGER PRIMARY KEY (rowid=?)", &resolve).kind,
            NodeKind::KeyLookup
        );
        assert_eq!(
            classify("SCAN json_each VIRTUAL TABLE INDEX 1:", &resolve).kind,
            NodeKind::Other
        );
        assert_eq!(
            classify("SEARCH t USING AUTOMATIC COVERING INDEX (a=?)", &resolve).kind,
            NodeKind::SeqScan
        );
    }

    proptest::proptest! {
        #![proptest_config(crate::sqltext::props::config())]

        #[test]
        fn sqltext_alias_reader_never_panics(sql in crate::sqltext::props::text()) {
            let _ = aliases(&sql);
            let _ = aliases(&format!("SELECT 1 FROM {sql}"));
        }
    }
}
