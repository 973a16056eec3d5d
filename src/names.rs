//! Identifiers chatdb accepts from users: schema names and PostgreSQL namespaces.
//!
//! A leaf module (it imports nothing from chatdb) so the catalog, the settings and the
//! database code can all check names the same way without depending on each other.

use anyhow::{bail, Result};

/// The namespace chatdb installs into when none is given (PostgreSQL's default schema).
pub const DEFAULT_NAMESPACE: &str = "public";

/// Checks a lowercase PostgreSQL identifier: letters, digits and `_`, at most 63 bytes,
/// not starting with a digit. Used for namespaces and schema names.
pub fn validate_identifier(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63;
    if !ok {
        bail!(
            "`{name}` must be a lowercase identifier: letters, digits and _, at most 63 characters"
        );
    }
    Ok(())
}

/// Checks a namespace to install into or read from: an identifier that is not one of
/// PostgreSQL's own schemas (`information_schema`, and every `pg_*` name, which the server
/// reserves: `pg_catalog`, `pg_toast`, `pg_temp_<n>`, ...).
pub fn validate_namespace(name: &str) -> Result<()> {
    validate_identifier(name)?;
    if name == "information_schema" || name.starts_with("pg_") {
        bail!("`{name}` is a PostgreSQL system schema; chatdb never installs into or reads from one (pick your own namespace, or the default `public`)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_lowercase_and_short() {
        for bad in ["Public", "a-b", "1x", "", "é", &"x".repeat(64)] {
            assert!(validate_identifier(bad).is_err(), "{bad}");
        }
        for good in ["tenant_1", "_x", "public", &"x".repeat(63)] {
            assert!(validate_identifier(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn system_namespaces_are_refused() {
        for bad in [
            "information_schema",
            "pg_catalog",
            "pg_toast",
            "pg_temp",
            "pg_temp_3",
            "pg_toast_temp_1",
        ] {
            let err = validate_namespace(bad).expect_err(bad);
            assert!(err.to_string().contains("system schema"), "{err}");
        }
        assert!(validate_namespace("public").is_ok());
        assert!(validate_namespace("pgx").is_ok());
    }
}
