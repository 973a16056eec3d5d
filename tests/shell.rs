//! The command line as a shell user meets it: completion scripts and the man page made
//! from the clap definitions, each subcommand's help (examples, only the options it uses),
//! the CHATDB_* variables of the global options, and --quiet on the commands that change
//! something, against a real SQLite file and a real PostgreSQL database.

use crate::common::*;
use crate::pg_or_skip;

const SUBCOMMANDS: [&str; 11] = [
    "schemas",
    "new",
    "migrate",
    "status",
    "cleanup",
    "explain",
    "seed",
    "check",
    "validate",
    "completions",
    "man",
];

fn run_ok(dir: &std::path::Path, args: &[&str]) -> String {
    let out = chatdb(dir).args(args).output().expect("runs");
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// Runs `shell -n` (parse, don't execute) over `script` when the shell is installed.
fn shell_parses(shell: &str, flag: &str, script: &str) -> Option<bool> {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("script");
    std::fs::write(&file, script).expect("write script");
    let out = std::process::Command::new(shell)
        .arg(flag)
        .arg(&file)
        .output()
        .ok()?;
    Some(out.status.success())
}

#[test]
fn completion_scripts_are_non_empty_and_parse_in_their_shell() {
    let dir = tempfile::tempdir().expect("tempdir");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = run_ok(dir.path(), &["completions", shell]);
        assert!(
            script.contains("chatdb")
                && script.contains("cleanup")
                && script.contains("older-than"),
            "{shell}: {script}"
        );
    }
    let bash = run_ok(dir.path(), &["completions", "bash"]);
    assert_eq!(
        shell_parses("bash", "-n", &bash),
        Some(true),
        "bash -n fails"
    );
    let zsh = run_ok(dir.path(), &["completions", "zsh"]);
    if let Some(ok) = shell_parses("zsh", "-n", &zsh) {
        assert!(ok, "zsh -n fails");
    }
    let fish = run_ok(dir.path(), &["completions", "fish"]);
    if let Some(ok) = shell_parses("fish", "--no-execute", &fish) {
        assert!(ok, "fish --no-execute fails");
    }
}

#[test]
fn completions_and_man_need_no_config_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_file(dir.path(), "chatdb.toml", "not valid toml = = =\n");
    run_ok(dir.path(), &["completions", "bash"]);
    run_ok(dir.path(), &["man"]);
}

#[test]
fn man_page_is_roff_that_man_renders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page = run_ok(dir.path(), &["man"]);
    assert!(page.contains(".TH chatdb 1"), "{page}");
    assert!(page.contains("database\\-url"), "{page}");
    let file = dir.path().join("chatdb.1");
    std::fs::write(&file, &page).expect("write page");
    if let Ok(out) = std::process::Command::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "man -l: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("SYNOPSIS") && text.contains("chatdb"),
            "{text}"
        );
    }
}

#[test]
fn every_subcommand_help_has_examples_and_grouped_options() {
    let dir = tempfile::tempdir().expect("tempdir");
    for sub in SUBCOMMANDS {
        let help = run_ok(dir.path(), &[sub, "--help"]);
        let examples = help
            .split_once("\nExamples:\n")
            .map(|(_, e)| e)
            .unwrap_or_else(|| panic!("{sub} --help has no Examples section:\n{help}"));
        assert!(
            examples
                .lines()
                .any(|l| l.trim_start().starts_with("chatdb ")),
            "{sub}: {examples}"
        );
        if !matches!(sub, "completions" | "man" | "new") {
            assert!(help.contains("\nOutput:\n"), "{sub}: {help}");
        }
    }
    for sub in [
        "migrate", "status", "cleanup", "explain", "seed", "check", "validate",
    ] {
        let help = run_ok(dir.path(), &[sub, "--help"]);
        assert!(
            help.contains("\nConnection:\n") && help.contains("\nSchema:\n"),
            "{sub}: {help}"
        );
    }
}

#[test]
fn schemas_help_lists_no_connection_options_but_still_accepts_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let help = run_ok(dir.path(), &["schemas", "--help"]);
    for flag in [
        "--database-url",
        "--connect-timeout",
        "--lock-timeout",
        "--namespace",
        "--config",
    ] {
        assert!(!help.contains(flag), "schemas --help lists {flag}:\n{help}");
    }
    assert!(help.contains("--schema-dir"), "{help}");
    // Hidden, not removed: a script that passes -d before or after the command still works.
    run_ok(dir.path(), &["-d", "sqlite::memory:", "schemas"]);
    run_ok(dir.path(), &["schemas", "-d", "sqlite::memory:"]);
    let man = run_ok(dir.path(), &["completions", "--help"]);
    assert!(!man.contains("--database-url"), "{man}");
}

#[test]
fn lock_timeout_help_says_cleanup_and_seed_never_wait_for_another_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    for sub in ["cleanup", "seed"] {
        let help = run_ok(dir.path(), &[sub, "--help"]);
        assert!(help.contains("never wait for another run"), "{sub}: {help}");
    }
}

#[test]
fn chatdb_format_env_gives_json_and_a_flag_beats_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = chatdb(dir.path())
        .env("CHATDB_FORMAT", "json")
        .arg("schemas")
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("CHATDB_FORMAT=json is JSON");
    let out = chatdb(dir.path())
        .env("CHATDB_FORMAT", "json")
        .args(["schemas", "--format", "table"])
        .output()
        .expect("runs");
    assert!(stdout(&out).contains("schema"), "{}", stdout(&out));
    assert!(serde_json::from_slice::<serde_json::Value>(&out.stdout).is_err());
    let out = chatdb(dir.path())
        .env("CHATDB_FORMAT", "xml")
        .arg("schemas")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("CHATDB_FORMAT"), "{}", stderr(&out));
}

#[test]
fn chatdb_config_and_chatdb_lock_timeout_env_are_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_in(&dir, "cfg.sqlite3");
    write_file(
        dir.path(),
        "elsewhere/chatdb.toml",
        &format!("database_url = '{url}'\nschema = 'assistant'\n"),
    );
    let cfg = dir.path().join("elsewhere/chatdb.toml");
    let out = chatdb(dir.path())
        .env("CHATDB_CONFIG", &cfg)
        .args(["migrate", "--format", "json"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["schema"], "assistant");
    assert!(path.exists(), "the config's database was not used");
    let out = chatdb(dir.path())
        .env("CHATDB_CONFIG", &cfg)
        .env("CHATDB_LOCK_TIMEOUT", "soon")
        .arg("status")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("CHATDB_LOCK_TIMEOUT"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn chatdb_namespace_env_installs_into_that_postgres_schema() {
    let db = pg_or_skip!("chatdb_namespace_env_installs_into_that_postgres_schema");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = chatdb(dir.path())
        .env("DATABASE_URL", &db.url)
        .env("CHATDB_SCHEMA", "chat")
        .env("CHATDB_NAMESPACE", "tenant_env")
        .args(["migrate", "--quiet"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "migrate --quiet printed");
    let shape = pg_shape(&mut db.client(), "tenant_env");
    assert!(shape.contains_key("messages"), "{shape:?}");
}

#[test]
fn quiet_migrate_and_seed_print_nothing_on_sqlite_and_change_the_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, path) = sqlite_in(&dir, "q.sqlite3");
    for args in [
        vec!["-d", url.as_str(), "-s", "chat", "migrate", "--quiet"],
        vec![
            "-d",
            url.as_str(),
            "-s",
            "chat",
            "seed",
            "--scale",
            "0.001",
            "--quiet",
        ],
    ] {
        let out = chatdb(dir.path()).args(&args).output().expect("runs");
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{args:?} printed");
    }
    let conn = rusqlite::Connection::open(&path).expect("open");
    let n: i64 = conn
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .expect("count");
    assert!(n > 0, "seed --quiet wrote no rows");
}

/// The widest line of the tables in `text` (the lines drawn with box characters).
fn widest_line(text: &str) -> usize {
    text.lines()
        .filter(|l| l.starts_with(['┌', '│', '╞', '├', '└']))
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
}

#[test]
fn tables_fit_80_columns_on_sqlite_and_postgres() {
    let db = pg_or_skip!("tables_fit_80_columns_on_sqlite_and_postgres");
    let dir = tempfile::tempdir().expect("tempdir");
    let (sqlite, _) = sqlite_in(&dir, "w.sqlite3");
    let wide = run_ok(dir.path(), &["schemas"]);
    assert!(
        widest_line(&wide) > 80,
        "the schemas table is narrow anyway: {wide}"
    );
    let out = chatdb(dir.path())
        .env("COLUMNS", "80")
        .arg("schemas")
        .output()
        .expect("runs");
    assert!(widest_line(&stdout(&out)) <= 80, "{}", stdout(&out));
    for url in [sqlite.as_str(), db.url.as_str()] {
        run_ok(
            dir.path(),
            &["-d", url, "-s", "classroom", "migrate", "--quiet"],
        );
        for args in [vec!["status"], vec!["cleanup", "--list"]] {
            let out = chatdb(dir.path())
                .env("COLUMNS", "80")
                .args(["-d", url, "-s", "classroom"])
                .args(&args)
                .output()
                .expect("runs");
            assert!(out.status.success(), "{args:?}: {}", stderr(&out));
            let text = stdout(&out);
            assert!(text.contains('┆'), "{args:?} printed no table: {text}");
            assert!(widest_line(&text) <= 80, "{args:?} on {url}: {text}");
        }
    }
}

#[test]
fn a_width_of_zero_does_not_collapse_tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = chatdb(dir.path())
        .env("COLUMNS", "0")
        .arg("schemas")
        .output()
        .expect("runs");
    let text = stdout(&out);
    // Natural width: the description of each schema is on one line.
    assert!(
        text.contains("1:1 real-time chat: users, rooms, members, messages, read receipts"),
        "{text}"
    );
}

/// `--quiet` on every command that changes something: nothing on success, the whole report
/// when the command does not succeed.
#[test]
fn quiet_prints_nothing_on_success_and_the_report_on_findings_for_every_command_that_changes_something(
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let silent = |args: &[&str]| {
        let out = chatdb(root).args(args).output().expect("runs");
        assert!(
            out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
            "{args:?} --quiet printed: {}{}",
            stdout(&out),
            stderr(&out)
        );
    };
    // new: the files are there, nothing said.
    silent(&[
        "--schema-dir",
        ".",
        "-s",
        "demo",
        "new",
        "create_a",
        "--quiet",
    ]);
    for dialect in ["postgres", "sqlite"] {
        let path = root.join(format!("sql/{dialect}/demo/V1__create_a.sql"));
        let mut sql = std::fs::read_to_string(&path).expect("new wrote the file");
        sql.push_str(
            "CREATE TABLE a (id INTEGER PRIMARY KEY, b INTEGER);\nCREATE INDEX a_b ON a (b);\n",
        );
        std::fs::write(&path, sql).expect("write");
    }
    // validate --update-lock: the lock is written, nothing said.
    silent(&[
        "--schema-dir",
        ".",
        "-s",
        "demo",
        "validate",
        "--update-lock",
        "--quiet",
    ]);
    assert!(root.join("schemas/demo.lock").is_file());
    // adopt: a chat database whose history is gone is adopted in silence.
    let (url, path) = sqlite_in(&dir, "q.sqlite3");
    silent(&["-d", &url, "migrate", "--quiet"]);
    rusqlite::Connection::open(&path)
        .expect("open")
        .execute_batch("DROP TABLE chatdb_history_chat")
        .expect("drop the history");
    silent(&["-d", &url, "adopt", "--quiet"]);
    let status = chatdb(root)
        .args(["-d", &url, "status", "--exit-code"])
        .output()
        .expect("runs");
    assert!(status.status.success(), "adopted: {}", stdout(&status));
    // check: silent while healthy; with an index gone, the report prints and exits 1.
    silent(&["-d", &url, "check", "--quiet"]);
    rusqlite::Connection::open(&path)
        .expect("open")
        .execute_batch("DROP INDEX idx_messages_room")
        .expect("drop an index");
    let out = chatdb(root)
        .args(["-d", &url, "check", "--quiet"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("missing-index") && stdout(&out).contains("idx_messages_room"),
        "the report, whole: {}",
        stdout(&out)
    );
    // check --write-migration: a run that does not pass says which files it wrote.
    let (demo, demo_path) = sqlite_in(&dir, "demo.sqlite3");
    silent(&[
        "--schema-dir",
        ".",
        "-s",
        "demo",
        "-d",
        &demo,
        "migrate",
        "--quiet",
    ]);
    rusqlite::Connection::open(&demo_path)
        .expect("open")
        .execute_batch("DROP INDEX a_b")
        .expect("drop an index");
    let out = chatdb(root)
        .args([
            "--schema-dir",
            ".",
            "-s",
            "demo",
            "-d",
            &demo,
            "check",
            "--write-migration",
            "restore_a_b",
            "--quiet",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("V2__restore_a_b.sql") && stdout(&out).contains("a_b"),
        "the files written and the report: {}{}",
        stderr(&out),
        stdout(&out)
    );
}

/// `examples/crontab`: cron's PATH has no ~/.cargo/bin, so every job names chatdb by its full
/// path, and every job's options are ones chatdb has.
#[test]
fn every_crontab_job_calls_chatdb_by_its_full_path_with_options_chatdb_accepts() {
    let crontab = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/crontab"),
    )
    .expect("examples/crontab");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut jobs = 0;
    for line in crontab.lines() {
        let line = line.trim();
        let fields: Vec<&str> = line.split_whitespace().collect();
        // A job: five time fields, then the command; not a comment or a VAR=value line.
        if line.starts_with('#') || fields.len() < 6 || fields[0].contains('=') {
            continue;
        }
        jobs += 1;
        let command = &fields[5..];
        assert_eq!(
            command[0], "$HOME/.cargo/bin/chatdb",
            "a crontab job calls chatdb by its full path: {line}"
        );
        // chatdb's own arguments, up to the shell's redirections and separators.
        let args: Vec<&str> = command[1..]
            .iter()
            .copied()
            .take_while(|a| !matches!(*a, ">" | ";" | "&&" | "|") && !a.starts_with('>'))
            .collect();
        // --help after them: clap parses (and checks) every option before it, runs nothing.
        let mut with_help = args.clone();
        with_help.push("--help");
        let out = chatdb(dir.path()).args(&with_help).output().expect("runs");
        assert!(
            out.status.success(),
            "crontab job `{line}`: {}",
            stderr(&out)
        );
    }
    assert!(jobs >= 3, "found {jobs} jobs in examples/crontab");
    for var in ["PATH=", "DATABASE_URL="] {
        assert!(
            crontab.lines().any(|l| l.starts_with(var)),
            "examples/crontab sets {var}"
        );
    }
}
