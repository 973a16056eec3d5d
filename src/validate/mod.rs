//! `chatdb validate`: the CI gate for schema changes. Everything here judges the migration
//! files themselves, never a deployed database: it reads a schema (embedded or from a
//! `--schema-dir`), applies it to scratch databases it creates and throws away, and reports
//! findings that name the file, the line where it can, and the fix.
//!
//! Stages, per schema, in order (a later stage is skipped, with a note, when what it needs
//! is broken):
//! 1. files: names, repeated versions, dialect twins ([`crate::catalog::scan`]);
//! 2. lock: the committed checksums ([`lock`]);
//! 3. apply: fresh apply to SQLite and, given a server, PostgreSQL ([`apply`]);
//! 4. parity: the two results compared ([`parity`]), less the manifest's declared exceptions;
//! 5. lint: PostgreSQL migrations after the first version ([`lint`]);
//! 6. manifest: what hot queries, retention policies and exceptions name exists.

pub mod apply;
pub mod lint;
pub mod lock;
pub mod parity;

use std::collections::BTreeSet;

use anyhow::Result;
use serde::Serialize;

use crate::catalog::{Dialect, FileProblemKind, MigrationFile, Scan};
use crate::checks::Severity;
use crate::db::postgres::PgTarget;
use crate::db::ConnectOpts;
use crate::model::inventory::Inventory;

/// A rule that is not a lint rule: its id, severity and one-line summary.
pub struct RuleInfo {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
}

/// The rules of the stages other than lint, in report order (lint rules come after
/// `parity`, manifest rules last).
pub const STAGE_RULES: &[RuleInfo] = &[
    RuleInfo { id: "file-name", severity: Severity::Error, summary: "a migration file is not named V<n>__<snake_name>.sql" },
    RuleInfo { id: "repeated-version", severity: Severity::Error, summary: "two migration files of one dialect have the same version" },
    RuleInfo { id: "transaction-control", severity: Severity::Error, summary: "a migration begins, commits or rolls back a transaction (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...) at top level" },
    RuleInfo { id: "missing-twin", severity: Severity::Error, summary: "a version exists in one dialect only, or with another name in the other" },
    RuleInfo { id: "manifest-invalid", severity: Severity::Error, summary: "schemas/<schema>.toml does not parse or breaks its own rules" },
    RuleInfo { id: "lock-file", severity: Severity::Error, summary: "the lock file schemas/<schema>.lock is missing or unreadable" },
    RuleInfo { id: "edited-migration", severity: Severity::Error, summary: "a migration the lock holds was changed" },
    RuleInfo { id: "unlocked-migration", severity: Severity::Error, summary: "a migration the lock does not hold yet (run --update-lock in the same change)" },
    RuleInfo { id: "removed-migration", severity: Severity::Error, summary: "a migration the lock holds is gone" },
    RuleInfo { id: "apply-failed", severity: Severity::Error, summary: "a migration fails on a fresh database (the server's message, the file, the line)" },
    RuleInfo { id: "parity", severity: Severity::Error, summary: "the PostgreSQL and SQLite migrations build different schemas, and the manifest does not declare it" },
];

/// The manifest rules, reported after lint.
pub const MANIFEST_RULES: &[RuleInfo] = &[
    RuleInfo { id: "manifest-reference", severity: Severity::Error, summary: "a hot query, retention policy, parity exception or lint allowance names something that does not exist" },
    RuleInfo { id: "unused-exception", severity: Severity::Warning, summary: "a declared parity exception or lint allowance matches nothing: remove it" },
];

/// Every rule id with its severity and summary, in report order.
pub fn all_rules() -> Vec<(&'static str, Severity, &'static str)> {
    STAGE_RULES
        .iter()
        .map(|r| (r.id, r.severity, r.summary))
        .chain(lint::RULES.iter().map(|r| (r.id, r.severity, r.summary)))
        .chain(MANIFEST_RULES.iter().map(|r| (r.id, r.severity, r.summary)))
        .collect()
}

fn rule_order(id: &str) -> usize {
    all_rules()
        .iter()
        .position(|r| r.0 == id)
        .unwrap_or(usize::MAX)
}

fn severity_of(id: &str) -> Severity {
    all_rules()
        .iter()
        .find(|r| r.0 == id)
        .map_or(Severity::Error, |r| r.1)
}

/// One finding, as reported (`--format json` keeps these field names).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub schema: String,
    pub rule: &'static str,
    pub severity: Severity,
    /// `postgres` or `sqlite` where the finding is about one dialect.
    pub dialect: Option<&'static str>,
    /// The file to fix, relative to the schema directory given (`sql/postgres/chat/V3__x.sql`).
    pub file: Option<String>,
    pub line: Option<usize>,
    /// The object concerned (`index idx_x`, `column t.c`), where there is one.
    pub object: Option<String>,
    pub message: String,
    pub fix: Option<String>,
}

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

#[derive(Debug, Clone, Default, Serialize)]
pub struct Stages {
    pub files: &'static str,
    pub lock: &'static str,
    pub apply_sqlite: &'static str,
    pub apply_postgres: &'static str,
    pub parity: &'static str,
    pub lint: &'static str,
    pub manifest: &'static str,
}

const OK: &str = "ok";
const FAILED: &str = "failed";
const WARNING: &str = "warning";
const SKIPPED: &str = "skipped";

/// How to reach the scratch databases.
pub struct Env<'a> {
    /// The PostgreSQL server to create scratch databases on; `None`: SQLite only.
    pub postgres: Option<&'a PgTarget>,
    pub opts: ConnectOpts,
}

struct Collector {
    schema: String,
    findings: Vec<Finding>,
}

impl Collector {
    // One argument per field of a finding; a builder would only add ceremony.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        rule: &'static str,
        dialect: Option<Dialect>,
        file: Option<&str>,
        line: Option<usize>,
        object: Option<String>,
        message: String,
        fix: Option<String>,
    ) {
        self.findings.push(Finding {
            schema: self.schema.clone(),
            rule,
            severity: severity_of(rule),
            dialect: dialect.map(Dialect::dir_name),
            file: file.map(str::to_string),
            line,
            object,
            message,
            fix,
        });
    }

    fn failed_since(&self, mark: usize) -> bool {
        self.findings[mark..]
            .iter()
            .any(|f| f.severity == Severity::Error)
    }

    /// A stage's state from the findings it added: `failed` on an error, `warning` on a
    /// warning, `ok` otherwise.
    fn state_since(&self, mark: usize) -> &'static str {
        if self.failed_since(mark) {
            FAILED
        } else if self.findings.len() > mark {
            WARNING
        } else {
            OK
        }
    }
}

/// Validates one scanned schema.
pub fn validate_schema(scan: &Scan, env: &Env) -> Result<SchemaReport> {
    let schema = &scan.schema;
    let mut c = Collector {
        schema: schema.name.clone(),
        findings: Vec::new(),
    };
    let mut notes = Vec::new();
    let mut accepted = Vec::new();
    let mut stages = Stages::default();
    let files_of = |d: Dialect| -> &[MigrationFile] {
        schema
            .migrations
            .get(&d)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let pg_files = files_of(Dialect::Postgres);
    let lite_files = files_of(Dialect::Sqlite);

    // 1. Files.
    let mark = c.findings.len();
    for p in &scan.problems {
        let rule = match p.kind {
            FileProblemKind::BadName => "file-name",
            FileProblemKind::RepeatedVersion => "repeated-version",
            FileProblemKind::TransactionControl => "transaction-control",
        };
        c.add(
            rule,
            Some(p.dialect),
            Some(&p.path),
            p.line,
            None,
            p.message.clone(),
            None,
        );
    }
    for (dialect, mine, theirs, other) in [
        (Dialect::Postgres, pg_files, lite_files, Dialect::Sqlite),
        (Dialect::Sqlite, lite_files, pg_files, Dialect::Postgres),
    ] {
        for f in mine {
            match theirs.iter().find(|t| t.version == f.version) {
                None => c.add(
                    "missing-twin",
                    Some(dialect),
                    Some(&f.path),
                    None,
                    None,
                    format!("V{} exists in {dialect} but not in {other}", f.version),
                    Some(format!(
                        "add sql/{}/{}/{} with the {other} version of the change",
                        other.dir_name(),
                        schema.name,
                        f.file_name()
                    )),
                ),
                // Reported once, from PostgreSQL's side.
                Some(t) if t.name != f.name && dialect == Dialect::Postgres => c.add(
                    "missing-twin",
                    Some(dialect),
                    Some(&f.path),
                    None,
                    None,
                    format!(
                        "V{} is named {} in {dialect} but {} in {other}",
                        f.version,
                        f.file_name(),
                        t.file_name()
                    ),
                    Some("give both dialects' files the same name".into()),
                ),
                Some(_) => {}
            }
        }
    }
    let files_ok = !c.failed_since(mark);
    stages.files = if files_ok { OK } else { FAILED };
    if let Some(e) = &scan.manifest_error {
        c.add(
            "manifest-invalid",
            None,
            Some(&scan.manifest_path),
            None,
            None,
            e.clone(),
            None,
        );
    }

    // 2. Lock.
    let mark = c.findings.len();
    check_lock(scan, &mut c)?;
    stages.lock = c.state_since(mark);

    // 3. Fresh apply.
    let mut lite_model: Option<Inventory> = None;
    let mut pg_model: Option<Inventory> = None;
    if files_ok {
        let lite = apply::sqlite(lite_files, env.opts)?;
        stages.apply_sqlite =
            record_apply(&mut c, Dialect::Sqlite, lite_files, lite, &mut lite_model);
        match env.postgres {
            Some(server) => {
                let pg = apply::postgres(server, pg_files, env.opts)?;
                stages.apply_postgres =
                    record_apply(&mut c, Dialect::Postgres, pg_files, pg, &mut pg_model);
            }
            // The command says once, for all schemas, that PostgreSQL was not checked.
            None => stages.apply_postgres = SKIPPED,
        }
    } else {
        stages.apply_sqlite = SKIPPED;
        stages.apply_postgres = SKIPPED;
        notes.push(
            "apply, parity and the manifest check skipped: fix the migration files first".into(),
        );
    }

    // 4. Parity.
    let exceptions = &schema.manifest.validate.parity_exceptions;
    let mut used_exceptions = BTreeSet::new();
    match (&pg_model, &lite_model) {
        (Some(pg), Some(lite)) => {
            let mark = c.findings.len();
            for d in parity::compare(pg, lite) {
                if let Some((i, e)) = exceptions
                    .iter()
                    .enumerate()
                    .find(|(_, e)| e.object == d.object)
                {
                    used_exceptions.insert(i);
                    accepted.push(Accepted {
                        rule: "parity",
                        file: Some(scan.manifest_path.clone()),
                        line: line_of(scan, &e.object),
                        object: d.object,
                        by: "manifest",
                        reason: e.reason.clone(),
                    });
                    continue;
                }
                let (file, line) = blame(pg_files, &d.table, &d.object);
                c.add(
                    "parity",
                    None,
                    file.as_deref(),
                    line,
                    Some(d.object.clone()),
                    d.message,
                    Some(format!(
                        "make both dialects' migrations agree, or declare it intended in {}: [[validate.parity_exception]] object = \"{}\", reason = \"...\"",
                        scan.manifest_path, d.object
                    )),
                );
            }
            stages.parity = c.state_since(mark);
        }
        _ => {
            stages.parity = SKIPPED;
            if files_ok && (env.postgres.is_some() || lite_model.is_none()) {
                notes.push("parity skipped: a dialect's migrations did not apply".into());
            }
        }
    }

    // 5. Lint.
    let mark = c.findings.len();
    let allows = &schema.manifest.validate.lint_allows;
    let mut used_allows = BTreeSet::new();
    if pg_files.is_empty() {
        stages.lint = SKIPPED;
    } else {
        for f in lint::run(pg_files, pg_model.as_ref().or(lite_model.as_ref())) {
            let file = &pg_files[f.file];
            if f.allowed_by_comment {
                accepted.push(Accepted {
                    rule: f.rule.id,
                    file: Some(file.path.clone()),
                    line: Some(f.line),
                    object: f.hit.object,
                    by: "comment",
                    reason: "-- chatdb:allow in the migration".into(),
                });
                continue;
            }
            let allow = allows
                .iter()
                .enumerate()
                .find(|(_, a)| a.rule == f.rule.id && a.file == file.file_name());
            if let Some((i, a)) = allow {
                used_allows.insert(i);
                accepted.push(Accepted {
                    rule: f.rule.id,
                    file: Some(file.path.clone()),
                    line: Some(f.line),
                    object: f.hit.object,
                    by: "manifest",
                    reason: a.reason.clone(),
                });
                continue;
            }
            c.add(
                f.rule.id,
                Some(Dialect::Postgres),
                Some(&file.path),
                Some(f.line),
                Some(f.hit.object),
                f.hit.message,
                Some(format!(
                    "{} (or accept it: `-- chatdb:allow {}: <reason>` above the statement)",
                    f.hit.fix, f.rule.id
                )),
            );
        }
        stages.lint = c.state_since(mark);
    }

    // 6. Manifest.
    let mark = c.findings.len();
    if lite_model.is_some() || pg_model.is_some() {
        let parity_ran = stages.parity != SKIPPED;
        check_manifest(
            scan,
            pg_model.as_ref(),
            lite_model.as_ref(),
            parity_ran,
            &mut c,
        );
        if stages.parity != SKIPPED {
            for (i, e) in exceptions.iter().enumerate() {
                if !used_exceptions.contains(&i) {
                    c.add(
                        "unused-exception",
                        None,
                        Some(&scan.manifest_path),
                        line_of(scan, &e.object),
                        Some(e.object.clone()),
                        format!(
                            "parity exception `{}` matches no difference between the dialects",
                            e.object
                        ),
                        Some("remove it from the manifest".into()),
                    );
                }
            }
        }
        if stages.lint != SKIPPED {
            for (i, a) in allows.iter().enumerate() {
                if !used_allows.contains(&i)
                    && pg_files.iter().any(|f| f.file_name() == a.file)
                    && lint::RULES.iter().any(|r| r.id == a.rule)
                {
                    c.add(
                        "unused-exception",
                        None,
                        Some(&scan.manifest_path),
                        line_of(scan, &a.file),
                        Some(format!("{} in {}", a.rule, a.file)),
                        format!(
                            "lint allowance of {} in {} matches no finding",
                            a.rule, a.file
                        ),
                        Some("remove it from the manifest".into()),
                    );
                }
            }
        }
        stages.manifest = c.state_since(mark);
    } else {
        stages.manifest = SKIPPED;
    }

    let mut findings = c.findings;
    findings.sort_by(|a, b| {
        (rule_order(a.rule), &a.file, a.line, &a.object).cmp(&(
            rule_order(b.rule),
            &b.file,
            b.line,
            &b.object,
        ))
    });
    Ok(SchemaReport {
        name: schema.name.clone(),
        postgres_versions: pg_files.iter().map(|f| f.version).collect(),
        sqlite_versions: lite_files.iter().map(|f| f.version).collect(),
        stages,
        accepted,
        notes,
        findings,
    })
}

fn record_apply(
    c: &mut Collector,
    dialect: Dialect,
    files: &[MigrationFile],
    outcome: apply::Outcome,
    model: &mut Option<Inventory>,
) -> &'static str {
    match outcome {
        apply::Outcome::Applied(inv) => {
            *model = Some(inv);
            OK
        }
        apply::Outcome::Failed(f) => {
            let file = &files[f.file];
            let mut message = format!(
                "{} does not apply to a fresh {dialect} database: {}",
                file.file_name(),
                f.message
            );
            if let Some(stmt) = &f.statement {
                let short: String = stmt.chars().take(160).collect();
                message.push_str(&format!("\n  statement: {short}"));
            }
            c.add(
                "apply-failed",
                Some(dialect),
                Some(&file.path),
                f.line,
                None,
                message,
                Some("fix the statement; the migrations before it applied cleanly".into()),
            );
            FAILED
        }
    }
}

fn check_lock(scan: &Scan, c: &mut Collector) -> Result<()> {
    let schema = &scan.schema;
    let current = lock::current(schema)?;
    let Some(text) = &scan.lock else {
        c.add(
            "lock-file",
            None,
            Some(&scan.lock_path),
            None,
            None,
            format!(
                "{} does not exist: nothing protects the released migrations from edits",
                scan.lock_path
            ),
            Some(
                "run `chatdb validate --update-lock --schema-dir <dir>` and commit the lock file"
                    .into(),
            ),
        );
        return Ok(());
    };
    let locked = match lock::parse(text) {
        Ok(l) => l,
        Err(e) => {
            c.add(
                "lock-file",
                None,
                Some(&scan.lock_path),
                None,
                None,
                format!("{} is unreadable: {e:#}", scan.lock_path),
                Some("restore it from version control, or rewrite it with --update-lock".into()),
            );
            return Ok(());
        }
    };
    for (dialect, files) in &schema.migrations {
        for f in files {
            let k = lock::key(*dialect, &f.file_name());
            let sum = current.get(&k).cloned().unwrap_or_default();
            match locked.get(&k) {
                Some((old, _)) if *old == sum => {}
                Some(_) => c.add(
                    "edited-migration",
                    Some(*dialect),
                    Some(&f.path),
                    None,
                    None,
                    format!("{} changed after it was locked: databases that applied it will refuse to migrate (its checksum no longer matches their history)", f.file_name()),
                    Some("restore the file and put the change in a new migration (only an unreleased migration may be re-locked with --update-lock)".into()),
                ),
                None => c.add(
                    "unlocked-migration",
                    Some(*dialect),
                    Some(&f.path),
                    None,
                    None,
                    format!("{} is not in {}", f.file_name(), scan.lock_path),
                    Some("run `chatdb validate --update-lock` and commit the lock with the migration".into()),
                ),
            }
        }
    }
    for (k, (_, line)) in &locked {
        if !current.contains_key(k) {
            c.add(
                "removed-migration",
                None,
                Some(&scan.lock_path),
                Some(*line),
                None,
                format!("{k} is locked but no such migration exists: databases that applied it will report it missing"),
                Some("restore the file (a released migration is never removed), or rewrite the lock with --update-lock if it was never released".into()),
            );
        }
    }
    Ok(())
}

/// The line of the manifest where `needle` first appears in quotes.
fn line_of(scan: &Scan, needle: &str) -> Option<usize> {
    let text = scan.manifest_text.as_deref()?;
    let quoted = format!("\"{needle}\"");
    text.find(&quoted)
        .or_else(|| text.find(needle))
        .map(|at| crate::sqltext::line_at(text, at))
}

/// Where to point a parity finding: the latest PostgreSQL statement that names the object
/// (a column with its table, an index or a constraint by name), else the `CREATE TABLE`.
fn blame(files: &[MigrationFile], table: &str, object: &str) -> (Option<String>, Option<usize>) {
    let name = object.split_once(' ').map_or("", |(_, n)| n);
    let (on_table, own): (Option<&str>, &str) = match object.split_once(' ') {
        Some(("column", _)) => (Some(table), name.rsplit('.').next().unwrap_or(name)),
        Some(("index" | "check", _)) => (None, name),
        _ => (Some(table), ""),
    };
    let mut fallback = (None, None);
    for f in files.iter().rev() {
        for s in crate::sqltext::split(&f.sql).into_iter().rev() {
            let toks = crate::sqltext::tokens(s.text(&f.sql));
            let at = || {
                let first = toks.first().map_or(0, |t| t.start);
                (
                    Some(f.path.clone()),
                    Some(s.line_of(&f.sql, s.start + first)),
                )
            };
            // A column is named by the table statement that adds or alters it.
            let table_statement = toks
                .first()
                .is_some_and(|k| k.is("ALTER") || k.is("CREATE"))
                && toks.get(1).is_some_and(|k| k.is("TABLE"));
            let names_table = match on_table {
                Some(t) => table_statement && toks.iter().take(8).any(|k| k.name() == t),
                None => true,
            };
            if !own.is_empty() && names_table && toks.iter().any(|k| k.name() == own) {
                return at();
            }
            if fallback.0.is_none() && lint::created_table(&toks).as_deref() == Some(table) {
                fallback = at();
            }
        }
    }
    fallback
}

/// Hot queries, retention policies, exceptions and allowances name what exists.
/// Parity exceptions are checked only when both dialects were applied (`parity_ran`): an
/// exception usually names what exists in one dialect only.
fn check_manifest(
    scan: &Scan,
    pg: Option<&Inventory>,
    lite: Option<&Inventory>,
    parity_ran: bool,
    c: &mut Collector,
) {
    let m = &scan.schema.manifest;
    let path = scan.manifest_path.as_str();
    let models: Vec<(Dialect, &Inventory)> = [(Dialect::Postgres, pg), (Dialect::Sqlite, lite)]
        .into_iter()
        .filter_map(|(d, m)| m.map(|m| (d, m)))
        .collect();
    let bad = |c: &mut Collector, needle: &str, object: String, message: String| {
        c.add(
            "manifest-reference",
            None,
            Some(path),
            line_of(scan, needle),
            Some(object),
            message,
            Some("correct the name, or remove the entry".into()),
        );
    };
    for p in &m.policies {
        for (dialect, inv) in &models {
            match inv.table(&p.table) {
                None => bad(c, &p.table, format!("table {}", p.table), format!("retention policy on `{}`: no such table in {dialect}", p.table)),
                Some(t) if !t.columns.contains(&p.time_column) => bad(
                    c,
                    &p.time_column,
                    format!("column {}.{}", p.table, p.time_column),
                    format!("retention policy on `{}`: time_column `{}` is not a column of {} in {dialect}", p.table, p.time_column, p.table),
                ),
                Some(_) => {}
            }
        }
    }
    for q in &m.queries {
        for (dialect, inv) in &models {
            let Some(r) = q.resolve(*dialect) else {
                continue;
            };
            for index in r.expected {
                if !inv.indexes.iter().any(|i| &i.name == index) {
                    bad(
                        c,
                        index,
                        format!("index {index}"),
                        format!(
                            "hot query `{}` expects index `{index}`, which {dialect} does not have",
                            q.name
                        ),
                    );
                }
            }
        }
    }
    for e in m.validate.parity_exceptions.iter().filter(|_| parity_ran) {
        if let Some(problem) = missing_object(&e.object, &models) {
            bad(
                c,
                &e.object,
                e.object.clone(),
                format!("parity exception `{}`: {problem}", e.object),
            );
        }
    }
    let pg_files = scan
        .schema
        .migrations
        .get(&Dialect::Postgres)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for a in &m.validate.lint_allows {
        if !pg_files.iter().any(|f| f.file_name() == a.file) {
            bad(
                c,
                &a.file,
                a.file.clone(),
                format!(
                    "lint allowance names `{}`, which is not a PostgreSQL migration of {}",
                    a.file, scan.schema.name
                ),
            );
        }
        if !lint::RULES.iter().any(|r| r.id == a.rule) {
            let known: Vec<&str> = lint::RULES.iter().map(|r| r.id).collect();
            bad(
                c,
                &a.rule,
                a.rule.clone(),
                format!(
                    "lint allowance names rule `{}`; the lint rules are {}",
                    a.rule,
                    known.join(", ")
                ),
            );
        }
    }
}

/// Why an exception's object names nothing in either dialect, or `None` when it names
/// something.
fn missing_object(object: &str, models: &[(Dialect, &Inventory)]) -> Option<String> {
    let (kind, name) = object.split_once(' ')?;
    let name = name.trim();
    let table_of = |s: &str| s.split(['(', '.']).next().unwrap_or(s).trim().to_string();
    let exists = match kind {
        "table" | "primary" | "unique" | "foreign" => {
            let table = match kind {
                "primary" => name.strip_prefix("key ").unwrap_or(name).to_string(),
                "foreign" => table_of(name.strip_prefix("key ").unwrap_or(name)),
                _ => table_of(name),
            };
            models.iter().any(|(_, m)| m.table(&table).is_some())
        }
        "column" => {
            let (t, col) = name.split_once('.')?;
            models.iter().any(|(_, m)| {
                m.table(t)
                    .is_some_and(|t| t.columns.iter().any(|c| c == col))
            })
        }
        "index" => models
            .iter()
            .any(|(_, m)| m.indexes.iter().any(|i| i.name == name)),
        "check" => models.iter().any(|(_, m)| {
            m.tables
                .iter()
                .any(|t| t.checks.iter().any(|c| c.name == name))
        }),
        _ => {
            return Some(format!(
            "unknown kind `{kind}` (table, column, index, check, primary key, unique, foreign key)"
        ))
        }
    };
    (!exists).then(|| "names nothing that exists in either dialect".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_lists_every_rule_with_its_severity() {
        let readme = include_str!("../../README.md");
        for (id, severity, _) in all_rules() {
            let row = format!("| `{id}` | {} |", severity.as_str());
            assert!(
                readme.contains(&row),
                "README lacks the row for {id}: {row}"
            );
        }
    }
}
