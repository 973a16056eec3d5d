//! `extra-index` (info): an index in the database that the canonical schema does not have
//! at the applied version: added by hand, by an application, or left over.
//!
//! Information, not a defect: it may be exactly what production needs, in which case it
//! belongs in a canonical migration. Invalid and duplicate indexes are left to
//! `invalid-index` and `duplicate-index`, which say more.

use super::{duplicate_index, fix, Context, Found};
use crate::finding::{Rule, Scope, Severity, BOTH};

pub const RULE: Rule = Rule {
    id: "extra-index",
    severity: Severity::Info,
    summary: "in the database, not in the canonical schema",
    dialects: BOTH,
    scope: Scope::Check,
};

pub fn check(ctx: &Context) -> Vec<Found> {
    let mut found = Vec::new();
    for i in &ctx.live.indexes {
        if ctx.expected.index(&i.key()).is_some()
            || !i.valid
            || duplicate_index::superseded_by(ctx, i).is_some()
        {
            continue;
        }
        let table_too = if ctx.expected.table(&i.table).is_none() {
            format!(" (nor is table {})", i.table)
        } else {
            String::new()
        };
        let what = if i.unique { "unique index" } else { "index" };
        let fix = if i.unique {
            "-- it enforces uniqueness: add it to the canonical schema in a new migration rather than dropping it".to_string()
        } else {
            format!(
                "-- add it to the canonical schema in a new migration, or, if nothing needs it:\n{}",
                fix::drop_index(ctx, i)
            )
        };
        found.push(Found {
            table: Some(i.table.clone()),
            object: i.label(),
            message: format!(
                "{what} on {} {} is not in the canonical schema at V{}{table_too}",
                i.table,
                i.column_list(),
                ctx.version
            ),
            fix: Some(fix),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Dialect;
    use crate::checks::testkit::*;

    #[test]
    fn indexes_the_canonical_schema_lacks_are_reported_once() {
        let expected = inv(vec![idx("canon", "t", &["a"])], vec![]);
        let mut invalid = idx("broken", "t", &["c"]);
        invalid.valid = false;
        let live = inv(
            vec![
                idx("canon", "t", &["a"]),
                idx("handmade", "t", &["b"]),
                idx("dup_of_canon", "t", &["a"]),
                invalid,
                idx("elsewhere", "other", &["x"]),
            ],
            vec![],
        );
        let found = check(&ctx(Dialect::Sqlite, &live, &expected));
        let objects: Vec<&str> = found.iter().map(|f| f.object.as_str()).collect();
        assert_eq!(objects, ["handmade", "elsewhere"]);
        assert_eq!(
            found[0].fix.as_deref(),
            Some("-- add it to the canonical schema in a new migration, or, if nothing needs it:\nDROP INDEX handmade;")
        );
        assert!(found[1].message.ends_with("(nor is table other)"));
    }
}
