//! `column-differs` (error): a column both have, with another type (length and precision
//! included), nullability, default, identity or generation expression than the canonical
//! schema's.
//!
//! Spellings that mean the same are no difference (see `same.rs`): PostgreSQL types by
//! name after aliases, SQLite types by affinity, defaults and the clock's spellings. One
//! finding per column lists everything that differs; the fix converges all of it, marked
//! where it rewrites the table or scans it under a long lock. SQLite changes none of
//! these in place: its fix is the table rebuild.

use super::{ddl, fix, same, Context, Found};
use crate::catalog::Dialect;
use crate::finding::{Rule, Scope, Severity, BOTH};
use crate::model::inventory::Column;

pub const RULE: Rule = Rule {
    id: "column-differs",
    severity: Severity::Error,
    summary: "a column's type, length, nullability, default, identity or generation differs from the canonical schema's",
    dialects: BOTH,
    scope: Scope::Check,
};

fn shown(text: Option<&str>) -> &str {
    text.unwrap_or("none")
}

/// What differs, one phrase each (empty: the same).
fn differences(dialect: Dialect, e: &Column, l: &Column) -> Vec<String> {
    let mut out = Vec::new();
    if !same::same_type(dialect, &e.data_type, &l.data_type) {
        out.push(match dialect {
            Dialect::Postgres => format!("type {} (canonical: {})", l.data_type, e.data_type),
            Dialect::Sqlite => format!(
                "type {} of affinity {} (canonical: {}, affinity {})",
                l.data_type,
                same::affinity(&l.data_type),
                e.data_type,
                same::affinity(&e.data_type)
            ),
        });
    }
    if e.not_null != l.not_null {
        out.push(if e.not_null {
            "nullable (canonical: NOT NULL)".to_string()
        } else {
            "NOT NULL (canonical: nullable)".to_string()
        });
    }
    if !same::same_default(dialect, e.default.as_deref(), l.default.as_deref()) {
        out.push(format!(
            "default {} (canonical: {})",
            shown(l.default.as_deref()),
            shown(e.default.as_deref())
        ));
    }
    if e.identity != l.identity {
        out.push(format!(
            "identity {} (canonical: {})",
            shown(l.identity.as_deref()),
            shown(e.identity.as_deref())
        ));
    }
    let generated = match dialect {
        Dialect::Postgres => e.generated.as_deref().map(same::check_form)
            != l.generated.as_deref().map(same::check_form),
        Dialect::Sqlite => e.generated != l.generated,
    };
    if generated {
        out.push(format!(
            "generated {} (canonical: {})",
            shown(l.generated.as_deref()),
            shown(e.generated.as_deref())
        ));
    }
    out
}

/// The PostgreSQL statements that turn `l` into `e`, in an order that works.
fn pg_fix(ctx: &Context, table: &str, e: &Column, l: &Column) -> String {
    let t = fix::qualified(ctx, table);
    let c = fix::ident(&e.name);
    let alter = |what: String| format!("ALTER TABLE {t} ALTER COLUMN {c} {what};");
    let mut out = Vec::new();
    let generated = e.generated.as_deref().map(same::check_form)
        != l.generated.as_deref().map(same::check_form);
    if generated {
        return format!(
            "-- PostgreSQL cannot change a column's generation in place: drop it and add it again (rewrites {table} under an ACCESS EXCLUSIVE lock; its values are recomputed or lost)\nALTER TABLE {t} DROP COLUMN {c};\nALTER TABLE {t} ADD COLUMN {};",
            ddl::pg_column(e)
        );
    }
    if l.identity.is_some() && e.identity.is_none() {
        out.push(alter("DROP IDENTITY".into()));
    }
    let default_differs =
        !same::same_default(ctx.dialect, e.default.as_deref(), l.default.as_deref());
    let type_differs = !same::same_type(ctx.dialect, &e.data_type, &l.data_type);
    // The old default goes first when the new type may not take it, or when none is wanted.
    if l.default.is_some() && (type_differs || (default_differs && e.default.is_none())) {
        out.push(alter("DROP DEFAULT".into()));
    }
    if type_differs {
        out.push(format!(
            "-- a type change rewrites {table} (and its indexes) under an ACCESS EXCLUSIVE lock, unless only a varchar length grows or varchar becomes text"
        ));
        out.push(alter(format!(
            "TYPE {ty} USING {c}::{ty}",
            ty = e.data_type
        )));
    }
    if let (true, Some(d)) = (default_differs || (type_differs && l.default.is_some()), &e.default) {
        out.push(alter(format!("SET DEFAULT {d}")));
    }
    match (&e.identity, &l.identity) {
        (Some(kind), None) => out.push(alter(format!("ADD GENERATED {kind} AS IDENTITY"))),
        (Some(kind), Some(was)) if kind != was => out.push(alter(format!("SET GENERATED {kind}"))),
        _ => {}
    }
    if e.not_null && !l.not_null {
        out.push(format!("-- SET NOT NULL scans {table} under an ACCESS EXCLUSIVE lock; on a big table first add CHECK ({c} IS NOT NULL) NOT VALID and VALIDATE it: SET NOT NULL then uses it instead of scanning"));
        out.push(alter("SET NOT NULL".into()));
    } else if !e.not_null && l.not_null {
        out.push(alter("DROP NOT NULL".into()));
    }
    out.join("\n")
}

pub fn check(ctx: &Context) -> Vec<Found> {
    let mut found = Vec::new();
    for e in &ctx.expected.tables {
        let Some(live) = ctx.live.table(&e.name) else {
            continue;
        };
        for ec in &e.details {
            let Some(lc) = live.details.iter().find(|c| c.name == ec.name) else {
                continue;
            };
            let diffs = differences(ctx.dialect, ec, lc);
            if diffs.is_empty() {
                continue;
            }
            let what = diffs.join("; ");
            let fix = match ctx.dialect {
                Dialect::Postgres => pg_fix(ctx, &e.name, ec, lc),
                Dialect::Sqlite => {
                    ddl::sqlite_rebuild(ctx, &e.name, &format!("{}.{}: {what}", e.name, ec.name))
                }
            };
            found.push(Found {
                table: Some(e.name.clone()),
                object: ec.name.clone(),
                message: format!("{}.{} has {what}", e.name, ec.name),
                fix: Some(fix),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;

    fn col(name: &str, ty: &str, default: Option<&str>) -> Column {
        Column {
            name: name.into(),
            data_type: ty.into(),
            default: default.map(String::from),
            ..Column::default()
        }
    }

    fn with(column: Column) -> crate::model::inventory::Inventory {
        let mut m = inv(vec![idx("i", "classes", &["id"])], vec![]);
        m.tables[0].columns = vec![column.name.clone()];
        m.tables[0].details = vec![column];
        m
    }

    #[test]
    fn equivalent_spellings_are_no_difference() {
        let e = with(col("grade", "character varying(10)", Some("now()")));
        let l = with(col("grade", "varchar(10)", Some("CURRENT_TIMESTAMP")));
        assert!(check(&ctx(Dialect::Postgres, &l, &e)).is_empty());
        let e = with(col("grade", "TEXT", Some("TRUE")));
        let l = with(col("grade", "VARCHAR(10)", Some("1")));
        assert!(check(&ctx(Dialect::Sqlite, &l, &e)).is_empty());
    }

    #[test]
    fn type_and_default_differences_are_one_finding_with_an_ordered_fix() {
        let mut ec = col("grade", "character varying(10)", Some("'1-1'::character varying"));
        ec.not_null = true;
        let e = with(ec);
        let l = with(col("grade", "text", Some("'x'::text")));
        let found = check(&ctx(Dialect::Postgres, &l, &e));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("type text (canonical: character varying(10))"));
        assert!(found[0].message.contains("nullable (canonical: NOT NULL)"));
        let fix = found[0].fix.as_deref().unwrap_or_default();
        let at = |s: &str| fix.find(s).unwrap_or_else(|| panic!("{s} in {fix}"));
        assert!(at("DROP DEFAULT") < at("TYPE character varying(10) USING grade::character varying(10)"));
        assert!(at("USING") < at("SET DEFAULT '1-1'") && at("SET DEFAULT") < at("SET NOT NULL"));
        assert!(fix.contains("rewrites classes"));
    }

    #[test]
    fn sqlite_types_of_another_affinity_differ_and_say_so() {
        let e = with(col("grade", "TEXT", None));
        let l = with(col("grade", "INTEGER", None));
        let found = check(&ctx(Dialect::Sqlite, &l, &e));
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("affinity INTEGER"), "{}", found[0].message);
    }
}
