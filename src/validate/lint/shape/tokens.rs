//! The fallback reader: the shape of a statement from [`crate::sqltext`]'s tokens, for the
//! statements sqlparser cannot parse. It knows the statement kinds the rules look at by
//! their leading keywords (`CREATE [UNIQUE] INDEX`, `DROP INDEX|TABLE`, `REINDEX`,
//! `TRUNCATE`, `ALTER TABLE` and its actions, transaction control), and a list of kinds no
//! rule looks at (`SELECT`, `INSERT`, `COMMENT`, `CREATE FUNCTION`, ...); anything else is
//! [`Shape::Unknown`]. The helpers are also what rules on raw tokens use.

use super::{classify_default, Action, AddColumn, ConstraintKind, CreateIndex, Shape};
use crate::sqltext::{Token, TokenKind};

/// The shape of a statement's tokens.
pub fn shape(t: &[Token]) -> Shape {
    let at = |i: usize, w: &str| t.get(i).is_some_and(|x| x.is(w));
    if let Some(keyword) = transaction(t) {
        return Shape::Transaction { keyword };
    }
    if let Some(table) = created_table(t) {
        return Shape::CreateTable { table };
    }
    if at(0, "CREATE") {
        let u = if at(1, "UNIQUE") { 2 } else { 1 };
        if at(u, "INDEX") {
            return create_index(t, u + 1).map_or(Shape::Unknown, Shape::CreateIndex);
        }
        return Shape::Other;
    }
    if at(0, "DROP") && (at(1, "INDEX") || at(1, "TABLE")) {
        let index = at(1, "INDEX");
        let concurrently = index && at(2, "CONCURRENTLY");
        let mut i = if concurrently { 3 } else { 2 };
        let if_exists = at(i, "IF") && at(i + 1, "EXISTS");
        if if_exists {
            i += 2;
        }
        let names = name_list(t, i);
        if names.is_empty() {
            return Shape::Unknown;
        }
        return if index {
            Shape::DropIndex {
                names,
                concurrently,
                if_exists,
            }
        } else {
            Shape::DropTable { tables: names }
        };
    }
    if at(0, "REINDEX") {
        let mut i = 1;
        if t.get(i).is_some_and(|p| p.is_punct('(')) {
            while t.get(i).is_some_and(|p| !p.is_punct(')')) {
                i += 1;
            }
            i += 1;
        }
        i += 1; // INDEX | TABLE | SCHEMA | DATABASE | SYSTEM
        let concurrently = at(i, "CONCURRENTLY");
        if concurrently {
            i += 1;
        }
        let Some((target, _)) = qualified_name(t, i) else {
            return Shape::Unknown;
        };
        return Shape::Reindex {
            target,
            concurrently,
        };
    }
    if at(0, "TRUNCATE") {
        let mut i = if at(1, "TABLE") { 2 } else { 1 };
        if at(i, "ONLY") {
            i += 1;
        }
        return Shape::Truncate {
            tables: name_list(t, i),
            cascade: t.iter().any(|w| w.is("CASCADE")),
        };
    }
    if let Some((table, actions)) = alter_table(t) {
        return Shape::AlterTable {
            table,
            actions: actions.into_iter().map(action).collect(),
        };
    }
    const NOTHING_TO_CHECK: &[&str] = &[
        "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "WITH", "VALUES", "COMMENT", "GRANT",
        "REVOKE", "SET", "RESET", "ANALYZE", "VACUUM", "DO", "CALL", "NOTIFY", "SHOW", "LOCK",
        "DROP", "ALTER", "REFRESH", "CLUSTER",
    ];
    if NOTHING_TO_CHECK.iter().any(|k| at(0, k)) && !at(1, "TABLE") {
        return Shape::Other;
    }
    Shape::Unknown
}

/// The keyword of a transaction-control statement.
fn transaction(t: &[Token]) -> Option<&'static str> {
    let at = |i: usize, w: &str| t.get(i).is_some_and(|x| x.is(w));
    Some(if at(0, "BEGIN") && !at(1, "ATOMIC") {
        "BEGIN"
    } else if at(0, "START") && at(1, "TRANSACTION") {
        "START TRANSACTION"
    } else if at(0, "PREPARE") && at(1, "TRANSACTION") {
        "PREPARE TRANSACTION"
    } else {
        ["COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"]
            .into_iter()
            .find(|k| at(0, k))?
    })
}

/// `[CONCURRENTLY] [IF NOT EXISTS] [name] ON [ONLY] table`, from `i` (after `INDEX`).
fn create_index(t: &[Token], mut i: usize) -> Option<CreateIndex> {
    let at = |i: usize, w: &str| t.get(i).is_some_and(|x| x.is(w));
    let concurrently = at(i, "CONCURRENTLY");
    if concurrently {
        i += 1;
    }
    let if_not_exists = at(i, "IF");
    if if_not_exists {
        i += 3;
    }
    let mut name = None;
    if !at(i, "ON") {
        let (n, next) = qualified_name(t, i)?;
        name = Some(n);
        i = next;
    }
    if !at(i, "ON") {
        return None;
    }
    i += 1;
    if at(i, "ONLY") {
        i += 1;
    }
    let (table, _) = qualified_name(t, i)?;
    Some(CreateIndex {
        name,
        table,
        concurrently,
        if_not_exists,
    })
}

/// Comma-separated possibly qualified names from `i`.
fn name_list(t: &[Token], mut i: usize) -> Vec<String> {
    let mut out = Vec::new();
    while let Some((name, next)) = qualified_name(t, i) {
        out.push(name);
        let mut next = next;
        if t.get(next).is_some_and(|p| p.is_punct('*')) {
            next += 1;
        }
        if !t.get(next).is_some_and(|p| p.is_punct(',')) {
            break;
        }
        i = next + 1;
    }
    out
}

fn action(a: &[Token]) -> Action {
    let at = |i: usize, w: &str| a.get(i).is_some_and(|x| x.is(w));
    if let Some((column, rest)) = add_column(a) {
        return Action::AddColumn(column_def(column, rest));
    }
    if at(0, "ADD") {
        let named = at(1, "CONSTRAINT");
        let name = named.then(|| a.get(2).map(Token::name)).flatten();
        let body = if named {
            a.get(3..).unwrap_or_default()
        } else {
            a.get(1..).unwrap_or_default()
        };
        let b = |i: usize, w: &str| body.get(i).is_some_and(|x| x.is(w));
        let using_index = has_top_level_pair(body, "USING", "INDEX");
        let kind = if b(0, "CHECK") {
            ConstraintKind::Check
        } else if b(0, "UNIQUE") {
            ConstraintKind::Unique { using_index }
        } else if b(0, "PRIMARY") && b(1, "KEY") {
            ConstraintKind::PrimaryKey { using_index }
        } else if b(0, "FOREIGN") {
            let references = position_top_level(body, "REFERENCES")
                .and_then(|p| qualified_name(body, p + 1))
                .map(|(n, _)| n)
                .unwrap_or_default();
            ConstraintKind::ForeignKey { references }
        } else if b(0, "EXCLUDE") {
            ConstraintKind::Exclude
        } else {
            ConstraintKind::Other
        };
        return Action::AddConstraint {
            name,
            kind,
            not_valid: has_top_level_pair(body, "NOT", "VALID"),
        };
    }
    if at(0, "VALIDATE") && at(1, "CONSTRAINT") {
        return a
            .get(2)
            .map_or(Action::Other, |n| Action::ValidateConstraint {
                name: n.name(),
            });
    }
    if at(0, "ALTER") {
        let c = if at(1, "COLUMN") { 2 } else { 1 };
        let Some(column) = a.get(c).map(Token::name) else {
            return Action::Other;
        };
        if at(c + 1, "SET") && at(c + 2, "NOT") && at(c + 3, "NULL") {
            return Action::SetNotNull { column };
        }
        let mut i = c + 1;
        if at(i, "SET") && at(i + 1, "DATA") {
            i += 2;
        }
        if at(i, "TYPE") {
            let words: Vec<&Token> = a[i + 1..]
                .iter()
                .take_while(|t| !t.is("USING") && !t.is("COLLATE"))
                .collect();
            return Action::SetType {
                column,
                new_type: type_text(&words),
            };
        }
        return Action::Other;
    }
    if at(0, "DROP") {
        let mut i = 1;
        if at(i, "COLUMN") {
            i += 1;
        } else if ["CONSTRAINT", "DEFAULT", "NOT", "IDENTITY", "EXPRESSION"]
            .iter()
            .any(|w| at(i, w))
        {
            return Action::Other;
        }
        if at(i, "IF") {
            i += 2;
        }
        return a
            .get(i)
            .map_or(Action::Other, |c| Action::DropColumn { column: c.name() });
    }
    if at(0, "RENAME") {
        if at(1, "TO") {
            return Action::RenameTable;
        }
        if at(1, "CONSTRAINT") {
            return Action::Other;
        }
        let i = if at(1, "COLUMN") { 2 } else { 1 };
        return a
            .get(i)
            .map_or(Action::Other, |c| Action::RenameColumn { column: c.name() });
    }
    Action::Other
}

/// A type as sqlparser prints it: words upper case and apart, no space around `(`, `)`, `,`.
fn type_text(words: &[&Token]) -> String {
    let mut out = String::new();
    for (k, w) in words.iter().enumerate() {
        let glued = w.kind == TokenKind::Punct
            || words
                .get(k.wrapping_sub(1))
                .is_some_and(|p| p.is_punct('(') || p.is_punct('.'));
        if k > 0 && !glued {
            out.push(' ');
        }
        if w.is_punct(',') {
            out.push_str(", ");
            continue;
        }
        out.push_str(&w.text.to_uppercase());
    }
    out.replace(",  ", ", ")
}

/// A column definition's tokens after its name.
fn column_def(column: String, rest: &[Token]) -> AddColumn {
    let serial = rest.first().is_some_and(|w| {
        [
            "serial",
            "bigserial",
            "smallserial",
            "serial2",
            "serial4",
            "serial8",
        ]
        .iter()
        .any(|s| w.is(s))
    });
    let default = position_top_level(rest, "DEFAULT").map(|d| {
        // The expression runs to the next top-level constraint keyword.
        const ENDS: &[&str] = &[
            "NOT",
            "NULL",
            "CONSTRAINT",
            "CHECK",
            "REFERENCES",
            "UNIQUE",
            "PRIMARY",
            "COLLATE",
            "GENERATED",
        ];
        let mut depth = 0usize;
        let mut end = rest.len();
        for (k, t) in rest.iter().enumerate().skip(d + 1) {
            if t.is_punct('(') {
                depth += 1;
            } else if t.is_punct(')') {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && ENDS.iter().any(|w| t.is(w)) {
                end = k;
                break;
            }
        }
        classify_default(&rest[d + 1..end])
    });
    AddColumn {
        column,
        not_null: has_top_level_pair(rest, "NOT", "NULL"),
        primary_key: has_top_level_pair(rest, "PRIMARY", "KEY"),
        unique: has_top_level(rest, "UNIQUE"),
        default,
        generated_stored: has_top_level(rest, "GENERATED") && has_top_level(rest, "STORED"),
        identity: has_top_level_pair(rest, "AS", "IDENTITY"),
        serial,
        references: position_top_level(rest, "REFERENCES")
            .and_then(|p| qualified_name(rest, p + 1))
            .map(|(n, _)| n),
    }
}

// ---- Token shapes (also used by rules that read raw tokens) ----------------------------

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
    matches!(t.kind, TokenKind::Word | TokenKind::Quoted)
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

/// Where `word` first appears outside parentheses.
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
mod tests {
    use super::*;
    use crate::sqltext;

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
    fn what_sqlparser_cannot_parse_the_tokens_read() {
        for (sql, expect) in [
            (
                "REINDEX INDEX CONCURRENTLY public.messages_room;",
                Shape::Reindex {
                    target: "messages_room".into(),
                    concurrently: true,
                },
            ),
            (
                "DROP INDEX CONCURRENTLY IF EXISTS a, b;",
                Shape::DropIndex {
                    names: vec!["a".into(), "b".into()],
                    concurrently: true,
                    if_exists: true,
                },
            ),
            ("FROBNICATE t;", Shape::Unknown),
        ] {
            assert!(super::super::ast::shape(sql).is_none(), "{sql} parses now");
            assert_eq!(shape(&sqltext::tokens(sql)), expect, "{sql}");
        }
    }
}
