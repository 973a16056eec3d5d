//! `foreign-keys-off` (error, SQLite): foreign keys are not being enforced.
//!
//! SQLite enforces foreign keys only on connections that run `PRAGMA foreign_keys = ON`,
//! and the setting lives in each connection, not in the database file. With it off, inserts
//! of dangling references succeed and `ON DELETE CASCADE` / `SET NULL` silently do nothing.
//!
//! chatdb turns the pragma on for every connection it opens (and refuses to run when it
//! will not stay on), so reading the pragma on chatdb's own connection says nothing about
//! the applications. What the file can show is the *trace* of a connection that wrote with
//! the pragma off: rows that violate a foreign key, which SQLite would have refused (or
//! cascaded away) with it on. So this rule fires for
//! - the connection that read the database having foreign keys off (cannot happen through
//!   chatdb, kept so the model stays honest), and
//! - each foreign key that `PRAGMA foreign_key_check` finds violated, with the row count.
//!
//! A database whose applications never turn the pragma on but have not yet left a dangling
//! row cannot be told apart from a healthy one; the README says so.

use super::{fix, Context, Found};
use crate::finding::{Rule, Scope, Severity, SQLITE};

pub const RULE: Rule = Rule {
    id: "foreign-keys-off",
    severity: Severity::Error,
    summary: "rows that violate a foreign key: proof that a connection wrote with `PRAGMA foreign_keys` off (see below)",
    dialects: SQLITE,
    scope: Scope::Check,
};

pub fn check(ctx: &Context) -> Vec<Found> {
    let Some(facts) = &ctx.live.sqlite else {
        return Vec::new();
    };
    let mut found = Vec::new();
    if !facts.foreign_keys_on {
        found.push(Found {
            table: None,
            object: "PRAGMA foreign_keys".into(),
            message: "foreign keys are off on this connection: dangling references are accepted and ON DELETE actions do nothing".into(),
            fix: Some("PRAGMA foreign_keys = ON;  -- on every connection, right after opening it".into()),
        });
    }
    for v in &facts.violations {
        let table = fix::ident(&v.table);
        found.push(Found {
            table: Some(v.table.clone()),
            object: format!("{}({}) -> {}", v.table, v.columns.join(", "), v.ref_table),
            message: format!(
                "{} row(s) of {} reference missing {} rows: some connection wrote with PRAGMA foreign_keys off, so the key was not enforced and its ON DELETE action did not run",
                v.rows, v.table, v.ref_table
            ),
            fix: Some(format!(
                "PRAGMA foreign_keys = ON;  -- on every application connection, right after opening it\n-- then repair or delete the dangling rows:\nSELECT * FROM {table} WHERE rowid IN (SELECT rowid FROM pragma_foreign_key_check('{}'));",
                v.table.replace('\'', "''")
            )),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Dialect;
    use crate::checks::testkit::*;
    use crate::model::inventory::{FkViolation, SqliteFacts};

    #[test]
    fn violations_are_reported_per_foreign_key() {
        let mut live = inv(vec![], vec![]);
        live.sqlite = Some(SqliteFacts {
            foreign_keys_on: true,
            has_stat1: true,
            violations: vec![FkViolation {
                table: "messages".into(),
                ref_table: "chat_rooms".into(),
                columns: vec!["room_id".into()],
                rows: 2,
            }],
            ..SqliteFacts::default()
        });
        let expected = inv(vec![], vec![]);
        let found = check(&ctx(Dialect::Sqlite, &live, &expected));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object, "messages(room_id) -> chat_rooms");
        assert!(found[0].message.starts_with("2 row(s) of messages"));
    }

    #[test]
    fn a_connection_with_the_pragma_off_is_reported_and_a_clean_one_is_not() {
        let mut live = inv(vec![], vec![]);
        live.sqlite = Some(SqliteFacts {
            foreign_keys_on: false,
            ..SqliteFacts::default()
        });
        let expected = inv(vec![], vec![]);
        assert_eq!(check(&ctx(Dialect::Sqlite, &live, &expected)).len(), 1);
        live.sqlite = Some(SqliteFacts {
            foreign_keys_on: true,
            ..SqliteFacts::default()
        });
        assert!(check(&ctx(Dialect::Sqlite, &live, &expected)).is_empty());
    }
}
