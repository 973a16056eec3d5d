//! Reading a schema: [`scan`] reads every file of a [`Source`] once, keeps what is usable and
//! records what is wrong with the rest; [`load`] is the same scan that refuses the schema at
//! its first problem. `validate` reports a scan's problems against their files; every other
//! command loads, so the two can never disagree on what a schema is.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Result};

use super::filename::{looks_like_migration, parse_file_name, GRAMMAR};
use super::source::{Source, SourceFile};
use super::{retention, Dialect, Manifest, MigrationFile, Schema};

/// A problem with a migration file's name or version, found by [`scan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    pub kind: FileProblemKind,
    pub dialect: Dialect,
    /// The file the problem is about, as [`MigrationFile::path`] would show it.
    pub path: String,
    /// The line the problem is on, when it is on one.
    pub line: Option<usize>,
    /// The finding's message, with the advice on fixing it.
    pub message: String,
    /// The error [`load`] refuses the schema with.
    refusal: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProblemKind {
    /// Not `V<n>__<snake_name>.sql`.
    BadName,
    /// A second file with a version already taken.
    RepeatedVersion,
    /// A top-level BEGIN/COMMIT/ROLLBACK/...: see [`MigrationFile::transaction_control`].
    TransactionControl,
}

/// A schema as [`scan`] finds it: everything that could be read, and what is wrong with it,
/// instead of the first error [`load`] stops at.
#[derive(Debug, Clone)]
pub struct Scan {
    /// The manifest (the default one when it is missing or invalid) and the well-named
    /// migrations (the first of a repeated version).
    pub schema: Schema,
    pub problems: Vec<FileProblem>,
    /// `schemas/<name>.toml` as messages show it.
    pub manifest_path: String,
    /// The manifest's text, when there is one (for pointing at its lines).
    pub manifest_text: Option<String>,
    /// Why the manifest could not be used, when it could not.
    pub manifest_error: Option<String>,
    /// `schemas/<name>.lock` as messages show it.
    pub lock_path: String,
    /// The lock file's text, when there is one.
    pub lock: Option<String>,
}

/// Loads `name` from `dir` (a `--schema-dir`) or from the embedded canonical schemas: a
/// [`scan`] that refuses an invalid manifest, a malformed file name, a repeated version, or
/// a directory with no migrations for the schema.
pub fn load(name: &str, dir: Option<&Path>) -> Result<Schema> {
    let source = Source::open(name, dir)?;
    let (schema, manifest, problems) = read(&source)?;
    if let Some(error) = manifest.error {
        return Err(anyhow!(error));
    }
    if let Some(problem) = problems.into_iter().next() {
        return Err(anyhow!(problem.refusal));
    }
    if let Some(dir) = source.dir() {
        if schema.migrations.values().all(Vec::is_empty) {
            bail!(
                "no migrations for schema `{name}` under {} (expected sql/postgres/{name}/V1__<name>.sql or sql/sqlite/{name}/...)",
                dir.display()
            );
        }
    }
    Ok(schema)
}

/// Reads `name` like [`load`] but collects file and manifest problems instead of failing
/// on the first, so that `chatdb validate` can report each one against its file. Errors
/// are left for what stops reading altogether (an unknown schema, a name that breaks the
/// schema-name rule, an unreadable directory or file).
pub fn scan(name: &str, dir: Option<&Path>) -> Result<Scan> {
    let source = Source::open(name, dir)?;
    let (schema, manifest, problems) = read(&source)?;
    let lock = source.lock()?;
    Ok(Scan {
        schema,
        problems,
        manifest_path: manifest.path,
        manifest_text: manifest.text,
        manifest_error: manifest.error,
        lock_path: lock.path,
        lock: lock.text,
    })
}

/// The manifest as read: where it is, its text, why it is unusable.
struct ManifestRead {
    path: String,
    text: Option<String>,
    error: Option<String>,
}

/// The one pass over a source's manifest and migrations.
fn read(source: &Source<'_>) -> Result<(Schema, ManifestRead, Vec<FileProblem>)> {
    let file = source.manifest()?;
    let (manifest, error) = match &file.text {
        None => (Manifest::default(), None),
        Some(text) => match parse_manifest(text, &file.path) {
            Ok(m) => (m, None),
            Err(e) => (Manifest::default(), Some(format!("{e:#}"))),
        },
    };
    let mut problems = Vec::new();
    let mut migrations = BTreeMap::new();
    for dialect in Dialect::ALL {
        let (valid, found) = collect_files(dialect, source.files(dialect)?);
        problems.extend(found);
        migrations.insert(dialect, valid);
    }
    let schema = Schema {
        name: source.name().to_string(),
        manifest,
        migrations,
    };
    let read = ManifestRead {
        path: file.path,
        text: file.text,
        error,
    };
    Ok((schema, read, problems))
}

fn parse_manifest(text: &str, path: &str) -> Result<Manifest> {
    use super::metrics;
    use anyhow::Context;
    let manifest: Manifest = toml::from_str(text).with_context(|| format!("{path} is invalid"))?;
    retention::validate(path, &manifest.policies)?;
    if let Some(seed) = &manifest.seed {
        seed.validate(path)?;
    }
    metrics::validate(&manifest.metrics, manifest.stats.as_ref(), path)?;
    Ok(manifest)
}

/// One dialect's files (sorted by file name): the valid migrations sorted by version, and
/// a problem for each file that is not (the second of a repeated version, in file-name
/// order). Files that are not meant as migrations (a README) are left alone.
fn collect_files(
    dialect: Dialect,
    files: Vec<SourceFile>,
) -> (Vec<MigrationFile>, Vec<FileProblem>) {
    let mut problems = Vec::new();
    let mut by_version: BTreeMap<u32, MigrationFile> = BTreeMap::new();
    for SourceFile {
        file_name,
        path,
        text,
    } in files
    {
        if !looks_like_migration(&file_name) {
            continue;
        }
        let (version, name) = match parse_file_name(&file_name) {
            Ok(parsed) => parsed,
            Err(e) => {
                problems.push(FileProblem {
                    kind: FileProblemKind::BadName,
                    dialect,
                    line: None,
                    message: format!("{e}; {GRAMMAR}"),
                    refusal: format!("{path}: {GRAMMAR}: {e}"),
                    path,
                });
                continue;
            }
        };
        if let Some(other) = by_version.get(&version) {
            let twice = format!("version {version} is used twice: {} and {path}", other.path);
            problems.push(FileProblem {
                kind: FileProblemKind::RepeatedVersion,
                dialect,
                line: None,
                message: format!("{twice}; give one of them the next free version"),
                refusal: twice,
                path,
            });
            continue;
        }
        let file = MigrationFile {
            version,
            name,
            path,
            sql: text,
        };
        if let Some((line, message)) = file.transaction_control() {
            problems.push(FileProblem {
                kind: FileProblemKind::TransactionControl,
                dialect,
                path: file.path.clone(),
                line: Some(line),
                refusal: format!("{}, line {line}: {message}", file.path),
                message,
            });
        }
        by_version.insert(version, file);
    }
    (by_version.into_values().collect(), problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(n: &str) -> SourceFile {
        SourceFile {
            file_name: n.to_string(),
            path: format!("dir/{n}"),
            text: String::new(),
        }
    }

    #[test]
    fn repeated_versions_and_bad_names_are_problems_not_skips() {
        let (_, p) = collect_files(Dialect::Sqlite, vec![f("V1__a.sql"), f("V1__b.sql")]);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].kind, FileProblemKind::RepeatedVersion);
        assert!(p[0].refusal.contains("version 1 is used twice"), "{p:?}");
        let (_, p) = collect_files(
            Dialect::Sqlite,
            vec![f("V1__a.sql"), f("V2__add-email.sql")],
        );
        assert_eq!(p[0].kind, FileProblemKind::BadName);
        assert!(p[0].refusal.starts_with("dir/V2__add-email.sql: "), "{p:?}");
        let (ok, p) = collect_files(
            Dialect::Sqlite,
            vec![f("README.md"), f("V1__a.sql"), f("V2__b.sql")],
        );
        assert!(p.is_empty());
        assert_eq!(ok.iter().map(|m| m.version).collect::<Vec<_>>(), vec![1, 2]);
    }

    /// A `--schema-dir` holding one sqlite migration of schema `name`.
    fn schema_dir(name: &str, files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let sub = dir.path().join("sql/sqlite").join(name);
        std::fs::create_dir_all(&sub).expect("mkdir");
        for file in files {
            std::fs::write(sub.join(file), "CREATE TABLE a (id INTEGER);").expect("write");
        }
        dir
    }

    #[test]
    fn load_refuses_what_scan_reports() {
        let dir = schema_dir("demo", &["V1__a.sql", "V1__b.sql", "V2__Bad.sql"]);
        let scan = scan("demo", Some(dir.path())).expect("scan reads on");
        assert_eq!(scan.problems.len(), 2, "{:?}", scan.problems);
        let err = load("demo", Some(dir.path())).expect_err("load refuses");
        assert_eq!(format!("{err:#}"), scan.problems[0].refusal);
    }

    #[test]
    fn scan_and_load_apply_the_same_schema_name_rule() {
        let long = "a".repeat(super::super::source::MAX_SCHEMA_NAME + 1);
        let dir = schema_dir(&long, &["V1__a.sql"]);
        let by_scan = scan(&long, Some(dir.path())).expect_err("scan refuses");
        let by_load = load(&long, Some(dir.path())).expect_err("load refuses");
        assert!(format!("{by_scan:#}").contains("too long"), "{by_scan:#}");
        assert_eq!(format!("{by_scan:#}"), format!("{by_load:#}"));
        let ok = "a".repeat(super::super::source::MAX_SCHEMA_NAME);
        let dir = schema_dir(&ok, &["V1__a.sql"]);
        scan(&ok, Some(dir.path())).expect("48 characters scan");
        load(&ok, Some(dir.path())).expect("48 characters load");
    }
}
