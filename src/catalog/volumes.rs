//! Seed volumes: how many rows `chatdb seed` writes per table at `--scale 1`, declared in
//! `schemas/<schema>.toml` as a `[seed]` table next to the hot queries they make meaningful.
//!
//! ```toml
//! [seed]
//! source = "ERD v0.2 예상 데이터 규모: one year at 100 schools"
//! [seed.volumes]
//! schools = 100                                # max(1, round(100 × scale)) rows
//! user = { rows = 10000, min = 12 }            # never fewer than 12 (constraints need them)
//! achievement = { rows = 30, scale = false }   # reference data: 30 rows at every scale
//! user_settings = { per = "user", each = 1 }   # exactly one per `user` row
//! ```
//!
//! The rounding rule, in one place ([`SeedSpec::rows_at`]): a plain count becomes
//! `max(min, round(rows × scale))` (half away from zero; `min` defaults to 1, so no table a
//! generator fills is ever empty); `scale = false` keeps `rows`; `per`/`each` is exactly
//! `each` rows per row of the named table, after that table's own rule.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use serde::Deserialize;

/// `[seed]` of a manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSpec {
    /// Where the volumes come from (the document's section, or "judgment" and why).
    #[serde(default)]
    pub source: String,
    /// Rows per table at `--scale 1`.
    pub volumes: BTreeMap<String, Volume>,
}

/// One table's volume.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Volume {
    /// Rows at `--scale 1`.
    Rows(u64),
    /// The long form.
    Table(VolumeTable),
}

/// `{ rows = N, min = M, scale = false }` or `{ per = "parent", each = K }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeTable {
    pub rows: Option<u64>,
    pub min: Option<u64>,
    pub scale: Option<bool>,
    pub per: Option<String>,
    pub each: Option<u64>,
}

impl SeedSpec {
    /// Checks names, forms and `per` references (no cycles, no unknown tables).
    pub fn validate(&self, path: &str) -> Result<()> {
        if self.volumes.is_empty() {
            bail!("{path}: [seed.volumes] is empty");
        }
        for (table, v) in &self.volumes {
            if table.is_empty() || !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                bail!("{path}: [seed.volumes] `{table}` is not a plain table name");
            }
            if let Volume::Table(t) = v {
                match (&t.rows, &t.per) {
                    (Some(_), None) => {
                        if t.each.is_some() {
                            bail!("{path}: [seed.volumes] {table}: `each` goes with `per`, not `rows`");
                        }
                    }
                    (None, Some(parent)) => {
                        if t.min.is_some() || t.scale.is_some() {
                            bail!("{path}: [seed.volumes] {table}: `min` and `scale` go with `rows`, not `per`");
                        }
                        if t.each.is_none() {
                            bail!(
                                "{path}: [seed.volumes] {table}: `per = \"{parent}\"` needs `each`"
                            );
                        }
                        if !self.volumes.contains_key(parent) {
                            bail!("{path}: [seed.volumes] {table}: `per = \"{parent}\"` names no table of [seed.volumes]");
                        }
                    }
                    _ => bail!(
                        "{path}: [seed.volumes] {table}: give either `rows` or `per` and `each`"
                    ),
                }
            }
        }
        // Resolving at scale 1 finds cycles.
        self.rows_at(1.0)
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("{path}: {e}"))
    }

    /// Rows per table at `scale`, by the rule in the module documentation.
    pub fn rows_at(&self, scale: f64) -> Result<BTreeMap<String, u64>> {
        if !(scale.is_finite() && scale > 0.0) {
            bail!("the scale must be a positive number, not {scale}");
        }
        let mut out = BTreeMap::new();
        for table in self.volumes.keys() {
            self.resolve(table, scale, &mut out, 0)?;
        }
        Ok(out)
    }

    fn resolve(
        &self,
        table: &str,
        scale: f64,
        out: &mut BTreeMap<String, u64>,
        depth: usize,
    ) -> Result<u64> {
        if let Some(n) = out.get(table) {
            return Ok(*n);
        }
        if depth > self.volumes.len() {
            bail!("[seed.volumes] {table}: `per` references go round in a circle");
        }
        let Some(v) = self.volumes.get(table) else {
            bail!("[seed.volumes] has no table `{table}`");
        };
        let scaled = |rows: u64, min: u64| -> Result<u64> {
            let x = (rows as f64 * scale).round();
            if x > 1e15 {
                bail!("[seed.volumes] {table}: {rows} rows at scale {scale} is too many");
            }
            Ok((x as u64).max(min))
        };
        let n = match v {
            Volume::Rows(rows) => scaled(*rows, 1)?,
            Volume::Table(t) => match (&t.rows, &t.per) {
                (Some(rows), _) if t.scale == Some(false) => *rows,
                (Some(rows), _) => scaled(*rows, t.min.unwrap_or(1))?,
                (None, Some(parent)) => {
                    let p = self.resolve(parent, scale, out, depth + 1)?;
                    p.saturating_mul(t.each.unwrap_or(0))
                }
                (None, None) => bail!("[seed.volumes] {table}: neither `rows` nor `per`"),
            },
        };
        out.insert(table.to_string(), n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> SeedSpec {
        toml::from_str(text).expect("parses")
    }

    #[test]
    fn rounding_rule() {
        let s = spec(
            r#"
            [volumes]
            a = 100
            b = { rows = 10000, min = 12 }
            c = { rows = 30, scale = false }
            d = { per = "b", each = 2 }
            e = 3
            "#,
        );
        s.validate("t").expect("valid");
        let r = s.rows_at(0.0005).expect("rows");
        assert_eq!(r["a"], 1, "0.05 rounds to 0, at least 1");
        assert_eq!(r["b"], 12, "5 is under the minimum");
        assert_eq!(r["c"], 30);
        assert_eq!(r["d"], 24);
        let r = s.rows_at(0.5).expect("rows");
        assert_eq!(r["a"], 50);
        assert_eq!(r["e"], 2, "1.5 rounds half away from zero");
        assert_eq!(r["d"], 10000);
        assert!(s.rows_at(0.0).is_err());
        assert!(s.rows_at(f64::NAN).is_err());
    }

    #[test]
    fn bad_specs_are_refused() {
        for bad in [
            "[volumes]\na = { per = \"b\", each = 1 }",
            "[volumes]\na = { per = \"a\", each = 1 }",
            "[volumes]\na = { rows = 1, each = 1 }",
            "[volumes]\na = { min = 1 }",
            "[volumes]\n\"a b\" = 1",
            "[volumes]\na = { per = \"b\", each = 1 }\nb = { per = \"a\", each = 1 }",
        ] {
            let s = spec(bad);
            assert!(s.validate("t").is_err(), "{bad}");
        }
    }
}
