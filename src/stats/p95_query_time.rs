//! `p95-query-time` (error, PostgreSQL): a statement touching the schema's tables has an
//! estimated p95 (mean + 1.645 stddev: pg_stat_statements keeps no histogram) over the
//! document's target (assistant: p95 under 50 ms).

use super::{ms, Targets};
use crate::finding::{Finding, Rule, Scope, Severity, Tool, POSTGRES};
use crate::model::stats::Facts;

pub static RULE: Rule = Rule {
    id: "p95-query-time",
    severity: Severity::Error,
    summary: "a statement's estimated p95 time is over the document's target",
    dialects: POSTGRES,
    scope: Scope::Stats,
};

pub fn find(facts: &Facts, t: &Targets) -> Vec<Finding> {
    let (Some(target), Some(list)) = (&t.p95_query_ms, &facts.statements) else {
        return Vec::new();
    };
    list.iter()
        .filter(|s| s.p95_ms() > target.value)
        .map(|s| {
            Finding::new(
                &RULE,
                Tool::Stats,
                format!(
                    "estimated p95 {} (mean {}, stddev {}, {} calls) is over the target {} ({})",
                    ms(s.p95_ms()),
                    ms(s.mean_ms),
                    ms(s.stddev_ms),
                    s.calls,
                    ms(target.value),
                    target.source
                ),
            )
            .object(crate::sqltext::abbreviate(&s.query, 120))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testkit::*;

    #[test]
    fn mean_plus_spread_over_target_is_a_finding() {
        let t = Targets {
            p95_query_ms: target(50.0),
            ..Targets::default()
        };
        let facts = Facts {
            statements: Some(vec![
                statement("fast", 10, 10.0, 5.0),
                statement("spread", 10, 30.0, 20.0),
            ]),
            ..Facts::default()
        };
        let f = find(&facts, &t);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].object.as_deref(), Some("spread"));
    }
}
