//! `long-transaction` (error, PostgreSQL): a transaction in this database has been open
//! longer than `[stats] long_transaction` (default 5 minutes; PgHero flags a query after
//! 60 s). An open transaction, idle or not, keeps vacuum from removing any row deleted
//! after it began: cleanup's deletes pile up as dead rows.

use super::{secs, Targets};
use crate::finding::{Finding, Rule, Scope, Severity, Tool, POSTGRES};
use crate::model::stats::Facts;

pub static RULE: Rule = Rule {
    id: "long-transaction",
    severity: Severity::Error,
    summary: "a transaction in the database has been open longer than the threshold",
    dialects: POSTGRES,
    scope: Scope::Stats,
};

const SOURCE: &str =
    "default 5 min; PgHero's long-running bar is 60 s per query, a transaction gets 5 min";

pub fn find(facts: &Facts, t: &Targets) -> Vec<Finding> {
    let bound = t.health.long_transaction;
    match facts.server.oldest_transaction_seconds {
        Some(age) if age > bound.as_secs_f64() => vec![Finding::new(
            &RULE,
            Tool::Stats,
            format!(
                "the oldest open transaction has run {}, the threshold is {} ({})",
                secs(age),
                humantime::format_duration(bound),
                t.health.source("long_transaction", SOURCE)
            ),
        )
        .object("oldest transaction")
        .fix(Some(
            "SELECT pid, usename, application_name, state, xact_start, query FROM pg_stat_activity WHERE datname = current_database() AND xact_start IS NOT NULL ORDER BY xact_start LIMIT 5;".into(),
        ))],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stats::ServerFacts;

    #[test]
    fn a_transaction_past_five_minutes_is_a_breach() {
        let at = |s| Facts {
            server: ServerFacts {
                oldest_transaction_seconds: Some(s),
                ..ServerFacts::default()
            },
            ..Facts::default()
        };
        assert!(find(&at(299.0), &Targets::default()).is_empty());
        let f = find(&at(301.0), &Targets::default());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("5m"), "{}", f[0].message);
    }
}
