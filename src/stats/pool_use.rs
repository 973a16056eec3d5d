//! `pool-use` (error, PostgreSQL): the connections to this database (chatdb's own left out)
//! fill the application's pool (`[stats] pool_size` in chatdb.toml) past the document's
//! bound (focusmate ARC-012 8.1: connection-pool use under 80%). Without a pool size, or a
//! document target, nothing is judged.

use super::{pct, Targets};
use crate::finding::{Finding, Rule, Scope, Severity, Tool, POSTGRES};
use crate::model::stats::Facts;

pub static RULE: Rule = Rule {
    id: "pool-use",
    severity: Severity::Error,
    summary: "connections to the database over chatdb.toml's pool_size pass the document's bound",
    dialects: POSTGRES,
    scope: Scope::Stats,
};

/// The share of the pool in use, when a pool size is configured.
pub fn share(facts: &Facts, t: &Targets) -> Option<(u64, u64, f64)> {
    let pool = t.health.pool_size.filter(|p| *p > 0)?;
    let used = facts.server.database_connections?;
    Some((used, pool, used as f64 / pool as f64))
}

pub fn find(facts: &Facts, t: &Targets) -> Vec<Finding> {
    let (Some(target), Some((used, pool, share))) = (&t.connection_use, share(facts, t)) else {
        return Vec::new();
    };
    if share < target.value {
        return Vec::new();
    }
    vec![Finding::new(
        &RULE,
        Tool::Stats,
        format!(
            "{used} connections to this database (chatdb's own not counted) of pool_size {pool} ({}), the target is under {} ({})",
            pct(share),
            pct(target.value),
            target.source
        ),
    )
    .object("pool")]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stats::ServerFacts;
    use crate::stats::health::Health;
    use crate::stats::testkit::*;

    #[test]
    fn eighty_percent_of_the_pool_is_a_breach_and_no_pool_no_judgement() {
        let mut t = Targets {
            connection_use: target(0.8),
            health: Health {
                pool_size: Some(5),
                ..Health::default()
            },
            ..Targets::default()
        };
        let at = |used| Facts {
            server: ServerFacts {
                database_connections: Some(used),
                ..ServerFacts::default()
            },
            ..Facts::default()
        };
        assert!(find(&at(3), &t).is_empty());
        assert_eq!(find(&at(4), &t).len(), 1);
        t.health.pool_size = None;
        assert!(find(&at(5), &t).is_empty());
    }
}
