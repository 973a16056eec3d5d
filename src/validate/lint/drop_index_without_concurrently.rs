//! `drop-index-without-concurrently` (warning): `DROP INDEX` without `CONCURRENTLY`.
//!
//! What it catches: a plain `DROP INDEX name`.
//!
//! Why it hurts: it takes an ACCESS EXCLUSIVE lock on the index's table; waiting for that
//! lock behind an application transaction, it queues every later query on the table
//! behind it (the migrate transaction then holds it to its end).
//!
//! The safe rewrite: `DROP INDEX CONCURRENTLY IF EXISTS name` in a no-transaction migration
//! (`chatdb new NAME --no-transaction`), which waits without blocking the table's queries.

use super::{Found, Shape, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};
use crate::sqltext::quote_ident;

pub const RULE: Rule = Rule {
    id: "drop-index-without-concurrently",
    severity: Severity::Warning,
    summary: "lint: `DROP INDEX` without `CONCURRENTLY`: locks the table, and every query queues behind the drop",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let Shape::DropIndex {
        names,
        concurrently: false,
        ..
    } = &s.shape
    else {
        return Vec::new();
    };
    // DROP INDEX CONCURRENTLY drops one index per statement.
    let fix: Vec<String> = names
        .iter()
        .map(|n| format!("DROP INDEX CONCURRENTLY IF EXISTS {};", quote_ident(n)))
        .collect();
    let name = names.join(", ");
    vec![Found {
        table: None,
        object: format!("index {name}"),
        message: format!(
            "DROP INDEX {name} without CONCURRENTLY locks its table: every query on it waits behind the drop"
        ),
        fix: Some(format!(
            "{} in a no-transaction migration (`chatdb new NAME --no-transaction`)",
            fix.join(" ")
        )),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    #[test]
    fn unsafe_and_safe() {
        assert_eq!(hits(check, "DROP INDEX idx_users_email;").len(), 1);
        assert_eq!(
            hits(check, "DROP INDEX IF EXISTS public.idx_users_email;").len(),
            1
        );
        assert!(hits(
            check,
            "-- chatdb:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS idx_users_email;"
        )
        .is_empty());
    }
}
