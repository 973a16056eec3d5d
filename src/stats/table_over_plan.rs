//! `table-over-plan` (warning, both dialects): a table holds more rows than the manifest's
//! `[seed]` volume at scale 1, or more bytes than `[stats] expected_bytes` (classroom: the
//! document's one-year figures). Growth past plan is for a DBA to see, not a failed target.

use super::Targets;
use crate::finding::{Finding, Rule, Scope, Severity, Tool, BOTH};
use crate::model::stats::Facts;

pub static RULE: Rule = Rule {
    id: "table-over-plan",
    severity: Severity::Warning,
    summary: "a table holds more rows or bytes than its manifest expects",
    dialects: BOTH,
    scope: Scope::Stats,
};

pub fn find(facts: &Facts, t: &Targets) -> Vec<Finding> {
    let mut out = Vec::new();
    for tf in &facts.tables {
        if let Some(expected) = t.expected_rows.get(&tf.name).filter(|e| tf.rows > **e) {
            out.push(
                Finding::new(
                    &RULE,
                    Tool::Stats,
                    format!(
                        "{} rows, the plan expects {expected} ({})",
                        tf.rows, t.expected_rows_source
                    ),
                )
                .object(tf.name.clone())
                .table(Some(tf.name.clone())),
            );
        }
        if let (Some(expected), Some(bytes)) = (t.expected_bytes.get(&tf.name), tf.bytes) {
            if bytes > *expected {
                out.push(
                    Finding::new(
                        &RULE,
                        Tool::Stats,
                        format!(
                            "{bytes} bytes, the plan expects {expected} ({})",
                            t.expected_bytes_source
                        ),
                    )
                    .object(tf.name.clone())
                    .table(Some(tf.name.clone())),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testkit::*;

    #[test]
    fn rows_and_bytes_past_plan_are_warnings() {
        let mut t = Targets::default();
        t.expected_rows.insert("messages".into(), 100);
        t.expected_bytes.insert("messages".into(), 1000);
        let mut m = table("messages", 100, 0, 0);
        m.bytes = Some(1000);
        let mut facts = Facts {
            tables: vec![m],
            ..Facts::default()
        };
        assert!(find(&facts, &t).is_empty());
        facts.tables[0].rows = 101;
        facts.tables[0].bytes = Some(1001);
        let f = find(&facts, &t);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].severity, Severity::Warning);
    }
}
