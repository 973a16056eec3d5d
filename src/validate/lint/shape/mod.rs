//! What a PostgreSQL migration statement does, as far as the lint rules care: the one typed
//! form ([`Shape`]) every statement rule reads, so that each rule is written once.
//!
//! A statement's shape comes from a real parse first: [`sqlparser`]'s `PostgreSqlDialect`
//! AST ([`ast`]). For the few statements sqlparser cannot parse (see the README's dependency
//! list for how many: `REINDEX`, `ADD CONSTRAINT ... USING INDEX` and `DROP INDEX
//! CONCURRENTLY` in 0.64), the shape is read from chatdb's own tokens ([`tokens`]), the
//! reader the lint used before the parse; a statement neither reader understands becomes
//! [`Shape::Unknown`] and is reported by `unreadable-statement`, never skipped in silence.
//! Where the two readers see the same statement they give the same shape (the unit tests
//! compare them statement by statement).

pub mod ast;
pub mod tokens;

/// What a statement does.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// `CREATE TABLE name ...`
    CreateTable {
        table: String,
    },
    CreateIndex(CreateIndex),
    /// `DROP INDEX [CONCURRENTLY] [IF EXISTS] name, ...`
    DropIndex {
        names: Vec<String>,
        concurrently: bool,
        if_exists: bool,
    },
    /// `DROP TABLE [IF EXISTS] name, ...`
    DropTable {
        tables: Vec<String>,
    },
    /// `REINDEX [(...)] INDEX|TABLE|SCHEMA|DATABASE|SYSTEM [CONCURRENTLY] name`
    Reindex {
        target: String,
        concurrently: bool,
    },
    /// `TRUNCATE [TABLE] name, ... [CASCADE]`
    Truncate {
        tables: Vec<String>,
        cascade: bool,
    },
    /// `ALTER TABLE [IF EXISTS] [ONLY] name action, ...`
    AlterTable {
        table: String,
        actions: Vec<Action>,
    },
    /// `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`, `ABORT`, `SAVEPOINT`,
    /// `RELEASE`, `PREPARE TRANSACTION`: the keyword.
    Transaction {
        keyword: &'static str,
    },
    /// Understood, and nothing a rule looks at (a `SELECT`, a `CREATE FUNCTION`, ...).
    Other,
    /// Neither sqlparser nor the token reader understood it.
    Unknown,
}

/// `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON [ONLY] table ...`
#[derive(Debug, Clone, PartialEq)]
pub struct CreateIndex {
    pub name: Option<String>,
    pub table: String,
    pub concurrently: bool,
    pub if_not_exists: bool,
}

/// One action of an `ALTER TABLE`.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    AddColumn(AddColumn),
    /// `ADD [CONSTRAINT name] ... [NOT VALID]`
    AddConstraint {
        name: Option<String>,
        kind: ConstraintKind,
        not_valid: bool,
    },
    /// `VALIDATE CONSTRAINT name`
    ValidateConstraint {
        name: String,
    },
    /// `ALTER [COLUMN] c [SET DATA] TYPE t`: the new type as written (upper case).
    SetType {
        column: String,
        new_type: String,
    },
    /// `ALTER [COLUMN] c SET NOT NULL`
    SetNotNull {
        column: String,
    },
    /// `DROP [COLUMN] [IF EXISTS] c`
    DropColumn {
        column: String,
    },
    /// `RENAME [COLUMN] c TO d`
    RenameColumn {
        column: String,
    },
    /// `RENAME TO t`
    RenameTable,
    /// Anything else (`SET DEFAULT`, `DROP CONSTRAINT`, `OWNER TO`, ...): no rule's concern.
    Other,
}

/// `ADD [COLUMN] [IF NOT EXISTS] name type [options]`
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AddColumn {
    pub column: String,
    pub not_null: bool,
    pub primary_key: bool,
    pub unique: bool,
    /// The `DEFAULT` expression's tokens' function calls, classified.
    pub default: Option<DefaultExpr>,
    /// `GENERATED ALWAYS AS (...) STORED`
    pub generated_stored: bool,
    /// `GENERATED ... AS IDENTITY`
    pub identity: bool,
    /// `serial`, `bigserial`, `smallserial` (a `nextval` default underneath).
    pub serial: bool,
    /// `REFERENCES table`: the referenced table.
    pub references: Option<String>,
}

/// What a column default computes, by the functions it calls.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultExpr {
    /// No function call, or only functions known to be immutable or stable (`now()`,
    /// `lower(...)`): stored once in the catalog, no rewrite.
    Constant,
    /// Calls a function known to be volatile (`random()`, `gen_random_uuid()`, ...).
    Volatile(String),
    /// Calls a function chatdb does not know (a user-defined one, say): volatile or not
    /// depends on how it was declared.
    Unknown(String),
}

/// The kind of an added table constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum ConstraintKind {
    Check,
    /// `UNIQUE (...)`, or `UNIQUE USING INDEX i` (`using_index`).
    Unique {
        using_index: bool,
    },
    /// `PRIMARY KEY (...)`, or `PRIMARY KEY USING INDEX i`.
    PrimaryKey {
        using_index: bool,
    },
    ForeignKey {
        references: String,
    },
    /// `EXCLUDE ...` (builds an index, like `UNIQUE`).
    Exclude,
    Other,
}

/// Functions whose result changes per row: a default calling one is computed for every
/// existing row, which rewrites the table.
pub const VOLATILE: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "clock_timestamp",
    "timeofday",
    "statement_timestamp",
    "nextval",
    "txid_current",
    "gen_random_bytes",
    "setseed",
];

/// Functions known not to be volatile (immutable, or stable like `now()`, which PostgreSQL
/// evaluates once for the `ALTER TABLE`): a default calling only these is not a rewrite.
const NOT_VOLATILE: &[&str] = &[
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtimestamp",
    "localtime",
    "transaction_timestamp",
    "current_user",
    "session_user",
    "current_setting",
    "lower",
    "upper",
    "length",
    "md5",
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "concat",
    "jsonb_build_object",
    "jsonb_build_array",
    "json_build_object",
    "json_build_array",
    "to_jsonb",
    "array",
    "make_interval",
    "date_trunc",
    "timezone",
];

/// Classifies a default expression by the function calls in its tokens (a word followed by
/// `(`): the first volatile one, else the first unknown one, else constant. Both readers
/// use it: the AST's default expression, printed, and the token reader's default tokens.
pub fn classify_default(t: &[crate::sqltext::Token]) -> DefaultExpr {
    let mut unknown = None;
    for (i, w) in t.iter().enumerate() {
        if w.kind != crate::sqltext::TokenKind::Word
            || !t.get(i + 1).is_some_and(|p| p.is_punct('('))
        {
            continue;
        }
        // A cast's type (`numeric(10, 2)`, `varchar(8)`) is not a call.
        if i > 0 && t[i - 1].is_punct(':') {
            continue;
        }
        let name = w.text.to_ascii_lowercase();
        if VOLATILE.contains(&name.as_str()) {
            return DefaultExpr::Volatile(name);
        }
        if !NOT_VOLATILE.contains(&name.as_str()) && unknown.is_none() {
            unknown = Some(name);
        }
    }
    unknown.map_or(DefaultExpr::Constant, DefaultExpr::Unknown)
}

/// The shape of one statement's text, and whether sqlparser parsed it (`false`: the token
/// reader's).
pub fn of(text: &str, tokens: &[crate::sqltext::Token]) -> (Shape, bool) {
    match ast::shape(text) {
        Some(shape) => (shape, true),
        None => (tokens::shape(tokens), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqltext;

    fn default_of(sql: &str) -> DefaultExpr {
        classify_default(&sqltext::tokens(sql))
    }

    #[test]
    fn defaults_are_classified_by_their_calls() {
        assert_eq!(default_of("0"), DefaultExpr::Constant);
        assert_eq!(default_of("now()"), DefaultExpr::Constant);
        assert_eq!(default_of("'x'::varchar(8)"), DefaultExpr::Constant);
        assert_eq!(
            default_of("md5(random()::text)"),
            DefaultExpr::Volatile("random".into())
        );
        assert_eq!(
            default_of("make_code(8)"),
            DefaultExpr::Unknown("make_code".into())
        );
    }

    /// The corpus and every canonical PostgreSQL migration, statement by statement: where
    /// sqlparser parses a statement, the token reader (when it knows the statement) reads
    /// the same shape, so the fallback is a faithful stand-in.
    #[test]
    fn the_two_readers_agree_where_both_read() {
        let mut compared = 0;
        for (path, sql) in super::super::parse_rate::postgres_sources() {
            for s in sqltext::split(&sql) {
                let text = s.text(&sql);
                let t = sqltext::tokens(text);
                let Some(from_ast) = ast::shape(text) else {
                    continue;
                };
                let from_tokens = tokens::shape(&t);
                if from_tokens == Shape::Unknown {
                    continue;
                }
                assert_eq!(from_ast, from_tokens, "{path}: {text}");
                compared += 1;
            }
        }
        assert!(compared > 100, "{compared}");
    }

    /// Deep nesting is an error of the parser (its recursion limit), not a stack overflow.
    #[test]
    fn deeply_nested_defaults_do_not_crash_the_parse() {
        let deep = format!(
            "ALTER TABLE t ADD COLUMN c int DEFAULT {}1{};",
            "(".repeat(20_000),
            ")".repeat(20_000)
        );
        let t = sqltext::tokens(&deep);
        let (shape, parsed) = of(&deep, &t);
        assert!(!parsed);
        assert!(matches!(shape, Shape::AlterTable { .. }), "{shape:?}");
    }

    const FRAGMENTS: &[&str] = &[
        "ALTER TABLE ",
        "ONLY ",
        "\"user\" ",
        "t ",
        "public.",
        "ADD ",
        "COLUMN ",
        "IF NOT EXISTS ",
        "CONSTRAINT ",
        "c ",
        "CHECK ",
        "UNIQUE ",
        "PRIMARY KEY ",
        "FOREIGN KEY ",
        "REFERENCES ",
        "USING INDEX ",
        "NOT VALID ",
        "VALIDATE CONSTRAINT ",
        "DEFAULT ",
        "random()",
        "now()",
        "f(",
        "GENERATED ALWAYS AS ",
        "IDENTITY ",
        "STORED ",
        "bigserial ",
        "NOT NULL ",
        "SET NOT NULL ",
        "TYPE ",
        "SET DATA TYPE ",
        "RENAME ",
        "TO ",
        "DROP ",
        "INDEX ",
        "CONCURRENTLY ",
        "IF EXISTS ",
        "REINDEX ",
        "TRUNCATE ",
        "CASCADE ",
        "CREATE ",
        "TABLE ",
        "ON ",
        "BEGIN ",
        "COMMIT ",
        "(",
        ")",
        ",",
        ";",
        "'x'",
        "::",
        "int ",
        "*",
    ];

    fn lintish() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            5 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
            1 => crate::sqltext::props::text(),
        ];
        prop::collection::vec(piece, 0..32).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(crate::sqltext::props::config())]

        /// Both readers and every statement rule, on DDL-shaped garbage: no panic.
        #[test]
        fn lint_readers_and_rules_never_panic(sql in lintish()) {
            for s in super::super::Statement::all_of(crate::catalog::Dialect::Postgres, &sql, &sqltext::split(&sql)) {
                let _ = tokens::shape(&s.tokens);
                for (_, check) in super::super::LINTS {
                    if let super::super::Check::Statement(check) = check {
                        let _ = check(&s);
                    }
                }
            }
        }
    }
}
