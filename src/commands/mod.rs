//! One module per subcommand; [`run`] resolves the settings and dispatches.

mod check;
mod cleanup;
mod explain;
mod migrate;
mod new;
mod schemas;
mod seed;
mod stats;
mod status;
mod validate;

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::catalog::{self, Schema};
use crate::cli::{Cli, Command};
use crate::db::{Access, Conn, ConnectOpts, Target};
use crate::redact::Secrets;
use crate::settings::Settings;

pub fn run(cli: Cli, secrets: &Secrets) -> Result<ExitCode> {
    // Every URL seen is remembered in `secrets` before anything can fail.
    let settings = Settings::from_process(&cli.global, secrets)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let code = match &cli.command {
        Command::Schemas(args) => schemas::run(&settings, args, &mut out),
        Command::Migrate(args) => migrate::run(&settings, args, &mut out),
        Command::Status(args) => status::run(&settings, args, &mut out),
        Command::Cleanup(args) => cleanup::run(&settings, args, &mut out),
        Command::Explain(args) => explain::run(&settings, args, &mut out),
        Command::Seed(args) => seed::run(&settings, args, &mut out),
        Command::Check(args) => check::run(&settings, args, &mut out),
        Command::Stats(args) => stats::run(&settings, args, &mut out),
        Command::New(args) => new::run(&settings, args, &mut out),
        // Only a server named for it: never the config file's or the default URL.
        Command::Validate(args) => validate::run(
            &settings,
            args,
            settings.schema_given,
            settings.explicit_database_url.as_deref(),
            &mut out,
        ),
    }?;
    out.flush().context("writing output")?;
    Ok(code)
}

/// The selected schema, the parsed target, and a guard against options that make no sense
/// for its dialect.
pub struct Selected {
    pub schema: Schema,
    pub target: Target,
}

pub fn select(settings: &Settings) -> Result<Selected> {
    let schema = catalog::load(&settings.schema, settings.schema_dir.as_deref())?;
    let target = Target::parse(&settings.database_url)?;
    target.check_namespace(&settings.namespace)?;
    Ok(Selected { schema, target })
}

pub fn connect(settings: &Settings, target: &Target, access: Access) -> Result<Conn> {
    Conn::open(
        target,
        ConnectOpts {
            connect_timeout: settings.connect_timeout,
            lock_timeout: settings.lock_timeout,
            access,
        },
        &settings.namespace,
    )
}

/// Writes a line to `out`, mapping the io error.
pub fn line(out: &mut dyn Write, text: impl std::fmt::Display) -> Result<()> {
    writeln!(out, "{text}").context("writing output")
}
