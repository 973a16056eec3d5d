//! Just enough SQL lexing to point at a statement: split a migration into statements and
//! find the statement (and line) at a byte offset.
//!
//! Used only to explain failures; migrations themselves are sent to the server whole, so a
//! lexing mistake here can blur an error message but never change what runs. It understands
//! quotes ('', "", E'' escapes), comments (--, nested /* */), PostgreSQL dollar quotes, and
//! bodies between BEGIN and END (SQLite triggers, PostgreSQL `BEGIN ATOMIC`).

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
pub fn split(sql: &str) -> Vec<Statement> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut stmt_start: Option<usize> = None;
    let mut words: Vec<String> = Vec::new(); // first words of the statement, upper-cased
    let mut in_body = 0usize; // BEGIN ... END nesting inside a statement
    let mut last_word = String::new();
    while i < b.len() {
        let c = b[i];
        // Comments.
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
        let start = *stmt_start.get_or_insert(i);
        match c {
            b';' => {
                if in_body == 0 {
                    out.push(make(sql, start, i + 1));
                    stmt_start = None;
                    words.clear();
                    last_word.clear();
                }
                i += 1;
            }
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
                i += 1;
            }
            b'$' => {
                // $tag$ ... $tag$ (tag empty or an identifier); $1 is a parameter.
                let tag_end = b[i + 1..]
                    .iter()
                    .position(|x| !(x.is_ascii_alphanumeric() || *x == b'_'))
                    .map(|p| i + 1 + p);
                match tag_end {
                    Some(e) if b[e] == b'$' && !b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                        let tag = &sql[i..=e];
                        match sql[e + 1..].find(tag) {
                            Some(p) => i = e + 1 + p + tag.len(),
                            None => i = b.len(),
                        }
                    }
                    _ => i += 1,
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let s = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let word = sql[s..i].to_ascii_uppercase();
                let opens_body = word == "BEGIN" && !words.is_empty();
                if opens_body || (word == "CASE" && in_body > 0) {
                    in_body += 1;
                } else if word == "END" && in_body > 0 {
                    in_body -= 1;
                }
                if words.len() < 4 {
                    words.push(word.clone());
                }
                last_word = word;
            }
            _ => i += 1,
        }
    }
    let _ = last_word;
    if let Some(start) = stmt_start {
        out.push(make(sql, start, sql.len()));
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
}
