//! The PostgreSQL backend: [`PgConn`], and [`begin`], the one place a PostgreSQL
//! transaction is started (migrate, status, check, scratch applies, seed, cleanup
//! batches and explain's plans all come through it with a [`TxOpts`]). Read transactions
//! are REPEATABLE READ READ ONLY: everything they read comes from one snapshot.

use std::time::Duration;

use anyhow::{Context, Result};
use postgres::{Client, Transaction};

use super::{introspect, online, quote_ident, quote_literal, simple_rows, PgTarget};
use crate::catalog::Dialect;
use crate::db::{
    Backend, ConnectOpts, HistoryRow, Session, SqlError, SqlResult, Tx, TxKind, TxOpts,
};
use crate::error::LockError;

/// An open PostgreSQL connection working in one namespace.
pub struct PgConn {
    pub(super) client: Client,
    pub(super) namespace: String,
    /// `server_version_num`, read when plans are first asked for.
    pub(super) version: Option<i32>,
    /// The TLS a cancel request needs (`None` with `sslmode=disable`).
    cancel_tls: Option<postgres_native_tls::MakeTlsConnector>,
    /// Cleanup's prepared batch and the session settings its batches run under.
    pub(super) cleanup: super::retention::BatchSession,
}

impl PgConn {
    pub fn open(target: &PgTarget, opts: ConnectOpts, namespace: &str) -> Result<PgConn> {
        Ok(PgConn {
            client: target.connect(opts)?,
            namespace: namespace.to_string(),
            version: None,
            cancel_tls: target.cancel_tls(),
            cleanup: Default::default(),
        })
    }
}

/// A duration in whole milliseconds for a `SET` of a timeout, at least 1 (0 would mean none).
pub(super) fn ms(d: Duration) -> u128 {
    d.as_millis().max(1)
}

/// Starts a transaction as `o` says (see [`TxKind`]): read-only or not, its `SET LOCAL`s,
/// the lock its kind takes, the namespace (created for the kinds that write schema).
pub fn begin<'c>(client: &'c mut Client, o: &TxOpts) -> Result<Transaction<'c>> {
    let mut builder = client.build_transaction().read_only(o.kind.read_only());
    if o.kind.read_only() {
        // One snapshot for every statement: `check` reads history, catalog and statistics
        // and must not see a migration commit between two of its queries (READ COMMITTED
        // takes a snapshot per statement). Read-only, so it never fails to serialize.
        builder = builder.isolation_level(postgres::IsolationLevel::RepeatableRead);
    }
    let mut tx = builder.start().sql().context("starting a transaction")?;
    // Every round trip counts (a no-op migrate is a handful of them; on a busy machine each
    // waits for the server's process to be scheduled): the settings go in one batch, the
    // search_path with them (a namespace created below is found through it all the same),
    // and the lock and the namespace are asked in one simple query.
    let mut set = Vec::new();
    if o.utc || matches!(o.kind, TxKind::Seed | TxKind::Batch) {
        set.push("SET LOCAL TimeZone = 'UTC'".to_string());
    }
    if o.kind == TxKind::Seed {
        set.push("SET LOCAL statement_timeout = 0".to_string());
    }
    if let Some(t) = o.lock_timeout {
        set.push(format!("SET LOCAL lock_timeout = '{}ms'", ms(t)));
    }
    if let Some(t) = o.statement_timeout {
        set.push(format!("SET LOCAL statement_timeout = '{}ms'", ms(t)));
    }
    set.push(format!(
        "SET LOCAL search_path TO {}",
        quote_ident(o.namespace)
    ));
    tx.batch_execute(&set.join("; ")).sql()?;
    let ns = quote_literal(o.namespace);
    let namespace_exists = format!("EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = {ns})");
    let exists = match o.kind {
        TxKind::Locked => {
            // One migrate at a time per namespace; the lock ends with the transaction. Free,
            // it is taken at once; else it is waited for in a savepoint, so that after a
            // lock timeout the transaction is still usable to ask who holds the lock.
            let row = first_row(
                &mut tx,
                &format!(
                    "SELECT pg_try_advisory_xact_lock(hashtext('chatdb.migrate'), hashtext({ns})), {namespace_exists}"
                ),
            )?;
            if is_true(&row, 0) {
                is_true(&row, 1)
            } else {
                wait_for_migrate_lock(&mut tx, o)?;
                // The migrate that held the lock may have created the namespace.
                is_true(
                    &first_row(&mut tx, &format!("SELECT {namespace_exists}"))?,
                    0,
                )
            }
        }
        TxKind::Seed => {
            let row = first_row(
                &mut tx,
                &format!(
                    "SELECT pg_try_advisory_xact_lock(hashtext('chatdb.seed'), hashtext({ns}))"
                ),
            )?;
            if !is_true(&row, 0) {
                let holder = advisory_holder(&mut tx, "chatdb.seed", o.namespace);
                return Err(LockError::Busy {
                    what: "seed",
                    waited: "0s: seed never waits".to_string(),
                    holder: holder.unwrap_or_else(|| "another chatdb seed".to_string()),
                }
                .into());
            }
            true
        }
        TxKind::Scratch => is_true(
            &first_row(&mut tx, &format!("SELECT {namespace_exists}"))?,
            0,
        ),
        TxKind::Read | TxKind::Batch => true,
    };
    if !exists {
        tx.batch_execute(&format!("CREATE SCHEMA {}", quote_ident(o.namespace)))
            .sql()
            .with_context(|| format!("creating namespace {}", o.namespace))?;
    }
    Ok(tx)
}

/// The first row of a simple query (its columns as text).
fn first_row(tx: &mut Transaction<'_>, sql: &str) -> Result<Vec<Option<String>>> {
    Ok(simple_rows(tx, sql)
        .sql()?
        .into_iter()
        .next()
        .unwrap_or_default())
}

/// Whether column `i` of a simple query's row is boolean true.
fn is_true(row: &[Option<String>], i: usize) -> bool {
    row.get(i).and_then(Option::as_deref) == Some("t")
}

/// Waits for the migrate lock another session holds, in a savepoint, until the lock
/// timeout; then says who holds it.
fn wait_for_migrate_lock(tx: &mut Transaction<'_>, o: &TxOpts) -> Result<()> {
    let started = std::time::Instant::now();
    let mut sp = tx.savepoint("chatdb_migrate_lock").sql()?;
    match sp.execute(
        "SELECT pg_advisory_xact_lock(hashtext('chatdb.migrate'), hashtext($1))",
        &[&o.namespace],
    ) {
        Ok(_) => Ok(sp.commit().sql()?),
        Err(e) => {
            let e = SqlError::from(e);
            let waited = started.elapsed();
            let _ = sp.rollback();
            if e.is_lock_timeout() {
                let holder = advisory_holder(tx, "chatdb.migrate", o.namespace);
                return Err(LockError::Busy {
                    what: "migrate",
                    waited: format!(
                        "{:.1}s; lock timeout {}",
                        waited.as_secs_f64(),
                        o.lock_timeout.map_or("none".to_string(), |t| {
                            humantime::format_duration(t).to_string()
                        })
                    ),
                    holder: holder.unwrap_or_else(|| "another chatdb migrate".to_string()),
                }
                .into());
            }
            Err(anyhow::Error::new(e).context("taking the migrate advisory lock"))
        }
    }
}

/// One session holding locks, as lock messages name it.
fn describe_holder(pid: i32, app: &str, open_s: Option<f64>, state: &str) -> String {
    let mut s = format!("pid {pid}");
    s.push_str(&format!(
        " (application_name `{}`",
        if app.is_empty() { "?" } else { app }
    ));
    if let Some(open) = open_s {
        s.push_str(&format!(", transaction open {open:.1}s"));
    }
    if !state.is_empty() {
        s.push_str(&format!(", {state}"));
    }
    s.push(')');
    s
}

/// Who holds chatdb's advisory lock `key` for `namespace`, from `pg_locks` and
/// `pg_stat_activity`: `None` when the lock is free by now or the server will not say.
pub fn advisory_holder(
    client: &mut impl postgres::GenericClient,
    key: &str,
    namespace: &str,
) -> Option<String> {
    let rows = client
        .query(
            "SELECT a.pid, coalesce(a.application_name, ''),
                    extract(epoch FROM clock_timestamp() - a.xact_start)::float8, coalesce(a.state, '')
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
               AND l.classid = hashtext($1)::oid AND l.objid = hashtext($2)::oid
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[&key, &namespace],
        )
        .ok()?;
    let holders: Vec<String> = rows
        .iter()
        .map(|r| {
            describe_holder(
                r.get(0),
                &r.get::<_, String>(1),
                r.get(2),
                &r.get::<_, String>(3),
            )
        })
        .collect();
    (!holders.is_empty()).then(|| holders.join(", "))
}

/// The other sessions of this database holding locks on relations of `namespace` (what a
/// statement that ran out of `lock_timeout` most likely waited for), oldest transaction
/// first, each with its state, how long its query has run and the relations and modes it
/// holds. Empty when the server will not say.
pub fn relation_holders(client: &mut Client, namespace: &str) -> Vec<String> {
    let Ok(rows) = client.query(
        "SELECT a.pid, coalesce(a.application_name, ''),
                extract(epoch FROM clock_timestamp() - a.xact_start)::float8,
                concat_ws(', ', nullif(a.state, ''),
                          'query ' || round(extract(epoch FROM clock_timestamp() - a.query_start)::numeric, 1)::text || 's'),
                string_agg(DISTINCT c.relname::text || ' ' || l.mode, ', ')
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE l.granted AND l.pid <> pg_backend_pid() AND n.nspname = $1
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         GROUP BY 1, 2, 3, 4 ORDER BY 3 DESC NULLS LAST LIMIT 5",
        &[&namespace],
    ) else {
        return Vec::new();
    };
    rows.iter()
        .map(|r| {
            format!(
                "{} holds {}",
                describe_holder(
                    r.get(0),
                    &r.get::<_, String>(1),
                    r.get(2),
                    &r.get::<_, String>(3)
                ),
                r.get::<_, String>(4)
            )
        })
        .collect()
}

impl Session for Transaction<'_> {
    fn batch(&mut self, sql: &str) -> Result<(), SqlError> {
        self.batch_execute(sql)
            .map_err(|e| SqlError::postgres(&e, Some(sql)))
    }

    fn history_rows(&mut self, sql: &str) -> Result<Vec<HistoryRow>, SqlError> {
        online::history_rows(self, sql)
    }

    fn table_exists(&mut self, table: &str) -> Result<bool, SqlError> {
        online::table_exists(self, table)
    }

    fn column_exists(&mut self, table: &str, column: &str) -> Result<bool, SqlError> {
        online::column_exists(self, table, column)
    }

    fn inventory(&mut self, namespace: &str) -> Result<crate::model::inventory::Inventory> {
        introspect::inventory(self, namespace)
    }

    fn set_lock_timeout(&mut self, timeout: Duration) -> Result<(), SqlError> {
        online::set_lock_timeout(self, timeout, true)
    }

    fn index_valid(&mut self, name: &str) -> Result<Option<bool>, SqlError> {
        online::index_valid(self, name)
    }
}

impl Tx for Transaction<'_> {
    fn commit(self: Box<Self>) -> Result<()> {
        Transaction::commit(*self).sql().context("committing")
    }

    fn rollback(self: Box<Self>) -> Result<()> {
        Transaction::rollback(*self).sql().context("rolling back")
    }
}

impl Backend for PgConn {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn namespace(&self) -> Option<&str> {
        Some(&self.namespace)
    }

    fn begin<'c>(&'c mut self, opts: &TxOpts) -> Result<Box<dyn Tx + 'c>> {
        Ok(Box::new(begin(&mut self.client, opts)?))
    }

    fn analyze(&mut self, tables: &[&str]) -> Result<()> {
        for t in tables {
            self.client
                .batch_execute(&format!(
                    "ANALYZE {}.{}",
                    quote_ident(&self.namespace),
                    quote_ident(t)
                ))
                .sql()
                .with_context(|| format!("ANALYZE {t}"))?;
        }
        Ok(())
    }

    fn check_note(&self) -> Option<&'static str> {
        None
    }

    fn read_only(&mut self) -> Result<bool> {
        let rows = simple_rows(&mut self.client, "SHOW transaction_read_only")
            .sql()
            .context("asking whether the server is read-only")?;
        Ok(rows.first().and_then(|r| r.first()).cloned().flatten() == Some("on".to_string()))
    }

    fn hold_migrate_lock(&mut self, namespace: &str, wait: Duration) -> Result<bool> {
        self.lock_session(namespace, wait)?;
        Ok(true)
    }

    fn release_migrate_lock(&mut self, namespace: &str) -> Result<()> {
        self.unlock_session(namespace)
    }

    fn autocommit(&mut self) -> Option<&mut dyn Session> {
        Some(&mut self.client)
    }

    fn canceller(&self) -> Box<dyn Fn() + Send> {
        let token = self.client.cancel_token();
        let tls = self.cancel_tls.clone();
        Box::new(move || {
            let _ = match &tls {
                Some(tls) => token.cancel_query(tls.clone()),
                None => token.cancel_query(postgres::NoTls),
            };
        })
    }

    fn lock_holders(&mut self) -> Vec<String> {
        relation_holders(&mut self.client, &self.namespace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 11, defect 7: `check` read history and catalog in READ COMMITTED, one snapshot
    /// per statement, so a migration committing between them showed a catalog the history
    /// did not explain. A read transaction is one REPEATABLE READ READ ONLY snapshot.
    #[test]
    fn read_transactions_see_one_snapshot_postgres() {
        let url = std::env::var("CHATDB_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
        let mut client = match Client::connect(&url, postgres::NoTls) {
            Ok(c) => c,
            Err(e) if std::env::var("CHATDB_REQUIRE_PG").as_deref() != Ok("1") => {
                eprintln!("SKIPPING: no PostgreSQL at {url}: {e}");
                return;
            }
            Err(e) => panic!("CHATDB_REQUIRE_PG=1 but PostgreSQL is unreachable: {e}"),
        };
        let mut other = Client::connect(&url, postgres::NoTls).expect("second connection");
        let table = format!("chatdb_snapshot_probe_{}", std::process::id());
        other
            .batch_execute(&format!(
                "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (n int)"
            ))
            .expect("probe table");
        {
            let mut tx = begin(&mut client, &TxOpts::new(TxKind::Read, "public")).expect("begin");
            let level: String = tx
                .query_one("SHOW transaction_isolation", &[])
                .expect("isolation")
                .get(0);
            assert_eq!(level, "repeatable read");
            let ro: String = tx
                .query_one("SHOW transaction_read_only", &[])
                .expect("ro")
                .get(0);
            assert_eq!(ro, "on");
            let count = |tx: &mut Transaction<'_>| -> i64 {
                tx.query_one(&format!("SELECT count(*) FROM {table}"), &[])
                    .expect("count")
                    .get(0)
            };
            assert_eq!(count(&mut tx), 0);
            // A commit between two statements of the read is not seen by the second.
            other
                .batch_execute(&format!("INSERT INTO {table} VALUES (1)"))
                .expect("concurrent commit");
            assert_eq!(count(&mut tx), 0, "the second read saw a later commit");
        }
        other
            .batch_execute(&format!("DROP TABLE {table}"))
            .expect("drop probe");
    }
}
