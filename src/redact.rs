//! Keeping passwords out of every line chatdb prints.
//!
//! Two layers. A database is shown through [`redact_url`], which renders it from its
//! parsed form (`conninfo::display`): the user's text is never edited, so no quoting or
//! encoding trick can leave part of a password in it. Free text that chatdb did not write
//! itself (driver and server messages, panic messages, config-file errors) passes through
//! [`Secrets::scrub`], which knows every reading of every password chatdb was given and
//! removes it:
//! - structurally, wherever text looks like credentials (`scheme://user:...@`,
//!   `password=...`, `:secret@`), whatever the password;
//! - anywhere else only when the password cannot be mistaken for ordinary text: at least
//!   four characters and not a plain word or number, or at least eight characters (a
//!   word-like one only as a whole word), and never when it is part of the user, host or
//!   database name. A short or common password (`e`, `postgres`) is never masked in
//!   unrelated text, because `conn********ct` would give it away.
//!
//! Masks have one length ([`MASK`]), so nothing shown depends on a password's length.
//! [`SECRETS`] is process-wide so the panic hook in `main` can use it.

use std::sync::{Mutex, MutexGuard, TryLockError};

pub use crate::conninfo::MASK;
use crate::conninfo::{self, password_value_ranges};

/// The passwords seen while resolving settings (and the displays of their targets).
pub struct Secrets(Mutex<Known>);

struct Known {
    /// Every reading of every password, longest first.
    secrets: Vec<String>,
    /// Text known to hold no secret (the displays), so a password that is part of it is
    /// never masked in unrelated places.
    public: Vec<String>,
}

/// The process's secrets: filled by `commands::run`, read by the panic hook.
pub static SECRETS: Secrets = Secrets::new();

impl Default for Secrets {
    fn default() -> Self {
        Secrets::new()
    }
}

impl Secrets {
    pub const fn new() -> Self {
        Secrets(Mutex::new(Known {
            secrets: Vec::new(),
            public: Vec::new(),
        }))
    }

    fn known(&self) -> MutexGuard<'_, Known> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Remembers every reading of the password in `url` (a URL, a key=value string, or
    /// anything the user gave as one).
    pub fn remember_url(&self, url: &str) {
        let candidates = conninfo::password_candidates(url);
        let display = conninfo::display(url);
        let mut known = self.known();
        for c in candidates {
            if !known.secrets.contains(&c) {
                known.secrets.push(c);
            }
        }
        known
            .secrets
            .sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
        known.public.push(display);
    }

    /// Remembers one password as given (`PGPASSWORD`-style, no URL around it).
    #[cfg(test)]
    pub fn remember_password(&self, password: &str) {
        if !password.is_empty() {
            let mut known = self.known();
            known.secrets.push(password.to_string());
            known
                .secrets
                .sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
        }
    }

    /// `text` with every password removed (see the module header).
    pub fn scrub(&self, text: &str) -> String {
        scrub_with(&self.known(), text)
    }

    /// Like [`Secrets::scrub`] but never blocks: `None` when the secrets are locked (a
    /// panic inside `scrub` itself), so the panic hook can withhold the message instead.
    pub fn try_scrub(&self, text: &str) -> Option<String> {
        match self.0.try_lock() {
            Ok(known) => Some(scrub_with(&known, text)),
            Err(TryLockError::Poisoned(p)) => Some(scrub_with(&p.into_inner(), text)),
            Err(TryLockError::WouldBlock) => None,
        }
    }
}

fn scrub_with(known: &Known, text: &str) -> String {
    let mut out = text.to_string();
    for secret in &known.secrets {
        out = out.replace(&format!(":{secret}@"), &format!(":{MASK}@"));
        if maskable_anywhere(secret, &known.public) {
            let wordlike = secret.chars().all(char::is_alphanumeric);
            out = replace_all(&out, secret, wordlike || secret.chars().count() < 8);
        }
    }
    let out = redact_urls_in(&out);
    redact_password_values(&out)
}

/// Whether a password may be masked wherever it appears (see the module header).
fn maskable_anywhere(secret: &str, public: &[String]) -> bool {
    let lower = secret.to_lowercase();
    let n = secret.chars().count();
    let wordlike =
        secret.chars().all(char::is_alphabetic) || secret.chars().all(|c| c.is_ascii_digit());
    (n >= 8 || n >= 4 && !wordlike)
        && !MASK.contains(secret)
        && !public.iter().any(|p| p.to_lowercase().contains(&lower))
}

/// Replaces every occurrence of `secret`; with `bounded`, only where it is not glued to
/// letters or digits on a side where the secret itself starts or ends with one.
fn replace_all(text: &str, secret: &str, bounded: bool) -> String {
    if secret.is_empty() {
        return text.to_string();
    }
    let starts_word = secret.chars().next().is_some_and(char::is_alphanumeric);
    let ends_word = secret.chars().last().is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(secret) {
        let before = rest[..pos].chars().last();
        let after = rest[pos + secret.len()..].chars().next();
        let glued = (starts_word && before.is_some_and(char::is_alphanumeric))
            || (ends_word && after.is_some_and(char::is_alphanumeric));
        out.push_str(&rest[..pos]);
        if bounded && glued {
            out.push_str(secret);
        } else {
            out.push_str(MASK);
        }
        rest = &rest[pos + secret.len()..];
    }
    out.push_str(rest);
    out
}

/// A database URL fit to print, rendered from its parsed form.
pub fn redact_url(url: &str) -> String {
    conninfo::display(url)
}

/// Masks the password of every `scheme://user:password@` inside free text: everything
/// between the first `:` after `//` and the last `@` before whitespace or a quote.
fn redact_urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (before, after) = rest.split_at(pos + 3);
        out.push_str(before);
        let end = after
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>'))
            .unwrap_or(after.len());
        let span = &after[..end];
        match span.rfind('@') {
            Some(at) if span[..at].contains(':') => {
                let user = span[..at].split(':').next().unwrap_or("");
                out.push_str(user);
                out.push(':');
                out.push_str(MASK);
                out.push_str(&span[at..]);
            }
            _ => out.push_str(span),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Masks the value of every `password=...` inside free text.
fn redact_password_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in password_value_ranges(text) {
        if start < last {
            continue;
        }
        out.push_str(&text[last..start]);
        out.push_str(MASK);
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_url_passwords() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/x?sslmode=require"),
            "postgres://app:********@db:5432/x?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://app@db:5432/x"),
            "postgres://app@db:5432/x"
        );
        assert_eq!(
            redact_url("sqlite://chatdb.sqlite3"),
            "sqlite://chatdb.sqlite3"
        );
    }

    #[test]
    fn masks_key_value_passwords() {
        assert_eq!(
            redact_url("host=db user=app password=s3cret dbname=x"),
            "host=db user=app password=******** dbname=x"
        );
        assert_eq!(
            redact_url("host=db password='a b' dbname=x"),
            "host=db password=******** dbname=x"
        );
    }

    #[test]
    fn scrubs_remembered_passwords_anywhere() {
        let s = Secrets::default();
        s.remember_url("postgres://app:p%40ss@db/x");
        let text = s.scrub("failed for p@ss and p%40ss at postgres://u:other@h/x");
        assert!(!text.contains("p@ss") && !text.contains("p%40ss") && !text.contains("other"));
    }

    #[test]
    fn a_panic_message_with_a_multibyte_password_is_scrubbed() {
        let s = Secrets::default();
        s.remember_url("postgres://app:Xy%zé7secret@127.0.0.1:1/x");
        let text = s.scrub("end byte index 7 is not a char boundary of `Xy%zé7secret`");
        assert!(!text.contains("secret") && !text.contains("Xy%z"), "{text}");
    }

    #[test]
    fn a_one_letter_password_is_not_masked_in_unrelated_words() {
        let s = Secrets::default();
        s.remember_url("postgres://postgres:e@127.0.0.1:1/x");
        let text =
            s.scrub("cannot connect to postgres://postgres:e@127.0.0.1:1/x: connection refused");
        assert_eq!(
            text,
            "cannot connect to postgres://postgres:********@127.0.0.1:1/x: connection refused"
        );
    }

    #[test]
    fn a_password_equal_to_the_user_name_is_not_masked_in_the_user_name() {
        let s = Secrets::default();
        s.remember_url("postgres://postgres:postgres@127.0.0.1:1/x");
        let text = s.scrub("role postgres at postgres://postgres:postgres@127.0.0.1:1/x");
        assert_eq!(
            text,
            "role postgres at postgres://postgres:********@127.0.0.1:1/x"
        );
    }

    #[test]
    fn key_value_passwords_after_tabs_and_newlines_are_masked() {
        let s = Secrets::default();
        for text in [
            "host=h\tpassword=Sup3r dbname=x",
            "host=h\npassword='Sup3r x' dbname=x",
            "host=h PASSWORD = Sup3r",
        ] {
            let out = s.scrub(text);
            assert!(!out.contains("Sup3r"), "{out}");
        }
    }

    #[test]
    fn passwords_with_spaces_and_quotes_inside_urls_are_masked() {
        let s = Secrets::default();
        s.remember_url("postgres://u:a b'c@h/x");
        let out = s.scrub("seen postgres://u:a b'c@h/x here");
        assert!(!out.contains("a b'c"), "{out}");
        s.remember_password("zz");
        assert_eq!(
            s.scrub("jazz zz"),
            "jazz zz",
            "short: not masked in free text"
        );
    }
}
