//! `chatdb schemas`: the canonical schemas at a glance.
//!
//! Table counts come from the SQL itself: each schema's SQLite migrations are applied to an
//! in-memory scratch database ([`scratch::apply`]) and its tables counted, so the number
//! can never drift from the files.

use std::io::Write;
use std::process::ExitCode;

use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use crate::catalog::{self, Dialect, MigrationFile, Schema};
use crate::cli::{Format, SchemasArgs};
use crate::db::scratch::{self, Place};
use crate::db::{Access, ConnectOpts};
use crate::report::{self, json::Envelope};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Row {
    name: String,
    description: String,
    source: String,
    tables: usize,
    latest_postgres: Option<u32>,
    latest_sqlite: Option<u32>,
}

/// The JSON document (`--format json`) after the envelope, which is null throughout:
/// `schemas` lists schemas and touches no database.
#[derive(Serialize)]
struct Listing<'a> {
    schemas: &'a [Row],
}

pub fn run(settings: &Settings, args: &SchemasArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let schemas: Vec<Schema> = match &settings.schema_dir {
        Some(dir) => vec![catalog::load(&settings.schema, Some(dir))?],
        None => catalog::canonical_names()
            .iter()
            .map(|n| catalog::load(n, None))
            .collect::<Result<_>>()?,
    };
    let rows = schemas
        .iter()
        .map(|s| {
            // Dialect::ALL is [PostgreSQL, SQLite].
            let [latest_postgres, latest_sqlite] = Dialect::ALL.map(|d| s.latest(d));
            Ok(Row {
                name: s.name.clone(),
                description: s.manifest.description.clone(),
                source: s.manifest.source.clone(),
                tables: count_tables(s)?,
                latest_postgres,
                latest_sqlite,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    match args.output.format {
        Format::Json => {
            report::json::document(out, &Envelope::none(None), &Listing { schemas: &rows })?
        }
        Format::Table => {
            let mut t = report::table(&[
                "schema",
                "source",
                "tables",
                "PostgreSQL",
                "SQLite",
                "description",
            ]);
            let v = |v: Option<u32>| v.map_or("-".to_string(), |v| format!("V{v}"));
            for r in &rows {
                t.add_row(vec![
                    r.name.clone(),
                    r.source.clone(),
                    r.tables.to_string(),
                    v(r.latest_postgres),
                    v(r.latest_sqlite),
                    r.description.clone(),
                ]);
            }
            writeln!(out, "{t}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Tables at the latest version, counted by applying the SQLite migrations to an
/// in-memory scratch database.
fn count_tables(schema: &Schema) -> Result<usize> {
    let Ok(files) = schema.migrations(scratch::MEMORY_DIALECT) else {
        return Ok(0);
    };
    let files: Vec<&MigrationFile> = files.iter().collect();
    let opts = ConnectOpts {
        connect_timeout: Duration::from_secs(1),
        lock_timeout: Duration::from_secs(1),
        access: Access::Create,
    };
    let inventory = scratch::apply(Place::Memory, &files, opts)?.into_inventory(&files)?;
    Ok(inventory.tables.len())
}
