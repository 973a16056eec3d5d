//! `check` against real databases in both dialects: freshly migrated ones are clean, and
//! databases broken on purpose produce exactly the expected findings.

use std::path::Path;

use serde_json::Value;

use crate::common::*;
use crate::pg_or_skip;

/// Runs `check --format json` with `args` (global options, and `--strict`) and returns
/// (exit code, report).
pub(crate) fn check(dir: &Path, args: &[&str]) -> (i32, Value) {
    let (strict, global): (Vec<&str>, Vec<&str>) = args.iter().partition(|a| **a == "--strict");
    let out = chatdb(dir)
        .args(global)
        .args(["check", "--format", "json"])
        .args(strict)
        .output()
        .expect("chatdb runs");
    let code = out.status.code().unwrap_or(-1);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("exit {code}, not JSON ({e}): {}", stderr(&out)));
    (code, report)
}

/// The findings as `rule object` strings, in report order.
pub(crate) fn findings(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap_or("?"),
                f["object"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

pub(crate) fn migrate(dir: &Path, args: &[&str]) {
    chatdb(dir).args(args).arg("migrate").assert().success();
}

pub(crate) fn sqlite_exec(path: &Path, sql: &str) {
    rusqlite::Connection::open(path)
        .expect("open sqlite")
        .execute_batch(sql)
        .expect("sqlite fixture SQL");
}

/// A migrated SQLite `chat` database in `dir`.
pub(crate) fn sqlite_chat(dir: &tempfile::TempDir) -> (String, std::path::PathBuf) {
    let (url, path) = sqlite_in(dir, "chat.sqlite3");
    migrate(dir.path(), &["-d", &url]);
    (url, path)
}

/// SQLite's own info hint, present in every SQLite report of a database never analysed.
pub(crate) const NO_STATS: &str = "missing-statistics sqlite_stat1";

/// A freshly migrated SQLite database of `schema`: no finding but SQLite's statistics hint,
/// under every rule (whole schema and indexes), with `--strict`.
fn fresh_sqlite_is_clean(schema: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, _) = sqlite_in(&dir, &format!("{schema}.sqlite3"));
    migrate(dir.path(), &["-d", &url, "-s", schema]);
    let (code, report) = check(dir.path(), &["-d", &url, "-s", schema, "--strict"]);
    assert_eq!(code, 0, "{schema} sqlite: {report:#}");
    assert_eq!(findings(&report), [NO_STATS], "{schema} sqlite");
}

/// The same on PostgreSQL, in a namespace named after the schema: no finding at all.
fn fresh_postgres_is_clean(schema: &str) {
    let db = pg_or_skip!(&format!("check_fresh_{schema}"));
    let dir = tempfile::tempdir().expect("tempdir");
    let pg = ["-d", db.url.as_str(), "-s", schema, "--namespace", schema];
    migrate(dir.path(), &pg);
    let mut args = pg.to_vec();
    args.push("--strict");
    let (code, report) = check(dir.path(), &args);
    assert_eq!(code, 0, "{schema} postgres: {report:#}");
    assert_eq!(findings(&report), Vec::<String>::new(), "{schema} postgres");
    assert_eq!(report["namespace"], schema);
}

#[test]
fn fresh_chat_has_no_findings_sqlite() {
    fresh_sqlite_is_clean("chat");
}

#[test]
fn fresh_focusmate_has_no_findings_sqlite() {
    fresh_sqlite_is_clean("focusmate");
}

#[test]
fn fresh_classroom_has_no_findings_sqlite() {
    fresh_sqlite_is_clean("classroom");
}

#[test]
fn fresh_assistant_has_no_findings_sqlite() {
    fresh_sqlite_is_clean("assistant");
}

#[test]
fn fresh_chat_has_no_findings_postgres() {
    fresh_postgres_is_clean("chat");
}

#[test]
fn fresh_focusmate_has_no_findings_postgres() {
    fresh_postgres_is_clean("focusmate");
}

#[test]
fn fresh_classroom_has_no_findings_postgres() {
    fresh_postgres_is_clean("classroom");
}

#[test]
fn fresh_assistant_has_no_findings_postgres() {
    fresh_postgres_is_clean("assistant");
}

#[test]
fn every_schema_has_its_fresh_test() {
    let me = include_str!("check.rs");
    for schema in SCHEMAS {
        for dialect in ["sqlite", "postgres"] {
            assert!(
                me.contains(&format!("fn fresh_{schema}_has_no_findings_{dialect}()")),
                "{schema} {dialect}"
            );
        }
    }
}

#[test]
fn check_respects_the_namespace() {
    let db = pg_or_skip!("check_namespace");
    let dir = tempfile::tempdir().expect("tempdir");
    migrate(
        dir.path(),
        &["-d", &db.url, "-s", "chat", "--namespace", "chat"],
    );
    // --namespace is respected: classroom is not installed in namespace chat.
    let out = chatdb(dir.path())
        .args([
            "-d",
            &db.url,
            "-s",
            "classroom",
            "--namespace",
            "chat",
            "check",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("schema `classroom` is not installed")
            && stderr(&out).contains("(namespace chat)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_expected_set_is_the_canonical_schema_at_the_applied_version() {
    // chat at V1 still has the design document's defects: its duplicate indexes and the
    // unindexed messages.sender_id are reported, and nothing V2/V3 adds is "missing".
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, _) = sqlite_in(&dir, "v1.sqlite3");
    chatdb(dir.path())
        .args(["-d", &url, "migrate", "--target", "1"])
        .assert()
        .success();
    let (code, report) = check(dir.path(), &["-d", &url]);
    assert_eq!(code, 0, "warnings only: {report:#}");
    assert_eq!(
        findings(&report),
        [
            "fk-without-index messages(sender_id) -> users(id)",
            "duplicate-index idx_users_email",
            "duplicate-index idx_users_username",
            NO_STATS,
        ]
    );
    assert_eq!(report["applied_version"], 1);
    assert_eq!(report["latest_version"], 3);
    let (code, _) = check(dir.path(), &["-d", &url, "--strict"]);
    assert_eq!(code, 1, "--strict fails on warnings");
}

#[test]
fn a_dropped_expected_index_is_missing_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_chat(&dir);
    sqlite_exec(&path, "DROP INDEX idx_messages_created_at;");
    let (code, report) = check(dir.path(), &["-d", &url]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report),
        ["missing-index idx_messages_created_at", NO_STATS]
    );
    assert_eq!(
        report["findings"][0]["fix"],
        "CREATE INDEX idx_messages_created_at ON messages (created_at);"
    );
}

#[test]
fn a_dropped_expected_index_is_missing_postgres() {
    let db = pg_or_skip!("check_missing");
    let dir = tempfile::tempdir().expect("tempdir");
    migrate(dir.path(), &["-d", &db.url]);
    // Dropping an FK's index: missing-index says so, and fk-without-index stays silent
    // (the missing index's fix restores the key's index; two fixes would build two).
    db.client()
        .batch_execute("DROP INDEX idx_messages_sender")
        .expect("drop");
    let (code, report) = check(dir.path(), &["-d", &db.url]);
    assert_eq!(code, 1);
    assert_eq!(findings(&report), ["missing-index idx_messages_sender"]);
    assert_eq!(
        report["findings"][0]["fix"],
        "CREATE INDEX CONCURRENTLY idx_messages_sender ON public.messages USING btree (sender_id);"
    );
}

#[test]
fn an_index_recreated_on_other_columns_differs_in_both_dialects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_chat(&dir);
    let alter = "DROP INDEX idx_messages_room; CREATE INDEX idx_messages_room ON messages (room_id, created_at);";
    sqlite_exec(&path, alter);
    let (code, report) = check(dir.path(), &["-d", &url]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report),
        ["index-definition-differs idx_messages_room", NO_STATS]
    );
    assert_eq!(
        report["findings"][0]["message"],
        "differs from the canonical schema at V3: columns (room_id, created_at) instead of (room_id, created_at DESC)"
    );

    let db = pg_or_skip!("check_differs");
    migrate(dir.path(), &["-d", &db.url]);
    db.client()
        .batch_execute("DROP INDEX idx_messages_room; CREATE INDEX idx_messages_room ON messages (room_id) WHERE content <> '';")
        .expect("alter");
    let (code, report) = check(dir.path(), &["-d", &db.url]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report),
        ["index-definition-differs idx_messages_room"]
    );
    assert_eq!(
        report["findings"][0]["message"],
        "differs from the canonical schema at V3: columns (room_id) instead of (room_id, created_at DESC); WHERE content <> ''::text instead of no predicate"
    );
}

#[test]
fn a_duplicate_index_is_reported_once_in_both_dialects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_chat(&dir);
    // Same columns as the canonical idx_messages_sender: the copy is the one reported,
    // and extra-index leaves it to duplicate-index.
    let dup = "CREATE INDEX messages_sender_copy ON messages (sender_id);";
    sqlite_exec(&path, dup);
    let (code, report) = check(dir.path(), &["-d", &url]);
    assert_eq!(code, 0, "a warning alone does not fail");
    assert_eq!(
        findings(&report),
        ["duplicate-index messages_sender_copy", NO_STATS]
    );
    assert_eq!(report["findings"][0]["severity"], "warning");
    let (code, _) = check(dir.path(), &["-d", &url, "--strict"]);
    assert_eq!(code, 1);

    let db = pg_or_skip!("check_duplicate");
    migrate(dir.path(), &["-d", &db.url]);
    // A prefix of the primary key (message_id, user_id).
    db.client()
        .batch_execute("CREATE INDEX message_reads_message ON message_reads (message_id);")
        .expect("dup");
    let (code, report) = check(dir.path(), &["-d", &db.url]);
    assert_eq!(code, 0);
    assert_eq!(findings(&report), ["duplicate-index message_reads_message"]);
    assert_eq!(
        report["findings"][0]["message"],
        "(message_id) is a leading prefix of message_reads_pkey (message_id, user_id), the primary key: every query it serves can use message_reads_pkey, while every write maintains both"
    );
}

/// A --schema-dir schema whose child table's foreign key has no index.
fn unindexed_fk_fixture(root: &Path) {
    let sql = "-- fixture: orders.customer_id has no index\nCREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nCREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL CONSTRAINT orders_customer_id_fkey REFERENCES customers (id) ON DELETE CASCADE, note TEXT);\nCREATE INDEX orders_note ON orders (note);\n";
    for d in ["postgres", "sqlite"] {
        schema_dir(root, "shop", &[(d, "V1__init.sql", sql)]);
    }
}

#[test]
fn an_unindexed_foreign_key_is_a_warning_in_both_dialects() {
    let dir = tempfile::tempdir().expect("tempdir");
    unindexed_fk_fixture(dir.path());
    let sd = dir.path().to_str().expect("utf8");
    let (url, _) = sqlite_in(&dir, "shop.sqlite3");
    let args = ["-d", url.as_str(), "--schema-dir", sd, "-s", "shop"];
    migrate(dir.path(), &args);
    let (code, report) = check(dir.path(), &args);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        findings(&report),
        [
            "fk-without-index orders(customer_id) -> customers(id)",
            NO_STATS
        ]
    );
    assert_eq!(
        report["findings"][0]["fix"],
        "CREATE INDEX orders_customer_id_idx ON orders (customer_id);"
    );

    let db = pg_or_skip!("check_fk");
    let args = ["-d", db.url.as_str(), "--schema-dir", sd, "-s", "shop"];
    migrate(dir.path(), &args);
    let (code, report) = check(dir.path(), &args);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        findings(&report),
        ["fk-without-index orders_customer_id_fkey"]
    );
    assert!(report["findings"][0]["message"]
        .as_str()
        .unwrap_or("")
        .contains("deleting a customers row deletes its orders rows (ON DELETE CASCADE)"));
    let (code, _) = check(dir.path(), &[&args[..], &["--strict"]].concat());
    assert_eq!(code, 1);
}

#[test]
fn an_invalid_index_left_by_a_failed_concurrent_build_postgres() {
    let db = pg_or_skip!("check_invalid");
    let dir = tempfile::tempdir().expect("tempdir");
    migrate(dir.path(), &["-d", &db.url]);
    let mut client = db.client();
    client
        .batch_execute(
            "INSERT INTO users (username, email, password_hash) VALUES ('a', 'a@x', 'same'), ('b', 'b@x', 'same');",
        )
        .expect("rows");
    // Outside any transaction (CONCURRENTLY refuses one); fails on the duplicate rows and
    // leaves the index behind, invalid.
    let err = client
        .batch_execute(
            "CREATE UNIQUE INDEX CONCURRENTLY users_password_hash_key ON users (password_hash)",
        )
        .expect_err("duplicates make the build fail");
    assert!(err.as_db_error().is_some(), "{err}");
    let (code, report) = check(dir.path(), &["-d", &db.url]);
    assert_eq!(code, 1);
    assert_eq!(findings(&report), ["invalid-index users_password_hash_key"]);
    assert_eq!(
        report["findings"][0]["fix"],
        "DROP INDEX CONCURRENTLY public.users_password_hash_key;\nCREATE UNIQUE INDEX CONCURRENTLY users_password_hash_key ON public.users USING btree (password_hash);"
    );
}

#[test]
fn foreign_keys_written_with_the_pragma_off_are_an_error_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_chat(&dir);
    // An application connection that never ran PRAGMA foreign_keys = ON (SQLite's
    // default): the dangling message is accepted, and deleting the room cascades nothing.
    sqlite_exec(
        &path,
        "PRAGMA foreign_keys = OFF;
         INSERT INTO chat_rooms (id) VALUES ('r1');
         INSERT INTO messages (id, room_id, content) VALUES ('m1', 'r1', 'hi'), ('m2', 'r1', 'there');
         DELETE FROM chat_rooms;",
    );
    let (code, report) = check(dir.path(), &["-d", &url]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report),
        ["foreign-keys-off messages(room_id) -> chat_rooms", NO_STATS]
    );
    assert!(report["findings"][0]["message"]
        .as_str()
        .unwrap_or("")
        .starts_with("2 row(s) of messages reference missing chat_rooms rows"));

    // With the rows repaired and statistics gathered, the report is empty.
    sqlite_exec(&path, "DELETE FROM messages; ANALYZE;");
    let (code, report) = check(dir.path(), &["-d", &url]);
    assert_eq!((code, findings(&report)), (0, Vec::<String>::new()));
}

#[test]
fn postgres_only_rules_unused_index_and_unvalidated_key() {
    let db = pg_or_skip!("check_pg_rules");
    let dir = tempfile::tempdir().expect("tempdir");
    migrate(dir.path(), &["-d", &db.url]);
    db.client()
        .batch_execute(
            "CREATE TABLE audit (id INTEGER PRIMARY KEY, v INTEGER);
             INSERT INTO audit SELECT g, g FROM generate_series(1, 100000) AS g;
             CREATE INDEX audit_v ON audit (v);
             CREATE UNIQUE INDEX users_extra_u ON users (email, username);
             ALTER TABLE messages DROP CONSTRAINT messages_sender_id_fkey;
             ALTER TABLE messages ADD CONSTRAINT messages_sender_id_fkey
                 FOREIGN KEY (sender_id) REFERENCES users (id) ON DELETE SET NULL NOT VALID;",
        )
        .expect("fixture");
    let (code, report) = check(dir.path(), &["-d", &db.url]);
    assert_eq!(code, 0, "no errors: {report:#}");
    assert_eq!(
        findings(&report),
        [
            "fk-not-validated messages_sender_id_fkey",
            "extra-table audit",
            "unused-index audit_v",
            "extra-index users_extra_u",
        ],
        "the extra table's own indexes are its finding's, except their health"
    );
    let unused = &report["findings"][2];
    assert_eq!(unused["fix"], "DROP INDEX CONCURRENTLY public.audit_v;");
    assert!(
        unused["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("no scans since statistics"),
        "{unused}"
    );
    // Never a DROP for a unique index.
    assert!(!report["findings"][3]["fix"]
        .as_str()
        .unwrap_or("")
        .contains("DROP"));
}

#[test]
fn check_is_read_only_and_leaves_no_scratch_namespace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_chat(&dir);
    let before = std::fs::read(&path).expect("read");
    let (code, _) = check(dir.path(), &["-d", &url]);
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before,
        "file unchanged"
    );

    let db = pg_or_skip!("check_read_only");
    migrate(
        dir.path(),
        &["-d", &db.url, "-s", "focusmate", "--namespace", "fm"],
    );
    let shape = pg_shape(&mut db.client(), "fm");
    let (code, report) = check(
        dir.path(),
        &["-d", &db.url, "-s", "focusmate", "--namespace", "fm"],
    );
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(pg_shape(&mut db.client(), "fm"), shape);
    let namespaces: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'chatdb_scratch%'",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(namespaces, 0, "the scratch namespace was rolled back");
}

#[test]
fn nothing_installed_is_a_failure_to_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_in(&dir, "empty.sqlite3");
    sqlite_exec(&path, "CREATE TABLE t (id INTEGER PRIMARY KEY);");
    let out = chatdb(dir.path())
        .args(["-d", &url, "check"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("run `chatdb migrate` first"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn json_report_shape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_chat(&dir);
    sqlite_exec(
        &path,
        "DROP INDEX idx_messages_created_at;
         CREATE INDEX messages_sender_copy ON messages (sender_id);
         CREATE INDEX users_last_seen ON users (last_seen_at DESC) WHERE is_active;",
    );
    let (code, mut report) = check(dir.path(), &["-d", &url]);
    assert_eq!(code, 1);
    report["database"] = Value::from("[database]");
    insta::assert_json_snapshot!("check_json_sqlite", report);

    let db = pg_or_skip!("check_json");
    migrate(
        dir.path(),
        &["-d", &db.url, "-s", "classroom", "--namespace", "school"],
    );
    db.client()
        .batch_execute(
            "SET search_path TO school;
             DROP INDEX idx_logs_timestamp;
             DROP INDEX idx_sessions_class;
             CREATE INDEX idx_sessions_class ON sessions (class_id);
             CREATE INDEX sessions_class_copy ON sessions (class_id);",
        )
        .expect("fixture");
    let (code, mut report) = check(
        dir.path(),
        &["-d", &db.url, "-s", "classroom", "--namespace", "school"],
    );
    assert_eq!(code, 1);
    report["database"] = Value::from("[database]");
    if !report["statistics_reset"].is_null() {
        report["statistics_reset"] = Value::from("[timestamp]");
    }
    insta::assert_json_snapshot!("check_json_postgres", report);
}

#[test]
fn table_report_groups_findings_by_severity() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_chat(&dir);
    sqlite_exec(
        &path,
        "DROP INDEX idx_messages_created_at; CREATE INDEX messages_sender_copy ON messages (sender_id);",
    );
    let out = chatdb(dir.path())
        .args(["-d", &url, "check"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let first = text.lines().next().unwrap_or("");
    assert!(
        first.starts_with("chat on sqlite://")
            && first.ends_with("at V3 (latest): 1 error, 1 warning, 1 info"),
        "{text}"
    );
    let e = text.find("ERROR (1)").expect("errors section");
    let w = text.find("WARNING (1)").expect("warnings section");
    let i = text.find("INFO (1)").expect("info section");
    assert!(e < w && w < i, "{text}");
    assert!(
        text.contains("missing-index") && text.contains("CREATE INDEX idx_messages_created_at"),
        "{text}"
    );
}

/// A SQLite fix that needs a table rebuild is that rebuild (run by hand, it converges the
/// table), and `--write-migration` writes it as a rebuild migration of its own.
#[test]
fn a_sqlite_rebuild_fix_converges_and_is_written_as_a_rebuild_migration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = schema_dir(
        dir.path(),
        "tiny",
        &[(
            "sqlite",
            "V1__init.sql",
            "CREATE TABLE c (id INTEGER PRIMARY KEY, note TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, tag TEXT);\nCREATE INDEX c_tag ON c (tag);\n",
        )],
    );
    let sd = root.display().to_string();
    let (url, path) = sqlite_in(&dir, "tiny.db");
    let global = [
        "--schema-dir",
        sd.as_str(),
        "-s",
        "tiny",
        "-d",
        url.as_str(),
    ];
    migrate(dir.path(), &global);
    sqlite_exec(
        &path,
        "INSERT INTO c (id, tag) VALUES (1, 'a'); DROP INDEX c_tag; ALTER TABLE c DROP COLUMN tag; ALTER TABLE c DROP COLUMN note;",
    );
    let (code, report) = check(dir.path(), &global);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        findings(&report)
            .into_iter()
            .filter(|f| f != NO_STATS)
            .collect::<Vec<_>>(),
        [
            "missing-column note",
            "missing-column tag",
            "missing-index c_tag"
        ]
    );
    let fixes: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["fix"].as_str())
        .collect();
    assert!(
        fixes[0].contains("rebuilds c") && fixes[0].contains("PRAGMA foreign_keys = OFF;"),
        "{}",
        fixes[0]
    );
    assert_eq!(
        fixes[1],
        "-- the rebuild of c in the fix of missing-column note above converges this too"
    );

    let out = chatdb(dir.path())
        .args(global)
        .args(["check", "--write-migration", "converge"])
        .output()
        .expect("check");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let written: Vec<String> = std::fs::read_dir(root.join("sql/sqlite/tiny"))
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("converge_rebuild_c"))
        .collect();
    assert_eq!(written.len(), 1, "{written:?}: {}", stderr(&out));

    sqlite_exec(&path, fixes[0]);
    let (code, report) = check(dir.path(), &global);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(findings(&report), [NO_STATS]);
    let rows: i64 = rusqlite::Connection::open(&path)
        .expect("open")
        .query_row(
            "SELECT count(*) FROM c WHERE id = 1 AND note IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(rows, 1, "the rebuild kept the row");
}

/// check's printed SQLite rebuild fix re-creates what the drop of the table takes with it
/// or breaks: its trigger (which still fires after the fix) and a view that names it.
#[test]
fn a_printed_sqlite_rebuild_fix_keeps_the_tables_trigger_and_view() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = schema_dir(
        dir.path(),
        "tiny",
        &[(
            "sqlite",
            "V1__init.sql",
            "CREATE TABLE c (id INTEGER PRIMARY KEY, note TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, tag TEXT);
\
             CREATE TABLE c_log (c_id INTEGER);
\
             CREATE TRIGGER c_logged AFTER INSERT ON c BEGIN INSERT INTO c_log (c_id) VALUES (NEW.id); END;
\
             CREATE VIEW c_tags AS SELECT id, tag FROM c;
",
        )],
    );
    let sd = root.display().to_string();
    let (url, path) = sqlite_in(&dir, "tiny.db");
    let global = [
        "--schema-dir",
        sd.as_str(),
        "-s",
        "tiny",
        "-d",
        url.as_str(),
    ];
    migrate(dir.path(), &global);
    // SQLite cannot add `note` back (its default is the clock): only a rebuild can.
    sqlite_exec(
        &path,
        "INSERT INTO c (id, tag) VALUES (1, 'a'); DROP VIEW c_tags; ALTER TABLE c DROP COLUMN note; CREATE VIEW c_tags AS SELECT id, tag FROM c;",
    );
    let (code, report) = check(dir.path(), &global);
    assert_eq!(code, 1, "{report:#}");
    let fix = report["findings"][0]["fix"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(fix.contains("rebuilds c"), "{fix}");
    for part in ["CREATE TRIGGER c_logged", "CREATE VIEW c_tags"] {
        assert!(fix.contains(part), "{part}:\n{fix}");
    }

    sqlite_exec(&path, &fix);
    let (code, report) = check(dir.path(), &global);
    assert_eq!(code, 0, "{report:#}");
    assert!(
        findings(&report).iter().all(|f| f == NO_STATS),
        "{report:#}"
    );
    sqlite_exec(&path, "INSERT INTO c (id, tag) VALUES (2, 'b');");
    let conn = rusqlite::Connection::open(&path).expect("open");
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert_eq!(
        count("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name = 'c_logged'"),
        1
    );
    assert_eq!(
        count("SELECT count(*) FROM c_log"),
        2,
        "the trigger fired for the first row and still fires after the rebuild"
    );
    assert_eq!(count("SELECT count(*) FROM c_tags"), 2);
}

/// A dropped table (with foreign keys to two others, and an index) is `missing-table`,
/// whose fix creates it whole; its keys come after, from `foreign-key-differs`; the fixes
/// make `check` clean, in both dialects.
#[test]
fn a_dropped_table_is_missing_and_its_fixes_restore_it_in_both_dialects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_chat(&dir);
    sqlite_exec(&path, "DROP TABLE message_reads;");
    let (code, report) = check(dir.path(), &["-d", &url]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(findings(&report), ["missing-table message_reads", NO_STATS]);
    run_fixes(&report["findings"], &mut |fix| sqlite_exec(&path, fix));
    let (code, report) = check(dir.path(), &["-d", &url, "--strict"]);
    assert_eq!(code, 0, "{report:#}");

    let db = pg_or_skip!("check_missing_table");
    migrate(dir.path(), &["-d", &db.url]);
    let mut client = db.client();
    client
        .batch_execute("DROP TABLE message_reads")
        .expect("drop");
    let (code, report) = check(dir.path(), &["-d", &db.url]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        findings(&report),
        [
            "missing-table message_reads",
            "foreign-key-differs message_reads_message_id_fkey",
            "foreign-key-differs message_reads_user_id_fkey",
        ]
    );
    run_fixes(&report["findings"], &mut pg_fix(&mut client));
    let (code, report) = check(dir.path(), &["-d", &db.url, "--strict"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(findings(&report), Vec::<String>::new());
}

/// Drift on focusmate's `user` (a keyword, so every fix must quote it): PostgreSQL's fixes
/// name `public."user"`; SQLite's rebuild of `"user"`, which other tables reference with
/// ON DELETE CASCADE, keeps the rows of those tables (it runs with foreign keys off).
#[test]
fn drift_on_the_user_table_is_fixed_with_quoted_names_and_no_cascade_in_both_dialects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_in(&dir, "fm.sqlite3");
    let lite = ["-d", url.as_str(), "-s", "focusmate"];
    migrate(dir.path(), &lite);
    sqlite_exec(
        &path,
        "INSERT INTO \"user\" (id, email, username, hashed_password) VALUES ('u1', 'a@x', 'a', 'h');
         INSERT INTO room (id, room_name, host_id) VALUES ('r1', 'focus', 'u1');
         ALTER TABLE \"user\" DROP COLUMN created_at;",
    );
    let (code, report) = check(dir.path(), &lite);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(findings(&report), ["missing-column created_at", NO_STATS]);
    let fix = report["findings"][0]["fix"].as_str().unwrap_or_default();
    assert!(
        fix.contains("rebuilds user") && fix.contains("DROP TABLE \"user\";"),
        "{fix}"
    );
    run_fixes(&report["findings"], &mut |fix| sqlite_exec(&path, fix));
    let (code, report) = check(dir.path(), &lite);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(findings(&report), Vec::<String>::new(), "ANALYZE ran too");
    let c = rusqlite::Connection::open(&path).expect("open");
    let rooms: i64 = c
        .query_row("SELECT count(*) FROM room WHERE host_id = 'u1'", [], |r| {
            r.get(0)
        })
        .expect("count");
    assert_eq!(rooms, 1, "the rebuild of user cascaded to room");

    let db = pg_or_skip!("check_user_drift");
    let pg = ["-d", db.url.as_str(), "-s", "focusmate"];
    migrate(dir.path(), &pg);
    let mut client = db.client();
    client
        .batch_execute(
            "ALTER TABLE \"user\" DROP COLUMN bio;
             ALTER TABLE \"user\" ALTER COLUMN is_active SET DEFAULT false;
             ALTER TABLE room DROP CONSTRAINT room_host_id_fkey;",
        )
        .expect("drift");
    let (code, report) = check(dir.path(), &pg);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        findings(&report),
        [
            "missing-column bio",
            "column-differs is_active",
            "foreign-key-differs room_host_id_fkey"
        ]
    );
    let text = report["findings"].to_string();
    assert!(
        text.contains(r#"ALTER TABLE public.\"user\" ADD COLUMN bio text;"#)
            && text.contains(r#"REFERENCES public.\"user\" (id) ON DELETE CASCADE NOT VALID;"#),
        "{report:#}"
    );
    run_fixes(&report["findings"], &mut pg_fix(&mut client));
    let (code, report) = check(dir.path(), &pg);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(findings(&report), Vec::<String>::new());
}
