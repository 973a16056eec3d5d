//! `missing-table` (error): a table the canonical migrations create at the applied version
//! is absent.
//!
//! The fix creates it as the canonical schema has it (columns, primary key, unique and
//! CHECK constraints, indexes); its foreign keys come from `foreign-key-differs`, after
//! every missing table exists. Findings of other rules on the table are folded into this
//! one (see [`super::run`]).

use super::{ddl, Context, Found};
use crate::finding::{Rule, Scope, Severity, BOTH};

pub const RULE: Rule = Rule {
    id: "missing-table",
    severity: Severity::Error,
    summary: "a table the canonical migrations create at the applied version is absent",
    dialects: BOTH,
    scope: Scope::Check,
};

pub fn check(ctx: &Context) -> Vec<Found> {
    ctx.expected
        .tables
        .iter()
        .filter(|t| ctx.live.table(&t.name).is_none())
        .map(|t| Found {
            table: Some(t.name.clone()),
            object: t.name.clone(),
            message: format!(
                "the canonical schema at V{} has table {} ({} columns); the database does not",
                ctx.version,
                t.name,
                t.columns.len()
            ),
            fix: Some(ddl::create_table(ctx, t)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Dialect;
    use crate::checks::testkit::*;
    use crate::model::inventory::{Column, Inventory, Table};

    #[test]
    fn a_missing_table_is_created_with_its_keys_and_quoted_name() {
        let mut expected = inv(vec![unique_constraint("user_pkey", "user", &["id"])], vec![]);
        expected.indexes[0].primary = true;
        if let Some(c) = expected.indexes[0].constraint.as_mut() {
            c.definition = "PRIMARY KEY (id)".into();
        }
        expected.tables[0].details = vec![Column {
            name: "id".into(),
            data_type: "uuid".into(),
            not_null: true,
            default: Some("gen_random_uuid()".into()),
            ..Column::default()
        }];
        let live = inv(vec![], vec![]);
        let found = check(&ctx(Dialect::Postgres, &live, &expected));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].fix.as_deref(),
            Some("CREATE TABLE public.\"user\" (\n    id uuid DEFAULT gen_random_uuid() NOT NULL,\n    CONSTRAINT user_pkey PRIMARY KEY (id)\n);")
        );
        let same = Inventory { tables: vec![Table { name: "user".into(), ..Table::default() }], ..Inventory::default() };
        assert!(check(&ctx(Dialect::Postgres, &same, &expected)).is_empty());
    }
}
