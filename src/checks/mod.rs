//! The rules of `chatdb check`: one file per rule, each a pure function from the database's
//! model (and the canonical schema's model at the same version) to findings.
//!
//! A rule never queries anything: `src/db/introspect/` reads the catalogs once, and every
//! rule looks at the same [`Inventory`] values, so rules are unit-tested with hand-built
//! models and cannot make the command slower as they are added. Adding a rule is one file
//! here plus its name in the [`rules!`] list below (which also fixes its place in reports).
//!
//! Where two rules would describe the same defect, the more specific one reports it and
//! the other stays silent, so that applying every suggested fix never builds an index twice:
//! `extra-index` leaves invalid and duplicate indexes to `invalid-index` and
//! `duplicate-index`; `fk-without-index` leaves a key whose canonical index is missing or
//! altered to `missing-index` / `index-definition-differs`, whose fixes restore it.

use serde::Serialize;

use crate::catalog::Dialect;
use crate::model::inventory::{ForeignKey, Index, Inventory};

/// Declares the rule modules and the registry in one place, in report order.
macro_rules! rules {
    ($($module:ident),* $(,)?) => {
        $(mod $module;)*
        /// Every rule, in the order findings of one severity are listed.
        pub const RULES: &[Rule] = &[$($module::RULE),*];
    };
}

rules![
    missing_index,
    index_definition_differs,
    invalid_index,
    foreign_keys_off,
    fk_without_index,
    duplicate_index,
    fk_not_validated,
    unused_index,
    extra_index,
    missing_statistics,
];

const BOTH: &[Dialect] = &[Dialect::Postgres, Dialect::Sqlite];
const POSTGRES: &[Dialect] = &[Dialect::Postgres];
const SQLITE: &[Dialect] = &[Dialect::Sqlite];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One rule: its id (kebab-case, stable: scripts match on it), severity, the dialects it
/// applies to, and the function that finds its findings.
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub dialects: &'static [Dialect],
    pub check: fn(&Context) -> Vec<Found>,
}

/// What a rule sees.
pub struct Context<'a> {
    pub dialect: Dialect,
    /// The checked PostgreSQL namespace, for qualified names in fixes.
    pub namespace: &'a str,
    /// The applied version the expected model was built at.
    pub version: i64,
    /// The checked database.
    pub live: &'a Inventory,
    /// The canonical migrations up to `version`, applied to a scratch database.
    pub expected: &'a Inventory,
}

/// A rule's finding before the registry stamps it with the rule id and severity.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub table: Option<String>,
    pub object: String,
    pub message: String,
    pub fix: Option<String>,
}

/// One finding, as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub table: Option<String>,
    pub object: String,
    pub message: String,
    pub fix: Option<String>,
}

/// Runs every rule that applies to the dialect; findings sorted by severity, then rule
/// (registry order), then table and object.
pub fn run(ctx: &Context) -> Vec<Finding> {
    let mut findings: Vec<(usize, Finding)> = Vec::new();
    for (order, rule) in RULES.iter().enumerate() {
        if !rule.dialects.contains(&ctx.dialect) {
            continue;
        }
        for f in (rule.check)(ctx) {
            findings.push((
                order,
                Finding {
                    rule: rule.id,
                    severity: rule.severity,
                    table: f.table,
                    object: f.object,
                    message: f.message,
                    fix: f.fix,
                },
            ));
        }
    }
    findings.sort_by(|(ra, a), (rb, b)| {
        (a.severity, ra, &a.table, &a.object).cmp(&(b.severity, rb, &b.table, &b.object))
    });
    findings.into_iter().map(|(_, f)| f).collect()
}

/// Whether `index` can serve the lookups of foreign key `fk`: a non-partial b-tree (or a
/// one-column hash) index whose leading columns are exactly the key's columns, in any order.
pub fn covers(index: &Index, fk: &ForeignKey) -> bool {
    if index.table != fk.table || index.is_partial() || fk.columns.is_empty() {
        return false;
    }
    let usable = index.method == "btree" || (index.method == "hash" && fk.columns.len() == 1);
    let mut leading: Vec<&str> = index.leading_columns().take(fk.columns.len()).collect();
    let mut key: Vec<&str> = fk.columns.iter().map(String::as_str).collect();
    leading.sort_unstable();
    key.sort_unstable();
    usable && leading == key
}

/// `1.2 MB`, `8 kB`: sizes as PostgreSQL's `pg_size_pretty` would print them.
pub fn human_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// The SQL a finding suggests, in the checked database's dialect. PostgreSQL fixes build
/// and drop indexes `CONCURRENTLY` (no write lock on a live table; run them outside a
/// transaction) and name objects with the checked namespace.
pub mod sql {
    use super::Context;
    use crate::catalog::Dialect;
    use crate::model::inventory::{column_list, Index};

    /// Words PostgreSQL (and so most SQL) will not take as a bare name: its reserved,
    /// column-name and type/function-name keywords.
    const KEYWORDS: &[&str] = &[
        "all",
        "analyse",
        "analyze",
        "and",
        "any",
        "array",
        "as",
        "asc",
        "asymmetric",
        "authorization",
        "between",
        "bigint",
        "binary",
        "bit",
        "boolean",
        "both",
        "case",
        "cast",
        "char",
        "character",
        "check",
        "coalesce",
        "collate",
        "collation",
        "column",
        "concurrently",
        "constraint",
        "create",
        "cross",
        "current_catalog",
        "current_date",
        "current_role",
        "current_schema",
        "current_time",
        "current_timestamp",
        "current_user",
        "dec",
        "decimal",
        "default",
        "deferrable",
        "desc",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "exists",
        "extract",
        "false",
        "fetch",
        "float",
        "for",
        "foreign",
        "freeze",
        "from",
        "full",
        "grant",
        "greatest",
        "group",
        "grouping",
        "having",
        "ilike",
        "in",
        "initially",
        "inner",
        "inout",
        "int",
        "integer",
        "intersect",
        "interval",
        "into",
        "is",
        "isnull",
        "join",
        "lateral",
        "leading",
        "least",
        "left",
        "like",
        "limit",
        "localtime",
        "localtimestamp",
        "national",
        "natural",
        "nchar",
        "none",
        "normalize",
        "not",
        "notnull",
        "null",
        "nullif",
        "numeric",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "out",
        "outer",
        "overlaps",
        "overlay",
        "placing",
        "position",
        "precision",
        "primary",
        "real",
        "references",
        "returning",
        "right",
        "row",
        "select",
        "session_user",
        "setof",
        "similar",
        "smallint",
        "some",
        "substring",
        "symmetric",
        "system_user",
        "table",
        "tablesample",
        "then",
        "time",
        "timestamp",
        "to",
        "trailing",
        "treat",
        "trim",
        "true",
        "union",
        "unique",
        "user",
        "using",
        "values",
        "varchar",
        "variadic",
        "verbose",
        "when",
        "where",
        "window",
        "with",
    ];

    /// A name as SQL must write it: bare when it is a plain lowercase identifier and no
    /// keyword, double-quoted otherwise.
    pub fn ident(name: &str) -> String {
        let mut chars = name.chars();
        let plain = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
            && !KEYWORDS.contains(&name);
        if plain {
            name.to_string()
        } else {
            format!("\"{}\"", name.replace('"', "\"\""))
        }
    }

    /// `public.messages` on PostgreSQL, `messages` on SQLite.
    pub fn qualified(ctx: &Context, name: &str) -> String {
        match ctx.dialect {
            Dialect::Postgres => format!("{}.{}", ident(ctx.namespace), ident(name)),
            Dialect::Sqlite => ident(name),
        }
    }

    fn is_sqlite_autoindex(index: &Index) -> bool {
        index.name.starts_with("sqlite_autoindex_")
    }

    /// `CREATE INDEX x ON t ...` -> `CREATE INDEX CONCURRENTLY x ON ns.t ...`.
    fn concurrently(ctx: &Context, definition: &str) -> String {
        let Some(at) = definition.find("INDEX ") else {
            return definition.to_string();
        };
        let (head, tail) = definition.split_at(at + "INDEX ".len());
        let mut out = format!("{head}CONCURRENTLY ");
        match tail.find(" ON ") {
            Some(on) => {
                let (name, rest) = tail.split_at(on + " ON ".len());
                out.push_str(name);
                let rest = match rest.strip_prefix("ONLY ") {
                    Some(r) => {
                        out.push_str("ONLY ");
                        r
                    }
                    None => rest,
                };
                out.push_str(&format!("{}.{rest}", ident(ctx.namespace)));
            }
            None => out.push_str(tail),
        }
        out
    }

    /// SQL that creates `index` as described (its constraint too, if it backs one).
    pub fn create_index(ctx: &Context, index: &Index) -> String {
        let table = qualified(ctx, &index.table);
        match ctx.dialect {
            Dialect::Sqlite if is_sqlite_autoindex(index) => {
                let kind = if index.primary {
                    "PRIMARY KEY"
                } else {
                    "UNIQUE"
                };
                let cols: Vec<&str> = index.columns.iter().map(|c| c.name.as_str()).collect();
                format!(
                    "-- SQLite cannot add a {kind} constraint to an existing table: rebuild {table} with it (https://www.sqlite.org/lang_altertable.html#otheralter), or enforce it with:\nCREATE UNIQUE INDEX {} ON {table} {};",
                    ident(&format!("{}_{}_key", index.table, cols.join("_"))),
                    column_list(&index.columns)
                )
            }
            Dialect::Sqlite => format!("{};", index.definition),
            Dialect::Postgres => match &index.constraint {
                Some(c) if c.definition.starts_with("EXCLUDE") => format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {} {};",
                    ident(c.name.as_deref().unwrap_or(&index.name)),
                    c.definition
                ),
                Some(c) => {
                    // Build the unique index without blocking writes, then let the
                    // constraint adopt it (a plain ADD CONSTRAINT locks the table meanwhile).
                    let name = ident(c.name.as_deref().unwrap_or(&index.name));
                    let kind = if index.primary {
                        "PRIMARY KEY"
                    } else {
                        "UNIQUE"
                    };
                    format!(
                        "{};\nALTER TABLE {table} ADD CONSTRAINT {name} {kind} USING INDEX {};",
                        concurrently(ctx, &index.definition),
                        ident(&index.name)
                    )
                }
                None => format!("{};", concurrently(ctx, &index.definition)),
            },
        }
    }

    /// SQL that removes `index` (its constraint, if it backs one).
    pub fn drop_index(ctx: &Context, index: &Index) -> String {
        match ctx.dialect {
            Dialect::Sqlite if is_sqlite_autoindex(index) => format!(
                "-- the index belongs to a constraint of {0}: rebuild {0} without it (https://www.sqlite.org/lang_altertable.html#otheralter)",
                ident(&index.table)
            ),
            Dialect::Sqlite => format!("DROP INDEX {};", ident(&index.name)),
            Dialect::Postgres => match &index.constraint {
                Some(c) => format!(
                    "ALTER TABLE {} DROP CONSTRAINT {};",
                    qualified(ctx, &index.table),
                    ident(c.name.as_deref().unwrap_or(&index.name))
                ),
                None => format!(
                    "DROP INDEX CONCURRENTLY {};",
                    qualified(ctx, &index.name)
                ),
            },
        }
    }

    /// `CREATE INDEX [CONCURRENTLY] <table>_<cols>_idx ON <table> (<cols>);`, the name
    /// PostgreSQL itself would pick, cut to its 63-byte limit.
    pub fn create_plain_index(ctx: &Context, table: &str, columns: &[String]) -> String {
        let mut name = format!("{table}_{}_idx", columns.join("_"));
        while name.len() > 63 {
            name.pop();
        }
        let cols: Vec<String> = columns.iter().map(|c| ident(c)).collect();
        let concurrently = match ctx.dialect {
            Dialect::Postgres => "CONCURRENTLY ",
            Dialect::Sqlite => "",
        };
        format!(
            "CREATE INDEX {concurrently}{} ON {} ({});",
            ident(&name),
            qualified(ctx, table),
            cols.join(", ")
        )
    }
}

/// Hand-built models for the rules' unit tests.
#[cfg(test)]
pub mod testkit {
    use super::{Context, Finding};
    use crate::catalog::Dialect;
    use crate::model::inventory::{
        Constraint, FkAction, ForeignKey, Index, IndexColumn, Inventory, Table,
    };

    /// A valid, non-unique b-tree index; `"col DESC"` makes a descending column.
    pub fn idx(name: &str, table: &str, columns: &[&str]) -> Index {
        let columns: Vec<IndexColumn> = columns
            .iter()
            .map(|c| match c.strip_suffix(" DESC") {
                Some(n) => IndexColumn {
                    name: n.into(),
                    descending: true,
                    ..IndexColumn::default()
                },
                None => IndexColumn {
                    name: (*c).into(),
                    ..IndexColumn::default()
                },
            })
            .collect();
        let definition = format!(
            "CREATE INDEX {name} ON {table} USING btree {}",
            crate::model::inventory::column_list(&columns)
        );
        Index {
            name: name.into(),
            table: table.into(),
            columns,
            method: "btree".into(),
            valid: true,
            definition,
            ..Index::default()
        }
    }

    /// A unique index backing a UNIQUE constraint of the same name.
    pub fn unique_constraint(name: &str, table: &str, columns: &[&str]) -> Index {
        let mut i = idx(name, table, columns);
        i.unique = true;
        i.definition = i.definition.replace("CREATE INDEX", "CREATE UNIQUE INDEX");
        i.constraint = Some(Constraint {
            name: Some(name.into()),
            definition: format!("UNIQUE ({})", columns.join(", ")),
        });
        i
    }

    pub fn fk(table: &str, columns: &[&str], ref_table: &str, on_delete: FkAction) -> ForeignKey {
        ForeignKey {
            name: Some(format!("{table}_{}_fkey", columns.join("_"))),
            table: table.into(),
            columns: columns.iter().map(|c| (*c).into()).collect(),
            ref_table: ref_table.into(),
            ref_columns: vec!["id".into()],
            on_delete,
            validated: true,
        }
    }

    /// A model with the tables the indexes and keys mention.
    pub fn inv(indexes: Vec<Index>, foreign_keys: Vec<ForeignKey>) -> Inventory {
        let mut tables: Vec<String> = indexes
            .iter()
            .map(|i| i.table.clone())
            .chain(foreign_keys.iter().map(|f| f.table.clone()))
            .collect();
        tables.sort();
        tables.dedup();
        Inventory {
            tables: tables
                .into_iter()
                .map(|name| Table {
                    name,
                    ..Table::default()
                })
                .collect(),
            indexes,
            foreign_keys,
            ..Inventory::default()
        }
    }

    pub fn ctx<'a>(dialect: Dialect, live: &'a Inventory, expected: &'a Inventory) -> Context<'a> {
        Context {
            dialect,
            namespace: "public",
            version: 3,
            live,
            expected,
        }
    }

    /// `(rule, object)` pairs of everything every rule finds.
    pub fn all(ctx: &Context) -> Vec<(&'static str, String)> {
        super::run(ctx)
            .into_iter()
            .map(|f: Finding| (f.rule, f.object))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testkit::*;
    use super::*;
    use crate::model::inventory::FkAction;

    #[test]
    fn rule_ids_are_unique_kebab_case() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        for id in &ids {
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !id.starts_with('-'),
                "{id}"
            );
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }

    #[test]
    fn identical_models_have_no_findings() {
        let m = inv(
            vec![
                unique_constraint("users_pkey", "users", &["id"]),
                idx("idx_messages_sender", "messages", &["sender_id"]),
            ],
            vec![fk("messages", &["sender_id"], "users", FkAction::SetNull)],
        );
        assert!(all(&ctx(Dialect::Postgres, &m, &m)).is_empty());
    }

    #[test]
    fn findings_are_sorted_by_severity_then_rule() {
        let expected = inv(vec![idx("a_x", "a", &["x"])], vec![]);
        let live = inv(
            vec![idx("b_y", "b", &["y"]), idx("b_y2", "b", &["y"])],
            vec![fk("b", &["z"], "a", FkAction::Cascade)],
        );
        let rules: Vec<&str> = all(&ctx(Dialect::Postgres, &live, &expected))
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        assert_eq!(
            rules,
            [
                "missing-index",
                "fk-without-index",
                "duplicate-index",
                "extra-index"
            ]
        );
    }

    #[test]
    fn foreign_key_coverage_needs_leading_columns_in_any_order() {
        let key = fk("t", &["a", "b"], "p", FkAction::Cascade);
        assert!(covers(&idx("i", "t", &["b", "a", "c"]), &key));
        assert!(!covers(&idx("i", "t", &["a", "c", "b"]), &key));
        assert!(!covers(&idx("i", "t", &["a"]), &key));
        let mut partial = idx("i", "t", &["a", "b"]);
        partial.predicate = Some("a is not null".into());
        assert!(!covers(&partial, &key));
        let mut gin = idx("i", "t", &["a", "b"]);
        gin.method = "gin".into();
        assert!(!covers(&gin, &key));
    }

    #[test]
    fn fixes_quote_keywords_and_build_concurrently_on_postgres() {
        let m = inv(vec![], vec![]);
        let c = ctx(Dialect::Postgres, &m, &m);
        assert_eq!(sql::ident("user"), "\"user\"");
        assert_eq!(sql::ident("ix_user_email"), "ix_user_email");
        assert_eq!(sql::ident("Mixed"), "\"Mixed\"");
        let i = idx("ix_user_email", "user", &["email"]);
        let i = Index {
            definition: "CREATE INDEX ix_user_email ON \"user\" USING btree (email)".into(),
            ..i
        };
        assert_eq!(
            sql::create_index(&c, &i),
            "CREATE INDEX CONCURRENTLY ix_user_email ON public.\"user\" USING btree (email);"
        );
        assert_eq!(
            sql::drop_index(&c, &i),
            "DROP INDEX CONCURRENTLY public.ix_user_email;"
        );
        let u = unique_constraint("users_email_key", "users", &["email"]);
        assert_eq!(
            sql::create_index(&c, &u),
            "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON public.users USING btree (email);\nALTER TABLE public.users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;"
        );
        let s = ctx(Dialect::Sqlite, &m, &m);
        assert_eq!(
            sql::create_plain_index(&s, "messages", &["room_id".into(), "order".into()]),
            "CREATE INDEX messages_room_id_order_idx ON messages (room_id, \"order\");"
        );
    }

    #[test]
    fn sizes_read_like_pg_size_pretty() {
        assert_eq!(human_bytes(8192), "8.0 kB");
        assert_eq!(human_bytes(2_500_000), "2.4 MB");
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(50 * 1024 * 1024), "50 MB");
    }
}
