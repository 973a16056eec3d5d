//! What `chatdb seed` needs from a database, declared once: inside the seed transaction
//! ([`crate::db::TxKind::Seed`]), the database's clock, whether tables hold rows, and
//! loading one table from rows a caller-supplied closure writes into a [`Sink`].
//!
//! Implemented per dialect: `db/postgres/load.rs` (binary `COPY`, encoded from the
//! generator's dialect-neutral values) and `db/sqlite/load.rs` (one prepared `INSERT` per
//! table). The database side never calls a generator itself: the closure drives the sink.

use anyhow::Result;

use crate::seed::{Sink, TableDef};

/// Writes every row of one table into the sink it is given. It may run on another thread
/// (PostgreSQL encodes while the connection sends), hence `Send`.
pub type Fill<'f> = dyn FnMut(&mut dyn Sink) -> Result<()> + Send + 'f;

/// Seed's operations on an open transaction.
pub trait Load {
    /// The database's clock, whole seconds, as Unix time.
    fn clock_unix(&mut self) -> Result<i64>;
    /// Rows in each table: exact counts, or (`exact = false`) 1 when it has any, 0 when not.
    fn row_counts(&mut self, tables: &[&str], exact: bool) -> Result<Vec<u64>>;
    /// Loads the rows `fill` writes into `table`. Returns the rows written.
    fn load_table(&mut self, table: &TableDef, fill: &mut Fill) -> Result<u64>;
}

/// `SELECT count(*)` of a table, or of its first row only.
pub fn count_sql(table: &str, exact: bool) -> String {
    let t = crate::db::quote_ident(table);
    if exact {
        format!("SELECT count(*) FROM {t}")
    } else {
        format!("SELECT count(*) FROM (SELECT 1 FROM {t} LIMIT 1) AS x")
    }
}
