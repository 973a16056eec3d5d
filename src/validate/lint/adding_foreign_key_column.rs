//! `adding-foreign-key-column` (warning): `ALTER TABLE ... ADD COLUMN ... REFERENCES ...` on
//! a table an earlier version created.
//!
//! What it catches: a new column that is also a foreign key, added in one statement.
//!
//! Why it hurts: besides the ACCESS EXCLUSIVE lock on the table, adding the key takes a
//! SHARE ROW EXCLUSIVE lock on the referenced table, so writes to the referenced table (say
//! `"user"`) wait too, for the rest of the migrate transaction; with a default, every
//! existing row is checked against it first.
//!
//! The safe rewrite: add the plain column, then the key `NOT VALID` in its own statement,
//! and `VALIDATE CONSTRAINT` in a migration a later `migrate` applies.

use super::{Action, Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};
use crate::sqltext::quote_ident;

pub const RULE: Rule = Rule {
    id: "adding-foreign-key-column",
    severity: Severity::Warning,
    summary: "lint: `ADD COLUMN ... REFERENCES` on an existing table: locks the referenced table's writes too",
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
        let Some(refs) = &c.references else { continue };
        let column = &c.column;
        let (t, col, r) = (quote_ident(table), quote_ident(column), quote_ident(refs));
        let key = quote_ident(&format!("{table}_{column}_fkey"));
        out.push(Found {
            table: None,
            object: format!("column {table}.{column}"),
            message: format!(
                "adding {table}.{column} with REFERENCES {refs} also blocks writes to {refs} until the migration commits"
            ),
            fix: Some(format!(
                "ALTER TABLE {t} ADD COLUMN {col} <type>; ALTER TABLE {t} ADD CONSTRAINT {key} FOREIGN KEY ({col}) REFERENCES {r} NOT VALID; and ALTER TABLE {t} VALIDATE CONSTRAINT {key}; in a later migration"
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
            "ALTER TABLE messages ADD COLUMN author_id bigint REFERENCES \"user\" (id);",
        );
        assert_eq!(found.len(), 1);
        assert!(found[0]
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("REFERENCES \"user\" NOT VALID")));
        assert!(hits(check, "ALTER TABLE messages ADD COLUMN author_id bigint;").is_empty());
    }
}
