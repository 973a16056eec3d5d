//! Stage 1, files: the file-name grammar, repeated versions, top-level transaction control
//! and dialect twins (from [`crate::catalog::scan`]), and whether the manifest parses.

use super::super::{Run, StageState};
use crate::catalog::{Dialect, FileProblemKind};
use crate::finding::{Finding, Rule, Scope, Severity, Tool, BOTH};

pub const FILE_NAME: Rule = Rule {
    id: "file-name",
    severity: Severity::Error,
    summary: "a migration file is not named `V<n>__<snake_name>.sql`",
    dialects: BOTH,
    scope: Scope::Validate,
};

pub const REPEATED_VERSION: Rule = Rule {
    id: "repeated-version",
    severity: Severity::Error,
    summary: "two files of one dialect have the same version",
    dialects: BOTH,
    scope: Scope::Validate,
};

pub const TRANSACTION_CONTROL: Rule = Rule {
    id: "transaction-control",
    severity: Severity::Error,
    summary: "a migration has a top-level `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`, `ABORT`, `SAVEPOINT`, `RELEASE` or `PREPARE TRANSACTION`",
    dialects: BOTH,
    scope: Scope::Validate,
};

pub const MISSING_TWIN: Rule = Rule {
    id: "missing-twin",
    severity: Severity::Error,
    summary: "a version exists in one dialect only, or under another name in the other",
    dialects: BOTH,
    scope: Scope::Validate,
};

pub const MANIFEST_INVALID: Rule = Rule {
    id: "manifest-invalid",
    severity: Severity::Error,
    summary: "`schemas/<schema>.toml` does not parse, or breaks its own rules",
    dialects: BOTH,
    scope: Scope::Validate,
};

/// Runs the stage; `true` when the files are sound enough to apply.
pub fn run(run: &mut Run) -> bool {
    let scan = run.scan;
    let mark = run.mark();
    for p in &scan.problems {
        let rule = match p.kind {
            FileProblemKind::BadName => &FILE_NAME,
            FileProblemKind::RepeatedVersion => &REPEATED_VERSION,
            FileProblemKind::TransactionControl => &TRANSACTION_CONTROL,
        };
        run.add(
            Finding::new(rule, Tool::Validate, p.message.clone())
                .dialect(Some(p.dialect))
                .at(Some(&p.path), p.line),
        );
    }
    let (pg_files, lite_files) = (run.pg_files, run.lite_files);
    for (dialect, mine, theirs, other) in [
        (Dialect::Postgres, pg_files, lite_files, Dialect::Sqlite),
        (Dialect::Sqlite, lite_files, pg_files, Dialect::Postgres),
    ] {
        for f in mine {
            let twin = |message: String, fix: String| {
                Finding::new(&MISSING_TWIN, Tool::Validate, message)
                    .dialect(Some(dialect))
                    .at(Some(&f.path), None)
                    .fix(Some(fix))
            };
            match theirs.iter().find(|t| t.version == f.version) {
                None => run.add(twin(
                    format!("V{} exists in {dialect} but not in {other}", f.version),
                    format!(
                        "add sql/{}/{}/{} with the {other} version of the change",
                        other.dir_name(),
                        scan.schema.name,
                        f.file_name()
                    ),
                )),
                // Reported once, from PostgreSQL's side.
                Some(t) if t.name != f.name && dialect == Dialect::Postgres => run.add(twin(
                    format!(
                        "V{} is named {} in {dialect} but {} in {other}",
                        f.version,
                        f.file_name(),
                        t.file_name()
                    ),
                    "give both dialects' files the same name".into(),
                )),
                Some(_) => {}
            }
        }
    }
    let files_ok = !run.failed_since(mark);
    run.stages.files = if files_ok {
        StageState::Ok
    } else {
        StageState::Failed
    };
    if let Some(e) = &scan.manifest_error {
        run.add(
            Finding::new(&MANIFEST_INVALID, Tool::Validate, e.clone())
                .at(Some(&scan.manifest_path), None),
        );
    }
    files_ok
}
