//! `chatdb cleanup`: the schema's retention policies, run the way cron needs them run.
//!
//! Order of work: resolve which policies run and with what keep period (manifest, then
//! `chatdb.toml`, then flags); refuse bad input before touching anything; take the cleanup
//! lock (a second run exits 3 at once); read the database's clock once and derive every
//! cutoff from it; then delete in keyset batches, each its own transaction, adapting the
//! batch to the rows it cascades to so that no transaction touches much more than
//! `--batch-size` rows. A policy ends only when none of its expired rows is left: counted,
//! or on PostgreSQL proven by the batches themselves when no other transaction wrote while
//! they ran (`Retention::proven_empty`); a short batch alone proves nothing, since a row
//! written behind the keyset meanwhile is one the batches passed. A run stopped earlier
//! reports the rows left and exits 4 (`EXIT_INCOMPLETE`), never 0. Signals and
//! `--max-runtime` are honoured between batches only, so a batch is either committed whole
//! or not at all. Policy resolution, the SQL and the batch-size controller are in
//! [`crate::retention`]; the database work goes through the connection's `Retention`
//! backend.

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
use crate::error::{LockError, EXIT_INCOMPLETE};
use crate::progress::Progress;
use crate::report::{self, json::Envelope};
use crate::retention::{
    descendants, fit_to_budget, next_limit, resolve, Job, Observed, Policy, Timeouts, BUDGET_START,
};
use crate::settings::Settings;

/// Batches in a row that delete nothing while expired rows remain (every one of them
/// changed under the batch) before the run gives up on the policy and exits 4.
const MAX_STALLS: u32 = 20;

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
    /// Expired rows still there when the run ended (delete mode; null otherwise): 0 when
    /// the policy finished, more when `--max-runtime`, a signal or rows that kept changing
    /// under the run stopped it first.
    remaining_rows: Option<u64>,
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

    // --list and --dry-run only read: any server will do.
    let mut conn = if mode == "delete" {
        super::connect_writable(settings, &sel.target, Access::Existing, "cleanup")?
    } else {
        connect(settings, &sel.target, Access::Existing)?
    };
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
    for (p, job) in listed.iter().zip(&jobs) {
        let cutoff = conn.cutoff(&now, Duration::from_secs(p.keep_seconds))?;
        conn.refuse_odd_times(job, &cutoff)?;
        lines.push(Line {
            policy: p.clone(),
            cutoff,
            rows: 0,
            cascaded_rows: 0,
            batches: 0,
            elapsed_ms: 0,
            longest_batch_ms: 0,
            remaining_rows: None,
        });
    }

    let mut stopped = None;
    let mut vacuum = Vec::new();
    let mut signal_code = None;
    let mut stalled = false;
    if mode == "delete" {
        let stop = Signals::register()?;
        let started = Instant::now();
        // A batch waits for rows or tables the application holds at most --lock-timeout
        // (PostgreSQL's lock_timeout; SQLite's busy timeout is the same setting).
        let timeouts = Timeouts {
            lock: settings.lock_timeout,
            statement: statement_timeout,
        };
        for (l, job) in lines.iter_mut().zip(&jobs) {
            if stopped.is_some() {
                break;
            }
            match run_policy(
                &mut conn,
                job,
                l,
                batch_size,
                timeouts,
                &stop,
                started,
                max_runtime,
                args.quiet,
            )? {
                // Rows that keep changing hold up their policy, not the others.
                Some("stalled") => stalled = true,
                other => stopped = other,
            }
        }
        conn.settle()?;
        // What a stopped run leaves: the policy it was in, and those it never reached.
        for (l, job) in lines.iter_mut().zip(&jobs) {
            if l.remaining_rows.is_none() {
                l.remaining_rows = Some(conn.count_left(job, &l.cutoff)?);
            }
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
        stopped: stopped.or(stalled.then_some("stalled")),
        policies: lines,
        vacuum,
        notes: Vec::new(),
    };
    let left: Vec<String> = report
        .policies
        .iter()
        .filter(|l| l.remaining_rows.is_some_and(|n| n > 0))
        .map(|l| format!("{} in {}", l.remaining_rows.unwrap_or(0), l.policy.table))
        .collect();
    if let Some(code) = signal_code {
        print(out, args.output.format, &envelope, &report)?;
        eprintln!("chatdb: cleanup interrupted by a signal after a whole batch; committed batches stay deleted");
        if !left.is_empty() {
            eprintln!("chatdb: expired rows left: {}", left.join(", "));
        }
        return Ok(ExitCode::from(code));
    }
    if !(args.quiet && mode == "delete" && left.is_empty()) {
        print(out, args.output.format, &envelope, &report)?;
    }
    if !left.is_empty() {
        // Never a success with expired rows left: a retention rule is a promise.
        eprintln!(
            "chatdb: cleanup did not finish ({}): expired rows left: {}; run it again",
            match stopped {
                Some("max_runtime") => "stopped at --max-runtime",
                _ => "rows kept changing under the batches",
            },
            left.join(", ")
        );
        return Ok(ExitCode::from(EXIT_INCOMPLETE));
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
    quiet: bool,
) -> Result<Option<&'static str>> {
    // On a terminal: rows deleted out of the expired rows counted now, rate, time left.
    // The count is taken only when the bar is drawn.
    let total = if Progress::drawn(quiet) {
        conn.count_left(job, &line.cutoff)?
    } else {
        0
    };
    let mut progress = Progress::unless(quiet, &format!("cleanup {}", job.table), total);
    let cascading = !job.cascade_tables.is_empty();
    // With cascades, start small and let the measured fan-out size the next batch; under a
    // time budget (SQLite), start small and let the measured lock time size it.
    let budget = conn.batch_budget();
    let mut limit = next_limit(0, batch_size, cascading, Observed::Start);
    if budget.is_some() {
        limit = limit.min(BUDGET_START);
    }
    let mut from: Option<String> = None;
    let mut stalls = 0u32;
    let policy_started = Instant::now();
    loop {
        let t = Instant::now();
        let mut attempts = 0;
        let batch = loop {
            match conn.delete_batch(job, &line.cutoff, from.as_deref(), limit, timeouts) {
                Ok(b) => break b,
                Err(e) => {
                    attempts += 1;
                    let code = SqlError::find(&e);
                    if attempts >= 4 {
                        let e = if code.is_some_and(SqlError::is_lock_timeout) {
                            // Held past --lock-timeout every time: a lock, exit 3.
                            anyhow::Error::new(LockError::Busy {
                                what: "row",
                                waited: format!(
                                    "{attempts} tries of --lock-timeout {}",
                                    humantime::format_duration(timeouts.lock)
                                ),
                                holder: format!(
                                    "a transaction holding expired rows of {}",
                                    job.table
                                ),
                            })
                        } else {
                            e
                        };
                        return Err(e.context(format!(
                            "cleanup of {} stopped after {} committed batch(es), {} row(s) deleted",
                            job.table, line.batches, line.rows
                        )));
                    }
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
        progress.add(batch.deleted);
        line.cascaded_rows += batch.cascaded;
        line.longest_batch_ms = line.longest_batch_ms.max(took.as_millis() as u64);
        line.elapsed_ms = policy_started.elapsed().as_millis() as u64;
        // A short batch does not mean the work is done: a row inserted, or updated to an
        // older time, behind the keyset while the batches ran is one they passed (and on
        // PostgreSQL a ties batch, by ctid, skips a row updated under it). The policy ends
        // only when none is left, counted or proven; until then the batches go on, past the last one and then from the oldest
        // row again. The count comes when the keyset reaches the cutoff (no expired row
        // seen past the batch): a batch from the oldest row would walk over the dead index
        // entries of every batch before it (most of a second on a million rows), a count
        // walks them once. On PostgreSQL a sweep that no other writer overlapped proves it
        // without the count (`Retention::proven_empty`).
        let short = !batch.more || batch.last.is_none();
        let left = if !short {
            None
        } else if !batch.more && conn.proven_empty()? {
            Some(0)
        } else {
            Some(conn.count_left(job, &line.cutoff)?)
        };
        if left == Some(0) {
            line.remaining_rows = Some(0);
            return Ok(None);
        }
        if batch.deleted == 0 || batch.last.is_none() {
            if from.is_some() {
                from = None;
            } else {
                let left = left.unwrap_or_default();
                stalls += 1;
                if stalls > MAX_STALLS {
                    line.remaining_rows = Some(left);
                    return Ok(Some("stalled"));
                }
                std::thread::sleep(Duration::from_millis(100 * u64::from(stalls)));
            }
        } else {
            stalls = 0;
            from = batch.last;
            let sized = next_limit(
                limit,
                batch_size,
                cascading,
                Observed::Batch {
                    deleted: batch.deleted,
                    cascaded: batch.cascaded,
                },
            );
            limit = match budget {
                // By time: the lock time decides, the fan-out still caps it.
                Some(budget) => fit_to_budget(limit, batch_size, batch.held, budget)
                    .min(if cascading { sized } else { batch_size }),
                None => sized,
            };
        }
        if stop.any() {
            return Ok(Some("signal"));
        }
        if max_runtime.is_some_and(|m| started.elapsed() >= m) {
            return Ok(Some("max_runtime"));
        }
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
                    "expired left",
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
                        l.remaining_rows.unwrap_or(0).to_string(),
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
                Some("stalled") => line(
                    out,
                    "Some expired rows changed under every batch and were left; run again.",
                )?,
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
