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
