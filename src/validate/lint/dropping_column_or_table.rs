//! `dropping-column-or-table` (warning): `ALTER TABLE ... DROP COLUMN` or `DROP TABLE` of
//! something an earlier version created.
//!
//! The data is gone for good, and the app version still running during a deployment reads
//! and writes the column or table until it is replaced: its queries fail from the moment
//! the migration commits. Stop using the column or table in one release, and drop it in a
//! migration of a later one; then allow the finding on that statement.

use super::{alter_table, qualified_name, Found, Statement};
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
    let t = &s.tokens;
    let fix = "stop using it in one release and drop it in a later release's migration";
    if t.first().is_some_and(|w| w.is("DROP")) && t.get(1).is_some_and(|w| w.is("TABLE")) {
        let mut i = 2;
        if t.get(i).is_some_and(|w| w.is("IF")) {
            i += 2;
        }
        let mut out = Vec::new();
        while let Some((table, next)) = qualified_name(t, i) {
            if !s.created_here.contains(&table) {
                out.push(Found {
                    table: None,
                    object: format!("table {table}"),
                    message: format!("DROP TABLE {table} deletes its rows for good, and the running app's queries on {table} fail from the moment the migration commits"),
                    fix: Some(fix.into()),
                });
            }
            if !t.get(next).is_some_and(|p| p.is_punct(',')) {
                break;
            }
            i = next + 1;
        }
        return out;
    }
    let Some((table, actions)) = alter_table(t) else {
        return Vec::new();
    };
    if s.created_here.contains(&table) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for a in actions {
        if !a.first().is_some_and(|w| w.is("DROP")) {
            continue;
        }
        let mut i = 1;
        if a.get(i).is_some_and(|w| w.is("COLUMN")) {
            i += 1;
        } else if a.get(i).is_some_and(|w| {
            w.is("CONSTRAINT")
                || w.is("DEFAULT")
                || w.is("NOT")
                || w.is("IDENTITY")
                || w.is("EXPRESSION")
        }) {
            continue;
        }
        if a.get(i).is_some_and(|w| w.is("IF")) {
            i += 2;
        }
        let Some(column) = a.get(i).map(|w| w.name()) else {
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
