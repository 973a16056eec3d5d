//! No password, ever: a corpus of password forms run through every command and both
//! formats, against a port that refuses the connection and against a real server that
//! accepts any password (trust auth), through `-d`, `DATABASE_URL` and `chatdb.toml`.
//!
//! A run leaks when its output holds the password, or a 3-character piece of it that
//! neither the rest of the command line nor the same run with a neutral password explains.
//! Where the password cannot change how the URL parses (percent-encoded URLs, quoted
//! key=value strings), the output must equal the neutral run's byte for byte: that also
//! catches a mask that gives away a password's letters or length (`conn********ct`).

use std::path::Path;
use std::process::Output;
use std::sync::Mutex;

use crate::common::*;

/// Passwords that broke, or could break, a redactor that edits the user's text.
const CORPUS: &[&str] = &[
    "Sup3rS3cret",
    "pa/ss",
    "pa?ss",
    "pa#ss",
    "p@ss",
    "p:ss",
    "a:b:c",
    "pa%ss",
    "100%",
    "%zz",
    "Xy%zé7secret",
    "s3cr%aét",
    "%41bc",
    "%2F%3F",
    "%",
    "%e",
    "a+b",
    "a b",
    " lead",
    "it's",
    "say\"hi\"",
    "back\\slash",
    "\\'",
    "é",
    "ünïcödé",
    "中文密码",
    "🔑emoji🔒",
    "Ωmega",
    "e",
    "c",
    "a",
    "1",
    "@",
    "/",
    ":",
    "?",
    "#",
    "'",
    "\"",
    "\\",
    " ",
    "postgres",
    "host",
    "app",
    "chatdb",
    "connect",
    "password",
    "error",
    "refused",
    "127",
    "x",
    "********",
    "*",
    "pass=word",
    "a&b=c",
    "sslmode=disable",
    "user=evil",
    "tab\there",
    "line\nbreak",
    "semi;colon",
    "<tag>",
    "back`tick`",
    "$(whoami)",
    "ends@",
    "@starts",
    "::",
    "ZZ",
    "abc",
    "N0tInTheMessages-but-quite-a-long-password-that-goes-on-and-on-1234567890",
];

/// Stands in for a password in the reference runs: shares no piece with the corpus.
const NEUTRAL: &str = "QjQjQjQj";

const COMMANDS: &[&[&str]] = &[
    &["schemas"],
    &["status"],
    &["migrate"],
    &["check"],
    &["explain"],
    // With --older-than a policy runs (chat's are off), so cleanup connects.
    &["cleanup", "--dry-run", "--older-than", "30d"],
    &["seed", "--scale", "0.001"],
    &["validate"],
];

const FORMATS: &[&str] = &["table", "json"];

/// Everything except ASCII letters and digits, percent-encoded.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A key=value value, single-quoted with libpq's escapes.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The ways a password reaches chatdb. `stable`: the password cannot change the parse,
/// so the output must equal the neutral run's.
#[derive(Clone, Copy)]
enum Form {
    RawUrl,
    EncodedUrl,
    QueryParam,
    KeyValueTab,
    KeyValueNewline,
}

const FORMS: [Form; 5] = [
    Form::RawUrl,
    Form::EncodedUrl,
    Form::QueryParam,
    Form::KeyValueTab,
    Form::KeyValueNewline,
];

impl Form {
    /// The URL for `pw` against `host:port/db`, and the text of the secret as written.
    fn url(self, user: &str, pw: &str, port: u16, db: &str) -> (String, String) {
        match self {
            Form::RawUrl => (
                format!("postgres://{user}:{pw}@127.0.0.1:{port}/{db}"),
                pw.to_string(),
            ),
            Form::EncodedUrl => (
                format!("postgres://{user}:{}@127.0.0.1:{port}/{db}", encode(pw)),
                encode(pw),
            ),
            Form::QueryParam => (
                format!(
                    "postgres://{user}@127.0.0.1:{port}/{db}?password={}",
                    encode(pw)
                ),
                encode(pw),
            ),
            Form::KeyValueTab => (
                format!(
                    "host=127.0.0.1\tport={port} user={user}\tpassword={} dbname={db}",
                    quote(pw)
                ),
                quote(pw),
            ),
            Form::KeyValueNewline => (
                format!(
                    "host=127.0.0.1 port={port}\npassword = {}\nuser={user} dbname={db}",
                    quote(pw)
                ),
                quote(pw),
            ),
        }
    }

    fn stable(self) -> bool {
        !matches!(self, Form::RawUrl)
    }
}

/// One chatdb run, and the same run with the neutral password it is compared with.
struct Case {
    what: String,
    password: String,
    /// The password as written on the command line (encoded, quoted).
    written: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    reference: Run,
    /// The output must equal the reference's byte for byte.
    equal: bool,
    /// Exit codes that count as the expected outcome.
    codes: &'static [i32],
}

type Run = (Vec<String>, Vec<(String, String)>);

fn text_of(out: &Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}

/// Runs every run on a few threads; returns their outputs in order.
fn run_parallel(dir: &Path, runs: &[Run]) -> Vec<Output> {
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<Output>>> = Mutex::new((0..runs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| loop {
                let i = {
                    let mut n = next.lock().expect("lock");
                    *n += 1;
                    *n - 1
                };
                let Some((args, env)) = runs.get(i) else {
                    break;
                };
                let mut cmd = chatdb(dir);
                cmd.args(args);
                for (k, v) in env {
                    cmd.env(k, v);
                }
                let out = cmd.output().expect("runs");
                results.lock().expect("lock")[i] = Some(out);
            });
        }
    });
    results
        .into_inner()
        .expect("lock")
        .into_iter()
        .map(|o| o.expect("every run ran"))
        .collect()
}

/// Why a run leaked, if it did (see the module header).
fn leaks(case: &Case, out: &Output, reference: &str) -> Vec<String> {
    let text = text_of(out);
    let code = out.status.code();
    let mut why = Vec::new();
    if code == Some(101) || code.is_none() {
        why.push(format!("exit code {code:?}: a panic or a signal"));
    } else if !case.codes.contains(&code.unwrap_or(-1)) {
        why.push(format!(
            "exit code {code:?}, expected one of {:?}",
            case.codes
        ));
    }
    // What the rest explains: the command line without the secret, and the neutral run.
    let mut public: String = case
        .args
        .iter()
        .chain(case.env.iter().map(|(_, v)| v))
        .map(|a| a.replace(&case.written, " "))
        .collect::<Vec<_>>()
        .join(" ");
    public.push_str(reference);
    for secret in [&case.password, &case.written] {
        if !secret.trim().is_empty()
            && !public.contains(secret.as_str())
            && text.contains(secret.as_str())
        {
            why.push(format!("the password {secret:?} is printed"));
        }
    }
    let chars: Vec<char> = case.password.chars().collect();
    for w in chars.windows(3) {
        let piece: String = w.iter().collect();
        if !piece.trim().is_empty() && !public.contains(&piece) && text.contains(&piece) {
            why.push(format!("a piece of the password, {piece:?}, is printed"));
        }
    }
    if case.equal && text != reference {
        why.push(format!(
            "the output differs from the neutral run's:\n{reference}"
        ));
    }
    why
}

/// Runs the cases and their references (each distinct reference once) and fails with
/// every leak found.
fn check_all(dir: &Path, cases: &[Case]) {
    let mut refs: Vec<Run> = Vec::new();
    for c in cases {
        if !refs.contains(&c.reference) {
            refs.push(c.reference.clone());
        }
    }
    let mut runs = refs.clone();
    runs.extend(cases.iter().map(|c| (c.args.clone(), c.env.clone())));
    let outs = run_parallel(dir, &runs);
    let (ref_outs, case_outs) = outs.split_at(refs.len());
    let mut failures = Vec::new();
    for (case, out) in cases.iter().zip(case_outs) {
        let r = refs
            .iter()
            .position(|r| r == &case.reference)
            .expect("reference ran");
        for why in leaks(case, out, &text_of(&ref_outs[r])) {
            failures.push(format!(
                "{} (args {:?}, env {:?}): {why}\n--- output:\n{}---",
                case.what,
                case.args,
                case.env,
                text_of(out)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems in {} runs ({} references):\n{}",
        failures.len(),
        cases.len(),
        refs.len(),
        failures.join("\n")
    );
}

/// Every command x format, in a fixed order.
fn combos() -> Vec<(&'static [&'static str], &'static str)> {
    COMMANDS
        .iter()
        .flat_map(|c| FORMATS.iter().map(move |f| (*c, *f)))
        .collect()
}

/// Where and how a case runs.
struct At<'a> {
    user: &'a str,
    port: u16,
    db: &'a str,
    via_env: bool,
}

/// A case for `pw` in `form`, running `cmd` in `format`.
fn url_case(at: &At, pw: &str, form: Form, cmd: &[&str], format: &str) -> Case {
    let build = |pw: &str| {
        let (url, written) = form.url(at.user, pw, at.port, at.db);
        let mut args: Vec<String> = vec!["--connect-timeout".into(), "2s".into()];
        let mut env = Vec::new();
        if at.via_env {
            env.push(("DATABASE_URL".to_string(), url));
        } else {
            args.push("-d".into());
            args.push(url);
        }
        args.extend(cmd.iter().map(|s| s.to_string()));
        args.extend(["--format".to_string(), format.to_string()]);
        (args, env, written)
    };
    let (args, env, written) = build(pw);
    let (ref_args, ref_env, _) = build(NEUTRAL);
    Case {
        what: format!("password {pw:?}"),
        password: pw.to_string(),
        written,
        args,
        env,
        reference: (ref_args, ref_env),
        equal: false,
        codes: &[0, 1, 2],
    }
}

#[test]
fn no_password_form_is_printed_by_any_command_when_the_server_is_unreachable() {
    assert!(CORPUS.len() >= 60, "the corpus has {} forms", CORPUS.len());
    let dir = tempfile::tempdir().expect("tempdir");
    let all = combos();
    let at = At {
        user: "app",
        port: 1,
        db: "chatdb_x",
        via_env: false,
    };
    let mut cases = Vec::new();
    // Each password twice, in two forms; each command and format with a few forms, so the
    // references stay few (one per form x command x format used).
    for (i, pw) in CORPUS.iter().enumerate() {
        for c in [i % all.len(), (i + all.len() / 2) % all.len()] {
            let form = FORMS[(c + i % 2) % FORMS.len()];
            let (cmd, format) = all[c];
            let mut case = url_case(&at, pw, form, cmd, format);
            case.equal = form.stable();
            // `schemas` needs no database; everything else cannot connect.
            case.codes = if cmd == ["schemas"] { &[0, 2] } else { &[2] };
            cases.push(case);
        }
    }
    check_all(dir.path(), &cases);
}

#[test]
fn no_password_in_database_url_is_printed_or_panics_any_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let all = combos();
    let at = At {
        user: "app",
        port: 1,
        db: "chatdb_x",
        via_env: true,
    };
    let cases: Vec<Case> = CORPUS
        .iter()
        .enumerate()
        .map(|(i, pw)| {
            let c = (i * 3) % all.len();
            let form = FORMS[c % FORMS.len()];
            let (cmd, format) = all[c];
            let mut case = url_case(&at, pw, form, cmd, format);
            case.equal = form.stable();
            case.codes = if cmd == ["schemas"] { &[0, 2] } else { &[2] };
            case
        })
        .collect();
    check_all(dir.path(), &cases);
}

#[test]
fn no_password_is_printed_when_the_server_accepts_it() {
    let Some(db) = PgDb::new("secrets_reachable") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    // The user is `postgres` (trust auth accepts any password); migrate once so every
    // command has a schema to read.
    chatdb(dir.path())
        .args(["-d", &db.url, "migrate"])
        .assert()
        .success();
    let reads: [&[&str]; 5] = [
        &["status"],
        &["check"],
        &["cleanup", "--dry-run"],
        &["migrate"],
        &["schemas"],
    ];
    let forms = [
        Form::EncodedUrl,
        Form::KeyValueTab,
        Form::QueryParam,
        Form::KeyValueNewline,
    ];
    let at = At {
        user: "postgres",
        port: 5432,
        db: &db.name,
        via_env: false,
    };
    let cases: Vec<Case> = CORPUS
        .iter()
        .enumerate()
        .map(|(i, pw)| {
            let c = i % (reads.len() * 2);
            let mut case = url_case(
                &at,
                pw,
                forms[c % forms.len()],
                reads[c / 2],
                FORMATS[c % 2],
            );
            case.codes = &[0, 1];
            case
        })
        .collect();
    check_all(dir.path(), &cases);
    // The display is the parsed form: user, host, port, database, a fixed mask.
    let url = Form::EncodedUrl
        .url("postgres", "Sup3r/S3cret", 5432, &db.name)
        .0;
    let out = chatdb(dir.path())
        .args(["-d", &url, "status", "--format", "json"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status json");
    assert_eq!(
        v["database"],
        format!("postgres://postgres:********@127.0.0.1:5432/{}", db.name)
    );
}

/// The config files of the config test: (text, the password as written in it).
fn config_shapes(pw: &str) -> [(String, String); 4] {
    let url = format!("postgres://app:{}@127.0.0.1:1/x", encode(pw));
    let kv = format!("host=127.0.0.1 port=1 password={}", quote(pw));
    let lit = |s: &str| format!("'''{s}'''");
    [
        // Valid: the connection fails; the display is parsed.
        (format!("database_url = {}\n", lit(&url)), encode(pw)),
        // An unknown key after a key=value URL.
        (
            format!("database_url = {}\nshema = 'chat'\n", lit(&kv)),
            quote(pw),
        ),
        // Unterminated string: toml's own message would show the line.
        (
            format!(
                "schema = 'chat'\ndatabase_url = \"host=127.0.0.1 password={}\n",
                encode(pw)
            ),
            encode(pw),
        ),
        // A value refused after parsing.
        (
            format!("database_url = {}\n[cleanup]\nbatch_size = 0\n", lit(&kv)),
            quote(pw),
        ),
    ]
}

#[test]
fn config_file_urls_are_never_printed_even_when_the_file_is_broken() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut cases = Vec::new();
    for (i, pw) in CORPUS.iter().enumerate() {
        if pw.contains('\'') || pw.contains('\n') {
            continue; // not expressible in a TOML literal string
        }
        let shape = i % 4;
        let (text, written) = config_shapes(pw)[shape].clone();
        // One reference per shape (paths hold no secret).
        let sub = root.path().join(format!("c{i}"));
        let ref_sub = root.path().join(format!("ref{shape}"));
        for (dir, text) in [
            (&sub, text),
            (&ref_sub, config_shapes(NEUTRAL)[shape].0.clone()),
        ] {
            std::fs::create_dir_all(dir).expect("mkdir");
            std::fs::write(dir.join("chatdb.toml"), text).expect("write config");
        }
        let cmd = ["status", "schemas"][i % 2];
        let args = |dir: &Path| -> Vec<String> {
            vec![
                "-c".into(),
                dir.join("chatdb.toml").display().to_string(),
                "--connect-timeout".into(),
                "2s".into(),
                cmd.into(),
            ]
        };
        cases.push(Case {
            what: format!("password {pw:?} in config shape {shape}"),
            password: pw.to_string(),
            written,
            args: args(&sub),
            env: Vec::new(),
            reference: (args(&ref_sub), Vec::new()),
            equal: false,
            codes: &[0, 2],
        });
    }
    check_all(root.path(), &cases);
}

#[test]
fn a_short_password_is_not_given_away_by_masking_other_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |pw: &str| {
        let out = chatdb(dir.path())
            .args([
                "-d",
                &format!("postgres://postgres:{pw}@127.0.0.1:1/connect"),
                "--connect-timeout",
                "2s",
                "status",
            ])
            .output()
            .expect("runs");
        stderr(&out)
    };
    let neutral = run("QjQjQjQj");
    assert!(
        neutral.contains("postgres://postgres:********@127.0.0.1:1/connect"),
        "{neutral}"
    );
    for pw in ["e", "c", "o", "postgres", "connect", "1", "127.0.0.1"] {
        assert_eq!(run(pw), neutral, "password {pw:?}");
    }
}

#[test]
fn the_multibyte_percent_password_that_panicked_exits_2_without_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    for cmd in ["status", "schemas"] {
        let out = chatdb(dir.path())
            .env("DATABASE_URL", "postgres://app:Xy%zé7secret@127.0.0.1:1/x")
            .args(["--connect-timeout", "2s", cmd])
            .output()
            .expect("runs");
        let text = text_of(&out);
        assert_ne!(out.status.code(), Some(101), "{text}");
        assert!(!text.contains("secret") && !text.contains("Xy%z"), "{text}");
    }
}

#[test]
fn a_url_given_to_the_wrong_flag_is_scrubbed_from_the_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [
        &["--format", "postgres://u:Sup3rS3cret@h/x", "status"][..],
        &["--format", "host=h password=Sup3rS3cret", "status"][..],
        &["-d", "postgres://u:Sup3rS3cret@h/x", "status", "--bogus"][..],
    ] {
        let out = chatdb(dir.path()).args(args).output().expect("runs");
        let text = text_of(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
        assert!(text.contains("error: "), "{args:?}: {text}");
        assert!(!text.contains("Sup3r"), "{args:?}: {text}");
    }
}
