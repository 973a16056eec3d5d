//! The converging SQL of the whole-schema rules: tables, columns, keys and CHECKs as the
//! canonical schema (the expected model) has them, written for the checked database.
//!
//! Each fix says in a leading comment when it rewrites a table or holds a long lock.
//! PostgreSQL constraints are added `NOT VALID` and validated after, so that the long
//! scan holds only a SHARE UPDATE EXCLUSIVE lock. SQLite can add a column and drop one,
//! but changes nothing else in place: those fixes are [`sqlite_rebuild`], its documented
//! twelve-step table rebuild to the canonical table, the same as the migration
//! `check --write-migration` writes for it.

use super::fix::{ident, qualified};
use super::Context;
use crate::catalog::Dialect;
use crate::model::inventory::{CheckConstraint, Column, ForeignKey, Table};
use crate::sqltext::{self, Token};

use crate::db::sqlite::rebuild::TableSource;

/// Whether `fix` is the rebuild of `table` ([`sqlite_rebuild`]).
pub fn is_rebuild(fix: &str, table: &str) -> bool {
    crate::templates::is_rebuild_of(fix, table)
}

/// A PostgreSQL column definition: `name type [identity] [DEFAULT x] [generated] [NOT NULL]`.
pub fn pg_column(c: &Column) -> String {
    let mut s = format!("{} {}", ident(&c.name), c.data_type);
    if let Some(kind) = &c.identity {
        s.push_str(&format!(" GENERATED {kind} AS IDENTITY"));
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(" GENERATED ALWAYS AS ({g}) STORED"));
    }
    if c.not_null {
        s.push_str(" NOT NULL");
    }
    s
}

/// The column's definition as the SQLite `CREATE TABLE` text of `table` spells it.
pub fn sqlite_column(table: &Table, column: &str) -> Option<String> {
    let sql = table.definition.as_deref()?;
    let toks = sqltext::tokens(sql);
    sqltext::table_items(&toks)
        .into_iter()
        .find(|item| item.first().is_some_and(|t| t.name() == column))
        .map(|item| text_of(sql, item).to_string())
}

fn text_of<'a>(sql: &'a str, toks: &[Token]) -> &'a str {
    match (toks.first(), toks.last()) {
        (Some(a), Some(b)) => sql.get(a.start..b.end).unwrap_or(""),
        _ => "",
    }
}

/// Whether SQLite's `ALTER TABLE ADD COLUMN` takes this column definition (its documented
/// restrictions: no PRIMARY KEY or UNIQUE, no expression or clock default, NOT NULL only
/// with a default, no stored generated column).
pub fn sqlite_can_add(definition: &str, c: &Column) -> bool {
    let toks = sqltext::tokens(definition);
    let has = |w: &str| toks.iter().any(|t| t.is(w));
    let clock_or_expression = c.default.as_deref().is_some_and(|d| {
        let d = d.trim().to_ascii_uppercase();
        d.starts_with('(') || d.starts_with("CURRENT_")
    });
    let refused = has("PRIMARY")
        || has("UNIQUE")
        || clock_or_expression
        || (c.not_null && c.default.is_none())
        || c.generated.as_deref() == Some("STORED");
    !refused
}

/// SQLite's table rebuild of `table` into its canonical definition, keeping the rows of
/// the columns both have, then its canonical indexes, triggers and the views that name it:
/// the script form of the migration `check --write-migration` writes for it
/// ([`crate::templates::sqlite_rebuild_script`], one implementation for both).
pub fn sqlite_rebuild(ctx: &Context, table: &str, why: &str) -> String {
    let Some(expected) = TableSource::of(ctx.expected, table) else {
        return format!("-- {table} is not in the canonical schema");
    };
    let live = ctx.live.table(table).map_or(&[][..], |t| &t.columns);
    crate::templates::sqlite_rebuild_script(&expected, live, why)
}

/// `CREATE TABLE` of `table` as the canonical schema has it, with its primary key, unique
/// and CHECK constraints and its indexes; its foreign keys are left to
/// `foreign-key-differs`, which adds them after every missing table exists.
pub fn create_table(ctx: &Context, table: &Table) -> String {
    let indexes: Vec<_> = ctx.expected.indexes_on(&table.name).collect();
    let mut out = Vec::new();
    match ctx.dialect {
        Dialect::Sqlite => {
            let sql = table.definition.clone().unwrap_or_default();
            out.push(format!("{sql};"));
            for i in indexes
                .iter()
                .filter(|i| !i.name.starts_with("sqlite_autoindex_"))
            {
                out.push(format!("{};", i.definition));
            }
        }
        Dialect::Postgres => {
            let mut items: Vec<String> = table.details.iter().map(pg_column).collect();
            for i in &indexes {
                if let Some(c) = &i.constraint {
                    let name = c.name.as_deref().unwrap_or(&i.name);
                    items.push(format!("CONSTRAINT {} {}", ident(name), c.definition));
                }
            }
            for c in &table.checks {
                items.push(format!("CONSTRAINT {} {}", ident(&c.name), c.expression));
            }
            out.push(format!(
                "CREATE TABLE {} (\n    {}\n);",
                qualified(ctx, &table.name),
                items.join(",\n    ")
            ));
            for i in indexes.iter().filter(|i| i.constraint.is_none()) {
                out.push(format!("{};", on_namespace(ctx, &i.definition)));
            }
        }
    }
    out.join("\n")
}

/// `CREATE INDEX x ON t ...` with `t` qualified by the checked namespace.
fn on_namespace(ctx: &Context, definition: &str) -> String {
    match definition.find(" ON ") {
        Some(at) => {
            let (head, rest) = definition.split_at(at + " ON ".len());
            let (only, rest) = match rest.strip_prefix("ONLY ") {
                Some(r) => ("ONLY ", r),
                None => ("", rest),
            };
            format!("{head}{only}{}.{rest}", ident(ctx.namespace))
        }
        None => definition.to_string(),
    }
}

/// The referenced table, qualified by the checked namespace unless it names its own.
fn ref_table(ctx: &Context, fk: &ForeignKey) -> String {
    if fk.ref_table.contains('.') {
        fk.ref_table.clone()
    } else {
        qualified(ctx, &fk.ref_table)
    }
}

/// `FOREIGN KEY (a) REFERENCES t (id) ON DELETE ... ON UPDATE ... [DEFERRABLE ...]`.
pub fn foreign_key_clause(ctx: &Context, fk: &ForeignKey) -> String {
    let cols: Vec<String> = fk.columns.iter().map(|c| ident(c)).collect();
    let refs: Vec<String> = fk.ref_columns.iter().map(|c| ident(c)).collect();
    let refs = if refs.is_empty() {
        String::new()
    } else {
        format!(" ({})", refs.join(", "))
    };
    let mut s = format!(
        "FOREIGN KEY ({}) REFERENCES {}{refs}",
        cols.join(", "),
        ref_table(ctx, fk)
    );
    if fk.on_delete != Default::default() {
        s.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    if fk.on_update != Default::default() {
        s.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    match fk.deferrable {
        Some(true) => s.push_str(" DEFERRABLE INITIALLY DEFERRED"),
        Some(false) => s.push_str(" DEFERRABLE"),
        None => {}
    }
    s
}

/// PostgreSQL: add `fk` without a long lock (NOT VALID, then VALIDATE).
pub fn add_foreign_key(ctx: &Context, fk: &ForeignKey) -> String {
    let t = qualified(ctx, &fk.table);
    let name = ident(&fk.label());
    format!(
        "-- NOT VALID, then VALIDATE: the ADD holds its SHARE ROW EXCLUSIVE locks on {} and {} only for a moment; VALIDATE scans {} under SHARE UPDATE EXCLUSIVE (reads and writes go on)\nALTER TABLE {t} ADD CONSTRAINT {name} {} NOT VALID;\nALTER TABLE {t} VALIDATE CONSTRAINT {name};",
        fk.table,
        fk.ref_table,
        fk.table,
        foreign_key_clause(ctx, fk)
    )
}

/// PostgreSQL: add `check` without a long lock (NOT VALID, then VALIDATE unless the
/// canonical schema leaves it NOT VALID itself).
pub fn add_check(ctx: &Context, table: &str, check: &CheckConstraint) -> String {
    let t = qualified(ctx, table);
    let name = ident(&check.name);
    let mut s = format!(
        "ALTER TABLE {t} ADD CONSTRAINT {name} {} NOT VALID;",
        check.expression
    );
    if !check.not_valid {
        s = format!("-- NOT VALID, then VALIDATE: only the VALIDATE scans {table}, under SHARE UPDATE EXCLUSIVE (reads and writes go on)\n{s}\nALTER TABLE {t} VALIDATE CONSTRAINT {name};");
    }
    s
}

/// `ALTER TABLE t DROP CONSTRAINT name;`.
pub fn drop_constraint(ctx: &Context, table: &str, name: &str) -> String {
    format!(
        "ALTER TABLE {} DROP CONSTRAINT {};",
        qualified(ctx, table),
        ident(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::ctx;
    use crate::model::inventory::{FkAction, Inventory};

    #[test]
    fn sqlite_column_text_comes_from_the_definition() {
        let t = Table {
            name: "t".into(),
            definition: Some(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, \"order\" TEXT DEFAULT ('a,b'), CHECK (id > 0))"
                    .into(),
            ),
            ..Table::default()
        };
        assert_eq!(
            sqlite_column(&t, "order").as_deref(),
            Some("\"order\" TEXT DEFAULT ('a,b')")
        );
        assert_eq!(sqlite_column(&t, "nope"), None);
        let c = Column {
            name: "order".into(),
            default: Some("('a,b')".into()),
            ..Column::default()
        };
        assert!(!sqlite_can_add("\"order\" TEXT DEFAULT ('a,b')", &c));
        let plain = Column {
            name: "note".into(),
            ..Column::default()
        };
        assert!(sqlite_can_add("note TEXT", &plain));
    }

    #[test]
    fn a_sqlite_rebuild_copies_the_common_columns_into_the_canonical_table() {
        let expected = Inventory {
            tables: vec![Table {
                name: "user".into(),
                columns: vec!["id".into(), "name".into()],
                definition: Some(
                    "CREATE TABLE \"user\" (id INTEGER PRIMARY KEY, name TEXT NOT NULL)".into(),
                ),
                ..Table::default()
            }],
            ..Inventory::default()
        };
        let live = Inventory {
            tables: vec![Table {
                name: "user".into(),
                columns: vec!["id".into(), "name".into(), "extra".into()],
                ..Table::default()
            }],
            ..Inventory::default()
        };
        let c = ctx(Dialect::Sqlite, &live, &expected);
        let sql = sqlite_rebuild(&c, "user", "name is nullable");
        for part in [
            "PRAGMA foreign_keys = OFF;\nBEGIN;\n",
            "CREATE TABLE \"user_new\" (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
            "INSERT INTO \"user_new\" (\"id\", \"name\")\n    SELECT \"id\", \"name\" FROM \"user\";",
            "ALTER TABLE \"user_new\" RENAME TO \"user\";",
            "PRAGMA foreign_key_check;\nCOMMIT;\nPRAGMA foreign_keys = ON;",
            "The live user also has extra",
        ] {
            assert!(sql.contains(part), "{part}:\n{sql}");
        }
        assert!(is_rebuild(&sql, "user"));
    }

    #[test]
    fn foreign_keys_are_added_not_valid_then_validated() {
        let m = Inventory::default();
        let c = ctx(Dialect::Postgres, &m, &m);
        let mut fk =
            crate::checks::testkit::fk("messages", &["user_id"], "user", FkAction::Cascade);
        fk.deferrable = Some(true);
        let sql = add_foreign_key(&c, &fk);
        assert!(sql.contains("ALTER TABLE public.messages ADD CONSTRAINT messages_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.\"user\" (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED NOT VALID;\nALTER TABLE public.messages VALIDATE CONSTRAINT messages_user_id_fkey;"), "{sql}");
    }
}
