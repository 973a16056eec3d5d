//! The one findings pipeline: every rule chatdb reports by (`check`'s index-health rules,
//! `validate`'s stage and lint rules, `explain`'s verdicts and flags) is a [`Rule`], and
//! whatever any of them finds is a [`Finding`]. The reporters in `src/report/` print
//! findings; nothing here prints, queries or knows a command line.
//!
//! Each tool lists its own rules in report order (`checks::RULES`, `validate::RULES`,
//! `verdict::RULES`, `stats::RULES`); [`rules`] walks the four lists as one registry, in which every id
//! appears once (the README's rule tables are tested against it).
//!
//! One rule belongs to two tools: `fk-without-index` (one implementation, in
//! `src/checks/fk_without_index.rs`) is a **warning** in `check`, where the database is
//! live and the fix is an index built concurrently at the DBA's convenience, and an
//! **error** in `validate`'s lint, where nothing is deployed yet and the fix is one line in
//! the migration under review. [`Scope::CheckAndLint`] carries the second severity and
//! [`Rule::severity_in`] picks the one for the tool at hand.

use serde::Serialize;

use crate::catalog::Dialect;

/// How bad a finding is. `error` fails the command (exit 1); `warning` does under
/// `--strict`; `info` never does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

pub const BOTH: &[Dialect] = &[Dialect::Postgres, Dialect::Sqlite];
pub const POSTGRES: &[Dialect] = &[Dialect::Postgres];
pub const SQLITE: &[Dialect] = &[Dialect::Sqlite];

/// The tools that report findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Check,
    Validate,
    Explain,
    Stats,
}

/// Where a rule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `chatdb check`, on a live database against its canonical schema.
    Check,
    /// A stage of `chatdb validate` (files, lock, apply, parity, lint, manifest).
    Validate,
    /// `chatdb check`, and `validate`'s lint over the schema the migrations build, where
    /// its findings carry the severity given here.
    CheckAndLint(Severity),
    /// `chatdb explain`'s verdicts and plan flags.
    Explain,
    /// `chatdb stats`'s targets.
    Stats,
}

/// One rule: its id (kebab-case, stable: scripts and `-- chatdb:allow` match on it), its
/// severity, a one-line summary (the README's tables say the same), the dialects it applies
/// to and where it runs. The code that finds its findings lives in the rule's own file.
#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    /// The README's table row says the same (tested).
    #[cfg_attr(not(test), allow(dead_code))]
    pub summary: &'static str,
    pub dialects: &'static [Dialect],
    pub scope: Scope,
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Rule {
    /// The severity of this rule's findings in `tool`; `None` when it does not run there.
    pub fn severity_in(&self, tool: Tool) -> Option<Severity> {
        match (self.scope, tool) {
            (Scope::Check, Tool::Check)
            | (Scope::Validate, Tool::Validate)
            | (Scope::Explain, Tool::Explain)
            | (Scope::Stats, Tool::Stats)
            | (Scope::CheckAndLint(_), Tool::Check) => Some(self.severity),
            (Scope::CheckAndLint(lint), Tool::Validate) => Some(lint),
            _ => None,
        }
    }

    pub fn applies_to(&self, dialect: Dialect) -> bool {
        self.dialects.contains(&dialect)
    }
}

/// Every rule once: check's, then validate's, explain's and stats', each in its report order.
// The registry's readers today are its tests (ids, the README's tables); no command lists
// the rules yet.
#[cfg_attr(not(test), allow(dead_code))]
pub fn rules() -> impl Iterator<Item = &'static Rule> {
    crate::checks::RULES
        .iter()
        .copied()
        .chain(
            crate::validate::RULES
                .iter()
                .copied()
                .filter(|r| !matches!(r.scope, Scope::CheckAndLint(_))),
        )
        .chain(crate::verdict::RULES.iter().copied())
        .chain(crate::stats::RULES.iter().copied())
}

/// The rule with this id.
#[cfg_attr(not(test), allow(dead_code))]
pub fn rule(id: &str) -> Option<&'static Rule> {
    rules().find(|r| r.id == id)
}

/// What a rule's function returns: a finding before its tool stamps the rule, the
/// severity and the place (file, line) on it. `check`'s rules and `validate`'s lint rules
/// both return these.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The table it is on, where the rule knows one.
    pub table: Option<String>,
    pub object: String,
    pub message: String,
    pub fix: Option<String>,
}

/// One finding of one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: &'static Rule,
    pub severity: Severity,
    /// The object concerned (`idx_messages_sender`, `index idx_x`, `column t.c`).
    pub object: Option<String>,
    /// The table it is on, where there is one.
    pub table: Option<String>,
    /// The dialect it is about, where it is about one.
    pub dialect: Option<Dialect>,
    /// The file to fix, relative to the schema directory given.
    pub file: Option<String>,
    /// 1-based line in `file`.
    pub line: Option<usize>,
    pub message: String,
    /// SQL (or an instruction) that fixes it.
    pub fix: Option<String>,
}

impl Finding {
    /// A finding of `rule` in `tool` (at the severity the rule has there), with only a
    /// message; the builder methods below fill in the rest.
    pub fn new(rule: &'static Rule, tool: Tool, message: impl Into<String>) -> Finding {
        Finding {
            rule,
            severity: rule.severity_in(tool).unwrap_or(rule.severity),
            object: None,
            table: None,
            dialect: None,
            file: None,
            line: None,
            message: message.into(),
            fix: None,
        }
    }

    pub fn object(mut self, object: impl Into<String>) -> Finding {
        self.object = Some(object.into());
        self
    }

    pub fn table(mut self, table: Option<String>) -> Finding {
        self.table = table;
        self
    }

    pub fn dialect(mut self, dialect: Option<Dialect>) -> Finding {
        self.dialect = dialect;
        self
    }

    pub fn at(mut self, file: Option<&str>, line: Option<usize>) -> Finding {
        self.file = file.map(str::to_string);
        self.line = line;
        self
    }

    pub fn fix(mut self, fix: Option<String>) -> Finding {
        self.fix = fix;
        self
    }

    /// `path:line`, `path`, or nothing.
    pub fn location(&self) -> String {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => format!("{file}:{line}"),
            (Some(file), None) => file.clone(),
            _ => String::new(),
        }
    }
}

/// How many findings of each severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl Counts {
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            match f.severity {
                Severity::Error => c.error += 1,
                Severity::Warning => c.warning += 1,
                Severity::Info => c.info += 1,
            }
        }
        c
    }

    /// The strict exit rule shared by `check` and `validate`: any error fails, and with
    /// `--strict` any warning too.
    pub fn fail(&self, strict: bool) -> bool {
        self.error > 0 || (strict && self.warning > 0)
    }

    /// The exit code of a command that reports these findings: 1 when they [`fail`](Self::fail).
    pub fn exit_code(&self, strict: bool) -> std::process::ExitCode {
        if self.fail(strict) {
            std::process::ExitCode::from(crate::error::EXIT_FINDINGS)
        } else {
            std::process::ExitCode::SUCCESS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_kebab_case() {
        let mut ids: Vec<&str> = rules().map(|r| r.id).collect();
        for id in &ids {
            assert!(
                !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !id.starts_with('-')
                    && !id.ends_with('-'),
                "{id}"
            );
        }
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "an id is registered twice");
    }

    #[test]
    fn fk_without_index_is_one_rule_with_a_severity_per_tool() {
        let r = rule("fk-without-index").expect("registered");
        assert_eq!(rules().filter(|r| r.id == "fk-without-index").count(), 1);
        assert_eq!(r.severity_in(Tool::Check), Some(Severity::Warning));
        assert_eq!(r.severity_in(Tool::Validate), Some(Severity::Error));
        assert_eq!(r.severity_in(Tool::Explain), None);
        assert!(crate::validate::RULES.contains(&r));
    }

    #[test]
    fn every_rule_has_a_summary_and_a_dialect() {
        for r in rules() {
            assert!(!r.summary.is_empty() && !r.dialects.is_empty(), "{}", r.id);
        }
    }

    /// Every rule has a row in the README's table for each tool it runs in, with its
    /// severity there, its summary and (for `check`) its dialects.
    #[test]
    fn the_readme_lists_every_rule_with_its_severity() {
        let readme = include_str!("../README.md");
        for r in rules() {
            for tool in [Tool::Check, Tool::Validate, Tool::Explain, Tool::Stats] {
                let Some(severity) = r.severity_in(tool) else {
                    continue;
                };
                let head = format!("| `{}` | {} |", r.id, severity.as_str());
                let dialects = match r.dialects {
                    [Dialect::Postgres] => "PostgreSQL",
                    [Dialect::Sqlite] => "SQLite",
                    _ => "both",
                };
                let found = readme.lines().any(|l| {
                    l.starts_with(&head)
                        && l.contains(r.summary)
                        && (tool != Tool::Check || l.contains(&format!("{head} {dialects} |")))
                });
                assert!(
                    found,
                    "README lacks the row for {} ({tool:?}): {head} ... {} |",
                    r.id, r.summary
                );
            }
        }
    }

    #[test]
    fn counts_and_the_strict_rule() {
        let r = rule("missing-index").expect("registered");
        let w = rule("duplicate-index").expect("registered");
        let e = Finding::new(r, Tool::Check, "x");
        let warn = Finding::new(w, Tool::Check, "y");
        let c = Counts::of([&warn]);
        assert_eq!((c.error, c.warning, c.info), (0, 1, 0));
        assert!(!c.fail(false) && c.fail(true));
        assert!(Counts::of([&e, &warn]).fail(false));
        assert!(!Counts::default().fail(true));
    }
}
