//! `chatdb cleanup`: the schema's retention policies, run the way cron needs them run.
//!
//! Order of work: resolve which policies run and with what keep period (manifest, then
//! `chatdb.toml`, then flags); refuse bad input before touching anything; take the cleanup
//! lock (a second run exits 3 at once); read the database's clock once and derive every
//! cutoff from it; then delete in keyset batches, each its own transaction, adapting the
//! batch to the rows it cascades to so that no transaction touches much more than
//! `--batch-size` rows. Signals and `--max-runtime` are honoured between batches only, so
//! a batch is either committed whole or not at all. Policy resolution, the SQL and the
//! batch-size controller are in [`crate::retention`]; the database work goes through the
//! connection's `Retention` backend.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Serialize;

use super::{connect, line, select};
use crate::cli::{CleanupArgs, Format};
use crate::db::{Access, Conn, SqlError};
use crate::report::{self, json::Envelope};
use crate::retention::{descendants, next_limit, resolve, Job, Observed, Policy, Timeouts};
use crate::settings::Settings;

const PER_BATCH_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// One policy's line in the report.
#[derive(Debug, Serialize)]
struct Line {
    #[serde(flatten)]
    policy: Policy,
    /// The database's text form (what the DELETE compares with); RFC 3339 UTC in JSON.
    #[serde(serialize_with = "report::json::instant")]
    cutoff: String,
    /// Deleted (or, for --dry-run/--list, would be deleted).
    rows: u64,
    cascaded_rows: u64,
    batches: u64,
    elapsed_ms: u64,
    longest_batch_ms: u64,
}

/// The JSON document (`--format json`) after the envelope.
#[derive(Debug, Serialize)]
struct Report {
    mode: &'static str,
    /// The database clock at the start; every cutoff is `now - keep` (RFC 3339 UTC in JSON;
    /// null when no policy runs, since the database is then not asked).
    #[serde(serialize_with = "report::json::optional_instant")]
    now: Option<String>,
    stopped: Option<&'static str>,
    policies: Vec<Line>,
    vacuum: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
}

pub fn run(settings: &Settings, args: &CleanupArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let sel = select(settings)?;
    // Typed and range-checked already: clap's value parsers, `Settings::resolve`.
    let batch_size = args.batch_size.unwrap_or(settings.batch_size);
    let max_runtime = args.max_runtime;
    let statement_timeout = args.statement_timeout;
    let policies = resolve(
        &sel.schema.manifest.policies,
        &settings.cleanup,
        &args.tables,
        args.older_than.as_ref().map(|d| d.text.as_str()),
        args.force,
        &sel.schema.name,
    )?;
    let mode = if args.list {
        "list"
    } else if args.dry_run {
        "dry_run"
    } else {
        "delete"
    };
    let listed: Vec<Policy> = policies
        .into_iter()
        .filter(|p| args.list || p.runs)
        .collect();
    let envelope = Envelope::new(
        &sel.schema.name,
        &sel.target,
        &settings.database_url,
        &settings.namespace,
    );
    if listed.is_empty() {
        let note = "no retention policy to run (policies that are off run only with --older-than; see --list)";
        match args.output.format {
            _ if args.quiet => {}
            Format::Table => line(out, format!("{}: {note}", sel.schema.name))?,
            Format::Json => report::json::document(
                out,
                &envelope,
                &Report {
                    mode,
                    now: None,
                    stopped: None,
                    policies: Vec::new(),
                    vacuum: Vec::new(),
                    notes: vec![note.to_string()],
                },
            )?,
        }
        return Ok(ExitCode::SUCCESS);
    }

    let mut conn = connect(settings, &sel.target, Access::Existing)?;
    conn.cleanup_session()?;
    let cascades = conn.cascades()?;
    let jobs: Vec<Job> = listed
        .iter()
        .map(|p| Job {
            table: p.table.clone(),
            time_column: p.time_column.clone(),
            condition: p.condition.clone(),
            cascade_tables: descendants(&p.table, &cascades),
        })
        .collect();
    for job in &jobs {
        conn.check_job(job)?;
    }
    let _lock = if mode == "delete" {
        Some(conn.cleanup_lock()?)
    } else {
        None
    };

    let now = conn.db_now()?;
    let mut lines = Vec::new();
    for p in &listed {
        let cutoff = conn.cutoff(&now, Duration::from_secs(p.keep_seconds))?;
        lines.push(Line {
            policy: p.clone(),
            cutoff,
            rows: 0,
            cascaded_rows: 0,
            batches: 0,
            elapsed_ms: 0,
            longest_batch_ms: 0,
        });
    }

    let mut stopped = None;
    let mut vacuum = Vec::new();
    let mut signal_code = None;
    if mode == "delete" {
        let stop = Signals::register()?;
        let started = Instant::now();
        let timeouts = Timeouts {
            lock: PER_BATCH_LOCK_TIMEOUT,
            statement: statement_timeout,
        };
        for (l, job) in lines.iter_mut().zip(&jobs) {
            if stopped.is_some() {
                break;
            }
            stopped = run_policy(
                &mut conn,
                job,
                l,
                batch_size,
                timeouts,
                &stop,
                started,
                max_runtime,
            )?;
        }
        if args.vacuum && stopped != Some("signal") {
            let touched: Vec<String> = lines
                .iter()
                .filter(|l| l.rows > 0)
                .map(|l| l.policy.table.clone())
                .collect();
            vacuum = conn.vacuum(&touched)?;
        }
        if stopped == Some("signal") {
            signal_code = Some(if stop.term.load(Ordering::SeqCst) {
                143
            } else {
                130
            });
        }
    } else {
        for (l, job) in lines.iter_mut().zip(&jobs) {
            let (rows, cascaded) = conn.count_expired(job, &l.cutoff, &cascades)?;
            l.rows = rows;
            l.cascaded_rows = cascaded;
        }
    }

    let report = Report {
        mode,
        now: Some(now),
        stopped,
        policies: lines,
        vacuum,
        notes: Vec::new(),
    };
    if let Some(code) = signal_code {
        print(out, args.output.format, &envelope, &report)?;
        eprintln!("chatdb: cleanup interrupted by a signal after a whole batch; committed batches stay deleted");
        return Ok(ExitCode::from(code));
    }
    if !(args.quiet && mode == "delete") {
        print(out, args.output.format, &envelope, &report)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Deletes one policy's expired rows batch by batch. Returns why it stopped early, if it did.
#[allow(clippy::too_many_arguments)]
fn run_policy(
    conn: &mut Conn,
    job: &Job,
    line: &mut Line,
    batch_size: u64,
    timeouts: Timeouts,
    stop: &Signals,
    started: Instant,
    max_runtime: Option<Duration>,
) -> Result<Option<&'static str>> {
    let cascading = !job.cascade_tables.is_empty();
    // With cascades, start small and let the measured fan-out size the next batch.
    let mut limit = next_limit(0, batch_size, cascading, Observed::Start);
    let mut from: Option<String> = None;
    let policy_started = Instant::now();
    loop {
        let t = Instant::now();
        let mut attempts = 0;
        let batch = loop {
            match conn.delete_batch(job, &line.cutoff, from.as_deref(), limit, timeouts) {
                Ok(b) => break b,
                Err(e) => {
                    attempts += 1;
                    if attempts >= 4 {
                        return Err(e.context(format!(
                            "cleanup of {} stopped after {} committed batch(es), {} row(s) deleted",
                            job.table, line.batches, line.rows
                        )));
                    }
                    let code = SqlError::find(&e);
                    if code.is_some_and(SqlError::is_statement_timeout) {
                        // Statement timeout: the batch is too big for this server; halve it.
                        limit =
                            next_limit(limit, batch_size, cascading, Observed::StatementTimeout);
                    } else if code.is_some_and(SqlError::is_lock_timeout) {
                        // Lock timeout: an application transaction holds the rows; wait and retry.
                        std::thread::sleep(Duration::from_millis(500 * attempts));
                    } else {
                        return Err(e.context(format!("cleanup of {}", job.table)));
                    }
                }
            }
        };
        let took = t.elapsed();
        if batch.deleted > 0 {
            line.batches += 1;
        }
        line.rows += batch.deleted;
        line.cascaded_rows += batch.cascaded;
        line.longest_batch_ms = line.longest_batch_ms.max(took.as_millis() as u64);
        line.elapsed_ms = policy_started.elapsed().as_millis() as u64;
        if batch.deleted < limit || batch.last.is_none() {
            return Ok(None);
        }
        if stop.any() {
            return Ok(Some("signal"));
        }
        if max_runtime.is_some_and(|m| started.elapsed() >= m) {
            return Ok(Some("max_runtime"));
        }
        from = batch.last;
        limit = next_limit(
            limit,
            batch_size,
            cascading,
            Observed::Batch {
                deleted: batch.deleted,
                cascaded: batch.cascaded,
            },
        );
    }
}

/// SIGINT and SIGTERM set flags; the loop looks at them between batches.
struct Signals {
    int: Arc<AtomicBool>,
    term: Arc<AtomicBool>,
}

impl Signals {
    fn register() -> Result<Signals> {
        let int = Arc::new(AtomicBool::new(false));
        let term = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&int))
            .context("installing the SIGINT handler")?;
        signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&term))
            .context("installing the SIGTERM handler")?;
        Ok(Signals { int, term })
    }

    fn any(&self) -> bool {
        self.int.load(Ordering::SeqCst) || self.term.load(Ordering::SeqCst)
    }
}

fn print(out: &mut dyn Write, format: Format, envelope: &Envelope, r: &Report) -> Result<()> {
    match format {
        Format::Json => report::json::document(out, envelope, r),
        Format::Table => {
            let now = r.now.as_deref().unwrap_or_default();
            let schema = envelope.schema.as_deref().unwrap_or_default();
            let listing = r.mode != "delete";
            let header: &[&str] = if r.mode == "list" {
                &[
                    "table",
                    "aged by",
                    "keep",
                    "from",
                    "on",
                    "cutoff",
                    "rows to delete",
                    "cascaded",
                ]
            } else if listing {
                &[
                    "table",
                    "aged by",
                    "keep",
                    "cutoff",
                    "rows to delete",
                    "cascaded",
                ]
            } else {
                &[
                    "table",
                    "cutoff",
                    "deleted",
                    "cascaded",
                    "batches",
                    "time",
                    "longest batch",
                ]
            };
            let mut t = report::table(header);
            for l in &r.policies {
                let aged = match &l.policy.condition {
                    Some(c) => format!("{} ({c})", l.policy.time_column),
                    None => l.policy.time_column.clone(),
                };
                let row = if r.mode == "list" {
                    vec![
                        l.policy.table.clone(),
                        aged,
                        l.policy.keep.clone(),
                        l.policy.keep_from.to_string(),
                        if l.policy.enabled { "yes" } else { "no" }.to_string(),
                        l.cutoff.clone(),
                        l.rows.to_string(),
                        l.cascaded_rows.to_string(),
                    ]
                } else if listing {
                    vec![
                        l.policy.table.clone(),
                        aged,
                        l.policy.keep.clone(),
                        l.cutoff.clone(),
                        l.rows.to_string(),
                        l.cascaded_rows.to_string(),
                    ]
                } else {
                    vec![
                        l.policy.table.clone(),
                        l.cutoff.clone(),
                        l.rows.to_string(),
                        l.cascaded_rows.to_string(),
                        l.batches.to_string(),
                        format!("{} ms", l.elapsed_ms),
                        format!("{} ms", l.longest_batch_ms),
                    ]
                };
                t.add_row(row);
            }
            let title = match r.mode {
                "list" => format!("{schema}: retention policies (database clock {now})"),
                "dry_run" => format!("{schema}: dry run, nothing deleted (database clock {now})"),
                _ => format!(
                    "{schema}: cleanup on {} (database clock {now})",
                    envelope.database.as_deref().unwrap_or_default()
                ),
            };
            line(out, title)?;
            line(out, t)?;
            match r.stopped {
                Some("max_runtime") => {
                    line(out, "Stopped at --max-runtime; run again to continue.")?
                }
                Some(_) => line(out, "Interrupted; committed batches stay deleted.")?,
                None => {}
            }
            for v in &r.vacuum {
                line(out, format!("ran {v}"))?;
            }
            Ok(())
        }
    }
}
