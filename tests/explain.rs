//! `explain` against both dialects: every hot query and every retention policy's batch
//! DELETE is servable by its expected index on a fresh database, a dropped or mismatched
//! index fails naming query and index, `--analyze` measures real runs (cleanup DELETEs
//! included, cascades in trigger time, on PostgreSQL) and changes nothing, and the JSON
//! shape is snapshot-tested.

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

/// The retention policies of each schema, by table: each has a `cleanup:<table>` entry.
const POLICIES: [(&str, &[&str]); 4] = [
    ("chat", &["messages", "message_reads"]),
    (
        "focusmate",
        &[
            "notifications",
            "matching_pools",
            "matching_messages",
            "chat_messages",
            "message",
        ],
    ),
    ("classroom", &["messages", "sessions", "logs"]),
    ("assistant", &["messages"]),
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
    // After the hot queries, one entry per retention policy, with cleanup's own statement
    // in its keyset form (the steady-state batch).
    let tables = POLICIES
        .iter()
        .find(|(s, _)| *s == schema)
        .expect("listed")
        .1;
    let cleanup: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| n.starts_with("cleanup:"))
        .collect();
    let expected: Vec<String> = tables.iter().map(|t| format!("cleanup:{t}")).collect();
    assert_eq!(cleanup, expected, "{schema} on {dialect}");
    assert_eq!(
        &names[names.len() - tables.len()..],
        cleanup.as_slice(),
        "{schema}: the cleanup entries come after the hot queries"
    );
    for name in &cleanup {
        let q = query(&v, name);
        let sql = q["sql"].as_str().unwrap_or("");
        let (fetch, lower) = if dialect == "PostgreSQL" {
            (
                "< coalesce((SELECT upper FROM u), 'infinity')",
                ">= ($3::text)::timestamptz",
            )
        } else {
            ("WHERE rowid IN (SELECT rowid FROM", ">= ?3")
        };
        assert!(
            sql.starts_with(if dialect == "PostgreSQL" {
                "WITH u AS (SELECT"
            } else {
                "DELETE FROM"
            }) && sql.contains(fetch)
                && sql.contains(lower),
            "{schema}/{name}: {sql}"
        );
        assert_eq!(q["cleanup"]["limit"], 5000, "{name}");
        assert!(q["cleanup"]["cutoff"].is_string(), "{name}");
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
    // The SQLite half first, so that it runs without a PostgreSQL server too.
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
    }
    let db = pg_or_skip!("explain_fresh");
    for (schema, _) in HOT {
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

/// classroom with its logs' time-column index dropped: `cleanup:logs` cannot be served and
/// explain exits 1 naming it and the index; the other entries still pass.
fn assert_cleanup_logs_fails(out: &Output) {
    let text = stdout(out);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", stderr(out));
    assert!(
        text.contains("cleanup:logs: FAIL: idx_logs_timestamp does not exist"),
        "{text}"
    );
    for ok in ["cleanup:sessions", "cleanup:messages", "session_logs"] {
        assert!(!text.contains(&format!("{ok}: FAIL")), "{ok}:\n{text}");
    }
    assert!(text.contains("1 CANNOT be served"), "{text}");
}

#[test]
fn a_dropped_time_column_index_fails_the_cleanup_entry_in_both_dialects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_in(&dir, "classroom.sqlite3");
    let args = ["-d", url.as_str(), "-s", "classroom"];
    chatdb(dir.path())
        .args(args)
        .arg("migrate")
        .assert()
        .success();
    rusqlite::Connection::open(&path)
        .expect("open")
        .execute_batch("DROP INDEX idx_logs_timestamp")
        .expect("drop index");
    assert_cleanup_logs_fails(&run(chatdb(dir.path()).args(args).arg("explain")));

    let db = pg_or_skip!("explain_cleanup_dropped");
    let args = ["-d", db.url.as_str(), "-s", "classroom"];
    chatdb(dir.path())
        .args(args)
        .arg("migrate")
        .assert()
        .success();
    db.client()
        .batch_execute("DROP INDEX idx_logs_timestamp")
        .expect("drop index");
    assert_cleanup_logs_fails(&run(chatdb(dir.path()).args(args).arg("explain")));
    // Named on the command line, alone.
    let out =
        run(chatdb(dir.path())
            .args(args)
            .args(["explain", "cleanup:logs", "--format", "json"]));
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(queries(&v).len(), 1);
    assert_eq!(query(&v, "cleanup:logs")["verdict"], "cannot_serve");
}

/// Expired ended sessions (200 days old, past the 180-day policy), each with messages and
/// logs, next to recent ended sessions and a live one. `{OLD}` / `{RECENT}` / `{NOW}` are
/// the dialect's times.
const EXPIRED_SESSIONS: u32 = 20;
const CHILDREN: u32 = 40;

fn classroom_rows(old: &str, recent: &str, now: &str) -> Vec<String> {
    let school = uuid(0xd0);
    let class = uuid(0xd1);
    let session = |n: u32| uuid(0x20000 + n);
    let mut sql = vec![
        format!("INSERT INTO schools (id, name) VALUES ('{school}', 'S')"),
        format!(
            "INSERT INTO classes (id, school_id, grade, name) VALUES ('{class}', '{school}', '3-1', 'A')"
        ),
    ];
    let total = EXPIRED_SESSIONS + 10;
    let sessions: Vec<String> = (1..=total)
        .map(|n| {
            let ended = if n <= EXPIRED_SESSIONS { old } else { recent };
            format!(
                "('{}', '{class}', 'S{n:07}', {ended}, {ended}, {now})",
                session(n)
            )
        })
        .chain(std::iter::once(format!(
            "('{}', '{class}', 'LIVE0001', {recent}, NULL, {now})",
            session(0)
        )))
        .collect();
    sql.push(format!(
        "INSERT INTO sessions (id, class_id, code, started_at, ended_at, expires_at) VALUES {}",
        sessions.join(", ")
    ));
    let messages: Vec<String> = (0..=total)
        .flat_map(|n| {
            (1..=CHILDREN).map(move |m| format!("('{}', 'nick', 1, 'message {m}')", session(n)))
        })
        .collect();
    sql.push(format!(
        "INSERT INTO messages (session_id, nickname, avatar_id, content) VALUES {}",
        messages.join(", ")
    ));
    let logs: Vec<String> = (0..=total)
        .flat_map(|n| (1..=CHILDREN).map(move |_| format!("('{}', 'join')", session(n))))
        .collect();
    sql.push(format!(
        "INSERT INTO logs (session_id, event_type) VALUES {}",
        logs.join(", ")
    ));
    sql
}

const CLASSROOM_TABLES: [&str; 6] = [
    "schools", "classes", "sessions", "problems", "messages", "logs",
];

fn pg_counts(c: &mut postgres::Client) -> Vec<i64> {
    CLASSROOM_TABLES
        .iter()
        .map(|t| {
            c.query_one(&format!("SELECT count(*) FROM {t}"), &[])
                .expect("count")
                .get(0)
        })
        .collect()
}

#[test]
fn analyze_runs_cleanup_deletes_rolled_back_and_shows_cascade_trigger_time_postgres() {
    let db = pg_or_skip!("explain_cleanup_analyze");
    let dir = tempfile::tempdir().expect("tempdir");
    let args = ["-d", db.url.as_str(), "-s", "classroom"];
    chatdb(dir.path())
        .args(args)
        .arg("migrate")
        .assert()
        .success();
    let mut client = db.client();
    client.batch_execute("SET TIME ZONE 'UTC'").expect("tz");
    for sql in classroom_rows(
        "now() - interval '200 days'",
        "now() - interval '10 days'",
        "now()",
    ) {
        client.batch_execute(&sql).expect("insert");
    }
    client.batch_execute("ANALYZE").expect("analyze");
    let before = pg_counts(&mut client);
    let total = i64::from(EXPIRED_SESSIONS + 11);
    assert_eq!(before[2], total);
    assert_eq!(before[4], total * i64::from(CHILDREN));

    let out = run(chatdb(dir.path())
        .args(args)
        .args(["explain", "--analyze", "--format", "json"]));
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let v = json(&out);
    assert_eq!(v["summary"]["cannot_serve"], 0);
    let q = query(&v, "cleanup:sessions");
    assert_eq!(q["expected_indexes"][0], "idx_sessions_ended_at");
    let a = &q["analyzed"];
    assert!(
        a["how"].as_str().unwrap_or("").contains("rolled back"),
        "{a}"
    );
    let m = &a["measured"];
    assert_eq!(
        m["rows"], EXPIRED_SESSIONS,
        "the batch deleted exactly the expired ended sessions: {m}"
    );
    // The cascades run in the foreign keys' triggers: one call per deleted session each.
    let triggers = m["triggers"].as_array().expect("trigger times");
    for fk in ["messages_session_id_fkey", "logs_session_id_fkey"] {
        let t = triggers
            .iter()
            .find(|t| t["name"] == fk)
            .unwrap_or_else(|| panic!("{fk} in {m}"));
        assert_eq!(t["calls"], EXPIRED_SESSIONS, "{t}");
        assert!(t["ms"].as_f64().unwrap_or(0.0) > 0.0, "{t}");
    }
    let kinds: Vec<&str> = q["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .map(|f| f["kind"].as_str().unwrap_or(""))
        .collect();
    assert!(kinds.contains(&"trigger_time"), "{}", q["flags"]);
    assert!(!kinds.contains(&"estimate_off"), "{}", q["flags"]);
    assert_eq!(pg_counts(&mut client), before, "explain changed no rows");

    // The table shows the trigger time next to the statement's.
    let out = run(chatdb(dir.path())
        .args(args)
        .args(["explain", "cleanup:sessions", "--analyze"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("triggers "), "{text}");
    assert!(
        text.contains("cleanup:sessions: warning: triggers took"),
        "{text}"
    );
    assert_eq!(pg_counts(&mut client), before, "explain changed no rows");

    // An application transaction holding an expired session: the DELETE gives up at its
    // short lock_timeout instead of waiting, and nothing changes.
    let mut holder = db.client();
    let mut tx = holder.transaction().expect("begin");
    tx.batch_execute(&format!(
        "SELECT 1 FROM sessions WHERE id = '{}' FOR UPDATE",
        uuid(0x20001)
    ))
    .expect("lock a row");
    let started = std::time::Instant::now();
    let out = run(chatdb(dir.path()).args(args).args([
        "explain",
        "cleanup:sessions",
        "--analyze",
        "--format",
        "json",
    ]));
    assert!(
        started.elapsed().as_secs() < 20,
        "did not wait the lock out"
    );
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let v = json(&out);
    let q = query(&v, "cleanup:sessions");
    assert_eq!(q["analyzed"]["lock_timed_out"], true, "{q}");
    assert!(
        q["flags"]
            .as_array()
            .expect("flags")
            .iter()
            .any(|f| f["kind"] == "lock_timed_out"),
        "{q}"
    );
    tx.rollback().expect("release");
    assert_eq!(pg_counts(&mut client), before, "explain changed no rows");
}

#[test]
fn analyze_skips_cleanup_deletes_on_sqlite_and_changes_no_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_in(&dir, "classroom.sqlite3");
    let args = ["-d", url.as_str(), "-s", "classroom"];
    chatdb(dir.path())
        .args(args)
        .arg("migrate")
        .assert()
        .success();
    let conn = rusqlite::Connection::open(&path).expect("open");
    for sql in classroom_rows(
        "datetime('now', '-200 days')",
        "datetime('now', '-10 days')",
        "datetime('now')",
    ) {
        conn.execute_batch(&sql).expect("insert");
    }
    let counts = |c: &rusqlite::Connection| -> Vec<i64> {
        CLASSROOM_TABLES
            .iter()
            .map(|t| {
                c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                    .expect("count")
            })
            .collect()
    };
    let before = counts(&conn);
    assert_eq!(before[2], i64::from(EXPIRED_SESSIONS + 11));

    let out = run(chatdb(dir.path())
        .args(args)
        .args(["explain", "--analyze", "--format", "json"]));
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let v = json(&out);
    for name in ["cleanup:messages", "cleanup:sessions", "cleanup:logs"] {
        let q = query(&v, name);
        assert!(q["analyzed"].is_null(), "{name}: not run: {q}");
        assert!(
            q["analyze_skipped"]
                .as_str()
                .unwrap_or("")
                .contains("SQLite has no EXPLAIN ANALYZE"),
            "{q}"
        );
        assert!(
            q["verdict"] == "prefers" || q["verdict"] == "can_serve",
            "{q}"
        );
    }
    // The hot queries still ran.
    assert!(query(&v, "session_logs")["analyzed"]["measured"].is_object());
    // SQLite plans the cascades with the DELETE: index-driven too.
    let used = query(&v, "cleanup:sessions")["indexes_used"].to_string();
    for idx in [
        "idx_sessions_ended_at",
        "idx_messages_session_time",
        "idx_logs_session_time",
    ] {
        assert!(used.contains(idx), "{idx}: {used}");
    }
    let out = run(chatdb(dir.path()).args(args).args(["explain", "--analyze"]));
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("cleanup:sessions: note: --analyze skipped"),
        "{}",
        stdout(&out)
    );
    assert_eq!(counts(&conn), before, "explain changed no rows");
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
        let cleanup = q["name"].as_str().unwrap_or("").starts_with("cleanup:");
        if cleanup && dialect == "SQLite" {
            assert!(q["analyze_skipped"].is_string(), "{q}");
            continue;
        }
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
fn a_policy_without_an_index_is_reported_unjudged_with_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    let table = "CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT NOT NULL);\n";
    schema_dir(dir.path(), "bare", &[("sqlite", "V1__events.sql", table)]);
    std::fs::create_dir_all(dir.path().join("schemas")).expect("mkdir");
    std::fs::write(
        dir.path().join("schemas/bare.toml"),
        r#"[[policy]]
table = "events"
time_column = "at"
keep = "30d"
"#,
    )
    .expect("write manifest");
    let root = dir.path().to_str().expect("utf-8 path");
    let (url, _) = sqlite_in(&dir, "b.sqlite3");
    let args = ["-d", url.as_str(), "--schema-dir", root, "-s", "bare"];
    chatdb(dir.path())
        .args(args)
        .arg("migrate")
        .assert()
        .success();
    // No [[query]] at all: the policy alone is something to explain.
    let out = run(chatdb(dir.path()).args(args).arg("explain"));
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("cleanup:events: note: the policy declares no `index`"),
        "{text}"
    );
    let out = run(chatdb(dir.path())
        .args(args)
        .args(["explain", "--format", "json"]));
    let v = json(&out);
    let q = query(&v, "cleanup:events");
    assert_eq!(q["verdict"], "no_expectation", "{q}");
    // A full scan, since nothing indexes `at`: reported, not judged.
    assert!(
        q["verdict_detail"]
            .as_str()
            .unwrap_or("")
            .contains("SCAN events"),
        "{q}"
    );
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

/// Replaces `from` with `to` in every string of `v`.
fn replace_in_strings(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::String(s) if s.contains(from) => *s = s.replace(from, to),
        Value::Object(map) => map
            .values_mut()
            .for_each(|x| replace_in_strings(x, from, to)),
        Value::Array(list) => list
            .iter_mut()
            .for_each(|x| replace_in_strings(x, from, to)),
        _ => {}
    }
}

/// Replaces the cleanup cutoffs, which come from the database's clock, wherever they show:
/// in `cleanup.cutoff` and inside analyzed plans' conditions. A value inside strings, not a
/// key, so not something an insta selector can name.
fn redact_cutoffs(v: &mut Value) {
    let cutoffs: Vec<String> = queries(v)
        .iter()
        .filter_map(|q| q["cleanup"]["cutoff"].as_str().map(str::to_string))
        .collect();
    for c in cutoffs {
        replace_in_strings(v, &c, "[cutoff]");
    }
}

/// The keys whose values vary between runs and machines, at any depth: insta redactions
/// replace each value with `[<key>]`.
fn varying_keys() -> insta::Settings {
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
    let mut settings = insta::Settings::clone_current();
    for key in VARYING {
        settings.add_redaction(&format!(".**.{key}"), format!("[{key}]"));
    }
    settings
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
        "cleanup:messages",
        "--analyze",
        "--format",
        "json",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let mut v = json(&out);
    redact_cutoffs(&mut v);
    varying_keys().bind(|| {
        // How a generic plan is obtained depends on the server version (GENERIC_PLAN on 16+).
        insta::assert_json_snapshot!("explain_json_postgres", v, {
            ".queries[].plan.how" => "[how]",
            ".queries[].forced_plan.how" => "[how]",
        });
    });
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
        "cleanup:messages",
        "--analyze",
        "--format",
        "json",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let mut v = json(&out);
    redact_cutoffs(&mut v);
    varying_keys().bind(|| insta::assert_json_snapshot!("explain_json_sqlite", v));
}
