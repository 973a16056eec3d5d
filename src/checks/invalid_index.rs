//! `invalid-index` (error, PostgreSQL): `pg_index.indisvalid` is false.
//!
//! A failed `CREATE INDEX CONCURRENTLY` (or `REINDEX CONCURRENTLY`) leaves its index behind,
//! marked invalid: the planner never uses it, yet writes may still maintain it, and a unique
//! one still rejects rows. An index whose build is running right now is invalid until the
//! build ends, so those (seen in `pg_stat_progress_create_index`) are not reported.
//! The fix rebuilds the index, as the canonical schema defines it when it has one.

use super::{fix, Context, Found};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "invalid-index",
    severity: Severity::Error,
    summary: "`indisvalid` is false (a failed `CREATE INDEX CONCURRENTLY`), unless that build is running right now",
    dialects: POSTGRES,
    scope: Scope::Check,
};

pub fn check(ctx: &Context) -> Vec<Found> {
    let mut found = Vec::new();
    for i in ctx.live.indexes.iter().filter(|i| !i.valid && !i.building) {
        let canonical = ctx.expected.index(&i.key());
        let mut message = "INVALID (left by a failed CREATE INDEX CONCURRENTLY or REINDEX): queries never use it, yet writes still pay for it".to_string();
        if i.unique {
            message.push_str("; a unique build fails on duplicate rows, so remove those before rebuilding");
        }
        if canonical.is_none() {
            message.push_str("; it is not in the canonical schema");
        }
        let fix = match &i.constraint {
            Some(_) => format!("REINDEX INDEX CONCURRENTLY {};", fix::qualified(ctx, &i.name)),
            None => format!(
                "{}\n{}",
                fix::drop_index(ctx, i),
                fix::create_index(ctx, canonical.unwrap_or(i))
            ),
        };
        found.push(Found {
            table: Some(i.table.clone()),
            object: i.label(),
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

    #[test]
    fn invalid_indexes_are_reported_unless_being_built() {
        let mut broken = idx("uq_t_a", "t", &["a"]);
        broken.valid = false;
        broken.unique = true;
        broken.definition = "CREATE UNIQUE INDEX uq_t_a ON t USING btree (a)".into();
        let mut building = idx("ix_t_b", "t", &["b"]);
        building.valid = false;
        building.building = true;
        let live = inv(vec![broken, building, idx("ok", "t", &["c"])], vec![]);
        let expected = inv(vec![], vec![]);
        let found = check(&ctx(Dialect::Postgres, &live, &expected));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object, "uq_t_a");
        assert!(found[0].message.contains("duplicate rows"));
        assert_eq!(
            found[0].fix.as_deref(),
            Some("DROP INDEX CONCURRENTLY public.uq_t_a;\nCREATE UNIQUE INDEX CONCURRENTLY uq_t_a ON public.t USING btree (a);")
        );
    }
}
