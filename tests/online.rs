//! Migrations on big, live PostgreSQL tables (issue 13): a no-transaction migration builds
//! an index concurrently while an application writes; a DDL statement behind a long
//! application transaction times out, is tried again and never holds the writer up past
//! its lock timeout; a killed concurrent build is reported by `status` and finished by
//! the next `migrate`; the groups a run commits, in `--dry-run` and in the report.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{chatdb, schema_dir, spawn_chatdb, stderr, stdout, PgDb};
use crate::pg_or_skip;

const V1: &str =
    "CREATE TABLE messages (id bigserial PRIMARY KEY, room_id int NOT NULL, body text NOT NULL);\n";
const CIC: &str = "-- chatdb:no-transaction\n-- built while the application writes\nCREATE INDEX CONCURRENTLY IF NOT EXISTS messages_room ON messages (room_id);\n";

/// A schema dir `demo` with `files` for PostgreSQL (and plain twins for SQLite).
fn fixture(root: &std::path::Path, files: &[(&str, &str)]) -> String {
    for (name, sql) in files {
        schema_dir(root, "demo", &[("postgres", name, sql)]);
    }
    root.to_str().expect("utf8").to_string()
}

fn migrate_to_1_and_fill(db: &PgDb, root: &std::path::Path, sd: &str, rows: i64) {
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
    db.client()
        .execute(
            "INSERT INTO messages (room_id, body) SELECT g % 1000, 'message ' || g FROM generate_series(1, $1::int8) g",
            &[&rows],
        )
        .expect("fill messages");
}

/// An application writing to `messages` in short transactions until stopped; returns its
/// longest single INSERT and how many it made.
struct Writer {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<(Duration, u64)>,
}

impl Writer {
    fn start(db: &PgDb) -> Writer {
        let mut client = db.client();
        client
            .batch_execute("SET application_name = 'writer'; SET statement_timeout = '60s'")
            .expect("writer settings");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let (mut longest, mut n) = (Duration::ZERO, 0u64);
            while !flag.load(Ordering::Relaxed) {
                let t = Instant::now();
                client
                    .execute(
                        "INSERT INTO messages (room_id, body) VALUES (7, 'live')",
                        &[],
                    )
                    .expect("application insert");
                longest = longest.max(t.elapsed());
                n += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            (longest, n)
        });
        Writer { stop, handle }
    }

    fn finish(self) -> (Duration, u64) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().expect("writer thread")
    }
}

fn index_state(db: &PgDb, name: &str) -> Option<bool> {
    db.client()
        .query_opt(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)",
            &[&name],
        )
        .expect("pg_index")
        .map(|r| r.get(0))
}

fn history(db: &PgDb) -> i64 {
    db.client()
        .query_one("SELECT count(*) FROM chatdb_history_demo", &[])
        .expect("history")
        .get(0)
}

#[test]
fn a_no_transaction_migration_builds_an_index_concurrently_without_blocking_the_writer_postgres() {
    let db = pg_or_skip!("online_cic_writer");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let sd = fixture(root, &[("V1__init.sql", V1), ("V2__room_index.sql", CIC)]);
    migrate_to_1_and_fill(&db, root, &sd, 1_000_000);

    let writer = Writer::start(&db);
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let out = chatdb(root)
        .args([
            "-d",
            &db.url,
            "--schema-dir",
            &sd,
            "-s",
            "demo",
            "migrate",
            "--ddl-lock-timeout",
            "1s",
        ])
        .output()
        .expect("run");
    let took = started.elapsed();
    let (longest, inserts) = writer.finish();
    eprintln!("measured: longest application INSERT {longest:?} over {inserts} inserts");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("V2 outside a transaction"),
        "the report names the group: {}",
        stdout(&out)
    );
    assert_eq!(
        index_state(&db, "messages_room"),
        Some(true),
        "built and valid"
    );
    assert_eq!(
        history(&db),
        2,
        "the history row is written after the last statement"
    );
    assert!(
        inserts > 10,
        "the application wrote throughout ({inserts} inserts in {took:?})"
    );
    assert!(
        longest < Duration::from_secs(2),
        "an application INSERT waited {longest:?} during a {took:?} concurrent build"
    );
    // refinery and status agree on the row chatdb wrote.
    let out = chatdb(root)
        .args([
            "-d",
            &db.url,
            "--schema-dir",
            &sd,
            "-s",
            "demo",
            "status",
            "--exit-code",
        ])
        .output()
        .expect("status");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let out = chatdb(root)
        .args(["-d", &db.url, "--schema-dir", &sd, "-s", "demo", "migrate"])
        .output()
        .expect("migrate again");
    assert!(
        stdout(&out).contains("already up to date"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn ddl_behind_a_long_transaction_times_out_retries_and_never_blocks_the_writer_past_the_limit_postgres(
) {
    let db = pg_or_skip!("online_ddl_retry");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let sd = fixture(
        root,
        &[
            ("V1__init.sql", V1),
            (
                "V2__add_column.sql",
                "ALTER TABLE messages ADD COLUMN edited_at timestamptz;\n",
            ),
            ("V3__room_index.sql", CIC),
        ],
    );
    migrate_to_1_and_fill(&db, root, &sd, 1_000_000);

    // The application's long transaction: it writes to `messages` and stays open 4 s.
    let mut long = db.client();
    long.batch_execute("SET application_name = 'long_report'")
        .expect("name");
    let long_pid: i32 = long
        .query_one("SELECT pg_backend_pid()", &[])
        .expect("pid")
        .get(0);
    let holder = std::thread::spawn(move || {
        let mut tx = long.transaction().expect("begin");
        for _ in 0..8 {
            tx.execute(
                "INSERT INTO messages (room_id, body) VALUES (1, 'report')",
                &[],
            )
            .expect("the long transaction writes");
            std::thread::sleep(Duration::from_millis(500));
        }
        tx.commit().expect("commit");
    });
    let writer = Writer::start(&db);
    std::thread::sleep(Duration::from_millis(300));
    let limit = Duration::from_secs(1);
    let out = chatdb(root)
        .args([
            "-d",
            &db.url,
            "--schema-dir",
            &sd,
            "-s",
            "demo",
            "migrate",
            "--ddl-lock-timeout",
            "1s",
            "--ddl-retries",
            "8",
        ])
        .output()
        .expect("run");
    let (longest, inserts) = writer.finish();
    eprintln!("measured: longest application INSERT {longest:?} over {inserts} inserts");
    holder.join().expect("holder");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("V2__add_column.sql, line 1: lock not had within 1s (try 1 of 9)"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "held by pid {long_pid} (application_name `long_report`, transaction open"
        )),
        "each try names the holder: {err}"
    );
    assert!(
        err.lines().all(|l| l.starts_with("chatdb: ")),
        "one line per try: {err}"
    );
    assert!(inserts > 10, "the application wrote throughout");
    assert!(
        longest < limit + Duration::from_secs(1),
        "an application INSERT waited {longest:?}, more than the lock timeout plus one second"
    );
    let cols: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'messages' AND column_name = 'edited_at'",
            &[],
        )
        .expect("columns")
        .get(0);
    assert_eq!(cols, 1);
    assert_eq!(index_state(&db, "messages_room"), Some(true));
    assert_eq!(history(&db), 3);
}

#[test]
fn ddl_that_never_gets_its_lock_fails_after_its_tries_with_nothing_half_done_postgres() {
    let db = pg_or_skip!("online_ddl_gives_up");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let sd = fixture(
        root,
        &[
            ("V1__init.sql", V1),
            (
                "V2__two.sql",
                "CREATE TABLE other (id int);\nALTER TABLE messages ADD COLUMN x int;\n",
            ),
        ],
    );
    migrate_to_1_and_fill(&db, root, &sd, 10);
    let mut app = db.client();
    let mut tx = app.transaction().expect("begin");
    tx.query("SELECT * FROM messages", &[]).expect("read");
    let started = Instant::now();
    let out = chatdb(root)
        .args([
            "-d",
            &db.url,
            "--schema-dir",
            &sd,
            "-s",
            "demo",
            "migrate",
            "--ddl-lock-timeout",
            "300ms",
            "--ddl-retries",
            "2",
        ])
        .output()
        .expect("run");
    let took = started.elapsed();
    tx.commit().expect("commit");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.matches("lock not had within 300ms").count(), 3, "{err}");
    assert!(
        err.contains("try 3 of 3") && err.contains("giving up"),
        "{err}"
    );
    assert!(err.contains("tries:     3, each rolled back"), "{err}");
    assert!(took < Duration::from_secs(6), "bounded: {took:?}");
    let other: bool = db
        .client()
        .query_one("SELECT to_regclass('other') IS NOT NULL", &[])
        .expect("regclass")
        .get(0);
    assert!(!other, "nothing of the migration is left");
    assert_eq!(history(&db), 1);
}

#[test]
fn a_killed_concurrent_build_is_reported_by_status_and_rebuilt_by_the_next_migrate_postgres() {
    let db = pg_or_skip!("online_killed_cic");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let sd = fixture(root, &[("V1__init.sql", V1), ("V2__room_index.sql", CIC)]);
    migrate_to_1_and_fill(&db, root, &sd, 1_000_000);
    let writer = Writer::start(&db);

    // A transaction that stays open keeps the concurrent build waiting, with its INVALID
    // index already in the catalog: the build is killed there.
    let mut app = db.client();
    let mut tx = app.transaction().expect("begin");
    tx.query("SELECT count(*) FROM messages", &[])
        .expect("read");
    let mut child = spawn_chatdb(
        root,
        &[
            "-d",
            &db.url,
            "--schema-dir",
            &sd,
            "-s",
            "demo",
            "migrate",
            "--ddl-lock-timeout",
            "60s",
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while index_state(&db, "messages_room") != Some(false) {
        assert!(Instant::now() < deadline, "the build never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    // The server notices the dead client (client_connection_check_interval) and cancels.
    let gone = Instant::now() + Duration::from_secs(10);
    loop {
        let n: i64 = db
            .client()
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'chatdb'",
                &[],
            )
            .expect("activity")
            .get(0);
        if n == 0 {
            break;
        }
        assert!(
            Instant::now() < gone,
            "the killed run's statement is still running"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    tx.commit().expect("commit");
    assert_eq!(
        index_state(&db, "messages_room"),
        Some(false),
        "left INVALID"
    );

    let out = chatdb(root)
        .args(["-d", &db.url, "--schema-dir", &sd, "-s", "demo", "status"])
        .output()
        .expect("status");
    let text = stdout(&out);
    assert!(text.contains("PARTLY APPLIED"), "{text}");
    assert!(
        text.contains("index messages_room is INVALID; run `chatdb migrate` to finish it"),
        "{text}"
    );
    let out = chatdb(root)
        .args([
            "-d",
            &db.url,
            "--schema-dir",
            &sd,
            "-s",
            "demo",
            "status",
            "--format",
            "json",
        ])
        .output()
        .expect("status json");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["migrations"][1]["state"], "partly_applied");
    assert_eq!(v["pending"], 1);

    let out = chatdb(root)
        .args(["-d", &db.url, "--schema-dir", &sd, "-s", "demo", "migrate"])
        .output()
        .expect("migrate again");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("index messages_room is INVALID (left by a failed or interrupted CONCURRENTLY build): dropping it"),
        "{}",
        stderr(&out)
    );
    assert_eq!(index_state(&db, "messages_room"), Some(true));
    let invalid: i64 = db
        .client()
        .query_one("SELECT count(*) FROM pg_index WHERE NOT indisvalid", &[])
        .expect("invalid")
        .get(0);
    assert_eq!(invalid, 0, "no INVALID index is left");
    assert_eq!(history(&db), 2);
    let (longest, inserts) = writer.finish();
    eprintln!("measured: longest application INSERT {longest:?} over {inserts} inserts");
    assert!(inserts > 10, "the application wrote throughout");
    assert!(
        longest < Duration::from_secs(2),
        "an application INSERT waited {longest:?} while the build was killed and redone"
    );
}

#[test]
fn groups_are_shown_by_dry_run_and_a_failed_no_transaction_step_says_what_committed_postgres() {
    let db = pg_or_skip!("online_groups");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let bad = "-- chatdb:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS messages_room ON messages (room_id);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS messages_nope ON messages (nope);\n";
    let sd = fixture(
        root,
        &[
            ("V1__init.sql", V1),
            ("V2__col.sql", "ALTER TABLE messages ADD COLUMN x int;\n"),
            ("V3__idx.sql", bad),
            ("V4__after.sql", "ALTER TABLE messages ADD COLUMN y int;\n"),
        ],
    );
    let out = chatdb(root)
        .args([
            "-d",
            &db.url,
            "--schema-dir",
            &sd,
            "-s",
            "demo",
            "migrate",
            "--dry-run",
            "--format",
            "json",
        ])
        .output()
        .expect("dry run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v["groups"],
        serde_json::json!([
            {"versions": [1, 2], "transaction": true},
            {"versions": [3], "transaction": false},
            {"versions": [4], "transaction": true}
        ])
    );
    let out = chatdb(root)
        .args([
            "-d",
            &db.url,
            "--schema-dir",
            &sd,
            "-s",
            "demo",
            "migrate",
            "--dry-run",
        ])
        .output()
        .expect("dry run");
    let text = stdout(&out);
    assert!(text.contains("in 3 groups"), "{text}");
    // Each group's header, then its migrations' SQL, in the order they would commit.
    let order: Vec<Option<usize>> = [
        "-- group 1: V1, V2 in one transaction",
        "-- V1__init",
        "-- V2__col",
        "-- group 2: V3 outside a transaction (-- chatdb:no-transaction), statement by statement",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS messages_nope",
        "-- group 3: V4 in one transaction",
        "ADD COLUMN y int",
    ]
    .iter()
    .map(|part| text.find(part))
    .collect();
    assert!(order.iter().all(Option::is_some), "{order:?}\n{text}");
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}\n{text}");
    let tables: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .expect("tables")
        .get(0);
    assert_eq!(tables, 0, "the dry runs changed nothing");

    let out = chatdb(root)
        .args(["-d", &db.url, "--schema-dir", &sd, "-s", "demo", "migrate"])
        .output()
        .expect("migrate");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("migration V3__idx failed outside a transaction"),
        "{err}"
    );
    assert!(err.contains("V3__idx.sql, line 3"), "{err}");
    assert!(err.contains("committed: V1, V2"), "{err}");
    assert_eq!(history(&db), 2, "V1 and V2 committed; V3 is not recorded");
    assert_eq!(
        index_state(&db, "messages_room"),
        Some(true),
        "line 2 took effect"
    );
    let y: bool = db
        .client()
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE column_name = 'y')",
            &[],
        )
        .expect("y")
        .get(0);
    assert!(!y, "the group after the failure did not run");
}

#[test]
fn sqlite_accepts_the_marker_and_runs_the_file_in_the_one_transaction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    schema_dir(
        root,
        "demo",
        &[
            (
                "sqlite",
                "V1__init.sql",
                "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER);\n",
            ),
            (
                "sqlite",
                "V2__idx.sql",
                "-- chatdb:no-transaction\nCREATE INDEX IF NOT EXISTS t_a ON t (a);\n",
            ),
        ],
    );
    let sd = root.to_str().expect("utf8");
    let (url, _path) = crate::common::sqlite_in(&dir, "nt.sqlite3");
    let out = chatdb(root)
        .args([
            "-d",
            &url,
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "migrate",
            "--dry-run",
            "--format",
            "json",
        ])
        .output()
        .expect("dry run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v["groups"],
        serde_json::json!([{"versions": [1, 2], "transaction": true}])
    );
    let out = chatdb(root)
        .args(["-d", &url, "--schema-dir", sd, "-s", "demo", "migrate"])
        .output()
        .expect("migrate");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("in one transaction"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn new_writes_the_next_versions_twins_in_a_schema_dir_and_refuses_the_embedded_schemas() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let out = chatdb(root)
        .args(["-s", "chat", "new", "add_x"])
        .output()
        .expect("new");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("embedded canonical schemas are read-only"),
        "{}",
        stderr(&out)
    );

    schema_dir(
        root,
        "demo",
        &[
            (
                "postgres",
                "V1__init.sql",
                "CREATE TABLE t (id int, a int);\n",
            ),
            (
                "sqlite",
                "V1__init.sql",
                "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER);\n",
            ),
            (
                "sqlite",
                "V2__more.sql",
                "ALTER TABLE t ADD COLUMN b INTEGER;\n",
            ),
        ],
    );
    let sd = root.to_str().expect("utf8");
    let out = chatdb(root)
        .args([
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "new",
            "room_index",
            "--no-transaction",
        ])
        .output()
        .expect("new");
    assert!(out.status.success(), "{}", stderr(&out));
    for d in ["postgres", "sqlite"] {
        let path = root.join(format!("sql/{d}/demo/V3__room_index.sql"));
        let text = std::fs::read_to_string(&path).expect("written");
        assert!(text.starts_with("-- chatdb:no-transaction\n"), "{text}");
        assert!(text.contains("Its twin is sql/"), "{text}");
    }
    let again = chatdb(root)
        .args(["--schema-dir", sd, "-s", "demo", "new", "room_index"])
        .output()
        .expect("new");
    assert!(
        again.status.success(),
        "V4 is the next free version: {}",
        stderr(&again)
    );
    assert!(root.join("sql/postgres/demo/V4__room_index.sql").exists());
    let out = chatdb(root)
        .args(["--schema-dir", sd, "-s", "demo", "new", "Bad-Name"])
        .output()
        .expect("new");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("snake_case"), "{}", stderr(&out));
    // The written files apply: comments only, and the rebuild template on SQLite.
    let out = chatdb(root)
        .args([
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "new",
            "rebuild_t",
            "--sqlite-rebuild",
            "t",
        ])
        .output()
        .expect("new");
    assert!(out.status.success(), "{}", stderr(&out));
    let (url, _) = crate::common::sqlite_in(&dir, "new.sqlite3");
    let out = chatdb(root)
        .args(["-d", &url, "--schema-dir", sd, "-s", "demo", "migrate"])
        .output()
        .expect("migrate");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("applied 5 migration(s)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn validate_and_check_build_a_no_transaction_migration_in_their_scratch_transaction_postgres() {
    let db = pg_or_skip!("online_scratch");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    schema_dir(
        root,
        "demo",
        &[
            (
                "postgres",
                "V1__init.sql",
                "CREATE TABLE messages (id bigint PRIMARY KEY, room_id int NOT NULL, body text NOT NULL);\n",
            ),
            ("postgres", "V2__room_index.sql", CIC),
            (
                "sqlite",
                "V1__init.sql",
                "CREATE TABLE messages (id INTEGER PRIMARY KEY, room_id INTEGER NOT NULL, body TEXT NOT NULL);\n",
            ),
            (
                "sqlite",
                "V2__room_index.sql",
                "-- chatdb:no-transaction\nCREATE INDEX IF NOT EXISTS messages_room ON messages (room_id);\n",
            ),
        ],
    );
    let sd = root.to_str().expect("utf8");
    chatdb(root)
        .args([
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "validate",
            "--update-lock",
        ])
        .assert()
        .success();
    let out = chatdb(root)
        .args(["-d", &db.url, "--schema-dir", sd, "-s", "demo", "validate"])
        .output()
        .expect("validate");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    chatdb(root)
        .args(["-d", &db.url, "--schema-dir", sd, "-s", "demo", "migrate"])
        .assert()
        .success();
    let out = chatdb(root)
        .args([
            "-d",
            &db.url,
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "check",
            "--format",
            "json",
        ])
        .output()
        .expect("check");
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(
        !rules.contains(&"missing-index"),
        "the concurrently built index is expected and present: {rules:?}"
    );
}

#[test]
fn validate_requires_the_statements_of_a_no_transaction_migration_to_be_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let twin = |sql: &str| sql.replace(" CONCURRENTLY", "");
    let unsafe_v2 = "-- chatdb:no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n";
    schema_dir(
        root,
        "demo",
        &[
            (
                "postgres",
                "V1__init.sql",
                "CREATE TABLE t (id bigint PRIMARY KEY, a int);\n",
            ),
            (
                "sqlite",
                "V1__init.sql",
                "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER);\n",
            ),
            ("postgres", "V2__idx.sql", unsafe_v2),
            ("sqlite", "V2__idx.sql", &twin(unsafe_v2)),
        ],
    );
    let sd = root.to_str().expect("utf8");
    chatdb(root)
        .args([
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "validate",
            "--update-lock",
        ])
        .output()
        .expect("lock");
    let out = chatdb(root)
        .args([
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "validate",
            "--format",
            "json",
        ])
        .output()
        .expect("validate");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        crate::common::validate_rules(&out).contains(&"no-transaction-idempotent".to_string()),
        "{}",
        stdout(&out)
    );
    let safe_v2 =
        "-- chatdb:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);\n";
    schema_dir(
        root,
        "demo",
        &[
            ("postgres", "V2__idx.sql", safe_v2),
            ("sqlite", "V2__idx.sql", &twin(safe_v2)),
        ],
    );
    chatdb(root)
        .args([
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "validate",
            "--update-lock",
        ])
        .output()
        .expect("lock");
    let out = chatdb(root)
        .args([
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "validate",
            "--format",
            "json",
        ])
        .output()
        .expect("validate");
    assert!(
        !crate::common::validate_rules(&out).contains(&"no-transaction-idempotent".to_string()),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_concurrent_build_that_never_gets_its_lock_fails_clearly_and_the_next_run_rebuilds_it_postgres()
{
    let db = pg_or_skip!("online_cic_gives_up");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let sd = fixture(root, &[("V1__init.sql", V1), ("V2__room_index.sql", CIC)]);
    migrate_to_1_and_fill(&db, root, &sd, 1000);
    let mut app = db.client();
    let mut tx = app.transaction().expect("begin");
    tx.query("SELECT count(*) FROM messages", &[])
        .expect("read");
    let out = chatdb(root)
        .args([
            "-d",
            &db.url,
            "--schema-dir",
            &sd,
            "-s",
            "demo",
            "migrate",
            "--ddl-lock-timeout",
            "300ms",
            "--ddl-retries",
            "1",
        ])
        .output()
        .expect("run");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("V2__room_index.sql, line 3: lock not had within 300ms (try 2 of 2)"),
        "{err}"
    );
    assert!(
        err.contains("migration V2__room_index failed outside a transaction"),
        "{err}"
    );
    assert!(
        err.contains("INVALID index messages_room"),
        "says what the build left: {err}"
    );
    assert_eq!(history(&db), 1);
    tx.commit().expect("commit");
    let out = chatdb(root)
        .args(["-d", &db.url, "--schema-dir", &sd, "-s", "demo", "migrate"])
        .output()
        .expect("run again");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(index_state(&db, "messages_room"), Some(true));
    assert_eq!(history(&db), 2);
}

#[test]
fn check_writes_its_fixes_as_a_no_transaction_migration_that_migrate_applies_postgres() {
    let db = pg_or_skip!("online_write_migration");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    schema_dir(
        root,
        "demo",
        &[
            (
                "postgres",
                "V1__init.sql",
                "CREATE TABLE t (id bigint PRIMARY KEY, a int);\nCREATE INDEX t_a ON t (a);\n",
            ),
            (
                "sqlite",
                "V1__init.sql",
                "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER);\nCREATE INDEX t_a ON t (a);\n",
            ),
        ],
    );
    let sd = root.to_str().expect("utf8");
    chatdb(root)
        .args(["-d", &db.url, "--schema-dir", sd, "-s", "demo", "migrate"])
        .assert()
        .success();
    db.client()
        .batch_execute("DROP INDEX t_a")
        .expect("lose the index");
    let (lite, _) = crate::common::sqlite_in(&dir, "chat.sqlite3");
    chatdb(root)
        .args(["-d", &lite, "-s", "chat", "migrate"])
        .assert()
        .success();
    let out = chatdb(root)
        .args(["-d", &lite, "-s", "chat", "check", "--write-migration", "x"])
        .output()
        .expect("check");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--write-migration writes into a schema dir"),
        "{}",
        stderr(&out)
    );
    let out = chatdb(root)
        .args([
            "-d",
            &db.url,
            "--schema-dir",
            sd,
            "-s",
            "demo",
            "check",
            "--format",
            "json",
            "--write-migration",
            "restore_indexes",
        ])
        .output()
        .expect("check");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout stays JSON");
    assert!(v["findings"].as_array().is_some_and(|f| !f.is_empty()));
    let written = std::fs::read_to_string(root.join("sql/postgres/demo/V2__restore_indexes.sql"))
        .expect("written");
    assert!(
        written.starts_with("-- chatdb:no-transaction\n"),
        "{written}"
    );
    assert!(
        written.contains("CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t USING btree (a);"),
        "{written}"
    );
    assert!(
        root.join("sql/sqlite/demo/V2__restore_indexes.sql")
            .exists(),
        "its twin"
    );
    let out = chatdb(root)
        .args(["-d", &db.url, "--schema-dir", sd, "-s", "demo", "migrate"])
        .output()
        .expect("migrate");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        index_state(&db, "t_a"),
        Some(true),
        "the written migration rebuilt it"
    );
}

/// A dropped column that an index is built on, and a dropped unique constraint:
/// `--write-migration` writes the column's transactional fix first, the indexes'
/// no-transaction builds after it, then the constraint made from its index, so migrate
/// applies them in that order (the index before the column fails: no column a).
#[test]
fn check_writes_a_missing_columns_fix_before_the_index_built_on_it_postgres() {
    let db = pg_or_skip!("online_write_order");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    schema_dir(
        root,
        "demo",
        &[
            (
                "postgres",
                "V1__init.sql",
                "CREATE TABLE t (id bigint PRIMARY KEY, a int, b int CONSTRAINT t_b_key UNIQUE);\nCREATE INDEX t_a ON t (a);\n",
            ),
            (
                "sqlite",
                "V1__init.sql",
                "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER CONSTRAINT t_b_key UNIQUE);\nCREATE INDEX t_a ON t (a);\n",
            ),
        ],
    );
    let sd = root.to_str().expect("utf8");
    let global = ["-d", &db.url, "--schema-dir", sd, "-s", "demo"];
    chatdb(root).args(global).arg("migrate").assert().success();
    db.client()
        .batch_execute("ALTER TABLE t DROP COLUMN a; ALTER TABLE t DROP CONSTRAINT t_b_key")
        .expect("drop the column (and its index) and the unique constraint");
    let out = chatdb(root)
        .args(global)
        .args(["check", "--write-migration", "restore_a"])
        .output()
        .expect("check");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let read = |file: &str| {
        std::fs::read_to_string(root.join("sql/postgres/demo").join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}\n{}", stderr(&out)))
    };
    let column = read("V2__restore_a.sql");
    assert!(!column.starts_with("-- chatdb:no-transaction"), "{column}");
    assert!(column.contains("ADD COLUMN a integer"), "{column}");
    let index = read("V3__restore_a_indexes.sql");
    assert!(index.starts_with("-- chatdb:no-transaction\n"), "{index}");
    assert!(
        index.contains("CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t USING btree (a);"),
        "{index}"
    );
    let constraint = read("V4__restore_a_constraints.sql");
    assert!(
        !constraint.starts_with("-- chatdb:no-transaction")
            && constraint.contains("ADD CONSTRAINT t_b_key UNIQUE USING INDEX t_b_key;"),
        "the constraint is made from its index after the index is built:\n{constraint}"
    );
    let out = chatdb(root)
        .args(global)
        .arg("migrate")
        .output()
        .expect("migrate");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(index_state(&db, "t_a"), Some(true));
    assert_eq!(history(&db), 4);
    let column: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a'",
            &[],
        )
        .expect("columns")
        .get(0);
    assert_eq!(column, 1, "the column is back, and its index on it");
    let unique: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_constraint WHERE conname = 't_b_key' AND contype = 'u'",
            &[],
        )
        .expect("pg_constraint")
        .get(0);
    assert_eq!(unique, 1, "the unique constraint is back");
}

/// The canonical schema `schema` (its migrations in both dialects, manifest and lock)
/// copied into `root`, as a `--schema-dir` that `chatdb new` may write into.
fn canonical_copy(root: &std::path::Path, schema: &str) {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dialect in ["postgres", "sqlite"] {
        let from = repo.join("sql").join(dialect).join(schema);
        let to = root.join("sql").join(dialect).join(schema);
        std::fs::create_dir_all(&to).expect("mkdir");
        for entry in std::fs::read_dir(&from).expect("canonical migrations") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy migration");
        }
    }
    std::fs::create_dir_all(root.join("schemas")).expect("mkdir");
    for ext in ["toml", "lock"] {
        std::fs::copy(
            repo.join(format!("schemas/{schema}.{ext}")),
            root.join(format!("schemas/{schema}.{ext}")),
        )
        .expect("copy manifest");
    }
}

fn sqlite_count(path: &std::path::Path, sql: &str) -> i64 {
    rusqlite::Connection::open(path)
        .expect("open")
        .query_row(sql, [], |r| r.get(0))
        .expect(sql)
}

#[test]
fn the_sqlite_rebuild_template_for_a_canonical_table_keeps_its_rows_and_foreign_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    canonical_copy(root, "chat");
    let (url, path) = crate::common::sqlite_in(&dir, "chat.sqlite3");
    let run = |args: &[&str]| {
        chatdb(root)
            .args(["-d", &url, "--schema-dir", ".", "-s", "chat"])
            .args(args)
            .output()
            .expect("runs")
    };
    assert!(run(&["migrate"]).status.success());
    let out = run(&["seed", "--scale", "0.001"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let counts = || {
        (
            sqlite_count(&path, "SELECT count(*) FROM messages"),
            sqlite_count(&path, "SELECT count(*) FROM message_reads"),
        )
    };
    let before = counts();
    assert!(before.0 > 0 && before.1 > 0, "{before:?}");
    let shape = crate::common::sqlite_shape(&path);

    // messages is referenced by message_reads ON DELETE CASCADE: with foreign keys on,
    // the DROP TABLE of a rebuild would delete every read receipt.
    let out = run(&["new", "rebuild_messages", "--sqlite-rebuild", "messages"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = root.join("sql/sqlite/chat/V4__rebuild_messages.sql");
    let sql = std::fs::read_to_string(&file).expect("written");
    for part in [
        "-- chatdb:foreign-keys-off",
        "CREATE TABLE \"messages_new\" (",
        "INSERT INTO \"messages_new\" (\"id\", \"room_id\", \"sender_id\", \"content\", \"created_at\")",
        "DROP TABLE \"messages\";",
        "ALTER TABLE \"messages_new\" RENAME TO \"messages\";",
        "CREATE INDEX idx_messages_room ON messages (room_id, created_at DESC);",
    ] {
        assert!(sql.contains(part), "{part}:\n{sql}");
    }
    let out = chatdb(root)
        .args([
            "--schema-dir",
            ".",
            "-s",
            "chat",
            "validate",
            "--update-lock",
        ])
        .output()
        .expect("validate");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));

    // A rebuild that loses rows other tables reference is refused before it commits.
    std::fs::write(
        &file,
        sql.replace(
            "FROM \"messages\";",
            "FROM \"messages\" WHERE rowid % 2 = 0;",
        ),
    )
    .expect("edit");
    let out = run(&["migrate"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("left rows that violate foreign keys"), "{err}");
    assert!(
        err.contains("of message_reads reference missing messages rows"),
        "{err}"
    );
    assert_eq!(counts(), before, "nothing of the failed rebuild stays");
    assert_eq!(
        sqlite_count(&path, "SELECT max(version) FROM chatdb_history_chat"),
        3
    );

    std::fs::write(&file, &sql).expect("restore");
    let out = run(&["migrate", "--dry-run", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v["groups"],
        serde_json::json!([{"versions": [4], "transaction": true, "foreign_keys_off": true}])
    );
    let out = run(&["migrate", "--dry-run"]);
    assert!(
        stdout(&out).contains("-- group 1: V4 in one transaction with foreign keys off"),
        "{}",
        stdout(&out)
    );
    let out = run(&["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(counts(), before, "every row kept, none cascaded away");
    assert_eq!(
        crate::common::sqlite_shape(&path),
        shape,
        "same columns and indexes"
    );
    assert_eq!(
        sqlite_count(&path, "SELECT count(*) FROM pragma_foreign_key_check"),
        0
    );
    assert_eq!(
        sqlite_count(
            &path,
            "SELECT count(*) FROM pragma_foreign_key_list('message_reads') WHERE \"table\" = 'messages' AND on_delete = 'CASCADE'"
        ),
        1,
        "message_reads still references messages"
    );
    // The rebuilt table's own foreign keys are enforced.
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch("PRAGMA foreign_keys = ON")
        .expect("pragma");
    let refused = conn.execute(
        "INSERT INTO messages (room_id, content) VALUES ('no-such-room', 'x')",
        [],
    );
    assert!(refused.is_err(), "the room foreign key is kept");
    let out = run(&["check", "--strict"]);
    assert!(out.status.success(), "{}", stdout(&out));
}

#[test]
fn status_shows_a_no_transaction_migration_that_failed_midway_as_partly_applied_postgres() {
    let db = pg_or_skip!("online_partly");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let v2 = "-- chatdb:no-transaction\nCREATE TABLE IF NOT EXISTS messages (id bigserial PRIMARY KEY);\nCREATE TABLE IF NOT EXISTS pins (id bigserial PRIMARY KEY, message_id bigint);\nALTER TABLE messages ADD COLUMN IF NOT EXISTS pinned boolean;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS pins_message ON pins (nope);\n";
    let sd = fixture(root, &[("V1__init.sql", V1), ("V2__pins.sql", v2)]);
    let run = |args: &[&str]| {
        chatdb(root)
            .args(["-d", &db.url, "--schema-dir", &sd, "-s", "demo"])
            .args(args)
            .output()
            .expect("runs")
    };
    let state = |out: &std::process::Output| -> serde_json::Value {
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        v["migrations"][1].clone()
    };
    assert!(run(&["migrate", "--target", "1"]).status.success());
    // V1 made messages: that alone is no sign that V2 ran.
    let m = state(&run(&["status", "--format", "json"]));
    assert_eq!(m["state"], "pending", "{m}");

    let out = run(&["migrate"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("V2__pins.sql, line 5"),
        "{}",
        stderr(&out)
    );
    let m = state(&run(&["status", "--format", "json"]));
    assert_eq!(m["state"], "partly_applied", "{m}");
    let note = m["note"].as_str().expect("note");
    assert!(
        note.starts_with("table pins exists (line 3), column messages.pinned exists (line 4); run `chatdb migrate` to finish it"),
        "{note}"
    );
    let out = run(&["status", "--exit-code"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("PARTLY APPLIED"), "{}", stdout(&out));

    // Fixed and run again, the idempotent statements finish it.
    std::fs::write(
        root.join("sql/postgres/demo/V2__pins.sql"),
        v2.replace("(nope)", "(message_id)"),
    )
    .expect("fix");
    let out = run(&["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let m = state(&run(&["status", "--format", "json"]));
    assert_eq!(m["state"], "applied", "{m}");
    assert_eq!(index_state(&db, "pins_message"), Some(true));
}

#[test]
fn check_writes_a_sqlite_rebuild_fix_as_a_valid_migration_that_restores_the_table_postgres() {
    let db = pg_or_skip!("online_sqlite_rebuild_fix");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    canonical_copy(root, "chat");
    let (url, path) = crate::common::sqlite_in(&dir, "chat.sqlite3");
    let run = |args: &[&str]| {
        chatdb(root)
            .args(["-d", &url, "--schema-dir", ".", "-s", "chat"])
            .args(args)
            .output()
            .expect("runs")
    };
    assert!(run(&["migrate"]).status.success());
    assert!(run(&["seed", "--scale", "0.001"]).status.success());
    // users rebuilt by hand without UNIQUE (email), with a column of its own: SQLite
    // cannot add the constraint back without another rebuild.
    let conn = rusqlite::Connection::open(&path).expect("open");
    let create: String = conn
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE name = 'users'",
            [],
            |r| r.get(0),
        )
        .expect("users");
    let drifted = create
        .replacen("CREATE TABLE users", "CREATE TABLE users_x", 1)
        .replace("CONSTRAINT users_email_key UNIQUE ", "")
        .replace(
            "last_seen_at TIMESTAMP",
            "last_seen_at TIMESTAMP, legacy TEXT",
        );
    assert_ne!(drifted, create);
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = OFF; BEGIN; {drifted}; INSERT INTO users_x (id, username, email, password_hash, is_active, created_at, last_seen_at) SELECT id, username, email, password_hash, is_active, created_at, last_seen_at FROM users; DROP TABLE users; ALTER TABLE users_x RENAME TO users; COMMIT;"
    ))
    .expect("drift");
    drop(conn);
    let users = sqlite_count(&path, "SELECT count(*) FROM users");
    let messages = sqlite_count(&path, "SELECT count(*) FROM messages");

    let out = run(&["check", "--write-migration", "fix_users"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("missing-index"), "{}", stdout(&out));
    let sql = std::fs::read_to_string(root.join("sql/sqlite/chat/V4__fix_users_rebuild_users.sql"))
        .expect("the rebuild migration");
    let unique = "SELECT count(*) FROM pragma_index_list('users') WHERE origin = 'u'";
    assert_eq!(sqlite_count(&path, unique), 1, "check changed nothing");
    for part in [
        "-- chatdb:foreign-keys-off",
        "CREATE TABLE \"users_new\" (",
        "CONSTRAINT users_email_key UNIQUE NOT NULL",
        "The live users also has legacy",
    ] {
        assert!(sql.contains(part), "{part}:\n{sql}");
    }
    assert!(
        !sql.contains("CREATE UNIQUE INDEX users_email_key"),
        "the rebuild replaces the index that only imitates the constraint:\n{sql}"
    );

    // Valid: no transaction control, and the same schema as the PostgreSQL half.
    let out = chatdb(root)
        .args([
            "-d",
            &db.url,
            "--schema-dir",
            ".",
            "-s",
            "chat",
            "validate",
            "--update-lock",
            "--format",
            "json",
        ])
        .output()
        .expect("validate");
    assert!(out.status.success(), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["schemas"][0]["stages"]["parity"], "ok", "{v}");

    let out = run(&["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["check"]);
    assert!(
        out.status.success(),
        "the constraint is back: {}",
        stdout(&out)
    );
    assert_eq!(sqlite_count(&path, unique), 2);
    assert_eq!(sqlite_count(&path, "SELECT count(*) FROM users"), users);
    assert_eq!(
        sqlite_count(&path, "SELECT count(*) FROM messages"),
        messages
    );
    assert_eq!(
        sqlite_count(&path, "SELECT count(*) FROM pragma_foreign_key_check"),
        0
    );
}

#[test]
fn a_rebuild_of_a_table_referenced_by_rows_a_view_and_a_trigger_applies_in_validates_scratch_and_in_migrate(
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    // V1 itself writes rows that reference rooms, so the scratch apply has them too.
    let v1 = "CREATE TABLE rooms (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nCREATE TABLE messages (id INTEGER PRIMARY KEY, room_id INTEGER NOT NULL REFERENCES rooms (id));\nCREATE INDEX messages_room ON messages (room_id);\nINSERT INTO rooms (id, name) VALUES (1, 'lobby');\nINSERT INTO messages (id, room_id) VALUES (1, 1), (2, 1);\n";
    // A view and another table's trigger that name rooms: SQLite refuses the rename of
    // rooms_new while they name a table that does not exist, so the rebuild remakes them.
    let lite = format!("{v1}CREATE VIEW room_names AS SELECT name FROM rooms;\nCREATE TRIGGER messages_touch AFTER INSERT ON messages BEGIN UPDATE rooms SET name = name WHERE id = NEW.room_id; END;\n");
    schema_dir(
        root,
        "demo",
        &[
            ("postgres", "V1__init.sql", v1),
            ("sqlite", "V1__init.sql", &lite),
        ],
    );
    // A table the schema does not have: refused, naming the tables it has; nothing written.
    let out = chatdb(root)
        .args([
            "--schema-dir",
            ".",
            "-s",
            "demo",
            "new",
            "x",
            "--sqlite-rebuild",
            "nope",
        ])
        .output()
        .expect("new");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "no table nope in the schema's SQLite migrations (its tables: messages, rooms)"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!root.join("sql/sqlite/demo/V2__x.sql").exists());
    let out = chatdb(root)
        .args([
            "--schema-dir",
            ".",
            "-s",
            "demo",
            "new",
            "rebuild_rooms",
            "--sqlite-rebuild",
            "rooms",
        ])
        .output()
        .expect("new");
    assert!(out.status.success(), "{}", stderr(&out));
    // With foreign keys enforced statement by statement, DROP TABLE rooms fails on the
    // messages that reference it; the scratch apply defers the check as migrate turns it off.
    let out = chatdb(root)
        .args([
            "--schema-dir",
            ".",
            "-s",
            "demo",
            "validate",
            "--update-lock",
        ])
        .output()
        .expect("validate");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let (url, path) = crate::common::sqlite_in(&dir, "demo.sqlite3");
    let out = chatdb(root)
        .args(["-d", &url, "--schema-dir", ".", "-s", "demo", "migrate"])
        .output()
        .expect("migrate");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("in 2 groups, each committed: V1 in one transaction; V2 in one transaction with foreign keys off"),
        "{}",
        stdout(&out)
    );
    assert_eq!(sqlite_count(&path, "SELECT count(*) FROM messages"), 2);
    assert_eq!(sqlite_count(&path, "SELECT count(*) FROM rooms"), 1);
    assert_eq!(sqlite_count(&path, "SELECT count(*) FROM room_names"), 1);
    assert_eq!(
        sqlite_count(
            &path,
            "SELECT count(*) FROM sqlite_schema WHERE name IN ('messages_touch', 'room_names', 'messages_room')"
        ),
        3,
        "the trigger, the view and the index are made again"
    );
}
