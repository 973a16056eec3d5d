//! `chatdb migrate`: bring the database to the schema's latest version (or `--target`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use super::{connect, line, select};
use crate::cli::{Format, MigrateArgs};
use crate::db::{place, Access, TxKind};
use crate::migrator::{self, Entry, Waits};
use crate::online::{self, Group, Retry};
use crate::redact::redact_url;
use crate::report;
use crate::settings::Settings;

#[derive(Serialize)]
struct DryRun<'a> {
    schema: &'a str,
    database: String,
    namespace: &'a str,
    dry_run: bool,
    pending: Vec<Planned<'a>>,
    /// How the pending migrations would commit.
    groups: Vec<Group>,
}

#[derive(Serialize)]
struct Planned<'a> {
    version: u32,
    name: &'a str,
    file: &'a str,
    sql: &'a str,
}

#[derive(Serialize)]
struct Done<'a> {
    schema: &'a str,
    database: String,
    namespace: &'a str,
    #[serde(flatten)]
    outcome: &'a migrator::Outcome,
    version: Option<i64>,
    /// The namespace where the dialect has one (for the table output).
    #[serde(skip)]
    place_namespace: Option<&'a str>,
}

pub fn run(settings: &Settings, args: &MigrateArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let sel = select(settings)?;
    let dialect = sel.target.dialect();
    let files = sel.schema.migrations(dialect)?;
    let table = sel.schema.history_table();
    let database = redact_url(&settings.database_url);

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
        let groups = online::groups(&todo, dialect);
        let plan = DryRun {
            schema: &sel.schema.name,
            database,
            namespace: &settings.namespace,
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
            groups,
        };
        match settings.format {
            Format::Json => report::json(out, &plan)?,
            Format::Table | Format::Github => {
                if plan.pending.is_empty() {
                    line(
                        out,
                        format!(
                            "{} is up to date on {}: nothing would run.",
                            plan.schema, plan.database
                        ),
                    )?;
                } else if plan.groups.len() == 1 && plan.groups[0].transaction {
                    line(out, format!(
                        "-- dry run: would apply {} migration(s) of {} to {} in one transaction (nothing was changed)",
                        plan.pending.len(), plan.schema, plan.database
                    ))?;
                    for p in &plan.pending {
                        line(out, format!("\n-- V{}__{} ({})", p.version, p.name, p.file))?;
                        line(out, p.sql.trim_end())?;
                    }
                } else {
                    line(out, format!(
                        "-- dry run: would apply {} migration(s) of {} to {} in {}, each committed before the next (nothing was changed)",
                        plan.pending.len(), plan.schema, plan.database, groups_count(plan.groups.len())
                    ))?;
                    for (i, g) in plan.groups.iter().enumerate() {
                        line(out, format!("\n-- group {}: {}", i + 1, group_label(g)))?;
                        for p in plan
                            .pending
                            .iter()
                            .filter(|p| g.versions.contains(&p.version))
                        {
                            line(out, format!("\n-- V{}__{} ({})", p.version, p.name, p.file))?;
                            line(out, p.sql.trim_end())?;
                        }
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
        Waits {
            lock_timeout: settings.lock_timeout,
            ddl: Retry {
                lock_timeout: args.ddl_lock_timeout,
                retries: args.ddl_retries,
            },
        },
    )?;
    let version = outcome.applied.last().map(|e| e.version).or_else(|| {
        (outcome.already_applied > 0).then(|| current_version(files, outcome.already_applied))
    });
    let done = Done {
        schema: &sel.schema.name,
        database,
        namespace: &settings.namespace,
        outcome: &outcome,
        version,
        place_namespace: conn.namespace(),
    };
    match settings.format {
        Format::Json => report::json(out, &done)?,
        Format::Table | Format::Github => {
            print_table(out, &done, files.last().map(|f| i64::from(f.version)))?
        }
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

fn print_table(out: &mut dyn Write, done: &Done, latest: Option<i64>) -> Result<()> {
    let where_ = place(&done.database, done.place_namespace);
    let at = match (done.version, latest) {
        (Some(v), Some(l)) if v == l => format!("V{v} (latest)"),
        (Some(v), Some(l)) => format!("V{v} (latest is V{l})"),
        _ => "no version".to_string(),
    };
    if done.outcome.applied.is_empty() {
        line(
            out,
            format!("{}: already up to date at {at} on {where_}.", done.schema),
        )?;
        return Ok(());
    }
    let mut t = report::table(&["version", "name", "file"]);
    for e in &done.outcome.applied {
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
    let how = match done.outcome.groups.as_slice() {
        [g] if g.transaction => "in one transaction:".to_string(),
        groups => {
            let each: Vec<String> = groups.iter().map(group_label).collect();
            format!(
                "in {}, each committed: {}",
                groups_count(groups.len()),
                each.join("; ")
            )
        }
    };
    line(
        out,
        format!(
            "{}: applied {} migration(s) to {where_} in {} ms, {how}",
            done.schema,
            done.outcome.applied.len(),
            done.outcome.elapsed.as_millis()
        ),
    )?;
    line(out, t)?;
    line(out, format!("Now at {at}."))
}

/// `V1, V2 in one transaction` / `V3 outside a transaction (-- chatdb:no-transaction)`.
fn group_label(g: &Group) -> String {
    let versions = online::versions_label(&g.versions);
    if g.transaction {
        format!("{versions} in one transaction")
    } else {
        format!(
            "{versions} outside a transaction ({}), statement by statement",
            online::NO_TRANSACTION_MARKER
        )
    }
}

/// `1 group`, `3 groups`.
fn groups_count(n: usize) -> String {
    if n == 1 {
        "1 group".to_string()
    } else {
        format!("{n} groups")
    }
}
