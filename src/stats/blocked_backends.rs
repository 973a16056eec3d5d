//! `blocked-backends` (error, PostgreSQL): a backend of this database has waited on a lock
//! another holds for longer than `[stats] blocked` (default 1 minute, PgHero's
//! long-running bar). Shorter waits are counted and shown, not judged: they are how row
//! locks work.

use super::{secs, Targets};
use crate::finding::{Finding, Rule, Scope, Severity, Tool, POSTGRES};
use crate::model::stats::Facts;

pub static RULE: Rule = Rule {
    id: "blocked-backends",
    severity: Severity::Error,
    summary: "a backend has waited on another's lock longer than the threshold",
    dialects: POSTGRES,
    scope: Scope::Stats,
};

const SOURCE: &str = "default 1 min: PgHero's long_running_query_sec";

pub fn find(facts: &Facts, t: &Targets) -> Vec<Finding> {
    let s = &facts.server;
    let bound = t.health.blocked;
    match (s.blocked, s.longest_blocked_seconds) {
        (Some(n), Some(wait)) if wait > bound.as_secs_f64() => vec![Finding::new(
            &RULE,
            Tool::Stats,
            format!(
                "{n} backend(s) blocked on a lock, the longest for {}; the threshold is {} ({})",
                secs(wait),
                humantime::format_duration(bound),
                t.health.source("blocked", SOURCE)
            ),
        )
        .object("blocked")
        .fix(Some(
            "SELECT pid, pg_blocking_pids(pid), now() - query_start AS waiting, query FROM pg_stat_activity WHERE cardinality(pg_blocking_pids(pid)) > 0;".into(),
        ))],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stats::ServerFacts;

    #[test]
    fn a_wait_past_a_minute_is_a_breach() {
        let at = |s| Facts {
            server: ServerFacts {
                blocked: Some(2),
                longest_blocked_seconds: Some(s),
                ..ServerFacts::default()
            },
            ..Facts::default()
        };
        assert!(find(&at(30.0), &Targets::default()).is_empty());
        let f = find(&at(61.0), &Targets::default());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.starts_with("2 backend(s)"), "{}", f[0].message);
    }
}
