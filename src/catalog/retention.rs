//! Retention policies: declared in `schemas/<schema>.toml` as `[[policy]]`, adjusted by
//! `[cleanup.policies.<table>]` in `chatdb.toml` and by `cleanup` flags.
//!
//! ```toml
//! [[policy]]
//! table = "sessions"
//! time_column = "ended_at"            # rows age by this column
//! condition = "ended_at IS NOT NULL"  # optional extra SQL condition, valid in both dialects
//! keep = "180d"                       # default keep period
//! enabled = true                      # runs without --older-than
//! reason = "ERD v0.2: ended sessions are deleted after 180 days"
//! index = "idx_sessions_ended_at"     # optional: the index meant to drive the batch DELETE
//! ```
//!
//! `index` is checked by `chatdb explain` (its `cleanup:<table>` entries): the index whose
//! leading column is `time_column`, partial only with a predicate the `condition` implies.

use std::time::Duration;

use anyhow::{bail, Result};
use serde::Deserialize;

use crate::duration::parse as parse_duration;

/// A policy as the manifest declares it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDecl {
    pub table: String,
    pub time_column: String,
    #[serde(default)]
    pub condition: Option<String>,
    pub keep: String,
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub reason: String,
    /// The index meant to drive the batch DELETE (leading with `time_column`); checked by
    /// `chatdb explain`. Absent: explain reports the plan without judging it.
    #[serde(default)]
    pub index: Option<String>,
}

/// Validates a schema's declared policies: one per table, identifiers sane, keep parses.
pub fn validate(schema: &str, policies: &[PolicyDecl]) -> Result<()> {
    for (i, p) in policies.iter().enumerate() {
        for ident in [&p.table, &p.time_column]
            .into_iter()
            .chain(p.index.as_ref())
        {
            if ident.is_empty() || !ident.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                bail!(
                    "schemas/{schema}.toml: policy on `{}`: `{ident}` is not a plain identifier",
                    p.table
                );
            }
        }
        parse_keep(
            &p.keep,
            &format!("schemas/{schema}.toml: policy on `{}`: keep", p.table),
        )?;
        if policies[..i].iter().any(|q| q.table == p.table) {
            bail!(
                "schemas/{schema}.toml: two policies for table `{}`",
                p.table
            );
        }
    }
    Ok(())
}

/// Parses a keep period such as `30d`, `12h`, `90 days`.
pub fn parse_keep(text: &str, what: &str) -> Result<Duration> {
    parse_duration(text, what)
}
