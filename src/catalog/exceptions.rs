//! What a schema's manifest declares `chatdb validate` should accept on purpose, each with a
//! reason: differences between the PostgreSQL and SQLite results that are intended, and lint
//! findings of a PostgreSQL migration that were weighed and accepted.
//!
//! They live in the manifest rather than as comments in the SQL because a released
//! migration is never edited (its checksum is in the lock file and in every migrated
//! database's history table). A new migration can instead carry a `-- chatdb:allow <rule>`
//! comment next to the statement.
//!
//! ```toml
//! [[validate.parity_exception]]
//! object = "index idx_tasks_tags"
//! reason = "GIN index over a TEXT[] column; SQLite has no GIN"
//!
//! [[validate.lint_allow]]
//! file = "V2__index_repairs.sql"
//! rule = "require-concurrent-index"
//! reason = "released before no-transaction migrations existed; migrate a large deployment in a quiet window"
//! ```

use serde::Deserialize;

/// `[validate]` in `schemas/<schema>.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateDecl {
    /// Intended differences between the dialects (`[[validate.parity_exception]]`).
    #[serde(default, rename = "parity_exception")]
    pub parity_exceptions: Vec<ParityException>,
    /// Accepted lint findings (`[[validate.lint_allow]]`).
    #[serde(default, rename = "lint_allow")]
    pub lint_allows: Vec<LintAllow>,
}

/// One intended difference: the object as parity findings name it (`index idx_tasks_tags`,
/// `column sessions.code`, `check tasks_tags_check`, ...).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParityException {
    pub object: String,
    pub reason: String,
}

/// One accepted lint finding: every finding of `rule` in the PostgreSQL migration `file`
/// (a file name such as `V3__index_repairs.sql`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintAllow {
    pub file: String,
    pub rule: String,
    pub reason: String,
}
