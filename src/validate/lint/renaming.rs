//! `renaming` (warning): `ALTER TABLE ... RENAME [COLUMN] ... TO ...` or `ALTER TABLE ...
//! RENAME TO ...` on a table an earlier version created.
//!
//! What it catches: renaming a column or a table that exists.
//!
//! Why it hurts: the application version still running uses the old name; every query of
//! it that names the column or table fails from the commit on, until the new version is out.
//!
//! The safe rewrite: expand and contract: add the new column (or a view with the new name),
//! write both from the application, backfill, switch the reads, and drop the old name in a
//! later release.

use super::{Action, Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "renaming",
    severity: Severity::Warning,
    summary: "lint: `RENAME COLUMN` / `RENAME TO` of an existing table: the running application's queries fail",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let Some((table, actions)) = s.altered_existing() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in actions {
        let what = match a {
            Action::RenameTable => format!("table {table}"),
            Action::RenameColumn { column } => format!("column {table}.{column}"),
            _ => continue,
        };
        out.push(Found {
            table: None,
            object: what.clone(),
            message: format!("renaming {what} breaks every query of the running application that names it"),
            fix: Some("expand and contract: add the new name beside the old one, move the application over, drop the old name in a later release".to_string()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    #[test]
    fn unsafe_and_safe() {
        assert_eq!(
            hits(check, "ALTER TABLE messages RENAME COLUMN body TO text;").len(),
            1
        );
        assert_eq!(
            hits(check, "ALTER TABLE messages RENAME TO posts;").len(),
            1
        );
        assert!(hits(check, "ALTER TABLE messages ADD COLUMN text_v2 text;").is_empty());
        assert!(hits(
            check,
            "CREATE TABLE t (a int); ALTER TABLE t RENAME a TO b;"
        )
        .is_empty());
    }
}
