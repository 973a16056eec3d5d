//! Keeping passwords out of every line chatdb prints.
//!
//! Two layers: URLs are displayed through [`redact_url`], which masks the password of
//! `scheme://user:password@host` and `password=...` key/value strings; and every error
//! message passes through [`Secrets::scrub`], which replaces any password chatdb has seen
//! (from the URL it was given) wherever it appears, even inside a driver's message.

use std::sync::Mutex;

const MASK: &str = "********";

/// Passwords seen while resolving settings, to be scrubbed from error output.
#[derive(Default)]
pub struct Secrets(Mutex<Vec<String>>);

impl Secrets {
    /// Remembers the password in `url`, if it has one.
    pub fn remember_url(&self, url: &str) {
        if let Some(password) = password_of(url) {
            if !password.is_empty() {
                if let Ok(mut list) = self.0.lock() {
                    list.push(password.clone());
                    // The percent-decoded form may appear in driver messages too.
                    let decoded = percent_decode(&password);
                    if decoded != password {
                        list.push(decoded);
                    }
                }
            }
        }
    }

    /// Replaces every remembered password in `text`, and masks any URL password left.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = redact_urls_in(text);
        if let Ok(list) = self.0.lock() {
            for secret in list.iter() {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }
}

/// The password embedded in a database URL or key=value connection string, if any.
fn password_of(url: &str) -> Option<String> {
    if let Some((_, rest)) = url.split_once("://") {
        let authority = rest.split(['/', '?']).next().unwrap_or(rest);
        let userinfo = authority.rsplit_once('@')?.0;
        return userinfo.split_once(':').map(|(_, p)| p.to_string());
    }
    key_value_password(url).map(|(start, end)| url[start..end].to_string())
}

/// Byte range of the value of `password=` in a key=value connection string.
fn key_value_password(s: &str) -> Option<(usize, usize)> {
    let idx = find_key(s, "password")?;
    let mut start = idx + "password".len();
    let bytes = s.as_bytes();
    while start < bytes.len() && bytes[start] == b' ' {
        start += 1;
    }
    if start >= bytes.len() || bytes[start] != b'=' {
        return None;
    }
    start += 1;
    while start < bytes.len() && bytes[start] == b' ' {
        start += 1;
    }
    if start < bytes.len() && bytes[start] == b'\'' {
        let body = start + 1;
        let mut end = body;
        while end < bytes.len() && bytes[end] != b'\'' {
            if bytes[end] == b'\\' {
                end += 1;
            }
            end += 1;
        }
        return Some((body, end.min(bytes.len())));
    }
    let end = s[start..].find(' ').map_or(s.len(), |e| start + e);
    Some((start, end))
}

fn find_key(s: &str, key: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(key) {
        let at = from + pos;
        let boundary = at == 0 || lower.as_bytes()[at - 1] == b' ';
        if boundary {
            return Some(at);
        }
        from = at + key.len();
    }
    None
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A database URL with its password masked, fit to print.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if let Some((userinfo, host)) = authority.rsplit_once('@') {
            if let Some((user, _)) = userinfo.split_once(':') {
                return format!("{scheme}://{user}:{MASK}@{host}{tail}");
            }
        }
        return url.to_string();
    }
    match key_value_password(url) {
        Some((start, end)) => format!("{}{MASK}{}", &url[..start], &url[end..]),
        None => url.to_string(),
    }
}

/// Masks the password of every `scheme://user:password@` that appears inside free text.
fn redact_urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (before, after) = rest.split_at(pos + 3);
        out.push_str(before);
        let end = after
            .find(|c: char| c.is_whitespace() || c == '/' || c == '?' || c == '"' || c == '\'')
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rsplit_once('@') {
            Some((userinfo, host)) if userinfo.contains(':') => {
                let user = userinfo.split(':').next().unwrap_or("");
                out.push_str(user);
                out.push(':');
                out.push_str(MASK);
                out.push('@');
                out.push_str(host);
            }
            _ => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
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
        assert_eq!(redact_url("postgres://app@db/x"), "postgres://app@db/x");
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
            "host=db password='********' dbname=x"
        );
    }

    #[test]
    fn scrubs_remembered_passwords_anywhere() {
        let s = Secrets::default();
        s.remember_url("postgres://app:p%40ss@db/x");
        let text = s.scrub("failed for p@ss and p%40ss at postgres://u:other@h/x");
        assert!(!text.contains("p@ss") && !text.contains("p%40ss") && !text.contains("other"));
    }
}
