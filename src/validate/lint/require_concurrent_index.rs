//! `require-concurrent-index` (warning): `CREATE INDEX` on a table an earlier version
//! created, without `CONCURRENTLY`.
//!
//! A plain `CREATE INDEX` holds a SHARE lock on the table until the build ends: reads go on,
//! every INSERT, UPDATE and DELETE waits, for as long as the build takes on a big table.
//! `CREATE INDEX CONCURRENTLY` does not block writes, but it cannot run inside a
//! transaction block: put it in a no-transaction migration (first line
//! `-- chatdb:no-transaction`, `chatdb new NAME --no-transaction`) as
//! `CREATE INDEX CONCURRENTLY IF NOT EXISTS` (`concurrently-in-transaction` flags it in an
//! ordinary migration). The rule also accepts `CREATE INDEX IF NOT EXISTS`, for an index
//! built beforehand outside chatdb (the migration is then a no-op there, and still correct
//! on a fresh database). On a table known to stay small, allow it.

use super::{qualified_name, Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "require-concurrent-index",
    severity: Severity::Warning,
    summary:
        "lint: `CREATE INDEX` without `CONCURRENTLY` (or `IF NOT EXISTS`) on an existing table: writes wait for the build",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let t = &s.tokens;
    let mut i = 0;
    if !t.first().is_some_and(|w| w.is("CREATE")) {
        return Vec::new();
    }
    i += 1;
    if t.get(i).is_some_and(|w| w.is("UNIQUE")) {
        i += 1;
    }
    if !t.get(i).is_some_and(|w| w.is("INDEX")) {
        return Vec::new();
    }
    i += 1;
    if t.get(i).is_some_and(|w| w.is("CONCURRENTLY")) {
        return Vec::new();
    }
    if t.get(i).is_some_and(|w| w.is("IF")) {
        // IF NOT EXISTS: the build-it-beforehand pattern (see the module doc).
        return Vec::new();
    }
    let mut name = None;
    if !t.get(i).is_some_and(|w| w.is("ON")) {
        name = t.get(i).map(|w| w.name());
        i += 1;
    }
    if !t.get(i).is_some_and(|w| w.is("ON")) {
        return Vec::new();
    }
    i += 1;
    if t.get(i).is_some_and(|w| w.is("ONLY")) {
        i += 1;
    }
    let Some((table, _)) = qualified_name(t, i) else {
        return Vec::new();
    };
    if s.created_here.contains(&table) {
        return Vec::new();
    }
    let label = name.clone().unwrap_or_else(|| format!("index on {table}"));
    vec![Found {
        table: None,
        object: format!("index {label}"),
        message: format!(
            "CREATE INDEX {label} on existing table {table} without CONCURRENTLY blocks every write to {table} until the build finishes"
        ),
        fix: Some(format!(
            "on a large table build it beforehand outside chatdb (CREATE INDEX CONCURRENTLY {label} ...) and write CREATE INDEX IF NOT EXISTS here"
        )),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    #[test]
    fn plain_index_on_an_existing_table_is_found() {
        let found = hits(check, "CREATE INDEX idx_a ON public.t (a);");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object, "index idx_a");
        for ok in [
            "CREATE INDEX CONCURRENTLY idx_a ON t (a);",
            "CREATE UNIQUE INDEX IF NOT EXISTS idx_a ON t (a);",
            "CREATE TABLE t (a int); CREATE INDEX idx_a ON t (a);",
            "CREATE TABLE t2 (a int);",
        ] {
            assert!(hits(check, ok).is_empty(), "{ok}");
        }
    }
}
