//! How much of the real SQL each reader understands: the figures behind the parser choice
//! (README, "Dependencies"). `cargo nextest run -E 'test(parse_rates)' --no-capture`
//! prints them; the test fails if a canonical or corpus statement is understood by neither
//! reader (the lint would have nothing to judge it by).

use std::path::{Path, PathBuf};

use super::shape::{self, Shape};
use crate::sqltext;

fn sql_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            sql_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "sql") {
            out.push(p);
        }
    }
}

fn sources(under: &[&str], keep: impl Fn(&Path) -> bool) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for u in under {
        sql_files(&root.join(u), &mut files);
    }
    files
        .into_iter()
        .filter(|p| keep(p))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            (p.display().to_string(), text)
        })
        .collect()
}

fn is_sqlite_twin(p: &Path) -> bool {
    p.to_string_lossy().ends_with(".sqlite.sql")
}

/// The canonical PostgreSQL migrations, then the lint corpus (`tests/lint_corpus`).
pub fn postgres_sources() -> Vec<(String, String)> {
    let mut out = sources(&["sql/postgres"], |_| true);
    out.extend(sources(&["tests/lint_corpus"], |p| !is_sqlite_twin(p)));
    out
}

/// Statements, parsed by sqlparser, read by the token fallback, understood by neither.
fn rate(files: &[(String, String)]) -> (usize, usize, usize, Vec<String>) {
    let (mut parsed, mut fallback, mut neither) = (0, 0, 0);
    let mut failures = Vec::new();
    for (path, sql) in files {
        for s in sqltext::split(sql) {
            let text = s.text(sql);
            let t = sqltext::tokens(text);
            if t.is_empty() {
                continue;
            }
            match shape::of(text, &t) {
                (_, true) => parsed += 1,
                (Shape::Unknown, false) => {
                    neither += 1;
                    failures.push(format!("{path}: {text}"));
                }
                (_, false) => {
                    fallback += 1;
                    failures.push(format!("(fallback) {path}: {text}"));
                }
            }
        }
    }
    (parsed, fallback, neither, failures)
}

#[test]
fn parse_rates() {
    let canonical = sources(&["sql/postgres"], |_| true);
    let corpus = sources(&["tests/lint_corpus"], |p| !is_sqlite_twin(p));
    for (what, files) in [
        ("canonical PostgreSQL", &canonical),
        ("lint corpus", &corpus),
    ] {
        let (parsed, fallback, neither, failures) = rate(files);
        let total = parsed + fallback + neither;
        println!(
            "{what}: {} files, {total} statements: sqlparser parses {parsed}, the token fallback reads {fallback}, neither {neither}",
            files.len()
        );
        for f in &failures {
            println!("  {f}");
        }
        // Only the corpus's examples of `unreadable-statement` are read by neither reader.
        let unreadable = failures
            .iter()
            .filter(|f| !f.starts_with("(fallback)"))
            .filter(|f| !f.contains("/unreadable-statement/unsafe"))
            .count();
        assert_eq!(unreadable, 0, "{what}: {failures:#?}");
        assert!(total > 0, "{what}: no statements found");
    }
    // SQLite, for the record (the lint reads PostgreSQL only).
    let lite = sources(&["sql/sqlite"], |_| true);
    let (mut ok, mut total) = (0, 0);
    for (_, sql) in &lite {
        for s in sqltext::split(sql) {
            total += 1;
            let parses = sqlparser::parser::Parser::new(&sqlparser::dialect::SQLiteDialect {})
                .try_with_sql(s.text(sql))
                .and_then(|mut p| p.parse_statements())
                .is_ok();
            ok += usize::from(parses);
        }
    }
    println!("canonical SQLite: {total} statements, sqlparser (SQLiteDialect) parses {ok}");
}

/// `tests/lint_corpus` has an unsafe and a safe example for every lint rule, and nothing
/// for a rule that does not exist (`tests/validate.rs` runs them through `validate`).
#[test]
fn every_lint_rule_has_a_corpus_example_each_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint_corpus");
    let mut dirs: Vec<String> = std::fs::read_dir(&root)
        .expect("tests/lint_corpus")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    dirs.sort();
    let mut ids = super::lint_ids();
    ids.sort_unstable();
    assert_eq!(dirs, ids);
    for d in &dirs {
        for kind in ["unsafe", "safe"] {
            assert!(
                root.join(d).join(format!("{kind}.sql")).exists(),
                "{d}/{kind}.sql"
            );
        }
    }
}
