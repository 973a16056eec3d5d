//! `reindex-without-concurrently` (warning): `REINDEX` without `CONCURRENTLY`.
//!
//! What it catches: `REINDEX INDEX|TABLE|SCHEMA|DATABASE name` without `CONCURRENTLY`.
//!
//! Why it hurts: a plain REINDEX blocks writes to the table (and reads that would use the
//! index) for the whole rebuild.
//!
//! The safe rewrite: `REINDEX INDEX CONCURRENTLY name` (PostgreSQL 12+) in a no-transaction
//! migration (`-- chatdb:no-transaction`), since it cannot run in a transaction.

use super::{Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "reindex-without-concurrently",
    severity: Severity::Warning,
    summary: "lint: `REINDEX` without `CONCURRENTLY`: writes wait for the rebuild",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let t = &s.tokens;
    if !t.first().is_some_and(|w| w.is("REINDEX")) || t.iter().take(6).any(|w| w.is("CONCURRENTLY"))
    {
        return Vec::new();
    }
    let name = t
        .iter()
        .skip(2)
        .find(|w| !w.is_punct('('))
        .map(|w| w.name())
        .unwrap_or_default();
    vec![Found {
        table: None,
        object: format!("index {name}"),
        message: format!("REINDEX of {name} without CONCURRENTLY blocks writes for the whole rebuild"),
        fix: Some("REINDEX ... CONCURRENTLY in a no-transaction migration (`chatdb new NAME --no-transaction`)".to_string()),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    #[test]
    fn unsafe_and_safe() {
        assert_eq!(hits(check, "REINDEX INDEX messages_room;").len(), 1);
        assert!(hits(
            check,
            "-- chatdb:no-transaction\nREINDEX INDEX CONCURRENTLY messages_room;"
        )
        .is_empty());
    }
}
