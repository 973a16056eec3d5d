//! PostgreSQL catalog queries for [`Inventory`](crate::model::inventory::Inventory): one query per kind of fact, each
//! covering every table of the namespace.
//!
//! Names come back unqualified: the namespace being read is stripped from definitions and
//! predicates, so that a scratch namespace and the checked one compare equal.

use anyhow::Result;

use crate::model::inventory::{
    CheckConstraint, Column, Constraint, FkAction, ForeignKey, Index, IndexColumn, Inventory,
    Sequence, Table, Usage, HISTORY_PREFIX,
};
use crate::sqltext::normalize_expr;

const TABLES: &str = "
SELECT c.relname::text, coalesce(a.attname::text, ''),
       coalesce(format_type(a.atttypid, a.atttypmod), ''),
       coalesce(a.attnotnull, false),
       pg_get_expr(d.adbin, d.adrelid, true),
       coalesce(a.attidentity::text, ''),
       coalesce(a.attgenerated::text, '')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND left(c.relname, length($2)) <> $2
ORDER BY c.relname, a.attnum";

/// Every CHECK constraint of the namespace's tables.
const CHECKS: &str = "
SELECT t.relname::text, con.conname::text, pg_get_constraintdef(con.oid, true), con.convalidated
FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE con.contype = 'c' AND n.nspname = $1 AND left(t.relname, length($2)) <> $2
ORDER BY t.relname, con.conname";

/// Every index of the namespace's tables. Key columns come back as attribute names (or the
/// deparsed expression), with the sort options from `indoption` (bit 1: DESC, bit 2:
/// NULLS FIRST); `building` asks `pg_stat_progress_create_index` whether a build of this
/// very index is running now. Per key column, last: the operator class when it is not a
/// default one (`opcdefault`: cheaper than `GetDefaultOpClass`'s type lookup, and the same
/// but for a default class of another binary-coercible type chosen by hand, such as
/// `oid_ops` on an `integer` column; see BENCHMARKS.md), and the collation (`indcollation`)
/// when it is not the column's own (for an expression: not the database default, oid 100),
/// as `pg_get_indexdef` shows them.
const INDEXES: &str = "
SELECT i.relname::text,
       t.relname::text,
       x.indisunique,
       x.indisprimary,
       x.indisvalid,
       am.amname::text,
       pg_get_expr(x.indpred, x.indrelid, true),
       ARRAY(SELECT CASE WHEN x.indkey[k - 1] = 0 THEN pg_get_indexdef(x.indexrelid, k, true)
                         ELSE (SELECT a.attname::text FROM pg_attribute a
                               WHERE a.attrelid = x.indrelid AND a.attnum = x.indkey[k - 1]) END
             FROM generate_series(1, x.indnatts::int) AS k ORDER BY k),
       ARRAY(SELECT x.indkey[k - 1] = 0 FROM generate_series(1, x.indnatts::int) AS k ORDER BY k),
       ARRAY(SELECT coalesce(x.indoption[k - 1], 0)::int4
             FROM generate_series(1, x.indnatts::int) AS k ORDER BY k),
       x.indnkeyatts::int4,
       con.conname::text,
       pg_get_constraintdef(con.oid, true),
       pg_get_indexdef(x.indexrelid),
       pg_relation_size(x.indexrelid),
       s.idx_scan,
       EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = x.indexrelid),
       ARRAY(SELECT CASE WHEN oc.opcdefault THEN NULL ELSE oc.opcname::text END
             FROM generate_series(1, x.indnkeyatts::int) AS k
             LEFT JOIN pg_opclass oc ON oc.oid = x.indclass[k - 1]
             ORDER BY k),
       ARRAY(SELECT (SELECT quote_ident(co.collname) FROM pg_collation co
                     WHERE co.oid = x.indcollation[k - 1]
                       AND co.oid <> coalesce((SELECT a.attcollation FROM pg_attribute a
                                               WHERE a.attrelid = x.indrelid
                                                 AND a.attnum = x.indkey[k - 1]), 100))
             FROM generate_series(1, x.indnkeyatts::int) AS k ORDER BY k)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = i.relam
LEFT JOIN pg_constraint con
       ON con.conindid = x.indexrelid AND con.conrelid = x.indrelid AND con.contype IN ('p', 'u', 'x')
LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = x.indexrelid
WHERE n.nspname = $1 AND t.relkind IN ('r', 'p') AND left(t.relname, length($2)) <> $2
ORDER BY t.relname, i.relname";

/// Every foreign key declared on the namespace's tables, columns in key order.
const FOREIGN_KEYS: &str = "
SELECT con.conname::text,
       t.relname::text,
       CASE WHEN rn.nspname = $1 THEN r.relname::text
            ELSE quote_ident(rn.nspname) || '.' || quote_ident(r.relname) END,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord),
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
             ORDER BY k.ord),
       con.confdeltype::text,
       con.convalidated,
       con.confupdtype::text,
       con.condeferrable,
       con.condeferred
FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class r ON r.oid = con.confrelid
JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE con.contype = 'f' AND con.conparentid = 0
  AND n.nspname = $1 AND left(t.relname, length($2)) <> $2
ORDER BY t.relname, con.conname";

/// Every sequence of the namespace, with the column that owns it (`OWNED BY`, `serial`,
/// identity).
const SEQUENCES: &str = "
SELECT c.relname::text, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
       s.seqmin, s.seqmax, s.seqcycle, t.relname::text, a.attname::text
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class t ON t.oid = d.refobjid
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE n.nspname = $1 AND left(c.relname, length($2)) <> $2
ORDER BY c.relname";

const EXTENSIONS: &str = "
SELECT extname::text, current_setting('server_version_num')::int4 FROM pg_extension ORDER BY 1";

const STATS_RESET: &str = "
SELECT to_char(stats_reset AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
FROM pg_stat_database WHERE datname = current_database()";

fn pg(what: &'static str) -> impl Fn(postgres::Error) -> anyhow::Error {
    move |e| anyhow::Error::new(crate::db::SqlError::from(e)).context(what)
}

pub fn inventory(tx: &mut postgres::Transaction<'_>, namespace: &str) -> Result<Inventory> {
    let mut inv = Inventory::default();
    // The per-index array subqueries make the planner's cost estimate huge, which makes
    // PostgreSQL JIT-compile the index query: a second of LLVM work for a query that runs
    // in milliseconds. Catalog reads never gain from JIT.
    tx.batch_execute("SET LOCAL jit = off")
        .map_err(pg("turning off JIT for the catalog queries"))?;
    let params: [&(dyn postgres::types::ToSql + Sync); 2] = [&namespace, &HISTORY_PREFIX];

    for row in tx
        .query(TABLES, &params)
        .map_err(pg("reading tables and columns"))?
    {
        let table: String = row.get(0);
        let column: String = row.get(1);
        if inv.tables.last().is_none_or(|t| t.name != table) {
            inv.tables.push(Table {
                name: table,
                ..Table::default()
            });
        }
        if let (Some(t), false) = (inv.tables.last_mut(), column.is_empty()) {
            let identity: String = row.get(5);
            let generated: String = row.get(6);
            let expression = row
                .get::<_, Option<String>>(4)
                .map(|d| strip_namespace(&d, namespace));
            let (default, generated) = if generated.is_empty() {
                (expression, None)
            } else {
                (None, expression)
            };
            t.details.push(Column {
                name: column.clone(),
                data_type: row.get(2),
                not_null: row.get(3),
                default,
                identity: match identity.as_str() {
                    "a" => Some("ALWAYS".into()),
                    "d" => Some("BY DEFAULT".into()),
                    _ => None,
                },
                generated,
            });
            t.columns.push(column);
        }
    }

    for row in tx
        .query(CHECKS, &params)
        .map_err(pg("reading CHECK constraints"))?
    {
        let table: String = row.get(0);
        if let Some(t) = inv.tables.iter_mut().find(|t| t.name == table) {
            let definition: String = row.get(2);
            let validated: bool = row.get(3);
            t.checks.push(CheckConstraint {
                name: row.get(1),
                expression: strip_namespace(&definition, namespace)
                    .trim_end_matches(" NOT VALID")
                    .to_string(),
                not_valid: !validated,
            });
        }
    }

    for row in tx.query(INDEXES, &params).map_err(pg("reading indexes"))? {
        let names: Vec<Option<String>> = row.get(7);
        let is_expr: Vec<bool> = row.get(8);
        let options: Vec<i32> = row.get(9);
        let key_count = usize::try_from(row.get::<_, i32>(10)).unwrap_or(0);
        let opclasses: Vec<Option<String>> = row.get(17);
        let collations: Vec<Option<String>> = row.get(18);
        let mut columns = Vec::new();
        let mut include = Vec::new();
        for (k, name) in names.into_iter().enumerate() {
            let name = strip_namespace(&name.unwrap_or_default(), namespace);
            if k < key_count {
                let option = options.get(k).copied().unwrap_or(0);
                columns.push(IndexColumn {
                    expression: is_expr.get(k).copied().unwrap_or(false),
                    name: if is_expr.get(k).copied().unwrap_or(false) {
                        normalize_expr(&name)
                    } else {
                        name
                    },
                    descending: option & 1 != 0,
                    // PostgreSQL's default puts NULLs first exactly when descending.
                    nulls_first: ((option & 2 != 0) != (option & 1 != 0))
                        .then_some(option & 2 != 0),
                    opclass: opclasses.get(k).cloned().flatten(),
                    collation: collations.get(k).cloned().flatten(),
                });
            } else {
                include.push(name);
            }
        }
        let constraint = row.get::<_, Option<String>>(11).map(|name| Constraint {
            name: Some(name),
            definition: strip_namespace(
                &row.get::<_, Option<String>>(12).unwrap_or_default(),
                namespace,
            ),
        });
        inv.indexes.push(Index {
            name: row.get(0),
            table: row.get(1),
            unique: row.get(2),
            primary: row.get(3),
            valid: row.get(4),
            method: row.get(5),
            predicate: row
                .get::<_, Option<String>>(6)
                .map(|p| strip_namespace(&p, namespace)),
            columns,
            include,
            constraint,
            // NULL when the index is dropped while the catalog is read (concurrent DDL).
            definition: strip_namespace(
                &row.get::<_, Option<String>>(13).unwrap_or_default(),
                namespace,
            ),
            size_bytes: row.get(14),
            scans: row.get(15),
            building: row.get(16),
        });
    }

    for row in tx
        .query(FOREIGN_KEYS, &params)
        .map_err(pg("reading foreign keys"))?
    {
        let deferrable: bool = row.get(8);
        inv.foreign_keys.push(ForeignKey {
            name: Some(row.get(0)),
            table: row.get(1),
            ref_table: row.get(2),
            columns: row.get(3),
            ref_columns: row.get(4),
            on_delete: FkAction::parse(&row.get::<_, String>(5)),
            on_update: FkAction::parse(&row.get::<_, String>(7)),
            deferrable: deferrable.then(|| row.get(9)),
            validated: row.get(6),
        });
    }

    for row in tx
        .query(SEQUENCES, &params)
        .map_err(pg("reading sequences"))?
    {
        let table: Option<String> = row.get(7);
        let column: Option<String> = row.get(8);
        inv.sequences.push(Sequence {
            name: row.get(0),
            data_type: row.get(1),
            start: row.get(2),
            increment: row.get(3),
            min: row.get(4),
            max: row.get(5),
            cycle: row.get(6),
            owned_by: table.zip(column),
        });
    }

    for row in tx
        .query(EXTENSIONS, &[])
        .map_err(pg("reading extensions"))?
    {
        inv.extensions.push(row.get(0));
        inv.server_version = Some(row.get(1));
    }

    let reset = tx
        .query_opt(STATS_RESET, &[])
        .map_err(pg("reading pg_stat_database.stats_reset"))?
        .and_then(|r| r.get::<_, Option<String>>(0));
    inv.usage = Some(Usage { stats_reset: reset });
    Ok(inv)
}

/// Removes `namespace.` / `"namespace".` qualifications (PostgreSQL's deparser qualifies
/// the table of every index definition), only where a name starts.
pub fn strip_namespace(text: &str, namespace: &str) -> String {
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$' || c == '"';
    let mut out = text.to_string();
    for prefix in [format!("\"{namespace}\"."), format!("{namespace}.")] {
        let mut result = String::with_capacity(out.len());
        let mut last = 0;
        for (pos, _) in out.match_indices(&prefix) {
            if !out[..pos].chars().last().is_some_and(ident) {
                result.push_str(&out[last..pos]);
                last = pos + prefix.len();
            }
        }
        result.push_str(&out[last..]);
        out = result;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_qualifications_are_stripped_only_at_word_boundaries() {
        assert_eq!(
            strip_namespace(
                "CREATE INDEX i ON public.messages USING btree (a)",
                "public"
            ),
            "CREATE INDEX i ON messages USING btree (a)"
        );
        assert_eq!(
            strip_namespace("CREATE INDEX i ON \"user\".t (a)", "user"),
            "CREATE INDEX i ON t (a)"
        );
        assert_eq!(
            strip_namespace("x = notpublic.f(1)", "public"),
            "x = notpublic.f(1)"
        );
        assert_eq!(
            strip_namespace("public.f(public.g(1))", "public"),
            "f(g(1))"
        );
    }
}
