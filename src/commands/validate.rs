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
use crate::checks::Severity;
use crate::cli::{Format, ValidateArgs};
use crate::db::{Access, ConnectOpts, Target};
use crate::error::EXIT_FINDINGS;
use crate::redact::redact_url;
use crate::report;
use crate::settings::Settings;
use crate::validate::{self, Env, Finding, SchemaReport};

/// The JSON document (`--format json`); its shape is documented in the README.
#[derive(Serialize)]
struct Report<'a> {
    /// The PostgreSQL server scratch databases were created on (password masked); null when
    /// none was given.
    postgres: Option<String>,
    strict: bool,
    summary: Summary,
    schemas: &'a [SchemaReport],
    findings: Vec<&'a Finding>,
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

    let findings: Vec<&Finding> = reports.iter().flat_map(|r| &r.findings).collect();
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let report = Report {
        postgres: server.as_ref().map(|s| s.display.clone()),
        strict: args.strict,
        summary: Summary {
            error: count(Severity::Error),
            warning: count(Severity::Warning),
            accepted: reports.iter().map(|r| r.accepted.len()).sum(),
        },
        schemas: &reports,
        findings,
        notes: &notes,
    };
    match settings.format {
        Format::Json => report::json(out, &report)?,
        Format::Github => print_github(out, &report)?,
        Format::Table => print_table(out, &report)?,
    }
    let failed = report.summary.error > 0 || (args.strict && report.summary.warning > 0);
    Ok(if failed {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn location(f: &Finding) -> String {
    match (&f.file, f.line) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        (Some(file), None) => file.clone(),
        _ => String::new(),
    }
}

fn versions(v: &[u32]) -> String {
    match (v.first(), v.last()) {
        (Some(a), Some(b)) if a == b => format!("V{a}"),
        (Some(a), Some(b)) => format!("V{a}-V{b}"),
        _ => "-".into(),
    }
}

fn print_table(out: &mut dyn Write, r: &Report) -> Result<()> {
    let names: Vec<&str> = r.schemas.iter().map(|s| s.name.as_str()).collect();
    line(
        out,
        format!(
            "validate {} ({}): {}, {}, {} accepted",
            names.join(", "),
            match &r.postgres {
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
            s.stages.files.into(),
            s.stages.lock.into(),
            s.stages.apply_sqlite.into(),
            s.stages.apply_postgres.into(),
            s.stages.parity.into(),
            s.stages.lint.into(),
            s.stages.manifest.into(),
        ]);
    }
    line(out, t)?;
    for severity in [Severity::Error, Severity::Warning] {
        let group: Vec<&&Finding> = r
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
        let mut t = report::table(&["schema", "rule", "where", "finding"]);
        for f in group {
            let mut text = f.message.clone();
            if let Some(object) = &f.object {
                text = format!("{object}: {text}");
            }
            if let Some(fix) = &f.fix {
                text.push_str(&format!("\nfix: {fix}"));
            }
            t.add_row(vec![
                f.schema.clone(),
                f.rule.to_string(),
                location(f),
                text,
            ]);
        }
        line(out, t)?;
    }
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

/// Escapes a workflow command's message (`%`, CR, LF) or property (also `:` and `,`).
fn escape(text: &str, property: bool) -> String {
    let mut s = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        s = s.replace(':', "%3A").replace(',', "%2C");
    }
    s
}

fn print_github(out: &mut dyn Write, r: &Report) -> Result<()> {
    for f in &r.findings {
        let level = match f.severity {
            Severity::Error => "error",
            _ => "warning",
        };
        let mut props = Vec::new();
        if let Some(file) = &f.file {
            props.push(format!("file={}", escape(file, true)));
        }
        if let Some(l) = f.line {
            props.push(format!("line={l}"));
        }
        props.push(format!(
            "title={}",
            escape(&format!("chatdb validate {}: {}", f.schema, f.rule), true)
        ));
        let mut message = match &f.object {
            Some(object) => format!("{object}: {}", f.message),
            None => f.message.clone(),
        };
        if let Some(fix) = &f.fix {
            message.push_str(&format!("\nfix: {fix}"));
        }
        line(
            out,
            format!("::{level} {}::{}", props.join(","), escape(&message, false)),
        )?;
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
            if r.postgres.is_some() {
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
        line(out, format!("::notice::{}", escape(n, false)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_escape_what_github_would_read_as_syntax() {
        assert_eq!(escape("a: 50%\nb", false), "a: 50%25%0Ab");
        assert_eq!(escape("sql/x,y:z", true), "sql/x%2Cy%3Az");
    }
}
