//! `chatdb check`: index health of a live database, judged against its canonical schema.
//!
//! 1. One read-only transaction reads the history table and the database's model
//!    (`db/<dialect>/introspect.rs`, one catalog query per kind of fact), all from one
//!    snapshot (PostgreSQL: REPEATABLE READ), so history and catalog always agree.
//! 2. The canonical migrations the database has applied are replayed in a scratch database
//!    of the same dialect and introspected the same way: that is what *should* be there.
//! 3. The rules in `src/checks/` compare the two models and look for trouble in the live one.
//!
//! Nothing is ever written to the checked database: its transaction is READ ONLY, and the
//! PostgreSQL scratch namespace lives in a separate transaction that is always rolled back.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Result};
use serde::Serialize;

use super::{connect, line, select};
use crate::checks::{self, Context, Finding, Severity};
use crate::cli::{CheckArgs, Format};
use crate::db::scratch::{self, Place};
use crate::db::{place, Access, ConnectOpts, TxKind};
use crate::error::EXIT_FINDINGS;
use crate::migrator::{self, State};
use crate::redact::redact_url;
use crate::report;
use crate::settings::Settings;

/// The JSON document (`--format json`); its shape is documented in the README.
#[derive(Serialize)]
struct Report<'a> {
    schema: &'a str,
    dialect: &'static str,
    database: String,
    /// The PostgreSQL namespace checked; null on SQLite.
    namespace: Option<&'a str>,
    /// The version the database is at, which the expected indexes are built for.
    applied_version: i64,
    latest_version: Option<i64>,
    /// PostgreSQL: when index usage statistics were last reset (null: never, or SQLite).
    statistics_reset: Option<String>,
    summary: Summary,
    findings: Vec<Finding>,
    notes: Vec<String>,
}

#[derive(Serialize)]
struct Summary {
    error: usize,
    warning: usize,
    info: usize,
}

pub fn run(settings: &Settings, args: &CheckArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let sel = select(settings)?;
    let dialect = sel.target.dialect();
    let files = sel.schema.migrations(dialect)?;
    let table = sel.schema.history_table();
    let namespace = settings.namespace.as_str();
    let mut conn = connect(settings, &sel.target, Access::Existing)?;

    let (history, live) =
        conn.in_transaction(TxKind::Read, namespace, settings.lock_timeout, |s| {
            let history = migrator::read_history(s, &table)?;
            let live = if history.is_empty() {
                None
            } else {
                Some(s.inventory(namespace)?)
            };
            Ok((history, live))
        })?;
    let database = redact_url(&settings.database_url);
    let (Some(applied), Some(live)) = (history.iter().map(|h| h.version).max(), live) else {
        let where_ = place(&database, conn.namespace());
        bail!(
            "nothing to check: schema `{}` is not installed on {where_} (no rows in {table}); run `chatdb migrate` first",
            sel.schema.name
        );
    };

    // The canonical migrations this database has applied, as the files are now.
    let entries = migrator::compare(files, &history)?;
    let applied_files: Vec<_> = files
        .iter()
        .filter(|f| history.iter().any(|h| h.version == i64::from(f.version)))
        .collect();
    let expected = scratch::apply(
        Place::Beside(&mut conn),
        &applied_files,
        ConnectOpts {
            connect_timeout: settings.connect_timeout,
            lock_timeout: settings.lock_timeout,
            access: Access::Create,
        },
    )?
    .into_inventory(&applied_files)?;

    let ctx = Context {
        dialect,
        namespace,
        version: applied,
        live: &live,
        expected: &expected,
    };
    let findings = checks::run(&ctx);

    let latest = files.last().map(|f| i64::from(f.version));
    let mut notes = Vec::new();
    if let Some(latest) = latest.filter(|l| *l > applied) {
        notes.push(format!(
            "the database is at V{applied}, the schema's latest is V{latest}: findings compare with V{applied}; `chatdb migrate` applies the rest"
        ));
    }
    for e in &entries {
        match e.state {
            State::Diverged => notes.push(format!(
                "V{} was changed after it was applied: the expected indexes come from the file as it is now",
                e.version
            )),
            State::Missing => notes.push(format!(
                "V{} is recorded as applied but no migration file has it: its indexes are not expected",
                e.version
            )),
            _ => {}
        }
    }
    if let Some(note) = conn.check_note() {
        notes.push(note.into());
    }

    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let report = Report {
        schema: &sel.schema.name,
        dialect: dialect.dir_name(),
        database: redact_url(&settings.database_url),
        namespace: conn.namespace(),
        applied_version: applied,
        latest_version: latest,
        statistics_reset: live.usage.as_ref().and_then(|u| u.stats_reset.clone()),
        summary: Summary {
            error: count(Severity::Error),
            warning: count(Severity::Warning),
            info: count(Severity::Info),
        },
        findings,
        notes,
    };
    match settings.format {
        Format::Json => report::json(out, &report)?,
        Format::Table | Format::Github => print_table(out, &report, live.usage.is_some())?,
    }
    let failed = report.summary.error > 0 || (args.strict && report.summary.warning > 0);
    Ok(if failed {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_table(out: &mut dyn Write, r: &Report, has_usage: bool) -> Result<()> {
    let target = match r.namespace {
        Some(ns) => format!("{} (namespace {ns})", r.database),
        None => r.database.clone(),
    };
    let at = match r.latest_version {
        Some(l) if l == r.applied_version => format!("V{} (latest)", r.applied_version),
        Some(l) => format!("V{} (latest V{l})", r.applied_version),
        None => format!("V{}", r.applied_version),
    };
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    line(
        out,
        format!(
            "{} on {target} at {at}: {}, {}, {} info",
            r.schema,
            plural(r.summary.error, "error"),
            plural(r.summary.warning, "warning"),
            r.summary.info
        ),
    )?;
    if has_usage {
        line(
            out,
            format!(
                "index usage counted on this server since {}",
                r.statistics_reset
                    .as_deref()
                    .unwrap_or("statistics began (never reset)")
            ),
        )?;
    }
    // Findings in tables grouped by severity, numbered; their fixes follow as one SQL
    // script, unwrapped so it can be copied.
    let mut number = 0;
    let mut fixes = Vec::new();
    for severity in Severity::ALL {
        let group: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        line(out, "")?;
        line(
            out,
            format!("{} ({})", severity.as_str().to_uppercase(), group.len()),
        )?;
        let mut t = report::table(&["#", "rule", "object", "finding"]);
        for f in group {
            number += 1;
            let object = match &f.table {
                Some(table) if !f.object.starts_with(table.as_str()) => {
                    format!("{}\non {table}", f.object)
                }
                _ => f.object.clone(),
            };
            t.add_row(vec![
                number.to_string(),
                f.rule.to_string(),
                object,
                f.message.clone(),
            ]);
            if let Some(fix) = &f.fix {
                fixes.push(format!("-- {number}. {} {}\n{fix}", f.rule, f.object));
            }
        }
        line(out, t)?;
    }
    if r.findings.is_empty() {
        line(out, "no findings")?;
    }
    if !fixes.is_empty() {
        line(out, "")?;
        line(
            out,
            match r.namespace {
                Some(_) => "Suggested fixes (review first; CONCURRENTLY statements must run outside a transaction block):",
                None => "Suggested fixes (review first):",
            },
        )?;
        line(out, fixes.join("\n"))?;
    }
    if !r.notes.is_empty() {
        line(out, "")?;
    }
    for note in &r.notes {
        line(out, format!("note: {note}"))?;
    }
    Ok(())
}
