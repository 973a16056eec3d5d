//! The integrity lock: `schemas/<schema>.lock` holds the checksum of every migration of
//! the schema, in both dialects, like Atlas's `atlas.sum`. It is committed with the SQL.
//!
//! A migration that the lock holds must not change: databases that applied it recorded its
//! checksum, and `chatdb migrate` refuses to run against a file that no longer matches. So
//! an edit of a locked migration fails `chatdb validate`, naming the file; so does a new
//! migration the lock does not hold yet (the lock must be updated on purpose, in the same
//! change, with `chatdb validate --update-lock`), and a locked migration that was removed.
//!
//! The checksum is refinery's (the one in the history table and in `chatdb status`), over
//! the migration's version, name and SQL. Format, one migration a line:
//! ```text
//! # comment lines
//! postgres/V1__initial_schema.sql 8371611374218315427
//! sqlite/V1__initial_schema.sql 1298826178151851227
//! ```

use std::collections::BTreeMap;

use anyhow::{bail, Result};

use crate::catalog::{Dialect, Schema};

/// `dialect/file name` -> checksum.
pub type Entries = BTreeMap<String, String>;

/// The key of a migration in the lock: `postgres/V1__initial_schema.sql`.
pub fn key(dialect: Dialect, file_name: &str) -> String {
    format!("{}/{file_name}", dialect.dir_name())
}

/// The checksums of every migration of `schema`, as the lock holds them.
pub fn current(schema: &Schema) -> Result<Entries> {
    let mut entries = Entries::new();
    for (dialect, files) in &schema.migrations {
        for f in files {
            entries.insert(
                key(*dialect, &f.file_name()),
                f.to_refinery()?.checksum().to_string(),
            );
        }
    }
    Ok(entries)
}

/// The lock file's text for `schema`.
pub fn render(schema: &Schema) -> Result<String> {
    let mut text = format!(
        "# chatdb lock of schema `{}`: the checksum of every migration (refinery's, as in the\n\
         # history table). Written by `chatdb validate --update-lock`; do not edit by hand.\n\
         # A migration listed here is released: never change it, add a new one.\n",
        schema.name
    );
    for (k, sum) in current(schema)? {
        text.push_str(&format!("{k} {sum}\n"));
    }
    Ok(text)
}

/// Parses a lock file: entries, with the line each came from. An error names the line.
pub fn parse(text: &str) -> Result<BTreeMap<String, (String, usize)>> {
    let mut out = BTreeMap::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(k), Some(sum), None) = (parts.next(), parts.next(), parts.next()) else {
            bail!(
                "line {}: expected `<dialect>/<file> <checksum>`, found `{line}`",
                n + 1
            );
        };
        let known_dialect = Dialect::ALL.iter().any(|d| {
            k.strip_prefix(d.dir_name())
                .is_some_and(|r| r.starts_with('/'))
        });
        if !known_dialect || sum.parse::<u64>().is_err() {
            bail!(
                "line {}: expected `<dialect>/<file> <checksum>`, found `{line}`",
                n + 1
            );
        }
        if out
            .insert(k.to_string(), (sum.to_string(), n + 1))
            .is_some()
        {
            bail!("line {}: {k} is listed twice", n + 1);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_locks_parse_back() {
        let schema = crate::catalog::load("chat", None).expect("loads");
        let text = render(&schema).expect("renders");
        let parsed = parse(&text).expect("parses");
        assert_eq!(parsed.len(), 6);
        let current = current(&schema).expect("sums");
        for (k, (sum, _)) in &parsed {
            assert_eq!(current.get(k), Some(sum));
        }
        assert!(parse("postgres/V1__a.sql notanumber").is_err());
        assert!(parse("mysql/V1__a.sql 1").is_err());
        assert!(parse("postgres/V1__a.sql 1\npostgres/V1__a.sql 2").is_err());
    }
}
