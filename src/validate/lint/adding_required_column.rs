//! `adding-required-column` (error): `ALTER TABLE ... ADD COLUMN ... NOT NULL` (or `PRIMARY
//! KEY`) without a `DEFAULT`, on a table an earlier version created.
//!
//! What it catches: a required column with nothing to fill the existing rows with. Identity,
//! generated and `serial` columns fill themselves and are not reported.
//!
//! Why it hurts: PostgreSQL fills the new column of every existing row with NULL, which NOT
//! NULL refuses: the migration fails on any table that has rows, so it passes every test on
//! an empty database and breaks the first deployment.
//!
//! The safe rewrite: give the column a constant `DEFAULT` (no table rewrite since
//! PostgreSQL 11), or add it nullable, backfill, and set NOT NULL in a later migration
//! (`setting-not-null` says how without a long lock).

use super::{Action, Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};
use crate::sqltext::quote_ident;

pub const RULE: Rule = Rule {
    id: "adding-required-column",
    severity: Severity::Error,
    summary: "lint: `ADD COLUMN ... NOT NULL` without a `DEFAULT`: fails on a table that has rows",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let Some((table, actions)) = s.altered_existing() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in actions {
        let Action::AddColumn(c) = a else { continue };
        let required = c.not_null || c.primary_key;
        let fills = c.default.is_some() || c.identity || c.generated_stored || c.serial;
        if required && !fills {
            let column = &c.column;
            out.push(Found {
                table: None,
                object: format!("column {table}.{column}"),
                message: format!(
                    "ADD COLUMN {column} NOT NULL without a DEFAULT fails as soon as {table} has a row (existing rows would hold NULL)"
                ),
                fix: Some(format!(
                    "give {} a constant DEFAULT (ALTER TABLE {} ADD COLUMN {} <type> NOT NULL DEFAULT <constant>), or add it nullable, backfill, and SET NOT NULL in a later migration",
                    quote_ident(column),
                    quote_ident(table),
                    quote_ident(column)
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
