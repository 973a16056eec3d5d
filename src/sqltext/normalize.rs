//! Forms of SQL text for comparing and showing it, and the placeholder scanner, all over the
//! lexemes of [`super::lex`], so a quote or a comment means the same here as everywhere:
//!
//! - [`normalize_expr`]: an expression for comparison (case and insignificant spaces gone,
//!   literals and quoted names kept), as `check` and `validate` compare index predicates,
//!   expression columns and constraint names across dialects and deparsers.
//! - [`normalize_predicate`] and [`normalize_default`]: what PostgreSQL's deparser adds
//!   (casts, parentheses) taken away, for parity between the dialects.
//! - [`collapse_spaces`]: a definition on one line, literals kept as written.
//! - [`abbreviate`]: a statement shortened for an error message.
//! - [`placeholders`]: the numbered parameters a hot query uses.

use std::collections::BTreeSet;

use super::lex::{lex, Lexeme, TokenKind};

/// A character that joins words: a space between two of them is significant.
fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// The lexemes of `text` without its comments.
fn code(text: &str) -> impl Iterator<Item = Lexeme> + '_ {
    lex(text).filter(|l| l.kind != TokenKind::Comment)
}

/// Normalises SQL expression text for comparison: lowercase and no insignificant spaces
/// outside string literals and quoted identifiers; comments dropped. `status='pending'` and
/// `STATUS = 'pending'` compare equal; `'Pending'` and `'pending'` do not.
pub fn normalize_expr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev_end: Option<usize> = None;
    for l in code(text) {
        let src = l.src(text);
        let gap = prev_end.is_some_and(|e| e < l.start);
        prev_end = Some(l.end);
        let literal = matches!(l.kind, TokenKind::String | TokenKind::Quoted);
        let starts_word = src.chars().next().is_some_and(word_char);
        if gap && (literal || starts_word) && out.chars().last().is_some_and(word_char) {
            out.push(' ');
        }
        match l.kind {
            TokenKind::Quoted => out.push_str(src),
            TokenKind::String => match src.strip_prefix(['E', 'e']) {
                // The E of an E'' literal is a keyword; its contents are not.
                Some(rest) => {
                    out.push('e');
                    out.push_str(rest);
                }
                None => out.push_str(src),
            },
            _ => out.push_str(&src.to_lowercase()),
        }
    }
    out
}

/// `text` with each byte range in `cut` (sorted, non-overlapping) replaced by a space, so
/// that the words either side stay apart (`(a)and(b)` is `a and b`, not `aandb`).
fn without(text: &str, cut: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for &(a, b) in cut {
        out.push_str(text.get(at..a).unwrap_or(""));
        out.push(' ');
        at = b;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

/// A partial-index predicate in a form both dialects reach: PostgreSQL's deparser adds
/// parentheses and casts (`((status)::text = 'pending'::text)`), SQLite keeps the text.
/// Casts (`::word`, and `::word word` such as `::character varying`) and parentheses are
/// dropped outside literals, then the rest is [`normalize_expr`]ed.
pub fn normalize_predicate(text: &str) -> String {
    const SECOND_WORDS: [&str; 6] = ["varying", "precision", "zone", "with", "without", "time"];
    let s = normalize_expr(text);
    let lexemes: Vec<Lexeme> = code(&s).collect();
    let mut cut = Vec::new();
    let mut i = 0;
    while i < lexemes.len() {
        let l = lexemes[i];
        let pair = lexemes
            .get(i + 1)
            .filter(|n| l.is_punct(&s, ':') && n.is_punct(&s, ':') && n.start == l.end);
        if let Some(second) = pair {
            let mut end = second.end;
            i += 2;
            if let Some(w) = lexemes
                .get(i)
                .filter(|w| w.kind == TokenKind::Word && w.start == end)
            {
                end = w.end;
                i += 1;
                // `character varying`, `time zone`: more words after one space.
                while let Some(w) = lexemes.get(i).filter(|w| {
                    w.kind == TokenKind::Word
                        && w.start == end + 1
                        && SECOND_WORDS.contains(&w.src(&s))
                }) {
                    end = w.end;
                    i += 1;
                }
            }
            cut.push((l.start, end));
            continue;
        }
        if l.is_punct(&s, '(') || l.is_punct(&s, ')') {
            cut.push((l.start, l.end));
        }
        i += 1;
    }
    normalize_expr(&without(&s, &cut))
}

/// A column default in a form both dialects reach: [`normalize_expr`]ed, outer parentheses
/// dropped, and cut at its first cast (`'x'::character varying` -> `'x'`).
pub fn normalize_default(text: &str) -> String {
    let s = normalize_expr(text);
    let lexemes: Vec<Lexeme> = code(&s).collect();
    // Each parenthesis's partner, found in one pass.
    let mut partner = vec![None; lexemes.len()];
    let mut open = Vec::new();
    for (k, l) in lexemes.iter().enumerate() {
        if l.is_punct(&s, '(') {
            open.push(k);
        } else if l.is_punct(&s, ')') {
            if let Some(o) = open.pop() {
                partner[o] = Some(k);
            }
        }
    }
    // Outer parentheses: a `(` at the front whose partner is the `)` at the back.
    let (mut front, mut back) = (0, lexemes.len());
    while back >= front + 2 && partner[front] == Some(back - 1) {
        front += 1;
        back -= 1;
    }
    let inner = &lexemes[front..back];
    let (Some(first), Some(last)) = (inner.first(), inner.last()) else {
        return String::new();
    };
    // Cut at the first cast.
    let end = inner
        .windows(2)
        .find(|w| w[0].is_punct(&s, ':') && w[1].is_punct(&s, ':') && w[1].start == w[0].end)
        .map_or(last.end, |w| w[0].start);
    s.get(first.start..end.max(first.start))
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Collapses runs of whitespace outside string literals and quoted identifiers into one
/// space (for definitions shown on one line); a comment's own whitespace collapses too.
pub fn collapse_spaces(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut prev_end: Option<usize> = None;
    for l in lex(sql) {
        if prev_end.is_some_and(|e| e < l.start) {
            out.push(' ');
        }
        prev_end = Some(l.end);
        let src = l.src(sql);
        if l.kind == TokenKind::Comment {
            out.push_str(&src.split_whitespace().collect::<Vec<_>>().join(" "));
        } else {
            out.push_str(src);
        }
    }
    out
}

/// `sql` on one line for an error message: every run of whitespace (literals' included)
/// becomes one space, and text longer than `max` characters is cut to end in `...`.
pub fn abbreviate(sql: &str, max: usize) -> String {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        let keep = max.saturating_sub(3);
        format!("{}...", flat.chars().take(keep).collect::<String>())
    } else {
        flat
    }
}

/// The numbered placeholders (`$3` with sigil `$`, `?2` with sigil `?`) in `sql`, outside
/// string literals, quoted identifiers and comments.
pub fn placeholders(sql: &str, sigil: char) -> BTreeSet<usize> {
    let digits = |s: &str| -> Option<usize> {
        let n: String = s.chars().take_while(char::is_ascii_digit).collect();
        n.parse().ok()
    };
    let lexemes: Vec<Lexeme> = code(sql).collect();
    let mut found = BTreeSet::new();
    for (i, l) in lexemes.iter().enumerate() {
        let src = l.src(sql);
        let n = if l.kind == TokenKind::Number && src.starts_with(sigil) {
            src.get(sigil.len_utf8()..).and_then(digits)
        } else if l.kind == TokenKind::Punct && src.starts_with(sigil) {
            lexemes
                .get(i + 1)
                .filter(|n| n.kind == TokenKind::Number && n.start == l.end)
                .and_then(|n| digits(n.src(sql)))
        } else {
            None
        };
        found.extend(n);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_normalise_case_and_spacing_but_not_literals() {
        assert_eq!(
            normalize_expr("STATUS = 'pending'"),
            normalize_expr("status='pending'")
        );
        assert_ne!(
            normalize_expr("status = 'Pending'"),
            normalize_expr("status = 'pending'")
        );
        assert_eq!(
            normalize_expr("ended_at  IS\nNULL"),
            normalize_expr("ended_at is null")
        );
        assert_eq!(normalize_expr("(a IS NOT NULL)"), "(a is not null)");
        assert_eq!(normalize_expr("a = 'x' -- note"), "a='x'");
        assert_eq!(normalize_expr("\"Name\" = E'\\n'"), "\"Name\"=e'\\n'");
    }

    #[test]
    fn collapse_spaces_keeps_literals() {
        assert_eq!(
            collapse_spaces("CREATE INDEX x\n  ON t (a)  WHERE b = 'two  spaces'"),
            "CREATE INDEX x ON t (a) WHERE b = 'two  spaces'"
        );
    }

    #[test]
    fn abbreviate_flattens_and_cuts() {
        assert_eq!(abbreviate("SELECT\n  1", 160), "SELECT 1");
        let long = "x ".repeat(200);
        let short = abbreviate(&long, 160);
        assert_eq!(short.chars().count(), 160);
        assert!(short.ends_with("..."));
    }

    #[test]
    fn defaults_lose_parentheses_and_casts() {
        assert_eq!(normalize_default("'medium'::character varying"), "'medium'");
        assert_eq!(normalize_default("((0))"), "0");
        assert_eq!(normalize_default("(a) + (b)"), "(a)+(b)");
        assert_eq!(normalize_default("'a::b'"), "'a::b'");
    }

    #[test]
    fn placeholders_skip_literals_and_comments() {
        let sql = "SELECT '$9', \"$8\" FROM t -- $7\nWHERE a = $1 AND b = $2 AND c = $1 /* $6 */";
        assert_eq!(placeholders(sql, '$'), BTreeSet::from([1, 2]));
        assert_eq!(
            placeholders("a = ?1 AND b = ?2 AND c = '?3'", '?'),
            BTreeSet::from([1, 2])
        );
    }
}
