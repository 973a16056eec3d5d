//! `sequence-differs` (warning, PostgreSQL): a sequence is missing, extra, or differs in
//! type, start, increment, bounds, cycling or owning column (`OWNED BY`, which makes it
//! go with its column). Sequences that belong to a table or column another rule reports
//! missing or extra, and those behind identity columns (`column-differs` compares
//! identity), are left to those rules.

use super::{fix, Context, Found};
use crate::finding::{Rule, Scope, Severity, POSTGRES};
use crate::model::inventory::{Inventory, Sequence};

pub const RULE: Rule = Rule {
    id: "sequence-differs",
    severity: Severity::Warning,
    summary: "a sequence is missing, extra, or differs in type, bounds, increment or ownership",
    dialects: POSTGRES,
    scope: Scope::Check,
};

/// Whether another rule speaks for this sequence in `inv` against `other`: its owner
/// column is missing on the other side, or is an identity column.
fn spoken_for(s: &Sequence, inv: &Inventory, other: &Inventory) -> bool {
    let Some((table, column)) = &s.owned_by else {
        return false;
    };
    let identity = inv
        .table(table)
        .and_then(|t| t.details.iter().find(|c| &c.name == column))
        .is_some_and(|c| c.identity.is_some());
    let elsewhere = other
        .table(table)
        .is_some_and(|t| t.columns.contains(column));
    identity || !elsewhere
}

fn owner(s: &Sequence) -> String {
    s.owned_by
        .as_ref()
        .map_or("NONE".into(), |(t, c)| format!("{t}.{c}"))
}

pub fn check(ctx: &Context) -> Vec<Found> {
    let mut found = Vec::new();
    let q = |name: &str| fix::qualified(ctx, name);
    let owned = |s: &Sequence| match &s.owned_by {
        Some((t, c)) => format!("{}.{}", q(t), fix::ident(c)),
        None => "NONE".into(),
    };
    for e in &ctx.expected.sequences {
        if spoken_for(e, ctx.expected, ctx.live) {
            continue;
        }
        let Some(l) = ctx.live.sequences.iter().find(|l| l.name == e.name) else {
            found.push(Found {
                table: e.owned_by.as_ref().map(|(t, _)| t.clone()),
                object: e.name.clone(),
                message: format!(
                    "the canonical schema at V{} has sequence {} (owned by {}); the database does not",
                    ctx.version,
                    e.name,
                    owner(e)
                ),
                fix: Some(format!(
                    "CREATE SEQUENCE {} AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {}{} OWNED BY {};",
                    q(&e.name),
                    e.data_type,
                    e.increment,
                    e.min,
                    e.max,
                    e.start,
                    if e.cycle { " CYCLE" } else { "" },
                    owned(e)
                )),
            });
            continue;
        };
        let mut diffs = Vec::new();
        let mut set = Vec::new();
        if e.data_type != l.data_type {
            diffs.push(format!("type {} (canonical: {})", l.data_type, e.data_type));
            set.push(format!("AS {}", e.data_type));
        }
        for (what, have, want, clause) in [
            ("increment", l.increment, e.increment, "INCREMENT BY"),
            ("minimum", l.min, e.min, "MINVALUE"),
            ("maximum", l.max, e.max, "MAXVALUE"),
            ("start", l.start, e.start, "START WITH"),
        ] {
            if have != want {
                diffs.push(format!("{what} {have} (canonical: {want})"));
                set.push(format!("{clause} {want}"));
            }
        }
        if e.cycle != l.cycle {
            diffs.push(format!("cycle {} (canonical: {})", l.cycle, e.cycle));
            set.push(if e.cycle { "CYCLE" } else { "NO CYCLE" }.into());
        }
        if e.owned_by != l.owned_by {
            diffs.push(format!("owned by {} (canonical: {})", owner(l), owner(e)));
            set.push(format!("OWNED BY {}", owned(e)));
        }
        if diffs.is_empty() {
            continue;
        }
        found.push(Found {
            table: e.owned_by.as_ref().map(|(t, _)| t.clone()),
            object: e.name.clone(),
            message: format!("sequence {} has {}", e.name, diffs.join("; ")),
            fix: Some(format!("ALTER SEQUENCE {} {};", q(&e.name), set.join(" "))),
        });
    }
    for l in &ctx.live.sequences {
        if spoken_for(l, ctx.live, ctx.expected)
            || ctx.expected.sequences.iter().any(|e| e.name == l.name)
        {
            continue;
        }
        found.push(Found {
            table: l.owned_by.as_ref().map(|(t, _)| t.clone()),
            object: l.name.clone(),
            message: format!(
                "sequence {} (owned by {}) is not in the canonical schema at V{}",
                l.name,
                owner(l),
                ctx.version
            ),
            fix: Some(format!(
                "-- add it to the canonical schema in a new migration, or, if nothing uses it:\nDROP SEQUENCE {};",
                q(&l.name)
            )),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Dialect;
    use crate::checks::testkit::*;

    fn seq(name: &str, owner: Option<(&str, &str)>) -> Sequence {
        Sequence {
            name: name.into(),
            data_type: "bigint".into(),
            start: 1,
            increment: 1,
            min: 1,
            max: i64::MAX,
            cycle: false,
            owned_by: owner.map(|(t, c)| (t.into(), c.into())),
        }
    }

    #[test]
    fn sequences_compare_by_name_settings_and_owner() {
        let mut e = inv(vec![idx("i", "orders", &["id"])], vec![]);
        e.tables[0].columns = vec!["number".into()];
        e.sequences = vec![seq("order_number_seq", Some(("orders", "number")))];
        let mut l = e.clone();
        l.sequences[0].increment = 10;
        l.sequences[0].owned_by = None;
        let found = check(&ctx(Dialect::Postgres, &l, &e));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].fix.as_deref(),
            Some("ALTER SEQUENCE public.order_number_seq INCREMENT BY 1 OWNED BY public.orders.number;")
        );
        l.sequences.clear();
        assert!(check(&ctx(Dialect::Postgres, &l, &e))[0].fix.as_deref().unwrap_or_default().starts_with("CREATE SEQUENCE"));
        assert_eq!(check(&ctx(Dialect::Postgres, &e, &l)).len(), 1, "extra");
        assert!(check(&ctx(Dialect::Postgres, &e, &e)).is_empty());
    }
}
