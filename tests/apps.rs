//! The design documents' own applications against chatdb's schemas: each document's client
//! (tests/apps/<doc>.py: its SQLAlchemy / SQLModel models and queries, verbatim where the
//! document spells them out) runs on a database the real chatdb binary migrated, through
//! asyncpg and psycopg 3 on PostgreSQL and aiosqlite on SQLite where the document names
//! SQLite. A pass proves the document's application works on the canonical schema.
//!
//! The Python packages are pinned in tests/apps/requirements.txt and installed by `.ci/run`
//! into target/apps-venv. Without them a test is skipped loudly, except under `CI=true`,
//! where it fails. CHATDB_APPS_PYTHON names another interpreter that has them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::*;
use crate::pg_or_skip;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The interpreter: CHATDB_APPS_PYTHON, else the venv `.ci/run` builds, else python3.
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("CHATDB_APPS_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = repo().join("target/apps-venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

/// Why the client packages cannot be imported, or None when they can (probed once).
fn missing_packages() -> Option<&'static str> {
    static PROBE: OnceLock<Option<String>> = OnceLock::new();
    PROBE
        .get_or_init(|| {
            let py = python();
            match Command::new(&py)
                .args([
                    "-c",
                    "import sqlalchemy, sqlmodel, asyncpg, psycopg, aiosqlite, greenlet",
                ])
                .output()
            {
                Ok(out) if out.status.success() => None,
                Ok(out) => Some(format!(
                    "{} cannot import the client packages ({})",
                    py.display(),
                    String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .last()
                        .unwrap_or("no error text")
                        .trim()
                )),
                Err(e) => Some(format!("{} does not run: {e}", py.display())),
            }
        })
        .as_deref()
}

/// True when the test may go on; prints the skip (or fails under CI=true) otherwise.
fn packages_or_skip(test: &str) -> bool {
    let Some(why) = missing_packages() else {
        return true;
    };
    let fix = "pip install -r tests/apps/requirements.txt (or run .ci/run, which builds target/apps-venv)";
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true but the document clients cannot run: {why}; {fix}");
    }
    eprintln!("\n!!! SKIPPING {test}: {why}; {fix}\n");
    false
}

/// Migrates `url` to the latest `schema` with the real binary.
fn migrate(dir: &Path, schema: &str, url: &str) {
    let out = chatdb(dir)
        .args(["-d", url, "-s", schema, "migrate"])
        .output()
        .expect("chatdb runs");
    assert!(
        out.status.success(),
        "chatdb -s {schema} migrate failed:\n{}{}",
        stdout(&out),
        stderr(&out)
    );
}

/// Runs the document's client on `url` and asserts it exits 0, showing its output if not.
fn run_client(doc: &str, url: &str) {
    let script = repo().join("tests/apps").join(format!("{doc}.py"));
    let out = Command::new(python())
        .arg(&script)
        .arg(url)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("the Python client starts");
    let text = format!(
        "--- stdout\n{}--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the {doc} document's application failed on chatdb's {doc} schema ({}):\n{text}",
        out.status
    );
    eprintln!(
        "{doc} client on {}:\n{text}",
        url.split(':').next().unwrap_or("")
    );
}

fn on_postgres(doc: &str, test: &str) {
    if !packages_or_skip(test) {
        return;
    }
    let db = pg_or_skip!(test);
    let dir = tempfile::tempdir().expect("tempdir");
    migrate(dir.path(), doc, &db.url);
    run_client(doc, &db.url);
}

#[test]
fn chat_document_app_runs_on_postgres_via_asyncpg_and_psycopg() {
    on_postgres("chat", "chat_document_app_postgres");
}

#[test]
fn chat_document_app_runs_on_sqlite_via_aiosqlite() {
    if !packages_or_skip("chat_document_app_sqlite") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = sqlite_in(&dir, "chat.sqlite3");
    // An absolute sqlite:/// URL, which chatdb and SQLAlchemy read alike.
    let url = format!(
        "sqlite:///{}",
        path.display().to_string().trim_start_matches('/')
    );
    migrate(dir.path(), "chat", &url);
    run_client("chat", &url);
}

#[test]
fn assistant_document_sqlmodel_classes_run_on_postgres_via_asyncpg_and_psycopg() {
    on_postgres("assistant", "assistant_document_app_postgres");
}

#[test]
fn classroom_document_app_runs_on_postgres_via_asyncpg_and_psycopg() {
    on_postgres("classroom", "classroom_document_app_postgres");
}

#[test]
fn focusmate_document_app_runs_on_postgres_via_asyncpg_and_psycopg() {
    on_postgres("focusmate", "focusmate_document_app_postgres");
}
