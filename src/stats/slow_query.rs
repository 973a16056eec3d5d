//! `slow-query` (error, PostgreSQL): a statement touching the schema's tables has a mean
//! time over the document's slow-query bound (classroom Monitoring Queries: mean over
//! 100 ms). The query text is pg_stat_statements' normalised form: literals are `$n`.

use super::{ms, Targets};
use crate::finding::{Finding, Rule, Scope, Severity, Tool, POSTGRES};
use crate::model::stats::Facts;

pub static RULE: Rule = Rule {
    id: "slow-query",
    severity: Severity::Error,
    summary: "a statement's mean time is over the document's slow-query bound",
    dialects: POSTGRES,
    scope: Scope::Stats,
};

pub fn find(facts: &Facts, t: &Targets) -> Vec<Finding> {
    let (Some(target), Some(list)) = (&t.slow_query_ms, &facts.statements) else {
        return Vec::new();
    };
    let mut slow: Vec<_> = list.iter().filter(|s| s.mean_ms > target.value).collect();
    slow.sort_by(|a, b| b.mean_ms.total_cmp(&a.mean_ms));
    slow.into_iter()
        .map(|s| {
            Finding::new(
                &RULE,
                Tool::Stats,
                format!(
                    "mean {} over {} calls is over the slow-query bound {} ({})",
                    ms(s.mean_ms),
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
    fn slow_statements_are_listed_slowest_first() {
        let t = Targets {
            slow_query_ms: target(100.0),
            ..Targets::default()
        };
        let facts = Facts {
            statements: Some(vec![
                statement("a", 1, 150.0, 0.0),
                statement("b", 1, 99.0, 0.0),
                statement("c", 1, 300.0, 0.0),
            ]),
            ..Facts::default()
        };
        let f = find(&facts, &t);
        let objects: Vec<_> = f.iter().map(|f| f.object.as_deref()).collect();
        assert_eq!(objects, [Some("c"), Some("a")]);
    }
}
