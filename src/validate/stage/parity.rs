//! Stage 4, parity: the PostgreSQL and SQLite results compared ([`crate::validate::parity`]),
//! less the differences the manifest declares intended (`[[validate.parity_exception]]`).

use super::super::{line_of, lint, Accepted, Run, StageState};
use crate::catalog::MigrationFile;
use crate::finding::{Finding, Rule, Scope, Severity, Tool, BOTH};

pub const PARITY: Rule = Rule {
    id: "parity",
    severity: Severity::Error,
    summary: "the dialects build different schemas and the manifest does not declare it",
    dialects: BOTH,
    scope: Scope::Validate,
};

/// Runs the stage when both dialects applied; `files_ok` and `has_server` only decide
/// whether a skip needs a note.
pub fn run(run: &mut Run, files_ok: bool, has_server: bool) {
    let scan = run.scan;
    let exceptions = &scan.schema.manifest.validate.parity_exceptions;
    let differences = match (&run.pg_model, &run.lite_model) {
        (Some(pg), Some(lite)) => crate::validate::parity::compare(pg, lite),
        _ => {
            run.stages.parity = StageState::Skipped;
            if files_ok && (has_server || run.lite_model.is_none()) {
                run.notes
                    .push("parity skipped: a dialect's migrations did not apply".into());
            }
            return;
        }
    };
    let mark = run.mark();
    for d in differences {
        if let Some((i, e)) = exceptions
            .iter()
            .enumerate()
            .find(|(_, e)| e.object == d.object)
        {
            run.used_exceptions.insert(i);
            run.accepted.push(Accepted {
                rule: PARITY.id,
                file: Some(scan.manifest_path.clone()),
                line: line_of(scan, &e.object),
                object: d.object,
                by: "manifest",
                reason: e.reason.clone(),
            });
            continue;
        }
        let (file, line) = blame(run.pg_files, &d.table, &d.object);
        run.add(
            Finding::new(&PARITY, Tool::Validate, d.message)
                .at(file.as_deref(), line)
                .object(d.object.clone())
                .fix(Some(format!(
                    "make both dialects' migrations agree, or declare it intended in {}: [[validate.parity_exception]] object = \"{}\", reason = \"...\"",
                    scan.manifest_path, d.object
                ))),
        );
    }
    run.stages.parity = run.state_since(mark);
}

/// Where to point a parity finding: the latest PostgreSQL statement that names the object
/// (a column with its table, an index or a constraint by name), else the `CREATE TABLE`.
fn blame(files: &[MigrationFile], table: &str, object: &str) -> (Option<String>, Option<usize>) {
    let name = object.split_once(' ').map_or("", |(_, n)| n);
    let (on_table, own): (Option<&str>, &str) = match object.split_once(' ') {
        Some(("column", _)) => (Some(table), name.rsplit('.').next().unwrap_or(name)),
        Some(("index" | "check", _)) => (None, name),
        _ => (Some(table), ""),
    };
    let mut fallback = (None, None);
    for f in files.iter().rev() {
        for s in crate::sqltext::split(&f.sql).into_iter().rev() {
            let toks = crate::sqltext::tokens(s.text(&f.sql));
            let at = || {
                let first = toks.first().map_or(0, |t| t.start);
                (
                    Some(f.path.clone()),
                    Some(s.line_of(&f.sql, s.start + first)),
                )
            };
            // A column is named by the table statement that adds or alters it.
            let table_statement = toks
                .first()
                .is_some_and(|k| k.is("ALTER") || k.is("CREATE"))
                && toks.get(1).is_some_and(|k| k.is("TABLE"));
            let names_table = match on_table {
                Some(t) => table_statement && toks.iter().take(8).any(|k| k.name() == t),
                None => true,
            };
            if !own.is_empty() && names_table && toks.iter().any(|k| k.name() == own) {
                return at();
            }
            if fallback.0.is_none() && lint::created_table(&toks).as_deref() == Some(table) {
                fallback = at();
            }
        }
    }
    fallback
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_is_blamed_on_the_latest_statement_that_names_it() {
        let f = |version: u32, sql: &str| MigrationFile {
            version,
            name: format!("v{version}"),
            path: format!("sql/postgres/x/V{version}__v{version}.sql"),
            sql: sql.into(),
        };
        let files = [
            f(1, "CREATE TABLE rooms (\n  id int,\n  name text\n);"),
            f(2, "-- V2\nALTER TABLE rooms ADD COLUMN topic text;\nCREATE INDEX idx_topic ON rooms (topic);"),
        ];
        let at = |file: &str, line: usize| (Some(format!("sql/postgres/x/{file}")), Some(line));
        assert_eq!(
            blame(&files, "rooms", "column rooms.topic"),
            at("V2__v2.sql", 2)
        );
        assert_eq!(
            blame(&files, "rooms", "index idx_topic"),
            at("V2__v2.sql", 3)
        );
        assert_eq!(
            blame(&files, "rooms", "column rooms.name"),
            at("V1__v1.sql", 1)
        );
        // Nothing names it: the CREATE TABLE.
        assert_eq!(
            blame(&files, "rooms", "check rooms_x_check"),
            at("V1__v1.sql", 1)
        );
        assert_eq!(blame(&files, "nosuch", "table nosuch"), (None, None));
    }
}
