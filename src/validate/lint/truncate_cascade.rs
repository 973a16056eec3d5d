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

use super::{Found, Shape, Statement};
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
    let Shape::Truncate {
        tables,
        cascade: true,
    } = &s.shape
    else {
        return Vec::new();
    };
    let named = tables.join(", ");
    vec![Found {
        table: None,
        object: format!("table {named}"),
        message: format!("TRUNCATE {named} CASCADE also empties every table that references it, named here or not"),
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
