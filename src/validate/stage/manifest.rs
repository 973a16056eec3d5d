//! Stage 6, manifest: every hot query's expected index, every table a `[[metric]]`'s SQL
//! reads (`sqltext::tables_read`), every retention policy's table and time column, every parity exception and lint allowance, every `[alembic.revisions]` version
//! names something that exists; and
//! every exception or allowance is still needed.

use super::super::{line_of, lint, Run, StageState};
use crate::catalog::{Dialect, Scan};
use crate::finding::{Finding, Rule, Scope, Severity, Tool, BOTH};
use crate::model::inventory::Inventory;

pub const MANIFEST_REFERENCE: Rule = Rule {
    id: "manifest-reference",
    severity: Severity::Error,
    summary: "a hot query, metric, retention policy, parity exception or lint allowance names something that does not exist",
    dialects: BOTH,
    scope: Scope::Validate,
};

pub const UNUSED_EXCEPTION: Rule = Rule {
    id: "unused-exception",
    severity: Severity::Warning,
    summary: "a parity exception or lint allowance that matches nothing",
    dialects: BOTH,
    scope: Scope::Validate,
};

/// Runs the stage when a dialect applied.
pub fn run(run: &mut Run) {
    if run.lite_model.is_none() && run.pg_model.is_none() {
        run.stages.manifest = StageState::Skipped;
        return;
    }
    let scan = run.scan;
    let mark = run.mark();
    let parity_ran = run.stages.parity != StageState::Skipped;
    let found = references(
        scan,
        run.pg_model.as_ref(),
        run.lite_model.as_ref(),
        parity_ran,
    );
    run.findings.extend(found);
    let unused = |object: String, line, message: String| {
        Finding::new(&UNUSED_EXCEPTION, Tool::Validate, message)
            .at(Some(&scan.manifest_path), line)
            .object(object)
            .fix(Some("remove it from the manifest".into()))
    };
    let m = &scan.schema.manifest.validate;
    if parity_ran {
        for (i, e) in m.parity_exceptions.iter().enumerate() {
            if !run.used_exceptions.contains(&i) {
                run.findings.push(unused(
                    e.object.clone(),
                    line_of(scan, &e.object),
                    format!(
                        "parity exception `{}` matches no difference between the dialects",
                        e.object
                    ),
                ));
            }
        }
    }
    if run.stages.lint != StageState::Skipped {
        for (i, a) in m.lint_allows.iter().enumerate() {
            if !run.used_allows.contains(&i)
                && run.pg_files.iter().any(|f| f.file_name() == a.file)
                && lint::is_lint_rule(&a.rule)
            {
                run.findings.push(unused(
                    format!("{} in {}", a.rule, a.file),
                    line_of(scan, &a.file),
                    format!(
                        "lint allowance of {} in {} matches no finding",
                        a.rule, a.file
                    ),
                ));
            }
        }
    }
    run.stages.manifest = run.state_since(mark);
}

/// Hot queries, metrics, retention policies, exceptions and allowances name what exists.
/// Parity exceptions are checked only when both dialects were applied (`parity_ran`): an
/// exception usually names what exists in one dialect only.
fn references(
    scan: &Scan,
    pg: Option<&Inventory>,
    lite: Option<&Inventory>,
    parity_ran: bool,
) -> Vec<Finding> {
    let m = &scan.schema.manifest;
    let path = scan.manifest_path.as_str();
    let models: Vec<(Dialect, &Inventory)> = [(Dialect::Postgres, pg), (Dialect::Sqlite, lite)]
        .into_iter()
        .filter_map(|(d, m)| m.map(|m| (d, m)))
        .collect();
    let mut out = Vec::new();
    let mut bad = |needle: &str, object: String, message: String| {
        out.push(
            Finding::new(&MANIFEST_REFERENCE, Tool::Validate, message)
                .at(Some(path), line_of(scan, needle))
                .object(object)
                .fix(Some("correct the name, or remove the entry".into())),
        );
    };
    if let Some(alembic) = &m.alembic {
        for (revision, version) in &alembic.revisions {
            for (dialect, files) in &scan.schema.migrations {
                if !files.iter().any(|f| f.version == *version) {
                    bad(
                        revision,
                        format!("alembic revision {revision}"),
                        format!("[alembic.revisions] maps `{revision}` to V{version}: no {dialect} migration has that version"),
                    );
                }
            }
        }
    }
    for p in &m.policies {
        for (dialect, inv) in &models {
            match inv.table(&p.table) {
                None => bad(&p.table, format!("table {}", p.table), format!("retention policy on `{}`: no such table in {dialect}", p.table)),
                Some(t) if !t.columns.contains(&p.time_column) => bad(
                    &p.time_column,
                    format!("column {}.{}", p.table, p.time_column),
                    format!("retention policy on `{}`: time_column `{}` is not a column of {} in {dialect}", p.table, p.time_column, p.table),
                ),
                Some(_) => {}
            }
        }
    }
    for metric in &m.metrics {
        for (dialect, inv) in &models {
            let Some(sql) = metric.sql(*dialect) else {
                continue;
            };
            for table in crate::sqltext::tables_read(sql) {
                if inv.table(&table).is_none() {
                    bad(
                        &metric.name,
                        format!("table {table}"),
                        format!(
                            "metric `{}` reads table `{table}`, which {dialect} does not have",
                            metric.name
                        ),
                    );
                }
            }
        }
    }
    for q in &m.queries {
        for (dialect, inv) in &models {
            let Some(r) = q.resolve(*dialect) else {
                continue;
            };
            for index in r.expected {
                if !inv.indexes.iter().any(|i| &i.name == index) {
                    bad(
                        index,
                        format!("index {index}"),
                        format!(
                            "hot query `{}` expects index `{index}`, which {dialect} does not have",
                            q.name
                        ),
                    );
                }
            }
        }
    }
    for e in m.validate.parity_exceptions.iter().filter(|_| parity_ran) {
        if let Some(problem) = missing_object(&e.object, &models) {
            bad(
                &e.object,
                e.object.clone(),
                format!("parity exception `{}`: {problem}", e.object),
            );
        }
    }
    let pg_files = scan
        .schema
        .migrations
        .get(&Dialect::Postgres)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for a in &m.validate.lint_allows {
        if !pg_files.iter().any(|f| f.file_name() == a.file) {
            bad(
                &a.file,
                a.file.clone(),
                format!(
                    "lint allowance names `{}`, which is not a PostgreSQL migration of {}",
                    a.file, scan.schema.name
                ),
            );
        }
        if !lint::is_lint_rule(&a.rule) {
            bad(
                &a.rule,
                a.rule.clone(),
                format!(
                    "lint allowance names rule `{}`; the lint rules are {}",
                    a.rule,
                    lint::lint_ids().join(", ")
                ),
            );
        }
    }
    out
}

/// Why an exception's object names nothing in either dialect, or `None` when it names
/// something.
fn missing_object(object: &str, models: &[(Dialect, &Inventory)]) -> Option<String> {
    let (kind, name) = object.split_once(' ')?;
    let name = name.trim();
    let table_of = |s: &str| s.split(['(', '.']).next().unwrap_or(s).trim().to_string();
    let exists = match kind {
        "table" | "primary" | "unique" | "foreign" => {
            let table = match kind {
                "primary" => name.strip_prefix("key ").unwrap_or(name).to_string(),
                "foreign" => table_of(name.strip_prefix("key ").unwrap_or(name)),
                _ => table_of(name),
            };
            models.iter().any(|(_, m)| m.table(&table).is_some())
        }
        "column" => {
            let (t, col) = name.split_once('.')?;
            models.iter().any(|(_, m)| {
                m.table(t)
                    .is_some_and(|t| t.columns.iter().any(|c| c == col))
            })
        }
        "index" => models
            .iter()
            .any(|(_, m)| m.indexes.iter().any(|i| i.name == name)),
        "check" => models.iter().any(|(_, m)| {
            m.tables
                .iter()
                .any(|t| t.checks.iter().any(|c| c.name == name))
        }),
        _ => {
            return Some(format!(
            "unknown kind `{kind}` (table, column, index, check, primary key, unique, foreign key)"
        ))
        }
    };
    (!exists).then(|| "names nothing that exists in either dialect".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{idx, inv};

    #[test]
    fn an_exception_must_name_something_of_a_known_kind() {
        let mut m = inv(vec![idx("idx_a", "rooms", &["name"])], vec![]);
        m.tables[0].columns = vec!["id".into(), "name".into()];
        let models = [(Dialect::Sqlite, &m)];
        for named in [
            "table rooms",
            "column rooms.name",
            "index idx_a",
            "primary key rooms",
            "unique rooms(name)",
            "foreign key rooms(owner_id)",
        ] {
            assert_eq!(missing_object(named, &models), None, "{named}");
        }
        for missing in [
            "table nosuch",
            "column rooms.nosuch",
            "index idx_b",
            "check c",
        ] {
            assert!(
                missing_object(missing, &models).is_some_and(|p| p.contains("names nothing")),
                "{missing}"
            );
        }
        assert!(missing_object("view v", &models).is_some_and(|p| p.contains("unknown kind")));
    }
}
