//! `primary-key-differs` (error): a table both have whose primary key (its columns, in
//! order) is another than the canonical schema's, or that has none where the canonical
//! schema has one (or the reverse). Compared by columns, not by name; SQLite's rowid key
//! (`id INTEGER PRIMARY KEY`, which has no catalog index) counts.
//!
//! The index rules' findings about the primary-key indexes of such a table are folded into
//! this one (see [`super::run`]).

use super::{ddl, fix, Context, Found};
use crate::catalog::Dialect;
use crate::finding::{Rule, Scope, Severity, BOTH};

pub const RULE: Rule = Rule {
    id: "primary-key-differs",
    severity: Severity::Error,
    summary: "a table's primary key has other columns than the canonical schema's (or is missing)",
    dialects: BOTH,
    scope: Scope::Check,
};

fn shown(cols: &[String]) -> String {
    if cols.is_empty() {
        "none".into()
    } else {
        format!("({})", cols.join(", "))
    }
}

pub fn check(ctx: &Context) -> Vec<Found> {
    let mut found = Vec::new();
    for e in &ctx.expected.tables {
        if ctx.live.table(&e.name).is_none() {
            continue;
        }
        let want = ctx.expected.primary_key(&e.name);
        let have = ctx.live.primary_key(&e.name);
        if want == have {
            continue;
        }
        let what = format!(
            "{} has primary key {} (canonical: {})",
            e.name,
            shown(&have),
            shown(&want)
        );
        let fix = match ctx.dialect {
            Dialect::Sqlite => ddl::sqlite_rebuild(ctx, &e.name, &what),
            Dialect::Postgres => {
                let name_of = |inv: &crate::model::inventory::Inventory| {
                    inv.indexes_on(&e.name)
                        .find(|i| i.primary)
                        .map(|i| {
                            i.constraint
                                .as_ref()
                                .and_then(|c| c.name.clone())
                                .unwrap_or_else(|| i.name.clone())
                        })
                };
                let mut out = Vec::new();
                if let Some(old) = name_of(ctx.live) {
                    out.push(ddl::drop_constraint(ctx, &e.name, &old));
                }
                if !want.is_empty() {
                    let name = name_of(ctx.expected).unwrap_or_else(|| format!("{}_pkey", e.name));
                    let cols: Vec<String> = want.iter().map(|c| fix::ident(c)).collect();
                    out.insert(0, format!("-- builds the key's unique index under an ACCESS EXCLUSIVE lock on {}; on a big table build it with CREATE UNIQUE INDEX CONCURRENTLY first and ADD ... PRIMARY KEY USING INDEX", e.name));
                    out.push(format!(
                        "ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({});",
                        fix::qualified(ctx, &e.name),
                        fix::ident(&name),
                        cols.join(", ")
                    ));
                }
                out.join("\n")
            }
        };
        found.push(Found {
            table: Some(e.name.clone()),
            object: e.name.clone(),
            message: what,
            fix: Some(fix),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;

    #[test]
    fn primary_keys_compare_by_columns() {
        let mut e = inv(vec![unique_constraint("t_pkey", "t", &["a", "b"])], vec![]);
        e.indexes[0].primary = true;
        let mut l = e.clone();
        l.indexes[0].columns.pop();
        let found = check(&ctx(Dialect::Postgres, &l, &e));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "t has primary key (a) (canonical: (a, b))");
        let fix = found[0].fix.as_deref().unwrap_or_default();
        assert!(fix.contains("ALTER TABLE public.t DROP CONSTRAINT t_pkey;\nALTER TABLE public.t ADD CONSTRAINT t_pkey PRIMARY KEY (a, b);"), "{fix}");
        let mut renamed = e.clone();
        renamed.indexes[0].name = "t_pk".into();
        assert!(check(&ctx(Dialect::Postgres, &renamed, &e)).is_empty());
    }
}
