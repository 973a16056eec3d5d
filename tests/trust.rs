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
            took < Duration::from_millis(3500),
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
    assert!(
        err.contains("(waited 1.0s")
            || err.contains("(waited 1.1s")
            || err.contains("(waited 1.2s"),
        "the real wait: {err}"
    );
    app.batch_execute("ROLLBACK").expect("release");
}
