//! `chatdb validate`'s lint of PostgreSQL migrations, in the spirit of squawk: statements
//! that are correct SQL but hurt a live database (long locks, table rewrites, failures on a
//! table that has rows, breaking the app version still running).
//!
//! One file per rule, each with a doc comment that says what it catches, why it matters and
//! what to write instead; adding a rule is one file plus its line in [`LINTS`] (and a safe
//! and an unsafe example in `tests/lint_corpus/<rule>/`). Statement rules see one migration
//! at a time, split into statements by [`crate::sqltext`] (which gives the line numbers),
//! each read once into a [`Statement`]: its typed [`Shape`] from sqlparser's PostgreSQL AST,
//! or from the token fallback where sqlparser cannot parse it ([`shape`] says which
//! statements, and `validate` notes each one); a statement neither reads is reported by
//! `unreadable-statement`. `no-transaction-idempotent` reads the raw tokens through
//! [`crate::online::not_idempotent_tokens`], the same judgement `check --write-migration`
//! relies on. Statement rules run on every version after the schema's first: the first
//! version creates its tables, so nothing it does can lock a table with rows. A model rule
//! (`fk-without-index`) looks at the schema that all versions build.
//!
//! Transaction control (squawk's `transaction-nesting`) is not a lint rule: every command
//! refuses a migration with a top-level `BEGIN`/`COMMIT`/`SAVEPOINT`/... when it loads the
//! schema, in both dialects and every version, and `validate` reports it in its files stage
//! (`transaction-control`), where it also stops the apply.
//!
//! A finding is accepted on purpose with a comment in the migration, on the lines just above
//! the statement or inside it:
//! ```sql
//! -- chatdb:allow require-concurrent-index: rooms has a few hundred rows
//! CREATE INDEX idx_rooms_owner ON rooms (owner_id);
//! ```
//! or, for a released migration (which is never edited), with `[[validate.lint_allow]]` in
//! the schema's manifest.

pub mod adding_foreign_key_column;
pub mod adding_required_column;
pub mod adding_unique_constraint;
pub mod changing_column_type;
pub mod check_without_not_valid;
pub mod concurrently_in_transaction;
pub mod drop_index_without_concurrently;
pub mod dropping_column_or_table;
pub mod fk_without_not_valid;
pub mod no_transaction_idempotent;
pub mod not_valid_and_validate_in_one_transaction;
pub mod reindex_without_concurrently;
pub mod renaming;
pub mod require_concurrent_index;
pub mod rewriting_column;
pub mod setting_not_null;
pub mod sqlite_alter_needs_rebuild;
pub mod truncate_cascade;
pub mod unreadable_statement;
pub mod volatile_default;

#[cfg(test)]
mod parse_rate;
pub mod shape;

// The token helpers, for rules that read a statement's raw tokens.
pub use shape::tokens::{
    add_column, alter_table, created_table, has_top_level, has_top_level_pair,
};
pub use shape::{Action, ConstraintKind, DefaultExpr, Shape};

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::catalog::{Dialect, MigrationFile};
use crate::checks::fk_without_index;
use crate::finding::{Found, Rule};
use crate::model::inventory::Inventory;
use crate::sqltext::{self, Token};

/// Every lint rule with what it looks at, in report order.
pub const LINTS: &[(&Rule, Check)] = &[
    (
        &require_concurrent_index::RULE,
        Check::Statement(require_concurrent_index::check),
    ),
    (
        &adding_required_column::RULE,
        Check::Statement(adding_required_column::check),
    ),
    (
        &changing_column_type::RULE,
        Check::Statement(changing_column_type::check),
    ),
    (
        &dropping_column_or_table::RULE,
        Check::Statement(dropping_column_or_table::check),
    ),
    (
        &fk_without_not_valid::RULE,
        Check::Statement(fk_without_not_valid::check),
    ),
    (
        &volatile_default::RULE,
        Check::Statement(volatile_default::check),
    ),
    (
        &no_transaction_idempotent::RULE,
        Check::Statement(no_transaction_idempotent::check),
    ),
    (
        &concurrently_in_transaction::RULE,
        Check::Statement(concurrently_in_transaction::check),
    ),
    (
        &adding_unique_constraint::RULE,
        Check::Statement(adding_unique_constraint::check),
    ),
    (
        &check_without_not_valid::RULE,
        Check::Statement(check_without_not_valid::check),
    ),
    (
        &reindex_without_concurrently::RULE,
        Check::Statement(reindex_without_concurrently::check),
    ),
    (&renaming::RULE, Check::Statement(renaming::check)),
    (
        &rewriting_column::RULE,
        Check::Statement(rewriting_column::check),
    ),
    (
        &setting_not_null::RULE,
        Check::Statement(setting_not_null::check),
    ),
    (
        &truncate_cascade::RULE,
        Check::Statement(truncate_cascade::check),
    ),
    (
        &drop_index_without_concurrently::RULE,
        Check::Statement(drop_index_without_concurrently::check),
    ),
    (
        &adding_foreign_key_column::RULE,
        Check::Statement(adding_foreign_key_column::check),
    ),
    (
        &not_valid_and_validate_in_one_transaction::RULE,
        Check::Statement(not_valid_and_validate_in_one_transaction::check),
    ),
    (
        &unreadable_statement::RULE,
        Check::Statement(unreadable_statement::check),
    ),
    (
        &fk_without_index::RULE,
        Check::Model(fk_without_index::lint),
    ),
    (
        &sqlite_alter_needs_rebuild::RULE,
        Check::Statement(sqlite_alter_needs_rebuild::check),
    ),
];

/// Whether `id` names a lint rule.
pub fn is_lint_rule(id: &str) -> bool {
    LINTS.iter().any(|(r, _)| r.id == id)
}

/// The ids of the lint rules, in report order.
pub fn lint_ids() -> Vec<&'static str> {
    LINTS.iter().map(|(r, _)| r.id).collect()
}

/// What a lint rule looks at.
#[derive(Clone, Copy)]
pub enum Check {
    /// Looks at each statement of each migration after the first version.
    Statement(fn(&Statement) -> Vec<Found>),
    /// Looks at the schema every version builds (`pg` is PostgreSQL's result when a server
    /// was given, otherwise SQLite's), with the PostgreSQL migrations to point into.
    Model(fn(&Inventory, &[Parsed]) -> Vec<ModelHit>),
}

/// A statement of a migration, read, with what the rules need to know about its file.
pub struct Statement {
    /// The statement as written (comments inside it included).
    pub text: String,
    pub tokens: Vec<Token>,
    /// What it does: from sqlparser's AST, or the token fallback's (see [`shape`]).
    pub shape: Shape,
    /// sqlparser parsed it (`false`: [`shape::tokens`] read it).
    pub parsed: bool,
    /// 1-based line of the statement's first token in its file.
    pub line: usize,
    /// Tables created earlier in the same migration: nothing done to them can hurt a live
    /// table, since they are new.
    pub created_here: Earlier,
    /// Constraints added `NOT VALID` earlier in the same migration, as `table.name`.
    pub not_valid_here: Earlier,
    /// The file starts with `-- chatdb:no-transaction` (run outside a transaction).
    pub no_transaction: bool,
}

impl Statement {
    /// The statements of the migration `sql`, read once, each with what the statements
    /// before it did. A PostgreSQL statement is parsed by sqlparser (the token reader when it
    /// cannot); a SQLite one only by the token reader, which is all the SQLite rule reads.
    pub fn all_of(
        dialect: Dialect,
        sql: &str,
        statements: &[sqltext::Statement],
    ) -> Vec<Statement> {
        let no_transaction = crate::online::is_no_transaction(sql);
        let read: Vec<(String, Vec<Token>, Shape, bool, usize)> = statements
            .iter()
            .map(|s| {
                let text = s.text(sql);
                let tokens = sqltext::tokens(text);
                let line = tokens
                    .first()
                    .map_or(s.line, |t| s.line_of(sql, s.start + t.start));
                let (shape, parsed) = match dialect {
                    Dialect::Postgres => shape::of(text, &tokens),
                    Dialect::Sqlite => (shape::tokens::shape(&tokens), false),
                };
                (text.to_string(), tokens, shape, parsed, line)
            })
            .collect();
        // What each statement does to the ones after it, once for the file: the statement
        // that first created each table, first added each constraint NOT VALID.
        let (mut created, mut not_valid) = (BTreeMap::new(), BTreeMap::new());
        for (i, (_, _, shape, _, _)) in read.iter().enumerate() {
            match shape {
                Shape::CreateTable { table } => {
                    created.entry(table.clone()).or_insert(i);
                }
                Shape::AlterTable { table, actions } => {
                    for a in actions {
                        if let Action::AddConstraint {
                            name: Some(name),
                            not_valid: true,
                            ..
                        } = a
                        {
                            not_valid.entry(format!("{table}.{name}")).or_insert(i);
                        }
                    }
                }
                _ => {}
            }
        }
        let (created, not_valid) = (Rc::new(created), Rc::new(not_valid));
        read.into_iter()
            .enumerate()
            .map(|(index, (text, tokens, shape, parsed, line))| Statement {
                text,
                tokens,
                shape,
                parsed,
                line,
                created_here: Earlier {
                    first: Rc::clone(&created),
                    index,
                },
                not_valid_here: Earlier {
                    first: Rc::clone(&not_valid),
                    index,
                },
                no_transaction,
            })
            .collect()
    }

    /// The statement with `insert` (and a space) put after its `k`-th token: a fix that
    /// keeps the rest of the statement as written.
    pub fn inserting_after(&self, k: usize, insert: &str) -> Option<String> {
        let end = self.tokens.get(k)?.end;
        let (head, tail) = (self.text.get(..end)?, self.text.get(end..)?);
        Some(format!("{head} {insert}{tail}"))
    }

    /// The table an `ALTER TABLE` changes with its actions, unless this migration created
    /// it (then nothing done to it can hurt a live table).
    pub fn altered_existing(&self) -> Option<(&str, &[Action])> {
        match &self.shape {
            Shape::AlterTable { table, actions } if !self.created_here.contains(table) => {
                Some((table, actions))
            }
            _ => None,
        }
    }
}

/// Names something did before a statement of the same migration: shared by the file's
/// statements (one map per file, so reading a file stays linear in its size).
#[derive(Debug, Clone)]
pub struct Earlier {
    /// Each name, with the index of the first statement that did it.
    first: Rc<BTreeMap<String, usize>>,
    /// The statement asking.
    index: usize,
}

impl Earlier {
    /// Whether a statement before this one did it to `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.first.get(name).is_some_and(|&i| i < self.index)
    }
}

/// What a model rule found, and which file and statement to blame.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelHit {
    pub file: usize,
    pub statement: usize,
    pub hit: Found,
}

/// A migration split into statements, with each statement's allow comments.
pub struct Parsed<'a> {
    pub file: &'a MigrationFile,
    pub statements: Vec<sqltext::Statement>,
    /// Per statement: the rule ids its `-- chatdb:allow` comments name.
    pub allows: Vec<BTreeSet<String>>,
    /// Per statement: read for the statement rules.
    pub read: Vec<Statement>,
}

impl<'a> Parsed<'a> {
    pub fn new(file: &'a MigrationFile, dialect: Dialect) -> Parsed<'a> {
        let statements = sqltext::split(&file.sql);
        let mut allows = Vec::with_capacity(statements.len());
        let mut previous_end = 0;
        for s in &statements {
            allows.push(allow_comments(&file.sql[previous_end..s.end]));
            previous_end = s.end;
        }
        let read = Statement::all_of(dialect, &file.sql, &statements);
        Parsed {
            file,
            statements,
            allows,
            read,
        }
    }
}

/// The rule ids named by `chatdb:allow` comments in `text`:
/// `-- chatdb:allow rule-a, rule-b: why`.
pub fn allow_comments(text: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for line in text.lines() {
        let Some(pos) = line.find("--") else { continue };
        let comment = &line[pos + 2..];
        let Some(at) = comment.find("chatdb:allow") else {
            continue;
        };
        let rest = &comment[at + "chatdb:allow".len()..];
        let list = rest.split(':').next().unwrap_or_default();
        for id in list.split([',', ' ', '\t']) {
            let id = id.trim();
            if !id.is_empty() {
                ids.insert(id.to_string());
            }
        }
    }
    ids
}

/// What a lint rule found, before the validate stage decides whether it is allowed and
/// makes it a [`crate::finding::Finding`].
#[derive(Debug, Clone, PartialEq)]
pub struct Flagged {
    pub rule: &'static Rule,
    /// Index into the files given to [`run`].
    pub file: usize,
    pub line: usize,
    pub hit: Found,
    /// Allowed by a `-- chatdb:allow` comment at the statement.
    pub allowed_by_comment: bool,
}

/// Lints `files` (one dialect's migrations, sorted by version): the statement rules of
/// `dialect` on every version after the first, model rules on `model` when there is one.
pub fn run(files: &[MigrationFile], dialect: Dialect, model: Option<&Inventory>) -> Linted {
    let parsed: Vec<Parsed> = files.iter().map(|f| Parsed::new(f, dialect)).collect();
    let first = files.iter().map(|f| f.version).min();
    let mut out = Vec::new();
    // The statements after the first version that sqlparser could not parse and the token
    // reader read (one neither reads is `unreadable-statement`'s): `validate` names them
    // in a note, so the fallback is never silent.
    let read_by_fallback = parsed
        .iter()
        .enumerate()
        .filter(|(_, p)| dialect == Dialect::Postgres && Some(p.file.version) != first)
        .flat_map(|(fi, p)| {
            p.read
                .iter()
                .filter(|s| !s.parsed && s.shape != Shape::Unknown)
                .map(move |s| (fi, s.line))
        })
        .collect();
    for &(rule, check) in LINTS {
        if !rule.applies_to(dialect) {
            continue;
        }
        match check {
            Check::Statement(check) => {
                for (fi, p) in parsed.iter().enumerate() {
                    if Some(p.file.version) == first {
                        continue;
                    }
                    for (si, stmt) in p.read.iter().enumerate() {
                        for hit in check(stmt) {
                            out.push(Flagged {
                                rule,
                                file: fi,
                                line: stmt.line,
                                hit,
                                allowed_by_comment: p.allows[si].contains(rule.id),
                            });
                        }
                    }
                }
            }
            Check::Model(check) => {
                let Some(model) = model else { continue };
                for mh in check(model, &parsed) {
                    let Some(p) = parsed.get(mh.file) else {
                        continue;
                    };
                    let (line, allowed) = match p.statements.get(mh.statement) {
                        Some(s) => {
                            let text = s.text(&p.file.sql);
                            let offset = sqltext::tokens(text).first().map_or(0, |t| t.start);
                            (
                                s.line_of(&p.file.sql, s.start + offset),
                                p.allows[mh.statement].contains(rule.id),
                            )
                        }
                        None => (1, false),
                    };
                    out.push(Flagged {
                        rule,
                        file: mh.file,
                        line,
                        hit: mh.hit,
                        allowed_by_comment: allowed,
                    });
                }
            }
        }
    }
    Linted {
        flagged: out,
        read_by_fallback,
    }
}

/// What [`run`] found in one dialect's migrations.
pub struct Linted {
    pub flagged: Vec<Flagged>,
    /// (index into the files, line) of each statement the token fallback read.
    pub read_by_fallback: Vec<(usize, usize)>,
}

#[cfg(test)]
pub mod testkit {
    use super::*;

    /// Runs the statement rule `check` over `sql`, as a migration after the first version.
    pub fn hits(check: fn(&Statement) -> Vec<Found>, sql: &str) -> Vec<Found> {
        Statement::all_of(Dialect::Postgres, sql, &sqltext::split(sql))
            .iter()
            .flat_map(check)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_comments_name_rules() {
        let ids = allow_comments(
            "-- chatdb:allow require-concurrent-index, changing-column-type: small table\nCREATE INDEX",
        );
        assert_eq!(
            ids.into_iter().collect::<Vec<_>>(),
            ["changing-column-type", "require-concurrent-index"]
        );
        assert!(allow_comments("-- nothing here\n").is_empty());
    }

    #[test]
    fn the_first_version_is_not_linted_and_later_ones_are() {
        let f = |version: u32, sql: &str| MigrationFile {
            version,
            name: format!("v{version}"),
            path: format!("sql/postgres/x/V{version}__v{version}.sql"),
            sql: sql.into(),
        };
        let files = [
            f(1, "CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);"),
            f(2, "-- header\n\n-- chatdb:allow require-concurrent-index: tiny\nCREATE INDEX j ON t (a);\nCREATE INDEX k ON t (a);"),
        ];
        let found = run(&files, Dialect::Postgres, None).flagged;
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].file, found[0].line), (1, 4));
        assert!(found[0].allowed_by_comment);
        assert_eq!(found[1].line, 5);
        assert!(!found[1].allowed_by_comment);
    }
}
