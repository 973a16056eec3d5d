//! `unused-index` (info, PostgreSQL): an index of at least [`MIN_BYTES`] that has not been
//! scanned once since the database's statistics were last reset.
//!
//! The counters (`pg_stat_all_indexes.idx_scan`) are this server's only: scans on replicas
//! are not counted, and a recent reset makes every index look unused, which is why each
//! finding says when the statistics were reset. Small indexes cost little and are left out.
//!
//! Unique and primary-key indexes are never reported (as in PgHero and pg-extras): they
//! enforce a rule of the data on every write without ever being scanned. Neither is an
//! index that is the only one serving a foreign key: cascades and key checks are rare, so
//! such an index can look unused for months and still be what keeps a parent delete from
//! scanning the child table. A canonical index is reported, but its fix is a migration.

use super::{covers, human_bytes, fix, Context, Found};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "unused-index",
    severity: Severity::Info,
    summary: "no scans since statistics were last reset, at least 1 MiB; never suggests dropping a unique or primary-key index, nor the only index serving a foreign key",
    dialects: POSTGRES,
    scope: Scope::Check,
};

/// Indexes smaller than this are not worth a finding (1 MiB: 128 pages).
pub const MIN_BYTES: i64 = 1024 * 1024;

pub fn check(ctx: &Context) -> Vec<Found> {
    let Some(usage) = &ctx.live.usage else {
        return Vec::new();
    };
    let since = match &usage.stats_reset {
        Some(at) => format!("since statistics were last reset ({at})"),
        None => "since statistics began (never reset)".to_string(),
    };
    let mut found = Vec::new();
    for i in &ctx.live.indexes {
        let unused = i.scans == Some(0) && i.size_bytes.is_some_and(|s| s >= MIN_BYTES);
        if !unused || i.unique || i.primary || !i.valid {
            continue;
        }
        let only_for_fk = ctx.live.foreign_keys.iter().find(|fk| {
            covers(ctx.dialect, ctx.live, i, fk)
                && !ctx
                    .live
                    .indexes_on(&fk.table)
                    .any(|o| o.name != i.name && o.valid && covers(ctx.dialect, ctx.live, o, fk))
        });
        let size = human_bytes(i.size_bytes.unwrap_or(0));
        let (message, fix) = match only_for_fk {
            Some(fk) => (
                format!(
                    "no scans {since}, {size}; keep it anyway: it is the only index serving foreign key {}, whose deletes on {} are rare but would scan {} without it",
                    fk.label(),
                    fk.ref_table,
                    fk.table
                ),
                None,
            ),
            None if ctx.expected.index(&i.key()).is_some() => (
                format!("no scans {since}, {size} maintained on every write; it is in the canonical schema"),
                Some(format!(
                    "-- drop it through a new canonical migration (a hand-made drop shows up as missing-index):\n{}",
                    fix::drop_index(ctx, i)
                )),
            ),
            None => (
                format!("no scans {since}, {size} maintained on every write"),
                Some(fix::drop_index(ctx, i)),
            ),
        };
        found.push(Found {
            table: Some(i.table.clone()),
            object: i.label(),
            message,
            fix,
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Dialect;
    use crate::checks::testkit::*;
    use crate::model::inventory::{FkAction, Index, Usage};

    fn sized(mut i: Index, scans: i64, bytes: i64) -> Index {
        i.scans = Some(scans);
        i.size_bytes = Some(bytes);
        i
    }

    #[test]
    fn big_unscanned_indexes_are_reported_unique_small_and_fk_ones_are_not() {
        let big = 4 * MIN_BYTES;
        let mut pk = unique_constraint("t_pkey", "t", &["id"]);
        pk.primary = true;
        let mut live = inv(
            vec![
                sized(idx("dead", "t", &["a"]), 0, big),
                sized(idx("busy", "t", &["b"]), 12, big),
                sized(idx("small", "t", &["c"]), 0, 8192),
                sized(unique_constraint("t_d_key", "t", &["d"]), 0, big),
                sized(pk, 0, big),
                sized(idx("t_parent", "t", &["parent_id"]), 0, big),
            ],
            vec![fk("t", &["parent_id"], "parent", FkAction::Cascade)],
        );
        live.usage = Some(Usage {
            stats_reset: Some("2026-01-02T03:04:05Z".into()),
        });
        let expected = inv(vec![], vec![]);
        let found = check(&ctx(Dialect::Postgres, &live, &expected));
        let objects: Vec<&str> = found.iter().map(|f| f.object.as_str()).collect();
        assert_eq!(objects, ["dead", "t_parent"]);
        assert_eq!(
            found[0].message,
            "no scans since statistics were last reset (2026-01-02T03:04:05Z), 4096 kB maintained on every write"
        );
        assert_eq!(found[0].fix.as_deref(), Some("DROP INDEX CONCURRENTLY public.dead;"));
        assert!(found[1].message.contains("keep it anyway"));
        assert_eq!(found[1].fix, None, "never suggests dropping an FK's only index");
    }

    #[test]
    fn without_usage_statistics_nothing_is_reported() {
        let live = inv(vec![sized(idx("dead", "t", &["a"]), 0, 4 * MIN_BYTES)], vec![]);
        let expected = inv(vec![], vec![]);
        assert!(check(&ctx(Dialect::Postgres, &live, &expected)).is_empty());
    }
}
