//! `fk-without-index` (warning): a foreign key whose columns are not the leading columns of
//! a valid, non-partial index (multi-column keys included, in any order).
//!
//! Every delete or key update on the referenced table looks up the referencing rows: with
//! `ON DELETE CASCADE` / `SET NULL` to change them, with `NO ACTION` / `RESTRICT` to refuse.
//! Without an index that lookup, and every join along the key, scans the whole child table.
//!
//! Stays silent when the canonical schema has an index covering the key that the database
//! lacks or has altered (`missing-index` / `index-definition-differs` report that, and their
//! fix restores it), when the only covering index is invalid (`invalid-index`), and for a
//! SQLite key on the table's rowid, which is the table's own order.

use super::{covers, sql, Context, Found, Rule, Severity, BOTH};
use crate::model::inventory::FkAction;

pub const RULE: Rule = Rule {
    id: "fk-without-index",
    severity: Severity::Warning,
    dialects: BOTH,
    check,
};

fn check(ctx: &Context) -> Vec<Found> {
    let mut found = Vec::new();
    for fk in &ctx.live.foreign_keys {
        let on_rowid = ctx
            .live
            .table(&fk.table)
            .and_then(|t| t.rowid_key.as_ref())
            .is_some_and(|k| fk.columns == [k.clone()]);
        let covered = |inv: &crate::model::inventory::Inventory| {
            inv.indexes_on(&fk.table).any(|i| covers(i, fk))
        };
        if on_rowid || covered(ctx.live) || covered(ctx.expected) {
            continue;
        }
        let cols = fk.columns.join(", ");
        let why = match fk.on_delete {
            FkAction::Cascade => format!(
                "deleting a {} row deletes its {} rows (ON DELETE CASCADE)",
                fk.ref_table, fk.table
            ),
            FkAction::SetNull | FkAction::SetDefault => format!(
                "deleting a {} row updates its {} rows (ON DELETE {})",
                fk.ref_table,
                fk.table,
                fk.on_delete.sql()
            ),
            FkAction::NoAction | FkAction::Restrict => format!(
                "deleting or re-keying a {} row checks {} for references",
                fk.ref_table, fk.table
            ),
        };
        found.push(Found {
            table: Some(fk.table.clone()),
            object: fk.label(),
            message: format!(
                "no valid, non-partial index leads with ({cols}): {why}, and joins on the key, by scanning all of {}",
                fk.table
            ),
            fix: Some(sql::create_plain_index(ctx, &fk.table, &fk.columns)),
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
    fn an_unindexed_key_is_reported_with_an_index_to_add() {
        let live = inv(
            vec![idx("m_room", "messages", &["room_id", "created_at"])],
            vec![
                fk("messages", &["room_id"], "rooms", FkAction::Cascade),
                fk("messages", &["sender_id"], "users", FkAction::SetNull),
                fk("reads", &["message_id", "user_id"], "x", FkAction::NoAction),
            ],
        );
        let expected = inv(vec![], vec![]);
        let found = check(&ctx(Dialect::Postgres, &live, &expected));
        let objects: Vec<&str> = found.iter().map(|f| f.object.as_str()).collect();
        assert_eq!(
            objects,
            ["messages_sender_id_fkey", "reads_message_id_user_id_fkey"]
        );
        assert!(found[0].message.contains("ON DELETE SET NULL"));
        assert_eq!(
            found[0].fix.as_deref(),
            Some("CREATE INDEX CONCURRENTLY messages_sender_id_idx ON public.messages (sender_id);")
        );
        assert_eq!(
            found[1].fix.as_deref(),
            Some("CREATE INDEX CONCURRENTLY reads_message_id_user_id_idx ON public.reads (message_id, user_id);")
        );
    }

    #[test]
    fn partial_indexes_do_not_count_invalid_ones_are_left_to_invalid_index() {
        let key = fk("t", &["a"], "p", FkAction::Cascade);
        let mut partial = idx("p", "t", &["a"]);
        partial.predicate = Some("a is not null".into());
        let expected = inv(vec![], vec![]);
        let live = inv(vec![partial], vec![key.clone()]);
        assert_eq!(check(&ctx(Dialect::Postgres, &live, &expected)).len(), 1);
        let mut invalid = idx("i", "t", &["a"]);
        invalid.valid = false;
        let live = inv(vec![invalid], vec![key]);
        assert!(check(&ctx(Dialect::Postgres, &live, &expected)).is_empty());
    }

    #[test]
    fn a_missing_canonical_index_is_left_to_missing_index() {
        let key = fk("t", &["a"], "p", FkAction::Cascade);
        let expected = inv(vec![idx("t_a", "t", &["a"])], vec![key.clone()]);
        let live = inv(vec![], vec![key]);
        assert!(check(&ctx(Dialect::Sqlite, &live, &expected)).is_empty());
    }

    #[test]
    fn a_sqlite_key_on_the_rowid_needs_no_index() {
        let key = fk("t", &["id"], "p", FkAction::Cascade);
        let mut live = inv(vec![], vec![key]);
        live.tables[0].rowid_key = Some("id".into());
        let expected = inv(vec![], vec![]);
        assert!(check(&ctx(Dialect::Sqlite, &live, &expected)).is_empty());
    }
}
