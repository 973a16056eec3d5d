//! Output shapes that scripts rely on, snapshot-tested.

use crate::common::*;

#[test]
fn schemas_json_lists_the_four_canonical_schemas() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = chatdb(dir.path())
        .args(["schemas", "--format", "json"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    insta::assert_json_snapshot!("schemas_json", v);
}

#[test]
fn help_names_the_env_vars_and_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = chatdb(dir.path()).arg("--help").output().expect("runs");
    insta::assert_snapshot!("help", stdout(&out));
}

#[test]
fn migrate_json_reports_what_was_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, _) = sqlite_in(&dir, "j.sqlite3");
    let out = chatdb(dir.path())
        .args(["-d", &url, "-s", "classroom", "migrate", "--format", "json"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["version"], 3);
    let applied: Vec<&str> = v["applied"]
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        applied,
        [
            "initial_schema",
            "session_code_8_and_indexes",
            "index_repairs"
        ]
    );
}

/// The first four keys of a `--format json` document, in the order they were printed.
fn leading_keys(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|l| l.starts_with("  \""))
        .filter_map(|l| {
            l.trim()
                .strip_prefix('"')?
                .split('"')
                .next()
                .map(str::to_string)
        })
        .take(4)
        .collect()
}

#[test]
fn every_json_document_starts_with_the_same_envelope_and_namespace_is_null_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, _) = sqlite_in(&dir, "e.sqlite3");
    let runs: [&[&str]; 7] = [
        &["migrate", "--format", "json"],
        &["migrate", "--dry-run", "--format", "json"],
        &["status", "--format", "json"],
        &["check", "--format", "json"],
        &["cleanup", "--list", "--format", "json"],
        &["explain", "--format", "json"],
        &["schemas", "--format", "json"],
    ];
    for args in runs {
        let out = chatdb(dir.path())
            .args(["-d", &url])
            .args(args)
            .output()
            .expect("runs");
        assert!(
            out.status.code().is_some_and(|c| c < 2),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(
            leading_keys(&out.stdout),
            ["schema", "dialect", "database", "namespace"],
            "{args:?}"
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert!(v["namespace"].is_null(), "{args:?}: {v:#}");
        if args[0] != "schemas" {
            assert_eq!(v["dialect"], "sqlite", "{args:?}");
            assert_eq!(v["schema"], "chat", "{args:?}");
            assert_eq!(v["database"], url.as_str(), "{args:?}");
        }
    }
}

#[test]
fn migrate_reports_elapsed_ms_and_times_are_rfc3339_utc() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, _) = sqlite_in(&dir, "t.sqlite3");
    let out = chatdb(dir.path())
        .args(["-d", &url, "-s", "classroom", "migrate", "--format", "json"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["elapsed_ms"].is_u64(), "{v:#}");
    assert!(v.get("elapsed").is_none(), "{v:#}");
    let out = chatdb(dir.path())
        .args([
            "-d",
            &url,
            "-s",
            "classroom",
            "cleanup",
            "--dry-run",
            "--format",
            "json",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rfc3339 = |s: &serde_json::Value| {
        s.as_str()
            .is_some_and(|s| s.len() >= 20 && s.as_bytes()[10] == b'T' && s.ends_with('Z'))
    };
    assert!(rfc3339(&v["now"]), "{v:#}");
    for p in v["policies"].as_array().expect("policies") {
        assert!(rfc3339(&p["cutoff"]), "{p:#}");
    }
}

#[test]
fn cleanup_json_is_json_when_no_policy_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, _) = sqlite_in(&dir, "c.sqlite3");
    // chat's policies are all off: nothing runs without --older-than.
    let out = chatdb(dir.path())
        .args(["-d", &url, "cleanup", "--format", "json"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON document");
    assert_eq!(v["policies"], serde_json::json!([]));
    assert!(v["now"].is_null());
    assert!(v["notes"][0]
        .as_str()
        .is_some_and(|n| n.contains("no retention policy to run")));
}

#[test]
fn an_error_under_format_json_is_a_json_document_on_stdout_and_a_line_on_stderr() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = "postgres://app:s3cr%C3%A9t@127.0.0.1:1/x?connect_timeout=1";
    let out = chatdb(dir.path())
        .args(["-d", url, "status", "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON document");
    let message = v["error"]["message"].as_str().expect("message");
    assert_eq!(v["error"]["kind"], "error");
    assert!(stderr(&out).starts_with("chatdb: "), "{}", stderr(&out));
    assert!(stderr(&out).contains(message), "the same message on stderr");
    for secret in ["s3cr", "%C3%A9t", "s3cré"] {
        assert!(!stdout(&out).contains(secret), "{}", stdout(&out));
    }
    // Without --format json stdout stays empty.
    let out = chatdb(dir.path())
        .args(["-s", "nosuch", "status"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let out = chatdb(dir.path())
        .args(["-s", "nosuch", "check", "--format", "json"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON document");
    assert!(v["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("nosuch")));
}

#[test]
fn format_github_is_refused_where_no_annotation_reporter_exists() {
    let dir = tempfile::tempdir().expect("tempdir");
    for cmd in ["schemas", "migrate", "status", "cleanup", "explain", "seed"] {
        let out = chatdb(dir.path())
            .args([cmd, "--format", "github"])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        assert!(
            stderr(&out).contains("invalid value 'github'"),
            "{cmd}: {}",
            stderr(&out)
        );
        assert!(!dir.path().join("chatdb.sqlite3").exists(), "{cmd} ran");
    }
}

#[test]
fn check_prints_annotations_under_format_github() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, _) = sqlite_in(&dir, "g.sqlite3");
    chatdb(dir.path())
        .args(["-d", &url, "migrate", "--target", "1"])
        .assert()
        .success();
    let out = chatdb(dir.path())
        .args(["-d", &url, "check", "--format", "github"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("::warning title=chatdb check chat%3A fk-without-index::")),
        "{text}"
    );
    assert!(text.lines().any(|l| l.starts_with("chat on ")), "{text}");
}
