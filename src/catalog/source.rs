//! Where a schema's files come from: the copies embedded in the binary, or a `--schema-dir`
//! with the repository's layout. [`Source`] is the one reader over both, so that `load`
//! (migrate, check, seed, ...) and `scan` (validate) see the same files, under the same
//! names, with the same rules: the schema-name rule ([`check_schema_name`]), UTF-8 text
//! (a file that is not is an error, embedded or not), and one form of path in messages
//! (under the directory as given, without a leading `./`: `sql/...` for `--schema-dir .`).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use include_dir::{include_dir, Dir};

use super::Dialect;
use crate::names::validate_identifier;

static SQL: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/sql");
static MANIFESTS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/schemas");

/// The longest schema name: its history table `chatdb_history_<name>` must fit in
/// PostgreSQL's 63-byte identifiers.
pub const MAX_SCHEMA_NAME: usize = 48;

/// The one rule for a schema's name, whichever command reads it: an identifier chatdb can
/// quote everywhere, short enough for its history table.
pub fn check_schema_name(name: &str) -> Result<()> {
    validate_identifier(name).with_context(|| format!("invalid schema name `{name}`"))?;
    if name.len() > MAX_SCHEMA_NAME {
        bail!("schema name `{name}` is too long (at most {MAX_SCHEMA_NAME} characters)");
    }
    Ok(())
}

/// One file of a schema: its file name, its path as messages show it, and its text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceFile {
    pub file_name: String,
    pub path: String,
    pub text: String,
}

/// A file a schema may have (its manifest, its lock): where messages say it is, and its
/// text when it exists.
#[derive(Debug, Clone)]
pub struct OptionalFile {
    pub path: String,
    pub text: Option<String>,
}

/// The files of one schema, embedded or in a directory.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    name: &'a str,
    dir: Option<&'a Path>,
}

impl<'a> Source<'a> {
    /// The schema `name` in `dir`, or among the embedded canonical schemas when `dir` is
    /// `None`. Refuses an unknown canonical name, a name that breaks [`check_schema_name`],
    /// and a `dir` that is not a directory.
    pub fn open(name: &'a str, dir: Option<&'a Path>) -> Result<Source<'a>> {
        match dir {
            None => ensure_canonical(name)?,
            Some(dir) => {
                check_schema_name(name)?;
                if !dir.is_dir() {
                    bail!("--schema-dir {} is not a directory", dir.display());
                }
            }
        }
        Ok(Source { name, dir })
    }

    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The `--schema-dir`, or `None` for the embedded schemas.
    pub fn dir(&self) -> Option<&'a Path> {
        self.dir
    }

    /// Every file under `sql/<dialect>/<name>/` (migrations or not), sorted by file name.
    pub fn files(&self, dialect: Dialect) -> Result<Vec<SourceFile>> {
        let mut files = Vec::new();
        match self.dir {
            None => {
                if let Some(dir) = SQL.get_dir(format!("{}/{}", dialect.dir_name(), self.name)) {
                    for file in dir.files() {
                        let path = format!("sql/{}", file.path().display());
                        files.push(SourceFile {
                            file_name: file
                                .path()
                                .file_name()
                                .and_then(|n| n.to_str())
                                .unwrap_or("")
                                .to_string(),
                            text: utf8(file.contents(), &path)?,
                            path,
                        });
                    }
                }
            }
            Some(dir) => {
                let sub: PathBuf = dir.join("sql").join(dialect.dir_name()).join(self.name);
                if sub.is_dir() {
                    let entries = std::fs::read_dir(&sub)
                        .with_context(|| format!("reading {}", sub.display()))?;
                    for entry in entries {
                        let entry = entry.with_context(|| format!("reading {}", sub.display()))?;
                        let path = entry.path();
                        if !path.is_file() {
                            continue;
                        }
                        let text = std::fs::read_to_string(&path)
                            .with_context(|| format!("reading migration {}", path.display()))?;
                        files.push(SourceFile {
                            file_name: entry.file_name().to_string_lossy().into_owned(),
                            path: display_path(&path),
                            text,
                        });
                    }
                }
            }
        }
        files.sort();
        Ok(files)
    }

    /// `schemas/<name>.toml`.
    pub fn manifest(&self) -> Result<OptionalFile> {
        self.schemas_file("toml")
    }

    /// `schemas/<name>.lock`, the integrity lock `validate` checks.
    pub fn lock(&self) -> Result<OptionalFile> {
        self.schemas_file("lock")
    }

    fn schemas_file(&self, ext: &str) -> Result<OptionalFile> {
        let file_name = format!("{}.{ext}", self.name);
        match self.dir {
            None => {
                let path = format!("schemas/{file_name}");
                let text = match MANIFESTS.get_file(&file_name) {
                    Some(f) => Some(utf8(f.contents(), &path)?),
                    None => None,
                };
                Ok(OptionalFile { path, text })
            }
            Some(dir) => {
                let file = dir.join("schemas").join(&file_name);
                let text = if file.exists() {
                    Some(
                        std::fs::read_to_string(&file)
                            .with_context(|| format!("reading {}", file.display()))?,
                    )
                } else {
                    None
                };
                Ok(OptionalFile {
                    path: display_path(&file),
                    text,
                })
            }
        }
    }
}

fn utf8(bytes: &[u8], path: &str) -> Result<String> {
    std::str::from_utf8(bytes)
        .map(str::to_string)
        .map_err(|_| anyhow!("{path} is not UTF-8"))
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

/// The lock file of schema `name` inside a schema directory: `schemas/<name>.lock`.
pub fn lock_path(dir: &Path, name: &str) -> PathBuf {
    dir.join("schemas").join(format!("{name}.lock"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_schema_name_rule() {
        check_schema_name(&"a".repeat(MAX_SCHEMA_NAME)).expect("48 characters are fine");
        let err = check_schema_name(&"a".repeat(MAX_SCHEMA_NAME + 1)).expect_err("49");
        assert!(format!("{err:#}").contains("too long"), "{err:#}");
        assert!(check_schema_name("bad-name").is_err());
        // The longest name's history table still fits PostgreSQL's 63-byte identifiers.
        assert!("chatdb_history_".len() + MAX_SCHEMA_NAME <= 63);
    }

    #[test]
    fn non_utf8_text_is_an_error_naming_the_file() {
        let err = utf8(b"\xff\xfe", "schemas/x.toml").expect_err("not UTF-8");
        assert_eq!(format!("{err:#}"), "schemas/x.toml is not UTF-8");
        assert_eq!(utf8(b"ok", "p").expect("UTF-8"), "ok");
    }

    #[test]
    fn embedded_and_on_disk_sources_read_the_same_files() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for name in canonical_names() {
            let embedded = Source::open(&name, None).expect("embedded");
            let disk = Source::open(&name, Some(root)).expect("checkout");
            for dialect in Dialect::ALL {
                let a = embedded.files(dialect).expect("embedded files");
                let b = disk.files(dialect).expect("disk files");
                let strip = |files: Vec<SourceFile>| -> Vec<(String, String)> {
                    files.into_iter().map(|f| (f.file_name, f.text)).collect()
                };
                assert!(!a.is_empty(), "{name} {dialect}");
                assert_eq!(strip(a), strip(b), "{name} {dialect}");
            }
            assert_eq!(
                embedded.manifest().expect("m").text,
                disk.manifest().expect("m").text
            );
            assert_eq!(
                embedded.lock().expect("l").text,
                disk.lock().expect("l").text
            );
        }
    }
}
