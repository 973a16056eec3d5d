//! `not-valid-and-validate-in-one-transaction` (warning): `ALTER TABLE ... ADD CONSTRAINT
//! name ... NOT VALID` and `ALTER TABLE ... VALIDATE CONSTRAINT name` in the same
//! transactional migration.
//!
//! What it catches: a constraint added `NOT VALID` and validated a few statements later, in
//! a migration chatdb runs in one transaction.
//!
//! Why it hurts: `NOT VALID` exists so that the ADD takes its ACCESS EXCLUSIVE (CHECK) or
//! SHARE ROW EXCLUSIVE (FOREIGN KEY) lock only for a moment, and the VALIDATE scans the rows
//! later under a SHARE UPDATE EXCLUSIVE lock that lets reads and writes go on. In one
//! transaction the ADD's lock is held until the commit, so the VALIDATE's whole scan runs
//! under it: every query on the table waits, exactly as without `NOT VALID`.
//!
//! The safe rewrite: keep the `ADD ... NOT VALID` here, and move the `VALIDATE CONSTRAINT`
//! to a migration of its own whose first line is `-- chatdb:no-transaction` (`chatdb new
//! NAME --no-transaction`): `migrate` commits the transactional migrations before it first,
//! then runs the VALIDATE outside any transaction. (A VALIDATE in a later *transactional*
//! migration is only safe when a later `migrate` run applies it: one run applies all
//! pending transactional migrations in one transaction, which the lint cannot know.)

use super::{Action, Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};
use crate::sqltext::quote_ident;

pub const RULE: Rule = Rule {
    id: "not-valid-and-validate-in-one-transaction",
    severity: Severity::Warning,
    summary: "lint: `ADD CONSTRAINT ... NOT VALID` and its `VALIDATE CONSTRAINT` in one transactional migration: the scan runs under the ADD's lock",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    if s.no_transaction {
        return Vec::new();
    }
    let super::Shape::AlterTable { table, actions } = &s.shape else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in actions {
        let Action::ValidateConstraint { name } = a else {
            continue;
        };
        if !s.not_valid_here.contains(&format!("{table}.{name}")) {
            continue;
        }
        out.push(Found {
            table: None,
            object: format!("constraint {name}"),
            message: format!(
                "{name} is added NOT VALID and validated in the same transaction: the VALIDATE scans {table} while the ADD's lock still blocks every query on it"
            ),
            fix: Some(format!(
                "move ALTER TABLE {} VALIDATE CONSTRAINT {}; to a migration of its own that starts with `-- chatdb:no-transaction` (chatdb new NAME --no-transaction)",
                quote_ident(table),
                quote_ident(name)
            )),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    const ADD: &str =
        "ALTER TABLE messages ADD CONSTRAINT body_len CHECK (length(body) < 4000) NOT VALID;\n";

    #[test]
    fn validate_after_not_valid_in_one_transaction_is_found() {
        let found = hits(
            check,
            &format!("{ADD}ALTER TABLE messages VALIDATE CONSTRAINT body_len;"),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0]
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("VALIDATE CONSTRAINT \"body_len\";")));
    }

    #[test]
    fn validate_alone_or_outside_a_transaction_passes() {
        assert!(hits(check, "ALTER TABLE messages VALIDATE CONSTRAINT body_len;").is_empty());
        for other in [
            "ALTER TABLE messages VALIDATE CONSTRAINT other;",
            "ALTER TABLE rooms VALIDATE CONSTRAINT body_len;",
        ] {
            assert!(hits(check, &format!("{ADD}{other}")).is_empty(), "{other}");
        }
        let outside = format!(
            "-- chatdb:no-transaction\n{ADD}ALTER TABLE messages VALIDATE CONSTRAINT body_len;"
        );
        assert!(hits(check, &outside).is_empty());
    }
}
