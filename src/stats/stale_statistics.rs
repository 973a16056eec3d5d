//! `stale-statistics` (warning, SQLite): `sqlite_stat1` is missing on a database with rows,
//! or records a row count more than 20% off a table's real count: the planner chooses on
//! what ANALYZE last saw (run `ANALYZE`).

use super::Targets;
use crate::finding::{Finding, Rule, Scope, Severity, Tool, SQLITE};
use crate::model::stats::Facts;

pub static RULE: Rule = Rule {
    id: "stale-statistics",
    severity: Severity::Warning,
    summary: "`sqlite_stat1` is missing or its row counts are more than 20% off",
    dialects: SQLITE,
    scope: Scope::Stats,
};

pub fn find(facts: &Facts, _t: &Targets) -> Vec<Finding> {
    let Some(lite) = &facts.sqlite else {
        return Vec::new();
    };
    let fix = Some("ANALYZE;".to_string());
    if !lite.has_stat1 {
        if facts.tables.iter().any(|t| t.rows > 0) {
            return vec![Finding::new(
                &RULE,
                Tool::Stats,
                "no sqlite_stat1: ANALYZE has never run on this database",
            )
            .object("sqlite_stat1")
            .fix(fix)];
        }
        return Vec::new();
    }
    facts
        .tables
        .iter()
        .filter_map(|t| Some((t, t.stat1_rows?)))
        .filter(|(t, seen)| {
            let (a, b) = (t.rows as f64, *seen as f64);
            (a - b).abs() > 0.2 * a.max(b)
        })
        .map(|(t, seen)| {
            Finding::new(
                &RULE,
                Tool::Stats,
                format!("sqlite_stat1 records {seen} rows, the table has {}", t.rows),
            )
            .object(t.name.clone())
            .table(Some(t.name.clone()))
            .fix(fix.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stats::SqliteFacts;
    use crate::stats::testkit::*;

    #[test]
    fn missing_or_drifted_statistics_are_found() {
        let mut t = table("messages", 1000, 0, 0);
        t.stat1_rows = Some(900);
        let mut facts = Facts {
            tables: vec![t],
            sqlite: Some(SqliteFacts {
                has_stat1: true,
                ..SqliteFacts::default()
            }),
            ..Facts::default()
        };
        assert!(find(&facts, &Targets::default()).is_empty(), "10% off");
        facts.tables[0].stat1_rows = Some(500);
        assert_eq!(find(&facts, &Targets::default()).len(), 1);
        facts.sqlite = Some(SqliteFacts::default());
        assert_eq!(find(&facts, &Targets::default()).len(), 1, "no stat1");
    }
}
