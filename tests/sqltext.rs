//! The SQL text layer through the binary: no migration text makes `validate` or `migrate`
//! panic, and transaction control in a migration is refused by both before anything runs.

use crate::common::*;

const V1: &str = "CREATE TABLE rooms (\n    id INTEGER CONSTRAINT rooms_pkey PRIMARY KEY,\n    name TEXT NOT NULL\n);\n";

const MANIFEST: &str = "description = \"sqltext fixture\"\n";

/// A `demo` schema under `root` whose V2 (both dialects) is `v2`.
fn demo_with_v2(root: &std::path::Path, v2: &str) {
    for dialect in ["postgres", "sqlite"] {
        write_file(root, &format!("sql/{dialect}/demo/V1__rooms.sql"), V1);
        write_file(root, &format!("sql/{dialect}/demo/V2__second.sql"), v2);
    }
    write_file(root, "schemas/demo.toml", MANIFEST);
}

#[test]
fn create_table_quote_e_acute_at_end_of_migration_does_not_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo_with_v2(dir.path(), "CREATE TABLE \"é");
    let out = chatdb(dir.path())
        .args([
            "validate",
            "-s",
            "demo",
            "--schema-dir",
            ".",
            "--format",
            "json",
        ])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert!(
        validate_rules(&out).contains(&"apply-failed".to_string()),
        "{}",
        stdout(&out)
    );

    let (url, _) = sqlite_in(&dir, "demo.db");
    let out = chatdb(dir.path())
        .args(["-d", &url, "-s", "demo", "--schema-dir", ".", "migrate"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert!(stderr(&out).contains("V2__second.sql"), "{}", stderr(&out));
}
