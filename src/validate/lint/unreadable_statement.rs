//! `unreadable-statement` (warning): a statement the lint cannot read.
//!
//! What it catches: a statement that sqlparser cannot parse and whose leading keywords the
//! token fallback does not know either ([`super::shape`]), in a migration after the first.
//!
//! Why it hurts: every other statement rule judges a statement by what it does; this one
//! could be an `ALTER TABLE` that rewrites `messages`, and no rule would say so. The lint
//! reports it rather than pass it in silence.
//!
//! The safe rewrite: check by hand what the statement locks and for how long, then allow
//! it with `-- chatdb:allow unreadable-statement: <what it does and why it is safe>`.

use super::{Found, Shape, Statement};
use crate::finding::{Rule, Scope, Severity, POSTGRES};

pub const RULE: Rule = Rule {
    id: "unreadable-statement",
    severity: Severity::Warning,
    summary:
        "lint: a statement neither sqlparser nor the token fallback can read: no rule has judged it",
    dialects: POSTGRES,
    scope: Scope::Validate,
};

pub fn check(s: &Statement) -> Vec<Found> {
    if s.shape != Shape::Unknown {
        return Vec::new();
    }
    let head: Vec<&str> = s.tokens.iter().take(4).map(|t| t.text.as_str()).collect();
    let head = head.join(" ");
    vec![Found {
        table: None,
        object: format!("statement {head}"),
        message: format!(
            "the lint cannot read `{head} ...` (sqlparser does not parse it, and the token fallback does not know it): no lint rule has judged what it locks"
        ),
        fix: Some("check by hand what it locks and for how long".into()),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::testkit::hits;
    use super::*;

    #[test]
    fn unreadable_statements_are_reported_and_read_ones_are_not() {
        assert_eq!(hits(check, "FROBNICATE TABLE messages;").len(), 1);
        for ok in [
            "REINDEX INDEX CONCURRENTLY messages_room;",
            "ALTER TABLE messages ADD COLUMN n int;",
            "COMMENT ON TABLE messages IS 'x';",
        ] {
            assert!(hits(check, ok).is_empty(), "{ok}");
        }
    }
}
