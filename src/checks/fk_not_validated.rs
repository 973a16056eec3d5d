//! `fk-not-validated` (warning, PostgreSQL): a foreign key added `NOT VALID` and never
//! validated.
//!
//! `NOT VALID` is the right way to add a key to a big table without a long lock, but it is
//! half a job: new rows are checked, the rows already there never were, so dangling
//! references may exist and the planner cannot rely on the key. `VALIDATE CONSTRAINT`
//! finishes it while holding only a SHARE UPDATE EXCLUSIVE lock (reads and writes go on).

use super::{fix, Context, Found};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "fk-not-validated",
    severity: Severity::Warning,
    summary: "a foreign key added `NOT VALID` and never validated: the rows that existed then were never checked",
    dialects: POSTGRES,
    scope: Scope::Check,
};

pub fn check(ctx: &Context) -> Vec<Found> {
    ctx.live
        .foreign_keys
        .iter()
        .filter(|fk| !fk.validated)
        .map(|fk| Found {
            table: Some(fk.table.clone()),
            object: fk.label(),
            message: format!(
                "{} was added NOT VALID and never validated: rows that existed then were never checked against {}",
                fk.shape(),
                fk.ref_table
            ),
            fix: Some(format!(
                "ALTER TABLE {} VALIDATE CONSTRAINT {};",
                fix::qualified(ctx, &fk.table),
                fix::ident(&fk.label())
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Dialect;
    use crate::checks::testkit::*;
    use crate::model::inventory::FkAction;

    #[test]
    fn unvalidated_keys_are_reported_with_validate_constraint() {
        let mut key = fk("messages", &["room_id"], "rooms", FkAction::Cascade);
        key.validated = false;
        let live = inv(
            vec![],
            vec![key, fk("messages", &["sender_id"], "users", FkAction::SetNull)],
        );
        let expected = inv(vec![], vec![]);
        let found = check(&ctx(Dialect::Postgres, &live, &expected));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].fix.as_deref(),
            Some("ALTER TABLE public.messages VALIDATE CONSTRAINT messages_room_id_fkey;")
        );
    }
}
