//! Retention, the dialect-free half: which policies run with which keep period
//! ([`resolve`]), the SQL a cleanup runs ([`sql`]: the batch DELETE, the expired counts,
//! the cascade walk), how big the next batch is ([`next_limit`]), and a policy's batch
//! DELETE as a hot query for `chatdb explain` ([`hot`]). The databases run it through
//! [`crate::db::retention::Retention`], implemented in `db/postgres/retention.rs` and
//! `db/sqlite/retention.rs`.

pub mod hot;
pub mod sql;

use std::time::Duration;

use anyhow::{bail, Result};
use serde::Serialize;

use crate::catalog::retention::{parse_keep, PolicyDecl};
use crate::duration::parse as parse_duration;

pub use sql::{descendants, Batch, Cascade, Job, Timeouts};

/// A keep period under this needs `--force`.
const MIN_KEEP: Duration = Duration::from_secs(3600);

/// A policy as it will be run (or listed).
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub table: String,
    pub time_column: String,
    pub condition: Option<String>,
    pub keep: String,
    pub keep_seconds: u64,
    /// Where the keep period came from: manifest, chatdb.toml or --older-than.
    pub keep_from: &'static str,
    pub enabled: bool,
    pub runs: bool,
    pub reason: String,
}

/// Which policies run, with which keep periods. Pure: unit-tested below.
pub fn resolve(
    decls: &[PolicyDecl],
    overrides: &crate::settings::CleanupConfig,
    tables: &[String],
    older_than: Option<&str>,
    force: bool,
    schema: &str,
) -> Result<Vec<Policy>> {
    for t in overrides.policies.keys() {
        if !decls.iter().any(|d| &d.table == t) {
            bail!("chatdb.toml [cleanup.policies.{t}]: schema `{schema}` has no retention policy on table `{t}`");
        }
    }
    for t in tables {
        if !decls.iter().any(|d| &d.table == t) {
            let known: Vec<&str> = decls.iter().map(|d| d.table.as_str()).collect();
            bail!(
                "--table {t}: schema `{schema}` has no retention policy on that table (policies: {})",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            );
        }
    }
    let older = older_than
        .map(|d| parse_duration(d, "--older-than").map(|v| (d, v)))
        .transpose()?;
    let mut out = Vec::new();
    for d in decls
        .iter()
        .filter(|d| tables.is_empty() || tables.contains(&d.table))
    {
        let o = overrides.policies.get(&d.table);
        let enabled = o.and_then(|o| o.enabled).unwrap_or(d.enabled);
        let (keep_text, keep, keep_from) = match (&older, o.and_then(|o| o.keep.as_deref())) {
            (Some((text, v)), _) => (text.to_string(), *v, "--older-than"),
            (None, Some(k)) => (
                k.to_string(),
                parse_keep(
                    k,
                    &format!("chatdb.toml [cleanup.policies.{}] keep", d.table),
                )?,
                "chatdb.toml",
            ),
            (None, None) => (d.keep.clone(), parse_keep(&d.keep, "keep")?, "manifest"),
        };
        let runs = older.is_some() || enabled;
        if runs && keep < MIN_KEEP && !force {
            bail!(
                "keep period {keep_text} for {} is under one hour: that is almost certainly a mistake (pass --force if it is not)",
                d.table
            );
        }
        out.push(Policy {
            table: d.table.clone(),
            time_column: d.time_column.clone(),
            condition: d.condition.clone(),
            keep: keep_text,
            keep_seconds: keep.as_secs(),
            keep_from,
            enabled,
            runs,
            reason: d.reason.clone(),
        });
    }
    Ok(out)
}

/// What the last attempt at a batch showed, for [`next_limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    /// Nothing yet: the policy's first batch.
    Start,
    /// A batch committed: rows deleted from the table, and rows its deletes cascaded to.
    Batch { deleted: u64, cascaded: u64 },
    /// The batch hit the statement timeout and was rolled back.
    StatementTimeout,
}

/// The adaptive batch size: the row limit of the next batch, so that no transaction
/// touches much more than `batch_size` rows. Without cascades every batch takes
/// `batch_size`; with cascades the first takes a twentieth and each later one is sized
/// by the fan-out the last one measured. A statement timeout halves the batch.
pub fn next_limit(limit: u64, batch_size: u64, cascading: bool, observed: Observed) -> u64 {
    let batch_size = batch_size.max(1);
    match observed {
        Observed::Start if cascading => (batch_size / 20).max(1),
        Observed::Start => batch_size,
        Observed::StatementTimeout => (limit / 2).max(1),
        Observed::Batch { deleted, cascaded } if cascading => {
            let touched = deleted + cascaded;
            (limit.saturating_mul(batch_size) / touched.max(1)).clamp(1, batch_size)
        }
        Observed::Batch { .. } => limit,
    }
}

/// The first batch's limit under a time budget: small, until a batch has been timed.
pub const BUDGET_START: u64 = 500;

/// Under a time budget, batches never shrink below this many rows (or `--batch-size`, if
/// smaller): a batch that small costs its commit (a disk flush), not its rows, and
/// shrinking it further would only multiply the commits.
pub const BUDGET_FLOOR: u64 = 100;

/// The row limit of the next batch when batches are sized by time: the last batch held its
/// locks for `held` with `limit` rows; the next one aims at 80% of `budget`, shrinking
/// proportionally when over it (not below [`BUDGET_FLOOR`]) and growing at most twofold,
/// never past `batch_size`.
pub fn fit_to_budget(limit: u64, batch_size: u64, held: Duration, budget: Duration) -> u64 {
    let batch_size = batch_size.max(1);
    let held_us = held.as_micros().max(1);
    let aim_us = budget.as_micros() * 8 / 10;
    let scaled = (u128::from(limit.max(1)) * aim_us / held_us).min(u128::from(u64::MAX)) as u64;
    scaled
        .clamp(BUDGET_FLOOR, limit.max(BUDGET_FLOOR).saturating_mul(2))
        .min(batch_size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{CleanupConfig, PolicyOverride};

    #[test]
    fn batches_under_a_time_budget_shrink_when_slow_and_grow_slowly() {
        let budget = Duration::from_millis(100);
        let ms = Duration::from_millis;
        // 5,000 rows held the lock 600 ms: the next batch aims at 80 ms.
        assert_eq!(fit_to_budget(5000, 5000, ms(600), budget), 666);
        // Fast batches grow, twofold at most, never past --batch-size.
        assert_eq!(fit_to_budget(500, 5000, ms(10), budget), 1000);
        assert_eq!(fit_to_budget(4000, 5000, ms(10), budget), 5000);
        // Never below the floor (a batch that small costs its commit), nor past --batch-size.
        assert_eq!(
            fit_to_budget(150, 5000, Duration::from_secs(5), budget),
            100
        );
        assert_eq!(fit_to_budget(100, 100, Duration::from_secs(5), budget), 100);
        assert_eq!(fit_to_budget(0, 0, Duration::ZERO, budget), 1);
    }

    fn decl(table: &str, keep: &str, enabled: bool) -> PolicyDecl {
        PolicyDecl {
            table: table.into(),
            time_column: "created_at".into(),
            condition: None,
            keep: keep.into(),
            enabled,
            reason: String::new(),
            index: None,
        }
    }

    #[test]
    fn batches_adapt_to_the_fan_out_and_to_timeouts() {
        assert_eq!(next_limit(0, 5000, false, Observed::Start), 5000);
        assert_eq!(next_limit(0, 5000, true, Observed::Start), 250);
        assert_eq!(next_limit(0, 10, true, Observed::Start), 1);
        // 250 rows cascaded to 4,750 more: 5,000 touched, the size holds.
        let b = Observed::Batch {
            deleted: 250,
            cascaded: 4750,
        };
        assert_eq!(next_limit(250, 5000, true, b), 250);
        // Few cascades: grows, but never past --batch-size.
        let b = Observed::Batch {
            deleted: 250,
            cascaded: 0,
        };
        assert_eq!(next_limit(250, 5000, true, b), 5000);
        // A huge fan-out: shrinks, never to zero.
        let b = Observed::Batch {
            deleted: 1,
            cascaded: 1_000_000,
        };
        assert_eq!(next_limit(1, 5000, true, b), 1);
        let b = Observed::Batch {
            deleted: 5000,
            cascaded: 0,
        };
        assert_eq!(next_limit(5000, 5000, false, b), 5000);
        assert_eq!(
            next_limit(5000, 5000, false, Observed::StatementTimeout),
            2500
        );
        assert_eq!(next_limit(1, 5000, true, Observed::StatementTimeout), 1);
        assert_eq!(
            next_limit(
                u64::MAX,
                u64::MAX,
                true,
                Observed::Batch {
                    deleted: 1,
                    cascaded: 0
                }
            ),
            u64::MAX
        );
    }

    #[test]
    fn only_enabled_policies_run_unless_older_than_is_given() {
        let decls = [decl("a", "30d", true), decl("b", "90d", false)];
        let none = CleanupConfig::default();
        let p = resolve(&decls, &none, &[], None, false, "s").expect("ok");
        assert_eq!(
            p.iter()
                .filter(|p| p.runs)
                .map(|p| p.table.as_str())
                .collect::<Vec<_>>(),
            ["a"]
        );
        let p = resolve(&decls, &none, &[], Some("7d"), false, "s").expect("ok");
        assert!(p
            .iter()
            .all(|p| p.runs && p.keep_seconds == 7 * 86400 && p.keep_from == "--older-than"));
        let p = resolve(&decls, &none, &["b".into()], Some("7d"), false, "s").expect("ok");
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn config_overrides_keep_and_switches() {
        let decls = [decl("a", "30d", true), decl("b", "90d", false)];
        let mut cfg = CleanupConfig::default();
        cfg.policies.insert(
            "a".into(),
            PolicyOverride {
                keep: Some("14d".into()),
                enabled: None,
            },
        );
        cfg.policies.insert(
            "b".into(),
            PolicyOverride {
                keep: None,
                enabled: Some(true),
            },
        );
        let p = resolve(&decls, &cfg, &[], None, false, "s").expect("ok");
        assert_eq!(p[0].keep_seconds, 14 * 86400);
        assert_eq!(p[0].keep_from, "chatdb.toml");
        assert!(p[1].runs);
    }

    #[test]
    fn bad_input_is_refused() {
        let decls = [decl("a", "30d", true)];
        let none = CleanupConfig::default();
        for bad in ["30x", "-5d", "0d", ""] {
            assert!(
                resolve(&decls, &none, &[], Some(bad), false, "s").is_err(),
                "{bad}"
            );
        }
        assert!(resolve(&decls, &none, &["nosuch".into()], None, false, "s").is_err());
        assert!(
            resolve(&decls, &none, &[], Some("30m"), false, "s").is_err(),
            "under an hour needs --force"
        );
        assert!(resolve(&decls, &none, &[], Some("30m"), true, "s").is_ok());
        let mut cfg = CleanupConfig::default();
        cfg.policies.insert("zzz".into(), PolicyOverride::default());
        assert!(resolve(&decls, &cfg, &[], None, false, "s").is_err());
    }
}
