//! The README cannot drift: every ```console block in README.md runs, as a reader would type
//! it, and each command's output must be the one the README shows.
//!
//! The conventions a README example follows (so a new example just works):
//! - Each `## ` chapter is one shell session, run top to bottom; the chapters run side by side,
//!   so a chapter's examples build on each other, never on another chapter's.
//! - `$ command` lines run in `bash` in one temp directory shared by the chapter (it holds
//!   a copy of the checkout's `sql/` and `schemas/`, for `--schema-dir .`), with the built
//!   `chatdb` first on the PATH, the sandbox as HOME, and none of the developer's `CHATDB_*`,
//!   `DATABASE_URL` or `PG*` variables. A line ending in `\` continues on the next; a heredoc (`<<'EOF'`) runs to its
//!   end marker. stdout and stderr are read together, as a terminal shows them.
//! - The lines after a command, up to the next `$` line, are its output; blank lines at the end
//!   do not count.
//! - A command that exits non-zero must be followed by `$ echo $?` showing its code (the
//!   previous status is what `$?` expands to), so a failing example is never silently passed.
//! - PostgreSQL databases are written `postgres://postgres@127.0.0.1[:5432]/NAME` and created
//!   in the README with `$ createdb -h 127.0.0.1 -U postgres NAME` before they are used. The
//!   runner gives each NAME a fresh database of its own on the server `CHATDB_TEST_PG_URL`
//!   names (created at `createdb`, dropped at the end), rewrites the URLs in the commands, and
//!   maps the database back in the output. `NAME` `postgres` is the server's own database.
//! - Before comparing, both sides are normalised: times and durations, the PostgreSQL
//!   version, table cells of columns that measure time or speed (`time`, `rows/s`,
//!   `longest batch`, `buffers`) or are the planner's estimate (`cost`), and the padding of table cells and borders (a wider value
//!   widens its column). Everything else must match: counts, names, verdicts, messages.
//!
//! - Counts after a seed are stable because the data is: `seed` 1 at a given scale gives the
//!   same rows relative to the database clock, and at `--scale 0.001` none lies within a
//!   minute of a retention cutoff, so the seconds between `seed` and `cleanup` never move a
//!   row across one. (Check again when an example seeds at another scale.)
//!
//! `CHATDB_README_BLESS=1` writes the actual output back into README.md instead of failing
//! (then review the diff: real numbers, the README's own database names).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::common::{clean_env, pg_admin_url, with_database};

/// One `$ command` of a console block and the output the README shows for it.
struct Step {
    /// 1-based line of the `$` in README.md.
    line: usize,
    /// The `## ` chapter it is in (0 before the first): each chapter is a session of its own.
    chapter: usize,
    command: String,
    expected: Vec<String>,
    /// The 0-based README lines the expected output occupies (for blessing).
    out_lines: std::ops::Range<usize>,
}

/// Every step of every ```console block, in README order.
fn parse(readme: &str) -> Vec<Step> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut steps = Vec::new();
    let mut chapter = 0;
    let mut fenced = false;
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() != "```console" {
            if lines[i].trim_start().starts_with("```") {
                fenced = !fenced;
            } else if !fenced && lines[i].starts_with("## ") {
                chapter += 1;
            }
            i += 1;
            continue;
        }
        i += 1;
        let mut current: Option<Step> = None;
        while i < lines.len() && lines[i].trim_end() != "```" {
            let line = lines[i];
            if let Some(first) = line.strip_prefix("$ ") {
                if let Some(step) = current.take() {
                    steps.push(finish(step));
                }
                let start = i;
                let mut command = first.to_string();
                // `\` continues the command; a heredoc runs to its end marker.
                while command.ends_with('\\') && i + 1 < lines.len() {
                    i += 1;
                    command.push('\n');
                    command.push_str(lines[i]);
                }
                if let Some(end) = heredoc_end(&command) {
                    while i + 1 < lines.len() {
                        i += 1;
                        command.push('\n');
                        command.push_str(lines[i]);
                        if lines[i] == end {
                            break;
                        }
                    }
                }
                current = Some(Step {
                    line: start + 1,
                    chapter,
                    command,
                    expected: Vec::new(),
                    out_lines: i + 1..i + 1,
                });
            } else if let Some(step) = current.as_mut() {
                step.expected.push(line.to_string());
                step.out_lines.end = i + 1;
            } else if !line.trim().is_empty() {
                panic!(
                    "README.md:{}: a console block must start with a `$ ` command line",
                    i + 1
                );
            }
            i += 1;
        }
        if let Some(step) = current.take() {
            steps.push(finish(step));
        }
        i += 1;
    }
    steps
}

/// Drops the blank lines that separate a step's output from the next command.
fn finish(mut step: Step) -> Step {
    while step.expected.last().is_some_and(|l| l.trim().is_empty()) {
        step.expected.pop();
        step.out_lines.end -= 1;
    }
    step
}

/// The end marker of a heredoc the command opens (`<<'EOF'`, `<<EOF`, `<<-EOF`).
fn heredoc_end(command: &str) -> Option<String> {
    static HEREDOC: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"<<-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?"#).unwrap());
    HEREDOC.captures(command).map(|c| c[1].to_string())
}

/// A README database URL; group 1 is the port part, group 2 the database.
static README_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"postgres://postgres@127\.0\.0\.1(:5432)?/([A-Za-z_][A-Za-z0-9_]*)").unwrap()
});

/// The shell session a chapter of the README runs in: its directory, its databases, the last
/// status.
struct Session {
    /// Every database the session creates starts with it (the pid keeps parallel runs apart,
    /// the chapter the sessions of one run).
    prefix: String,
    dir: tempfile::TempDir,
    path: String,
    admin_url: String,
    databases: BTreeSet<String>,
    last_status: i32,
}

impl Session {
    fn new(admin_url: String, chapter: usize) -> Session {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for sub in ["sql", "schemas"] {
            copy_tree(&root.join(sub), &dir.path().join(sub));
        }
        let bin = assert_cmd::cargo::cargo_bin("chatdb");
        let bin_dir = bin.parent().expect("binary dir").to_path_buf();
        let path = match std::env::var_os("PATH") {
            Some(p) => {
                let mut dirs = vec![bin_dir];
                dirs.extend(std::env::split_paths(&p));
                std::env::join_paths(dirs).expect("PATH")
            }
            None => bin_dir.into_os_string(),
        };
        Session {
            prefix: format!("chatdb_rd_{}_{chapter}_", std::process::id()),
            dir,
            path: path.to_string_lossy().into_owned(),
            admin_url,
            databases: BTreeSet::new(),
            last_status: 0,
        }
    }

    fn database(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn admin(&self) -> postgres::Client {
        postgres::Client::connect(&self.admin_url, postgres::NoTls).expect("connect to the server")
    }

    /// `createdb ... NAME`: a fresh database of the session's own for NAME.
    fn createdb(&mut self, step: &Step) {
        let name = step
            .command
            .split_whitespace()
            .last()
            .expect("createdb names a database")
            .to_string();
        let db = self.database(&name);
        let mut admin = self.admin();
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
            .expect("drop a leftover README database");
        admin
            .batch_execute(&format!("CREATE DATABASE \"{db}\""))
            .expect("create the README's database");
        self.databases.insert(name);
    }

    /// The command with the README's database URLs pointed at the session's databases.
    fn rewrite(&self, step: &Step) -> String {
        README_URL
            .replace_all(&step.command, |c: &Captures| {
                let name = &c[2];
                if name == "postgres" {
                    return with_database(&self.admin_url, "postgres");
                }
                assert!(
                    self.databases.contains(name),
                    "README.md:{}: database `{name}` is used before a `$ createdb -h 127.0.0.1 -U postgres {name}` creates it",
                    step.line
                );
                with_database(&self.admin_url, &self.database(name))
            })
            .into_owned()
    }

    /// Runs one step; returns its output (stdout and stderr as one stream) and status.
    fn run(&mut self, step: &Step) -> (String, i32) {
        if step.command.starts_with("createdb ") {
            self.createdb(step);
            return (String::new(), 0);
        }
        let script = format!(
            "exec 2>&1\n(exit {})\n{}\n",
            self.last_status,
            self.rewrite(step)
        );
        let mut cmd = Command::new("bash");
        clean_env(&mut cmd);
        let out = cmd
            .arg("-c")
            .arg(script)
            .current_dir(self.dir.path())
            // The sandbox is HOME too: no developer's ~/.pgpass, ~/.psqlrc or ~/.sqliterc.
            .env("HOME", self.dir.path())
            .env("PATH", &self.path)
            .output()
            .expect("run bash");
        let status = out.status.code().unwrap_or(-1);
        (String::from_utf8_lossy(&out.stdout).into_owned(), status)
    }

    /// The actual output as the README would show it: the session's databases under the
    /// README's names, the sandbox as `.`.
    fn as_readme(&self, out: &str, step: &Step) -> String {
        let prefix = regex::escape(&self.prefix);
        // The form the step's own command wrote each database in (port or not).
        let mut written: BTreeMap<String, String> = BTreeMap::new();
        for c in README_URL.captures_iter(&step.command) {
            written.insert(c[2].to_string(), c[0].to_string());
        }
        let url = Regex::new(&format!(r"postgres://[^\s/]*/(?:{prefix})?([A-Za-z0-9_]+)"))
            .expect("regex");
        let out = url.replace_all(out, |c: &Captures| {
            let name = &c[1];
            if !c[0].contains(&self.prefix) && name != "postgres" {
                return c[0].to_string();
            }
            written
                .get(name)
                .cloned()
                .unwrap_or_else(|| format!("postgres://postgres@127.0.0.1:5432/{name}"))
        });
        let bare = Regex::new(&format!("{prefix}([A-Za-z0-9_]+)")).expect("regex");
        let out = bare.replace_all(&out, "$1");
        let dir = self.dir.path().to_string_lossy().into_owned();
        out.replace(&dir, ".")
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            for name in &self.databases {
                let _ = admin.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                    self.database(name)
                ));
            }
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// Columns whose cells measure time or speed, or are the planner's estimate (on an analyzed
/// table it depends on ANALYZE's random sample): blanked before comparing.
const VOLATILE_COLUMNS: &[&str] = &["time", "rows/s", "longest batch", "buffers", "cost"];

/// What two runs of the same example may differ in, taken out of a block of output.
fn normalise(text: &str) -> Vec<String> {
    static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
        [
            // The same server written with and without its default port.
            (r"(postgres://[^\s/@]*@[^\s/:]+):5432/", "$1/"),
            (
                r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d(:?\d\d)?| UTC)?",
                "<time>",
            ),
            (r"\b\d+(\.\d+)? ?(ms|µs|s)\b", "<duration>"),
            (r"\b\d+(\.\d+)? of <duration>", "<duration> of <duration>"),
            (r"PostgreSQL \d+(\.\d+)*", "PostgreSQL <version>"),
            (r"─+", "─"),
            (r"═+", "═"),
            (r" +", " "),
        ]
        .into_iter()
        .map(|(re, to)| (Regex::new(re).expect("rule"), to))
        .collect()
    });
    let mut volatile: Vec<usize> = Vec::new();
    let mut header_next = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        let mut line = line.to_string();
        if line.starts_with('┌') {
            header_next = true;
        } else if line.starts_with('│') {
            let cells = table_cells(&line);
            if header_next {
                volatile = cells
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| VOLATILE_COLUMNS.contains(&c.trim()))
                    .map(|(i, _)| i)
                    .collect();
                header_next = false;
            } else if !volatile.is_empty() {
                let cells: Vec<String> = cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        if volatile.contains(&i) && !c.trim().is_empty() {
                            " * ".to_string()
                        } else {
                            c.clone()
                        }
                    })
                    .collect();
                line = format!("│{}│", cells.join("┆"));
            }
        } else if line.starts_with('└') {
            volatile.clear();
        }
        for (re, to) in RULES.iter() {
            line = re.replace_all(&line, *to).into_owned();
        }
        lines.push(line.trim_end().to_string());
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// The cells of a table row `│ a ┆ b │`.
fn table_cells(line: &str) -> Vec<String> {
    let inner = line
        .strip_prefix('│')
        .and_then(|l| l.strip_suffix('│'))
        .unwrap_or(line);
    inner.split('┆').map(str::to_string).collect()
}

/// Whether the server is there; without it the test skips loudly (fails under
/// CHATDB_REQUIRE_PG=1), as every PostgreSQL test does.
fn server(admin_url: &str) -> bool {
    match postgres::Client::connect(admin_url, postgres::NoTls) {
        Ok(_) => true,
        Err(e) => {
            if std::env::var("CHATDB_REQUIRE_PG").as_deref() == Ok("1") {
                panic!("CHATDB_REQUIRE_PG=1 but PostgreSQL at {admin_url} is unreachable: {e}");
            }
            eprintln!("\n!!! SKIPPING readme examples: no PostgreSQL at {admin_url} ({e}); set CHATDB_REQUIRE_PG=1 to fail instead\n");
            false
        }
    }
}

fn readme_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")
}

#[test]
fn every_readme_console_example_prints_what_the_readme_shows() {
    let admin_url = pg_admin_url();
    if !server(&admin_url) {
        return;
    }
    let readme = std::fs::read_to_string(readme_path()).expect("README.md");
    let steps = parse(&readme);
    assert!(
        steps.len() > 20,
        "found only {} console steps in README.md: is the parser reading it?",
        steps.len()
    );
    let missing = missing_tools(&steps);
    assert!(
        missing.is_empty(),
        "the README's examples run {missing:?}, not installed here (see the README's prerequisites)"
    );
    let bless = std::env::var("CHATDB_README_BLESS").as_deref() == Ok("1");
    let mut chapters: BTreeMap<usize, Vec<&Step>> = BTreeMap::new();
    for step in &steps {
        chapters.entry(step.chapter).or_default().push(step);
    }
    // The chapters are independent sessions: run side by side.
    let results: Vec<Ran> = std::thread::scope(|scope| {
        let runs: Vec<_> = chapters
            .iter()
            .map(|(chapter, steps)| {
                let admin_url = admin_url.clone();
                scope.spawn(move || run_chapter(admin_url, *chapter, steps, bless))
            })
            .collect();
        runs.into_iter()
            .map(|r| r.join().expect("a chapter's session panicked"))
            .collect()
    });
    if bless {
        write_back(
            &readme,
            results.into_iter().flat_map(|r| r.blessed).collect(),
        );
        return;
    }
    let failures: String = results.into_iter().map(|r| r.failures).collect();
    assert!(
        failures.is_empty(),
        "README examples drifted from the code (CHATDB_README_BLESS=1 rewrites them; review the diff):\n{failures}"
    );
}

/// The programs the examples start (each command's first word after `VAR=value` prefixes)
/// that are not on the PATH. `chatdb` is the built one and `createdb` the runner's own.
fn missing_tools(steps: &[Step]) -> BTreeSet<String> {
    let tools: BTreeSet<String> = steps
        .iter()
        .filter_map(|s| s.command.split_whitespace().find(|w| !w.contains('=')))
        .map(str::to_string)
        .collect();
    tools
        .into_iter()
        .filter(|t| !matches!(t.as_str(), "chatdb" | "createdb"))
        .filter(|t| {
            let found = Command::new("bash")
                .arg("-c")
                .arg(format!("command -v {t}"))
                .output()
                .is_ok_and(|o| o.status.success());
            !found
        })
        .collect()
}

/// What a chapter's session found: its failures, and (blessing) each step's actual output.
struct Ran {
    failures: String,
    blessed: Vec<(std::ops::Range<usize>, Vec<String>)>,
}

/// Runs one chapter's steps in a session of its own.
fn run_chapter(admin_url: String, chapter: usize, steps: &[&Step], bless: bool) -> Ran {
    let mut session = Session::new(admin_url, chapter);
    let mut failures = String::new();
    let mut blessed = Vec::new();
    for (n, step) in steps.iter().enumerate() {
        let checks_status = step.command.trim() == "echo $?";
        if session.last_status != 0 && !checks_status {
            let _ = writeln!(
                failures,
                "README.md:{}: the command before this one exited {}: show it with `$ echo $?`, or fix the example",
                step.line, session.last_status
            );
        }
        let started = std::time::Instant::now();
        let (out, status) = session.run(step);
        let took = started.elapsed();
        if took > std::time::Duration::from_secs(2) {
            eprintln!(
                "README.md:{}: {:.1}s `{}`",
                step.line,
                took.as_secs_f64(),
                step.command
            );
        }
        session.last_status = status;
        let actual = session.as_readme(&out, step);
        if bless {
            let lines: Vec<String> = actual.lines().map(str::to_string).collect();
            blessed.push((step.out_lines.clone(), lines));
        } else if normalise(&actual) != normalise(&step.expected.join("\n")) {
            let _ = writeln!(
                failures,
                "README.md:{}: `{}` printed something else (exit {status}).\n--- README shows:\n{}\n--- it printed:\n{}\n",
                step.line,
                step.command,
                step.expected.join("\n"),
                actual.trim_end()
            );
        }
        if n + 1 == steps.len() && status != 0 {
            let _ = writeln!(
                failures,
                "README.md:{}: exited {status}: show it with `$ echo $?`, or fix the example",
                step.line
            );
        }
    }
    Ran { failures, blessed }
}

/// Replaces each step's output in README.md with what it printed.
fn write_back(readme: &str, mut blessed: Vec<(std::ops::Range<usize>, Vec<String>)>) {
    let mut lines: Vec<String> = readme.lines().map(str::to_string).collect();
    blessed.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    for (range, out) in blessed {
        let out: Vec<String> = out.into_iter().map(|l| l.trim_end().to_string()).collect();
        lines.splice(range, out);
    }
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(readme_path(), text).expect("write README.md");
}

#[test]
fn readme_runner_normalises_only_what_varies() {
    let a = "│ x    ┆ time  ┆ rows │\n│ logs ┆ 33 ms ┆ 5000 │";
    let b = "│ x    ┆ time    ┆ rows │\n│ logs ┆ 1200 ms ┆ 5000 │";
    let c = "│ x    ┆ time  ┆ rows │\n│ logs ┆ 33 ms ┆ 5001 │";
    let header = "┌──┐\n";
    assert_eq!(
        normalise(&format!("{header}{a}")),
        normalise(&format!("{header}{b}"))
    );
    assert_ne!(
        normalise(&format!("{header}{a}")),
        normalise(&format!("{header}{c}"))
    );
    assert_eq!(
        normalise("applied on 2026-11-21 16:19:56Z in 4 ms"),
        normalise("applied on 2027-01-02 03:04:05Z in 120 ms")
    );
    assert_ne!(normalise("3 pending"), normalise("2 pending"));
}
