//! Issue 11's defects that belong to no other test file: `check` during a concurrent
//! upgrade reads one snapshot, and `--connect-timeout` bounds the whole handshake.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::pg_or_skip;

/// Issue 11, defect 7: `check` read the history and the catalog in different snapshots
/// (READ COMMITTED), so during an upgrade it reported `missing-index` errors for indexes the
/// later migration drops on purpose (history still at the old version, catalog already at
/// the new one). A schema whose V2 drops V1's index is flipped between V1 and V2 as fast as
/// transactions commit (drop the index and add V2's history row, or the reverse, each in one
/// transaction) while `check` runs again and again: every check must see one consistent state,
/// with no error finding and no panic, and the checks must have seen both versions.
#[test]
fn check_during_a_concurrent_upgrade_reports_no_finding_the_snapshot_does_not_show() {
    let pg = pg_or_skip!("check_during_upgrade");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = schema_dir(
        dir.path(),
        "snap",
        &[
            (
                "postgres",
                "V1__init.sql",
                "CREATE TABLE t (id int PRIMARY KEY, a int, b int);\nCREATE INDEX t_a_idx ON t (a);\nCREATE INDEX t_b_idx ON t (b);\n",
            ),
            ("postgres", "V2__drop.sql", "DROP INDEX t_a_idx;\nDROP INDEX t_b_idx;\n"),
        ],
    );
    let base = |dir: &Path| {
        let mut cmd = chatdb(dir);
        cmd.args(["-d", &pg.url, "--schema-dir"])
            .arg(&root)
            .args(["-s", "snap"]);
        cmd
    };
    let out = base(dir.path()).arg("migrate").output().expect("migrate");
    assert!(out.status.success(), "migrate: {}", stderr(&out));
    // V2's history row as migrate wrote it, to put back by hand.
    let mut c = pg.client();
    let history = "chatdb_history_snap";
    let row = c
        .query_one(
            &format!("SELECT name, applied_on, checksum FROM {history} WHERE version = 2"),
            &[],
        )
        .expect("V2 history row");
    let (name, applied_on, checksum): (String, String, String) =
        (row.get(0), row.get(1), row.get(2));
    let down = format!(
        "BEGIN; CREATE INDEX t_a_idx ON t (a); CREATE INDEX t_b_idx ON t (b); DELETE FROM {history} WHERE version = 2; COMMIT"
    );
    let up = format!(
        "BEGIN; DROP INDEX t_a_idx; DROP INDEX t_b_idx; INSERT INTO {history} (version, name, applied_on, checksum) VALUES (2, '{name}', '{applied_on}', '{checksum}'); COMMIT"
    );
    c.batch_execute(&down).expect("back to V1");
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut versions = std::collections::BTreeSet::new();
    let mut flips = 0u32;
    std::thread::scope(|s| {
        let flipper = s.spawn(|| {
            let mut n = 0u32;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                c.batch_execute(&up).expect("up to V2");
                c.batch_execute(&down).expect("down to V1");
                n += 2;
            }
            n
        });
        for run in 0..25 {
            let out = base(dir.path())
                .args(["check", "--format", "json"])
                .output()
                .expect("check runs");
            match out.status.code() {
                Some(0) | Some(1) => {
                    let v: serde_json::Value =
                        serde_json::from_slice(&out.stdout).expect("check JSON");
                    versions.insert(v["applied_version"].as_i64().unwrap_or(-1));
                    let errors: Vec<&serde_json::Value> = v["findings"]
                        .as_array()
                        .expect("findings")
                        .iter()
                        .filter(|f| f["severity"] == "error")
                        .collect();
                    if !errors.is_empty() {
                        done.store(true, std::sync::atomic::Ordering::SeqCst);
                        panic!("check {run} saw a state no snapshot holds: {errors:#?}");
                    }
                }
                other => {
                    done.store(true, std::sync::atomic::Ordering::SeqCst);
                    panic!("check {run} exited {other:?}: {}", stderr(&out));
                }
            }
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        flips = flipper.join().expect("flipper");
    });
    assert!(
        versions.contains(&1) && versions.contains(&2) && flips > 25,
        "the checks saw {versions:?} over {flips} flips: the upgrades never overlapped them"
    );
}

/// Issue 11, defect 8: against a server that accepts TCP and never answers,
/// `--connect-timeout 2s` hung until the peer closed: rust-postgres bounds only the socket
/// connect. The whole handshake (TCP, TLS, authentication) is bounded: exit 2 within the
/// timeout and a small margin, naming the host and the timeout, never the password.
#[test]
fn connect_timeout_bounds_a_server_that_accepts_and_never_answers() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    // Accept and hold every connection, saying nothing.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            match s {
                Ok(s) => held.push(s),
                Err(_) => break,
            }
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    for sslmode in ["disable", "prefer"] {
        let url = format!("postgres://app:s3cretpw@127.0.0.1:{port}/x?sslmode={sslmode}");
        let started = Instant::now();
        let out = chatdb(dir.path())
            .args([
                "-d",
                &url,
                "--connect-timeout",
                "2s",
                "-s",
                "chat",
                "status",
            ])
            .timeout(Duration::from_secs(30))
            .output()
            .expect("runs");
        let took = started.elapsed();
        assert_eq!(out.status.code(), Some(2), "{sslmode}: {}", stderr(&out));
        assert!(
            took < Duration::from_millis(4000),
            "{sslmode}: took {took:?} with --connect-timeout 2s"
        );
        let err = stderr(&out);
        assert!(
            err.contains(&format!("127.0.0.1:{port}")) && err.contains("2s"),
            "{sslmode}: {err}"
        );
        assert!(!err.contains("s3cretpw"), "{err}");
    }
}

/// Issue 11, defect 10: lock messages said "waited 0s" after waiting, and blamed "another
/// chatdb run" when the holder was the application. A migration statement that runs out of
/// `--lock-timeout` names the session holding the table (pid, application_name, how long its
/// transaction has been open); a migrate lock held past the timeout names its holder and how
/// long chatdb really waited.
#[test]
fn lock_messages_name_the_holder_and_the_real_wait_postgres() {
    let pg = pg_or_skip!("lock_messages_name_holder");
    let dir = tempfile::tempdir().expect("tempdir");
    let migrate = || {
        chatdb(dir.path())
            .args([
                "-d",
                &pg.url,
                "-s",
                "chat",
                "--lock-timeout",
                "1s",
                "migrate",
            ])
            .output()
            .expect("migrate runs")
    };
    chatdb(dir.path())
        .args(["-d", &pg.url, "-s", "chat", "migrate", "--target", "1"])
        .assert()
        .success();
    let mut app = pg.client();
    app.batch_execute("SET application_name = 'trust_app'")
        .expect("name");
    let pid: i32 = app
        .query_one("SELECT pg_backend_pid()", &[])
        .expect("pid")
        .get(0);
    app.batch_execute("BEGIN; LOCK TABLE messages IN ROW EXCLUSIVE MODE")
        .expect("hold messages");
    let out = migrate();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "pid {pid} (application_name `trust_app`, transaction open"
        )) && err.contains("messages RowExclusiveLock")
            && err.contains("waited:    1s"),
        "{err}"
    );
    app.batch_execute("ROLLBACK").expect("release");

    app.batch_execute(
        "BEGIN; SELECT pg_advisory_xact_lock(hashtext('chatdb.migrate'), hashtext('public'))",
    )
    .expect("hold the migrate lock");
    let started = Instant::now();
    let out = migrate();
    let took = started.elapsed();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(took >= Duration::from_secs(1), "it waited: {took:?}");
    assert!(
        err.contains(&format!("pid {pid} (application_name `trust_app`"))
            && err.contains("holds the migrate lock")
            && err.contains("lock timeout 1s")
            && !err.contains("waited 0s"),
        "{err}"
    );
    let waited: f64 = err
        .split("(waited ")
        .nth(1)
        .and_then(|rest| rest.split('s').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no wait in: {err}"));
    assert!(
        (1.0..5.0).contains(&waited),
        "the real wait, about the 1s lock timeout: {err}"
    );
    app.batch_execute("ROLLBACK").expect("release");
}

/// Waits until `sql` (a count) is positive, up to 20 s.
fn until_positive(c: &mut postgres::Client, sql: &str, what: &str) {
    for _ in 0..1000 {
        let n: i64 = c.query_one(sql, &[]).expect(what).get(0);
        if n > 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("never saw {what}");
}

fn kill(child: &std::process::Child, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// Issue 11, defect 10: migrate killed by SIGTERM printed nothing. A SIGTERM while a
/// migration runs cancels it: the run's one transaction rolls back, migrate says so and
/// where the database stands, and exits 143 at once (not when the statement would have
/// ended).
#[test]
fn migrate_interrupted_by_sigterm_rolls_back_says_so_and_exits_143() {
    let pg = pg_or_skip!("migrate_sigterm");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = schema_dir(
        dir.path(),
        "slow",
        &[
            ("postgres", "V1__t.sql", "CREATE TABLE t (id int);\n"),
            (
                "postgres",
                "V2__slow.sql",
                "CREATE TABLE u (id int);\nSELECT pg_sleep(60);\n",
            ),
        ],
    );
    let root_s = root.display().to_string();
    let args = [
        "-d",
        &pg.url,
        "--schema-dir",
        &root_s,
        "-s",
        "slow",
        "migrate",
    ];
    chatdb(dir.path())
        .args(args)
        .args(["--target", "1"])
        .assert()
        .success();
    let child = spawn_chatdb(dir.path(), &args);
    let mut c = pg.client();
    until_positive(
        &mut c,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()",
        "the slow migration running",
    );
    let started = Instant::now();
    kill(&child, "-TERM");
    let out = wait_for(child, Duration::from_secs(20));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(143), "{err}");
    assert!(
        err.contains("interrupted by SIGTERM")
            && err.contains("rolled back")
            && err.contains("stays at V1"),
        "{err}"
    );
    let u: bool = c
        .query_one("SELECT to_regclass('u') IS NOT NULL", &[])
        .expect("u")
        .get(0);
    assert!(!u, "V2 rolled back");
    let v: i32 = c
        .query_one("SELECT max(version) FROM chatdb_history_slow", &[])
        .expect("history")
        .get(0);
    assert_eq!(v, 1);
}

/// Issue 11, defect 10: validate left `chatdb_validate_<pid>_<n>` behind on SIGINT. Its
/// scratch databases are dropped, and it exits 130.
#[test]
fn validate_interrupted_by_sigint_drops_its_scratch_databases() {
    let pg = pg_or_skip!("validate_sigint");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = schema_dir(
        dir.path(),
        "slowval",
        &[
            (
                "postgres",
                "V1__slow.sql",
                "CREATE TABLE t (id int);\nSELECT pg_sleep(60);\n",
            ),
            ("sqlite", "V1__slow.sql", "CREATE TABLE t (id int);\n"),
        ],
    );
    let root_s = root.display().to_string();
    let child = spawn_chatdb(
        dir.path(),
        &[
            "-d",
            &pg.url,
            "--schema-dir",
            &root_s,
            "-s",
            "slowval",
            "validate",
        ],
    );
    let prefix = format!("chatdb_validate_{}_", child.id());
    let mut c = pg.client();
    until_positive(
        &mut c,
        &format!("SELECT count(*) FROM pg_stat_activity WHERE datname LIKE '{prefix}%' AND query LIKE '%pg_sleep(60)%'"),
        "validate applying in its scratch database",
    );
    kill(&child, "-INT");
    let out = wait_for(child, Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stderr(&out).contains(&prefix), "{}", stderr(&out));
    let left: i64 = c
        .query_one(
            &format!("SELECT count(*) FROM pg_database WHERE datname LIKE '{prefix}%'"),
            &[],
        )
        .expect("databases")
        .get(0);
    assert_eq!(left, 0, "the scratch databases are gone");
}

/// Issue 11, defect 10: a validate killed outright (SIGKILL) leaves its scratch database,
/// and nothing removed it. The next validate drops leftovers whose pid is not running here
/// and that nobody is connected to, and nothing else: not a live process's, not a name
/// that is not chatdb's own.
#[test]
fn validate_removes_the_scratch_databases_of_dead_runs_only() {
    let pg = pg_or_skip!("validate_sweeps_leftovers");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut gone = std::process::Command::new("true").spawn().expect("spawn");
    gone.wait().expect("wait");
    let dead = format!("chatdb_validate_{}_0", gone.id());
    let live = format!("chatdb_validate_{}_90", std::process::id());
    let other = format!("chatdb_validate_{}_x", gone.id());
    let mut c = pg.client();
    for db in [&dead, &live, &other] {
        c.batch_execute(&format!("DROP DATABASE IF EXISTS \"{db}\""))
            .expect("drop");
        c.batch_execute(&format!("CREATE DATABASE \"{db}\""))
            .expect("create");
    }
    let root = schema_dir(
        dir.path(),
        "tiny",
        &[
            ("postgres", "V1__t.sql", "CREATE TABLE t (id int);\n"),
            ("sqlite", "V1__t.sql", "CREATE TABLE t (id int);\n"),
        ],
    );
    let root_s = root.display().to_string();
    let out = chatdb(dir.path())
        .args([
            "-d",
            &pg.url,
            "--schema-dir",
            &root_s,
            "-s",
            "tiny",
            "validate",
        ])
        .output()
        .expect("validate runs");
    let exists = |c: &mut postgres::Client, db: &str| -> bool {
        c.query_one(
            "SELECT count(*) FROM pg_database WHERE datname = $1",
            &[&db],
        )
        .expect("pg_database")
        .get::<_, i64>(0)
            > 0
    };
    let (dead_left, live_left, other_left) = (
        exists(&mut c, &dead),
        exists(&mut c, &live),
        exists(&mut c, &other),
    );
    for db in [&dead, &live, &other] {
        let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS \"{db}\""));
    }
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        stderr(&out)
    );
    assert!(
        !dead_left,
        "the dead run's scratch database was dropped: {}",
        stderr(&out)
    );
    assert!(live_left, "a running process's scratch database is kept");
    assert!(other_left, "a name that is not chatdb's pattern is kept");
}
