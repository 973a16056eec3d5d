//! `adding-unique-constraint` (warning): `ADD CONSTRAINT ... UNIQUE (...)`, `ADD PRIMARY KEY
//! (...)`, `ADD CONSTRAINT ... EXCLUDE ...` or `ADD COLUMN ... UNIQUE | PRIMARY KEY` on a
//! table an earlier version created.
//!
//! What it catches: a unique or primary-key constraint whose index is built by the `ALTER
//! TABLE` itself.
//!
//! Why it hurts: the index is built while the statement holds an ACCESS EXCLUSIVE lock: on
//! a big table every read and write waits for the whole build.
//!
//! The safe rewrite: build the index first, in a no-transaction migration, with `CREATE
//! UNIQUE INDEX CONCURRENTLY IF NOT EXISTS name ON table (cols)`; then, in the next migration,
//! `ALTER TABLE table ADD CONSTRAINT name UNIQUE USING INDEX name` (or `PRIMARY KEY USING
//! INDEX`), which only takes the lock for a moment. An `EXCLUDE` constraint has no `USING
//! INDEX` form: add it while the table is small, or in a quiet window, and allow it.

use super::{Action, ConstraintKind, Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};
use crate::sqltext::quote_ident;

pub const RULE: Rule = Rule {
    id: "adding-unique-constraint",
    severity: Severity::Warning,
    summary: "lint: `ADD UNIQUE` / `ADD PRIMARY KEY` (constraint or column) on an existing table: builds the index while every query waits",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let Some((table, actions)) = s.altered_existing() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in actions {
        let (what, name, primary) = match a {
            Action::AddColumn(c) if c.unique || c.primary_key => (
                format!("column {table}.{}", c.column),
                format!("{table}_{}_key", c.column),
                c.primary_key,
            ),
            Action::AddConstraint { name, kind, .. } => {
                let primary = match kind {
                    ConstraintKind::Unique { using_index: false } | ConstraintKind::Exclude => {
                        false
                    }
                    ConstraintKind::PrimaryKey { using_index: false } => true,
                    _ => continue,
                };
                match name {
                    Some(n) => (format!("constraint {n}"), n.clone(), primary),
                    None => (
                        format!("constraint on {table}"),
                        format!("{table}_key"),
                        primary,
                    ),
                }
            }
            _ => continue,
        };
        let (t, n) = (quote_ident(table), quote_ident(&name));
        let kind = if primary { "PRIMARY KEY" } else { "UNIQUE" };
        let exclude = matches!(
            a,
            Action::AddConstraint {
                kind: ConstraintKind::Exclude,
                ..
            }
        );
        let fix = if exclude {
            "an EXCLUDE constraint cannot be added USING INDEX: add it while the table is small, or in a quiet window, and allow it".to_string()
        } else {
            format!("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {n} ON {t} (...); in a no-transaction migration, then ALTER TABLE {t} ADD CONSTRAINT {n} {kind} USING INDEX {n};")
        };
        out.push(Found {
            table: None,
            object: what.clone(),
            message: format!(
                "{what}: the ALTER TABLE builds its index under an ACCESS EXCLUSIVE lock on {table}"
            ),
            fix: Some(fix),
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
        for bad in [
            "ALTER TABLE \"user\" ADD CONSTRAINT user_email_key UNIQUE (email);",
            "ALTER TABLE t ADD PRIMARY KEY (id);",
            "ALTER TABLE \"user\" ADD COLUMN handle text UNIQUE;",
        ] {
            assert_eq!(hits(check, bad).len(), 1, "{bad}");
        }
        for ok in [
            "ALTER TABLE \"user\" ADD CONSTRAINT user_email_key UNIQUE USING INDEX user_email_idx;",
            "ALTER TABLE \"user\" ADD COLUMN handle text;",
            "CREATE TABLE t (id int); ALTER TABLE t ADD PRIMARY KEY (id);",
        ] {
            assert!(hits(check, ok).is_empty(), "{ok}");
        }
    }
}
