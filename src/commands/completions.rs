//! `chatdb completions <shell>` and `chatdb man`: a completion script and a man page made
//! from the clap definitions in `cli.rs` (clap_complete, clap_mangen), so neither can list
//! an option chatdb does not have. Neither reads settings or touches a database.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use crate::cli::{self, CompletionsArgs};

pub fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let mut cmd = cli::command();
    clap_complete::generate(args.shell, &mut cmd, "chatdb", out);
    Ok(ExitCode::SUCCESS)
}

pub fn man(out: &mut dyn Write) -> Result<ExitCode> {
    let cmd = cli::command();
    clap_mangen::Man::new(cmd)
        .render(out)
        .context("writing the man page")?;
    Ok(ExitCode::SUCCESS)
}
