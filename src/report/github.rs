//! GitHub Actions workflow annotations (`::error file=...,line=...::message`), one per
//! finding, so a pull request shows each on the line it is about. `check` and `validate`
//! print them under `--format github`.

use std::io::Write;

use anyhow::{Context, Result};

use crate::finding::{Finding, Severity};

/// Escapes a workflow command's message (`%`, CR, LF) or property (also `:` and `,`).
pub fn escape(text: &str, property: bool) -> String {
    let mut s = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        s = s.replace(':', "%3A").replace(',', "%2C");
    }
    s
}

/// One annotation: `::error` for an error, `::warning` otherwise, titled
/// `<title>: <rule>`, with the file and line when the finding has them.
pub fn annotation(out: &mut dyn Write, title: &str, f: &Finding) -> Result<()> {
    let level = match f.severity {
        Severity::Error => "error",
        _ => "warning",
    };
    let mut props = Vec::new();
    if let Some(file) = &f.file {
        props.push(format!("file={}", escape(file, true)));
    }
    if let Some(l) = f.line {
        props.push(format!("line={l}"));
    }
    props.push(format!(
        "title={}",
        escape(&format!("{title}: {}", f.rule.id), true)
    ));
    let mut message = match &f.object {
        Some(object) => format!("{object}: {}", f.message),
        None => f.message.clone(),
    };
    if let Some(fix) = &f.fix {
        message.push_str(&format!("\nfix: {fix}"));
    }
    writeln!(
        out,
        "::{level} {}::{}",
        props.join(","),
        escape(&message, false)
    )
    .context("writing output")
}

/// A `::notice::` line.
pub fn notice(out: &mut dyn Write, text: &str) -> Result<()> {
    writeln!(out, "::notice::{}", escape(text, false)).context("writing output")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{rule, Tool};

    #[test]
    fn annotations_escape_what_github_would_read_as_syntax() {
        assert_eq!(escape("a: 50%\nb", false), "a: 50%25%0Ab");
        assert_eq!(escape("sql/x,y:z", true), "sql/x%2Cy%3Az");
    }

    #[test]
    fn an_annotation_names_file_line_rule_and_fix() {
        let r = rule("require-concurrent-index").expect("registered");
        let f = Finding::new(r, Tool::Validate, "blocks writes: 100%")
            .object("index i")
            .at(Some("sql/postgres/x/V2__a,b.sql"), Some(3))
            .fix(Some("use CONCURRENTLY".into()));
        let mut buf = Vec::new();
        annotation(&mut buf, "chatdb validate x", &f).expect("writes");
        assert_eq!(
            String::from_utf8(buf).expect("utf-8"),
            "::warning file=sql/postgres/x/V2__a%2Cb.sql,line=3,title=chatdb validate x%3A require-concurrent-index::index i: blocks writes: 100%25%0Afix: use CONCURRENTLY\n"
        );
        let check = Finding::new(
            rule("missing-index").expect("registered"),
            Tool::Check,
            "gone",
        );
        let mut buf = Vec::new();
        annotation(&mut buf, "chatdb check chat", &check).expect("writes");
        assert_eq!(
            String::from_utf8(buf).expect("utf-8"),
            "::error title=chatdb check chat%3A missing-index::gone\n"
        );
    }
}
