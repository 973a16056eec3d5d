//! What `chatdb stats` measures that belongs to one schema, declared in its manifest next to
//! the hot queries: `[[metric]]` (a number the document's monitoring queries ask for, with
//! its SQL per dialect and an optional threshold naming its source) and `[stats]` (the
//! server targets the document gives, and the sizes its volume table expects).
//!
//! ```toml
//! [[metric]]
//! name = "active_sessions"          # Prometheus-safe: chatdb_active_sessions
//! purpose = "open, unexpired sessions (Monitoring Queries: 활성 세션 수)"
//! unit = "sessions"
//! threshold = { max = 5000, source = "..." }   # optional; `min` too
//! postgres.sql = "SELECT count(*) FROM sessions WHERE ..."
//! sqlite.sql = "SELECT count(*) FROM sessions WHERE ..."
//!
//! [stats]
//! source = "focusmate 8.1"
//! mean_query_ms = 100                # each target optional; the defaults are in src/stats/
//! expected_bytes = { messages = 2000000000 }
//! ```
//! Each metric's SQL returns one row with one number.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use serde::Deserialize;

use super::Dialect;

/// One `[[metric]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metric {
    pub name: String,
    pub purpose: String,
    pub unit: String,
    pub threshold: Option<Threshold>,
    pub postgres: Option<MetricSql>,
    pub sqlite: Option<MetricSql>,
}

/// The SQL of a metric in one dialect.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricSql {
    pub sql: String,
}

/// A bound on a metric, and where the document gives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub max: Option<f64>,
    pub min: Option<f64>,
    pub source: String,
}

/// `[stats]`: the document's targets for this schema's server, each optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsDecl {
    /// Where the targets come from.
    #[serde(default)]
    pub source: String,
    /// Mean statement time, over the statements touching the schema's tables.
    pub mean_query_ms: Option<f64>,
    /// p95 statement time (estimated from mean and stddev).
    pub p95_query_ms: Option<f64>,
    /// A statement whose mean is over this is slow.
    pub slow_query_ms: Option<f64>,
    /// Connections in use over `max_connections`, as a fraction.
    pub connection_use: Option<f64>,
    /// Index scans over all scans, as a fraction.
    pub index_usage: Option<f64>,
    /// Index usage is judged only on tables with at least these rows and scans.
    pub index_usage_min_rows: Option<u64>,
    pub index_usage_min_scans: Option<u64>,
    /// Expected total size per table (bytes), from the document's volume table.
    #[serde(default)]
    pub expected_bytes: BTreeMap<String, u64>,
    /// Where `expected_bytes` comes from.
    #[serde(default)]
    pub expected_source: String,
}

impl Metric {
    pub fn sql(&self, dialect: Dialect) -> Option<&str> {
        match dialect {
            Dialect::Postgres => self.postgres.as_ref(),
            Dialect::Sqlite => self.sqlite.as_ref(),
        }
        .map(|s| s.sql.trim())
    }
}

/// Checks names (Prometheus-safe, unique, clear of chatdb's own), SQL per dialect and
/// thresholds.
pub fn validate(metrics: &[Metric], stats: Option<&StatsDecl>, path: &str) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for m in metrics {
        let n = &m.name;
        let ok = n.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            bail!("{path}: [[metric]] `{n}` is not a snake_case name (a-z, 0-9, _)");
        }
        if crate::stats::RESERVED.iter().any(|r| n.starts_with(r)) {
            bail!("{path}: [[metric]] `{n}` collides with chatdb's own metric names");
        }
        if !seen.insert(n.clone()) {
            bail!("{path}: [[metric]] `{n}` is declared twice");
        }
        for d in Dialect::ALL {
            match m.sql(d) {
                None => bail!("{path}: [[metric]] `{n}` has no {d} SQL"),
                Some("") => bail!("{path}: [[metric]] `{n}`: empty {d} SQL"),
                Some(sql) if crate::sqltext::split(sql).len() != 1 => {
                    bail!("{path}: [[metric]] `{n}`: the {d} SQL must be one statement")
                }
                _ => {}
            }
        }
        if let Some(t) = &m.threshold {
            if t.max.is_none() && t.min.is_none() {
                bail!("{path}: [[metric]] `{n}`: a threshold needs `max` or `min`");
            }
            if t.source.trim().is_empty() {
                bail!("{path}: [[metric]] `{n}`: a threshold needs its `source` in the document");
            }
        }
    }
    if let Some(s) = stats {
        for (key, v) in [
            ("connection_use", s.connection_use),
            ("index_usage", s.index_usage),
        ] {
            if v.is_some_and(|v| !(0.0..=1.0).contains(&v)) {
                bail!("{path}: [stats] {key} is a fraction between 0 and 1");
            }
        }
        for (key, v) in [
            ("mean_query_ms", s.mean_query_ms),
            ("p95_query_ms", s.p95_query_ms),
            ("slow_query_ms", s.slow_query_ms),
        ] {
            if v.is_some_and(|v| !(v.is_finite() && v > 0.0)) {
                bail!("{path}: [stats] {key} must be a positive number of milliseconds");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(text: &str) -> Vec<Metric> {
        #[derive(Deserialize)]
        struct M {
            metric: Vec<Metric>,
        }
        toml::from_str::<M>(text).expect("parses").metric
    }

    #[test]
    fn bad_metrics_are_refused() {
        let good = "[[metric]]\nname = \"a_b\"\npurpose = \"p\"\nunit = \"x\"\npostgres.sql = \"SELECT 1\"\nsqlite.sql = \"SELECT 1\"\n";
        validate(&metrics(good), None, "t").expect("valid");
        for bad in [
            good.replace("a_b", "A-b"),
            good.replace("a_b", "table_rows"),
            good.replace("sqlite.sql = \"SELECT 1\"", ""),
            good.replace("\"SELECT 1\"\nsqlite", "\"SELECT 1; SELECT 2\"\nsqlite"),
            format!("{good}threshold = {{ max = 1, source = \"\" }}\n"),
            format!("{good}threshold = {{ source = \"doc\" }}\n"),
            format!("{good}{good}"),
        ] {
            assert!(validate(&metrics(&bad), None, "t").is_err(), "{bad}");
        }
        let stats = StatsDecl {
            connection_use: Some(80.0),
            ..StatsDecl::default()
        };
        assert!(validate(&[], Some(&stats), "t").is_err());
    }
}
