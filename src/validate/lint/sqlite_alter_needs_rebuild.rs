//! `sqlite-alter-needs-rebuild` (error, SQLite): an `ALTER TABLE` that SQLite cannot do in
//! place, on a table an earlier version created.
//!
//! What it catches, judged by the SQLite chatdb runs (bundled, 3.54), whose `ALTER TABLE`
//! renames a table or a column, adds and drops columns, adds a `CHECK` constraint,
//! drops a `CHECK`, `NOT NULL` or foreign-key constraint, and sets or drops `NOT NULL`;
//! nothing else. The rule flags, in the SQLite migrations after the first version:
//! - what SQLite refuses outright: any other `ALTER COLUMN` (type, default), `ADD
//!   [CONSTRAINT ...] UNIQUE` / `PRIMARY KEY` / `FOREIGN KEY`, and `ADD COLUMN` with
//!   `PRIMARY KEY` or `UNIQUE`;
//! - what SQLite refuses only when the table has rows, so that every test on an empty
//!   database (`validate`'s own fresh apply among them) passes and the first real
//!   deployment fails: `ADD COLUMN ... NOT NULL` without a non-NULL `DEFAULT`, a
//!   non-constant default (`CURRENT_TIMESTAMP`, a function call, any expression but a
//!   literal or its `CAST`), `REFERENCES` with a non-NULL default (chatdb runs with
//!   `foreign_keys` on), and `GENERATED ... STORED`.
//!
//! Whether a `DROP COLUMN` or `DROP CONSTRAINT` is refused (a key, an indexed column, a
//! UNIQUE constraint) depends on the schema, not on the statement; `validate`'s fresh apply
//! fails on it with SQLite's reason, and that finding points at the rebuild too. The rule
//! checks that it agrees with SQLite itself (its tests run every case on a table with rows).
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
        // DROP [COLUMN] x, DROP CONSTRAINT c: in place unless the schema says otherwise
        // (see the header).
        return None;
    }
    if first.is("ALTER") {
        // ALTER [COLUMN] c SET NOT NULL / DROP NOT NULL.
        let i = if action.get(1).is_some_and(|w| w.is("COLUMN")) {
            3
        } else {
            2
        };
        let at = |k: usize, w: &str| action.get(k).is_some_and(|x| x.is(w));
        if (at(i, "SET") || at(i, "DROP")) && at(i + 1, "NOT") && at(i + 2, "NULL") {
            return None;
        }
        return whole("change a column's type or default");
    }
    if !first.is("ADD") {
        return whole(&format!(
            "do `{}` (it only renames tables and columns, adds and drops columns)",
            first.text.to_ascii_uppercase()
        ));
    }
    let Some((column, rest)) = add_column(action) else {
        // ADD [CONSTRAINT name] CHECK (...) is done in place.
        let named = action.get(1).is_some_and(|w| w.is("CONSTRAINT"));
        let check = action.get(if named { 3 } else { 1 });
        if check.is_some_and(|w| w.is("CHECK")) {
            return None;
        }
        return whole("add this constraint to an existing table (only a CHECK)");
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

/// The tokens of the `DEFAULT` value in a column definition: a parenthesized expression,
/// or the tokens up to the next constraint keyword.
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
    if value.first()?.is_punct('(') {
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
    // The value's first token is never the end, even when it is NULL.
    let end = value
        .iter()
        .skip(1)
        .position(|t| {
            [
                "NOT",
                "NULL",
                "CONSTRAINT",
                "REFERENCES",
                "CHECK",
                "COLLATE",
                "UNIQUE",
                "PRIMARY",
                "GENERATED",
                "AS",
            ]
            .iter()
            .any(|k| t.is(k))
        })
        .map_or(value.len(), |i| i + 1);
    Some(&value[..end])
}

/// Whether SQLite can fill existing rows with this default: what it evaluates once when the
/// column is added is a literal (a number, a string, a blob, `NULL`, `TRUE`, `FALSE`), a
/// signed number, or a `CAST` of one, in any parentheses. Anything else (`CURRENT_TIMESTAMP`,
/// a function call, even `1 + 2`) it refuses on a table with rows.
fn non_constant(value: &[Token]) -> bool {
    !constant(value)
}

fn constant(mut value: &[Token]) -> bool {
    while value.len() >= 2 && value[0].is_punct('(') && value[value.len() - 1].is_punct(')') {
        value = &value[1..value.len() - 1];
    }
    if value.first().is_some_and(|t| t.is("CAST")) && value.get(1).is_some_and(|t| t.is_punct('('))
    {
        let Some(as_at) = value.iter().position(|t| t.is("AS")) else {
            return false;
        };
        return constant(&value[2..as_at]);
    }
    let literal = |t: &Token| {
        matches!(t.kind, TokenKind::Number | TokenKind::String)
            || t.is("NULL")
            || t.is("TRUE")
            || t.is("FALSE")
    };
    match value {
        [t] => literal(t),
        [sign, t] if sign.is_punct('-') || sign.is_punct('+') => literal(t),
        // A blob, X'00'.
        [x, t] if (x.is("X")) && t.kind == TokenKind::String => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    /// (statement, the object the rule names, or `None` when it accepts the statement).
    const CASES: &[(&str, Option<&str>)] = &[
        ("ALTER TABLE t ALTER COLUMN a TYPE TEXT;", Some("table t")),
        (
            "ALTER TABLE t ALTER COLUMN a SET DEFAULT 1;",
            Some("table t"),
        ),
        ("ALTER TABLE t ADD UNIQUE (a);", Some("table t")),
        ("ALTER TABLE t ADD CHECK (a > 0);", None),
        (
            "ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a);",
            Some("table t"),
        ),
        (
            "ALTER TABLE t ADD CONSTRAINT t_a_fkey FOREIGN KEY (a) REFERENCES p (id);",
            Some("table t"),
        ),
        ("ALTER TABLE t ADD CONSTRAINT t_a_big CHECK (a > 0);", None),
        ("ALTER TABLE t DROP CONSTRAINT t_a_pos;", None),
        ("ALTER TABLE t ALTER COLUMN a SET NOT NULL;", None),
        ("ALTER TABLE t ALTER a DROP NOT NULL;", None),
        (
            "ALTER TABLE t ADD COLUMN b INTEGER UNIQUE;",
            Some("column t.b"),
        ),
        (
            "ALTER TABLE t ADD b INTEGER PRIMARY KEY;",
            Some("column t.b"),
        ),
        (
            "ALTER TABLE t ADD COLUMN b TEXT NOT NULL;",
            Some("column t.b"),
        ),
        (
            "ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT NULL;",
            Some("column t.b"),
        ),
        (
            "ALTER TABLE t ADD COLUMN b TEXT DEFAULT CURRENT_TIMESTAMP;",
            Some("column t.b"),
        ),
        (
            "ALTER TABLE t ADD COLUMN b TEXT DEFAULT (datetime('now'));",
            Some("column t.b"),
        ),
        (
            "ALTER TABLE t ADD COLUMN b INTEGER DEFAULT (1 + 2);",
            Some("column t.b"),
        ),
        (
            "ALTER TABLE t ADD COLUMN b TEXT DEFAULT ('a' || 'b');",
            Some("column t.b"),
        ),
        (
            "ALTER TABLE t ADD COLUMN b INTEGER REFERENCES p (id) DEFAULT 1;",
            Some("column t.b"),
        ),
        (
            "ALTER TABLE t ADD COLUMN b INTEGER GENERATED ALWAYS AS (a + 1) STORED;",
            Some("column t.b"),
        ),
        ("ALTER TABLE t RENAME TO u;", None),
        ("ALTER TABLE t RENAME COLUMN a TO b;", None),
        ("ALTER TABLE t RENAME a TO b;", None),
        ("ALTER TABLE t DROP COLUMN a;", None),
        ("ALTER TABLE t ADD COLUMN b TEXT;", None),
        ("ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT '';", None),
        (
            "ALTER TABLE t ADD COLUMN b INTEGER NOT NULL DEFAULT -1;",
            None,
        ),
        (
            "ALTER TABLE t ADD COLUMN b INTEGER NOT NULL DEFAULT (1);",
            None,
        ),
        (
            "ALTER TABLE t ADD COLUMN b INTEGER NOT NULL DEFAULT (-1);",
            None,
        ),
        (
            "ALTER TABLE t ADD COLUMN b TEXT DEFAULT (CAST(1 AS TEXT));",
            None,
        ),
        (
            "ALTER TABLE t ADD COLUMN b BLOB NOT NULL DEFAULT X'00';",
            None,
        ),
        (
            "ALTER TABLE t ADD COLUMN b INTEGER DEFAULT 0 NOT NULL;",
            None,
        ),
        (
            "ALTER TABLE t ADD COLUMN b BOOLEAN NOT NULL DEFAULT TRUE;",
            None,
        ),
        (
            "ALTER TABLE t ADD COLUMN b INTEGER REFERENCES p (id);",
            None,
        ),
        (
            "ALTER TABLE t ADD COLUMN b INTEGER REFERENCES p (id) DEFAULT NULL;",
            None,
        ),
        (
            "ALTER TABLE t ADD COLUMN b INTEGER DEFAULT NULL REFERENCES p (id);",
            None,
        ),
        ("ALTER TABLE t ADD COLUMN b INTEGER CHECK (b > 0);", None),
        (
            "ALTER TABLE t ADD COLUMN b INTEGER GENERATED ALWAYS AS (a + 1) VIRTUAL;",
            None,
        ),
        ("CREATE TABLE n (a INTEGER);", None),
        // A table made in the same migration has no rows, but a UNIQUE column is refused.
        (
            "CREATE TABLE n (a INTEGER); ALTER TABLE n ADD COLUMN b TEXT NOT NULL;",
            None,
        ),
        (
            "CREATE TABLE n (a INTEGER); ALTER TABLE n ADD COLUMN b INTEGER UNIQUE;",
            Some("column n.b"),
        ),
    ];

    #[test]
    fn the_rule_finds_what_it_says_and_points_at_the_rebuild() {
        for (sql, object) in CASES {
            let found = hits(check, sql);
            assert_eq!(
                found.first().map(|f| f.object.as_str()),
                *object,
                "{sql}: {found:?}"
            );
            assert!(found.len() <= 1, "{sql}: {found:?}");
            if let Some(f) = found.first() {
                let table = f.table.as_deref().expect("table");
                assert!(
                    f.fix
                        .as_deref()
                        .is_some_and(|x| x.contains(&format!("--sqlite-rebuild {table}"))),
                    "{f:?}"
                );
            }
        }
    }

    /// The rule agrees with SQLite itself: each statement it flags is refused on a table
    /// with a row (with foreign keys on, as chatdb runs), each it accepts is done in place.
    #[test]
    fn the_rule_agrees_with_sqlite_on_a_table_with_rows() {
        for (sql, object) in CASES {
            let conn = rusqlite::Connection::open_in_memory().expect("memory");
            conn.execute_batch(
                "PRAGMA foreign_keys = ON; CREATE TABLE p (id INTEGER PRIMARY KEY); INSERT INTO p VALUES (1); CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER CONSTRAINT t_a_pos CHECK (a > 0)); INSERT INTO t VALUES (1, 1);",
            )
            .expect("fixture");
            let refused = conn.execute_batch(sql).is_err();
            assert_eq!(refused, object.is_some(), "{sql}");
        }
    }
}
