//! `missing-extension` (error, PostgreSQL): a column default of the canonical schema calls
//! `gen_random_uuid()`, the server is older than PostgreSQL 13, and `pgcrypto` (which
//! provides it there) is not installed: inserting a row without an id fails.
//!
//! From PostgreSQL 13 on, `gen_random_uuid()` is part of the core server and needs no
//! extension, so nothing is reported there.

use super::{Context, Found};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "missing-extension",
    severity: Severity::Error,
    summary: "`gen_random_uuid()` defaults need `pgcrypto` before PostgreSQL 13 (core from 13 on: not reported)",
    dialects: POSTGRES,
    scope: Scope::Check,
};

/// The first version with `gen_random_uuid()` in core.
const CORE_FROM: i32 = 130_000;

pub fn check(ctx: &Context) -> Vec<Found> {
    let Some(version) = ctx.live.server_version else {
        return Vec::new();
    };
    if version >= CORE_FROM || ctx.live.extensions.iter().any(|e| e == "pgcrypto") {
        return Vec::new();
    }
    let users: Vec<String> = ctx
        .expected
        .tables
        .iter()
        .flat_map(|t| {
            t.details
                .iter()
                .filter(|c| {
                    c.default
                        .as_deref()
                        .is_some_and(|d| d.contains("gen_random_uuid("))
                })
                .map(move |c| format!("{}.{}", t.name, c.name))
        })
        .collect();
    if users.is_empty() {
        return Vec::new();
    }
    vec![Found {
        table: None,
        object: "pgcrypto".into(),
        message: format!(
            "PostgreSQL {}.{} has gen_random_uuid() only from pgcrypto (core from 13 on), which is not installed: the defaults of {} fail",
            version / 10_000,
            version % 10_000 / 100,
            users.join(", ")
        ),
        fix: Some("CREATE EXTENSION IF NOT EXISTS pgcrypto;".into()),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Dialect;
    use crate::checks::testkit::*;
    use crate::model::inventory::Column;

    #[test]
    fn pgcrypto_is_needed_before_13_only() {
        let mut expected = inv(vec![idx("i", "users", &["id"])], vec![]);
        expected.tables[0].details = vec![Column {
            name: "id".into(),
            default: Some("gen_random_uuid()".into()),
            ..Column::default()
        }];
        let mut live = expected.clone();
        live.server_version = Some(120_017);
        let found = check(&ctx(Dialect::Postgres, &live, &expected));
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("PostgreSQL 12.0") && found[0].message.contains("users.id"));
        live.extensions = vec!["pgcrypto".into()];
        assert!(check(&ctx(Dialect::Postgres, &live, &expected)).is_empty());
        live.extensions.clear();
        live.server_version = Some(150_004);
        assert!(check(&ctx(Dialect::Postgres, &live, &expected)).is_empty());
    }
}
