//! Fresh apply: a schema's migrations, in order, on an empty scratch database of each
//! dialect, then the result read back with [`crate::model::inventory`] for parity and the
//! manifest check.
//!
//! - SQLite: an in-memory database.
//! - PostgreSQL: a database `chatdb_validate_<pid>_<n>` created on the given server for this
//!   one schema and dropped afterwards (`DROP DATABASE ... WITH (FORCE)`) by a guard, on
//!   success, on error and on panic alike. No other database is touched: the given URL's
//!   database is only the place the CREATE/DROP DATABASE statements are sent from.
//!
//! Each migration runs whole (as `migrate` sends it) inside one transaction, behind a
//! savepoint; when one fails, the savepoint is rolled back and its statements are replayed
//! one at a time to find the failing statement and its line.

use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};

use crate::catalog::MigrationFile;
use crate::db::postgres::{describe, quote_ident, PgTarget};
use crate::db::{Access, Conn, ConnectOpts, Session, Target, TxKind};
use crate::model::inventory::Inventory;
use crate::names::DEFAULT_NAMESPACE;
use crate::sqltext;

/// How applying a dialect's migrations went.
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
    pub statement: Option<String>,
    /// The server's message.
    pub message: String,
}

/// Applies `files` to a fresh in-memory SQLite database.
pub fn sqlite(files: &[MigrationFile], opts: ConnectOpts) -> Result<Outcome> {
    let mut conn = Conn::open(&Target::Sqlite(None), opts)
        .context("opening the scratch in-memory SQLite database")?;
    run(&mut conn, files, opts)
}

/// Applies `files` to a scratch database created on `server` and dropped afterwards.
pub fn postgres(server: &PgTarget, files: &[MigrationFile], opts: ConnectOpts) -> Result<Outcome> {
    let guard = ScratchDb::create(server, opts)?;
    let mut target = server.clone();
    target.config.dbname(&guard.name);
    let mut conn = Conn::open(
        &Target::Postgres(Box::new(target)),
        ConnectOpts {
            access: Access::Existing,
            ..opts
        },
    )
    .with_context(|| format!("connecting to the scratch database {}", guard.name))?;
    let outcome = run(&mut conn, files, opts);
    drop(conn);
    guard.drop_now()?;
    outcome
}

fn run(conn: &mut Conn, files: &[MigrationFile], opts: ConnectOpts) -> Result<Outcome> {
    conn.in_transaction(
        TxKind::Scratch,
        DEFAULT_NAMESPACE,
        opts.lock_timeout,
        |session| {
            for (i, file) in files.iter().enumerate() {
                batch(session, "SAVEPOINT chatdb_validate")?;
                match session.batch(&file.sql) {
                    Ok(()) => batch(session, "RELEASE SAVEPOINT chatdb_validate")?,
                    Err(whole) => {
                        batch(session, "ROLLBACK TO SAVEPOINT chatdb_validate")?;
                        return Ok(Outcome::Failed(locate(session, i, file, whole.message)));
                    }
                }
            }
            Ok(Outcome::Applied(session.inventory(DEFAULT_NAMESPACE)?))
        },
    )
}

fn batch(session: &mut dyn Session, sql: &str) -> Result<()> {
    session
        .batch(sql)
        .map_err(|e| anyhow::anyhow!("{sql}: {}", e.message))
}

/// Replays `file` statement by statement to find the one that fails.
fn locate(
    session: &mut dyn Session,
    index: usize,
    file: &MigrationFile,
    message: String,
) -> Failure {
    for stmt in sqltext::split(&file.sql) {
        let text = stmt.text(&file.sql);
        if let Err(e) = session.batch(text) {
            let first = sqltext::tokens(text).first().map_or(0, |t| t.start);
            return Failure {
                file: index,
                line: Some(sqltext::line_at(&file.sql, stmt.start + first)),
                statement: Some(crate::model::inventory::one_line(text)),
                message: e.message,
            };
        }
    }
    Failure {
        file: index,
        line: None,
        statement: None,
        message,
    }
}

/// Numbers the scratch databases of one run.
static SCRATCH_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A scratch PostgreSQL database, dropped when this goes out of scope.
struct ScratchDb {
    admin: Option<postgres::Client>,
    name: String,
}

impl ScratchDb {
    fn create(server: &PgTarget, opts: ConnectOpts) -> Result<ScratchDb> {
        let mut admin = server.connect(opts)?;
        let name = format!(
            "chatdb_validate_{}_{}",
            std::process::id(),
            SCRATCH_COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        admin
            .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&name)))
            .map_err(|e| anyhow::anyhow!("{}", describe(&e)))
            .with_context(|| {
                format!(
                    "creating the scratch database {name} on {} (validate needs the CREATEDB privilege there)",
                    server.display
                )
            })?;
        Ok(ScratchDb {
            admin: Some(admin),
            name,
        })
    }

    /// Drops the database now, reporting a failure (the guard's own drop cannot).
    fn drop_now(mut self) -> Result<()> {
        let result = self.drop_database();
        self.admin = None;
        result
    }

    fn drop_database(&mut self) -> Result<()> {
        let Some(admin) = self.admin.as_mut() else {
            return Ok(());
        };
        admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(&self.name)
            ))
            .map_err(|e| anyhow::anyhow!("{}", describe(&e)))
            .with_context(|| format!("dropping the scratch database {}", self.name))
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let _ = self.drop_database();
    }
}
