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
    let mut version = 0;
    for d in Dialect::ALL {
        version = version.max(highest(&root.join("sql").join(d.dir_name()).join(schema))?);
    }
    let version = version + 1;
    let file = format!("V{version}__{}.sql", args.name);
    let path = |d: Dialect| format!("sql/{}/{schema}/{file}", d.dir_name());
    let kind = if args.no_transaction {
        Kind::NoTransaction
    } else {
        Kind::Transactional
    };
    for d in Dialect::ALL {
        if root.join(path(d)).exists() {
            bail!("{} exists already: chatdb new never overwrites", path(d));
        }
    }
    for d in Dialect::ALL {
        let twin = Dialect::ALL
            .into_iter()
            .find(|o| *o != d)
            .map_or(String::new(), path);
        let text = templates::migration(d, &file, &twin, kind, args.sqlite_rebuild.as_deref());
        let full = root.join(path(d));
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&full, text).with_context(|| format!("writing {}", full.display()))?;
        line(out, format!("wrote {}", full.display()))?;
    }
    line(
        out,
        "fill in both halves, then `chatdb validate --schema-dir DIR --update-lock` records their checksums",
    )?;
    Ok(ExitCode::SUCCESS)
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
