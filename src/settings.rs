//! Raw command-line options, environment and `chatdb.toml` resolved into one [`Settings`],
//! once, before any command runs (ripgrep's low-level to high-level arguments).
//!
//! Precedence, everywhere: flag > environment variable > config file > built-in default.
//! Everything a command reads from here is already typed and checked: durations are
//! `Duration`s within range, the batch size is within the same bounds as `--batch-size`,
//! the namespace is not a system schema. Per-command flags are typed by clap's value
//! parsers (`duration::period_arg`, `duration::timeout_arg`) before they get here.
//!
//! The database URL is resolved here by hand rather than by clap's `env` support: clap
//! treats a value taken from the environment as explicitly given (clap#5591), and
//! `validate` must tell a URL the user named (flag or `DATABASE_URL`) from the config
//! file's or the default one; `hide_env_values` would only keep it out of `--help`.
//! The environment is read once, in [`Settings::from_process`]; [`Settings::resolve`] is
//! pure and unit-tested. Every global option has its variable ([`ENV_VARS`]): `DATABASE_URL`,
//! `CHATDB_SCHEMA`, `CHATDB_SCHEMA_DIR`, `CHATDB_NAMESPACE`, `CHATDB_CONFIG`,
//! `CHATDB_CONNECT_TIMEOUT`, `CHATDB_LOCK_TIMEOUT`, and `CHATDB_FORMAT` for the commands'
//! `--format` ([`resolve_format`]). An empty variable counts as unset.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;

use crate::cli::{GlobalOpts, BATCH_SIZE_RANGE};
use crate::duration;
use crate::libpq::PgEnv;
use crate::names::validate_namespace;
pub use crate::names::DEFAULT_NAMESPACE;
use crate::redact::{redact_url, Secrets};

/// The embedded default: a SQLite file in the working directory, no server needed.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://chatdb.sqlite3";
pub const DEFAULT_SCHEMA: &str = "chat";
pub const DEFAULT_CONFIG_FILE: &str = "chatdb.toml";
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);
/// Rows per cleanup batch when neither `--batch-size` nor `[cleanup] batch_size` says.
pub const DEFAULT_BATCH_SIZE: u64 = 5_000;

/// The contents of `chatdb.toml`. Unknown keys are an error, so a typo never goes unnoticed.
/// No `Debug`: it holds the database URL as written.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub database_url: Option<String>,
    pub schema: Option<String>,
    pub schema_dir: Option<PathBuf>,
    pub namespace: Option<String>,
    pub connect_timeout: Option<String>,
    pub lock_timeout: Option<String>,
    /// `--wait`: retry a refused or starting-up server until the connect timeout.
    pub wait: Option<bool>,
    #[serde(default)]
    pub cleanup: CleanupConfig,
    /// `[stats]`: the pool size and the health thresholds of `chatdb stats`.
    #[serde(default)]
    pub stats: crate::stats::health::StatsConfig,
}

/// `[cleanup]` in `chatdb.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CleanupConfig {
    /// Rows per batch (default 5000).
    pub batch_size: Option<u64>,
    /// Per-table overrides of the schema's policies: `[cleanup.policies.messages]`.
    #[serde(default)]
    pub policies: std::collections::BTreeMap<String, PolicyOverride>,
}

/// `[cleanup.policies.<table>]`: change a policy's keep period, or switch it on or off.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyOverride {
    pub keep: Option<String>,
    pub enabled: Option<bool>,
}

impl ConfigFile {
    /// Reads and parses `path`. Any database URL in it is remembered in `secrets` first,
    /// even when the file does not parse, and a parse error never shows the file's text
    /// (toml's snippet would print the line, `database_url` included).
    pub fn load(path: &Path, secrets: &Secrets) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config file {}", path.display()))?;
        for url in database_urls_in(&text) {
            secrets.remember_url(&url);
        }
        Self::parse(&text).with_context(|| format!("config file {} is invalid", path.display()))
    }

    /// Parses the text of a config file; the error names line and column, not the text.
    pub fn parse(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|span| {
                    let before = text.get(..span.start).unwrap_or(text);
                    // The line only: a column could tell a password's length.
                    let line = before.matches('\n').count() + 1;
                    format!("line {line}: ")
                })
                .unwrap_or_default();
            anyhow!("{at}{}", e.message().trim_end())
        })
    }
}

/// Every value a line `database_url = ...` of a config file could hold, read leniently
/// (the file may not parse), so its password is known before any message is printed.
fn database_urls_in(text: &str) -> Vec<String> {
    let mut urls = Vec::new();
    if let Ok(table) = text.parse::<toml::Table>() {
        if let Some(toml::Value::String(url)) = table.get("database_url") {
            urls.push(url.clone());
        }
    }
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key
            .trim()
            .trim_matches(['"', '\''])
            .contains("database_url")
        {
            let value = value.trim();
            urls.push(value.to_string());
            for quote in ['"', '\''] {
                let inner = value.trim_start_matches(quote);
                let inner = inner.split(quote).next().unwrap_or(inner);
                urls.push(inner.to_string());
            }
        }
    }
    urls
}

/// Everything a command needs to know about where and how to work. Its `Debug` shows the
/// databases as [`redact_url`] does, so no `{:?}` can print a password.
pub struct Settings {
    pub database_url: String,
    /// The URL the user named for this run (`--database-url` or `DATABASE_URL`), never
    /// the config file's or the default: `validate` uses a server only when told to.
    pub explicit_database_url: Option<String>,
    pub schema: String,
    /// Whether `--schema` was given on the command line.
    pub schema_given: bool,
    pub schema_dir: Option<PathBuf>,
    pub namespace: String,
    pub connect_timeout: Duration,
    /// `--wait` or `wait = true`: retry a refused or starting server until `connect_timeout`.
    pub wait: bool,
    pub lock_timeout: Duration,
    /// Rows per cleanup batch from `[cleanup] batch_size` (or the default), within
    /// [`BATCH_SIZE_RANGE`]; `--batch-size` overrides it in `cleanup`.
    pub batch_size: u64,
    pub cleanup: CleanupConfig,
    /// `[stats]` checked: the pool size and the health thresholds of `chatdb stats`.
    pub stats: crate::stats::health::Health,
    /// libpq's variables (`PG*`, `HOME`, `USER`), for what a PostgreSQL URL leaves out.
    pub pg_env: PgEnv,
    /// `application_name` when neither the URL nor `PGAPPNAME` sets one: `chatdb <command>`.
    pub application_name: String,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url(&self.database_url))
            .field(
                "explicit_database_url",
                &self.explicit_database_url.as_deref().map(redact_url),
            )
            .field("schema", &self.schema)
            .field("schema_given", &self.schema_given)
            .field("schema_dir", &self.schema_dir)
            .field("namespace", &self.namespace)
            .field("connect_timeout", &self.connect_timeout)
            .field("wait", &self.wait)
            .field("lock_timeout", &self.lock_timeout)
            .field("batch_size", &self.batch_size)
            .field("cleanup", &self.cleanup)
            .field("stats", &self.stats)
            .field("pg_env", &self.pg_env)
            .field("application_name", &self.application_name)
            .finish()
    }
}

/// The `CHATDB_*` variables of the global options (and `CHATDB_FORMAT` of `--format`);
/// `DATABASE_URL` is read besides them.
pub const ENV_VARS: &[&str] = &[
    "CHATDB_SCHEMA",
    "CHATDB_SCHEMA_DIR",
    "CHATDB_NAMESPACE",
    "CHATDB_CONFIG",
    "CHATDB_CONNECT_TIMEOUT",
    "CHATDB_LOCK_TIMEOUT",
    "CHATDB_FORMAT",
];

/// The environment variables chatdb reads, read once. No `Debug`: `DATABASE_URL` may
/// hold a password.
#[derive(Default, Clone)]
pub struct ProcessEnv {
    vars: std::collections::BTreeMap<&'static str, String>,
    pub pg: PgEnv,
}

impl ProcessEnv {
    pub fn read() -> Self {
        let var = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
        let mut vars = std::collections::BTreeMap::new();
        for key in std::iter::once(&"DATABASE_URL").chain(ENV_VARS) {
            if let Some(v) = var(key) {
                vars.insert(*key, v);
            }
        }
        let mut pg = PgEnv::from_lookup(&var);
        pg.default_socket = Path::new(crate::libpq::DEFAULT_SOCKET_DIR).is_dir();
        pg.effective_user = crate::libpq::effective_user();
        ProcessEnv { vars, pg }
    }

    pub fn get(&self, key: &str) -> Option<String> {
        match self.vars.get(key) {
            Some(v) => Some(v.clone()),
            None => self.pg.get(key).map(str::to_string),
        }
    }
}

/// Which config file to read: `--config` > `CHATDB_CONFIG` > `./chatdb.toml` when it
/// exists (`None`: no file). A file named by flag or variable must exist.
pub fn config_path(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
    default_exists: bool,
) -> Option<PathBuf> {
    flag.map(Path::to_path_buf)
        .or_else(|| env("CHATDB_CONFIG").map(PathBuf::from))
        .or_else(|| default_exists.then(|| PathBuf::from(DEFAULT_CONFIG_FILE)))
}

/// A command's output format: `--format` > `CHATDB_FORMAT` > table. `choices` are the
/// command's formats by name; a `CHATDB_FORMAT` the command does not have (`github` for
/// `migrate`, `prometheus` anywhere but `stats`) falls back to the first, table, so one
/// variable can serve every command;
/// a value no command has is an error.
pub fn resolve_format<F: Copy>(
    flag: Option<F>,
    env: Option<&str>,
    choices: &[(&str, F)],
) -> Result<F> {
    const ANY: [&str; 4] = ["table", "json", "github", "prometheus"];
    let first = choices
        .first()
        .map(|c| c.1)
        .ok_or_else(|| anyhow!("no output format"))?;
    if let Some(f) = flag {
        return Ok(f);
    }
    let Some(value) = env else { return Ok(first) };
    let value = value.trim().to_ascii_lowercase();
    if let Some((_, f)) = choices.iter().find(|(name, _)| *name == value) {
        return Ok(*f);
    }
    if ANY.contains(&value.as_str()) {
        return Ok(first);
    }
    bail!("CHATDB_FORMAT={value}: expected one of {}", ANY.join(", "))
}

impl Settings {
    /// Resolves the settings from the real process environment and config file, and
    /// remembers every database URL seen (flag, environment, config) in `secrets` before
    /// anything can fail.
    pub fn from_process(opts: &GlobalOpts, secrets: &Secrets) -> Result<Self> {
        let env = ProcessEnv::read();
        for url in [&opts.database_url, &env.get("DATABASE_URL")]
            .into_iter()
            .flatten()
        {
            secrets.remember_url(url);
        }
        let config = match config_path(
            opts.config.as_deref(),
            &|k| env.get(k),
            Path::new(DEFAULT_CONFIG_FILE).exists(),
        ) {
            Some(path) => Some(ConfigFile::load(&path, secrets)?),
            None => None,
        };
        if let Some(pw) = env.pg.get("PGPASSWORD") {
            secrets.remember_password(pw);
        }
        let mut settings = Self::resolve(opts, &|k| env.get(k), config.unwrap_or_default())?;
        settings.pg_env.default_socket = env.pg.default_socket;
        settings.pg_env.effective_user = env.pg.effective_user.clone();
        secrets.remember_url(&settings.database_url);
        Ok(settings)
    }

    /// Pure resolution: flag > env > config > default.
    pub fn resolve(
        opts: &GlobalOpts,
        env: &dyn Fn(&str) -> Option<String>,
        config: ConfigFile,
    ) -> Result<Self> {
        let explicit_database_url = opts.database_url.clone().or(env("DATABASE_URL"));
        let database_url = pick(
            explicit_database_url.clone(),
            None,
            config.database_url,
            DEFAULT_DATABASE_URL,
        );
        let schema = pick(
            opts.schema.clone(),
            env("CHATDB_SCHEMA"),
            config.schema,
            DEFAULT_SCHEMA,
        );
        let namespace = pick(
            opts.namespace.clone(),
            env("CHATDB_NAMESPACE"),
            config.namespace,
            DEFAULT_NAMESPACE,
        );
        validate_namespace(&namespace).context("invalid --namespace")?;
        let schema_dir = opts
            .schema_dir
            .clone()
            .or_else(|| env("CHATDB_SCHEMA_DIR").map(PathBuf::from))
            .or(config.schema_dir);
        let connect_timeout = timeout(
            opts.connect_timeout.clone(),
            env("CHATDB_CONNECT_TIMEOUT"),
            config.connect_timeout,
            DEFAULT_CONNECT_TIMEOUT,
            "--connect-timeout",
        )?;
        let lock_timeout = timeout(
            opts.lock_timeout.clone(),
            env("CHATDB_LOCK_TIMEOUT"),
            config.lock_timeout,
            DEFAULT_LOCK_TIMEOUT,
            "--lock-timeout",
        )?;
        let batch_size = config.cleanup.batch_size.unwrap_or(DEFAULT_BATCH_SIZE);
        if !BATCH_SIZE_RANGE.contains(&batch_size) {
            bail!(
                "[cleanup] batch_size = {batch_size} in the config file: must be from {} to {} (as for --batch-size)",
                BATCH_SIZE_RANGE.start(),
                BATCH_SIZE_RANGE.end()
            );
        }
        let stats = crate::stats::health::Health::from_config(&config.stats)
            .context("in the config file")?;
        // chatdb's own setting beats libpq's variable (flag > environment): PGCONNECT_TIMEOUT
        // fills a URL's `connect_timeout` only when neither --connect-timeout nor
        // CHATDB_CONNECT_TIMEOUT is given. A `connect_timeout` written in the URL or the
        // service file still wins, as every part written in the string does.
        let mut pg_env = PgEnv::from_lookup(env);
        if opts.connect_timeout.is_some() || env("CHATDB_CONNECT_TIMEOUT").is_some() {
            pg_env.forget("PGCONNECT_TIMEOUT");
        }
        Ok(Settings {
            database_url,
            explicit_database_url,
            schema,
            schema_given: opts.schema.is_some(),
            schema_dir,
            namespace,
            connect_timeout,
            wait: opts.wait || config.wait.unwrap_or(false),
            lock_timeout,
            batch_size,
            cleanup: config.cleanup,
            stats,
            pg_env,
            application_name: "chatdb".to_string(),
        })
    }
}

fn pick(
    flag: Option<String>,
    env: Option<String>,
    config: Option<String>,
    default: &str,
) -> String {
    flag.or(env)
        .or(config)
        .unwrap_or_else(|| default.to_string())
}

/// flag > env > config > default for a timeout; an error names where the value came from.
fn timeout(
    flag: Option<String>,
    env: Option<String>,
    config: Option<String>,
    default: Duration,
    what: &str,
) -> Result<Duration> {
    let var = format!(
        "CHATDB_{}",
        what.trim_start_matches('-')
            .replace('-', "_")
            .to_ascii_uppercase()
    );
    let (value, from) = match (flag, env, config) {
        (Some(v), _, _) => (v, what.to_string()),
        (None, Some(v), _) => (v, var),
        (None, None, Some(v)) => (v, what.to_string()),
        (None, None, None) => return Ok(default),
    };
    duration::parse_timeout(&value, &from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn opts(args: &[&str]) -> GlobalOpts {
        let mut argv = vec!["chatdb"];
        argv.extend_from_slice(args);
        argv.push("schemas");
        crate::cli::Cli::parse_from(argv).global
    }

    fn config(text: &str) -> ConfigFile {
        toml::from_str(text).expect("test config parses")
    }

    #[test]
    fn flag_beats_env_beats_config_beats_default() {
        let env = |k: &str| match k {
            "DATABASE_URL" => Some("postgres://env/db".to_string()),
            "CHATDB_SCHEMA" => Some("focusmate".to_string()),
            _ => None,
        };
        let cfg =
            || config("database_url = 'sqlite://cfg.db'\nschema = 'classroom'\nnamespace = 'ns'");

        let s = Settings::resolve(
            &opts(&["-d", "sqlite://flag.db", "-s", "assistant"]),
            &env,
            cfg(),
        )
        .expect("resolves");
        assert_eq!(s.database_url, "sqlite://flag.db");
        assert_eq!(s.schema, "assistant");
        assert_eq!(s.namespace, "ns");

        let s = Settings::resolve(&opts(&[]), &env, cfg()).expect("resolves");
        assert_eq!(s.database_url, "postgres://env/db");
        assert_eq!(s.schema, "focusmate");

        let none = |_: &str| None;
        let s = Settings::resolve(&opts(&[]), &none, cfg()).expect("resolves");
        assert_eq!(s.database_url, "sqlite://cfg.db");
        assert_eq!(s.schema, "classroom");

        let s = Settings::resolve(&opts(&[]), &none, ConfigFile::default()).expect("resolves");
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(s.schema, DEFAULT_SCHEMA);
        assert_eq!(s.namespace, DEFAULT_NAMESPACE);
        assert_eq!(s.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
    }

    #[test]
    fn every_global_option_has_its_variable_below_the_flag_above_the_config() {
        let env = |k: &str| {
            Some(
                match k {
                    "CHATDB_NAMESPACE" => "env_ns",
                    "CHATDB_SCHEMA_DIR" => "/env/dir",
                    "CHATDB_CONNECT_TIMEOUT" => "3s",
                    "CHATDB_LOCK_TIMEOUT" => "4s",
                    _ => return None,
                }
                .to_string(),
            )
        };
        let cfg = || {
            config("namespace = 'cfg_ns'\nschema_dir = '/cfg'\nconnect_timeout = '7s'\nlock_timeout = '8s'")
        };
        let s = Settings::resolve(&opts(&[]), &env, cfg()).expect("resolves");
        assert_eq!(s.namespace, "env_ns");
        assert_eq!(s.schema_dir, Some(PathBuf::from("/env/dir")));
        assert_eq!(s.connect_timeout, Duration::from_secs(3));
        assert_eq!(s.lock_timeout, Duration::from_secs(4));
        let flags = opts(&[
            "--namespace=flag_ns",
            "--schema-dir=/flag",
            "--connect-timeout=1s",
            "--lock-timeout=2s",
        ]);
        let s = Settings::resolve(&flags, &env, cfg()).expect("resolves");
        assert_eq!(s.namespace, "flag_ns");
        assert_eq!(s.schema_dir, Some(PathBuf::from("/flag")));
        assert_eq!(s.connect_timeout, Duration::from_secs(1));
        assert_eq!(s.lock_timeout, Duration::from_secs(2));
        let s = Settings::resolve(&opts(&[]), &|_| None, cfg()).expect("resolves");
        assert_eq!(s.namespace, "cfg_ns");
        assert_eq!(s.lock_timeout, Duration::from_secs(8));
    }

    #[test]
    fn connect_timeout_flag_and_its_chatdb_variable_beat_pgconnect_timeout() {
        let pg = |k: &str| (k == "PGCONNECT_TIMEOUT").then(|| "30".to_string());
        let s =
            Settings::resolve(&opts(&[]), &pg, config("connect_timeout = '7s'")).expect("resolves");
        assert_eq!(
            s.pg_env.get("PGCONNECT_TIMEOUT"),
            Some("30"),
            "env > config"
        );
        let s = Settings::resolve(&opts(&["--connect-timeout=1s"]), &pg, ConfigFile::default())
            .expect("resolves");
        assert_eq!(s.pg_env.get("PGCONNECT_TIMEOUT"), None, "flag > env");
        assert_eq!(s.connect_timeout, Duration::from_secs(1));
        let both = |k: &str| match k {
            "PGCONNECT_TIMEOUT" => Some("30".to_string()),
            "CHATDB_CONNECT_TIMEOUT" => Some("2s".to_string()),
            _ => None,
        };
        let s = Settings::resolve(&opts(&[]), &both, ConfigFile::default()).expect("resolves");
        assert_eq!(
            s.pg_env.get("PGCONNECT_TIMEOUT"),
            None,
            "chatdb's variable first"
        );
        assert_eq!(s.connect_timeout, Duration::from_secs(2));
    }

    #[test]
    fn a_bad_timeout_variable_is_named_in_the_error() {
        let env = |k: &str| (k == "CHATDB_LOCK_TIMEOUT").then(|| "soon".to_string());
        let err =
            Settings::resolve(&opts(&[]), &env, ConfigFile::default()).expect_err("not a duration");
        assert!(err.to_string().contains("CHATDB_LOCK_TIMEOUT"), "{err:#}");
    }

    #[test]
    fn config_path_is_flag_then_chatdb_config_then_the_default_file() {
        let env = |k: &str| (k == "CHATDB_CONFIG").then(|| "/etc/chatdb.toml".to_string());
        let flag = Path::new("/flag.toml");
        assert_eq!(
            config_path(Some(flag), &env, true),
            Some(flag.to_path_buf())
        );
        assert_eq!(
            config_path(None, &env, true),
            Some(PathBuf::from("/etc/chatdb.toml"))
        );
        assert_eq!(
            config_path(None, &|_| None, true),
            Some(PathBuf::from(DEFAULT_CONFIG_FILE))
        );
        assert_eq!(config_path(None, &|_| None, false), None);
    }

    #[test]
    fn format_is_flag_then_chatdb_format_then_table() {
        let choices = [("table", 't'), ("json", 'j')];
        assert_eq!(
            resolve_format(Some('j'), Some("table"), &choices).ok(),
            Some('j')
        );
        assert_eq!(resolve_format(None, Some("JSON"), &choices).ok(), Some('j'));
        assert_eq!(resolve_format(None, None, &choices).ok(), Some('t'));
        // github is check's and validate's: other commands keep their tables.
        assert_eq!(
            resolve_format(None, Some("github"), &choices).ok(),
            Some('t')
        );
        // prometheus is stats': elsewhere it is a table too.
        assert_eq!(
            resolve_format(None, Some("prometheus"), &choices).ok(),
            Some('t')
        );
        let err = resolve_format(None, Some("xml"), &choices).expect_err("no such format");
        assert!(err.to_string().contains("CHATDB_FORMAT"), "{err}");
    }

    #[test]
    fn the_example_config_parses() {
        let cfg: ConfigFile = toml::from_str(include_str!("../examples/chatdb.toml"))
            .expect("examples/chatdb.toml parses");
        assert_eq!(cfg.schema.as_deref(), Some("classroom"));
        assert!(cfg.cleanup.policies.contains_key("messages"));
        let stats = crate::stats::Health::from_config(&cfg.stats).expect("[stats] is valid");
        assert_eq!(stats.pool_size, Some(20));
    }

    #[test]
    fn unknown_config_keys_are_refused() {
        assert!(toml::from_str::<ConfigFile>("databse_url = 'x'").is_err());
    }

    #[test]
    fn bad_durations_and_namespaces_are_refused() {
        let none = |_: &str| None;
        for bad in [
            "--connect-timeout=30x",
            "--connect-timeout=0s",
            "--lock-timeout=-5s",
        ] {
            assert!(
                Settings::resolve(&opts(&[bad]), &none, ConfigFile::default()).is_err(),
                "{bad}"
            );
        }
        for bad in [
            "Public",
            "a-b",
            "1x",
            "",
            "pg_catalog",
            "information_schema",
        ] {
            let o = opts(&["--namespace", bad]);
            assert!(
                Settings::resolve(&o, &none, ConfigFile::default()).is_err(),
                "{bad}"
            );
        }
        let s = Settings::resolve(
            &opts(&["--namespace", "tenant_1"]),
            &none,
            ConfigFile::default(),
        )
        .expect("resolves");
        assert_eq!(s.namespace, "tenant_1");
    }

    #[test]
    fn lock_timeout_of_25_days_is_refused_naming_the_flag() {
        let none = |_: &str| None;
        let err = Settings::resolve(
            &opts(&["--lock-timeout", "25d"]),
            &none,
            ConfigFile::default(),
        )
        .expect_err("over 24 days");
        assert!(err.to_string().contains("--lock-timeout"), "{err}");
        let err = Settings::resolve(&opts(&[]), &none, config("connect_timeout = '30d'"))
            .expect_err("over 24 days");
        assert!(err.to_string().contains("--connect-timeout"), "{err}");
    }

    #[test]
    fn config_batch_size_is_checked_like_the_flag() {
        let none = |_: &str| None;
        for bad in ["0", "1000001"] {
            let cfg = config(&format!("[cleanup]\nbatch_size = {bad}"));
            let err = Settings::resolve(&opts(&[]), &none, cfg).expect_err(bad);
            assert!(err.to_string().contains("batch_size"), "{err}");
        }
        let s = Settings::resolve(&opts(&[]), &none, config("[cleanup]\nbatch_size = 7"))
            .expect("resolves");
        assert_eq!(s.batch_size, 7);
        let s = Settings::resolve(&opts(&[]), &none, ConfigFile::default()).expect("resolves");
        assert_eq!(s.batch_size, DEFAULT_BATCH_SIZE);
    }

    #[test]
    fn the_explicit_url_is_the_flag_or_the_environment_never_the_config() {
        let cfg = || config("database_url = 'postgres://cfg/db'");
        let none = |_: &str| None;
        let s = Settings::resolve(&opts(&[]), &none, cfg()).expect("resolves");
        assert_eq!(s.explicit_database_url, None);
        assert_eq!(s.database_url, "postgres://cfg/db");
        let env = |k: &str| (k == "DATABASE_URL").then(|| "postgres://env/db".to_string());
        let s = Settings::resolve(&opts(&[]), &env, cfg()).expect("resolves");
        assert_eq!(
            s.explicit_database_url.as_deref(),
            Some("postgres://env/db")
        );
        let s = Settings::resolve(&opts(&["-d", "sqlite://f.db", "-s", "chat"]), &env, cfg())
            .expect("resolves");
        assert_eq!(s.explicit_database_url.as_deref(), Some("sqlite://f.db"));
        assert!(s.schema_given);
    }

    #[test]
    fn config_parse_errors_show_no_snippet_of_the_file() {
        let text = "schema = 'chat'\ndatabase_url = 'host=h password=Sup3rS3cret\nnamespace = 1\n";
        let Err(err) = ConfigFile::parse(text).map(|_| ()) else {
            panic!("an unterminated string parses");
        };
        let err = err.to_string();
        assert!(!err.contains("Sup3r") && err.contains("line 2"), "{err}");
        let secrets = Secrets::default();
        for url in database_urls_in(text) {
            secrets.remember_url(&url);
        }
        assert!(!secrets.scrub("... Sup3rS3cret ...").contains("Sup3r"));
    }

    mod props {
        use proptest::prelude::*;

        use super::super::*;
        use super::opts;

        proptest! {
            #![proptest_config(crate::conninfo::tests::props::config())]

            #[test]
            fn any_config_text_loads_or_fails_without_panicking(text in any::<String>()) {
                let _ = ConfigFile::parse(&text);
                let _ = database_urls_in(&text);
            }

            #[test]
            fn config_shaped_text_never_echoes_the_database_url(
                pw in "[a-zA-Z0-9%@/:?é ]{4,12}",
                tail in prop::sample::select(vec!["", "\nshema = 1", "\n[cleanup]\nbatch_size = -1", "\nnamespace = [", "\"", "\n= x"]),
                quote in prop::sample::select(vec!["'", "\"", "'''", ""]),
            ) {
                let text_for = |pw: &str| format!("database_url = {quote}host=h password={pw}{quote}{tail}\n");
                let message = |text: &str| {
                    let secrets = Secrets::default();
                    for url in database_urls_in(text) {
                        secrets.remember_url(&url);
                    }
                    match ConfigFile::parse(text) {
                        Ok(cfg) => {
                            let _ = Settings::resolve(&opts(&[]), &|_| None, cfg);
                            String::new()
                        }
                        Err(e) => secrets.scrub(&format!("{e:#}")),
                    }
                };
                let (msg, neutral) = (message(&text_for(&pw)), message(&text_for("QjQjQjQj")));
                let p = pw.trim();
                prop_assert!(neutral.contains(p) || !msg.contains(p), "{}", msg);
            }
        }
    }
}
