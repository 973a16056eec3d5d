//! `missing-column` (error): a column the canonical schema has at the applied version is
//! absent from a table the database has.
//!
//! PostgreSQL adds it in place (a constant default is instant since PostgreSQL 11; a
//! volatile one rewrites the table, and the fix says so). SQLite adds it with `ADD COLUMN`
//! where SQLite allows that, and rebuilds the table where it does not.

use super::{ddl, fix, Context, Found};
use crate::catalog::Dialect;
use crate::finding::{Rule, Scope, Severity, BOTH};

pub const RULE: Rule = Rule {
    id: "missing-column",
    severity: Severity::Error,
    summary: "a column the canonical schema has is absent from its table",
    dialects: BOTH,
    scope: Scope::Check,
};

/// Volatile functions a default may call: PostgreSQL computes such a default for every
/// existing row (a rewrite); any other default is stored once (PostgreSQL 11's fast default).
const VOLATILE: &[&str] = &[
    "random(",
    "gen_random_uuid(",
    "uuid_generate_",
    "nextval(",
    "clock_timestamp(",
    "timeofday(",
];

pub fn check(ctx: &Context) -> Vec<Found> {
    let mut found = Vec::new();
    for e in &ctx.expected.tables {
        let Some(live) = ctx.live.table(&e.name) else {
            continue;
        };
        for c in e.details.iter().filter(|c| !live.columns.contains(&c.name)) {
            let fix = match ctx.dialect {
                Dialect::Postgres => {
                    let volatile = c.default.as_deref().is_some_and(|d| {
                        VOLATILE.iter().any(|f| d.to_ascii_lowercase().contains(f))
                    }) || c.generated.is_some();
                    let warn = if volatile {
                        format!("-- the default is computed per row: this rewrites {} under an ACCESS EXCLUSIVE lock\n", e.name)
                    } else {
                        String::new()
                    };
                    format!(
                        "{warn}ALTER TABLE {} ADD COLUMN {};",
                        fix::qualified(ctx, &e.name),
                        ddl::pg_column(c)
                    )
                }
                Dialect::Sqlite => match ddl::sqlite_column(e, &c.name) {
                    Some(def) if ddl::sqlite_can_add(&def, c) => {
                        format!("ALTER TABLE {} ADD COLUMN {def};", fix::ident(&e.name))
                    }
                    _ => ddl::sqlite_rebuild(
                        ctx,
                        &e.name,
                        &format!("column {} cannot be added with ADD COLUMN", c.name),
                    ),
                },
            };
            found.push(Found {
                table: Some(e.name.clone()),
                object: c.name.clone(),
                message: format!(
                    "the canonical schema at V{} has column {}.{} ({}{}); the database does not",
                    ctx.version,
                    e.name,
                    c.name,
                    c.data_type,
                    if c.not_null { " NOT NULL" } else { "" }
                ),
                fix: Some(fix),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::model::inventory::Column;

    fn col(name: &str, ty: &str) -> Column {
        Column {
            name: name.into(),
            data_type: ty.into(),
            ..Column::default()
        }
    }

    #[test]
    fn a_missing_column_is_added() {
        let mut expected = inv(vec![idx("i", "messages", &["id"])], vec![]);
        expected.tables[0].columns = vec!["id".into(), "moderated".into()];
        expected.tables[0].details = vec![col("id", "integer"), col("moderated", "boolean")];
        expected.tables[0].details[1].default = Some("false".into());
        expected.tables[0].details[1].not_null = true;
        let mut live = expected.clone();
        live.tables[0].columns.pop();
        live.tables[0].details.pop();
        let found = check(&ctx(Dialect::Postgres, &live, &expected));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].fix.as_deref(),
            Some("ALTER TABLE public.messages ADD COLUMN moderated boolean DEFAULT false NOT NULL;")
        );
        assert!(check(&ctx(Dialect::Postgres, &expected, &expected)).is_empty());
    }
}
