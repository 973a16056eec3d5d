//! `no-transaction-idempotent` (error): a statement of a `-- chatdb:no-transaction`
//! migration that is not known to be safe to run twice.
//!
//! What it catches: in a migration that PostgreSQL runs statement by statement outside a
//! transaction, a `CREATE` without `IF NOT EXISTS`, a `DROP` without `IF EXISTS`, an index
//! without a name, `ADD COLUMN` without `IF NOT EXISTS`, `ADD CONSTRAINT`, a `RENAME`, a data
//! change, or any statement chatdb does not know to be repeatable.
//!
//! Why it hurts: outside a transaction nothing is rolled back. When such a migration fails
//! or is killed halfway, the statements before the failure stay done and its history row is
//! not written; the way forward is to run `chatdb migrate` again, which runs the whole file
//! again. A statement that fails the second time (`relation already exists`) leaves the
//! migration stuck, and an unnamed `CREATE INDEX CONCURRENTLY` builds a duplicate each time.
//!
//! The safe rewrite: `CREATE INDEX CONCURRENTLY IF NOT EXISTS "name" ON ...`,
//! `DROP INDEX CONCURRENTLY IF EXISTS "name"`, `ADD COLUMN IF NOT EXISTS`; a constraint or a
//! rename goes in an ordinary (transactional) migration. A statement that is harmless when
//! repeated can be allowed with `-- chatdb:allow no-transaction-idempotent: why`.

use super::{Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "no-transaction-idempotent",
    severity: Severity::Error,
    summary: "lint: a statement of a `-- chatdb:no-transaction` migration that is not idempotent (`CREATE` without `IF NOT EXISTS`, `DROP` without `IF EXISTS`, an unnamed index, `ADD CONSTRAINT`, `RENAME`, a data change): a failed run is finished by running the file again",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    if !s.no_transaction {
        return Vec::new();
    }
    let Some(why) = crate::online::not_idempotent_tokens(&s.tokens) else {
        return Vec::new();
    };
    let head: Vec<&str> = s.tokens.iter().take(4).map(|t| t.text.as_str()).collect();
    vec![Found {
        table: None,
        object: format!("statement {}", head.join(" ")),
        message: format!(
            "not idempotent in a no-transaction migration (a failed or killed run is finished by running the file again): {why}"
        ),
        fix: Some(why),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    const MARK: &str = "-- chatdb:no-transaction\n";

    #[test]
    fn unsafe_statements_of_a_no_transaction_file_are_found() {
        let sql = format!("{MARK}CREATE INDEX CONCURRENTLY messages_room ON messages (room_id);");
        let found = hits(check, &sql);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .fix
                .as_deref()
                .is_some_and(|f| f.contains("IF NOT EXISTS")),
            "{:?}",
            found[0]
        );
    }

    #[test]
    fn safe_statements_and_transactional_files_pass() {
        let safe = format!(
            "{MARK}CREATE INDEX CONCURRENTLY IF NOT EXISTS messages_room ON messages (room_id);\nDROP INDEX CONCURRENTLY IF EXISTS old_room;"
        );
        assert!(hits(check, &safe).is_empty());
        let transactional = "CREATE INDEX messages_room ON messages (room_id);";
        assert!(
            hits(check, transactional).is_empty(),
            "only no-transaction files"
        );
    }
}
