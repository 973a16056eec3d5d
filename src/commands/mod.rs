//! One module per subcommand; [`run`] resolves the settings and dispatches.

mod adopt;
mod check;
mod cleanup;
mod completions;
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
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // Made from the clap definitions alone: no settings, so no config file to trip on.
    if let Command::Completions(_) | Command::Man = cli.command {
        return without_settings(&cli.command, &mut out);
    }
    // Every URL seen is remembered in `secrets` before anything can fail.
    let mut settings = Settings::from_process(&cli.global, secrets)?;
    settings.application_name = format!("chatdb {}", cli.command.name());
    let code = match &cli.command {
        Command::Completions(_) | Command::Man => without_settings(&cli.command, &mut out),
        Command::Schemas(args) => schemas::run(&settings, args, &mut out),
        Command::Migrate(args) => migrate::run(&settings, args, &mut out),
        Command::Status(args) => status::run(&settings, args, &mut out),
        Command::Cleanup(args) => cleanup::run(&settings, args, &mut out),
        Command::Explain(args) => explain::run(&settings, args, &mut out),
        Command::Seed(args) => seed::run(&settings, args, &mut out),
        Command::Adopt(args) => {
            quietly(args.quiet, &mut out, |out| adopt::run(&settings, args, out))
        }
        Command::Check(args) => {
            quietly(args.quiet, &mut out, |out| check::run(&settings, args, out))
        }
        Command::Stats(args) => stats::run(&settings, args, &mut out),
        Command::New(args) => quietly(args.quiet, &mut out, |out| new::run(&settings, args, out)),
        // Only a server named for it: never the config file's or the default URL.
        Command::Validate(args) => quietly(args.quiet, &mut out, |out| {
            validate::run(
                &settings,
                args,
                settings.schema_given,
                settings.explicit_database_url.as_deref(),
                out,
            )
        }),
    }?;
    out.flush().context("writing output")?;
    Ok(code)
}

/// `--quiet` of a command that reports into `out` (adopt, check, new, validate): the
/// report is held back and dropped when the command succeeds (exit 0), and printed whole
/// when it does not (findings, a refusal), so cron and deploy scripts mail only then.
fn quietly(
    quiet: bool,
    out: &mut dyn Write,
    run: impl FnOnce(&mut dyn Write) -> Result<ExitCode>,
) -> Result<ExitCode> {
    if !quiet {
        return run(out);
    }
    let mut held = Vec::new();
    let code = run(&mut held)?;
    if code != ExitCode::SUCCESS {
        out.write_all(&held).context("writing output")?;
    }
    Ok(code)
}

/// The commands that need no settings: `completions` and `man`.
fn without_settings(command: &Command, out: &mut dyn Write) -> Result<ExitCode> {
    let code = match command {
        Command::Completions(args) => completions::completions(args, out)?,
        Command::Man => completions::man(out)?,
        _ => ExitCode::SUCCESS,
    };
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
    let target = resolve_target(settings, &settings.database_url)?;
    target.check_namespace(&settings.namespace)?;
    Ok(Selected { schema, target })
}

/// `url` parsed and filled in from libpq's variables and files; its warnings (a passfile
/// ignored) go to stderr.
pub fn resolve_target(settings: &Settings, url: &str) -> Result<Target> {
    let target = Target::resolve(url, &settings.pg_env, &settings.application_name)?;
    if let Target::Postgres(t) = &target {
        for w in &t.warnings {
            eprintln!("chatdb: warning: {w}");
        }
        // Before anything connects or starts a thread (see `skip_trust_store`).
        t.skip_unused_trust_store();
    }
    Ok(target)
}

pub fn connect(settings: &Settings, target: &Target, access: Access) -> Result<Conn> {
    Conn::open(
        target,
        ConnectOpts {
            connect_timeout: settings.connect_timeout,
            lock_timeout: settings.lock_timeout,
            access,
            wait: settings.wait,
        },
        &settings.namespace,
    )
}

/// [`connect`] for a command that writes (migrate, cleanup, seed): a read-only server (a
/// standby, `default_transaction_read_only=on`) is refused before anything is tried.
pub fn connect_writable(
    settings: &Settings,
    target: &Target,
    access: Access,
    command: &str,
) -> Result<Conn> {
    let mut conn = connect(settings, target, access)?;
    if conn.read_only()? {
        let shown = match target {
            Target::Postgres(t) => t.display.clone(),
            Target::Sqlite(_) => String::new(),
        };
        anyhow::bail!(
            "chatdb {command} needs a read-write server, and {shown} is read-only (a standby, or default_transaction_read_only=on): name the primary, or list every host with target_session_attrs=read-write (postgres://h1,h2/db?target_session_attrs=read-write)"
        );
    }
    Ok(conn)
}

/// Writes a line to `out`, mapping the io error.
pub fn line(out: &mut dyn Write, text: impl std::fmt::Display) -> Result<()> {
    writeln!(out, "{text}").context("writing output")
}
