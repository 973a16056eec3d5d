//! `chatdb seed`: fill the selected schema with deterministic, realistic synthetic rows.
//!
//! Order of work: resolve the volumes (manifest `[seed]` times `--scale`) and refuse bad
//! input before connecting; check the schema is migrated to its latest version (the
//! generators write its latest columns); open one transaction under a lock; refuse tables
//! that already hold rows (unless `--append`); read the anchor once (`--now` or the
//! database's clock); load table by table, parents first; commit; ANALYZE; report.
//! Any failure rolls the whole seed back, so a database is either seeded or untouched.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;

use super::{connect_writable, line, select};
use crate::cli::{Format, SeedArgs};
use crate::db::{Access, TxKind, TxOpts};
use crate::migrator;
use crate::progress::{Progress, Ticking};
use crate::report::{self, json::Envelope};
use crate::seed::{self, kit, Ctx};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct TableLine {
    table: String,
    rows: u64,
    elapsed_ms: u64,
    rows_per_second: u64,
}

/// The JSON document (`--format json`) after the envelope.
#[derive(Debug, Serialize)]
struct Report {
    scale: f64,
    /// Where the schema's volumes come from (its manifest's `[seed] source`).
    volumes_source: String,
    seed: u64,
    append: bool,
    /// The anchor every timestamp is relative to (RFC 3339 UTC in JSON).
    #[serde(serialize_with = "report::json::instant")]
    now: String,
    /// Where the anchor came from: `--now` or `database clock`.
    now_from: &'static str,
    tables: Vec<TableLine>,
    total_rows: u64,
    /// Loading, from the first row to the commit.
    elapsed_ms: u64,
    rows_per_second: u64,
    analyze_ms: u64,
}

pub fn run(settings: &Settings, args: &SeedArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let sel = select(settings)?;
    let name = sel.schema.name.clone();
    let tables = seed::tables(&name).ok_or_else(|| {
        anyhow!("chatdb has no seed generator for schema `{name}`: seed knows the canonical schemas (chat, focusmate, classroom, assistant)")
    })?;
    let spec = sel.schema.manifest.seed.as_ref().ok_or_else(|| {
        anyhow!("schema `{name}` declares no seed volumes ([seed] in schemas/{name}.toml)")
    })?;
    let rows = spec
        .rows_at(args.scale)
        .map_err(|e| anyhow!("--scale {}: {e}", args.scale))?;
    for t in tables {
        if !rows.contains_key(t.name) {
            bail!(
                "schemas/{name}.toml [seed.volumes] has no volume for table `{}`",
                t.name
            );
        }
    }
    if let Some(extra) = rows.keys().find(|k| !tables.iter().any(|t| t.name == *k)) {
        bail!("schemas/{name}.toml [seed.volumes] names `{extra}`, which the {name} generator does not fill");
    }
    let fixed_now = args
        .now
        .as_deref()
        .map(|t| {
            kit::parse_time(t).ok_or_else(|| {
                anyhow!("--now {t}: expected a UTC time such as \"2026-01-01 12:00:00\" or 2026-01-01T12:00:00Z")
            })
        })
        .transpose()?;

    let dialect = sel.target.dialect();
    let namespace = settings.namespace.as_str();
    let envelope = Envelope::new(&name, &sel.target, &settings.database_url, namespace);
    let where_ = envelope.target_label();
    let mut conn = connect_writable(settings, &sel.target, Access::Existing, "seed")?;
    let history_table = sel.schema.history_table();
    let history = conn.in_transaction(TxKind::Read, namespace, settings.lock_timeout, |s| {
        migrator::read_history(s, &history_table)
    })?;
    let latest = sel.schema.latest(dialect).map(i64::from);
    match history.iter().map(|h| h.version).max() {
        None => return Err(report::not_installed(&name, &where_, &history_table)),
        Some(v) if Some(v) != latest => bail!(
            "seed writes the latest `{name}` schema (V{}); {where_} is at V{v}: run `chatdb migrate` first",
            latest.unwrap_or(0)
        ),
        Some(_) => {}
    }

    let mut tx = conn.begin(&TxOpts {
        lock_timeout: Some(settings.lock_timeout),
        ..TxOpts::new(TxKind::Seed, namespace)
    })?;
    let started = Instant::now();
    // Any error drops `tx`, which rolls the whole seed back.
    let (lines, now) = {
        let names: Vec<&str> = tables.iter().map(|t| t.name).collect();
        let existing = tx.row_counts(&names, args.append)?;
        let filled: Vec<&str> = names
            .iter()
            .zip(&existing)
            .filter(|(_, n)| **n > 0)
            .map(|(t, _)| *t)
            .collect();
        if !args.append && !filled.is_empty() {
            bail!(
                "{where_} already has rows in {}: seed fills an empty schema (nothing was changed); pass --append to add a new generation of rows next to them",
                filled.join(", ")
            );
        }
        let now = match fixed_now {
            Some(t) => t,
            None => tx.clock_unix()?,
        };
        // Under --append the existing row counts make this generation's ids and names new.
        let salt = (args.append && !filled.is_empty())
            .then(|| existing.iter().fold(0u64, |h, n| kit::mix(h ^ n)));
        let ctx = Ctx::new(args.seed, now, salt, rows.clone());
        let mut lines = Vec::new();
        for t in tables {
            let t0 = Instant::now();
            let mut progress = Progress::new(t.name, ctx.n(t.name));
            let n = tx.load_table(t, &mut |sink| {
                seed::generate(
                    &name,
                    t.name,
                    &ctx,
                    &mut Ticking {
                        inner: sink,
                        progress: &mut progress,
                    },
                )
            })?;
            progress.finish();
            let us = t0.elapsed().as_micros().max(1) as u64;
            lines.push(TableLine {
                table: t.name.to_string(),
                rows: n,
                elapsed_ms: us / 1000,
                rows_per_second: (n as u128 * 1_000_000 / us as u128) as u64,
            });
        }
        (lines, now)
    };
    tx.commit().context("committing the seed")?;
    let elapsed = started.elapsed();
    let t0 = Instant::now();
    let names: Vec<&str> = tables.iter().map(|t| t.name).collect();
    conn.analyze(&names)?;
    let analyze_ms = t0.elapsed().as_millis() as u64;

    let mut buf = [0u8; 19];
    let total = lines.iter().map(|l| l.rows).sum();
    let report = Report {
        scale: args.scale,
        volumes_source: spec.source.clone(),
        seed: args.seed,
        append: args.append,
        now: kit::format_time(now, &mut buf).to_string(),
        now_from: if fixed_now.is_some() {
            "--now"
        } else {
            "database clock"
        },
        total_rows: total,
        tables: lines,
        elapsed_ms: elapsed.as_millis() as u64,
        rows_per_second: (total as f64 / elapsed.as_secs_f64().max(1e-6)) as u64,
        analyze_ms,
    };
    if !args.quiet {
        print(out, args.output.format, &envelope, &report)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print(out: &mut dyn Write, format: Format, envelope: &Envelope, r: &Report) -> Result<()> {
    match format {
        Format::Json => report::json::document(out, envelope, r),
        Format::Table => {
            let where_ = envelope.target_label();
            line(
                out,
                format!(
                    "{}: seeded {where_} at scale {}, seed {}, data up to {} UTC ({}){}",
                    envelope.schema.as_deref().unwrap_or_default(),
                    r.scale,
                    r.seed,
                    r.now,
                    r.now_from,
                    if r.append { ", appended" } else { "" }
                ),
            )?;
            let mut t = report::table(&["table", "rows", "time", "rows/s"]);
            for l in &r.tables {
                t.add_row(vec![
                    l.table.clone(),
                    l.rows.to_string(),
                    ms(l.elapsed_ms),
                    l.rows_per_second.to_string(),
                ]);
            }
            t.add_row(vec![
                "total".to_string(),
                r.total_rows.to_string(),
                ms(r.elapsed_ms),
                r.rows_per_second.to_string(),
            ]);
            line(out, t)?;
            line(out, format!("ANALYZE: {}", ms(r.analyze_ms)))
        }
    }
}

fn ms(v: u64) -> String {
    if v >= 10_000 {
        format!("{:.1} s", v as f64 / 1000.0)
    } else {
        format!("{v} ms")
    }
}
