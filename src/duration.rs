//! Human durations (`30s`, `5m`, `1h 30m`, `30d`) as chatdb reads them from flags, the
//! config file and schema manifests.
//!
//! A leaf module (nothing from chatdb above it), so the catalog can parse keep periods
//! without depending on the settings or the command line. Every duration is bounded here,
//! at parse time, so that an out-of-range value is refused with a message naming where it
//! came from instead of failing later inside a database (`timestamp out of range`, a NULL
//! cutoff) or overflowing a driver's millisecond counter.

use std::time::Duration;

use anyhow::{anyhow, bail, Result};

const DAY: u64 = 24 * 60 * 60;

/// The longest period chatdb accepts (keep periods, `--max-runtime`): 100 years, so that
/// `now - period` is a valid timestamp in both dialects.
pub const MAX_PERIOD: Duration = Duration::from_secs(100 * 365 * DAY);

/// The longest timeout chatdb accepts (`--connect-timeout`, `--lock-timeout`,
/// `--statement-timeout`): 24 days. PostgreSQL's `lock_timeout`/`statement_timeout` and
/// SQLite's busy timeout count milliseconds in a signed 32-bit integer (about 24.8 days).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * DAY);

/// Parses a period such as `30d` or `1h 30m`: greater than zero, at most [`MAX_PERIOD`].
/// `what` names the source in the message (`--older-than`, `chatdb.toml ... keep`).
pub fn parse(text: &str, what: &str) -> Result<Duration> {
    parse_bounded(text, what, MAX_PERIOD, "100 years")
}

/// Parses a timeout: greater than zero, at most [`MAX_TIMEOUT`].
pub fn parse_timeout(text: &str, what: &str) -> Result<Duration> {
    parse_bounded(text, what, MAX_TIMEOUT, "24 days")
}

fn parse_bounded(text: &str, what: &str, max: Duration, max_text: &str) -> Result<Duration> {
    let d = humantime::parse_duration(text.trim())
        .map_err(|_| anyhow!("{what}: `{text}` is not a duration (examples: 30s, 5m, 12h, 30d)"))?;
    if d.is_zero() {
        bail!("{what}: the duration must be greater than zero");
    }
    if d > max {
        bail!("{what}: `{text}` is too long (at most {max_text})");
    }
    Ok(d)
}

/// A duration as the user wrote it and as chatdb uses it, for reports that echo the
/// user's own spelling (`keep: "30d"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spelled {
    pub text: String,
    pub value: Duration,
}

/// clap value parser for a period flag (`--older-than`, `--max-runtime`).
pub fn period_arg(text: &str) -> Result<Spelled, String> {
    parse(text, "duration")
        .map(|value| Spelled {
            text: text.to_string(),
            value,
        })
        .map_err(|e| strip_what(&e.to_string()))
}

/// clap value parser for a timeout flag (`--statement-timeout`).
pub fn timeout_arg(text: &str) -> Result<Duration, String> {
    parse_timeout(text, "duration").map_err(|e| strip_what(&e.to_string()))
}

/// clap names the flag itself (`invalid value '30x' for '--older-than <DURATION>'`).
fn strip_what(message: &str) -> String {
    message
        .strip_prefix("duration: ")
        .unwrap_or(message)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_human_durations() {
        assert_eq!(parse("30s", "x").ok(), Some(Duration::from_secs(30)));
        assert_eq!(parse(" 1h 30m ", "x").ok(), Some(Duration::from_secs(5400)));
        assert_eq!(parse("30d", "x").ok(), Some(Duration::from_secs(30 * DAY)));
    }

    #[test]
    fn zero_garbage_and_out_of_range_are_refused_naming_the_source() {
        for (bad, needle) in [
            ("0s", "greater than zero"),
            ("30x", "not a duration"),
            ("-5d", "not a duration"),
            ("", "not a duration"),
            ("é", "not a duration"),
            ("101y", "too long"),
            ("99999999999999999999d", "not a duration"),
        ] {
            let err = parse(bad, "--older-than").expect_err(bad).to_string();
            assert!(
                err.starts_with("--older-than: ") && err.contains(needle),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn lock_timeout_of_25_days_is_refused_not_overflowed() {
        let err = parse_timeout("25d", "--lock-timeout").expect_err("25d");
        assert!(err.to_string().contains("--lock-timeout"), "{err}");
        assert!(parse_timeout("24d", "--lock-timeout").is_ok());
        assert!(MAX_TIMEOUT.as_millis() <= i32::MAX as u128);
    }

    #[test]
    fn clap_parsers_keep_the_spelling() {
        let s = period_arg("30d").expect("parses");
        assert_eq!(s.text, "30d");
        assert_eq!(s.value, Duration::from_secs(30 * DAY));
        let err = timeout_arg("30x").expect_err("garbage");
        assert!(err.starts_with("`30x` is not"), "{err}");
    }

    mod props {
        use proptest::prelude::*;

        use super::super::*;

        proptest! {
            #![proptest_config(crate::conninfo::tests::props::config())]

            #[test]
            fn any_text_parses_within_bounds_or_is_refused_naming_the_source(text in any::<String>()) {
                check(&text)?;
            }

            #[test]
            fn duration_shaped_text_parses_within_bounds(
                n in any::<u64>(),
                unit in prop::sample::select(vec!["ns", "ms", "s", "m", "h", "d", "w", "M", "y", "days", ""]),
            ) {
                check(&format!("{n}{unit}"))?;
            }
        }

        fn check(text: &str) -> Result<(), TestCaseError> {
            match parse(text, "--older-than") {
                Ok(d) => prop_assert!(!d.is_zero() && d <= MAX_PERIOD),
                Err(e) => prop_assert!(e.to_string().starts_with("--older-than: ")),
            }
            match parse_timeout(text, "--lock-timeout") {
                Ok(d) => prop_assert!(!d.is_zero() && d <= MAX_TIMEOUT),
                Err(e) => prop_assert!(e.to_string().starts_with("--lock-timeout: ")),
            }
            let _ = period_arg(text);
            let _ = timeout_arg(text);
            Ok(())
        }
    }
}
