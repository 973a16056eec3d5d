//! Stage 3, apply: the migrations on a fresh scratch database of each dialect
//! ([`crate::validate::apply`]); the resulting models feed parity, lint and the manifest.

use anyhow::Result;

use super::super::{apply, Env, Run, StageState};
use crate::catalog::{Dialect, MigrationFile};
use crate::finding::{Finding, Rule, Scope, Severity, Tool, BOTH};
use crate::model::inventory::Inventory;

pub const APPLY_FAILED: Rule = Rule {
    id: "apply-failed",
    severity: Severity::Error,
    summary: "a migration fails on a fresh database: file, line, the server's message",
    dialects: BOTH,
    scope: Scope::Validate,
};

pub fn run(run: &mut Run, env: &Env) -> Result<()> {
    let (pg_files, lite_files) = (run.pg_files, run.lite_files);
    let lite = apply::sqlite(lite_files, env.opts)?;
    let (state, model) = record(run, Dialect::Sqlite, lite_files, lite);
    run.stages.apply_sqlite = state;
    run.lite_model = model;
    match env.postgres {
        Some(server) => {
            let pg = apply::postgres(server, pg_files, env.opts)?;
            let (state, model) = record(run, Dialect::Postgres, pg_files, pg);
            run.stages.apply_postgres = state;
            run.pg_model = model;
        }
        // The command says once, for all schemas, that PostgreSQL was not checked.
        None => run.stages.apply_postgres = StageState::Skipped,
    }
    Ok(())
}

fn record(
    run: &mut Run,
    dialect: Dialect,
    files: &[MigrationFile],
    outcome: apply::Outcome,
) -> (StageState, Option<Inventory>) {
    match outcome {
        apply::Outcome::Applied(inv) => (StageState::Ok, Some(inv)),
        apply::Outcome::Failed(f) => {
            let file = &files[f.file];
            let mut message = format!(
                "{} does not apply to a fresh {dialect} database: {}",
                file.file_name(),
                f.message
            );
            if let Some(stmt) = &f.statement {
                let short: String = stmt.chars().take(160).collect();
                message.push_str(&format!("\n  statement: {short}"));
            }
            run.add(
                Finding::new(&APPLY_FAILED, Tool::Validate, message)
                    .dialect(Some(dialect))
                    .at(Some(&file.path), f.line)
                    .fix(Some(
                        "fix the statement; the migrations before it applied cleanly".into(),
                    )),
            );
            (StageState::Failed, None)
        }
    }
}
