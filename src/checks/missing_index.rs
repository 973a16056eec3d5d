//! `missing-index` (error): an index the canonical migrations create at the database's
//! applied version is absent.
//!
//! The expected indexes are not a hand-kept list: they are whatever the canonical migrations
//! up to the applied version leave in a scratch database (see `src/db/introspect/`). An
//! index is matched by name, except SQLite's `sqlite_autoindex_*` indexes behind UNIQUE and
//! PRIMARY KEY constraints, which are matched by table, kind and columns.

use super::{covers, fix, Context, Found};
use crate::finding::{Rule, Scope, Severity, BOTH};

pub const RULE: Rule = Rule {
    id: "missing-index",
    severity: Severity::Error,
    summary: "an index the canonical migrations create at the applied version is absent",
    dialects: BOTH,
    scope: Scope::Check,
};

pub fn check(ctx: &Context) -> Vec<Found> {
    let mut found = Vec::new();
    for e in &ctx.expected.indexes {
        if ctx.live.index(&e.key()).is_some() {
            continue;
        }
        let kind = if e.primary {
            "primary-key index"
        } else if e.constraint.is_some() {
            "unique-constraint index"
        } else if e.unique {
            "unique index"
        } else {
            "index"
        };
        let serves: Vec<String> = ctx
            .expected
            .foreign_keys
            .iter()
            .filter(|fk| covers(ctx.dialect, ctx.expected, e, fk))
            .map(|fk| fk.label())
            .collect();
        let serves = if serves.is_empty() {
            String::new()
        } else {
            format!(", serving foreign key {}", serves.join(", "))
        };
        let (message, fix) = if ctx.live.table(&e.table).is_none() {
            (
                format!(
                    "table {} does not exist, so neither does its {kind} {} that the canonical schema has at V{}",
                    e.table,
                    e.column_list(),
                    ctx.version
                ),
                format!(
                    "-- restore table {} first (it is in the canonical schema at V{}), then:\n{}",
                    e.table,
                    ctx.version,
                    fix::create_index(ctx, e)
                ),
            )
        } else {
            (
                format!(
                    "the canonical schema at V{} has this {kind} on {} {}{serves}; the database has no index of that name",
                    ctx.version,
                    e.table,
                    e.column_list()
                ),
                fix::create_index(ctx, e),
            )
        };
        found.push(Found {
            table: Some(e.table.clone()),
            object: e.label(),
            message,
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
    use crate::model::inventory::FkAction;

    #[test]
    fn an_expected_index_absent_from_the_database_is_reported_with_its_create() {
        let expected = inv(
            vec![
                idx("idx_messages_sender", "messages", &["sender_id"]),
                idx("idx_messages_created_at", "messages", &["created_at"]),
            ],
            vec![fk("messages", &["sender_id"], "users", FkAction::SetNull)],
        );
        let live = inv(
            vec![idx("idx_messages_created_at", "messages", &["created_at"])],
            vec![],
        );
        let found = check(&ctx(Dialect::Postgres, &live, &expected));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object, "idx_messages_sender");
        assert!(found[0].message.contains("V3"), "{}", found[0].message);
        assert!(
            found[0].message.contains("serving foreign key messages_sender_id_fkey"),
            "{}",
            found[0].message
        );
        assert_eq!(
            found[0].fix.as_deref(),
            Some("CREATE INDEX CONCURRENTLY idx_messages_sender ON public.messages USING btree (sender_id);")
        );
    }

    #[test]
    fn a_missing_table_is_named() {
        let expected = inv(vec![idx("i", "gone", &["a"])], vec![]);
        let live = inv(vec![], vec![]);
        let found = check(&ctx(Dialect::Sqlite, &live, &expected));
        assert!(found[0].message.starts_with("table gone does not exist"));
    }

    #[test]
    fn an_index_with_the_same_name_is_not_missing_even_if_it_differs() {
        let expected = inv(vec![idx("i", "t", &["a"])], vec![]);
        let live = inv(vec![idx("i", "t", &["b"])], vec![]);
        assert!(check(&ctx(Dialect::Postgres, &live, &expected)).is_empty());
    }
}
