//! Raw command-line options, environment and `chatdb.toml` resolved into one [`Settings`].
//!
//! Precedence, everywhere: flag > environment variable > config file > built-in default.
//! The database URL is resolved here by hand rather than by clap's `env` support, so that
//! `--help` never shows its value (it may hold a password).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::cli::GlobalOpts;

/// The embedded default: a SQLite file in the working directory, no server needed.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://chatdb.sqlite3";
pub const DEFAULT_SCHEMA: &str = "chat";
pub const DEFAULT_NAMESPACE: &str = "public";
pub const DEFAULT_CONFIG_FILE: &str = "chatdb.toml";
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// The contents of `chatdb.toml`. Unknown keys are an error, so a typo never goes unnoticed.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub database_url: Option<String>,
    pub schema: Option<String>,
    pub schema_dir: Option<PathBuf>,
    pub namespace: Option<String>,
    pub connect_timeout: Option<String>,
    pub lock_timeout: Option<String>,
    #[serde(default)]
    pub cleanup: CleanupConfig,
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
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("config file {} is invalid", path.display()))
    }
}

/// Everything a command needs to know about where and how to work.
#[derive(Debug)]
pub struct Settings {
    pub database_url: String,
    pub schema: String,
    pub schema_dir: Option<PathBuf>,
    pub namespace: String,
    pub connect_timeout: Duration,
    pub lock_timeout: Duration,
    pub cleanup: CleanupConfig,
}

impl Settings {
    /// Resolves the settings from the real process environment and config file.
    pub fn from_process(opts: &GlobalOpts) -> Result<Self> {
        let config = match &opts.config {
            Some(path) => Some(ConfigFile::load(path)?),
            None => {
                let path = Path::new(DEFAULT_CONFIG_FILE);
                if path.exists() {
                    Some(ConfigFile::load(path)?)
                } else {
                    None
                }
            }
        };
        let env = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
        Self::resolve(opts, &env, config.unwrap_or_default())
    }

    /// Pure resolution: flag > env > config > default.
    pub fn resolve(
        opts: &GlobalOpts,
        env: &dyn Fn(&str) -> Option<String>,
        config: ConfigFile,
    ) -> Result<Self> {
        let database_url = pick(
            opts.database_url.clone(),
            env("DATABASE_URL"),
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
            None,
            config.namespace,
            DEFAULT_NAMESPACE,
        );
        validate_identifier(&namespace).context("invalid --namespace")?;
        let schema_dir = opts.schema_dir.clone().or(config.schema_dir);
        let connect_timeout = timeout(
            opts.connect_timeout
                .as_deref()
                .or(config.connect_timeout.as_deref()),
            DEFAULT_CONNECT_TIMEOUT,
            "--connect-timeout",
        )?;
        let lock_timeout = timeout(
            opts.lock_timeout
                .as_deref()
                .or(config.lock_timeout.as_deref()),
            DEFAULT_LOCK_TIMEOUT,
            "--lock-timeout",
        )?;
        Ok(Settings {
            database_url,
            schema,
            schema_dir,
            namespace,
            connect_timeout,
            lock_timeout,
            cleanup: config.cleanup,
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

/// Parses a human duration such as `30s`, `5m` or `1h 30m`; zero and garbage are refused.
pub fn parse_duration(text: &str, what: &str) -> Result<Duration> {
    let d = humantime::parse_duration(text.trim()).with_context(|| {
        format!("{what}: `{text}` is not a duration (examples: 30s, 5m, 12h, 30d)")
    })?;
    if d.is_zero() {
        bail!("{what}: the duration must be greater than zero");
    }
    Ok(d)
}

fn timeout(value: Option<&str>, default: Duration, what: &str) -> Result<Duration> {
    value.map_or(Ok(default), |v| parse_duration(v, what))
}

/// PostgreSQL identifiers chatdb accepts for namespaces and schema names.
pub fn validate_identifier(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63;
    if !ok {
        bail!(
            "`{name}` must be a lowercase identifier: letters, digits and _, at most 63 characters"
        );
    }
    Ok(())
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
    fn the_example_config_parses() {
        let cfg: ConfigFile = toml::from_str(include_str!("../examples/chatdb.toml"))
            .expect("examples/chatdb.toml parses");
        assert_eq!(cfg.schema.as_deref(), Some("classroom"));
        assert!(cfg.cleanup.policies.contains_key("messages"));
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
        for bad in ["Public", "a-b", "1x", ""] {
            assert!(validate_identifier(bad).is_err(), "{bad}");
        }
        assert!(validate_identifier("tenant_1").is_ok());
    }
}
