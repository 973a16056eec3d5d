//! The tables a query reads, as named in its text: every name after `FROM` and `JOIN`
//! (a `FROM a, b` list included), with `WITH` names, function calls (`generate_series(...)`),
//! subqueries and the `FROM` inside `extract(... FROM ...)`-style calls left out. Used by
//! validate's manifest stage to check that a `[[metric]]` reads tables the schema has.
//! Over [`super::tokens`]: quotes and comments are the lexer's business.

use super::lex::{tokens, Token, TokenKind};

/// Calls whose arguments use `FROM` as a separator, not as a table list.
const FROM_IN_CALL: [&str; 5] = ["extract", "substring", "trim", "overlay", "position"];

/// Words that end a `FROM` item's alias position.
const NOT_ALIAS: [&str; 20] = [
    "where",
    "on",
    "using",
    "join",
    "left",
    "right",
    "full",
    "inner",
    "cross",
    "natural",
    "group",
    "order",
    "limit",
    "having",
    "window",
    "union",
    "except",
    "intersect",
    "offset",
    "returning",
];

fn is_name(t: &Token) -> bool {
    t.kind == TokenKind::Quoted || t.kind == TokenKind::Word
}

/// The table names `sql` reads from (lowercase unless quoted), in order, each once; a
/// qualified name gives its last part, and names in `pg_catalog`/`information_schema` or
/// starting `pg_`/`sqlite_` (the system's) are left out.
pub fn tables_read(sql: &str) -> Vec<String> {
    let toks = tokens(sql);
    let mut ctes = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        // `name AS (` after WITH or a comma: a common table expression.
        let defines = toks.get(i + 1).is_some_and(|a| a.is("as"))
            && toks.get(i + 2).is_some_and(|p| p.is_punct('('))
            && i > 0
            && (toks[i - 1].is("with") || toks[i - 1].is("recursive") || toks[i - 1].is_punct(','));
        if defines && is_name(t) {
            ctes.push(t.name());
        }
    }
    let mut out: Vec<String> = Vec::new();
    // For each open parenthesis: whether it opened a call that uses FROM as a separator.
    let mut parens: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if t.is_punct('(') {
            let call = i > 0 && FROM_IN_CALL.iter().any(|c| toks[i - 1].is(c));
            parens.push(call);
        } else if t.is_punct(')') {
            parens.pop();
        } else if (t.is("from") && parens.last() != Some(&true)) || t.is("join") {
            let list = t.is("from");
            i += 1;
            loop {
                while toks.get(i).is_some_and(|t| t.is("only") || t.is("lateral")) {
                    i += 1;
                }
                let Some(first) = toks.get(i).filter(|t| is_name(t)) else {
                    break;
                };
                let mut parts = vec![first.name()];
                while toks.get(i + 1).is_some_and(|t| t.is_punct('.'))
                    && toks.get(i + 2).is_some_and(is_name)
                {
                    parts.push(toks[i + 2].name());
                    i += 2;
                }
                i += 1;
                if toks.get(i).is_some_and(|t| t.is_punct('(')) {
                    break; // a function call: its own tokens are walked by the outer loop
                }
                let name = parts.last().cloned().unwrap_or_default();
                let system = parts.len() > 1
                    && (parts[0] == "pg_catalog" || parts[0] == "information_schema");
                if !system
                    && !name.starts_with("pg_")
                    && !name.starts_with("sqlite_")
                    && !ctes.contains(&name)
                    && !out.contains(&name)
                {
                    out.push(name);
                }
                if toks.get(i).is_some_and(|t| t.is("as")) {
                    i += 1;
                }
                if toks.get(i).is_some_and(|t| {
                    t.kind == TokenKind::Quoted
                        || (t.kind == TokenKind::Word && !NOT_ALIAS.iter().any(|k| t.is(k)))
                }) {
                    i += 1;
                }
                if list && toks.get(i).is_some_and(|t| t.is_punct(',')) {
                    i += 1;
                    continue;
                }
                break;
            }
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_after_from_and_join_without_ctes_calls_or_the_system() {
        assert_eq!(
            tables_read(
                "SELECT count(*) FROM sessions WHERE ended_at IS NULL AND expires_at > NOW()"
            ),
            ["sessions"]
        );
        assert_eq!(
            tables_read("SELECT 1 FROM public.\"user\" u, tags t JOIN posts AS p ON p.uid = u.id LEFT JOIN x ON true"),
            ["user", "tags", "posts", "x"]
        );
        assert_eq!(
            tables_read("WITH recent AS (SELECT * FROM messages) SELECT extract(epoch FROM max(created_at)) FROM recent, generate_series(1, 3) g"),
            ["messages"]
        );
        assert_eq!(
            tables_read("SELECT count(*) FROM pg_stat_activity JOIN pg_catalog.x ON true JOIN sqlite_master ON 1"),
            Vec::<String>::new()
        );
        assert_eq!(
            tables_read("SELECT (SELECT max(id) FROM logs) FROM (SELECT 1) s -- FROM nope\n WHERE 'FROM quoted' <> ''"),
            ["logs"]
        );
    }
}
