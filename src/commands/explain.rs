//! `chatdb explain`: EXPLAIN each hot query of the schema and say whether the index its
//! design document names serves it.
//!
//! Per query: the plan the planner prefers on the data at hand, the plan pushed towards
//! indexes (the "can it serve at all" check), and with `--analyze` a real run with the
//! sample values. Judging happens in [`crate::verdict`]; fetching in [`crate::model::plan`];
//! this module picks the queries, collects the results and prints them.
//!
//! After the declared hot queries come the retention policies' batch DELETEs, one
//! `cleanup:<table>` entry each: the statement `chatdb cleanup` runs (from
//! `Job::batch_delete_sql`, the keyset form of a steady-state batch), judged against the
//! policy's `index` like any hot query. `--analyze` runs them on PostgreSQL in a writable
//! transaction that is always rolled back (a `READ ONLY` one refuses a DELETE), to show
//! what the cascades cost in trigger time; on SQLite, which has no EXPLAIN ANALYZE, it is
//! skipped: chatdb does not execute a DELETE to time it.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use super::{connect, line, select};
use crate::catalog::queries::{validate_all, HotQuery};
use crate::catalog::Dialect;
use crate::cli::{ExplainArgs, Format};
use crate::db::planner::Planner;
use crate::db::Access;
use crate::error::EXIT_FINDINGS;
use crate::finding::Severity;
use crate::model::plan::{Plan, PlanMode};
use crate::report::{self, json::Envelope};
use crate::retention::hot::{cleanup_name, cleanup_query, CleanupBatch, CLEANUP_PREFIX};
use crate::retention::resolve;
use crate::settings::Settings;
use crate::verdict::{self, Flag, Inputs, Verdict};

/// The JSON document (`--format json`) after the envelope.
#[derive(Serialize)]
struct Report {
    server: String,
    analyze: bool,
    queries: Vec<QueryReport>,
    summary: Summary,
}

#[derive(Serialize)]
struct QueryReport {
    name: String,
    purpose: String,
    sql: String,
    expected_indexes: Vec<String>,
    indexes_used: Vec<String>,
    verdict: Verdict,
    verdict_detail: String,
    top_nodes: String,
    estimated_cost: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    /// For the `cleanup:<table>` entries: the policy and the sample values.
    #[serde(skip_serializing_if = "Option::is_none")]
    cleanup: Option<CleanupBatch>,
    /// Why `--analyze` did not run this entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    analyze_skipped: Option<String>,
    flags: Vec<Flag>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<Plan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    forced_plan: Option<Plan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    analyzed: Option<Plan>,
}

/// One entry of the report: a declared hot query, or a policy's batch DELETE.
struct Entry {
    query: HotQuery,
    cleanup: Option<CleanupBatch>,
}

#[derive(Serialize, Default)]
struct Summary {
    queries: usize,
    prefers: usize,
    can_serve: usize,
    cannot_serve: usize,
    unconfirmed: usize,
    no_expectation: usize,
    skipped: usize,
    flags: usize,
}

pub fn run(settings: &Settings, args: &ExplainArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let timeout = args.statement_timeout;
    let sel = select(settings)?;
    let schema = &sel.schema;
    let all = &schema.manifest.queries;
    validate_all(all)
        .with_context(|| format!("the [[query]] tables of schema `{}`", schema.name))?;
    // Every policy, on or off (`--older-than` runs the ones that are off), with the keep
    // period chatdb.toml gives it.
    let policies = resolve(
        &schema.manifest.policies,
        &settings.cleanup,
        &[],
        None,
        true,
        &schema.name,
    )?;
    if all.is_empty() && policies.is_empty() {
        bail!(
            "schema `{}` declares no hot queries ([[query]] tables in schemas/{}.toml) and no retention policies ([[policy]])",
            schema.name,
            schema.name
        );
    }
    let known: Vec<String> = all
        .iter()
        .map(|q| q.name.clone())
        .chain(policies.iter().map(|p| cleanup_name(&p.table)))
        .collect();
    for n in &args.names {
        if !known.contains(n) {
            bail!(
                "schema `{}` has no hot query `{n}`; it declares: {}",
                schema.name,
                known.join(", ")
            );
        }
    }
    // In the order given on the command line; by default the hot queries, then the policies.
    let picked: Vec<&String> = if args.names.is_empty() {
        known.iter().collect()
    } else {
        args.names.iter().collect()
    };
    let mut conn = connect(settings, &sel.target, Access::Existing)?;
    let dialect = conn.dialect();
    // Cleanup's cutoffs derive from the database's clock, read once.
    let now = if picked.iter().any(|n| n.starts_with(CLEANUP_PREFIX)) {
        Some(conn.db_now()?)
    } else {
        None
    };
    let limit = settings.batch_size;
    let mut entries: Vec<Entry> = Vec::new();
    for name in picked {
        if let Some(q) = all.iter().find(|q| &q.name == name) {
            entries.push(Entry {
                query: q.clone(),
                cleanup: None,
            });
            continue;
        }
        let Some((p, now)) = policies
            .iter()
            .find(|p| &cleanup_name(&p.table) == name)
            .zip(now.as_deref())
        else {
            continue;
        };
        let index = schema
            .manifest
            .policies
            .iter()
            .find(|d| d.table == p.table)
            .and_then(|d| d.index.clone());
        let batch = CleanupBatch {
            table: p.table.clone(),
            time_column: p.time_column.clone(),
            condition: p.condition.clone(),
            keep: p.keep.clone(),
            cutoff: conn.cutoff(now, Duration::from_secs(p.keep_seconds))?,
            from: conn.keyset_floor().to_string(),
            limit,
        };
        entries.push(Entry {
            query: cleanup_query(&batch, index, &p.reason),
            cleanup: Some(batch),
        });
    }
    let mut planner = Planner::new(&mut conn)?;
    let mut queries = Vec::new();
    for e in &entries {
        let q = &e.query;
        let what = if e.cleanup.is_some() {
            "retention DELETE"
        } else {
            "hot query"
        };
        let delete = e.cleanup.is_some();
        let mut report = explain_one(&mut planner, q, dialect, args.analyze, timeout, delete)
            .with_context(|| format!("{what} `{}` ({dialect})", q.name))?;
        report.cleanup = e.cleanup.clone();
        queries.push(report);
    }
    let mut summary = Summary {
        queries: queries.len(),
        ..Summary::default()
    };
    for q in &queries {
        summary.flags += q.flags.len();
        match q.verdict {
            Verdict::Prefers => summary.prefers += 1,
            Verdict::CanServe => summary.can_serve += 1,
            Verdict::CannotServe => summary.cannot_serve += 1,
            Verdict::Unconfirmed => summary.unconfirmed += 1,
            Verdict::NoExpectation => summary.no_expectation += 1,
            Verdict::Skipped => summary.skipped += 1,
        }
    }
    let envelope = Envelope::new(
        &schema.name,
        &sel.target,
        &settings.database_url,
        &settings.namespace,
    );
    let report = Report {
        server: planner.server().to_string(),
        analyze: args.analyze,
        queries,
        summary,
    };
    match args.output.format {
        Format::Json => report::json::document(out, &envelope, &report)?,
        Format::Table => print_report(out, &envelope, &report, args.verbose)?,
    }
    Ok(if report.summary.cannot_serve > 0 {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}

fn explain_one(
    planner: &mut Planner,
    q: &HotQuery,
    dialect: Dialect,
    analyze: bool,
    timeout: Duration,
    delete: bool,
) -> Result<QueryReport> {
    let mut report = QueryReport {
        name: q.name.clone(),
        purpose: q.purpose.trim().to_string(),
        sql: String::new(),
        expected_indexes: vec![],
        indexes_used: vec![],
        verdict: Verdict::Skipped,
        verdict_detail: format!("no {dialect} SQL declared"),
        top_nodes: "-".into(),
        estimated_cost: None,
        target_ms: q.target_ms,
        target_source: q.target_source.clone(),
        note: None,
        cleanup: None,
        analyze_skipped: None,
        flags: vec![],
        plan: None,
        forced_plan: None,
        analyzed: None,
    };
    let Some(r) = q.resolve(dialect) else {
        return Ok(report);
    };
    let expected = planner.indexes(r.expected)?;
    let preferred = planner.plan(r.sql, &q.params, PlanMode::Preferred, timeout)?;
    let forced = planner.plan(
        r.sql,
        &q.params,
        PlanMode::Forced { ordered: r.ordered },
        timeout,
    )?;
    let analyzed = match (analyze, delete, planner.analyze_delete_skipped()) {
        (false, _, _) => None,
        (true, false, _) => Some(planner.plan(r.sql, &q.params, PlanMode::Analyze, timeout)?),
        (true, true, None) => {
            let mut plan = planner.plan(r.sql, &q.params, PlanMode::AnalyzeDelete, timeout)?;
            count_deleted(&mut plan);
            Some(plan)
        }
        (true, true, Some(skipped)) => {
            report.analyze_skipped = Some(skipped.into());
            None
        }
    };
    let a = verdict::assess(&Inputs {
        expected: &expected,
        ordered: r.ordered,
        preferred: &preferred,
        forced: &forced,
        analyzed: analyzed.as_ref(),
        target_ms: q.target_ms,
        statement_timeout: timeout,
        judge_estimates: !delete,
    });
    report.sql = r.sql.to_string();
    report.expected_indexes = r.expected.to_vec();
    report.indexes_used = preferred.indexes();
    report.verdict = a.verdict;
    report.verdict_detail = a.detail;
    report.top_nodes = verdict::top_nodes(&preferred, 3);
    report.estimated_cost = preferred.cost();
    report.note = r.note.map(str::to_string);
    report.flags = a.flags;
    report.plan = Some(preferred);
    report.forced_plan = Some(forced);
    report.analyzed = analyzed;
    Ok(report)
}

/// The rows a batch DELETE deleted (the Delete node's), rather than the one row its
/// `SELECT count(*)` returns.
fn count_deleted(plan: &mut Plan) {
    let deleted = plan
        .nodes()
        .into_iter()
        .find(|n| n.modifies())
        .and_then(|n| n.actual.as_ref())
        .map(|a| (a.rows * a.loops.max(1.0)).round() as u64);
    if let (Some(m), Some(n)) = (plan.measured.as_mut(), deleted) {
        m.rows = n;
    }
}

fn print_report(out: &mut dyn Write, envelope: &Envelope, r: &Report, verbose: bool) -> Result<()> {
    let mut header = vec!["query", "index used", "expected", "plan", "cost", "verdict"];
    if r.analyze {
        header.extend(["time", "rows", "buffers", "target"]);
    }
    let mut t = report::table(&header);
    for q in &r.queries {
        let mut row = vec![
            q.name.clone(),
            list_or_dash(&q.indexes_used),
            list_or_dash(&q.expected_indexes),
            q.top_nodes.clone(),
            q.estimated_cost.map_or("-".into(), |c| format!("{c:.2}")),
            q.verdict.label().to_string(),
        ];
        if r.analyze {
            row.extend(analyze_cells(q));
        }
        t.add_row(row);
    }
    line(
        out,
        format!(
            "{} on {}, {}",
            envelope.schema.as_deref().unwrap_or_default(),
            envelope.target_label(),
            r.server
        ),
    )?;
    line(out, t)?;
    for q in &r.queries {
        // The verdict (unless a plain pass) and the flags, as findings of explain's rules.
        let findings = verdict::findings(&q.name, q.verdict, &q.verdict_detail, &q.flags);
        for f in &findings {
            let level = match f.severity {
                _ if f.rule == &verdict::NO_SQL => "skipped",
                Severity::Error => "FAIL",
                _ => "warning",
            };
            line(out, format!("{}: {level}: {}", q.name, f.message))?;
        }
        if let Some(note) = &q.note {
            if !findings.is_empty() || verbose || q.cleanup.is_some() {
                line(out, format!("{}: note: {note}", q.name))?;
            }
        }
        if let Some(skipped) = &q.analyze_skipped {
            line(out, format!("{}: note: {skipped}", q.name))?;
        }
    }
    let s = &r.summary;
    let mut summary = format!(
        "{} quer{}: {} use their expected index",
        s.queries,
        if s.queries == 1 { "y" } else { "ies" },
        s.prefers
    );
    if s.can_serve > 0 {
        summary.push_str(&format!(
            ", {} could but the planner prefers another plan on this data",
            s.can_serve
        ));
    }
    if s.unconfirmed > 0 {
        summary.push_str(&format!(
            ", {} not confirmed on this data (another index is preferred even with sequential scans disabled)",
            s.unconfirmed
        ));
    }
    if s.no_expectation > 0 {
        summary.push_str(&format!(", {} expect no index", s.no_expectation));
    }
    if s.skipped > 0 {
        summary.push_str(&format!(", {} skipped", s.skipped));
    }
    if s.cannot_serve > 0 {
        summary.push_str(&format!(
            ", {} CANNOT be served by their expected index",
            s.cannot_serve
        ));
    }
    if s.flags > 0 {
        summary.push_str(&format!("; {} warning(s)", s.flags));
    }
    line(out, summary)?;
    if verbose {
        for q in &r.queries {
            print_trees(out, q)?;
        }
    }
    Ok(())
}

fn list_or_dash(list: &[String]) -> String {
    if list.is_empty() {
        "-".into()
    } else {
        list.join("\n")
    }
}

fn analyze_cells(q: &QueryReport) -> Vec<String> {
    let target = q.target_ms.map_or("-".into(), |t| format!("{t} ms"));
    let Some(a) = &q.analyzed else {
        let time = if q.analyze_skipped.is_some() {
            "skipped"
        } else {
            "-"
        };
        return vec![time.into(), "-".into(), "-".into(), target];
    };
    if a.timed_out {
        return vec!["timed out".into(), "-".into(), "-".into(), target];
    }
    if a.lock_timed_out {
        return vec!["lock timeout".into(), "-".into(), "-".into(), target];
    }
    let Some(m) = &a.measured else {
        return vec!["-".into(), "-".into(), "-".into(), target];
    };
    let buffers = match (&m.buffers, &m.sqlite) {
        (Some(b), _) => {
            let mut s = format!("hit {}, read {}", b.shared_hit, b.shared_read);
            if b.temp_written > 0 {
                s.push_str(&format!(", temp {}", b.temp_written));
            }
            s
        }
        (None, Some(c)) => format!("full-scan steps {}", c.fullscan_steps),
        (None, None) => "-".into(),
    };
    let verdict = match q.target_ms {
        Some(t) if m.execution_ms > t => format!("{target} (over)"),
        Some(_) => format!("{target} (ok)"),
        None => target,
    };
    let mut time = format!("{:.3} ms", m.execution_ms);
    if !m.triggers.is_empty() {
        let ms: f64 = m.triggers.iter().map(|t| t.ms).sum();
        time.push_str(&format!("\ntriggers {ms:.3} ms"));
    }
    vec![time, m.rows.to_string(), buffers, verdict]
}

fn print_trees(out: &mut dyn Write, q: &QueryReport) -> Result<()> {
    line(out, "")?;
    line(out, format!("── {} ── {}", q.name, q.purpose))?;
    let Some(plan) = &q.plan else {
        return line(out, format!("   {}", q.verdict_detail));
    };
    let preferred = report::table::plan_tree(plan);
    line(out, format!("plan ({}):", plan.how))?;
    write!(out, "{preferred}").context("writing output")?;
    if let Some(forced) = &q.forced_plan {
        let text = report::table::plan_tree(forced);
        if text == preferred {
            line(out, format!("forced plan ({}): the same", forced.how))?;
        } else {
            line(out, format!("forced plan ({}):", forced.how))?;
            write!(out, "{text}").context("writing output")?;
        }
    }
    if let Some(skipped) = &q.analyze_skipped {
        line(out, format!("analyzed: {skipped}"))?;
    }
    if let Some(a) = &q.analyzed {
        line(out, format!("analyzed ({}):", a.how))?;
        if a.timed_out {
            line(out, "  timed out")?;
        } else if a.lock_timed_out {
            line(out, "  gave up waiting for a lock (lock_timeout)")?;
        } else {
            if a.roots.iter().any(|r| r.actual.is_some()) {
                write!(out, "{}", report::table::plan_tree(a)).context("writing output")?;
            }
            if let Some(m) = &a.measured {
                let mut s = format!("  execution {:.3} ms, {} row(s)", m.execution_ms, m.rows);
                if let Some(p) = m.planning_ms {
                    s.push_str(&format!(", planning {p:.3} ms"));
                }
                if let Some(b) = &m.buffers {
                    s.push_str(&format!(
                        ", buffers hit {} read {}",
                        b.shared_hit, b.shared_read
                    ));
                }
                if let Some(c) = &m.sqlite {
                    s.push_str(&format!(
                        ", full-scan steps {}, sorts {}, VM steps {}",
                        c.fullscan_steps, c.sorts, c.vm_steps
                    ));
                }
                line(out, s)?;
                for t in &m.triggers {
                    line(
                        out,
                        format!("  trigger {}: {:.3} ms, {} call(s)", t.name, t.ms, t.calls),
                    )?;
                }
            }
        }
    }
    Ok(())
}
