//! The one scratch apply: a schema's migrations applied to a scratch database of either
//! dialect, statement by statement, then introspected with the very same queries as a
//! live database ([`apply`]); and [`run_file`], the statement-by-statement executor that
//! `migrate` also runs its migrations with, so that a failing statement is known (file,
//! line, statement, the server's message) without running anything a second time.
//!
//! Where the scratch database is ([`Place`]):
//! - a fresh in-memory SQLite database;
//! - beside a live PostgreSQL database (`check`): a scratch namespace
//!   `chatdb_scratch_<pid>` created inside a transaction on the same connection (so the
//!   server's version and defaults apply), with `search_path` set to it; the migrations run
//!   there, the result is introspected, and the transaction is rolled back. That needs no
//!   CREATEDB privilege (only CREATE on the database, as for `migrate`), never touches the
//!   checked namespace, and leaves nothing behind, even if chatdb is killed halfway (the
//!   server rolls back an open transaction when its connection goes);
//! - a database created on a PostgreSQL server and dropped afterwards (`validate`, see
//!   `db/postgres/scratch.rs`).

use anyhow::{bail, Context, Result};

use super::postgres::scratch::ScratchDb;
use super::postgres::PgTarget;
use super::{Access, Conn, ConnectOpts, Session, SqlError, Target, TxKind};
use crate::catalog::{Dialect, MigrationFile};
use crate::model::inventory::Inventory;
use crate::names::DEFAULT_NAMESPACE;
use crate::sqltext::{self, Statement};

/// The dialect a [`Place::Memory`] scratch database speaks.
pub const MEMORY_DIALECT: Dialect = Dialect::Sqlite;

/// Where [`apply`] builds the scratch database.
pub enum Place<'a> {
    /// Beside the database `conn` is connected to: a rolled-back scratch namespace where the
    /// dialect has namespaces, a fresh in-memory database where it has none.
    Beside(&'a mut Conn),
    /// A fresh in-memory SQLite database.
    Memory,
    /// A database created on this PostgreSQL server for the apply, dropped afterwards.
    Server(&'a PgTarget),
}

/// How applying the migrations went.
pub enum Outcome {
    /// Every migration applied; the resulting schema.
    Applied(Inventory),
    /// A migration failed.
    Failed(Failure),
}

/// A migration that did not apply.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Index of the file in the list given.
    pub file: usize,
    /// Line of the failing statement, when it could be found.
    pub line: Option<usize>,
    /// The failing statement on one line.
    pub statement: Option<String>,
    /// The server's message.
    pub message: String,
}

impl Outcome {
    /// The inventory, or an error naming the file that did not apply.
    pub fn into_inventory(self, files: &[&MigrationFile]) -> Result<Inventory> {
        match self {
            Outcome::Applied(inv) => Ok(inv),
            Outcome::Failed(f) => {
                let path = files.get(f.file).map_or("?", |m| m.path.as_str());
                let line = f.line.map_or(String::new(), |l| format!(", line {l}"));
                bail!(
                    "applying {path}{line} to the scratch database failed: {}",
                    f.message
                )
            }
        }
    }
}

/// A statement of a migration that failed.
#[derive(Debug, Clone)]
pub struct Located {
    /// The statement, as a range of the migration's text (with its first line).
    pub statement: Statement,
    /// The server's error; its offset, if any, is into the migration's text.
    pub error: SqlError,
}

/// Runs `sql` statement by statement on `session`, stopping at the first that fails.
/// `sql` is split once and each statement sent once, so this adds nothing to the cost of
/// [`sqltext::split`] (which gives each statement's line) and of the statements themselves.
pub fn run_file(session: &mut dyn Session, sql: &str) -> Result<usize, Located> {
    let statements = sqltext::split(sql);
    for statement in &statements {
        if let Err(e) = session.batch(statement.text(sql)) {
            return Err(Located {
                error: e.shifted(statement.start),
                statement: statement.clone(),
            });
        }
    }
    Ok(statements.len())
}

/// Applies `files`, in order, to a scratch database at `place` (see the module header) and
/// returns the resulting schema, or the first failing file, line and statement.
pub fn apply(place: Place, files: &[&MigrationFile], opts: ConnectOpts) -> Result<Outcome> {
    at(place, opts, |conn, namespace| {
        run(conn, namespace, files, opts)
    })
}

/// Like [`apply`], but the schema after each file (`adopt` compares a database with every
/// version): one scratch database, each file applied once, introspected after each.
pub fn apply_each(
    place: Place,
    files: &[&MigrationFile],
    opts: ConnectOpts,
) -> Result<Vec<Inventory>> {
    at(place, opts, |conn, namespace| {
        conn.in_transaction(TxKind::Scratch, namespace, opts.lock_timeout, |session| {
            let mut each = Vec::new();
            for (i, file) in files.iter().enumerate() {
                if let Err(located) = run_file(session, &file.sql) {
                    let failed = Outcome::Failed(Failure {
                        file: i,
                        line: Some(located.statement.line),
                        statement: Some(sqltext::collapse_spaces(
                            located.statement.text(&file.sql),
                        )),
                        message: located.error.message,
                    });
                    return failed.into_inventory(files).map(|_| Vec::new());
                }
                each.push(session.inventory(namespace)?);
            }
            Ok(each)
        })
    })
}

/// Runs `f` on the scratch database at `place`, in the namespace it works in.
fn at<T>(
    place: Place,
    opts: ConnectOpts,
    f: impl FnOnce(&mut Conn, &str) -> Result<T>,
) -> Result<T> {
    match place {
        Place::Beside(conn) if conn.namespace().is_some() => {
            let scratch = format!("chatdb_scratch_{}", std::process::id());
            f(conn, &scratch).context(
                "building the expected schema in a scratch namespace (rolled back; needs CREATE on the database)",
            )
        }
        Place::Beside(_) | Place::Memory => {
            let mut memory = Conn::open(
                &Target::Sqlite(None),
                ConnectOpts {
                    access: Access::Create,
                    ..opts
                },
                DEFAULT_NAMESPACE,
            )
            .context("opening the in-memory scratch database")?;
            f(&mut memory, DEFAULT_NAMESPACE)
                .context("building the schema in an in-memory SQLite database")
        }
        Place::Server(server) => {
            let (guard, target) = ScratchDb::create(server, opts)?;
            let mut conn = Conn::open(
                &Target::Postgres(Box::new(target)),
                ConnectOpts {
                    access: Access::Existing,
                    ..opts
                },
                DEFAULT_NAMESPACE,
            )
            .with_context(|| format!("connecting to the scratch database {}", guard.name))?;
            let outcome = f(&mut conn, DEFAULT_NAMESPACE);
            drop(conn);
            guard.drop_now()?;
            outcome
        }
    }
}

fn run(
    conn: &mut Conn,
    namespace: &str,
    files: &[&MigrationFile],
    opts: ConnectOpts,
) -> Result<Outcome> {
    let sqlite = conn.dialect() == Dialect::Sqlite;
    conn.in_transaction(TxKind::Scratch, namespace, opts.lock_timeout, |session| {
        for (i, file) in files.iter().enumerate() {
            // A no-transaction file's CONCURRENTLY builds run in this one transaction.
            let sql = crate::online::for_scratch(&file.sql);
            // A SQLite table rebuild, which migrate runs with foreign keys off, runs here
            // with their checks deferred (foreign_keys cannot change inside a transaction).
            let rebuild = sqlite && crate::online::is_foreign_keys_off(&file.sql);
            if rebuild {
                session.batch("PRAGMA defer_foreign_keys = ON")?;
            }
            let result = run_file(session, &sql);
            if rebuild {
                session.batch("PRAGMA defer_foreign_keys = OFF")?;
            }
            if let Err(located) = result {
                return Ok(Outcome::Failed(Failure {
                    file: i,
                    line: Some(located.statement.line),
                    statement: Some(sqltext::collapse_spaces(located.statement.text(&file.sql))),
                    message: located.error.message,
                }));
            }
        }
        Ok(Outcome::Applied(session.inventory(namespace)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Recorder {
        sent: Vec<String>,
        fail_on: &'static str,
    }

    impl Session for Recorder {
        fn batch(&mut self, sql: &str) -> Result<(), SqlError> {
            self.sent.push(sql.to_string());
            if sql.contains(self.fail_on) {
                return Err(SqlError {
                    offset: Some(3),
                    ..SqlError::other("boom")
                });
            }
            Ok(())
        }
        fn history_rows(&mut self, _: &str) -> Result<Vec<super::super::HistoryRow>, SqlError> {
            Ok(vec![])
        }
        fn table_exists(&mut self, _: &str) -> Result<bool, SqlError> {
            Ok(false)
        }
        fn inventory(&mut self, _: &str) -> Result<Inventory> {
            Ok(Inventory::default())
        }
    }

    #[test]
    fn statements_run_once_each_and_the_failing_one_is_located() {
        let sql = "CREATE TABLE a (id int);\n\n-- next\nINSERT INTO a VALUES (1);\nCREATE TABLE b (id int);\n";
        let mut s = Recorder {
            sent: vec![],
            fail_on: "INSERT",
        };
        let err = run_file(&mut s, sql).expect_err("fails");
        assert_eq!(
            s.sent.len(),
            2,
            "stops at the failing statement: {:?}",
            s.sent
        );
        assert_eq!(err.statement.line, 4);
        assert_eq!(err.statement.text(sql), "INSERT INTO a VALUES (1);");
        assert_eq!(
            err.error.offset,
            Some(err.statement.start + 3),
            "the offset is into the file"
        );
        let mut s = Recorder {
            sent: vec![],
            fail_on: "nothing matches",
        };
        assert_eq!(run_file(&mut s, sql).ok(), Some(3));
    }
}
