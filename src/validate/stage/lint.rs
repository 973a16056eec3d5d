//! Stage 5, lint: each dialect's migrations through [`crate::validate::lint`] (the
//! PostgreSQL rules and the model rules on PostgreSQL's, the SQLite rules on SQLite's), less
//! what a `-- chatdb:allow` comment or a manifest `[[validate.lint_allow]]` accepts.

use super::super::{lint, Accepted, Run, StageState};
use crate::catalog::{Dialect, MigrationFile};
use crate::finding::{Finding, Tool};

pub fn run(run: &mut Run) {
    let pg_files = run.pg_files;
    if pg_files.is_empty() {
        run.stages.lint = StageState::Skipped;
        return;
    }
    let mark = run.mark();
    let scan = run.scan;
    let allows = &scan.schema.manifest.validate.lint_allows;
    let model = run.pg_model.as_ref().or(run.lite_model.as_ref());
    let pg = lint::run(pg_files, Dialect::Postgres, model);
    let mut flagged: Vec<(Dialect, &MigrationFile, lint::Flagged)> = pg
        .flagged
        .into_iter()
        .map(|f| (Dialect::Postgres, &pg_files[f.file], f))
        .collect();
    let lite_files = run.lite_files;
    flagged.extend(
        lint::run(lite_files, Dialect::Sqlite, None)
            .flagged
            .into_iter()
            .map(|f| (Dialect::Sqlite, &lite_files[f.file], f)),
    );
    for (dialect, file, f) in flagged {
        if f.allowed_by_comment {
            run.accepted.push(Accepted {
                rule: f.rule.id,
                file: Some(file.path.clone()),
                line: Some(f.line),
                object: f.hit.object,
                by: "comment",
                reason: "-- chatdb:allow in the migration".into(),
            });
            continue;
        }
        let allow = allows
            .iter()
            .enumerate()
            .find(|(_, a)| a.rule == f.rule.id && a.file == file.file_name());
        if let Some((i, a)) = allow {
            run.used_allows.insert(i);
            run.accepted.push(Accepted {
                rule: f.rule.id,
                file: Some(file.path.clone()),
                line: Some(f.line),
                object: f.hit.object,
                by: "manifest",
                reason: a.reason.clone(),
            });
            continue;
        }
        let fix = format!(
            "{} (or accept it: `-- chatdb:allow {}: <reason>` above the statement)",
            f.hit.fix.as_deref().unwrap_or("change the statement"),
            f.rule.id
        );
        run.findings.push(
            Finding::new(f.rule, Tool::Validate, f.hit.message)
                .dialect(Some(dialect))
                .at(Some(&file.path), Some(f.line))
                .object(f.hit.object)
                .fix(Some(fix)),
        );
    }
    let fallback: Vec<String> = pg
        .read_by_fallback
        .into_iter()
        .map(|(fi, line)| format!("{}:{line}", pg_files[fi].path))
        .collect();
    if !fallback.is_empty() {
        run.notes.push(format!(
            "lint: {} statement(s) sqlparser cannot parse were read by the token fallback: {}",
            fallback.len(),
            fallback.join(", ")
        ));
    }
    run.stages.lint = run.state_since(mark);
}
