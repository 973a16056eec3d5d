//! `volatile-default` (warning): `ALTER TABLE ... ADD COLUMN ... DEFAULT` with a volatile
//! function (`random()`, `gen_random_uuid()`, `clock_timestamp()`, `nextval()`, ...), on a
//! table an earlier version created.
//!
//! Since PostgreSQL 11 a constant default (and a stable one such as `now()`, evaluated once)
//! is stored in the catalog and the table is not touched. A volatile default must be
//! computed per row, so PostgreSQL rewrites the whole table under an ACCESS EXCLUSIVE lock.
//! Add the column without the default (or with a constant), backfill in batches, then
//! `ALTER COLUMN ... SET DEFAULT` for new rows.

use super::{add_column, alter_table, position_top_level, Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "volatile-default",
    severity: Severity::Warning,
    summary:
        "lint: `ADD COLUMN ... DEFAULT random()`/`gen_random_uuid()`/`clock_timestamp()`...: rewrites the table (`now()` does not)",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

/// Functions whose result changes per row.
const VOLATILE: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "clock_timestamp",
    "timeofday",
    "statement_timestamp",
    "nextval",
    "txid_current",
    "gen_random_bytes",
    "setseed",
];

pub fn check(s: &Statement) -> Vec<Found> {
    let Some((table, actions)) = alter_table(&s.tokens) else {
        return Vec::new();
    };
    if s.created_here.contains(&table) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for a in actions {
        let Some((column, rest)) = add_column(a) else {
            continue;
        };
        let Some(d) = position_top_level(rest, "DEFAULT") else {
            continue;
        };
        // The default expression runs to the next top-level constraint keyword.
        let mut depth = 0usize;
        let mut found = None;
        for (k, t) in rest[d + 1..].iter().enumerate() {
            if t.is_punct('(') {
                depth += 1;
            } else if t.is_punct(')') {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            } else if depth == 0
                && [
                    "NOT",
                    "NULL",
                    "CONSTRAINT",
                    "CHECK",
                    "REFERENCES",
                    "UNIQUE",
                    "PRIMARY",
                    "COLLATE",
                    "GENERATED",
                ]
                .iter()
                .any(|w| t.is(w))
            {
                break;
            }
            let next_is_call = rest.get(d + 2 + k).is_some_and(|p| p.is_punct('('));
            if next_is_call && VOLATILE.iter().any(|f| t.is(f)) {
                found = Some(t.text.to_ascii_lowercase());
                break;
            }
        }
        if let Some(function) = found {
            out.push(Found {
                table: None,
                object: format!("column {table}.{column}"),
                message: format!(
                    "ADD COLUMN {column} with the volatile DEFAULT {function}() rewrites every row of {table} under an ACCESS EXCLUSIVE lock"
                ),
                fix: Some(format!(
                    "add {column} without that default, backfill it in batches, then ALTER COLUMN {column} SET DEFAULT {function}() for new rows"
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
