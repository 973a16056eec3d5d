//! `chatdb validate`: the canonical schemas pass (embedded and from the checkout, with and
//! without PostgreSQL), and a fixture per failure fails with exactly its rule. Fixtures are
//! built in temp dirs from one small valid schema (`demo`), each changed in one way.

use std::path::Path;

use crate::common::*;

const V1: &str = "-- demo V1: rooms and their messages.
CREATE TABLE rooms (
    id INTEGER CONSTRAINT rooms_pkey PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE messages (
    id INTEGER CONSTRAINT messages_pkey PRIMARY KEY,
    room_id INTEGER NOT NULL CONSTRAINT messages_room_id_fkey REFERENCES rooms (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_messages_room ON messages (room_id, created_at DESC);
";

const V2: &str = "-- demo V2: a topic per room.
ALTER TABLE rooms ADD COLUMN topic TEXT;
";

const MANIFEST: &str = r#"description = "validate fixture"

[[policy]]
table = "messages"
time_column = "created_at"
keep = "30d"
"#;

/// The valid demo schema under `root`, with its lock written by `--update-lock`.
fn demo(root: &Path) {
    for dialect in ["postgres", "sqlite"] {
        write_file(
            root,
            &format!("sql/{dialect}/demo/V1__initial_schema.sql"),
            V1,
        );
        write_file(root, &format!("sql/{dialect}/demo/V2__add_topic.sql"), V2);
    }
    write_file(root, "schemas/demo.toml", MANIFEST);
    let out = validate(root, &["--update-lock"]).output().expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(root.join("schemas/demo.lock").exists());
}

/// `chatdb validate -s demo --schema-dir . --format json` in `root`, plus `args`.
fn validate(root: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = chatdb(root);
    cmd.args([
        "validate",
        "-s",
        "demo",
        "--schema-dir",
        ".",
        "--format",
        "json",
    ])
    .args(args);
    cmd
}

/// Runs validate on `root` and asserts it exits `code` with exactly the findings of `rule`.
fn fails_with(root: &Path, args: &[&str], code: i32, rule: &str) -> serde_json::Value {
    let out = validate(root, args).output().expect("runs");
    assert_eq!(
        validate_rules(&out),
        [rule],
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(code), "{}", stdout(&out));
    serde_json::from_slice(&out.stdout).expect("json")
}

fn both(root: &Path, file: &str, sql: &str) {
    for dialect in ["postgres", "sqlite"] {
        write_file(root, &format!("sql/{dialect}/demo/{file}"), sql);
    }
}

#[test]
fn canonical_schemas_pass_without_postgres() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = chatdb(dir.path())
        .args(["validate", "--all"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("0 errors, 0 warnings"), "{text}");
    assert!(text.contains("PostgreSQL not checked"), "{text}");

    // The checkout, as CI validates edits, and strict: nothing is left as a warning.
    let out = chatdb(dir.path())
        .args([
            "validate",
            "--all",
            "--strict",
            "--format",
            "json",
            "--schema-dir",
        ])
        .arg(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let names: Vec<&str> = v["schemas"]
        .as_array()
        .expect("schemas")
        .iter()
        .map(|s| s["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["assistant", "chat", "classroom", "focusmate"]);
    for s in v["schemas"].as_array().expect("schemas") {
        assert_eq!(s["stages"]["lock"], "ok", "{s}");
        assert_eq!(s["stages"]["apply_sqlite"], "ok", "{s}");
        assert_eq!(s["stages"]["lint"], "ok", "{s}");
        assert_eq!(s["stages"]["parity"], "skipped", "{s}");
    }
}

#[test]
fn canonical_schemas_pass_with_postgres_and_scratch_databases_are_dropped() {
    let db = crate::pg_or_skip!("validate_canonical");
    let dir = tempfile::tempdir().expect("tempdir");
    for schema_dir in [None, Some(env!("CARGO_MANIFEST_DIR"))] {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("chatdb"));
        cmd.current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("CHATDB_SCHEMA")
            .args(["validate", "--all", "--strict", "--format", "json"]);
        if let Some(d) = schema_dir {
            cmd.arg("--schema-dir").arg(d);
        }
        // The server comes from DATABASE_URL here, as in the example CI workflow.
        cmd.env("DATABASE_URL", &db.url);
        let child = cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawns");
        let pid = child.id();
        let out = child.wait_with_output().expect("runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            stdout(&out),
            stderr(&out)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert!(v["postgres"].as_str().is_some_and(|s| s.contains(&db.name)));
        for s in v["schemas"].as_array().expect("schemas") {
            for stage in [
                "files",
                "lock",
                "apply_sqlite",
                "apply_postgres",
                "parity",
                "lint",
                "manifest",
            ] {
                assert_eq!(s["stages"][stage], "ok", "{stage}: {s}");
            }
        }
        let accepted: Vec<&str> = v["schemas"][0]["accepted"]
            .as_array()
            .expect("accepted")
            .iter()
            .map(|a| a["object"].as_str().unwrap_or_default())
            .collect();
        assert!(accepted.contains(&"index idx_tasks_tags"), "{accepted:?}");
        assert_no_scratch_databases(pid);
    }
}

fn assert_no_scratch_databases(pid: u32) {
    let mut admin = postgres::Client::connect(&pg_admin_url(), postgres::NoTls).expect("admin");
    let left: Vec<String> = admin
        .query(
            "SELECT datname::text FROM pg_database WHERE datname LIKE $1",
            &[&format!("chatdb_validate_{pid}_%")],
        )
        .expect("query")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(left.is_empty(), "scratch databases left behind: {left:?}");
}

#[test]
fn the_demo_fixture_is_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    let out = validate(dir.path(), &["--strict"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(validate_rules(&out).is_empty());
}

#[test]
fn bad_file_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    write_file(
        dir.path(),
        "sql/postgres/demo/V3__add-email.sql",
        "SELECT 1;",
    );
    let v = fails_with(dir.path(), &[], 1, "file-name");
    assert_eq!(
        v["findings"][0]["file"],
        "sql/postgres/demo/V3__add-email.sql"
    );
    assert_eq!(v["schemas"][0]["stages"]["apply_sqlite"], "skipped");
}

#[test]
fn repeated_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    write_file(dir.path(), "sql/sqlite/demo/V2__other.sql", "SELECT 1;");
    let v = fails_with(dir.path(), &[], 1, "repeated-version");
    let message = v["findings"][0]["message"].as_str().expect("message");
    assert!(
        message.contains("V2__add_topic.sql") && message.contains("V2__other.sql"),
        "{message}"
    );
}

#[test]
fn missing_dialect_twin() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    write_file(
        dir.path(),
        "sql/postgres/demo/V3__pg_only.sql",
        "ALTER TABLE rooms ADD COLUMN x TEXT;",
    );
    // Locked on purpose, so that only the twin is missing.
    let v = fails_with(dir.path(), &["--update-lock"], 1, "missing-twin");
    assert_eq!(
        v["findings"][0]["file"],
        "sql/postgres/demo/V3__pg_only.sql"
    );
    assert!(v["findings"][0]["fix"]
        .as_str()
        .expect("fix")
        .contains("sql/sqlite/demo/V3__pg_only.sql"));
}

#[test]
fn edited_locked_migration() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    write_file(
        dir.path(),
        "sql/sqlite/demo/V2__add_topic.sql",
        &format!("{V2}-- an edit\n"),
    );
    let v = fails_with(dir.path(), &[], 1, "edited-migration");
    assert_eq!(
        v["findings"][0]["file"],
        "sql/sqlite/demo/V2__add_topic.sql"
    );
    assert_eq!(v["findings"].as_array().expect("findings").len(), 1);
}

#[test]
fn unlocked_new_migration_and_update_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    both(
        dir.path(),
        "V3__tags.sql",
        "CREATE TABLE tags (id INTEGER CONSTRAINT tags_pkey PRIMARY KEY, name TEXT);\n",
    );
    let v = fails_with(dir.path(), &[], 1, "unlocked-migration");
    assert_eq!(
        v["findings"].as_array().expect("findings").len(),
        2,
        "one per dialect"
    );
    let out = validate(dir.path(), &["--update-lock"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let lock = std::fs::read_to_string(dir.path().join("schemas/demo.lock")).expect("lock");
    assert!(
        lock.contains("postgres/V3__tags.sql ") && lock.contains("sqlite/V3__tags.sql "),
        "{lock}"
    );
}

#[test]
fn removed_locked_migration() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    for dialect in ["postgres", "sqlite"] {
        std::fs::remove_file(
            dir.path()
                .join(format!("sql/{dialect}/demo/V2__add_topic.sql")),
        )
        .expect("rm");
    }
    let v = fails_with(dir.path(), &[], 1, "removed-migration");
    assert_eq!(v["findings"][0]["file"], "schemas/demo.lock");
}

#[test]
fn missing_lock_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    std::fs::remove_file(dir.path().join("schemas/demo.lock")).expect("rm");
    fails_with(dir.path(), &[], 1, "lock-file");
}

const FAILING: &str = "-- demo V3: names a table that does not exist.
ALTER TABLE rooms ADD COLUMN owner TEXT;
INSERT INTO no_such_table VALUES (1);
";

#[test]
fn sql_that_fails_to_apply() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    both(dir.path(), "V3__broken.sql", FAILING);
    let v = fails_with(dir.path(), &["--update-lock"], 1, "apply-failed");
    let f = &v["findings"][0];
    assert_eq!(f["file"], "sql/sqlite/demo/V3__broken.sql");
    assert_eq!(f["line"], 3);
    assert!(
        f["message"]
            .as_str()
            .expect("message")
            .contains("no_such_table"),
        "{f}"
    );
}

#[test]
fn sql_that_fails_to_apply_on_postgres_names_the_server_message_and_drops_the_scratch_database() {
    let db = crate::pg_or_skip!("validate_apply_failed");
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    write_file(dir.path(), "sql/postgres/demo/V3__broken.sql", FAILING);
    write_file(
        dir.path(),
        "sql/sqlite/demo/V3__broken.sql",
        "ALTER TABLE rooms ADD COLUMN owner TEXT;\n",
    );
    let v = fails_with(
        dir.path(),
        &["--update-lock", "-d", &db.url],
        1,
        "apply-failed",
    );
    let f = &v["findings"][0];
    assert_eq!(f["dialect"], "postgres");
    assert_eq!(f["line"], 3);
    let message = f["message"].as_str().expect("message");
    assert!(
        message.contains("42P01") && message.contains("no_such_table"),
        "{message}"
    );
    assert_eq!(v["schemas"][0]["stages"]["parity"], "skipped");
}

#[test]
fn parity_gap() {
    let db = crate::pg_or_skip!("validate_parity_gap");
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    write_file(
        dir.path(),
        "sql/postgres/demo/V3__score.sql",
        "ALTER TABLE rooms ADD COLUMN score INTEGER;\n",
    );
    write_file(
        dir.path(),
        "sql/sqlite/demo/V3__score.sql",
        "ALTER TABLE rooms ADD COLUMN score TEXT;\n",
    );
    let v = fails_with(dir.path(), &["--update-lock", "-d", &db.url], 1, "parity");
    let f = &v["findings"][0];
    assert_eq!(f["object"], "column rooms.score");
    assert!(
        f["message"].as_str().expect("message").contains("integer"),
        "{f}"
    );

    // Declared intended, it passes.
    let mut manifest = MANIFEST.to_string();
    manifest.push_str(
        "\n[[validate.parity_exception]]\nobject = \"column rooms.score\"\nreason = \"test\"\n",
    );
    write_file(dir.path(), "schemas/demo.toml", &manifest);
    let out = validate(dir.path(), &["-d", &db.url])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["summary"]["accepted"], 1);
}

/// The lint corpus: `tests/lint_corpus/<rule>/` holds `unsafe*.sql` (each must trip that
/// rule alone) and `safe*.sql` (the rewrite its docs give, which must pass), each a V3 of
/// the demo schema's PostgreSQL side; `<case>.sqlite.sql` is the SQLite twin where the rule
/// needs one (a model rule), otherwise the twin is `SELECT 1;`. Run without PostgreSQL, so
/// that the SQLite twin need not build the same schema: lint reads the PostgreSQL files.
fn lint_corpus() -> Vec<(String, String, String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint_corpus");
    let mut out = Vec::new();
    let mut rules: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/lint_corpus")
        .flatten()
        .map(|e| e.path())
        .collect();
    rules.sort();
    for dir in rules {
        let rule = dir.file_name().expect("name").to_string_lossy().to_string();
        let mut cases: Vec<_> = std::fs::read_dir(&dir)
            .expect("rule dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".sql") && !n.ends_with(".sqlite.sql"))
            .collect();
        cases.sort();
        for case in cases {
            let pg = std::fs::read_to_string(dir.join(&case)).expect("case");
            let twin = dir.join(case.replace(".sql", ".sqlite.sql"));
            let lite = std::fs::read_to_string(twin).unwrap_or_else(|_| "SELECT 1;\n".into());
            out.push((rule.clone(), case, pg, lite));
        }
    }
    out
}

/// `sql` as a V3 migration: a header comment after the no-transaction marker, if any (it
/// must stay the first line).
fn as_v3(rule: &str, sql: &str) -> String {
    let header = format!("-- demo V3: {rule}.\n\n");
    match sql.strip_prefix("-- chatdb:no-transaction\n") {
        Some(rest) => format!("-- chatdb:no-transaction\n{header}{rest}"),
        None => format!("{header}{sql}"),
    }
}

#[test]
fn each_lint_rule_trips_on_its_unsafe_corpus_example_alone_and_passes_its_safe_one() {
    let corpus = lint_corpus();
    assert!(corpus.len() >= 40, "{}", corpus.len());
    for (rule, case, pg, lite) in corpus {
        let dir = tempfile::tempdir().expect("tempdir");
        demo(dir.path());
        let sql = as_v3(&rule, &pg);
        write_file(dir.path(), "sql/postgres/demo/V3__lint.sql", &sql);
        write_file(
            dir.path(),
            "sql/sqlite/demo/V3__lint.sql",
            &as_v3(&rule, &lite),
        );
        if case.starts_with("safe") {
            let out = validate(dir.path(), &["--update-lock", "--strict"])
                .output()
                .expect("runs");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{rule}/{case} should pass: {}",
                stdout(&out)
            );
            continue;
        }
        // Warnings fail only with --strict.
        let v = fails_with(dir.path(), &["--update-lock", "--strict"], 1, &rule);
        let f = &v["findings"][0];
        // A SQLite rule's finding is in the twin.
        let (path, sql) = if rule.starts_with("sqlite-") {
            ("sql/sqlite/demo/V3__lint.sql", as_v3(&rule, &lite))
        } else {
            ("sql/postgres/demo/V3__lint.sql", sql)
        };
        assert_eq!(f["file"], path, "{rule}/{case}");
        let line = f["line"].as_u64().expect("line") as usize;
        let at = sql.lines().nth(line - 1).unwrap_or_default();
        assert!(
            !at.trim().is_empty() && !at.trim_start().starts_with("--"),
            "{rule}/{case}: line {line} is not a statement's: {at:?}"
        );
        assert!(
            f["fix"]
                .as_str()
                .expect("fix")
                .contains(&format!("chatdb:allow {rule}")),
            "{f}"
        );

        // The allow comment just above the reported statement accepts it.
        let mut lines: Vec<&str> = sql.lines().collect();
        let allow = format!("-- chatdb:allow {rule}: corpus");
        lines.insert(line - 1, &allow);
        write_file(dir.path(), path, &(lines.join("\n") + "\n"));
        let out = validate(dir.path(), &["--update-lock", "--strict"])
            .output()
            .expect("runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{rule}/{case}: {}",
            stdout(&out)
        );
    }
}

/// The SQL statements in a fix (from `CREATE`, `DROP INDEX`, `REINDEX` or `ALTER TABLE` to the
/// next `;`), up to the first with a placeholder (`<type>`, `(...)`): the later ones build
/// on it.
fn fix_statements(fix: &str) -> Vec<String> {
    const STARTS: &[&str] = &["CREATE ", "DROP INDEX ", "REINDEX ", "ALTER TABLE "];
    let mut out = Vec::new();
    let mut rest = fix;
    while let Some(at) = STARTS.iter().filter_map(|k| rest.find(k)).min() {
        let Some(end) = rest[at..].find(';') else {
            break;
        };
        let statement = &rest[at..at + end + 1];
        if statement.contains('<') || statement.contains("...") {
            break;
        }
        out.push(statement.to_string());
        rest = &rest[at + end + 1..];
    }
    out
}

/// Every SQL statement a lint fix spells out runs on PostgreSQL (quoting and all), after the
/// unsafe example it fixes, in a namespace of its own with the demo schema.
#[test]
fn the_sql_in_each_lint_fix_runs_on_postgresql() {
    let db = crate::pg_or_skip!("validate_lint_fixes_run");
    let mut client = db.client();
    let mut ran = 0;
    for (n, (rule, case, pg, lite)) in lint_corpus().into_iter().enumerate() {
        if !case.starts_with("unsafe") {
            continue;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        demo(dir.path());
        write_file(
            dir.path(),
            "sql/postgres/demo/V3__lint.sql",
            &as_v3(&rule, &pg),
        );
        write_file(
            dir.path(),
            "sql/sqlite/demo/V3__lint.sql",
            &as_v3(&rule, &lite),
        );
        let v = fails_with(dir.path(), &["--update-lock", "--strict"], 1, &rule);
        let fix = v["findings"][0]["fix"].as_str().expect("fix").to_string();
        let statements = fix_statements(&fix);
        if statements.is_empty() {
            continue;
        }
        client
            .batch_execute(&format!(
                "CREATE SCHEMA c{n}; SET search_path TO c{n}; {V1} {V2}"
            ))
            .expect("demo schema");
        // The unsafe example itself, statement by statement (some, like SECURITY LABEL
        // without a provider, fail here: what the fix builds on is what succeeded).
        for statement in pg.split_inclusive(';') {
            let _ = client.batch_execute(statement);
        }
        for statement in &statements {
            client.batch_execute(statement).unwrap_or_else(|e| {
                panic!("{rule}/{case}: the fix `{statement}` fails: {e}\n(fix: {fix})")
            });
            ran += 1;
        }
    }
    assert!(ran >= 10, "only {ran} fix statements ran");
}

/// A statement sqlparser cannot parse is read by the token fallback, and validate says so,
/// naming the file and line; the finding is the same as from a parsed statement.
#[test]
fn statements_read_by_the_token_fallback_are_named_in_the_notes() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    write_file(
        dir.path(),
        "sql/postgres/demo/V3__reindex.sql",
        "-- demo V3: rebuild an index.\nREINDEX INDEX idx_messages_room;\n",
    );
    write_file(
        dir.path(),
        "sql/sqlite/demo/V3__reindex.sql",
        "-- demo V3: rebuild an index.\nREINDEX idx_messages_room;\n",
    );
    let v = fails_with(
        dir.path(),
        &["--update-lock", "--strict"],
        1,
        "reindex-without-concurrently",
    );
    let notes = v["schemas"][0]["notes"].to_string();
    assert!(
        notes.contains("read by the token fallback: sql/postgres/demo/V3__reindex.sql:2"),
        "{notes}"
    );
    assert!(
        v["findings"][0]["fix"]
            .as_str()
            .is_some_and(|f| f.starts_with("REINDEX INDEX CONCURRENTLY idx_messages_room;")),
        "{v:#}"
    );
}

#[test]
fn sqlite_alter_needs_rebuild_fails_alone_on_the_sqlite_half_and_its_allow_comment_accepts_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    let rule = "sqlite-alter-needs-rebuild";
    let header = "-- demo V3: a required column.\n\n";
    write_file(
        dir.path(),
        "sql/postgres/demo/V3__lint.sql",
        &format!("{header}ALTER TABLE rooms ADD COLUMN owner TEXT NOT NULL DEFAULT '';\n"),
    );
    // The fresh apply passes (rooms is empty there); a database with rooms fails.
    let lite = "ALTER TABLE rooms ADD COLUMN owner TEXT NOT NULL;";
    write_file(
        dir.path(),
        "sql/sqlite/demo/V3__lint.sql",
        &format!("{header}{lite}\n"),
    );
    let v = fails_with(dir.path(), &["--update-lock"], 1, rule);
    let f = &v["findings"][0];
    assert_eq!(f["file"], "sql/sqlite/demo/V3__lint.sql");
    assert_eq!(f["line"], 3);
    let fix = f["fix"].as_str().expect("fix");
    assert!(
        fix.contains("chatdb new NAME --sqlite-rebuild rooms"),
        "{fix}"
    );
    write_file(
        dir.path(),
        "sql/sqlite/demo/V3__lint.sql",
        &format!("{header}-- chatdb:allow {rule}: rooms is always empty here\n{lite}\n"),
    );
    let out = validate(dir.path(), &["--update-lock", "--strict"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_restricted_sqlite_drop_column_fails_the_apply_and_points_at_the_rebuild() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    // room_id is a foreign key and indexed: SQLite refuses to drop it in place.
    write_file(
        dir.path(),
        "sql/postgres/demo/V3__drop.sql",
        "ALTER TABLE messages DROP COLUMN room_id;\n",
    );
    write_file(
        dir.path(),
        "sql/sqlite/demo/V3__drop.sql",
        "ALTER TABLE messages DROP COLUMN room_id;\n",
    );
    let out = validate(dir.path(), &["--update-lock"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let f = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "apply-failed")
        .expect("apply-failed");
    assert_eq!(f["file"], "sql/sqlite/demo/V3__drop.sql", "{f}");
    assert!(
        f["fix"]
            .as_str()
            .is_some_and(|x| x.contains("chatdb new NAME --sqlite-rebuild messages")),
        "{f}"
    );
}

#[test]
fn lint_allowances_in_the_manifest_accept_a_released_migration() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    both(
        dir.path(),
        "V3__lint.sql",
        "CREATE INDEX idx_rooms_name ON rooms (name);\n",
    );
    let out = validate(dir.path(), &["--update-lock"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "a warning alone passes without --strict"
    );
    let mut manifest = MANIFEST.to_string();
    manifest.push_str("\n[[validate.lint_allow]]\nfile = \"V3__lint.sql\"\nrule = \"require-concurrent-index\"\nreason = \"rooms is small\"\n");
    write_file(dir.path(), "schemas/demo.toml", &manifest);
    let out = validate(dir.path(), &["--strict"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // An allowance that matches nothing is reported.
    manifest.push_str("\n[[validate.lint_allow]]\nfile = \"V2__add_topic.sql\"\nrule = \"changing-column-type\"\nreason = \"stale\"\n");
    write_file(dir.path(), "schemas/demo.toml", &manifest);
    fails_with(dir.path(), &["--strict"], 1, "unused-exception");
}

#[test]
fn manifest_naming_a_missing_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    let mut manifest = MANIFEST.to_string();
    manifest.push_str(
        r#"
[[query]]
name = "room_history"
purpose = "a room's messages"
index = "idx_messages_room_created"
params = [{ name = "room_id", type = "int4", sample = 1 }]
postgres.sql = "SELECT id FROM messages WHERE room_id = $1 ORDER BY created_at DESC"
sqlite.sql = "SELECT id FROM messages WHERE room_id = ?1 ORDER BY created_at DESC"
"#,
    );
    write_file(dir.path(), "schemas/demo.toml", &manifest);
    let v = fails_with(dir.path(), &[], 1, "manifest-reference");
    let f = &v["findings"][0];
    assert_eq!(f["file"], "schemas/demo.toml");
    assert_eq!(f["line"], 11);
    assert!(f["message"]
        .as_str()
        .expect("message")
        .contains("idx_messages_room_created"));
}

#[test]
fn manifest_metric_reading_a_missing_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    let metric = |table: &str| {
        format!(
            r#"
[[metric]]
name = "recent_messages"
purpose = "messages in the last hour"
unit = "messages"
postgres.sql = "SELECT count(*) FROM {table} m JOIN rooms r ON r.id = m.room_id WHERE m.created_at > now() - interval '1 hour'"
sqlite.sql = "SELECT count(*) FROM {table} m JOIN rooms r ON r.id = m.room_id WHERE m.created_at > datetime('now', '-1 hour')"
"#
        )
    };
    write_file(
        dir.path(),
        "schemas/demo.toml",
        &format!("{MANIFEST}{}", metric("messages")),
    );
    let ok = validate(dir.path(), &[]).output().expect("runs");
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    write_file(
        dir.path(),
        "schemas/demo.toml",
        &format!("{MANIFEST}{}", metric("message")),
    );
    let v = fails_with(dir.path(), &[], 1, "manifest-reference");
    let findings = v["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "SQLite only without a server: {v}");
    let f = &findings[0];
    assert_eq!(f["file"], "schemas/demo.toml");
    assert_eq!(f["line"], 9, "the metric's name line");
    assert_eq!(f["object"], "table message");
    assert!(f["message"]
        .as_str()
        .expect("message")
        .contains("metric `recent_messages` reads table `message`"));
}

#[test]
fn manifest_mapping_an_alembic_revision_to_a_missing_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    let mut manifest = MANIFEST.to_string();
    manifest.push_str("\n[alembic.revisions]\nabc123 = 1\nfff999 = 9\n");
    write_file(dir.path(), "schemas/demo.toml", &manifest);
    let v = fails_with(dir.path(), &[], 1, "manifest-reference");
    let messages = v["findings"].to_string();
    assert!(messages.contains("`fff999` to V9"), "{messages}");
    assert!(!messages.contains("abc123"), "V1 exists: {messages}");
}

#[test]
fn invalid_manifest() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    write_file(
        dir.path(),
        "schemas/demo.toml",
        "description = \"x\"\nnot_a_key = 1\n",
    );
    let v = fails_with(dir.path(), &[], 1, "manifest-invalid");
    assert_eq!(v["findings"][0]["file"], "schemas/demo.toml");
}

#[test]
fn json_and_github_output_shapes() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    // One error (an unlocked migration, twice) and one warning (a lint finding).
    both(
        dir.path(),
        "V3__rooms_by_name.sql",
        "-- demo V3\nCREATE INDEX idx_rooms_name ON rooms (name);\n",
    );
    let out = validate(dir.path(), &[]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    insta::assert_json_snapshot!("validate_json", v);

    let out = chatdb(dir.path())
        .args([
            "validate",
            "-s",
            "demo",
            "--schema-dir",
            ".",
            "--format",
            "github",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("validate_github", stdout(&out));
}

#[test]
fn refusals_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [
        vec!["validate", "--update-lock"],
        vec!["validate", "--all", "-s", "chat"],
        vec!["validate", "-s", "nosuch"],
        vec!["validate", "--all", "--schema-dir", "does-not-exist"],
    ] {
        let out = chatdb(dir.path()).args(&args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).starts_with("chatdb: "), "{args:?}");
    }
    // Never a password in the output, even when the server cannot be reached.
    let out = chatdb(dir.path())
        .args([
            "validate",
            "-s",
            "chat",
            "--connect-timeout",
            "2s",
            "-d",
            "postgres://u:sekrit@127.0.0.1:1/db",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !stderr(&out).contains("sekrit") && !stdout(&out).contains("sekrit"),
        "{}",
        stderr(&out)
    );
}

/// The lint's `fk-without-index` fix used to be `CREATE INDEX idx_user_team_id ON user
/// (team_id);`, which PostgreSQL refuses (`user` is reserved): it now quotes what needs it,
/// and is the same rule (and message) as `check`'s.
#[test]
fn the_fk_without_index_fix_is_valid_sql_for_a_table_named_user() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path());
    both(
        dir.path(),
        "V3__users.sql",
        "-- demo V3: a user per room.\nCREATE TABLE \"user\" (\n    id INTEGER CONSTRAINT user_pkey PRIMARY KEY,\n    room_id INTEGER CONSTRAINT user_room_id_fkey REFERENCES rooms (id) ON DELETE CASCADE\n);\n",
    );
    let out = validate(dir.path(), &["--update-lock"])
        .output()
        .expect("runs");
    assert_eq!(
        validate_rules(&out),
        ["fk-without-index"],
        "{}",
        stdout(&out)
    );
    assert_eq!(out.status.code(), Some(1), "an error in validate");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let f = &v["findings"][0];
    assert_eq!(
        (f["line"].as_u64(), f["severity"].as_str()),
        (Some(2), Some("error"))
    );
    assert!(
        f["fix"]
            .as_str()
            .is_some_and(|s| s.starts_with("CREATE INDEX user_room_id_idx ON \"user\" (room_id);")),
        "{f:#}"
    );
    assert!(
        f["message"].as_str().is_some_and(
            |m| m.contains("deleting a rooms row deletes its user rows (ON DELETE CASCADE)")
        ),
        "{f:#}"
    );
    // The fix applies: added as a migration of its own, validate passes.
    both(
        dir.path(),
        "V4__index_user_room.sql",
        "-- demo V4: index the key.\nCREATE INDEX user_room_id_idx ON \"user\" (room_id);\n",
    );
    let out = validate(dir.path(), &["--update-lock"])
        .output()
        .expect("runs");
    assert_eq!(
        validate_rules(&out),
        ["require-concurrent-index"],
        "{}",
        stdout(&out)
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // And PostgreSQL runs it (the unquoted fix was a syntax error there).
    let db = crate::pg_or_skip!("validate_fk_fix_user");
    let out = validate(dir.path(), &["-d", &db.url])
        .output()
        .expect("runs");
    assert_eq!(
        validate_rules(&out),
        ["require-concurrent-index"],
        "{}",
        stdout(&out)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["schemas"][0]["stages"]["apply_postgres"], "ok", "{v:#}");
}
