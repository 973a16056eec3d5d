//! `reindex-without-concurrently` (warning): `REINDEX` without `CONCURRENTLY`.
//!
//! What it catches: `REINDEX INDEX|TABLE|SCHEMA|DATABASE name` without `CONCURRENTLY`.
//!
//! Why it hurts: a plain REINDEX blocks writes to the table (and reads that would use the
//! index) for the whole rebuild.
//!
//! The safe rewrite: `REINDEX INDEX CONCURRENTLY name` (PostgreSQL 12+) in a no-transaction
//! migration (`-- chatdb:no-transaction`), since it cannot run in a transaction.

use super::{Found, Shape, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "reindex-without-concurrently",
    severity: Severity::Warning,
    summary: "lint: `REINDEX` without `CONCURRENTLY`: writes wait for the rebuild",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let Shape::Reindex {
        target,
        concurrently: false,
    } = &s.shape
    else {
        return Vec::new();
    };
    // CONCURRENTLY goes after INDEX | TABLE | SCHEMA | DATABASE | SYSTEM.
    let kind = s.tokens.iter().position(|t| {
        ["INDEX", "TABLE", "SCHEMA", "DATABASE", "SYSTEM"]
            .iter()
            .any(|k| t.is(k))
    });
    let rewritten = kind
        .and_then(|k| s.inserting_after(k, "CONCURRENTLY"))
        .unwrap_or_else(|| "REINDEX ... CONCURRENTLY".into());
    vec![Found {
        table: None,
        object: format!("index {target}"),
        message: format!(
            "REINDEX of {target} without CONCURRENTLY blocks writes for the whole rebuild"
        ),
        fix: Some(format!(
            "{rewritten} in a no-transaction migration (`chatdb new NAME --no-transaction`)"
        )),
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
