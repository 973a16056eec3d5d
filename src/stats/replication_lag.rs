//! `replication-lag` (error, PostgreSQL): the largest replay lag a replica reports
//! (`pg_stat_replication.replay_lag` on the primary) is over `[stats] replication_lag`
//! (default 5 s, PgHero's bar). Without replicas nothing is judged.

use super::{secs, Targets};
use crate::finding::{Finding, Rule, Scope, Severity, Tool, POSTGRES};
use crate::model::stats::Facts;

pub static RULE: Rule = Rule {
    id: "replication-lag",
    severity: Severity::Error,
    summary: "a replica's replay lag is over the threshold",
    dialects: POSTGRES,
    scope: Scope::Stats,
};

const SOURCE: &str = "default 5 s: PgHero's replication-lag bar";

pub fn find(facts: &Facts, t: &Targets) -> Vec<Finding> {
    let bound = t.health.replication_lag;
    match facts.server.replication_lag_seconds {
        Some(lag) if lag > bound.as_secs_f64() => vec![Finding::new(
            &RULE,
            Tool::Stats,
            format!(
                "a replica replays {} behind, the threshold is {} ({})",
                secs(lag),
                humantime::format_duration(bound),
                t.health.source("replication_lag", SOURCE)
            ),
        )
        .object("replication")],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stats::ServerFacts;

    #[test]
    fn lag_past_five_seconds_is_a_breach_and_no_replica_none() {
        let at = |lag| Facts {
            server: ServerFacts {
                replication_lag_seconds: lag,
                ..ServerFacts::default()
            },
            ..Facts::default()
        };
        assert!(find(&at(None), &Targets::default()).is_empty());
        assert!(find(&at(Some(4.0)), &Targets::default()).is_empty());
        assert_eq!(find(&at(Some(6.0)), &Targets::default()).len(), 1);
    }
}
