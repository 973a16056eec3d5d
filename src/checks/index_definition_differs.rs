//! `index-definition-differs` (error): an index has the canonical name but not the
//! canonical definition: another table, other columns or column order or direction, other
//! operator class or collation, other INCLUDE columns, uniqueness, access method, partial
//! predicate, or constraint.
//!
//! Definitions are compared as the catalogs describe them, not as text: namespace
//! qualification is stripped and predicates and expressions are normalised (case and
//! spacing), so only a real difference counts. A column's operator class counts when it is
//! not the default for its type, its collation when it is not the dialect's default
//! (whether the index or the column's declaration chose it).

use super::{fix, Context, Found};
use crate::finding::{Rule, Scope, Severity, BOTH};
use crate::model::inventory::Index;

pub const RULE: Rule = Rule {
    id: "index-definition-differs",
    severity: Severity::Error,
    summary: "same name, different table, columns, column order or direction, operator class or collation, INCLUDE columns, uniqueness, method, partial predicate or constraint",
    dialects: BOTH,
    scope: Scope::Check,
};

pub fn check(ctx: &Context) -> Vec<Found> {
    let mut found = Vec::new();
    for e in &ctx.expected.indexes {
        let Some(live) = ctx.live.index(&e.key()) else {
            continue;
        };
        let diffs = differences(e, live);
        if diffs.is_empty() {
            continue;
        }
        found.push(Found {
            table: Some(live.table.clone()),
            object: live.label(),
            message: format!(
                "differs from the canonical schema at V{}: {}",
                ctx.version,
                diffs.join("; ")
            ),
            fix: Some(format!(
                "{}\n{}",
                fix::drop_index(ctx, live),
                fix::create_index(ctx, e)
            )),
        });
    }
    found
}

/// What differs, each as `<here> instead of <canonical>`.
pub fn differences(expected: &Index, live: &Index) -> Vec<String> {
    let mut diffs = Vec::new();
    if live.table != expected.table {
        diffs.push(format!(
            "on table {} instead of {}",
            live.table, expected.table
        ));
    }
    if live.columns != expected.columns {
        diffs.push(format!(
            "columns {} instead of {}",
            live.column_list(),
            expected.column_list()
        ));
    }
    if live.include != expected.include {
        let list = |cols: &[String]| {
            if cols.is_empty() {
                "no INCLUDE".to_string()
            } else {
                format!("INCLUDE ({})", cols.join(", "))
            }
        };
        diffs.push(format!(
            "{} instead of {}",
            list(&live.include),
            list(&expected.include)
        ));
    }
    if live.unique != expected.unique {
        diffs.push(if live.unique {
            "unique instead of non-unique".to_string()
        } else {
            "non-unique instead of unique".to_string()
        });
    }
    if live.method != expected.method {
        diffs.push(format!(
            "method {} instead of {}",
            live.method, expected.method
        ));
    }
    if !live.same_predicate(expected) {
        let pred = |p: &Option<String>| match p {
            Some(p) => format!("WHERE {p}"),
            None => "no predicate".to_string(),
        };
        diffs.push(format!(
            "{} instead of {}",
            pred(&live.predicate),
            pred(&expected.predicate)
        ));
    }
    let kind = |i: &Index| match (&i.constraint, i.primary) {
        (_, true) => "a PRIMARY KEY".to_string(),
        (Some(c), false) => format!("a {} constraint", c.definition.split(' ').next().unwrap_or("")),
        (None, false) => "no constraint".to_string(),
    };
    if kind(live) != kind(expected) {
        diffs.push(format!("backs {} instead of {}", kind(live), kind(expected)));
    }
    diffs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Dialect;
    use crate::checks::testkit::*;

    #[test]
    fn other_columns_order_direction_and_predicate_are_reported() {
        let expected = inv(
            vec![
                idx("idx_messages_room", "messages", &["room_id", "created_at DESC"]),
                idx("idx_b", "t", &["a", "b"]),
            ],
            vec![],
        );
        let mut partial = idx("idx_b", "t", &["b", "a"]);
        partial.predicate = Some("a is not null".into());
        let live = inv(
            vec![
                idx("idx_messages_room", "messages", &["room_id", "created_at"]),
                partial,
            ],
            vec![],
        );
        let found = check(&ctx(Dialect::Postgres, &live, &expected));
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].message,
            "differs from the canonical schema at V3: columns (room_id, created_at) instead of (room_id, created_at DESC)"
        );
        assert_eq!(
            found[1].message,
            "differs from the canonical schema at V3: columns (b, a) instead of (a, b); WHERE a is not null instead of no predicate"
        );
        assert_eq!(
            found[0].fix.as_deref(),
            Some("DROP INDEX CONCURRENTLY public.idx_messages_room;\nCREATE INDEX CONCURRENTLY idx_messages_room ON public.messages USING btree (room_id, created_at DESC);")
        );
    }

    #[test]
    fn uniqueness_method_and_constraint_count() {
        let e = unique_constraint("k", "t", &["a"]);
        let mut l = idx("k", "t", &["a"]);
        l.method = "hash".into();
        let diffs = differences(&e, &l);
        assert_eq!(
            diffs,
            [
                "non-unique instead of unique",
                "method hash instead of btree",
                "backs no constraint instead of a UNIQUE constraint"
            ]
        );
        assert!(differences(&e, &e).is_empty());
    }
}
