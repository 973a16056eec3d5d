//! `fk-without-index` (warning in `check`, error in `validate`'s lint): a foreign key whose
//! columns are not the leading columns of a valid index its lookups can use (multi-column
//! keys included, in any order). The one implementation of the rule, for both tools.
//!
//! Every delete or key update on the referenced table looks up the referencing rows: with
//! `ON DELETE CASCADE` / `SET NULL` to change them, with `NO ACTION` / `RESTRICT` to refuse.
//! Without an index that lookup, and every join along the key, scans the whole child table.
//!
//! What "can use" means is [`super::covers`], as both planners show it for the referential
//! queries (`tests/check_index.rs` EXPLAINs them): a partial index `WHERE key IS NOT NULL`
//! serves (PostgreSQL's RI query and SQLite's foreign-key scan both seek it); an index sorted
//! by another collation than the lookups compare by (PostgreSQL: the child column's own;
//! SQLite: the parent key's) does not (PostgreSQL plans a sequential scan, SQLite scans the
//! whole index). For such a key the message names the index that does not serve, and on
//! SQLite the fix spells the collation on each column.
//!
//! In `check` ([`check`]) the live database is judged: the rule stays silent when the
//! canonical schema has an index covering the key that the database lacks or has altered
//! (`missing-index` / `index-definition-differs` report that, and their fix restores it),
//! when the only covering index is invalid (`invalid-index`), and for a SQLite key on the
//! table's rowid, which is the table's own order. Its fix builds the index `CONCURRENTLY` in
//! the checked namespace.
//!
//! In `validate` ([`lint`]) the schema the migrations build is judged (so a key added in any
//! version counts, not only in later ones), the finding points at the statement that
//! declares the key, and the fix is the statement to add to a migration: no `CONCURRENTLY`
//! (a migration runs in a transaction) and no namespace (the migration's search path
//! decides). See `src/finding.rs` for why the two severities differ.

use super::{covers, fix, leads_with_key, lookup_collations, Context, Found};
use crate::catalog::Dialect;
use crate::finding::{Rule, Scope, Severity, BOTH};
use crate::model::inventory::{FkAction, ForeignKey, Inventory};
use crate::sqltext;
use crate::validate::lint::{ModelHit, Parsed};

pub const RULE: Rule = Rule {
    id: "fk-without-index",
    severity: Severity::Warning,
    summary: "a foreign key whose columns are not the leading columns (in any order) of a valid index its lookups can use (no predicate but `IS NOT NULL` on the key, the collation the lookups compare by); the message says what its `ON DELETE` action costs without one",
    dialects: BOTH,
    scope: Scope::CheckAndLint(Severity::Error),
};

/// The keys of `model` no index of `model` (nor of `also`) covers, less SQLite keys on the
/// rowid.
fn unindexed<'a>(
    dialect: Dialect,
    model: &'a Inventory,
    also: Option<&'a Inventory>,
) -> impl Iterator<Item = &'a ForeignKey> + 'a {
    model.foreign_keys.iter().filter(move |fk| {
        let on_rowid = model
            .table(&fk.table)
            .and_then(|t| t.rowid_key.as_deref())
            .is_some_and(|k| fk.columns.len() == 1 && fk.columns[0] == k);
        let covered =
            |inv: &Inventory| inv.indexes_on(&fk.table).any(|i| covers(dialect, inv, i, fk));
        !(on_rowid || covered(model) || also.is_some_and(covered))
    })
}

/// The finding for one key of `model`, with the SQL that adds its index (`namespace`: for
/// the live database, see [`fix::plain_index`]).
fn found(dialect: Dialect, namespace: Option<&str>, model: &Inventory, fk: &ForeignKey) -> Found {
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
    // An index that would serve the key but for its collation.
    let other_collation = model
        .indexes_on(&fk.table)
        .find(|i| i.valid && leads_with_key(i, fk));
    let lookup = lookup_collations(dialect, model, fk);
    // The collation each column's new index must name: the parent key's where SQLite
    // compares by one other than BINARY, and BINARY too where the column is declared with
    // another (a bare index inherits it) or an index of the table already sorts by another.
    // PostgreSQL compares by the column's own, which a bare index has.
    let spelled: Vec<String> = lookup
        .iter()
        .map(|c| c.clone().unwrap_or_else(|| "BINARY".to_string()))
        .collect();
    let declared_otherwise = fk.columns.iter().zip(&spelled).any(|(column, lookup)| {
        model
            .declared_collation(&fk.table, column)
            .is_some_and(|declared| !declared.eq_ignore_ascii_case(lookup))
    });
    let spell = lookup.iter().any(Option::is_some)
        || (dialect == Dialect::Sqlite && (other_collation.is_some() || declared_otherwise));
    let collations = spell.then_some(spelled.as_slice());
    let compared_with = match dialect {
        Dialect::Postgres => "the column's own collation, which the referential queries compare with".to_string(),
        Dialect::Sqlite => format!("COLLATE {}, the parent key's, which SQLite's foreign-key lookups compare with", spelled.join(", ")),
    };
    let message = match other_collation {
        Some(i) => format!(
            "{} {} leads with ({cols}) but sorts by another collation than {compared_with}, so they cannot use it: {why}, by scanning all of {}",
            i.label(),
            i.column_list(),
            fk.table
        ),
        None => format!(
            "no valid index that its lookups can use leads with ({cols}): {why}, and joins on the key, by scanning all of {}",
            fk.table
        ),
    };
    Found {
        table: Some(fk.table.clone()),
        object: fk.label(),
        message,
        fix: Some(fix::plain_index(
            dialect,
            namespace,
            &fk.table,
            &fk.columns,
            collations,
        )),
    }
}

/// `check`: the live database's keys, against its indexes and the canonical ones.
pub fn check(ctx: &Context) -> Vec<Found> {
    unindexed(ctx.dialect, ctx.live, Some(ctx.expected))
        .map(|fk| found(ctx.dialect, Some(ctx.namespace), ctx.live, fk))
        .collect()
}

/// `validate`'s lint: the keys of the schema the PostgreSQL migrations build (`model`),
/// each pointed at the statement that declares it in `files`.
pub fn lint(model: &Inventory, files: &[Parsed]) -> Vec<ModelHit> {
    unindexed(Dialect::Postgres, model, None)
        .map(|fk| {
            let f = found(Dialect::Postgres, None, model, fk);
            let (file, statement) = locate(files, fk.name.as_deref(), &fk.table, &fk.columns);
            ModelHit {
                file,
                statement,
                hit: Found {
                    object: format!("foreign key {}", f.object),
                    ..f
                },
            }
        })
        .collect()
}

/// The statement declaring the key: the first that names its constraint, else the first
/// `CREATE TABLE` / `ALTER TABLE` of its table with REFERENCES and the key's columns.
fn locate(files: &[Parsed], name: Option<&str>, table: &str, columns: &[String]) -> (usize, usize) {
    let mut named = None;
    let mut on_table = None;
    for (fi, p) in files.iter().enumerate() {
        for (si, s) in p.statements.iter().enumerate() {
            let toks = sqltext::tokens(s.text(&p.file.sql));
            if named.is_none() && name.is_some_and(|n| toks.iter().any(|t| t.name() == n)) {
                named = Some((fi, si));
            }
            let declares = toks.len() > 2
                && (toks[0].is("CREATE") || toks[0].is("ALTER"))
                && toks.iter().take(8).any(|t| t.name() == table)
                && toks.iter().any(|t| t.is("REFERENCES"))
                && columns.iter().all(|c| toks.iter().any(|t| &t.name() == c));
            if on_table.is_none() && declares {
                on_table = Some((fi, si));
            }
        }
    }
    named
        .or(on_table)
        .unwrap_or((files.len().saturating_sub(1), usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::MigrationFile;
    use crate::model::inventory::Index;
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
    fn partial_indexes_count_when_implied_invalid_ones_are_left_to_invalid_index() {
        let key = fk("t", &["a"], "p", FkAction::Cascade);
        let partial = |p: &str| Index {
            predicate: Some(p.into()),
            ..idx("p", "t", &["a"])
        };
        let expected = inv(vec![], vec![]);
        let live = inv(vec![partial("(a IS NOT NULL)")], vec![key.clone()]);
        assert!(check(&ctx(Dialect::Postgres, &live, &expected)).is_empty());
        let live = inv(vec![partial("archived = false")], vec![key.clone()]);
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
        assert!(lint(&live, &[]).is_empty());
    }

    #[test]
    fn an_index_in_another_collation_is_named_and_the_fix_spells_the_parents() {
        let key = ForeignKey {
            ref_columns: vec!["code".into()],
            ..fk("c", &["code"], "p", FkAction::NoAction)
        };
        let expected = inv(vec![], vec![]);
        let parent = unique_constraint("p_code_key", "p", &["code"]);
        let live = inv(
            vec![parent.clone(), idx("c_code_nocase", "c", &["code COLLATE NOCASE"])],
            vec![key.clone()],
        );
        let found = check(&ctx(Dialect::Sqlite, &live, &expected));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "c_code_nocase (code COLLATE NOCASE) leads with (code) but sorts by another collation than COLLATE BINARY, the parent key's, which SQLite's foreign-key lookups compare with, so they cannot use it: deleting or re-keying a p row checks c for references, by scanning all of c"
        );
        assert_eq!(
            found[0].fix.as_deref(),
            Some("CREATE INDEX c_code_idx ON c (code COLLATE BINARY);")
        );
        // A parent in NOCASE: a plain index does not serve, and the fix says NOCASE.
        let nocase_parent = unique_constraint("p_code_key", "p", &["code COLLATE NOCASE"]);
        let live = inv(vec![nocase_parent.clone()], vec![key.clone()]);
        let found = check(&ctx(Dialect::Sqlite, &live, &expected));
        assert_eq!(
            found[0].fix.as_deref(),
            Some("CREATE INDEX c_code_idx ON c (code COLLATE NOCASE);")
        );
        assert!(found[0].message.starts_with("no valid index"), "{}", found[0].message);
        let live = inv(
            vec![nocase_parent, idx("c_code_nocase", "c", &["code COLLATE NOCASE"])],
            vec![key],
        );
        assert!(check(&ctx(Dialect::Sqlite, &live, &expected)).is_empty());
    }

    fn migration(sql: &str) -> MigrationFile {
        MigrationFile {
            version: 1,
            name: "a".into(),
            path: "V1__a.sql".into(),
            sql: sql.into(),
        }
    }

    #[test]
    fn lint_points_unindexed_keys_at_their_declaration() {
        let file = migration("CREATE TABLE rooms (id int);\nCREATE TABLE messages (\n id int,\n room_id int CONSTRAINT messages_room_id_fkey REFERENCES rooms (id)\n);");
        let parsed = [Parsed::new(&file, Dialect::Postgres)];
        let model = inv(
            vec![],
            vec![fk("messages", &["room_id"], "rooms", FkAction::Cascade)],
        );
        let found = lint(&model, &parsed);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].file, found[0].statement), (0, 1));
        assert_eq!(
            found[0].hit.object,
            "foreign key messages_room_id_fkey"
        );
        let covered = inv(
            vec![idx("idx_m_room", "messages", &["room_id"])],
            vec![fk("messages", &["room_id"], "rooms", FkAction::Cascade)],
        );
        assert!(lint(&covered, &parsed).is_empty());
    }

    #[test]
    fn the_lint_fix_is_valid_sql_for_a_table_named_user() {
        // The fix the lint used to print was `CREATE INDEX idx_user_team_id ON user
        // (team_id);`, which PostgreSQL refuses: `user` is a reserved word.
        let model = inv(
            vec![],
            vec![fk("user", &["team_id", "order"], "team", FkAction::Cascade)],
        );
        let file = migration("CREATE TABLE \"user\" (team_id int REFERENCES team (id), \"order\" int);");
        let found = lint(&model, &[Parsed::new(&file, Dialect::Postgres)]);
        assert_eq!(
            found[0].hit.fix.as_deref().unwrap_or_default(),
            "CREATE INDEX user_team_id_order_idx ON \"user\" (team_id, \"order\");"
        );
    }
}
