//! The SQL a finding suggests, in the checked database's dialect. PostgreSQL fixes build
//! and drop indexes `CONCURRENTLY` (no write lock on a live table; run them outside a
//! transaction) and name objects with the checked namespace.

use super::Context;
use crate::catalog::Dialect;
use crate::model::inventory::{column_list, Index};

pub use crate::quote::ident;

/// `public.messages` on PostgreSQL, `messages` on SQLite.
pub fn qualified(ctx: &Context, name: &str) -> String {
    match ctx.dialect {
        Dialect::Postgres => format!("{}.{}", ident(ctx.namespace), ident(name)),
        Dialect::Sqlite => ident(name),
    }
}

/// SQLite's documented table rebuild, which the fixes name where only a rebuild helps
/// (`check --write-migration` writes that rebuild for those).
pub const SQLITE_REBUILD_DOC: &str = "https://www.sqlite.org/lang_altertable.html#otheralter";

/// Whether `fix` (a SQLite fix) is a table rebuild.
pub fn is_rebuild(fix: &str) -> bool {
    fix.contains(SQLITE_REBUILD_DOC)
}

fn is_sqlite_autoindex(index: &Index) -> bool {
    index.name.starts_with("sqlite_autoindex_")
}

/// `CREATE INDEX x ON t ...` -> `CREATE INDEX CONCURRENTLY x ON ns.t ...`.
fn concurrently(ctx: &Context, definition: &str) -> String {
    let Some(at) = definition.find("INDEX ") else {
        return definition.to_string();
    };
    let (head, tail) = definition.split_at(at + "INDEX ".len());
    let mut out = format!("{head}CONCURRENTLY ");
    match tail.find(" ON ") {
        Some(on) => {
            let (name, rest) = tail.split_at(on + " ON ".len());
            out.push_str(name);
            let rest = match rest.strip_prefix("ONLY ") {
                Some(r) => {
                    out.push_str("ONLY ");
                    r
                }
                None => rest,
            };
            out.push_str(&format!("{}.{rest}", ident(ctx.namespace)));
        }
        None => out.push_str(tail),
    }
    out
}

/// SQL that creates `index` as described (its constraint too, if it backs one).
pub fn create_index(ctx: &Context, index: &Index) -> String {
    let table = qualified(ctx, &index.table);
    match ctx.dialect {
        Dialect::Sqlite if is_sqlite_autoindex(index) => {
            let kind = if index.primary {
                "PRIMARY KEY"
            } else {
                "UNIQUE"
            };
            let cols: Vec<&str> = index.columns.iter().map(|c| c.name.as_str()).collect();
            format!(
                "-- SQLite cannot add a {kind} constraint to an existing table: rebuild {table} with it ({SQLITE_REBUILD_DOC}), or enforce it with:\nCREATE UNIQUE INDEX {} ON {table} {};",
                ident(&format!("{}_{}_key", index.table, cols.join("_"))),
                column_list(&index.columns)
            )
        }
        Dialect::Sqlite => format!("{};", index.definition),
        Dialect::Postgres => match &index.constraint {
            Some(c) if c.definition.starts_with("EXCLUDE") => format!(
                "ALTER TABLE {table} ADD CONSTRAINT {} {};",
                ident(c.name.as_deref().unwrap_or(&index.name)),
                c.definition
            ),
            Some(c) => {
                // Build the unique index without blocking writes, then let the
                // constraint adopt it (a plain ADD CONSTRAINT locks the table meanwhile).
                let name = ident(c.name.as_deref().unwrap_or(&index.name));
                let kind = if index.primary {
                    "PRIMARY KEY"
                } else {
                    "UNIQUE"
                };
                format!(
                    "{};\nALTER TABLE {table} ADD CONSTRAINT {name} {kind} USING INDEX {};",
                    concurrently(ctx, &index.definition),
                    ident(&index.name)
                )
            }
            None => format!("{};", concurrently(ctx, &index.definition)),
        },
    }
}

/// SQL that removes `index` (its constraint, if it backs one).
pub fn drop_index(ctx: &Context, index: &Index) -> String {
    match ctx.dialect {
        Dialect::Sqlite if is_sqlite_autoindex(index) => format!(
            "-- the index belongs to a constraint of {0}: rebuild {0} without it ({SQLITE_REBUILD_DOC})",
            ident(&index.table)
        ),
        Dialect::Sqlite => format!("DROP INDEX {};", ident(&index.name)),
        Dialect::Postgres => match &index.constraint {
            Some(c) => format!(
                "ALTER TABLE {} DROP CONSTRAINT {};",
                qualified(ctx, &index.table),
                ident(c.name.as_deref().unwrap_or(&index.name))
            ),
            None => format!(
                "DROP INDEX CONCURRENTLY {};",
                qualified(ctx, &index.name)
            ),
        },
    }
}

/// `CREATE INDEX [CONCURRENTLY] <table>_<cols>_idx ON <table> (<cols>);`, the name
/// PostgreSQL itself would pick, cut to its 63-byte limit, in `dialect`. Given the live
/// database's `namespace`, a PostgreSQL fix builds it `CONCURRENTLY` on the qualified
/// table; without one it is the plain statement for a transactional migration
/// (`check --write-migration` moves index builds into a `-- chatdb:no-transaction`
/// migration, where CONCURRENTLY can run). Given `collations` (one per column, ready for SQL), each
/// column is spelled `col COLLATE c`.
pub fn plain_index(
    dialect: Dialect,
    namespace: Option<&str>,
    table: &str,
    columns: &[String],
    collations: Option<&[String]>,
) -> String {
    let mut name = format!("{table}_{}_idx", columns.join("_"));
    while name.len() > 63 {
        name.pop();
    }
    let cols: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(k, c)| match collations.and_then(|cs| cs.get(k)) {
            Some(coll) => format!("{} COLLATE {coll}", ident(c)),
            None => ident(c),
        })
        .collect();
    let (concurrently, on) = match (dialect, namespace) {
        (Dialect::Postgres, Some(ns)) => {
            ("CONCURRENTLY ", format!("{}.{}", ident(ns), ident(table)))
        }
        _ => ("", ident(table)),
    };
    format!(
        "CREATE INDEX {concurrently}{} ON {on} ({});",
        ident(&name),
        cols.join(", ")
    )
}
