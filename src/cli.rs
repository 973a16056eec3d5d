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

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalOpts {
    /// Database URL: postgres://user@host:5432/db[?sslmode=require], a key=value
    /// connection string, or sqlite://path (sqlite::memory: for a throwaway database).
    /// Falls back to DATABASE_URL, then `database_url` in the config file, then
    /// sqlite://chatdb.sqlite3.
    #[arg(short = 'd', long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Canonical schema to work on: chat, focusmate, classroom or assistant.
    /// Falls back to CHATDB_SCHEMA, then `schema` in the config file, then `chat`.
    #[arg(short = 's', long, global = true, value_name = "NAME")]
    pub schema: Option<String>,

    /// Load the schema from DIR instead of the embedded ones. DIR has the repository's
    /// layout: sql/postgres/<schema>/V<n>__<name>.sql, sql/sqlite/<schema>/V<n>__<name>.sql
    /// and an optional schemas/<schema>.toml (so `--schema-dir .` reads a checkout).
    #[arg(long, global = true, value_name = "DIR")]
    pub schema_dir: Option<PathBuf>,

    /// PostgreSQL schema (namespace) to install into and read from. Lets several
    /// canonical schemas share one database. Falls back to `namespace` in the config
    /// file, then `public`. PostgreSQL only.
    #[arg(long, global = true, value_name = "NAME")]
    pub namespace: Option<String>,

    /// Config file. Default: ./chatdb.toml when it exists.
    #[arg(short = 'c', long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Give up connecting after this long (e.g. 5s, 1m), the whole handshake included
    /// (TCP, TLS, authentication). Default: 10s, or `connect_timeout` in the config file.
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        allow_hyphen_values = true
    )]
    pub connect_timeout: Option<String>,

    /// Wait at most this long for another chatdb run's lock before exiting 3.
    /// Default: 60s, or `lock_timeout` in the config file.
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        allow_hyphen_values = true
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `--format table|json|github`.
#[derive(Debug, Clone, Copy, Args)]
pub struct FindingsFormatOpt {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FindingsFormat::Table)]
    pub format: FindingsFormat,
}

impl Command {
    /// Whether the command prints JSON (so that an error is a JSON document too).
    pub fn json(&self) -> bool {
        let table_or_json = match self {
            Command::Schemas(a) => a.output.format,
            Command::Migrate(a) => a.output.format,
            Command::Status(a) => a.output.format,
            Command::Cleanup(a) => a.output.format,
            Command::Explain(a) => a.output.format,
            Command::Seed(a) => a.output.format,
            Command::Check(a) => return a.output.format == FindingsFormat::Json,
            Command::Validate(a) => return a.output.format == FindingsFormat::Json,
            Command::Stats(a) => return a.format == StatsFormat::Json,
            // Writes files and says so in lines; no --format.
            Command::New(_) => return false,
        };
        table_or_json == Format::Json
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the canonical schemas: source document, tables, latest version per dialect.
    Schemas(SchemasArgs),
    /// Apply the selected schema's pending migrations, in order, in one transaction.
    ///
    /// All pending migrations and their history rows commit together: if one fails,
    /// the database is left exactly as it was. Concurrent runs wait for each other
    /// (PostgreSQL advisory lock, SQLite exclusive lock). A migration whose first line is
    /// `-- chatdb:no-transaction` (for CREATE INDEX CONCURRENTLY) runs statement by statement
    /// outside a transaction on PostgreSQL; the migrations before it commit first, as their
    /// own group (SQLite accepts the marker and runs the file in the one transaction).
    Migrate(MigrateArgs),
    /// Show applied migrations (with checksum verdict) and pending ones.
    Status(StatusArgs),
    /// Delete rows past their retention period, in small keyset batches; safe under cron.
    ///
    /// Runs the schema's retention policies that are on (schemas/<schema>.toml, adjusted by
    /// [cleanup.policies.<table>] in chatdb.toml). The cutoff is computed once, from the
    /// database's clock. Each batch is its own short transaction; a second cleanup on the
    /// same database exits 3 at once. A policy ends only when no expired row is left; a
    /// run stopped earlier by --max-runtime reports how many are left and exits 4.
    /// SIGINT/SIGTERM finish the current batch, report, and exit 130/143.
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
    Explain(ExplainArgs),
    /// Fill the schema with deterministic, realistic synthetic data at the documented scale.
    ///
    /// Row counts per table are declared in schemas/<schema>.toml ([seed]); --scale 1 is the
    /// design document's volume. Every foreign key and CHECK holds; busy and quiet rooms,
    /// skewed users, timestamps over the year before --now (so retention has work), a share
    /// of sessions still open. PostgreSQL loads by binary COPY, SQLite by prepared inserts,
    /// all in one transaction (a failure leaves nothing), then ANALYZE. Refuses a schema that
    /// already has rows unless --append. The same --seed, --scale and --now give the same rows.
    Seed(SeedArgs),
    /// Check index health against the canonical schema at the applied version.
    ///
    /// Reports missing, altered, invalid, duplicate, unused and extra indexes, foreign keys
    /// without an index, and (SQLite) foreign keys that were not enforced, each with a fix
    /// as SQL. Read-only. Exits 1 when any error-severity finding exists (with --strict,
    /// any warning too), 0 otherwise.
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
    Validate(ValidateArgs),
    /// Measure the schema's database against its documents' targets, for people, cron and Prometheus.
    ///
    /// Reports the schema's own metrics ([[metric]] in schemas/<schema>.toml), rows and size
    /// per table against the manifest's expected volumes, and on PostgreSQL the server's
    /// health: statement times from pg_stat_statements (mean, estimated p95, the slowest,
    /// normalised), connections against max_connections, index usage per table, cache hit
    /// ratio, dead rows and last vacuum, the oldest transaction, blocked backends, XID age
    /// and replica lag; on SQLite file, WAL and freelist sizes, pages and sqlite_stat1
    /// freshness. Targets come from the manifest's [stats] (the documents' own). Read-only,
    /// one transaction under --statement-timeout. Exits 1 when a target is breached (each
    /// breach a finding with the target and the measured value), 0 otherwise, 2 on error.
    Stats(StatsArgs),
    /// Write the next version's twin migration files in a --schema-dir.
    ///
    /// Writes sql/postgres/<schema>/V<n>__NAME.sql and sql/sqlite/<schema>/V<n>__NAME.sql,
    /// n being one more than the highest version of either, each with a header that says
    /// what goes where. Never overwrites; the embedded canonical schemas are read-only.
    New(NewArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The migration's snake_case name (e.g. add_message_reads).
    pub name: String,

    /// A migration that PostgreSQL runs statement by statement outside a transaction (first
    /// line `-- chatdb:no-transaction`), for CREATE INDEX CONCURRENTLY.
    #[arg(long)]
    pub no_transaction: bool,

    /// Put SQLite's table-rebuild template (create new, copy, drop, rename) for TABLE in the
    /// SQLite half, for a change SQLite's ALTER TABLE cannot make in place.
    #[arg(long, value_name = "TABLE")]
    pub sqlite_rebuild: Option<String>,
}

#[derive(Debug, Args)]
pub struct SchemasArgs {
    #[command(flatten)]
    pub output: FormatOpt,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Stop after this version instead of applying everything.
    #[arg(long, value_name = "N")]
    pub target: Option<u32>,

    /// Print what would run, SQL included, grouped as it would commit, and change nothing.
    #[arg(long)]
    pub dry_run: bool,

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
pub struct StatusArgs {
    /// Exit 1 when any migration is pending, diverged or missing (for CI).
    #[arg(long)]
    pub exit_code: bool,

    #[command(flatten)]
    pub output: FormatOpt,
}

#[derive(Debug, Args)]
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

    #[command(flatten)]
    pub output: FindingsFormatOpt,
}

#[derive(Debug, Args)]
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

    /// Output format.
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    pub format: StatsFormat,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Exit 1 on warnings too, not only on errors (for CI).
    #[arg(long)]
    pub strict: bool,

    /// Also write the fixes as a new migration named NAME in the --schema-dir: the
    /// CONCURRENTLY statements (made idempotent) in a `-- chatdb:no-transaction` migration,
    /// the others in a transactional one after it, each with its twin for the other dialect.
    #[arg(long, value_name = "NAME")]
    pub write_migration: Option<String>,

    #[command(flatten)]
    pub output: FindingsFormatOpt,
}
