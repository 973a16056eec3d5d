//! JSON for machines: every command's `--format json` document, which starts with the same
//! [`Envelope`] (`schema`, `dialect`, `database`, `namespace`), the error document printed
//! instead when a command fails under `--format json`, and the JSON shape of findings.
//!
//! Conventions every document keeps: durations are integer `*_ms` fields; instants are RFC
//! 3339 UTC strings ([`rfc3339_utc`]); the database URL is always redacted.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::catalog::Dialect;
use crate::db::Target;
use crate::finding::{Finding, Severity};
use crate::redact::redact_url;

/// Pretty JSON followed by a newline.
pub fn write(out: &mut dyn Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// The fields every document starts with. A field is null where the command does not have
/// one: `namespace` on SQLite; `schema` when it covers several (`schemas`, `validate
/// --all`); `dialect` and `database` when it touches no one database.
#[derive(Debug, Clone, Serialize)]
pub struct Envelope {
    pub schema: Option<String>,
    pub dialect: Option<&'static str>,
    /// Redacted: the password never shows.
    pub database: Option<String>,
    pub namespace: Option<String>,
}

impl Envelope {
    /// A command on `schema` against `target`, reached by `database_url`, in `namespace`
    /// (PostgreSQL only).
    pub fn new(schema: &str, target: &Target, database_url: &str, namespace: &str) -> Envelope {
        Envelope {
            schema: Some(schema.to_string()),
            dialect: Some(target.dialect().dir_name()),
            database: Some(redact_url(database_url)),
            namespace: target.namespace(namespace).map(str::to_string),
        }
    }

    /// A command that touches no database.
    pub fn none(schema: Option<&str>) -> Envelope {
        Envelope {
            schema: schema.map(str::to_string),
            dialect: None,
            database: None,
            namespace: None,
        }
    }

    /// Where the command ran, as a table report's first line says it: the redacted
    /// database, and on PostgreSQL the namespace (`postgres://app@db/x (namespace public)`).
    pub fn target_label(&self) -> String {
        crate::db::place(
            self.database.as_deref().unwrap_or_default(),
            self.namespace.as_deref(),
        )
    }
}

/// A document: the envelope's fields, then the command's own.
#[derive(Serialize)]
pub struct Document<'a, T: Serialize> {
    #[serde(flatten)]
    pub envelope: &'a Envelope,
    #[serde(flatten)]
    pub body: &'a T,
}

/// Writes `body` after the envelope's fields.
pub fn document(out: &mut dyn Write, envelope: &Envelope, body: &impl Serialize) -> Result<()> {
    write(out, &Document { envelope, body })
}

/// `{"error": {"message": ..., "kind": ...}}`: what stdout gets when a command fails under
/// `--format json` (the human line still goes to stderr). `message` must already be
/// scrubbed of secrets; `kind` is `locked` (exit 3: another run holds the lock) or `error`.
pub fn error_document(message: &str, kind: &str) -> String {
    #[derive(Serialize)]
    struct Error<'a> {
        message: &'a str,
        kind: &'a str,
    }
    #[derive(Serialize)]
    struct Document<'a> {
        error: Error<'a>,
    }
    let doc = Document {
        error: Error { message, kind },
    };
    // Two strings always serialize.
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// The `kind` of an error document: `locked` when another chatdb run holds the lock (exit
/// 3), `error` for every other failure to run (exit 2).
pub fn error_kind(err: &anyhow::Error) -> &'static str {
    if err
        .chain()
        .any(|e| e.downcast_ref::<crate::error::LockError>().is_some())
    {
        "locked"
    } else {
        "error"
    }
}

/// `2026-11-21 16:19:56.967+00`, `2026-11-21 16:19:56` (SQLite: UTC),
/// `2026-11-21T16:19:56Z` -> `2026-11-21T16:19:56.967Z`: an instant as RFC 3339 in UTC.
/// Text that is no instant is returned as it is.
pub fn rfc3339_utc(text: &str) -> String {
    use time::format_description::{parse_borrowed, well_known::Rfc3339};
    use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};
    let t = text.trim();
    if let Ok(v) = OffsetDateTime::parse(t, &Rfc3339) {
        return v
            .to_offset(UtcOffset::UTC)
            .format(&Rfc3339)
            .unwrap_or_else(|_| t.to_string());
    }
    // PostgreSQL's text form: `YYYY-MM-DD HH:MM:SS[.ffffff]` then `+HH`, `+HH:MM` or none.
    let (stamp, offset) = match t.rfind(['+', '-']).filter(|&at| at > 10) {
        Some(at) => (&t[..at], Some(&t[at..])),
        None => (t, None),
    };
    let parsed = [
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond]",
        "[year]-[month]-[day] [hour]:[minute]:[second]",
    ]
    .iter()
    .find_map(|f| PrimitiveDateTime::parse(stamp, &parse_borrowed::<1>(f).ok()?).ok());
    let Some(local) = parsed else {
        return t.to_string();
    };
    let offset = match offset {
        None => UtcOffset::UTC,
        Some(o) => {
            let sign: i8 = if o.starts_with('-') { -1 } else { 1 };
            let digits = &o[1..];
            let (h, m) = digits.split_once(':').unwrap_or((digits, "0"));
            match (h.parse::<i8>(), m.parse::<i8>()) {
                (Ok(h), Ok(m)) => match UtcOffset::from_hms(sign * h, sign * m, 0) {
                    Ok(o) => o,
                    Err(_) => return t.to_string(),
                },
                _ => return t.to_string(),
            }
        }
    };
    local
        .assume_offset(offset)
        .to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// `#[serde(serialize_with)]` for an instant kept in a database's text form.
pub fn instant<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339_utc(text))
}

/// The same for an instant that may be missing.
pub fn optional_instant<S: serde::Serializer>(
    text: &Option<String>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match text {
        Some(t) => s.serialize_some(&rfc3339_utc(t)),
        None => s.serialize_none(),
    }
}

/// A `check` finding as its JSON has it.
#[derive(Debug, Serialize)]
pub struct CheckFinding<'a> {
    pub rule: &'static str,
    pub severity: Severity,
    pub table: Option<&'a str>,
    pub object: &'a str,
    pub message: &'a str,
    pub fix: Option<&'a str>,
}

impl<'a> From<&'a Finding> for CheckFinding<'a> {
    fn from(f: &'a Finding) -> Self {
        CheckFinding {
            rule: f.rule.id,
            severity: f.severity,
            table: f.table.as_deref(),
            object: f.object.as_deref().unwrap_or_default(),
            message: &f.message,
            fix: f.fix.as_deref(),
        }
    }
}

/// A `validate` finding as its JSON has it, with the schema it belongs to.
#[derive(Debug, Serialize)]
pub struct ValidateFinding<'a> {
    pub schema: &'a str,
    pub rule: &'static str,
    pub severity: Severity,
    /// `postgres` or `sqlite` where the finding is about one dialect.
    pub dialect: Option<&'static str>,
    /// The file to fix, relative to the schema directory given.
    pub file: Option<&'a str>,
    pub line: Option<usize>,
    pub object: Option<&'a str>,
    pub message: &'a str,
    pub fix: Option<&'a str>,
}

impl<'a> ValidateFinding<'a> {
    pub fn new(schema: &'a str, f: &'a Finding) -> Self {
        ValidateFinding {
            schema,
            rule: f.rule.id,
            severity: f.severity,
            dialect: f.dialect.map(Dialect::dir_name),
            file: f.file.as_deref(),
            line: f.line,
            object: f.object.as_deref(),
            message: &f.message,
            fix: f.fix.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_become_rfc3339_utc() {
        for (text, want) in [
            (
                "2026-11-21 16:19:56.967671+00",
                "2026-11-21T16:19:56.967671Z",
            ),
            ("2026-11-21 18:19:56+02", "2026-11-21T16:19:56Z"),
            ("2026-11-21 11:49:56-04:30", "2026-11-21T16:19:56Z"),
            ("2026-11-21 16:19:56", "2026-11-21T16:19:56Z"),
            (
                "2026-11-21T16:19:56.967671218Z",
                "2026-11-21T16:19:56.967671218Z",
            ),
            ("2026-11-21T17:19:56+01:00", "2026-11-21T16:19:56Z"),
            ("not a time", "not a time"),
            ("2026-11-21 16:19:56+é", "2026-11-21 16:19:56+é"),
        ] {
            assert_eq!(rfc3339_utc(text), want, "{text}");
        }
    }

    #[test]
    fn the_envelope_comes_first_and_namespace_is_null_on_sqlite() {
        let lite = Target::parse("sqlite://x.db").expect("url");
        let e = Envelope::new("chat", &lite, "sqlite://x.db", "public");
        #[derive(Serialize)]
        struct Body {
            applied: u32,
        }
        let mut buf = Vec::new();
        document(&mut buf, &e, &Body { applied: 3 }).expect("writes");
        let text = String::from_utf8(buf).expect("utf-8");
        let keys: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
            .collect();
        assert_eq!(
            keys,
            ["schema", "dialect", "database", "namespace", "applied"]
        );
        assert!(text.contains("\"namespace\": null"));
        let pg = Target::parse("postgres://app:s3cret@h/db").expect("url");
        let e = Envelope::new("chat", &pg, "postgres://app:s3cret@h/db", "chat");
        assert_eq!(e.namespace.as_deref(), Some("chat"));
        assert!(!e.database.as_deref().unwrap_or_default().contains("s3cret"));
    }

    #[test]
    fn an_error_is_a_json_document() {
        let text = error_document("no such schema \"x\"", "error");
        assert!(text.find("\"message\"") < text.find("\"kind\""), "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(v["error"]["message"], "no such schema \"x\"");
        assert_eq!(v["error"]["kind"], "error");
    }
}
