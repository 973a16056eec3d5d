//! Seed loading on SQLite: one prepared `INSERT` per table, parameters bound per row,
//! inside the seed's `BEGIN IMMEDIATE` transaction.

use anyhow::{bail, Context, Result};

use crate::db::load::{count_sql, Fill, Load};
use crate::db::quote_ident;
use crate::seed::{kit, Sink, TableDef};

impl Load for rusqlite::Transaction<'_> {
    fn clock_unix(&mut self) -> Result<i64> {
        Ok(
            self.query_row("SELECT CAST(strftime('%s', 'now') AS INTEGER)", [], |r| {
                r.get(0)
            })?,
        )
    }

    fn row_counts(&mut self, tables: &[&str], exact: bool) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        for t in tables {
            let n: i64 = self
                .query_row(&count_sql(t, exact), [], |r| r.get(0))
                .with_context(|| format!("counting the rows of {t}"))?;
            out.push(n.max(0) as u64);
        }
        Ok(out)
    }

    fn load_table(&mut self, table: &TableDef, fill: &mut Fill) -> Result<u64> {
        sqlite_insert(self, table, fill).with_context(|| format!("seeding {}", table.name))
    }
}

struct SqliteSink<'s, 'c> {
    stmt: &'s mut rusqlite::Statement<'c>,
    columns: usize,
    col: usize,
    err: Option<rusqlite::Error>,
    rows: u64,
}

impl SqliteSink<'_, '_> {
    fn bind<T: rusqlite::ToSql>(&mut self, v: T) {
        self.col += 1;
        if let Err(e) = self.stmt.raw_bind_parameter(self.col, v) {
            self.err.get_or_insert(e);
        }
    }
}

impl Sink for SqliteSink<'_, '_> {
    fn null(&mut self) {
        self.bind(rusqlite::types::Null);
    }
    fn bool(&mut self, v: bool) {
        self.bind(v);
    }
    fn int(&mut self, v: i64) {
        self.bind(v);
    }
    fn uuid(&mut self, v: u128) {
        let mut b = [0u8; 36];
        let text = kit::uuid_text(v, &mut b);
        self.col += 1;
        if let Err(e) = self.stmt.raw_bind_parameter(self.col, text) {
            self.err.get_or_insert(e);
        }
    }
    fn text(&mut self, v: &str) {
        self.bind(v);
    }
    fn time(&mut self, unix: i64) {
        let mut b = [0u8; 19];
        let text = kit::format_time(unix, &mut b);
        self.col += 1;
        if let Err(e) = self.stmt.raw_bind_parameter(self.col, text) {
            self.err.get_or_insert(e);
        }
    }
    fn json(&mut self, v: &str) {
        self.bind(v);
    }
    fn text_array(&mut self, v: &[&str]) {
        let json = serde_json::to_string(v).unwrap_or_else(|_| "[]".to_string());
        self.bind(json);
    }
    fn end_row(&mut self) -> Result<()> {
        if let Some(e) = self.err.take() {
            return Err(anyhow::Error::new(e).context(format!("binding row {}", self.rows + 1)));
        }
        if self.col != self.columns {
            bail!(
                "seed generator bug: {} values for {} columns",
                self.col,
                self.columns
            );
        }
        self.col = 0;
        self.stmt
            .raw_execute()
            .with_context(|| format!("inserting row {}", self.rows + 1))?;
        self.rows += 1;
        Ok(())
    }
}

fn sqlite_insert(conn: &rusqlite::Connection, table: &TableDef, fill: &mut Fill) -> Result<u64> {
    let cols: Vec<String> = table.columns.iter().map(|c| quote_ident(c)).collect();
    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quote_ident(table.name),
        cols.join(", "),
        marks.join(", ")
    );
    let mut stmt = conn.prepare(&sql).with_context(|| {
        format!(
            "preparing the insert into {}: is the schema migrated to the latest version?",
            table.name
        )
    })?;
    let mut sink = SqliteSink {
        stmt: &mut stmt,
        columns: cols.len(),
        col: 0,
        err: None,
        rows: 0,
    };
    fill(&mut sink)?;
    Ok(sink.rows)
}
