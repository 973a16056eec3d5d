//! `foreign-key-differs` (error): a foreign key the canonical schema has is missing, one
//! the database has is extra, or one both have (the same columns of the same table)
//! references another table or columns, or has another ON DELETE, ON UPDATE or
//! deferrability. Keys are matched by their columns, not their names; SQLite's
//! `REFERENCES t` without columns means t's primary key and compares as that.
//!
//! PostgreSQL adds a key `NOT VALID` and validates it after (no long lock); the keys of a
//! missing table are added here, after `missing-table` has created every table. SQLite
//! cannot add or change a foreign key in place: it rebuilds the table (a missing table's
//! keys are in its `CREATE TABLE`).

use super::{ddl, Context, Found};
use crate::catalog::Dialect;
use crate::finding::{Rule, Scope, Severity, BOTH};
use crate::model::inventory::{ForeignKey, Inventory};

pub const RULE: Rule = Rule {
    id: "foreign-key-differs",
    severity: Severity::Error,
    summary: "a foreign key is missing, extra, or differs in referenced table or columns, ON DELETE, ON UPDATE or deferrability",
    dialects: BOTH,
    scope: Scope::Check,
};

/// The referenced columns, SQLite's implicit primary key made explicit.
fn ref_columns(inv: &Inventory, fk: &ForeignKey) -> Vec<String> {
    if fk.ref_columns.is_empty() {
        inv.primary_key(&fk.ref_table)
    } else {
        fk.ref_columns.clone()
    }
}

/// What differs between the canonical key `e` and the live key `l`, one phrase each.
fn differences(ctx: &Context, e: &ForeignKey, l: &ForeignKey) -> Vec<String> {
    let mut out = Vec::new();
    let (er, lr) = (ref_columns(ctx.expected, e), ref_columns(ctx.live, l));
    if e.ref_table != l.ref_table || er != lr {
        out.push(format!(
            "references {}({}) (canonical: {}({}))",
            l.ref_table,
            lr.join(", "),
            e.ref_table,
            er.join(", ")
        ));
    }
    if e.on_delete != l.on_delete {
        out.push(format!(
            "ON DELETE {} (canonical: {})",
            l.on_delete.sql(),
            e.on_delete.sql()
        ));
    }
    if e.on_update != l.on_update {
        out.push(format!(
            "ON UPDATE {} (canonical: {})",
            l.on_update.sql(),
            e.on_update.sql()
        ));
    }
    if e.deferrable != l.deferrable {
        let d = |x: Option<bool>| match x {
            None => "NOT DEFERRABLE",
            Some(false) => "DEFERRABLE INITIALLY IMMEDIATE",
            Some(true) => "DEFERRABLE INITIALLY DEFERRED",
        };
        out.push(format!("{} (canonical: {})", d(l.deferrable), d(e.deferrable)));
    }
    out
}

pub fn check(ctx: &Context) -> Vec<Found> {
    let mut found = Vec::new();
    let same_columns = |a: &ForeignKey, b: &ForeignKey| a.table == b.table && a.columns == b.columns;
    for e in &ctx.expected.foreign_keys {
        let table_missing = ctx.live.table(&e.table).is_none();
        if table_missing && ctx.dialect == Dialect::Sqlite {
            continue;
        }
        let live = ctx.live.foreign_keys.iter().find(|l| same_columns(e, l));
        let (message, pg) = match live {
            None => (
                format!(
                    "the canonical schema at V{} has foreign key {}{}; the database does not",
                    ctx.version,
                    e.shape(),
                    if table_missing { " (its table is missing too)" } else { "" }
                ),
                ddl::add_foreign_key(ctx, e),
            ),
            Some(l) => {
                let diffs = differences(ctx, e, l);
                if diffs.is_empty() {
                    continue;
                }
                (
                    format!("foreign key {} {}", l.shape(), diffs.join("; ")),
                    format!(
                        "{}\n{}",
                        ddl::drop_constraint(ctx, &l.table, &l.label()),
                        ddl::add_foreign_key(ctx, e)
                    ),
                )
            }
        };
        let fix = match ctx.dialect {
            Dialect::Postgres => pg,
            Dialect::Sqlite => ddl::sqlite_rebuild(ctx, &e.table, &message),
        };
        found.push(Found {
            table: Some(e.table.clone()),
            object: e.label(),
            message,
            fix: Some(fix),
        });
    }
    for l in &ctx.live.foreign_keys {
        if ctx.expected.table(&l.table).is_none()
            || ctx.expected.foreign_keys.iter().any(|e| same_columns(e, l))
        {
            continue;
        }
        let message = format!(
            "foreign key {} is not in the canonical schema at V{}",
            l.shape(),
            ctx.version
        );
        let fix = match ctx.dialect {
            Dialect::Postgres => ddl::drop_constraint(ctx, &l.table, &l.label()),
            Dialect::Sqlite => ddl::sqlite_rebuild(ctx, &l.table, &message),
        };
        found.push(Found {
            table: Some(l.table.clone()),
            object: l.label(),
            message,
            fix: Some(fix),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::model::inventory::FkAction;

    #[test]
    fn keys_match_by_columns_and_compare_their_actions() {
        let e = inv(vec![], vec![fk("messages", &["room_id"], "rooms", FkAction::Cascade)]);
        let mut renamed = e.clone();
        renamed.foreign_keys[0].name = Some("fk_1".into());
        assert!(check(&ctx(Dialect::Postgres, &renamed, &e)).is_empty());
        let mut other = e.clone();
        other.foreign_keys[0].on_delete = FkAction::NoAction;
        other.foreign_keys[0].on_update = FkAction::Cascade;
        let found = check(&ctx(Dialect::Postgres, &other, &e));
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("ON DELETE NO ACTION (canonical: CASCADE)"), "{}", found[0].message);
        assert!(found[0].message.contains("ON UPDATE CASCADE (canonical: NO ACTION)"));
        let fix = found[0].fix.as_deref().unwrap_or_default();
        assert!(fix.starts_with("ALTER TABLE public.messages DROP CONSTRAINT messages_room_id_fkey;"), "{fix}");
        let none = inv(vec![idx("i", "messages", &["id"])], vec![]);
        let found = check(&ctx(Dialect::Postgres, &none, &e));
        assert_eq!(found.len(), 1);
        assert!(found[0].fix.as_deref().unwrap_or_default().contains("NOT VALID"));
        assert_eq!(check(&ctx(Dialect::Postgres, &e, &none)).len(), 1, "extra");
    }

    #[test]
    fn sqlite_implicit_references_mean_the_primary_key() {
        let mut e = inv(vec![], vec![fk("messages", &["room_id"], "rooms", FkAction::Cascade)]);
        let mut pk = unique_constraint("sqlite_autoindex_rooms_1", "rooms", &["id"]);
        pk.primary = true;
        e.indexes.push(pk);
        e.tables.push(crate::model::inventory::Table { name: "rooms".into(), ..Default::default() });
        let mut l = e.clone();
        l.foreign_keys[0].ref_columns.clear();
        l.foreign_keys[0].name = None;
        assert!(check(&ctx(Dialect::Sqlite, &l, &e)).is_empty());
    }
}
