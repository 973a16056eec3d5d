//! `explain` against both dialects: every hot query is servable by its expected index on a
//! fresh database, a dropped or mismatched index fails naming query and index, `--analyze`
//! measures real runs and changes nothing, and the JSON shape is snapshot-tested.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::common::*;
use crate::pg_or_skip;

/// The hot queries the issue lists, per schema (the manifests may declare more).
const HOT: [(&str, &[&str]); 4] = [
    (
        "chat",
        &[
            "room_history",
            "user_rooms",
            "user_by_username",
            "user_by_email",
            "unread_count",
        ],
    ),
    (
        "focusmate",
        &[
            "user_by_email",
            "session_history",
            "latest_posts",
            "pinned_posts",
            "leaderboard_top",
            "active_rooms",
            "room_participants",
            "post_comments",
            "waiting_pools",
        ],
    ),
    (
        "classroom",
        &[
            "session_by_code",
            "session_messages",
            "problems_for_card",
            "class_sessions",
            "expired_sessions",
            "session_logs",
            "logs_by_event",
            "active_sessions",
            "messages_per_minute",
        ],
    ),
    (
        "assistant",
        &[
            "user_conversations",
            "conversation_messages",
            "open_tasks",
            "tasks_by_tag",
            "tasks_due",
        ],
    ),
];

fn run(cmd: &mut assert_cmd::Command) -> Output {
    cmd.output().expect("chatdb runs")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", stdout(out), stderr(out)))
}

fn queries(v: &Value) -> &Vec<Value> {
    v["queries"].as_array().expect("queries array")
}

fn query<'a>(v: &'a Value, name: &str) -> &'a Value {
    queries(v)
        .iter()
        .find(|q| q["name"] == name)
        .unwrap_or_else(|| panic!("no query {name} in {v}"))
}

/// Asserts a fresh database's report: exit 0, every listed query present and servable.
fn assert_servable(out: &Output, schema: &str, dialect: &str) {
    assert!(
        out.status.success(),
        "{schema} on {dialect}: exit {:?}\n{}\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
    let v = json(out);
    let names: Vec<&str> = queries(&v)
        .iter()
        .map(|q| q["name"].as_str().unwrap_or(""))
        .collect();
    let listed = HOT.iter().find(|(s, _)| *s == schema).expect("listed").1;
    for name in listed {
        assert!(names.contains(name), "{schema}: {name} declared");
    }
    for q in queries(&v) {
        let verdict = q["verdict"].as_str().unwrap_or("");
        assert!(
            verdict == "prefers" || verdict == "can_serve",
            "{schema}/{} on {dialect}: {verdict}: {}",
            q["name"],
            q["verdict_detail"]
        );
        assert!(
            !q["expected_indexes"].as_array().expect("array").is_empty(),
            "{schema}/{}: every hot query names its index",
            q["name"]
        );
    }
    assert_eq!(v["summary"]["cannot_serve"], 0);
}

#[test]
fn every_hot_query_is_served_by_its_index_on_a_fresh_database_in_both_dialects() {
    let db = pg_or_skip!("explain_fresh");
    let dir = tempfile::tempdir().expect("tempdir");
    for (schema, _) in HOT {
        let (url, _) = sqlite_in(&dir, &format!("{schema}.sqlite3"));
        chatdb(dir.path())
            .args(["-d", &url, "-s", schema, "migrate"])
            .assert()
            .success();
        let out =
            run(chatdb(dir.path()).args(["-d", &url, "-s", schema, "explain", "--format", "json"]));
        assert_servable(&out, schema, "SQLite");

        let pg = ["-d", db.url.as_str(), "-s", schema, "--namespace", schema];
        chatdb(dir.path())
            .args(pg)
            .arg("migrate")
            .assert()
            .success();
        let out = run(chatdb(dir.path())
            .args(pg)
            .args(["explain", "--format", "json"]));
        assert_servable(&out, schema, "PostgreSQL");
        // The table form exits the same way and names each query.
        let out = run(chatdb(dir.path()).args(pg).arg("explain"));
        assert!(out.status.success(), "{}", stdout(&out));
        assert!(
            stdout(&out).contains("use their expected index"),
            "{}",
            stdout(&out)
        );
    }
    // An empty, never-analyzed table: the index can serve, the planner prefers a scan.
    let out = run(chatdb(dir.path()).args([
        "-d",
        &db.url,
        "-s",
        "focusmate",
        "--namespace",
        "focusmate",
        "explain",
        "latest_posts",
        "--format",
        "json",
    ]));
    let v = json(&out);
    let q = query(&v, "latest_posts");
    assert_eq!(q["verdict"], "can_serve", "{q}");
    assert!(q["verdict_detail"]
        .as_str()
        .unwrap_or("")
        .contains("no statistics"));
    let kinds: Vec<&str> = q["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .map(|f| f["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, ["unserved_sort"]);
}

#[test]
fn unknown_query_names_are_refused_with_the_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, _) = sqlite_in(&dir, "c.sqlite3");
    chatdb(dir.path())
        .args(["-d", &url, "migrate"])
        .assert()
        .success();
    let out = run(chatdb(dir.path()).args(["-d", &url, "explain", "room_histroy"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no hot query `room_histroy`")
            && stderr(&out).contains("room_history"),
        "{}",
        stderr(&out)
    );
}

/// First the index is dropped, then recreated under its name over the wrong column:
/// (statement, what explain must then say).
const BREAKS: [(&str, &str); 2] = [
    (
        "DROP INDEX idx_messages_room",
        "idx_messages_room does not exist",
    ),
    (
        "CREATE INDEX idx_messages_room ON messages (sender_id)",
        "idx_messages_room cannot serve it",
    ),
];

fn assert_fails_naming(out: &Output, needle: &str) {
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        stdout(out),
        stderr(out)
    );
    let text = stdout(out);
    for q in ["room_history", "unread_count", "user_rooms"] {
        assert!(text.contains(&format!("{q}: FAIL: ")), "{q} fails:\n{text}");
    }
    assert!(text.contains(needle), "{needle}:\n{text}");
    // Queries that do not need the index still pass.
    assert!(!text.contains("user_by_email: FAIL"), "{text}");
    assert!(text.contains("CANNOT be served"), "{text}");
}

#[test]
fn a_dropped_or_mismatched_expected_index_fails_naming_query_and_index_postgres() {
    let db = pg_or_skip!("explain_dropped");
    let dir = tempfile::tempdir().expect("tempdir");
    let args = ["-d", db.url.as_str(), "-s", "chat"];
    chatdb(dir.path())
        .args(args)
        .arg("migrate")
        .assert()
        .success();
    let mut client = db.client();
    for (sql, needle) in BREAKS {
        client.batch_execute(sql).expect("alter index");
        let out = run(chatdb(dir.path()).args(args).arg("explain"));
        assert_fails_naming(&out, needle);
    }
}

#[test]
fn a_dropped_or_mismatched_expected_index_fails_naming_query_and_index_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_in(&dir, "c.sqlite3");
    let args = ["-d", url.as_str(), "-s", "chat"];
    chatdb(dir.path())
        .args(args)
        .arg("migrate")
        .assert()
        .success();
    let conn = rusqlite::Connection::open(&path).expect("open");
    for (sql, needle) in BREAKS {
        conn.execute_batch(sql).expect("alter index");
        let out = run(chatdb(dir.path()).args(args).arg("explain"));
        assert_fails_naming(&out, needle);
    }
}

/// id of the n-th row of a kind: a fixed UUID, so that the manifest's samples hit data.
fn uuid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// A few thousand chat rows in SQL both dialects accept. The manifest's samples are user 1
/// (uuid(1)) and room 1 (uuid(0xa1)); user 1 is in 20 rooms, room 1 has 1,000+ messages.
fn chat_rows() -> Vec<String> {
    let room = |r: u32| uuid(0xa0 + r);
    let mut sql = Vec::new();
    let users: Vec<String> = (1..=200)
        .map(|u| format!("('{}', 'user{u}', 'user{u}@example.com', 'x')", uuid(u)))
        .collect();
    sql.push(format!(
        "INSERT INTO users (id, username, email, password_hash) VALUES {}",
        users.join(", ")
    ));
    let rooms: Vec<String> = (1..=100).map(|r| format!("('{}')", room(r))).collect();
    sql.push(format!(
        "INSERT INTO chat_rooms (id) VALUES {}",
        rooms.join(", ")
    ));
    let members: Vec<String> = (1..=100)
        .flat_map(|r| {
            let first = if r <= 20 { 1 } else { r };
            [
                format!("('{}', '{}')", room(r), uuid(first)),
                format!("('{}', '{}')", room(r), uuid(r + 100)),
            ]
        })
        .collect();
    sql.push(format!(
        "INSERT INTO chat_room_members (room_id, user_id) VALUES {}",
        members.join(", ")
    ));
    let messages: Vec<String> = (1..=3000u32)
        .map(|g| {
            let r = if g % 3 == 0 { 1 } else { g % 100 + 1 };
            let sender = if g % 2 == 0 { uuid(1) } else { uuid(101) };
            format!(
                "('{}', '{}', '{sender}', 'message {g}', '2026-01-{:02} {:02}:{:02}:00')",
                uuid(0x10000 + g),
                room(r),
                1 + g / 1440,
                g % 1440 / 60,
                g % 60
            )
        })
        .collect();
    sql.push(format!(
        "INSERT INTO messages (id, room_id, sender_id, content, created_at) VALUES {}",
        messages.join(", ")
    ));
    let reads: Vec<String> = (1..=1500u32)
        .filter(|g| g % 3 == 0)
        .map(|g| format!("('{}', '{}')", uuid(0x10000 + g), uuid(1)))
        .collect();
    sql.push(format!(
        "INSERT INTO message_reads (message_id, user_id) VALUES {}",
        reads.join(", ")
    ));
    sql
}

const CHAT_TABLES: [&str; 5] = [
    "users",
    "chat_rooms",
    "chat_room_members",
    "messages",
    "message_reads",
];

fn assert_measured(v: &Value, dialect: &str) {
    assert_eq!(v["analyze"], true);
    for q in queries(v) {
        let m = &q["analyzed"]["measured"];
        let ms = m["execution_ms"].as_f64().unwrap_or(-1.0);
        assert!(ms > 0.0, "{dialect} {}: real timing, got {m}", q["name"]);
        assert!(m["rows"].is_u64(), "{}", q["name"]);
        if dialect == "PostgreSQL" {
            assert!(m["buffers"]["shared_hit"].is_u64(), "{}", q["name"]);
        } else {
            assert!(m["sqlite"]["vm_steps"].is_i64(), "{}", q["name"]);
        }
    }
    assert_eq!(
        query(v, "room_history")["analyzed"]["measured"]["rows"],
        50,
        "{dialect}: a full page"
    );
    assert_eq!(
        query(v, "user_rooms")["analyzed"]["measured"]["rows"],
        20,
        "{dialect}: user 1 is in 20 rooms"
    );
    assert_eq!(query(v, "user_by_email")["analyzed"]["measured"]["rows"], 1);
    assert_eq!(v["summary"]["cannot_serve"], 0);
}

#[test]
fn analyze_measures_real_runs_and_changes_no_rows_postgres() {
    let db = pg_or_skip!("explain_analyze");
    let dir = tempfile::tempdir().expect("tempdir");
    let args = ["-d", db.url.as_str(), "-s", "chat"];
    chatdb(dir.path())
        .args(args)
        .arg("migrate")
        .assert()
        .success();
    let mut client = db.client();
    for sql in chat_rows() {
        client.batch_execute(&sql).expect("insert");
    }
    client.batch_execute("ANALYZE").expect("analyze");
    let counts = |c: &mut postgres::Client| -> Vec<i64> {
        CHAT_TABLES
            .iter()
            .map(|t| {
                c.query_one(&format!("SELECT count(*) FROM {t}"), &[])
                    .expect("count")
                    .get(0)
            })
            .collect()
    };
    let before = counts(&mut client);
    assert_eq!(before[3], 3000);

    let out = run(chatdb(dir.path())
        .args(args)
        .args(["explain", "--analyze", "--format", "json"]));
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let v = json(&out);
    assert_measured(&v, "PostgreSQL");
    // With data and statistics the planner prefers the index for the room's history.
    assert_eq!(query(&v, "room_history")["verdict"], "prefers");

    let out = run(chatdb(dir.path())
        .args(args)
        .args(["explain", "--analyze", "-v"]));
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains(" ms") && text.contains("hit "), "{text}");
    assert!(
        text.contains("Execution") || text.contains("execution"),
        "{text}"
    );
    assert_eq!(counts(&mut client), before, "explain changed no rows");
}

#[test]
fn analyze_measures_real_runs_and_changes_no_rows_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_in(&dir, "c.sqlite3");
    let args = ["-d", url.as_str(), "-s", "chat"];
    chatdb(dir.path())
        .args(args)
        .arg("migrate")
        .assert()
        .success();
    let conn = rusqlite::Connection::open(&path).expect("open");
    for sql in chat_rows() {
        conn.execute_batch(&sql).expect("insert");
    }
    // Statistics make the "can serve" check use its statistics-free copy of the schema.
    conn.execute_batch("ANALYZE").expect("analyze");
    let counts = |c: &rusqlite::Connection| -> Vec<i64> {
        CHAT_TABLES
            .iter()
            .map(|t| {
                c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                    .expect("count")
            })
            .collect()
    };
    let before = counts(&conn);
    assert_eq!(before[3], 3000);

    let out = run(chatdb(dir.path())
        .args(args)
        .args(["explain", "--analyze", "--format", "json"]));
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let v = json(&out);
    assert_measured(&v, "SQLite");
    let how = query(&v, "room_history")["forced_plan"]["how"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(how.contains("without statistics"), "{how}");

    let out = run(chatdb(dir.path()).args(args).args(["explain", "--analyze"]));
    assert!(out.status.success());
    assert!(stdout(&out).contains(" ms"), "{}", stdout(&out));
    assert_eq!(counts(&conn), before, "explain changed no rows");
}

/// A --schema-dir schema whose one hot query writes.
fn writing_schema(root: &Path) {
    let table = "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b');\n";
    schema_dir(
        root,
        "demo",
        &[
            ("postgres", "V1__t.sql", table),
            ("sqlite", "V1__t.sql", table),
        ],
    );
    std::fs::create_dir_all(root.join("schemas")).expect("mkdir");
    std::fs::write(
        root.join("schemas/demo.toml"),
        r#"description = "a hot query that writes"

[[query]]
name = "delete_one"
purpose = "a DELETE declared as a hot query"
index = "t_pkey"
params = [{ name = "id", type = "int4", sample = 1 }]
postgres.sql = "DELETE FROM t WHERE id = $1"
sqlite.sql = "DELETE FROM t WHERE id = ?1"
sqlite.index = []
"#,
    )
    .expect("write manifest");
}

fn assert_refuses_to_write(dir: &Path, args: &[&str], count: &mut dyn FnMut() -> i64) {
    let out = run(chatdb(dir).args(args).args(["explain", "--analyze"]));
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("delete_one") && stderr(&out).contains("read-only"),
        "{}",
        stderr(&out)
    );
    assert_eq!(count(), 2, "nothing deleted");
    // Plain EXPLAIN plans it without running it.
    let out = run(chatdb(dir).args(args).arg("explain"));
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(count(), 2);
}

#[test]
fn explain_never_writes_even_when_a_hot_query_would() {
    let dir = tempfile::tempdir().expect("tempdir");
    writing_schema(dir.path());
    let root = dir.path().to_str().expect("utf-8 path");

    let (url, path) = sqlite_in(&dir, "w.sqlite3");
    let args = ["-d", url.as_str(), "--schema-dir", root, "-s", "demo"];
    chatdb(dir.path())
        .args(args)
        .arg("migrate")
        .assert()
        .success();
    let conn = rusqlite::Connection::open(&path).expect("open");
    assert_refuses_to_write(dir.path(), &args, &mut || {
        conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .expect("count")
    });

    let db = pg_or_skip!("explain_never_writes");
    let args = ["-d", db.url.as_str(), "--schema-dir", root, "-s", "demo"];
    chatdb(dir.path())
        .args(args)
        .arg("migrate")
        .assert()
        .success();
    let mut client = db.client();
    assert_refuses_to_write(dir.path(), &args, &mut || {
        client
            .query_one("SELECT count(*) FROM t", &[])
            .expect("count")
            .get(0)
    });
}

#[test]
fn analyze_cancels_a_query_at_the_statement_timeout_and_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let table = "CREATE TABLE t (id INTEGER PRIMARY KEY);\n";
    schema_dir(
        dir.path(),
        "slow",
        &[
            ("postgres", "V1__t.sql", table),
            ("sqlite", "V1__t.sql", table),
        ],
    );
    std::fs::create_dir_all(dir.path().join("schemas")).expect("mkdir");
    std::fs::write(
        dir.path().join("schemas/slow.toml"),
        r#"[[query]]
name = "slow"
purpose = "runs far longer than the statement timeout"
postgres.sql = "SELECT pg_sleep(30)"
sqlite.sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000000) SELECT count(*) FROM c"

[[query]]
name = "fast"
purpose = "still analyzed after the slow one"
postgres.sql = "SELECT count(*) FROM t"
sqlite.sql = "SELECT count(*) FROM t"
"#,
    )
    .expect("write manifest");
    let root = dir.path().to_str().expect("utf-8 path");
    let check = |url: &str| {
        let args = ["-d", url, "--schema-dir", root, "-s", "slow"];
        chatdb(dir.path())
            .args(args)
            .arg("migrate")
            .assert()
            .success();
        let started = std::time::Instant::now();
        let out = run(chatdb(dir.path()).args(args).args([
            "explain",
            "--analyze",
            "--statement-timeout",
            "300ms",
            "--format",
            "json",
        ]));
        assert!(
            started.elapsed().as_secs() < 20,
            "cancelled, not waited out"
        );
        assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
        let v = json(&out);
        let slow = query(&v, "slow");
        assert_eq!(slow["analyzed"]["timed_out"], true, "{slow}");
        assert_eq!(slow["flags"][0]["kind"], "timed_out");
        assert_eq!(slow["verdict"], "no_expectation");
        let fast = query(&v, "fast");
        assert_eq!(fast["analyzed"]["measured"]["rows"], 1);
    };
    let (url, _) = sqlite_in(&dir, "s.sqlite3");
    check(&url);
    let db = pg_or_skip!("explain_timeout");
    check(&db.url);
}

/// Replaces values that vary between runs and machines.
fn redact(v: &mut Value) {
    const VARYING: [&str; 13] = [
        "database",
        "server",
        "startup_cost",
        "total_cost",
        "estimated_cost",
        "execution_ms",
        "planning_ms",
        "total_ms",
        "shared_hit",
        "shared_read",
        "temp_read",
        "temp_written",
        "vm_steps",
    ];
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if VARYING.contains(&k.as_str()) {
                    *val = Value::String(format!("[{k}]"));
                } else {
                    redact(val);
                }
            }
        }
        Value::Array(list) => list.iter_mut().for_each(redact),
        _ => {}
    }
}

#[test]
fn explain_json_shape_postgres() {
    let db = pg_or_skip!("explain_json");
    let dir = tempfile::tempdir().expect("tempdir");
    let args = ["-d", db.url.as_str(), "-s", "chat"];
    chatdb(dir.path())
        .args(args)
        .arg("migrate")
        .assert()
        .success();
    let out = run(chatdb(dir.path()).args(args).args([
        "explain",
        "room_history",
        "user_by_email",
        "--analyze",
        "--format",
        "json",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let mut v = json(&out);
    redact(&mut v);
    // How a generic plan is obtained depends on the server version (GENERIC_PLAN on 16+).
    for q in v["queries"].as_array_mut().expect("queries") {
        for plan in ["plan", "forced_plan"] {
            q[plan]["how"] = Value::String("[how]".into());
        }
    }
    insta::assert_json_snapshot!("explain_json_postgres", v);
}

#[test]
fn explain_json_shape_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, _) = sqlite_in(&dir, "c.sqlite3");
    let args = ["-d", url.as_str(), "-s", "chat"];
    chatdb(dir.path())
        .args(args)
        .arg("migrate")
        .assert()
        .success();
    let out = run(chatdb(dir.path()).args(args).args([
        "explain",
        "room_history",
        "user_by_email",
        "--analyze",
        "--format",
        "json",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let mut v = json(&out);
    redact(&mut v);
    insta::assert_json_snapshot!("explain_json_sqlite", v);
}
