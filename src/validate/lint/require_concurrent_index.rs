//! `require-concurrent-index` (warning): `CREATE INDEX` on a table an earlier version
//! created, without `CONCURRENTLY`.
//!
//! What it catches: a plain index build on an existing table.
//!
//! Why it hurts: a plain `CREATE INDEX` holds a SHARE lock on the table until the build
//! ends: reads go on, every INSERT, UPDATE and DELETE waits, for as long as the build takes
//! on a big table.
//!
//! The safe rewrite: `CREATE INDEX CONCURRENTLY` does not block writes, but it cannot run
//! inside a transaction block: put it in a no-transaction migration (first line
//! `-- chatdb:no-transaction`, `chatdb new NAME --no-transaction`) as
//! `CREATE INDEX CONCURRENTLY IF NOT EXISTS "name" ON ...` (the fix is the statement so
//! rewritten; `concurrently-in-transaction` flags CONCURRENTLY in an ordinary migration). The
//! rule also accepts `CREATE INDEX IF NOT EXISTS`, for an index built beforehand outside
//! chatdb (the migration is then a no-op there, and still correct on a fresh database). On a
//! table known to stay small, allow it.

use super::{Found, Shape, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};
use crate::sqltext::quote_ident;

pub const RULE: Rule = Rule {
    id: "require-concurrent-index",
    severity: Severity::Warning,
    summary:
        "lint: `CREATE INDEX` without `CONCURRENTLY` (or `IF NOT EXISTS`) on an existing table: writes wait for the build",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let Shape::CreateIndex(i) = &s.shape else {
        return Vec::new();
    };
    if i.concurrently || i.if_not_exists || s.created_here.contains(&i.table) {
        return Vec::new();
    }
    let label = i
        .name
        .clone()
        .unwrap_or_else(|| format!("index on {}", i.table));
    // The statement as written, with CONCURRENTLY IF NOT EXISTS (and a name, which IF NOT
    // EXISTS needs) after INDEX.
    let name = i.name.clone().unwrap_or_else(|| format!("{}_idx", i.table));
    let index_at = s.tokens.iter().position(|t| t.is("INDEX"));
    let insert = match &i.name {
        Some(_) => "CONCURRENTLY IF NOT EXISTS".to_string(),
        None => format!("CONCURRENTLY IF NOT EXISTS {}", quote_ident(&name)),
    };
    let rewritten = index_at.and_then(|k| s.inserting_after(k, &insert));
    vec![Found {
        table: None,
        object: format!("index {label}"),
        message: format!(
            "CREATE INDEX {label} on existing table {t} without CONCURRENTLY blocks every write to {t} until the build finishes",
            t = i.table
        ),
        fix: Some(format!(
            "build it in a no-transaction migration (first line `-- chatdb:no-transaction`; `chatdb new NAME --no-transaction`): {}",
            rewritten.unwrap_or_else(|| format!("CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} (...);", quote_ident(&name), quote_ident(&i.table)))
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
