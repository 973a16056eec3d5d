//! `chatdb`: parse the command line, run the command, print the error chain, exit.
//!
//! Everything else lives in the library modules; `main` only maps results to exit codes
//! (0 ok, 1 findings or pending, 2 error, 3 another run holds the lock, 4 cleanup left
//! expired rows, 130/143 interrupted), prints the error (to stderr, and under
//! `--format json` also as a JSON document on stdout) and makes sure an error never shows
//! a password.
#![warn(clippy::unwrap_used)]

mod catalog;
mod checks;
mod cli;
mod commands;
mod conninfo;
mod db;
mod duration;
mod error;
mod finding;
mod interrupt;
mod libpq;
mod migrator;
mod model;
mod names;
mod online;
mod progress;
mod quote;
mod redact;
mod report;
mod retention;
mod seed;
mod settings;
mod sqltext;
mod stats;
mod templates;
mod validate;
mod verdict;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    install_panic_hook();
    let secrets = &redact::SECRETS;
    let parsed = cli::command()
        .try_get_matches()
        .and_then(|m| <cli::Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let mut cli = match parsed {
        Ok(cli) => cli,
        // --help and --version: nothing of the user's in them.
        Err(e) if !e.use_stderr() => e.exit(),
        // A usage error can quote a value (a URL given to the wrong flag): scrub it too.
        Err(e) => {
            remember_raw_urls(secrets);
            let text = secrets.scrub(&e.render().to_string());
            let _ = write!(std::io::stderr(), "{text}");
            return ExitCode::from(error::EXIT_ERROR);
        }
    };
    // `--format` > CHATDB_FORMAT > table, settled before anything can fail, so that an
    // error is a JSON document whenever the output would have been.
    let env_format = settings::ProcessEnv::read().get("CHATDB_FORMAT");
    if let Err(e) = cli.command.resolve_format(env_format.as_deref()) {
        let _ = writeln!(std::io::stderr(), "chatdb: {e:#}");
        return ExitCode::from(error::EXIT_ERROR);
    }
    let json = cli.command.json();
    match commands::run(cli, secrets) {
        Ok(code) => code,
        // A closed pipe (`chatdb status | head`) is not an error worth a message.
        Err(err)
            if err.chain().any(|e| {
                let pipe = std::io::ErrorKind::BrokenPipe;
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == pipe)
                    || e.downcast_ref::<serde_json::Error>()
                        .is_some_and(|j| j.io_error_kind() == Some(pipe))
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            let message = secrets.scrub(&format!("{err:#}"));
            let _ = writeln!(std::io::stderr(), "chatdb: {message}");
            // Under --format json the failure is a document on stdout as well.
            if json {
                let doc = report::json::error_document(&message, report::json::error_kind(&err));
                let _ = writeln!(std::io::stdout(), "{doc}");
            }
            error::exit_code_for(&err)
        }
    }
}

/// The database URLs of the raw command line and `DATABASE_URL`, remembered before clap has
/// accepted the command line (so a usage error can be scrubbed of their passwords).
fn remember_raw_urls(secrets: &redact::Secrets) {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    for (i, arg) in args.iter().enumerate() {
        if arg == "-d" || arg == "--database-url" {
            if let Some(url) = args.get(i + 1) {
                secrets.remember_url(url);
            }
        } else if let Some(url) = arg.strip_prefix("--database-url=") {
            secrets.remember_url(url);
        } else if arg.contains("://") || arg.contains('=') {
            secrets.remember_url(arg);
        }
    }
    if let Ok(url) = std::env::var("DATABASE_URL") {
        secrets.remember_url(&url);
    }
}

/// A panic is a bug, but its message may quote input (a URL, a password): route it through
/// the same scrubber as every error, and say plainly what happened.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        let report = panic_report(&redact::SECRETS, &payload, location.as_deref());
        let _ = writeln!(std::io::stderr(), "{report}");
    }));
}

/// The lines a panic prints: where, the scrubbed message (withheld when the secrets cannot
/// be read, e.g. a panic inside the scrubber itself), and that it is a bug.
fn panic_report(secrets: &redact::Secrets, payload: &str, location: Option<&str>) -> String {
    let message = secrets
        .try_scrub(payload)
        .unwrap_or_else(|| "(message withheld: it could not be checked for passwords)".into());
    let at = location.map(|l| format!(" at {l}")).unwrap_or_default();
    format!(
        "chatdb: internal error{at}: {message}\nchatdb: this is a bug in chatdb; please report it"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_message_is_scrubbed_of_the_password() {
        let secrets = redact::Secrets::default();
        secrets.remember_url("postgres://app:Xy%zé7secret@127.0.0.1:1/x");
        let report = panic_report(
            &secrets,
            "byte index 7 is not a char boundary of `Xy%zé7secret`",
            Some("src/x.rs:1"),
        );
        assert!(
            report.starts_with("chatdb: internal error at src/x.rs:1: "),
            "{report}"
        );
        assert!(
            !report.contains("Xy%z") && !report.contains("secret"),
            "{report}"
        );
    }
}
