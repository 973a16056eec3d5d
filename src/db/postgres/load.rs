//! Seed loading on PostgreSQL: `COPY ... FROM STDIN (FORMAT binary)`, encoded here from
//! the generator's dialect-neutral values using the column types read from the catalog (so
//! a value of the wrong type is a clear error, not a server-side parse failure). The rows
//! are written on their own thread and handed over in 1 MiB chunks through a channel of
//! four, so generating and sending overlap and memory stays bounded. Binary saves the
//! server parsing text: UUIDs, timestamps and integers arrive in their on-disk form.

use std::io::Write;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use anyhow::{anyhow, bail, Context, Result};
use postgres::Transaction;

use super::quote_ident;
use crate::db::load::{count_sql, Fill, Load};
use crate::db::SqlResult;
use crate::seed::{kit, Sink, TableDef};

const CHUNK: usize = 1 << 20;

impl Load for Transaction<'_> {
    fn clock_unix(&mut self) -> Result<i64> {
        Ok(self
            .query_one(
                "SELECT extract(epoch FROM date_trunc('second', now()))::int8",
                &[],
            )
            .sql()?
            .get(0))
    }

    fn row_counts(&mut self, tables: &[&str], exact: bool) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        for t in tables {
            let n: i64 = self
                .query_one(count_sql(t, exact).as_str(), &[])
                .sql()
                .with_context(|| format!("counting the rows of {t}"))?
                .get(0);
            out.push(n.max(0) as u64);
        }
        Ok(out)
    }

    fn load_table(&mut self, table: &TableDef, fill: &mut Fill) -> Result<u64> {
        pg_copy(self, table, fill).with_context(|| format!("seeding {}", table.name))
    }
}

/// The column types the encoder knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PgType {
    Bool,
    Int2,
    Int4,
    Int8,
    Text,
    Uuid,
    Timestamp,
    Json,
    Jsonb,
    TextArray,
}

fn pg_type(oid: i64) -> Option<PgType> {
    Some(match oid {
        16 => PgType::Bool,
        21 => PgType::Int2,
        23 => PgType::Int4,
        20 => PgType::Int8,
        25 | 1042 | 1043 => PgType::Text,
        2950 => PgType::Uuid,
        1114 | 1184 => PgType::Timestamp,
        114 => PgType::Json,
        3802 => PgType::Jsonb,
        1009 | 1015 => PgType::TextArray,
        _ => return None,
    })
}

/// Microseconds between 1970-01-01 and 2000-01-01, PostgreSQL's epoch.
const PG_EPOCH_SECS: i64 = 946_684_800;

/// Encodes rows in PostgreSQL's binary COPY format and hands full chunks to the writer.
struct PgEncoder {
    table: &'static str,
    columns: &'static [&'static str],
    types: Vec<PgType>,
    col: usize,
    buf: Vec<u8>,
    tx: SyncSender<Vec<u8>>,
    err: Option<String>,
    rows: u64,
}

impl PgEncoder {
    fn field(&mut self, want: &str, ok: bool) -> bool {
        if self.col == 0 {
            self.buf
                .extend_from_slice(&(self.types.len() as i16).to_be_bytes());
        }
        if self.col >= self.types.len() {
            self.fail(format!("more values than the {} columns", self.types.len()));
            return false;
        }
        if !ok {
            let ty = self.types[self.col];
            self.fail(format!(
                "column {} is {ty:?}, the generator gave {want}",
                self.columns[self.col]
            ));
            self.col += 1;
            self.buf.extend_from_slice(&(-1i32).to_be_bytes());
            return false;
        }
        self.col += 1;
        true
    }

    fn ty(&self) -> Option<PgType> {
        self.types.get(self.col).copied()
    }

    fn fail(&mut self, msg: String) {
        if self.err.is_none() {
            self.err = Some(format!(
                "seed generator bug in {}, row {}: {msg}",
                self.table,
                self.rows + 1
            ));
        }
    }

    fn bytes(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(&(v.len() as i32).to_be_bytes());
        self.buf.extend_from_slice(v);
    }

    fn send(&mut self) -> Result<()> {
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK + 4096));
        self.tx
            .send(chunk)
            .map_err(|_| anyhow!("the COPY writer stopped"))
    }
}

impl Sink for PgEncoder {
    fn null(&mut self) {
        if self.field("NULL", true) {
            self.buf.extend_from_slice(&(-1i32).to_be_bytes());
        }
    }

    fn bool(&mut self, v: bool) {
        if self.field("a boolean", self.ty() == Some(PgType::Bool)) {
            self.bytes(&[u8::from(v)]);
        }
    }

    fn int(&mut self, v: i64) {
        match self.ty() {
            Some(PgType::Int2) if i16::try_from(v).is_ok() => {
                self.field("", true);
                self.bytes(&(v as i16).to_be_bytes());
            }
            Some(PgType::Int4) if i32::try_from(v).is_ok() => {
                self.field("", true);
                self.bytes(&(v as i32).to_be_bytes());
            }
            Some(PgType::Int8) => {
                self.field("", true);
                self.bytes(&v.to_be_bytes());
            }
            _ => {
                self.field(&format!("the integer {v}"), false);
            }
        }
    }

    fn uuid(&mut self, v: u128) {
        match self.ty() {
            Some(PgType::Uuid) => {
                self.field("", true);
                self.bytes(&v.to_be_bytes());
            }
            Some(PgType::Text) => {
                let mut b = [0u8; 36];
                let text = kit::uuid_text(v, &mut b).as_bytes().to_vec();
                self.field("", true);
                self.bytes(&text);
            }
            _ => {
                self.field("a UUID", false);
            }
        }
    }

    fn text(&mut self, v: &str) {
        if self.field(
            "text",
            matches!(self.ty(), Some(PgType::Text | PgType::Json)),
        ) {
            self.bytes(v.as_bytes());
        }
    }

    fn time(&mut self, unix: i64) {
        if self.field("a timestamp", self.ty() == Some(PgType::Timestamp)) {
            let micros = (unix - PG_EPOCH_SECS) * 1_000_000;
            self.bytes(&micros.to_be_bytes());
        }
    }

    fn json(&mut self, v: &str) {
        match self.ty() {
            Some(PgType::Jsonb) => {
                self.field("", true);
                self.buf
                    .extend_from_slice(&(v.len() as i32 + 1).to_be_bytes());
                self.buf.push(1);
                self.buf.extend_from_slice(v.as_bytes());
            }
            Some(PgType::Json | PgType::Text) => {
                self.field("", true);
                self.bytes(v.as_bytes());
            }
            _ => {
                self.field("JSON", false);
            }
        }
    }

    fn text_array(&mut self, v: &[&str]) {
        if !self.field("a text array", self.ty() == Some(PgType::TextArray)) {
            return;
        }
        // ndim, has-nulls, element type (text), then per dimension: size, lower bound.
        let len: usize =
            12 + if v.is_empty() { 0 } else { 8 } + v.iter().map(|s| 4 + s.len()).sum::<usize>();
        self.buf.extend_from_slice(&(len as i32).to_be_bytes());
        self.buf
            .extend_from_slice(&i32::from(!v.is_empty()).to_be_bytes());
        self.buf.extend_from_slice(&0i32.to_be_bytes());
        self.buf.extend_from_slice(&25i32.to_be_bytes());
        if !v.is_empty() {
            self.buf.extend_from_slice(&(v.len() as i32).to_be_bytes());
            self.buf.extend_from_slice(&1i32.to_be_bytes());
            for s in v {
                self.bytes(s.as_bytes());
            }
        }
    }

    fn end_row(&mut self) -> Result<()> {
        if self.col != self.types.len() && self.err.is_none() {
            self.fail(format!(
                "{} values for {} columns",
                self.col,
                self.types.len()
            ));
        }
        if let Some(e) = self.err.take() {
            bail!(e);
        }
        self.col = 0;
        self.rows += 1;
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(())
    }
}

fn pg_copy(client: &mut Transaction<'_>, table: &TableDef, fill: &mut Fill) -> Result<u64> {
    let rows = client
        .query(
            "SELECT a.attname::text, a.atttypid::int8 FROM pg_attribute a
             WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
            &[&quote_ident(table.name)],
        )
        .sql()?;
    let mut types = Vec::new();
    for col in table.columns {
        let Some(row) = rows.iter().find(|r| r.get::<_, String>(0) == *col) else {
            bail!(
                "table {} has no column {col} here: is the schema migrated to the latest version?",
                table.name
            );
        };
        let oid: i64 = row.get(1);
        types.push(pg_type(oid).ok_or_else(|| {
            anyhow!(
                "column {}.{col} has a type (oid {oid}) chatdb seed cannot write",
                table.name
            )
        })?);
    }
    let cols: Vec<String> = table.columns.iter().map(|c| quote_ident(c)).collect();
    let sql = format!(
        "COPY {} ({}) FROM STDIN (FORMAT binary)",
        quote_ident(table.name),
        cols.join(", ")
    );
    let (tx, rx): (SyncSender<Vec<u8>>, Receiver<Vec<u8>>) = sync_channel(4);
    let mut buf = Vec::with_capacity(CHUNK + 4096);
    buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    buf.extend_from_slice(&0i32.to_be_bytes());
    buf.extend_from_slice(&0i32.to_be_bytes());
    let mut enc = PgEncoder {
        table: table.name,
        columns: table.columns,
        types,
        col: 0,
        buf,
        tx,
        err: None,
        rows: 0,
    };
    // Open the COPY before the generator starts, so that nothing can leave it blocked.
    let mut writer = client.copy_in(sql.as_str()).sql()?;
    std::thread::scope(|scope| {
        let generator = scope.spawn(move || -> Result<u64> {
            fill(&mut enc)?;
            enc.buf.extend_from_slice(&(-1i16).to_be_bytes());
            enc.send()?;
            Ok(enc.rows)
        });
        let mut write_err = None;
        for chunk in rx.iter() {
            if let Err(e) = writer.write_all(&chunk) {
                write_err = Some(e);
                break;
            }
        }
        // A generator blocked on a full channel sees it closed and stops.
        drop(rx);
        let generated = generator
            .join()
            .map_err(|_| anyhow!("the {} generator panicked", table.name))?;
        if let Some(e) = write_err {
            let server = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<postgres::Error>())
                .map(super::describe)
                .unwrap_or_else(|| e.to_string());
            bail!("sending COPY data: {server}");
        }
        let rows = generated?;
        let copied = writer.finish().sql()?;
        if copied != rows {
            bail!("COPY reports {copied} rows, the generator made {rows}");
        }
        Ok(rows)
    })
}
