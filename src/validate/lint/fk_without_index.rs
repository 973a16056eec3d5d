//! `fk-without-index` (error): a foreign key that no index serves, in the schema the
//! migrations build (so a key added in any version counts, not only in later ones).
//!
//! Deleting or updating a referenced row makes PostgreSQL look up the referencing rows by
//! the key's columns: without an index that leads with them, every such delete scans the
//! whole referencing table, and an ON DELETE CASCADE chain multiplies that. chatdb's
//! canonical schemas index every key at their latest version; an index that covers the key
//! is what `chatdb check` also looks for (the same [`crate::checks::covers`] test). The
//! finding points at the statement that declares the key.

use super::{Check, Hit, ModelHit, Parsed, Rule};
use crate::checks::{covers, Severity};
use crate::model::inventory::Inventory;
use crate::sqltext;

pub const RULE: Rule = Rule {
    id: "fk-without-index",
    severity: Severity::Error,
    summary: "a foreign key with no index leading with its columns makes deletes of the referenced rows scan the table",
    check: Check::Model(check),
};

fn check(model: &Inventory, files: &[Parsed]) -> Vec<ModelHit> {
    let mut out = Vec::new();
    for fk in &model.foreign_keys {
        if model.indexes.iter().any(|i| covers(i, fk)) {
            continue;
        }
        // The primary key's own rowid is an index too (SQLite's `id INTEGER PRIMARY KEY`).
        let rowid = model
            .table(&fk.table)
            .and_then(|t| t.rowid_key.as_deref())
            .is_some_and(|k| fk.columns.len() == 1 && fk.columns[0] == k);
        if rowid {
            continue;
        }
        let (file, statement) = locate(files, fk.name.as_deref(), &fk.table, &fk.columns);
        out.push(ModelHit {
            file,
            statement,
            hit: Hit {
                object: format!("foreign key {}", fk.label()),
                message: format!(
                    "no index leads with {}({}): deleting a row of {} scans {} for its references",
                    fk.table,
                    fk.columns.join(", "),
                    fk.ref_table,
                    fk.table
                ),
                fix: format!(
                    "CREATE INDEX idx_{}_{} ON {} ({});",
                    fk.table,
                    fk.columns.join("_"),
                    fk.table,
                    fk.columns.join(", ")
                ),
            },
        });
    }
    out
}

/// The statement declaring the key: the first that names its constraint, else the first
/// `CREATE TABLE` / `ALTER TABLE` of its table with REFERENCES and the key's columns.
fn locate(files: &[Parsed], name: Option<&str>, table: &str, columns: &[String]) -> (usize, usize) {
    let mut named = None;
    let mut on_table = None;
    for (fi, p) in files.iter().enumerate() {
        for (si, s) in p.statements.iter().enumerate() {
            let toks = sqltext::tokens(s.text(&p.file.sql));
            if named.is_none() && name.is_some_and(|n| toks.iter().any(|t| t.name() == n)) {
                named = Some((fi, si));
            }
            let declares = toks.len() > 2
                && (toks[0].is("CREATE") || toks[0].is("ALTER"))
                && toks.iter().take(8).any(|t| t.name() == table)
                && toks.iter().any(|t| t.is("REFERENCES"))
                && columns.iter().all(|c| toks.iter().any(|t| &t.name() == c));
            if on_table.is_none() && declares {
                on_table = Some((fi, si));
            }
        }
    }
    named
        .or(on_table)
        .unwrap_or((files.len().saturating_sub(1), usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::MigrationFile;
    use crate::checks::testkit::{fk, idx, inv};
    use crate::model::inventory::FkAction;

    #[test]
    fn unindexed_keys_point_at_their_declaration() {
        let file = MigrationFile {
            version: 1,
            name: "a".into(),
            path: "V1__a.sql".into(),
            sql: "CREATE TABLE rooms (id int);\nCREATE TABLE messages (\n id int,\n room_id int CONSTRAINT messages_room_id_fkey REFERENCES rooms (id)\n);".into(),
        };
        let parsed = [Parsed::new(&file)];
        let model = inv(
            vec![],
            vec![fk("messages", &["room_id"], "rooms", FkAction::Cascade)],
        );
        let found = check(&model, &parsed);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].file, found[0].statement), (0, 1));
        let covered = inv(
            vec![idx("idx_m_room", "messages", &["room_id"])],
            vec![fk("messages", &["room_id"], "rooms", FkAction::Cascade)],
        );
        assert!(check(&covered, &parsed).is_empty());
    }
}
