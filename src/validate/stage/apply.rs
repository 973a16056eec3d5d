//! Stage 3, apply: the migrations on a fresh scratch database of each dialect
//! ([`crate::validate::apply`]); the resulting models feed parity, lint and the manifest.

use anyhow::Result;

use super::super::{apply, lint, Env, Run, StageState};
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
            // SQLite refuses an ALTER TABLE it cannot do in place (a restricted DROP COLUMN:
            // a key, an indexed column): what that change needs is a rebuild.
            let altered = f
                .statement
                .as_deref()
                .filter(|_| dialect == Dialect::Sqlite)
                .and_then(|s| lint::alter_table(&crate::sqltext::tokens(s)).map(|(t, _)| t));
            let fix = match altered {
                Some(table) => format!(
                    "fix the statement, or, if SQLite's ALTER TABLE cannot make this change in place, rebuild {table}: `chatdb new NAME --sqlite-rebuild {table}` writes that migration"
                ),
                None => "fix the statement; the migrations before it applied cleanly".into(),
            };
            run.add(
                Finding::new(&APPLY_FAILED, Tool::Validate, message)
                    .dialect(Some(dialect))
                    .at(Some(&file.path), f.line)
                    .fix(Some(fix)),
            );
            (StageState::Failed, None)
        }
    }
}
