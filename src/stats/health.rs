//! The server-health thresholds no design document gives (the oldest open transaction,
//! blocked backends, cache hit ratio, replica lag, dead rows on the retention tables) and
//! the pool size a deployment runs with: each has a documented default, PgHero's where
//! PgHero has one, and each can be changed in `chatdb.toml`'s `[stats]` (read by
//! `settings.rs` as [`StatsConfig`], checked here into [`Health`]).

use std::time::Duration;

use anyhow::{bail, Result};
use serde::Deserialize;

/// `[stats]` in `chatdb.toml`, as written. Every key optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsConfig {
    /// The application's connection-pool size: connections to this database are judged
    /// against it with the document's pool target (focusmate 8.1: under 80%).
    pub pool_size: Option<u64>,
    /// An open transaction older than this is a breach (default 5m).
    pub long_transaction: Option<String>,
    /// A backend waiting on a lock for longer than this is a breach (default 1m).
    pub blocked: Option<String>,
    /// Buffer hits over all block reads of the schema's tables under this is a breach
    /// (default 0.99).
    pub cache_hit_ratio: Option<f64>,
    /// A replica's replay lag over this is a breach (default 5s).
    pub replication_lag: Option<String>,
    /// Dead rows on a retention table over this share of its live rows... (default 0.2)
    pub dead_rows_ratio: Option<f64>,
    /// ... and over this many rows is a breach (default 10000).
    pub dead_rows_min: Option<u64>,
}

/// PgHero's `long_running_query_sec` flags a query after 60 s; an open transaction (idle
/// ones included) is judged at 5 minutes, long enough that no healthy request holds one.
pub const LONG_TRANSACTION: Duration = Duration::from_secs(5 * 60);
/// A lock wait longer than PgHero's long-running bar (60 s) is a breach.
pub const BLOCKED: Duration = Duration::from_secs(60);
/// PgHero's `cache_hit_rate_threshold` (99%).
pub const CACHE_HIT_RATIO: f64 = 0.99;
/// The cache hit ratio is judged once the schema's tables have had this many block
/// reads (hits and misses): below it a fresh or idle database would fail on its first reads.
pub const CACHE_MIN_BLOCKS: u64 = 10_000;
/// PgHero's replication-lag bar (lag under 5 s is good).
pub const REPLICATION_LAG: Duration = Duration::from_secs(5);
/// PostgreSQL's `autovacuum_vacuum_scale_factor` (0.2): past it autovacuum should already
/// have run, so dead rows beyond it mean vacuum is not keeping up with cleanup's deletes.
pub const DEAD_ROWS_RATIO: f64 = 0.2;
/// Dead rows under this are never a breach, whatever the share (small tables churn).
pub const DEAD_ROWS_MIN: u64 = 10_000;

/// The thresholds in force, with where each came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    pub pool_size: Option<u64>,
    pub long_transaction: Duration,
    pub blocked: Duration,
    pub cache_hit_ratio: f64,
    pub replication_lag: Duration,
    pub dead_rows_ratio: f64,
    pub dead_rows_min: u64,
    /// `"chatdb.toml [stats]"` when the file set any threshold, else the defaults' source.
    pub configured: Vec<&'static str>,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            pool_size: None,
            long_transaction: LONG_TRANSACTION,
            blocked: BLOCKED,
            cache_hit_ratio: CACHE_HIT_RATIO,
            replication_lag: REPLICATION_LAG,
            dead_rows_ratio: DEAD_ROWS_RATIO,
            dead_rows_min: DEAD_ROWS_MIN,
            configured: Vec::new(),
        }
    }
}

impl Health {
    /// Checks `[stats]` into thresholds; a bad value names its key.
    pub fn from_config(c: &StatsConfig) -> Result<Health> {
        let mut h = Health::default();
        let mut set = |key: &'static str| h.configured.push(key);
        let dur = |v: &Option<String>, key: &str| {
            v.as_deref()
                .map(|t| crate::duration::parse_timeout(t, &format!("[stats] {key}")))
                .transpose()
        };
        let frac = |v: Option<f64>, key: &str| match v {
            Some(x) if !(x.is_finite() && x > 0.0 && x <= 1.0) => {
                bail!("[stats] {key} = {x}: a fraction, greater than 0 and at most 1")
            }
            v => Ok(v),
        };
        if c.pool_size == Some(0) {
            bail!("[stats] pool_size = 0: a pool has at least one connection");
        }
        let long = dur(&c.long_transaction, "long_transaction")?;
        let blocked = dur(&c.blocked, "blocked")?;
        let lag = dur(&c.replication_lag, "replication_lag")?;
        let cache = frac(c.cache_hit_ratio, "cache_hit_ratio")?;
        let dead = frac(c.dead_rows_ratio, "dead_rows_ratio")?;
        for (key, given) in [
            ("pool_size", c.pool_size.is_some()),
            ("long_transaction", long.is_some()),
            ("blocked", blocked.is_some()),
            ("cache_hit_ratio", cache.is_some()),
            ("replication_lag", lag.is_some()),
            ("dead_rows_ratio", dead.is_some()),
            ("dead_rows_min", c.dead_rows_min.is_some()),
        ] {
            if given {
                set(key);
            }
        }
        Ok(Health {
            pool_size: c.pool_size,
            long_transaction: long.unwrap_or(h.long_transaction),
            blocked: blocked.unwrap_or(h.blocked),
            cache_hit_ratio: cache.unwrap_or(h.cache_hit_ratio),
            replication_lag: lag.unwrap_or(h.replication_lag),
            dead_rows_ratio: dead.unwrap_or(h.dead_rows_ratio),
            dead_rows_min: c.dead_rows_min.unwrap_or(h.dead_rows_min),
            configured: h.configured,
        })
    }

    /// Where the threshold `key` comes from, for a finding's message.
    pub fn source(&self, key: &str, default: &str) -> String {
        if self.configured.contains(&key) {
            format!("chatdb.toml [stats] {key}")
        } else {
            default.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> StatsConfig {
        toml::from_str(text).expect("parses")
    }

    #[test]
    fn defaults_are_pghero_s_and_the_file_overrides_each() {
        let h = Health::from_config(&StatsConfig::default()).expect("defaults");
        assert_eq!(h, Health::default());
        assert_eq!(h.cache_hit_ratio, 0.99);
        assert_eq!(h.long_transaction, Duration::from_secs(300));
        assert_eq!(h.source("blocked", "PgHero"), "PgHero");
        let h = Health::from_config(&cfg(
            "pool_size = 20\nlong_transaction = '30s'\nblocked = '2s'\ncache_hit_ratio = 0.95\nreplication_lag = '1m'\ndead_rows_ratio = 0.1\ndead_rows_min = 5",
        ))
        .expect("valid");
        assert_eq!(h.pool_size, Some(20));
        assert_eq!(h.long_transaction, Duration::from_secs(30));
        assert_eq!(h.blocked, Duration::from_secs(2));
        assert_eq!(h.cache_hit_ratio, 0.95);
        assert_eq!(h.replication_lag, Duration::from_secs(60));
        assert_eq!((h.dead_rows_ratio, h.dead_rows_min), (0.1, 5));
        assert_eq!(h.source("blocked", "PgHero"), "chatdb.toml [stats] blocked");
    }

    #[test]
    fn bad_values_name_their_key() {
        for (text, key) in [
            ("pool_size = 0", "pool_size"),
            ("long_transaction = 'soon'", "long_transaction"),
            ("blocked = '0s'", "blocked"),
            ("cache_hit_ratio = 99", "cache_hit_ratio"),
            ("dead_rows_ratio = 0", "dead_rows_ratio"),
        ] {
            let err = Health::from_config(&cfg(text)).expect_err(text);
            assert!(format!("{err:#}").contains(key), "{text}: {err:#}");
        }
        assert!(
            toml::from_str::<StatsConfig>("pool = 3").is_err(),
            "unknown key"
        );
    }
}
