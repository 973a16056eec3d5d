//! SQLite catalog queries for [`Inventory`](crate::model::inventory::Inventory): one query per kind of fact, each joining
//! `sqlite_schema` with the table-valued pragma functions (`pragma_index_list`,
//! `pragma_index_xinfo`, `pragma_foreign_key_list`, ...) so that every table is covered in
//! one statement.
//!
//! SQLite keeps no parsed form of a partial index's predicate or of an expression column,
//! so both are read from the index's `CREATE INDEX` text in `sqlite_schema`.

use anyhow::{Context, Result};
use rusqlite::Transaction;

use crate::model::inventory::{
    CheckConstraint, Column, Constraint, DeclaredCollation, FkAction, FkViolation, ForeignKey,
    Index, IndexColumn, Inventory, SchemaObject, SqliteFacts, Table, HISTORY_PREFIX,
};
use crate::sqltext::{self, collapse_spaces, normalize_expr, Token, TokenKind};

/// The tables a model covers: real tables, neither SQLite's own nor chatdb's history.
const OWN_TABLES: &str = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
  AND substr(m.name, 1, length(?1)) <> ?1";

fn tables_sql() -> String {
    format!(
        "SELECT m.name, p.name, p.type, p.pk, m.sql, p.\"notnull\", p.dflt_value, p.hidden FROM sqlite_schema m
         LEFT JOIN pragma_table_xinfo(m.name) p WHERE {OWN_TABLES} ORDER BY m.name, p.cid"
    )
}

fn indexes_sql() -> String {
    format!(
        "SELECT m.name, il.name, il.\"unique\", il.origin, s.sql FROM sqlite_schema m
         JOIN pragma_index_list(m.name) il
         LEFT JOIN sqlite_schema s ON s.type = 'index' AND s.name = il.name
         WHERE {OWN_TABLES} ORDER BY m.name, il.name"
    )
}

fn index_columns_sql() -> String {
    format!(
        "SELECT il.name, x.cid, x.name, x.\"desc\", x.coll FROM sqlite_schema m
         JOIN pragma_index_list(m.name) il JOIN pragma_index_xinfo(il.name) x
         WHERE {OWN_TABLES} AND x.key = 1 ORDER BY il.name, x.seqno"
    )
}

fn foreign_keys_sql() -> String {
    format!(
        "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_delete, f.on_update FROM sqlite_schema m
         JOIN pragma_foreign_key_list(m.name) f WHERE {OWN_TABLES} ORDER BY m.name, f.id, f.seq"
    )
}

/// Foreign-key violations, counted per foreign key (`fkid` is `pragma_foreign_key_list`'s id).
const VIOLATIONS: &str =
    "SELECT c.\"table\", c.parent, c.fkid, count(*) FROM pragma_foreign_key_check AS c
     GROUP BY 1, 2, 3 ORDER BY 1, 3";

pub fn inventory(tx: &Transaction<'_>) -> Result<Inventory> {
    let mut inv = Inventory::default();
    let mut collations = Vec::new();

    {
        // (table, column, declared type, primary-key position, CREATE TABLE text,
        //  NOT NULL, default, hidden: 2 virtual / 3 stored generated column)
        type Row = (
            String,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<String>,
            Option<bool>,
            Option<String>,
            Option<i64>,
        );
        let mut stmt = tx.prepare(&tables_sql())?;
        let rows: Vec<Row> = stmt
            .query_map([HISTORY_PREFIX], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (table, column, ty, _, sql, not_null, default, hidden) in &rows {
            if inv.tables.last().is_none_or(|t| &t.name != table) {
                let key: Vec<&Row> = rows
                    .iter()
                    .filter(|r| &r.0 == table && r.3.unwrap_or(0) > 0)
                    .collect();
                let without_rowid = sql
                    .as_deref()
                    .unwrap_or_default()
                    .to_ascii_uppercase()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .windows(2)
                    .any(|w| w == ["WITHOUT", "ROWID"]);
                // `x INTEGER PRIMARY KEY` makes x the rowid: indexed, but by no catalog index.
                let rowid_key = match key.as_slice() {
                    [(_, Some(col), Some(ty), ..)]
                        if ty.eq_ignore_ascii_case("INTEGER") && !without_rowid =>
                    {
                        Some(col.clone())
                    }
                    _ => None,
                };
                inv.tables.push(Table {
                    name: table.clone(),
                    columns: Vec::new(),
                    rowid_key,
                    details: Vec::new(),
                    checks: parse_checks(table, sql.as_deref().unwrap_or_default()),
                    definition: sql.clone(),
                });
                collations.extend(parse_column_collations(
                    table,
                    sql.as_deref().unwrap_or_default(),
                ));
            }
            if let (Some(column), Some(t)) = (column, inv.tables.last_mut()) {
                t.columns.push(column.clone());
                t.details.push(Column {
                    name: column.clone(),
                    data_type: ty.clone().unwrap_or_default(),
                    not_null: not_null.unwrap_or(false),
                    default: default.clone(),
                    identity: None,
                    generated: match hidden {
                        Some(2) => Some("VIRTUAL".into()),
                        Some(3) => Some("STORED".into()),
                        _ => None,
                    },
                });
            }
        }
    }

    // Key columns per index, in order: (index, cid, name, desc, collation). cid -2 is an
    // expression.
    type KeyColumn = (String, i64, Option<String>, bool, Option<String>);
    let mut columns: Vec<KeyColumn> = Vec::new();
    {
        let mut stmt = tx.prepare(&index_columns_sql())?;
        let mut rows = stmt.query([HISTORY_PREFIX])?;
        while let Some(row) = rows.next()? {
            columns.push((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ));
        }
    }

    {
        let mut stmt = tx.prepare(&indexes_sql())?;
        let mut rows = stmt.query([HISTORY_PREFIX])?;
        while let Some(row) = rows.next()? {
            let table: String = row.get(0)?;
            let name: String = row.get(1)?;
            let unique: bool = row.get(2)?;
            let origin: String = row.get(3)?;
            let sql: Option<String> = row.get(4)?;
            let parsed = sql.as_deref().and_then(parse_create_index);
            let mut cols = Vec::new();
            for (k, (_, cid, col, desc, coll)) in columns.iter().filter(|c| c.0 == name).enumerate()
            {
                let expression = *cid == -2;
                let text = match (col, expression) {
                    (Some(c), false) => c.clone(),
                    _ => parsed
                        .as_ref()
                        .and_then(|p| p.columns.get(k))
                        .map(|c| normalize_expr(c))
                        .unwrap_or_else(|| format!("<expression {}>", k + 1)),
                };
                cols.push(IndexColumn {
                    name: if *cid == -1 { "rowid".into() } else { text },
                    expression,
                    descending: *desc,
                    // SQLite indexes cannot change where NULLs sort.
                    nulls_first: None,
                    opclass: None,
                    // The index's or else the column's declared collation; BINARY unless
                    // either says otherwise.
                    collation: coll
                        .as_deref()
                        .filter(|c| !c.eq_ignore_ascii_case("BINARY"))
                        .map(str::to_ascii_uppercase),
                });
            }
            let primary = origin == "pk";
            let constraint = (origin != "c").then(|| Constraint {
                name: None,
                definition: format!(
                    "{} ({})",
                    if primary { "PRIMARY KEY" } else { "UNIQUE" },
                    cols.iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
            let definition = match &sql {
                Some(sql) => collapse_spaces(sql),
                None => format!(
                    "CREATE UNIQUE INDEX {name} ON {table} {}",
                    crate::model::inventory::column_list(&cols)
                ),
            };
            inv.indexes.push(Index {
                name,
                table,
                columns: cols,
                include: Vec::new(),
                unique,
                primary,
                constraint,
                method: "btree".into(),
                predicate: parsed.and_then(|p| p.predicate).map(|p| normalize_expr(&p)),
                valid: true,
                building: false,
                size_bytes: None,
                scans: None,
                definition,
            });
        }
    }

    // (table, fk id) -> index into inv.foreign_keys, to attribute violations.
    let mut fk_ids: Vec<(String, i64, usize)> = Vec::new();
    {
        let mut stmt = tx.prepare(&foreign_keys_sql())?;
        let mut rows = stmt.query([HISTORY_PREFIX])?;
        while let Some(row) = rows.next()? {
            let table: String = row.get(0)?;
            let id: i64 = row.get(1)?;
            let from: String = row.get(3)?;
            let to: Option<String> = row.get(4)?;
            let same = fk_ids
                .last()
                .filter(|(t, i, _)| *t == table && *i == id)
                .map(|(_, _, n)| *n);
            match same.and_then(|n| inv.foreign_keys.get_mut(n)) {
                Some(fk) => {
                    fk.columns.push(from);
                    fk.ref_columns.extend(to);
                }
                None => {
                    let action: String = row.get(5)?;
                    let update: String = row.get(6)?;
                    fk_ids.push((table.clone(), id, inv.foreign_keys.len()));
                    inv.foreign_keys.push(ForeignKey {
                        name: None,
                        table,
                        ref_table: row.get(2)?,
                        columns: vec![from],
                        ref_columns: to.into_iter().collect(),
                        on_delete: FkAction::parse(&action),
                        on_update: FkAction::parse(&update),
                        // pragma_foreign_key_list does not say; SQLite defers only
                        // inside a transaction anyway.
                        deferrable: None,
                        validated: true,
                    });
                }
            }
        }
    }

    let mut violations = Vec::new();
    {
        let mut stmt = tx.prepare(VIOLATIONS).context("PRAGMA foreign_key_check")?;
        let mut rows = stmt.query([]).context("PRAGMA foreign_key_check")?;
        while let Some(row) = rows.next().context("PRAGMA foreign_key_check")? {
            let table: String = row.get(0)?;
            let parent: String = row.get(1)?;
            let fkid: i64 = row.get(2)?;
            let columns = fk_ids
                .iter()
                .find(|(t, i, _)| *t == table && *i == fkid)
                .and_then(|(_, _, n)| inv.foreign_keys.get(*n))
                .map(|fk| fk.columns.clone())
                .unwrap_or_default();
            violations.push(FkViolation {
                table,
                ref_table: parent,
                columns,
                rows: row.get(3)?,
            });
        }
    }

    let foreign_keys_on: bool = tx.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    let has_stat1: bool = tx.query_row(
        "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'",
        [],
        |r| r.get(0),
    )?;
    {
        let mut stmt = tx.prepare(
            "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE type IN ('trigger', 'view') AND sql IS NOT NULL ORDER BY rowid",
        )?;
        inv.triggers_and_views = stmt
            .query_map([], |r| {
                Ok(SchemaObject {
                    kind: r.get(0)?,
                    name: r.get(1)?,
                    table: r.get(2)?,
                    sql: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }

    inv.sqlite = Some(SqliteFacts {
        foreign_keys_on,
        violations,
        has_stat1,
        collations,
    });
    Ok(inv)
}

/// The definitions between a `CREATE TABLE` statement's outer parentheses, split at
/// top-level commas, each with the column it defines (`None`: a table constraint).
fn definitions(toks: &[Token]) -> Vec<(Option<String>, &[Token])> {
    sqltext::table_items(toks)
        .into_iter()
        .filter_map(|item| {
            let first = item.first()?;
            let table_level = first.is("CONSTRAINT")
                || first.is("CHECK")
                || first.is("PRIMARY")
                || first.is("UNIQUE")
                || first.is("FOREIGN");
            Some(((!table_level).then(|| first.name()), item))
        })
        .collect()
}

/// The collations a `CREATE TABLE` statement declares on its columns (`x TEXT COLLATE
/// NOCASE`), uppercase, BINARY left out: what a bare index on the column inherits.
fn parse_column_collations(table: &str, sql: &str) -> Vec<DeclaredCollation> {
    let toks = sqltext::tokens(sql);
    let mut out = Vec::new();
    for (column, item) in definitions(&toks) {
        let Some(column) = column else { continue };
        let mut depth = 0usize;
        for (i, t) in item.iter().enumerate() {
            if t.is_punct('(') {
                depth += 1;
            } else if t.is_punct(')') {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && t.is("COLLATE") {
                if let Some(name) = item.get(i + 1) {
                    let collation = name.name().to_ascii_uppercase();
                    if collation != "BINARY" {
                        out.push(DeclaredCollation {
                            table: table.to_string(),
                            column: column.clone(),
                            collation,
                        });
                    }
                }
            }
        }
    }
    out
}

/// The CHECK constraints of a `CREATE TABLE` statement (SQLite keeps them nowhere else),
/// named as [`CheckConstraint::name`] says.
fn parse_checks(table: &str, sql: &str) -> Vec<CheckConstraint> {
    let toks = sqltext::tokens(sql);
    let mut checks = Vec::new();
    for (column, item) in definitions(&toks) {
        let mut depth = 0usize;
        for (i, t) in item.iter().enumerate() {
            if t.is_punct('(') {
                depth += 1;
            } else if t.is_punct(')') {
                depth = depth.saturating_sub(1);
            }
            if depth != 0 || !t.is("CHECK") {
                continue;
            }
            let name = match (
                i.checked_sub(2).map(|k| &item[k]),
                item.get(i.wrapping_sub(1)),
            ) {
                (Some(c), Some(n)) if c.is("CONSTRAINT") && n.kind != TokenKind::Punct => n.name(),
                _ => match &column {
                    Some(col) => format!("{table}_{col}_check"),
                    None => format!("{table}_check"),
                },
            };
            // The parenthesised expression after CHECK.
            let Some(open) = item.get(i + 1).filter(|t| t.is_punct('(')) else {
                continue;
            };
            let mut d = 0usize;
            let mut close = None;
            for t in &item[i + 1..] {
                if t.is_punct('(') {
                    d += 1;
                } else if t.is_punct(')') {
                    d = d.saturating_sub(1);
                    if d == 0 {
                        close = Some(t.end);
                        break;
                    }
                }
            }
            let Some(close) = close else { continue };
            checks.push(CheckConstraint {
                name,
                expression: format!("CHECK {}", collapse_spaces(&sql[open.start..close])),
                not_valid: false,
            });
        }
    }
    checks.sort_by(|a, b| a.name.cmp(&b.name));
    checks
}

/// The key column texts and the predicate of a `CREATE INDEX` statement.
#[derive(Debug, PartialEq)]
struct ParsedIndex {
    columns: Vec<String>,
    predicate: Option<String>,
}

/// Splits `CREATE INDEX name ON t (a, lower(b) DESC) WHERE c IS NULL` into its column
/// texts (direction and collation stripped) and its predicate, over [`sqltext::tokens`]:
/// quotes, comments and nested parentheses (and SQLite's `[name]` brackets) are respected;
/// `None` when the text has no column list.
fn parse_create_index(sql: &str) -> Option<ParsedIndex> {
    let toks = sqltext::tokens(sql);
    let open = toks.iter().position(|t| t.is_punct('('))?;
    let mut depth = 0usize;
    let mut parts: Vec<&[Token]> = Vec::new();
    let mut part_start = open + 1;
    let mut close = None;
    for (i, t) in toks.iter().enumerate().skip(open) {
        if t.is_punct('(') || t.is_punct('[') {
            depth += 1;
        } else if t.is_punct(')') || t.is_punct(']') {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                parts.push(&toks[part_start..i]);
                close = Some(i);
                break;
            }
        } else if t.is_punct(',') && depth == 1 {
            parts.push(&toks[part_start..i]);
            part_start = i + 1;
        }
    }
    let rest = &toks[close? + 1..];
    let predicate = match rest.split_first() {
        Some((w, body)) if w.is("WHERE") => {
            let body = match body.split_last() {
                Some((last, init)) if last.is_punct(';') => init,
                _ => body,
            };
            Some(source(sql, body).to_string())
        }
        _ => None,
    };
    let columns = parts
        .iter()
        .map(|p| source(sql, strip_direction(p)).to_string())
        .collect();
    Some(ParsedIndex { columns, predicate })
}

/// The text `tokens` (consecutive tokens of `sql`) were lexed from, first to last.
fn source<'a>(sql: &'a str, tokens: &[Token]) -> &'a str {
    match (tokens.first(), tokens.last()) {
        (Some(a), Some(b)) => sql.get(a.start..b.end).unwrap_or(""),
        _ => "",
    }
}

/// `lower(b) COLLATE nocase DESC` -> `lower(b)`.
fn strip_direction(col: &[Token]) -> &[Token] {
    let mut col = col;
    loop {
        match col {
            [head @ .., last] if !head.is_empty() && (last.is("DESC") || last.is("ASC")) => {
                col = head;
            }
            [head @ .., collate, name]
                if !head.is_empty()
                    && collate.is("COLLATE")
                    && matches!(name.kind, TokenKind::Word | TokenKind::Quoted) =>
            {
                col = head;
            }
            _ => return col,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_index_text_gives_columns_and_predicate() {
        let p = parse_create_index(
            "CREATE UNIQUE INDEX x\nON sessions (code, lower(name) COLLATE nocase DESC) WHERE ended_at IS NULL AND note <> 'a)b'",
        )
        .expect("parses");
        assert_eq!(p.columns, vec!["code", "lower(name)"]);
        assert_eq!(
            p.predicate.as_deref(),
            Some("ended_at IS NULL AND note <> 'a)b'")
        );
        let p = parse_create_index("CREATE INDEX y ON t (\"a,b\", c)").expect("parses");
        assert_eq!(p.columns, vec!["\"a,b\"", "c"]);
        assert_eq!(p.predicate, None);
        assert_eq!(parse_create_index("CREATE INDEX z ON t"), None);
        // Over the one lexer: brackets, a quoted name with a parenthesis, comments.
        let p = parse_create_index(
            "CREATE INDEX \"idx(1\" ON t ([a,b], c /* , d */ ASC) WHERE x = 1; -- done",
        )
        .expect("parses");
        assert_eq!(p.columns, vec!["[a,b]", "c"]);
        assert_eq!(p.predicate.as_deref(), Some("x = 1"));
    }

    #[test]
    fn checks_come_from_the_create_table_text() {
        let sql = "CREATE TABLE tasks (
            id TEXT NOT NULL CONSTRAINT tasks_pkey PRIMARY KEY,
            -- a comment, with a CHECK (x) in it
            tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
            priority TEXT CONSTRAINT tasks_priority_check CHECK (priority IN ('low', 'high')),
            CONSTRAINT tasks_done_check CHECK (done IS NULL OR (done > 0)),
            CHECK (a <> b)
        )";
        let checks = parse_checks("tasks", sql);
        let names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "tasks_check",
                "tasks_done_check",
                "tasks_priority_check",
                "tasks_tags_check"
            ]
        );
        assert_eq!(checks[1].expression, "CHECK (done IS NULL OR (done > 0))");
    }

    proptest::proptest! {
        #![proptest_config(crate::sqltext::props::config())]

        #[test]
        fn sqltext_index_and_check_readers_never_panic(sql in crate::sqltext::props::text()) {
            let _ = parse_create_index(&sql);
            let _ = parse_create_index(&format!("CREATE INDEX i ON t ({sql}"));
            let _ = parse_checks("t", &sql);
            let _ = parse_checks("t", &format!("CREATE TABLE t (a int CHECK ({sql}"));
        }
    }
}
