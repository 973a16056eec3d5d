//! The rules of `chatdb check`: one file per rule, each a pure function from the database's
//! model (and the canonical schema's model at the same version) to findings.
//!
//! A rule never queries anything: `db/<dialect>/introspect.rs` reads the catalogs once, and
//! every rule looks at the same [`Inventory`] values, so rules are unit-tested with
//! hand-built models and cannot make the command slower as they are added. Adding a rule is
//! one file here (its [`crate::finding::Rule`] and its `check` function) plus its name in
//! the [`rules!`] list below (which also fixes its place in reports); the README's table
//! row is tested against the rule.
//!
//! Where two rules would describe the same defect, the more specific one reports it and
//! the other stays silent, so that applying every suggested fix never builds an index twice:
//! `extra-index` leaves invalid and duplicate indexes to `invalid-index` and
//! `duplicate-index`; `fk-without-index` leaves a key whose canonical index is missing or
//! altered to `missing-index` / `index-definition-differs`, whose fixes restore it. Across
//! rules, [`run`]'s fold does the same for the whole-schema rules (a missing or extra table,
//! a primary key that differs, a SQLite table rebuild speak for what they converge).
//!
//! The whole-schema rules (tables, columns, keys, CHECKs, sequences, extensions) write their
//! fixes with `ddl.rs` and judge equivalent spellings with `same.rs`. [`compare`] is the
//! seam `adopt` shares with `check`: the findings that are schema differences.

pub mod ddl;
pub mod fix;
pub mod same;

use crate::catalog::Dialect;
pub use crate::finding::Found;
use crate::finding::{Finding, Rule, Severity, Tool};
use crate::model::inventory::{ForeignKey, Index, Inventory};
use crate::sqltext::normalize_predicate;

/// Declares the rule modules, the registry and the runner in one place, in report order.
macro_rules! rules {
    ($($module:ident),* $(,)?) => {
        $(pub mod $module;)*
        /// Every check rule, in the order findings of one severity are listed.
        #[cfg_attr(not(test), allow(dead_code))]
        pub const RULES: &[&Rule] = &[$(&$module::RULE),*];
        /// Each rule with the function that finds its findings.
        const CHECKS: &[(&Rule, fn(&Context) -> Vec<Found>)] = &[$((&$module::RULE, $module::check)),*];
    };
}

// Registry order is also the order of the fix script (within a severity): extensions and
// tables before their columns, columns before their keys and indexes, CHECKs and foreign
// keys once every table and column exists, drops last.
rules![
    missing_extension,
    missing_table,
    missing_column,
    column_differs,
    primary_key_differs,
    missing_index,
    index_definition_differs,
    invalid_index,
    check_differs,
    foreign_key_differs,
    foreign_keys_off,
    fk_without_index,
    duplicate_index,
    fk_not_validated,
    check_not_validated,
    sequence_differs,
    extra_column,
    extra_table,
    unused_index,
    extra_index,
    missing_statistics,
];

/// Rules about the database's health, not its schema: never a difference for
/// [`compare`] (and so never a reason for `adopt` to refuse).
pub const HEALTH_ONLY: &[&str] = &["unused-index", "missing-statistics"];

/// What a rule sees.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub dialect: Dialect,
    /// The checked PostgreSQL namespace, for qualified names in fixes.
    pub namespace: &'a str,
    /// The applied version the expected model was built at.
    pub version: i64,
    /// The checked database.
    pub live: &'a Inventory,
    /// The canonical migrations up to `version`, applied to a scratch database.
    pub expected: &'a Inventory,
}

/// Runs every rule that applies to the dialect; findings sorted by severity, then rule
/// (registry order), then table and object.
pub fn run(ctx: &Context) -> Vec<Finding> {
    let mut findings: Vec<(usize, Finding)> = Vec::new();
    for (order, (rule, check)) in CHECKS.iter().enumerate() {
        if !rule.applies_to(ctx.dialect) {
            continue;
        }
        for f in check(ctx) {
            let finding = Finding::new(rule, Tool::Check, f.message)
                .object(f.object)
                .table(f.table)
                .dialect(Some(ctx.dialect))
                .fix(f.fix);
            findings.push((order, finding));
        }
    }
    findings.sort_by(|(ra, a), (rb, b)| {
        (a.severity, ra, &a.table, &a.object).cmp(&(b.severity, rb, &b.table, &b.object))
    });
    fold(ctx, findings.into_iter().map(|(_, f)| f).collect())
}

/// The rules whose fixes a SQLite rebuild of their table to its canonical definition (and
/// indexes) makes too: schema differences, not health.
pub const CONVERGED_BY_REBUILD: &[&str] = &[
    missing_column::RULE.id,
    column_differs::RULE.id,
    primary_key_differs::RULE.id,
    missing_index::RULE.id,
    index_definition_differs::RULE.id,
    check_differs::RULE.id,
    foreign_key_differs::RULE.id,
    extra_column::RULE.id,
    extra_index::RULE.id,
];

/// One finding per defect, and a fix script that runs in order:
/// - a missing or extra table's finding speaks for everything else on that table (its
///   `CREATE TABLE` or `DROP TABLE` converges it all), except the foreign keys of a
///   missing PostgreSQL table, which are added after every table exists, and the
///   health-only findings;
/// - `primary-key-differs` speaks for the index rules' findings on that table's
///   primary-key indexes;
/// - on SQLite, the first table rebuild of a table converges the whole table to its
///   canonical definition and indexes: the later fixes of schema differences on it say so
///   instead of repeating (or undoing) it; health fixes (an index for an unindexed key,
///   a duplicate's drop) stay.
fn fold(ctx: &Context, findings: Vec<Finding>) -> Vec<Finding> {
    let on = |rule: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f.rule.id == rule)
            .filter_map(|f| f.table.clone())
            .collect()
    };
    let (missing, extra, pk) = (
        on(missing_table::RULE.id),
        on(extra_table::RULE.id),
        on(primary_key_differs::RULE.id),
    );
    let primary_index = |f: &Finding| {
        let (Some(t), Some(o)) = (&f.table, &f.object) else {
            return false;
        };
        pk.contains(t)
            && [ctx.live, ctx.expected]
                .iter()
                .any(|m| m.indexes_on(t).any(|i| i.primary && &i.label() == o))
    };
    let mut rebuilt: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    for mut f in findings {
        let table = f.table.clone().unwrap_or_default();
        let own = [missing_table::RULE.id, extra_table::RULE.id].contains(&f.rule.id)
            || HEALTH_ONLY.contains(&f.rule.id);
        let kept_key =
            f.rule.id == foreign_key_differs::RULE.id && ctx.dialect == Dialect::Postgres;
        if !own && (extra.contains(&table) || (missing.contains(&table) && !kept_key)) {
            continue;
        }
        if f.rule.id != primary_key_differs::RULE.id
            && [
                missing_index::RULE.id,
                index_definition_differs::RULE.id,
                extra_index::RULE.id,
                duplicate_index::RULE.id,
            ]
            .contains(&f.rule.id)
            && primary_index(&f)
        {
            continue;
        }
        if ctx.dialect == Dialect::Sqlite && !table.is_empty() {
            let by = rebuilt
                .iter()
                .find(|(t, _)| *t == table)
                .map(|(_, by)| by.split_once(' ').unwrap_or((by, "")));
            if let (Some((rule, object)), true) = (by, CONVERGED_BY_REBUILD.contains(&f.rule.id)) {
                f.fix = Some(format!(
                    "-- the rebuild of {table} in the fix of {rule} {object} above converges this too"
                ));
            } else if f.fix.as_deref().is_some_and(|x| ddl::is_rebuild(x, &table)) {
                rebuilt.push((
                    table.clone(),
                    format!("{} {}", f.rule.id, f.object.clone().unwrap_or_default()),
                ));
            }
        }
        out.push(f);
    }
    out
}

/// The differences between the live schema and the canonical one at `ctx.version`: what
/// [`run`] finds, less the health-only rules, the info findings, and whatever a freshly
/// migrated database at that version has itself (focusmate's V1 has the duplicate
/// indexes V7 repairs). `check` lists these among its findings; `adopt` matches versions
/// and refuses by them.
pub fn compare(ctx: &Context) -> Vec<Finding> {
    let fresh = run(&Context {
        live: ctx.expected,
        ..*ctx
    });
    let key = |f: &Finding| (f.rule.id, f.table.clone(), f.object.clone());
    run(ctx)
        .into_iter()
        .filter(|f| f.severity != Severity::Info && !HEALTH_ONLY.contains(&f.rule.id))
        .filter(|f| !fresh.iter().any(|g| key(g) == key(f)))
        .collect()
}

/// Whether `index` can serve the lookups of foreign key `fk` in `dialect`, whose parent key
/// `model` holds: it [`leads_with_key`], and sorts each key column by the collation the
/// lookups compare with ([`lookup_collations`]). Both planners refuse an index of another
/// collation for `=` (PostgreSQL plans a sequential scan, SQLite scans the whole index).
pub fn covers(dialect: Dialect, model: &Inventory, index: &Index, fk: &ForeignKey) -> bool {
    leads_with_key(index, fk) && key_collations(index, fk) == lookup_collations(dialect, model, fk)
}

/// Whether `index` leads with exactly the key's columns, in any order, and can answer the
/// referential queries on them (`WHERE $1 = fk_col`): a b-tree (or a one-column hash) index
/// with the default operator class or a `*_pattern_ops` one (whose family has `=` too), and
/// no predicate, or one the lookups imply (`fk_col IS NOT NULL`: `=` is never true on NULL;
/// both planners use such an index for the foreign-key actions).
pub fn leads_with_key(index: &Index, fk: &ForeignKey) -> bool {
    if index.table != fk.table || fk.columns.is_empty() {
        return false;
    }
    if index
        .predicate
        .as_deref()
        .is_some_and(|p| !implied_by_lookup(p, fk))
    {
        return false;
    }
    let usable = index.method == "btree" || (index.method == "hash" && fk.columns.len() == 1);
    let lead = index.columns.iter().take(fk.columns.len());
    let equality = lead.clone().all(|c| {
        c.opclass
            .as_deref()
            .is_none_or(|o| index.method == "btree" && o.ends_with("_pattern_ops"))
    });
    let mut leading: Vec<&str> = index.leading_columns().take(fk.columns.len()).collect();
    let mut key: Vec<&str> = fk.columns.iter().map(String::as_str).collect();
    leading.sort_unstable();
    key.sort_unstable();
    usable && equality && leading == key
}

/// Whether a partial index's `predicate` holds for every row a lookup on the key can find:
/// each conjunct is `<key column> IS NOT NULL`.
fn implied_by_lookup(predicate: &str, fk: &ForeignKey) -> bool {
    let names_key_column = |term: &str| {
        let unquoted = ['"', '`', '[']
            .iter()
            .zip(['"', '`', ']'])
            .find_map(|(open, close)| term.strip_prefix(*open)?.strip_suffix(close));
        fk.columns.iter().any(|c| match unquoted {
            Some(exact) => exact == c,
            None => term.eq_ignore_ascii_case(c),
        })
    };
    normalize_predicate(predicate).split(" and ").all(|term| {
        // `a is not null`, `"a"is not null` (no space is needed after a quote).
        term.strip_suffix("is not null")
            .is_some_and(|col| names_key_column(col.trim_end()))
    })
}

/// The collation each lookup of `fk` compares its key columns with, in key order, in the
/// terms of [`IndexColumn::collation`](crate::model::inventory::IndexColumn::collation)
/// (`None`: no index needs to name one). PostgreSQL's referential queries (`$1 = fk_col`)
/// compare by the child column's own collation, whatever the parent's: `None`. SQLite puts
/// the parent's value on the left of `=`, whose collation wins: the parent key's, as its
/// unique index in `model` records it (`None`, BINARY, for a rowid or a parent `model` does
/// not hold).
pub fn lookup_collations(
    dialect: Dialect,
    model: &Inventory,
    fk: &ForeignKey,
) -> Vec<Option<String>> {
    if dialect == Dialect::Postgres {
        return vec![None; fk.columns.len()];
    }
    let parent = model
        .indexes_on(&fk.ref_table)
        .filter(|i| i.unique && i.valid && !i.is_partial())
        .filter(|i| {
            let mut cols: Vec<&str> = i.columns.iter().map(|c| c.name.as_str()).collect();
            let mut refs: Vec<&str> = fk.ref_columns.iter().map(String::as_str).collect();
            cols.sort_unstable();
            refs.sort_unstable();
            if refs.is_empty() {
                i.primary && cols.len() == fk.columns.len()
            } else {
                cols == refs
            }
        })
        .min_by_key(|i| (!i.primary, i.constraint.is_none(), i.name.clone()));
    (0..fk.columns.len())
        .map(|k| {
            let parent = parent?;
            let column = match fk.ref_columns.get(k) {
                Some(r) => parent.columns.iter().find(|c| &c.name == r),
                None => parent.columns.get(k),
            };
            column.and_then(|c| c.collation.clone())
        })
        .collect()
}

/// The collation `index` keeps for each of `fk`'s columns, in key order.
fn key_collations(index: &Index, fk: &ForeignKey) -> Vec<Option<String>> {
    fk.columns
        .iter()
        .map(|c| {
            index
                .columns
                .iter()
                .find(|k| !k.expression && &k.name == c)
                .and_then(|k| k.collation.clone())
        })
        .collect()
}

/// A size as PostgreSQL's `pg_size_pretty` prints it: bytes below 10 kB, then the largest
/// unit (kB, MB, GB, TB, PB) that keeps the number under 10240, rounded half away from zero
/// (`8192 bytes`, `2441 kB`, `50 MB`). The same integer steps as PostgreSQL 15's
/// `dbsize.c`, so the two never disagree.
pub fn human_bytes(bytes: i64) -> String {
    // (unit, limit, rounds, bits): PostgreSQL's `size_pretty_units` table.
    const UNITS: [(&str, i64, bool, u32); 6] = [
        ("bytes", 10 * 1024, false, 0),
        ("kB", 20 * 1024 - 1, true, 10),
        ("MB", 20 * 1024 - 1, true, 20),
        ("GB", 20 * 1024 - 1, true, 30),
        ("TB", 20 * 1024 - 1, true, 40),
        ("PB", 20 * 1024 - 1, true, 50),
    ];
    let half_rounded = |x: i64| (x + if x < 0 { -1 } else { 1 }) / 2;
    let mut size = bytes;
    for (i, (name, limit, round, bits)) in UNITS.iter().enumerate() {
        let next = UNITS.get(i + 1);
        if next.is_none() || size.unsigned_abs() < limit.unsigned_abs() {
            let shown = if *round { half_rounded(size) } else { size };
            return format!("{shown} {name}");
        }
        if let Some((_, _, next_round, next_bits)) = next {
            let shift = next_bits - bits - u32::from(*next_round) + u32::from(*round);
            size /= 1i64 << shift;
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
pub mod testkit;

#[cfg(test)]
mod tests {
    use super::testkit::*;
    use super::*;
    use crate::model::inventory::{FkAction, Inventory};

    #[test]
    fn every_check_rule_runs_in_check() {
        for r in RULES {
            assert!(r.severity_in(Tool::Check).is_some(), "{}", r.id);
        }
        assert_eq!(RULES.len(), CHECKS.len());
    }

    #[test]
    fn identical_models_have_no_findings() {
        let m = inv(
            vec![
                unique_constraint("users_pkey", "users", &["id"]),
                idx("idx_messages_sender", "messages", &["sender_id"]),
            ],
            vec![fk("messages", &["sender_id"], "users", FkAction::SetNull)],
        );
        assert!(all(&ctx(Dialect::Postgres, &m, &m)).is_empty());
    }

    /// Both models with tables `a` and `b`.
    fn with_ab(mut m: Inventory) -> Inventory {
        m.tables = ["a", "b"]
            .into_iter()
            .map(|name| crate::model::inventory::Table {
                name: name.into(),
                ..Default::default()
            })
            .collect();
        m
    }

    #[test]
    fn findings_are_sorted_by_severity_then_rule() {
        let expected = with_ab(inv(vec![idx("a_x", "a", &["x"])], vec![]));
        let live = with_ab(inv(
            vec![idx("b_y", "b", &["y"]), idx("b_y2", "b", &["y"])],
            vec![fk("b", &["z"], "a", FkAction::Cascade)],
        ));
        let rules: Vec<&str> = all(&ctx(Dialect::Postgres, &live, &expected))
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        assert_eq!(
            rules,
            [
                "missing-index",
                "foreign-key-differs",
                "fk-without-index",
                "duplicate-index",
                "extra-index"
            ]
        );
    }

    #[test]
    fn a_missing_or_extra_table_speaks_for_its_objects_but_not_its_keys() {
        let expected = inv(
            vec![idx("a_x", "a", &["x"])],
            vec![fk("a", &["x"], "p", FkAction::Cascade)],
        );
        let live = inv(vec![idx("b_y", "b", &["y"])], vec![]);
        let found = all(&ctx(Dialect::Postgres, &live, &expected));
        assert_eq!(
            found,
            [
                ("missing-table", "a".to_string()),
                ("foreign-key-differs", "a_x_fkey".to_string()),
                ("extra-table", "b".to_string()),
            ]
        );
    }

    #[test]
    fn one_sqlite_rebuild_converges_the_table() {
        let mut expected = inv(vec![idx("t_x", "t", &["x"])], vec![]);
        expected.tables[0].columns = vec!["x".into()];
        expected.tables[0].definition =
            Some("CREATE TABLE t (x TEXT NOT NULL, CHECK (x <> ''))".into());
        expected.tables[0].details = vec![crate::model::inventory::Column {
            name: "x".into(),
            data_type: "TEXT".into(),
            not_null: true,
            ..Default::default()
        }];
        expected.tables[0].checks = vec![crate::model::inventory::CheckConstraint {
            name: "t_check".into(),
            expression: "CHECK (x <> '')".into(),
            ..Default::default()
        }];
        let mut live = expected.clone();
        live.tables[0].details[0].not_null = false;
        live.tables[0].checks.clear();
        live.indexes.clear();
        let found = run(&ctx(Dialect::Sqlite, &live, &expected));
        let fixes: Vec<&str> = found.iter().filter_map(|f| f.fix.as_deref()).collect();
        assert_eq!(fixes.len(), 3, "{fixes:?}");
        assert!(
            fixes[0].contains("INSERT INTO \"t_new\" (\"x\")\n    SELECT \"x\" FROM \"t\";"),
            "{}",
            fixes[0]
        );
        for later in &fixes[1..] {
            assert_eq!(
                *later,
                "-- the rebuild of t in the fix of column-differs x above converges this too"
            );
        }
    }

    #[test]
    fn foreign_key_coverage_needs_leading_columns_in_any_order() {
        let key = fk("t", &["a", "b"], "p", FkAction::Cascade);
        let m = inv(vec![], vec![]);
        let pg = Dialect::Postgres;
        assert!(covers(pg, &m, &idx("i", "t", &["b", "a", "c"]), &key));
        assert!(!covers(pg, &m, &idx("i", "t", &["a", "c", "b"]), &key));
        assert!(!covers(pg, &m, &idx("i", "t", &["a"]), &key));
        let mut gin = idx("i", "t", &["a", "b"]);
        gin.method = "gin".into();
        assert!(!covers(pg, &m, &gin, &key));
    }

    #[test]
    fn a_partial_index_covers_a_key_only_when_the_lookups_imply_its_predicate() {
        let key = fk("t", &["a", "b"], "p", FkAction::Cascade);
        let m = inv(vec![], vec![]);
        let pg = Dialect::Postgres;
        let partial = |p: &str| Index {
            predicate: Some(p.into()),
            ..idx("i", "t", &["a", "b"])
        };
        // As PostgreSQL deparses it, and as SQLite keeps it.
        assert!(covers(
            pg,
            &m,
            &partial("((a IS NOT NULL) AND (b IS NOT NULL))"),
            &key
        ));
        assert!(covers(pg, &m, &partial("\"b\" IS NOT NULL"), &key));
        assert!(covers(pg, &m, &partial("A is not null"), &key));
        assert!(!covers(
            pg,
            &m,
            &partial("a IS NOT NULL AND deleted_at IS NULL"),
            &key
        ));
        assert!(!covers(pg, &m, &partial("c IS NOT NULL"), &key));
        assert!(!covers(pg, &m, &partial("a IS NULL"), &key));
        assert!(!covers(pg, &m, &partial("a > 0"), &key));
    }

    #[test]
    fn a_key_is_covered_only_in_the_collation_its_lookups_compare_by() {
        let key = ForeignKey {
            ref_columns: vec!["code".into()],
            ..fk("c", &["code"], "p", FkAction::NoAction)
        };
        let binary_parent = inv(
            vec![unique_constraint("p_code_key", "p", &["code"])],
            vec![],
        );
        let nocase_parent = inv(
            vec![unique_constraint(
                "p_code_key",
                "p",
                &["code COLLATE NOCASE"],
            )],
            vec![],
        );
        let plain = idx("i", "c", &["code"]);
        let nocase = idx("i", "c", &["code COLLATE NOCASE"]);
        // SQLite compares by the parent key's collation.
        let lite = Dialect::Sqlite;
        assert!(covers(lite, &binary_parent, &plain, &key));
        assert!(!covers(lite, &binary_parent, &nocase, &key));
        assert!(covers(lite, &nocase_parent, &nocase, &key));
        assert!(!covers(lite, &nocase_parent, &plain, &key));
        assert_eq!(
            lookup_collations(lite, &nocase_parent, &key),
            [Some("NOCASE".to_string())]
        );
        // A parent this model does not hold compares with the default.
        assert_eq!(lookup_collations(lite, &inv(vec![], vec![]), &key), [None]);
        // PostgreSQL by the child column's own, whatever the parent's: an index that names
        // another collation does not serve.
        let pg = Dialect::Postgres;
        let c = idx("i", "c", &["code COLLATE \"C\""]);
        let c_parent = inv(
            vec![unique_constraint(
                "p_code_key",
                "p",
                &["code COLLATE \"C\""],
            )],
            vec![],
        );
        assert!(covers(pg, &c_parent, &plain, &key));
        assert!(!covers(pg, &c_parent, &c, &key));
        // A pattern class has `=` in its family; another non-default class may not.
        let pattern = idx("i", "c", &["code varchar_pattern_ops"]);
        assert!(covers(pg, &binary_parent, &pattern, &key));
        let image = idx("i", "c", &["code record_image_ops"]);
        assert!(!covers(pg, &binary_parent, &image, &key));
    }

    #[test]
    fn fixes_quote_keywords_and_build_concurrently_on_postgres() {
        let m = inv(vec![], vec![]);
        let c = ctx(Dialect::Postgres, &m, &m);
        assert_eq!(fix::ident("user"), "\"user\"");
        assert_eq!(fix::ident("ix_user_email"), "ix_user_email");
        assert_eq!(fix::ident("Mixed"), "\"Mixed\"");
        let i = idx("ix_user_email", "user", &["email"]);
        let i = Index {
            definition: "CREATE INDEX ix_user_email ON \"user\" USING btree (email)".into(),
            ..i
        };
        assert_eq!(
            fix::create_index(&c, &i),
            "CREATE INDEX CONCURRENTLY ix_user_email ON public.\"user\" USING btree (email);"
        );
        assert_eq!(
            fix::drop_index(&c, &i),
            "DROP INDEX CONCURRENTLY public.ix_user_email;"
        );
        let u = unique_constraint("users_email_key", "users", &["email"]);
        assert_eq!(
            fix::create_index(&c, &u),
            "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON public.users USING btree (email);\nALTER TABLE public.users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;"
        );
        let s = ctx(Dialect::Sqlite, &m, &m);
        assert_eq!(
            fix::plain_index(
                s.dialect,
                Some(s.namespace),
                "messages",
                &["room_id".into(), "order".into()],
                None
            ),
            "CREATE INDEX messages_room_id_order_idx ON messages (room_id, \"order\");"
        );
    }

    #[test]
    fn sizes_read_like_pg_size_pretty() {
        // Each pair as PostgreSQL 15's `SELECT pg_size_pretty(n::bigint)` prints it.
        for (n, pg) in [
            (0, "0 bytes"),
            (512, "512 bytes"),
            (8192, "8192 bytes"),
            (10_239, "10239 bytes"),
            (10_240, "10 kB"),
            (2_500_000, "2441 kB"),
            (52_428_800, "50 MB"),
            (20_971_008, "20 MB"),
            (20_971_520, "20 MB"),
            (1_073_741_824, "1024 MB"),
            (22_517_998_136_852_480, "20 PB"),
            (123_456_789_012_345_678, "110 PB"),
            (-10_240, "-10 kB"),
        ] {
            assert_eq!(human_bytes(n), pg, "pg_size_pretty({n})");
        }
    }
}
