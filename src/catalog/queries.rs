//! Hot queries: the queries a schema's design document says its app runs most, declared as
//! `[[query]]` tables in `schemas/<schema>.toml` next to the SQL they depend on.
//!
//! Each names the index meant to serve it, so `chatdb explain` can check the claim against
//! a live planner instead of trusting a comment. The SQL is written once per dialect (the
//! two differ in parameter syntax, date arithmetic, arrays and JSON); parameters, sample
//! values and expectations are shared, and a dialect may override the expectation where its
//! planner legitimately chooses differently (SQLite's unique constraints are backed by
//! `sqlite_autoindex_*` indexes, and it has no GIN).

use std::collections::BTreeSet;

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use super::Dialect;
use crate::sqltext::placeholders;

/// One `[[query]]` of a manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HotQuery {
    /// Identifier used on the command line (`chatdb explain room_history`).
    pub name: String,
    /// What the app uses it for, and where the design document says so.
    pub purpose: String,
    /// The index or indexes the plan must use (all of them); absent or `[]`: none expected.
    #[serde(default)]
    pub index: IndexList,
    /// The expected index is meant to return rows in the ORDER BY's order: a sort is a finding.
    #[serde(default)]
    pub ordered: bool,
    /// Latency target in milliseconds, where the document gives one.
    pub target_ms: Option<f64>,
    /// Where the target comes from ("ARC-012 8.1: average under 100 ms").
    pub target_source: Option<String>,
    /// Parameters, in order: `$1..$n` in PostgreSQL, `?1..?n` in SQLite.
    #[serde(default)]
    pub params: Vec<Param>,
    pub postgres: Option<DialectSql>,
    pub sqlite: Option<DialectSql>,
}

/// The SQL of a hot query in one dialect, and any expectation that differs there.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialectSql {
    pub sql: String,
    /// Replaces the query's `index` for this dialect.
    pub index: Option<IndexList>,
    /// Replaces the query's `ordered` for this dialect.
    pub ordered: Option<bool>,
    /// Why this dialect differs, shown with the report.
    pub note: Option<String>,
}

/// One parameter: a name for people, its PostgreSQL type (for `PREPARE`), a sample value
/// for `--analyze`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: String,
    #[serde(rename = "type")]
    pub pg_type: String,
    pub sample: Sample,
}

/// A sample parameter value, typed as TOML types it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Sample {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

/// `index = "idx"` or `index = ["idx_a", "idx_b"]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(from = "OneOrMany")]
pub struct IndexList(pub Vec<String>);

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl From<OneOrMany> for IndexList {
    fn from(v: OneOrMany) -> Self {
        match v {
            OneOrMany::One(s) => IndexList(vec![s]),
            OneOrMany::Many(list) => IndexList(list),
        }
    }
}

/// A hot query as one dialect sees it.
#[derive(Debug, Clone)]
pub struct Resolved<'a> {
    pub sql: &'a str,
    pub expected: &'a [String],
    pub ordered: bool,
    pub note: Option<&'a str>,
}

impl HotQuery {
    /// The query in `dialect`, or `None` when the manifest gives no SQL for it.
    pub fn resolve(&self, dialect: Dialect) -> Option<Resolved<'_>> {
        let d = match dialect {
            Dialect::Postgres => self.postgres.as_ref()?,
            Dialect::Sqlite => self.sqlite.as_ref()?,
        };
        Some(Resolved {
            sql: d.sql.trim(),
            expected: &d.index.as_ref().unwrap_or(&self.index).0,
            ordered: d.ordered.unwrap_or(self.ordered),
            note: d.note.as_deref(),
        })
    }

    /// Checks what serde cannot: a usable name, SQL for some dialect, and parameters that
    /// match the placeholders each dialect's SQL uses.
    pub fn validate(&self) -> Result<()> {
        let ok_name = !self.name.is_empty()
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok_name {
            bail!(
                "query name `{}` must be lowercase letters, digits and underscores",
                self.name
            );
        }
        if self.postgres.is_none() && self.sqlite.is_none() {
            bail!(
                "query `{}` has neither `postgres` nor `sqlite` SQL",
                self.name
            );
        }
        for (dialect, d) in [
            (Dialect::Postgres, &self.postgres),
            (Dialect::Sqlite, &self.sqlite),
        ] {
            let Some(d) = d else { continue };
            let sigil = if dialect == Dialect::Postgres {
                '$'
            } else {
                '?'
            };
            let used = placeholders(&d.sql, sigil);
            let expected: BTreeSet<usize> = (1..=self.params.len()).collect();
            if used != expected {
                let show = |s: &BTreeSet<usize>| {
                    s.iter()
                        .map(|n| format!("{sigil}{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                bail!(
                    "query `{}`: its {dialect} SQL uses [{}] but {} parameter(s) are declared (expected [{}])",
                    self.name,
                    show(&used),
                    self.params.len(),
                    show(&expected)
                );
            }
        }
        Ok(())
    }
}

/// Validates a manifest's queries together: each valid, names unique.
pub fn validate_all(queries: &[HotQuery]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for q in queries {
        q.validate()?;
        if !seen.insert(q.name.as_str()) {
            bail!("query name `{}` is used twice", q.name);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<HotQuery> {
        #[derive(Deserialize)]
        struct M {
            #[serde(rename = "query")]
            queries: Vec<HotQuery>,
        }
        toml::from_str::<M>(text).expect("parses").queries
    }

    #[test]
    fn dialects_override_the_expectation() {
        let q = parse(
            r#"
            [[query]]
            name = "by_code"
            purpose = "x"
            index = "idx_code"
            ordered = true
            params = [{ name = "code", type = "bpchar", sample = "AB12CD34" }]
            postgres.sql = "SELECT 1 FROM s WHERE code = $1"
            sqlite.sql = "SELECT 1 FROM s WHERE code = ?1"
            sqlite.index = []
            sqlite.note = "no such index"
            "#,
        );
        q[0].validate().expect("valid");
        let pg = q[0].resolve(Dialect::Postgres).expect("pg");
        assert_eq!(pg.expected, ["idx_code"]);
        assert!(pg.ordered);
        let lite = q[0].resolve(Dialect::Sqlite).expect("sqlite");
        assert!(lite.expected.is_empty());
        assert_eq!(lite.note, Some("no such index"));
        assert_eq!(q[0].params[0].sample, Sample::Text("AB12CD34".into()));
    }

    #[test]
    fn parameters_must_match_the_placeholders() {
        let q = parse(
            r#"
            [[query]]
            name = "x"
            purpose = "x"
            params = [{ name = "a", type = "int", sample = 1 }]
            postgres.sql = "SELECT $1, $2"
            "#,
        );
        let err = q[0].validate().expect_err("mismatch");
        assert!(format!("{err}").contains("uses [$1, $2]"), "{err}");
        let q = parse(
            r#"
            [[query]]
            name = "Bad-Name"
            purpose = "x"
            sqlite.sql = "SELECT 1"
            "#,
        );
        assert!(q[0].validate().is_err());
    }

    #[test]
    fn every_canonical_manifest_declares_valid_hot_queries() {
        for name in super::super::canonical_names() {
            let schema = super::super::load(&name, None).expect("loads");
            assert!(
                !schema.manifest.queries.is_empty(),
                "{name} declares hot queries"
            );
            validate_all(&schema.manifest.queries).expect("valid");
            for q in &schema.manifest.queries {
                assert!(q.postgres.is_some() && q.sqlite.is_some(), "{}", q.name);
            }
        }
    }
}
