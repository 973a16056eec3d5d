//! `dropping-column-or-table` (warning): `ALTER TABLE ... DROP COLUMN` or `DROP TABLE` of
//! something an earlier version created.
//!
//! What it catches: a column or table removed while an application may still use it.
//!
//! Why it hurts: the data is gone for good, and the app version still running during a
//! deployment reads and writes the column or table until it is replaced: its queries fail
//! from the moment the migration commits.
//!
//! The safe rewrite: stop using the column or table in one release, and drop it in a
//! migration of a later one; then allow the finding on that statement.

use super::{Action, Found, Shape, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "dropping-column-or-table",
    severity: Severity::Warning,
    summary:
        "lint: `DROP COLUMN` / `DROP TABLE`: data gone, and the app version still running breaks",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let fix = "stop using it in one release and drop it in a later release's migration";
    if let Shape::DropTable { tables } = &s.shape {
        return tables
            .iter()
            .filter(|t| !s.created_here.contains(t))
            .map(|table| Found {
                table: None,
                object: format!("table {table}"),
                message: format!("DROP TABLE {table} deletes its rows for good, and the running app's queries on {table} fail from the moment the migration commits"),
                fix: Some(fix.into()),
            })
            .collect();
    }
    let Some((table, actions)) = s.altered_existing() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in actions {
        let Action::DropColumn { column } = a else {
            continue;
        };
        out.push(Found {
            table: None,
            object: format!("column {table}.{column}"),
            message: format!("DROP COLUMN {table}.{column} deletes its data for good, and the running app's queries that name it fail from the moment the migration commits"),
            fix: Some(fix.into()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    #[test]
    fn drops_are_found() {
        let found = hits(
            check,
            "ALTER TABLE t DROP COLUMN a, DROP CONSTRAINT c;\nDROP TABLE IF EXISTS x, y;",
        );
        let objects: Vec<&str> = found.iter().map(|h| h.object.as_str()).collect();
        assert_eq!(objects, ["column t.a", "table x", "table y"]);
        for ok in [
            "DROP INDEX idx_a;",
            "ALTER TABLE t ALTER COLUMN a DROP NOT NULL;",
            "ALTER TABLE t DROP CONSTRAINT t_a_check;",
            "CREATE TABLE n (a int); DROP TABLE n;",
        ] {
            assert!(hits(check, ok).is_empty(), "{ok}");
        }
    }
}
