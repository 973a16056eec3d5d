//! Property tests: no input makes the text layer panic, and what it returns describes the
//! input (lexemes and statements in order, within bounds, on char boundaries, covering every
//! non-whitespace byte). Inputs are arbitrary strings, lossily decoded arbitrary bytes, and
//! strings built from SQL-ish fragments (quotes, `$tag$`, `/*`, `--`, `E'`, `é`, ...) that
//! reach the lexer's corners far more often than random text does.
//!
//! The regular suite runs a few thousand cases; `PROPTEST_CASES=1000000` runs a million per
//! property (the command and the last figures are in TESTING.md).

use proptest::prelude::*;
use proptest::test_runner::Config;

use super::lex::is_space;
use super::*;

/// Cases per property: `PROPTEST_CASES` when set, else enough to be useful and fast.
pub(crate) fn config() -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000),
        failure_persistence: None,
        ..Config::default()
    }
}

const FRAGMENTS: &[&str] = &[
    "'",
    "''",
    "\"",
    "\"\"",
    "`",
    "[",
    "]",
    "$",
    "$$",
    "$tag$",
    "$a",
    "$1",
    "?1",
    "?",
    "/*",
    "*/",
    "--",
    "\n",
    "\r\n",
    "\t",
    " ",
    "E'",
    "e'",
    "\\",
    "\\'",
    "é",
    "É",
    "ß",
    "日本",
    "\u{a0}",
    "\u{1F600}",
    "\u{301}",
    "\0",
    ";",
    "(",
    ")",
    ",",
    "::",
    ":",
    "=",
    "BEGIN",
    "begin",
    "END",
    "CASE",
    "ATOMIC",
    "TRANSACTION",
    "START",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "CREATE",
    "TABLE",
    "INDEX",
    "ON",
    "WHERE",
    "DESC",
    "COLLATE",
    "CHECK",
    "x",
    "a_b",
    "1",
    "1.5e3",
];

/// SQL-like text: fragments glued together, with the odd arbitrary character.
fn sqlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..48).prop_map(|v| v.concat())
}

/// Any text: SQL-like, arbitrary, or arbitrary bytes decoded lossily.
pub(crate) fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => sqlish(),
        1 => any::<String>(),
        1 => any::<Vec<u8>>().prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sqltext_lexemes_cover_the_input_in_order(sql in text()) {
        let mut at = 0;
        // Lexeme texts joined: the input without the whitespace between them.
        let mut joined = String::new();
        for l in lex(&sql) {
            prop_assert!(at <= l.start && l.start < l.end && l.end <= sql.len(), "{l:?} after {at}");
            prop_assert!(sql.is_char_boundary(l.start) && sql.is_char_boundary(l.end));
            // Only whitespace between lexemes.
            prop_assert!(sql.as_bytes()[at..l.start].iter().all(|&b| is_space(b)));
            joined.push_str(l.src(&sql));
            at = l.end;
        }
        prop_assert!(sql.as_bytes()[at..].iter().all(|&b| is_space(b)));
        let stripped: Vec<u8> = sql.bytes().filter(|&b| !is_space(b)).collect();
        let joined_stripped: Vec<u8> = joined.bytes().filter(|&b| !is_space(b)).collect();
        prop_assert_eq!(stripped, joined_stripped);
        for t in tokens(&sql) {
            prop_assert!(t.kind != TokenKind::Comment);
            if t.kind != TokenKind::Quoted {
                prop_assert_eq!(t.text.as_str(), &sql[t.start..t.end]);
            }
        }
    }

    #[test]
    fn sqltext_statements_are_ordered_disjoint_and_in_bounds(sql in text()) {
        let statements = split(&sql);
        let mut at = 0;
        for s in &statements {
            prop_assert!(at <= s.start && s.start < s.end && s.end <= sql.len(), "{s:?} after {at}");
            prop_assert!(sql.is_char_boundary(s.start) && sql.is_char_boundary(s.end));
            prop_assert_eq!(s.line, line_at(&sql, s.start));
            prop_assert!(!s.text(&sql).is_empty());
            prop_assert_eq!(s.line_of(&sql, s.end), line_at(&sql, s.end));
            at = s.end;
        }
        // Every lexeme that is not a comment is inside a statement.
        for l in lex(&sql).filter(|l| l.kind != TokenKind::Comment) {
            prop_assert!(statements.iter().any(|s| s.start <= l.start && l.start < s.end), "{l:?}");
        }
        if let Some((line, keyword)) = transaction_control(&sql) {
            prop_assert!(statements.iter().any(|s| s.line == line));
            prop_assert!(!keyword.is_empty());
        }
    }

    #[test]
    fn sqltext_lookups_never_panic(sql in text(), offset in 0usize..600, pos in 0usize..600) {
        let offset = offset.min(sql.len() + 3);
        if let Some(s) = statement_at(&sql, offset) {
            prop_assert!(split(&sql).contains(&s));
        }
        let line = line_at(&sql, offset);
        prop_assert!(line >= 1 && line <= sql.matches('\n').count() + 1);
        let byte = char_pos_to_byte(&sql, pos);
        prop_assert!(byte <= sql.len() && sql.is_char_boundary(byte));
    }

    #[test]
    fn sqltext_normalisers_never_panic(sql in text()) {
        let _ = placeholders(&sql, '$');
        let _ = placeholders(&sql, '?');
        let _ = super::tables_read(&sql);
        let _ = normalize_expr(&sql);
        let _ = normalize_predicate(&sql);
        let _ = normalize_default(&sql);
        let one = collapse_spaces(&sql);
        prop_assert!(!one.starts_with(' '));
        prop_assert!(abbreviate(&sql, 160).chars().count() <= 160);
    }
}
