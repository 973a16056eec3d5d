//! `migrate` and `status` against both dialects: fresh apply, no-op re-run, parity of the
//! results, concurrency, atomic failure, edited migrations, targets and dry runs.

use std::process::Output;

use crate::common::*;
use crate::pg_or_skip;

fn run(cmd: &mut assert_cmd::Command) -> Output {
    cmd.output().expect("chatdb runs")
}

fn history_count_pg(db: &PgDb, namespace: &str, schema: &str) -> i64 {
    db.client()
        .query_one(
            &format!("SELECT count(*) FROM \"{namespace}\".chatdb_history_{schema}"),
            &[],
        )
        .expect("history")
        .get(0)
}

fn history_count_sqlite(path: &std::path::Path, schema: &str) -> i64 {
    rusqlite::Connection::open(path)
        .expect("open")
        .query_row(
            &format!("SELECT count(*) FROM chatdb_history_{schema}"),
            [],
            |r| r.get(0),
        )
        .expect("history")
}

/// The GIN index on tasks.tags has no SQLite twin (declared in the SQLite file).
fn without_pg_only(mut shape: Shape) -> Shape {
    if let Some((_, idx)) = shape.get_mut("tasks") {
        idx.retain(|i| i != "idx_tasks_tags");
    }
    shape
}

fn latest_version_count(dialect: &str, schema: &str) -> i64 {
    std::fs::read_dir(format!(
        "{}/sql/{dialect}/{schema}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("sql dir")
    .count() as i64
}

#[test]
fn every_schema_migrates_to_latest_in_both_dialects_with_the_same_shape() {
    // The SQLite half first, so that it runs without a server too.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut lite_shapes = Vec::new();
    for schema in SCHEMAS {
        let (url, path) = sqlite_in(&dir, &format!("{schema}.sqlite3"));
        chatdb(dir.path())
            .args(["-d", &url, "-s", schema, "migrate"])
            .assert()
            .success();
        // A second run is a no-op.
        let again = run(chatdb(dir.path()).args(["-d", &url, "-s", schema, "migrate"]));
        assert!(again.status.success());
        assert!(
            stdout(&again).contains("already up to date"),
            "{}",
            stdout(&again)
        );
        assert_eq!(
            history_count_sqlite(&path, schema),
            latest_version_count("sqlite", schema)
        );
        lite_shapes.push(sqlite_shape(&path));
    }

    let db = pg_or_skip!("every_schema_migrates");
    for (schema, lite) in SCHEMAS.into_iter().zip(lite_shapes) {
        // Each schema in its own namespace: three of them have a `messages` table.
        chatdb(dir.path())
            .args([
                "-d",
                &db.url,
                "-s",
                schema,
                "--namespace",
                schema,
                "migrate",
            ])
            .assert()
            .success();
        let again = run(chatdb(dir.path()).args([
            "-d",
            &db.url,
            "-s",
            schema,
            "--namespace",
            schema,
            "migrate",
        ]));
        assert!(
            stdout(&again).contains("already up to date"),
            "{}",
            stdout(&again)
        );
        assert_eq!(
            history_count_pg(&db, schema, schema),
            latest_version_count("postgres", schema),
            "{schema}: each migration recorded once"
        );
        assert_eq!(
            latest_version_count("postgres", schema),
            latest_version_count("sqlite", schema)
        );

        let pg = without_pg_only(pg_shape(&mut db.client(), schema));
        assert!(!pg.is_empty());
        assert_eq!(
            pg, lite,
            "{schema}: same tables, columns and index names in both dialects"
        );
    }
    // focusmate: 37 domain tables, `user` among them.
    let shape = pg_shape(&mut db.client(), "focusmate");
    assert_eq!(shape.len(), 37);
    assert!(shape.contains_key("user"));
}

#[test]
fn status_reports_applied_and_pending_and_exit_code_flags_pending() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, _) = sqlite_in(&dir, "s.sqlite3");
    chatdb(dir.path())
        .args(["-d", &url, "migrate", "--target", "1"])
        .assert()
        .success();
    let out = run(chatdb(dir.path()).args(["-d", &url, "status", "--format", "json"]));
    assert!(
        out.status.success(),
        "without --exit-code, pending is not a failure"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["current_version"], 1);
    assert_eq!(v["pending"], 2);
    assert_eq!(v["migrations"][0]["state"], "applied");
    assert_eq!(v["migrations"][1]["state"], "pending");
    chatdb(dir.path())
        .args(["-d", &url, "status", "--exit-code"])
        .assert()
        .code(1);
    chatdb(dir.path())
        .args(["-d", &url, "migrate"])
        .assert()
        .success();
    chatdb(dir.path())
        .args(["-d", &url, "status", "--exit-code"])
        .assert()
        .code(0);
}

#[test]
fn target_applies_up_to_a_version_and_refuses_unknown_ones() {
    let db = pg_or_skip!("target_applies");
    let dir = tempfile::tempdir().expect("tempdir");
    chatdb(dir.path())
        .args(["-d", &db.url, "-s", "focusmate", "migrate", "--target", "3"])
        .assert()
        .success();
    assert_eq!(history_count_pg(&db, "public", "focusmate"), 3);
    let out = run(chatdb(dir.path()).args([
        "-d",
        &db.url,
        "-s",
        "focusmate",
        "migrate",
        "--target",
        "99",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown --target 99"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        history_count_pg(&db, "public", "focusmate"),
        3,
        "nothing changed"
    );
    chatdb(dir.path())
        .args(["-d", &db.url, "-s", "focusmate", "migrate"])
        .assert()
        .success();
    assert_eq!(history_count_pg(&db, "public", "focusmate"), 7);
    let out = run(chatdb(dir.path()).args([
        "-d",
        &db.url,
        "-s",
        "focusmate",
        "migrate",
        "--target",
        "2",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no down migrations"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn dry_run_prints_the_sql_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_in(&dir, "dry.sqlite3");
    let out = run(chatdb(dir.path()).args(["-d", &url, "-s", "classroom", "migrate", "--dry-run"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("V1__initial_schema") && text.contains("CREATE TABLE schools"),
        "{text}"
    );
    assert!(!path.exists(), "a dry run does not create the SQLite file");

    let Some(db) = PgDb::new("dry_run") else {
        return;
    };
    let out = run(chatdb(dir.path()).args([
        "-d",
        &db.url,
        "-s",
        "chat",
        "migrate",
        "--dry-run",
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["pending"].as_array().map(Vec::len), Some(3));
    let tables: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(tables, 0, "dry run created nothing");
}

fn race(url: &str, dir: &std::path::Path) {
    let children: Vec<_> = (0..6)
        .map(|_| spawn_chatdb(dir, &["-d", url, "-s", "focusmate", "migrate"]))
        .collect();
    let mut applied = 0;
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "every concurrent run exits 0: {}",
            stderr(&out)
        );
        if stdout(&out).contains("applied 7 migration") {
            applied += 1;
        }
    }
    assert_eq!(applied, 1, "exactly one run applied the migrations");
}

#[test]
fn concurrent_migrates_apply_each_migration_once_postgres() {
    let db = pg_or_skip!("concurrent_migrates");
    let dir = tempfile::tempdir().expect("tempdir");
    race(&db.url, dir.path());
    assert_eq!(history_count_pg(&db, "public", "focusmate"), 7);
}

#[test]
fn concurrent_migrates_apply_each_migration_once_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_in(&dir, "race.sqlite3");
    race(&url, dir.path());
    assert_eq!(history_count_sqlite(&path, "focusmate"), 7);
}

const GOOD_V1: &str = "-- fixture\nCREATE TABLE a (id INTEGER PRIMARY KEY, note TEXT);\n";
const BAD_V2: &str = "-- fixture: the third statement fails\nCREATE TABLE b (id INTEGER PRIMARY KEY);\nINSERT INTO a (id) VALUES (1);\n\nINSERT INTO a (id) VALUES (1);\nCREATE TABLE c (id INTEGER);\n";

fn failing_fixture(root: &std::path::Path) {
    for d in ["postgres", "sqlite"] {
        schema_dir(
            root,
            "demo",
            &[(d, "V1__init.sql", GOOD_V1), (d, "V2__more.sql", BAD_V2)],
        );
    }
}

fn assert_failure_report(out: &Output, dialect: &str) {
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(out);
    assert!(err.contains("migration V2__more failed"), "{err}");
    assert!(
        err.contains(&format!("sql/{dialect}/demo/V2__more.sql, line 5")),
        "{err}"
    );
    assert!(
        err.contains("statement: INSERT INTO a (id) VALUES (1);"),
        "{err}"
    );
    assert!(
        err.to_lowercase().contains("unique") || err.contains("duplicate key"),
        "server's message shown: {err}"
    );
}

#[test]
fn a_failing_migration_changes_nothing_and_names_file_line_statement_postgres() {
    let db = pg_or_skip!("failing_migration");
    let dir = tempfile::tempdir().expect("tempdir");
    failing_fixture(dir.path());
    let sd = dir.path().to_str().expect("utf8");
    chatdb(dir.path())
        .args([
            "-d",
            &db.url,
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "migrate",
            "--target",
            "1",
        ])
        .assert()
        .success();
    let before = pg_shape(&mut db.client(), "public");
    let out =
        run(chatdb(dir.path()).args(["-d", &db.url, "--schema-dir", sd, "-s", "demo", "migrate"]));
    assert_failure_report(&out, "postgres");
    assert_eq!(
        pg_shape(&mut db.client(), "public"),
        before,
        "no table b, no table c"
    );
    assert_eq!(history_count_pg(&db, "public", "demo"), 1);
    let rows: i64 = db
        .client()
        .query_one("SELECT count(*) FROM a", &[])
        .expect("a")
        .get(0);
    assert_eq!(rows, 0, "the insert of the failed run was rolled back");

    // From empty, a failure leaves no history table and no namespace behind.
    let out = run(chatdb(dir.path()).args([
        "-d",
        &db.url,
        "--schema-dir",
        sd,
        "-s",
        "demo",
        "--namespace",
        "fresh",
        "migrate",
    ]));
    assert_failure_report(&out, "postgres");
    let ns: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'fresh'",
            &[],
        )
        .expect("ns")
        .get(0);
    assert_eq!(ns, 0);
}

#[test]
fn a_failing_migration_changes_nothing_and_names_file_line_statement_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    failing_fixture(dir.path());
    let sd = dir.path().to_str().expect("utf8");
    let (url, path) = sqlite_in(&dir, "fail.sqlite3");
    chatdb(dir.path())
        .args([
            "-d",
            &url,
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "migrate",
            "--target",
            "1",
        ])
        .assert()
        .success();
    let before = sqlite_shape(&path);
    let out =
        run(chatdb(dir.path()).args(["-d", &url, "--schema-dir", sd, "-s", "demo", "migrate"]));
    assert_failure_report(&out, "sqlite");
    assert_eq!(sqlite_shape(&path), before);
    assert_eq!(history_count_sqlite(&path, "demo"), 1);
}

#[test]
fn an_edited_applied_migration_is_reported_by_status_and_refused_by_migrate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    for d in ["postgres", "sqlite"] {
        schema_dir(
            root,
            "demo",
            &[
                (d, "V1__init.sql", GOOD_V1),
                (d, "V2__b.sql", "CREATE TABLE b (id INTEGER);\n"),
            ],
        );
    }
    let sd = root.to_str().expect("utf8");
    let (url, path) = sqlite_in(&dir, "edit.sqlite3");
    chatdb(root)
        .args([
            "-d",
            &url,
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "migrate",
            "--target",
            "1",
        ])
        .assert()
        .success();
    // Tamper with the applied V1 (even whitespace counts), keep V2 pending.
    std::fs::write(
        root.join("sql/sqlite/demo/V1__init.sql"),
        format!("{GOOD_V1}\n"),
    )
    .expect("edit");

    let out = run(chatdb(root).args([
        "-d",
        &url,
        "--schema-dir",
        sd,
        "-s",
        "demo",
        "status",
        "--exit-code",
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("DIVERGED"), "{}", stdout(&out));

    let out = run(chatdb(root).args(["-d", &url, "--schema-dir", sd, "-s", "demo", "migrate"]));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("V1 (")
            && err.contains("V1__init.sql")
            && err.contains("changed after it was applied"),
        "{err}"
    );
    assert_eq!(history_count_sqlite(&path, "demo"), 1, "V2 was not applied");

    let Some(db) = PgDb::new("edited_migration") else {
        return;
    };
    std::fs::write(root.join("sql/postgres/demo/V1__init.sql"), GOOD_V1).expect("reset");
    chatdb(root)
        .args([
            "-d",
            &db.url,
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "migrate",
            "--target",
            "1",
        ])
        .assert()
        .success();
    std::fs::write(
        root.join("sql/postgres/demo/V1__init.sql"),
        GOOD_V1.replace("note", "body"),
    )
    .expect("edit");
    let out = run(chatdb(root).args([
        "-d",
        &db.url,
        "--schema-dir",
        sd,
        "-s",
        "demo",
        "status",
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["migrations"][0]["state"], "diverged");
    chatdb(root)
        .args(["-d", &db.url, "--schema-dir", sd, "-s", "demo", "migrate"])
        .assert()
        .code(2);
    assert_eq!(history_count_pg(&db, "public", "demo"), 1);
}

#[test]
fn namespaces_let_schemas_with_the_same_tables_share_a_database() {
    let db = pg_or_skip!("namespaces_share");
    let dir = tempfile::tempdir().expect("tempdir");
    for schema in ["chat", "classroom", "assistant"] {
        chatdb(dir.path())
            .args([
                "-d",
                &db.url,
                "-s",
                schema,
                "--namespace",
                &format!("ns_{schema}"),
                "migrate",
            ])
            .assert()
            .success();
    }
    let n: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'messages'",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(n, 3);
    // Nothing leaked into public.
    let n: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .expect("c")
        .get(0);
    assert_eq!(n, 0);
}

#[test]
fn sqlite_connections_enforce_foreign_keys() {
    // chatdb turns foreign keys on for its own connections: a cascade declared in the
    // schema must work for the rows chatdb's migrations write. Checked here through a
    // migration that deletes a parent row and asserts, in SQL, that the child went.
    let dir = tempfile::tempdir().expect("tempdir");
    let sql = "CREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id) ON DELETE CASCADE);\nCREATE INDEX c_p ON c (p);\nINSERT INTO p VALUES (1);\nINSERT INTO c VALUES (1, 1);\nDELETE FROM p;\n";
    schema_dir(dir.path(), "fk", &[("sqlite", "V1__fk.sql", sql)]);
    let (url, path) = sqlite_in(&dir, "fk.sqlite3");
    chatdb(dir.path())
        .args([
            "-d",
            &url,
            "--schema-dir",
            dir.path().to_str().expect("utf8"),
            "-s",
            "fk",
            "migrate",
        ])
        .assert()
        .success();
    let n: i64 = rusqlite::Connection::open(&path)
        .expect("open")
        .query_row("SELECT count(*) FROM c", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 0, "the cascade ran inside chatdb's migration");
}

/// Issue 11, defect 3: a migration that fails on its lock timeout while an application
/// transaction holds the table fails within about that timeout, and nothing runs a second
/// time (the old failure report replayed the run, without a lock timeout, and queued an
/// ACCESS EXCLUSIVE lock behind the application until it let go).
#[test]
fn a_lock_timeout_fails_within_the_timeout_and_nothing_is_run_twice_postgres() {
    let db = pg_or_skip!("lock_timeout_no_replay");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    schema_dir(
        root,
        "demo",
        &[
            (
                "postgres",
                "V1__init.sql",
                "CREATE TABLE t (id int);\nCREATE SEQUENCE runs;\n",
            ),
            // nextval is not transactional: it counts every execution, rolled back or not.
            (
                "postgres",
                "V2__alter.sql",
                "SELECT nextval('runs');\nALTER TABLE t ADD COLUMN x int;\n",
            ),
        ],
    );
    let sd = root.to_str().expect("utf8");
    chatdb(root)
        .args([
            "-d",
            &db.url,
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "migrate",
            "--target",
            "1",
        ])
        .assert()
        .success();

    // The application: a transaction that has read `t` and stays open.
    let mut app = db.client();
    let mut app_tx = app.transaction().expect("begin");
    app_tx.query("SELECT * FROM t", &[]).expect("read t");

    let started = std::time::Instant::now();
    let mut child = spawn_chatdb(
        root,
        &[
            "-d",
            &db.url,
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "--lock-timeout",
            "1s",
            "migrate",
            // One try, so that the run is the single one this test counts (issue 13's
            // retries are tested in tests/online.rs).
            "--ddl-retries",
            "0",
        ],
    );
    let limit = std::time::Duration::from_secs(8);
    while started.elapsed() < limit {
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let returned_in = started.elapsed();
    // Another application session reads the table: no lock of migrate's is queued before it.
    let mut reader = db.client();
    reader
        .batch_execute("SET statement_timeout = '2s'")
        .expect("set statement_timeout");
    let read = reader.query_one("SELECT count(*) FROM t", &[]);
    // Let go of the table either way, so that a stuck migrate ends and the test reports.
    app_tx.commit().expect("commit");
    let out = child.wait_with_output().expect("wait");
    assert!(
        returned_in < limit,
        "migrate returned only after the application let go ({returned_in:?}): {}",
        stderr(&out)
    );
    assert!(
        read.is_ok(),
        "an application SELECT waited behind migrate: {read:?}"
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("migration V2__alter failed"), "{err}");
    assert!(err.contains("V2__alter.sql, line 2"), "{err}");
    assert!(
        err.contains("statement: ALTER TABLE t ADD COLUMN x int;"),
        "{err}"
    );
    assert!(err.contains("55P03"), "the server's lock timeout: {err}");
    let runs: i64 = db
        .client()
        .query_one("SELECT last_value FROM runs", &[])
        .expect("runs")
        .get(0);
    assert_eq!(runs, 1, "the migration's statements ran once, not replayed");
    assert_eq!(history_count_pg(&db, "public", "demo"), 1);
}

/// A migration of many statements, sent one by one, applies whole (a `;` in a string does
/// not split a statement) and in reasonable time.
#[test]
fn a_migration_of_many_statements_applies_statement_by_statement_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let mut big = String::from("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\n");
    for i in 0..5_000 {
        big.push_str(&format!(
            "INSERT INTO t (id, v) VALUES ({i}, 'row; {i}');\n"
        ));
    }
    schema_dir(root, "demo", &[("sqlite", "V1__big.sql", &big)]);
    let sd = root.to_str().expect("utf8");
    let (url, path) = sqlite_in(&dir, "big.sqlite3");
    let started = std::time::Instant::now();
    chatdb(root)
        .args(["-d", &url, "--schema-dir", sd, "-s", "demo", "migrate"])
        .assert()
        .success();
    let took = started.elapsed();
    let n: i64 = rusqlite::Connection::open(&path)
        .expect("open")
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 5_000, "a `;` inside a string does not split a statement");
    assert!(
        took < std::time::Duration::from_secs(20),
        "5,000 statements took {took:?}"
    );
}

/// A SQLite database another connection holds: migrate waits its `--lock-timeout`, exits 3,
/// and says how long it waited (it used to say "waited 0s" whatever the wait).
#[test]
fn a_held_sqlite_database_exits_3_saying_how_long_migrate_waited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_in(&dir, "held.sqlite3");
    chatdb(dir.path())
        .args(["-d", &url, "migrate", "--target", "1"])
        .assert()
        .success();
    let holder = rusqlite::Connection::open(&path).expect("open");
    holder.execute_batch("BEGIN EXCLUSIVE").expect("hold");
    let started = std::time::Instant::now();
    let out = run(chatdb(dir.path()).args(["-d", &url, "--lock-timeout", "1s", "migrate"]));
    let took = started.elapsed();
    holder.execute_batch("ROLLBACK").expect("release");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(took >= std::time::Duration::from_millis(900), "{took:?}");
    let err = stderr(&out);
    assert!(!err.contains("waited 0s"), "{err}");
    assert!(err.contains("busy timeout 1s"), "{err}");
    let waited: f64 = err
        .split("waited ")
        .nth(1)
        .and_then(|rest| rest.split('s').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no wait time in: {err}"));
    assert!(waited >= 0.9, "{err}");
}

#[test]
fn status_gives_up_after_lock_timeout_behind_a_locked_history_table_postgres() {
    let db = pg_or_skip!("status_lock_timeout");
    let dir = tempfile::tempdir().expect("tempdir");
    chatdb(dir.path())
        .args(["-d", &db.url, "migrate", "--quiet"])
        .assert()
        .success();
    // Another session holds the history table (an ALTER or LOCK TABLE in flight).
    let mut holder = db.client();
    let holder_pid: i32 = holder
        .query_one("SELECT pg_backend_pid()", &[])
        .expect("holder pid")
        .get(0);
    let mut tx = holder.transaction().expect("begin");
    tx.batch_execute("LOCK TABLE chatdb_history_chat IN ACCESS EXCLUSIVE MODE")
        .expect("lock the history table");
    let started = std::time::Instant::now();
    // Without the lock timeout, status waits for as long as the lock is held.
    let out = wait_for(
        spawn_chatdb(
            dir.path(),
            &["-d", &db.url, "status", "--lock-timeout", "1s"],
        ),
        std::time::Duration::from_secs(30),
    );
    let waited = started.elapsed();
    tx.rollback().expect("release the lock");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("lock timeout"),
        "the message says why: {}",
        stderr(&out)
    );
    assert!(
        waited >= std::time::Duration::from_secs(1),
        "status gave up before its lock timeout ({waited:?})"
    );
    // It names the session holding the lock, as migrate does.
    assert!(
        stderr(&out).contains(&format!("held by: pid {holder_pid} "))
            && stderr(&out).contains("chatdb_history_chat AccessExclusiveLock"),
        "the message names the holder (pid {holder_pid}): {}",
        stderr(&out)
    );
}
