//! Tables for people: chatdb's table look, the severity-grouped findings tables of `check`,
//! `validate` and `stats`, and plan trees as `explain --verbose` prints them.

use std::io::Write;

use anyhow::{Context, Result};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use crate::finding::{Finding, Severity};
use crate::model::plan::{Plan, PlanNode};

/// A table with chatdb's look and the given header.
pub fn new(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().copied());
    // The snapshots must not depend on the terminal `cargo test` runs in.
    #[cfg(test)]
    t.force_no_tty();
    let columns = std::env::var("COLUMNS").ok();
    // A terminal whose size cannot be read counts as width 0.
    let terminal = t.width().or_else(|| t.is_tty().then_some(0));
    if let Some(width) = fit_width(columns.as_deref(), terminal) {
        t.set_width(width);
    }
    t
}

/// The narrowest width a table is squeezed to: below it, columns collapse to a letter.
const MIN_WIDTH: u16 = 40;
/// The width of a terminal that reports none (width 0).
const FALLBACK_WIDTH: u16 = 80;

/// The width a table wraps to: `COLUMNS` when set to a number, else the terminal's width
/// (`terminal`, from comfy-table, `None` when stdout is no terminal), never under
/// [`MIN_WIDTH`], and [`FALLBACK_WIDTH`] for a terminal of width 0. `None`: no terminal and
/// no `COLUMNS`, so the table keeps its natural width (a file or a pipe wraps nothing).
pub fn fit_width(columns: Option<&str>, terminal: Option<u16>) -> Option<u16> {
    let env = columns
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|&w| w > 0);
    let width = match (env, terminal) {
        (Some(w), _) => w,
        (None, Some(0)) => FALLBACK_WIDTH,
        (None, Some(w)) => w,
        (None, None) => return None,
    };
    Some(width.max(MIN_WIDTH))
}

fn line(out: &mut dyn Write, text: impl std::fmt::Display) -> Result<()> {
    writeln!(out, "{text}").context("writing output")
}

/// One table per severity in `severities` that has findings, each under a blank line and
/// an `ERROR (n)` heading; `row` gives a finding's cells.
fn by_severity<'a, T: 'a>(
    out: &mut dyn Write,
    items: &'a [T],
    finding: impl Fn(&T) -> &Finding,
    severities: &[Severity],
    header: &[&str],
    mut row: impl FnMut(&T) -> Vec<String>,
) -> Result<()> {
    for &severity in severities {
        let group: Vec<&T> = items
            .iter()
            .filter(|f| finding(f).severity == severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        line(out, "")?;
        line(
            out,
            format!("{} ({})", severity.as_str().to_uppercase(), group.len()),
        )?;
        let mut t = new(header);
        for item in group {
            t.add_row(row(item));
        }
        line(out, t)?;
    }
    Ok(())
}

/// `check`'s findings: numbered, grouped by severity, and their fixes after them as one SQL
/// script, unwrapped so it can be copied. `concurrently` says the fixes hold
/// `CONCURRENTLY` statements (PostgreSQL), which must run outside a transaction block.
pub fn check_findings(out: &mut dyn Write, findings: &[Finding], concurrently: bool) -> Result<()> {
    let mut number = 0;
    let mut fixes = Vec::new();
    by_severity(
        out,
        findings,
        |f| f,
        &Severity::ALL,
        &["#", "rule", "object", "finding"],
        |f| {
            number += 1;
            let object = f.object.clone().unwrap_or_default();
            if let Some(fix) = &f.fix {
                fixes.push(format!("-- {number}. {} {object}\n{fix}", f.rule.id));
            }
            let shown = match &f.table {
                Some(table) if !object.starts_with(table.as_str()) => {
                    format!("{object}\non {table}")
                }
                _ => object,
            };
            vec![
                number.to_string(),
                f.rule.id.to_string(),
                shown,
                f.message.clone(),
            ]
        },
    )?;
    if findings.is_empty() {
        line(out, "no findings")?;
    }
    if !fixes.is_empty() {
        line(out, "")?;
        line(
            out,
            if concurrently {
                "Suggested fixes (review first; CONCURRENTLY statements must run outside a transaction block):"
            } else {
                "Suggested fixes (review first):"
            },
        )?;
        line(out, fixes.join("\n"))?;
    }
    Ok(())
}

/// `validate`'s findings, each with its schema: grouped by severity (errors, warnings),
/// with where to look and the fix inline.
pub fn validate_findings(out: &mut dyn Write, findings: &[(&str, &Finding)]) -> Result<()> {
    by_severity(
        out,
        findings,
        |(_, f)| f,
        &[Severity::Error, Severity::Warning],
        &["schema", "rule", "where", "finding"],
        |(schema, f)| {
            let mut text = f.message.clone();
            if let Some(object) = &f.object {
                text = format!("{object}: {text}");
            }
            if let Some(fix) = &f.fix {
                text.push_str(&format!("\nfix: {fix}"));
            }
            vec![
                schema.to_string(),
                f.rule.id.to_string(),
                f.location(),
                text,
            ]
        },
    )
}

/// `stats`' findings: breached targets (errors), then warnings, each with the measured
/// value and the target in its message, and the fix inline.
pub fn stats_findings(out: &mut dyn Write, findings: &[Finding]) -> Result<()> {
    by_severity(
        out,
        findings,
        |f| f,
        &[Severity::Error, Severity::Warning],
        &["rule", "object", "finding"],
        |f| {
            let mut text = f.message.clone();
            if let Some(fix) = &f.fix {
                text.push_str(&format!("\nfix: {fix}"));
            }
            vec![
                f.rule.id.to_string(),
                f.object.clone().unwrap_or_default(),
                text,
            ]
        },
    )
}

/// A plan as indented text, PostgreSQL style (`->` below the root).
pub fn plan_tree(plan: &Plan) -> String {
    fn node(s: &mut String, n: &PlanNode, depth: usize) {
        let indent = "  ".repeat(depth + 1);
        let arrow = if depth > 0 { "-> " } else { "" };
        let mut head = format!("{indent}{arrow}{}", n.detail);
        if let (Some(a), Some(b)) = (n.startup_cost, n.total_cost) {
            head.push_str(&format!("  (cost={a:.2}..{b:.2}"));
            if let Some(r) = n.plan_rows {
                head.push_str(&format!(" rows={r:.0}"));
            }
            head.push(')');
        }
        if let Some(a) = &n.actual {
            head.push_str(&format!(
                " (actual time={:.3} rows={:.0} loops={:.0})",
                a.total_ms, a.rows, a.loops
            ));
        }
        s.push_str(&head);
        s.push('\n');
        let pad = "  ".repeat(depth + 1) + if depth > 0 { "     " } else { "  " };
        for c in &n.conditions {
            s.push_str(&format!("{pad}{c}\n"));
        }
        for c in &n.children {
            node(s, c, depth + 1);
        }
    }
    let mut s = String::new();
    for r in &plan.roots {
        node(&mut s, r, 0);
    }
    if s.is_empty() {
        s.push_str("  (no plan)\n");
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn width_is_columns_then_the_terminal_and_never_collapses() {
        assert_eq!(super::fit_width(Some("80"), Some(200)), Some(80));
        assert_eq!(super::fit_width(None, Some(120)), Some(120));
        assert_eq!(super::fit_width(None, Some(0)), Some(80));
        assert_eq!(super::fit_width(Some("0"), Some(0)), Some(80));
        assert_eq!(super::fit_width(Some("5"), None), Some(40));
        assert_eq!(super::fit_width(Some("wide"), None), None);
        assert_eq!(super::fit_width(None, None), None);
    }

    use super::*;
    use crate::finding::{rule, Tool};

    fn finding(id: &str, tool: Tool, message: &str) -> Finding {
        Finding::new(rule(id).expect("registered"), tool, message)
    }

    fn text(f: impl FnOnce(&mut Vec<u8>) -> Result<()>) -> String {
        let mut buf = Vec::new();
        f(&mut buf).expect("writes");
        String::from_utf8(buf).expect("utf-8")
    }

    #[test]
    fn plan_trees_read_like_postgres_explain() {
        let node = |detail: &str, children: Vec<PlanNode>| PlanNode {
            node: detail.split(' ').next().unwrap_or_default().into(),
            detail: detail.into(),
            kind: crate::model::plan::NodeKind::Other,
            relation: None,
            alias: None,
            index: None,
            conditions: vec![],
            startup_cost: Some(0.29),
            total_cost: Some(8.31),
            plan_rows: Some(1.0),
            actual: None,
            spilled: false,
            children,
        };
        let mut scan = node("Index Scan using idx_messages_room on messages", vec![]);
        scan.conditions = vec!["Index Cond: (room_id = $1)".into()];
        let plan = Plan {
            how: "generic plan".into(),
            roots: vec![node("Limit", vec![scan])],
            measured: None,
            timed_out: false,
            lock_timed_out: false,
            without_statistics: false,
        };
        assert_eq!(
            plan_tree(&plan),
            "  Limit  (cost=0.29..8.31 rows=1)\n    -> Index Scan using idx_messages_room on messages  (cost=0.29..8.31 rows=1)\n         Index Cond: (room_id = $1)\n"
        );
        let empty = Plan {
            roots: vec![],
            ..plan
        };
        assert_eq!(plan_tree(&empty), "  (no plan)\n");
    }

    #[test]
    fn the_check_table_groups_by_severity_and_collects_the_fixes() {
        let findings = vec![
            finding("missing-index", Tool::Check, "the canonical schema at V3 has this index on messages (created_at); the database has no index of that name")
                .object("idx_messages_created_at")
                .table(Some("messages".into()))
                .fix(Some("CREATE INDEX CONCURRENTLY idx_messages_created_at ON public.messages USING btree (created_at);".into())),
            finding("fk-without-index", Tool::Check, "no valid, non-partial index leads with (sender_id): deleting a users row updates its messages rows (ON DELETE SET NULL), and joins on the key, by scanning all of messages")
                .object("messages(sender_id) -> users(id)")
                .table(Some("messages".into()))
                .fix(Some("CREATE INDEX CONCURRENTLY messages_sender_id_idx ON public.messages (sender_id);".into())),
            finding("unused-index", Tool::Check, "no scans since statistics began (never reset); 2441 kB")
                .object("idx_users_last_seen")
                .table(Some("users".into())),
        ];
        insta::assert_snapshot!("check_table", text(|b| check_findings(b, &findings, true)));
        assert_eq!(text(|b| check_findings(b, &[], false)), "no findings\n");
    }

    #[test]
    fn the_validate_table_shows_where_and_the_fix_inline() {
        let lock = finding(
            "unlocked-migration",
            Tool::Validate,
            "V3__rooms_by_name.sql is not in schemas/demo.lock",
        )
        .at(Some("sql/postgres/demo/V3__rooms_by_name.sql"), None)
        .fix(Some(
            "run `chatdb validate --update-lock` and commit the lock with the migration".into(),
        ));
        let lint = finding("fk-without-index", Tool::Validate, "no valid, non-partial index leads with (team_id): deleting a team row deletes its user rows (ON DELETE CASCADE), and joins on the key, by scanning all of user")
            .object("foreign key user_team_id_fkey")
            .at(Some("sql/postgres/demo/V2__user.sql"), Some(4))
            .fix(Some("CREATE INDEX user_team_id_idx ON \"user\" (team_id);".into()));
        let unused = finding(
            "unused-exception",
            Tool::Validate,
            "parity exception `index x` matches no difference between the dialects",
        )
        .object("index x")
        .at(Some("schemas/demo.toml"), Some(12));
        assert_eq!(lint.severity, Severity::Error, "an error in validate");
        let rows = [("demo", &lock), ("demo", &lint), ("other", &unused)];
        insta::assert_snapshot!("validate_table", text(|b| validate_findings(b, &rows)));
    }
}
