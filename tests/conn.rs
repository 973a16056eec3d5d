//! Connecting the way libpq does (issue 16): the password from `PGPASSWORD`, `~/.pgpass`
//! or `PGPASSFILE` (wildcards, escapes, a loose file ignored with a warning), a service
//! file, the `PG*` variables filling what `-d postgres://` leaves out, and
//! `application_name` as `chatdb <command>` in `pg_stat_activity`.
//!
//! The password tests start their own scram-sha-256 server (`pgserver`); the passfile and
//! service file they use are the README's own examples, read from README.md.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::pgserver::{start_or_skip, Server, Spec};

/// The README's password (its examples are the tests' files).
const PASSWORD: &str = "s3cret-example";

/// The fenced block after `<!-- {marker} ...` in README.md, without its indentation, the
/// example's port 5432 replaced by `port`.
fn readme_block(marker: &str, port: u16) -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let at = readme
        .find(&format!("<!-- {marker}"))
        .unwrap_or_else(|| panic!("README has no `{marker}` block"));
    let mut lines = readme[at..].lines().skip(1);
    assert_eq!(
        lines.next().map(str::trim),
        Some("```"),
        "a fence follows the marker"
    );
    let body: Vec<&str> = lines
        .take_while(|l| l.trim() != "```")
        .map(|l| l.strip_prefix("  ").unwrap_or(l))
        .collect();
    (body.join("\n") + "\n")
        .replace(":5432:", &format!(":{port}:"))
        .replace("port=5432", &format!("port={port}"))
}

fn write_mode(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn scram_server(what: &str) -> Option<Server> {
    start_or_skip(
        what,
        Spec {
            password: Some(PASSWORD),
            ..Spec::default()
        },
    )
}

#[test]
fn scram_server_takes_the_password_from_pgpassword_and_the_readme_passfile() {
    let Some(server) = scram_server("scram") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let home = tempfile::tempdir().expect("home");
    let url = server.url("127.0.0.1");

    // No password anywhere: the server refuses (so the successes below are the password's).
    let out = chatdb(dir.path())
        .env("HOME", home.path())
        .args(["-d", &url, "status"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // PGPASSWORD.
    chatdb(dir.path())
        .env("HOME", home.path())
        .env("PGPASSWORD", PASSWORD)
        .args(["-d", &url, "migrate"])
        .assert()
        .success();

    // ~/.pgpass, the README's text: an exact line, and a wildcard line with escapes.
    write_mode(
        &home.path().join(".pgpass"),
        &readme_block("passfile example", server.port),
        0o600,
    );
    chatdb(dir.path())
        .env("HOME", home.path())
        .args(["-d", &url, "status", "--exit-code"])
        .assert()
        .success();
    let mut admin = postgres::Client::connect(
        &format!(
            "postgres://postgres:{PASSWORD}@127.0.0.1:{}/postgres",
            server.port
        ),
        postgres::NoTls,
    )
    .expect("connect with the password");
    admin
        .batch_execute(
            r#"CREATE ROLE "report:er" LOGIN PASSWORD 'another\one' IN ROLE pg_read_all_data"#,
        )
        .expect("create role");
    let reporter = format!("postgres://report%3Aer@127.0.0.1:{}/postgres", server.port);
    chatdb(dir.path())
        .env("HOME", home.path())
        .args(["-d", &reporter, "status"])
        .assert()
        .success();

    // `-d postgres://`: every part from the PG* variables, the password from ~/.pgpass.
    chatdb(dir.path())
        .env("HOME", home.path())
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", server.port.to_string())
        .env("PGUSER", "postgres")
        .args(["-d", "postgres://", "status", "--exit-code"])
        .assert()
        .success();
    // And a wrong PGPASSWORD beats the passfile, as in libpq: refused.
    let out = chatdb(dir.path())
        .env("HOME", home.path())
        .env("PGPASSWORD", "not-the-password")
        .args(["-d", &url, "status"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("password authentication failed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_loose_pgpassfile_is_ignored_with_a_warning_and_the_readme_service_file_names_the_server() {
    let Some(server) = scram_server("scram service") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let home = tempfile::tempdir().expect("home");
    let url = server.url("127.0.0.1");

    let loose = home.path().join("loose.pgpass");
    write_mode(
        &loose,
        &readme_block("passfile example", server.port),
        0o644,
    );
    let out = chatdb(dir.path())
        .env("HOME", home.path())
        .env("PGPASSFILE", &loose)
        .args(["-d", &url, "status"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "ignored, so no password: {}",
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("has group or world access") && err.contains(&loose.display().to_string()),
        "{err}"
    );
    assert!(
        !err.contains(PASSWORD) && !stdout(&out).contains(PASSWORD),
        "{err}"
    );
    // The same file at 0600 serves.
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    chatdb(dir.path())
        .env("HOME", home.path())
        .env("PGPASSFILE", &loose)
        .args(["-d", &url, "migrate"])
        .assert()
        .success();

    // The README's service file, through PGSERVICEFILE and ~/.pg_service.conf.
    let service = readme_block("service example", server.port);
    let file = home.path().join("services.conf");
    std::fs::write(&file, &service).expect("write");
    chatdb(dir.path())
        .env("HOME", home.path())
        .env("PGSERVICEFILE", &file)
        .env("PGPASSWORD", PASSWORD)
        .args(["-d", "service=chatdb-prod", "status", "--exit-code"])
        .assert()
        .success();
    std::fs::write(home.path().join(".pg_service.conf"), &service).expect("write");
    chatdb(dir.path())
        .env("HOME", home.path())
        .env("PGSERVICE", "chatdb-prod")
        .env("PGPASSFILE", &loose)
        .args(["-d", "postgres://", "status", "--exit-code"])
        .assert()
        .success();
    // A service no file defines is an error, not a silent default.
    let out = chatdb(dir.path())
        .env("HOME", home.path())
        .env("PGSYSCONFDIR", home.path())
        .args(["-d", "service=nope", "status"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`nope` not found"),
        "{}",
        stderr(&out)
    );
}

/// The application_name of the session of database `db` that waits on the migrate lock.
fn waiting_app_name(client: &mut postgres::Client, db: &str) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let row = client
            .query_opt(
                "SELECT application_name FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'",
                &[&db],
            )
            .expect("pg_stat_activity");
        if let Some(row) = row {
            return Some(row.get(0));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[test]
fn application_name_is_chatdb_and_the_command_unless_pgappname_or_the_url_sets_one() {
    let Some(db) = PgDb::new("application_name_is_chatdb_command") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let with_app = format!(
        "{}{}application_name=from-url",
        db.url,
        if db.url.contains('?') { '&' } else { '?' }
    );
    for (url, pgappname, expected) in [
        (db.url.as_str(), None, "chatdb migrate"),
        (db.url.as_str(), Some("nightly-job"), "nightly-job"),
        (with_app.as_str(), Some("nightly-job"), "from-url"),
    ] {
        // Hold the migrate lock so chatdb waits where pg_stat_activity can see it.
        let mut holder = db.client();
        let mut tx = holder.transaction().expect("begin");
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext('chatdb.migrate'), hashtext('public'))",
            &[],
        )
        .expect("take the lock");
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("chatdb"));
        cmd.current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("PGAPPNAME")
            .args(["-d", url, "migrate", "--lock-timeout", "30s"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if let Some(name) = pgappname {
            cmd.env("PGAPPNAME", name);
        }
        let mut child = cmd.spawn().expect("spawn chatdb");
        let mut watcher = db.client();
        let seen = waiting_app_name(&mut watcher, &db.name);
        tx.rollback().expect("release");
        let status = child.wait().expect("wait");
        assert_eq!(
            seen.as_deref(),
            Some(expected),
            "url {url}, PGAPPNAME {pgappname:?}"
        );
        assert!(status.success());
    }
}

#[test]
fn wait_retries_until_a_server_that_starts_late_is_up_and_without_it_a_refusal_fails_at_once() {
    let Some(server) = start_or_skip(
        "late-starting",
        Spec {
            stopped: true,
            ..Spec::default()
        },
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let url = server.url("127.0.0.1");

    // Without --wait: refused at once.
    let started = Instant::now();
    let out = chatdb(dir.path())
        .args(["-d", &url, "--connect-timeout", "20s", "status"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(stderr(&out).contains("refused"), "{}", stderr(&out));

    // With --wait and a short timeout: fails after about the timeout, with the last error.
    let started = Instant::now();
    let out = chatdb(dir.path())
        .args(["-d", &url, "--wait", "--connect-timeout", "1s", "status"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
    assert!(
        stderr(&out).contains("refused") && stderr(&out).contains("waited"),
        "{}",
        stderr(&out)
    );

    // With --wait (here from chatdb.toml's `wait = true`): the server starts a second
    // after chatdb, and migrate succeeds.
    write_file(
        dir.path(),
        "chatdb.toml",
        "wait = true\nconnect_timeout = \"60s\"\n",
    );
    let started = Instant::now();
    let mut child = spawn_chatdb(dir.path(), &["-d", &url, "migrate"]);
    std::thread::sleep(Duration::from_secs(1));
    let still_waiting = started.elapsed();
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "chatdb is still waiting when the server starts"
    );
    server.start().expect("start the server");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(still_waiting >= Duration::from_secs(1) && started.elapsed() > still_waiting);
    let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    let applied: i64 = c
        .query_one("SELECT count(*) FROM chatdb_history_chat", &[])
        .expect("history")
        .get(0);
    assert!(applied > 0);
}

#[test]
fn several_hosts_with_target_session_attrs_read_write_reach_the_primary_and_writers_refuse_a_read_only_server(
) {
    let Some(ro) = start_or_skip(
        "read-only",
        Spec {
            settings: vec!["default_transaction_read_only=on".into()],
            ..Spec::default()
        },
    ) else {
        return;
    };
    let Some(rw) = start_or_skip("read-write", Spec::default()) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let history = |port: u16| -> bool {
        let mut c = postgres::Client::connect(
            &format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            postgres::NoTls,
        )
        .expect("connect");
        c.query_one("SELECT to_regclass('chatdb_history_chat') IS NOT NULL", &[])
            .expect("query")
            .get(0)
    };

    // The read-only server first: target_session_attrs=read-write skips it.
    let both = format!(
        "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/postgres?target_session_attrs=read-write",
        ro.port, rw.port
    );
    chatdb(dir.path())
        .args(["-d", &both, "migrate"])
        .assert()
        .success();
    assert!(history(rw.port), "migrated on the primary");
    assert!(!history(ro.port), "nothing on the read-only server");

    // The writing commands refuse the read-only server with a clear message.
    let ro_url = ro.url("127.0.0.1");
    for cmd in [
        &["migrate"][..],
        &["seed", "--scale", "0.01"][..],
        &["-s", "classroom", "cleanup"][..],
    ] {
        let out = chatdb(dir.path())
            .args(["-d", &ro_url])
            .args(cmd)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("needs a read-write server")
                && stderr(&out).contains("read-only"),
            "{cmd:?}: {}",
            stderr(&out)
        );
    }
    // Several hosts without target_session_attrs: the first that answers, read-only, is
    // refused for migrate too.
    let any = format!(
        "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/postgres",
        ro.port, rw.port
    );
    let out = chatdb(dir.path())
        .args(["-d", &any, "migrate"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // Read-only commands take any server.
    chatdb(dir.path())
        .args(["-d", &ro_url, "status"])
        .assert()
        .success();
    // cleanup --dry-run only reads: not refused for being read-only (it fails only because
    // the classroom schema is not there).
    let out = chatdb(dir.path())
        .args(["-d", &ro_url, "-s", "classroom", "cleanup", "--dry-run"])
        .output()
        .expect("runs");
    assert!(
        !stderr(&out).contains("needs a read-write server"),
        "{}",
        stderr(&out)
    );
}
