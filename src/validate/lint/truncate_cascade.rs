//! `truncate-cascade` (warning): `TRUNCATE ... CASCADE`.
//!
//! What it catches: a TRUNCATE that also empties every table with a foreign key to the
//! truncated ones, recursively.
//!
//! Why it hurts: the tables emptied are not named in the statement (a new foreign key
//! added later silently widens it), and each is locked ACCESS EXCLUSIVE for the rest of
//! the migrate transaction.
//!
//! The safe rewrite: name every table to empty in the TRUNCATE (without CASCADE, it fails
//! if one is missed), or delete the rows in batches (`chatdb cleanup`).

use super::{Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "truncate-cascade",
    severity: Severity::Warning,
    summary:
        "lint: `TRUNCATE ... CASCADE`: empties and locks every referencing table, named or not",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let t = &s.tokens;
    if !t.first().is_some_and(|w| w.is("TRUNCATE")) || !t.iter().any(|w| w.is("CASCADE")) {
        return Vec::new();
    }
    let i = if t.get(1).is_some_and(|w| w.is("TABLE")) {
        2
    } else {
        1
    };
    let table = t.get(i).map(|w| w.name()).unwrap_or_default();
    vec![Found {
        table: None,
        object: format!("table {table}"),
        message: format!("TRUNCATE {table} CASCADE also empties every table that references it, named here or not"),
        fix: Some("name every table to empty in the TRUNCATE, without CASCADE".to_string()),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    #[test]
    fn unsafe_and_safe() {
        assert_eq!(hits(check, "TRUNCATE messages CASCADE;").len(), 1);
        assert!(hits(check, "TRUNCATE messages, message_reads;").is_empty());
    }
}
