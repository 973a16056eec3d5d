//! `mean-query-time` (error, PostgreSQL): the calls-weighted mean time of the statements
//! touching the schema's tables (pg_stat_statements) is over the document's target
//! (focusmate ARC-012 8.1: under 100 ms).

use super::{mean_ms, ms, Targets};
use crate::finding::{Finding, Rule, Scope, Severity, Tool, POSTGRES};
use crate::model::stats::Facts;

pub static RULE: Rule = Rule {
    id: "mean-query-time",
    severity: Severity::Error,
    summary: "the mean time of the schema's statements is over the document's target",
    dialects: POSTGRES,
    scope: Scope::Stats,
};

pub fn find(facts: &Facts, t: &Targets) -> Vec<Finding> {
    let (Some(target), Some(mean)) = (&t.mean_query_ms, mean_ms(facts)) else {
        return Vec::new();
    };
    if mean <= target.value {
        return Vec::new();
    }
    vec![Finding::new(
        &RULE,
        Tool::Stats,
        format!(
            "mean query time {} is over the target {} ({})",
            ms(mean),
            ms(target.value),
            target.source
        ),
    )
    .object("statements")]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testkit::*;

    #[test]
    fn a_weighted_mean_over_target_is_a_finding() {
        let t = Targets {
            mean_query_ms: target(100.0),
            ..Targets::default()
        };
        let mut facts = Facts {
            statements: Some(vec![
                statement("a", 1, 500.0, 0.0),
                statement("b", 99, 1.0, 0.0),
            ]),
            ..Facts::default()
        };
        assert!(find(&facts, &t).is_empty(), "5.99 ms weighted");
        facts.statements = Some(vec![statement("a", 10, 150.0, 0.0)]);
        let f = find(&facts, &t);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("150.0 ms") && f[0].message.contains("100.0 ms"));
    }
}
