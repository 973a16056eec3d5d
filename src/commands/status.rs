//! `chatdb status`: applied migrations with their checksum verdict, and pending ones; which of
//! them `chatdb adopt` recorded; and, on a database built elsewhere, the advice to adopt it.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use super::adopt::{read_adoption, Adoption};
use super::{connect, line, select};
use crate::cli::{Format, StatusArgs};
use crate::db::error::SqlError;
use crate::db::{Access, TxKind};
use crate::error::EXIT_FINDINGS;
use crate::migrator::{self, Entry, State};
use crate::report::{self, json::Envelope};
use crate::settings::Settings;

/// The JSON document (`--format json`) after the envelope.
#[derive(Serialize)]
struct Status {
    history_table: String,
    current_version: Option<i64>,
    latest_version: Option<i64>,
    pending: usize,
    problems: usize,
    migrations: Vec<Entry>,
    /// The schema's tables that exist although the history table has no rows: the database
    /// was built elsewhere, and `chatdb adopt` takes it over (empty otherwise).
    built_elsewhere: Vec<String>,
    /// Set when the history rows were written by `chatdb adopt`.
    adopted: Option<Adoption>,
}

pub fn run(settings: &Settings, args: &StatusArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let sel = select(settings)?;
    let files = sel.schema.migrations(sel.target.dialect())?;
    let table = sel.schema.history_table();
    let mut conn = connect(settings, &sel.target, Access::Existing)?;
    let dialect = sel.target.dialect();
    let read = conn.in_transaction(
        TxKind::Read,
        &settings.namespace,
        settings.lock_timeout,
        |s| {
            let history = migrator::read_history(s, &table)?;
            let mut entries = migrator::compare(files, &history)?;
            migrator::mark_partly_applied(s, files, &mut entries, dialect)?;
            let present = migrator::built_elsewhere(s, files, &history)?;
            Ok((history, entries, present, read_adoption(s, &table)?))
        },
    );
    let (history, entries, built_elsewhere, adopted) = match read {
        // Behind another session's lock: say who holds it, as migrate does.
        Err(e) if SqlError::find(&e).is_some_and(SqlError::is_lock_timeout) => {
            let holders = conn.lock_holders();
            if holders.is_empty() {
                return Err(e);
            }
            return Err(e.context(format!(
                "status waited {} for a lock; held by: {}",
                humantime::format_duration(settings.lock_timeout),
                holders.join("; ")
            )));
        }
        other => other?,
    };
    let envelope = Envelope::new(
        &sel.schema.name,
        &sel.target,
        &settings.database_url,
        &settings.namespace,
    );
    let status = Status {
        history_table: table,
        current_version: history.iter().map(|h| h.version).max(),
        latest_version: files.last().map(|f| i64::from(f.version)),
        // Nothing is pending on a database built elsewhere: it has to be adopted first.
        pending: if built_elsewhere.is_empty() {
            entries
                .iter()
                .filter(|e| matches!(e.state, State::Pending | State::PartlyApplied))
                .count()
        } else {
            0
        },
        problems: entries.iter().filter(|e| e.is_problem()).count(),
        migrations: entries,
        built_elsewhere,
        adopted,
    };
    match args.output.format {
        Format::Json => report::json::document(out, &envelope, &status)?,
        Format::Table => print_table(out, &envelope, &status)?,
    }
    let behind = status.pending > 0 || status.problems > 0 || !status.built_elsewhere.is_empty();
    Ok(if args.exit_code && behind {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_table(out: &mut dyn Write, envelope: &Envelope, s: &Status) -> Result<()> {
    let heading = format!(
        "{} on {}",
        envelope.schema.as_deref().unwrap_or_default(),
        envelope.target_label()
    );
    if !s.built_elsewhere.is_empty() {
        line(out, heading)?;
        return line(
            out,
            format!(
                "not managed by chatdb: {}",
                migrator::adopt_advice(&s.built_elsewhere, &s.history_table)
            ),
        );
    }
    let adopted_upto = s.adopted.as_ref().map_or(0, |a| a.version);
    let mut t = report::table(&["version", "name", "state", "applied on", "checksum"]);
    for e in &s.migrations {
        let state = match e.state {
            State::Applied if e.version <= adopted_upto => "applied (adopted)",
            State::Applied => "applied",
            State::Pending => "pending",
            State::Diverged => "DIVERGED: file changed since applied",
            State::Missing => "MISSING: no file has this version",
            State::OutOfOrder => "OUT OF ORDER: below an applied version",
            State::PartlyApplied => "PARTLY APPLIED: a run stopped halfway",
        };
        let checksum = match e.state {
            State::Applied => "ok",
            State::Diverged => "mismatch",
            State::Missing => "-",
            _ => "",
        };
        t.add_row(vec![
            format!("V{}", e.version),
            e.name.clone(),
            state.to_string(),
            e.applied_on.as_deref().map(short_time).unwrap_or_default(),
            checksum.to_string(),
        ]);
    }
    line(out, heading)?;
    line(out, t)?;
    for e in &s.migrations {
        if let Some(note) = &e.note {
            line(out, format!("V{}__{}: {note}", e.version, e.name))?;
        }
    }
    if let Some(a) = &s.adopted {
        line(
            out,
            format!(
                "V1..V{} adopted on {} (from {}): built elsewhere, recorded by `chatdb adopt`",
                a.version,
                short_time(&a.adopted_on),
                a.source
            ),
        )?;
        if !a.accepted.is_empty() {
            line(
                out,
                format!(
                    "accepted differences (--accept-drift), {}:",
                    a.accepted.len()
                ),
            )?;
            for d in &a.accepted {
                line(out, format!("  {d}"))?;
            }
        }
    }
    let at = s
        .current_version
        .map_or("nothing applied".to_string(), |v| format!("at V{v}"));
    let latest = s
        .latest_version
        .map_or(String::new(), |v| format!(", latest V{v}"));
    let mut summary = format!("{at}{latest}: {} pending", s.pending);
    if s.problems > 0 {
        summary.push_str(&format!(
            ", {} problem(s): `chatdb migrate` will refuse to run",
            s.problems
        ));
    }
    line(out, summary)
}

/// `2026-11-21T16:19:56.967671218Z` -> `2026-11-21 16:19:56Z` (JSON keeps the full value).
fn short_time(rfc3339: &str) -> String {
    match rfc3339.get(..19) {
        Some(head) if rfc3339.len() > 19 => format!("{}Z", head.replacen('T', " ", 1)),
        _ => rfc3339.to_string(),
    }
}
