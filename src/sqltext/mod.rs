//! The SQL text layer: chatdb's one SQL lexer ([`lex`], [`tokens`]; see `lex.rs`) and what
//! walks it. Here: splitting a migration into statements, finding the statement (and line)
//! at a byte offset, refusing transaction control in a migration ([`transaction_control`]);
//! in `normalize.rs`, the forms used to compare and show SQL (expressions, partial-index
//! predicates, defaults, one-line previews) and the hot queries' placeholder scanner.
//! Elsewhere, over [`tokens`]: validate's lint rules, SQLite's CHECK and `CREATE INDEX`
//! readers (`db/sqlite/introspect.rs`), the SQLite plan's alias resolution
//! (`db/sqlite/plan.rs`), the tables a query reads (`tables.rs`, for validate's check of
//! `[[metric]]` SQL) and which pg_stat_statements entries name the schema's tables
//! (`stats::touches`). Two plain-text scans remain outside it: lint's `chatdb:allow`
//! comment finder (`validate/lint/mod.rs`) and the namespace stripping of PostgreSQL's
//! deparsed definitions (`db/postgres/introspect.rs`).
//!
//! Migrations are sent to the server statement by statement as [`split`] cuts them (migrate,
//! validate's and check's scratch applies: `db::scratch::run_file`), so that a failing
//! statement is known without running anything twice: a splitting mistake here changes what
//! is sent, and [`transaction_control`] decides what every command refuses to load. No input
//! makes any function here panic (the property tests in `props.rs` check it), and each is
//! linear in the size of its input, so applying a migration is too.

mod lex;
mod normalize;
#[cfg(test)]
pub(crate) mod props;
mod tables;

pub use lex::{lex, tokens, Token, TokenKind};
pub use normalize::{
    abbreviate, collapse_spaces, normalize_default, normalize_expr, normalize_predicate,
    placeholders,
};
pub use tables::tables_read;

/// The definitions of a `CREATE TABLE` statement's tokens (columns and table constraints),
/// the token runs between its outer parentheses split at top-level commas.
pub fn table_items(toks: &[Token]) -> Vec<&[Token]> {
    let Some(open) = toks.iter().position(|t| t.is_punct('(')) else {
        return Vec::new();
    };
    let mut items: Vec<&[Token]> = Vec::new();
    let mut depth = 0usize;
    let mut item_start = open + 1;
    for (i, t) in toks.iter().enumerate().skip(open) {
        if t.is_punct('(') {
            depth += 1;
        } else if t.is_punct(')') {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                items.push(&toks[item_start..i]);
                break;
            }
        } else if t.is_punct(',') && depth == 1 {
            items.push(&toks[item_start..i]);
            item_start = i + 1;
        }
    }
    items
}

/// A statement of a migration: its byte range (trimmed) and 1-based first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub start: usize,
    pub end: usize,
    pub line: usize,
}

impl Statement {
    /// The statement's text in `sql` (the text it was split from; empty for any other).
    pub fn text<'a>(&self, sql: &'a str) -> &'a str {
        sql.get(self.start..self.end).unwrap_or("")
    }

    /// The 1-based line of byte `offset` of `sql`, counted from this statement's first line,
    /// so that looking up a line in every statement of a file stays linear in its size.
    /// Offsets before the statement give its first line.
    pub fn line_of(&self, sql: &str, offset: usize) -> usize {
        self.line + newlines(sql, self.start, offset)
    }
}

/// Newlines in bytes `from..to` of `sql` (clamped to the text; no char boundary needed).
fn newlines(sql: &str, from: usize, to: usize) -> usize {
    let b = sql.as_bytes();
    let to = to.min(b.len());
    b.get(from.min(to)..to)
        .map_or(0, |s| s.iter().filter(|&&c| c == b'\n').count())
}

/// Splits `sql` into statements; comments and whitespace between statements are dropped.
/// A `;` inside a body between BEGIN and END (a SQLite trigger, PostgreSQL `BEGIN ATOMIC`)
/// does not end the statement. One pass over [`lex`]'s lexemes, lines counted as it goes:
/// linear in the size of `sql`.
pub fn split(sql: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut last_end = 0;
    let mut words = 0usize; // words seen in the current statement
    let mut in_body = 0usize; // BEGIN ... END nesting inside the statement
    let mut lines = Lines::default();
    for t in lex(sql) {
        if t.kind == TokenKind::Comment {
            continue;
        }
        let begun = *start.get_or_insert(t.start);
        last_end = t.end;
        if t.kind == TokenKind::Word {
            let opens_body = t.is(sql, "BEGIN") && words > 0;
            if opens_body || (t.is(sql, "CASE") && in_body > 0) {
                in_body += 1;
            } else if t.is(sql, "END") && in_body > 0 {
                in_body -= 1;
            }
            words += 1;
        } else if in_body == 0 && t.is_punct(sql, ';') {
            out.push(make(sql, &mut lines, begun, t.end));
            start = None;
            words = 0;
        }
    }
    if let Some(begun) = start {
        out.push(make(sql, &mut lines, begun, last_end));
    }
    out
}

/// A line counter that only moves forward: the line of each offset asked, in order.
#[derive(Default)]
struct Lines {
    at: usize,
    newlines: usize,
}

impl Lines {
    fn line(&mut self, sql: &str, offset: usize) -> usize {
        if offset < self.at {
            *self = Lines::default();
        }
        self.newlines += newlines(sql, self.at, offset);
        self.at = offset.max(self.at);
        self.newlines + 1
    }
}

fn make(sql: &str, lines: &mut Lines, start: usize, end: usize) -> Statement {
    // Trimmed as the lexer sees whitespace (ASCII), so the last token stays whole.
    let text = sql.get(start..end).unwrap_or("");
    Statement {
        start,
        end: start
            + text
                .trim_end_matches(|c: char| c.is_ascii_whitespace())
                .len(),
        line: lines.line(sql, start),
    }
}

/// The statement containing byte `offset`, or the one right after it.
// No caller in the binary since migrate and the scratch applies run statements one by one
// (each error is located by its statement); kept, and property-tested, for locating an
// offset a server reports in a whole text.
#[cfg_attr(not(test), allow(dead_code))]
pub fn statement_at(sql: &str, offset: usize) -> Option<Statement> {
    split(sql)
        .into_iter()
        .find(|s| offset < s.end || offset <= s.end && s.end == sql.len())
}

/// Byte offset of a 1-based character position (PostgreSQL reports positions in characters).
pub fn char_pos_to_byte(sql: &str, pos: usize) -> usize {
    sql.char_indices()
        .nth(pos.saturating_sub(1))
        .map_or(sql.len(), |(i, _)| i)
}

/// The 1-based line of byte `offset` in `sql` (any offset: past the end counts to the end).
/// Linear in `offset`; for lines inside many statements use [`Statement::line_of`].
pub fn line_at(sql: &str, offset: usize) -> usize {
    newlines(sql, 0, offset) + 1
}

/// Quotes an identifier (`"name"`, inner quotes doubled): the same in both dialects.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The first top-level statement of `sql` that controls the transaction (`BEGIN`,
/// `BEGIN TRANSACTION`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`, `ABORT`,
/// `SAVEPOINT`, `RELEASE`, `PREPARE TRANSACTION`), as its line and keyword. chatdb runs a
/// whole migration run in one transaction; such a statement would commit part of it, or
/// fail, behind its back.
/// Bodies are not statements: `BEGIN ... END` in a trigger, `BEGIN ATOMIC`, and anything in
/// a string or dollar quote (a `DO` block's `COMMIT`) are not reported.
pub fn transaction_control(sql: &str) -> Option<(usize, &'static str)> {
    const KEYWORDS: [&str; 7] = [
        "BEGIN",
        "COMMIT",
        "END",
        "ROLLBACK",
        "ABORT",
        "SAVEPOINT",
        "RELEASE",
    ];
    for s in split(sql) {
        let text = s.text(sql);
        let mut words = lex(text).filter(|l| l.kind != TokenKind::Comment);
        let Some(first) = words.next() else { continue };
        let second = words.next();
        let second_is = |k: &str| second.is_some_and(|w| w.is(text, k));
        let keyword = if first.is(text, "START") && second_is("TRANSACTION") {
            Some("START TRANSACTION")
        } else if first.is(text, "PREPARE") && second_is("TRANSACTION") {
            Some("PREPARE TRANSACTION")
        } else if first.is(text, "BEGIN") && second_is("ATOMIC") {
            None
        } else if first.is(text, "BEGIN") && second_is("TRANSACTION") {
            Some("BEGIN TRANSACTION")
        } else {
            KEYWORDS.into_iter().find(|k| first.is(text, k))
        };
        if let Some(k) = keyword {
            return Some((s.line, k));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        split(sql)
            .into_iter()
            .map(|s| &sql[s.start..s.end])
            .collect()
    }

    #[test]
    fn splits_plain_statements_and_skips_comments() {
        let sql = "-- header; not a statement\nCREATE TABLE a (x TEXT DEFAULT ';');\n/* c; */\nCREATE INDEX i ON a(x);\n";
        assert_eq!(
            texts(sql),
            vec![
                "CREATE TABLE a (x TEXT DEFAULT ';');",
                "CREATE INDEX i ON a(x);"
            ]
        );
        assert_eq!(split(sql)[1].line, 4);
    }

    #[test]
    fn keeps_trigger_and_dollar_bodies_whole() {
        let sql = "CREATE TRIGGER t BEFORE INSERT ON a BEGIN SELECT RAISE(ABORT, 'x;'); SELECT 1; END;\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\nSELECT $1;";
        let t = texts(sql);
        assert_eq!(t.len(), 3, "{t:?}");
        assert!(t[0].ends_with("END;"));
        assert!(t[1].ends_with("LANGUAGE sql;"));
    }

    #[test]
    fn finds_the_statement_at_an_offset() {
        let sql = "CREATE TABLE a (x int);\n\nCREATE TABLE b (y nosuchtype);\n";
        let off = sql.find("nosuchtype").expect("present");
        let s = statement_at(sql, off).expect("found");
        assert_eq!(s.text(sql), "CREATE TABLE b (y nosuchtype);");
        assert_eq!(s.line, 3);
    }

    #[test]
    fn tokens_skip_comments_and_keep_literals_whole() {
        let sql = "ALTER TABLE \"user\" -- a comment; DROP TABLE x\nADD COLUMN a TEXT DEFAULT 'it''s' /* x */ CHECK (a <> E'\\'');";
        let t = tokens(sql);
        let texts: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "ALTER", "TABLE", "user", "ADD", "COLUMN", "a", "TEXT", "DEFAULT", "'it''s'",
                "CHECK", "(", "a", "<", ">", "E'\\''", ")", ";"
            ]
        );
        assert_eq!(t[2].kind, TokenKind::Quoted);
        assert!(t[0].is("alter"));
        assert_eq!(line_at(sql, t[3].start), 2);
    }

    #[test]
    fn unterminated_quoted_identifier_ending_in_e_acute_does_not_panic() {
        // `CREATE TABLE "é` at the end of a migration made validate and migrate exit 101:
        // the lexer cut the last byte of the unterminated identifier, inside the é.
        let sql = "CREATE TABLE a (x int);\nCREATE TABLE \"é";
        let t = tokens(sql);
        assert_eq!(t.last().map(|t| t.text.as_str()), Some("é"));
        let s = split(sql);
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].text(sql), "CREATE TABLE \"é");
        assert_eq!(statement_at(sql, sql.len() - 1), Some(s[1].clone()));
        assert_eq!(line_at(sql, sql.len() - 1), 2);
        for end in [
            "\"é", "'é", "E'é", "E'\\é", "$é", "$a$é", "/*é", "--é", "`é",
        ] {
            let sql = format!("CREATE TABLE {end}");
            let _ = (tokens(&sql), split(&sql), transaction_control(&sql));
        }
    }

    #[test]
    fn transaction_control_is_found_at_top_level_only() {
        let sql = "CREATE TABLE a (x int);\nBEGIN;\nCREATE TABLE b (y int);\nCOMMIT;\n";
        assert_eq!(transaction_control(sql), Some((2, "BEGIN")));
        for (sql, expect) in [
            ("start transaction;", Some((1, "START TRANSACTION"))),
            ("BEGIN TRANSACTION;", Some((1, "BEGIN TRANSACTION"))),
            ("BEGIN IMMEDIATE;", Some((1, "BEGIN"))),
            ("SELECT 1;\n-- c\nCommit;", Some((3, "COMMIT"))),
            ("END;", Some((1, "END"))),
            ("ROLLBACK TO SAVEPOINT s;", Some((1, "ROLLBACK"))),
            ("SAVEPOINT s;", Some((1, "SAVEPOINT"))),
            ("RELEASE SAVEPOINT s;", Some((1, "RELEASE"))),
            ("PREPARE TRANSACTION 'x';", Some((1, "PREPARE TRANSACTION"))),
            ("PREPARE q AS SELECT 1;", None),
            (
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 1; END;",
                None,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;",
                None,
            ),
            ("DO $$ BEGIN COMMIT; END $$;", None),
            ("SELECT 'BEGIN; COMMIT;';", None),
            ("CREATE TABLE \"begin\" (x int);", None),
        ] {
            assert_eq!(transaction_control(sql), expect, "{sql}");
        }
    }

    #[test]
    fn lines_inside_statements_count_from_the_statement() {
        let sql = "SELECT 1;\n\nSELECT\n  2;";
        let s = split(sql);
        let two = sql.find('2').expect("present");
        assert_eq!(s[1].line, 3);
        assert_eq!(s[1].line_of(sql, two), 4);
        assert_eq!(s[1].line_of(sql, two), line_at(sql, two));
    }

    #[test]
    fn a_200k_statement_migration_splits_in_linear_time() {
        // 200,000 statements (about 10 MB). Quadratic work (a line count from offset 0 per
        // statement, or lexing the whole file per statement) takes hours on this; linear
        // work takes well under a second even in a debug build. The bound is generous so a
        // loaded machine cannot fail it; BENCHMARKS.md has the measured figures.
        let mut sql = String::from("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER);\n");
        for i in 0..200_000 {
            sql.push_str(&format!("INSERT INTO t (a, b) VALUES ('row {i}', {i});\n"));
        }
        let started = std::time::Instant::now();
        let statements = split(&sql);
        assert_eq!(statements.len(), 200_001);
        let last = statements.last().expect("statements");
        assert_eq!(last.line, 200_001);
        let lines: usize = statements.iter().map(|s| s.line_of(&sql, s.end)).sum();
        assert!(lines > 0);
        assert_eq!(transaction_control(&sql), None);
        assert_eq!(statement_at(&sql, sql.len() - 2).as_ref(), Some(last));
        let took = started.elapsed();
        assert!(
            took.as_secs() < 20,
            "splitting 200k statements took {took:?}"
        );
    }
}
