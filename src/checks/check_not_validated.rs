//! `check-not-validated` (warning, PostgreSQL): a CHECK constraint added `NOT VALID` and
//! never validated (PgHero reports the same; `fk-not-validated` does it for foreign keys).
//!
//! New and updated rows are checked, the rows that were there never were, so rows that
//! violate it may exist. `VALIDATE CONSTRAINT` checks them holding only a SHARE UPDATE
//! EXCLUSIVE lock. A CHECK the canonical schema itself leaves `NOT VALID` (classroom's
//! v0.2 constraints, which rows written under v0.1 violate) is not reported.

use super::{fix, same, Context, Found};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "check-not-validated",
    severity: Severity::Warning,
    summary: "a CHECK constraint added `NOT VALID` and never validated (unless the canonical schema leaves it so)",
    dialects: POSTGRES,
    scope: Scope::Check,
};

pub fn check(ctx: &Context) -> Vec<Found> {
    let mut found = Vec::new();
    for t in &ctx.live.tables {
        for c in t.checks.iter().filter(|c| c.not_valid) {
            let canonical_not_valid = ctx.expected.table(&t.name).is_some_and(|e| {
                e.checks.iter().any(|x| {
                    x.not_valid && same::check_form(&x.expression) == same::check_form(&c.expression)
                })
            });
            if canonical_not_valid {
                continue;
            }
            found.push(Found {
                table: Some(t.name.clone()),
                object: c.name.clone(),
                message: format!(
                    "{} ({}) was added NOT VALID and never validated: rows that existed then were never checked",
                    c.name, c.expression
                ),
                fix: Some(format!(
                    "ALTER TABLE {} VALIDATE CONSTRAINT {};",
                    fix::qualified(ctx, &t.name),
                    fix::ident(&c.name)
                )),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Dialect;
    use crate::checks::testkit::*;
    use crate::model::inventory::CheckConstraint;

    #[test]
    fn not_valid_checks_are_reported_unless_canonical() {
        let mut e = inv(vec![idx("i", "users", &["id"])], vec![]);
        e.tables[0].checks = vec![CheckConstraint {
            name: "users_nickname_check".into(),
            expression: "CHECK (length(nickname) >= 1)".into(),
            not_valid: false,
        }];
        let mut l = e.clone();
        l.tables[0].checks[0].not_valid = true;
        let found = check(&ctx(Dialect::Postgres, &l, &e));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].fix.as_deref(),
            Some("ALTER TABLE public.users VALIDATE CONSTRAINT users_nickname_check;")
        );
        assert!(check(&ctx(Dialect::Postgres, &l, &l)).is_empty());
    }
}
