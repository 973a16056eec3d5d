//! PostgreSQL/SQLite parity: the two dialects' migrations, applied to scratch databases and
//! read back through [`crate::model::inventory`], must build the same schema.
//!
//! Compared: tables; columns with their type *family* (text, integer, boolean, timestamp,
//! ... where PostgreSQL's uuid, json/jsonb and arrays are SQLite TEXT, and a length is
//! compared when both declare one), nullability, and defaults where comparable (one side
//! having a default and the other none, or two different literals); primary keys; unique
//! constraints; foreign keys with their ON DELETE action; CHECK constraints by name (their
//! expressions are dialect-specific); and indexes by name with their columns, order,
//! uniqueness and partial predicate. The indexes behind PRIMARY KEY/UNIQUE constraints are
//! compared as those constraints, so SQLite's `sqlite_autoindex_*` names never matter.
//!
//! Each difference names an object (`table x`, `column t.c`, `index i`, `check c`,
//! `primary key t`, `unique t(a, b)`, `foreign key t(a)`), which is what a manifest's
//! `[[validate.parity_exception]]` names to declare it intended.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::inventory::{Column, ForeignKey, Index, Inventory, Table};
use crate::sqltext::{normalize_default, normalize_expr, normalize_predicate};

/// One difference between the dialects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// What differs, as an exception names it.
    pub object: String,
    /// The table it belongs to, for pointing at the migration that made it.
    pub table: String,
    pub message: String,
}

/// Type families: what both dialects store the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Text,
    Integer,
    Boolean,
    Timestamp,
    Date,
    Numeric,
    Blob,
    /// PostgreSQL uuid: SQLite TEXT.
    Uuid,
    /// PostgreSQL json/jsonb: SQLite TEXT holding JSON.
    Json,
    /// A PostgreSQL array: SQLite TEXT holding a JSON array.
    Array,
    Other,
}

impl Family {
    fn name(self) -> &'static str {
        match self {
            Family::Text => "text",
            Family::Integer => "integer",
            Family::Boolean => "boolean",
            Family::Timestamp => "timestamp",
            Family::Date => "date",
            Family::Numeric => "numeric",
            Family::Blob => "binary",
            Family::Uuid => "uuid-as-text",
            Family::Json => "json-as-text",
            Family::Array => "array-as-text",
            Family::Other => "other",
        }
    }
}

/// A type's family and declared length (`varchar(255)` -> 255).
fn classify(data_type: &str) -> (Family, Option<String>) {
    let lower = data_type.trim().to_ascii_lowercase();
    let (base, length) = match lower.split_once('(') {
        Some((b, rest)) => (
            b.trim().to_string(),
            rest.split(')').next().map(|l| l.replace(' ', "")),
        ),
        None => (lower.clone(), None),
    };
    if lower.ends_with("[]") || lower.starts_with("_") {
        return (Family::Array, None);
    }
    let family = match base.as_str() {
        "uuid" => Family::Uuid,
        "json" | "jsonb" => Family::Json,
        "text" | "character varying" | "varchar" | "character" | "char" | "bpchar" | "nchar"
        | "nvarchar" | "varying character" | "native character" | "clob" | "citext" | "name"
        | "string" => Family::Text,
        "integer" | "int" | "int2" | "int4" | "int8" | "bigint" | "smallint" | "tinyint"
        | "mediumint" | "serial" | "bigserial" | "smallserial" | "unsigned big int" => {
            Family::Integer
        }
        "boolean" | "bool" => Family::Boolean,
        "date" => Family::Date,
        "real" | "double precision" | "double" | "float" | "float4" | "float8" | "numeric"
        | "decimal" => Family::Numeric,
        "bytea" | "blob" => Family::Blob,
        b if b.starts_with("timestamp") || b == "datetime" => Family::Timestamp,
        // SQLite's affinity rules, for declared types spelled otherwise.
        b if b.contains("int") => Family::Integer,
        b if b.contains("char") || b.contains("clob") || b.contains("text") => Family::Text,
        _ => Family::Other,
    };
    let length = match family {
        Family::Text => length,
        _ => None,
    };
    (family, length)
}

fn compatible(pg: Family, lite: Family) -> bool {
    pg == lite
        || (lite == Family::Text && matches!(pg, Family::Uuid | Family::Json | Family::Array))
}

/// A default, as far as it can be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DefaultKind {
    None,
    /// A literal: a string's contents, a number, `true`/`false`.
    Literal(String),
    /// The current time (`now()`, `CURRENT_TIMESTAMP`, `now() AT TIME ZONE 'UTC'`).
    Now,
    /// Any other expression: compared only for being there.
    Expression,
}

fn default_kind(text: Option<&str>) -> DefaultKind {
    let Some(text) = text else {
        return DefaultKind::None;
    };
    let s = normalize_default(text);
    let s = s.as_str();
    match s {
        "true" | "false" => DefaultKind::Literal(s.into()),
        "now()"
        | "current_timestamp"
        | "localtimestamp"
        | "current_timestamp()"
        | "transaction_timestamp()" => DefaultKind::Now,
        _ if (s.starts_with("now()") || s.starts_with("current_timestamp"))
            && s.contains("at time zone") =>
        {
            DefaultKind::Now
        }
        _ if s.starts_with("timezone(") => DefaultKind::Now,
        _ if s.starts_with('\'')
            && s.ends_with('\'')
            && s.len() >= 2
            && !s[1..s.len() - 1].contains('\'') =>
        {
            DefaultKind::Literal(s.to_string())
        }
        _ if !s.is_empty()
            && s.trim_start_matches('-')
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.') =>
        {
            DefaultKind::Literal(s.to_string())
        }
        _ => DefaultKind::Expression,
    }
}

/// Booleans are stored as 0/1 in SQLite: `FALSE` and `0` are the same default there.
fn same_literal(a: &str, b: &str, family: Family) -> bool {
    let norm = |v: &str| -> String {
        match (family, v) {
            (Family::Boolean, "1" | "true" | "'t'" | "'true'") => "true".into(),
            (Family::Boolean, "0" | "false" | "'f'" | "'false'") => "false".into(),
            _ => v.to_string(),
        }
    };
    norm(a) == norm(b)
}

/// Where differences are collected, in report order.
#[derive(Default)]
struct Differences(Vec<Difference>);

impl Differences {
    fn add(&mut self, object: String, table: &str, message: String) {
        self.0.push(Difference {
            object,
            table: table.to_string(),
            message,
        })
    }
}

/// One table as both dialects built it, with what several comparers need.
struct TablePair<'a> {
    name: &'a str,
    pg: &'a Inventory,
    lite: &'a Inventory,
    p: &'a Table,
    l: &'a Table,
    pg_pk: Vec<String>,
    lite_pk: Vec<String>,
}

/// Compares the PostgreSQL and SQLite results of the same migrations: table by table
/// (existence, columns, primary key, unique constraints, checks, foreign keys), then the
/// indexes that are not behind a constraint.
pub fn compare(pg: &Inventory, lite: &Inventory) -> Vec<Difference> {
    let mut out = Differences::default();
    let pg_tables: BTreeMap<&str, &Table> =
        pg.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let lite_tables: BTreeMap<&str, &Table> =
        lite.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    for name in pg_tables
        .keys()
        .chain(lite_tables.keys())
        .collect::<BTreeSet<_>>()
    {
        let (p, l) = match (pg_tables.get(name), lite_tables.get(name)) {
            (Some(p), Some(l)) => (*p, *l),
            (Some(_), None) => {
                out.add(
                    format!("table {name}"),
                    name,
                    format!("table {name} exists in PostgreSQL but not in SQLite"),
                );
                continue;
            }
            (None, Some(_)) => {
                out.add(
                    format!("table {name}"),
                    name,
                    format!("table {name} exists in SQLite but not in PostgreSQL"),
                );
                continue;
            }
            (None, None) => continue,
        };
        let pair = TablePair {
            name,
            pg,
            lite,
            p,
            l,
            pg_pk: primary_key(pg, p),
            lite_pk: primary_key(lite, l),
        };
        compare_columns(&pair, &mut out);
        compare_primary_keys(&pair, &mut out);
        compare_unique_constraints(&pair, &mut out);
        compare_checks(&pair, &mut out);
        compare_foreign_keys(&pair, &mut out);
    }
    compare_indexes(pg, lite, &mut out);
    out.0
}

/// Columns: presence, type family and length, nullability, defaults.
fn compare_columns(pair: &TablePair, out: &mut Differences) {
    let TablePair { name, p, l, .. } = *pair;
    for pc in &p.details {
        let object = format!("column {name}.{}", pc.name);
        let Some(lc) = l.details.iter().find(|c| c.name == pc.name) else {
            out.add(
                object,
                name,
                format!(
                    "column {name}.{} exists in PostgreSQL but not in SQLite",
                    pc.name
                ),
            );
            continue;
        };
        compare_column(pair, pc, lc, &object, out);
    }
    for lc in &l.details {
        if !p.details.iter().any(|c| c.name == lc.name) {
            out.add(
                format!("column {name}.{}", lc.name),
                name,
                format!(
                    "column {name}.{} exists in SQLite but not in PostgreSQL",
                    lc.name
                ),
            );
        }
    }
}

/// One column both dialects have: type family and length, nullability, default.
fn compare_column(pair: &TablePair, pc: &Column, lc: &Column, object: &str, out: &mut Differences) {
    let name = pair.name;
    let object = object.to_string();
    let (pf, plen) = classify(&pc.data_type);
    let (lf, llen) = classify(&lc.data_type);
    if !compatible(pf, lf) {
        out.add(
            object.clone(),
            name,
            format!(
                "{name}.{} is {} ({}) in PostgreSQL but {} ({}) in SQLite",
                pc.name,
                pc.data_type,
                pf.name(),
                if lc.data_type.is_empty() {
                    "untyped"
                } else {
                    &lc.data_type
                },
                lf.name()
            ),
        );
    } else if let (Some(a), Some(b)) = (&plen, &llen) {
        if a != b {
            out.add(
                object.clone(),
                name,
                format!(
                    "{name}.{} is {} in PostgreSQL but {} in SQLite (lengths differ)",
                    pc.name, pc.data_type, lc.data_type
                ),
            );
        }
    }
    let p_nn = pc.not_null || pair.pg_pk.contains(&pc.name);
    let l_nn = lc.not_null || pair.lite_pk.contains(&lc.name);
    if p_nn != l_nn {
        let show = |nn: bool| if nn { "NOT NULL" } else { "nullable" };
        out.add(
            object.clone(),
            name,
            format!(
                "{name}.{} is {} in PostgreSQL but {} in SQLite",
                pc.name,
                show(p_nn),
                show(l_nn)
            ),
        );
    }
    let pd = default_kind(pc.default.as_deref());
    let ld = default_kind(lc.default.as_deref());
    let differs = match (&pd, &ld) {
        (DefaultKind::None, DefaultKind::None) => false,
        (DefaultKind::None, _) | (_, DefaultKind::None) => true,
        (DefaultKind::Literal(a), DefaultKind::Literal(b)) => {
            !matches!(pf, Family::Json | Family::Array) && !same_literal(a, b, pf)
        }
        (DefaultKind::Now, DefaultKind::Literal(_))
        | (DefaultKind::Literal(_), DefaultKind::Now) => true,
        _ => false,
    };
    if differs {
        let show = |d: &Option<String>| match d {
            Some(d) => format!("defaults to {d}"),
            None => "has no default".into(),
        };
        out.add(
            object.clone(),
            name,
            format!(
                "{name}.{} {} in PostgreSQL but {} in SQLite",
                pc.name,
                show(&pc.default),
                show(&lc.default)
            ),
        );
    }
}

fn compare_primary_keys(pair: &TablePair, out: &mut Differences) {
    let name = pair.name;
    if pair.pg_pk != pair.lite_pk {
        out.add(
            format!("primary key {name}"),
            name,
            format!(
                "the primary key of {name} is ({}) in PostgreSQL but ({}) in SQLite",
                pair.pg_pk.join(", "),
                pair.lite_pk.join(", ")
            ),
        );
    }
}

fn compare_unique_constraints(pair: &TablePair, out: &mut Differences) {
    let name = pair.name;
    let pg_unique = unique_constraints(pair.pg, name);
    let lite_unique = unique_constraints(pair.lite, name);
    for u in pg_unique.symmetric_difference(&lite_unique) {
        let (has, lacks) = if pg_unique.contains(u) {
            ("PostgreSQL", "SQLite")
        } else {
            ("SQLite", "PostgreSQL")
        };
        out.add(
            format!("unique {name}({})", u.join(", ")),
            name,
            format!(
                "UNIQUE ({}) on {name} exists in {has} but not in {lacks}",
                u.join(", ")
            ),
        );
    }
}

/// CHECK constraints, by name only (their expressions are dialect-specific).
fn compare_checks(pair: &TablePair, out: &mut Differences) {
    let name = pair.name;
    let by_name = |t: &Table| -> BTreeMap<String, String> {
        t.checks
            .iter()
            .map(|c| (c.name.clone(), c.expression.clone()))
            .collect()
    };
    let pg_checks = by_name(pair.p);
    let lite_checks = by_name(pair.l);
    for (c, expr) in &pg_checks {
        if !lite_checks.contains_key(c) {
            out.add(
                format!("check {c}"),
                name,
                format!("CHECK {c} on {name} ({expr}) exists in PostgreSQL but not in SQLite"),
            );
        }
    }
    for (c, expr) in &lite_checks {
        if !pg_checks.contains_key(c) {
            out.add(
                format!("check {c}"),
                name,
                format!("CHECK {c} on {name} ({expr}) exists in SQLite but not in PostgreSQL"),
            );
        }
    }
}

/// Foreign keys, matched by their columns: referenced table and columns, ON DELETE.
fn compare_foreign_keys(pair: &TablePair, out: &mut Differences) {
    let TablePair { name, pg, lite, .. } = *pair;
    let of_table = |inv: &'_ Inventory| -> Vec<ForeignKey> {
        inv.foreign_keys
            .iter()
            .filter(|f| f.table == name)
            .cloned()
            .collect()
    };
    let pg_fks = of_table(pg);
    let lite_fks = of_table(lite);
    for pf in &pg_fks {
        let object = format!("foreign key {name}({})", pf.columns.join(", "));
        let Some(lf) = lite_fks.iter().find(|f| f.columns == pf.columns) else {
            out.add(
                object,
                name,
                format!(
                    "foreign key {} exists in PostgreSQL but not in SQLite",
                    pf.shape()
                ),
            );
            continue;
        };
        let lite_refs = if lf.ref_columns.is_empty() {
            lite.table(&lf.ref_table)
                .map(|t| primary_key(lite, t))
                .unwrap_or_default()
        } else {
            lf.ref_columns.clone()
        };
        if pf.ref_table != lf.ref_table || pf.ref_columns != lite_refs {
            out.add(
                object,
                name,
                format!(
                    "foreign key {name}({}) references {}({}) in PostgreSQL but {}({}) in SQLite",
                    pf.columns.join(", "),
                    pf.ref_table,
                    pf.ref_columns.join(", "),
                    lf.ref_table,
                    lite_refs.join(", ")
                ),
            );
        } else if pf.on_delete != lf.on_delete {
            out.add(object, name, format!("foreign key {name}({}) is ON DELETE {} in PostgreSQL but ON DELETE {} in SQLite", pf.columns.join(", "), pf.on_delete.sql(), lf.on_delete.sql()));
        }
    }
    for lf in &lite_fks {
        if !pg_fks.iter().any(|f| f.columns == lf.columns) {
            out.add(
                format!("foreign key {name}({})", lf.columns.join(", ")),
                name,
                format!(
                    "foreign key {} exists in SQLite but not in PostgreSQL",
                    lf.shape()
                ),
            );
        }
    }
}

/// Indexes that are not behind a constraint, by name: table, columns, uniqueness, predicate.
fn compare_indexes(pg: &Inventory, lite: &Inventory, out: &mut Differences) {
    let plain = |inv: &'_ Inventory| -> BTreeMap<String, Index> {
        inv.indexes
            .iter()
            .filter(|i| i.constraint.is_none() && !i.name.starts_with("sqlite_autoindex_"))
            .map(|i| (i.name.clone(), i.clone()))
            .collect()
    };
    let pg_idx = plain(pg);
    let lite_idx = plain(lite);
    for (n, pi) in &pg_idx {
        let object = format!("index {n}");
        let Some(li) = lite_idx.get(n) else {
            out.add(
                object,
                &pi.table,
                format!(
                    "index {n} on {} {} ({}) exists in PostgreSQL but not in SQLite",
                    pi.table,
                    pi.column_list(),
                    pi.method
                ),
            );
            continue;
        };
        let cols = |i: &Index| -> Vec<(String, bool)> {
            i.columns
                .iter()
                .map(|c| {
                    (
                        normalize_expr(&c.name).replace(['(', ')'], ""),
                        c.descending,
                    )
                })
                .collect()
        };
        let mut problems = Vec::new();
        if pi.table != li.table {
            problems.push(format!(
                "is on {} in PostgreSQL but on {} in SQLite",
                pi.table, li.table
            ));
        }
        if cols(pi) != cols(li) {
            problems.push(format!(
                "has columns {} in PostgreSQL but {} in SQLite",
                pi.column_list(),
                li.column_list()
            ));
        }
        if pi.unique != li.unique {
            problems.push(format!(
                "is {} in PostgreSQL but {} in SQLite",
                if pi.unique { "UNIQUE" } else { "not unique" },
                if li.unique { "UNIQUE" } else { "not unique" }
            ));
        }
        let pp = pi.predicate.as_deref().map(normalize_predicate);
        let lp = li.predicate.as_deref().map(normalize_predicate);
        if pp != lp {
            problems.push(format!(
                "has predicate {} in PostgreSQL but {} in SQLite",
                pi.predicate
                    .as_deref()
                    .map_or("none".to_string(), |p| format!("WHERE {p}")),
                li.predicate
                    .as_deref()
                    .map_or("none".to_string(), |p| format!("WHERE {p}"))
            ));
        }
        if !problems.is_empty() {
            out.add(
                object,
                &pi.table,
                format!("index {n} {}", problems.join("; ")),
            );
        }
    }
    for (n, li) in &lite_idx {
        if !pg_idx.contains_key(n) {
            out.add(
                format!("index {n}"),
                &li.table,
                format!(
                    "index {n} on {} {} exists in SQLite but not in PostgreSQL",
                    li.table,
                    li.column_list()
                ),
            );
        }
    }
}

/// The primary key's columns: PostgreSQL's primary index, SQLite's pk autoindex or rowid.
fn primary_key(inv: &Inventory, table: &Table) -> Vec<String> {
    if let Some(i) = inv
        .indexes
        .iter()
        .find(|i| i.table == table.name && i.primary)
    {
        return i.columns.iter().map(|c| c.name.clone()).collect();
    }
    table.rowid_key.iter().cloned().collect()
}

/// The column lists of a table's UNIQUE constraints.
fn unique_constraints(inv: &Inventory, table: &str) -> BTreeSet<Vec<String>> {
    inv.indexes
        .iter()
        .filter(|i| i.table == table && !i.primary && i.unique && i.constraint.is_some())
        .map(|i| i.columns.iter().map(|c| c.name.clone()).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_compare_by_family() {
        assert_eq!(
            classify("character varying(255)"),
            (Family::Text, Some("255".into()))
        );
        assert_eq!(classify("VARCHAR(255)"), (Family::Text, Some("255".into())));
        assert_eq!(classify("timestamp with time zone").0, Family::Timestamp);
        assert_eq!(classify("TIMESTAMP").0, Family::Timestamp);
        assert_eq!(classify("text[]").0, Family::Array);
        assert!(compatible(classify("uuid").0, classify("TEXT").0));
        assert!(compatible(classify("jsonb").0, classify("TEXT").0));
        assert!(compatible(classify("bigint").0, classify("INTEGER").0));
        assert!(!compatible(classify("boolean").0, classify("TEXT").0));
    }

    #[test]
    fn defaults_compare_where_comparable() {
        assert_eq!(
            default_kind(Some("'medium'::character varying")),
            DefaultKind::Literal("'medium'".into())
        );
        assert_eq!(
            default_kind(Some("'medium'")),
            DefaultKind::Literal("'medium'".into())
        );
        assert_eq!(default_kind(Some("now()")), DefaultKind::Now);
        assert_eq!(default_kind(Some("CURRENT_TIMESTAMP")), DefaultKind::Now);
        assert_eq!(
            default_kind(Some("(now() AT TIME ZONE 'UTC'::text)")),
            DefaultKind::Now
        );
        assert_eq!(
            default_kind(Some("gen_random_uuid()")),
            DefaultKind::Expression
        );
        assert!(same_literal("false", "0", Family::Boolean));
        assert!(same_literal("false", "false", Family::Boolean));
    }

    #[test]
    fn predicates_compare_across_deparsing() {
        assert_eq!(
            normalize_predicate("((status)::text = 'pending'::text)"),
            normalize_predicate("status = 'pending'")
        );
        assert_eq!(
            normalize_predicate("(ended_at IS NULL)"),
            normalize_predicate("ended_at IS NULL")
        );
        assert_eq!(
            normalize_predicate("is_pinned = true"),
            normalize_predicate("is_pinned = TRUE")
        );
        assert_ne!(
            normalize_predicate("(ended_at IS NULL)"),
            normalize_predicate("ended_at IS NOT NULL")
        );
        // The words either side of a dropped parenthesis stay apart.
        assert_eq!(
            normalize_predicate("((a IS NOT NULL) AND (b IS NOT NULL))"),
            "a is not null and b is not null"
        );
        assert_eq!(
            normalize_predicate("((a IS NOT NULL) AND (b IS NOT NULL))"),
            normalize_predicate("a IS NOT NULL AND b IS NOT NULL")
        );
    }

    #[test]
    fn differences_name_their_objects() {
        use crate::checks::testkit::{fk, idx, inv, unique_constraint};
        use crate::model::inventory::FkAction;
        let mut partial = idx("idx_open", "sessions", &["code"]);
        partial.predicate = Some("(ended_at IS NULL)".into());
        let pg = inv(
            vec![
                partial.clone(),
                idx("idx_gin", "tasks", &["tags"]),
                unique_constraint("users_email_key", "users", &["email"]),
            ],
            vec![fk("messages", &["room_id"], "rooms", FkAction::Cascade)],
        );
        let mut lite_partial = partial;
        lite_partial.predicate = Some("ended_at IS NOT NULL".into());
        let lite = inv(
            vec![lite_partial, idx("idx_gin_twin", "tasks", &["tags"])],
            vec![fk("messages", &["room_id"], "rooms", FkAction::NoAction)],
        );
        let objects: Vec<String> = compare(&pg, &lite).into_iter().map(|d| d.object).collect();
        assert_eq!(
            objects,
            [
                "foreign key messages(room_id)",
                "table users",
                "index idx_gin",
                "index idx_open",
                "index idx_gin_twin",
            ]
        );
        assert!(compare(&pg, &pg).is_empty());
    }

    #[test]
    fn every_kind_of_difference_is_reported_table_by_table_in_order() {
        use crate::checks::testkit::{fk, idx, inv, unique_constraint};
        use crate::model::inventory::{CheckConstraint, Column, FkAction};
        let col = |name: &str, data_type: &str, not_null: bool, default: Option<&str>| Column {
            name: name.into(),
            data_type: data_type.into(),
            not_null,
            default: default.map(str::to_string),
            ..Column::default()
        };
        let check = |name: &str| CheckConstraint {
            name: name.into(),
            expression: format!("CHECK ({name})"),
            ..CheckConstraint::default()
        };
        let mut pg = inv(
            vec![
                unique_constraint("t_a_key", "t", &["a"]),
                idx("idx_t_b", "t", &["b"]),
            ],
            vec![fk("t", &["r"], "rooms", FkAction::Cascade)],
        );
        pg.tables[0].details = vec![
            col("a", "character varying(10)", true, None),
            col("b", "boolean", false, Some("false")),
            col("c", "uuid", false, Some("now()")),
            col("only_pg", "text", false, None),
        ];
        pg.tables[0].checks = vec![check("t_pg_check")];
        pg.tables[0].rowid_key = Some("a".into());
        let mut lite = inv(
            vec![idx("idx_t_b", "t", &["b DESC"])],
            vec![fk("t", &["r"], "rooms", FkAction::NoAction)],
        );
        lite.tables[0].details = vec![
            col("a", "VARCHAR(20)", false, None),
            col("b", "INTEGER", false, Some("0")),
            col("c", "TEXT", false, Some("'x'")),
            col("only_lite", "TEXT", false, None),
        ];
        lite.tables[0].checks = vec![check("t_lite_check")];
        let got: Vec<String> = compare(&pg, &lite)
            .into_iter()
            .map(|d| format!("{} | {} | {}", d.object, d.table, d.message))
            .collect();
        // The order of the single compare function this was split from.
        assert_eq!(
            got,
            [
                "column t.a | t | t.a is character varying(10) in PostgreSQL but VARCHAR(20) in SQLite (lengths differ)",
                "column t.a | t | t.a is NOT NULL in PostgreSQL but nullable in SQLite",
                "column t.b | t | t.b is boolean (boolean) in PostgreSQL but INTEGER (integer) in SQLite",
                "column t.c | t | t.c defaults to now() in PostgreSQL but defaults to 'x' in SQLite",
                "column t.only_pg | t | column t.only_pg exists in PostgreSQL but not in SQLite",
                "column t.only_lite | t | column t.only_lite exists in SQLite but not in PostgreSQL",
                "primary key t | t | the primary key of t is (a) in PostgreSQL but () in SQLite",
                "unique t(a) | t | UNIQUE (a) on t exists in PostgreSQL but not in SQLite",
                "check t_pg_check | t | CHECK t_pg_check on t (CHECK (t_pg_check)) exists in PostgreSQL but not in SQLite",
                "check t_lite_check | t | CHECK t_lite_check on t (CHECK (t_lite_check)) exists in SQLite but not in PostgreSQL",
                "foreign key t(r) | t | foreign key t(r) is ON DELETE CASCADE in PostgreSQL but ON DELETE NO ACTION in SQLite",
                "index idx_t_b | t | index idx_t_b has columns (b) in PostgreSQL but (b DESC) in SQLite",
            ]
        );
    }
}
