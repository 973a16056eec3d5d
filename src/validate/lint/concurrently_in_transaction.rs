//! `concurrently-in-transaction` (error): `CREATE INDEX CONCURRENTLY`, `DROP INDEX
//! CONCURRENTLY` or `REINDEX ... CONCURRENTLY` in an ordinary migration.
//!
//! What it catches: a `CONCURRENTLY` statement in a migration without the
//! `-- chatdb:no-transaction` first line.
//!
//! Why it hurts: chatdb runs an ordinary migration inside the migrate transaction, and
//! PostgreSQL refuses these statements there (`25001: ... cannot run inside a transaction
//! block`): `migrate` fails on them, and `validate` only sees that when given a server.
//!
//! The safe rewrite: move the statement to a migration of its own whose first line is
//! `-- chatdb:no-transaction` (`chatdb new NAME --no-transaction`), written idempotently:
//! `CREATE INDEX CONCURRENTLY IF NOT EXISTS "name" ON ...`.

use super::{Found, Shape, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "concurrently-in-transaction",
    severity: Severity::Error,
    summary: "lint: `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY` or `REINDEX ... CONCURRENTLY` in a migration without the `-- chatdb:no-transaction` first line (PostgreSQL refuses it in the migrate transaction)",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    if s.no_transaction {
        return Vec::new();
    }
    let concurrent = match &s.shape {
        Shape::CreateIndex(i) => i.concurrently,
        Shape::DropIndex { concurrently, .. } | Shape::Reindex { concurrently, .. } => {
            *concurrently
        }
        _ => false,
    };
    if !concurrent {
        return Vec::new();
    }
    let head: Vec<&str> = s.tokens.iter().take(4).map(|x| x.text.as_str()).collect();
    vec![Found {
        table: None,
        object: format!("statement {}", head.join(" ")),
        message: format!(
            "{} cannot run inside the migrate transaction (PostgreSQL 25001)",
            head.join(" ")
        ),
        fix: Some("move it to a migration of its own that starts with `-- chatdb:no-transaction` (chatdb new NAME --no-transaction), written with IF NOT EXISTS / IF EXISTS".to_string()),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    #[test]
    fn concurrently_outside_a_no_transaction_file_is_found() {
        for bad in [
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);",
            "CREATE UNIQUE INDEX CONCURRENTLY i ON t (a);",
            "DROP INDEX CONCURRENTLY IF EXISTS i;",
            "REINDEX INDEX CONCURRENTLY i;",
        ] {
            assert_eq!(hits(check, bad).len(), 1, "{bad}");
        }
    }

    #[test]
    fn concurrently_in_a_no_transaction_file_and_plain_builds_pass() {
        let ok = "-- chatdb:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);";
        assert!(hits(check, ok).is_empty());
        assert!(hits(check, "CREATE INDEX i ON t (a);").is_empty());
        assert!(hits(check, "REINDEX INDEX i;").is_empty());
    }
}
