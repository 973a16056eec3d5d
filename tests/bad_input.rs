//! Bad input gets a clear message naming the problem, exit 2, and changes nothing.

use crate::common::*;

fn fails_with(dir: &std::path::Path, args: &[&str], needle: &str) -> String {
    let out = chatdb(dir).args(args).output().expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "args {args:?}: {err}");
    assert!(err.starts_with("chatdb: "), "{err}");
    assert!(
        err.contains(needle),
        "args {args:?}: expected `{needle}` in: {err}"
    );
    err
}

#[test]
fn unknown_schema_malformed_url_and_bad_durations_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    fails_with(p, &["-s", "nosuch", "migrate"], "unknown schema `nosuch`");
    fails_with(
        p,
        &["-d", "mysql://u@h/db", "migrate"],
        "unsupported database URL",
    );
    fails_with(
        p,
        &["-d", "postgres://u@h:notaport/db", "status"],
        "invalid PostgreSQL URL",
    );
    fails_with(p, &["--connect-timeout", "30x", "status"], "not a duration");
    fails_with(p, &["--lock-timeout", "0s", "status"], "greater than zero");
    fails_with(
        p,
        &["--namespace", "Bad-Name", "migrate"],
        "invalid --namespace",
    );
    fails_with(p, &["--namespace", "other", "migrate"], "PostgreSQL-only");
    assert!(
        !p.join("chatdb.sqlite3").exists(),
        "none of these created the default database"
    );
}

#[test]
fn a_broken_config_file_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("chatdb.toml"),
        "database_url = \"sqlite://x.sqlite3\"\nshema = \"chat\"\n",
    )
    .expect("write");
    fails_with(dir.path(), &["migrate"], "chatdb.toml is invalid");
    std::fs::write(dir.path().join("chatdb.toml"), "database_url = [").expect("write");
    fails_with(dir.path(), &["migrate"], "chatdb.toml is invalid");
    fails_with(
        dir.path(),
        &["-c", "missing.toml", "migrate"],
        "missing.toml",
    );
    assert!(!dir.path().join("x.sqlite3").exists());
}

#[test]
fn the_config_file_supplies_url_and_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("chatdb.toml"),
        "database_url = \"sqlite://cfg.sqlite3\"\nschema = \"assistant\"\n",
    )
    .expect("write");
    chatdb(dir.path()).arg("migrate").assert().success();
    let out = chatdb(dir.path())
        .args(["status", "--format", "json"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["schema"], "assistant");
    assert_eq!(v["database"], "sqlite://cfg.sqlite3");
}

#[test]
fn status_of_a_missing_sqlite_file_is_an_error_not_a_new_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    fails_with(
        dir.path(),
        &["-d", "sqlite://nothere.sqlite3", "status"],
        "does not exist",
    );
    assert!(!dir.path().join("nothere.sqlite3").exists());
}

#[test]
fn malformed_file_names_and_repeated_versions_are_errors_not_skips() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let sd = root.to_str().expect("utf8");
    schema_dir(
        root,
        "demo",
        &[
            ("sqlite", "V1__init.sql", "CREATE TABLE a (id INTEGER);"),
            ("sqlite", "V2__add-email.sql", "SELECT 1;"),
        ],
    );
    fails_with(
        root,
        &["--schema-dir", sd, "-s", "demo", "migrate"],
        "V2__add-email.sql",
    );
    std::fs::remove_file(root.join("sql/sqlite/demo/V2__add-email.sql")).expect("rm");
    schema_dir(root, "demo", &[("sqlite", "V1__again.sql", "SELECT 1;")]);
    fails_with(
        root,
        &["--schema-dir", sd, "-s", "demo", "migrate"],
        "version 1 is used twice",
    );
    assert!(!root.join("chatdb.sqlite3").exists());
}

#[test]
fn an_unreachable_server_fails_fast_and_never_shows_the_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Port 1 on loopback: connection refused.
    let err = fails_with(
        dir.path(),
        &[
            "-d",
            "postgres://app:Sup3rS3cret@127.0.0.1:1/db",
            "--connect-timeout",
            "2s",
            "migrate",
        ],
        "cannot connect to postgres://app:********@127.0.0.1:1/db",
    );
    assert!(!err.contains("Sup3rS3cret"));
    // Key=value strings and DATABASE_URL too.
    let out = chatdb(dir.path())
        .env(
            "DATABASE_URL",
            "host=127.0.0.1 port=1 user=app password=Sup3rS3cret dbname=x",
        )
        .args(["--connect-timeout", "2s", "status"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !stderr(&out).contains("Sup3rS3cret") && !stdout(&out).contains("Sup3rS3cret"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_wrong_password_is_not_echoed_by_the_server_error() {
    let Some(db) = PgDb::new("wrong_password") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    // A database that does not exist: the server's error names it, never the password.
    let url = with_database(&db.url, "chatdb_no_such_db").replacen(
        "://postgres@",
        "://postgres:Sup3rS3cret@",
        1,
    );
    let out = chatdb(dir.path())
        .args(["-d", &url, "status"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("chatdb_no_such_db") && !err.contains("Sup3rS3cret"),
        "{err}"
    );
}

#[test]
fn system_namespaces_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    for ns in ["information_schema", "pg_catalog", "pg_toast", "pg_temp_1"] {
        fails_with(
            dir.path(),
            &[
                "-d",
                "postgres://u@127.0.0.1:1/x",
                "--namespace",
                ns,
                "status",
            ],
            "is a PostgreSQL system schema",
        );
    }
}

#[test]
fn sqlite_url_parameters_are_refused_not_silently_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    fails_with(
        dir.path(),
        &["-d", "sqlite://f.db?mode=ro", "migrate"],
        "SQLite URL parameter `mode` is not supported",
    );
    fails_with(
        dir.path(),
        &["-d", "sqlite://f.db?cache=shared&mode=ro", "status"],
        "`cache`",
    );
    assert!(!dir.path().join("f.db").exists(), "nothing was written");
}

#[test]
fn lock_timeout_of_25_days_on_sqlite_is_refused_not_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    fails_with(
        dir.path(),
        &["-d", "sqlite::memory:", "--lock-timeout", "25d", "migrate"],
        "--lock-timeout: `25d` is too long (at most 24 days)",
    );
    chatdb(dir.path())
        .args(["-d", "sqlite::memory:", "--lock-timeout", "24d", "migrate"])
        .assert()
        .success();
}

#[test]
fn out_of_range_older_than_is_refused_naming_the_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, _) = sqlite_in(&dir, "c.sqlite3");
    chatdb(dir.path())
        .args(["-d", &url, "migrate"])
        .assert()
        .success();
    for bad in ["200y", "99999999999d"] {
        let out = chatdb(dir.path())
            .args(["-d", &url, "cleanup", "--older-than", bad, "--dry-run"])
            .output()
            .expect("runs");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains("--older-than"), "{bad}: {err}");
    }
    // The same bound for a keep period in chatdb.toml, named by where it came from.
    std::fs::write(
        dir.path().join("chatdb.toml"),
        "[cleanup.policies.messages]\nkeep = '1000y'\n",
    )
    .expect("write");
    fails_with(
        dir.path(),
        &["-d", &url, "cleanup", "--dry-run"],
        "chatdb.toml [cleanup.policies.messages] keep: `1000y` is too long",
    );
}

#[test]
fn unknown_schemes_are_named_without_the_rest_of_the_url() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = fails_with(
        dir.path(),
        &["-d", "mysql://admin:Sup3rS3cret@db.internal/x", "status"],
        "unsupported database URL scheme `mysql`",
    );
    assert!(
        !err.contains("Sup3r") && !err.contains("admin") && !err.contains("db.internal"),
        "{err}"
    );
    let err = fails_with(
        dir.path(),
        &["-d", "Sup3rS3cret", "status"],
        "unsupported database URL",
    );
    assert!(!err.contains("Sup3r"), "{err}");
}

#[test]
fn config_batch_size_out_of_range_is_refused_by_every_command_alike() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, _) = sqlite_in(&dir, "b.sqlite3");
    chatdb(dir.path())
        .args(["-d", &url, "migrate"])
        .assert()
        .success();
    std::fs::write(
        dir.path().join("chatdb.toml"),
        "[cleanup]\nbatch_size = 0\n",
    )
    .expect("write");
    for cmd in [
        &["explain"][..],
        &["cleanup", "--dry-run", "--older-than", "30d"][..],
    ] {
        let mut args = vec!["-d", url.as_str()];
        args.extend_from_slice(cmd);
        fails_with(
            dir.path(),
            &args,
            "[cleanup] batch_size = 0 in the config file",
        );
    }
}
