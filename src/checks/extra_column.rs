//! `extra-column` (warning): a column in the database that the canonical schema's table
//! does not have at the applied version.
//!
//! The fix drops it, behind a comment (its data is lost; SQLite's `DROP COLUMN` refuses a
//! column that an index, key or CHECK uses).

use super::{fix, Context, Found};
use crate::finding::{Rule, Scope, Severity, BOTH};

pub const RULE: Rule = Rule {
    id: "extra-column",
    severity: Severity::Warning,
    summary: "a column in the database that the canonical schema's table does not have",
    dialects: BOTH,
    scope: Scope::Check,
};

pub fn check(ctx: &Context) -> Vec<Found> {
    let mut found = Vec::new();
    for live in &ctx.live.tables {
        let Some(e) = ctx.expected.table(&live.name) else {
            continue;
        };
        for c in live.details.iter().filter(|c| !e.columns.contains(&c.name)) {
            found.push(Found {
                table: Some(live.name.clone()),
                object: c.name.clone(),
                message: format!(
                    "column {}.{} ({}) is not in the canonical schema at V{}",
                    live.name, c.name, c.data_type, ctx.version
                ),
                fix: Some(format!(
                    "-- add it to the canonical schema in a new migration, or, if nothing needs it (its data is lost):\nALTER TABLE {} DROP COLUMN {};",
                    fix::qualified(ctx, &live.name),
                    fix::ident(&c.name)
                )),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Dialect;
    use crate::checks::testkit::*;
    use crate::model::inventory::Column;

    #[test]
    fn an_extra_column_is_reported_with_a_drop() {
        let expected = inv(vec![idx("i", "t", &["id"])], vec![]);
        let mut live = expected.clone();
        live.tables[0].columns = vec!["order".into()];
        live.tables[0].details = vec![Column {
            name: "order".into(),
            data_type: "TEXT".into(),
            ..Column::default()
        }];
        let found = check(&ctx(Dialect::Sqlite, &live, &expected));
        assert_eq!(found.len(), 1);
        assert!(found[0].fix.as_deref().unwrap_or_default().ends_with("ALTER TABLE t DROP COLUMN \"order\";"));
    }
}
