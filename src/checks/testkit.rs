//! Hand-built models for the rules' unit tests.

use super::Context;
use crate::catalog::Dialect;
use crate::finding::Finding;
use crate::model::inventory::{
    Constraint, FkAction, ForeignKey, Index, IndexColumn, Inventory, Table,
};

/// A valid, non-unique b-tree index; each column is written `name [COLLATE c] [opclass]
/// [DESC]` (`"code COLLATE NOCASE"`, `"code varchar_pattern_ops DESC"`).
pub fn idx(name: &str, table: &str, columns: &[&str]) -> Index {
    let columns: Vec<IndexColumn> = columns
        .iter()
        .map(|c| {
            let mut words = c.split_whitespace();
            let mut col = IndexColumn {
                name: words.next().unwrap_or_default().into(),
                ..IndexColumn::default()
            };
            while let Some(w) = words.next() {
                match w {
                    "COLLATE" => col.collation = words.next().map(String::from),
                    "DESC" => col.descending = true,
                    opclass => col.opclass = Some(opclass.into()),
                }
            }
            col
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
        ..ForeignKey::default()
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
        .map(|f: Finding| (f.rule.id, f.object.unwrap_or_default()))
        .collect()
}
