//! `chatdb cleanup`: the schema's retention policies, run the way cron needs them run.
//!
//! Order of work: resolve which policies run and with what keep period (manifest, then
//! `chatdb.toml`, then flags); refuse bad input before touching anything; take the cleanup
//! lock (a second run exits 3 at once); read the database's clock once and derive every
//! cutoff from it; then delete in keyset batches, each its own transaction, adapting the
//! batch to the rows it cascades to so that no transaction touches much more than
//! `--batch-size` rows. Signals and `--max-runtime` are honoured between batches only, so
//! a batch is either committed whole or not at all.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde::Serialize;

use super::{connect, line, select};
use crate::catalog::retention::{parse_keep, PolicyDecl};
use crate::cli::{CleanupArgs, Format};
use crate::db::retention::{descendants, Job, Timeouts};
use crate::db::{Access, Conn, Target};
use crate::report::{self, json::Envelope};
use crate::settings::{parse_duration, Settings};

pub(crate) const DEFAULT_BATCH: u64 = 5_000;
const MIN_KEEP: Duration = Duration::from_secs(3600);
const PER_BATCH_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// A policy as it will be run (or listed).
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub table: String,
    pub time_column: String,
    pub condition: Option<String>,
    pub keep: String,
    pub keep_seconds: u64,
    /// Where the keep period came from: manifest, chatdb.toml or --older-than.
    pub keep_from: &'static str,
    pub enabled: bool,
    pub runs: bool,
    pub reason: String,
}

/// Which policies run, with which keep periods. Pure: unit-tested below.
pub fn resolve(
    decls: &[PolicyDecl],
    overrides: &crate::settings::CleanupConfig,
    tables: &[String],
    older_than: Option<&str>,
    force: bool,
    schema: &str,
) -> Result<Vec<Policy>> {
    for t in overrides.policies.keys() {
        if !decls.iter().any(|d| &d.table == t) {
            bail!("chatdb.toml [cleanup.policies.{t}]: schema `{schema}` has no retention policy on table `{t}`");
        }
    }
    for t in tables {
        if !decls.iter().any(|d| &d.table == t) {
            let known: Vec<&str> = decls.iter().map(|d| d.table.as_str()).collect();
            bail!(
                "--table {t}: schema `{schema}` has no retention policy on that table (policies: {})",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            );
        }
    }
    let older = older_than
        .map(|d| parse_duration(d, "--older-than").map(|v| (d, v)))
        .transpose()?;
    let mut out = Vec::new();
    for d in decls
        .iter()
        .filter(|d| tables.is_empty() || tables.contains(&d.table))
    {
        let o = overrides.policies.get(&d.table);
        let enabled = o.and_then(|o| o.enabled).unwrap_or(d.enabled);
        let (keep_text, keep, keep_from) = match (&older, o.and_then(|o| o.keep.as_deref())) {
            (Some((text, v)), _) => (text.to_string(), *v, "--older-than"),
            (None, Some(k)) => (
                k.to_string(),
                parse_keep(
                    k,
                    &format!("chatdb.toml [cleanup.policies.{}] keep", d.table),
                )?,
                "chatdb.toml",
            ),
            (None, None) => (d.keep.clone(), parse_keep(&d.keep, "keep")?, "manifest"),
        };
        let runs = older.is_some() || enabled;
        if runs && keep < MIN_KEEP && !force {
            bail!(
                "keep period {keep_text} for {} is under one hour: that is almost certainly a mistake (pass --force if it is not)",
                d.table
            );
        }
        out.push(Policy {
            table: d.table.clone(),
            time_column: d.time_column.clone(),
            condition: d.condition.clone(),
            keep: keep_text,
            keep_seconds: keep.as_secs(),
            keep_from,
            enabled,
            runs,
            reason: d.reason.clone(),
        });
    }
    Ok(out)
}

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
    let batch_size = args
        .batch_size
        .or(settings.cleanup.batch_size)
        .unwrap_or(DEFAULT_BATCH);
    if batch_size == 0 {
        bail!("[cleanup] batch_size must be at least 1");
    }
    let max_runtime = args
        .max_runtime
        .as_deref()
        .map(|d| parse_duration(d, "--max-runtime"))
        .transpose()?;
    let statement_timeout = parse_duration(&args.statement_timeout, "--statement-timeout")?;
    let policies = resolve(
        &sel.schema.manifest.policies,
        &settings.cleanup,
        &args.tables,
        args.older_than.as_deref(),
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
    conn.cleanup_session(&settings.namespace)?;
    let cascades = conn.cascades(&settings.namespace)?;
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
    let sqlite_path = match &sel.target {
        Target::Sqlite(p) => p.clone(),
        Target::Postgres(_) => None,
    };
    let _lock = if mode == "delete" {
        Some(conn.cleanup_lock(&settings.namespace, sqlite_path.as_deref())?)
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
            let report = Report {
                mode,
                now: Some(now),
                stopped,
                policies: lines,
                vacuum,
                notes: Vec::new(),
            };
            print(out, args.output.format, &envelope, &report)?;
            let code = if stop.term.load(Ordering::SeqCst) {
                143
            } else {
                130
            };
            eprintln!("chatdb: cleanup interrupted by a signal after a whole batch; committed batches stay deleted");
            return Ok(ExitCode::from(code));
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
    let mut limit = if cascading {
        (batch_size / 20).max(1)
    } else {
        batch_size
    };
    let mut from: Option<String> = None;
    let policy_started = Instant::now();
    loop {
        let t = Instant::now();
        let mut attempts = 0;
        let batch = loop {
            match conn.delete_batch(job, &line.cutoff, from.as_deref(), limit, timeouts) {
                Ok(b) => break b,
                Err(e) => {
                    let text = format!("{e:#}");
                    attempts += 1;
                    if attempts >= 4 {
                        return Err(e.context(format!(
                            "cleanup of {} stopped after {} committed batch(es), {} row(s) deleted",
                            job.table, line.batches, line.rows
                        )));
                    }
                    if text.contains("57014") {
                        // Statement timeout: the batch is too big for this server; halve it.
                        limit = (limit / 2).max(1);
                    } else if text.contains("55P03") {
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
        if cascading {
            let touched = batch.deleted + batch.cascaded;
            limit = (limit.saturating_mul(batch_size) / touched.max(1)).clamp(1, batch_size);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{CleanupConfig, PolicyOverride};

    fn decl(table: &str, keep: &str, enabled: bool) -> PolicyDecl {
        PolicyDecl {
            table: table.into(),
            time_column: "created_at".into(),
            condition: None,
            keep: keep.into(),
            enabled,
            reason: String::new(),
            index: None,
        }
    }

    #[test]
    fn only_enabled_policies_run_unless_older_than_is_given() {
        let decls = [decl("a", "30d", true), decl("b", "90d", false)];
        let none = CleanupConfig::default();
        let p = resolve(&decls, &none, &[], None, false, "s").expect("ok");
        assert_eq!(
            p.iter()
                .filter(|p| p.runs)
                .map(|p| p.table.as_str())
                .collect::<Vec<_>>(),
            ["a"]
        );
        let p = resolve(&decls, &none, &[], Some("7d"), false, "s").expect("ok");
        assert!(p
            .iter()
            .all(|p| p.runs && p.keep_seconds == 7 * 86400 && p.keep_from == "--older-than"));
        let p = resolve(&decls, &none, &["b".into()], Some("7d"), false, "s").expect("ok");
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn config_overrides_keep_and_switches() {
        let decls = [decl("a", "30d", true), decl("b", "90d", false)];
        let mut cfg = CleanupConfig::default();
        cfg.policies.insert(
            "a".into(),
            PolicyOverride {
                keep: Some("14d".into()),
                enabled: None,
            },
        );
        cfg.policies.insert(
            "b".into(),
            PolicyOverride {
                keep: None,
                enabled: Some(true),
            },
        );
        let p = resolve(&decls, &cfg, &[], None, false, "s").expect("ok");
        assert_eq!(p[0].keep_seconds, 14 * 86400);
        assert_eq!(p[0].keep_from, "chatdb.toml");
        assert!(p[1].runs);
    }

    #[test]
    fn bad_input_is_refused() {
        let decls = [decl("a", "30d", true)];
        let none = CleanupConfig::default();
        for bad in ["30x", "-5d", "0d", ""] {
            assert!(
                resolve(&decls, &none, &[], Some(bad), false, "s").is_err(),
                "{bad}"
            );
        }
        assert!(resolve(&decls, &none, &["nosuch".into()], None, false, "s").is_err());
        assert!(
            resolve(&decls, &none, &[], Some("30m"), false, "s").is_err(),
            "under an hour needs --force"
        );
        assert!(resolve(&decls, &none, &[], Some("30m"), true, "s").is_ok());
        let mut cfg = CleanupConfig::default();
        cfg.policies.insert("zzz".into(), PolicyOverride::default());
        assert!(resolve(&decls, &cfg, &[], None, false, "s").is_err());
    }
}
