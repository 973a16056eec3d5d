//! The text `chatdb new` writes: a new migration's twin files, one per dialect, each with a
//! header that says what goes where (what runs in a transaction, what must be idempotent,
//! where the other dialect's half is), and SQLite's table-rebuild template (the procedure
//! SQLite's documentation prescribes for the changes `ALTER TABLE` cannot make in place).

use crate::catalog::Dialect;
use crate::online::NO_TRANSACTION_MARKER;
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
             -- migrations. SQLite's ALTER TABLE can only add, rename and drop columns and rename\n\
             -- tables; for anything else rebuild the table (`chatdb new NAME --sqlite-rebuild TABLE`).\n\n",
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

/// What `chatdb new` puts after the header: SQLite's rebuild template for `rebuild` in the
/// SQLite half, nothing otherwise.
pub fn body(dialect: Dialect, rebuild: Option<&str>) -> String {
    match (dialect, rebuild) {
        (Dialect::Sqlite, Some(table)) => sqlite_rebuild(table),
        _ => String::new(),
    }
}

/// The twin of a migration `chatdb check --write-migration` wrote for `checked`'s fixes.
pub fn twin_of_fixes(checked: Dialect) -> String {
    format!(
        "-- chatdb check wrote the {checked} half of this migration from the fixes it found there;\n-- write what this dialect needs to match (often nothing, or the same indexes without CONCURRENTLY).\n"
    )
}

/// SQLite's "other kinds of table schema changes" procedure
/// (<https://www.sqlite.org/lang_altertable.html#otheralter>) as it fits a chatdb migration:
/// chatdb runs the file inside its migrate transaction with `foreign_keys` on, where
/// `PRAGMA foreign_keys` cannot change, so the checks are deferred to the commit instead.
pub fn sqlite_rebuild(table: &str) -> String {
    let t = quote_ident(table);
    let new = quote_ident(&format!("{table}_new"));
    format!(
        "-- Rebuild of {t}, following SQLite's documented procedure (lang_altertable.html#otheralter):\n\
-- 1. Foreign keys are checked at COMMIT, not statement by statement, while the table is\n\
--    rebuilt (chatdb's migrate transaction already runs with foreign_keys on; that PRAGMA\n\
--    cannot change inside a transaction).\n\
PRAGMA defer_foreign_keys = ON;\n\
\n\
-- 2. The new table, as it should be: copy {t}'s CREATE TABLE from `sqlite3 db .schema {table}`\n\
--    and change it (same constraints and foreign keys unless they are what changes).\n\
CREATE TABLE {new} (\n\
\x20   id INTEGER PRIMARY KEY\n\
\x20   -- ... every column, constraint and foreign key of the new shape\n\
);\n\
\n\
-- 3. Copy the rows (name the columns: the order may differ).\n\
INSERT INTO {new} (id) SELECT id FROM {t};\n\
\n\
-- 4. Drop the old table and give the new one its name. CAUTION: a table that OTHER tables\n\
--    reference with ON DELETE CASCADE / SET NULL must not be dropped this way with foreign\n\
--    keys on (the drop deletes its rows first and fires those actions); rebuild such a table\n\
--    outside chatdb with PRAGMA foreign_keys = OFF, as the documentation's steps 1 and 12 say.\n\
DROP TABLE {t};\n\
ALTER TABLE {new} RENAME TO {t};\n\
\n\
-- 5. Recreate the table's indexes, triggers and views (the drop removed them):\n\
-- CREATE INDEX IF NOT EXISTS ... ON {t} (...);\n\
\n\
-- 6. The foreign keys are checked when the migration commits; a violation fails the\n\
--    commit and rolls everything back.\n"
    )
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

    #[test]
    fn the_rebuild_template_runs_on_sqlite_and_keeps_rows() {
        let conn = rusqlite::Connection::open_in_memory().expect("memory");
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; CREATE TABLE \"user\" (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO \"user\" (id) VALUES (1), (2);",
        )
        .expect("fixture");
        let sql = format!("BEGIN;\n{}COMMIT;", sqlite_rebuild("user"));
        conn.execute_batch(&sql).expect("template applies");
        let n: i64 = conn
            .query_row("SELECT count(*) FROM \"user\"", [], |r| r.get(0))
            .expect("count");
        assert_eq!(n, 2);
    }
}
