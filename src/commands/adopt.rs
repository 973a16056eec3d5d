//! `chatdb adopt`: take over a database that has a schema's tables but no chatdb history
//! (built by Alembic, SQLAlchemy's `create_all`, or by hand), after checking that it really
//! is at the version it will be recorded at.
//!
//! The judgement is `check`'s own: for every canonical version, the expected model is built
//! with the one scratch apply and compared with the live inventory by check's rules
//! ([`checks::compare`], the seam both commands use), so every rule added to `check` makes adopt stricter too. Only the
//! rules about the database's health rather than its schema (index usage, statistics) are
//! not counted as differences. Where `alembic_version` exists its revision is mapped to a
//! version through the manifest's `[alembic]` table, and that claim is checked like
//! `--version N`.
//!
//! With no differences (or `--accept-drift`), one transaction under the migrate lock writes
//! the history rows V1..VN in refinery's layout with the canonical files' checksums, and one
//! row in `<history table>_adopted` that marks them adopted (when, from what, and the
//! differences accepted), which `status` and `check` show. `alembic_version` is left alone
//! unless `--drop-alembic-version`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};
use serde::Serialize;

use super::{connect, connect_writable, line, select};
use crate::catalog::MigrationFile;
use crate::checks::{self, Context};
use crate::cli::{AdoptArgs, Format};
use crate::db::scratch::{self, Place};
use crate::db::{Access, ConnectOpts, Session, TxKind};
use crate::error::EXIT_FINDINGS;
use crate::finding::Finding;
use crate::migrator;
use crate::model::inventory::Inventory;
use crate::report::json::{CheckFinding, Envelope};
use crate::report::{self, plural};
use crate::settings::Settings;

/// The table Alembic keeps its revision in.
pub const ALEMBIC_TABLE: &str = "alembic_version";

/// The side table that marks a schema's history rows as adopted.
pub fn adopted_table(history_table: &str) -> String {
    format!("{history_table}_adopted")
}

/// One adoption, as `<history table>_adopted` keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct Adoption {
    /// History rows V1..`version` were written by adopt, not by running the files.
    pub version: i64,
    pub adopted_on: String,
    /// What the version came from: `match`, `--version`, or `alembic_version <revision>`.
    pub source: String,
    /// The differences accepted with `--accept-drift`, one line each.
    pub accepted: Vec<String>,
}

/// The latest adoption recorded, if the database was adopted.
pub fn read_adoption(session: &mut dyn Session, history_table: &str) -> Result<Option<Adoption>> {
    let table = adopted_table(history_table);
    if !session.table_exists(&table).map_err(|e| anyhow!(e))? {
        return Ok(None);
    }
    // The history-row reader takes any four columns (version, text, text, text).
    let sql = format!(
        "SELECT version, source AS name, adopted_on AS applied_on, accepted AS checksum FROM {table} ORDER BY adopted_on DESC, version DESC"
    );
    let rows = session
        .history_rows(&sql)
        .map_err(|e| anyhow!("reading {table}: {e}"))?;
    Ok(rows.into_iter().next().map(|r| Adoption {
        version: r.version,
        adopted_on: r.applied_on,
        source: r.name,
        accepted: r
            .checksum
            .lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
    }))
}

/// One canonical version compared with the live schema.
struct Candidate {
    version: u32,
    name: String,
    /// The differences [`checks::compare`] finds.
    differences: Vec<Finding>,
    /// The live tables and their columns have the same names as the expected ones (only
    /// used to choose between versions check's rules cannot tell apart).
    same_names: bool,
}

#[derive(Serialize)]
struct CandidateJson<'a> {
    version: u32,
    name: &'a str,
    differences: usize,
}

#[derive(Serialize)]
struct Next<'a> {
    version: u32,
    name: &'a str,
}

/// The JSON document after the envelope.
#[derive(Serialize)]
struct Report<'a> {
    history_table: &'a str,
    dry_run: bool,
    /// Where the version came from: `match`, `--version` or `alembic_version`.
    claimed_by: &'a str,
    alembic_revision: Option<&'a str>,
    /// The version the manifest maps `alembic_revision` to.
    alembic_maps_to: Option<u32>,
    version: u32,
    best_match: u32,
    versions: Vec<CandidateJson<'a>>,
    /// The differences between the live schema and `version`, with their fixes.
    differences: Vec<CheckFinding<'a>>,
    /// Whether history rows were (or, with `dry_run`, would be) written.
    adopted: bool,
    accepted_drift: bool,
    alembic_version_dropped: bool,
    next: Vec<Next<'a>>,
    notes: &'a [String],
}

pub fn run(
    settings: &Settings,
    args: &crate::cli::AdoptArgs,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let AdoptArgs {
        version: wanted,
        dry_run,
        accept_drift,
        drop_alembic_version,
        output,
        quiet: _, // held back by commands::quietly
    } = args;
    let sel = select(settings)?;
    let dialect = sel.target.dialect();
    let files = sel.schema.migrations(dialect)?;
    let table = sel.schema.history_table();
    let namespace = settings.namespace.as_str();
    let schema = sel.schema.name.as_str();
    let envelope = Envelope::new(schema, &sel.target, &settings.database_url, namespace);
    let label = envelope.target_label();
    if let Some(v) = wanted {
        if !files.iter().any(|f| f.version == *v) {
            let versions: Vec<String> = files.iter().map(|f| f.version.to_string()).collect();
            bail!(
                "unknown --version {v}: this schema's versions are {}",
                versions.join(", ")
            );
        }
    }
    if !sel.target.exists() {
        bail!("nothing to adopt: {label} does not exist");
    }
    // adopt writes history rows (and may drop alembic_version): like migrate, it refuses a
    // read-only server before anything is tried; --dry-run only reads (its scratch applies
    // roll back), so it takes any server, as `cleanup --dry-run` does.
    let mut conn = if *dry_run {
        connect(settings, &sel.target, Access::Existing)?
    } else {
        connect_writable(settings, &sel.target, Access::Existing, "adopt")?
    };

    let (history, adoption, present, revisions, live) =
        conn.in_transaction(TxKind::Read, namespace, settings.lock_timeout, |s| {
            let history = migrator::read_history(s, &table)?;
            let adoption = read_adoption(s, &table)?;
            let present = migrator::built_elsewhere(s, files, &history)?;
            let revisions = read_alembic(s)?;
            let live = s.inventory(namespace)?;
            Ok((history, adoption, present, revisions, live))
        })?;
    if let Some(top) = history.iter().map(|h| h.version).max() {
        let how = match &adoption {
            Some(a) => format!("adopted at V{} on {}", a.version, a.adopted_on),
            None => "installed by `chatdb migrate`".to_string(),
        };
        bail!(
            "nothing to adopt: {schema} is already managed by chatdb on {label} (at V{top}, {how}; {table} has its history): see `chatdb status`; nothing was changed"
        );
    }
    if present.is_empty() {
        bail!(
            "nothing to adopt: {label} does not have {schema}'s tables (its first migration creates {}); `chatdb migrate` installs the schema; nothing was changed",
            migrator::schema_tables(files.get(..1).unwrap_or_default()).join(", ")
        );
    }

    // What Alembic says, mapped through the manifest.
    let revision = match revisions.as_slice() {
        [] => None,
        [one] => Some(one.as_str()),
        many => bail!(
            "{ALEMBIC_TABLE} has {} revisions ({}): a branched Alembic history maps to no single version; merge the heads, or name the version with --version N",
            many.len(),
            many.join(", ")
        ),
    };
    let mapping = sel.schema.manifest.alembic.as_ref();
    let maps_to = revision.and_then(|r| mapping.and_then(|m| m.revisions.get(r).copied()));
    if let (Some(r), None) = (revision, maps_to) {
        if wanted.is_none() {
            bail!(
                "{ALEMBIC_TABLE} says {r}, which the manifest of {schema} does not map to a version ([alembic.revisions] in schemas/{schema}.toml{}): name the version with --version N; nothing was changed",
                if mapping.is_none() { " is absent" } else { " has no such key" }
            );
        }
    }
    if let Some(m) = maps_to {
        if !files.iter().any(|f| f.version == m) {
            bail!("the manifest maps {ALEMBIC_TABLE} {} to V{m}, which has no migration file: the manifest is wrong", revision.unwrap_or_default());
        }
    }
    if let (Some(w), Some(m)) = (wanted, maps_to) {
        if *w != m {
            bail!(
                "{ALEMBIC_TABLE} says {} (V{m} by schemas/{schema}.toml) but --version says V{w}: run without --version to compare the live schema with both; nothing was changed",
                revision.unwrap_or_default()
            );
        }
    }
    let (claimed, claimed_by) = match (wanted, maps_to) {
        (Some(w), _) => (Some(*w), "--version"),
        (None, Some(m)) => (Some(m), ALEMBIC_TABLE),
        (None, None) => (None, "match"),
    };

    // Every version compared, with check's rules. Alembic's own table is not the schema's.
    let live = live.without_table(ALEMBIC_TABLE);
    let opts = ConnectOpts {
        connect_timeout: settings.connect_timeout,
        lock_timeout: settings.lock_timeout,
        access: Access::Create,
        wait: settings.wait,
    };
    let all: Vec<&MigrationFile> = files.iter().collect();
    let models = scratch::apply_each(Place::Beside(&mut conn), &all, opts)?;
    let mut candidates = Vec::new();
    for (file, expected) in files.iter().zip(&models) {
        let ctx = Context {
            dialect,
            namespace,
            version: i64::from(file.version),
            live: &live,
            expected,
        };
        let differences = checks::compare(&ctx);
        candidates.push(Candidate {
            version: file.version,
            name: file.name.clone(),
            differences,
            same_names: same_names(&live, expected),
        });
    }
    let Some(best) = candidates.iter().min_by_key(|c| {
        (
            c.differences.len(),
            !c.same_names,
            std::cmp::Reverse(c.version),
        )
    }) else {
        bail!("{schema} has no migrations for {dialect}");
    };
    let chosen_version = claimed.unwrap_or(best.version);
    let Some(chosen) = candidates.iter().find(|c| c.version == chosen_version) else {
        bail!("V{chosen_version} has no migration file");
    };

    let mut notes = Vec::new();
    let ties: Vec<String> = candidates
        .iter()
        .filter(|c| c.version != chosen.version && c.differences.is_empty())
        .map(|c| format!("V{}", c.version))
        .collect();
    if chosen.differences.is_empty() && !ties.is_empty() {
        notes.push(format!(
            "{} also match the live schema by check's rules today; V{} was chosen ({})",
            ties.join(", "),
            chosen.version,
            match claimed_by {
                "match" => "its table and column names are the live ones, or it is the highest",
                "--version" => "named by --version",
                _ => "named by alembic_version",
            }
        ));
    }
    let refused = !chosen.differences.is_empty() && !accept_drift;
    if !chosen.differences.is_empty() && claimed.is_some() && best.differences.is_empty() {
        notes.push(format!(
            "the live schema matches V{} with no differences, not V{}: {} is wrong{}",
            best.version,
            chosen.version,
            if claimed_by == ALEMBIC_TABLE {
                format!(
                    "{ALEMBIC_TABLE} ({}) or the manifest's mapping of it",
                    revision.unwrap_or_default()
                )
            } else {
                "--version".to_string()
            },
            if claimed_by == ALEMBIC_TABLE {
                format!("; adopt with --version {}", best.version)
            } else {
                String::new()
            }
        ));
    }
    let adopt = !refused;
    let drop_alembic = *drop_alembic_version && revision.is_some();
    if revision.is_some() && !drop_alembic {
        notes.push(format!(
            "{ALEMBIC_TABLE} is left untouched (--drop-alembic-version drops it); chatdb reads only its own history from now on"
        ));
    }
    let source = match claimed_by {
        ALEMBIC_TABLE => format!("{ALEMBIC_TABLE} {}", revision.unwrap_or_default()),
        other => other.to_string(),
    };
    let accepted: Vec<String> = chosen.differences.iter().map(one_line).collect();

    if adopt && !dry_run {
        let adopted = adopted_table(&table);
        let upto: Vec<&MigrationFile> = files
            .iter()
            .filter(|f| f.version <= chosen.version)
            .collect();
        conn.in_transaction(TxKind::Locked, namespace, settings.lock_timeout, |s| {
            // Again under the lock: a migrate or another adopt may have run meanwhile.
            if !migrator::read_history(s, &table)?.is_empty() {
                bail!("nothing to adopt: another chatdb run wrote {table} meanwhile; nothing was changed");
            }
            write_history(s, &table, &adopted, &upto, &source, &accepted, drop_alembic)
        })?;
    }

    let next: Vec<Next> = files
        .iter()
        .filter(|f| f.version > chosen.version)
        .map(|f| Next {
            version: f.version,
            name: &f.name,
        })
        .collect();
    let report = Report {
        history_table: &table,
        dry_run: *dry_run,
        claimed_by,
        alembic_revision: revision,
        alembic_maps_to: maps_to,
        version: chosen.version,
        best_match: best.version,
        versions: candidates
            .iter()
            .map(|c| CandidateJson {
                version: c.version,
                name: &c.name,
                differences: c.differences.len(),
            })
            .collect(),
        differences: chosen.differences.iter().map(CheckFinding::from).collect(),
        adopted: adopt,
        accepted_drift: adopt && !chosen.differences.is_empty(),
        alembic_version_dropped: adopt && drop_alembic,
        next,
        notes: &notes,
    };
    match output.format {
        Format::Json => report::json::document(out, &envelope, &report)?,
        Format::Table => print_table(out, &envelope, &report, &chosen.differences)?,
    }
    Ok(if refused {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}

/// The table report: the versions compared, the differences with their fixes, what was
/// (or would be) written, what `migrate` applies next, the notes.
fn print_table(
    out: &mut dyn Write,
    envelope: &Envelope,
    r: &Report,
    differences: &[Finding],
) -> Result<()> {
    let schema = envelope.schema.as_deref().unwrap_or_default();
    let table = r.history_table;
    let head = match r.alembic_revision {
        Some(rev) => format!(
            "{ALEMBIC_TABLE} says {rev}{}",
            r.alembic_maps_to.map_or(String::new(), |m| format!(
                " (V{m} in schemas/{schema}.toml)"
            ))
        ),
        None => format!("no {ALEMBIC_TABLE}"),
    };
    line(
        out,
        format!(
            "{schema} on {}: no chatdb history ({table}); {head}",
            envelope.target_label()
        ),
    )?;
    let mut t = report::table(&["version", "name", "differences"]);
    for c in &r.versions {
        let mut mark = c.differences.to_string();
        if c.version == r.best_match {
            mark.push_str("  best match");
        }
        t.add_row(vec![format!("V{}", c.version), c.name.to_string(), mark]);
    }
    line(out, t)?;
    line(
        out,
        format!(
            "V{} ({}): {} from the live schema",
            r.version,
            match r.claimed_by {
                "match" => "best match",
                other => other,
            },
            plural(differences.len(), "difference")
        ),
    )?;
    if !differences.is_empty() {
        report::table::check_findings(out, differences, envelope.namespace.is_some())?;
    }
    if !r.adopted {
        line(out, "Nothing was changed: converge the database with the fixes above (or adopt another version), or adopt anyway with --accept-drift, which records the differences.")?;
    } else {
        let verb = if r.dry_run { "would write" } else { "wrote" };
        line(
            out,
            format!(
                "{}Adopted at V{v}: {verb} V1..V{v} to {table} (refinery's layout, the canonical files' checksums), marked adopted in {}{}.",
                if r.dry_run { "Dry run, nothing was changed. " } else { "" },
                adopted_table(table),
                if r.accepted_drift {
                    format!(" with {} accepted", plural(differences.len(), "difference"))
                } else {
                    String::new()
                },
                v = r.version,
            ),
        )?;
        if r.alembic_version_dropped {
            let what = if r.dry_run {
                "would be dropped"
            } else {
                "dropped"
            };
            line(out, format!("{ALEMBIC_TABLE} {what}."))?;
        }
        let next = match r.next.as_slice() {
            [] => "nothing; `chatdb migrate` has nothing to apply (latest)".to_string(),
            n => format!(
                "`chatdb migrate` applies {}",
                n.iter()
                    .map(|m| format!("V{} ({})", m.version, m.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        line(out, format!("Next: {next}."))?;
    }
    for note in r.notes {
        line(out, format!("note: {note}"))?;
    }
    Ok(())
}

/// The revisions in `alembic_version` (none when the table does not exist).
fn read_alembic(session: &mut dyn Session) -> Result<Vec<String>> {
    if !session
        .table_exists(ALEMBIC_TABLE)
        .map_err(|e| anyhow!(e))?
    {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT 0 AS version, version_num AS name, '' AS applied_on, '' AS checksum FROM {ALEMBIC_TABLE}"
    );
    let rows = session
        .history_rows(&sql)
        .map_err(|e| anyhow!("reading {ALEMBIC_TABLE}: {e}"))?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}

/// Same table names, each with the same column names.
fn same_names(live: &Inventory, expected: &Inventory) -> bool {
    let names = |inv: &Inventory| {
        let mut v: Vec<(String, Vec<String>)> = inv
            .tables
            .iter()
            .map(|t| {
                let mut c = t.columns.clone();
                c.sort();
                (t.name.clone(), c)
            })
            .collect();
        v.sort();
        v
    };
    names(live) == names(expected)
}

/// A difference on one line, as the adoption record keeps it.
fn one_line(f: &Finding) -> String {
    let at = match (&f.table, &f.object) {
        (Some(t), Some(o)) => format!("{t}.{o}"),
        (Some(t), None) => t.clone(),
        (None, Some(o)) => o.clone(),
        (None, None) => String::new(),
    };
    format!("{} {at}: {}", f.rule.id, f.message).replace('\n', " ")
}

/// A SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The history rows (refinery's table and layout), the adoption record, and the optional
/// drop of `alembic_version`, in the caller's locked transaction.
fn write_history(
    s: &mut dyn Session,
    table: &str,
    adopted: &str,
    files: &[&MigrationFile],
    source: &str,
    accepted: &[String],
    drop_alembic: bool,
) -> Result<()> {
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| anyhow!("formatting the time: {e}"))?;
    // refinery's own CREATE TABLE (refinery-core's ASSERT_MIGRATIONS_TABLE_QUERY).
    s.batch(&format!(
        "CREATE TABLE IF NOT EXISTS {table}(version INT4 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255))"
    ))?;
    let mut top = 0;
    for f in files {
        let checksum = f.to_refinery()?.checksum();
        s.batch(&format!(
            "INSERT INTO {table} (version, name, applied_on, checksum) VALUES ({}, {}, {}, {})",
            f.version,
            literal(&f.name),
            literal(&now),
            literal(&checksum.to_string())
        ))?;
        top = top.max(f.version);
    }
    s.batch(&format!(
        "CREATE TABLE IF NOT EXISTS {adopted}(version INTEGER NOT NULL, adopted_on VARCHAR(64) NOT NULL, source TEXT NOT NULL, accepted TEXT NOT NULL)"
    ))?;
    s.batch(&format!(
        "INSERT INTO {adopted} (version, adopted_on, source, accepted) VALUES ({top}, {}, {}, {})",
        literal(&now),
        literal(source),
        literal(&accepted.join("\n"))
    ))?;
    if drop_alembic {
        s.batch(&format!("DROP TABLE {ALEMBIC_TABLE}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{rule, Tool};
    use crate::model::inventory::Table;

    /// A refused adoption reads: what was found, the versions, the differences with their
    /// fixes, that nothing changed, the notes; no password.
    #[test]
    fn a_refused_adoption_lists_versions_differences_and_fixes() {
        let target =
            crate::db::Target::parse("postgres://app:s3cret@db.internal/app").expect("url");
        let envelope = Envelope::new(
            "classroom",
            &target,
            "postgres://app:s3cret@db.internal/app",
            "public",
        );
        let findings = vec![Finding::new(
            rule("missing-index").expect("registered"),
            Tool::Check,
            "the canonical schema at V2 has it; the database does not",
        )
        .object("idx_messages_session_time")
        .table(Some("messages".into()))
        .fix(Some("CREATE INDEX CONCURRENTLY idx_messages_session_time ON public.messages USING btree (session_id, created_at DESC);".into()))];
        let notes = vec![
            "the live schema matches V1 with no differences, not V2: --version is wrong"
                .to_string(),
        ];
        let r = Report {
            history_table: "chatdb_history_classroom",
            dry_run: false,
            claimed_by: "--version",
            alembic_revision: None,
            alembic_maps_to: None,
            version: 2,
            best_match: 1,
            versions: vec![
                CandidateJson {
                    version: 1,
                    name: "initial_schema",
                    differences: 0,
                },
                CandidateJson {
                    version: 2,
                    name: "session_code_8_and_indexes",
                    differences: 1,
                },
            ],
            differences: findings.iter().map(CheckFinding::from).collect(),
            adopted: false,
            accepted_drift: false,
            alembic_version_dropped: false,
            next: vec![],
            notes: &notes,
        };
        let mut buf = Vec::new();
        print_table(&mut buf, &envelope, &r, &findings).expect("writes");
        let text = String::from_utf8(buf).expect("utf-8");
        assert!(!text.contains("s3cret"));
        insta::assert_snapshot!("adopt_refused", text);
    }

    #[test]
    fn an_accepted_difference_is_kept_on_one_line() {
        let f = Finding::new(
            rule("missing-index").expect("registered"),
            Tool::Check,
            "gone\nreally",
        )
        .object("idx_a")
        .table(Some("t".into()));
        assert_eq!(one_line(&f), "missing-index t.idx_a: gone really");
        assert_eq!(literal("it's"), "'it''s'");
    }

    #[test]
    fn names_compare_as_sets_of_tables_and_columns() {
        let t = |name: &str, cols: &[&str]| Table {
            name: name.into(),
            columns: cols.iter().map(|c| c.to_string()).collect(),
            ..Table::default()
        };
        let a = Inventory {
            tables: vec![t("a", &["x", "y"]), t("b", &[])],
            ..Inventory::default()
        };
        let b = Inventory {
            tables: vec![t("b", &[]), t("a", &["y", "x"])],
            ..Inventory::default()
        };
        let c = Inventory {
            tables: vec![t("a", &["x"]), t("b", &[])],
            ..Inventory::default()
        };
        assert!(same_names(&a, &b));
        assert!(!same_names(&a, &c));
        let with_alembic = Inventory {
            tables: vec![
                t("a", &["x", "y"]),
                t("b", &[]),
                t(ALEMBIC_TABLE, &["version_num"]),
            ],
            ..Inventory::default()
        };
        assert!(same_names(&with_alembic.without_table(ALEMBIC_TABLE), &a));
    }
}
