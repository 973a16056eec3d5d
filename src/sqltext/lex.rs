//! The SQL lexer: the one place that decides where a quote, a comment or a dollar-quoted
//! body starts and ends. Everything else in [`crate::sqltext`], and the callers its header
//! lists, walk what it yields.
//!
//! It understands quotes (`'...'`, `"..."` and SQLite's `` `...` ``, doubled to escape),
//! `E'...'` backslash escapes, comments (`--`, nested `/* */`) and PostgreSQL dollar quotes
//! (`$tag$...$tag$`). It never fails and never panics: an unterminated quote or comment runs
//! to the end of the text, and every position it reports is a char boundary of the input
//! (all delimiters are ASCII, so a multi-byte character is never cut).

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword or plain identifier (compare with [`Token::is`]).
    Word,
    /// A quoted identifier, `"..."` or `` `...` `` (`text` is the name inside the quotes).
    Quoted,
    /// A string literal, `'...'`, `E'...'` or `$tag$...$tag$` (`text` is the whole literal).
    String,
    /// A number or a `$1` parameter.
    Number,
    /// Any other character: `(`, `)`, `,`, `;`, `=`, `::` comes as two `:`.
    Punct,
    /// A `--` or `/* */` comment (only [`lex`] yields these; [`tokens`] drops them).
    Comment,
}

/// A token of SQL text.
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

/// A token without its text: kind and byte range. What [`lex`] yields; cheap to make, so
/// splitting a large file allocates nothing per token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lexeme {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

impl Lexeme {
    /// The source text of the lexeme (quotes and all).
    pub fn src<'a>(&self, sql: &'a str) -> &'a str {
        sql.get(self.start..self.end).unwrap_or("")
    }

    /// A word equal to `keyword`, ignoring case.
    pub fn is(&self, sql: &str, keyword: &str) -> bool {
        self.kind == TokenKind::Word && self.src(sql).eq_ignore_ascii_case(keyword)
    }

    /// A punctuation character equal to `c`.
    pub fn is_punct(&self, sql: &str, c: char) -> bool {
        self.kind == TokenKind::Punct && self.src(sql).starts_with(c)
    }

    /// The full [`Token`], with its text.
    pub fn token(&self, sql: &str) -> Token {
        let src = self.src(sql);
        let text = match self.kind {
            TokenKind::Quoted => {
                let q = src.get(..1).unwrap_or("\"");
                let inner = src.get(1..).unwrap_or("");
                let inner = if closed(src) {
                    inner.strip_suffix(q).unwrap_or(inner)
                } else {
                    inner
                };
                inner.replace(&format!("{q}{q}"), q)
            }
            _ => src.to_string(),
        };
        Token {
            kind: self.kind,
            text,
            start: self.start,
            end: self.end,
        }
    }
}

/// Whether a quoted lexeme's text ends with its closing quote (not with half of a doubled
/// one, as an unterminated `"ab""` does).
fn closed(src: &str) -> bool {
    let b = src.as_bytes();
    let Some(&q) = b.first() else { return false };
    // Count the quotes after the opening one: pairs are escapes, an odd one closes.
    let run = b[1..].iter().rev().take_while(|&&c| c == q).count();
    run % 2 == 1
}

/// The lexemes of `sql`, comments included, whitespace left out, in order.
pub fn lex(sql: &str) -> Lexer<'_> {
    Lexer { sql, i: 0 }
}

/// The tokens of `sql`; comments and whitespace are dropped.
pub fn tokens(sql: &str) -> Vec<Token> {
    lex(sql)
        .filter(|l| l.kind != TokenKind::Comment)
        .map(|l| l.token(sql))
        .collect()
}

/// Whitespace as the lexer skips it.
pub fn is_space(b: u8) -> bool {
    b.is_ascii_whitespace()
}

/// An iterator over the [`Lexeme`]s of a text; see [`lex`].
pub struct Lexer<'a> {
    sql: &'a str,
    i: usize,
}

impl Lexer<'_> {
    fn at(&self, i: usize) -> Option<u8> {
        self.sql.as_bytes().get(i).copied()
    }

    /// From an opening quote at `i`, the end (exclusive) of the quoted text; doubled quotes
    /// are escapes, and so is a backslash when `backslash` (an `E''` string).
    fn quoted_end(&self, i: usize, backslash: bool) -> usize {
        let b = self.sql.as_bytes();
        let Some(&q) = b.get(i) else { return b.len() };
        let mut j = i + 1;
        while j < b.len() {
            let c = b[j];
            if backslash && c == b'\\' {
                j += 2;
                continue;
            }
            if c == q {
                if b.get(j + 1) == Some(&q) {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j += 1;
        }
        // Unterminated (or a trailing escape stepped past the end): runs to the end.
        b.len()
    }
}

impl Iterator for Lexer<'_> {
    type Item = Lexeme;

    fn next(&mut self) -> Option<Lexeme> {
        let b = self.sql.as_bytes();
        while self.i < b.len() && is_space(b[self.i]) {
            self.i += 1;
        }
        let start = self.i;
        let c = *b.get(start)?;
        let next = self.at(start + 1);
        let (kind, end) = if c == b'-' && next == Some(b'-') {
            let end = b[start..]
                .iter()
                .position(|&x| x == b'\n')
                .map_or(b.len(), |p| start + p);
            (TokenKind::Comment, end)
        } else if c == b'/' && next == Some(b'*') {
            let mut depth = 1;
            let mut j = start + 2;
            while j < b.len() && depth > 0 {
                if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                    depth += 1;
                    j += 2;
                } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            (TokenKind::Comment, j.min(b.len()))
        } else if c == b'\'' {
            (TokenKind::String, self.quoted_end(start, false))
        } else if c == b'"' || c == b'`' {
            (TokenKind::Quoted, self.quoted_end(start, false))
        } else if (c == b'E' || c == b'e') && next == Some(b'\'') {
            (TokenKind::String, self.quoted_end(start + 1, true))
        } else if c == b'$' {
            // `$tag$` (tag of letters, digits and `_`, not starting with a digit) opens a
            // dollar quote; otherwise `$` and its digits are a parameter.
            let tag_len = b[start + 1..]
                .iter()
                .take_while(|x| x.is_ascii_alphanumeric() || **x == b'_')
                .count();
            let close = start + 1 + tag_len;
            if b.get(close) == Some(&b'$') && !next.is_some_and(|x| x.is_ascii_digit()) {
                // The tag is ASCII, so both slices are on char boundaries.
                let tag = self.sql.get(start..=close).unwrap_or("$");
                let body = close + 1;
                let end = self
                    .sql
                    .get(body..)
                    .and_then(|rest| rest.find(tag))
                    .map_or(b.len(), |p| body + p + tag.len());
                (TokenKind::String, end)
            } else {
                let digits = b[start + 1..]
                    .iter()
                    .take_while(|x| x.is_ascii_digit())
                    .count();
                (TokenKind::Number, start + 1 + digits)
            }
        } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            let len = b[start..]
                .iter()
                .take_while(|&&x| x.is_ascii_alphanumeric() || x == b'_' || x == b'$' || x >= 0x80)
                .count();
            (TokenKind::Word, start + len)
        } else if c.is_ascii_digit() {
            let len = b[start..]
                .iter()
                .take_while(|&&x| x.is_ascii_alphanumeric() || x == b'.')
                .count();
            (TokenKind::Number, start + len)
        } else {
            // Any other ASCII character, alone (bytes of 0x80 and up start words above).
            (TokenKind::Punct, start + 1)
        };
        // Every end above stops at an ASCII byte or at the end of the text, so it is a
        // char boundary; the clamp keeps the lexer moving whatever happens.
        let end = end.clamp(start + 1, b.len());
        self.i = end;
        Some(Lexeme { kind, start, end })
    }
}
