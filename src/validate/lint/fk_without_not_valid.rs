//! `fk-without-not-valid` (warning): `ALTER TABLE ... ADD [CONSTRAINT ...] FOREIGN KEY`
//! without `NOT VALID`, on a table an earlier version created.
//!
//! What it catches: a foreign key added to an existing table and validated at once.
//!
//! Why it hurts: adding a foreign key checks every existing row while holding a SHARE ROW
//! EXCLUSIVE lock on both tables: writes to either wait for the whole scan.
//!
//! The safe rewrite: `NOT VALID` adds the key at once (new rows are checked from then on);
//! `ALTER TABLE ... VALIDATE CONSTRAINT` checks the old rows later under a lock that lets
//! reads and writes go on. One `migrate` run applies its pending transactional migrations in
//! one transaction, which keeps every lock to the end, so put the VALIDATE in a
//! no-transaction migration (`-- chatdb:no-transaction`: the migrations before it commit
//! first), or in one a later `migrate` run applies (`not-valid-and-validate-in-one-transaction`
//! flags it in the same migration).

use super::{Action, ConstraintKind, Found, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};
use crate::sqltext::quote_ident;

pub const RULE: Rule = Rule {
    id: "fk-without-not-valid",
    severity: Severity::Warning,
    summary:
        "lint: `ADD FOREIGN KEY` without `NOT VALID`: scans the table while writes to both tables wait",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    let Some((table, actions)) = s.altered_existing() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in actions {
        let Action::AddConstraint {
            name,
            kind: ConstraintKind::ForeignKey { references },
            not_valid: false,
        } = a
        else {
            continue;
        };
        let label = name
            .clone()
            .unwrap_or_else(|| format!("foreign key on {table}"));
        let validate = match name {
            Some(n) => format!(
                "ALTER TABLE {} VALIDATE CONSTRAINT {};",
                quote_ident(table),
                quote_ident(n)
            ),
            None => "VALIDATE CONSTRAINT (name the key to validate it by name)".into(),
        };
        out.push(Found {
            table: None,
            object: format!("foreign key {label}"),
            message: format!(
                "adding {label} without NOT VALID checks every row of {table} while writes to {table} and {references} wait"
            ),
            fix: Some(format!(
                "add it NOT VALID, and {validate} in a migration a later `chatdb migrate` applies, or in a no-transaction migration after it"
            )),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    #[test]
    fn foreign_keys_without_not_valid_are_found() {
        let found = hits(
            check,
            "ALTER TABLE m ADD CONSTRAINT m_room_fkey FOREIGN KEY (room_id) REFERENCES rooms (id);",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object, "foreign key m_room_fkey");
        assert!(found[0].message.contains("rooms"));
        for ok in [
            "ALTER TABLE m ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES r (id) NOT VALID;",
            "ALTER TABLE m ADD CONSTRAINT c CHECK (a > 0);",
            "ALTER TABLE m VALIDATE CONSTRAINT f;",
        ] {
            assert!(hits(check, ok).is_empty(), "{ok}");
        }
    }
}
