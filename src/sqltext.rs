//! Just enough SQL lexing to point at a statement: split a migration into statements and
//! find the statement (and line) at a byte offset; and [`tokens`], the words and
//! punctuation of a statement that `chatdb validate`'s lint rules and the SQLite CHECK
//! reader match on.
//!
//! Migrations are sent to the server statement by statement as [`split`] cuts them (migrate,
//! validate's and check's scratch applies), so that a failing statement is known without
//! running anything twice: a splitting mistake here changes what is sent.
//! One lexer ([`tokens`]) understands quotes ('', "", E'' escapes), comments (--, nested
//! /* */) and PostgreSQL dollar quotes; [`split`] walks its tokens, keeping bodies between
//! BEGIN and END (SQLite triggers, PostgreSQL `BEGIN ATOMIC`) whole.

/// A statement of a migration: its byte range (trimmed) and 1-based first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub start: usize,
    pub end: usize,
    pub line: usize,
}

impl Statement {
    pub fn text<'a>(&self, sql: &'a str) -> &'a str {
        &sql[self.start..self.end]
    }
}

/// Splits `sql` into statements; comments and whitespace between statements are dropped.
/// A `;` inside a body between BEGIN and END (a SQLite trigger, PostgreSQL `BEGIN ATOMIC`)
/// does not end the statement. Built on [`tokens`], so quotes and comments are lexed once.
pub fn split(sql: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut last_end = 0;
    let mut words = 0usize; // words seen in the current statement
    let mut in_body = 0usize; // BEGIN ... END nesting inside the statement
    for t in tokens(sql) {
        let begun = *start.get_or_insert(t.start);
        last_end = t.end;
        if t.kind == TokenKind::Word {
            let opens_body = t.is("BEGIN") && words > 0;
            if opens_body || (t.is("CASE") && in_body > 0) {
                in_body += 1;
            } else if t.is("END") && in_body > 0 {
                in_body -= 1;
            }
            words += 1;
        } else if in_body == 0 && t.is_punct(';') {
            out.push(make(sql, begun, t.end));
            start = None;
            words = 0;
        }
    }
    if let Some(begun) = start {
        out.push(make(sql, begun, last_end));
    }
    out
}

fn make(sql: &str, start: usize, end: usize) -> Statement {
    let text = &sql[start..end];
    let end = start + text.trim_end().len();
    Statement {
        start,
        end,
        line: sql[..start].matches('\n').count() + 1,
    }
}

/// The statement containing byte `offset`, or the one right after it.
// No caller since migrate runs statements one by one (db slice); kept for the sqltext owner.
#[allow(dead_code)]
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

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword or plain identifier (compare with [`Token::is`]).
    Word,
    /// A `"quoted identifier"` (`text` is the name inside the quotes).
    Quoted,
    /// A string literal, `'...'`, `E'...'` or `$tag$...$tag$` (`text` is the whole literal).
    String,
    /// A number or a `$1` parameter.
    Number,
    /// Any other character: `(`, `)`, `,`, `;`, `=`, `::` comes as two `:`.
    Punct,
}

/// A token of SQL text, comments left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub text: String,
    /// Byte range in the text it came from.
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// A word equal to `keyword`, ignoring case.
    pub fn is(&self, keyword: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(keyword)
    }

    pub fn is_punct(&self, c: char) -> bool {
        self.kind == TokenKind::Punct && self.text.starts_with(c)
    }

    /// The name a word or quoted identifier stands for (plain words fold to lowercase, as
    /// both dialects fold unquoted names).
    pub fn name(&self) -> String {
        match self.kind {
            TokenKind::Quoted => self.text.clone(),
            _ => self.text.to_ascii_lowercase(),
        }
    }
}

/// The tokens of `sql`; comments and whitespace are dropped.
pub fn tokens(sql: &str) -> Vec<Token> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let push = |out: &mut Vec<Token>, kind, text: String, start, end| {
        out.push(Token {
            kind,
            text,
            start,
            end,
        })
    };
    while i < b.len() {
        let c = b[i];
        if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 1;
            i += 2;
            while i < b.len() && depth > 0 {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                } else {
                    i += 1;
                }
            }
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        match c {
            b'\'' | b'"' => {
                let escapes = c == b'\''
                    && i > 0
                    && (b[i - 1] == b'E' || b[i - 1] == b'e')
                    && (i < 2 || !b[i - 2].is_ascii_alphanumeric());
                i += 1;
                while i < b.len() {
                    if escapes && b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b[i] == c {
                        if b.get(i + 1) == Some(&c) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i = (i + 1).min(b.len());
                if c == b'"' {
                    let inner =
                        sql[start + 1..i.saturating_sub(1).max(start + 1)].replace("\"\"", "\"");
                    push(&mut out, TokenKind::Quoted, inner, start, i);
                } else {
                    // An E'' prefix was lexed as a word just before: fold it into the literal.
                    let start = match out.last() {
                        Some(t)
                            if t.end == start
                                && t.kind == TokenKind::Word
                                && t.text.eq_ignore_ascii_case("e") =>
                        {
                            out.pop();
                            start - 1
                        }
                        _ => start,
                    };
                    push(
                        &mut out,
                        TokenKind::String,
                        sql[start..i].to_string(),
                        start,
                        i,
                    );
                }
            }
            b'$' => {
                let tag_end = b[i + 1..]
                    .iter()
                    .position(|x| !(x.is_ascii_alphanumeric() || *x == b'_'))
                    .map(|p| i + 1 + p);
                match tag_end {
                    Some(e) if b[e] == b'$' && !b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                        let tag = &sql[i..=e];
                        i = match sql[e + 1..].find(tag) {
                            Some(p) => e + 1 + p + tag.len(),
                            None => b.len(),
                        };
                        push(
                            &mut out,
                            TokenKind::String,
                            sql[start..i].to_string(),
                            start,
                            i,
                        );
                    }
                    _ => {
                        i += 1;
                        while i < b.len() && b[i].is_ascii_digit() {
                            i += 1;
                        }
                        push(
                            &mut out,
                            TokenKind::Number,
                            sql[start..i].to_string(),
                            start,
                            i,
                        );
                    }
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || b[i] == b'_'
                        || b[i] == b'$'
                        || b[i] >= 0x80)
                {
                    i += 1;
                }
                push(
                    &mut out,
                    TokenKind::Word,
                    sql[start..i].to_string(),
                    start,
                    i,
                );
            }
            c if c.is_ascii_digit() => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    i += 1;
                }
                push(
                    &mut out,
                    TokenKind::Number,
                    sql[start..i].to_string(),
                    start,
                    i,
                );
            }
            _ => {
                // One character (a multi-byte one whole).
                let len = sql[i..].chars().next().map_or(1, char::len_utf8);
                i += len;
                push(
                    &mut out,
                    TokenKind::Punct,
                    sql[start..i].to_string(),
                    start,
                    i,
                );
            }
        }
    }
    out
}

/// The 1-based line of byte `offset` in `sql`.
pub fn line_at(sql: &str, offset: usize) -> usize {
    sql[..offset.min(sql.len())].matches('\n').count() + 1
}

/// Quotes an identifier (`"name"`, inner quotes doubled): the same in both dialects.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
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
}
