//! `adding-required-column` (error): `ALTER TABLE ... ADD COLUMN ... NOT NULL` without a
//! `DEFAULT`, on a table an earlier version created.
//!
//! PostgreSQL fills the new column of every existing row with NULL, which NOT NULL refuses:
//! the migration fails on any table that has rows, so it passes every test on an empty
//! database and breaks the first deployment. Give the column a constant `DEFAULT` (no table
//! rewrite since PostgreSQL 11), or add it nullable, backfill, and set NOT NULL in a later
//! migration. Identity and generated columns fill themselves and are not reported.

use super::{add_column, alter_table, has_top_level, has_top_level_pair, Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "adding-required-column",
    severity: Severity::Error,
    summary: "lint: `ADD COLUMN ... NOT NULL` without a `DEFAULT`: fails on a table that has rows",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let Some((table, actions)) = alter_table(&s.tokens) else {
        return Vec::new();
    };
    if s.created_here.contains(&table) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for action in actions {
        let Some((column, rest)) = add_column(action) else {
            continue;
        };
        let required =
            has_top_level_pair(rest, "NOT", "NULL") || has_top_level_pair(rest, "PRIMARY", "KEY");
        let fills = has_top_level(rest, "DEFAULT")
            || has_top_level(rest, "GENERATED")
            || has_top_level(rest, "SERIAL")
            || has_top_level(rest, "BIGSERIAL")
            || has_top_level(rest, "SMALLSERIAL");
        if required && !fills {
            out.push(Found {
                table: None,
                object: format!("column {table}.{column}"),
                message: format!(
                    "ADD COLUMN {column} NOT NULL without a DEFAULT fails as soon as {table} has a row (existing rows would hold NULL)"
                ),
                fix: Some(format!(
                    "give {column} a constant DEFAULT, or add it nullable, backfill, and SET NOT NULL in a later migration"
                )),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    #[test]
    fn not_null_without_default_is_found() {
        let found = hits(
            check,
            "ALTER TABLE t ADD COLUMN a INTEGER NOT NULL, ADD b TEXT NOT NULL DEFAULT 'x';",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object, "column t.a");
        for ok in [
            "ALTER TABLE t ADD COLUMN a INTEGER NOT NULL DEFAULT 0;",
            "ALTER TABLE t ADD COLUMN a INTEGER CHECK (a IS NOT NULL);",
            "ALTER TABLE t ADD COLUMN a BIGINT GENERATED ALWAYS AS IDENTITY NOT NULL;",
            "CREATE TABLE t (a int); ALTER TABLE t ADD COLUMN b INT NOT NULL;",
            "ALTER TABLE t ALTER COLUMN a SET NOT NULL;",
        ] {
            assert!(hits(check, ok).is_empty(), "{ok}");
        }
    }
}
