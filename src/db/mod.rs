//! The one seam over PostgreSQL and SQLite: parse a URL ([`Target`]), connect ([`Conn`]),
//! and the [`Backend`] interface every command works through. Each dialect implements it
//! once, in its own folder (`db/postgres/`, `db/sqlite/`: connection and transactions,
//! introspection, plans, retention, loading); the per-concern parts of the interface are
//! declared next to what they serve ([`retention::Retention`], [`load::Load`],
//! [`planner::Plans`], [`stats::Stats`]). Commands hold a [`Conn`] and never match on the dialect.

pub mod error;
pub mod load;
pub mod planner;
pub mod postgres;
pub mod retention;
pub mod scratch;
pub mod sqlite;
pub mod stats;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Result};

use crate::catalog::Dialect;
use crate::conninfo;

pub use error::{SqlError, SqlResult};

/// A parsed database URL.
#[derive(Debug, Clone)]
pub enum Target {
    /// A PostgreSQL URL or key=value connection string.
    Postgres(Box<postgres::PgTarget>),
    /// A SQLite file, or `None` for an in-memory database.
    Sqlite(Option<PathBuf>),
}

impl Target {
    /// Parses a database URL or key=value string; messages never quote the text (it may
    /// hold a password): they name the scheme, a keyword or a position.
    #[cfg(test)]
    pub fn parse(url: &str) -> Result<Target> {
        Self::resolve(url, &crate::libpq::PgEnv::default(), "chatdb")
    }

    /// Like [`Target::parse`], filling in what a PostgreSQL URL leaves out from libpq's
    /// variables and files ([`crate::libpq`]), with `app` as the default application name.
    pub fn resolve(url: &str, env: &crate::libpq::PgEnv, app: &str) -> Result<Target> {
        let trimmed = url.trim();
        if trimmed.is_empty() {
            bail!("the database URL is empty");
        }
        if trimmed.starts_with("sqlite:") {
            return Ok(Target::Sqlite(conninfo::parse_sqlite(trimmed)?));
        }
        if conninfo::is_postgres_url(trimmed)
            || conninfo::scheme_of(trimmed).is_none() && trimmed.contains('=')
        {
            return Ok(Target::Postgres(Box::new(postgres::PgTarget::resolve(
                trimmed,
                env,
                &crate::libpq::RealFiles,
                app,
            )?)));
        }
        match conninfo::scheme_of(trimmed) {
            Some(scheme) => bail!(
                "unsupported database URL scheme `{scheme}`: use postgres://user@host:5432/db, a key=value connection string, or sqlite://path"
            ),
            None => bail!(
                "unsupported database URL: use postgres://user@host:5432/db, a key=value connection string, or sqlite://path"
            ),
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Target::Postgres(_) => Dialect::Postgres,
            Target::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// The namespace a command works in on this target: `configured` where the dialect
    /// has namespaces (PostgreSQL schemas), `None` on SQLite.
    pub fn namespace<'a>(&self, configured: &'a str) -> Option<&'a str> {
        match self {
            Target::Postgres(_) => Some(configured),
            Target::Sqlite(_) => None,
        }
    }

    /// Refuses a `--namespace` other than the default where the dialect has none.
    pub fn check_namespace(&self, configured: &str) -> Result<()> {
        if self.namespace(configured).is_none() && configured != crate::names::DEFAULT_NAMESPACE {
            bail!("--namespace is PostgreSQL-only (SQLite has no schemas); drop it or use a separate SQLite file");
        }
        Ok(())
    }

    /// Whether the database exists already (a SQLite file that is not there yet does not;
    /// a server is assumed to).
    pub fn exists(&self) -> bool {
        match self {
            Target::Sqlite(Some(path)) => path.exists(),
            _ => true,
        }
    }

    /// The server this target names, where validate can create scratch databases:
    /// `None` for SQLite (validate applies SQLite migrations in memory).
    pub fn into_server(self) -> Option<Box<postgres::PgTarget>> {
        match self {
            Target::Postgres(t) => Some(t),
            Target::Sqlite(_) => None,
        }
    }
}

/// `database` for messages: with `(namespace ns)` where the dialect has namespaces.
pub fn place(database: &str, namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("{database} (namespace {ns})"),
        None => database.to_string(),
    }
}

pub use crate::sqltext::quote_ident;

/// How a command means to use the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// May create the SQLite file (migrate).
    Create,
    /// The database must already exist; the command only reads.
    Existing,
}

/// Connection parameters shared by both dialects.
#[derive(Debug, Clone, Copy)]
pub struct ConnectOpts {
    pub connect_timeout: Duration,
    pub lock_timeout: Duration,
    pub access: Access,
    /// Retry a refused or starting-up PostgreSQL server until `connect_timeout` (`--wait`).
    pub wait: bool,
}

/// A row of a schema's history table (refinery's layout).
#[derive(Debug, Clone, serde::Serialize)]
pub struct HistoryRow {
    pub version: i64,
    pub name: String,
    pub applied_on: String,
    pub checksum: String,
}

/// What migrations, scratch applies and `check` need from an open transaction (or, for a
/// no-transaction migration, from a PostgreSQL connection outside one).
pub trait Session {
    /// Runs one or more statements.
    fn batch(&mut self, sql: &str) -> Result<(), SqlError>;
    /// Runs a query returning (version, name, applied_on, checksum) rows.
    fn history_rows(&mut self, sql: &str) -> Result<Vec<HistoryRow>, SqlError>;
    /// Whether `table` exists in the namespace the session works in.
    fn table_exists(&mut self, table: &str) -> Result<bool, SqlError>;
    /// Tables, indexes, foreign keys and dialect facts of `namespace` (PostgreSQL) or of
    /// the database (SQLite), for `chatdb check`.
    fn inventory(&mut self, namespace: &str) -> Result<crate::model::inventory::Inventory>;
    /// How long a statement may wait for a lock before failing (PostgreSQL `lock_timeout`,
    /// `SET LOCAL` inside a transaction). SQLite takes its one lock when the transaction
    /// begins, so a statement never waits for one: nothing to set.
    fn set_lock_timeout(&mut self, _timeout: Duration) -> Result<(), SqlError> {
        Ok(())
    }
    /// Whether the index `name` (in the session's namespace) is valid; `None` when there is
    /// no such index or the dialect has no invalid indexes (SQLite).
    fn index_valid(&mut self, _name: &str) -> Result<Option<bool>, SqlError> {
        Ok(None)
    }
    /// Whether `table` (where the session resolves it) has `column`; `false` where the
    /// dialect does not look (SQLite: no migration of it runs outside a transaction, so none
    /// is ever partly applied).
    fn column_exists(&mut self, _table: &str, _column: &str) -> Result<bool, SqlError> {
        Ok(false)
    }
    /// The foreign keys rows violate (`PRAGMA foreign_key_check`, one line per key: what a
    /// table rebuild run with foreign keys off must not leave); empty where the dialect
    /// enforces them on every statement (PostgreSQL).
    fn foreign_key_violations(&mut self) -> Result<Vec<String>, SqlError> {
        Ok(Vec::new())
    }
}

/// An open transaction: a [`Session`] that can also load rows (seed), ended by
/// [`Tx::commit`] or [`Tx::rollback`] (dropping it rolls back).
pub trait Tx: Session + load::Load {
    fn commit(self: Box<Self>) -> Result<()>;
    fn rollback(self: Box<Self>) -> Result<()>;
}

/// How a transaction is opened and ended: the one transaction API. Every transaction
/// chatdb opens, in either dialect, starts through the dialect's `begin` with one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxKind {
    /// Read only, always rolled back.
    Read,
    /// Exclusive (migrate): PostgreSQL advisory lock waited for up to the lock timeout,
    /// SQLite `BEGIN EXCLUSIVE`; committed when the work succeeds.
    Locked,
    /// Writes allowed, always rolled back (scratch applies, explained DELETEs).
    Scratch,
    /// Seed: PostgreSQL in UTC without a statement timeout, under an advisory lock that is
    /// never waited for; SQLite `BEGIN IMMEDIATE` with a large page cache.
    Seed,
    /// One short write (a cleanup batch): UTC; SQLite `BEGIN IMMEDIATE`.
    Batch,
}

impl TxKind {
    /// Whether the work is kept when it succeeds.
    pub fn commits(self) -> bool {
        matches!(self, TxKind::Locked | TxKind::Seed | TxKind::Batch)
    }

    pub fn read_only(self) -> bool {
        self == TxKind::Read
    }
}

/// A transaction's settings.
#[derive(Debug, Clone, Copy)]
pub struct TxOpts<'a> {
    pub kind: TxKind,
    /// Where unqualified names resolve (PostgreSQL `search_path`; ignored by SQLite).
    pub namespace: &'a str,
    /// `SET LOCAL lock_timeout` (PostgreSQL; SQLite waits its busy timeout).
    pub lock_timeout: Option<Duration>,
    /// `SET LOCAL statement_timeout` (PostgreSQL).
    pub statement_timeout: Option<Duration>,
    /// `SET LOCAL TimeZone = 'UTC'` (PostgreSQL; always so for seed and cleanup batches).
    pub utc: bool,
    /// SQLite: `PRAGMA foreign_keys = OFF` before the transaction begins (a table rebuild,
    /// see [`crate::online::FOREIGN_KEYS_OFF_MARKER`]); every other transaction begins with
    /// them on. PostgreSQL ignores it.
    pub foreign_keys_off: bool,
}

impl<'a> TxOpts<'a> {
    pub fn new(kind: TxKind, namespace: &'a str) -> TxOpts<'a> {
        TxOpts {
            kind,
            namespace,
            lock_timeout: None,
            statement_timeout: None,
            utc: false,
            foreign_keys_off: false,
        }
    }
}

/// What a command needs from a database, implemented once per dialect.
pub trait Backend: retention::Retention + planner::Plans + stats::Stats {
    fn dialect(&self) -> Dialect;
    /// The namespace the connection works in; `None` on SQLite, which has none.
    fn namespace(&self) -> Option<&str>;
    /// Starts a transaction (see [`TxKind`]).
    fn begin<'c>(&'c mut self, opts: &TxOpts) -> Result<Box<dyn Tx + 'c>>;
    /// ANALYZE of `tables` (after a seed).
    fn analyze(&mut self, tables: &[&str]) -> Result<()>;
    /// What `check` should say about this dialect's connections, if anything.
    fn check_note(&self) -> Option<&'static str>;
    /// Whether the server takes no writes (a standby, `default_transaction_read_only`).
    /// A SQLite file chatdb opened is never read-only here.
    fn read_only(&mut self) -> Result<bool> {
        Ok(false)
    }
    /// Other sessions holding locks in the connection's namespace (pid, application_name,
    /// how long their transaction has been open, what they hold), for the message of a
    /// statement that ran out of its lock timeout. Empty where the database cannot say
    /// (SQLite).
    fn lock_holders(&mut self) -> Vec<String>;
    /// Something another thread can call to cancel the statement this connection is
    /// running (a signal watcher): PostgreSQL's cancel request, SQLite's interrupt.
    fn canceller(&self) -> Box<dyn Fn() + Send>;
    /// Takes the migrate lock for the session, not a transaction (PostgreSQL
    /// `pg_advisory_lock`, waited for up to `wait`), creates `namespace` if needed and
    /// works in it, so that a no-transaction migration can run outside any transaction.
    /// `false` where the dialect runs every migration in a transaction (SQLite: its DDL is
    /// transactional and it has no `CONCURRENTLY`).
    fn hold_migrate_lock(&mut self, _namespace: &str, _wait: Duration) -> Result<bool> {
        Ok(false)
    }
    /// Lets go of [`Backend::hold_migrate_lock`]'s lock (it also ends with the connection).
    fn release_migrate_lock(&mut self, _namespace: &str) -> Result<()> {
        Ok(())
    }
    /// The connection outside any transaction (autocommit), where the dialect has
    /// [`Backend::hold_migrate_lock`].
    fn autocommit(&mut self) -> Option<&mut dyn Session> {
        None
    }
}

/// An open connection to either dialect.
pub struct Conn(Box<dyn Backend>);

impl Conn {
    /// Connects to `target`; the connection works in `namespace` where the dialect has
    /// namespaces.
    pub fn open(target: &Target, opts: ConnectOpts, namespace: &str) -> Result<Conn> {
        Ok(Conn(match target {
            Target::Postgres(t) => Box::new(postgres::PgConn::open(t, opts, namespace)?),
            Target::Sqlite(path) => Box::new(sqlite::SqliteConn::open(path.as_deref(), opts)?),
        }))
    }

    /// Runs `f` in a transaction of `kind` whose unqualified names resolve in `namespace`;
    /// commits when `f` succeeds and `kind` keeps its work, rolls back otherwise. Every
    /// statement of it waits at most `lock_timeout` for a lock (PostgreSQL `lock_timeout`;
    /// SQLite's busy timeout is the connection's), reads included: `status` behind an
    /// `ALTER TABLE` or `LOCK TABLE` of the history fails after it instead of hanging.
    pub fn in_transaction<T>(
        &mut self,
        kind: TxKind,
        namespace: &str,
        lock_timeout: Duration,
        f: impl FnOnce(&mut dyn Session) -> Result<T>,
    ) -> Result<T> {
        let opts = TxOpts {
            lock_timeout: Some(lock_timeout),
            ..TxOpts::new(kind, namespace)
        };
        self.with_opts(&opts, f)
    }

    /// [`Conn::in_transaction`] with every setting of the transaction given.
    pub fn with_opts<T>(
        &mut self,
        opts: &TxOpts,
        f: impl FnOnce(&mut dyn Session) -> Result<T>,
    ) -> Result<T> {
        let kind = opts.kind;
        let mut tx = self.0.begin(opts)?;
        let result = f(&mut *tx);
        match result {
            Ok(value) if kind.commits() => {
                tx.commit()?;
                Ok(value)
            }
            result => {
                let _ = tx.rollback();
                result
            }
        }
    }
}

impl std::ops::Deref for Conn {
    type Target = dyn Backend;
    fn deref(&self) -> &(dyn Backend + 'static) {
        &*self.0
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut (dyn Backend + 'static) {
        &mut *self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        assert!(
            matches!(Target::parse("sqlite://chatdb.sqlite3"), Ok(Target::Sqlite(Some(p))) if p.as_os_str() == "chatdb.sqlite3")
        );
        assert!(
            matches!(Target::parse("sqlite:///tmp/x.db"), Ok(Target::Sqlite(Some(p))) if p.as_os_str() == "/tmp/x.db")
        );
        assert!(matches!(
            Target::parse("sqlite::memory:"),
            Ok(Target::Sqlite(None))
        ));
        assert!(matches!(
            Target::parse("postgres://u@h/db"),
            Ok(Target::Postgres(_))
        ));
        assert!(matches!(
            Target::parse("host=h user=u dbname=d"),
            Ok(Target::Postgres(_))
        ));
        for bad in [
            "",
            "mysql://u:pw@h/db",
            "chatdb.sqlite3",
            "sqlite://",
            "postgres://u@h:notaport/db",
        ] {
            let err = Target::parse(bad).expect_err(bad);
            assert!(!format!("{err:#}").contains("pw"), "{err:#}");
        }
    }

    #[test]
    fn targets_answer_for_their_dialect_without_commands_matching_on_it() {
        let pg = Target::parse("postgres://u@h/db").expect("pg");
        let lite = Target::parse("sqlite::memory:").expect("sqlite");
        assert_eq!(pg.namespace("app"), Some("app"));
        assert_eq!(lite.namespace("app"), None);
        assert!(pg.check_namespace("app").is_ok());
        assert!(lite
            .check_namespace(crate::names::DEFAULT_NAMESPACE)
            .is_ok());
        assert!(lite.check_namespace("app").is_err());
        assert!(pg.exists() && lite.exists());
        let missing = Target::parse("sqlite:///nonexistent/dir/x.db").expect("sqlite file");
        assert!(!missing.exists());
        assert!(pg.into_server().is_some());
        assert!(lite.into_server().is_none());
        assert_eq!(place("db", Some("ns")), "db (namespace ns)");
        assert_eq!(place("sqlite://x", None), "sqlite://x");
    }
}
