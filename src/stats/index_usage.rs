//! `index-usage` (error, PostgreSQL): a table's index scans over all its scans are under the
//! document's bound (focusmate ARC-012 8.1: over 90%), judged only on tables with enough
//! rows and scans to mean something (`[stats] index_usage_min_rows`/`_min_scans`).

use super::{index_usage, pct, Targets};
use crate::finding::{Finding, Rule, Scope, Severity, Tool, POSTGRES};
use crate::model::stats::Facts;

pub static RULE: Rule = Rule {
    id: "index-usage",
    severity: Severity::Error,
    summary: "a table's index scans over all scans are under the document's bound",
    dialects: POSTGRES,
    scope: Scope::Stats,
};

pub fn find(facts: &Facts, t: &Targets) -> Vec<Finding> {
    let Some(target) = &t.index_usage else {
        return Vec::new();
    };
    facts
        .tables
        .iter()
        .filter(|tf| tf.rows >= t.min_rows)
        .filter(|tf| tf.seq_scans.unwrap_or(0) + tf.index_scans.unwrap_or(0) >= t.min_scans)
        .filter_map(|tf| Some((tf, index_usage(tf)?)))
        .filter(|(_, u)| *u < target.value)
        .map(|(tf, u)| {
            Finding::new(
                &RULE,
                Tool::Stats,
                format!(
                    "index usage {} ({} index scans, {} sequential, {} rows), the target is over {} ({})",
                    pct(u),
                    tf.index_scans.unwrap_or(0),
                    tf.seq_scans.unwrap_or(0),
                    tf.rows,
                    pct(target.value),
                    target.source
                ),
            )
            .object(tf.name.clone())
            .table(Some(tf.name.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testkit::*;

    #[test]
    fn only_tables_with_enough_rows_and_scans_are_judged() {
        let t = Targets {
            index_usage: target(0.9),
            min_rows: 1000,
            min_scans: 100,
            ..Targets::default()
        };
        let facts = Facts {
            tables: vec![
                table("big_scanned", 5000, 50, 50),
                table("small", 10, 500, 0),
                table("few_scans", 5000, 10, 0),
                table("indexed", 5000, 5, 995),
            ],
            ..Facts::default()
        };
        let f = find(&facts, &t);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].table.as_deref(), Some("big_scanned"));
        assert!(f[0].message.contains("50%"));
    }
}
