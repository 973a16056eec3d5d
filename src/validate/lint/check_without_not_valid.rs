//! `check-without-not-valid` (warning): `ALTER TABLE ... ADD [CONSTRAINT ...] CHECK (...)`
//! without `NOT VALID`, on a table an earlier version created.
//!
//! What it catches: a CHECK constraint added to an existing table and validated at once.
//!
//! Why it hurts: PostgreSQL checks every existing row while holding an ACCESS EXCLUSIVE
//! lock on the table: every read and write waits for the scan.
//!
//! The safe rewrite: add it `NOT VALID` (new and updated rows are checked from then on), and
//! `ALTER TABLE ... VALIDATE CONSTRAINT` in a migration a later `migrate` applies (it takes
//! a SHARE UPDATE EXCLUSIVE lock: reads and writes go on).

use super::{Action, ConstraintKind, Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};
use crate::sqltext::quote_ident;

pub const RULE: Rule = Rule {
    id: "check-without-not-valid",
    severity: Severity::Warning,
    summary: "lint: `ADD CHECK` without `NOT VALID` on an existing table: scans it while every query waits",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let Some((table, actions)) = s.altered_existing() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in actions {
        let Action::AddConstraint {
            name,
            kind: ConstraintKind::Check,
            not_valid: false,
        } = a
        else {
            continue;
        };
        let label = name.clone().unwrap_or_else(|| format!("check on {table}"));
        let validate = match name {
            Some(n) => format!(
                "ALTER TABLE {} VALIDATE CONSTRAINT {};",
                quote_ident(table),
                quote_ident(n)
            ),
            None => "VALIDATE CONSTRAINT (name the check to validate it by name)".into(),
        };
        out.push(Found {
            table: None,
            object: format!("constraint {label}"),
            message: format!(
                "adding {label} without NOT VALID checks every row of {table} under an ACCESS EXCLUSIVE lock"
            ),
            fix: Some(format!(
                "add it NOT VALID here, and {validate} in a later migration (a no-transaction one, or one a later `chatdb migrate` applies)"
            )),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    #[test]
    fn unsafe_and_safe() {
        let bad = "ALTER TABLE messages ADD CONSTRAINT body_len CHECK (length(body) < 4000);";
        assert_eq!(hits(check, bad).len(), 1);
        let ok =
            "ALTER TABLE messages ADD CONSTRAINT body_len CHECK (length(body) < 4000) NOT VALID;";
        assert!(hits(check, ok).is_empty());
        assert!(hits(check, "ALTER TABLE messages VALIDATE CONSTRAINT body_len;").is_empty());
    }
}
