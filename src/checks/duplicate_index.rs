//! `duplicate-index` (warning): a non-unique index whose key columns are a leading prefix
//! of another valid index on the same table, with the same access method and predicate.
//!
//! Every query the shorter index serves, the longer one serves too (a b-tree can be read by
//! any leading prefix of its key, and backwards: `(a DESC)` is `(a)` read from the other
//! end), while every write maintains both. Only b-trees have usable prefixes; for other
//! methods only an index with exactly the same columns counts.
//!
//! Columns match only with the same operator class and collation: the fix drops an index,
//! and a `varchar_pattern_ops` index serves `LIKE 'x%'`, a `COLLATE "C"` one `ORDER BY`
//! under "C", an SQLite `COLLATE NOCASE` one case-blind lookups, none of which an index of
//! the column's default class and collation can.
//! A unique index is never reported: its uniqueness is a rule of the data, not a speed-up.
//! An index with INCLUDE columns the other index lacks is not reported either (it can
//! answer queries from the index alone where the other cannot).
//!
//! Indexes are judged as they will be once `index-definition-differs` has restored every
//! drifted canonical index: an index with a canonical name counts with its canonical
//! definition, so no redundancy is reported that the restore removes, and none is missed
//! that the restore creates.
//!
//! When two non-unique indexes are identical, one is reported: the one that is not in the
//! canonical schema, or else the one whose name sorts last. `extra-index` uses the same
//! verdict ([`superseded_by`]) to stay silent about an index reported here.

use super::{index_definition_differs, fix, Context, Found};
use crate::finding::{Rule, Scope, Severity, BOTH};
use crate::model::inventory::Index;

pub const RULE: Rule = Rule {
    id: "duplicate-index",
    severity: Severity::Warning,
    summary: "a non-unique index whose columns are a leading prefix of another valid index on the same table (or that prefix read backwards), with the same operator classes, collations, method and predicate",
    dialects: BOTH,
    scope: Scope::Check,
};

pub fn check(ctx: &Context) -> Vec<Found> {
    let mut found = Vec::new();
    for i in &ctx.live.indexes {
        let Some(other) = superseded_by(ctx, i) else {
            continue;
        };
        let i = effective(ctx, i);
        let restored = if ctx.live.indexes.iter().any(|l| std::ptr::eq(l, other)) {
            ""
        } else {
            " (as the canonical schema defines it)"
        };
        let relation = if other.columns.len() == i.columns.len() {
            "has the same columns as"
        } else {
            "is a leading prefix of"
        };
        let backwards = match serves(other, i) {
            Some(Reading::Backwards) => " read backwards (a b-tree scans both ways)",
            _ => "",
        };
        let unique = if other.primary {
            ", the primary key"
        } else if other.unique {
            ", which is unique"
        } else {
            ""
        };
        found.push(Found {
            table: Some(i.table.clone()),
            object: i.label(),
            message: format!(
                "{} {relation} {} {}{backwards}{restored}{unique}: every query it serves can use {}, while every write maintains both",
                i.column_list(),
                other.label(),
                other.column_list(),
                other.label()
            ),
            fix: Some(fix::drop_index(ctx, i)),
        });
    }
    found
}

/// The index that makes `index` redundant, if any (see the module header).
pub fn superseded_by<'a>(ctx: &Context<'a>, index: &'a Index) -> Option<&'a Index> {
    let index = effective(ctx, index);
    if index.unique || !index.valid {
        return None;
    }
    ctx.live
        .indexes
        .iter()
        .map(|o| effective(ctx, o))
        .filter(|o| o.table == index.table && o.name != index.name && o.valid)
        .filter(|o| o.method == index.method && o.same_predicate(index))
        .filter(|o| serves(o, index).is_some())
        .filter(|o| !(serves(index, o).is_some() && !o.unique && keep(ctx, index, o)))
        // Point at the best replacement: a unique one, then the shortest, then by name.
        .min_by(|a, b| {
            (!a.unique, a.columns.len(), &a.name).cmp(&(!b.unique, b.columns.len(), &b.name))
        })
}

/// `index` as it will be after `index-definition-differs` is fixed: the canonical
/// definition for a drifted canonical index, else itself.
fn effective<'a>(ctx: &Context<'a>, index: &'a Index) -> &'a Index {
    match ctx.expected.index(&index.key()) {
        Some(e) if !index_definition_differs::differences(e, index).is_empty() => e,
        _ => index,
    }
}

/// How `long` serves every lookup `short` does, if it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// `short`'s columns are a leading prefix of `long`'s, key for key (direction, NULLs
    /// order, operator class and collation included).
    Forwards,
    /// The same, with every column of the prefix in the opposite direction: a b-tree
    /// scanned backwards (`(a DESC)` beside `(a)`).
    Backwards,
}

fn serves(long: &Index, short: &Index) -> Option<Reading> {
    let n = short.columns.len();
    let prefix_ok = long.method == "btree" || long.columns.len() == n;
    let include_ok = short.include.iter().all(|c| {
        long.include.contains(c) || long.columns.iter().any(|k| !k.expression && &k.name == c)
    });
    if !prefix_ok || !include_ok || long.columns.len() < n {
        return None;
    }
    let prefix = &long.columns[..n];
    if prefix == &short.columns[..] {
        Some(Reading::Forwards)
    } else if long.method == "btree"
        && prefix
            .iter()
            .zip(&short.columns)
            .all(|(l, s)| l.reversed() == *s)
    {
        Some(Reading::Backwards)
    } else {
        None
    }
}

/// Of two identical non-unique indexes, whether `a` is the one to keep.
fn keep(ctx: &Context, a: &Index, b: &Index) -> bool {
    let canonical = |i: &Index| ctx.expected.index(&i.key()).is_some();
    match (canonical(a), canonical(b)) {
        (true, false) => true,
        (false, true) => false,
        _ => a.name < b.name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Dialect;
    use crate::checks::testkit::*;

    fn objects(live: &crate::model::inventory::Inventory, expected: &crate::model::inventory::Inventory) -> Vec<String> {
        check(&ctx(Dialect::Postgres, live, expected))
            .into_iter()
            .map(|f| f.object)
            .collect()
    }

    #[test]
    fn a_prefix_of_another_index_or_of_a_unique_constraint_is_reported() {
        let live = inv(
            vec![
                idx("ix_user_username", "user", &["username"]),
                unique_constraint("user_username_key", "user", &["username"]),
                idx("ix_s_user", "s", &["user_id"]),
                idx("ix_s_user_completed", "s", &["user_id", "completed_at DESC"]),
                idx("ix_s_completed", "s", &["completed_at"]),
            ],
            vec![],
        );
        let expected = inv(vec![], vec![]);
        assert_eq!(objects(&live, &expected), ["ix_user_username", "ix_s_user"]);
        let found = check(&ctx(Dialect::Postgres, &live, &expected));
        assert_eq!(
            found[0].message,
            "(username) has the same columns as user_username_key (username), which is unique: every query it serves can use user_username_key, while every write maintains both"
        );
    }

    #[test]
    fn identical_twins_report_the_non_canonical_one_once() {
        let live = inv(
            vec![idx("a_canonical", "t", &["x"]), idx("z_copy", "t", &["x"])],
            vec![],
        );
        let expected = inv(vec![], vec![]);
        assert_eq!(objects(&live, &expected), ["z_copy"]);
        let expected = inv(vec![idx("z_copy", "t", &["x"])], vec![]);
        assert_eq!(objects(&live, &expected), ["a_canonical"]);
    }

    #[test]
    fn different_predicate_method_direction_or_order_is_not_a_duplicate() {
        let mut partial = idx("p", "t", &["a"]);
        partial.predicate = Some("a = true".into());
        let mut gin = idx("g", "t", &["b"]);
        gin.method = "gin".into();
        let mut gin_long = idx("g2", "t", &["b", "c"]);
        gin_long.method = "gin".into();
        let mut invalid = idx("inv", "t", &["d"]);
        invalid.valid = false;
        let live = inv(
            vec![
                partial,
                idx("full", "t", &["a"]).clone(),
                gin,
                gin_long,
                idx("desc", "u", &["a DESC", "b"]),
                idx("asc", "u", &["a", "b"]),
                idx("ba", "v", &["b"]),
                idx("ab", "v", &["a", "b"]),
                invalid,
                idx("d_long", "t", &["d", "e"]),
            ],
            vec![],
        );
        let expected = inv(vec![], vec![]);
        assert!(objects(&live, &expected).is_empty(), "{:?}", objects(&live, &expected));
    }

    #[test]
    fn another_operator_class_or_collation_is_not_a_duplicate() {
        let live = inv(
            vec![
                unique_constraint("user_email_key", "user", &["email"]),
                idx("ix_user_email_pattern", "user", &["email varchar_pattern_ops"]),
                idx("ix_user_email_c", "user", &["email COLLATE \"C\""]),
                idx("ix_user_email_nocase", "user", &["email COLLATE NOCASE"]),
                idx("ix_user_email_nocase_name", "user", &["email COLLATE NOCASE", "name"]),
            ],
            vec![],
        );
        let expected = inv(vec![], vec![]);
        // Only the NOCASE prefix of the NOCASE pair is redundant.
        assert_eq!(objects(&live, &expected), ["ix_user_email_nocase"]);
    }

    #[test]
    fn a_descending_copy_is_the_same_b_tree_read_backwards() {
        let live = inv(
            vec![
                idx("ix_name", "t", &["name"]),
                idx("ix_name_desc", "t", &["name DESC"]),
                idx("ix_a_desc", "u", &["a DESC"]),
                idx("ix_a_b", "u", &["a", "b"]),
                // (a DESC, b) is not (a, b) backwards: not reported.
                idx("ix_a_desc_b", "v", &["a DESC", "b"]),
                idx("ix_a_b2", "v", &["a", "b", "c"]),
            ],
            vec![],
        );
        let expected = inv(vec![idx("ix_name", "t", &["name"])], vec![]);
        assert_eq!(objects(&live, &expected), ["ix_name_desc", "ix_a_desc"]);
        let found = check(&ctx(Dialect::Postgres, &live, &expected));
        assert_eq!(
            found[0].message,
            "(name DESC) has the same columns as ix_name (name) read backwards (a b-tree scans both ways): every query it serves can use ix_name, while every write maintains both"
        );
        assert_eq!(
            found[1].message,
            "(a DESC) is a leading prefix of ix_a_b (a, b) read backwards (a b-tree scans both ways): every query it serves can use ix_a_b, while every write maintains both"
        );
        // Not for other methods (none has an order to read backwards).
        let mut hash = idx("h", "t", &["x"]);
        hash.method = "hash".into();
        let mut hash_desc = idx("h_desc", "t", &["x DESC"]);
        hash_desc.method = "hash".into();
        assert!(objects(&inv(vec![hash, hash_desc], vec![]), &expected).is_empty());
    }

    #[test]
    fn drifted_canonical_indexes_count_as_restored() {
        // room drifted to (sender_id, room_id): once restored it covers nothing of sender.
        let expected = inv(
            vec![idx("room", "m", &["room_id"]), idx("sender", "m", &["sender_id"])],
            vec![],
        );
        let live = inv(
            vec![idx("room", "m", &["sender_id", "room_id"]), idx("sender", "m", &["sender_id"])],
            vec![],
        );
        assert!(objects(&live, &expected).is_empty());
        // class drifted to (class_id): once restored to (class_id, started_at) the copy on
        // (class_id) is its prefix; the drifted index itself is no duplicate of the copy.
        let expected = inv(vec![idx("class", "s", &["class_id", "started_at"])], vec![]);
        let live = inv(
            vec![idx("class", "s", &["class_id"]), idx("copy", "s", &["class_id"])],
            vec![],
        );
        let found = check(&ctx(Dialect::Postgres, &live, &expected));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "(class_id) is a leading prefix of class (class_id, started_at) (as the canonical schema defines it): every query it serves can use class, while every write maintains both"
        );
    }

    #[test]
    fn include_columns_the_longer_index_lacks_keep_an_index() {
        let mut covering = idx("c", "t", &["a"]);
        covering.include = vec!["z".into()];
        let live = inv(vec![covering, idx("long", "t", &["a", "b"])], vec![]);
        let expected = inv(vec![], vec![]);
        assert!(objects(&live, &expected).is_empty());
    }
}
