//! `changing-column-type` (warning): `ALTER TABLE ... ALTER COLUMN ... [SET DATA] TYPE` on a
//! table an earlier version created.
//!
//! What it catches: any column type change (the lint cannot see the old type, so it cannot
//! tell a binary-compatible widening, `varchar(n)` to `text`, from a rewrite: allow those).
//!
//! Why it hurts: PostgreSQL rewrites the whole table and rebuilds its indexes under an
//! ACCESS EXCLUSIVE lock: nothing reads or writes the table until it is done. The app
//! version still running may also not expect the new type.
//!
//! The safe rewrite: on a big table add a new column, backfill it in batches, switch the app
//! over, then drop the old one; on a small one allow it.

use super::{Action, Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "changing-column-type",
    severity: Severity::Warning,
    summary: "lint: `ALTER COLUMN ... TYPE`: rewrites the table under an ACCESS EXCLUSIVE lock",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let Some((table, actions)) = s.altered_existing() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in actions {
        let Action::SetType { column, new_type } = a else {
            continue;
        };
        out.push(Found {
            table: None,
            object: format!("column {table}.{column}"),
            message: format!(
                "changing the type of {table}.{column} to {new_type} rewrites {table} and its indexes under an ACCESS EXCLUSIVE lock (reads and writes wait)"
            ),
            fix: Some("on a large table add a new column, backfill it in batches, switch the app, then drop the old one".into()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    #[test]
    fn type_changes_are_found() {
        let found = hits(check, "ALTER TABLE sessions ALTER COLUMN code TYPE CHAR(8);\nALTER TABLE t ALTER a SET DATA TYPE bigint USING a::bigint;");
        assert_eq!(found.len(), 2);
        assert!(
            found[0].message.contains("to CHAR(8)"),
            "{}",
            found[0].message
        );
        assert_eq!(found[1].object, "column t.a");
        assert!(hits(check, "ALTER TABLE t ALTER COLUMN a SET DEFAULT 1;").is_empty());
    }
}
