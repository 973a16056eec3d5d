//! The migration file-name grammar, `V<n>__<snake_name>.sql`, in one place: which files in a
//! schema's folder are meant as migrations, and what version and name each one has.
//! [`super::scan`] reads every name through it, so `load` (which refuses a bad name) and
//! `validate` (which reports it) agree; refinery would skip or crash on the malformed ones.

use anyhow::{anyhow, bail, Result};

/// The advice that goes with every malformed name.
pub const GRAMMAR: &str =
    "migration file names must be V<n>__<snake_name>.sql (e.g. V3__add_message_reads.sql)";

/// Files that are meant as migrations: anything ending in `.sql`, or starting with `V<digit>`.
/// Other files (a README, .gitkeep) are not migrations and are left alone.
pub fn looks_like_migration(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    let b = file_name.as_bytes();
    lower.ends_with(".sql")
        || (b.len() > 1 && (b[0] == b'V' || b[0] == b'v') && b[1].is_ascii_digit())
}

/// `V12__add_reads.sql` -> (12, "add_reads"); anything else is an error.
pub fn parse_file_name(file_name: &str) -> Result<(u32, String)> {
    let stem = file_name
        .strip_suffix(".sql")
        .ok_or_else(|| anyhow!("`{file_name}` does not end in .sql"))?;
    let rest = stem
        .strip_prefix('V')
        .ok_or_else(|| anyhow!("`{file_name}` does not start with V"))?;
    let (digits, name) = rest
        .split_once("__")
        .ok_or_else(|| anyhow!("`{file_name}` has no `__` between version and name"))?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        bail!("`{file_name}`: the version must be a positive integer without leading zeros");
    }
    let version: u32 = digits
        .parse()
        .ok()
        .filter(|v| *v <= i32::MAX as u32)
        .ok_or_else(|| anyhow!("`{file_name}`: version {digits} is too large"))?;
    let snake = !name.is_empty()
        && name.split('_').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if !snake {
        bail!("`{file_name}`: the name must be snake_case (lowercase letters, digits, single underscores)");
    }
    Ok((version, name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_strict() {
        assert_eq!(
            parse_file_name("V1__initial_schema.sql").expect("valid").0,
            1
        );
        assert_eq!(
            parse_file_name("V12__a1_b2.sql").expect("valid"),
            (12, "a1_b2".into())
        );
        for bad in [
            "V2__add-email.sql",
            "V2_add_email.sql",
            "v2__add_email.sql",
            "V02__add_email.sql",
            "V0__x.sql",
            "Vx__add.sql",
            "V2__Add.sql",
            "V2__a__b.sql",
            "V2__.sql",
            "V99999999999__x.sql",
        ] {
            assert!(parse_file_name(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn only_sql_and_versioned_files_are_meant_as_migrations() {
        for yes in ["V1__a.sql", "x.SQL", "V2__add-email.sql", "v3_oops"] {
            assert!(looks_like_migration(yes), "{yes}");
        }
        for no in ["README.md", ".gitkeep", "V", "Vx.txt"] {
            assert!(!looks_like_migration(no), "{no}");
        }
    }
}
