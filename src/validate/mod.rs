//! `chatdb validate`: the CI gate for schema changes. Everything here judges the migration
//! files themselves, never a deployed database: it reads a schema (embedded or from a
//! `--schema-dir`), applies it to scratch databases it creates and throws away, and reports
//! findings that name the file, the line where it can, and the fix.
//!
//! Stages, per schema, in order (a later stage is skipped, with a note, when what it needs
//! is broken), one module each under `stage/`, all working on one [`Run`]:
//! 1. files: names, repeated versions, top-level transaction control, dialect twins
//!    ([`crate::catalog::scan`]);
//! 2. lock: the committed checksums ([`lock`]);
//! 3. apply: fresh apply to SQLite and, given a server, PostgreSQL ([`apply`]);
//! 4. parity: the two results compared ([`parity`]), less the manifest's declared exceptions;
//! 5. lint: PostgreSQL migrations after the first version ([`lint`]), less allowances;
//! 6. manifest: what hot queries, retention policies and exceptions name exists.
//!
//! Every finding is a [`crate::finding::Finding`] of a rule in [`RULES`].

pub mod apply;
pub mod lint;
pub mod lock;
pub mod parity;
mod stage;

use std::collections::BTreeSet;
use std::sync::LazyLock;

use anyhow::Result;
use serde::Serialize;

use crate::catalog::{Dialect, MigrationFile, Scan};
use crate::db::postgres::PgTarget;
use crate::db::ConnectOpts;
use crate::finding::{Finding, Rule, Severity};
use crate::model::inventory::Inventory;

/// Every rule validate reports by, in report order: the stages' (files, lock, apply,
/// parity), the lint rules (all of [`lint::LINTS`], in its order), the manifest's.
pub static RULES: LazyLock<Vec<&'static Rule>> = LazyLock::new(|| {
    let mut rules: Vec<&'static Rule> = vec![
        &stage::files::FILE_NAME,
        &stage::files::REPEATED_VERSION,
        &stage::files::TRANSACTION_CONTROL,
        &stage::files::MISSING_TWIN,
        &stage::files::MANIFEST_INVALID,
        &stage::lock::LOCK_FILE,
        &stage::lock::EDITED_MIGRATION,
        &stage::lock::UNLOCKED_MIGRATION,
        &stage::lock::REMOVED_MIGRATION,
        &stage::apply::APPLY_FAILED,
        &stage::parity::PARITY,
    ];
    rules.extend(lint::LINTS.iter().map(|&(rule, _)| rule));
    rules.extend([
        &stage::manifest::MANIFEST_REFERENCE,
        &stage::manifest::UNUSED_EXCEPTION,
    ]);
    rules
});

/// A lint finding or parity difference that was accepted on purpose.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accepted {
    pub rule: &'static str,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub object: String,
    /// Where it was accepted: `comment` (in the SQL) or `manifest`.
    pub by: &'static str,
    pub reason: String,
}

/// What validate found for one schema.
#[derive(Debug, Clone, Serialize)]
pub struct SchemaReport {
    pub name: String,
    /// Versions per dialect.
    pub postgres_versions: Vec<u32>,
    pub sqlite_versions: Vec<u32>,
    /// Each stage: `ok`, `warning`, `failed`, or `skipped` (see `notes` for why).
    pub stages: Stages,
    pub accepted: Vec<Accepted>,
    pub notes: Vec<String>,
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

/// How a stage went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StageState {
    #[default]
    Ok,
    /// It added warnings only.
    Warning,
    /// It added an error.
    Failed,
    /// It did not run (the notes say why).
    Skipped,
}

impl StageState {
    pub fn as_str(self) -> &'static str {
        match self {
            StageState::Ok => "ok",
            StageState::Warning => "warning",
            StageState::Failed => "failed",
            StageState::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Stages {
    pub files: StageState,
    pub lock: StageState,
    pub apply_sqlite: StageState,
    pub apply_postgres: StageState,
    pub parity: StageState,
    pub lint: StageState,
    pub manifest: StageState,
}

/// How to reach the scratch databases.
pub struct Env<'a> {
    /// The PostgreSQL server to create scratch databases on; `None`: SQLite only.
    pub postgres: Option<&'a PgTarget>,
    pub opts: ConnectOpts,
}

/// One schema's validation in progress: what the stages found so far and what a later
/// stage needs from an earlier one (the applied models, the exceptions and allowances used).
pub struct Run<'a> {
    scan: &'a Scan,
    pg_files: &'a [MigrationFile],
    lite_files: &'a [MigrationFile],
    findings: Vec<Finding>,
    notes: Vec<String>,
    accepted: Vec<Accepted>,
    stages: Stages,
    pg_model: Option<Inventory>,
    lite_model: Option<Inventory>,
    used_exceptions: BTreeSet<usize>,
    used_allows: BTreeSet<usize>,
}

impl<'a> Run<'a> {
    fn new(scan: &'a Scan) -> Run<'a> {
        let files_of = |d: Dialect| -> &'a [MigrationFile] {
            scan.schema
                .migrations
                .get(&d)
                .map(Vec::as_slice)
                .unwrap_or_default()
        };
        Run {
            scan,
            pg_files: files_of(Dialect::Postgres),
            lite_files: files_of(Dialect::Sqlite),
            findings: Vec::new(),
            notes: Vec::new(),
            accepted: Vec::new(),
            stages: Stages::default(),
            pg_model: None,
            lite_model: None,
            used_exceptions: BTreeSet::new(),
            used_allows: BTreeSet::new(),
        }
    }

    fn add(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Where the next stage's findings start.
    fn mark(&self) -> usize {
        self.findings.len()
    }

    fn failed_since(&self, mark: usize) -> bool {
        self.findings[mark..]
            .iter()
            .any(|f| f.severity == Severity::Error)
    }

    /// A stage's state from the findings it added: failed on an error, warning on a
    /// warning, ok otherwise.
    fn state_since(&self, mark: usize) -> StageState {
        if self.failed_since(mark) {
            StageState::Failed
        } else if self.findings.len() > mark {
            StageState::Warning
        } else {
            StageState::Ok
        }
    }

    /// The report, findings in [`RULES`] order, then by file, line and object.
    fn finish(self) -> SchemaReport {
        let mut findings = self.findings;
        findings.sort_by_cached_key(|f| {
            let order = RULES
                .iter()
                .position(|r| r.id == f.rule.id)
                .unwrap_or(usize::MAX);
            (order, f.file.clone(), f.line, f.object.clone())
        });
        SchemaReport {
            name: self.scan.schema.name.clone(),
            postgres_versions: self.pg_files.iter().map(|f| f.version).collect(),
            sqlite_versions: self.lite_files.iter().map(|f| f.version).collect(),
            stages: self.stages,
            accepted: self.accepted,
            notes: self.notes,
            findings,
        }
    }
}

/// Validates one scanned schema: the six stages in order.
pub fn validate_schema(scan: &Scan, env: &Env) -> Result<SchemaReport> {
    let mut run = Run::new(scan);
    let files_ok = stage::files::run(&mut run);
    stage::lock::run(&mut run)?;
    if files_ok {
        stage::apply::run(&mut run, env)?;
    } else {
        run.stages.apply_sqlite = StageState::Skipped;
        run.stages.apply_postgres = StageState::Skipped;
        run.notes.push(
            "apply, parity and the manifest check skipped: fix the migration files first".into(),
        );
    }
    stage::parity::run(&mut run, files_ok, env.postgres.is_some());
    stage::lint::run(&mut run);
    stage::manifest::run(&mut run);
    Ok(run.finish())
}

/// The line of the manifest where `needle` first appears in quotes.
fn line_of(scan: &Scan, needle: &str) -> Option<usize> {
    let text = scan.manifest_text.as_deref()?;
    let quoted = format!("\"{needle}\"");
    text.find(&quoted)
        .or_else(|| text.find(needle))
        .map(|at| crate::sqltext::line_at(text, at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Manifest, Schema};
    use crate::db::Access;
    use crate::finding::{Scope, Tool};
    use std::collections::BTreeMap;
    use std::time::Duration;

    fn file(dialect: Dialect, version: u32, name: &str, sql: &str) -> MigrationFile {
        MigrationFile {
            version,
            name: name.into(),
            path: format!("sql/{}/demo/V{version}__{name}.sql", dialect.dir_name()),
            sql: sql.into(),
        }
    }

    /// A scanned `demo` schema with these migrations, locked as they are when `locked`.
    fn scan(pg: Vec<MigrationFile>, lite: Vec<MigrationFile>, locked: bool) -> Scan {
        let schema = Schema {
            name: "demo".into(),
            manifest: Manifest::default(),
            migrations: BTreeMap::from([(Dialect::Postgres, pg), (Dialect::Sqlite, lite)]),
        };
        let lock = locked.then(|| lock::render(&schema).expect("renders"));
        Scan {
            schema,
            problems: Vec::new(),
            manifest_path: "schemas/demo.toml".into(),
            manifest_text: None,
            manifest_error: None,
            lock_path: "schemas/demo.lock".into(),
            lock,
        }
    }

    fn sqlite_only() -> Env<'static> {
        Env {
            postgres: None,
            opts: ConnectOpts {
                connect_timeout: Duration::from_secs(5),
                lock_timeout: Duration::from_secs(5),
                access: Access::Create,
                wait: false,
            },
        }
    }

    const ROOMS: &str = "CREATE TABLE rooms (id INTEGER PRIMARY KEY);";
    const MESSAGES: &str =
        "CREATE TABLE messages (id INTEGER PRIMARY KEY, room_id INTEGER REFERENCES rooms (id));";

    fn rules_of(r: &SchemaReport) -> Vec<&'static str> {
        r.findings.iter().map(|f| f.rule.id).collect()
    }

    #[test]
    fn a_missing_twin_fails_files_and_skips_what_needs_them() {
        let s = scan(
            vec![file(Dialect::Postgres, 1, "rooms", ROOMS)],
            vec![],
            true,
        );
        let r = validate_schema(&s, &sqlite_only()).expect("runs");
        assert_eq!(rules_of(&r), ["missing-twin"]);
        assert_eq!(r.findings[0].severity, Severity::Error);
        assert_eq!(r.stages.files, StageState::Failed);
        assert_eq!(
            (r.stages.apply_sqlite, r.stages.parity, r.stages.manifest),
            (
                StageState::Skipped,
                StageState::Skipped,
                StageState::Skipped
            )
        );
        assert!(r.notes[0].contains("fix the migration files first"));
    }

    #[test]
    fn a_sound_schema_passes_every_stage_that_runs_without_a_server() {
        let s = scan(
            vec![file(Dialect::Postgres, 1, "rooms", ROOMS)],
            vec![file(Dialect::Sqlite, 1, "rooms", ROOMS)],
            true,
        );
        let r = validate_schema(&s, &sqlite_only()).expect("runs");
        assert!(r.findings.is_empty(), "{:?}", r.findings);
        assert_eq!(
            (r.stages.files, r.stages.lock, r.stages.apply_sqlite),
            (StageState::Ok, StageState::Ok, StageState::Ok)
        );
        assert_eq!(r.stages.apply_postgres, StageState::Skipped);
        assert_eq!(
            (r.stages.lint, r.stages.manifest),
            (StageState::Ok, StageState::Ok)
        );
    }

    #[test]
    fn an_unlocked_file_and_an_unindexed_key_are_errors_in_rule_order() {
        let s = scan(
            vec![
                file(Dialect::Postgres, 1, "rooms", ROOMS),
                file(Dialect::Postgres, 2, "messages", MESSAGES),
            ],
            vec![
                file(Dialect::Sqlite, 1, "rooms", ROOMS),
                file(Dialect::Sqlite, 2, "messages", MESSAGES),
            ],
            false,
        );
        let r = validate_schema(&s, &sqlite_only()).expect("runs");
        assert_eq!(rules_of(&r), ["lock-file", "fk-without-index"]);
        assert_eq!(r.stages.lock, StageState::Failed);
        assert_eq!(r.stages.lint, StageState::Failed);
        let fk = &r.findings[1];
        assert_eq!(
            fk.severity,
            Severity::Error,
            "fk-without-index is an error in validate"
        );
        assert_eq!(
            fk.file.as_deref(),
            Some("sql/postgres/demo/V2__messages.sql")
        );
        assert_eq!(fk.line, Some(1));
        assert!(fk.fix.as_deref().is_some_and(
            |f| f.starts_with("CREATE INDEX messages_room_id_idx ON messages (room_id);")
        ));
    }

    #[test]
    fn every_rule_is_listed_once_and_runs_in_validate() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        for r in RULES.iter() {
            assert!(r.severity_in(Tool::Validate).is_some(), "{}", r.id);
        }
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
        // Every lint rule is in the list, in lint order, between parity and the manifest.
        let lints: Vec<&str> = RULES
            .iter()
            .filter(|r| lint::is_lint_rule(r.id))
            .map(|r| r.id)
            .collect();
        assert_eq!(lints, lint::lint_ids());
        assert!(RULES
            .iter()
            .all(|r| matches!(r.scope, Scope::Validate | Scope::CheckAndLint(_))));
    }
}
