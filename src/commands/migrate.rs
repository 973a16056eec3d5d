//! `chatdb migrate`: bring the database to the schema's latest version (or `--target`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use super::{connect, line, select};
use crate::cli::{Format, MigrateArgs};
use crate::db::{Access, TxKind};
use crate::migrator::{self, Entry};
use crate::report::{self, json::Envelope};
use crate::settings::Settings;

/// The `--dry-run --format json` document after the envelope.
#[derive(Serialize)]
struct DryRun<'a> {
    dry_run: bool,
    pending: Vec<Planned<'a>>,
}

#[derive(Serialize)]
struct Planned<'a> {
    version: u32,
    name: &'a str,
    file: &'a str,
    sql: &'a str,
}

/// The `--format json` document after the envelope.
#[derive(Serialize)]
struct Done<'a> {
    applied: &'a [Entry],
    already_applied: usize,
    /// The whole run, lock wait included.
    elapsed_ms: u64,
    version: Option<i64>,
}

pub fn run(settings: &Settings, args: &MigrateArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let sel = select(settings)?;
    let dialect = sel.target.dialect();
    let files = sel.schema.migrations(dialect)?;
    let table = sel.schema.history_table();
    let envelope = Envelope::new(
        &sel.schema.name,
        &sel.target,
        &settings.database_url,
        &settings.namespace,
    );
    let schema = sel.schema.name.as_str();
    let database = envelope.database.as_deref().unwrap_or_default();

    if args.dry_run {
        // Read only; a SQLite file that does not exist yet is not created.
        let history = if sel.target.exists() {
            let mut conn = connect(settings, &sel.target, Access::Existing)?;
            conn.in_transaction(
                TxKind::Read,
                &settings.namespace,
                settings.lock_timeout,
                |s| migrator::read_history(s, &table),
            )?
        } else {
            Vec::new()
        };
        let entries = migrator::compare(files, &history)?;
        migrator::refuse_problems(&entries)?;
        let todo = migrator::pending(files, &entries, args.target)?;
        let plan = DryRun {
            dry_run: true,
            pending: todo
                .iter()
                .map(|f| Planned {
                    version: f.version,
                    name: &f.name,
                    file: &f.path,
                    sql: &f.sql,
                })
                .collect(),
        };
        match args.output.format {
            Format::Json => report::json::document(out, &envelope, &plan)?,
            Format::Table => {
                if plan.pending.is_empty() {
                    line(
                        out,
                        format!("{schema} is up to date on {database}: nothing would run."),
                    )?;
                } else {
                    line(out, format!(
                        "-- dry run: would apply {} migration(s) of {} to {} in one transaction (nothing was changed)",
                        plan.pending.len(), schema, database
                    ))?;
                    for p in &plan.pending {
                        line(out, format!("\n-- V{}__{} ({})", p.version, p.name, p.file))?;
                        line(out, p.sql.trim_end())?;
                    }
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }

    let mut conn = connect(settings, &sel.target, Access::Create)?;
    let outcome = migrator::migrate(
        &mut conn,
        files,
        &table,
        &settings.namespace,
        args.target,
        settings.lock_timeout,
    )?;
    let version = outcome.applied.last().map(|e| e.version).or_else(|| {
        (outcome.already_applied > 0).then(|| current_version(files, outcome.already_applied))
    });
    let done = Done {
        applied: &outcome.applied,
        already_applied: outcome.already_applied,
        elapsed_ms: outcome.elapsed.as_millis() as u64,
        version,
    };
    match args.output.format {
        _ if args.quiet => {}
        Format::Json => report::json::document(out, &envelope, &done)?,
        Format::Table => print_table(
            out,
            &envelope,
            &done,
            files.last().map(|f| i64::from(f.version)),
        )?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The version reached when the first `n` files are applied (history is contiguous here:
/// out-of-order and missing versions were refused).
fn current_version(files: &[crate::catalog::MigrationFile], n: usize) -> i64 {
    files
        .get(n.saturating_sub(1))
        .map_or(0, |f| i64::from(f.version))
}

fn print_table(
    out: &mut dyn Write,
    envelope: &Envelope,
    done: &Done,
    latest: Option<i64>,
) -> Result<()> {
    let schema = envelope.schema.as_deref().unwrap_or_default();
    let where_ = envelope.target_label();
    let at = match (done.version, latest) {
        (Some(v), Some(l)) if v == l => format!("V{v} (latest)"),
        (Some(v), Some(l)) => format!("V{v} (latest is V{l})"),
        _ => "no version".to_string(),
    };
    if done.applied.is_empty() {
        line(
            out,
            format!("{schema}: already up to date at {at} on {where_}."),
        )?;
        return Ok(());
    }
    let mut t = report::table(&["version", "name", "file"]);
    for e in done.applied {
        let Entry {
            version,
            name,
            file,
            ..
        } = e;
        t.add_row(vec![
            format!("V{version}"),
            name.clone(),
            file.clone().unwrap_or_default(),
        ]);
    }
    line(
        out,
        format!(
            "{schema}: applied {} migration(s) to {where_} in {} ms, in one transaction:",
            done.applied.len(),
            done.elapsed_ms
        ),
    )?;
    line(out, t)?;
    line(out, format!("Now at {at}."))
}
