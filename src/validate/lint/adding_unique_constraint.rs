//! `adding-unique-constraint` (warning): `ADD CONSTRAINT ... UNIQUE (...)`, `ADD PRIMARY KEY
//! (...)` or `ADD COLUMN ... UNIQUE | PRIMARY KEY` on a table an earlier version created.
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
//! INDEX`), which only takes the lock for a moment.

use super::{add_column, alter_table, has_top_level, has_top_level_pair, Found, Statement};
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
    let Some((table, actions)) = alter_table(&s.tokens) else {
        return Vec::new();
    };
    if s.created_here.contains(&table) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for a in actions {
        if !a.first().is_some_and(|w| w.is("ADD")) {
            continue;
        }
        let what = if let Some((column, rest)) = add_column(a) {
            if !(has_top_level(rest, "UNIQUE") || has_top_level_pair(rest, "PRIMARY", "KEY")) {
                continue;
            }
            format!("column {table}.{column}")
        } else {
            let named = a.get(1).is_some_and(|w| w.is("CONSTRAINT"));
            let body = if named {
                a.get(3..).unwrap_or_default()
            } else {
                &a[1..]
            };
            let unique = body.first().is_some_and(|w| w.is("UNIQUE"))
                || (body.first().is_some_and(|w| w.is("PRIMARY"))
                    && body.get(1).is_some_and(|w| w.is("KEY")));
            if !unique || has_top_level_pair(body, "USING", "INDEX") {
                continue;
            }
            if named {
                format!("constraint {}", a[2].name())
            } else {
                format!("constraint on {table}")
            }
        };
        out.push(Found {
            table: None,
            object: what.clone(),
            message: format!(
                "{what}: the ALTER TABLE builds its unique index under an ACCESS EXCLUSIVE lock on {table}"
            ),
            fix: Some(format!(
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS name ON {t} (...) in a no-transaction migration, then ALTER TABLE {t} ADD CONSTRAINT name UNIQUE USING INDEX name",
                t = quote_ident(&table)
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
