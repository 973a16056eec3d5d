//! Stage 2, lock: every migration's checksum against the committed lock file
//! (`schemas/<schema>.lock`, format in [`crate::validate::lock`]).

use anyhow::Result;

use super::super::{lock, Run};
use crate::finding::{Finding, Rule, Scope, Severity, Tool, BOTH};

pub const LOCK_FILE: Rule = Rule {
    id: "lock-file",
    severity: Severity::Error,
    summary: "the lock file is missing or unreadable",
    dialects: BOTH,
    scope: Scope::Validate,
};

pub const EDITED_MIGRATION: Rule = Rule {
    id: "edited-migration",
    severity: Severity::Error,
    summary: "a migration the lock holds was changed",
    dialects: BOTH,
    scope: Scope::Validate,
};

pub const UNLOCKED_MIGRATION: Rule = Rule {
    id: "unlocked-migration",
    severity: Severity::Error,
    summary: "a migration the lock does not hold yet",
    dialects: BOTH,
    scope: Scope::Validate,
};

pub const REMOVED_MIGRATION: Rule = Rule {
    id: "removed-migration",
    severity: Severity::Error,
    summary: "a migration the lock holds is gone",
    dialects: BOTH,
    scope: Scope::Validate,
};

pub fn run(run: &mut Run) -> Result<()> {
    let mark = run.mark();
    check(run)?;
    run.stages.lock = run.state_since(mark);
    Ok(())
}

fn check(run: &mut Run) -> Result<()> {
    let scan = run.scan;
    let schema = &scan.schema;
    let current = lock::current(schema)?;
    let at_lock = |rule, message: String, line, fix: &str| {
        Finding::new(rule, Tool::Validate, message)
            .at(Some(&scan.lock_path), line)
            .fix(Some(fix.to_string()))
    };
    let Some(text) = &scan.lock else {
        run.add(at_lock(
            &LOCK_FILE,
            format!(
                "{} does not exist: nothing protects the released migrations from edits",
                scan.lock_path
            ),
            None,
            "run `chatdb validate --update-lock --schema-dir <dir>` and commit the lock file",
        ));
        return Ok(());
    };
    let locked = match lock::parse(text) {
        Ok(l) => l,
        Err(e) => {
            run.add(at_lock(
                &LOCK_FILE,
                format!("{} is unreadable: {e:#}", scan.lock_path),
                None,
                "restore it from version control, or rewrite it with --update-lock",
            ));
            return Ok(());
        }
    };
    for (dialect, files) in &schema.migrations {
        for f in files {
            let k = lock::key(*dialect, &f.file_name());
            let sum = current.get(&k).cloned().unwrap_or_default();
            let finding = match locked.get(&k) {
                Some((old, _)) if *old == sum => continue,
                Some(_) => Finding::new(
                    &EDITED_MIGRATION,
                    Tool::Validate,
                    format!("{} changed after it was locked: databases that applied it will refuse to migrate (its checksum no longer matches their history)", f.file_name()),
                )
                .fix(Some("restore the file and put the change in a new migration (only an unreleased migration may be re-locked with --update-lock)".into())),
                None => Finding::new(
                    &UNLOCKED_MIGRATION,
                    Tool::Validate,
                    format!("{} is not in {}", f.file_name(), scan.lock_path),
                )
                .fix(Some("run `chatdb validate --update-lock` and commit the lock with the migration".into())),
            };
            run.add(finding.dialect(Some(*dialect)).at(Some(&f.path), None));
        }
    }
    for (k, (_, line)) in &locked {
        if !current.contains_key(k) {
            run.add(at_lock(
                &REMOVED_MIGRATION,
                format!("{k} is locked but no such migration exists: databases that applied it will report it missing"),
                Some(*line),
                "restore the file (a released migration is never removed), or rewrite the lock with --update-lock if it was never released",
            ));
        }
    }
    Ok(())
}
