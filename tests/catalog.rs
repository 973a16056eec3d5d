//! The catalog reads a schema one way for every command: `validate` (which scans and reports)
//! and `migrate` (which loads and refuses) apply the same rules to the same files.

use crate::common::*;

/// Runs `chatdb args` in `root`: exit code 2 and `chatdb: <message>` on stderr.
fn refused(root: &std::path::Path, args: &[&str]) -> String {
    let out = chatdb(root).args(args).output().expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "args {args:?}: {err}");
    assert!(err.starts_with("chatdb: "), "{err}");
    err
}

#[test]
fn validate_and_migrate_refuse_a_schema_name_over_48_characters_alike() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let sd = root.to_str().expect("utf8");
    let long = "a".repeat(49);
    schema_dir(
        root,
        &long,
        &[("sqlite", "V1__init.sql", "CREATE TABLE a (id INTEGER);")],
    );
    let by_migrate = refused(root, &["--schema-dir", sd, "-s", &long, "migrate"]);
    let by_validate = refused(root, &["--schema-dir", sd, "-s", &long, "validate"]);
    let by_validate_all = refused(root, &["--schema-dir", sd, "validate", "--all"]);
    for err in [&by_migrate, &by_validate, &by_validate_all] {
        assert!(
            err.contains(&format!(
                "schema name `{long}` is too long (at most 48 characters)"
            )),
            "{err}"
        );
    }
    assert!(
        !root.join("chatdb.sqlite3").exists(),
        "migrate wrote nothing"
    );

    // One character less is a schema both accept.
    let ok = "a".repeat(48);
    std::fs::remove_dir_all(root.join("sql")).expect("rm");
    schema_dir(
        root,
        &ok,
        &[("sqlite", "V1__init.sql", "CREATE TABLE a (id INTEGER);")],
    );
    let url = format!("sqlite://{}", root.join("ok.db").display());
    let out = chatdb(root)
        .args(["-d", &url, "--schema-dir", sd, "-s", &ok, "migrate"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = chatdb(root)
        .args(["--schema-dir", sd, "-s", &ok, "validate"])
        .output()
        .expect("runs");
    assert!(
        !stderr(&out).contains("too long") && out.status.code() != Some(2),
        "{}",
        stderr(&out)
    );
}
