//! `chatdb stats`: the documents' monitoring, measured against their targets.
//!
//! 1. The schema's tables come from its migrations (applied to an in-memory scratch
//!    database, as `schemas` counts them); the history table says it is installed.
//! 2. One read of every fact through the backend's [`crate::db::stats::Stats`] (one
//!    read-only transaction under `--statement-timeout`, one query per kind of fact).
//! 3. The pure rules of `src/stats/` judge the facts against the manifest's targets.
//! 4. A table for people, the JSON envelope, or the Prometheus text format; exit 1 when a
//!    target is breached (an error finding), 0 otherwise; `--quiet` prints nothing then.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;

use super::{connect, line, select};
use crate::catalog::{Dialect, Schema};
use crate::cli::{StatsArgs, StatsFormat};
use crate::db::stats::StatsRequest;
use crate::db::{Access, TxKind};
use crate::finding::{Counts, Finding, Severity};
use crate::migrator;
use crate::model::stats::Facts;
use crate::report::json::{CheckFinding, Envelope};
use crate::report::prometheus::{self, Family};
use crate::report::{self, plural};
use crate::settings::Settings;
use crate::stats::{self as judge, Targets};

/// The JSON document after the envelope (documented in the README).
#[derive(Serialize)]
struct Report<'a> {
    elapsed_ms: u128,
    targets: TargetsJson,
    #[serde(flatten)]
    facts: &'a Facts,
    /// Mean over the schema's statements, weighted by calls; estimated worst p95.
    query_mean_ms: Option<f64>,
    query_p95_ms: Option<f64>,
    /// How `query_p95_ms` is had: `"estimate: mean + 1.645 stddev"` (pg_stat_statements
    /// keeps no histogram).
    query_p95_method: &'static str,
    expected_rows: &'a std::collections::BTreeMap<String, u64>,
    expected_bytes: &'a std::collections::BTreeMap<String, u64>,
    summary: Counts,
    findings: Vec<CheckFinding<'a>>,
}

#[derive(Serialize)]
struct TargetsJson {
    mean_query_ms: Option<f64>,
    p95_query_ms: Option<f64>,
    slow_query_ms: Option<f64>,
    connection_use: Option<f64>,
    index_usage: Option<f64>,
    /// chatdb.toml's `[stats]` (or the defaults, README "Monitoring").
    pool_size: Option<u64>,
    long_transaction_ms: u128,
    blocked_ms: u128,
    cache_hit_ratio: f64,
    replication_lag_ms: u128,
    dead_rows_ratio: f64,
    dead_rows_min: u64,
}

/// The tables the schema's migrations create, read from the SQL with the one tokenizer
/// (`migrator::schema_tables`, as `adopt`'s guard reads them) instead of building the whole
/// schema in a scratch database on every run.
fn schema_tables(schema: &Schema, dialect: Dialect) -> Result<Vec<String>> {
    Ok(migrator::schema_tables(schema.migrations(dialect)?))
}

pub fn run(settings: &Settings, args: &StatsArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let started = Instant::now();
    let sel = select(settings)?;
    let dialect = sel.target.dialect();
    let namespace = settings.namespace.as_str();
    let envelope = Envelope::new(
        &sel.schema.name,
        &sel.target,
        &settings.database_url,
        namespace,
    );
    let tables = schema_tables(&sel.schema, dialect)?;
    let history = sel.schema.history_table();
    let mut conn = connect(settings, &sel.target, Access::Existing)?;
    let installed = conn.in_transaction(TxKind::Read, namespace, settings.lock_timeout, |s| {
        Ok(s.table_exists(&history)? && !migrator::read_history(s, &history)?.is_empty())
    })?;
    if !installed {
        return Err(
            report::not_installed(&sel.schema.name, &envelope.target_label(), &history)
                .context("no statistics to read"),
        );
    }
    let targets = Targets::of(&sel.schema, &settings.stats);
    let metrics: Vec<(&str, &str)> = targets
        .metrics
        .iter()
        .filter_map(|m| Some((m.name.as_str(), m.sql(dialect)?)))
        .collect();
    let facts = conn.stats(&StatsRequest {
        tables: &tables,
        metrics: &metrics,
        statement_timeout: args.statement_timeout,
    })?;
    let findings = judge::judge(&facts, &targets);
    let summary = Counts::of(&findings);
    let code = if summary.error > 0 {
        ExitCode::from(crate::error::EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    };
    if args.quiet && summary.error == 0 {
        return Ok(code);
    }
    let view = View {
        schema: &sel.schema.name,
        dialect,
        envelope: &envelope,
        facts: &facts,
        targets: &targets,
        findings: &findings,
        elapsed: started.elapsed(),
    };
    match args.format {
        StatsFormat::Json => report::json::document(
            out,
            &envelope,
            &Report {
                elapsed_ms: view.elapsed.as_millis(),
                targets: TargetsJson {
                    mean_query_ms: targets.mean_query_ms.as_ref().map(|t| t.value),
                    p95_query_ms: targets.p95_query_ms.as_ref().map(|t| t.value),
                    slow_query_ms: targets.slow_query_ms.as_ref().map(|t| t.value),
                    connection_use: targets.connection_use.as_ref().map(|t| t.value),
                    index_usage: targets.index_usage.as_ref().map(|t| t.value),
                    pool_size: targets.health.pool_size,
                    long_transaction_ms: targets.health.long_transaction.as_millis(),
                    blocked_ms: targets.health.blocked.as_millis(),
                    cache_hit_ratio: targets.health.cache_hit_ratio,
                    replication_lag_ms: targets.health.replication_lag.as_millis(),
                    dead_rows_ratio: targets.health.dead_rows_ratio,
                    dead_rows_min: targets.health.dead_rows_min,
                },
                facts: &facts,
                query_mean_ms: judge::mean_ms(&facts),
                query_p95_ms: judge::p95_ms(&facts),
                query_p95_method: crate::model::stats::P95_METHOD,
                expected_rows: &targets.expected_rows,
                expected_bytes: &targets.expected_bytes,
                summary,
                findings: findings.iter().map(CheckFinding::from).collect(),
            },
        )?,
        StatsFormat::Prometheus => prometheus::write(out, &families(&view))?,
        StatsFormat::Table => print_table(out, &view)?,
    }
    Ok(code)
}

/// What the reporters print.
struct View<'a> {
    schema: &'a str,
    dialect: Dialect,
    envelope: &'a Envelope,
    facts: &'a Facts,
    targets: &'a Targets,
    findings: &'a [Finding],
    elapsed: Duration,
}

impl View<'_> {
    /// `✗` where a finding of `rule` names `object` (or any object, given `None`).
    fn mark(&self, rule: &str, object: Option<&str>) -> &'static str {
        let hit = self
            .findings
            .iter()
            .any(|f| f.rule.id == rule && object.is_none_or(|o| f.object.as_deref() == Some(o)));
        if hit {
            "✗"
        } else {
            ""
        }
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

fn bytes(n: Option<u64>) -> String {
    match n {
        None => "-".into(),
        Some(n) if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        Some(n) if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        Some(n) if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        Some(n) => format!("{n} B"),
    }
}

fn target_cell(t: &Option<judge::Target>, show: impl Fn(f64) -> String) -> String {
    t.as_ref().map_or_else(|| "-".into(), |t| show(t.value))
}

fn print_table(out: &mut dyn Write, v: &View) -> Result<()> {
    let c = Counts::of(v.findings);
    line(
        out,
        format!(
            "{} on {}: {} breached, {} ({} ms)",
            v.schema,
            v.envelope.target_label(),
            plural(c.error, "target"),
            plural(c.warning, "warning"),
            v.elapsed.as_millis()
        ),
    )?;
    let f = v.facts;
    let t = v.targets;
    if !t.metrics.is_empty() {
        line(out, "\nSchema metrics")?;
        let mut tab = report::table(&["metric", "value", "unit", "threshold", ""]);
        for (name, value) in &f.metrics {
            let m = t.metrics.iter().find(|m| &m.name == name);
            let th = m
                .and_then(|m| m.threshold.as_ref())
                .map_or("-".into(), |th| match (th.max, th.min) {
                    (Some(max), _) => format!("≤ {max}"),
                    (_, Some(min)) => format!("≥ {min}"),
                    _ => "-".into(),
                });
            tab.add_row(vec![
                name.clone(),
                format!("{}", (value * 1000.0).round() / 1000.0),
                m.map(|m| m.unit.clone()).unwrap_or_default(),
                th,
                v.mark("metric-threshold", Some(name)).into(),
            ]);
        }
        line(out, tab)?;
    }
    line(out, "\nTables")?;
    let mut tab = report::table(&[
        "table",
        "rows",
        "plan rows",
        "size",
        "plan size",
        "index use",
        "dead",
        "last vacuum",
        "",
    ]);
    for tf in &f.tables {
        let mark = [
            v.mark("index-usage", Some(&tf.name)),
            v.mark("table-over-plan", Some(&tf.name)),
            v.mark("stale-statistics", Some(&tf.name)),
            v.mark("dead-rows", Some(&tf.name)),
        ]
        .concat();
        tab.add_row(vec![
            tf.name.clone(),
            tf.rows.to_string(),
            opt(t.expected_rows.get(&tf.name)),
            bytes(tf.bytes),
            bytes(t.expected_bytes.get(&tf.name).copied()),
            judge::index_usage(tf).map_or("-".into(), judge::pct),
            opt(tf.dead_rows),
            opt(tf.last_vacuum.as_deref()),
            mark,
        ]);
    }
    line(out, tab)?;
    if v.dialect == Dialect::Postgres {
        let s = &f.server;
        line(out, "\nServer")?;
        let mut tab = report::table(&["measure", "value", "target", ""]);
        let share = match (s.connections, s.max_connections) {
            (Some(u), Some(m)) if m > 0 => {
                format!("{u} / {m} ({})", judge::pct(u as f64 / m as f64))
            }
            _ => "-".into(),
        };
        tab.add_row(vec![
            "connections".into(),
            share,
            target_cell(&t.connection_use, |x| format!("< {}", judge::pct(x))),
            v.mark("connection-use", None).into(),
        ]);
        tab.add_row(vec![
            "index usage".into(),
            "per table above".into(),
            target_cell(&t.index_usage, |x| format!("> {}", judge::pct(x))),
            v.mark("index-usage", None).into(),
        ]);
        tab.add_row(vec![
            "query mean".into(),
            judge::mean_ms(f).map_or("-".into(), judge::ms),
            target_cell(&t.mean_query_ms, |x| format!("< {}", judge::ms(x))),
            v.mark("mean-query-time", None).into(),
        ]);
        tab.add_row(vec![
            "query p95 (estimate: mean + 1.645σ)".into(),
            judge::p95_ms(f).map_or("-".into(), judge::ms),
            target_cell(&t.p95_query_ms, |x| format!("< {}", judge::ms(x))),
            v.mark("p95-query-time", None).into(),
        ]);
        let h = &t.health;
        let pool = judge::pool_use::share(f, t).map_or_else(
            || opt(s.database_connections) + " (no pool_size)",
            |(u, p, x)| format!("{u} / {p} ({})", judge::pct(x)),
        );
        let pool_target = match h.pool_size {
            Some(_) => target_cell(&t.connection_use, |x| format!("< {}", judge::pct(x))),
            None => "-".into(),
        };
        let secs = |x: Option<f64>| x.map_or("-".into(), judge::secs);
        let within = |d: Duration| format!("≤ {}", humantime::format_duration(d));
        let blocked = match (s.blocked, s.longest_blocked_seconds) {
            (Some(n), Some(w)) => format!("{n} (longest {})", judge::secs(w)),
            (n, _) => opt(n),
        };
        for (name, value, target, rule) in [
            ("pool (this database)", pool, pool_target, "pool-use"),
            ("database size", bytes(s.database_bytes), "-".into(), ""),
            (
                "cache hit ratio (schema's tables)",
                match (s.cache_hit_ratio, s.cache_blocks) {
                    (Some(r), Some(b)) => format!("{:.2}% of {b} blocks", r * 100.0),
                    _ => "-".into(),
                },
                format!("≥ {:.2}%", h.cache_hit_ratio * 100.0),
                "cache-hit-ratio",
            ),
            (
                "XID age",
                opt(s.xid_age),
                format!("≤ {}", judge::xid_age::HALF_WAY),
                "xid-age",
            ),
            (
                "oldest transaction",
                secs(s.oldest_transaction_seconds),
                within(h.long_transaction),
                "long-transaction",
            ),
            (
                "blocked backends",
                blocked,
                format!("wait {}", within(h.blocked)),
                "blocked-backends",
            ),
            (
                "replication lag",
                s.replication_lag_seconds
                    .map_or("no replicas".into(), judge::secs),
                within(h.replication_lag),
                "replication-lag",
            ),
        ] {
            let mark = if rule.is_empty() {
                ""
            } else {
                v.mark(rule, None)
            };
            tab.add_row(vec![name.to_string(), value, target, mark.into()]);
        }
        line(out, tab)?;
        if let Some(list) = &f.statements {
            let mut slow: Vec<_> = list.iter().collect();
            slow.sort_by(|a, b| b.mean_ms.total_cmp(&a.mean_ms));
            if !slow.is_empty() {
                line(out, "\nSlowest statements (normalised)")?;
                let mut tab = report::table(&["mean", "p95 (estimate)", "calls", "query", ""]);
                for s in slow.into_iter().take(5) {
                    let q = crate::sqltext::abbreviate(&s.query, 120);
                    tab.add_row(vec![
                        judge::ms(s.mean_ms),
                        judge::ms(s.p95_ms()),
                        s.calls.to_string(),
                        q.clone(),
                        [
                            v.mark("slow-query", Some(&q)),
                            v.mark("p95-query-time", Some(&q)),
                        ]
                        .concat(),
                    ]);
                }
                line(out, tab)?;
            }
        }
    }
    if let Some(lite) = &f.sqlite {
        line(out, "\nSQLite file")?;
        let mut tab = report::table(&["measure", "value"]);
        for (k, val) in [
            ("file", bytes(Some(lite.file_bytes))),
            ("WAL", bytes(Some(lite.wal_bytes))),
            (
                "freelist",
                bytes(Some(lite.freelist_pages * lite.page_size)),
            ),
            ("page size", bytes(Some(lite.page_size))),
            ("pages", lite.page_count.to_string()),
            (
                "sqlite_stat1",
                if lite.has_stat1 {
                    "present".into()
                } else {
                    "absent (ANALYZE never ran)".to_string()
                },
            ),
        ] {
            tab.add_row(vec![k.to_string(), val]);
        }
        line(out, tab)?;
    }
    report::table::stats_findings(out, v.findings)?;
    if let Some(note) = &f.statements_note {
        line(out, format!("\nnote: {note}"))?;
    }
    Ok(())
}

/// The Prometheus families: table facts by `schema` and `table`, the rest by `schema`.
fn families(v: &View) -> Vec<Family> {
    let schema = || ("schema", v.schema.to_string());
    let per_table =
        |name: &str, help: &str, get: &dyn Fn(&crate::model::stats::TableFacts) -> Option<f64>| {
            let mut fam = Family::gauge(name, help);
            for t in &v.facts.tables {
                if let Some(x) = get(t) {
                    fam.push(vec![schema(), ("table", t.name.clone())], x);
                }
            }
            fam
        };
    let one = |name: &str, help: &str, x: Option<f64>| {
        let fam = Family::gauge(name, help);
        match x {
            Some(x) => fam.sample(vec![schema()], x),
            None => fam,
        }
    };
    let f = v.facts;
    let t = v.targets;
    let mut out = vec![
        per_table(
            "chatdb_table_rows",
            "Rows per table (PostgreSQL: estimated live rows; SQLite: counted).",
            &|x| Some(x.rows as f64),
        ),
        per_table(
            "chatdb_table_expected_rows",
            "Rows the manifest's [seed] plans per table at scale 1.",
            &|x| t.expected_rows.get(&x.name).map(|n| *n as f64),
        ),
        per_table(
            "chatdb_table_size_bytes",
            "Table size with indexes and TOAST.",
            &|x| x.bytes.map(|n| n as f64),
        ),
        per_table(
            "chatdb_table_expected_size_bytes",
            "Table size the document's volume table expects.",
            &|x| t.expected_bytes.get(&x.name).map(|n| *n as f64),
        ),
        per_table(
            "chatdb_table_dead_rows",
            "Dead rows waiting for vacuum.",
            &|x| x.dead_rows.map(|n| n as f64),
        ),
        per_table(
            "chatdb_table_index_usage_ratio",
            "Index scans over all scans (0..1).",
            &|x| judge::index_usage(x),
        ),
    ];
    let mut seq = Family::counter(
        "chatdb_table_seq_scans_total",
        "Sequential scans since statistics were reset.",
    );
    let mut idx = Family::counter(
        "chatdb_table_index_scans_total",
        "Index scans since statistics were reset.",
    );
    for tf in &f.tables {
        if let Some(n) = tf.seq_scans {
            seq.push(vec![schema(), ("table", tf.name.clone())], n as f64);
        }
        if let Some(n) = tf.index_scans {
            idx.push(vec![schema(), ("table", tf.name.clone())], n as f64);
        }
    }
    out.push(seq);
    out.push(idx);
    for m in &t.metrics {
        if let Some((_, x)) = f.metrics.iter().find(|(n, _)| *n == m.name) {
            out.push(one(
                &format!("chatdb_{}", m.name),
                &format!("{} ({})", m.purpose, m.unit),
                Some(*x),
            ));
        }
    }
    let s = &f.server;
    let secs = |ms: Option<f64>| ms.map(|m| m / 1000.0);
    out.extend([
        one(
            "chatdb_connections",
            "Client connections in use on the server.",
            s.connections.map(|n| n as f64),
        ),
        one(
            "chatdb_max_connections",
            "The server's max_connections.",
            s.max_connections.map(|n| n as f64),
        ),
        one(
            "chatdb_database_connections",
            "Client connections to this database, chatdb's own not counted.",
            s.database_connections.map(|n| n as f64),
        ),
        one(
            "chatdb_pool_size",
            "chatdb.toml [stats] pool_size.",
            t.health.pool_size.map(|n| n as f64),
        ),
        one(
            "chatdb_database_size_bytes",
            "pg_database_size of the database.",
            s.database_bytes.map(|n| n as f64),
        ),
        one(
            "chatdb_cache_hit_ratio",
            "Buffer hits over hits and reads of the schema's tables (0..1).",
            s.cache_hit_ratio,
        ),
        one(
            "chatdb_xid_age",
            "age(datfrozenxid) of the database (wraparound at 2^31).",
            s.xid_age.map(|n| n as f64),
        ),
        one(
            "chatdb_oldest_transaction_seconds",
            "Age of the oldest open transaction.",
            s.oldest_transaction_seconds,
        ),
        one(
            "chatdb_blocked_backends",
            "Backends waiting on a lock another holds.",
            s.blocked.map(|n| n as f64),
        ),
        one(
            "chatdb_longest_blocked_seconds",
            "How long the longest-blocked backend has waited.",
            s.longest_blocked_seconds,
        ),
        one(
            "chatdb_replication_lag_seconds",
            "The largest replay lag a replica reports.",
            s.replication_lag_seconds,
        ),
        one(
            "chatdb_query_mean_seconds",
            "Mean time of the schema's statements, weighted by calls.",
            secs(judge::mean_ms(f)),
        ),
        one(
            "chatdb_query_p95_seconds",
            "Largest p95 of the schema's statements, an estimate: mean + 1.645 stddev.",
            secs(judge::p95_ms(f)),
        ),
    ]);
    if v.dialect == Dialect::Postgres {
        out.push(one(
            "chatdb_statements_available",
            "1 when pg_stat_statements is loaded and installed.",
            Some(if f.statements.is_some() { 1.0 } else { 0.0 }),
        ));
    }
    if let Some(l) = &f.sqlite {
        out.extend([
            one(
                "chatdb_sqlite_file_bytes",
                "Size of the database file.",
                Some(l.file_bytes as f64),
            ),
            one(
                "chatdb_sqlite_wal_bytes",
                "Size of the -wal file.",
                Some(l.wal_bytes as f64),
            ),
            one(
                "chatdb_sqlite_freelist_bytes",
                "Free pages times the page size.",
                Some((l.freelist_pages * l.page_size) as f64),
            ),
            one(
                "chatdb_sqlite_page_size_bytes",
                "PRAGMA page_size.",
                Some(l.page_size as f64),
            ),
            one(
                "chatdb_sqlite_pages",
                "PRAGMA page_count.",
                Some(l.page_count as f64),
            ),
            one(
                "chatdb_sqlite_stat1_present",
                "1 when sqlite_stat1 exists (ANALYZE has run).",
                Some(if l.has_stat1 { 1.0 } else { 0.0 }),
            ),
        ]);
    }
    let mut breaches = Family::gauge(
        "chatdb_breaches",
        "Findings of this run, by severity (error: a target breached).",
    );
    for sev in Severity::ALL {
        let n = v.findings.iter().filter(|x| x.severity == sev).count();
        breaches.push(
            vec![schema(), ("severity", sev.as_str().to_string())],
            n as f64,
        );
    }
    out.push(breaches);
    out.push(one(
        "chatdb_stats_duration_seconds",
        "How long this stats run took.",
        Some(v.elapsed.as_secs_f64()),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stats::{ServerFacts, Statement, TableFacts};
    use crate::stats::Health;

    /// The PostgreSQL table report from hand-built facts, every server row and mark: a
    /// pool past focusmate's 80%, a retention table full of dead rows, a transaction held
    /// open, a blocked backend, a cold cache, a lagging replica, a table scanned
    /// sequentially, and the p95 labelled an estimate.
    #[test]
    fn the_postgres_table_report_marks_every_breach() {
        let url = "postgres://app:s3cret@db.internal/app";
        let target = crate::db::Target::parse(url).expect("url");
        let envelope = Envelope::new("focusmate", &target, url, "public");
        let schema = crate::catalog::load("focusmate", None).expect("loads");
        let health = Health {
            pool_size: Some(20),
            ..Health::default()
        };
        let targets = Targets::of(&schema, &health);
        let table = |name: &str, rows, seq, idx, dead| TableFacts {
            name: name.into(),
            rows,
            bytes: Some(rows * 180),
            seq_scans: Some(seq),
            index_scans: Some(idx),
            dead_rows: Some(dead),
            last_vacuum: Some("2026-11-30T03:00:00Z".into()),
            stat1_rows: None,
        };
        let facts = Facts {
            tables: vec![
                table("notifications", 300_000, 400, 100, 90_000),
                table("session_history", 500_000, 3, 9_000, 120_000),
            ],
            server: ServerFacts {
                connections: Some(31),
                max_connections: Some(100),
                database_bytes: Some(3 << 30),
                database_connections: Some(17),
                cache_hit_ratio: Some(0.95),
                cache_blocks: Some(2_000_000),
                xid_age: Some(1_234_567),
                oldest_transaction_seconds: Some(900.0),
                blocked: Some(2),
                longest_blocked_seconds: Some(75.0),
                replication_lag_seconds: Some(12.5),
            },
            statements: Some(vec![Statement {
                query: "SELECT * FROM notifications WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2".into(),
                calls: 1000,
                total_ms: 42_000.0,
                mean_ms: 42.0,
                stddev_ms: 10.0,
            }]),
            statements_note: None,
            sqlite: None,
            metrics: Vec::new(),
        };
        let findings = judge::judge(&facts, &targets);
        let view = View {
            schema: "focusmate",
            dialect: Dialect::Postgres,
            envelope: &envelope,
            facts: &facts,
            targets: &targets,
            findings: &findings,
            elapsed: Duration::from_millis(42),
        };
        let mut buf = Vec::new();
        print_table(&mut buf, &view).expect("writes");
        let text = String::from_utf8(buf).expect("utf-8");
        assert!(!text.contains("s3cret"));
        let rules: Vec<&str> = findings.iter().map(|f| f.rule.id).collect();
        assert_eq!(
            rules,
            [
                "pool-use",
                "index-usage",
                "cache-hit-ratio",
                "dead-rows",
                "long-transaction",
                "blocked-backends",
                "replication-lag"
            ]
        );
        insta::assert_snapshot!("stats_report_postgres", text);
    }
}
