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
        &["adopt"][..],
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
    // adopt --dry-run only reads: not refused for being read-only (nothing to adopt there).
    let out = chatdb(dir.path())
        .args(["-d", &ro_url, "adopt", "--dry-run"])
        .output()
        .expect("runs");
    assert!(
        !stderr(&out).contains("needs a read-write server"),
        "{}",
        stderr(&out)
    );
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

#[test]
fn wait_retries_a_standby_answering_57p03_until_the_timeout_and_succeeds_once_it_is_promoted() {
    // A standby with hot_standby=off answers every connection with SQLSTATE 57P03 ("the
    // database system is not accepting connections"), as a server still starting does,
    // until it is promoted.
    let Some(server) = start_or_skip(
        "standby (57P03)",
        Spec {
            standby: true,
            settings: vec!["hot_standby=off".into()],
            ..Spec::default()
        },
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let url = server.url("127.0.0.1");

    // Without --wait: the server's 57P03 fails at once.
    let started = Instant::now();
    let out = chatdb(dir.path())
        .args(["-d", &url, "--connect-timeout", "20s", "status"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("57P03"), "{}", stderr(&out));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // With --wait: tried again until the connect timeout, then the last error (57P03).
    let started = Instant::now();
    let out = chatdb(dir.path())
        .args(["-d", &url, "--wait", "--connect-timeout", "1s", "status"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
    let err = stderr(&out);
    assert!(
        err.contains("57P03") && err.contains("waited") && err.contains("connect timeout 1s"),
        "{err}"
    );

    // With --wait and time enough: promoted a second after chatdb started, it becomes
    // ready and migrate succeeds on it.
    let mut child = spawn_chatdb(
        dir.path(),
        &["-d", &url, "--wait", "--connect-timeout", "60s", "migrate"],
    );
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "chatdb is still waiting while the server answers 57P03"
    );
    server.promote().expect("promote the standby");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", stderr(&out));
    let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    let applied: i64 = c
        .query_one("SELECT count(*) FROM chatdb_history_chat", &[])
        .expect("history")
        .get(0);
    assert!(applied > 0);
}

#[test]
fn several_hosts_match_the_passfile_per_host_each_with_its_own_password() {
    // Two scram servers with different passwords; the first is read-only, so
    // target_session_attrs=read-write moves on to the second, which needs its own line.
    let Some(first) = start_or_skip(
        "scram read-only",
        Spec {
            password: Some(PASSWORD),
            settings: vec!["default_transaction_read_only=on".into()],
            ..Spec::default()
        },
    ) else {
        return;
    };
    let Some(second) = start_or_skip(
        "scram read-write",
        Spec {
            password: Some("second-s3cret"),
            ..Spec::default()
        },
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let home = tempfile::tempdir().expect("home");
    write_mode(
        &home.path().join(".pgpass"),
        &format!(
            "127.0.0.1:{}:*:postgres:{PASSWORD}\n127.0.0.1:{}:*:postgres:second-s3cret\n",
            first.port, second.port
        ),
        0o600,
    );
    let both = format!(
        "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/postgres?target_session_attrs=read-write",
        first.port, second.port
    );
    let out = chatdb(dir.path())
        .env("HOME", home.path())
        .args(["-d", &both, "migrate"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out) + &stdout(&out);
    assert!(
        !err.contains(PASSWORD) && !err.contains("second-s3cret"),
        "{err}"
    );
    let mut c = postgres::Client::connect(
        &format!(
            "postgres://postgres:second-s3cret@127.0.0.1:{}/postgres",
            second.port
        ),
        postgres::NoTls,
    )
    .expect("connect to the second");
    let applied: i64 = c
        .query_one("SELECT count(*) FROM chatdb_history_chat", &[])
        .expect("history on the second server")
        .get(0);
    assert!(applied > 0);
    // Read-only commands take the first host, with the first host's line.
    chatdb(dir.path())
        .env("HOME", home.path())
        .args([
            "-d",
            &format!(
                "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/postgres",
                first.port, second.port
            ),
            "status",
        ])
        .assert()
        .success();
}

/// A TCP port nothing listens on (refused at once).
fn refused_url() -> String {
    let port = crate::pgserver::free_port().expect("free port");
    format!("postgres://postgres@127.0.0.1:{port}/postgres")
}

#[test]
fn connect_timeout_flag_beats_pgconnect_timeout_and_a_url_connect_timeout_beats_both() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = refused_url();
    let bound = |envs: &[(&str, &str)], args: &[&str], url: &str| -> String {
        let mut cmd = chatdb(dir.path());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd
            .args(["-d", url])
            .args(args)
            .arg("status")
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        stderr(&out)
    };
    let has = |err: String, what: &str| assert!(err.contains(what), "{what}: {err}");
    has(bound(&[], &[], &url), "connect timeout 10s");
    has(
        bound(&[("PGCONNECT_TIMEOUT", "30")], &[], &url),
        "connect timeout 30s",
    );
    has(
        bound(
            &[("PGCONNECT_TIMEOUT", "30")],
            &["--connect-timeout", "3s"],
            &url,
        ),
        "connect timeout 3s",
    );
    has(
        bound(
            &[
                ("PGCONNECT_TIMEOUT", "30"),
                ("CHATDB_CONNECT_TIMEOUT", "4s"),
            ],
            &[],
            &url,
        ),
        "connect timeout 4s",
    );
    // PGCONNECT_TIMEOUT beats chatdb.toml (environment > config file).
    write_file(dir.path(), "chatdb.toml", "connect_timeout = \"7s\"\n");
    has(
        bound(&[("PGCONNECT_TIMEOUT", "30")], &[], &url),
        "connect timeout 30s",
    );
    has(bound(&[], &[], &url), "connect timeout 7s");
    std::fs::remove_file(dir.path().join("chatdb.toml")).expect("rm");
    // Written in the URL, libpq's rule: the string wins.
    has(
        bound(
            &[("PGCONNECT_TIMEOUT", "30")],
            &["--connect-timeout", "3s"],
            &format!("{url}?connect_timeout=5"),
        ),
        "connect timeout 5s",
    );
}

#[test]
fn the_default_user_is_the_effective_uids_name_not_user_or_logname() {
    let Some(server) = start_or_skip("trust (default user)", Spec::default()) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let me =
        crate::pgserver::output_of(std::process::Command::new("id").arg("-un")).expect("id -un");
    let mut admin =
        postgres::Client::connect(&server.url("127.0.0.1"), postgres::NoTls).expect("connect");
    let exists: bool = admin
        .query_one(
            "SELECT count(*) > 0 FROM pg_roles WHERE rolname = $1",
            &[&me],
        )
        .expect("pg_roles")
        .get(0);
    if !exists {
        admin
            .batch_execute(&format!("CREATE ROLE \"{me}\" LOGIN SUPERUSER"))
            .expect("create role");
    }
    // No user in the URL: libpq takes the effective uid's name; USER and LOGNAME name a
    // role that does not exist, so a connection made as them fails.
    let url = format!("postgres://127.0.0.1:{}/postgres", server.port);
    let out = chatdb(dir.path())
        .env("USER", "no-such-role")
        .env("LOGNAME", "no-such-role")
        .args(["-d", &url, "migrate"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let who: String = admin
        .query_one(
            "SELECT r.rolname::text FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE c.relname = 'chatdb_history_chat'",
            &[],
        )
        .expect("history table owner")
        .get(0);
    assert_eq!(who, me, "migrated as the effective user");
    // The display names the same user.
    let out = chatdb(dir.path())
        .env("USER", "no-such-role")
        .args(["-d", &refused_url().replace("postgres@", ""), "status"])
        .output()
        .expect("runs");
    assert!(
        stderr(&out).contains(&format!("postgres://{me}@127.0.0.1")),
        "{}",
        stderr(&out)
    );
}
