//! A retention policy's batch DELETE as a hot query: what `chatdb explain` plans for its
//! `cleanup:<table>` entries, built from the very statement cleanup runs.

use serde::Serialize;

use super::Job;
use crate::catalog::queries::{DialectSql, HotQuery, IndexList, Param, Sample};
use crate::catalog::Dialect;

/// A retention policy's batch DELETE as explained: the policy, and the sample values the
/// statement is run with under `--analyze`.
#[derive(Serialize, Clone)]
pub struct CleanupBatch {
    pub table: String,
    pub time_column: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    pub keep: String,
    /// `$1`: the database's clock minus `keep`, as cleanup computes it.
    pub cutoff: String,
    /// `$3`: the keyset lower bound (a batch after the first starts at the newest time the
    /// previous one deleted; the sample takes every expired row).
    pub from: String,
    /// `$2`: rows per batch (`[cleanup] batch_size`, default 5000).
    pub limit: u64,
}

pub const CLEANUP_PREFIX: &str = "cleanup:";

/// `cleanup:<table>`: the report's name for a policy's batch DELETE.
pub fn cleanup_name(table: &str) -> String {
    format!("{CLEANUP_PREFIX}{table}")
}

/// A policy's batch DELETE as a hot query: cleanup's own statement in both dialects
/// (keyset form), the policy's index expected to deliver its order, the sample values.
pub fn cleanup_query(b: &CleanupBatch, index: Option<String>, reason: &str) -> HotQuery {
    let job = Job {
        table: b.table.clone(),
        time_column: b.time_column.clone(),
        condition: b.condition.clone(),
        cascade_tables: vec![],
    };
    let note = index.is_none().then(|| {
        format!(
            "the policy declares no `index`: name the index leading with {} in its [[policy]] so that explain checks the DELETE is index-driven",
            b.time_column
        )
    });
    let sql = |dialect| DialectSql {
        sql: job.batch_delete_sql(dialect, true),
        index: None,
        ordered: None,
        note: note.clone(),
    };
    let condition = b
        .condition
        .as_ref()
        .map_or(String::new(), |c| format!(" and {c}"));
    HotQuery {
        name: cleanup_name(&b.table),
        purpose: format!(
            "cleanup's batch DELETE for the retention policy on {}: rows with {} older than {}{condition}, oldest first, {} at a time ({reason}).",
            b.table, b.time_column, b.keep, b.limit
        ),
        index: IndexList(index.into_iter().collect()),
        ordered: true,
        target_ms: None,
        target_source: None,
        params: vec![
            Param {
                name: "cutoff".into(),
                pg_type: "text".into(),
                sample: Sample::Text(b.cutoff.clone()),
            },
            Param {
                name: "limit".into(),
                pg_type: "int8".into(),
                sample: Sample::Int(b.limit as i64),
            },
            Param {
                name: "from".into(),
                pg_type: "text".into(),
                sample: Sample::Text(b.from.clone()),
            },
        ],
        postgres: Some(sql(Dialect::Postgres)),
        sqlite: Some(sql(Dialect::Sqlite)),
    }
}
