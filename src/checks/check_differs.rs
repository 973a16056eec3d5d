//! `check-differs` (error): the CHECK constraints of a table both have differ from the
//! canonical schema's. CHECKs are compared by their normalised definition, never by name
//! (case, spacing, the parentheses and `::text` casts PostgreSQL's deparser adds are no
//! difference): a canonical CHECK no live CHECK matches is missing, a live one no
//! canonical CHECK matches is extra, and a missing and an extra one of the same name are
//! one finding, "defined otherwise".
//!
//! PostgreSQL adds a CHECK `NOT VALID` and validates it after (the scan then holds only a
//! SHARE UPDATE EXCLUSIVE lock); SQLite rebuilds the table.

use super::{ddl, same, Context, Found};
use crate::catalog::Dialect;
use crate::finding::{Rule, Scope, Severity, BOTH};
use crate::model::inventory::CheckConstraint;

pub const RULE: Rule = Rule {
    id: "check-differs",
    severity: Severity::Error,
    summary: "a CHECK constraint is missing, extra or defined otherwise (compared by normalised definition, not name)",
    dialects: BOTH,
    scope: Scope::Check,
};

pub fn check(ctx: &Context) -> Vec<Found> {
    let mut found = Vec::new();
    for e in &ctx.expected.tables {
        let Some(live) = ctx.live.table(&e.name) else {
            continue;
        };
        let matches = |a: &CheckConstraint, b: &CheckConstraint| {
            same::check_form(&a.expression) == same::check_form(&b.expression)
        };
        let missing: Vec<&CheckConstraint> = e
            .checks
            .iter()
            .filter(|c| !live.checks.iter().any(|l| matches(c, l)))
            .collect();
        let extra: Vec<&CheckConstraint> = live
            .checks
            .iter()
            .filter(|l| !e.checks.iter().any(|c| matches(c, l)))
            .collect();
        let t = e.name.as_str();
        let mut push = |object: &str, message: String, pg: String| {
            let fix = match ctx.dialect {
                Dialect::Postgres => pg,
                Dialect::Sqlite => ddl::sqlite_rebuild(ctx, t, &message),
            };
            found.push(Found {
                table: Some(t.to_string()),
                object: object.to_string(),
                message,
                fix: Some(fix),
            });
        };
        for m in &missing {
            match extra.iter().find(|x| x.name == m.name) {
                Some(x) => push(
                    &m.name,
                    format!(
                        "{t}: CHECK {} is defined as {} (canonical: {})",
                        m.name, x.expression, m.expression
                    ),
                    format!(
                        "{}\n{}",
                        ddl::drop_constraint(ctx, t, &x.name),
                        ddl::add_check(ctx, t, m)
                    ),
                ),
                None => push(
                    &m.name,
                    format!(
                        "{t}: the canonical schema at V{} has {} ({}); the database has no CHECK of that definition",
                        ctx.version, m.name, m.expression
                    ),
                    ddl::add_check(ctx, t, m),
                ),
            }
        }
        for x in extra
            .iter()
            .filter(|x| !missing.iter().any(|m| m.name == x.name))
        {
            push(
                &x.name,
                format!(
                    "{t}: {} ({}) is not in the canonical schema at V{}",
                    x.name, x.expression, ctx.version
                ),
                ddl::drop_constraint(ctx, t, &x.name),
            );
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;

    fn with(checks: &[(&str, &str)]) -> crate::model::inventory::Inventory {
        let mut m = inv(vec![idx("i", "problems", &["id"])], vec![]);
        m.tables[0].checks = checks
            .iter()
            .map(|(n, x)| CheckConstraint {
                name: (*n).into(),
                expression: (*x).into(),
                ..CheckConstraint::default()
            })
            .collect();
        m
    }

    #[test]
    fn checks_compare_by_definition_not_name() {
        let e = with(&[("p_check", "CHECK ((difficulty >= 1) AND (difficulty <= 5))")]);
        let renamed = with(&[("other", "CHECK (difficulty >= 1 AND difficulty <= 5)")]);
        assert!(check(&ctx(Dialect::Postgres, &renamed, &e)).is_empty());
        let other = with(&[("p_check", "CHECK (difficulty BETWEEN 1 AND 10)")]);
        let found = check(&ctx(Dialect::Postgres, &other, &e));
        assert_eq!(found.len(), 1, "{found:?}");
        let fix = found[0].fix.as_deref().unwrap_or_default();
        assert!(fix.starts_with("ALTER TABLE public.problems DROP CONSTRAINT p_check;"), "{fix}");
        assert!(fix.contains("ADD CONSTRAINT p_check CHECK ((difficulty >= 1) AND (difficulty <= 5)) NOT VALID;"), "{fix}");
        assert!(fix.ends_with("VALIDATE CONSTRAINT p_check;"), "{fix}");
        let none = with(&[]);
        assert_eq!(check(&ctx(Dialect::Postgres, &none, &e)).len(), 1);
        assert_eq!(check(&ctx(Dialect::Postgres, &e, &none)).len(), 1);
    }
}
