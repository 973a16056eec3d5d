//! `chatdb validate`'s lint of PostgreSQL migrations, in the spirit of squawk: statements
//! that are correct SQL but hurt a live database (long locks, table rewrites, failures on a
//! table that has rows, breaking the app version still running).
//!
//! One file per rule, each with a doc comment that says what it catches, why it matters and
//! what to write instead; adding a rule is one file plus its line in [`LINTS`]. Statement
//! rules see one migration at a time, split into statements by [`crate::sqltext`] (which
//! gives the line numbers), and are run on every version after the schema's first: the
//! first version creates its tables, so nothing it does can lock a table with rows. A
//! model rule (`fk-without-index`) looks at the schema that all versions build.
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
pub mod reindex_without_concurrently;
pub mod renaming;
pub mod require_concurrent_index;
pub mod rewriting_column;
pub mod setting_not_null;
pub mod sqlite_alter_needs_rebuild;
pub mod truncate_cascade;
pub mod volatile_default;

use std::collections::BTreeSet;

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

/// A statement of a migration, with what the rules need to know about its file.
pub struct Statement<'a> {
    pub tokens: Vec<Token>,
    /// 1-based line of the statement's first token in its file.
    pub line: usize,
    /// Tables created earlier in the same migration: nothing done to them can hurt a live
    /// table, since they are new.
    pub created_here: &'a BTreeSet<String>,
    /// The file starts with `-- chatdb:no-transaction` (run outside a transaction).
    pub no_transaction: bool,
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
}

impl<'a> Parsed<'a> {
    pub fn new(file: &'a MigrationFile) -> Parsed<'a> {
        let statements = sqltext::split(&file.sql);
        let mut allows = Vec::with_capacity(statements.len());
        let mut previous_end = 0;
        for s in &statements {
            allows.push(allow_comments(&file.sql[previous_end..s.end]));
            previous_end = s.end;
        }
        Parsed {
            file,
            statements,
            allows,
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
pub fn run(files: &[MigrationFile], dialect: Dialect, model: Option<&Inventory>) -> Vec<Flagged> {
    let parsed: Vec<Parsed> = files.iter().map(Parsed::new).collect();
    let first = files.iter().map(|f| f.version).min();
    let mut out = Vec::new();
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
                    let mut created = BTreeSet::new();
                    for (si, s) in p.statements.iter().enumerate() {
                        let text = s.text(&p.file.sql);
                        let tokens = sqltext::tokens(text);
                        let first_line = tokens
                            .first()
                            .map_or(s.line, |t| s.line_of(&p.file.sql, s.start + t.start));
                        let stmt = Statement {
                            tokens,
                            line: first_line,
                            created_here: &created,
                            no_transaction: crate::online::is_no_transaction(&p.file.sql),
                        };
                        for hit in check(&stmt) {
                            out.push(Flagged {
                                rule,
                                file: fi,
                                line: stmt.line,
                                hit,
                                allowed_by_comment: p.allows[si].contains(rule.id),
                            });
                        }
                        if let Some(table) = created_table(&stmt.tokens) {
                            created.insert(table);
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
    out
}

// ---- Statement shapes the rules share -------------------------------------------------

/// The table a `CREATE TABLE` statement creates.
pub fn created_table(t: &[Token]) -> Option<String> {
    let mut i = 0;
    if !t.first()?.is("CREATE") {
        return None;
    }
    i += 1;
    while t.get(i).is_some_and(|w| {
        w.is("UNLOGGED") || w.is("TEMP") || w.is("TEMPORARY") || w.is("GLOBAL") || w.is("LOCAL")
    }) {
        i += 1;
    }
    if !t.get(i)?.is("TABLE") {
        return None;
    }
    i += 1;
    if t.get(i).is_some_and(|w| w.is("IF")) {
        i += 3;
    }
    qualified_name(t, i).map(|(name, _)| name)
}

/// A possibly schema-qualified name starting at `i`: the last part, and the index after it.
pub fn qualified_name(t: &[Token], mut i: usize) -> Option<(String, usize)> {
    let mut name = t.get(i).filter(|w| is_name(w))?.name();
    i += 1;
    while t.get(i).is_some_and(|p| p.is_punct('.')) && t.get(i + 1).is_some_and(is_name) {
        name = t[i + 1].name();
        i += 2;
    }
    Some((name, i))
}

fn is_name(t: &Token) -> bool {
    matches!(
        t.kind,
        sqltext::TokenKind::Word | sqltext::TokenKind::Quoted
    )
}

/// `ALTER TABLE [IF EXISTS] [ONLY] name [*] action, action, ...`: the table and the tokens
/// of each action (split at top-level commas).
pub fn alter_table(t: &[Token]) -> Option<(String, Vec<&[Token]>)> {
    if !(t.first()?.is("ALTER") && t.get(1)?.is("TABLE")) {
        return None;
    }
    let mut i = 2;
    if t.get(i).is_some_and(|w| w.is("IF")) {
        i += 2;
    }
    if t.get(i).is_some_and(|w| w.is("ONLY")) {
        i += 1;
    }
    let (table, mut i) = qualified_name(t, i)?;
    if t.get(i).is_some_and(|p| p.is_punct('*')) {
        i += 1;
    }
    let end = if t.last().is_some_and(|p| p.is_punct(';')) {
        t.len() - 1
    } else {
        t.len()
    };
    let mut actions = Vec::new();
    let mut depth = 0usize;
    let mut start = i;
    for k in i..end {
        if t[k].is_punct('(') {
            depth += 1;
        } else if t[k].is_punct(')') {
            depth = depth.saturating_sub(1);
        } else if t[k].is_punct(',') && depth == 0 {
            actions.push(&t[start..k]);
            start = k + 1;
        }
    }
    if start < end {
        actions.push(&t[start..end]);
    }
    Some((table, actions))
}

/// `ADD [COLUMN] [IF NOT EXISTS] name type ...` (not `ADD CONSTRAINT`, `ADD PRIMARY KEY`,
/// ...): the column and the tokens after its name.
pub fn add_column(action: &[Token]) -> Option<(String, &[Token])> {
    if !action.first()?.is("ADD") {
        return None;
    }
    let mut i = 1;
    let explicit = action.get(i).is_some_and(|w| w.is("COLUMN"));
    if explicit {
        i += 1;
    } else if action.get(i).is_some_and(|w| {
        w.is("CONSTRAINT")
            || w.is("PRIMARY")
            || w.is("UNIQUE")
            || w.is("FOREIGN")
            || w.is("CHECK")
            || w.is("EXCLUDE")
    }) {
        return None;
    }
    if action.get(i).is_some_and(|w| w.is("IF")) {
        i += 3;
    }
    let name = action.get(i).filter(|w| is_name(w))?.name();
    Some((name, &action[i + 1..]))
}

/// Whether `tokens` has `word` outside parentheses.
pub fn has_top_level(tokens: &[Token], word: &str) -> bool {
    position_top_level(tokens, word).is_some()
}

pub fn position_top_level(tokens: &[Token], word: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        if t.is_punct('(') {
            depth += 1;
        } else if t.is_punct(')') {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && t.is(word) {
            return Some(i);
        }
    }
    None
}

/// Two words in a row outside parentheses (`NOT NULL`, `NOT VALID`).
pub fn has_top_level_pair(tokens: &[Token], a: &str, b: &str) -> bool {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        if t.is_punct('(') {
            depth += 1;
        } else if t.is_punct(')') {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && t.is(a) && tokens.get(i + 1).is_some_and(|n| n.is(b)) {
            return true;
        }
    }
    false
}

#[cfg(test)]
pub mod testkit {
    use super::*;

    /// Runs the statement rule `check` over `sql`, as a migration after the first version.
    pub fn hits(check: fn(&Statement) -> Vec<Found>, sql: &str) -> Vec<Found> {
        let mut created = BTreeSet::new();
        let mut out = Vec::new();
        for s in sqltext::split(sql) {
            let text = s.text(sql);
            let stmt = Statement {
                tokens: sqltext::tokens(text),
                line: s.line,
                created_here: &created,
                no_transaction: crate::online::is_no_transaction(sql),
            };
            out.extend(check(&stmt));
            if let Some(t) = created_table(&stmt.tokens) {
                created.insert(t);
            }
        }
        out
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
    fn statement_shapes() {
        let t = sqltext::tokens("ALTER TABLE IF EXISTS ONLY public.\"user\" ADD COLUMN a INT, DROP COLUMN b, ADD CONSTRAINT c CHECK (x IN (1, 2));");
        let (table, actions) = alter_table(&t).expect("alter");
        assert_eq!(table, "user");
        assert_eq!(actions.len(), 3);
        assert_eq!(add_column(actions[0]).map(|(c, _)| c), Some("a".into()));
        assert_eq!(add_column(actions[2]), None);
        let t = sqltext::tokens("CREATE UNLOGGED TABLE IF NOT EXISTS s.t (a int)");
        assert_eq!(created_table(&t), Some("t".into()));
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
        let found = run(&files, Dialect::Postgres, None);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].file, found[0].line), (1, 4));
        assert!(found[0].allowed_by_comment);
        assert_eq!(found[1].line, 5);
        assert!(!found[1].allowed_by_comment);
    }
}
