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

/// Writes `check`'s fixes (of the `checked` dialect, in `namespace`) under `root` as new
/// migrations named `name`, in the order the fix script runs: the transactional steps, the
/// no-transaction index builds (`<name>_indexes` after others), the constraints made from
/// those indexes (`<name>_constraints`), then each SQLite table rebuild
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
    // In the order the fix script runs: the transactional schema fixes (a missing column an
    // index is built on), the no-transaction index builds, then the constraints made from
    // one of those indexes (`ADD CONSTRAINT ... USING INDEX`).
    let (after, before): (Vec<String>, Vec<String>) =
        inside.into_iter().partition(|s| uses_an_index(s));
    let mut first = true;
    for (statements, kind, suffix) in [
        (&before, Kind::Transactional, ""),
        (&outside, Kind::NoTransaction, "_indexes"),
        (&after, Kind::Transactional, "_constraints"),
    ] {
        if statements.is_empty() {
            continue;
        }
        let text = steps(statements);
        let body = |d: Dialect| {
            if d == checked {
                text.clone()
            } else {
                templates::twin_of_fixes(checked)
            }
        };
        let file = if first {
            name.to_string()
        } else {
            format!("{name}{suffix}")
        };
        write_twins(root, schema, version, &file, kind, &body, out)?;
        first = false;
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

/// Whether `statement` makes a constraint of an existing index (`USING INDEX`).
fn uses_an_index(statement: &str) -> bool {
    crate::sqltext::tokens(statement)
        .windows(2)
        .any(|w| w[0].is("USING") && w[1].is("INDEX"))
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
