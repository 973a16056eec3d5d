//! Rendering command results, one module per format, each writing to any `io::Write` (so
//! every reporter is tested into a buffer, in-process):
//! - [`table`]: comfy-table for people, and the findings tables `check` and `validate` share;
//! - [`json`]: pretty JSON for machines, with the envelope every command's document starts
//!   with, and the error document;
//! - [`github`]: GitHub Actions workflow annotations for findings;
//! - [`prometheus`]: the Prometheus text exposition format (`stats --format prometheus`).
//!
//! Commands build plain data (a report struct, [`crate::finding::Finding`]s) and keep their
//! own data-to-rows mapping beside it; the pieces several commands print the same way live
//! here (the target label is [`crate::db::place`], reached through
//! [`json::Envelope::target_label`]).

pub mod github;
pub mod json;
pub mod prometheus;
pub mod table;

pub use table::new as table;

/// `1 error`, `2 errors`, `0 warnings`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The error of a command that needs the schema installed and found no history: the same
/// sentence for `check` and `seed`.
pub fn not_installed(schema: &str, target: &str, history_table: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "schema `{schema}` is not installed on {target} (no rows in {history_table}): run `chatdb migrate` first"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_and_the_not_installed_sentence() {
        assert_eq!(plural(1, "error"), "1 error");
        assert_eq!(plural(0, "warning"), "0 warnings");
        assert_eq!(plural(2, "error"), "2 errors");
        let e = not_installed("chat", "sqlite://x.db", "chatdb_chat_history");
        assert!(e.to_string().contains("run `chatdb migrate` first"));
    }
}
