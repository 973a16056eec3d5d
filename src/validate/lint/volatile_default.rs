//! `volatile-default` (warning): `ALTER TABLE ... ADD COLUMN ... DEFAULT` calling a volatile
//! function (`random()`, `gen_random_uuid()`, `clock_timestamp()`, `nextval()`, ...) or a
//! function chatdb does not know to be stable (a user-defined one), on a table an earlier
//! version created.
//!
//! What it catches: a column added with a default PostgreSQL must compute row by row. The
//! default's calls are read from the parsed expression ([`super::shape::classify_default`]);
//! `now()`, `lower(...)` and the other immutable or stable built-ins it knows are fine.
//!
//! Why it hurts: since PostgreSQL 11 a constant default (and a stable one such as `now()`,
//! evaluated once) is stored in the catalog and the table is not touched. A volatile default
//! must be computed per row, so PostgreSQL rewrites the whole table under an ACCESS
//! EXCLUSIVE lock. A user-defined function is VOLATILE unless its `CREATE FUNCTION` says
//! `STABLE` or `IMMUTABLE`, which the lint cannot see: it is reported, to be allowed when it
//! is declared so.
//!
//! The safe rewrite: add the column without the default (or with a constant), backfill in
//! batches, then `ALTER TABLE ... ALTER COLUMN ... SET DEFAULT` for new rows.

use super::{Action, DefaultExpr, Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};
use crate::sqltext::quote_ident;

pub const RULE: Rule = Rule {
    id: "volatile-default",
    severity: Severity::Warning,
    summary:
        "lint: `ADD COLUMN ... DEFAULT` calling a volatile function (`random()`, `gen_random_uuid()`, ...) or one not known to be stable: rewrites the table (`now()` does not)",
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
        let column = &c.column;
        let (function, why) = match &c.default {
            Some(DefaultExpr::Volatile(f)) => (f, "the volatile DEFAULT"),
            Some(DefaultExpr::Unknown(f)) => (
                f,
                "a DEFAULT calling a function chatdb does not know to be stable,",
            ),
            _ => continue,
        };
        let message = match &c.default {
            Some(DefaultExpr::Unknown(_)) => format!(
                "ADD COLUMN {column} with {why} {function}(), rewrites every row of {table} under an ACCESS EXCLUSIVE lock if {function} is VOLATILE (what CREATE FUNCTION declares unless told otherwise)"
            ),
            _ => format!(
                "ADD COLUMN {column} with {why} {function}() rewrites every row of {table} under an ACCESS EXCLUSIVE lock"
            ),
        };
        out.push(Found {
            table: None,
            object: format!("column {table}.{column}"),
            message,
            fix: Some(format!(
                "add {c} without that default, backfill it in batches, then ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {function}(...) for new rows (allow it if {function} is STABLE or IMMUTABLE)",
                c = quote_ident(column),
                t = quote_ident(table)
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
    fn volatile_defaults_are_found() {
        let found = hits(
            check,
            "ALTER TABLE t ADD COLUMN token UUID NOT NULL DEFAULT gen_random_uuid();",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object, "column t.token");
        for ok in [
            "ALTER TABLE t ADD COLUMN at TIMESTAMPTZ NOT NULL DEFAULT now();",
            "ALTER TABLE t ADD COLUMN n INTEGER NOT NULL DEFAULT 0 CHECK (n >= 0);",
            "ALTER TABLE t ALTER COLUMN token SET DEFAULT gen_random_uuid();",
            "ALTER TABLE t ADD COLUMN random INTEGER DEFAULT 1;",
        ] {
            assert!(hits(check, ok).is_empty(), "{ok}");
        }
    }
}
