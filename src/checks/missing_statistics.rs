//! `missing-statistics` (info, SQLite): the database has indexes but no `sqlite_stat1`.
//!
//! Without it SQLite's planner assumes every index is equally selective and can pick a poor
//! one once tables grow. `ANALYZE` writes the table; `PRAGMA optimize` (run periodically,
//! or when connections close) keeps it current cheaply.

use super::{Context, Found};
use crate::finding::{Rule, Scope, Severity, SQLITE};

pub const RULE: Rule = Rule {
    id: "missing-statistics",
    severity: Severity::Info,
    summary: "no `sqlite_stat1`: `ANALYZE` has never run",
    dialects: SQLITE,
    scope: Scope::Check,
};

pub fn check(ctx: &Context) -> Vec<Found> {
    match &ctx.live.sqlite {
        Some(facts) if !facts.has_stat1 && !ctx.live.indexes.is_empty() => vec![Found {
            table: None,
            object: "sqlite_stat1".into(),
            message: "no planner statistics (ANALYZE has never run): SQLite guesses how selective each index is".into(),
            fix: Some("ANALYZE;  -- then keep them current with PRAGMA optimize; from the application".into()),
        }],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Dialect;
    use crate::checks::testkit::*;
    use crate::model::inventory::SqliteFacts;

    #[test]
    fn a_hint_when_sqlite_stat1_is_missing() {
        let mut live = inv(vec![idx("i", "t", &["a"])], vec![]);
        live.sqlite = Some(SqliteFacts {
            foreign_keys_on: true,
            ..SqliteFacts::default()
        });
        let expected = inv(vec![], vec![]);
        assert_eq!(check(&ctx(Dialect::Sqlite, &live, &expected)).len(), 1);
        if let Some(f) = live.sqlite.as_mut() {
            f.has_stat1 = true;
        }
        assert!(check(&ctx(Dialect::Sqlite, &live, &expected)).is_empty());
    }
}
