//! Judging a hot query's plans against the index its design document says serves it.
//!
//! Two verdicts that must not be confused:
//! - the expected index *can* serve the query: the plan pushed towards indexes (PostgreSQL
//!   with sequential scans disabled, SQLite without statistics) uses it. This holds on an
//!   empty database; when it fails, the index is missing, invalid, or does not match the
//!   query (wrong columns, order, predicate or types), and `explain` exits 1;
//! - the planner *prefers* it on the data at hand: the plan as the planner would run it uses
//!   it. On a small or unanalyzed table a sequential scan is legitimately cheaper, so this
//!   is a warning, never a failure.
//!
//! Flags point at what a DBA should look at: a sequential scan of a table the query should
//! reach by index, a sort the index should have served, and with `--analyze` a sort that
//! spilled to disk, an estimate off by more than 10x, trigger time (cascades) dominating a
//! statement, a run over the documented latency target.
//!
//! Everything here works on [`Plan`] alone, with no connection; a few node names and
//! conditions it matches are still one planner's words (`Filter: (ctid = ANY`, `Limit`,
//! `USE TEMP B-TREE`).
//!
//! Verdicts and flags are rules of the one registry ([`RULES`], see `src/finding.rs`):
//! [`findings`] turns an assessment into the [`Finding`]s `explain` reports.

use std::time::Duration;

use serde::Serialize;

use crate::finding::{Finding, Rule, Scope, Severity, Tool, BOTH, POSTGRES};
use crate::model::plan::{IndexInfo, NodeKind, Plan, PlanNode, DELETE_LOCK_TIMEOUT};

const fn explain_rule(
    id: &'static str,
    severity: Severity,
    dialects: &'static [crate::catalog::Dialect],
    summary: &'static str,
) -> Rule {
    Rule {
        id,
        severity,
        summary,
        dialects,
        scope: Scope::Explain,
    }
}

pub const CANNOT_SERVE: Rule = explain_rule("cannot-serve", Severity::Error, BOTH, "the expected index cannot serve the query even with sequential scans disabled: missing, invalid or unusable for it");
pub const NOT_PREFERRED: Rule = explain_rule(
    "not-preferred",
    Severity::Warning,
    BOTH,
    "the expected index can serve the query, but on this data the planner prefers another plan",
);
pub const UNCONFIRMED: Rule = explain_rule("unconfirmed", Severity::Warning, BOTH, "with this table's statistics another index is preferred even when forced: an empty database decides");
pub const NO_SQL: Rule = explain_rule(
    "no-dialect-sql",
    Severity::Info,
    BOTH,
    "the manifest has no SQL for this dialect: the query is skipped",
);
pub const SEQ_SCAN: Rule = explain_rule(
    "seq-scan",
    Severity::Warning,
    BOTH,
    "a table the query should reach by index is read in full",
);
pub const UNSERVED_SORT: Rule = explain_rule(
    "unserved-sort",
    Severity::Warning,
    BOTH,
    "the expected index should deliver the order, and the plan sorts",
);
pub const SORT_SPILLED: Rule = explain_rule(
    "sort-spilled",
    Severity::Warning,
    POSTGRES,
    "--analyze: a sort ran out of work_mem and used disk",
);
pub const ESTIMATE_OFF: Rule = explain_rule(
    "estimate-off",
    Severity::Warning,
    BOTH,
    "--analyze: a node's row estimate is off by more than 10x",
);
pub const TRIGGER_TIME: Rule = explain_rule(
    "trigger-time",
    Severity::Warning,
    POSTGRES,
    "--analyze: triggers (foreign-key cascades) took most of the statement's time",
);
pub const OVER_TARGET: Rule = explain_rule(
    "over-target",
    Severity::Warning,
    BOTH,
    "--analyze: the run took longer than the documented latency target",
);
pub const TIMED_OUT: Rule = explain_rule(
    "timed-out",
    Severity::Warning,
    BOTH,
    "--analyze: the run hit the statement timeout",
);
pub const LOCK_TIMED_OUT: Rule = explain_rule("lock-timed-out", Severity::Warning, POSTGRES, "--analyze: a cleanup DELETE waited longer than its lock timeout for rows another transaction holds");

/// Every explain rule, in report order: the verdicts, then the flags.
#[cfg_attr(not(test), allow(dead_code))]
pub const RULES: &[&Rule] = &[
    &CANNOT_SERVE,
    &NOT_PREFERRED,
    &UNCONFIRMED,
    &NO_SQL,
    &SEQ_SCAN,
    &UNSERVED_SORT,
    &SORT_SPILLED,
    &ESTIMATE_OFF,
    &TRIGGER_TIME,
    &OVER_TARGET,
    &TIMED_OUT,
    &LOCK_TIMED_OUT,
];

/// The findings of one query's assessment: its verdict when it is not a plain pass, then
/// its flags, each with the query's name as the object.
pub fn findings(query: &str, verdict: Verdict, detail: &str, flags: &[Flag]) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(rule) = verdict.rule() {
        out.push(Finding::new(rule, Tool::Explain, detail).object(query));
    }
    for f in flags {
        out.push(Finding::new(f.kind.rule(), Tool::Explain, f.message.clone()).object(query));
    }
    out
}

/// Whether the expected index serves the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The planner uses the expected index on the data at hand.
    Prefers,
    /// The expected index can serve the query, but on this data the planner prefers
    /// another plan (a warning).
    CanServe,
    /// The expected index cannot serve the query at all: missing, invalid, or unusable for
    /// it even with sequential scans disabled (exit 1).
    CannotServe,
    /// The forced plan reaches the table by another index, and the table's statistics may
    /// be what steers it there: whether the expected index could serve is not decided on
    /// this database (a warning; an empty database decides it).
    Unconfirmed,
    /// The manifest expects no index: the plan is reported, not judged.
    NoExpectation,
    /// The manifest has no SQL for this dialect.
    Skipped,
}

impl Verdict {
    /// The rule a verdict reports by; `None` for a pass or a plan that is only reported.
    pub fn rule(self) -> Option<&'static Rule> {
        match self {
            Verdict::Prefers | Verdict::NoExpectation => None,
            Verdict::CanServe => Some(&NOT_PREFERRED),
            Verdict::CannotServe => Some(&CANNOT_SERVE),
            Verdict::Unconfirmed => Some(&UNCONFIRMED),
            Verdict::Skipped => Some(&NO_SQL),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Prefers => "ok",
            Verdict::CanServe => "can serve (not preferred here)",
            Verdict::CannotServe => "CANNOT SERVE",
            Verdict::Unconfirmed => "unconfirmed (another index preferred here)",
            Verdict::NoExpectation => "no index expected",
            Verdict::Skipped => "skipped",
        }
    }
}

/// What a flag is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// A table the query should reach by index is read in full.
    SeqScan,
    /// The expected index should return rows in order, and the plan sorts them.
    UnservedSort,
    /// A sort ran out of work_mem and used disk (`--analyze`).
    SortSpilled,
    /// A node's row estimate is off by more than 10x (`--analyze`).
    EstimateOff,
    /// Triggers (foreign-key cascades) took most of the statement's time (`--analyze`).
    TriggerTime,
    /// The run took longer than the documented latency target (`--analyze`).
    OverTarget,
    /// The run hit the statement timeout (`--analyze`).
    TimedOut,
    /// A cleanup DELETE waited longer than its lock timeout for rows another transaction
    /// holds (`--analyze`, PostgreSQL).
    LockTimedOut,
}

impl FlagKind {
    /// The rule a flag reports by.
    pub fn rule(self) -> &'static Rule {
        match self {
            FlagKind::SeqScan => &SEQ_SCAN,
            FlagKind::UnservedSort => &UNSERVED_SORT,
            FlagKind::SortSpilled => &SORT_SPILLED,
            FlagKind::EstimateOff => &ESTIMATE_OFF,
            FlagKind::TriggerTime => &TRIGGER_TIME,
            FlagKind::OverTarget => &OVER_TARGET,
            FlagKind::TimedOut => &TIMED_OUT,
            FlagKind::LockTimedOut => &LOCK_TIMED_OUT,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Flag {
    pub kind: FlagKind,
    pub message: String,
}

/// Everything [`assess`] looks at.
pub struct Inputs<'a> {
    pub expected: &'a [IndexInfo],
    /// The expected index should deliver the ORDER BY's order.
    pub ordered: bool,
    pub preferred: &'a Plan,
    pub forced: &'a Plan,
    pub analyzed: Option<&'a Plan>,
    pub target_ms: Option<f64>,
    pub statement_timeout: Duration,
    /// Flag row estimates off by more than 10x. Off for cleanup's batch DELETEs: PostgreSQL
    /// estimates `ctid = ANY(ARRAY(...))` at 10 rows whatever the batch size, so every node
    /// above the batch's `Limit` is "off" by design, and no ANALYZE changes that.
    pub judge_estimates: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub verdict: Verdict,
    /// One sentence saying why.
    pub detail: String,
    pub flags: Vec<Flag>,
}

/// How far off an estimate may be before it is flagged.
const ESTIMATE_FACTOR: f64 = 10.0;
/// Misestimates where neither side reaches this many rows are noise (PostgreSQL never
/// estimates fewer than one row, so a sample value matching nothing is always "off").
const ESTIMATE_MIN_ROWS: f64 = 100.0;
/// Share of execution time spent in triggers above which they "dominate".
const TRIGGER_SHARE: f64 = 0.5;

pub fn assess(i: &Inputs) -> Assessment {
    let (verdict, detail) = verdict(i);
    let mut flags = Vec::new();
    structural_flags(i, verdict, &mut flags);
    if let Some(a) = i.analyzed {
        runtime_flags(i, a, &mut flags);
    }
    Assessment {
        verdict,
        detail,
        flags,
    }
}

fn verdict(i: &Inputs) -> (Verdict, String) {
    if i.expected.is_empty() {
        return (
            Verdict::NoExpectation,
            format!("no index expected; plan: {}", top_nodes(i.preferred, 4)),
        );
    }
    let missing: Vec<&str> = i
        .expected
        .iter()
        .filter(|x| x.table.is_none())
        .map(|x| x.name.as_str())
        .collect();
    if !missing.is_empty() {
        return (
            Verdict::CannotServe,
            format!("{} does not exist", missing.join(", ")),
        );
    }
    if let Some(bad) = i.expected.iter().find(|x| !x.valid) {
        return (
            Verdict::CannotServe,
            format!(
                "{} is INVALID (left so by a failed CREATE INDEX CONCURRENTLY?): the planner ignores it",
                bad.name
            ),
        );
    }
    // Without statistics the forced plan decides: any usable index beats a disabled
    // sequential scan, and the planner's default selectivities favour the index that
    // matches the query best. With statistics another index may simply be cheaper on this
    // data; only a forced plan that still reads the table in full is then conclusive.
    let forced = i.forced.indexes();
    let mut unusable: Vec<&str> = Vec::new();
    let mut undecided: Vec<String> = Vec::new();
    for x in i.expected.iter().filter(|x| !forced.contains(&x.name)) {
        let table = x.table.as_deref();
        let other_index: Vec<String> = i
            .forced
            .nodes()
            .into_iter()
            .filter(|n| {
                n.relation.as_deref() == table
                    && matches!(n.kind, NodeKind::IndexScan | NodeKind::KeyLookup)
            })
            .map(short)
            .collect();
        if i.forced.without_statistics || x.table_rows.is_none() || other_index.is_empty() {
            unusable.push(&x.name);
        } else {
            undecided.push(format!(
                "{} not confirmed: with the statistics of {} the planner prefers {} even so ({}); an empty database (CI after migrate) decides whether {} can serve it",
                x.name,
                table.unwrap_or(""),
                other_index.join(", "),
                i.forced.how,
                x.name
            ));
        }
    }
    if !unusable.is_empty() {
        return (
            Verdict::CannotServe,
            format!(
                "{} cannot serve it: even so ({}) the plan is {}",
                unusable.join(", "),
                i.forced.how,
                top_nodes(i.forced, 4)
            ),
        );
    }
    if !undecided.is_empty() {
        return (Verdict::Unconfirmed, undecided.join("; "));
    }
    let used = i.preferred.indexes();
    let passed_over: Vec<&IndexInfo> = i
        .expected
        .iter()
        .filter(|x| !used.contains(&x.name))
        .collect();
    if passed_over.is_empty() {
        let names: Vec<&str> = i.expected.iter().map(|x| x.name.as_str()).collect();
        return (Verdict::Prefers, format!("uses {}", names.join(", ")));
    }
    let parts: Vec<String> = passed_over
        .iter()
        .map(|x| {
            let table = x.table.as_deref().unwrap_or("");
            // How the plan reads the table: not the DELETE itself, each way once.
            let mut instead: Vec<String> = Vec::new();
            for n in i.preferred.nodes() {
                let modifies = n.modifies();
                let s = short(n);
                if n.relation.as_deref() == Some(table) && !modifies && !instead.contains(&s) {
                    instead.push(s);
                }
            }
            let instead = if instead.is_empty() {
                top_nodes(i.preferred, 4)
            } else {
                instead.join(", ")
            };
            let rows = match x.table_rows {
                None => format!("{table} has no statistics yet: run ANALYZE"),
                Some(n) => format!("{table}: ~{n:.0} rows"),
            };
            format!(
                "{} can serve it, but on this data the planner prefers {instead} ({rows})",
                x.name
            )
        })
        .collect();
    (Verdict::CanServe, parts.join("; "))
}

fn structural_flags(i: &Inputs, verdict: Verdict, flags: &mut Vec<Flag>) {
    let mut seen: Vec<&str> = Vec::new();
    for n in i.preferred.nodes() {
        // A "can serve" verdict already names the scan the planner prefers instead.
        if n.kind != NodeKind::SeqScan || verdict == Verdict::CanServe {
            continue;
        }
        let Some(table) = n.relation.as_deref() else {
            continue;
        };
        if seen.contains(&table) {
            continue;
        }
        if let Some(x) = i
            .expected
            .iter()
            .find(|x| x.table.as_deref() == Some(table))
        {
            seen.push(table);
            // A batch DELETE fetches the rows its subquery picked by ctid.
            let by_ctid = n.filters_by_ctid();
            let message = if by_ctid {
                format!(
                    "{}: the batch's rows are fetched by a full scan of {table}, not by ctid (Tid Scan); the planner's choice while {table} is small or never analyzed, a full scan per batch on a large one",
                    n.detail
                )
            } else {
                format!(
                    "{}: a full scan of {table}, which {} should reach",
                    n.detail, x.name
                )
            };
            flags.push(Flag {
                kind: FlagKind::SeqScan,
                message,
            });
        }
    }
    if i.ordered && !i.expected.is_empty() {
        let names: Vec<&str> = i.expected.iter().map(|x| x.name.as_str()).collect();
        if let Some(sort) = first_sort(i.preferred) {
            let inherent = first_sort(i.forced).is_some();
            let tail = if inherent {
                format!(
                    "; {} cannot deliver this order even in the forced plan ({})",
                    names.join(", "),
                    i.forced.how
                )
            } else {
                String::new()
            };
            flags.push(Flag {
                kind: FlagKind::UnservedSort,
                message: format!(
                    "{} that {} should have served{tail}",
                    describe_sort(sort),
                    names.join(", ")
                ),
            });
        }
    }
}

fn first_sort(plan: &Plan) -> Option<&PlanNode> {
    plan.nodes().into_iter().find(|n| n.kind == NodeKind::Sort)
}

fn describe_sort(n: &PlanNode) -> String {
    match n.sort_key() {
        Some(key) => format!("{} ({key})", n.detail),
        None => n.detail.clone(),
    }
}

fn runtime_flags(i: &Inputs, a: &Plan, flags: &mut Vec<Flag>) {
    if a.timed_out {
        flags.push(Flag {
            kind: FlagKind::TimedOut,
            message: format!(
                "did not finish within the statement timeout ({}); cancelled and rolled back",
                humantime::format_duration(i.statement_timeout)
            ),
        });
        return;
    }
    if a.lock_timed_out {
        flags.push(Flag {
            kind: FlagKind::LockTimedOut,
            message: format!(
                "waited longer than lock_timeout ({}) for rows another transaction holds; cancelled and rolled back, nothing measured",
                humantime::format_duration(DELETE_LOCK_TIMEOUT)
            ),
        });
        return;
    }
    for n in a.nodes() {
        if n.spilled {
            let method = n.sort_method().map_or(String::new(), |m| format!(" ({m})"));
            flags.push(Flag {
                kind: FlagKind::SortSpilled,
                message: format!(
                    "{} spilled to disk{method}: raise work_mem or let an index deliver the order",
                    n.detail
                ),
            });
        }
    }
    if let Some((node, est, act, factor)) = worst_estimate(a).filter(|_| i.judge_estimates) {
        flags.push(Flag {
            kind: FlagKind::EstimateOff,
            message: format!(
                "{}: estimated {est:.0} rows, got {act:.0} ({factor:.0}x off): check the statistics (ANALYZE) and the sample values",
                node.detail
            ),
        });
    }
    let Some(m) = &a.measured else { return };
    let trigger_ms: f64 = m.triggers.iter().map(|t| t.ms).sum();
    if trigger_ms > 0.0 && trigger_ms > TRIGGER_SHARE * m.execution_ms {
        let names: Vec<String> = m
            .triggers
            .iter()
            .map(|t| format!("{} {:.1} ms/{} calls", t.name, t.ms, t.calls))
            .collect();
        flags.push(Flag {
            kind: FlagKind::TriggerTime,
            message: format!(
                "triggers took {trigger_ms:.1} of {:.1} ms ({}): cascades cost more than the statement itself",
                m.execution_ms,
                names.join(", ")
            ),
        });
    }
    if let Some(target) = i.target_ms {
        if m.execution_ms > target {
            flags.push(Flag {
                kind: FlagKind::OverTarget,
                message: format!("took {:.2} ms, over the {target} ms target", m.execution_ms),
            });
        }
    }
}

/// The executed node whose row estimate is furthest off, if more than [`ESTIMATE_FACTOR`]
/// and by at least [`ESTIMATE_MIN_ROWS`] on one side.
/// Nodes under a `Limit` are skipped: they stop early by design, and their estimate is for
/// a full run.
fn worst_estimate(plan: &Plan) -> Option<(&PlanNode, f64, f64, f64)> {
    fn visit<'a>(n: &'a PlanNode, out: &mut Vec<(&'a PlanNode, f64, f64, f64)>) {
        if n.is_limit() {
            return;
        }
        if let (Some(est), Some(act)) = (n.plan_rows, &n.actual) {
            if act.loops > 0.0 {
                let (e, a) = (est.max(1.0), act.rows.max(1.0));
                let factor = (e / a).max(a / e);
                if factor > ESTIMATE_FACTOR && e.max(a) >= ESTIMATE_MIN_ROWS {
                    out.push((n, est, act.rows, factor));
                }
            }
        }
        for c in &n.children {
            visit(c, out);
        }
    }
    let mut found = Vec::new();
    for r in &plan.roots {
        visit(r, &mut found);
    }
    found.into_iter().max_by(|a, b| a.3.total_cmp(&b.3))
}

/// A node in a few words: `Index Scan idx_messages_room`, `Seq Scan post`, `SCAN post`,
/// `TEMP B-TREE FOR ORDER BY`.
pub fn short(n: &PlanNode) -> String {
    if let Some(i) = &n.index {
        return format!("{} {i}", n.node);
    }
    if n.is_temp_btree() {
        return n.detail.replacen("USE ", "", 1);
    }
    match n.kind {
        NodeKind::SeqScan | NodeKind::KeyLookup => match n.relation.as_ref().or(n.alias.as_ref()) {
            Some(r) => format!("{} {r}", n.node),
            None => n.detail.clone(),
        },
        _ => match &n.alias {
            Some(a) if n.relation.is_none() => format!("{} {a}", n.node),
            _ => n.node.clone(),
        },
    }
}

/// The first `max` nodes, depth first: `Limit → Index Scan idx_messages_room`.
pub fn top_nodes(plan: &Plan, max: usize) -> String {
    let nodes = plan.nodes();
    let mut parts: Vec<String> = nodes.iter().take(max).map(|n| short(n)).collect();
    if nodes.len() > max {
        parts.push("…".into());
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(" → ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plan::Actual;

    fn scan(kind: NodeKind, relation: &str, index: Option<&str>) -> PlanNode {
        let node = match kind {
            NodeKind::SeqScan => "Seq Scan",
            _ => "Index Scan",
        };
        let mut n = PlanNode::new(node, format!("{node} on {relation}"), kind);
        n.relation = Some(relation.into());
        n.index = index.map(str::to_string);
        n
    }

    fn plan(roots: Vec<PlanNode>) -> Plan {
        Plan {
            how: "test".into(),
            roots,
            measured: None,
            timed_out: false,
            lock_timed_out: false,
            without_statistics: false,
        }
    }

    fn info(name: &str, table: Option<&str>) -> IndexInfo {
        IndexInfo {
            name: name.into(),
            table: table.map(str::to_string),
            valid: table.is_some(),
            table_rows: None,
        }
    }

    fn run(expected: &[IndexInfo], preferred: &Plan, forced: &Plan) -> Assessment {
        assess(&Inputs {
            expected,
            ordered: true,
            preferred,
            forced,
            analyzed: None,
            target_ms: None,
            statement_timeout: Duration::from_secs(1),
            judge_estimates: true,
        })
    }

    #[test]
    fn the_two_verdicts_differ() {
        let idx = scan(NodeKind::IndexScan, "post", Some("ix_post_created_at"));
        let seq = scan(NodeKind::SeqScan, "post", None);
        let expected = [info("ix_post_created_at", Some("post"))];

        let a = run(
            &expected,
            &plan(vec![idx.clone()]),
            &plan(vec![idx.clone()]),
        );
        assert_eq!(a.verdict, Verdict::Prefers);
        assert!(a.flags.is_empty());

        let mut sort = PlanNode::new("Sort", "Sort", NodeKind::Sort);
        sort.children = vec![seq.clone()];
        let a = run(&expected, &plan(vec![sort]), &plan(vec![idx]));
        assert_eq!(a.verdict, Verdict::CanServe);
        assert!(a.detail.contains("Seq Scan post"), "{}", a.detail);
        let kinds: Vec<FlagKind> = a.flags.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [FlagKind::UnservedSort]);

        let a = run(&expected, &plan(vec![seq.clone()]), &plan(vec![seq]));
        assert_eq!(a.verdict, Verdict::CannotServe);
        assert!(a.detail.contains("ix_post_created_at cannot serve it"));
    }

    #[test]
    fn a_missing_index_cannot_serve() {
        let seq = plan(vec![scan(NodeKind::SeqScan, "post", None)]);
        let a = run(&[info("ix_gone", None)], &seq, &seq);
        assert_eq!(a.verdict, Verdict::CannotServe);
        assert_eq!(a.detail, "ix_gone does not exist");
    }

    #[test]
    fn estimates_under_a_limit_are_not_judged() {
        let mut inner = scan(NodeKind::IndexScan, "m", Some("i"));
        inner.plan_rows = Some(5000.0);
        inner.actual = Some(Actual {
            rows: 50.0,
            loops: 1.0,
            total_ms: 0.1,
        });
        let mut limit = PlanNode::new("Limit", "Limit", NodeKind::Other);
        limit.children = vec![inner.clone()];
        assert!(worst_estimate(&plan(vec![limit])).is_none());
        let p = plan(vec![inner]);
        let found = worst_estimate(&p).expect("flagged");
        assert_eq!(found.3, 100.0);
    }

    #[test]
    fn analyzed_runs_flag_spills_triggers_and_targets() {
        use crate::model::plan::{Measured, TriggerTime};
        let idx = scan(
            NodeKind::IndexScan,
            "sessions",
            Some("idx_sessions_ended_at"),
        );
        let expected = [info("idx_sessions_ended_at", Some("sessions"))];
        let mut sort = PlanNode::new("Sort", "Sort", NodeKind::Sort);
        sort.spilled = true;
        sort.conditions = vec!["Sort Method: external merge  Disk: 900kB".into()];
        sort.children = vec![idx.clone()];
        let mut analyzed = plan(vec![sort]);
        analyzed.measured = Some(Measured {
            execution_ms: 10.0,
            triggers: vec![TriggerTime {
                name: "messages_session_id_fkey".into(),
                relation: Some("messages".into()),
                calls: 40,
                ms: 8.0,
            }],
            ..Measured::default()
        });
        let p = plan(vec![idx]);
        let a = assess(&Inputs {
            expected: &expected,
            ordered: false,
            preferred: &p,
            forced: &p,
            analyzed: Some(&analyzed),
            target_ms: Some(5.0),
            statement_timeout: Duration::from_secs(1),
            judge_estimates: true,
        });
        assert_eq!(a.verdict, Verdict::Prefers);
        let kinds: Vec<FlagKind> = a.flags.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                FlagKind::SortSpilled,
                FlagKind::TriggerTime,
                FlagKind::OverTarget
            ]
        );
        assert!(a.flags[1].message.contains("messages_session_id_fkey"));
    }

    #[test]
    fn batch_deletes_name_a_ctid_fetch_and_skip_the_ctid_estimate() {
        let idx = scan(NodeKind::IndexScan, "logs", Some("idx_logs_timestamp"));
        let mut fetch = scan(NodeKind::SeqScan, "logs", None);
        fetch.conditions = vec!["Filter: (ctid = ANY ($0))".into()];
        fetch.plan_rows = Some(10.0);
        fetch.actual = Some(Actual {
            rows: 5000.0,
            loops: 1.0,
            total_ms: 1.0,
        });
        let mut limit = PlanNode::new("Limit", "Limit", NodeKind::Other);
        limit.children = vec![idx];
        let mut delete = PlanNode::new("Delete", "Delete on logs", NodeKind::Other);
        delete.relation = Some("logs".into());
        delete.children = vec![limit, fetch];
        let p = plan(vec![delete]);
        let expected = [info("idx_logs_timestamp", Some("logs"))];
        let inputs = |judge_estimates| Inputs {
            expected: &expected,
            ordered: true,
            preferred: &p,
            forced: &p,
            analyzed: Some(&p),
            target_ms: None,
            statement_timeout: Duration::from_secs(1),
            judge_estimates,
        };
        let a = assess(&inputs(false));
        assert_eq!(a.verdict, Verdict::Prefers);
        let kinds: Vec<FlagKind> = a.flags.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [FlagKind::SeqScan]);
        assert!(
            a.flags[0].message.contains("not by ctid"),
            "{}",
            a.flags[0].message
        );
        let kinds: Vec<FlagKind> = assess(&inputs(true)).flags.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [FlagKind::SeqScan, FlagKind::EstimateOff]);
    }

    #[test]
    fn with_statistics_another_index_leaves_the_verdict_open() {
        let other = scan(NodeKind::IndexScan, "logs", Some("idx_logs_timestamp"));
        let mut expected = [info("idx_logs_event_type", Some("logs"))];
        expected[0].table_rows = Some(300_000.0);
        let p = plan(vec![other]);
        assert_eq!(run(&expected, &p, &p).verdict, Verdict::Unconfirmed);
        // Never analyzed: the forced plan decides.
        expected[0].table_rows = None;
        assert_eq!(run(&expected, &p, &p).verdict, Verdict::CannotServe);
        // A full scan even when pushed to indexes decides too.
        expected[0].table_rows = Some(300_000.0);
        let seq = plan(vec![scan(NodeKind::SeqScan, "logs", None)]);
        assert_eq!(run(&expected, &seq, &seq).verdict, Verdict::CannotServe);
    }

    #[test]
    fn verdicts_and_flags_become_findings_of_explain_rules() {
        let flags = [Flag {
            kind: FlagKind::SeqScan,
            message: "Seq Scan on messages".into(),
        }];
        let f = findings(
            "room_history",
            Verdict::CannotServe,
            "idx_x does not exist",
            &flags,
        );
        let got: Vec<(&str, Severity, Option<&str>)> = f
            .iter()
            .map(|f| (f.rule.id, f.severity, f.object.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("cannot-serve", Severity::Error, Some("room_history")),
                ("seq-scan", Severity::Warning, Some("room_history")),
            ]
        );
        assert_eq!(f[0].message, "idx_x does not exist");
        assert!(findings("q", Verdict::Prefers, "uses idx", &[]).is_empty());
        assert!(findings("q", Verdict::NoExpectation, "plan", &[]).is_empty());
        assert_eq!(
            findings("q", Verdict::Skipped, "no SQL", &[])[0].rule.id,
            "no-dialect-sql"
        );
        for kind in [
            FlagKind::SeqScan,
            FlagKind::UnservedSort,
            FlagKind::SortSpilled,
            FlagKind::EstimateOff,
            FlagKind::TriggerTime,
            FlagKind::OverTarget,
            FlagKind::TimedOut,
            FlagKind::LockTimedOut,
        ] {
            assert!(RULES.contains(&kind.rule()), "{kind:?}");
            assert_eq!(
                kind.rule().severity,
                Severity::Warning,
                "flags are warnings"
            );
        }
    }
}
