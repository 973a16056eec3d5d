//! `chatdb stats` on SQLite: one read transaction, interrupted past the statement timeout
//! (SQLite has no `statement_timeout`; a watchdog thread calls `sqlite3_interrupt`), and one
//! query per kind of fact: the page pragmas, the schema's tables that exist, rows of all of
//! them in one `UNION ALL`, sizes from `dbstat` where compiled in, `sqlite_stat1`'s row
//! counts, and each manifest metric. File and WAL sizes come from the file system.

use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};

use super::{begin, sql_error, SqliteConn};
use crate::db::quote_ident;
use crate::db::stats::{Stats, StatsRequest};
use crate::db::{TxKind, TxOpts};
use crate::model::stats::{Facts, SqliteFacts, TableFacts};

/// Interrupts the connection when dropped late: past `timeout`, the running statement
/// fails with SQLITE_INTERRUPT.
struct Watchdog(Option<mpsc::Sender<()>>);

impl Watchdog {
    fn start(handle: rusqlite::InterruptHandle, timeout: Duration) -> Watchdog {
        let (tx, rx) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(timeout) {
                handle.interrupt();
            }
        });
        Watchdog(Some(tx))
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

fn u(n: i64) -> u64 {
    n.max(0) as u64
}

impl Stats for SqliteConn {
    fn stats(&mut self, req: &StatsRequest) -> Result<Facts> {
        let timeout = self.lock_timeout;
        let _dog = Watchdog::start(self.conn.get_interrupt_handle(), req.statement_timeout);
        let tx = begin(
            &mut self.conn,
            &TxOpts::new(TxKind::Read, crate::names::DEFAULT_NAMESPACE),
            timeout,
        )?;
        let timed = |e: rusqlite::Error| {
            anyhow::Error::new(sql_error(&e)).context(format!(
                "reading SQLite statistics (statement timeout {})",
                humantime::format_duration(req.statement_timeout)
            ))
        };
        let (page_size, page_count, freelist, has_stat1): (i64, i64, i64, bool) = tx
            .query_row(
                "SELECT (SELECT page_size FROM pragma_page_size), (SELECT page_count FROM pragma_page_count),
                        (SELECT freelist_count FROM pragma_freelist_count),
                        EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .map_err(timed)?;

        let existing: Vec<String> = {
            let mut stmt = tx
                .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
                .map_err(timed)?;
            let names = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(timed)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(timed)?;
            names
                .into_iter()
                .filter(|n| req.tables.contains(n))
                .collect()
        };
        let mut tables: Vec<TableFacts> = Vec::new();
        if !existing.is_empty() {
            let sql = existing
                .iter()
                .map(|t| {
                    format!(
                        "SELECT '{}', count(*) FROM {}",
                        t.replace('\'', "''"),
                        quote_ident(t)
                    )
                })
                .collect::<Vec<_>>()
                .join(" UNION ALL ");
            let mut stmt = tx.prepare(&sql).map_err(timed)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(timed)?;
            for row in rows {
                let (name, rows) = row.map_err(timed)?;
                tables.push(TableFacts {
                    name,
                    rows: u(rows),
                    ..TableFacts::default()
                });
            }
        }
        // dbstat is an optional compile-time module: without it, sizes are unknown.
        if let Ok(mut stmt) = tx.prepare(
            "SELECT coalesce(i.tbl_name, d.name), sum(d.pgsize) FROM dbstat AS d
             LEFT JOIN sqlite_schema AS i ON i.name = d.name GROUP BY 1",
        ) {
            let sizes = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(timed)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(timed)?;
            for t in &mut tables {
                t.bytes = sizes.iter().find(|(n, _)| *n == t.name).map(|(_, b)| u(*b));
            }
        }
        if has_stat1 {
            let mut stmt = tx
                .prepare("SELECT tbl, max(CAST(stat AS INTEGER)) FROM sqlite_stat1 GROUP BY tbl")
                .map_err(timed)?;
            let counts = stmt
                .query_map([], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?))
                })
                .map_err(timed)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(timed)?;
            for t in &mut tables {
                t.stat1_rows = counts
                    .iter()
                    .find(|(n, _)| *n == t.name)
                    .and_then(|(_, c)| c.map(u));
            }
        }
        let mut metrics = Vec::new();
        for (name, sql) in req.metrics {
            let wrapped = format!(
                "SELECT CAST(({}) AS REAL)",
                sql.trim().trim_end_matches(';')
            );
            let v: Option<f64> = tx
                .query_row(&wrapped, [], |r| r.get(0))
                .map_err(timed)
                .with_context(|| format!("metric {name}"))?;
            metrics.push((name.to_string(), v.unwrap_or(0.0)));
        }
        tx.rollback().context("ending the read transaction")?;

        let size = |p: Option<std::path::PathBuf>| {
            p.and_then(|p| std::fs::metadata(p).ok())
                .map_or(0, |m| m.len())
        };
        let file_bytes = size(self.path.clone());
        let wal_bytes = size(self.path.as_ref().map(|p| {
            let mut s = p.clone().into_os_string();
            s.push("-wal");
            std::path::PathBuf::from(s)
        }));
        Ok(Facts {
            tables,
            server: Default::default(),
            statements: None,
            statements_note: None,
            sqlite: Some(SqliteFacts {
                file_bytes,
                wal_bytes,
                page_size: u(page_size),
                page_count: u(page_count),
                freelist_pages: u(freelist),
                has_stat1,
            }),
            metrics,
        })
    }
}
