//! `chatdb new NAME`: writes the next version's twin migration files (one per dialect) in a
//! `--schema-dir`, each with a header that says what goes where (see `templates.rs`).
//! Never overwrites a file, and refuses the embedded canonical schemas, which are read-only.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use super::line;
use crate::catalog::filename::parse_file_name;
use crate::catalog::Dialect;
use crate::cli::NewArgs;
use crate::settings::Settings;
use crate::templates::{self, Kind};

pub fn run(settings: &Settings, args: &NewArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let Some(root) = settings.schema_dir.as_deref() else {
        bail!(
            "chatdb new writes migration files into a schema dir: pass --schema-dir DIR (the embedded canonical schemas are read-only; in a checkout, --schema-dir .)"
        );
    };
    if !root.is_dir() {
        bail!("--schema-dir {} is not a directory", root.display());
    }
    let schema = &settings.schema;
    crate::names::validate_identifier(schema)
        .with_context(|| format!("invalid schema name `{schema}`"))?;
    parse_file_name(&format!("V1__{}.sql", args.name))
        .with_context(|| format!("invalid migration name `{}`", args.name))?;
    let version = next_version(root, schema)?;
    let kind = if args.no_transaction {
        Kind::NoTransaction
    } else {
        Kind::Transactional
    };
    let rebuild = match args.sqlite_rebuild.as_deref() {
        Some(table) => {
            let schema = crate::catalog::load(schema, Some(root))?;
            Some(crate::db::sqlite::rebuild::table_source(
                schema.migrations(Dialect::Sqlite)?,
                table,
            )?)
        }
        None => None,
    };
    let body = |d: Dialect| templates::body(d, rebuild.as_ref());
    write_twins(root, schema, version, &args.name, kind, &body, out)?;
    line(
        out,
        "fill in both halves, then `chatdb validate --schema-dir DIR --update-lock` records their checksums",
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The SQLite rebuild of `table` to its definition in `files` (the canonical migrations
/// a database has applied), copying the columns the live table (`live_columns`) has too;
/// a live column the canonical table lacks is named in a comment, not copied.
pub(super) fn rebuild_to_canonical<'a>(
    files: impl IntoIterator<Item = &'a crate::catalog::MigrationFile>,
    table: &str,
    live_columns: &[String],
) -> Result<String> {
    let source = crate::db::sqlite::rebuild::table_source(files, table)?;
    let copy: Vec<String> = source
        .columns
        .iter()
        .filter(|c| live_columns.contains(c))
        .cloned()
        .collect();
    let mut text = templates::sqlite_rebuild(&source, &copy);
    let extra: Vec<&str> = live_columns
        .iter()
        .filter(|c| !source.columns.contains(c))
        .map(String::as_str)
        .collect();
    if !extra.is_empty() {
        text.push_str(&format!(
            "\n-- The live {table} also has {}, which the canonical schema does not: the rebuild does\n-- not copy it. To keep it, add it to the CREATE TABLE and to both column lists.\n",
            extra.join(", ")
        ));
    }
    Ok(text)
}

/// Writes `check`'s fixes (of the `checked` dialect, in `namespace`) under `root` as new
/// migrations named `name`: the no-transaction steps first, then the transactional ones
/// (`<name>_constraints` when both exist), then each SQLite table rebuild
/// (`<name>_rebuild_<table>`, `rebuilds` being (table, migration body)). Each file's twin
/// says what to write there.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_fixes(
    root: Option<&Path>,
    schema: &str,
    name: &str,
    checked: Dialect,
    namespace: Option<&str>,
    fixes: &[&str],
    rebuilds: &[(String, String)],
    out: &mut dyn Write,
) -> Result<()> {
    let Some(root) = root else {
        bail!("--write-migration writes into a schema dir: pass --schema-dir DIR (the embedded canonical schemas are read-only; in a checkout, --schema-dir .)");
    };
    parse_file_name(&format!("V1__{name}_constraints.sql"))
        .with_context(|| format!("invalid migration name `{name}`"))?;
    for (table, _) in rebuilds {
        parse_file_name(&format!("V1__{name}_rebuild_{table}.sql")).with_context(|| {
            format!("table {table} does not fit a migration name: rebuild it with `chatdb new NAME --sqlite-rebuild {table}`")
        })?;
    }
    let (outside, inside) = crate::online::fix_steps(fixes, namespace);
    if outside.is_empty() && inside.is_empty() && rebuilds.is_empty() {
        line(out, "check found nothing to fix: no migration written")?;
        return Ok(());
    }
    let mut version = next_version(root, schema)?;
    let steps = |statements: &[String]| {
        let mut s = statements.join("\n");
        s.push('\n');
        s
    };
    let mut names = Vec::new();
    if !outside.is_empty() {
        let text = steps(&outside);
        let body = |d: Dialect| {
            if d == checked {
                text.clone()
            } else {
                templates::twin_of_fixes(checked)
            }
        };
        write_twins(root, schema, version, name, Kind::NoTransaction, &body, out)?;
        names.push(name.to_string());
        version += 1;
    }
    if !inside.is_empty() {
        let text = steps(&inside);
        let body = |d: Dialect| {
            if d == checked {
                text.clone()
            } else {
                templates::twin_of_fixes(checked)
            }
        };
        let file = if names.is_empty() {
            name.to_string()
        } else {
            format!("{name}_constraints")
        };
        write_twins(
            root,
            schema,
            version,
            &file,
            Kind::Transactional,
            &body,
            out,
        )?;
        version += 1;
    }
    for (table, text) in rebuilds {
        let body = |d: Dialect| {
            if d == checked {
                text.clone()
            } else {
                templates::twin_of_fixes(checked)
            }
        };
        let file = format!("{name}_rebuild_{table}");
        write_twins(
            root,
            schema,
            version,
            &file,
            Kind::Transactional,
            &body,
            out,
        )?;
        version += 1;
    }
    line(
        out,
        "review them and the twins, then `chatdb validate --schema-dir DIR --update-lock` records their checksums",
    )
}

/// One more than the highest version of `schema`'s migrations under `root`, in either dialect.
pub(super) fn next_version(root: &Path, schema: &str) -> Result<u32> {
    let mut version = 0;
    for d in Dialect::ALL {
        version = version.max(highest(&root.join("sql").join(d.dir_name()).join(schema))?);
    }
    Ok(version + 1)
}

/// Writes `V<version>__<name>.sql` for both dialects under `root` (each with its header and
/// `body(dialect)` after it), refusing to overwrite either.
pub(super) fn write_twins(
    root: &Path,
    schema: &str,
    version: u32,
    name: &str,
    kind: Kind,
    body: &dyn Fn(Dialect) -> String,
    out: &mut dyn Write,
) -> Result<()> {
    let file = format!("V{version}__{name}.sql");
    let path = |d: Dialect| format!("sql/{}/{schema}/{file}", d.dir_name());
    for d in Dialect::ALL {
        if root.join(path(d)).exists() {
            bail!(
                "{} exists already: chatdb never overwrites a migration",
                path(d)
            );
        }
    }
    for d in Dialect::ALL {
        let twin = Dialect::ALL
            .into_iter()
            .find(|o| *o != d)
            .map_or(String::new(), path);
        let mut text = templates::migration(d, &file, &twin, kind);
        text.push_str(&body(d));
        let full = root.join(path(d));
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&full, text).with_context(|| format!("writing {}", full.display()))?;
        line(out, format!("wrote {}", full.display()))?;
    }
    Ok(())
}

/// The highest version among the migration files of `dir` (0 when there are none).
fn highest(dir: &Path) -> Result<u32> {
    if !dir.is_dir() {
        return Ok(0);
    }
    let mut top = 0;
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        if let Ok((v, _)) = parse_file_name(&entry.file_name().to_string_lossy()) {
            top = top.max(v);
        }
    }
    Ok(top)
}
