//! What makes a migration safe on a big, live table, before any database is involved: the
//! `-- chatdb:no-transaction` marker and how pending migrations are grouped by it
//! ([`groups`]), the index a `CREATE INDEX CONCURRENTLY` builds (known from the statement,
//! so that an INVALID leftover of a failed or killed build can be dropped and rebuilt), and
//! the bounded back-off of a statement that timed out waiting for its lock ([`Retry`]).
//! `migrator.rs` runs what this decides.

use std::time::Duration;

use serde::Serialize;

use crate::catalog::{Dialect, MigrationFile};
use crate::sqltext::{self, TokenKind};

/// The first line that makes a migration run outside a transaction.
pub const NO_TRANSACTION_MARKER: &str = "-- chatdb:no-transaction";

/// Whether `sql` starts with [`NO_TRANSACTION_MARKER`] (its first line, trimmed).
pub fn is_no_transaction(sql: &str) -> bool {
    sql.lines()
        .next()
        .is_some_and(|l| l.trim().eq_ignore_ascii_case(NO_TRANSACTION_MARKER))
}

/// A line of a SQLite migration's leading comments that makes it a table rebuild: SQLite
/// runs it in a transaction of its own with `PRAGMA foreign_keys` off (set before the
/// transaction begins: inside one the pragma does nothing), checks `PRAGMA
/// foreign_key_check` before it commits (a violation rolls the migration back), and turns
/// foreign keys on again, as <https://www.sqlite.org/lang_altertable.html#otheralter>
/// prescribes. PostgreSQL ignores it.
pub const FOREIGN_KEYS_OFF_MARKER: &str = "-- chatdb:foreign-keys-off";

/// Whether one of the comment lines before `sql`'s first statement is
/// [`FOREIGN_KEYS_OFF_MARKER`].
pub fn is_foreign_keys_off(sql: &str) -> bool {
    for line in sql.lines().map(str::trim) {
        if line.eq_ignore_ascii_case(FOREIGN_KEYS_OFF_MARKER) {
            return true;
        }
        if !(line.is_empty() || line.starts_with("--")) {
            return false;
        }
    }
    false
}

/// Whether `dialect` runs a no-transaction migration outside a transaction. PostgreSQL
/// does; SQLite accepts the marker and runs the file in a transaction like any other (its
/// DDL is transactional, it has no `CONCURRENTLY`, and its one lock is the whole file).
pub fn outside_transactions(dialect: Dialect) -> bool {
    dialect == Dialect::Postgres
}

/// Consecutive pending migrations that commit together.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// The versions, in order.
    pub versions: Vec<u32>,
    /// `false` for one no-transaction migration, run statement by statement.
    pub transaction: bool,
    /// One SQLite table rebuild ([`FOREIGN_KEYS_OFF_MARKER`]), run with foreign keys off
    /// and checked before it commits. Left out of JSON when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub foreign_keys_off: bool,
}

impl Group {
    /// An ordinary group: one transaction, foreign keys on.
    pub fn transactional(versions: Vec<u32>) -> Group {
        Group {
            versions,
            transaction: true,
            foreign_keys_off: false,
        }
    }
}

/// Splits the pending migrations into the groups a run commits: transactional migrations
/// in a row form one group, and each no-transaction migration (where the dialect runs it
/// outside a transaction) and each SQLite table rebuild is a group of its own.
pub fn groups(todo: &[&MigrationFile], dialect: Dialect) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for f in todo {
        let outside = outside_transactions(dialect) && is_no_transaction(&f.sql);
        let rebuild = dialect == Dialect::Sqlite && is_foreign_keys_off(&f.sql);
        match out.last_mut() {
            Some(g) if g.transaction && !g.foreign_keys_off && !outside && !rebuild => {
                g.versions.push(f.version)
            }
            _ => out.push(Group {
                versions: vec![f.version],
                transaction: !outside,
                foreign_keys_off: rebuild,
            }),
        }
    }
    out
}

/// `V1, V2` for messages.
pub fn versions_label(versions: &[u32]) -> String {
    let v: Vec<String> = versions.iter().map(|v| format!("V{v}")).collect();
    v.join(", ")
}

/// The index a `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON ...` builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcurrentIndex {
    pub name: String,
    pub if_not_exists: bool,
}

/// The index `statement` builds concurrently, if it is such a statement and names it.
pub fn concurrent_index(statement: &str) -> Option<ConcurrentIndex> {
    let t = sqltext::tokens(statement);
    let mut i = 0;
    let word = |i: usize, w: &str| t.get(i).is_some_and(|x| x.is(w));
    if !word(i, "CREATE") {
        return None;
    }
    i += 1;
    if word(i, "UNIQUE") {
        i += 1;
    }
    if !word(i, "INDEX") || !word(i + 1, "CONCURRENTLY") {
        return None;
    }
    i += 2;
    let if_not_exists = word(i, "IF") && word(i + 1, "NOT") && word(i + 2, "EXISTS");
    if if_not_exists {
        i += 3;
    }
    let name = t.get(i)?;
    if word(i, "ON") || !matches!(name.kind, TokenKind::Word | TokenKind::Quoted) {
        return None;
    }
    Some(ConcurrentIndex {
        name: name.name(),
        if_not_exists,
    })
}

/// An object a statement makes, by which a run that stopped halfway is recognised.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Made {
    /// `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name`, `CREATE TABLE`, `CREATE
    /// [MATERIALIZED] VIEW`, `CREATE SEQUENCE`: what, and its name.
    Relation(&'static str, String),
    /// `ALTER TABLE t ADD [COLUMN] [IF NOT EXISTS] c`.
    Column(String, String),
}

impl std::fmt::Display for Made {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Made::Relation(kind, name) => write!(f, "{kind} {name}"),
            Made::Column(table, column) => write!(f, "column {table}.{column}"),
        }
    }
}

/// What `statement` makes, if it makes a relation or a column (see [`Made`]).
pub fn made_by(statement: &str) -> Option<Made> {
    let t = sqltext::tokens(statement);
    let at = |i: usize, w: &str| t.get(i).is_some_and(|x| x.is(w));
    // The last part of a possibly qualified name starting at `i`, and the index after it.
    let name = |mut i: usize| -> Option<(String, usize)> {
        if at(i, "IF") && at(i + 1, "NOT") && at(i + 2, "EXISTS") {
            i += 3;
        }
        let mut n = t.get(i)?;
        if t.get(i + 1).is_some_and(|p| p.is_punct('.')) {
            n = t.get(i + 2)?;
            i += 2;
        }
        matches!(n.kind, TokenKind::Word | TokenKind::Quoted).then(|| (n.name(), i + 1))
    };
    if at(0, "CREATE") {
        let mut i = 1;
        if at(i, "OR") && at(i + 1, "REPLACE") {
            i += 2;
        }
        while at(i, "UNIQUE") || at(i, "UNLOGGED") || at(i, "MATERIALIZED") {
            i += 1;
        }
        let kind = ["INDEX", "TABLE", "VIEW", "SEQUENCE"]
            .into_iter()
            .find(|k| at(i, k))?;
        i += 1;
        if kind == "INDEX" && at(i, "CONCURRENTLY") {
            i += 1;
        }
        if at(i, "ON") {
            return None;
        }
        let (n, _) = name(i)?;
        return Some(Made::Relation(
            match kind {
                "INDEX" => "index",
                "TABLE" => "table",
                "VIEW" => "view",
                _ => "sequence",
            },
            n,
        ));
    }
    if at(0, "ALTER") && at(1, "TABLE") {
        let mut i = 2;
        if at(i, "IF") && at(i + 1, "EXISTS") {
            i += 2;
        }
        if at(i, "ONLY") {
            i += 1;
        }
        let (table, mut i) = name(i)?;
        if !at(i, "ADD") {
            return None;
        }
        i += 1;
        if at(i, "COLUMN") {
            i += 1;
        } else if [
            "CONSTRAINT",
            "PRIMARY",
            "UNIQUE",
            "FOREIGN",
            "CHECK",
            "EXCLUDE",
        ]
        .iter()
        .any(|w| at(i, w))
        {
            return None;
        }
        let (column, _) = name(i)?;
        return Some(Made::Column(table, column));
    }
    None
}

/// Why `statement` of a no-transaction migration is not known to be idempotent (`None` when
/// it is). A failed or killed no-transaction run is finished by running the file again, so
/// each statement must do no harm the second time: `IF NOT EXISTS` / `IF EXISTS`, `CREATE
/// OR REPLACE`, or a statement that is repeatable by nature (`REINDEX`, `VALIDATE
/// CONSTRAINT`, `ALTER COLUMN ... SET/DROP`, `ANALYZE`, `COMMENT`, `GRANT`, `SELECT`).
#[cfg(test)]
pub fn not_idempotent(statement: &str) -> Option<String> {
    not_idempotent_tokens(&sqltext::tokens(statement))
}

/// Why a statement (its tokens) of a no-transaction migration is not known to be
/// idempotent; see [`not_idempotent`].
pub fn not_idempotent_tokens(t: &[sqltext::Token]) -> Option<String> {
    let at = |i: usize, w: &str| t.get(i).is_some_and(|x| x.is(w));
    let has = |w: &str| t.iter().any(|x| x.is(w));
    let has_seq = |a: &str, b: &str| t.windows(2).any(|p| p[0].is(a) && p[1].is(b));
    let if_not_exists = t
        .windows(3)
        .any(|p| p[0].is("IF") && p[1].is("NOT") && p[2].is("EXISTS"));
    let if_exists = has_seq("IF", "EXISTS");
    let first = t
        .first()
        .map(|x| x.text.to_ascii_uppercase())
        .unwrap_or_default();
    match first.as_str() {
        "" | "SELECT" | "REINDEX" | "ANALYZE" | "VACUUM" | "COMMENT" | "GRANT" | "REVOKE"
        | "SET" | "RESET" => None,
        "CREATE" => {
            if at(1, "OR") && at(2, "REPLACE") || if_not_exists {
                return None;
            }
            let i = if at(1, "UNIQUE") { 2 } else { 1 };
            let j = if at(i + 1, "CONCURRENTLY") { i + 2 } else { i + 1 };
            if at(i, "INDEX") && at(j, "ON") {
                return Some(
                    "an index without a name is built again, as a duplicate, each time the file runs: name it and add IF NOT EXISTS".to_string(),
                );
            }
            Some("CREATE without IF NOT EXISTS fails when a first, interrupted run already made the object: add IF NOT EXISTS".to_string())
        }
        "DROP" => (!if_exists).then(|| {
            "DROP without IF EXISTS fails when a first, interrupted run already dropped it: add IF EXISTS".to_string()
        }),
        "ALTER" if at(1, "TABLE") => {
            // Each action of the statement must be repeatable.
            if has("RENAME") {
                return Some("a RENAME fails the second time (the old name is gone): do it in a transactional migration".to_string());
            }
            if has_seq("ADD", "CONSTRAINT")
                || (has("ADD") && (has_seq("PRIMARY", "KEY") || has("UNIQUE") || has("CHECK") || has("FOREIGN")) && !has("COLUMN"))
            {
                return Some("ADD CONSTRAINT has no IF NOT EXISTS in PostgreSQL: add the constraint in a transactional migration".to_string());
            }
            if has_seq("ADD", "COLUMN") && !if_not_exists {
                return Some("ADD COLUMN without IF NOT EXISTS fails the second time: write ADD COLUMN IF NOT EXISTS".to_string());
            }
            if has("DROP") && !has_seq("DROP", "NOT") && !has_seq("DROP", "DEFAULT") && !if_exists {
                return Some("DROP without IF EXISTS fails the second time: add IF EXISTS".to_string());
            }
            None
        }
        "ALTER" if at(1, "TYPE") && has_seq("ADD", "VALUE") && !if_not_exists => Some(
            "ALTER TYPE ... ADD VALUE without IF NOT EXISTS fails the second time: add IF NOT EXISTS".to_string(),
        ),
        "ALTER" if at(1, "INDEX") || at(1, "TYPE") || at(1, "SEQUENCE") => None,
        "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "TRUNCATE" | "COPY" => Some(format!(
            "a data change ({first}) is not known to be idempotent: move it to a transactional migration, or allow it if running it twice is harmless"
        )),
        _ => Some(format!(
            "{first} is not known to be idempotent: a failed or killed run is finished by running the file again"
        )),
    }
}

/// `check`'s fix SQL as migration steps: the statements that must run outside a transaction
/// (`CONCURRENTLY`), made idempotent (`IF NOT EXISTS` / `IF EXISTS`, as
/// `no-transaction-idempotent` requires), and the others, in their order; names qualified
/// with `namespace` lose it (a migration runs in whatever namespace it is applied to).
pub fn fix_steps(fixes: &[&str], namespace: Option<&str>) -> (Vec<String>, Vec<String>) {
    let (mut outside, mut inside) = (Vec::new(), Vec::new());
    for fix in fixes {
        for statement in sqltext::split(fix) {
            let text = unqualified(statement.text(fix), namespace);
            let t = sqltext::tokens(&text);
            let at = |i: usize, w: &str| t.get(i).is_some_and(|x| x.is(w));
            let u = if at(1, "UNIQUE") { 2 } else { 1 };
            let insert = if at(0, "CREATE") && at(u, "INDEX") && at(u + 1, "CONCURRENTLY") {
                (!at(u + 2, "IF")).then(|| (t.get(u + 2).map(|x| x.start), "IF NOT EXISTS "))
            } else if at(0, "DROP") && at(1, "INDEX") && at(2, "CONCURRENTLY") {
                (!at(3, "IF")).then(|| (t.get(3).map(|x| x.start), "IF EXISTS "))
            } else {
                None
            };
            let concurrent = t.iter().take(4).any(|x| x.is("CONCURRENTLY"));
            let mut text = text.clone();
            if let Some((Some(pos), words)) = insert {
                text.insert_str(pos, words);
            }
            if concurrent {
                outside.push(text);
            } else {
                inside.push(text);
            }
        }
    }
    (outside, inside)
}

/// `statement` with `namespace.` taken off the names it qualifies.
fn unqualified(statement: &str, namespace: Option<&str>) -> String {
    let Some(ns) = namespace else {
        return statement.to_string();
    };
    let t = sqltext::tokens(statement);
    let mut out = String::new();
    let mut from = 0;
    for (i, tok) in t.iter().enumerate() {
        let is_name = matches!(tok.kind, TokenKind::Word | TokenKind::Quoted);
        if is_name && tok.name() == ns && t.get(i + 1).is_some_and(|d| d.is_punct('.')) {
            out.push_str(statement.get(from..tok.start).unwrap_or_default());
            from = t[i + 1].end;
        }
    }
    out.push_str(statement.get(from..).unwrap_or_default());
    out
}

/// A no-transaction migration as a scratch apply runs it, inside its one rolled-back
/// transaction (`check`'s expected model, `validate`'s fresh apply): the word
/// `CONCURRENTLY` of `CREATE [UNIQUE] INDEX`, `DROP INDEX` and `REINDEX` blanked out (same
/// length, so lines and offsets stay), since an index built concurrently is the same index.
/// Other files are returned as they are.
pub fn for_scratch(sql: &str) -> std::borrow::Cow<'_, str> {
    if !is_no_transaction(sql) {
        return std::borrow::Cow::Borrowed(sql);
    }
    let mut out = sql.to_string();
    for statement in sqltext::split(sql) {
        let t = sqltext::tokens(statement.text(sql));
        let words: Vec<&sqltext::Token> = t.iter().take(6).collect();
        let at = |i: usize, w: &str| words.get(i).is_some_and(|x| x.is(w));
        let position = if at(0, "CREATE") {
            let i = if at(1, "UNIQUE") { 2 } else { 1 };
            (at(i, "INDEX") && at(i + 1, "CONCURRENTLY")).then_some(i + 1)
        } else if at(0, "DROP") {
            (at(1, "INDEX") && at(2, "CONCURRENTLY")).then_some(2)
        } else if at(0, "REINDEX") {
            (1..words.len()).find(|&i| at(i, "CONCURRENTLY"))
        } else {
            None
        };
        if let Some(token) = position.and_then(|i| words.get(i)) {
            let (start, end) = (statement.start + token.start, statement.start + token.end);
            out.replace_range(start..end, &" ".repeat(end - start));
        }
    }
    std::borrow::Cow::Owned(out)
}

/// How often, and after how long, a migration statement that timed out waiting for its
/// lock is tried again.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// The statement's `lock_timeout`.
    pub lock_timeout: Duration,
    /// Tries after the first.
    pub retries: u32,
}

/// `--ddl-lock-timeout` when not given: this, or `--lock-timeout` when that is shorter.
pub const DEFAULT_DDL_LOCK_TIMEOUT: Duration = Duration::from_secs(3);

/// The first pause; each next one doubles, up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_millis(500);
pub const MAX_BACKOFF: Duration = Duration::from_secs(8);

impl Retry {
    /// The pause after failed try number `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        FIRST_BACKOFF.saturating_mul(factor).min(MAX_BACKOFF)
    }

    /// The one stderr line of a try that timed out: who held a lock on the namespace's
    /// tables (`holders`, as `Backend::lock_holders` describes them), what happens next.
    pub fn log_line(&self, what: &str, attempt: u32, holders: &[String]) -> String {
        let tries = self.retries + 1;
        let who = match holders.first() {
            Some(h) => format!("held by {h}"),
            None => "holder already gone".to_string(),
        };
        let next = if attempt < tries {
            format!(
                "retrying in {}",
                humantime::format_duration(self.backoff(attempt))
            )
        } else {
            "giving up".to_string()
        };
        format!(
            "chatdb: {what}: lock not had within {} (try {attempt} of {tries}), {who}; {next}",
            humantime::format_duration(self.lock_timeout)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(version: u32, sql: &str) -> MigrationFile {
        MigrationFile {
            version,
            name: format!("m{version}"),
            path: format!("V{version}__m{version}.sql"),
            sql: sql.to_string(),
        }
    }

    #[test]
    fn the_marker_is_the_first_line_only() {
        assert!(is_no_transaction(
            "-- chatdb:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);"
        ));
        assert!(is_no_transaction("  -- CHATDB:NO-TRANSACTION  \n"));
        assert!(!is_no_transaction(
            "-- header\n-- chatdb:no-transaction\nSELECT 1;"
        ));
        assert!(!is_no_transaction(""));
    }

    #[test]
    fn no_transaction_migrations_are_groups_of_their_own_on_postgres_only() {
        let nt = "-- chatdb:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\n";
        let files = [
            file(1, "SELECT 1;"),
            file(2, "SELECT 2;"),
            file(3, nt),
            file(4, nt),
            file(5, "SELECT 5;"),
        ];
        let todo: Vec<&MigrationFile> = files.iter().collect();
        let g = groups(&todo, Dialect::Postgres);
        let shape: Vec<(Vec<u32>, bool)> = g
            .iter()
            .map(|g| (g.versions.clone(), g.transaction))
            .collect();
        assert_eq!(
            shape,
            vec![
                (vec![1, 2], true),
                (vec![3], false),
                (vec![4], false),
                (vec![5], true)
            ]
        );
        let g = groups(&todo, Dialect::Sqlite);
        assert_eq!(g.len(), 1, "SQLite runs everything in one transaction");
        assert!(g[0].transaction);
    }

    #[test]
    fn sqlite_rebuilds_are_groups_of_their_own_with_foreign_keys_off() {
        let rebuild = "-- chatdb:no-transaction\n-- chatdb:foreign-keys-off\n-- why\nCREATE TABLE t_new (a int);\n";
        assert!(is_foreign_keys_off(rebuild));
        assert!(!is_foreign_keys_off(
            "SELECT 1;\n-- chatdb:foreign-keys-off\n"
        ));
        let files = [
            file(1, "SELECT 1;"),
            file(2, rebuild),
            file(3, "SELECT 3;"),
            file(4, "SELECT 4;"),
        ];
        let todo: Vec<&MigrationFile> = files.iter().collect();
        let shape = |d| -> Vec<(Vec<u32>, bool, bool)> {
            groups(&todo, d)
                .into_iter()
                .map(|g| (g.versions, g.transaction, g.foreign_keys_off))
                .collect()
        };
        assert_eq!(
            shape(Dialect::Sqlite),
            vec![
                (vec![1], true, false),
                (vec![2], true, true),
                (vec![3, 4], true, false)
            ]
        );
        assert_eq!(
            shape(Dialect::Postgres),
            vec![
                (vec![1], true, false),
                (vec![2], false, false),
                (vec![3, 4], true, false)
            ],
            "PostgreSQL ignores the rebuild marker"
        );
    }

    #[test]
    fn what_a_statement_makes_is_known_from_it() {
        let r = |k, n: &str| Some(Made::Relation(k, n.to_string()));
        assert_eq!(
            made_by("CREATE TABLE IF NOT EXISTS app.pins (id int)"),
            r("table", "pins")
        );
        assert_eq!(
            made_by("create unique index concurrently if not exists \"Pin Idx\" on pins (id)"),
            r("index", "Pin Idx")
        );
        assert_eq!(
            made_by("CREATE OR REPLACE VIEW v AS SELECT 1"),
            r("view", "v")
        );
        assert_eq!(
            made_by("ALTER TABLE messages ADD COLUMN IF NOT EXISTS pinned boolean"),
            Some(Made::Column("messages".into(), "pinned".into()))
        );
        for none in [
            "CREATE INDEX CONCURRENTLY ON t (a)",
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)",
            "ALTER TABLE t DROP COLUMN a",
            "DROP INDEX CONCURRENTLY IF EXISTS i",
            "SELECT 1",
        ] {
            assert_eq!(made_by(none), None, "{none}");
        }
    }

    #[test]
    fn the_index_name_comes_from_the_statement() {
        let ci = |s| concurrent_index(s).map(|c| (c.name, c.if_not_exists));
        assert_eq!(
            ci("CREATE INDEX CONCURRENTLY IF NOT EXISTS Messages_Room ON messages (room_id)"),
            Some(("messages_room".to_string(), true))
        );
        assert_eq!(
            ci("create unique index concurrently \"User Idx\" on \"user\" (email)"),
            Some(("User Idx".to_string(), false))
        );
        assert_eq!(ci("CREATE INDEX CONCURRENTLY ON t (a)"), None, "no name");
        assert_eq!(ci("CREATE INDEX i ON t (a)"), None, "not concurrent");
        assert_eq!(ci("CREATE INDEX CONCURRENTLY"), None);
    }

    #[test]
    fn no_transaction_statements_must_be_idempotent() {
        for ok in [
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)",
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON \"user\" (email)",
            "DROP INDEX CONCURRENTLY IF EXISTS i",
            "REINDEX INDEX CONCURRENTLY i",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS x int",
            "ALTER TABLE t VALIDATE CONSTRAINT c",
            "ALTER TABLE t ALTER COLUMN x DROP NOT NULL",
            "ALTER TABLE t ALTER COLUMN x DROP DEFAULT",
            "ALTER TABLE t DROP COLUMN IF EXISTS x",
            "CREATE OR REPLACE VIEW v AS SELECT 1",
            "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh'",
            "ANALYZE t",
            "",
        ] {
            assert_eq!(not_idempotent(ok), None, "{ok}");
        }
        for bad in [
            "CREATE INDEX CONCURRENTLY i ON t (a)",
            "CREATE INDEX CONCURRENTLY ON t (a)",
            "DROP INDEX CONCURRENTLY i",
            "ALTER TABLE t ADD COLUMN x int",
            "ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0) NOT VALID",
            "ALTER TABLE t RENAME COLUMN a TO b",
            "ALTER TABLE t DROP COLUMN x",
            "INSERT INTO t VALUES (1)",
            "ALTER TYPE mood ADD VALUE 'meh'",
            "DO $$ BEGIN END $$",
        ] {
            assert!(not_idempotent(bad).is_some(), "{bad}");
        }
        assert!(not_idempotent("CREATE INDEX CONCURRENTLY ON t (a)")
            .is_some_and(|w| w.contains("duplicate")));
    }

    #[test]
    fn check_fixes_split_into_idempotent_no_transaction_steps_and_transactional_ones() {
        let fixes = [
            "CREATE INDEX CONCURRENTLY idx_messages_sender ON public.messages USING btree (sender_id);",
            "DROP INDEX CONCURRENTLY public.dup;",
            "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON public.\"user\" USING btree (email);\nALTER TABLE public.\"user\" ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;",
        ];
        let (outside, inside) = fix_steps(&fixes, Some("public"));
        assert_eq!(
            outside,
            vec![
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_messages_sender ON messages USING btree (sender_id);",
                "DROP INDEX CONCURRENTLY IF EXISTS dup;",
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON \"user\" USING btree (email);",
            ]
        );
        assert_eq!(
            inside,
            vec!["ALTER TABLE \"user\" ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;"]
        );
        for s in &outside {
            assert_eq!(not_idempotent(s), None, "{s}");
        }
        let (outside, inside) = fix_steps(&["CREATE INDEX i ON t (a);"], None);
        assert!(outside.is_empty());
        assert_eq!(inside, vec!["CREATE INDEX i ON t (a);"]);
    }

    #[test]
    fn scratch_applies_build_concurrent_indexes_in_their_transaction() {
        let sql = "-- chatdb:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS a ON t (x);\nDROP INDEX CONCURRENTLY IF EXISTS b;\nREINDEX INDEX CONCURRENTLY c;\nSELECT 'CONCURRENTLY';\n";
        let out = for_scratch(sql);
        assert_eq!(out.len(), sql.len(), "offsets stay");
        assert!(!out.contains(" CONCURRENTLY "), "{out}");
        assert!(
            out.contains("'CONCURRENTLY'"),
            "a string is not a keyword: {out}"
        );
        assert_eq!(out.lines().count(), sql.lines().count());
        let plain = "CREATE INDEX CONCURRENTLY a ON t (x);";
        assert_eq!(for_scratch(plain), plain, "only no-transaction files");
    }

    #[test]
    fn backoff_doubles_up_to_a_cap_and_the_log_names_the_holder() {
        let r = Retry {
            lock_timeout: Duration::from_secs(1),
            retries: 2,
        };
        assert_eq!(r.backoff(1), Duration::from_millis(500));
        assert_eq!(r.backoff(2), Duration::from_secs(1));
        assert_eq!(r.backoff(40), MAX_BACKOFF);
        let h = "pid 42 (application_name `app`, transaction open 3.2s, idle in transaction, query 3.1s) holds t RowExclusiveLock".to_string();
        let l = r.log_line("V2__x.sql line 3", 1, std::slice::from_ref(&h));
        assert!(l.contains("held by pid 42 (application_name `app`"), "{l}");
        assert!(
            l.contains("try 1 of 3") && l.contains("retrying in 500ms"),
            "{l}"
        );
        assert!(!l.contains('\n'));
        assert!(r.log_line("x", 3, &[]).ends_with("giving up"));
    }
}
