//! `cleanup` in both dialects: exactly the expired rows go, cascades go with their parents,
//! one run at a time, concurrent inserts survive, signals leave whole batches, and the
//! read-only modes and bad input change nothing; batches follow --lock-timeout, and the
//! progress bar shows only on a terminal.

use std::path::Path;
use std::process::Output;

use crate::common::*;
use crate::pg_or_skip;

const DAY: u64 = 86_400;

/// Either dialect, for test setup and inspection (not through chatdb).
enum Db<'a> {
    Pg(&'a PgDb),
    Lite(&'a Path),
}

impl Db<'_> {
    /// `{T}` in `sql` becomes a time `age` seconds before the database's now, `{NOW}` now.
    fn exec(&self, sql: &str, age: u64) {
        match self {
            Db::Pg(db) => {
                let sql = sql
                    .replace("{T}", &format!("(now() - make_interval(secs => {age}))"))
                    .replace("{NOW}", "now()");
                let mut c = db.client();
                c.batch_execute("SET TIME ZONE 'UTC'").expect("tz");
                c.batch_execute(&sql)
                    .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
            }
            Db::Lite(p) => {
                let sql = sql
                    .replace("{T}", &format!("datetime('now', '-{age} seconds')"))
                    .replace("{NOW}", "datetime('now')");
                let c = rusqlite::Connection::open(p).expect("open");
                c.pragma_update(None, "foreign_keys", true).expect("fk");
                c.execute_batch(&sql)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
        }
    }

    fn count(&self, sql: &str) -> i64 {
        match self {
            Db::Pg(db) => db.client().query_one(sql, &[]).expect("count").get(0),
            Db::Lite(p) => rusqlite::Connection::open(p)
                .expect("open")
                .query_row(sql, [], |r| r.get(0))
                .expect("count"),
        }
    }

    /// Row count of every table (history excluded): the "nothing else changed" check.
    fn all_counts(&self) -> Vec<(String, i64)> {
        let tables: Vec<String> = match self {
            Db::Pg(db) => db
                .client()
                .query(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
                    &[],
                )
                .expect("tables")
                .iter()
                .map(|r| r.get(0))
                .collect(),
            Db::Lite(p) => {
                let c = rusqlite::Connection::open(p).expect("open");
                let mut s = c
                    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1")
                    .expect("prepare");
                s.query_map([], |r| r.get(0))
                    .expect("q")
                    .map(|r| r.expect("row"))
                    .collect()
            }
        };
        tables
            .into_iter()
            .filter(|t| !t.starts_with("chatdb_history"))
            .map(|t| {
                let n = self.count(&format!("SELECT count(*) FROM \"{t}\""));
                (t, n)
            })
            .collect()
    }

    fn url(&self) -> String {
        match self {
            Db::Pg(db) => db.url.clone(),
            Db::Lite(p) => format!("sqlite://{}", p.display()),
        }
    }
}

/// A retention policy fixture: table, keep period, the column identifying a row, and an
/// INSERT with `{T}` (its time) and `{N}` (1 = just older than the cutoff, 2 = exactly at
/// it when inserted, 3 = just newer).
struct Case {
    table: &'static str,
    keep: u64,
    id_col: &'static str,
    id: &'static str,
    insert: &'static str,
}

struct Fixture {
    schema: &'static str,
    setup: &'static str,
    cases: &'static [Case],
}

const FIXTURES: &[Fixture] = &[
    Fixture {
        schema: "chat",
        setup: "INSERT INTO users (id, username, email, password_hash) VALUES ('a0000000-0000-4000-8000-000000000001', 'u1', 'u1@x', 'h');
                INSERT INTO chat_rooms (id) VALUES ('b0000000-0000-4000-8000-000000000001');
                INSERT INTO messages (id, room_id, sender_id, content) VALUES
                  ('c0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'r'),
                  ('c0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'r'),
                  ('c0000000-0000-4000-8000-000000000003', 'b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'r');",
        cases: &[
            Case {
                table: "messages",
                keep: 365 * DAY,
                id_col: "id",
                id: "d0000000-0000-4000-8000-00000000000{N}",
                insert: "INSERT INTO messages (id, room_id, sender_id, content, created_at) VALUES ('d0000000-0000-4000-8000-00000000000{N}', 'b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'x', {T})",
            },
            Case {
                table: "message_reads",
                keep: 90 * DAY,
                id_col: "message_id",
                id: "c0000000-0000-4000-8000-00000000000{N}",
                insert: "INSERT INTO message_reads (message_id, user_id, read_at) VALUES ('c0000000-0000-4000-8000-00000000000{N}', 'a0000000-0000-4000-8000-000000000001', {T})",
            },
        ],
    },
    Fixture {
        schema: "focusmate",
        setup: "INSERT INTO \"user\" (id, email, username, hashed_password) VALUES ('u1', 'u1@x', 'u1', 'h'), ('u2', 'u2@x', 'u2', 'h');
                INSERT INTO matching_chat_rooms (id) VALUES ('mr1');
                INSERT INTO chat_rooms (id, room_type) VALUES ('cr1', 'group');
                INSERT INTO conversation (id, user1_id, user2_id) VALUES ('cv1', 'u1', 'u2');
                INSERT INTO matching_pools (id, user_id, status, expires_at) VALUES ('still-waiting', 'u1', 'waiting', {T});",
        cases: &[
            Case {
                table: "notifications",
                keep: 90 * DAY,
                id_col: "id",
                id: "n{N}",
                insert: "INSERT INTO notifications (id, user_id, type, title, created_at) VALUES ('n{N}', 'u1', 'system', 't', {T})",
            },
            Case {
                table: "matching_pools",
                keep: 30 * DAY,
                id_col: "id",
                id: "p{N}",
                insert: "INSERT INTO matching_pools (id, user_id, status, expires_at) VALUES ('p{N}', 'u1', 'matched', {T})",
            },
            Case {
                table: "matching_messages",
                keep: 365 * DAY,
                id_col: "id",
                id: "mm{N}",
                insert: "INSERT INTO matching_messages (id, room_id, content, created_at) VALUES ('mm{N}', 'mr1', 'x', {T})",
            },
            Case {
                table: "chat_messages",
                keep: 365 * DAY,
                id_col: "id",
                id: "cm{N}",
                insert: "INSERT INTO chat_messages (id, room_id, content, created_at) VALUES ('cm{N}', 'cr1', 'x', {T})",
            },
            Case {
                table: "message",
                keep: 365 * DAY,
                id_col: "id",
                id: "m{N}",
                insert: "INSERT INTO message (id, conversation_id, sender_id, content, created_at) VALUES ('m{N}', 'cv1', 'u1', 'x', {T})",
            },
        ],
    },
    Fixture {
        schema: "classroom",
        setup: CLASSROOM_SETUP,
        cases: &[
            Case {
                table: "messages",
                keep: 30 * DAY,
                id_col: "id",
                id: "e3000000-0000-4000-8000-00000000000{N}",
                insert: "INSERT INTO messages (id, session_id, nickname, avatar_id, content, created_at) VALUES ('e3000000-0000-4000-8000-00000000000{N}', 'e2000000-0000-4000-8000-000000000001', 'n', 1, 'x', {T})",
            },
            Case {
                table: "sessions",
                keep: 180 * DAY,
                id_col: "id",
                id: "e4000000-0000-4000-8000-00000000000{N}",
                insert: "INSERT INTO sessions (id, class_id, code, started_at, ended_at, expires_at) VALUES ('e4000000-0000-4000-8000-00000000000{N}', 'e1000000-0000-4000-8000-000000000001', 'OLDSES0{N}', {T}, {T}, {NOW})",
            },
            Case {
                table: "logs",
                keep: 90 * DAY,
                id_col: "id",
                id: "e5000000-0000-4000-8000-00000000000{N}",
                insert: "INSERT INTO logs (id, session_id, event_type, \"timestamp\") VALUES ('e5000000-0000-4000-8000-00000000000{N}', 'e2000000-0000-4000-8000-000000000001', 'e', {T})",
            },
        ],
    },
    Fixture {
        schema: "assistant",
        setup: "INSERT INTO \"user\" (id, email) VALUES ('f0000000-0000-4000-8000-000000000001', 'a@x');
                INSERT INTO conversations (id, user_id) VALUES ('f1000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000001');",
        cases: &[Case {
            table: "messages",
            keep: 365 * DAY,
            id_col: "id",
            id: "f2000000-0000-4000-8000-00000000000{N}",
            insert: "INSERT INTO messages (id, conversation_id, role, content, created_at) VALUES ('f2000000-0000-4000-8000-00000000000{N}', 'f1000000-0000-4000-8000-000000000001', 'user', 'x', {T})",
        }],
    },
];

const CLASSROOM_SETUP: &str = "INSERT INTO schools (id, name) VALUES ('e0000000-0000-4000-8000-000000000001', 'S');
    INSERT INTO classes (id, school_id, grade, name) VALUES ('e1000000-0000-4000-8000-000000000001', 'e0000000-0000-4000-8000-000000000001', '1-1', 'A');
    INSERT INTO sessions (id, class_id, code) VALUES ('e2000000-0000-4000-8000-000000000001', 'e1000000-0000-4000-8000-000000000001', 'LIVE0001');";

fn cleanup(dir: &Path, db: &Db, schema: &str, args: &[&str]) -> Output {
    chatdb(dir)
        .args(["-d", &db.url(), "-s", schema, "cleanup"])
        .args(args)
        .output()
        .expect("runs")
}

fn migrate(dir: &Path, db: &Db, schema: &str) {
    chatdb(dir)
        .args(["-d", &db.url(), "-s", schema, "migrate"])
        .assert()
        .success();
}

/// Every policy of every schema: just older and exactly-at go, just newer stays,
/// nothing else changes.
fn exactly_the_expired_rows_go(dbs: &[Db]) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (f, db) in FIXTURES.iter().zip(dbs) {
        migrate(dir.path(), db, f.schema);
        db.exec(f.setup, 400 * DAY);
        for c in f.cases {
            for (n, age) in [(1, c.keep + 60), (2, c.keep), (3, c.keep - 60)] {
                db.exec(&c.insert.replace("{N}", &n.to_string()), age);
            }
        }
        // SQLite's clock has one-second resolution: let the exactly-at rows age past it, so
        // that "exactly at the cutoff when inserted" means "older than the cutoff" in both
        // dialects (a row whose time equals the cutoff would stay: the test is strict `<`).
        std::thread::sleep(std::time::Duration::from_millis(1100));
        for c in f.cases {
            let before = db.all_counts();
            let keep = format!("{}s", c.keep);
            let out = cleanup(
                dir.path(),
                db,
                f.schema,
                &[
                    "--table",
                    c.table,
                    "--older-than",
                    &keep,
                    "--format",
                    "json",
                ],
            );
            assert!(
                out.status.success(),
                "{} {}: {}",
                f.schema,
                c.table,
                stderr(&out)
            );
            let present = |n: u32| {
                let id = c.id.replace("{N}", &n.to_string());
                db.count(&format!(
                    "SELECT count(*) FROM \"{}\" WHERE {} = '{id}'",
                    c.table, c.id_col
                ))
            };
            assert_eq!(
                (present(1), present(2), present(3)),
                (0, 0, 1),
                "{} {}: older and exactly-at go, newer stays",
                f.schema,
                c.table
            );
            let after = db.all_counts();
            for ((t, b), (_, a)) in before.iter().zip(&after) {
                let expected = if t == c.table { b - 2 } else { *b };
                assert_eq!(
                    *a, expected,
                    "{} {}: table {t} changed unexpectedly",
                    f.schema, c.table
                );
            }
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
            assert_eq!(v["policies"][0]["rows"], 2);
        }
        // The waiting pool is older than any cutoff but its condition keeps it.
        if f.schema == "focusmate" {
            assert_eq!(
                db.count("SELECT count(*) FROM matching_pools WHERE id = 'still-waiting'"),
                1
            );
        }
    }
}

#[test]
fn exactly_the_expired_rows_go_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths: Vec<_> = FIXTURES
        .iter()
        .map(|f| dir.path().join(format!("{}.sqlite3", f.schema)))
        .collect();
    let dbs: Vec<Db> = paths.iter().map(|p| Db::Lite(p)).collect();
    exactly_the_expired_rows_go(&dbs);
}

#[test]
fn exactly_the_expired_rows_go_postgres() {
    let probe = pg_or_skip!("expired_rows_probe");
    drop(probe);
    let pgs: Vec<PgDb> = FIXTURES
        .iter()
        .map(|f| {
            PgDb::new(&format!("expired_rows_{}", f.schema))
                .expect("server was reachable a moment ago")
        })
        .collect();
    let dbs: Vec<Db> = pgs.iter().map(Db::Pg).collect();
    exactly_the_expired_rows_go(&dbs);
}

/// Classroom's default run: ended sessions past 180 days go with exactly their messages
/// and logs; the counts report the cascade.
fn cascades_take_exactly_the_children(db: &Db, dir: &Path) {
    migrate(dir, db, "classroom");
    db.exec(CLASSROOM_SETUP, 0);
    // Two old ended sessions with children, one recent ended session with children.
    for (n, age) in [(1, 200 * DAY), (2, 190 * DAY), (3, 10 * DAY)] {
        db.exec(
            &format!(
                "INSERT INTO sessions (id, class_id, code, started_at, ended_at, expires_at) VALUES ('e400000{n}-0000-4000-8000-000000000000', 'e1000000-0000-4000-8000-000000000001', 'CASCAD0{n}', {{T}}, {{T}}, {{NOW}});
                 INSERT INTO messages (session_id, nickname, avatar_id, content, created_at) VALUES ('e400000{n}-0000-4000-8000-000000000000', 'n', 1, 'x', {{NOW}}), ('e400000{n}-0000-4000-8000-000000000000', 'n', 2, 'y', {{NOW}});
                 INSERT INTO logs (session_id, event_type, \"timestamp\") VALUES ('e400000{n}-0000-4000-8000-000000000000', 'e', {{NOW}}), ('e400000{n}-0000-4000-8000-000000000000', 'e', {{NOW}}), ('e400000{n}-0000-4000-8000-000000000000', 'e', {{NOW}});"
            ),
            age,
        );
    }
    // A live session's recent rows must stay.
    db.exec("INSERT INTO messages (session_id, nickname, avatar_id, content) VALUES ('e2000000-0000-4000-8000-000000000001', 'n', 1, 'live')", 0);
    let out = cleanup(
        dir,
        db,
        "classroom",
        &["--format", "json", "--batch-size", "1"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let sessions = v["policies"]
        .as_array()
        .expect("array")
        .iter()
        .find(|p| p["table"] == "sessions")
        .expect("sessions policy");
    assert_eq!(sessions["rows"], 2);
    assert_eq!(
        sessions["cascaded_rows"], 10,
        "2 sessions x (2 messages + 3 logs)"
    );
    assert_eq!(
        db.count("SELECT count(*) FROM sessions"),
        2,
        "live and recent sessions stay"
    );
    assert_eq!(db.count("SELECT count(*) FROM messages"), 3);
    assert_eq!(db.count("SELECT count(*) FROM logs"), 3);
    assert_eq!(db.count("SELECT count(*) FROM messages WHERE CAST(session_id AS TEXT) LIKE 'e4000003%' OR CAST(session_id AS TEXT) LIKE 'e2%'"), 3);
}

#[test]
fn cascades_take_exactly_the_children_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = sqlite_in(&dir, "c.sqlite3");
    cascades_take_exactly_the_children(&Db::Lite(&path), dir.path());
}

#[test]
fn cascades_take_exactly_the_children_postgres() {
    let db = pg_or_skip!("cascades_children");
    let dir = tempfile::tempdir().expect("tempdir");
    cascades_take_exactly_the_children(&Db::Pg(&db), dir.path());
}

fn many_expired_messages(db: &Db, dir: &Path, rows: u64) {
    migrate(dir, db, "assistant");
    db.exec(
        "INSERT INTO \"user\" (id, email) VALUES ('f0000000-0000-4000-8000-000000000001', 'a@x');
         INSERT INTO conversations (id, user_id) VALUES ('f1000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000001');",
        0,
    );
    let series = match db {
        Db::Pg(_) => format!("SELECT 'f1000000-0000-4000-8000-000000000001', 'user', 'x', now() - make_interval(days => 400, secs => g) FROM generate_series(1, {rows}) g"),
        Db::Lite(_) => format!("WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {rows}) SELECT 'f1000000-0000-4000-8000-000000000001', 'user', 'x', datetime('now', '-400 days', printf('-%d seconds', n)) FROM g"),
    };
    db.exec(
        &format!("INSERT INTO messages (conversation_id, role, content, created_at) {series}"),
        0,
    );
}

#[test]
fn read_only_modes_change_nothing_and_report_what_would_go() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = sqlite_in(&dir, "ro.sqlite3");
    let lite = Db::Lite(&path);
    many_expired_messages(&lite, dir.path(), 50);
    let pg = PgDb::new("read_only_modes");
    if let Some(pg) = &pg {
        many_expired_messages(&Db::Pg(pg), dir.path(), 50);
    }
    let mut dbs = vec![lite];
    if let Some(pg) = &pg {
        dbs.push(Db::Pg(pg));
    }
    for db in &dbs {
        let before = db.all_counts();
        for mode in ["--dry-run", "--list"] {
            let out = cleanup(
                dir.path(),
                db,
                "assistant",
                &[mode, "--older-than", "30d", "--format", "json"],
            );
            assert!(out.status.success(), "{}", stderr(&out));
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
            assert_eq!(v["policies"][0]["rows"], 50, "{mode}");
            assert_eq!(db.all_counts(), before, "{mode} changed nothing");
        }
        // Without --older-than, assistant's policy is off: nothing to run, exit 0.
        let out = cleanup(dir.path(), db, "assistant", &[]);
        assert!(out.status.success());
        assert!(
            stdout(&out).contains("no retention policy to run"),
            "{}",
            stdout(&out)
        );
        assert_eq!(db.all_counts(), before);
    }
}

#[test]
fn bad_input_is_refused_and_nothing_is_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = sqlite_in(&dir, "bad.sqlite3");
    let db = Db::Lite(&path);
    many_expired_messages(&db, dir.path(), 10);
    let before = db.all_counts();
    for (args, needle) in [
        (vec!["--older-than", "30x"], "not a duration"),
        (vec!["--older-than", "-5d"], "not a duration"),
        (vec!["--older-than", "0d"], "greater than zero"),
        (vec!["--older-than", "30m"], "under one hour"),
        (
            vec!["--table", "nosuch", "--older-than", "30d"],
            "no retention policy on that table",
        ),
        (
            vec!["--table", "users", "--older-than", "30d"],
            "no retention policy on that table",
        ),
        (
            vec!["--max-runtime", "soon", "--older-than", "30d"],
            "not a duration",
        ),
    ] {
        let out = cleanup(dir.path(), &db, "assistant", &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(db.all_counts(), before);
    // --force allows a short keep period.
    let out = cleanup(
        dir.path(),
        &db,
        "assistant",
        &["--older-than", "30m", "--force", "--quiet"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "--quiet prints nothing on success");
    assert_eq!(db.count("SELECT count(*) FROM messages"), 0);
}

#[test]
fn a_second_cleanup_exits_3_at_once_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = sqlite_in(&dir, "lock.sqlite3");
    let db = Db::Lite(&path);
    many_expired_messages(&db, dir.path(), 10);
    // Another cleanup holds the lock: its lock file is locked.
    let mut lock_path = path.clone().into_os_string();
    lock_path.push("-chatdb-cleanup.lock");
    let held = std::fs::File::create(&lock_path).expect("lock file");
    held.lock().expect("hold the lock");
    let out = cleanup(dir.path(), &db, "assistant", &["--older-than", "30d"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).lines().count(),
        1,
        "one-line message: {}",
        stderr(&out)
    );
    assert_eq!(
        db.count("SELECT count(*) FROM messages"),
        10,
        "the second run deleted nothing"
    );
    held.unlock().expect("release");
    cleanup(dir.path(), &db, "assistant", &["--older-than", "30d"]);
    assert_eq!(db.count("SELECT count(*) FROM messages"), 0);
}

/// An application writer holds the SQLite database past cleanup's busy timeout: the batch
/// cannot start, and cleanup exits 3 (a lock), as migrate and seed do, saying how long it
/// waited; nothing is deleted.
#[test]
fn a_sqlite_database_held_by_a_writer_exits_3_after_the_busy_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_in(&dir, "busy.sqlite3");
    let db = Db::Lite(&path);
    many_expired_messages(&db, dir.path(), 10);
    let writer = rusqlite::Connection::open(&path).expect("open");
    writer
        .execute_batch("BEGIN IMMEDIATE")
        .expect("hold the write lock");
    let out = chatdb(dir.path())
        .args(["-d", &url, "-s", "assistant", "--lock-timeout", "1s"])
        .args(["cleanup", "--older-than", "30d"])
        .output()
        .expect("runs");
    writer.execute_batch("ROLLBACK").expect("release");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("busy timeout 1s"), "{}", stderr(&out));
    assert_eq!(db.count("SELECT count(*) FROM messages"), 10);
}

#[test]
fn a_second_cleanup_exits_3_at_once_postgres() {
    let pg = pg_or_skip!("second_cleanup");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::Pg(&pg);
    many_expired_messages(&db, dir.path(), 10);
    let mut holder = pg.client();
    holder
        .query_one(
            "SELECT pg_advisory_lock(hashtext('chatdb.cleanup'), hashtext('public'))",
            &[],
        )
        .expect("hold the lock");
    let out = cleanup(dir.path(), &db, "assistant", &["--older-than", "30d"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(db.count("SELECT count(*) FROM messages"), 10);
    drop(holder);
    // Two at once, for real: one does the work, the other exits 3 or finds nothing left.
    let spawn = || {
        spawn_chatdb(
            dir.path(),
            &[
                "-d",
                &pg.url,
                "-s",
                "assistant",
                "cleanup",
                "--older-than",
                "30d",
                "--format",
                "json",
            ],
        )
    };
    let (a, b) = (spawn(), spawn());
    let outs = [
        a.wait_with_output().expect("a"),
        b.wait_with_output().expect("b"),
    ];
    let mut deleted = 0;
    for o in &outs {
        match o.status.code() {
            Some(0) => {
                let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
                deleted += v["policies"][0]["rows"].as_u64().unwrap_or(0);
            }
            Some(3) => {}
            other => panic!("unexpected exit {other:?}: {}", stderr(o)),
        }
    }
    assert_eq!(deleted, 10, "the rows were deleted once, by one run");
}

/// `cleanup --older-than 30d --batch-size 200 --format json` of the assistant schema at
/// `url`, running in the background.
fn spawn_cleanup_in_batches_of_200(dir: &Path, url: &str) -> std::process::Child {
    spawn_chatdb(
        dir,
        &[
            "-d",
            url,
            "-s",
            "assistant",
            "cleanup",
            "--older-than",
            "30d",
            "--batch-size",
            "200",
            "--format",
            "json",
        ],
    )
}

/// A SQLite file in `dir` and an application's connection to it (busy timeout 30 s), to
/// write from while a cleanup runs.
fn application_sqlite(
    dir: &tempfile::TempDir,
    file: &str,
) -> (std::path::PathBuf, std::sync::Mutex<rusqlite::Connection>) {
    let (_, path) = sqlite_in(dir, file);
    let c = rusqlite::Connection::open(&path).expect("open");
    c.busy_timeout(std::time::Duration::from_secs(30))
        .expect("busy");
    (path, std::sync::Mutex::new(c))
}

/// Inserts running during a cleanup all survive (they are newer than the cutoff).
/// Inserts fresh messages for as long as a cleanup of 20,000 expired ones runs (and at
/// least 200). `insert_new(i)` inserts one and returns the expired rows left just before
/// and just after it committed. Every fresh row must survive, every expired one go, and
/// some inserts must have committed after the run's first batch and before its last: the
/// inserts really overlapped the run.
fn inserts_during_cleanup_survive(
    db: &Db,
    dir: &Path,
    insert_new: &(dyn Fn(u32) -> (i64, i64) + Sync),
) {
    let total = 20_000;
    many_expired_messages(db, dir, total);
    let mut child = spawn_cleanup_in_batches_of_200(dir, &db.url());
    let (mut inserted, mut overlapped) = (0u32, 0u32);
    loop {
        let done = child.try_wait().expect("try_wait").is_some();
        if done && inserted >= 200 {
            break;
        }
        let (before, after) = insert_new(inserted);
        inserted += 1;
        if before < total as i64 && after > 0 {
            overlapped += 1;
        }
        assert!(inserted < 1_000_000, "cleanup never ended");
        // An application writing now and then, not in a tight loop.
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        overlapped > 0,
        "no insert committed between the run's first and last batch ({inserted} inserts): the test proved nothing"
    );
    assert_eq!(
        db.count("SELECT count(*) FROM messages WHERE content LIKE 'new %'"),
        i64::from(inserted)
    );
    assert_eq!(
        db.count("SELECT count(*) FROM messages"),
        i64::from(inserted),
        "all expired rows went, all new ones stayed"
    );
}

/// The expired rows `many_expired_messages` made that are still there.
const EXPIRED_LEFT: &str = "SELECT count(*) FROM messages WHERE content = 'x'";

#[test]
fn inserts_during_cleanup_survive_postgres() {
    let pg = pg_or_skip!("inserts_survive");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = pg.client();
    let c = std::sync::Mutex::new(&mut c);
    inserts_during_cleanup_survive(&Db::Pg(&pg), dir.path(), &|i| {
        let mut c = c.lock().expect("lock");
        let left = |c: &mut postgres::Client| -> i64 {
            c.query_one(EXPIRED_LEFT, &[]).expect("count").get(0)
        };
        let before = left(&mut c);
        c.execute(
            "INSERT INTO messages (conversation_id, role, content) VALUES ('f1000000-0000-4000-8000-000000000001', 'user', $1)",
            &[&format!("new {i}")],
        )
        .expect("insert during cleanup");
        (before, left(&mut c))
    });
}

#[test]
fn inserts_during_cleanup_survive_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, c) = application_sqlite(&dir, "ins.sqlite3");
    inserts_during_cleanup_survive(&Db::Lite(&path), dir.path(), &|i| {
        let c = c.lock().expect("lock");
        let left = || -> i64 { c.query_row(EXPIRED_LEFT, [], |r| r.get(0)).expect("count") };
        let before = left();
        c.execute(
            "INSERT INTO messages (conversation_id, role, content) VALUES ('f1000000-0000-4000-8000-000000000001', 'user', ?1)",
            [format!("new {i}")],
        )
        .expect("insert during cleanup");
        (before, left())
    });
}

/// Expired rows written behind the keyset while a cleanup runs (an import or a backfill
/// of old messages, written after the batches passed their time) still go: the run may
/// not end on its batches alone. While a cleanup of 20,000 expired messages is under way
/// (batches of 200), an application inserts messages 1,000 days old, older than any the
/// batches have reached, and stops while at least a quarter of the original rows are still
/// there (so the run is not over). The run must exit 0 having deleted all of them,
/// the late ones included, and leave no expired row. `insert_old(i)` inserts one and
/// returns the original expired rows left just after it committed.
fn expired_rows_written_behind_the_keyset_still_go(
    db: &Db,
    dir: &Path,
    insert_old: &(dyn Fn(u32) -> i64 + Sync),
) {
    let total: i64 = 20_000;
    many_expired_messages(db, dir, total as u64);
    let child = spawn_cleanup_in_batches_of_200(dir, &db.url());
    let (mut inserted, mut behind) = (0u32, 0u32);
    loop {
        let left = insert_old(inserted);
        inserted += 1;
        if left < total {
            // Committed after the first batch: behind the keyset.
            behind += 1;
        }
        if left < total / 4 || inserted >= 100_000 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let out = child.wait_with_output().expect("wait");
    assert!(
        behind > 0,
        "no old row was inserted after the first batch ({inserted} inserts): the test proved nothing"
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        db.count("SELECT count(*) FROM messages"),
        0,
        "the rows inserted behind the keyset were left: the run ended on its batches alone"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v["policies"][0]["rows"].as_i64(),
        Some(total + i64::from(inserted))
    );
    assert_eq!(v["policies"][0]["remaining_rows"].as_u64(), Some(0));
}

const INSERT_OLD_PG: &str = "INSERT INTO messages (conversation_id, role, content, created_at) VALUES ('f1000000-0000-4000-8000-000000000001', 'user', $1, now() - interval '1000 days')";

#[test]
fn expired_rows_written_behind_the_keyset_still_go_postgres() {
    let pg = pg_or_skip!("written_behind");
    let dir = tempfile::tempdir().expect("tempdir");
    let c = std::sync::Mutex::new(pg.client());
    expired_rows_written_behind_the_keyset_still_go(&Db::Pg(&pg), dir.path(), &|i| {
        let mut c = c.lock().expect("lock");
        c.execute(INSERT_OLD_PG, &[&format!("old {i}")])
            .expect("insert during cleanup");
        c.query_one(EXPIRED_LEFT, &[]).expect("count").get(0)
    });
}

#[test]
fn expired_rows_written_behind_the_keyset_still_go_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, c) = application_sqlite(&dir, "behind.sqlite3");
    expired_rows_written_behind_the_keyset_still_go(&Db::Lite(&path), dir.path(), &|i| {
        let c = c.lock().expect("lock");
        c.execute(
            "INSERT INTO messages (conversation_id, role, content, created_at) VALUES ('f1000000-0000-4000-8000-000000000001', 'user', ?1, datetime('now', '-1000 days'))",
            [format!("old {i}")],
        )
        .expect("insert during cleanup");
        c.query_row(EXPIRED_LEFT, [], |r| r.get(0)).expect("count")
    });
}

/// A WAL database (what applications with concurrent writers use): every expired row
/// goes, the file stays in WAL mode, and when the run ends every WAL frame it wrote is in
/// the database file (cleanup's connection turns its own autocheckpoint off and
/// checkpoints after each batch, off the write lock: a frame left uncopied would show
/// here).
#[test]
fn cleanup_on_a_wal_database_deletes_the_expired_rows_and_leaves_the_wal_checkpointed_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = sqlite_in(&dir, "wal.sqlite3");
    let db = Db::Lite(&path);
    migrate(dir.path(), &db, "assistant");
    {
        let c = rusqlite::Connection::open(&path).expect("open");
        let mode: String = c
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .expect("wal");
        assert_eq!(mode, "wal");
    }
    many_expired_messages(&db, dir.path(), 20_000);
    let c = rusqlite::Connection::open(&path).expect("open");
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint the setup");
    let out = cleanup(
        dir.path(),
        &db,
        "assistant",
        &[
            "--older-than",
            "30d",
            "--batch-size",
            "2000",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["policies"][0]["rows"].as_i64(), Some(20_000));
    assert!(
        v["policies"][0]["batches"].as_i64().unwrap_or(0) > 1,
        "one batch proves nothing about checkpoints between batches"
    );
    assert_eq!(db.count("SELECT count(*) FROM messages"), 0);
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal", "cleanup left the journal mode alone");
    // (busy, frames in the WAL, frames checkpointed): a PASSIVE checkpoint that finds
    // nothing left to copy. Frames the run wrote and never checkpointed would show here.
    let (busy, log, done): (i64, i64, i64) = c
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("checkpoint");
    assert_eq!(busy, 0);
    assert!(
        log > 0,
        "the run left no WAL frames at all: the test proved nothing"
    );
    assert_eq!(log, done, "the run left WAL frames uncheckpointed");
}

/// SIGINT mid-run: the current batch finishes, the report is printed, exit 130, and only
/// whole batches were deleted.
fn a_signal_leaves_only_whole_batches(db: &Db, dir: &Path) {
    let total = 30_000u64;
    many_expired_messages(db, dir, total);
    let batch = 100u64;
    let child = spawn_chatdb(
        dir,
        &[
            "-d",
            &db.url(),
            "-s",
            "assistant",
            "cleanup",
            "--older-than",
            "30d",
            "--batch-size",
            &batch.to_string(),
            "--format",
            "json",
        ],
    );
    // Wait until some batches are committed, then interrupt.
    let mut left = total as i64;
    for _ in 0..2000 {
        left = db.count("SELECT count(*) FROM messages");
        if left < total as i64 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(left < total as i64, "cleanup started deleting");
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait");
    let deleted = total - db.count("SELECT count(*) FROM messages") as u64;
    // 300 batches: a run that ends before the signal lands means the test proved nothing.
    assert_ne!(
        out.status.code(),
        Some(0),
        "cleanup finished ({deleted} rows) before the signal landed"
    );
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(deleted < total);
    assert_eq!(
        deleted % batch,
        0,
        "only whole batches: {deleted} rows deleted"
    );
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("json report on interrupt");
    assert_eq!(v["stopped"], "signal");
    assert_eq!(
        v["policies"][0]["rows"].as_u64(),
        Some(deleted),
        "the report matches the database"
    );
}

#[test]
fn a_signal_leaves_only_whole_batches_postgres() {
    let pg = pg_or_skip!("signal_whole_batches");
    let dir = tempfile::tempdir().expect("tempdir");
    a_signal_leaves_only_whole_batches(&Db::Pg(&pg), dir.path());
}

#[test]
fn a_signal_leaves_only_whole_batches_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = sqlite_in(&dir, "sig.sqlite3");
    a_signal_leaves_only_whole_batches(&Db::Lite(&path), dir.path());
}

#[test]
fn config_overrides_keep_periods_and_switches_policies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_in(&dir, "cfg.sqlite3");
    let db = Db::Lite(&path);
    many_expired_messages(&db, dir.path(), 5);
    std::fs::write(
        dir.path().join("chatdb.toml"),
        format!("database_url = \"{url}\"\nschema = \"assistant\"\n[cleanup]\nbatch_size = 2\n[cleanup.policies.messages]\nenabled = true\nkeep = \"500d\"\n"),
    )
    .expect("config");
    let out = chatdb(dir.path())
        .args(["cleanup", "--list", "--format", "json"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["policies"][0]["keep"], "500d");
    assert_eq!(v["policies"][0]["keep_from"], "chatdb.toml");
    assert_eq!(v["policies"][0]["rows"], 0, "nothing is 500 days old");
    std::fs::write(
        dir.path().join("chatdb.toml"),
        format!("database_url = \"{url}\"\nschema = \"assistant\"\n[cleanup]\nbatch_size = 2\n[cleanup.policies.messages]\nenabled = true\n"),
    )
    .expect("config");
    let out = chatdb(dir.path())
        .args(["cleanup", "--format", "json"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v["policies"][0]["rows"], 5,
        "switched on by chatdb.toml, manifest keep 365d"
    );
    assert_eq!(
        v["policies"][0]["batches"], 3,
        "batch_size 2 from chatdb.toml"
    );
}

/// Issue 11, defect 4: a batch that deleted fewer rows than its limit ended the policy. On
/// PostgreSQL that happens whenever a selected row is updated while the batch runs (its
/// ctid moves and the DELETE skips it): one concurrent UPDATE of the oldest expired rows
/// left all but the first batch's rows behind, with exit 0. An application transaction
/// updates the five oldest expired rows and holds them until the cleanup's first batch is
/// seen waiting on them (the overlap, proven), then commits: every expired row must still
/// go, and the report must say none is left.
#[test]
fn a_concurrent_update_of_expired_rows_does_not_end_the_policy_early_postgres() {
    let pg = pg_or_skip!("update_does_not_end_policy");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::Pg(&pg);
    let total = 5_000i64;
    many_expired_messages(&db, dir.path(), total as u64);
    let mut app = pg.client();
    let mut tx = app.transaction().expect("begin");
    let updated = tx
        .execute(
            "UPDATE messages SET content = content WHERE id IN (SELECT id FROM messages WHERE content = 'x' ORDER BY created_at LIMIT 5)",
            &[],
        )
        .expect("update the oldest expired rows");
    assert_eq!(updated, 5);
    let child = spawn_cleanup_in_batches_of_200(dir.path(), &pg.url);
    let mut watcher = pg.client();
    let mut waited = false;
    for _ in 0..1000 {
        let n: i64 = watcher
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%DELETE FROM%'",
                &[],
            )
            .expect("activity")
            .get(0);
        if n > 0 {
            waited = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    tx.commit().expect("commit the update");
    let out = child.wait_with_output().expect("wait");
    assert!(
        waited,
        "the cleanup's batch never waited on the updated rows: the test proved nothing"
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(db.count(EXPIRED_LEFT), 0, "every expired row went");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["policies"][0]["rows"].as_i64(), Some(total));
    assert_eq!(v["policies"][0]["remaining_rows"].as_u64(), Some(0));
}

/// Issue 11, defect 4: `--max-runtime` that cuts a run short must not look like success.
/// The report says how many expired rows are left, matching the database, and the run
/// exits 4.
#[test]
fn a_cleanup_cut_short_by_max_runtime_reports_the_remainder_and_exits_4() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = sqlite_in(&dir, "maxrt.sqlite3");
    let db = Db::Lite(&path);
    let total = 100_000u64;
    many_expired_messages(&db, dir.path(), total);
    let args = [
        "--older-than",
        "30d",
        "--batch-size",
        "50",
        "--max-runtime",
        "1s",
    ];
    let out = cleanup(
        dir.path(),
        &db,
        "assistant",
        &[&args[..], &["--format", "json"]].concat(),
    );
    let left = db.count(EXPIRED_LEFT) as u64;
    assert!(
        left > 0,
        "the run finished inside 1s: the test proved nothing"
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["stopped"], "max_runtime");
    assert_eq!(v["policies"][0]["remaining_rows"].as_u64(), Some(left));
    assert_eq!(v["policies"][0]["rows"].as_u64(), Some(total - left));
    assert!(
        stderr(&out).contains(&format!("expired rows left: {left} in messages")),
        "{}",
        stderr(&out)
    );
    // The human report says it too, and --quiet does not hide it.
    let out = cleanup(
        dir.path(),
        &db,
        "assistant",
        &[&args[..], &["--quiet"]].concat(),
    );
    let left = db.count(EXPIRED_LEFT);
    if left > 0 {
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        assert!(stdout(&out).contains("expired left"), "{}", stdout(&out));
        assert!(
            stderr(&out).contains("expired rows left"),
            "{}",
            stderr(&out)
        );
    }
}

/// Issue 11, defect 5: SQLite orders every number before every text, so a time column
/// holding a unix epoch INTEGER or a julianday REAL compared as older than the text
/// cutoff: `--dry-run` counted fresh rows as expired and cleanup deleted them. Such rows
/// are refused, naming the table and column, and nothing is deleted.
#[test]
fn sqlite_cleanup_never_deletes_fresh_rows_whose_time_is_a_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = sqlite_in(&dir, "numeric.sqlite3");
    let db = Db::Lite(&path);
    many_expired_messages(&db, dir.path(), 3);
    db.exec(
        "INSERT INTO messages (conversation_id, role, content, created_at) VALUES
           ('f1000000-0000-4000-8000-000000000001', 'user', 'fresh epoch', CAST(strftime('%s', 'now') AS INTEGER)),
           ('f1000000-0000-4000-8000-000000000001', 'user', 'old epoch', CAST(strftime('%s', 'now', '-400 days') AS INTEGER)),
           ('f1000000-0000-4000-8000-000000000001', 'user', 'fresh julianday', julianday('now')),
           ('f1000000-0000-4000-8000-000000000001', 'user', 'old julianday', julianday('now', '-400 days'))",
        0,
    );
    assert_eq!(
        db.count("SELECT count(*) FROM messages WHERE typeof(created_at) IN ('integer', 'real')"),
        4,
        "the fixture stores numbers"
    );
    for mode in [&["--dry-run"][..], &[][..]] {
        let out = cleanup(
            dir.path(),
            &db,
            "assistant",
            &[mode, &["--older-than", "30d", "--format", "json"]].concat(),
        );
        assert_eq!(out.status.code(), Some(2), "{mode:?}: {}", stdout(&out));
        assert!(
            stderr(&out).contains("messages.created_at") && stderr(&out).contains("4 row(s)"),
            "{}",
            stderr(&out)
        );
        assert_eq!(
            db.count("SELECT count(*) FROM messages"),
            7,
            "nothing deleted"
        );
    }
    // Converted to SQLite date text, the same rows are judged by their real age.
    db.exec(
        "UPDATE messages SET created_at = datetime(created_at, 'unixepoch') WHERE typeof(created_at) = 'integer';
         UPDATE messages SET created_at = datetime(created_at) WHERE typeof(created_at) = 'real';",
        0,
    );
    let out = cleanup(dir.path(), &db, "assistant", &["--older-than", "30d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        db.count("SELECT count(*) FROM messages WHERE content LIKE 'fresh %'"),
        2,
        "the fresh rows stay"
    );
    assert_eq!(db.count("SELECT count(*) FROM messages"), 2);
}

/// An application transaction holds an expired row: each batch waits `--lock-timeout` for
/// it (not a fixed time), is rolled back whole, and after its tries cleanup exits 3 (a
/// lock), having deleted nothing.
#[test]
fn a_postgres_batch_waits_the_lock_timeout_for_rows_an_application_holds() {
    let pg = pg_or_skip!("batch_lock_timeout");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::Pg(&pg);
    many_expired_messages(&db, dir.path(), 10);
    let mut app = pg.client();
    let mut tx = app.transaction().expect("begin");
    tx.query(
        "SELECT 1 FROM messages ORDER BY created_at LIMIT 1 FOR UPDATE",
        &[],
    )
    .expect("hold an expired row");
    let started = std::time::Instant::now();
    let out = chatdb(dir.path())
        .args(["-d", &pg.url, "-s", "assistant", "--lock-timeout", "200ms"])
        .args(["cleanup", "--older-than", "30d"])
        .output()
        .expect("runs");
    let took = started.elapsed();
    tx.rollback().expect("release");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("tries of --lock-timeout 200ms")
            && stderr(&out).contains("expired rows of messages"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        db.count("SELECT count(*) FROM messages"),
        10,
        "the batch rolled back whole"
    );
    // Four tries of 200 ms and the pauses between them take about 4 s; a fixed 5 s per
    // try would take over 20 s.
    assert!(
        took < std::time::Duration::from_secs(15),
        "the batches did not follow --lock-timeout: {took:?}"
    );
}

/// The progress bar: nothing on stderr when it is not a terminal; on a terminal (a pty
/// from `script`) rows deleted out of the counted total, the rate and the time left; under
/// --quiet nothing, terminal or not.
#[test]
fn cleanup_shows_progress_only_on_a_terminal_and_never_under_quiet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_in(&dir, "progress.sqlite3");
    let db = Db::Lite(&path);
    let refill = || {
        db.exec("DELETE FROM messages", 0);
        db.exec(
            "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 2000)
             INSERT INTO messages (conversation_id, role, content, created_at)
             SELECT 'f1000000-0000-4000-8000-000000000001', 'user', 'x', datetime('now', '-400 days', printf('-%d seconds', n)) FROM g",
            0,
        );
    };
    many_expired_messages(&db, dir.path(), 2000);
    let out = cleanup(dir.path(), &db, "assistant", &["--older-than", "30d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "no terminal, no progress");
    assert!(stdout(&out).contains("cleanup on"), "{}", stdout(&out));
    assert_eq!(db.count("SELECT count(*) FROM messages"), 0);

    let bin = assert_cmd::cargo::cargo_bin("chatdb");
    let on_a_terminal = |extra: &str| -> String {
        let cmd = format!(
            "'{}' -d '{url}' -s assistant cleanup --older-than 30d {extra}",
            bin.display()
        );
        let out = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TERM", "xterm")
            .env("NO_COLOR", "1")
            .current_dir(dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .expect("script(1) from util-linux runs the command on a pty");
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
        stdout(&out)
    };
    refill();
    let shown = on_a_terminal("");
    assert_eq!(db.count("SELECT count(*) FROM messages"), 0);
    assert!(
        shown.contains("cleanup messages")
            && shown.contains("/2000 rows")
            && shown.contains("rows/s")
            && shown.contains(" left"),
        "a bar with rows out of the total, the rate and the time left: {shown:?}"
    );
    refill();
    let quiet = on_a_terminal("--quiet");
    assert_eq!(db.count("SELECT count(*) FROM messages"), 0);
    assert!(
        !quiet.contains("rows/s") && !quiet.contains("cleanup messages"),
        "--quiet draws no bar: {quiet:?}"
    );
}

/// PostgreSQL batches delete time ranges: 250 expired rows sharing one timestamp (more than
/// a batch) and 50 older ones all go with batches of 100, and the fresh row stays.
#[test]
fn rows_sharing_one_time_past_a_batch_all_go_postgres() {
    let pg = pg_or_skip!("cleanup_ties");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::Pg(&pg);
    many_expired_messages(&db, dir.path(), 50);
    db.exec(
        "INSERT INTO messages (conversation_id, role, content, created_at)
         SELECT 'f1000000-0000-4000-8000-000000000001', 'user', 'x', {T} FROM generate_series(1, 250);
         INSERT INTO messages (conversation_id, role, content) VALUES ('f1000000-0000-4000-8000-000000000001', 'user', 'fresh');",
        40 * DAY,
    );
    assert_eq!(
        db.count("SELECT count(DISTINCT created_at) FROM messages WHERE content = 'x' AND created_at > now() - interval '41 days'"),
        1,
        "the 250 rows share one time"
    );
    let out = cleanup(
        dir.path(),
        &db,
        "assistant",
        &[
            "--older-than",
            "30d",
            "--batch-size",
            "100",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["policies"][0]["rows"], 300, "{v}");
    assert_eq!(v["policies"][0]["remaining_rows"], 0, "{v}");
    assert_eq!(
        db.count("SELECT count(*) FROM messages"),
        1,
        "the fresh row stays"
    );
}
