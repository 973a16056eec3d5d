//! `chatdb stats`'s judgement: pure functions from the facts a backend read
//! ([`crate::model::stats::Facts`]) and the targets the documents give ([`Targets`], from the
//! manifest's `[stats]` and `[[metric]]`) to findings, one rule per file. A target the
//! schema's document does not give is not judged.

mod blocked_backends;
mod cache_hit_ratio;
mod connection_use;
mod dead_rows;
pub mod health;
mod index_usage;
mod long_transaction;
mod mean_query_time;
mod metric_threshold;
mod p95_query_time;
pub mod pool_use;
mod replication_lag;
mod slow_query;
mod stale_statistics;
mod table_over_plan;
pub mod xid_age;

use std::collections::BTreeMap;

use crate::catalog::metrics::{Metric, StatsDecl};
use crate::catalog::Schema;
use crate::finding::{Finding, Rule};
use crate::model::stats::Facts;
pub use health::Health;

/// stats' rules, in report order.
pub const RULES: &[&Rule] = &[
    &mean_query_time::RULE,
    &p95_query_time::RULE,
    &slow_query::RULE,
    &connection_use::RULE,
    &pool_use::RULE,
    &index_usage::RULE,
    &cache_hit_ratio::RULE,
    &dead_rows::RULE,
    &long_transaction::RULE,
    &blocked_backends::RULE,
    &replication_lag::RULE,
    &metric_threshold::RULE,
    &table_over_plan::RULE,
    &stale_statistics::RULE,
    &xid_age::RULE,
];

/// Prefixes of chatdb's own metric names, which a `[[metric]]` may not take.
pub const RESERVED: &[&str] = &[
    "table_",
    "connections",
    "max_connections",
    "database_",
    "cache_",
    "xid_",
    "oldest_",
    "longest_",
    "pool_",
    "blocked",
    "replication_",
    "query_",
    "statements_",
    "sqlite_",
    "breaches",
    "stats_",
];

/// Index usage is judged on tables with at least this many rows and scans unless the
/// manifest says otherwise: below them the planner rightly scans.
pub const MIN_ROWS: u64 = 1_000;
pub const MIN_SCANS: u64 = 100;

/// A target and where it comes from.
#[derive(Debug, Clone)]
pub struct Target {
    pub value: f64,
    pub source: String,
}

/// Everything the rules judge against, from one schema's manifest.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    pub mean_query_ms: Option<Target>,
    pub p95_query_ms: Option<Target>,
    pub slow_query_ms: Option<Target>,
    pub connection_use: Option<Target>,
    pub index_usage: Option<Target>,
    pub min_rows: u64,
    pub min_scans: u64,
    /// Rows per table at `--scale 1` of the manifest's `[seed]`.
    pub expected_rows: BTreeMap<String, u64>,
    pub expected_rows_source: String,
    pub expected_bytes: BTreeMap<String, u64>,
    pub expected_bytes_source: String,
    pub metrics: Vec<Metric>,
    /// The tables the manifest's `[[policy]]` entries name: cleanup deletes from them,
    /// so their dead rows are judged.
    pub retention_tables: Vec<String>,
    /// The thresholds no document gives, and the pool size (`[stats]` in chatdb.toml).
    pub health: Health,
}

impl Targets {
    pub fn of(schema: &Schema, health: &Health) -> Targets {
        let m = &schema.manifest;
        let s = m.stats.clone().unwrap_or_default();
        let t = |v: Option<f64>, s: &StatsDecl| {
            v.map(|value| Target {
                value,
                source: s.source.clone(),
            })
        };
        let (expected_rows, expected_rows_source) = match &m.seed {
            Some(seed) => (
                seed.rows_at(1.0).unwrap_or_default(),
                format!("[seed] at scale 1: {}", seed.source),
            ),
            None => (BTreeMap::new(), String::new()),
        };
        Targets {
            mean_query_ms: t(s.mean_query_ms, &s),
            p95_query_ms: t(s.p95_query_ms, &s),
            slow_query_ms: t(s.slow_query_ms, &s),
            connection_use: t(s.connection_use, &s),
            index_usage: t(s.index_usage, &s),
            min_rows: s.index_usage_min_rows.unwrap_or(MIN_ROWS),
            min_scans: s.index_usage_min_scans.unwrap_or(MIN_SCANS),
            expected_rows,
            expected_rows_source,
            expected_bytes: s.expected_bytes.clone(),
            expected_bytes_source: s.expected_source.clone(),
            metrics: m.metrics.clone(),
            retention_tables: m.policies.iter().map(|p| p.table.clone()).collect(),
            health: health.clone(),
        }
    }
}

/// Every finding, in rule order.
pub fn judge(facts: &Facts, targets: &Targets) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(mean_query_time::find(facts, targets));
    out.extend(p95_query_time::find(facts, targets));
    out.extend(slow_query::find(facts, targets));
    out.extend(connection_use::find(facts, targets));
    out.extend(pool_use::find(facts, targets));
    out.extend(index_usage::find(facts, targets));
    out.extend(cache_hit_ratio::find(facts, targets));
    out.extend(dead_rows::find(facts, targets));
    out.extend(long_transaction::find(facts, targets));
    out.extend(blocked_backends::find(facts, targets));
    out.extend(replication_lag::find(facts, targets));
    out.extend(metric_threshold::find(facts, targets));
    out.extend(table_over_plan::find(facts, targets));
    out.extend(stale_statistics::find(facts, targets));
    out.extend(xid_age::find(facts, targets));
    out
}

/// Whether a normalised statement names one of `tables` (quoted or not, qualified or not),
/// read with the one lexer: a name inside a string literal or a comment does not count.
pub fn touches(query: &str, tables: &[String]) -> bool {
    crate::sqltext::tokens(query).iter().any(|t| {
        matches!(
            t.kind,
            crate::sqltext::TokenKind::Word | crate::sqltext::TokenKind::Quoted
        ) && tables
            .iter()
            .any(|name| name.eq_ignore_ascii_case(&t.name()))
    })
}

/// `12.3 ms`.
pub fn ms(v: f64) -> String {
    format!("{v:.1} ms")
}

/// `12.5 s`, or `15m`, `1h 2m 3s` past a minute.
pub fn secs(v: f64) -> String {
    if v < 60.0 {
        format!("{v:.1} s")
    } else {
        humantime::format_duration(std::time::Duration::from_secs(v as u64)).to_string()
    }
}

/// `81%`.
pub fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

/// The statements' mean, weighted by calls; `None` with no calls.
pub fn mean_ms(facts: &Facts) -> Option<f64> {
    let list = facts.statements.as_ref()?;
    let calls: u64 = list.iter().map(|s| s.calls).sum();
    (calls > 0).then(|| list.iter().map(|s| s.total_ms).sum::<f64>() / calls as f64)
}

/// The largest p95 estimate over the statements.
pub fn p95_ms(facts: &Facts) -> Option<f64> {
    facts
        .statements
        .as_ref()?
        .iter()
        .map(|s| s.p95_ms())
        .max_by(f64::total_cmp)
}

/// A table's index scans over all its scans, when it has scans.
pub fn index_usage(t: &crate::model::stats::TableFacts) -> Option<f64> {
    let idx = t.index_scans.unwrap_or(0);
    let all = idx + t.seq_scans?;
    (all > 0).then(|| idx as f64 / all as f64)
}

#[cfg(test)]
pub(crate) mod testkit {
    use super::*;
    use crate::model::stats::{Statement, TableFacts};

    pub fn target(value: f64) -> Option<Target> {
        Some(Target {
            value,
            source: "doc".into(),
        })
    }

    pub fn statement(query: &str, calls: u64, mean_ms: f64, stddev_ms: f64) -> Statement {
        Statement {
            query: query.into(),
            calls,
            total_ms: mean_ms * calls as f64,
            mean_ms,
            stddev_ms,
        }
    }

    pub fn table(name: &str, rows: u64, seq: u64, idx: u64) -> TableFacts {
        TableFacts {
            name: name.into(),
            rows,
            seq_scans: Some(seq),
            index_scans: Some(idx),
            ..TableFacts::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_touch_tables_by_word() {
        let t = vec!["messages".to_string()];
        assert!(touches("SELECT * FROM app.messages WHERE id = $1", &t));
        assert!(touches("select 1 from \"messages\"", &t));
        assert!(!touches("SELECT * FROM message_reads", &t));
        assert!(
            !touches("SELECT 'messages' -- messages", &t),
            "literals and comments"
        );
    }

    #[test]
    fn every_canonical_manifest_gives_targets_with_sources() {
        for name in crate::catalog::canonical_names() {
            let schema = crate::catalog::load(&name, None).expect("loads");
            let t = Targets::of(&schema, &Health::default());
            for x in [
                &t.mean_query_ms,
                &t.p95_query_ms,
                &t.slow_query_ms,
                &t.connection_use,
                &t.index_usage,
            ]
            .into_iter()
            .flatten()
            {
                assert!(!x.source.is_empty(), "{name}");
            }
        }
        let focusmate = crate::catalog::load("focusmate", None).expect("loads");
        let t = Targets::of(&focusmate, &Health::default());
        assert_eq!(t.mean_query_ms.map(|t| t.value), Some(100.0));
        assert_eq!(t.connection_use.map(|t| t.value), Some(0.8));
        assert_eq!(t.index_usage.map(|t| t.value), Some(0.9));
        let classroom = crate::catalog::load("classroom", None).expect("loads");
        let t = Targets::of(&classroom, &Health::default());
        assert_eq!(t.expected_rows["messages"], 10_000_000);
        assert_eq!(t.expected_bytes["messages"], 2_000_000_000);
        assert_eq!(t.metrics.len(), 2);
        assert_eq!(t.retention_tables, ["messages", "sessions", "logs"]);
    }
}
