//! `connection-use` (error, PostgreSQL): client connections in use over `max_connections`
//! pass the document's bound (focusmate ARC-012 8.1: pool use under 80%).

use super::{pct, Targets};
use crate::finding::{Finding, Rule, Scope, Severity, Tool, POSTGRES};
use crate::model::stats::Facts;

pub static RULE: Rule = Rule {
    id: "connection-use",
    severity: Severity::Error,
    summary: "connections in use over max_connections pass the document's bound",
    dialects: POSTGRES,
    scope: Scope::Stats,
};

pub fn find(facts: &Facts, t: &Targets) -> Vec<Finding> {
    let s = &facts.server;
    let (Some(target), Some(used), Some(max)) =
        (&t.connection_use, s.connections, s.max_connections)
    else {
        return Vec::new();
    };
    if max == 0 {
        return Vec::new();
    }
    let share = used as f64 / max as f64;
    if share < target.value {
        return Vec::new();
    }
    vec![Finding::new(
        &RULE,
        Tool::Stats,
        format!(
            "{used} of max_connections {max} in use ({}), the target is under {} ({})",
            pct(share),
            pct(target.value),
            target.source
        ),
    )
    .object("connections")]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stats::ServerFacts;
    use crate::stats::testkit::*;

    #[test]
    fn eighty_percent_is_a_breach() {
        let t = Targets {
            connection_use: target(0.8),
            ..Targets::default()
        };
        let at = |used| Facts {
            server: ServerFacts {
                connections: Some(used),
                max_connections: Some(10),
                ..ServerFacts::default()
            },
            ..Facts::default()
        };
        assert!(find(&at(7), &t).is_empty());
        assert_eq!(find(&at(8), &t).len(), 1);
    }
}
