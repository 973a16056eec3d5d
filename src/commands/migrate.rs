//! `chatdb migrate`: bring the database to the schema's latest version (or `--target`).

use std::io::Write;
use std::process::ExitCode;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Result};
use serde::Serialize;

use super::{connect, line, select};
use crate::cli::{Format, MigrateArgs};
use crate::db::{Access, TxKind};
use crate::interrupt;
use crate::migrator::{self, Entry, Waits};
use crate::online::{self, Group, Retry, DEFAULT_DDL_LOCK_TIMEOUT};
use crate::report::{self, json::Envelope};
use crate::settings::Settings;

/// The `--dry-run --format json` document after the envelope.
#[derive(Serialize)]
struct DryRun<'a> {
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

/// The `--format json` document after the envelope.
#[derive(Serialize)]
struct Done<'a> {
    applied: &'a [Entry],
    already_applied: usize,
    /// The whole run, lock wait included.
    elapsed_ms: u64,
    version: Option<i64>,
    /// The groups that committed, in order.
    groups: &'a [Group],
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
                |s| {
                    let history = migrator::read_history(s, &table)?;
                    let present = migrator::built_elsewhere(s, files, &history)?;
                    if !present.is_empty() {
                        bail!(
                            "refusing to migrate: {}",
                            migrator::adopt_advice(&present, &table)
                        );
                    }
                    Ok(history)
                },
            )?
        } else {
            Vec::new()
        };
        let entries = migrator::compare(files, &history)?;
        migrator::refuse_problems(&entries)?;
        let todo = migrator::pending(files, &entries, args.target)?;
        let groups = online::groups(&todo, dialect);
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
            groups,
        };
        match args.output.format {
            Format::Json => report::json::document(out, &envelope, &plan)?,
            Format::Table => {
                if plan.pending.is_empty() {
                    line(
                        out,
                        format!("{schema} is up to date on {database}: nothing would run."),
                    )?;
                } else if plan.groups.len() == 1
                    && plan.groups[0].transaction
                    && !plan.groups[0].foreign_keys_off
                {
                    line(out, format!(
                        "-- dry run: would apply {} migration(s) of {} to {} in one transaction (nothing was changed)",
                        plan.pending.len(), schema, database
                    ))?;
                    for p in &plan.pending {
                        line(out, format!("\n-- V{}__{} ({})", p.version, p.name, p.file))?;
                        line(out, p.sql.trim_end())?;
                    }
                } else {
                    line(out, format!(
                        "-- dry run: would apply {} migration(s) of {} to {} in {}, each committed before the next (nothing was changed)",
                        plan.pending.len(), schema, database, groups_count(plan.groups.len())
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

    let mut conn = super::connect_writable(settings, &sel.target, Access::Create, "migrate")?;
    // SIGINT/SIGTERM cancel the statement in flight (again every 200 ms, in case it
    // arrived between two statements, until the run has ended); the run's one transaction
    // then rolls back, and the report below says so.
    interrupt::install()?;
    let ended = Arc::new(AtomicBool::new(false));
    let cancel = conn.canceller();
    let watching = Arc::clone(&ended);
    interrupt::on_signal(move |_| {
        while !watching.load(Ordering::SeqCst) {
            cancel();
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    })?;
    let result = migrator::migrate(
        &mut conn,
        files,
        &table,
        &settings.namespace,
        args.target,
        Waits {
            lock_timeout: settings.lock_timeout,
            ddl: Retry {
                // Never longer than the wait for chatdb's own lock.
                lock_timeout: args
                    .ddl_lock_timeout
                    .unwrap_or(DEFAULT_DDL_LOCK_TIMEOUT.min(settings.lock_timeout)),
                retries: args.ddl_retries,
            },
        },
    );
    ended.store(true, Ordering::SeqCst);
    if let Some(code) = interrupt::fired() {
        return interrupted(&mut conn, settings, files, &table, result, code);
    }
    let outcome = result?;
    let version = outcome.applied.last().map(|e| e.version).or_else(|| {
        (outcome.already_applied > 0).then(|| current_version(files, outcome.already_applied))
    });
    let done = Done {
        applied: &outcome.applied,
        already_applied: outcome.already_applied,
        elapsed_ms: outcome.elapsed.as_millis() as u64,
        version,
        groups: &outcome.groups,
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

/// What an interrupted run says: what committed (all of it, when the signal came after the
/// commit; nothing otherwise, as the run is one transaction), where the database stands,
/// and the signal's exit code.
fn interrupted(
    conn: &mut crate::db::Conn,
    settings: &Settings,
    files: &[crate::catalog::MigrationFile],
    table: &str,
    result: Result<migrator::Outcome>,
    code: u8,
) -> Result<ExitCode> {
    let signal = interrupt::name(code);
    let at = conn
        .in_transaction(
            TxKind::Read,
            &settings.namespace,
            settings.lock_timeout,
            |s| migrator::read_history(s, table),
        )
        .ok()
        .and_then(|h| h.iter().map(|r| r.version).max())
        .map_or("no version (nothing applied yet)".to_string(), |v| {
            format!("V{v}")
        });
    match result {
        Ok(outcome) => {
            let done: Vec<String> = outcome
                .applied
                .iter()
                .map(|e| format!("V{}__{}", e.version, e.name))
                .collect();
            eprintln!(
                "chatdb: migrate got {signal} after its transaction committed: {} applied; the database is at {at}",
                if done.is_empty() { "nothing new was".to_string() } else { done.join(", ") }
            );
        }
        Err(_) => {
            let pending = files.len();
            eprintln!(
                "chatdb: migrate interrupted by {signal}: the migration in flight was cancelled and its \
                 transaction rolled back (groups of this run that committed before it stay, and so do the \
                 statements a no-transaction migration had run); the database stays at {at} \
                 (of {pending} in the schema); run migrate again to apply the rest"
            );
        }
    }
    Ok(ExitCode::from(code))
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
    let how = match done.groups {
        [g] if g.transaction && !g.foreign_keys_off => "in one transaction:".to_string(),
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
            "{schema}: applied {} migration(s) to {where_} in {} ms, {how}",
            done.applied.len(),
            done.elapsed_ms
        ),
    )?;
    line(out, t)?;
    line(out, format!("Now at {at}."))
}

/// `V1, V2 in one transaction` / `V3 outside a transaction (-- chatdb:no-transaction)`.
fn group_label(g: &Group) -> String {
    let versions = online::versions_label(&g.versions);
    if g.foreign_keys_off {
        format!(
            "{versions} in one transaction with foreign keys off ({}), checked before commit",
            online::FOREIGN_KEYS_OFF_MARKER
        )
    } else if g.transaction {
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
