//! `chatdb check`: schema drift and index health of a live database, judged against its
//! canonical schema.
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

use anyhow::{anyhow, bail, Result};
use serde::Serialize;

use super::{connect, line, select};
use crate::checks::{self, Context};
use crate::cli::{CheckArgs, FindingsFormat};
use crate::db::scratch::{self, Place};
use crate::db::sqlite::rebuild::TableSource;
use crate::db::{Access, ConnectOpts, TxKind};
use crate::finding::{Counts, Finding};
use crate::migrator::{self, State};
use crate::report::json::{CheckFinding, Envelope};
use crate::report::{self, github, plural};
use crate::settings::Settings;

/// The JSON document (`--format json`) after the envelope; its shape is documented in the
/// README.
#[derive(Serialize)]
struct Report<'a> {
    /// The version the database is at, which the expected indexes are built for.
    applied_version: i64,
    latest_version: Option<i64>,
    /// PostgreSQL: when index usage statistics were last reset (null: never, or SQLite).
    statistics_reset: Option<String>,
    summary: Counts,
    findings: Vec<CheckFinding<'a>>,
    notes: &'a [String],
}

pub fn run(settings: &Settings, args: &CheckArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let sel = select(settings)?;
    let dialect = sel.target.dialect();
    let files = sel.schema.migrations(dialect)?;
    let table = sel.schema.history_table();
    let namespace = settings.namespace.as_str();
    let envelope = Envelope::new(
        &sel.schema.name,
        &sel.target,
        &settings.database_url,
        namespace,
    );
    let mut conn = connect(settings, &sel.target, Access::Existing)?;

    let (history, live, adoption) =
        conn.in_transaction(TxKind::Read, namespace, settings.lock_timeout, |s| {
            let history = migrator::read_history(s, &table)?;
            let present = migrator::built_elsewhere(s, files, &history)?;
            if !present.is_empty() {
                bail!(
                    "nothing to check yet: {}",
                    migrator::adopt_advice(&present, &table)
                );
            }
            let live = if history.is_empty() {
                None
            } else {
                Some(s.inventory(namespace)?)
            };
            Ok((history, live, super::adopt::read_adoption(s, &table)?))
        })?;
    let (Some(applied), Some(live)) = (history.iter().map(|h| h.version).max(), live) else {
        return Err(
            report::not_installed(&sel.schema.name, &envelope.target_label(), &table)
                .context("nothing to check"),
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
            wait: settings.wait,
        },
    )?
    .into_inventory(&applied_files)?;

    // Alembic's bookkeeping is known, not the schema's: left in place, never a finding.
    let alembic = live.table(super::adopt::ALEMBIC_TABLE).is_some();
    let live = live.without_table(super::adopt::ALEMBIC_TABLE);
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
    if let Some(a) = &adoption {
        let accepted = if a.accepted.is_empty() {
            String::new()
        } else {
            format!(
                "; differences accepted then (--accept-drift): {}",
                a.accepted.join("; ")
            )
        };
        notes.push(format!(
            "V1..V{} were adopted on {} (from {}), not applied by chatdb{accepted}",
            a.version, a.adopted_on, a.source
        ));
    }
    if alembic {
        notes.push(format!(
            "{} is Alembic's own table, not the schema's: not compared, and left in place (`chatdb adopt --drop-alembic-version` drops it)",
            super::adopt::ALEMBIC_TABLE
        ));
    }
    if let Some(note) = conn.check_note() {
        notes.push(note.into());
    }

    let summary = Counts::of(&findings);
    let code = summary.exit_code(args.strict);
    if let Some(name) = &args.write_migration {
        // SQLite fixes that only a table rebuild makes are written as that rebuild, to the
        // table as the canonical schema has it at the applied version.
        let mut fixes: Vec<&str> = Vec::new();
        let mut rebuilds: Vec<(String, String)> = Vec::new();
        // A rebuilt table is the canonical one: the schema rules' other fixes on it are moot.
        let rebuilt: Vec<&str> = findings
            .iter()
            .filter(|f| f.fix.as_deref().is_some_and(crate::checks::fix::is_rebuild))
            .filter_map(|f| f.table.as_deref())
            .collect();
        for f in &findings {
            let Some(fix) = f.fix.as_deref() else {
                continue;
            };
            if dialect == crate::catalog::Dialect::Sqlite
                && !crate::checks::fix::is_rebuild(fix)
                && f.table.as_deref().is_some_and(|t| rebuilt.contains(&t))
                && checks::CONVERGED_BY_REBUILD.contains(&f.rule.id)
            {
                continue;
            }
            match f.table.as_deref() {
                Some(table)
                    if dialect == crate::catalog::Dialect::Sqlite
                        && crate::checks::fix::is_rebuild(fix) =>
                {
                    if !rebuilds.iter().any(|(t, _)| t == table) {
                        let live_table = live.tables.iter().find(|t| t.name == table);
                        let source = TableSource::of(&expected, table).ok_or_else(|| {
                            anyhow!(
                                "table {table} is not in the canonical schema: no rebuild to write"
                            )
                        })?;
                        rebuilds.push((
                            table.to_string(),
                            crate::templates::rebuild_to_canonical(
                                &source,
                                live_table.map_or(&[][..], |t| &t.columns),
                            ),
                        ));
                    }
                }
                _ => fixes.push(fix),
            }
        }
        // On stderr: stdout is the report (JSON under --format json). Under --quiet only
        // when the report prints too (the run did not pass).
        let loud = !args.quiet || code != ExitCode::SUCCESS;
        let mut told: Box<dyn Write> = if loud {
            Box::new(std::io::stderr())
        } else {
            Box::new(std::io::sink())
        };
        super::new::write_fixes(
            settings.schema_dir.as_deref(),
            &sel.schema.name,
            name,
            dialect,
            sel.target.namespace(namespace),
            &fixes,
            &rebuilds,
            &mut told,
        )?;
    }

    let checked = Checked {
        envelope: &envelope,
        applied,
        latest,
        statistics_reset: live.usage.as_ref().and_then(|u| u.stats_reset.clone()),
        has_usage: live.usage.is_some(),
        findings: &findings,
        notes: &notes,
    };
    match args.output.format {
        FindingsFormat::Json => report::json::document(
            out,
            &envelope,
            &Report {
                applied_version: applied,
                latest_version: latest,
                statistics_reset: checked.statistics_reset.clone(),
                summary,
                findings: findings.iter().map(CheckFinding::from).collect(),
                notes: &notes,
            },
        )?,
        FindingsFormat::Github => print_github(out, &checked)?,
        FindingsFormat::Table => print_table(out, &checked)?,
    }
    Ok(code)
}

/// What the table and annotation reports print.
struct Checked<'a> {
    envelope: &'a Envelope,
    applied: i64,
    latest: Option<i64>,
    statistics_reset: Option<String>,
    has_usage: bool,
    findings: &'a [Finding],
    notes: &'a [String],
}

fn headline(r: &Checked) -> String {
    let at = match r.latest {
        Some(l) if l == r.applied => format!("V{} (latest)", r.applied),
        Some(l) => format!("V{} (latest V{l})", r.applied),
        None => format!("V{}", r.applied),
    };
    let c = Counts::of(r.findings);
    format!(
        "{} on {} at {at}: {}, {}, {} info",
        r.envelope.schema.as_deref().unwrap_or_default(),
        r.envelope.target_label(),
        plural(c.error, "error"),
        plural(c.warning, "warning"),
        c.info
    )
}

fn print_table(out: &mut dyn Write, r: &Checked) -> Result<()> {
    line(out, headline(r))?;
    if r.has_usage {
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
    report::table::check_findings(out, r.findings, r.envelope.namespace.is_some())?;
    if !r.notes.is_empty() {
        line(out, "")?;
    }
    for note in r.notes {
        line(out, format!("note: {note}"))?;
    }
    Ok(())
}

/// One annotation per finding (a live database has no file to point at), then the
/// headline and the notes as notices.
fn print_github(out: &mut dyn Write, r: &Checked) -> Result<()> {
    let title = format!(
        "chatdb check {}",
        r.envelope.schema.as_deref().unwrap_or_default()
    );
    for f in r.findings {
        github::annotation(out, &title, f)?;
    }
    line(out, headline(r))?;
    for note in r.notes {
        github::notice(out, note)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{rule, Tool};

    /// The whole table report, from hand-built findings: the headline, the usage line,
    /// the findings by severity with their fixes, the notes.
    #[test]
    fn the_table_report_reads_headline_findings_fixes_notes() {
        let target =
            crate::db::Target::parse("postgres://app:s3cret@db.internal/app").expect("url");
        let envelope = Envelope::new(
            "chat",
            &target,
            "postgres://app:s3cret@db.internal/app",
            "chat",
        );
        let findings = vec![
            Finding::new(rule("invalid-index").expect("registered"), Tool::Check, "indisvalid is false: a CREATE INDEX CONCURRENTLY failed; the planner ignores it, writes still maintain it")
                .object("idx_messages_room")
                .table(Some("messages".into()))
                .fix(Some("DROP INDEX CONCURRENTLY chat.idx_messages_room;\nCREATE INDEX CONCURRENTLY idx_messages_room ON chat.messages USING btree (room_id, created_at DESC);".into())),
        ];
        let notes = vec!["the database is at V2, the schema's latest is V3: findings compare with V2; `chatdb migrate` applies the rest".to_string()];
        let checked = Checked {
            envelope: &envelope,
            applied: 2,
            latest: Some(3),
            statistics_reset: None,
            has_usage: true,
            findings: &findings,
            notes: &notes,
        };
        let mut buf = Vec::new();
        print_table(&mut buf, &checked).expect("writes");
        let text = String::from_utf8(buf).expect("utf-8");
        assert!(!text.contains("s3cret"));
        insta::assert_snapshot!("check_report", text);
    }
}
