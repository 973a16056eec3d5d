//! The canonical schemas: versioned SQL per dialect plus a manifest, embedded in the binary
//! or loaded from a `--schema-dir` with the same layout. This file holds the types; reading
//! is [`source`] (one reader over embedded and on-disk files), [`filename`] (the migration
//! file-name grammar) and [`scan`] (`scan` collects problems, `load` refuses them).
//!
//! Layout (the repository's own, so `--schema-dir .` in a checkout reads the files on disk):
//! ```text
//! sql/postgres/<schema>/V<n>__<name>.sql
//! sql/sqlite/<schema>/V<n>__<name>.sql
//! schemas/<schema>.toml
//! schemas/<schema>.lock
//! ```
//! File names are validated for embedded and on-disk schemas alike: a malformed name or a
//! repeated version is an error, never skipped (refinery would skip or crash on them).

pub mod exceptions;
pub mod filename;
pub mod metrics;
pub mod queries;
pub mod retention;
pub mod scan;
pub mod source;
pub mod volumes;

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{anyhow, bail, Result};
use serde::Deserialize;

pub use queries::HotQuery;
pub use scan::{load, scan, FileProblemKind, Scan};
pub use source::{canonical_names, lock_path, names_in};

/// The two SQL dialects chatdb speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

impl Dialect {
    pub const ALL: [Dialect; 2] = [Dialect::Postgres, Dialect::Sqlite];

    pub fn dir_name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::Sqlite => "sqlite",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Postgres => "PostgreSQL",
            Dialect::Sqlite => "SQLite",
        })
    }
}

/// One versioned migration file.
#[derive(Debug, Clone)]
pub struct MigrationFile {
    pub version: u32,
    /// The snake_case name after `V<n>__`.
    pub name: String,
    /// Where the file lives, for messages: `sql/postgres/chat/V1__initial_schema.sql`.
    pub path: String,
    pub sql: String,
}

impl MigrationFile {
    /// `V1__initial_schema`, the form refinery parses.
    pub fn refinery_name(&self) -> String {
        format!("V{}__{}", self.version, self.name)
    }

    pub fn file_name(&self) -> String {
        format!("V{}__{}.sql", self.version, self.name)
    }

    /// The refinery migration for this file (its checksum is the integrity check).
    pub fn to_refinery(&self) -> Result<refinery::Migration> {
        refinery::Migration::unapplied(&self.refinery_name(), &self.sql)
            .map_err(|e| anyhow!("{}: {e}", self.path))
    }

    /// A top-level BEGIN/COMMIT/ROLLBACK/... in the file, as its line and why it is refused:
    /// chatdb runs every pending migration in one transaction of its own, which such a
    /// statement would commit in part, or break.
    pub fn transaction_control(&self) -> Option<(usize, String)> {
        let (line, keyword) = crate::sqltext::transaction_control(&self.sql)?;
        Some((
            line,
            format!(
                "{keyword} controls the transaction; chatdb runs the migrations in one transaction of its own, so a migration must not begin, commit or roll back one (remove the statement)"
            ),
        ))
    }
}

/// What `schemas/<schema>.toml` says beyond the SQL.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// One line on what the schema is for.
    #[serde(default)]
    pub description: String,
    /// The design document the schema retells.
    #[serde(default)]
    pub source: String,
    /// Retention policies (`[[policy]]`), run by `chatdb cleanup`.
    #[serde(default, rename = "policy")]
    pub policies: Vec<retention::PolicyDecl>,
    /// The hot queries `chatdb explain` checks (`[[query]]` tables).
    #[serde(default, rename = "query")]
    pub queries: Vec<HotQuery>,
    /// What `chatdb validate` accepts on purpose (`[[validate.parity_exception]]`, `[[validate.lint_allow]]`).
    #[serde(default)]
    pub validate: exceptions::ValidateDecl,
    /// Row volumes for `chatdb seed` at `--scale 1` (`[seed]`).
    #[serde(default)]
    pub seed: Option<volumes::SeedSpec>,
    /// The schema's own numbers for `chatdb stats` (`[[metric]]`).
    #[serde(default, rename = "metric")]
    pub metrics: Vec<metrics::Metric>,
    /// The document's server targets and expected sizes (`[stats]`).
    #[serde(default)]
    pub stats: Option<metrics::StatsDecl>,
    /// What `chatdb adopt` reads in a database built by Alembic (`[alembic]`).
    #[serde(default)]
    pub alembic: Option<AlembicDecl>,
}

/// `[alembic]`: the document's Alembic revisions, each with the chatdb version whose schema
/// it built, so that `chatdb adopt` can read `alembic_version` (and check it against the
/// live schema).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlembicDecl {
    /// `revision = version`, e.g. `cb008620275b = 1`.
    pub revisions: BTreeMap<String, u32>,
}

/// A schema: its manifest and its migrations per dialect, sorted by version.
#[derive(Debug, Clone)]
pub struct Schema {
    pub name: String,
    pub manifest: Manifest,
    pub migrations: BTreeMap<Dialect, Vec<MigrationFile>>,
}

impl Schema {
    /// The migrations for `dialect`; an error if the schema has none for it.
    pub fn migrations(&self, dialect: Dialect) -> Result<&[MigrationFile]> {
        match self.migrations.get(&dialect) {
            Some(list) if !list.is_empty() => Ok(list),
            _ => bail!("schema `{}` has no {dialect} migrations", self.name),
        }
    }

    pub fn latest(&self, dialect: Dialect) -> Option<u32> {
        self.migrations.get(&dialect)?.last().map(|m| m.version)
    }

    /// The name of this schema's history table (refinery's `refinery_schema_history`,
    /// renamed so that several schemas can share a namespace).
    pub fn history_table(&self) -> String {
        format!("chatdb_history_{}", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_canonical_schema_loads_with_matching_dialects() {
        let names = canonical_names();
        assert_eq!(names, ["assistant", "chat", "classroom", "focusmate"]);
        for name in names {
            let schema = load(&name, None).expect("canonical schema loads");
            let pg: Vec<_> = schema
                .migrations(Dialect::Postgres)
                .expect("pg")
                .iter()
                .map(|m| m.file_name())
                .collect();
            let lite: Vec<_> = schema
                .migrations(Dialect::Sqlite)
                .expect("sqlite")
                .iter()
                .map(|m| m.file_name())
                .collect();
            assert_eq!(
                pg, lite,
                "{name}: both dialects have the same versions and names"
            );
        }
    }
}
