//! `sqlite-alter-needs-rebuild` (error, SQLite): an `ALTER TABLE` that SQLite cannot do in
//! place, on a table an earlier version created.
//!
//! What it catches: SQLite's `ALTER TABLE` renames a table or a column, adds a column and
//! drops one; nothing else. The rule flags, in the SQLite migrations after the first version:
//! - what SQLite refuses outright: `ALTER COLUMN`, `ADD CONSTRAINT` / `ADD PRIMARY KEY` /
//!   `ADD UNIQUE` / `ADD FOREIGN KEY` / `ADD CHECK`, `DROP CONSTRAINT`, and `ADD COLUMN`
//!   with `PRIMARY KEY` or `UNIQUE`;
//! - what SQLite refuses only when the table has rows, so that every test on an empty
//!   database (`validate`'s own fresh apply among them) passes and the first real
//!   deployment fails: `ADD COLUMN ... NOT NULL` without a non-NULL `DEFAULT`, a
//!   non-constant default (`CURRENT_TIMESTAMP`, a function call), `REFERENCES` with a
//!   non-NULL default (chatdb runs with `foreign_keys` on), and `GENERATED ... STORED`.
//!
//! A `DROP COLUMN` of a column that is a key, indexed, or named by a constraint, view or
//! trigger is refused as well; whether it is depends on the schema, not on the statement,
//! and `validate`'s fresh apply already fails on it with SQLite's reason.
//!
//! Why it hurts: the migration fails (on every database, or on every database with rows),
//! and what the change needs is a different migration, not a different statement.
//!
//! The safe rewrite: rebuild the table, as SQLite's documentation prescribes
//! (<https://www.sqlite.org/lang_altertable.html#otheralter>): `chatdb new NAME
//! --sqlite-rebuild TABLE` writes that migration for the table as the schema has it
//! (foreign keys off around chatdb's transaction, create the new table, copy, drop,
//! rename, recreate the indexes and triggers, `foreign_key_check`). Or keep the column
//! nullable, or give it a constant default.

use super::{add_column, alter_table, has_top_level, has_top_level_pair, Found, Statement};
use crate::finding::{Rule, Scope, Severity, SQLITE};
use crate::sqltext::{Token, TokenKind};

pub const RULE: Rule = Rule {
    id: "sqlite-alter-needs-rebuild",
    severity: Severity::Error,
    summary: "lint: an `ALTER TABLE` SQLite cannot do in place (or only on an empty table): rebuild the table",
    dialects: SQLITE,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let Some((table, actions)) = alter_table(&s.tokens) else {
        return Vec::new();
    };
    let new_table = s.created_here.contains(&table);
    let mut out = Vec::new();
    for action in actions {
        let Some((object, why, rows_only)) = refusal(&table, action) else {
            continue;
        };
        // A table made earlier in the same migration has no rows yet.
        if rows_only && new_table {
            continue;
        }
        let when = if rows_only {
            "as soon as the table has a row (an empty test database accepts it)"
        } else {
            "on every database"
        };
        out.push(Found {
            table: Some(table.clone()),
            object,
            message: format!("SQLite's ALTER TABLE cannot {why}: the migration fails {when}"),
            fix: Some(format!(
                "rebuild {table} as SQLite's documentation prescribes: `chatdb new NAME --sqlite-rebuild {table}` writes that migration (keep the SQLite half of this change there)"
            )),
        });
    }
    out
}

/// What SQLite refuses in `action` of `ALTER TABLE table`: the object, why, and whether it
/// is refused only when the table has rows.
fn refusal(table: &str, action: &[Token]) -> Option<(String, String, bool)> {
    let first = action.first()?;
    let whole = |why: &str| Some((format!("table {table}"), why.to_string(), false));
    if first.is("RENAME") {
        return None;
    }
    if first.is("DROP") {
        let second = action.get(1);
        if second.is_some_and(|w| w.is("CONSTRAINT")) {
            return whole("drop a constraint");
        }
        // DROP [COLUMN] x: in place unless the schema says otherwise (see the header).
        return None;
    }
    if first.is("ALTER") {
        return whole("change a column (type, default, NOT NULL)");
    }
    if !first.is("ADD") {
        return whole(&format!(
            "do `{}` (it only renames tables and columns, adds and drops columns)",
            first.text.to_ascii_uppercase()
        ));
    }
    let Some((column, rest)) = add_column(action) else {
        return whole("add a constraint to an existing table");
    };
    let object = format!("column {table}.{column}");
    let refuse = |why: &str, rows_only: bool| Some((object.clone(), why.to_string(), rows_only));
    if has_top_level_pair(rest, "PRIMARY", "KEY") {
        return refuse("add a PRIMARY KEY column", false);
    }
    if has_top_level(rest, "UNIQUE") {
        return refuse("add a UNIQUE column", false);
    }
    if has_top_level(rest, "STORED") {
        return refuse("add a STORED generated column", true);
    }
    let default = default_value(rest);
    if default.is_some_and(non_constant) {
        return refuse(&format!("add {column} with a non-constant DEFAULT"), true);
    }
    let null_default = default.is_none_or(|d| d.len() == 1 && d[0].is("NULL"));
    let generated = has_top_level(rest, "GENERATED") || has_top_level(rest, "AS");
    if has_top_level_pair(rest, "NOT", "NULL") && null_default && !generated {
        return refuse(
            &format!("add {column} NOT NULL without a non-NULL DEFAULT"),
            true,
        );
    }
    if has_top_level(rest, "REFERENCES") && !null_default {
        return refuse(
            &format!("add the REFERENCES column {column} with a non-NULL DEFAULT while foreign keys are on"),
            true,
        );
    }
    None
}

/// The tokens of the `DEFAULT` value in a column definition: one token, a signed number,
/// or a parenthesized expression.
fn default_value(rest: &[Token]) -> Option<&[Token]> {
    let mut depth = 0usize;
    let at = rest.iter().position(|t| {
        if t.is_punct('(') {
            depth += 1;
        } else if t.is_punct(')') {
            depth = depth.saturating_sub(1);
        }
        depth == 0 && t.is("DEFAULT")
    })?;
    let value = rest.get(at + 1..)?;
    let first = value.first()?;
    if first.is_punct('(') {
        let mut depth = 0usize;
        for (i, t) in value.iter().enumerate() {
            if t.is_punct('(') {
                depth += 1;
            } else if t.is_punct(')') {
                depth -= 1;
                if depth == 0 {
                    return Some(&value[..=i]);
                }
            }
        }
        return Some(value);
    }
    if (first.is_punct('-') || first.is_punct('+')) && value.len() > 1 {
        return Some(&value[..2]);
    }
    Some(&value[..1])
}

/// Whether a default is evaluated per row: `CURRENT_TIMESTAMP` and its kin, or an
/// expression that calls a function (other than `CAST`).
fn non_constant(value: &[Token]) -> bool {
    value.iter().enumerate().any(|(i, t)| {
        t.is("CURRENT_TIMESTAMP")
            || t.is("CURRENT_DATE")
            || t.is("CURRENT_TIME")
            || (t.kind == TokenKind::Word
                && !t.is("CAST")
                && value.get(i + 1).is_some_and(|n| n.is_punct('(')))
    })
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    #[test]
    fn what_sqlite_cannot_do_in_place_is_found() {
        for (sql, object) in [
            ("ALTER TABLE t ALTER COLUMN a TYPE TEXT;", "table t"),
            ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);", "table t"),
            ("ALTER TABLE t ADD UNIQUE (a);", "table t"),
            ("ALTER TABLE t DROP CONSTRAINT c;", "table t"),
            ("ALTER TABLE t ADD COLUMN b INTEGER UNIQUE;", "column t.b"),
            ("ALTER TABLE t ADD b INTEGER PRIMARY KEY;", "column t.b"),
            ("ALTER TABLE t ADD COLUMN b TEXT NOT NULL;", "column t.b"),
            (
                "ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT NULL;",
                "column t.b",
            ),
            (
                "ALTER TABLE t ADD COLUMN b TEXT DEFAULT CURRENT_TIMESTAMP;",
                "column t.b",
            ),
            (
                "ALTER TABLE t ADD COLUMN b TEXT DEFAULT (datetime('now'));",
                "column t.b",
            ),
            (
                "ALTER TABLE t ADD COLUMN b INTEGER REFERENCES p (id) DEFAULT 1;",
                "column t.b",
            ),
            (
                "ALTER TABLE t ADD COLUMN b INTEGER GENERATED ALWAYS AS (a + 1) STORED;",
                "column t.b",
            ),
        ] {
            let found = hits(check, sql);
            assert_eq!(found.len(), 1, "{sql}: {found:?}");
            assert_eq!(found[0].object, object, "{sql}");
            assert!(found[0]
                .fix
                .as_deref()
                .is_some_and(|f| f.contains("--sqlite-rebuild t")));
        }
    }

    #[test]
    fn what_sqlite_does_in_place_is_not() {
        for sql in [
            "ALTER TABLE t RENAME TO u;",
            "ALTER TABLE t RENAME COLUMN a TO b;",
            "ALTER TABLE t RENAME a TO b;",
            "ALTER TABLE t DROP COLUMN a;",
            "ALTER TABLE t ADD COLUMN b TEXT;",
            "ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT '';",
            "ALTER TABLE t ADD COLUMN b INTEGER NOT NULL DEFAULT -1;",
            "ALTER TABLE t ADD COLUMN b INTEGER NOT NULL DEFAULT (1);",
            "ALTER TABLE t ADD COLUMN b TEXT DEFAULT (CAST(1 AS TEXT));",
            "ALTER TABLE t ADD COLUMN b INTEGER REFERENCES p (id);",
            "ALTER TABLE t ADD COLUMN b INTEGER REFERENCES p (id) DEFAULT NULL;",
            "ALTER TABLE t ADD COLUMN b INTEGER CHECK (b > 0);",
            "ALTER TABLE t ADD COLUMN b INTEGER GENERATED ALWAYS AS (a + 1) VIRTUAL;",
            "CREATE TABLE t (a INTEGER);",
            "CREATE TABLE n (a INTEGER); ALTER TABLE n ADD COLUMN b TEXT NOT NULL;",
        ] {
            assert!(hits(check, sql).is_empty(), "{sql}");
        }
        // A new table has no rows, but a UNIQUE column is refused all the same.
        assert_eq!(
            hits(
                check,
                "CREATE TABLE n (a INTEGER); ALTER TABLE n ADD COLUMN b INTEGER UNIQUE;"
            )
            .len(),
            1
        );
    }
}
