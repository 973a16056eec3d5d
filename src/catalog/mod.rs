//! The canonical schemas: versioned SQL per dialect plus a manifest, embedded in the binary
//! or loaded from a `--schema-dir` with the same layout.
//!
//! Layout (the repository's own, so `--schema-dir .` in a checkout reads the files on disk):
//! ```text
//! sql/postgres/<schema>/V<n>__<name>.sql
//! sql/sqlite/<schema>/V<n>__<name>.sql
//! schemas/<schema>.toml
//! ```
//! File names are validated here, for embedded and on-disk schemas alike: a malformed name
//! or a repeated version is an error, never skipped (refinery would skip or crash on them).

pub mod exceptions;
pub mod queries;
pub mod retention;
pub mod volumes;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use include_dir::{include_dir, Dir};
use serde::Deserialize;

use crate::names::validate_identifier;

pub use queries::HotQuery;

static SQL: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/sql");
static MANIFESTS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/schemas");

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

/// The names of the embedded canonical schemas, sorted.
pub fn canonical_names() -> Vec<String> {
    let mut names: Vec<String> = MANIFESTS
        .files()
        .filter_map(|f| {
            let p = f.path();
            (p.extension()? == "toml").then(|| p.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    names.sort();
    names
}

/// Loads `name` from `dir` (a `--schema-dir`) or from the embedded canonical schemas.
pub fn load(name: &str, dir: Option<&Path>) -> Result<Schema> {
    match dir {
        Some(dir) => load_from_disk(name, dir),
        None => load_embedded(name),
    }
}

/// An error naming the canonical schemas unless `name` is one of them.
fn ensure_canonical(name: &str) -> Result<()> {
    let known = canonical_names();
    if !known.iter().any(|k| k == name) {
        bail!(
            "unknown schema `{name}`: the canonical schemas are {} (or point --schema-dir at your own)",
            known.join(", ")
        );
    }
    Ok(())
}

/// The embedded files of one schema and dialect: (file name, display path, SQL).
fn embedded_files(name: &str, dialect: Dialect) -> Result<Vec<(String, String, String)>> {
    let mut files = Vec::new();
    if let Some(dir) = SQL.get_dir(format!("{}/{name}", dialect.dir_name())) {
        for file in dir.files() {
            let file_name = file
                .path()
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("");
            let path = format!("sql/{}", file.path().display());
            let sql = file
                .contents_utf8()
                .ok_or_else(|| anyhow!("{path} is not UTF-8"))?;
            files.push((file_name.to_string(), path, sql.to_string()));
        }
    }
    Ok(files)
}

fn load_embedded(name: &str) -> Result<Schema> {
    ensure_canonical(name)?;
    let manifest_file = MANIFESTS
        .get_file(format!("{name}.toml"))
        .ok_or_else(|| anyhow!("schemas/{name}.toml is missing"))?;
    let manifest = parse_manifest(
        manifest_file.contents_utf8().unwrap_or_default(),
        &format!("schemas/{name}.toml"),
    )?;
    let mut migrations = BTreeMap::new();
    for dialect in Dialect::ALL {
        migrations.insert(dialect, parse_files(embedded_files(name, dialect)?)?);
    }
    Ok(Schema {
        name: name.to_string(),
        manifest,
        migrations,
    })
}

fn load_from_disk(name: &str, dir: &Path) -> Result<Schema> {
    validate_identifier(name).with_context(|| format!("invalid schema name `{name}`"))?;
    if name.len() > 48 {
        bail!("schema name `{name}` is too long (at most 48 characters)");
    }
    if !dir.is_dir() {
        bail!("--schema-dir {} is not a directory", dir.display());
    }
    let manifest_path = dir.join("schemas").join(format!("{name}.toml"));
    let manifest = if manifest_path.exists() {
        let text = std::fs::read_to_string(&manifest_path)
            .with_context(|| format!("reading {}", manifest_path.display()))?;
        parse_manifest(&text, &manifest_path.display().to_string())?
    } else {
        Manifest::default()
    };
    let mut migrations = BTreeMap::new();
    for dialect in Dialect::ALL {
        let sub: PathBuf = dir.join("sql").join(dialect.dir_name()).join(name);
        let mut files = Vec::new();
        if sub.is_dir() {
            let entries =
                std::fs::read_dir(&sub).with_context(|| format!("reading {}", sub.display()))?;
            for entry in entries {
                let entry = entry.with_context(|| format!("reading {}", sub.display()))?;
                let path = entry.path();
                if !path.is_file() {
                    continue;
                }
                let file_name = entry.file_name().to_string_lossy().into_owned();
                let sql = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading migration {}", path.display()))?;
                files.push((file_name, path.display().to_string(), sql));
            }
        }
        migrations.insert(dialect, parse_files(files)?);
    }
    if migrations.values().all(Vec::is_empty) {
        bail!(
            "no migrations for schema `{name}` under {} (expected sql/postgres/{name}/V1__<name>.sql or sql/sqlite/{name}/...)",
            dir.display()
        );
    }
    Ok(Schema {
        name: name.to_string(),
        manifest,
        migrations,
    })
}

fn parse_manifest(text: &str, path: &str) -> Result<Manifest> {
    let manifest: Manifest = toml::from_str(text).with_context(|| format!("{path} is invalid"))?;
    retention::validate(path, &manifest.policies)?;
    if let Some(seed) = &manifest.seed {
        seed.validate(path)?;
    }
    Ok(manifest)
}

/// Validates and sorts one dialect's files: (file name, display path, SQL).
fn parse_files(files: Vec<(String, String, String)>) -> Result<Vec<MigrationFile>> {
    let mut by_version: BTreeMap<u32, MigrationFile> = BTreeMap::new();
    for (file_name, path, sql) in files {
        if !looks_like_migration(&file_name) {
            continue;
        }
        let (version, name) = parse_file_name(&file_name).with_context(|| {
            format!("{path}: migration file names must be V<n>__<snake_name>.sql (e.g. V3__add_message_reads.sql)")
        })?;
        let file = MigrationFile {
            version,
            name,
            path,
            sql,
        };
        if let Some(other) = by_version.get(&version) {
            bail!(
                "version {version} is used twice: {} and {}",
                other.path,
                file.path
            );
        }
        by_version.insert(version, file);
    }
    Ok(by_version.into_values().collect())
}

/// Files that are meant as migrations: anything ending in `.sql`, or starting with `V<digit>`.
/// Other files (a README, .gitkeep) are not migrations and are left alone.
fn looks_like_migration(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    let b = file_name.as_bytes();
    lower.ends_with(".sql")
        || (b.len() > 1 && (b[0] == b'V' || b[0] == b'v') && b[1].is_ascii_digit())
}

/// `V12__add_reads.sql` -> (12, "add_reads"); anything else is an error.
pub fn parse_file_name(file_name: &str) -> Result<(u32, String)> {
    let stem = file_name
        .strip_suffix(".sql")
        .ok_or_else(|| anyhow!("`{file_name}` does not end in .sql"))?;
    let rest = stem
        .strip_prefix('V')
        .ok_or_else(|| anyhow!("`{file_name}` does not start with V"))?;
    let (digits, name) = rest
        .split_once("__")
        .ok_or_else(|| anyhow!("`{file_name}` has no `__` between version and name"))?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        bail!("`{file_name}`: the version must be a positive integer without leading zeros");
    }
    let version: u32 = digits
        .parse()
        .ok()
        .filter(|v| *v <= i32::MAX as u32)
        .ok_or_else(|| anyhow!("`{file_name}`: version {digits} is too large"))?;
    let snake = !name.is_empty()
        && name.split('_').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if !snake {
        bail!("`{file_name}`: the name must be snake_case (lowercase letters, digits, single underscores)");
    }
    Ok((version, name.to_string()))
}

/// The lock file of schema `name` inside a schema directory: `schemas/<name>.lock`.
pub fn lock_path(dir: &Path, name: &str) -> PathBuf {
    dir.join("schemas").join(format!("{name}.lock"))
}

/// A problem with a migration file's name or version, found by [`scan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    pub kind: FileProblemKind,
    pub dialect: Dialect,
    /// The file the problem is about, as [`MigrationFile::path`] would show it.
    pub path: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProblemKind {
    /// Not `V<n>__<snake_name>.sql`.
    BadName,
    /// A second file with a version already taken.
    RepeatedVersion,
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

/// The schema names under a schema directory: `schemas/<name>.toml` and
/// `sql/<dialect>/<name>/`, sorted.
pub fn names_in(dir: &Path) -> Result<Vec<String>> {
    if !dir.is_dir() {
        bail!("--schema-dir {} is not a directory", dir.display());
    }
    let mut names = std::collections::BTreeSet::new();
    let manifests = dir.join("schemas");
    if manifests.is_dir() {
        for entry in std::fs::read_dir(&manifests)
            .with_context(|| format!("reading {}", manifests.display()))?
        {
            let path = entry
                .with_context(|| format!("reading {}", manifests.display()))?
                .path();
            if path.extension().is_some_and(|e| e == "toml") {
                if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                    names.insert(stem.to_string());
                }
            }
        }
    }
    for dialect in Dialect::ALL {
        let sub = dir.join("sql").join(dialect.dir_name());
        if !sub.is_dir() {
            continue;
        }
        for entry in
            std::fs::read_dir(&sub).with_context(|| format!("reading {}", sub.display()))?
        {
            let entry = entry.with_context(|| format!("reading {}", sub.display()))?;
            if entry.path().is_dir() {
                names.insert(entry.file_name().to_string_lossy().into_owned());
            }
        }
    }
    if names.is_empty() {
        bail!(
            "no schemas under {} (expected schemas/<schema>.toml or sql/postgres/<schema>/...)",
            dir.display()
        );
    }
    Ok(names.into_iter().collect())
}

/// Reads `name` like [`load`] but collects file and manifest problems instead of failing
/// on the first, so that `chatdb validate` can report each one against its file. Errors
/// are left for what stops reading altogether (an unknown schema, an unreadable directory).
pub fn scan(name: &str, dir: Option<&Path>) -> Result<Scan> {
    let (manifest, files, lock_path, lock) = match dir {
        None => {
            ensure_canonical(name)?;
            let manifest = MANIFESTS
                .get_file(format!("{name}.toml"))
                .map(|f| f.contents_utf8().unwrap_or_default().to_string());
            let lock = MANIFESTS
                .get_file(format!("{name}.lock"))
                .map(|f| f.contents_utf8().unwrap_or_default().to_string());
            let mut files = BTreeMap::new();
            for dialect in Dialect::ALL {
                files.insert(dialect, embedded_files(name, dialect)?);
            }
            (
                (format!("schemas/{name}.toml"), manifest),
                files,
                format!("schemas/{name}.lock"),
                lock,
            )
        }
        Some(dir) => {
            validate_identifier(name).with_context(|| format!("invalid schema name `{name}`"))?;
            if !dir.is_dir() {
                bail!("--schema-dir {} is not a directory", dir.display());
            }
            let manifest_path = dir.join("schemas").join(format!("{name}.toml"));
            let manifest = if manifest_path.exists() {
                Some(
                    std::fs::read_to_string(&manifest_path)
                        .with_context(|| format!("reading {}", manifest_path.display()))?,
                )
            } else {
                None
            };
            let lock_file = lock_path(dir, name);
            let lock = if lock_file.exists() {
                Some(
                    std::fs::read_to_string(&lock_file)
                        .with_context(|| format!("reading {}", lock_file.display()))?,
                )
            } else {
                None
            };
            let mut files = BTreeMap::new();
            for dialect in Dialect::ALL {
                let sub: PathBuf = dir.join("sql").join(dialect.dir_name()).join(name);
                let mut list = Vec::new();
                if sub.is_dir() {
                    for entry in std::fs::read_dir(&sub)
                        .with_context(|| format!("reading {}", sub.display()))?
                    {
                        let entry = entry.with_context(|| format!("reading {}", sub.display()))?;
                        let path = entry.path();
                        if !path.is_file() {
                            continue;
                        }
                        let file_name = entry.file_name().to_string_lossy().into_owned();
                        let sql = std::fs::read_to_string(&path)
                            .with_context(|| format!("reading migration {}", path.display()))?;
                        list.push((file_name, display_path(&path), sql));
                    }
                }
                files.insert(dialect, list);
            }
            (
                (display_path(&manifest_path), manifest),
                files,
                display_path(&lock_file),
                lock,
            )
        }
    };
    let (manifest_path, manifest_text) = manifest;
    let (manifest, manifest_error) = match &manifest_text {
        None => (Manifest::default(), None),
        Some(text) => match parse_manifest(text, &manifest_path) {
            Ok(m) => (m, None),
            Err(e) => (Manifest::default(), Some(format!("{e:#}"))),
        },
    };
    let mut problems = Vec::new();
    let mut migrations = BTreeMap::new();
    for (dialect, list) in files {
        let (valid, found) = collect_files(dialect, list);
        problems.extend(found);
        migrations.insert(dialect, valid);
    }
    Ok(Scan {
        schema: Schema {
            name: name.to_string(),
            manifest,
            migrations,
        },
        problems,
        manifest_path,
        manifest_text,
        manifest_error,
        lock_path,
        lock,
    })
}

/// A path for messages: `./sql/x` shown as `sql/x` (GitHub annotations want paths relative
/// to the repository root, which is what `--schema-dir .` gives).
fn display_path(path: &Path) -> String {
    let text = path.display().to_string();
    match text.strip_prefix("./") {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// The lenient twin of [`parse_files`]: valid files sorted by version, and a problem for
/// each file that is not (the second of a repeated version, in file-name order).
fn collect_files(
    dialect: Dialect,
    mut files: Vec<(String, String, String)>,
) -> (Vec<MigrationFile>, Vec<FileProblem>) {
    files.sort();
    let mut problems = Vec::new();
    let mut by_version: BTreeMap<u32, MigrationFile> = BTreeMap::new();
    for (file_name, path, sql) in files {
        if !looks_like_migration(&file_name) {
            continue;
        }
        let (version, name) = match parse_file_name(&file_name) {
            Ok(parsed) => parsed,
            Err(e) => {
                problems.push(FileProblem {
                    kind: FileProblemKind::BadName,
                    dialect,
                    path,
                    message: format!(
                        "{e}; migration file names must be V<n>__<snake_name>.sql (e.g. V3__add_message_reads.sql)"
                    ),
                });
                continue;
            }
        };
        if let Some(other) = by_version.get(&version) {
            problems.push(FileProblem {
                kind: FileProblemKind::RepeatedVersion,
                dialect,
                message: format!(
                    "version {version} is used twice: {} and {}; give one of them the next free version",
                    other.path, path
                ),
                path,
            });
            continue;
        }
        by_version.insert(
            version,
            MigrationFile {
                version,
                name,
                path,
                sql,
            },
        );
    }
    (by_version.into_values().collect(), problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_strict() {
        assert_eq!(
            parse_file_name("V1__initial_schema.sql").expect("valid").0,
            1
        );
        assert_eq!(
            parse_file_name("V12__a1_b2.sql").expect("valid"),
            (12, "a1_b2".into())
        );
        for bad in [
            "V2__add-email.sql",
            "V2_add_email.sql",
            "v2__add_email.sql",
            "V02__add_email.sql",
            "V0__x.sql",
            "Vx__add.sql",
            "V2__Add.sql",
            "V2__a__b.sql",
            "V2__.sql",
            "V99999999999__x.sql",
        ] {
            assert!(parse_file_name(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn repeated_versions_and_bad_names_are_errors_not_skips() {
        let f = |n: &str| (n.to_string(), format!("dir/{n}"), String::new());
        let err = parse_files(vec![f("V1__a.sql"), f("V1__b.sql")]).expect_err("repeat");
        assert!(format!("{err:#}").contains("version 1 is used twice"));
        let err = parse_files(vec![f("V1__a.sql"), f("V2__add-email.sql")]).expect_err("bad name");
        assert!(format!("{err:#}").contains("V2__add-email.sql"));
        let ok = parse_files(vec![f("V2__b.sql"), f("README.md"), f("V1__a.sql")]).expect("ok");
        assert_eq!(ok.iter().map(|m| m.version).collect::<Vec<_>>(), vec![1, 2]);
    }

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
