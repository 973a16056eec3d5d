//! The SQL of a cleanup, written once for both dialects: a policy's [`Job`], the keyset
//! batch DELETE ([`Job::batch_delete_sql`], also what `chatdb explain` plans), the expired
//! counts of `--dry-run`/`--list` and the rows they would cascade to ([`count_queries`]).
//!
//! Keyset: each batch deletes the oldest expired rows `ORDER BY time_column LIMIT n`,
//! starting from the newest time the previous batch deleted (inclusive, so rows sharing that
//! time are not skipped). A batch therefore starts its index scan where the last one stopped
//! instead of walking over the dead index entries the earlier batches left behind, and each
//! batch costs about the same as the first.

use std::time::Duration;

use crate::catalog::Dialect;
use crate::sqltext::quote_ident;

/// One table's retention job.
#[derive(Debug, Clone)]
pub struct Job {
    pub table: String,
    pub time_column: String,
    pub condition: Option<String>,
    /// Tables that deletions from `table` cascade to (transitively).
    pub cascade_tables: Vec<String>,
}

impl Job {
    /// `"tc" < cutoff AND (condition)`, with `alias.` before the time column if given.
    /// With `text_only` (SQLite counts), only text times compare: SQLite orders every
    /// number before every text, so an INTEGER epoch or REAL julianday would always read
    /// as older than the text cutoff.
    fn expired_sql(&self, alias: Option<&str>, cutoff: &str, text_only: bool) -> String {
        let col = match alias {
            Some(a) => format!("{a}.{}", quote_ident(&self.time_column)),
            None => quote_ident(&self.time_column),
        };
        let mut s = if text_only {
            format!("typeof({col}) = 'text' AND {col} < {cutoff}")
        } else {
            format!("{col} < {cutoff}")
        };
        if let Some(c) = &self.condition {
            s.push_str(&format!(" AND ({c})"));
        }
        s
    }

    /// The statement that deletes one keyset batch in `dialect`: what
    /// `Retention::delete_batch` runs and what `chatdb explain` plans (its `cleanup:<table>`
    /// entries), written here only so that the two cannot drift apart.
    ///
    /// Parameters, the same in both dialects: 1 the cutoff (text; PostgreSQL casts it to
    /// `timestamptz`), 2 the batch limit, and with `keyset` 3 the lower bound (text, inclusive:
    /// the newest time the previous batch deleted). The rows go oldest first, by the time
    /// column, so the index leading with it drives the batch. PostgreSQL deletes a time
    /// range: every expired row older than the `limit`-th oldest one from the lower bound
    /// (found by an index-only scan), so each row is visited once, as one plain DELETE
    /// visits it (a ctid list visits each row twice: 0.7x a plain DELETE against 1.15x,
    /// BENCHMARKS.md); it returns one row (rows deleted, newest time deleted as text, 1 when
    /// expired rows lie past the range, then the statement's snapshot and the batch's own
    /// transaction id as text: what proves a sweep complete without a count, see
    /// `db/postgres/retention.rs`). Ties at the range's end can leave a range empty
    /// while rows remain; [`Job::batch_delete_ties_inline`] is that batch. SQLite returns each
    /// deleted row's time.
    /// SQLite runs only the keyset form, its first batch from the text floor
    /// `1970-01-01 00:00:00`: a number (epoch, julianday) sorts before every text, so the
    /// lower bound keeps numeric times out of every batch.
    pub fn batch_delete_sql(&self, dialect: Dialect, keyset: bool) -> String {
        let (cutoff, limit, from) = match dialect {
            Dialect::Postgres => ("$1", "$2", "$3"),
            Dialect::Sqlite => ("?1", "?2", "?3"),
        };
        self.batch_delete(dialect, cutoff, limit, keyset.then_some(from))
    }

    /// The PostgreSQL batch DELETE of [`Job::batch_delete_sql`] with its values written in
    /// as literals, for the simple query protocol: one message that sets the batch's
    /// timeouts and deletes, one round trip (see `db/postgres/retention.rs`).
    pub fn batch_delete_inline(&self, cutoff: &str, limit: u64, from: Option<&str>) -> String {
        let from = from.map(text_literal);
        self.batch_delete(
            Dialect::Postgres,
            &text_literal(cutoff),
            &limit.to_string(),
            from.as_deref(),
        )
    }

    /// The PostgreSQL batch for when the time range is empty because at least `limit` rows
    /// share its lower bound: at most `limit` of the oldest expired rows by ctid (so ties are
    /// deleted `limit` at a time). Same result row as [`Job::batch_delete_inline`].
    pub fn batch_delete_ties_inline(&self, cutoff: &str, limit: u64, from: Option<&str>) -> String {
        let table = quote_ident(&self.table);
        let tc = quote_ident(&self.time_column);
        let pred = self.pg_pred(&text_literal(cutoff), from.map(text_literal).as_deref());
        format!(
            "WITH d AS (DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table} WHERE {pred} ORDER BY {tc} LIMIT {limit})) RETURNING {tc})\n\
             SELECT count(*)::int8, max({tc})::text, (count(*) >= {limit})::int4::int8 FROM d"
        )
    }

    /// The expired predicate on PostgreSQL, with the keyset's lower bound if given.
    fn pg_pred(&self, cutoff: &str, from: Option<&str>) -> String {
        let tc = quote_ident(&self.time_column);
        let mut pred = self.expired_sql(None, &format!("({cutoff}::text)::timestamptz"), false);
        if let Some(f) = from {
            pred.push_str(&format!(" AND {tc} >= ({f}::text)::timestamptz"));
        }
        pred
    }

    /// The batch DELETE with `cutoff`, `limit` and (keyset) `from` as given: placeholders
    /// or literals.
    fn batch_delete(
        &self,
        dialect: Dialect,
        cutoff: &str,
        limit: &str,
        from: Option<&str>,
    ) -> String {
        let table = quote_ident(&self.table);
        let tc = quote_ident(&self.time_column);
        match dialect {
            Dialect::Postgres => {
                let pred = self.pg_pred(cutoff, from);
                format!(
                    "WITH u AS (SELECT {tc} AS upper FROM {table} WHERE {pred} ORDER BY {tc} OFFSET {limit} LIMIT 1),\n\
                     d AS (DELETE FROM {table} WHERE {pred} AND {tc} < coalesce((SELECT upper FROM u), 'infinity') RETURNING {tc})\n\
                     SELECT count(*)::int8, max({tc})::text, (SELECT count(*) FROM u)::int8, \
                     txid_current_snapshot()::text, txid_current_if_assigned()::text FROM d"
                )
            }
            Dialect::Sqlite => {
                let mut pred = self.expired_sql(None, cutoff, false);
                if let Some(f) = from {
                    pred.push_str(&format!(" AND {tc} >= {f}"));
                }
                format!(
                    "DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE {pred} ORDER BY {tc} LIMIT {limit}) RETURNING {tc}"
                )
            }
        }
    }
}

/// `s` as a PostgreSQL string literal that reads the same whatever
/// `standard_conforming_strings` says (an `E''` string, quotes and backslashes doubled).
pub fn text_literal(s: &str) -> String {
    format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// What one batch did.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub deleted: u64,
    /// Rows deleted in other tables by `ON DELETE CASCADE`, in the same transaction.
    pub cascaded: u64,
    /// The newest time value the batch deleted: where the next batch starts.
    pub last: Option<String>,
    /// How long the batch's transaction held its locks (begin to commit).
    pub held: Duration,
    /// Whether expired rows were seen past this batch (PostgreSQL: past its time range;
    /// SQLite: a full batch). `false`: the keyset reached the cutoff, time to count.
    pub more: bool,
}

/// A foreign key whose parent deletions cascade to its child.
#[derive(Debug, Clone)]
pub struct Cascade {
    pub child: String,
    pub child_cols: Vec<String>,
    pub parent: String,
    pub parent_cols: Vec<String>,
}

/// The count queries of a dry run: the expired rows of `job` at the cutoff `literal` (SQL
/// text in the dialect's form), then one per table its deletes would cascade to. On
/// SQLite only text times count (see [`Job::batch_delete_sql`]).
pub fn count_queries(
    job: &Job,
    literal: &str,
    cascades: &[Cascade],
    dialect: Dialect,
) -> (String, Vec<String>) {
    let text_only = dialect == Dialect::Sqlite;
    let direct = format!(
        "SELECT count(*) FROM {} WHERE {}",
        quote_ident(&job.table),
        job.expired_sql(None, literal, text_only)
    );
    let mut queries = Vec::new();
    cascade_counts(
        cascades,
        &job.table,
        &job.expired_sql(Some("t0"), literal, text_only),
        1,
        &mut queries,
    );
    (direct, queries)
}

/// Tables that deleting from `table` cascades to, transitively.
pub fn descendants(table: &str, cascades: &[Cascade]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut frontier = vec![table.to_string()];
    while let Some(t) = frontier.pop() {
        for c in cascades.iter().filter(|c| c.parent == t) {
            if c.child != table && !out.contains(&c.child) {
                out.push(c.child.clone());
                frontier.push(c.child.clone());
            }
        }
    }
    out
}

/// The rows of `job` that would compare as expired on SQLite but hold no text time of
/// the form `YYYY-MM-DD...` from 1970 on (a unix epoch INTEGER, a julianday REAL, an epoch
/// stored as text): cleanup refuses to run while there are any, since comparing them with
/// the text cutoff says nothing about their age. Two queries, so that no read holds the
/// database for long (an application's COMMIT waits for every reader to finish):
///
/// - [`sqlite_odd_times_below_sql`], the rows before the text floor (`?1`): every number
///   sorts there, so this is an index range of only the odd rows;
/// - [`sqlite_odd_times_chunk_sql`], the text times from the floor to the cutoff that are
///   not dates, read [`ODD_TIMES_CHUNK`] index entries at a time by keyset `(time, rowid)`.
pub fn sqlite_odd_times_below_sql(job: &Job) -> String {
    let tc = quote_ident(&job.time_column);
    let mut s = format!(
        "SELECT count(*), coalesce(group_concat(DISTINCT typeof({tc})), '') FROM {} WHERE {tc} < ?1",
        quote_ident(&job.table),
    );
    if let Some(c) = &job.condition {
        s.push_str(&format!(" AND ({c})"));
    }
    s
}

/// Index entries one chunk of [`sqlite_odd_times_chunk_sql`] reads (a few milliseconds).
pub const ODD_TIMES_CHUNK: i64 = 20_000;

/// One chunk of the text times in `[?1 floor, ?2 cutoff)` after the keyset `(?3 time,
/// ?4 rowid)`, at most `?5` of them in index order; returns the rows read, how many are not
/// `YYYY-MM-DD...` text, and the chunk's last `(time, rowid)`.
pub fn sqlite_odd_times_chunk_sql(job: &Job) -> String {
    let tc = quote_ident(&job.time_column);
    let cond = job
        .condition
        .as_ref()
        .map(|c| format!(" AND ({c})"))
        .unwrap_or_default();
    format!(
        "WITH c AS MATERIALIZED (SELECT {tc} AS t, rowid AS r FROM {} \
         WHERE {tc} >= ?1 AND {tc} < ?2 AND ({tc}, rowid) > (?3, ?4){cond} ORDER BY {tc}, rowid LIMIT ?5) \
         SELECT count(*), coalesce(sum(NOT (typeof(t) = 'text' AND t GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*')), 0), \
         (SELECT max(t) FROM c), (SELECT max(r) FROM c WHERE t = (SELECT max(t) FROM c)) FROM c",
        quote_ident(&job.table),
    )
}

/// Per-batch limits (PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub lock: Duration,
    pub statement: Duration,
}

/// Builds one count query per table reachable through cascading foreign keys from `parent`,
/// each counting the rows whose ancestors are expired. `pred` is the expired-predicate of
/// the parent alias `t{depth-1}`.
fn cascade_counts(
    cascades: &[Cascade],
    parent: &str,
    pred: &str,
    depth: usize,
    out: &mut Vec<String>,
) {
    if depth > 4 {
        return;
    }
    for c in cascades
        .iter()
        .filter(|c| c.parent == parent && c.child != parent)
    {
        let (pa, ch) = (format!("t{}", depth - 1), format!("t{depth}"));
        let join: Vec<String> = c
            .parent_cols
            .iter()
            .zip(&c.child_cols)
            .map(|(p, k)| format!("{pa}.{} = {ch}.{}", quote_ident(p), quote_ident(k)))
            .collect();
        let exists = format!(
            "EXISTS (SELECT 1 FROM {} {pa} WHERE {} AND {pred})",
            quote_ident(parent),
            join.join(" AND ")
        );
        out.push(format!(
            "SELECT count(*) FROM {} {ch} WHERE {exists}",
            quote_ident(&c.child)
        ));
        // Grandchildren: a child row goes when its parent does, so `exists` (over alias
        // t{depth}) is the child's predicate one level down.
        cascade_counts(cascades, &c.child, &exists, depth + 1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(condition: Option<&str>) -> Job {
        Job {
            table: "sessions".into(),
            time_column: "ended_at".into(),
            condition: condition.map(str::to_string),
            cascade_tables: vec![],
        }
    }

    #[test]
    fn the_batch_delete_is_written_once_per_dialect() {
        let j = job(Some("ended_at IS NOT NULL"));
        assert_eq!(
            j.batch_delete_sql(Dialect::Postgres, true),
            "WITH u AS (SELECT \"ended_at\" AS upper FROM \"sessions\" \
             WHERE \"ended_at\" < ($1::text)::timestamptz AND (ended_at IS NOT NULL) \
             AND \"ended_at\" >= ($3::text)::timestamptz ORDER BY \"ended_at\" OFFSET $2 LIMIT 1),\n\
             d AS (DELETE FROM \"sessions\" WHERE \"ended_at\" < ($1::text)::timestamptz AND (ended_at IS NOT NULL) \
             AND \"ended_at\" >= ($3::text)::timestamptz AND \"ended_at\" < coalesce((SELECT upper FROM u), 'infinity') RETURNING \"ended_at\")\n\
             SELECT count(*)::int8, max(\"ended_at\")::text, (SELECT count(*) FROM u)::int8, \
             txid_current_snapshot()::text, txid_current_if_assigned()::text FROM d"
        );
        assert!(j
            .batch_delete_ties_inline("2026-01-01 00:00:00+00", 7, None)
            .contains("WHERE ctid = ANY(ARRAY(SELECT ctid FROM \"sessions\" WHERE \"ended_at\" < (E'2026-01-01 00:00:00+00'::text)::timestamptz AND (ended_at IS NOT NULL) ORDER BY \"ended_at\" LIMIT 7))"));
        assert_eq!(
            job(None).batch_delete_sql(Dialect::Sqlite, false),
            "DELETE FROM \"sessions\" WHERE rowid IN (SELECT rowid FROM \"sessions\" \
             WHERE \"ended_at\" < ?1 ORDER BY \"ended_at\" LIMIT ?2) RETURNING \"ended_at\""
        );
        assert!(!j.batch_delete_sql(Dialect::Postgres, false).contains("$3"));
        assert!(j
            .batch_delete_sql(Dialect::Sqlite, true)
            .contains("\"ended_at\" >= ?3"));
        // The inline form is the same statement with the values written in.
        assert_eq!(
            j.batch_delete_inline("2026-01-01 00:00:00+00", 500, Some("it's\\")),
            j.batch_delete_sql(Dialect::Postgres, true)
                .replace("$1", "E'2026-01-01 00:00:00+00'")
                .replace("$2", "500")
                .replace("$3", "E'it''s\\\\'")
        );
    }

    #[test]
    fn cascades_are_walked_transitively_and_counted_per_child() {
        let fk = |child: &str, parent: &str| Cascade {
            child: child.into(),
            child_cols: vec![format!("{parent}_id")],
            parent: parent.into(),
            parent_cols: vec!["id".into()],
        };
        // sessions -> messages -> reactions, and a self-reference that must not loop.
        let cascades = [
            fk("messages", "sessions"),
            fk("reactions", "messages"),
            fk("sessions", "sessions"),
        ];
        assert_eq!(
            descendants("sessions", &cascades),
            ["messages", "reactions"]
        );
        assert!(descendants("reactions", &cascades).is_empty());
        let (direct, children) =
            count_queries(&job(None), "'2026-01-01'", &cascades, Dialect::Postgres);
        assert_eq!(
            direct,
            "SELECT count(*) FROM \"sessions\" WHERE \"ended_at\" < '2026-01-01'"
        );
        assert_eq!(children.len(), 2, "{children:?}");
        assert!(children[0].starts_with("SELECT count(*) FROM \"messages\" t1 WHERE EXISTS"));
        assert!(
            children[1].contains("FROM \"reactions\" t2")
                && children[1].contains("t1.\"id\" = t2.\"messages_id\""),
            "{}",
            children[1]
        );
    }
}
