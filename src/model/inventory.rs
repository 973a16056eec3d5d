//! What a database holds, in one dialect-neutral model: tables, indexes, foreign keys and the
//! few dialect facts `chatdb check` needs. The catalog queries live in `db/postgres/introspect.rs` and
//! `db/sqlite/introspect.rs`; rules in `src/checks/` only ever see this model.
//!
//! Each kind of fact is read with one set-based query for the whole namespace (all tables'
//! indexes at once, all foreign keys at once), never one query per table, so the cost does
//! not grow with round trips as a schema grows.
//!
//! The expected model (what the canonical migrations create) is built by `db::scratch`.

use crate::sqltext::normalize_expr;

/// Tables whose name starts with this are chatdb's own bookkeeping (refinery's history
/// tables), never part of a schema, and left out of every model.
pub const HISTORY_PREFIX: &str = "chatdb_history_";

/// Everything `chatdb check` knows about one database (or one namespace of it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    pub tables: Vec<Table>,
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    /// Index usage counters are available (PostgreSQL); `None` where the dialect has none.
    pub usage: Option<Usage>,
    /// Facts only SQLite has.
    pub sqlite: Option<SqliteFacts>,
    /// PostgreSQL: the namespace's sequences (SQLite has none).
    pub sequences: Vec<Sequence>,
    /// PostgreSQL: the extensions installed in the database.
    pub extensions: Vec<String>,
    /// PostgreSQL `server_version_num` (150004); `None` on SQLite.
    pub server_version: Option<i32>,
    /// SQLite: its triggers and views, in creation order (a table rebuild makes them again).
    pub triggers_and_views: Vec<SchemaObject>,
}

/// A SQLite trigger or view, as `sqlite_schema` keeps it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaObject {
    /// `trigger` or `view`.
    pub kind: String,
    pub name: String,
    /// The table a trigger is on (a view's own name).
    pub table: String,
    /// Its `CREATE` statement.
    pub sql: String,
}

/// A sequence (PostgreSQL), with the column that owns it, if any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sequence {
    pub name: String,
    /// `bigint`, `integer`, `smallint`.
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cycle: bool,
    /// `(table, column)` of `OWNED BY` (or of the identity column it serves).
    pub owned_by: Option<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub name: String,
    /// Column names in table order.
    pub columns: Vec<String>,
    /// SQLite: the primary key is the rowid itself (`id INTEGER PRIMARY KEY`), which is
    /// indexed without any index showing up in the catalog.
    pub rowid_key: Option<String>,
    /// Column details in table order (the same names as `columns`), for `chatdb validate`'s
    /// comparison of the two dialects.
    pub details: Vec<Column>,
    /// CHECK constraints, in name order.
    pub checks: Vec<CheckConstraint>,
    /// SQLite: the `CREATE TABLE` statement as `sqlite_schema` keeps it (what a table
    /// rebuild re-creates); `None` on PostgreSQL.
    pub definition: Option<String>,
}

/// One column as the catalog describes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Column {
    pub name: String,
    /// PostgreSQL `format_type` (`character varying(255)`, `text[]`); SQLite's declared type
    /// as written (`VARCHAR(255)`, `TEXT`), empty when none was declared.
    pub data_type: String,
    pub not_null: bool,
    /// The default expression's text, as the catalog keeps it (for a generated column:
    /// `None`, the expression is in `generated`).
    pub default: Option<String>,
    /// PostgreSQL identity: `ALWAYS` or `BY DEFAULT`.
    pub identity: Option<String>,
    /// A generated column: PostgreSQL's expression (`STORED`); SQLite `STORED` or
    /// `VIRTUAL` (its expression is in the table's definition).
    pub generated: Option<String>,
}

/// A CHECK constraint.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckConstraint {
    /// PostgreSQL's constraint name (its own choice for an unnamed one). SQLite keeps no
    /// names: a `CONSTRAINT name CHECK` gives its name, an unnamed one is named the way
    /// PostgreSQL would (`<table>_<column>_check` on a column, `<table>_check` on the table).
    pub name: String,
    /// The expression, in the dialect's own spelling (not comparable across dialects).
    pub expression: String,
    /// PostgreSQL: added `NOT VALID` and never validated.
    pub not_valid: bool,
}

/// One index, as the catalog describes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Index {
    pub name: String,
    pub table: String,
    /// Key columns, in index order.
    pub columns: Vec<IndexColumn>,
    /// PostgreSQL `INCLUDE` columns (not part of the key).
    pub include: Vec<String>,
    pub unique: bool,
    pub primary: bool,
    /// The PRIMARY KEY / UNIQUE / EXCLUDE constraint this index implements, if any.
    pub constraint: Option<Constraint>,
    /// Access method: `btree`, `gin`, `hash`, ... (SQLite: always `btree`).
    pub method: String,
    /// The partial-index predicate as the catalog gives it (compare with
    /// [`Index::same_predicate`]).
    pub predicate: Option<String>,
    /// PostgreSQL `indisvalid`; always true on SQLite.
    pub valid: bool,
    /// PostgreSQL: a `CREATE INDEX [CONCURRENTLY]` or `REINDEX` is building it right now.
    pub building: bool,
    pub size_bytes: Option<i64>,
    /// Index scans since statistics were last reset (PostgreSQL).
    pub scans: Option<i64>,
    /// The `CREATE INDEX` statement, with no namespace qualification, on one line.
    pub definition: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexColumn {
    /// A column name, or an expression's text when `expression` is set.
    pub name: String,
    pub expression: bool,
    pub descending: bool,
    /// `Some` only when NULLs sort against the dialect's default for the direction
    /// (PostgreSQL `NULLS FIRST` on an ascending column, `NULLS LAST` on a descending one).
    pub nulls_first: Option<bool>,
    /// The operator class, only when it is not the default for the key's type and method
    /// (PostgreSQL `varchar_pattern_ops`; SQLite has none).
    pub opclass: Option<String>,
    /// A collation, ready for SQL (`"C"`, `NOCASE`), as each dialect's catalog tells it.
    /// PostgreSQL: the index's `COLLATE` when it is not the column's own (for an
    /// expression: not the database default), as `pg_get_indexdef` shows it. SQLite: the
    /// collation the key sorts by unless it is `BINARY`, whether the index's `COLLATE` or
    /// the column's declaration chose it (`PRAGMA index_xinfo` tells no difference). Each
    /// is what decides which lookups the index serves in that dialect (see
    /// `checks::covers`).
    pub collation: Option<String>,
}

impl IndexColumn {
    /// The same key read backwards: a b-tree scanned in reverse yields every column in
    /// the opposite direction, NULLs at the other end.
    pub fn reversed(&self) -> IndexColumn {
        IndexColumn {
            descending: !self.descending,
            nulls_first: self.nulls_first.map(|n| !n),
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraint {
    /// PostgreSQL's constraint name; SQLite keeps none for the indexes behind constraints.
    pub name: Option<String>,
    /// `UNIQUE (username)`, `PRIMARY KEY (id)`, `EXCLUDE USING gist (...)`.
    pub definition: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ForeignKey {
    /// PostgreSQL's constraint name; `None` on SQLite, which does not keep one.
    pub name: Option<String>,
    pub table: String,
    pub columns: Vec<String>,
    /// The referenced table, qualified only when it lives in another namespace.
    pub ref_table: String,
    /// Empty when SQLite's declaration names none (it then means the primary key).
    pub ref_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
    /// `DEFERRABLE` (`Some(true)`: `INITIALLY DEFERRED`); `None`: not deferrable.
    pub deferrable: Option<bool>,
    /// PostgreSQL `convalidated`: false for a key added `NOT VALID` and never validated.
    pub validated: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FkAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    /// The action from its catalog spelling: PostgreSQL's one-letter codes (`c`, `n`, ...)
    /// or SQLite's words (`CASCADE`, `SET NULL`, ...).
    pub fn parse(text: &str) -> FkAction {
        match text.to_ascii_uppercase().as_str() {
            "C" | "CASCADE" => FkAction::Cascade,
            "N" | "SET NULL" => FkAction::SetNull,
            "D" | "SET DEFAULT" => FkAction::SetDefault,
            "R" | "RESTRICT" => FkAction::Restrict,
            _ => FkAction::NoAction,
        }
    }

    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// Index usage statistics (PostgreSQL).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    /// When this database's statistics were last reset (RFC 3339, UTC); `None`: never.
    pub stats_reset: Option<String>,
}

/// What only SQLite can say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SqliteFacts {
    /// `PRAGMA foreign_keys` on the connection that read the database.
    pub foreign_keys_on: bool,
    /// Rows `PRAGMA foreign_key_check` reports, grouped by foreign key.
    pub violations: Vec<FkViolation>,
    /// `sqlite_stat1` exists (`ANALYZE` has run).
    pub has_stat1: bool,
    /// Columns declared with a collation other than BINARY (`PRAGMA table_xinfo` does not
    /// tell it; read from the `CREATE TABLE` text).
    pub collations: Vec<DeclaredCollation>,
}

/// A column's declared `COLLATE` (SQLite), uppercase.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeclaredCollation {
    pub table: String,
    pub column: String,
    pub collation: String,
}

/// Rows of `table` whose foreign key `columns` point at no row of `ref_table`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FkViolation {
    pub table: String,
    pub ref_table: String,
    pub columns: Vec<String>,
    pub rows: i64,
}

/// How an index is recognised across two databases.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum IndexKey {
    /// By name: explicitly created indexes, and PostgreSQL constraint indexes (named after
    /// their constraint).
    Name(String),
    /// SQLite's `sqlite_autoindex_<table>_<n>` indexes behind UNIQUE/PRIMARY KEY
    /// constraints: their number depends on declaration order, so they are recognised by
    /// what they are instead.
    Constraint {
        table: String,
        primary: bool,
        columns: Vec<String>,
    },
}

impl Index {
    pub fn key(&self) -> IndexKey {
        if self.name.starts_with("sqlite_autoindex_") {
            IndexKey::Constraint {
                table: self.table.clone(),
                primary: self.primary,
                columns: self.columns.iter().map(|c| c.name.clone()).collect(),
            }
        } else {
            IndexKey::Name(self.name.clone())
        }
    }

    /// How findings name the index: its name (for SQLite's constraint indexes, the
    /// `sqlite_autoindex_*` name `PRAGMA index_list` shows).
    pub fn label(&self) -> String {
        self.name.clone()
    }

    /// `(room_id, created_at DESC)`, `(code COLLATE "C" varchar_pattern_ops)`: the key
    /// columns as a reader would write them.
    pub fn column_list(&self) -> String {
        column_list(&self.columns)
    }

    /// Whether both indexes have the same predicate (or none), up to case and spacing.
    pub fn same_predicate(&self, other: &Index) -> bool {
        self.predicate.as_deref().map(normalize_expr)
            == other.predicate.as_deref().map(normalize_expr)
    }

    pub fn is_partial(&self) -> bool {
        self.predicate.is_some()
    }

    /// The leading key columns, when they are plain columns (expressions stop the run).
    pub fn leading_columns(&self) -> impl Iterator<Item = &str> {
        self.columns
            .iter()
            .take_while(|c| !c.expression)
            .map(|c| c.name.as_str())
    }
}

pub fn column_list(columns: &[IndexColumn]) -> String {
    let parts: Vec<String> = columns
        .iter()
        .map(|c| {
            let mut s = c.name.clone();
            if let Some(coll) = &c.collation {
                s.push_str(&format!(" COLLATE {coll}"));
            }
            if let Some(opclass) = &c.opclass {
                s.push(' ');
                s.push_str(opclass);
            }
            if c.descending {
                s.push_str(" DESC");
            }
            match c.nulls_first {
                Some(true) => s.push_str(" NULLS FIRST"),
                Some(false) => s.push_str(" NULLS LAST"),
                None => {}
            }
            s
        })
        .collect();
    format!("({})", parts.join(", "))
}

impl ForeignKey {
    /// `messages(sender_id) -> users(id)`, or the constraint name when there is one.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => self.shape(),
        }
    }

    /// `messages(sender_id) -> users(id)`.
    pub fn shape(&self) -> String {
        let refs = if self.ref_columns.is_empty() {
            String::new()
        } else {
            format!("({})", self.ref_columns.join(", "))
        };
        format!(
            "{}({}) -> {}{refs}",
            self.table,
            self.columns.join(", "),
            self.ref_table
        )
    }
}

impl Inventory {
    /// The collation SQLite declares on `table.column`, when not BINARY.
    pub fn declared_collation(&self, table: &str, column: &str) -> Option<&str> {
        self.sqlite
            .as_ref()?
            .collations
            .iter()
            .find(|c| c.table == table && c.column == column)
            .map(|c| c.collation.as_str())
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    pub fn index(&self, key: &IndexKey) -> Option<&Index> {
        self.indexes.iter().find(|i| &i.key() == key)
    }

    /// The model without `table` (and its indexes and keys): a table that is known not to
    /// be the schema's (Alembic's `alembic_version`).
    pub fn without_table(mut self, table: &str) -> Inventory {
        self.tables.retain(|t| t.name != table);
        self.indexes.retain(|i| i.table != table);
        self.foreign_keys.retain(|k| k.table != table);
        self
    }

    /// The primary key's columns of `table`, in key order (SQLite's rowid key too).
    pub fn primary_key(&self, table: &str) -> Vec<String> {
        if let Some(i) = self.indexes_on(table).find(|i| i.primary) {
            return i.columns.iter().map(|c| c.name.clone()).collect();
        }
        self.table(table)
            .and_then(|t| t.rowid_key.clone())
            .into_iter()
            .collect()
    }

    pub fn indexes_on<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a Index> + 'a {
        self.indexes.iter().filter(move |i| i.table == table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_constraint_indexes_are_keyed_by_shape() {
        let auto = Index {
            name: "sqlite_autoindex_users_2".into(),
            table: "users".into(),
            columns: vec![IndexColumn {
                name: "email".into(),
                ..Default::default()
            }],
            unique: true,
            ..Default::default()
        };
        let renumbered = Index {
            name: "sqlite_autoindex_users_3".into(),
            ..auto.clone()
        };
        assert_eq!(auto.key(), renumbered.key());
        let named = Index {
            name: "idx".into(),
            ..auto.clone()
        };
        assert_eq!(named.key(), IndexKey::Name("idx".into()));
    }
}
