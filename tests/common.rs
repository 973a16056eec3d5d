//! Shared test helpers: the real binary with a clean environment, a PostgreSQL database
//! per test (dropped afterwards), and catalog introspection for both dialects.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The server tests use, from CHATDB_TEST_PG_URL.
pub fn pg_admin_url() -> String {
    std::env::var("CHATDB_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// The chatdb binary, run in `dir`, with no DATABASE_URL / CHATDB_* leaking in.
pub fn chatdb(dir: &Path) -> Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("chatdb"));
    clean_env(&mut cmd);
    cmd.current_dir(dir);
    Command::from_std(cmd)
}

/// The environment every chatdb a test runs gets: none of the developer's own settings.
pub fn clean_env(cmd: &mut std::process::Command) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CHATDB_") {
            cmd.env_remove(key);
        }
    }
    cmd.env_remove("DATABASE_URL")
        .env_remove("COLUMNS")
        .env("NO_COLOR", "1");
    // libpq's variables fill what a URL leaves out: none of the developer's.
    for var in [
        "PGHOST",
        "PGHOSTADDR",
        "PGPORT",
        "PGUSER",
        "PGDATABASE",
        "PGPASSWORD",
        "PGPASSFILE",
        "PGSERVICE",
        "PGSERVICEFILE",
        "PGSYSCONFDIR",
        "PGSSLMODE",
        "PGSSLROOTCERT",
        "PGSSLCERT",
        "PGSSLKEY",
        "PGAPPNAME",
        "PGCONNECT_TIMEOUT",
        "PGTARGETSESSIONATTRS",
        "PGOPTIONS",
    ] {
        cmd.env_remove(var);
    }
}

/// The chatdb binary started in the background in `dir` (the same clean environment as
/// [`chatdb`], output captured), for tests that race it or signal it.
pub fn spawn_chatdb(dir: &Path, args: &[&str]) -> std::process::Child {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("chatdb"));
    clean_env(&mut cmd);
    cmd.current_dir(dir)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn chatdb")
}

/// Waits up to `limit` for `child`; kills it and fails if it is still running.
pub fn wait_for(
    mut child: std::process::Child,
    limit: std::time::Duration,
) -> std::process::Output {
    let started = std::time::Instant::now();
    while child.try_wait().expect("try_wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// A fresh PostgreSQL database for one test, dropped when the value is dropped.
pub struct PgDb {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl PgDb {
    /// A new database named after the test. Without a server the test is skipped loudly,
    /// unless CHATDB_REQUIRE_PG=1, when it fails.
    pub fn new(test: &str) -> Option<PgDb> {
        let admin_url = pg_admin_url();
        let mut admin = match postgres::Client::connect(&admin_url, postgres::NoTls) {
            Ok(c) => c,
            Err(e) => {
                if std::env::var("CHATDB_REQUIRE_PG").as_deref() == Ok("1") {
                    panic!("CHATDB_REQUIRE_PG=1 but PostgreSQL at {admin_url} is unreachable: {e}");
                }
                eprintln!("\n!!! SKIPPING {test}: no PostgreSQL at {admin_url} ({e}); set CHATDB_REQUIRE_PG=1 to fail instead\n");
                return None;
            }
        };
        let clean: String = test
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let mut name = format!("chatdb_t_{}_{}", std::process::id(), clean);
        name.truncate(63);
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .expect("drop leftover test database");
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create test database");
        let url = with_database(&admin_url, &name);
        Some(PgDb {
            name,
            url,
            admin_url,
        })
    }

    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).expect("connect to test database")
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `url` with its database replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{db}{query}", &base[..path_start])
}

/// Skips the test (returning) when PostgreSQL is unavailable and not required.
#[macro_export]
macro_rules! pg_or_skip {
    ($name:expr) => {
        match $crate::common::PgDb::new($name) {
            Some(db) => db,
            None => return,
        }
    };
}

/// A temp dir and a SQLite URL inside it.
pub fn sqlite_in(dir: &tempfile::TempDir, file: &str) -> (String, PathBuf) {
    let path = dir.path().join(file);
    (format!("sqlite://{}", path.display()), path)
}

/// table -> (sorted columns, sorted explicitly created index names)
pub type Shape = BTreeMap<String, (Vec<String>, Vec<String>)>;

pub fn pg_shape(client: &mut postgres::Client, namespace: &str) -> Shape {
    let mut shape = Shape::new();
    for row in client
        .query(
            "SELECT c.relname::text, a.attname::text FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
               AND c.relname NOT LIKE 'chatdb_history_%' ORDER BY 1, 2",
            &[&namespace],
        )
        .expect("columns")
    {
        shape.entry(row.get(0)).or_default().0.push(row.get(1));
    }
    for row in client
        .query(
            "SELECT t.relname::text, i.relname::text FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
             JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
             WHERE n.nspname = $1 AND t.relname NOT LIKE 'chatdb_history_%'
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
             ORDER BY 1, 2",
            &[&namespace],
        )
        .expect("indexes")
    {
        shape.entry(row.get(0)).or_default().1.push(row.get(1));
    }
    shape
}

pub fn sqlite_shape(path: &Path) -> Shape {
    let conn = rusqlite::Connection::open(path).expect("open sqlite");
    let mut shape = Shape::new();
    let mut stmt = conn
        .prepare(
            "SELECT m.name, p.name FROM sqlite_schema m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'chatdb_history_%' ORDER BY 1, 2",
        )
        .expect("prepare");
    for row in stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .expect("query")
    {
        let (t, c) = row.expect("row");
        shape.entry(t).or_default().0.push(c);
    }
    let mut stmt = conn
        .prepare(
            "SELECT tbl_name, name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'
               AND tbl_name NOT LIKE 'chatdb_history_%' ORDER BY 1, 2",
        )
        .expect("prepare");
    for row in stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .expect("query")
    {
        let (t, i) = row.expect("row");
        shape.entry(t).or_default().1.push(i);
    }
    shape
}

pub const SCHEMAS: [&str; 4] = ["chat", "focusmate", "classroom", "assistant"];

/// Writes a --schema-dir fixture: `files` are (dialect, file name, sql).
pub fn schema_dir(root: &Path, schema: &str, files: &[(&str, &str, &str)]) -> PathBuf {
    for (dialect, name, sql) in files {
        let dir = root.join("sql").join(dialect).join(schema);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join(name), sql).expect("write fixture");
    }
    root.to_path_buf()
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Writes `text` to `root/relative`, creating the directories.
pub fn write_file(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write fixture file");
}

/// The rule ids of a `validate --format json` run's findings, sorted and deduplicated.
pub fn validate_rules(out: &std::process::Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "validate printed no JSON ({e}): {}{}",
            stdout(out),
            stderr(out)
        )
    });
    let mut rules: Vec<String> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
        .collect();
    rules.sort();
    rules.dedup();
    rules
}

/// The statements of a fix that `check` or `adopt` printed, as a DBA's client sends them:
/// comment lines dropped, each statement ending at the line that ends with `;`.
pub fn fix_statements(fix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in fix.lines().filter(|l| !l.trim_start().starts_with("--")) {
        current.push_str(line);
        current.push('\n');
        if line.trim_end().ends_with(';') {
            out.push(std::mem::take(&mut current));
        }
    }
    out
}

/// Runs the fixes of `findings` (a report's `findings` or `differences`), in report order,
/// the way a DBA runs the fix script: `exec` gets each fix. Returns how many ran.
pub fn run_fixes(findings: &serde_json::Value, exec: &mut dyn FnMut(&str)) -> usize {
    let mut n = 0;
    for f in findings.as_array().expect("findings array") {
        if let Some(fix) = f["fix"].as_str() {
            exec(fix);
            n += 1;
        }
    }
    n
}

/// A PostgreSQL fix, statement by statement, outside a transaction.
pub fn pg_fix(client: &mut postgres::Client) -> impl FnMut(&str) + '_ {
    move |fix| {
        for s in fix_statements(fix) {
            client
                .batch_execute(&s)
                .unwrap_or_else(|e| panic!("fix statement fails: {s}: {e:?}"));
        }
    }
}
