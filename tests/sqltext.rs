//! The SQL text layer through the binary: no migration text makes `validate` or `migrate`
//! panic, transaction control in a migration is refused by both before anything runs, a
//! failing SQLite statement is named by its line, and applying a migration is linear in its
//! size.

use std::path::Path;
use std::process::Output;

use crate::common::*;

const V1: &str = "CREATE TABLE rooms (\n    id INTEGER CONSTRAINT rooms_pkey PRIMARY KEY,\n    name TEXT NOT NULL\n);\n";

/// A `demo` schema under `root` whose V2 (both dialects) is `v2`.
fn demo_with_v2(root: &Path, v2: &str) {
    for dialect in ["postgres", "sqlite"] {
        write_file(root, &format!("sql/{dialect}/demo/V1__rooms.sql"), V1);
        write_file(root, &format!("sql/{dialect}/demo/V2__second.sql"), v2);
    }
    write_file(
        root,
        "schemas/demo.toml",
        "description = \"sqltext fixture\"\n",
    );
}

/// `chatdb -d <url> -s demo --schema-dir . migrate` in `root`.
fn migrate(root: &Path, url: &str) -> Output {
    chatdb(root)
        .args(["-d", url, "-s", "demo", "--schema-dir", ".", "migrate"])
        .output()
        .expect("runs")
}

/// `chatdb validate -s demo --schema-dir . --format json` in `root`.
fn validate(root: &Path) -> Output {
    chatdb(root)
        .args([
            "validate",
            "-s",
            "demo",
            "--schema-dir",
            ".",
            "--format",
            "json",
        ])
        .output()
        .expect("runs")
}

/// Asserts the run exited `code` without a panic; returns its stderr.
fn exited(out: &Output, code: i32) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{}{err}", stdout(out));
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn create_table_quote_e_acute_at_end_of_migration_does_not_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo_with_v2(dir.path(), "CREATE TABLE \"é");
    let out = validate(dir.path());
    exited(&out, 1);
    assert!(
        validate_rules(&out).contains(&"apply-failed".to_string()),
        "{}",
        stdout(&out)
    );
    let (url, _) = sqlite_in(&dir, "demo.db");
    let err = exited(&migrate(dir.path(), &url), 2);
    assert!(err.contains("V2__second.sql"), "{err}");
}

/// A V2 that commits behind chatdb's back: BEGIN on line 2, COMMIT on line 4.
const V2_WITH_BEGIN: &str =
    "CREATE TABLE b (x INTEGER);\nBEGIN;\nCREATE TABLE c (y INTEGER);\nCOMMIT;\n";

#[test]
fn migrate_refuses_begin_commit_in_a_migration_on_sqlite_before_anything_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo_with_v2(dir.path(), V2_WITH_BEGIN);
    let (url, path) = sqlite_in(&dir, "demo.db");
    let err = exited(&migrate(dir.path(), &url), 2);
    assert!(err.contains("V2__second.sql, line 2: BEGIN"), "{err}");
    // Not even V1 ran.
    assert!(
        !path.exists() || sqlite_shape(&path).is_empty(),
        "{:?}",
        sqlite_shape(&path)
    );
}

#[test]
fn migrate_refuses_begin_commit_in_a_migration_on_postgres_before_anything_runs() {
    let db = crate::pg_or_skip!("migrate_refuses_begin_commit_pg");
    let dir = tempfile::tempdir().expect("tempdir");
    demo_with_v2(dir.path(), V2_WITH_BEGIN);
    let err = exited(&migrate(dir.path(), &db.url), 2);
    assert!(err.contains("V2__second.sql, line 2: BEGIN"), "{err}");
    let shape = pg_shape(&mut db.client(), "public");
    assert!(shape.is_empty(), "{shape:?}");
}

#[test]
fn validate_reports_begin_commit_in_a_migration_as_a_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo_with_v2(dir.path(), V2_WITH_BEGIN);
    let out = validate(dir.path());
    exited(&out, 1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let found: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "transaction-control")
        .collect();
    assert_eq!(found.len(), 2, "one per dialect: {v}");
    for f in found {
        assert_eq!(f["line"], 2, "{f}");
        assert!(
            f["file"]
                .as_str()
                .is_some_and(|p| p.ends_with("V2__second.sql")),
            "{f}"
        );
        assert!(
            f["message"].as_str().is_some_and(|m| m.contains("BEGIN")),
            "{f}"
        );
    }
    assert_eq!(v["schemas"][0]["stages"]["files"], "failed", "{v}");
}

#[test]
fn migrate_on_sqlite_names_the_line_of_a_syntax_error_after_other_statements() {
    // SQLite reports the offset within the rest of the text; it pointed at statement 1.
    let dir = tempfile::tempdir().expect("tempdir");
    demo_with_v2(
        dir.path(),
        "CREATE TABLE b (x INTEGER);\nCREATE TABLE c (y INTEGER);\nCREATE TABLE d (z nosuch(;\n",
    );
    let (url, _) = sqlite_in(&dir, "demo.db");
    let err = exited(&migrate(dir.path(), &url), 2);
    assert!(err.contains("V2__second.sql, line 3"), "{err}");
    assert!(err.contains("statement: CREATE TABLE d"), "{err}");
}

#[test]
fn migrate_applies_a_200k_statement_sqlite_migration_in_linear_time() {
    // Each statement used to make SQLite copy the rest of the file: this took minutes.
    // Linear, it takes about a second in a debug build; the bound only catches quadratic.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut big = String::from("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER);\n");
    for i in 0..200_000 {
        big.push_str(&format!("INSERT INTO t (a, b) VALUES ('row {i}', {i});\n"));
    }
    demo_with_v2(dir.path(), &big);
    let (url, path) = sqlite_in(&dir, "demo.db");
    let started = std::time::Instant::now();
    exited(&migrate(dir.path(), &url), 0);
    let took = started.elapsed();
    let conn = rusqlite::Connection::open(&path).expect("open");
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .expect("count");
    assert_eq!(rows, 200_000);
    assert!(took.as_secs() < 60, "migrate took {took:?}");
}
