//! `chatdb stats` against real databases, with real breaches the tests produce themselves:
//! connections held past 80% of a small server's `max_connections`, sequential scans that
//! push a table's index usage under 90%, and a statement slower than 100 ms recorded by
//! `pg_stat_statements` on a server started with it preloaded, block reads of a table larger
//! than a 128 kB `shared_buffers` pulling the cache hit ratio under 99% (the private servers
//! come from tests/pgserver.rs), connections past chatdb.toml's `pool_size`, dead rows left
//! on a retention table, a transaction held open and a backend blocked on its row lock
//! past chatdb.toml's thresholds, and a streaming replica applying WAL 3 s late past a 1 s
//! `replication_lag`; each exits 1, a quiet database exits 0. The Prometheus
//! output is parsed by `prometheus_client`'s text parser (tests/apps/requirements.txt):
//! skipped loudly where the package is missing, a failure under CI=true.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use crate::pg_or_skip;
use crate::pgserver::{start_or_skip, Server, Spec};

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("CHATDB_APPS_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/apps-venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

/// Parses `text` with prometheus_client and returns `family sample{labels} value` lines;
/// `None` (after a loud skip) where the parser is not installed, a panic under CI=true.
fn parse_prometheus(test: &str, text: &str) -> Option<Vec<String>> {
    let script = "import sys\nfrom prometheus_client.parser import text_string_to_metric_families\nfor f in text_string_to_metric_families(sys.stdin.read()):\n    for s in f.samples:\n        print(f.type, s.name, sorted(s.labels.items()), s.value)\n";
    let probe = Command::new(python())
        .args(["-c", "import prometheus_client"])
        .output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        let why = format!(
            "{} cannot import prometheus_client; pip install -r tests/apps/requirements.txt",
            python().display()
        );
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but {why}");
        }
        eprintln!("\n!!! SKIPPING the Prometheus parse of {test}: {why}\n");
        return None;
    }
    use std::io::Write;
    let mut child = Command::new(python())
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("writes");
    let out = child.wait_with_output().expect("python ends");
    assert!(
        out.status.success(),
        "prometheus_client refused the exposition: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

fn run(dir: &Path, url: &str, schema: &str, args: &[&str]) -> std::process::Output {
    chatdb(dir)
        .args(["-d", url, "-s", schema])
        .args(args)
        .output()
        .expect("chatdb runs")
}

/// focusmate migrated and seeded at scale 0.01 at `url`.
fn seeded_focusmate(dir: &Path, url: &str) {
    ok(run(dir, url, "focusmate", &["migrate"]));
    ok(run(dir, url, "focusmate", &["seed", "--scale", "0.01"]));
}

fn ok(out: std::process::Output) -> std::process::Output {
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    out
}

#[test]
fn stats_sqlite_quiet_database_exits_0_and_prometheus_parses() {
    let dir = tempfile::tempdir().expect("tmp");
    let (url, _) = sqlite_in(&dir, "c.db");
    ok(run(dir.path(), &url, "classroom", &["migrate"]));
    ok(run(
        dir.path(),
        &url,
        "classroom",
        &["seed", "--scale", "0.0005"],
    ));
    let quiet = run(dir.path(), &url, "classroom", &["stats", "--quiet"]);
    assert_eq!(quiet.status.code(), Some(0), "{}", stderr(&quiet));
    assert!(
        quiet.stdout.is_empty(),
        "--quiet prints nothing when targets are met"
    );

    let table = ok(run(dir.path(), &url, "classroom", &["stats"]));
    let text = stdout(&table);
    for want in [
        "active_sessions",
        "messages_per_minute",
        "sqlite_stat1",
        "freelist",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    let json = ok(run(
        dir.path(),
        &url,
        "classroom",
        &["stats", "--format", "json"],
    ));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(doc["schema"], "classroom");
    assert_eq!(doc["dialect"], "sqlite");
    assert_eq!(doc["expected_rows"]["messages"], 10_000_000);
    let messages = doc["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["name"] == "messages")
        .expect("messages");
    assert_eq!(messages["rows"], 5000, "rows counted: 10M x 0.0005");

    let prom = ok(run(
        dir.path(),
        &url,
        "classroom",
        &["stats", "--format", "prometheus"],
    ));
    let text = stdout(&prom);
    assert!(
        text.contains("chatdb_table_rows{schema=\"classroom\",table=\"messages\"} 5000"),
        "{text}"
    );
    if let Some(samples) = parse_prometheus("stats_sqlite", &text) {
        assert!(
            samples.iter().any(|s| s.starts_with(
                "gauge chatdb_table_rows [('schema', 'classroom'), ('table', 'messages')] 5000"
            )),
            "{samples:?}"
        );
        assert!(samples
            .iter()
            .any(|s| s.starts_with("gauge chatdb_sqlite_file_bytes ")));
        assert!(samples
            .iter()
            .any(|s| s.starts_with("gauge chatdb_active_sessions ")));
    }
}

#[test]
fn stats_pg_quiet_database_exits_0_and_prometheus_parses() {
    let db = pg_or_skip!("stats_pg_quiet");
    let dir = tempfile::tempdir().expect("tmp");
    ok(run(dir.path(), &db.url, "focusmate", &["migrate"]));
    let quiet = run(dir.path(), &db.url, "focusmate", &["stats", "--quiet"]);
    assert_eq!(
        quiet.status.code(),
        Some(0),
        "{}{}",
        stdout(&quiet),
        stderr(&quiet)
    );
    assert!(quiet.stdout.is_empty());
    let prom = ok(run(
        dir.path(),
        &db.url,
        "focusmate",
        &["stats", "--format", "prometheus"],
    ));
    let text = stdout(&prom);
    if let Some(samples) = parse_prometheus("stats_pg_quiet", &text) {
        for want in [
            "gauge chatdb_max_connections",
            "gauge chatdb_database_size_bytes",
            "counter chatdb_table_seq_scans_total",
            "gauge chatdb_table_size_bytes [('schema', 'focusmate'), ('table', 'user')]",
        ] {
            assert!(
                samples.iter().any(|s| s.starts_with(want)),
                "{want}: {samples:?}"
            );
        }
    }
}

/// A private server with `extra` options (`-c name=value ...`), or a skip (a failure under
/// CHATDB_REQUIRE_PG=1).
fn server(test: &str, extra: &str) -> Option<Server> {
    let settings = extra
        .split("-c ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    start_or_skip(
        test,
        Spec {
            settings,
            ..Spec::default()
        },
    )
}

#[test]
fn stats_connections_past_80_percent_of_max_connections_exit_1() {
    let Some(srv) = server("stats_connections", "-c max_connections=10") else {
        return;
    };
    let url = srv.url("127.0.0.1");
    let dir = tempfile::tempdir().expect("tmp");
    ok(run(dir.path(), &url, "focusmate", &["migrate"]));
    let before = run(dir.path(), &url, "focusmate", &["stats"]);
    assert_eq!(before.status.code(), Some(0), "{}", stdout(&before));
    assert!(
        stdout(&before).contains("CREATE EXTENSION pg_stat_statements"),
        "says how to enable pg_stat_statements: {}",
        stdout(&before)
    );
    // Seven held plus chatdb's own: 8 of 10, 80%.
    let held: Vec<postgres::Client> = (0..7)
        .map(|_| postgres::Client::connect(&url, postgres::NoTls).expect("connects"))
        .collect();
    let out = run(dir.path(), &url, "focusmate", &["stats"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        text.contains("connection-use") && text.contains("8 of max_connections 10"),
        "{text}"
    );
    let quiet = run(dir.path(), &url, "focusmate", &["stats", "--quiet"]);
    assert_eq!(quiet.status.code(), Some(1));
    assert!(
        stdout(&quiet).contains("connection-use"),
        "--quiet prints a breach"
    );
    drop(held);
}

#[test]
fn stats_seq_scans_push_index_usage_under_90_percent_exit_1() {
    let db = pg_or_skip!("stats_index_usage");
    let dir = tempfile::tempdir().expect("tmp");
    seeded_focusmate(dir.path(), &db.url);
    {
        let mut c = db.client();
        c.batch_execute("SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off")
            .expect("set");
        for _ in 0..150 {
            c.query("SELECT count(*) FROM notifications", &[])
                .expect("scan");
        }
        c.batch_execute("SELECT pg_stat_force_next_flush()")
            .expect("flush");
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let out = run(
        dir.path(),
        &db.url,
        "focusmate",
        &["stats", "--format", "json"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let f = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "index-usage" && f["table"] == "notifications")
        .unwrap_or_else(|| panic!("no index-usage finding on notifications: {doc}"));
    assert_eq!(f["severity"], "error");
    assert!(f["message"]
        .as_str()
        .unwrap_or_default()
        .contains("the target is over 90%"));
}

#[test]
fn stats_statement_slower_than_100ms_in_pg_stat_statements_exit_1() {
    let Some(srv) = server(
        "stats_slow_query",
        "-c shared_preload_libraries=pg_stat_statements",
    ) else {
        return;
    };
    let url = srv.url("127.0.0.1");
    let dir = tempfile::tempdir().expect("tmp");
    ok(run(dir.path(), &url, "classroom", &["migrate"]));
    {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connects");
        c.batch_execute("CREATE EXTENSION pg_stat_statements")
            .expect("extension");
        let quiet = run(dir.path(), &url, "classroom", &["stats", "--quiet"]);
        assert_eq!(quiet.status.code(), Some(0), "{}", stdout(&quiet));
        c.batch_execute("SELECT pg_sleep(0.15), count(*) FROM sessions WHERE code = 'SECRET42'")
            .expect("slow statement");
    }
    let out = run(dir.path(), &url, "classroom", &["stats"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("slow-query"), "{text}");
    assert!(text.contains("pg_sleep($1)"), "normalised: {text}");
    assert!(!text.contains("SECRET42"), "no literal values: {text}");
    assert!(
        !text.contains("CREATE EXTENSION pg_stat_statements"),
        "{text}"
    );
}

/// The findings of `rule` in a `stats --format json` document.
fn findings_of<'a>(doc: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn json_run(dir: &Path, url: &str, schema: &str, code: i32) -> serde_json::Value {
    let out = run(dir, url, schema, &["stats", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Waits until the statistics collector shows what `c`'s session did.
fn flush(c: &mut postgres::Client) {
    c.batch_execute("SELECT pg_stat_force_next_flush()")
        .expect("flush");
    std::thread::sleep(std::time::Duration::from_millis(300));
}

#[test]
fn stats_chatdb_format_prometheus_and_json_apply_to_stats_and_the_flag_wins() {
    let dir = tempfile::tempdir().expect("tmp");
    let (url, _) = sqlite_in(&dir, "c.db");
    ok(run(dir.path(), &url, "chat", &["migrate"]));
    let with_env = |format: &str, args: &[&str]| {
        let out = chatdb(dir.path())
            .env("CHATDB_FORMAT", format)
            .args(["-d", &url, "stats"])
            .args(args)
            .output()
            .expect("runs");
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let prom = with_env("prometheus", &[]);
    assert!(
        prom.starts_with("# HELP chatdb_table_rows ")
            && prom.contains("# TYPE chatdb_sqlite_pages gauge"),
        "{prom}"
    );
    let json = with_env("json", &[]);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("CHATDB_FORMAT=json is JSON");
    assert_eq!(doc["schema"], "chat");
    let table = with_env("prometheus", &["--format", "table"]);
    assert!(
        table.contains("SQLite file"),
        "--format beats CHATDB_FORMAT: {table}"
    );
    // github is check's and validate's: stats keeps its table.
    assert!(with_env("github", &[]).contains("SQLite file"));
    // Another command given CHATDB_FORMAT=prometheus prints its table.
    let out = chatdb(dir.path())
        .env("CHATDB_FORMAT", "prometheus")
        .args(["-d", &url, "status"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("V1"), "{}", stdout(&out));
}

#[test]
fn stats_pool_past_80_percent_of_chatdb_toml_pool_size_exit_1() {
    let db = pg_or_skip!("stats_pool_use");
    let dir = tempfile::tempdir().expect("tmp");
    ok(run(dir.path(), &db.url, "focusmate", &["migrate"]));
    write_file(dir.path(), "chatdb.toml", "[stats]\npool_size = 5\n");
    let doc = json_run(dir.path(), &db.url, "focusmate", 0);
    assert_eq!(doc["targets"]["pool_size"], 5);
    assert_eq!(
        doc["server"]["database_connections"], 0,
        "chatdb's own is not counted"
    );
    // Four of five: 80%, the document's bound.
    let held: Vec<postgres::Client> = (0..4).map(|_| db.client()).collect();
    let doc = json_run(dir.path(), &db.url, "focusmate", 1);
    let f = findings_of(&doc, "pool-use");
    assert_eq!(f.len(), 1, "{doc}");
    let message = f[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("4 connections to this database")
            && message.contains("pool_size 5 (80%)")
            && message.contains("under 80% (ARC-012 8.1"),
        "{message}"
    );
    assert!(findings_of(&doc, "connection-use").is_empty(), "{doc}");
    drop(held);
}

#[test]
fn stats_dead_rows_on_a_retention_table_exit_1_other_tables_are_not_judged() {
    let db = pg_or_skip!("stats_dead_rows");
    let dir = tempfile::tempdir().expect("tmp");
    seeded_focusmate(dir.path(), &db.url);
    write_file(dir.path(), "chatdb.toml", "[stats]\ndead_rows_min = 1000\n");
    let doc = json_run(dir.path(), &db.url, "focusmate", 0);
    assert!(findings_of(&doc, "dead-rows").is_empty(), "{doc}");
    {
        let mut c = db.client();
        // Autovacuum must not clean up before stats looks (a table option, not the server's).
        c.batch_execute(
            "ALTER TABLE notifications SET (autovacuum_enabled = false);
             ALTER TABLE session_history SET (autovacuum_enabled = false);
             DELETE FROM notifications WHERE ctid IN (SELECT ctid FROM notifications LIMIT 2000);
             DELETE FROM session_history WHERE ctid IN (SELECT ctid FROM session_history LIMIT 4000);",
        )
        .expect("deletes");
        flush(&mut c);
    }
    let doc = json_run(dir.path(), &db.url, "focusmate", 1);
    let f = findings_of(&doc, "dead-rows");
    assert_eq!(f.len(), 1, "only the retention table: {doc}");
    assert_eq!(f[0]["table"], "notifications");
    let message = f[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("2000 dead rows")
            && message.contains("over 1000 rows (chatdb.toml [stats]"),
        "{message}"
    );
    let session_history = doc["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["name"] == "session_history")
        .expect("session_history");
    assert_eq!(session_history["dead_rows"], 4000, "reported, not judged");
}

#[test]
fn stats_long_transaction_and_blocked_backend_past_chatdb_toml_thresholds_exit_1() {
    let db = pg_or_skip!("stats_long_tx_blocked");
    let dir = tempfile::tempdir().expect("tmp");
    ok(run(dir.path(), &db.url, "chat", &["migrate"]));
    write_file(
        dir.path(),
        "chatdb.toml",
        "[stats]\nlong_transaction = \"1s\"\nblocked = \"1s\"\n",
    );
    let mut holder = db.client();
    holder
        .batch_execute("CREATE TABLE probe (id int PRIMARY KEY); INSERT INTO probe VALUES (1)")
        .expect("probe");
    let doc = json_run(dir.path(), &db.url, "chat", 0);
    assert_eq!(doc["targets"]["long_transaction_ms"], 1000);
    let mut tx = holder.transaction().expect("begin");
    tx.execute("UPDATE probe SET id = 1 WHERE id = 1", &[])
        .expect("row lock");
    let url = db.url.clone();
    let waiter = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connects");
        c.execute("UPDATE probe SET id = 1 WHERE id = 1", &[])
            .expect("waits, then updates")
    });
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let doc = json_run(dir.path(), &db.url, "chat", 1);
    let long = findings_of(&doc, "long-transaction");
    assert_eq!(long.len(), 1, "{doc}");
    assert!(
        long[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("the threshold is 1s (chatdb.toml [stats] long_transaction)"),
        "{}",
        long[0]
    );
    let blocked = findings_of(&doc, "blocked-backends");
    assert_eq!(blocked.len(), 1, "{doc}");
    assert!(
        blocked[0]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("1 backend(s) blocked on a lock"),
        "{}",
        blocked[0]
    );
    assert_eq!(doc["server"]["blocked"], 1);
    tx.rollback().expect("rollback");
    assert_eq!(waiter.join().expect("waiter"), 1);
    json_run(dir.path(), &db.url, "chat", 0);
}

#[test]
fn stats_cache_hit_ratio_under_99_percent_on_a_small_shared_buffers_server_exit_1() {
    let Some(srv) = server(
        "stats_cache_hit",
        "-c shared_buffers=128kB -c max_connections=10",
    ) else {
        return;
    };
    let url = srv.url("127.0.0.1");
    let dir = tempfile::tempdir().expect("tmp");
    seeded_focusmate(dir.path(), &url);
    {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connects");
        // notifications is larger than the 16 buffers of shared_buffers: every scan reads
        // its pages again (seeding alone made ~360k hits, hence the thousand scans).
        for _ in 0..1000 {
            c.query("SELECT count(*) FROM notifications", &[])
                .expect("scan");
        }
        flush(&mut c);
    }
    let doc = json_run(dir.path(), &url, "focusmate", 1);
    let f = findings_of(&doc, "cache-hit-ratio");
    assert_eq!(f.len(), 1, "{doc}");
    let ratio = doc["server"]["cache_hit_ratio"].as_f64().expect("ratio");
    assert!(ratio < 0.99, "{ratio}");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("the threshold is 99.00% (default 99%: PgHero's cache_hit_rate_threshold)"),
        "{}",
        f[0]
    );
}

/// The table report of a real run, the one volatile number (the run's own milliseconds in
/// the headline) normalised: seeded with a fixed `--seed` and `--now`, everything else is
/// the same on every run.
#[test]
fn stats_sqlite_table_report_snapshot() {
    let dir = tempfile::tempdir().expect("tmp");
    let (url, _) = sqlite_in(&dir, "c.db");
    ok(run(dir.path(), &url, "classroom", &["migrate"]));
    ok(run(
        dir.path(),
        &url,
        "classroom",
        &[
            "seed",
            "--scale",
            "0.0005",
            "--seed",
            "7",
            "--now",
            "2026-01-01T00:00:00Z",
        ],
    ));
    let text = stdout(&ok(run(dir.path(), &url, "classroom", &["stats"])));
    let (head, rest) = text.split_once('\n').expect("headline");
    let head = head.replace(&url, "sqlite://[dir]/c.db");
    let open = head.rfind('(').expect("elapsed");
    assert!(head.ends_with(" ms)"), "{head}");
    let normalised = format!("{}([elapsed] ms)\n{rest}", &head[..open]);
    insta::assert_snapshot!("stats_table_sqlite", normalised);
}

#[test]
fn stats_replica_replaying_behind_the_chatdb_toml_bound_exit_1() {
    let Some(primary) = server("stats_replication_lag", "") else {
        return;
    };
    let replica = match primary.replica(&["recovery_min_apply_delay=3s"]) {
        Ok(r) => r,
        Err(e) if std::env::var("CHATDB_REQUIRE_PG").as_deref() != Ok("1") => {
            eprintln!("\n!!! SKIPPING stats_replication_lag: no replica: {e}\n");
            return;
        }
        Err(e) => panic!("CHATDB_REQUIRE_PG=1 but the replica did not start: {e}"),
    };
    let url = primary.url("127.0.0.1");
    let dir = tempfile::tempdir().expect("tmp");
    ok(run(dir.path(), &url, "chat", &["migrate"]));
    write_file(
        dir.path(),
        "chatdb.toml",
        "[stats]\nreplication_lag = \"1s\"\n",
    );
    // Writes keep coming, so the replica, applying each 3 s late, is always behind.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (url, stop) = (url.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connects");
            c.batch_execute("CREATE TABLE tick (at timestamptz)")
                .expect("table");
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                c.batch_execute("INSERT INTO tick VALUES (now())")
                    .expect("tick");
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        })
    };
    let mut doc = serde_json::Value::Null;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(500));
        let out = run(dir.path(), &url, "chat", &["stats", "--format", "json"]);
        doc = serde_json::from_slice(&out.stdout).expect("json");
        if out.status.code() == Some(1) {
            break;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().expect("writer");
    let lag = doc["server"]["replication_lag_seconds"].as_f64();
    assert!(lag.is_some_and(|l| l > 1.0), "{doc}");
    let f = findings_of(&doc, "replication-lag");
    assert_eq!(f.len(), 1, "{doc}");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("the threshold is 1s (chatdb.toml [stats] replication_lag)"),
        "{}",
        f[0]
    );
    drop(replica);
}
