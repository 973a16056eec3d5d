//! `chatdb`: parse the command line, run the command, print the error chain, exit.
//!
//! Everything else lives in the library modules; `main` only maps results to exit codes
//! (0 ok, 1 findings or pending, 2 error, 3 another run holds the lock) and makes sure an
//! error never shows a password.
#![warn(clippy::unwrap_used)]

mod catalog;
mod checks;
mod cli;
mod commands;
mod db;
mod error;
mod migrator;
mod model;
mod online;
mod progress;
mod redact;
mod report;
mod retention;
mod seed;
mod settings;
mod sqltext;
mod templates;
mod validate;
mod verdict;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let secrets = redact::Secrets::default();
    match commands::run(cli, &secrets) {
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
            error::exit_code_for(&err)
        }
    }
}
