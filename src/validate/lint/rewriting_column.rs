//! `rewriting-column` (warning): `ADD COLUMN ... GENERATED ALWAYS AS (...) STORED` or `ADD
//! COLUMN ... GENERATED ... AS IDENTITY` on a table an earlier version created.
//!
//! What it catches: column additions that make PostgreSQL compute a value for every
//! existing row.
//!
//! Why it hurts: the table is rewritten under an ACCESS EXCLUSIVE lock: every read and
//! write waits for the whole rewrite (a plain column, or one with a constant default, is
//! added at once).
//!
//! The safe rewrite: add a plain nullable column, fill it in batches, and add the rule the
//! application keeps (a trigger, or a sequence default set after the backfill).

use super::{add_column, alter_table, has_top_level, has_top_level_pair, Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "rewriting-column",
    severity: Severity::Warning,
    summary: "lint: `ADD COLUMN ... GENERATED ... STORED` or `... AS IDENTITY` on an existing table: rewrites it while every query waits",
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
        let Some((column, rest)) = add_column(a) else {
            continue;
        };
        let stored = has_top_level(rest, "GENERATED") && has_top_level(rest, "STORED");
        let identity = has_top_level_pair(rest, "AS", "IDENTITY");
        if !(stored || identity) {
            continue;
        }
        let kind = if identity {
            "an identity"
        } else {
            "a stored generated"
        };
        out.push(Found {
            table: None,
            object: format!("column {table}.{column}"),
            message: format!(
                "adding {kind} column {table}.{column} rewrites {table} under an ACCESS EXCLUSIVE lock"
            ),
            fix: Some("add a plain nullable column, backfill it in batches, then add the default or trigger".to_string()),
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
        assert_eq!(
            hits(
                check,
                "ALTER TABLE messages ADD COLUMN n int GENERATED ALWAYS AS (length(body)) STORED;"
            )
            .len(),
            1
        );
        assert_eq!(
            hits(
                check,
                "ALTER TABLE messages ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;"
            )
            .len(),
            1
        );
        assert!(hits(check, "ALTER TABLE messages ADD COLUMN n int;").is_empty());
    }
}
