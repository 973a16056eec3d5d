//! `extra-table` (warning): a table in the database that the canonical schema does not
//! have at the applied version (Alembic's `alembic_version` and chatdb's history tables
//! are known and never reported).
//!
//! The fix drops it, behind a comment: it may hold data an application needs, in which
//! case it belongs in a canonical migration instead.

use super::{fix, Context, Found};
use crate::finding::{Rule, Scope, Severity, BOTH};

pub const RULE: Rule = Rule {
    id: "extra-table",
    severity: Severity::Warning,
    summary: "a table in the database that the canonical schema does not have",
    dialects: BOTH,
    scope: Scope::Check,
};

pub fn check(ctx: &Context) -> Vec<Found> {
    ctx.live
        .tables
        .iter()
        .filter(|t| ctx.expected.table(&t.name).is_none())
        .map(|t| Found {
            table: Some(t.name.clone()),
            object: t.name.clone(),
            message: format!(
                "table {} ({} columns) is not in the canonical schema at V{}",
                t.name,
                t.columns.len(),
                ctx.version
            ),
            fix: Some(format!(
                "-- add it to the canonical schema in a new migration, or, if nothing needs it (its rows are lost):\nDROP TABLE {};",
                fix::qualified(ctx, &t.name)
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Dialect;
    use crate::checks::testkit::*;

    #[test]
    fn an_extra_table_is_reported_with_a_drop() {
        let live = inv(vec![idx("i", "notes", &["id"])], vec![]);
        let expected = inv(vec![], vec![]);
        let found = check(&ctx(Dialect::Sqlite, &live, &expected));
        assert_eq!(found.len(), 1);
        assert!(found[0].fix.as_deref().unwrap_or_default().ends_with("DROP TABLE notes;"));
        assert!(check(&ctx(Dialect::Sqlite, &live, &live)).is_empty());
    }
}
