//! `chatdb validate`: runs [`crate::validate`] over the selected schemas and prints the
//! report as a table, JSON, or GitHub Actions annotations; `--update-lock` first rewrites
//! the lock files under `--schema-dir`.
//!
//! The PostgreSQL server comes only from `--database-url` or `DATABASE_URL`, never from the
//! config file or the built-in default: validate must not create scratch databases on a
//! server nobody named for it.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use super::line;
use crate::catalog;
use crate::cli::{FindingsFormat, ValidateArgs};
use crate::db::{Access, ConnectOpts, Target};
use crate::finding::{Counts, Finding};
use crate::redact::redact_url;
use crate::report::json::{Envelope, ValidateFinding};
use crate::report::{self, github, plural};
use crate::settings::Settings;
use crate::validate::{self, Env, SchemaReport};

/// The JSON document (`--format json`) after the envelope (whose `database` is the
/// PostgreSQL server scratch databases were created on, null when none was given); its
/// shape is documented in the README.
#[derive(Serialize)]
struct Report<'a> {
    /// The same as the envelope's `database` (kept: scripts read it).
    postgres: Option<&'a str>,
    strict: bool,
    summary: &'a Summary,
    schemas: &'a [SchemaReport],
    findings: Vec<ValidateFinding<'a>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct Summary {
    error: usize,
    warning: usize,
    accepted: usize,
}

/// SIGINT/SIGTERM during a validate against PostgreSQL: drop the scratch databases it
/// made, say so, and exit 130/143. The exit comes from the watcher thread, the one place
/// chatdb exits below `main`: the main thread may be blocked in a scratch apply for as long
/// as the migration takes, and its connections to the dropped databases are gone anyway.
fn drop_scratch_on_signal() -> Result<()> {
    crate::interrupt::install()?;
    SIGNAL_EXITS.store(true, std::sync::atomic::Ordering::SeqCst);
    crate::interrupt::on_signal(|code| {
        let dropped = crate::db::postgres::scratch::drop_live();
        eprintln!(
            "chatdb: validate interrupted by {}; dropped its scratch database(s): {}",
            crate::interrupt::name(code),
            if dropped.is_empty() {
                "none was left".to_string()
            } else {
                dropped.join(", ")
            }
        );
        std::process::exit(i32::from(code));
    })
}

/// Set once a signal watcher owns the exit (see [`drop_scratch_on_signal`]).
static SIGNAL_EXITS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn run(
    settings: &Settings,
    args: &ValidateArgs,
    explicit_schema: bool,
    postgres_url: Option<&str>,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let result = run_checks(settings, args, explicit_schema, postgres_url, out);
    // Interrupted: the watcher is dropping the scratch databases (which is what made the
    // run end, its connections gone) and exits 130/143 itself; a report or an error from
    // here would only race it.
    if SIGNAL_EXITS.load(std::sync::atomic::Ordering::SeqCst) && crate::interrupt::fired().is_some()
    {
        loop {
            std::thread::park();
        }
    }
    result
}

fn run_checks(
    settings: &Settings,
    args: &ValidateArgs,
    explicit_schema: bool,
    postgres_url: Option<&str>,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    if args.all && explicit_schema {
        bail!("--all validates every schema: drop --schema, or drop --all");
    }
    let dir = settings.schema_dir.as_deref();
    if args.update_lock && dir.is_none() {
        bail!("--update-lock writes schemas/<schema>.lock under --schema-dir; the embedded schemas cannot be written (use --schema-dir . in a checkout)");
    }
    let names = match (args.all, dir) {
        (true, Some(dir)) => catalog::names_in(dir)?,
        (true, None) => catalog::canonical_names(),
        (false, _) => vec![settings.schema.clone()],
    };

    let mut notes = Vec::new();
    let server = match postgres_url {
        None => None,
        Some(url) => match Target::parse(url)?.into_server() {
            Some(t) => Some(t),
            None => {
                notes.push(format!(
                    "{} is a SQLite URL: validate always applies the SQLite migrations to an in-memory database, and checks PostgreSQL only on a PostgreSQL server",
                    redact_url(url)
                ));
                None
            }
        },
    };
    if server.is_some() {
        drop_scratch_on_signal()?;
    }
    if server.is_none() {
        notes.push("PostgreSQL not checked: give --database-url or DATABASE_URL (a server where validate may create and drop a scratch database) to apply the PostgreSQL migrations and compare the dialects".into());
    }
    let env = Env {
        postgres: server.as_deref(),
        opts: ConnectOpts {
            connect_timeout: settings.connect_timeout,
            lock_timeout: settings.lock_timeout,
            access: Access::Create,
        },
    };

    let mut reports = Vec::new();
    for name in &names {
        if let (true, Some(dir)) = (args.update_lock, dir) {
            let scan = catalog::scan(name, Some(dir))?;
            let path = catalog::lock_path(dir, name);
            let text = validate::lock::render(&scan.schema)?;
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            notes.push(format!("wrote {}", scan.lock_path));
        }
        let scan = catalog::scan(name, dir)?;
        reports.push(validate::validate_schema(&scan, &env)?);
    }

    let findings: Vec<(&str, &Finding)> = reports
        .iter()
        .flat_map(|r| r.findings.iter().map(|f| (r.name.as_str(), f)))
        .collect();
    let counts = Counts::of(findings.iter().map(|(_, f)| *f));
    let summary = Summary {
        error: counts.error,
        warning: counts.warning,
        accepted: reports.iter().map(|r| r.accepted.len()).sum(),
    };
    // One schema: its name; several (--all): null, and each finding names its own.
    let envelope = Envelope {
        database: server.as_ref().map(|s| s.display.clone()),
        ..Envelope::none((!args.all).then_some(settings.schema.as_str()))
    };
    let validated = Validated {
        server: envelope.database.as_deref(),
        summary: &summary,
        schemas: &reports,
        findings: &findings,
        notes: &notes,
    };
    match args.output.format {
        FindingsFormat::Json => report::json::document(
            out,
            &envelope,
            &Report {
                postgres: envelope.database.as_deref(),
                strict: args.strict,
                summary: &summary,
                schemas: &reports,
                findings: findings
                    .iter()
                    .map(|(schema, f)| ValidateFinding::new(schema, f))
                    .collect(),
                notes: &notes,
            },
        )?,
        FindingsFormat::Github => print_github(out, &validated)?,
        FindingsFormat::Table => print_table(out, &validated)?,
    }
    Ok(counts.exit_code(args.strict))
}

/// What the table and annotation reports print.
struct Validated<'a> {
    /// The PostgreSQL server (redacted), when one was given.
    server: Option<&'a str>,
    summary: &'a Summary,
    schemas: &'a [SchemaReport],
    findings: &'a [(&'a str, &'a Finding)],
    notes: &'a [String],
}

fn versions(v: &[u32]) -> String {
    match (v.first(), v.last()) {
        (Some(a), Some(b)) if a == b => format!("V{a}"),
        (Some(a), Some(b)) => format!("V{a}-V{b}"),
        _ => "-".into(),
    }
}

fn print_table(out: &mut dyn Write, r: &Validated) -> Result<()> {
    let names: Vec<&str> = r.schemas.iter().map(|s| s.name.as_str()).collect();
    line(
        out,
        format!(
            "validate {} ({}): {}, {}, {} accepted",
            names.join(", "),
            match r.server {
                Some(server) => format!("SQLite and PostgreSQL on {server}"),
                None => "SQLite only".into(),
            },
            plural(r.summary.error, "error"),
            plural(r.summary.warning, "warning"),
            r.summary.accepted
        ),
    )?;
    let mut t = report::table(&[
        "schema",
        "versions",
        "files",
        "lock",
        "SQLite",
        "PostgreSQL",
        "parity",
        "lint",
        "manifest",
    ]);
    for s in r.schemas {
        let v = if s.postgres_versions == s.sqlite_versions {
            versions(&s.postgres_versions)
        } else {
            format!(
                "pg {}, sqlite {}",
                versions(&s.postgres_versions),
                versions(&s.sqlite_versions)
            )
        };
        t.add_row(vec![
            s.name.clone(),
            v,
            s.stages.files.as_str().into(),
            s.stages.lock.as_str().into(),
            s.stages.apply_sqlite.as_str().into(),
            s.stages.apply_postgres.as_str().into(),
            s.stages.parity.as_str().into(),
            s.stages.lint.as_str().into(),
            s.stages.manifest.as_str().into(),
        ]);
    }
    line(out, t)?;
    report::table::validate_findings(out, r.findings)?;
    // Accepted findings, counted per schema and rule (each is listed in --format json).
    let mut accepted = Vec::new();
    for s in r.schemas {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for a in &s.accepted {
            match counts.iter_mut().find(|(rule, _)| *rule == a.rule) {
                Some((_, n)) => *n += 1,
                None => counts.push((a.rule, 1)),
            }
        }
        if !counts.is_empty() {
            let list: Vec<String> = counts
                .iter()
                .map(|(rule, n)| format!("{rule} x{n}"))
                .collect();
            accepted.push(format!("  {}: {}", s.name, list.join(", ")));
        }
    }
    if !accepted.is_empty() {
        line(out, "")?;
        line(
            out,
            format!(
                "accepted on purpose ({}; declared in the manifests or by -- chatdb:allow, reasons in --format json):",
                r.summary.accepted
            ),
        )?;
        for a in accepted {
            line(out, a)?;
        }
    }
    let mut notes: Vec<String> = r.notes.to_vec();
    for s in r.schemas {
        for n in &s.notes {
            let text = if r.schemas.len() > 1 {
                format!("{}: {n}", s.name)
            } else {
                n.clone()
            };
            if !notes.contains(&text) {
                notes.push(text);
            }
        }
    }
    if !notes.is_empty() {
        line(out, "")?;
    }
    for n in notes {
        line(out, format!("note: {n}"))?;
    }
    Ok(())
}

fn print_github(out: &mut dyn Write, r: &Validated) -> Result<()> {
    for (schema, f) in r.findings {
        github::annotation(out, &format!("chatdb validate {schema}"), f)?;
    }
    let names: Vec<&str> = r.schemas.iter().map(|s| s.name.as_str()).collect();
    line(
        out,
        format!(
            "chatdb validate {}: {}, {}, {} accepted{}",
            names.join(", "),
            plural(r.summary.error, "error"),
            plural(r.summary.warning, "warning"),
            r.summary.accepted,
            if r.server.is_some() {
                ""
            } else {
                " (SQLite only)"
            }
        ),
    )?;
    for n in r
        .notes
        .iter()
        .chain(r.schemas.iter().flat_map(|s| &s.notes))
    {
        github::notice(out, n)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{rule, Tool};
    use crate::validate::{Accepted, StageState, Stages};

    /// The whole table report, from a hand-built schema report: the stage table, the
    /// findings by severity, what was accepted, the notes.
    #[test]
    fn the_table_report_reads_stage_by_stage() {
        let f = |id: &str, message: &str| {
            Finding::new(rule(id).expect("registered"), Tool::Validate, message)
        };
        let findings = vec![
            f("apply-failed", "V3__x.sql does not apply to a fresh SQLite database: near \"TABL\": syntax error")
                .at(Some("sql/sqlite/demo/V3__x.sql"), Some(2))
                .fix(Some("fix the statement; the migrations before it applied cleanly".into())),
            f("require-concurrent-index", "CREATE INDEX idx_rooms_name on existing table rooms without CONCURRENTLY blocks every write to rooms until the build finishes")
                .object("index idx_rooms_name")
                .at(Some("sql/postgres/demo/V3__x.sql"), Some(4)),
        ];
        let report = SchemaReport {
            name: "demo".into(),
            postgres_versions: vec![1, 2, 3],
            sqlite_versions: vec![1, 2, 3],
            stages: Stages {
                apply_sqlite: StageState::Failed,
                apply_postgres: StageState::Skipped,
                parity: StageState::Skipped,
                lint: StageState::Warning,
                ..Stages::default()
            },
            accepted: vec![Accepted {
                rule: "changing-column-type",
                file: Some("sql/postgres/demo/V2__y.sql".into()),
                line: Some(3),
                object: "column rooms.name".into(),
                by: "manifest",
                reason: "released before validate existed".into(),
            }],
            notes: vec!["parity skipped: a dialect's migrations did not apply".into()],
            findings,
        };
        let reports = [report];
        let rows: Vec<(&str, &Finding)> = reports[0].findings.iter().map(|f| ("demo", f)).collect();
        let summary = Summary {
            error: 1,
            warning: 1,
            accepted: 1,
        };
        let notes = vec!["PostgreSQL not checked".to_string()];
        let v = Validated {
            server: None,
            summary: &summary,
            schemas: &reports,
            findings: &rows,
            notes: &notes,
        };
        let mut buf = Vec::new();
        print_table(&mut buf, &v).expect("writes");
        insta::assert_snapshot!("validate_report", String::from_utf8(buf).expect("utf-8"));
    }
}
