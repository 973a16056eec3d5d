//! `xid-age` (warning, PostgreSQL): the database's oldest unfrozen transaction ID is more
//! than half-way to wraparound (2^31): anti-wraparound vacuums are falling behind.

use super::Targets;
use crate::finding::{Finding, Rule, Scope, Severity, Tool, POSTGRES};
use crate::model::stats::Facts;

/// Half of the 2^31 transaction IDs a database may age before PostgreSQL stops writes.
pub const HALF_WAY: u64 = 1 << 30;

pub static RULE: Rule = Rule {
    id: "xid-age",
    severity: Severity::Warning,
    summary: "the database's transaction-ID age is past half-way to wraparound",
    dialects: POSTGRES,
    scope: Scope::Stats,
};

pub fn find(facts: &Facts, _t: &Targets) -> Vec<Finding> {
    match facts.server.xid_age {
        Some(age) if age > HALF_WAY => vec![Finding::new(
            &RULE,
            Tool::Stats,
            format!("age(datfrozenxid) is {age}, past {HALF_WAY} (wraparound at 2^31)"),
        )
        .object("datfrozenxid")
        .fix(Some("VACUUM (FREEZE, VERBOSE);".into()))],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stats::ServerFacts;

    #[test]
    fn half_way_to_wraparound_warns() {
        let at = |age| Facts {
            server: ServerFacts {
                xid_age: Some(age),
                ..ServerFacts::default()
            },
            ..Facts::default()
        };
        assert!(find(&at(1000), &Targets::default()).is_empty());
        assert_eq!(find(&at(HALF_WAY + 1), &Targets::default()).len(), 1);
    }
}
