//! Every clap type of the command line. The `///` comments are the `--help` text.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::duration;

/// The bounds of a cleanup batch size, for `--batch-size` here and `[cleanup] batch_size`
/// in the config file (checked by `Settings::resolve`) alike.
pub const BATCH_SIZE_RANGE: std::ops::RangeInclusive<u64> = 1..=1_000_000;

/// clap value parser for a plain period (`--max-runtime`): the value without its spelling.
fn period(text: &str) -> Result<Duration, String> {
    duration::period_arg(text).map(|d| d.value)
}

/// Schema-and-migration toolkit for the databases behind chat-style products.
///
/// chatdb carries four canonical schemas (chat, focusmate, classroom, assistant) as
/// versioned SQL for PostgreSQL and SQLite and applies them through refinery.
///
/// Exit codes: 0 ok, 1 findings or pending (where a command says so), 2 error,
/// 3 another chatdb run holds the lock, 4 cleanup stopped with expired rows left.
#[derive(Debug, Parser)]
#[command(
    name = "chatdb",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,

    #[command(subcommand)]
    pub command: Command,
}

/// The global options that reach a database; commands that never connect hide them.
const CONNECTION_ARGS: [&str; 6] = [
    "database_url",
    "config",
    "connect_timeout",
    "wait",
    "lock_timeout",
    "namespace",
];

/// The clap command with each subcommand's help showing only the options it uses:
/// `schemas`, `completions` and `man` never connect, so the connection options (global,
/// hence propagated to every subcommand) are hidden there; `completions` and `man` read no
/// schema either. Parse and generate from this, never from `Cli::command()` alone.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let cmd = Cli::command();
    // A subcommand that already has an argument of a global's id is skipped when the
    // globals are propagated, so a hidden copy put there first keeps it out of that help.
    let hidden = |names: &'static [&'static str]| {
        let copies: Vec<clap::Arg> = cmd
            .get_arguments()
            .filter(|a| names.contains(&a.get_id().as_str()))
            .map(|a| a.clone().hide(true))
            .collect();
        move |sub: clap::Command| sub.args(copies)
    };
    const NO_SCHEMA: [&str; 8] = [
        CONNECTION_ARGS[0],
        CONNECTION_ARGS[1],
        CONNECTION_ARGS[2],
        CONNECTION_ARGS[3],
        CONNECTION_ARGS[4],
        CONNECTION_ARGS[5],
        "schema",
        "schema_dir",
    ];
    let (schemas, completions, man) = (
        hidden(&CONNECTION_ARGS),
        hidden(&NO_SCHEMA),
        hidden(&NO_SCHEMA),
    );
    let new = hidden(&CONNECTION_ARGS);
    cmd.mut_subcommand("schemas", schemas)
        .mut_subcommand("new", new)
        .mut_subcommand("completions", completions)
        .mut_subcommand("man", man)
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalOpts {
    /// Database URL: postgres://user@host:5432/db[?sslmode=require], a key=value
    /// connection string, or sqlite://path (sqlite::memory: for a throwaway database).
    /// Falls back to DATABASE_URL, then `database_url` in the config file, then
    /// sqlite://chatdb.sqlite3. A PostgreSQL URL's missing parts come from PGHOST, PGPORT,
    /// PGUSER, PGDATABASE, PGPASSWORD, ~/.pgpass, PGSERVICE, PGSSLMODE, PGAPPNAME, ... as
    /// in libpq; `-d postgres://` is the server the PG* variables name.
    #[arg(
        short = 'd',
        long,
        global = true,
        value_name = "URL",
        help_heading = "Connection"
    )]
    pub database_url: Option<String>,

    /// Canonical schema to work on: chat, focusmate, classroom or assistant.
    /// Falls back to CHATDB_SCHEMA, then `schema` in the config file, then `chat`.
    #[arg(
        short = 's',
        long,
        global = true,
        value_name = "NAME",
        help_heading = "Schema"
    )]
    pub schema: Option<String>,

    /// Load the schema from DIR instead of the embedded ones. DIR has the repository's
    /// layout: sql/postgres/<schema>/V<n>__<name>.sql, sql/sqlite/<schema>/V<n>__<name>.sql
    /// and an optional schemas/<schema>.toml (so `--schema-dir .` reads a checkout).
    /// Falls back to CHATDB_SCHEMA_DIR, then `schema_dir` in the config file.
    #[arg(long, global = true, value_name = "DIR", help_heading = "Schema")]
    pub schema_dir: Option<PathBuf>,

    /// PostgreSQL schema (namespace) to install into and read from. Lets several
    /// canonical schemas share one database. Falls back to CHATDB_NAMESPACE, then
    /// `namespace` in the config file, then `public`. PostgreSQL only.
    #[arg(long, global = true, value_name = "NAME", help_heading = "Schema")]
    pub namespace: Option<String>,

    /// Config file. Falls back to CHATDB_CONFIG, then ./chatdb.toml when it exists.
    #[arg(
        short = 'c',
        long,
        global = true,
        value_name = "FILE",
        help_heading = "Connection"
    )]
    pub config: Option<PathBuf>,

    /// Give up connecting after this long (e.g. 5s, 1m), the whole handshake included
    /// (TCP, TLS, authentication). Falls back to CHATDB_CONNECT_TIMEOUT, then
    /// PGCONNECT_TIMEOUT (seconds), then `connect_timeout` in the config file, then 10s;
    /// a `connect_timeout` written in a PostgreSQL URL wins.
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        allow_hyphen_values = true,
        help_heading = "Connection"
    )]
    pub connect_timeout: Option<String>,

    /// Wait for a PostgreSQL server that refuses connections or is still starting up:
    /// retry until --connect-timeout, then fail with the last error. Without it a refused
    /// connection fails at once. Default: off, or `wait = true` in the config file.
    #[arg(long, global = true, help_heading = "Connection")]
    pub wait: bool,

    /// How long to wait for a lock. migrate waits this long for another migrate, then
    /// exits 3. cleanup and seed never wait for another run of themselves (they exit 3 at
    /// once); seed waits this long for tables an application holds; each cleanup batch waits
    /// at most this long for rows or tables the application holds (PostgreSQL's
    /// lock_timeout), and on SQLite every statement waits this long for another writer
    /// (busy timeout). status and migrate read the history, and check and validate apply
    /// their scratch schema, waiting at most this long for a table lock another session holds.
    /// Falls back to CHATDB_LOCK_TIMEOUT, then `lock_timeout` in the config file, then 60s.
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        allow_hyphen_values = true,
        help_heading = "Connection"
    )]
    pub lock_timeout: Option<String>,
}

/// How a command that prints a report prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables for people.
    Table,
    /// JSON for machines (stable field names).
    Json,
}

/// How a command that reports findings (`check`, `validate`) prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FindingsFormat {
    /// Tables for people.
    Table,
    /// JSON for machines (stable field names).
    Json,
    /// GitHub Actions workflow annotations, one per finding.
    Github,
}

/// `--format table|json`.
#[derive(Debug, Clone, Copy, Args)]
pub struct FormatOpt {
    /// Output format. Falls back to CHATDB_FORMAT, then table.
    #[arg(
        long = "format",
        value_enum,
        value_name = "FORMAT",
        help_heading = "Output"
    )]
    pub given: Option<Format>,
    /// The format in force, after [`Command::resolve_format`].
    #[arg(skip = Format::Table)]
    pub format: Format,
}

/// `--format table|json|github`.
#[derive(Debug, Clone, Copy, Args)]
pub struct FindingsFormatOpt {
    /// Output format. Falls back to CHATDB_FORMAT, then table.
    #[arg(
        long = "format",
        value_enum,
        value_name = "FORMAT",
        help_heading = "Output"
    )]
    pub given: Option<FindingsFormat>,
    /// The format in force, after [`Command::resolve_format`].
    #[arg(skip = FindingsFormat::Table)]
    pub format: FindingsFormat,
}

const TABLE_OR_JSON: &[(&str, Format)] = &[("table", Format::Table), ("json", Format::Json)];
const FINDINGS_FORMATS: &[(&str, FindingsFormat)] = &[
    ("table", FindingsFormat::Table),
    ("json", FindingsFormat::Json),
    ("github", FindingsFormat::Github),
];
const STATS_FORMATS: &[(&str, StatsFormat)] = &[
    ("table", StatsFormat::Table),
    ("json", StatsFormat::Json),
    ("prometheus", StatsFormat::Prometheus),
];

impl Command {
    /// The subcommand's name, as typed (`chatdb <name>` is the default application_name).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Schemas(_) => "schemas",
            Command::Migrate(_) => "migrate",
            Command::Status(_) => "status",
            Command::Cleanup(_) => "cleanup",
            Command::Explain(_) => "explain",
            Command::Seed(_) => "seed",
            Command::Check(_) => "check",
            Command::Validate(_) => "validate",
            Command::New(_) => "new",
            Command::Adopt(_) => "adopt",
            Command::Completions(_) => "completions",
            Command::Man => "man",
            Command::Stats(_) => "stats",
        }
    }

    /// Settles `--format` > `CHATDB_FORMAT` > table (`settings::resolve_format`).
    pub fn resolve_format(&mut self, env: Option<&str>) -> anyhow::Result<()> {
        use crate::settings::resolve_format;
        let o = match self {
            Command::Schemas(a) => &mut a.output,
            Command::Migrate(a) => &mut a.output,
            Command::Status(a) => &mut a.output,
            Command::Cleanup(a) => &mut a.output,
            Command::Explain(a) => &mut a.output,
            Command::Seed(a) => &mut a.output,
            Command::Adopt(a) => &mut a.output,
            Command::Check(a) => {
                let o = &mut a.output;
                o.format = resolve_format(o.given, env, FINDINGS_FORMATS)?;
                return Ok(());
            }
            Command::Validate(a) => {
                let o = &mut a.output;
                o.format = resolve_format(o.given, env, FINDINGS_FORMATS)?;
                return Ok(());
            }
            Command::Stats(a) => {
                a.format = resolve_format(a.given, env, STATS_FORMATS)?;
                return Ok(());
            }
            Command::Completions(_) | Command::Man | Command::New(_) => return Ok(()),
        };
        o.format = resolve_format(o.given, env, TABLE_OR_JSON)?;
        Ok(())
    }

    /// Whether the command prints JSON (so that an error is a JSON document too).
    pub fn json(&self) -> bool {
        let table_or_json = match self {
            Command::Schemas(a) => a.output.format,
            Command::Migrate(a) => a.output.format,
            Command::Status(a) => a.output.format,
            Command::Cleanup(a) => a.output.format,
            Command::Explain(a) => a.output.format,
            Command::Seed(a) => a.output.format,
            Command::Adopt(a) => a.output.format,
            Command::Check(a) => return a.output.format == FindingsFormat::Json,
            Command::Validate(a) => return a.output.format == FindingsFormat::Json,
            Command::Completions(_) | Command::Man => return false,
            Command::Stats(a) => return a.format == StatsFormat::Json,
            // Writes files and says so in lines; no --format.
            Command::New(_) => return false,
        };
        table_or_json == Format::Json
    }
}

// The Examples section of each subcommand's --help: the commands a DBA runs most.
const EXAMPLES_SCHEMAS: &str = "\
Examples:
  chatdb schemas
  chatdb schemas --format json";
const EXAMPLES_MIGRATE: &str = "\
Examples:
  chatdb -d postgres://postgres@127.0.0.1/app -s classroom migrate
  chatdb -s classroom migrate --dry-run
  chatdb -s classroom migrate --target 1
  DATABASE_URL=sqlite://app.db CHATDB_SCHEMA=assistant chatdb migrate --quiet";
const EXAMPLES_STATUS: &str = "\
Examples:
  chatdb -d postgres://postgres@127.0.0.1/app -s classroom status
  chatdb -s classroom status --exit-code --format json   # CI: exit 1 when pending";
const EXAMPLES_CLEANUP: &str = "\
Examples:
  chatdb -s classroom cleanup --list
  chatdb -s classroom cleanup --dry-run
  chatdb -s classroom cleanup --older-than 30d --table messages
  chatdb -s classroom cleanup --quiet --max-runtime 10m --vacuum   # cron";
const EXAMPLES_EXPLAIN: &str = "\
Examples:
  chatdb -s chat explain
  chatdb -s chat explain --analyze --verbose
  chatdb -s classroom explain cleanup:messages";
const EXAMPLES_SEED: &str = "\
Examples:
  chatdb -d sqlite://demo.db -s chat migrate && chatdb -d sqlite://demo.db -s chat seed --scale 0.01
  chatdb -s classroom seed --scale 1 --seed 7 --now '2026-01-01 12:00:00'";
const EXAMPLES_CHECK: &str = "\
Examples:
  chatdb -d postgres://postgres@127.0.0.1/app -s classroom check
  chatdb -s classroom check --strict --format github   # CI annotations";
const EXAMPLES_VALIDATE: &str = "\
Examples:
  chatdb validate --all
  chatdb --schema-dir . validate --all --strict --format github
  chatdb -d postgres://postgres@127.0.0.1/postgres validate -s chat   # also a scratch PostgreSQL apply
  chatdb --schema-dir . -s chat validate --update-lock --quiet   # after writing a migration";
const EXAMPLES_NEW: &str = "\
Examples:
  chatdb --schema-dir . -s chat new add_message_reactions
  chatdb --schema-dir . -s chat new index_reactions_by_user --no-transaction
  chatdb --schema-dir . -s chat new drop_legacy_column --sqlite-rebuild messages";
const EXAMPLES_COMPLETIONS: &str = "\
Examples:
  chatdb completions bash > ~/.local/share/bash-completion/completions/chatdb
  chatdb completions zsh > ~/.zfunc/_chatdb
  chatdb completions fish > ~/.config/fish/completions/chatdb.fish";
const EXAMPLES_MAN: &str = "\
Examples:
  chatdb man > chatdb.1 && man -l chatdb.1
  chatdb man | sudo tee /usr/local/share/man/man1/chatdb.1 > /dev/null";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the canonical schemas: source document, tables, latest version per dialect.
    #[command(after_help = EXAMPLES_SCHEMAS)]
    Schemas(SchemasArgs),
    /// Apply the selected schema's pending migrations, in order, in one transaction.
    ///
    /// All pending migrations and their history rows commit together: if one fails,
    /// the database is left exactly as it was. Concurrent runs wait for each other
    /// (PostgreSQL advisory lock, SQLite exclusive lock). A migration whose first line is
    /// `-- chatdb:no-transaction` (for CREATE INDEX CONCURRENTLY) runs statement by statement
    /// outside a transaction on PostgreSQL; the migrations before it commit first, as their
    /// own group (SQLite accepts the marker and runs the file in the one transaction).
    #[command(after_help = EXAMPLES_MIGRATE)]
    Migrate(MigrateArgs),
    /// Show applied migrations (with checksum verdict) and pending ones; on a database built
    /// elsewhere (the schema's tables, no chatdb history), the advice to `chatdb adopt` it.
    #[command(after_help = EXAMPLES_STATUS)]
    Status(StatusArgs),
    /// Take over a database built elsewhere (Alembic, create_all, by hand): check the
    /// version it is at, then record it in chatdb's history.
    ///
    /// For a database that has the schema's tables but no chatdb history. Every canonical
    /// version is built in a rolled-back scratch namespace (SQLite: in memory) and compared
    /// with the live schema by `check`'s rules; the best match is reported with its remaining
    /// differences. The version adopted is --version N, else the one `alembic_version` maps
    /// to in schemas/<schema>.toml ([alembic.revisions]), else the best match. With no
    /// differences, one transaction under the migrate lock writes history rows V1..VN
    /// (refinery's layout and checksums) and marks them adopted
    /// (chatdb_history_<schema>_adopted, shown by `status` and `check`); `alembic_version`
    /// is left untouched. With differences nothing is changed and adopt exits 1, unless
    /// --accept-drift. A database chatdb already manages, or one without the schema's
    /// tables, is an error (exit 2).
    ///
    /// Examples:
    ///   chatdb -s focusmate -d postgres://app@db/focusmate adopt --dry-run
    ///   chatdb -s classroom -d sqlite://classroom.db adopt --version 1
    ///   chatdb -s focusmate adopt --accept-drift --format json
    // `--version N` is adopt's own: the propagated `--version` flag is off here.
    #[command(verbatim_doc_comment, disable_version_flag = true)]
    Adopt(AdoptArgs),
    /// Delete rows past their retention period, in small keyset batches; safe under cron.
    ///
    /// Runs the schema's retention policies that are on (schemas/<schema>.toml, adjusted by
    /// [cleanup.policies.<table>] in chatdb.toml). The cutoff is computed once, from the
    /// database's clock. Each batch is its own short transaction; a second cleanup on the
    /// same database exits 3 at once. A policy ends only when no expired row is left; a
    /// run stopped earlier by --max-runtime reports how many are left and exits 4.
    /// SIGINT/SIGTERM finish the current batch, report, and exit 130/143.
    #[command(after_help = EXAMPLES_CLEANUP)]
    Cleanup(CleanupArgs),
    /// EXPLAIN the schema's hot queries and check each uses the index meant to serve it.
    ///
    /// The hot queries are declared in schemas/<schema>.toml ([[query]]); after them come the
    /// batch DELETEs `cleanup` runs, one `cleanup:<table>` per [[policy]], checked against the
    /// policy's `index` the same way. For each, chatdb
    /// asks two questions that must not be confused: can the expected index serve the query
    /// at all (PostgreSQL with sequential scans disabled, SQLite without statistics, so it
    /// holds on an empty database), and does the planner prefer it on the data at hand?
    /// Exits 1 when an expected index cannot serve its query; a planner that prefers
    /// another plan on this data, and the flags (sequential scans, sorts, spills, estimates,
    /// trigger time, latency targets), are warnings. Read-only: everything runs in
    /// transactions that are rolled back.
    #[command(after_help = EXAMPLES_EXPLAIN)]
    Explain(ExplainArgs),
    /// Fill the schema with deterministic, realistic synthetic data at the documented scale.
    ///
    /// Row counts per table are declared in schemas/<schema>.toml ([seed]); --scale 1 is the
    /// design document's volume. Every foreign key and CHECK holds; busy and quiet rooms,
    /// skewed users, timestamps over the year before --now (so retention has work), a share
    /// of sessions still open. PostgreSQL loads by binary COPY, SQLite by prepared inserts,
    /// all in one transaction (a failure leaves nothing), then ANALYZE. Refuses a schema that
    /// already has rows unless --append. The same --seed, --scale and --now give the same rows.
    #[command(after_help = EXAMPLES_SEED)]
    Seed(SeedArgs),
    /// Check schema drift and index health against the canonical schema at the applied version.
    ///
    /// Reports missing and extra tables and columns, columns whose type, nullability,
    /// default or identity differ, primary keys, CHECKs, foreign keys and (PostgreSQL)
    /// sequences that differ, needed extensions, NOT VALID constraints; missing, altered,
    /// invalid, duplicate, unused and extra indexes, foreign keys without an index, and
    /// (SQLite) foreign keys that were not enforced. Each with a fix as SQL, in an order
    /// that runs as one script. Read-only. Exits 1 when any error-severity finding exists (with --strict,
    /// any warning too), 0 otherwise.
    #[command(after_help = EXAMPLES_CHECK)]
    Check(CheckArgs),
    /// Validate schema changes for CI: files, lock, fresh apply, dialect parity, lint, manifest.
    ///
    /// Checks the migration files themselves (embedded, or a --schema-dir such as a checkout):
    /// names and dialect twins; the committed lock file of checksums (schemas/<schema>.lock);
    /// a fresh apply to an in-memory SQLite database and, given --database-url or
    /// DATABASE_URL, to a scratch PostgreSQL database it creates and always drops; that both
    /// dialects build the same schema (intended differences are declared in the manifest);
    /// squawk-style lint of PostgreSQL migrations after the first; and that the manifest
    /// names what exists. Never touches any other database. Exits 1 on errors (with
    /// --strict, on warnings too), 2 when it cannot run.
    #[command(after_help = EXAMPLES_VALIDATE)]
    Validate(ValidateArgs),
    /// Print a shell completion script to stdout.
    ///
    /// Generated from these very definitions, so it never lists an option chatdb lacks.
    #[command(after_help = EXAMPLES_COMPLETIONS)]
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout.
    #[command(after_help = EXAMPLES_MAN)]
    Man,
    /// Measure the schema's database against its documents' targets, for people, cron and Prometheus.
    ///
    /// Reports the schema's own metrics ([[metric]] in schemas/<schema>.toml), rows and size
    /// per table against the manifest's expected volumes, and on PostgreSQL the server's
    /// health: statement times from pg_stat_statements (mean, estimated p95, the slowest,
    /// normalised; the p95 is an estimate, mean + 1.645 stddev), connections against
    /// max_connections and against `pool_size` in chatdb.toml's [stats], index usage per
    /// table, the cache hit ratio of the schema's tables, dead rows and last vacuum (judged on
    /// the retention tables), the oldest transaction, blocked backends, XID age and replica
    /// lag; on SQLite file, WAL and freelist sizes, pages and sqlite_stat1 freshness. Targets
    /// come from the manifest's [stats] (the documents' own); the thresholds no document
    /// gives from chatdb.toml's [stats], else their defaults (transaction 5m, lock wait 1m,
    /// cache hits 99%, replica lag 5s, dead rows over 20% of live and 10000). Read-only, one
    /// transaction under --statement-timeout. Exits 1 when a target is breached (each breach
    /// a finding with the target and the measured value), 0 otherwise, 2 on error.
    Stats(StatsArgs),
    /// Write the next version's twin migration files in a --schema-dir.
    ///
    /// Writes sql/postgres/<schema>/V<n>__NAME.sql and sql/sqlite/<schema>/V<n>__NAME.sql,
    /// n being one more than the highest version of either, each with a header that says
    /// what goes where. Never overwrites; the embedded canonical schemas are read-only.
    #[command(after_help = EXAMPLES_NEW)]
    New(NewArgs),
}

#[derive(Debug, Args)]
#[command(next_help_heading = "New")]
pub struct NewArgs {
    /// The migration's snake_case name (e.g. add_message_reads).
    pub name: String,

    /// A migration that PostgreSQL runs statement by statement outside a transaction (first
    /// line `-- chatdb:no-transaction`), for CREATE INDEX CONCURRENTLY.
    #[arg(long)]
    pub no_transaction: bool,

    /// Put SQLite's table rebuild of TABLE in the SQLite half, for a change SQLite's ALTER
    /// TABLE cannot make in place: TABLE's CREATE TABLE (as the schema's migrations build it)
    /// under a new name, the copy, drop and rename, its indexes and triggers again, and the
    /// `-- chatdb:foreign-keys-off` line that makes migrate run it with foreign keys off and
    /// check them before commit.
    #[arg(long, value_name = "TABLE")]
    pub sqlite_rebuild: Option<String>,
    /// Print nothing on success (for scripts). Errors still go to stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct SchemasArgs {
    #[command(flatten)]
    pub output: FormatOpt,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Migrate")]
pub struct MigrateArgs {
    /// Stop after this version instead of applying everything.
    #[arg(long, value_name = "N")]
    pub target: Option<u32>,

    /// Print what would run, SQL included, grouped as it would commit, and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Print nothing on success (for cron and deploy scripts). Errors still go to stderr.
    #[arg(short, long, conflicts_with = "dry_run")]
    pub quiet: bool,

    #[command(flatten)]
    pub output: FormatOpt,

    /// How long each migration statement may wait for a table lock (PostgreSQL
    /// `lock_timeout`) before it gives up, so that it never queues the application's
    /// queries behind it for longer. Distinct from --lock-timeout, the wait for another
    /// chatdb run. On a timeout the transaction (or, outside one, the statement) is tried
    /// again after a pause; see --ddl-retries. Default: 3s, or --lock-timeout when that is
    /// shorter. At most 24 days.
    #[arg(long, value_name = "DURATION", value_parser = duration::timeout_arg)]
    pub ddl_lock_timeout: Option<Duration>,

    /// How many times a migration transaction (or a no-transaction statement) that timed
    /// out waiting for a lock is tried again, pausing 0.5s, 1s, 2s, ... (at most 8s)
    /// between tries, before migrate fails with nothing of it applied. At most 100.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub ddl_retries: u32,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Status")]
pub struct StatusArgs {
    /// Exit 1 when any migration is pending, diverged or missing, or the database was built
    /// elsewhere and is not adopted yet (for CI).
    #[arg(long)]
    pub exit_code: bool,

    #[command(flatten)]
    pub output: FormatOpt,
}

#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// Adopt at this version (still compared with the live schema, and reported).
    #[arg(long, value_name = "N")]
    pub version: Option<u32>,

    /// Compare and report, write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Adopt even when the live schema differs from the version; the differences are
    /// recorded and shown by `status` and `check`.
    #[arg(long)]
    pub accept_drift: bool,

    /// Drop Alembic's `alembic_version` table in the same transaction (left untouched
    /// otherwise).
    #[arg(long)]
    pub drop_alembic_version: bool,

    /// Print nothing when adopted (exit 0). Differences (exit 1) and errors still print.
    #[arg(short, long, conflicts_with = "dry_run")]
    pub quiet: bool,

    #[command(flatten)]
    pub output: FormatOpt,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Cleanup")]
pub struct CleanupArgs {
    /// Keep period for the policies being run (e.g. 30d, 12h; at most 100 years); also runs
    /// policies that are off.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true, value_parser = duration::period_arg)]
    pub older_than: Option<duration::Spelled>,

    /// Only the policy on this table (repeatable).
    #[arg(long = "table", value_name = "TABLE")]
    pub tables: Vec<String>,

    /// Show the policies in force, their cutoffs and how many rows each would delete.
    #[arg(long, conflicts_with = "dry_run")]
    pub list: bool,

    /// Per table: the cutoff and the rows that would go (cascaded rows included). Changes nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Rows per batch (each batch is one transaction). Default 5000, or [cleanup] batch_size.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(BATCH_SIZE_RANGE))]
    pub batch_size: Option<u64>,

    /// Stop after the batch that crosses this much run time (e.g. 10m); exits 4 when
    /// expired rows are left.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true, value_parser = period)]
    pub max_runtime: Option<Duration>,

    /// Per-batch statement timeout on PostgreSQL (a batch that hits it is retried smaller;
    /// at most 24 days).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration::timeout_arg)]
    pub statement_timeout: Duration,

    /// Afterwards, VACUUM (ANALYZE) the touched tables (PostgreSQL); SQLite: WAL checkpoint,
    /// incremental vacuum where enabled, ANALYZE.
    #[arg(long)]
    pub vacuum: bool,

    /// Print nothing on success (for cron). Errors still go to stderr.
    #[arg(short, long)]
    pub quiet: bool,

    /// Allow keep periods under one hour.
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub output: FormatOpt,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Explain")]
pub struct ExplainArgs {
    /// Hot queries to explain, by name, or `cleanup:<table>` for a retention policy's batch
    /// DELETE. Default: every hot query of the schema, then every policy's DELETE.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,

    /// Also run each query with its sample parameter values, inside a transaction that is
    /// rolled back, and report actual time, rows and buffers against the documented target.
    /// Cleanup DELETEs run on PostgreSQL only (cascades show as trigger time), in a writable
    /// transaction that is always rolled back; on SQLite they are skipped.
    #[arg(long)]
    pub analyze: bool,

    /// Print each plan tree (the preferred plan, the forced one, the analyzed one).
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// Cancel a statement that runs longer than this (e.g. 5s, 1m): with --analyze the run
    /// itself (reported, and the next query goes on); on PostgreSQL also planning, which
    /// waits behind locks a migration holds. At most 24 days.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration::timeout_arg)]
    pub statement_timeout: Duration,

    #[command(flatten)]
    pub output: FormatOpt,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Validate")]
pub struct ValidateArgs {
    /// Validate every schema: the canonical ones, or every schema under --schema-dir.
    /// Without it, the schema of --schema (default chat).
    #[arg(long)]
    pub all: bool,

    /// Exit 1 on warnings too, not only on errors.
    #[arg(long)]
    pub strict: bool,

    /// Rewrite schemas/<schema>.lock under --schema-dir with the migrations' current
    /// checksums, then validate. Only for migrations that were never released.
    #[arg(long)]
    pub update_lock: bool,

    /// Print nothing when validate passes (exit 0), e.g. after --update-lock. A report with
    /// findings (exit 1) and errors still print.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub output: FindingsFormatOpt,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Seed")]
pub struct SeedArgs {
    /// Multiplier of the declared volumes: 1 is the document's scale, 0.01 a hundredth. Each
    /// table gets max(min, round(volume x scale)) rows (min 1 unless the manifest says more).
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    #[arg(allow_negative_numbers = true)]
    pub scale: f64,

    /// Seed of the generator: the same seed, scale and --now give byte-identical rows.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,

    /// The moment the data ends at, UTC ("2026-01-01 12:00:00"); every timestamp lies in
    /// the year before it. Default: the database's clock, read once.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// Add a new generation of rows to tables that already have rows (fresh ids, unique
    /// names suffixed) instead of refusing.
    #[arg(long)]
    pub append: bool,

    /// Print nothing on success. Errors still go to stderr.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub output: FormatOpt,
}

/// How `stats` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// Tables for people, grouped, thresholds marked.
    Table,
    /// JSON for machines (stable field names).
    Json,
    /// Prometheus text exposition, for node_exporter's textfile collector.
    Prometheus,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Print nothing when every target is met (for cron: mail only when something is wrong).
    #[arg(long)]
    pub quiet: bool,

    /// Every query's statement timeout.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration::timeout_arg)]
    pub statement_timeout: Duration,

    /// Output format. Falls back to CHATDB_FORMAT (prometheus allowed here), then table.
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    pub given: Option<StatsFormat>,

    /// The format in force, after [`Command::resolve_format`].
    #[arg(skip = StatsFormat::Table)]
    pub format: StatsFormat,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Check")]
pub struct CheckArgs {
    /// Exit 1 on warnings too, not only on errors (for CI).
    #[arg(long)]
    pub strict: bool,

    /// Also write the fixes as new migrations named NAME in the --schema-dir, in the order
    /// they run: the transactional fixes, then the CONCURRENTLY statements (made
    /// idempotent) in a `-- chatdb:no-transaction` migration (NAME_indexes), then the
    /// constraints made USING INDEX from those (NAME_constraints), and on SQLite each fix
    /// only a table rebuild makes as that rebuild (NAME_rebuild_TABLE), each with its twin
    /// for the other dialect.
    #[arg(long, value_name = "NAME")]
    pub write_migration: Option<String>,

    /// Print nothing when check passes (exit 0), the files --write-migration wrote
    /// included. A report with findings (exit 1) and errors still print.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub output: FindingsFormatOpt,
}
