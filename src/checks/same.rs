//! When two spellings mean the same thing: the equivalences the whole-schema rules compare
//! by, so that a database built from other SQL than the canonical files (a document's own
//! DDL, Alembic, `create_all`) is not reported for how it was written.
//!
//! - Types: PostgreSQL's by name after aliases (`int4` = `integer`, `varchar(50)` =
//!   `character varying(50)`, `timestamptz` = `timestamp with time zone`), length and
//!   precision included; SQLite's by **affinity** (its five storage classes, the rules of
//!   <https://www.sqlite.org/datatype3.html#determination_of_column_affinity>), since SQLite
//!   stores `VARCHAR(50)` and `TEXT` alike and enforces no length.
//! - Defaults: casts and parentheses the deparser adds are dropped, and the clock's
//!   spellings (`now()`, `CURRENT_TIMESTAMP`, `transaction_timestamp()`, SQLite's
//!   `datetime('now')`) are one; on SQLite `TRUE`/`FALSE` are `1`/`0`.
//! - CHECK expressions: casts (`::text`) and parentheses dropped, case and spacing
//!   normalised ([`normalize_predicate`]).

use crate::catalog::Dialect;
use crate::sqltext::normalize_predicate;

/// PostgreSQL type aliases, as `format_type` spells them.
const PG_ALIASES: &[(&str, &str)] = &[
    ("int", "integer"),
    ("int4", "integer"),
    ("int2", "smallint"),
    ("int8", "bigint"),
    ("serial", "integer"),
    ("serial4", "integer"),
    ("bigserial", "bigint"),
    ("serial8", "bigint"),
    ("smallserial", "smallint"),
    ("serial2", "smallint"),
    ("bool", "boolean"),
    ("varchar", "character varying"),
    ("char", "character"),
    ("bpchar", "character"),
    ("float8", "double precision"),
    ("float", "double precision"),
    ("float4", "real"),
    ("decimal", "numeric"),
    ("timestamp", "timestamp without time zone"),
    ("timestamptz", "timestamp with time zone"),
    ("time", "time without time zone"),
    ("timetz", "time with time zone"),
];

/// A PostgreSQL type in `format_type`'s spelling: lowercase, aliases resolved, the length
/// or precision kept (`VARCHAR(50)` -> `character varying(50)`).
pub fn pg_type(data_type: &str) -> String {
    let lower = data_type.trim().to_ascii_lowercase();
    let (body, array) = match lower.strip_suffix("[]") {
        Some(b) => (b.trim_end().to_string(), "[]"),
        None => (lower, ""),
    };
    // `timestamp(3) with time zone`: the modifier may sit inside the name.
    let (base, modifier) = match (body.find('('), body.find(')')) {
        (Some(open), Some(close)) if open < close => (
            format!("{} {}", body[..open].trim(), body[close + 1..].trim())
                .trim()
                .to_string(),
            format!("({})", body[open + 1..close].replace(' ', "")),
        ),
        _ => (body.clone(), String::new()),
    };
    let name = PG_ALIASES
        .iter()
        .find(|(alias, _)| *alias == base)
        .map_or(base.clone(), |(_, canonical)| (*canonical).to_string());
    // format_type puts a timestamp's precision after the word: `timestamp(3) without time zone`.
    match name.split_once(' ') {
        Some((head, rest)) if !modifier.is_empty() && head.starts_with("time") => {
            format!("{head}{modifier} {rest}{array}")
        }
        _ => format!("{name}{modifier}{array}"),
    }
}

/// SQLite's affinity of a declared type.
pub fn affinity(data_type: &str) -> &'static str {
    let t = data_type.to_ascii_uppercase();
    if t.contains("INT") {
        "INTEGER"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "TEXT"
    } else if t.contains("BLOB") || t.trim().is_empty() {
        "BLOB"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "REAL"
    } else {
        "NUMERIC"
    }
}

/// Whether two declared types are the same in `dialect`.
pub fn same_type(dialect: Dialect, a: &str, b: &str) -> bool {
    match dialect {
        Dialect::Postgres => pg_type(a) == pg_type(b),
        Dialect::Sqlite => affinity(a) == affinity(b),
    }
}

/// A default in comparable form (see the module's notes).
pub fn default_form(dialect: Dialect, text: &str) -> String {
    let s = normalize_predicate(text);
    match s.as_str() {
        "now"
        | "current_timestamp"
        | "transaction_timestamp"
        | "localtimestamp"
        | "datetime'now'"
        | "datetime 'now'" => "<now>".into(),
        "true" if dialect == Dialect::Sqlite => "1".into(),
        "false" if dialect == Dialect::Sqlite => "0".into(),
        _ => s,
    }
}

/// Whether two defaults (or their absence) are the same.
pub fn same_default(dialect: Dialect, a: Option<&str>, b: Option<&str>) -> bool {
    a.map(|d| default_form(dialect, d)) == b.map(|d| default_form(dialect, d))
}

/// A CHECK constraint's expression in comparable form.
pub fn check_form(expression: &str) -> String {
    let s = normalize_predicate(expression);
    s.strip_prefix("check").unwrap_or(&s).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_type_spellings_are_one() {
        for (a, b) in [
            ("varchar(50)", "character varying(50)"),
            ("VARCHAR( 255 )", "character varying(255)"),
            ("int4", "integer"),
            ("INT", "integer"),
            ("timestamptz", "timestamp with time zone"),
            ("TIMESTAMP", "timestamp without time zone"),
            ("timestamp(3)", "timestamp(3) without time zone"),
            ("bool", "boolean"),
            ("decimal(10,2)", "numeric(10,2)"),
            ("text[]", "text[]"),
            ("int8", "bigint"),
        ] {
            assert!(same_type(Dialect::Postgres, a, b), "{a} = {b}");
        }
        for (a, b) in [
            ("varchar(50)", "character varying(255)"),
            ("integer", "bigint"),
            ("text", "character varying"),
            ("timestamp", "timestamptz"),
            ("text[]", "text"),
        ] {
            assert!(!same_type(Dialect::Postgres, a, b), "{a} <> {b}");
        }
    }

    #[test]
    fn sqlite_types_compare_by_affinity() {
        assert!(same_type(Dialect::Sqlite, "VARCHAR(50)", "TEXT"));
        assert!(same_type(Dialect::Sqlite, "BIGINT", "INTEGER"));
        assert!(same_type(Dialect::Sqlite, "BOOLEAN", "TIMESTAMP"));
        assert!(!same_type(Dialect::Sqlite, "TEXT", "INTEGER"));
        assert!(!same_type(Dialect::Sqlite, "REAL", "NUMERIC"));
        assert_eq!(affinity(""), "BLOB");
        assert_eq!(affinity("DOUBLE PRECISION"), "REAL");
    }

    #[test]
    fn default_spellings_are_one() {
        let pg = Dialect::Postgres;
        assert!(same_default(pg, Some("now()"), Some("CURRENT_TIMESTAMP")));
        assert!(same_default(
            pg,
            Some("'pending'::character varying"),
            Some("'pending'::text")
        ));
        assert!(same_default(pg, Some("('[]'::jsonb)"), Some("'[]'")));
        assert!(!same_default(pg, Some("'[]'::jsonb"), Some("'{}'::jsonb")));
        assert!(!same_default(pg, Some("0"), None));
        let lite = Dialect::Sqlite;
        assert!(same_default(lite, Some("TRUE"), Some("1")));
        assert!(same_default(
            lite,
            Some("CURRENT_TIMESTAMP"),
            Some("(datetime('now'))")
        ));
        assert!(!same_default(lite, Some("TRUE"), Some("0")));
    }

    #[test]
    fn check_expressions_compare_without_parentheses_and_casts() {
        assert_eq!(
            check_form("CHECK (((status)::text = ANY ((ARRAY['a'::character varying])::text[])))"),
            check_form("CHECK (status::text = ANY (ARRAY['a']::text[]))")
        );
        assert_eq!(
            check_form("CHECK ((difficulty >= 1) AND (difficulty <= 5))"),
            check_form("check (difficulty >= 1 and difficulty <= 5)")
        );
        assert_ne!(
            check_form("CHECK (difficulty BETWEEN 1 AND 5)"),
            check_form("CHECK (difficulty BETWEEN 1 AND 10)")
        );
    }
}
