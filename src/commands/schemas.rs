//! `chatdb schemas`: the canonical schemas at a glance.
//!
//! Table counts come from the SQL itself: each schema's SQLite migrations are applied to an
//! in-memory database and its tables counted, so the number can never drift from the files.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::catalog::{self, Dialect, Schema};
use crate::cli::{Format, SchemasArgs};
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
            Ok(Row {
                name: s.name.clone(),
                description: s.manifest.description.clone(),
                source: s.manifest.source.clone(),
                tables: count_tables(s)?,
                latest_postgres: s.latest(Dialect::Postgres),
                latest_sqlite: s.latest(Dialect::Sqlite),
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

/// Tables at the latest version, counted by applying the SQLite migrations in memory.
fn count_tables(schema: &Schema) -> Result<usize> {
    let Ok(files) = schema.migrations(Dialect::Sqlite) else {
        return Ok(0);
    };
    let conn = rusqlite::Connection::open_in_memory()?;
    conn.pragma_update(None, "foreign_keys", true)?;
    for f in files {
        conn.execute_batch(&f.sql)
            .with_context(|| format!("applying {} in memory", f.path))?;
    }
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        [],
        |r| r.get(0),
    )?;
    Ok(n as usize)
}
