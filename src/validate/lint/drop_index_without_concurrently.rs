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

use super::{Found, Statement};
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
    let t = &s.tokens;
    let at = |i: usize, w: &str| t.get(i).is_some_and(|x| x.is(w));
    if !(at(0, "DROP") && at(1, "INDEX")) || at(2, "CONCURRENTLY") {
        return Vec::new();
    }
    let i = if at(2, "IF") { 4 } else { 2 };
    let Some((name, _)) = super::qualified_name(t, i) else {
        return Vec::new();
    };
    vec![Found {
        table: None,
        object: format!("index {name}"),
        message: format!(
            "DROP INDEX {name} without CONCURRENTLY locks its table: every query on it waits behind the drop"
        ),
        fix: Some(format!(
            "DROP INDEX CONCURRENTLY IF EXISTS {}; in a no-transaction migration (`chatdb new NAME --no-transaction`)",
            quote_ident(&name)
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
