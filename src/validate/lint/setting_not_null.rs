//! `setting-not-null` (warning): `ALTER TABLE ... ALTER COLUMN ... SET NOT NULL` on a table
//! an earlier version created.
//!
//! What it catches: `SET NOT NULL` on an existing table.
//!
//! Why it hurts: PostgreSQL scans the whole table to prove no row is NULL, holding an
//! ACCESS EXCLUSIVE lock: every read and write of the table waits for the scan.
//!
//! The safe rewrite: `ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID`, then in a later
//! migration `VALIDATE CONSTRAINT` (reads and writes go on), then `SET NOT NULL` (PostgreSQL
//! 12+ uses the validated constraint and skips the scan) and drop the constraint.

use super::{Action, Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};
use crate::sqltext::quote_ident;

pub const RULE: Rule = Rule {
    id: "setting-not-null",
    severity: Severity::Warning,
    summary: "lint: `ALTER COLUMN ... SET NOT NULL` on an existing table: scans it while every query waits",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let Some((table, actions)) = s.altered_existing() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in actions {
        let Action::SetNotNull { column } = a else {
            continue;
        };
        let (t, col) = (quote_ident(table), quote_ident(column));
        let check = quote_ident(&format!("{table}_{column}_not_null"));
        out.push(Found {
            table: None,
            object: format!("column {table}.{column}"),
            message: format!(
                "SET NOT NULL on {table}.{column} scans {table} under an ACCESS EXCLUSIVE lock: every query on {table} waits"
            ),
            fix: Some(format!(
                "ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT VALID; then, in a later migration, ALTER TABLE {t} VALIDATE CONSTRAINT {check}; ALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL; ALTER TABLE {t} DROP CONSTRAINT {check};"
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
        let found = hits(
            check,
            "ALTER TABLE \"user\" ALTER COLUMN email SET NOT NULL;",
        );
        assert_eq!(found.len(), 1);
        assert!(found[0]
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("ALTER TABLE \"user\" ADD CONSTRAINT")));
        assert!(hits(
            check,
            "ALTER TABLE \"user\" ALTER COLUMN email DROP NOT NULL;"
        )
        .is_empty());
        assert!(hits(
            check,
            "CREATE TABLE t (a int); ALTER TABLE t ALTER a SET NOT NULL;"
        )
        .is_empty());
    }
}
