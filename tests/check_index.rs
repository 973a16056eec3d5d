//! `check`'s index rules where operator classes, collations, scan direction and partial
//! predicates decide: each fixed false positive or miss, against real PostgreSQL and SQLite,
//! with the planner's own word (EXPLAIN of the queries at stake, and of the referential
//! queries that foreign-key actions run) for why the finding is right.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::check::{check, findings, migrate, sqlite_chat, sqlite_exec, NO_STATS};
use crate::common::*;
use crate::pg_or_skip;

/// The text of a PostgreSQL EXPLAIN of `query`, under `settings` (run first, in the same
/// transaction, rolled back).
fn pg_explain(client: &mut postgres::Client, settings: &str, query: &str) -> String {
    let mut tx = client.transaction().expect("begin");
    tx.batch_execute(settings).expect("settings");
    let plan: Vec<String> = tx
        .query(&format!("EXPLAIN {query}"), &[])
        .expect("explain")
        .iter()
        .map(|r| r.get(0))
        .collect();
    plan.join("\n")
}

/// The plans of the queries PostgreSQL's referential-integrity triggers run when `statement`
/// (a DELETE or UPDATE of a parent row) runs, as auto_explain logs nested statements
/// (`SELECT 1 FROM ONLY child ...`, `DELETE FROM ONLY child ...`). Sequential scans are
/// disabled, so an index the trigger's query can use is used. Rolled back; the statement may
/// fail on a NO ACTION key, which is fine: its checks have run by then.
fn pg_referential_plans(db: &PgDb, statement: &str) -> Vec<String> {
    let notices = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&notices);
    let mut config: postgres::Config = db.url.parse().expect("url");
    config.notice_callback(move |n| {
        if let Ok(mut v) = sink.lock() {
            v.push(n.message().to_string());
        }
    });
    let mut client = config.connect(postgres::NoTls).expect("connect");
    client
        .batch_execute(
            "LOAD 'auto_explain';
             SET auto_explain.log_min_duration = 0;
             SET auto_explain.log_nested_statements = on;
             SET auto_explain.log_level = notice;
             SET enable_seqscan = off;
             SET jit = off;",
        )
        .expect("auto_explain (a superuser session loads it)");
    let mut tx = client.transaction().expect("begin");
    let _ = tx.batch_execute(statement);
    drop(tx);
    let plans = notices.lock().map(|v| v.clone()).unwrap_or_default();
    plans
        .into_iter()
        .filter(|p| p.contains("Query Text:") && p.contains(" ONLY "))
        .collect()
}

/// The one referential plan whose query names `column`.
fn plan_for<'a>(plans: &'a [String], column: &str) -> &'a str {
    let hits: Vec<&String> = plans
        .iter()
        .filter(|p| p.contains(&format!("\"{column}\"")))
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "one referential query on {column}: {plans:#?}"
    );
    hits[0]
}

/// How SQLite's bytecode for `statement` reads `index`: for each cursor opened on the
/// index's root page (in the statement's program and in each trigger program, which
/// foreign-key actions are), `seek` when it is positioned by key, `scan` when it is read
/// from one end to the other. Foreign keys are on, as chatdb and applications set them.
fn sqlite_index_reads(path: &Path, statement: &str, index: &str) -> Vec<&'static str> {
    let conn = rusqlite::Connection::open(path).expect("open sqlite");
    conn.execute_batch("PRAGMA foreign_keys = ON")
        .expect("pragma");
    let root: i64 = conn
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE type = 'index' AND name = ?1",
            [index],
            |r| r.get(0),
        )
        .expect("index exists");
    let mut stmt = conn
        .prepare(&format!("EXPLAIN {statement}"))
        .expect("explain");
    let ops: Vec<(i64, String, i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("explain rows")
        .collect::<rusqlite::Result<_>>()
        .expect("explain rows");
    // Each program (the statement's, then each trigger's) restarts at address 0.
    let mut programs: Vec<Vec<(String, i64, i64)>> = Vec::new();
    for (addr, op, p1, p2) in ops {
        if addr == 0 || programs.is_empty() {
            programs.push(Vec::new());
        }
        if let Some(p) = programs.last_mut() {
            p.push((op, p1, p2));
        }
    }
    let mut reads = Vec::new();
    for program in &programs {
        for (at, (op, cursor, p2)) in program.iter().enumerate() {
            if !(op == "OpenRead" || op == "OpenWrite") || *p2 != root {
                continue;
            }
            let read = program[at + 1..]
                .iter()
                .take_while(|(o, c, _)| !(o.starts_with("Open") && c == cursor))
                .filter(|(_, c, _)| c == cursor)
                .find_map(|(o, _, _)| match o.as_str() {
                    "SeekGE" | "SeekGT" | "SeekLE" | "SeekLT" | "Found" | "NotFound"
                    | "NoConflict" => Some("seek"),
                    "Rewind" | "Last" => Some("scan"),
                    _ => None,
                });
            reads.extend(read);
        }
    }
    reads
}

/// SQLite's EXPLAIN QUERY PLAN of `query`, its detail lines joined.
fn sqlite_query_plan(path: &Path, query: &str) -> String {
    let conn = rusqlite::Connection::open(path).expect("open sqlite");
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {query}"))
        .expect("eqp");
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(3))
        .expect("eqp rows")
        .collect::<rusqlite::Result<_>>()
        .expect("eqp rows");
    lines.join("\n")
}

/// Runs a fix script one statement at a time, as psql would (CONCURRENTLY refuses the
/// implicit transaction of a multi-statement query). Each statement of a fix is one line.
fn pg_run(client: &mut postgres::Client, script: &str) {
    for statement in script.lines().filter(|l| !l.starts_with("--")) {
        client
            .batch_execute(statement)
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

fn message(report: &serde_json::Value, n: usize) -> String {
    report["findings"][n]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn fix(report: &serde_json::Value, n: usize) -> String {
    report["findings"][n]["fix"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn an_index_in_another_opclass_or_collation_beside_a_unique_is_no_duplicate() {
    // SQLite: a COLLATE NOCASE index serves case-blind lookups the UNIQUE cannot.
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_chat(&dir);
    sqlite_exec(
        &path,
        "CREATE INDEX users_username_nocase ON users (username COLLATE NOCASE);
         CREATE INDEX users_username_copy ON users (username);",
    );
    let (_, report) = check(dir.path(), &["-d", &url]);
    assert_eq!(
        findings(&report),
        [
            "duplicate-index users_username_copy",
            "extra-index users_username_nocase",
            NO_STATS
        ],
        "{report:#}"
    );
    assert_eq!(
        message(&report, 1),
        "index on users (username COLLATE NOCASE) is not in the canonical schema at V3"
    );
    let lookup = "SELECT id FROM users WHERE username = 'Ann' COLLATE NOCASE";
    let plan = sqlite_query_plan(&path, lookup);
    assert!(plan.contains("USING INDEX users_username_nocase"), "{plan}");
    sqlite_exec(&path, "DROP INDEX users_username_nocase;");
    let plan = sqlite_query_plan(&path, lookup);
    assert!(plan.starts_with("SCAN users"), "without it: {plan}");

    // PostgreSQL: varchar_pattern_ops serves LIKE 'x%', COLLATE "C" serves ORDER BY under
    // "C"; neither is a duplicate of users_username_key. A plain copy is.
    let db = pg_or_skip!("check_opclass_collation");
    migrate(dir.path(), &["-d", &db.url]);
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE INDEX users_username_pattern ON users (username varchar_pattern_ops);
             CREATE INDEX users_username_c ON users (username COLLATE \"C\");
             CREATE INDEX users_username_copy ON users (username);",
        )
        .expect("indexes");
    let (_, report) = check(dir.path(), &["-d", &db.url]);
    assert_eq!(
        findings(&report),
        [
            "duplicate-index users_username_copy",
            "extra-index users_username_c",
            "extra-index users_username_pattern",
        ],
        "{report:#}"
    );
    assert_eq!(
        message(&report, 1),
        "index on users (username COLLATE \"C\") is not in the canonical schema at V3"
    );
    assert_eq!(
        message(&report, 2),
        "index on users (username varchar_pattern_ops) is not in the canonical schema at V3"
    );
    let off = "SET LOCAL enable_seqscan = off";
    let like = "SELECT id FROM users WHERE username LIKE 'ab%'";
    let sorted = "SELECT username FROM users ORDER BY username COLLATE \"C\" LIMIT 5";
    // (A "C" index serves LIKE prefixes too: leave it out to see the pattern one's part.)
    let plan = pg_explain(
        &mut client,
        &format!("{off}; DROP INDEX users_username_c"),
        like,
    );
    assert!(plan.contains("users_username_pattern"), "{plan}");
    let plan = pg_explain(&mut client, off, sorted);
    assert!(plan.contains("using users_username_c"), "{plan}");
    client
        .batch_execute("DROP INDEX users_username_pattern; DROP INDEX users_username_c; DROP INDEX users_username_copy;")
        .expect("drop");
    let c_locale: bool = client
        .query_one(
            "SELECT datcollate IN ('C', 'POSIX') FROM pg_database WHERE datname = current_database()",
            &[],
        )
        .expect("datcollate")
        .get(0);
    let plan = pg_explain(&mut client, off, like);
    assert!(
        c_locale || !plan.contains("users_username_key"),
        "the UNIQUE serves LIKE only in the C locale: {plan}"
    );
    let plan = pg_explain(&mut client, off, sorted);
    assert!(plan.contains("Sort"), "without it ORDER BY sorts: {plan}");
}

#[test]
fn a_descending_copy_of_an_index_is_a_duplicate_in_both_dialects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_chat(&dir);
    sqlite_exec(
        &path,
        "CREATE INDEX messages_created_desc ON messages (created_at DESC);",
    );
    let (_, report) = check(dir.path(), &["-d", &url]);
    assert_eq!(
        findings(&report),
        ["duplicate-index messages_created_desc", NO_STATS],
        "{report:#}"
    );
    assert_eq!(
        message(&report, 0),
        "(created_at DESC) has the same columns as idx_messages_created_at (created_at) read backwards (a b-tree scans both ways): every query it serves can use idx_messages_created_at, while every write maintains both"
    );
    // Its fix loses nothing: newest first is idx_messages_created_at read backwards.
    sqlite_exec(&path, &fix(&report, 0));
    let newest = "SELECT id FROM messages ORDER BY created_at DESC LIMIT 10";
    let plan = sqlite_query_plan(&path, newest);
    assert!(
        plan.contains("SCAN messages USING INDEX idx_messages_created_at")
            && !plan.contains("TEMP B-TREE"),
        "{plan}"
    );

    let db = pg_or_skip!("check_desc_duplicate");
    migrate(dir.path(), &["-d", &db.url]);
    let mut client = db.client();
    client
        .batch_execute("CREATE INDEX messages_created_desc ON messages (created_at DESC NULLS FIRST); CREATE INDEX messages_created_desc_nulls_last ON messages (created_at DESC NULLS LAST);")
        .expect("index");
    let (_, report) = check(dir.path(), &["-d", &db.url]);
    // DESC NULLS FIRST is ASC NULLS LAST read backwards; DESC NULLS LAST is not.
    assert_eq!(
        findings(&report),
        [
            "duplicate-index messages_created_desc",
            "extra-index messages_created_desc_nulls_last"
        ],
        "{report:#}"
    );
    assert_eq!(
        fix(&report, 0),
        "DROP INDEX CONCURRENTLY public.messages_created_desc;"
    );
    pg_run(&mut client, &fix(&report, 0));
    let plan = pg_explain(
        &mut client,
        "SET LOCAL enable_seqscan = off; DROP INDEX messages_created_desc_nulls_last",
        "SELECT id FROM messages ORDER BY created_at DESC LIMIT 10",
    );
    assert!(
        plan.contains("Index Scan Backward using idx_messages_created_at"),
        "{plan}"
    );
}

#[test]
fn an_index_rebuilt_with_another_opclass_or_collation_differs_in_both_dialects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_chat(&dir);
    sqlite_exec(
        &path,
        "DROP INDEX idx_messages_created_at; CREATE INDEX idx_messages_created_at ON messages (created_at COLLATE NOCASE);",
    );
    let (code, report) = check(dir.path(), &["-d", &url]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report),
        ["index-definition-differs idx_messages_created_at", NO_STATS]
    );
    assert_eq!(
        message(&report, 0),
        "differs from the canonical schema at V3: columns (created_at COLLATE NOCASE) instead of (created_at)"
    );
    sqlite_exec(&path, &fix(&report, 0));
    let (code, report) = check(dir.path(), &["-d", &url]);
    assert_eq!((code, findings(&report)), (0, vec![NO_STATS.to_string()]));

    let db = pg_or_skip!("check_opclass_differs");
    migrate(dir.path(), &["-d", &db.url]);
    // A UNIQUE constraint cannot adopt a non-default class: this is a bare unique index now.
    db.client()
        .batch_execute(
            "ALTER TABLE users DROP CONSTRAINT users_username_key;
             CREATE UNIQUE INDEX users_username_key ON users (username varchar_pattern_ops);",
        )
        .expect("rebuild");
    let (code, report) = check(dir.path(), &["-d", &db.url]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report),
        ["index-definition-differs users_username_key"]
    );
    assert_eq!(
        message(&report, 0),
        "differs from the canonical schema at V3: columns (username varchar_pattern_ops) instead of (username); backs no constraint instead of a UNIQUE constraint"
    );
    pg_run(&mut db.client(), &fix(&report, 0));
    let (code, report) = check(dir.path(), &["-d", &db.url]);
    assert_eq!((code, findings(&report)), (0, Vec::<String>::new()));
}

/// A --schema-dir schema (both dialects) with two nullable foreign keys whose only indexes
/// are partial: one on `key IS NOT NULL`, one on another column's condition.
fn partial_fk_fixture(root: &Path) {
    let sql = "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER CONSTRAINT orders_customer_id_fkey REFERENCES customers (id) ON DELETE CASCADE,
    seller_id INTEGER CONSTRAINT orders_seller_id_fkey REFERENCES customers (id),
    note TEXT
);
CREATE INDEX orders_customer_id_partial ON orders (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX orders_seller_id_noted ON orders (seller_id) WHERE note IS NOT NULL;
";
    for d in ["postgres", "sqlite"] {
        schema_dir(root, "shop", &[(d, "V1__init.sql", sql)]);
    }
}

#[test]
fn a_foreign_key_whose_only_index_is_partial_on_is_not_null_is_covered_in_both_dialects() {
    let dir = tempfile::tempdir().expect("tempdir");
    partial_fk_fixture(dir.path());
    let sd = dir.path().to_str().expect("utf8");
    let (url, path) = sqlite_in(&dir, "shop.sqlite3");
    let args = ["-d", url.as_str(), "--schema-dir", sd, "-s", "shop"];
    migrate(dir.path(), &args);
    let (_, report) = check(dir.path(), &args);
    assert_eq!(
        findings(&report),
        [
            "fk-without-index orders(seller_id) -> customers(id)",
            NO_STATS
        ],
        "{report:#}"
    );
    // SQLite's foreign-key scans (the NO ACTION check and the CASCADE trigger program)
    // seek the IS NOT NULL index; the other partial index is never read for them.
    let delete = "DELETE FROM customers WHERE id = 1";
    let reads = sqlite_index_reads(&path, delete, "orders_customer_id_partial");
    assert!(
        !reads.is_empty() && reads.iter().all(|r| *r == "seek"),
        "{reads:?}"
    );
    assert!(
        !sqlite_index_reads(&path, delete, "orders_seller_id_noted").contains(&"seek"),
        "a lookup by seller_id cannot use an index on `note IS NOT NULL` rows"
    );

    let db = pg_or_skip!("check_partial_fk");
    let args = ["-d", db.url.as_str(), "--schema-dir", sd, "-s", "shop"];
    migrate(dir.path(), &args);
    let (_, report) = check(dir.path(), &args);
    assert_eq!(
        findings(&report),
        ["fk-without-index orders_seller_id_fkey"],
        "{report:#}"
    );
    db.client()
        .batch_execute("INSERT INTO customers VALUES (1, 'a')")
        .expect("a parent row, so that its delete runs the referential queries");
    let plans = pg_referential_plans(&db, delete);
    let cascade = plan_for(&plans, "customer_id");
    assert!(
        cascade.contains("DELETE FROM ONLY") && cascade.contains("orders_customer_id_partial"),
        "{cascade}"
    );
    let restrict = plan_for(&plans, "seller_id");
    assert!(restrict.contains("Seq Scan on orders"), "{restrict}");
}

/// A `blog` schema of one migration per dialect in a temporary schema directory, migrated
/// on a SQLite file in it.
struct Blog {
    dir: tempfile::TempDir,
    url: String,
    path: std::path::PathBuf,
}

impl Blog {
    fn migrated_on_sqlite(sqlite: &str, postgres: &str) -> Blog {
        let dir = tempfile::tempdir().expect("tempdir");
        schema_dir(
            dir.path(),
            "blog",
            &[
                ("sqlite", "V1__init.sql", sqlite),
                ("postgres", "V1__init.sql", postgres),
            ],
        );
        let (url, path) = sqlite_in(&dir, "blog.sqlite3");
        let blog = Blog { dir, url, path };
        let sd = blog.schema_dir();
        migrate(
            blog.dir.path(),
            &["-d", blog.url.as_str(), "--schema-dir", sd, "-s", "blog"],
        );
        blog
    }

    fn schema_dir(&self) -> &str {
        self.dir.path().to_str().expect("utf8")
    }
}

#[test]
fn a_foreign_key_column_declared_nocase_gets_a_binary_index_that_clears_the_finding() {
    // SQLite: the child column is declared COLLATE NOCASE, the parent key BINARY. A bare
    // index on the column inherits NOCASE and cannot serve the lookups, so the fix must say
    // COLLATE BINARY, and running it must leave the key indexed.
    let sqlite = "CREATE TABLE accounts (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    account_code TEXT COLLATE NOCASE REFERENCES accounts (code)
);
";
    let postgres = "CREATE TABLE accounts (id INTEGER PRIMARY KEY, code TEXT NOT NULL CONSTRAINT accounts_code_key UNIQUE);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    account_code TEXT CONSTRAINT posts_account_code_fkey REFERENCES accounts (code)
);
";
    let blog = Blog::migrated_on_sqlite(sqlite, postgres);
    let (dir, path, sd) = (&blog.dir, &blog.path, blog.schema_dir());
    let args = ["-d", blog.url.as_str(), "--schema-dir", sd, "-s", "blog"];
    let (_, report) = check(dir.path(), &args);
    assert_eq!(
        findings(&report),
        [
            "fk-without-index posts(account_code) -> accounts(code)",
            NO_STATS
        ],
        "{report:#}"
    );
    assert_eq!(
        fix(&report, 0),
        "CREATE INDEX posts_account_code_idx ON posts (account_code COLLATE BINARY);"
    );
    // What the fix used to say: a bare index, NOCASE by inheritance, never sought.
    let delete = "DELETE FROM accounts WHERE id = 1";
    sqlite_exec(path, "CREATE INDEX posts_bare ON posts (account_code);");
    let reads = sqlite_index_reads(path, delete, "posts_bare");
    assert!(
        reads.iter().all(|r| *r != "seek"),
        "a bare index inherits NOCASE: {reads:?}"
    );
    sqlite_exec(path, "DROP INDEX posts_bare;");
    sqlite_exec(path, &fix(&report, 0));
    let reads = sqlite_index_reads(path, delete, "posts_account_code_idx");
    assert!(
        !reads.is_empty() && reads.iter().all(|r| *r == "seek"),
        "{reads:?}"
    );
    let (_, report) = check(dir.path(), &args);
    assert_eq!(
        findings(&report),
        ["extra-index posts_account_code_idx", NO_STATS],
        "{report:#}"
    );
}

#[test]
fn a_foreign_key_whose_index_has_another_collation_than_its_lookups_is_unindexed() {
    // SQLite compares by the parent key's collation: `code` BINARY, `handle` NOCASE. Each
    // child index sorts the other way, so every lookup reads the whole index.
    let sqlite = "CREATE TABLE accounts (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, handle TEXT COLLATE NOCASE NOT NULL UNIQUE);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    account_code TEXT REFERENCES accounts (code),
    account_handle TEXT REFERENCES accounts (handle)
);
CREATE INDEX posts_account_code ON posts (account_code COLLATE NOCASE);
CREATE INDEX posts_account_handle ON posts (account_handle);
";
    // PostgreSQL: parent `code` in the database default, `handle` in "C"; the child columns
    // in the default. PostgreSQL compares by the child column's own collation, so the
    // index naming "C" does not serve and the plain one does.
    let postgres = "CREATE TABLE accounts (id INTEGER PRIMARY KEY, code TEXT NOT NULL CONSTRAINT accounts_code_key UNIQUE, handle TEXT COLLATE \"C\" NOT NULL CONSTRAINT accounts_handle_key UNIQUE);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    account_code TEXT CONSTRAINT posts_account_code_fkey REFERENCES accounts (code),
    account_handle TEXT CONSTRAINT posts_account_handle_fkey REFERENCES accounts (handle)
);
CREATE INDEX posts_account_code ON posts (account_code COLLATE \"C\");
CREATE INDEX posts_account_handle ON posts (account_handle);
";
    let blog = Blog::migrated_on_sqlite(sqlite, postgres);
    let (dir, path, sd) = (&blog.dir, &blog.path, blog.schema_dir());
    let args = ["-d", blog.url.as_str(), "--schema-dir", sd, "-s", "blog"];
    let (_, report) = check(dir.path(), &args);
    assert_eq!(
        findings(&report),
        [
            "fk-without-index posts(account_code) -> accounts(code)",
            "fk-without-index posts(account_handle) -> accounts(handle)",
            NO_STATS
        ],
        "{report:#}"
    );
    assert_eq!(
        message(&report, 0),
        "posts_account_code (account_code COLLATE NOCASE) leads with (account_code) but sorts by another collation than COLLATE BINARY, the parent key's, which SQLite's foreign-key lookups compare with, so they cannot use it: deleting or re-keying a accounts row checks posts for references, by scanning all of posts"
    );
    assert_eq!(
        fix(&report, 0),
        "CREATE INDEX posts_account_code_idx ON posts (account_code COLLATE BINARY);"
    );
    assert_eq!(
        fix(&report, 1),
        "CREATE INDEX posts_account_handle_idx ON posts (account_handle COLLATE NOCASE);"
    );
    let delete = "DELETE FROM accounts WHERE id = 1";
    for index in ["posts_account_code", "posts_account_handle"] {
        let reads = sqlite_index_reads(path, delete, index);
        assert!(
            !reads.is_empty() && reads.iter().all(|r| *r == "scan"),
            "{index}: a full scan, never a seek: {reads:?}"
        );
    }
    // The fixes make lookups seek, and the key findings go.
    sqlite_exec(path, &format!("{}\n{}", fix(&report, 0), fix(&report, 1)));
    for index in ["posts_account_code_idx", "posts_account_handle_idx"] {
        let reads = sqlite_index_reads(path, delete, index);
        assert!(
            !reads.is_empty() && reads.iter().all(|r| *r == "seek"),
            "{index}: {reads:?}"
        );
    }
    let (_, report) = check(dir.path(), &args);
    assert_eq!(
        findings(&report),
        [
            "extra-index posts_account_code_idx",
            "extra-index posts_account_handle_idx",
            NO_STATS
        ],
        "{report:#}"
    );

    let db = pg_or_skip!("check_fk_collation");
    let args = ["-d", db.url.as_str(), "--schema-dir", sd, "-s", "blog"];
    migrate(dir.path(), &args);
    let (_, report) = check(dir.path(), &args);
    assert_eq!(
        findings(&report),
        ["fk-without-index posts_account_code_fkey"],
        "{report:#}"
    );
    assert_eq!(
        message(&report, 0),
        "posts_account_code (account_code COLLATE \"C\") leads with (account_code) but sorts by another collation than the column's own collation, which the referential queries compare with, so they cannot use it: deleting or re-keying a accounts row checks posts for references, by scanning all of posts"
    );
    assert_eq!(
        fix(&report, 0),
        "CREATE INDEX CONCURRENTLY posts_account_code_idx ON public.posts (account_code);"
    );
    db.client()
        .batch_execute("INSERT INTO accounts VALUES (1, 'k', 'h')")
        .expect("a parent row, so that its update runs the referential queries");
    let key_change = "UPDATE accounts SET code = code || 'x', handle = handle || 'x' WHERE id = 1";
    let plans = pg_referential_plans(&db, key_change);
    let plan = plan_for(&plans, "account_code");
    assert!(plan.contains("Seq Scan on posts"), "{plan}");
    let plan = plan_for(&plans, "account_handle");
    assert!(plan.contains("posts_account_handle"), "{plan}");
    pg_run(&mut db.client(), &fix(&report, 0));
    let plans = pg_referential_plans(&db, key_change);
    let plan = plan_for(&plans, "account_code");
    assert!(plan.contains("posts_account_code_idx"), "{plan}");
    let (_, report) = check(dir.path(), &args);
    assert_eq!(
        findings(&report),
        ["extra-index posts_account_code_idx"],
        "{report:#}"
    );
}
