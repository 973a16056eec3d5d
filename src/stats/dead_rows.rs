//! `dead-rows` (error, PostgreSQL): a table cleanup deletes from (a `[[policy]]` of the
//! manifest) holds more dead rows than autovacuum should have left: over
//! `dead_rows_ratio` of its live rows (default 0.2, PostgreSQL's
//! `autovacuum_vacuum_scale_factor`) and over `dead_rows_min` rows (default 10,000).
//! Other tables' dead rows are reported, not judged: only retention deletes in bulk.

use super::{pct, Targets};
use crate::finding::{Finding, Rule, Scope, Severity, Tool, POSTGRES};
use crate::model::stats::Facts;

pub static RULE: Rule = Rule {
    id: "dead-rows",
    severity: Severity::Error,
    summary: "a retention table's dead rows are past the vacuum threshold",
    dialects: POSTGRES,
    scope: Scope::Stats,
};

const SOURCE: &str =
    "default: PostgreSQL's autovacuum_vacuum_scale_factor 0.2, and at least 10000 rows";

pub fn find(facts: &Facts, t: &Targets) -> Vec<Finding> {
    let h = &t.health;
    let source = if h.configured.iter().any(|k| k.starts_with("dead_rows")) {
        "chatdb.toml [stats] dead_rows_ratio, dead_rows_min"
    } else {
        SOURCE
    };
    facts
        .tables
        .iter()
        .filter(|tf| t.retention_tables.contains(&tf.name))
        .filter_map(|tf| Some((tf, tf.dead_rows?)))
        .filter(|(tf, dead)| {
            *dead > h.dead_rows_min && *dead as f64 > h.dead_rows_ratio * tf.rows as f64
        })
        .map(|(tf, dead)| {
            let share = if tf.rows == 0 {
                "all".to_string()
            } else {
                pct(dead as f64 / tf.rows as f64)
            };
            Finding::new(
                &RULE,
                Tool::Stats,
                format!(
                    "{dead} dead rows ({share} of {} live), last vacuumed {}; the threshold is over {} of live rows and over {} rows ({source})",
                    tf.rows,
                    tf.last_vacuum.as_deref().unwrap_or("never"),
                    pct(h.dead_rows_ratio),
                    h.dead_rows_min,
                ),
            )
            .object(tf.name.clone())
            .table(Some(tf.name.clone()))
            .fix(Some(format!("VACUUM (ANALYZE) {};", crate::quote::ident(&tf.name))))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stats::TableFacts;

    #[test]
    fn only_retention_tables_past_both_bounds_are_judged() {
        let t = Targets {
            retention_tables: vec!["messages".into()],
            ..Targets::default()
        };
        let table = |name: &str, rows, dead| TableFacts {
            name: name.into(),
            rows,
            dead_rows: Some(dead),
            ..TableFacts::default()
        };
        let facts = Facts {
            tables: vec![
                table("messages", 100_000, 30_000),
                table("users", 100_000, 90_000),
            ],
            ..Facts::default()
        };
        let f = find(&facts, &t);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].table.as_deref(), Some("messages"));
        assert!(f[0].message.contains("never"), "{}", f[0].message);
        for (rows, dead) in [(100_000, 15_000), (1_000, 9_000)] {
            let facts = Facts {
                tables: vec![table("messages", rows, dead)],
                ..Facts::default()
            };
            assert!(find(&facts, &t).is_empty(), "{rows} {dead}");
        }
    }
}
