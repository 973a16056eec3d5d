//! What `chatdb seed` needs from a database, per dialect: one transaction with a lock, the
//! database's clock, whether tables hold rows, loading one table from a generator, ANALYZE.
//!
//! PostgreSQL: `COPY ... FROM STDIN (FORMAT binary)`, encoded here from the generator's
//! dialect-neutral values using the column types read from the catalog (so a value of the
//! wrong type is a clear error, not a server-side parse failure). The generator runs on its
//! own thread and hands over 1 MiB chunks through a channel of four, so generating and
//! sending overlap and memory stays bounded. Binary saves the server parsing text: UUIDs,
//! timestamps and integers arrive in their on-disk form.
//!
//! SQLite: one prepared `INSERT` per table, parameters bound per row, every table inside
//! one `BEGIN IMMEDIATE` transaction (with a 64 MiB page cache for the connection).

use std::io::{IsTerminal, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};

use super::postgres::{describe, quote_ident};
use super::Conn;
use crate::error::LockError;
use crate::seed::{self, kit, Ctx, Sink, TableDef};

const CHUNK: usize = 1 << 20;

fn pg(e: postgres::Error) -> anyhow::Error {
    anyhow!("{}", describe(&e))
}

impl Conn {
    /// Opens the seed transaction: PostgreSQL in `namespace`, UTC, under a per-namespace
    /// advisory lock (a second seed exits 3 at once); SQLite `BEGIN IMMEDIATE`.
    pub fn seed_begin(&mut self, namespace: &str, lock_timeout: Duration) -> Result<()> {
        let busy = || LockError::Busy {
            what: "seed",
            waited: "0s: seed never waits".to_string(),
        };
        match self {
            Conn::Postgres(c) => {
                c.batch_execute(&format!(
                    "SET TIME ZONE 'UTC'; SET search_path TO {}; SET statement_timeout = 0; SET lock_timeout = '{}ms'; BEGIN",
                    quote_ident(namespace),
                    lock_timeout.as_millis().max(1)
                ))
                .map_err(pg)?;
                let got: bool = c
                    .query_one(
                        "SELECT pg_try_advisory_xact_lock(hashtext('chatdb.seed'), hashtext($1))",
                        &[&namespace],
                    )
                    .map_err(pg)?
                    .get(0);
                if !got {
                    let _ = c.batch_execute("ROLLBACK");
                    return Err(busy().into());
                }
            }
            Conn::Sqlite(c) => {
                c.execute_batch("PRAGMA cache_size = -65536")?;
                if let Err(e) = c.execute_batch("BEGIN IMMEDIATE") {
                    if super::sqlite::is_busy(&e) {
                        return Err(busy().into());
                    }
                    return Err(anyhow::Error::new(e).context("starting the seed transaction"));
                }
            }
        }
        Ok(())
    }

    pub fn seed_commit(&mut self) -> Result<()> {
        match self {
            Conn::Postgres(c) => c.batch_execute("COMMIT").map_err(pg),
            Conn::Sqlite(c) => c.execute_batch("COMMIT").map_err(Into::into),
        }
        .context("committing the seed")
    }

    /// Rolls the seed transaction back (errors ignored: the connection may be gone).
    pub fn seed_rollback(&mut self) {
        let _ = match self {
            Conn::Postgres(c) => c.batch_execute("ROLLBACK").map_err(pg),
            Conn::Sqlite(c) => c.execute_batch("ROLLBACK").map_err(Into::into),
        };
    }

    /// The database's clock, whole seconds, as Unix time.
    pub fn clock_unix(&mut self) -> Result<i64> {
        Ok(match self {
            Conn::Postgres(c) => c
                .query_one(
                    "SELECT extract(epoch FROM date_trunc('second', now()))::int8",
                    &[],
                )
                .map_err(pg)?
                .get(0),
            Conn::Sqlite(c) => {
                c.query_row("SELECT CAST(strftime('%s', 'now') AS INTEGER)", [], |r| {
                    r.get(0)
                })?
            }
        })
    }

    /// Rows in each table: exact counts, or (`exact = false`) 1 when it has any, 0 when not.
    pub fn row_counts(&mut self, tables: &[&str], exact: bool) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        for t in tables {
            let sql = if exact {
                format!("SELECT count(*) FROM {}", quote_ident(t))
            } else {
                format!(
                    "SELECT count(*) FROM (SELECT 1 FROM {} LIMIT 1) AS x",
                    quote_ident(t)
                )
            };
            let n: Result<i64> = match self {
                Conn::Postgres(c) => c.query_one(sql.as_str(), &[]).map(|r| r.get(0)).map_err(pg),
                Conn::Sqlite(c) => c.query_row(&sql, [], |r| r.get(0)).map_err(Into::into),
            };
            let n = n.with_context(|| format!("counting the rows of {t}"))?;
            out.push(n.max(0) as u64);
        }
        Ok(out)
    }

    /// Loads every row the generator makes for `table`. Returns the rows written.
    pub fn load_table(
        &mut self,
        schema: &str,
        table: &TableDef,
        ctx: &Ctx,
        progress: Progress,
    ) -> Result<u64> {
        match self {
            Conn::Postgres(c) => pg_copy(c, schema, table, ctx, progress),
            Conn::Sqlite(c) => sqlite_insert(c, schema, table, ctx, progress),
        }
        .with_context(|| format!("seeding {}", table.name))
    }

    /// ANALYZE of the seeded tables (after the commit).
    pub fn analyze(&mut self, tables: &[&str]) -> Result<()> {
        match self {
            Conn::Postgres(c) => {
                for t in tables {
                    c.batch_execute(&format!("ANALYZE {}", quote_ident(t)))
                        .map_err(pg)
                        .with_context(|| format!("ANALYZE {t}"))?;
                }
            }
            Conn::Sqlite(c) => c.execute_batch("ANALYZE").context("ANALYZE")?,
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------- progress

/// A progress bar on stderr when stderr is a terminal; nothing otherwise.
pub struct Progress {
    on: bool,
    label: String,
    total: u64,
    done: u64,
    started: Instant,
    drawn: Instant,
    shown: bool,
}

impl Progress {
    pub fn new(label: &str, total: u64) -> Progress {
        let now = Instant::now();
        Progress {
            on: std::io::stderr().is_terminal(),
            label: label.to_string(),
            total,
            done: 0,
            started: now,
            drawn: now,
            shown: false,
        }
    }

    fn tick(&mut self) {
        self.done += 1;
        if self.on && self.done & 0x3FFF == 0 && self.drawn.elapsed() >= Duration::from_millis(200)
        {
            self.drawn = Instant::now();
            self.shown = true;
            self.draw();
        }
    }

    fn draw(&self) {
        const WIDTH: u64 = 30;
        let filled = (self.done.min(self.total) * WIDTH / self.total.max(1)) as usize;
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let _ = write!(
            std::io::stderr(),
            "\r\x1b[2K{:<24} [{}{}] {:>3}% {}/{} rows, {:.0} rows/s",
            self.label,
            "#".repeat(filled),
            "-".repeat(WIDTH as usize - filled),
            self.done * 100 / self.total.max(1),
            self.done,
            self.total,
            self.done as f64 / secs
        );
    }

    /// Clears the bar (also on drop, so an error message starts on a clean line).
    fn finish(&mut self) {
        if self.shown {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
        self.shown = false;
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

// ---------------------------------------------------------------------- PostgreSQL

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
    progress: Progress,
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
        self.progress.tick();
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(())
    }
}

fn pg_copy(
    client: &mut postgres::Client,
    schema: &str,
    table: &TableDef,
    ctx: &Ctx,
    progress: Progress,
) -> Result<u64> {
    let rows = client
        .query(
            "SELECT a.attname::text, a.atttypid::int8 FROM pg_attribute a
             WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
            &[&quote_ident(table.name)],
        )
        .map_err(pg)?;
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
        progress,
    };
    // Open the COPY before the generator starts, so that nothing can leave it blocked.
    let mut writer = client.copy_in(sql.as_str()).map_err(pg)?;
    std::thread::scope(|scope| {
        let generator = scope.spawn(move || -> Result<u64> {
            seed::generate(schema, table.name, ctx, &mut enc)?;
            enc.buf.extend_from_slice(&(-1i16).to_be_bytes());
            enc.send()?;
            enc.progress.finish();
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
                .map(describe)
                .unwrap_or_else(|| e.to_string());
            bail!("sending COPY data: {server}");
        }
        let rows = generated?;
        let copied = writer.finish().map_err(pg)?;
        if copied != rows {
            bail!("COPY reports {copied} rows, the generator made {rows}");
        }
        Ok(rows)
    })
}

// ---------------------------------------------------------------------- SQLite

struct SqliteSink<'s, 'c> {
    stmt: &'s mut rusqlite::Statement<'c>,
    columns: usize,
    col: usize,
    err: Option<rusqlite::Error>,
    rows: u64,
    progress: Progress,
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
        self.progress.tick();
        Ok(())
    }
}

fn sqlite_insert(
    conn: &mut rusqlite::Connection,
    schema: &str,
    table: &TableDef,
    ctx: &Ctx,
    progress: Progress,
) -> Result<u64> {
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
        progress,
    };
    seed::generate(schema, table.name, ctx, &mut sink)?;
    sink.progress.finish();
    Ok(sink.rows)
}
