//! `rewriting-column` (warning): `ADD COLUMN ... GENERATED ALWAYS AS (...) STORED`, `ADD
//! COLUMN ... GENERATED ... AS IDENTITY` or `ADD COLUMN ... serial` (`bigserial`, ...: a
//! `nextval()` default underneath) on a table an earlier version created.
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

use super::{Action, Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "rewriting-column",
    severity: Severity::Warning,
    summary: "lint: `ADD COLUMN ... GENERATED ... STORED`, `... AS IDENTITY` or a `serial` column on an existing table: rewrites it while every query waits",
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
        let kind = if c.identity {
            "an identity"
        } else if c.serial {
            "a serial (nextval default)"
        } else if c.generated_stored {
            "a stored generated"
        } else {
            continue;
        };
        let column = &c.column;
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
