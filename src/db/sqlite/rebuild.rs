//! What SQLite's table rebuild (<https://www.sqlite.org/lang_altertable.html#otheralter>)
//! needs to know of a table as a schema's SQLite migrations build it: its `CREATE TABLE`,
//! its columns, and the indexes, triggers and views the rebuild drops and makes again.
//! The migrations are applied to a fresh in-memory database (schema only, no rows) and
//! read back from `sqlite_schema`, so the text is the migrations' own; `check` reads the
//! same from its model of the canonical schema ([`TableSource::of`]).

use anyhow::{anyhow, bail, Context, Result};
use rusqlite::Connection;

use crate::catalog::MigrationFile;
use crate::model::inventory::{Inventory, SchemaObject};
use crate::sqltext::{self, TokenKind};

/// One table as the migrations leave it.
#[derive(Debug, Clone)]
pub struct TableSource {
    pub name: String,
    /// Its `CREATE TABLE` statement, as `sqlite_schema` keeps it.
    pub create: String,
    /// Its stored columns, in order (generated columns are computed, never copied).
    pub columns: Vec<String>,
    /// `CREATE INDEX` statements of its explicit indexes (not the automatic ones of its
    /// PRIMARY KEY / UNIQUE constraints, which its `CREATE TABLE` makes).
    pub indexes: Vec<String>,
    /// `CREATE TRIGGER` statements of its triggers.
    pub triggers: Vec<String>,
    /// Views, and triggers of other tables, that name it: (`view` or `trigger`, name, their
    /// `CREATE`). SQLite refuses the rename of the new table while one of them names a table
    /// that does not exist, so these are dropped before the old table and made again after.
    pub dependents: Vec<(String, String, String)>,
}

/// `table` as `files` (a schema's SQLite migrations, in order) build it.
pub fn table_source<'a>(
    files: impl IntoIterator<Item = &'a MigrationFile>,
    table: &str,
) -> Result<TableSource> {
    let mut conn = Connection::open_in_memory().context("opening an in-memory SQLite database")?;
    conn.execute_batch("PRAGMA foreign_keys = OFF")
        .context("PRAGMA foreign_keys")?;
    for f in files {
        conn.execute_batch(&f.sql)
            .map_err(|e| anyhow!("applying {} to read table {table}: {e}", f.path))?;
    }
    let tx = conn.transaction()?;
    let inv = super::introspect::inventory(&tx)?;
    match TableSource::of(&inv, table) {
        Some(source) => Ok(source),
        None => {
            let names: Vec<&str> = inv.tables.iter().map(|t| t.name.as_str()).collect();
            bail!(
                "no table {table} in the schema's SQLite migrations (its tables: {})",
                names.join(", ")
            )
        }
    }
}

impl TableSource {
    /// `table` (any case) as the SQLite model `inv` has it; `None` when it has no such
    /// table, or not its `CREATE TABLE`.
    pub fn of(inv: &Inventory, table: &str) -> Option<TableSource> {
        let t = inv
            .tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(table))?;
        let name = t.name.clone();
        let generated = |c: &String| {
            t.details
                .iter()
                .any(|d| &d.name == c && d.generated.is_some())
        };
        let names_it = |sql: &str| {
            sqltext::tokens(sql).iter().any(|w| {
                matches!(w.kind, TokenKind::Word | TokenKind::Quoted)
                    && w.name().eq_ignore_ascii_case(&name)
            })
        };
        let on_it = |o: &&SchemaObject| o.kind == "trigger" && o.table.eq_ignore_ascii_case(&name);
        Some(TableSource {
            create: t.definition.clone()?,
            columns: t
                .columns
                .iter()
                .filter(|c| !generated(c))
                .cloned()
                .collect(),
            indexes: inv
                .indexes_on(&name)
                .filter(|i| !i.name.starts_with("sqlite_autoindex_"))
                .map(|i| i.definition.clone())
                .collect(),
            triggers: inv
                .triggers_and_views
                .iter()
                .filter(on_it)
                .map(|o| o.sql.clone())
                .collect(),
            dependents: inv
                .triggers_and_views
                .iter()
                .filter(|o| !on_it(o) && names_it(&o.sql))
                .map(|o| (o.kind.clone(), o.name.clone(), o.sql.clone()))
                .collect(),
            name,
        })
    }
}

/// `create` (a `CREATE TABLE name ...`) creating `new_name` instead.
pub fn renamed(create: &str, new_name: &str) -> String {
    let t = sqltext::tokens(create);
    let mut i = 2;
    if t.get(i).is_some_and(|w| w.is("IF")) {
        i += 3;
    }
    // `main.name`: the name is the last part.
    if t.get(i + 1).is_some_and(|p| p.is_punct('.')) {
        i += 2;
    }
    match t.get(i) {
        Some(name) => format!(
            "{}{}{}",
            &create[..name.start],
            sqltext::quote_ident(new_name),
            &create[name.end..]
        ),
        None => create.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_is_read_back_with_its_indexes_triggers_and_views() {
        let f = MigrationFile {
            version: 1,
            name: "init".into(),
            path: "V1__init.sql".into(),
            sql: "CREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE \"user\" (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id), email TEXT UNIQUE, n INTEGER GENERATED ALWAYS AS (id + 1) VIRTUAL);\nCREATE INDEX user_p ON \"user\" (p_id);\nCREATE TRIGGER user_t AFTER INSERT ON \"user\" BEGIN SELECT 1; END;\nCREATE TRIGGER p_t AFTER DELETE ON p BEGIN DELETE FROM \"user\" WHERE p_id = OLD.id; END;\nCREATE VIEW v AS SELECT email FROM \"user\";\nCREATE VIEW w AS SELECT id FROM p;\n".into(),
        };
        let s = table_source(std::slice::from_ref(&f), "user").expect("read");
        assert_eq!(s.columns, ["id", "p_id", "email"]);
        assert_eq!(s.indexes.len(), 1, "{:?}", s.indexes);
        assert_eq!(s.triggers.len(), 1);
        let names: Vec<&str> = s.dependents.iter().map(|(_, n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["p_t", "v"],
            "views and other tables' triggers that name it"
        );
        assert!(renamed(&s.create, "user_new").starts_with("CREATE TABLE \"user_new\" (id"));
        let err = table_source(std::slice::from_ref(&f), "nope").expect_err("no such table");
        assert!(
            format!("{err:#}").contains("its tables: p, user"),
            "{err:#}"
        );
    }
}
