//! The text `chatdb new` writes: a new migration's twin files, one per dialect, each with a
//! header that says what goes where (what runs in a transaction, what must be idempotent,
//! where the other dialect's half is), and SQLite's table-rebuild template (the procedure
//! SQLite's documentation prescribes for the changes `ALTER TABLE` cannot make in place).

use crate::catalog::Dialect;
use crate::checks::fix::SQLITE_REBUILD_DOC;
use crate::db::sqlite::rebuild::TableSource;
use crate::online::{FOREIGN_KEYS_OFF_MARKER, NO_TRANSACTION_MARKER};
use crate::sqltext::quote_ident;

/// What kind of migration `chatdb new` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Runs in the migrate transaction.
    Transactional,
    /// `-- chatdb:no-transaction` (PostgreSQL runs it outside a transaction).
    NoTransaction,
}

/// The header of the file `chatdb new` writes for `dialect`; `twin` is the other
/// dialect's path.
pub fn migration(dialect: Dialect, file: &str, twin: &str, kind: Kind) -> String {
    let mut s = String::new();
    if kind == Kind::NoTransaction {
        s.push_str(NO_TRANSACTION_MARKER);
        s.push('\n');
    }
    s.push_str(&format!(
        "-- {file}: the {dialect} half of this migration. Its twin is {twin};\n-- `chatdb validate` requires both and checks that they build the same schema.\n"
    ));
    match (dialect, kind) {
        (Dialect::Postgres, Kind::Transactional) => s.push_str(
            "-- Runs inside the migrate transaction, with the other pending migrations: all commit\n\
             -- or none does. Each statement waits at most --ddl-lock-timeout for its lock, and the\n\
             -- transaction is tried again (--ddl-retries). No CREATE INDEX CONCURRENTLY here: put\n\
             -- it in a migration of its own (`chatdb new NAME --no-transaction`).\n\n",
        ),
        (Dialect::Postgres, Kind::NoTransaction) => s.push_str(
            "-- The first line makes PostgreSQL run this file statement by statement OUTSIDE a\n\
             -- transaction (for CREATE INDEX CONCURRENTLY, which cannot run in one): the migrations\n\
             -- before it commit first, and its history row is written after its last statement.\n\
             -- A failed or killed run is finished by running `chatdb migrate` again, so every\n\
             -- statement must be idempotent (IF NOT EXISTS / IF EXISTS); an INVALID index left by\n\
             -- a CONCURRENTLY build is dropped and built again. For example:\n\
             -- CREATE INDEX CONCURRENTLY IF NOT EXISTS messages_room_created ON messages (room_id, created_at);\n\n",
        ),
        (Dialect::Sqlite, Kind::Transactional) => s.push_str(
            "-- Runs inside the migrate transaction (BEGIN EXCLUSIVE), with the other pending\n\
             -- migrations (a table rebuild, `-- chatdb:foreign-keys-off`, in one of its own).\n\
             -- SQLite's ALTER TABLE renames, adds and drops columns, adds CHECKs and sets or drops\n\
             -- NOT NULL; for anything else rebuild the table (`chatdb new NAME --sqlite-rebuild T`).\n\n",
        ),
        (Dialect::Sqlite, Kind::NoTransaction) => s.push_str(
            "-- SQLite accepts the first line and runs this file in the migrate transaction like any\n\
             -- other (its DDL is transactional, it has no CONCURRENTLY, and its one lock is the\n\
             -- whole file). Write the same objects as the PostgreSQL half, without CONCURRENTLY:\n\
             -- CREATE INDEX IF NOT EXISTS messages_room_created ON messages (room_id, created_at);\n\n",
        ),
    }
    s
}

/// What `chatdb new` puts after the header: SQLite's rebuild of `rebuild` (the table as the
/// schema has it) in the SQLite half, nothing otherwise.
pub fn body(dialect: Dialect, rebuild: Option<&TableSource>) -> String {
    match (dialect, rebuild) {
        (Dialect::Sqlite, Some(table)) => sqlite_rebuild(table, &table.columns),
        _ => String::new(),
    }
}

/// The twin of a migration `chatdb check --write-migration` wrote for `checked`'s fixes.
pub fn twin_of_fixes(checked: Dialect) -> String {
    format!(
        "-- chatdb check wrote the {checked} half of this migration from the fixes it found there;\n-- write what this dialect needs to match (often nothing, or the same indexes without CONCURRENTLY).\n"
    )
}

/// The name of the table a rebuild of `table` builds, then gives `table`'s name.
fn rebuild_name(table: &str) -> String {
    quote_ident(&format!("{table}_new"))
}

/// Whether `sql` is a rebuild of `table` ([`sqlite_rebuild`], [`sqlite_rebuild_script`]).
pub fn is_rebuild_of(sql: &str, table: &str) -> bool {
    sql.contains(&format!("INSERT INTO {} (", rebuild_name(table)))
}

/// SQLite's "other kinds of table schema changes" procedure
/// (<https://www.sqlite.org/lang_altertable.html#otheralter>) for `table` as a chatdb
/// migration, filled in with the table's definition, indexes, triggers and the views that
/// name it; `copy` are the columns whose rows are copied. Its first line,
/// [`FOREIGN_KEYS_OFF_MARKER`], makes chatdb do the steps around the transaction (foreign
/// keys off before it, `foreign_key_check` before COMMIT, foreign keys on after), which a
/// migration file cannot: inside a transaction `PRAGMA foreign_keys` does nothing.
pub fn sqlite_rebuild(table: &TableSource, copy: &[String]) -> String {
    let t = quote_ident(&table.name);
    format!(
        "{FOREIGN_KEYS_OFF_MARKER}\n\
-- Rebuild of {t}, as SQLite's documentation prescribes for what ALTER TABLE cannot do\n\
-- ({SQLITE_REBUILD_DOC}). The line above makes chatdb run\n\
-- this file in a transaction of its own with PRAGMA foreign_keys = OFF (set before the\n\
-- transaction: inside one the pragma does nothing), run PRAGMA foreign_key_check before\n\
-- COMMIT (a violation rolls the whole file back) and turn foreign keys on again after.\n\
-- With foreign keys off, dropping {t} neither cascades to nor fails on the rows of the\n\
-- tables that reference it; their references point at the rebuilt table once it has the name.\n\
\n{}",
        rebuild_steps(table, copy)
    )
}

/// The rebuild of a live table whose columns are `live_columns` into `table` as the
/// canonical schema has it, as a migration ([`sqlite_rebuild`]): the rows of the columns
/// both have are copied; a live column the canonical table lacks is named in a comment.
pub fn rebuild_to_canonical(table: &TableSource, live_columns: &[String]) -> String {
    let (copy, note) = copy_into_canonical(table, live_columns);
    sqlite_rebuild(table, &copy) + &note
}

/// The same rebuild as a script to run by hand (`check`'s printed fix): the steps of
/// [`sqlite_rebuild`] between what chatdb does around such a migration, PRAGMA
/// foreign_keys = OFF before the transaction and PRAGMA foreign_key_check before COMMIT.
/// `why` says what makes the rebuild needed.
pub fn sqlite_rebuild_script(table: &TableSource, live_columns: &[String], why: &str) -> String {
    let (copy, note) = copy_into_canonical(table, live_columns);
    format!(
        "-- {why}: SQLite cannot change that in place, so this rebuilds {name} ({SQLITE_REBUILD_DOC}): it rewrites the whole table; run the script as a whole, not inside a transaction of your own (PRAGMA foreign_keys takes effect only outside one), and not while the application writes; indexes on {name} that the canonical schema lacks go with it\n\
PRAGMA foreign_keys = OFF;\n\
BEGIN;\n\
{}\n\
-- 5. Any row this returns breaks a foreign key: ROLLBACK instead of COMMIT.\n\
PRAGMA foreign_key_check;\n\
COMMIT;\n\
PRAGMA foreign_keys = ON;{note}",
        rebuild_steps(table, &copy),
        name = table.name,
    )
}

/// The columns of `table` that `live_columns` has too, and a comment naming the live
/// columns the canonical table lacks ("" when none).
fn copy_into_canonical(table: &TableSource, live_columns: &[String]) -> (Vec<String>, String) {
    let copy = table
        .columns
        .iter()
        .filter(|c| live_columns.contains(c))
        .cloned()
        .collect();
    let extra: Vec<&str> = live_columns
        .iter()
        .filter(|c| !table.columns.contains(c))
        .map(String::as_str)
        .collect();
    let note = if extra.is_empty() {
        String::new()
    } else {
        format!(
            "\n-- The live {} also has {}, which the canonical schema does not: the rebuild does\n-- not copy it. To keep it, add it to the CREATE TABLE and to both column lists.\n",
            table.name,
            extra.join(", ")
        )
    };
    (copy, note)
}

/// Steps 1 to 4 of the rebuild: the new table, the copy, the drop and rename, and the
/// indexes, triggers and dependent views made again.
fn rebuild_steps(table: &TableSource, copy: &[String]) -> String {
    let t = quote_ident(&table.name);
    let new = rebuild_name(&table.name);
    let create = crate::db::sqlite::rebuild::renamed(&table.create, &format!("{}_new", table.name));
    let cols: Vec<String> = copy.iter().map(|c| quote_ident(c)).collect();
    let cols = cols.join(", ");
    let mut s = format!(
        "-- 1. The new table: {t} as the schema has it now. Make the change here (and in the\n\
--    PostgreSQL twin).\n\
{create};\n\
\n\
-- 2. Copy the rows (a new column needs a value or a default; a dropped one leaves this list).\n\
INSERT INTO {new} ({cols})\n    SELECT {cols} FROM {t};\n\
\n"
    );
    if !table.dependents.is_empty() {
        s.push_str("-- Before the drop: the views and other tables' triggers that name the table (SQLite\n-- refuses the rename while one names a table that does not exist); step 4 makes them again.\n");
        for (kind, name, _) in &table.dependents {
            s.push_str(&format!(
                "DROP {} {};\n",
                kind.to_ascii_uppercase(),
                quote_ident(name)
            ));
        }
        s.push('\n');
    }
    s.push_str(&format!(
        "-- 3. Drop the old table (its indexes and triggers go with it) and give the new one its name.\n\
DROP TABLE {t};\n\
ALTER TABLE {new} RENAME TO {t};\n\
\n\
-- 4. The indexes and triggers the drop removed, and what was dropped before it, as the\n--    schema has them.\n"
    ));
    for sql in table
        .indexes
        .iter()
        .chain(&table.triggers)
        .chain(table.dependents.iter().map(|(_, _, sql)| sql))
    {
        s.push_str(sql);
        s.push_str(";\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_no_transaction_header_starts_with_the_marker_in_both_dialects() {
        for d in Dialect::ALL {
            let text = migration(d, "V3__x.sql", "twin", Kind::NoTransaction);
            assert!(crate::online::is_no_transaction(&text), "{text}");
            let text = migration(d, "V3__x.sql", "twin", Kind::Transactional);
            assert!(!crate::online::is_no_transaction(&text));
            assert!(
                crate::sqltext::split(&text).is_empty(),
                "comments only: {text}"
            );
        }
    }
}
