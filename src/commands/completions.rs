//! `chatdb completions <shell>` and `chatdb man`: a completion script and a man page made
//! from the clap definitions in `cli.rs` (clap_complete, clap_mangen), so neither can list
//! an option chatdb does not have. Neither reads settings or touches a database.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{self, CompletionsArgs};
use anyhow::{Context, Result};

pub fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let mut cmd = cli::command();
    // Into memory first: `generate` panics on a write error (`| head` closes the pipe).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "chatdb", &mut script);
    out.write_all(&script)
        .context("writing the completion script")?;
    Ok(ExitCode::SUCCESS)
}

pub fn man(out: &mut dyn Write) -> Result<ExitCode> {
    let cmd = cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut page)
        .context("rendering the man page")?;
    out.write_all(&page).context("writing the man page")?;
    Ok(ExitCode::SUCCESS)
}
