//! Database URLs and key=value connection strings, read the way the PostgreSQL driver
//! reads them, and shown from their parsed form, never by editing the text the user typed.
//!
//! Why not the `url` crate: rust-postgres does not parse URLs as WHATWG URLs. It takes the
//! credentials up to the first `@` anywhere in the string (so a raw `/`, `?` or `#` in a
//! password belongs to the password), and percent-decodes each part itself. A display
//! built from a different parser shows a different database, and a redactor built from one
//! misses the password the driver actually sends (issue 11, defect 1). So this module
//! mirrors the driver's grammar, refuses the shapes where the driver would read something
//! other than what the user evidently meant (a second `@` before the host, an `@` after
//! it), lets the driver parse the rest (`postgres::Config`), and renders the display from
//! that config. Key=value strings are tokenized with libpq's rules (any whitespace
//! separates, single quotes, backslash escapes) and handed to the driver re-quoted, so the
//! two never disagree about where a value ends.
//!
//! Error messages here never quote the user's text: they name a keyword chatdb knows, a
//! scheme, or a character position.

use std::path::PathBuf;

use anyhow::{bail, Result};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

/// What every password is shown as: the same length whatever the password.
pub const MASK: &str = "********";

/// Keywords the driver understands, plus `sslrootcert` (chatdb's own).
const KEYWORDS: &[&str] = &[
    "user",
    "password",
    "dbname",
    "options",
    "application_name",
    "sslmode",
    "sslrootcert",
    "sslnegotiation",
    "host",
    "hostaddr",
    "port",
    "connect_timeout",
    "tcp_user_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_retries",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
];

/// Characters escaped when a user, host or database name is shown inside a URL.
const COMPONENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'\'')
    .add(b'/')
    .add(b':')
    .add(b';')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'`')
    .add(b',');

/// How the user wrote a PostgreSQL target; the display keeps that style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Url,
    KeyValue,
}

/// A PostgreSQL target split the way chatdb hands it to the driver.
#[derive(Debug, Clone)]
pub struct PgText {
    /// The text for `postgres::Config::from_str`, without `sslmode`/`sslrootcert`.
    pub driver_text: String,
    /// `sslmode` and `sslrootcert`, decoded (rust-postgres rejects the values it lacks).
    pub ssl_params: Vec<(String, String)>,
    pub style: Style,
}

/// The scheme of `text` (`postgres` in `postgres://...`), if it starts with a well-formed
/// one. Safe to print: a scheme holds letters, digits, `+`, `-` and `.` only.
pub fn scheme_of(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once("://")?;
    let mut chars = scheme.chars();
    let ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && scheme.len() <= 32;
    ok.then_some(scheme)
}

/// True when `text` is a `postgres://` or `postgresql://` URL (scheme in any case).
pub fn is_postgres_url(text: &str) -> bool {
    scheme_of(text)
        .is_some_and(|s| s.eq_ignore_ascii_case("postgres") || s.eq_ignore_ascii_case("postgresql"))
}

/// Splits a PostgreSQL URL or key=value string into the driver's text and chatdb's TLS
/// parameters, refusing the shapes the driver would misread.
pub fn split_postgres(text: &str) -> Result<PgText> {
    let text = text.trim();
    if is_postgres_url(text) {
        split_url(text)
    } else {
        split_key_value(text)
    }
}

fn split_url(text: &str) -> Result<PgText> {
    let Some((_, rest)) = text.split_once("://") else {
        bail!("invalid PostgreSQL URL: no `://`");
    };
    // Mirror the driver: credentials end at the first `@`, the host at `/` or `?`.
    let (creds, after) = match rest.find('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    if let Some(creds) = creds {
        let user = creds.split(':').next().unwrap_or("");
        if user.contains(['/', '?', '#']) {
            bail!("invalid PostgreSQL URL: an `@` after the host (in the path or a query parameter) must be written %40; only user:password@ may precede the host");
        }
    }
    // A second `@` in the host or database name: the user meant it for the password.
    let path_end = after.find('?').unwrap_or(after.len());
    if after[..path_end].contains('@') {
        bail!("invalid PostgreSQL URL: more than one `@` before the query string; write an `@` inside the user name, password or database name as %40");
    }
    // A `?` inside the credentials belongs to the password (the driver's reading).
    let creds_len = creds.map_or(0, |c| c.len() + 1);
    let (base, query) = match after.find('?') {
        Some(q) => (&rest[..creds_len + q], Some(&after[q + 1..])),
        None => (rest, None),
    };
    let mut kept = Vec::new();
    let mut ssl_params = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(k);
        if key == "sslmode" || key == "sslrootcert" {
            ssl_params.push((key, decode(v)));
        } else {
            kept.push(pair);
        }
    }
    let mut driver_text = format!("postgres://{base}");
    if !kept.is_empty() {
        driver_text.push('?');
        driver_text.push_str(&kept.join("&"));
    }
    Ok(PgText {
        driver_text,
        ssl_params,
        style: Style::Url,
    })
}

fn split_key_value(text: &str) -> Result<PgText> {
    let pairs = tokenize_key_value(text)?;
    let mut kept = Vec::new();
    let mut ssl_params = Vec::new();
    for (key, value) in pairs {
        if key == "sslmode" || key == "sslrootcert" {
            ssl_params.push((key, value));
        } else {
            kept.push(format!("{key}={}", quote_value(&value)));
        }
    }
    Ok(PgText {
        driver_text: kept.join(" "),
        ssl_params,
        style: Style::KeyValue,
    })
}

/// Tokenizes a key=value connection string with libpq's rules: pairs separated by any
/// whitespace, optional whitespace around `=`, a value either single-quoted or running to
/// the next whitespace, `\` escaping the next character in both. Unknown keywords are an
/// error (the driver refuses them too), named only when chatdb knows them.
pub fn tokenize_key_value(text: &str) -> Result<Vec<(String, String)>> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut pairs = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        if i >= chars.len() {
            break;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        if !KEYWORDS.contains(&key.as_str()) {
            if key.is_empty() {
                bail!(
                    "invalid connection string: `=` without a keyword at character {}",
                    start + 1
                );
            }
            bail!(
                "invalid connection string: unknown keyword at character {} (known: {})",
                start + 1,
                KEYWORDS.join(", ")
            );
        }
        skip_ws(&mut i);
        if i >= chars.len() || chars[i] != '=' {
            bail!("invalid connection string: `{key}` is not followed by `=`");
        }
        i += 1;
        skip_ws(&mut i);
        let mut value = String::new();
        if i < chars.len() && chars[i] == '\'' {
            i += 1;
            loop {
                match chars.get(i) {
                    None => bail!(
                        "invalid connection string: the quoted value of `{key}` is not closed"
                    ),
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some('\\') => {
                        if let Some(c) = chars.get(i + 1) {
                            value.push(*c);
                        }
                        i += 2;
                    }
                    Some(c) => {
                        value.push(*c);
                        i += 1;
                    }
                }
            }
        } else {
            while i < chars.len() && !chars[i].is_whitespace() {
                if chars[i] == '\\' {
                    if let Some(c) = chars.get(i + 1) {
                        value.push(*c);
                    }
                    i += 2;
                } else {
                    value.push(chars[i]);
                    i += 1;
                }
            }
            if value.is_empty() {
                bail!("invalid connection string: `{key}` has no value (quote an empty one: {key}='')");
            }
        }
        pairs.push((key, value));
    }
    if pairs.is_empty() {
        bail!("invalid connection string: no key=value pairs");
    }
    Ok(pairs)
}

/// A value quoted for a key=value string: `'...'` with `\` and `'` escaped.
pub fn quote_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A value as shown in a key=value display: bare when that reads back the same.
fn show_value(value: &str) -> String {
    let bare = !value.is_empty()
        && !value
            .chars()
            .any(|c| c.is_whitespace() || c == '\'' || c == '\\' || c.is_control());
    if bare {
        value.to_string()
    } else {
        quote_value(value)
    }
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// The display of a parsed PostgreSQL target: scheme, user, host(s), port(s), database and
/// the options that hold no secret (`sslmode`, `sslrootcert`, `application_name`), in the
/// style the user wrote. A password shows as [`MASK`], whatever its length.
pub fn display_postgres(
    config: &postgres::Config,
    ssl_params: &[(String, String)],
    style: Style,
) -> String {
    use postgres::config::Host;
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            Host::Unix(path) => path.to_string_lossy().into_owned(),
        })
        .collect();
    let ports = config.get_ports();
    let has_password = config.get_password().is_some();
    let mut options: Vec<(String, String)> = ssl_params.to_vec();
    if let Some(app) = config.get_application_name() {
        options.push(("application_name".into(), app.to_string()));
    }
    match style {
        Style::KeyValue => {
            let mut parts = Vec::new();
            if !hosts.is_empty() {
                parts.push(format!("host={}", show_value(&hosts.join(","))));
            }
            if !config.get_hostaddrs().is_empty() {
                let addrs: Vec<String> = config
                    .get_hostaddrs()
                    .iter()
                    .map(|a| a.to_string())
                    .collect();
                parts.push(format!("hostaddr={}", addrs.join(",")));
            }
            if !ports.is_empty() {
                let ports: Vec<String> = ports.iter().map(|p| p.to_string()).collect();
                parts.push(format!("port={}", ports.join(",")));
            }
            if let Some(user) = config.get_user() {
                parts.push(format!("user={}", show_value(user)));
            }
            if has_password {
                parts.push(format!("password={MASK}"));
            }
            if let Some(db) = config.get_dbname() {
                parts.push(format!("dbname={}", show_value(db)));
            }
            for (k, v) in options {
                parts.push(format!("{k}={}", show_value(&v)));
            }
            parts.join(" ")
        }
        Style::Url => {
            let mut s = String::from("postgres://");
            match (config.get_user(), has_password) {
                (Some(user), true) => s.push_str(&format!("{}:{MASK}@", encode(user))),
                (Some(user), false) => s.push_str(&format!("{}@", encode(user))),
                (None, true) => s.push_str(&format!(":{MASK}@")),
                (None, false) => {}
            }
            let mut unix = Vec::new();
            let mut netloc = Vec::new();
            for (i, h) in config.get_hosts().iter().enumerate() {
                let port = ports.get(i).map(|p| format!(":{p}")).unwrap_or_default();
                match h {
                    Host::Tcp(name) if name.contains(':') => netloc.push(format!("[{name}]{port}")),
                    Host::Tcp(name) => netloc.push(format!("{}{port}", encode(name))),
                    #[cfg(unix)]
                    Host::Unix(path) => unix.push(path.to_string_lossy().into_owned()),
                }
            }
            s.push_str(&netloc.join(","));
            if let Some(db) = config.get_dbname() {
                s.push('/');
                s.push_str(&encode(db));
            }
            let mut query: Vec<String> =
                unix.iter().map(|p| format!("host={}", encode(p))).collect();
            query.extend(options.iter().map(|(k, v)| format!("{k}={}", encode(v))));
            if !query.is_empty() {
                s.push('?');
                s.push_str(&query.join("&"));
            }
            s
        }
    }
}

/// A parsed SQLite target: a file, or `None` for an in-memory database.
pub fn parse_sqlite(text: &str) -> Result<Option<PathBuf>> {
    let rest = text.strip_prefix("sqlite:").unwrap_or(text);
    let path = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    if let Some(query) = query {
        // Nothing is ignored silently: `?mode=ro` would not stop a writing command.
        let key = query.split(['&', '=']).next().unwrap_or("");
        let named = !key.is_empty()
            && key.len() <= 32
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if named {
            bail!("SQLite URL parameter `{key}` is not supported: chatdb takes no parameters on sqlite:// URLs (it would ignore them, and `mode=ro` would not keep a writing command from writing); remove `?{key}...`");
        }
        bail!("SQLite URLs take no parameters: remove everything from the `?`");
    }
    if path == ":memory:" {
        return Ok(None);
    }
    if path.is_empty() {
        bail!("the SQLite URL names no file: use sqlite://path/to/file.sqlite3");
    }
    Ok(Some(PathBuf::from(path)))
}

/// The display of a SQLite target.
pub fn display_sqlite(path: Option<&std::path::Path>) -> String {
    match path {
        None => "sqlite::memory:".to_string(),
        Some(p) => format!("sqlite://{}", p.display()),
    }
}

/// A database URL fit to print, from its parsed form; for text that does not parse, only
/// its scheme (or nothing of it).
pub fn display(text: &str) -> String {
    let text = text.trim();
    if text.starts_with("sqlite:") {
        return match parse_sqlite(text) {
            Ok(path) => display_sqlite(path.as_deref()),
            Err(_) => "sqlite://(invalid URL)".to_string(),
        };
    }
    if is_postgres_url(text) || (scheme_of(text).is_none() && text.contains('=')) {
        if let Ok(split) = split_postgres(text) {
            if let Ok(config) = split.driver_text.parse::<postgres::Config>() {
                return display_postgres(&config, &split.ssl_params, split.style);
            }
        }
        return if is_postgres_url(text) {
            "postgres://(invalid URL)".to_string()
        } else {
            "(invalid connection string)".to_string()
        };
    }
    match scheme_of(text) {
        Some(scheme) => format!("{scheme}://(unsupported URL)"),
        None => "(unrecognised database URL)".to_string(),
    }
}

/// Every string that could be the password in `text`, for the scrubber: the driver's own
/// reading (decoded), the raw text it came from, and the readings of a lenient parser for
/// text the driver refuses (a second `@`, an unknown scheme). Deduplicated, non-empty.
pub fn password_candidates(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    let text = text.trim();
    if let Ok(split) = split_postgres(text) {
        if let Ok(config) = split.driver_text.parse::<postgres::Config>() {
            if let Some(pw) = config.get_password() {
                add(&String::from_utf8_lossy(pw));
            }
        }
    }
    if let Some((_, rest)) = text.split_once("://") {
        // The driver's credentials (up to the first `@`) and the widest reading (up to the
        // last `@` before the first whitespace), raw and decoded.
        let first = rest.find('@');
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let last = rest[..word_end].rfind('@').or(rest.rfind('@'));
        for at in [first, last].into_iter().flatten() {
            if let Some((_, pw)) = rest[..at].split_once(':') {
                add(pw);
                add(&decode(pw));
            }
        }
        // `?password=...` in the query string.
        if let Some((_, query)) = rest.split_once('?') {
            for pair in query.split('&') {
                if let Some((k, v)) = pair.split_once('=') {
                    if decode(k).to_ascii_lowercase().ends_with("password") {
                        add(v);
                        add(&decode(v));
                    }
                }
            }
        }
    } else {
        if let Ok(pairs) = tokenize_key_value(text) {
            for (k, v) in pairs {
                if k == "password" {
                    add(&v);
                }
            }
        }
        // Lenient: whatever follows `password=` up to whitespace, quoted or not.
        for value in key_value_password_spans(text) {
            add(value.trim_matches('\''));
            add(value);
        }
    }
    out
}

/// The raw text of every `password = value` in `text` (case-insensitive keyword, any
/// keyword ending in `password`), for the lenient reading and for the free-text scrubber.
pub fn key_value_password_spans(text: &str) -> Vec<&str> {
    password_value_ranges(text)
        .into_iter()
        .map(|(s, e)| &text[s..e])
        .collect()
}

/// Byte ranges of the values of `password=` in free text: a quoted value to its closing
/// quote (backslash escapes honoured, the quotes included), a bare one to the next
/// whitespace.
pub fn password_value_ranges(text: &str) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = lower[from..].find("password") {
        let mut i = from + pos + "password".len();
        from = i;
        let bytes = text.as_bytes();
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != b'=' {
            continue;
        }
        i += 1;
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
            i += 1;
        }
        let start = i;
        if i < bytes.len() && bytes[i] == b'\'' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'\'' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(bytes.len());
        } else {
            while i < bytes.len() && !(bytes[i] as char).is_ascii_whitespace() {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i = i.min(bytes.len());
        }
        // Byte steps above may land inside a multi-byte character: widen to a boundary.
        while i < text.len() && !text.is_char_boundary(i) {
            i += 1;
        }
        if i > start {
            out.push((start, i));
        }
        from = i.max(from);
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn shown(url: &str) -> String {
        display(url)
    }

    #[test]
    fn urls_are_displayed_from_their_parsed_form() {
        assert_eq!(
            shown("postgres://app:s3cret@db:5432/x?sslmode=require"),
            "postgres://app:********@db:5432/x?sslmode=require"
        );
        assert_eq!(shown("postgres://app@db/x"), "postgres://app@db:5432/x");
        assert_eq!(shown("sqlite://chatdb.sqlite3"), "sqlite://chatdb.sqlite3");
        assert_eq!(shown("sqlite::memory:"), "sqlite::memory:");
        // The driver's reading: the password runs to the first `@`.
        assert_eq!(
            shown("postgres://app:pa/ss@127.0.0.1:1/x"),
            "postgres://app:********@127.0.0.1:1/x"
        );
        assert_eq!(
            shown("postgres://app@127.0.0.1:1/x?password=s3cret"),
            "postgres://app:********@127.0.0.1:1/x"
        );
        assert_eq!(
            shown("postgres://postgres:e@127.0.0.1:1/connect"),
            "postgres://postgres:********@127.0.0.1:1/connect"
        );
        assert_eq!(shown("mysql://u:pw@h/db"), "mysql://(unsupported URL)");
        assert_eq!(shown("u:pw"), "(unrecognised database URL)");
    }

    #[test]
    fn key_value_strings_are_displayed_from_their_parsed_form() {
        assert_eq!(
            shown("host=db user=app password=s3cret dbname=x"),
            "host=db user=app password=******** dbname=x"
        );
        assert_eq!(
            shown("host=db\tpassword='a b'\ndbname=x"),
            "host=db password=******** dbname=x"
        );
        assert_eq!(
            shown("host=db password = 'it\\'s' user='a b'"),
            "host=db user='a b' password=********"
        );
    }

    #[test]
    fn a_second_at_sign_before_the_host_is_refused_without_echo() {
        for bad in [
            "postgres://app:p@ss@127.0.0.1:1/x",
            "postgres://h/db?password=p@ss",
        ] {
            let err = split_postgres(bad).expect_err(bad).to_string();
            assert!(!err.contains("p@ss") && !err.contains("@ss"), "{err}");
        }
    }

    #[test]
    fn libpq_quoting_rules() {
        let pairs = tokenize_key_value("host = h\npassword='a \\' b'\tuser=x\\ y").expect("ok");
        assert_eq!(
            pairs,
            vec![
                ("host".to_string(), "h".to_string()),
                ("password".to_string(), "a ' b".to_string()),
                ("user".to_string(), "x y".to_string()),
            ]
        );
        for bad in ["host", "host=", "password='open", "secret=x", "=x"] {
            let err = tokenize_key_value(bad).expect_err(bad).to_string();
            assert!(!err.contains("open") && !err.contains("secret"), "{err}");
        }
    }

    #[test]
    fn candidates_include_the_drivers_password_and_raw_forms() {
        let c = password_candidates("postgres://app:Xy%zé7secret@127.0.0.1:1/x");
        assert!(c.contains(&"Xy%zé7secret".to_string()), "{c:?}");
        let c = password_candidates("postgres://app:p%40ss@h/x");
        assert!(c.contains(&"p@ss".to_string()) && c.contains(&"p%40ss".to_string()));
        let c = password_candidates("postgres://app:p@ss@h/x");
        assert!(c.contains(&"p@ss".to_string()), "{c:?}");
        let c = password_candidates("host=h\tpassword='a b'");
        assert!(c.contains(&"a b".to_string()), "{c:?}");
        let c = password_candidates("mysql://u:pw@h/x");
        assert!(c.contains(&"pw".to_string()), "{c:?}");
    }

    #[test]
    fn sqlite_parameters_are_refused_naming_the_parameter() {
        let err = parse_sqlite("sqlite://f.db?mode=ro").expect_err("refused");
        assert!(err.to_string().contains("`mode`"), "{err}");
        assert!(parse_sqlite("sqlite://f.db").is_ok());
    }

    pub(crate) mod props {
        use proptest::prelude::*;

        use super::super::*;
        use crate::db::postgres::PgTarget;
        use crate::db::Target;
        use crate::redact::Secrets;

        /// A few thousand cases in the regular suite; `PROPTEST_CASES` for long runs.
        pub fn config() -> ProptestConfig {
            let cases = std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(2000);
            ProptestConfig::with_cases(cases)
        }

        /// Passwords: any characters, weighted towards the ones URLs and conninfo treat
        /// specially, `%` before non-hex and multi-byte characters included.
        fn password() -> impl Strategy<Value = String> {
            let special = prop::sample::select(vec![
                "/", "?", "#", "@", ":", "%", "%z", "%é", "%4", "+", " ", "\t", "\n", "'", "\"",
                "\\", "é", "中", "🔑", "&", "=", "*",
            ]);
            let piece = prop_oneof![
                3 => "[a-zA-Z0-9]{1,4}",
                2 => special.prop_map(|s| s.to_string()),
                1 => any::<char>().prop_map(|c| c.to_string()),
            ];
            prop::collection::vec(piece, 1..6).prop_map(|v| v.concat())
        }

        fn enc(s: &str) -> String {
            s.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect()
        }

        /// Stands in for a password in the neutral run each case is compared with.
        const NEUTRAL: &str = "QjQjQjQj";

        /// The password is not visible in `shown`, unless the neutral run shows it too
        /// (it is then part of the text around it: `:*` in `:********`).
        fn hidden(pw: &str, shown: &str, neutral: &str) -> bool {
            let pw = pw.trim();
            pw.is_empty() || neutral.contains(pw) || !shown.contains(pw)
        }

        proptest! {
            #![proptest_config(config())]

            #[test]
            fn no_input_panics_the_parsers_or_the_scrubber(text in any::<String>()) {
                let _ = Target::parse(&text);
                let _ = PgTarget::parse(&text);
                let _ = display(&text);
                let _ = password_candidates(&text);
                let _ = tokenize_key_value(&text);
                let _ = parse_sqlite(&text);
                let secrets = Secrets::default();
                secrets.remember_url(&text);
                let _ = secrets.scrub(&text);
            }

            #[test]
            fn url_shaped_input_never_panics(
                scheme in prop::sample::select(vec!["postgres://", "postgresql://", "POSTGRES://", "sqlite://", "mysql://", ""]),
                body in "[a-z:@/?#%=&é中 ]{0,30}",
            ) {
                let text = format!("{scheme}{body}");
                let _ = Target::parse(&text);
                let _ = display(&text);
                let secrets = Secrets::default();
                secrets.remember_url(&text);
                let _ = secrets.scrub(&text);
            }

            #[test]
            fn a_url_password_never_shows_in_the_display_errors_or_scrubbed_text(
                pw in password(),
                raw in any::<bool>(),
                in_query in any::<bool>(),
            ) {
                let url_for = |pw: &str| match (raw, in_query) {
                    (_, true) => format!("postgres://app@127.0.0.1:1/db?password={}", enc(pw)),
                    (true, false) => format!("postgres://app:{pw}@127.0.0.1:1/db"),
                    (false, false) => format!("postgres://app:{}@127.0.0.1:1/db", enc(pw)),
                };
                let url = url_for(&pw);
                let shown = |url: &str| match Target::parse(url) {
                    Ok(Target::Postgres(t)) => t.display.clone(),
                    Ok(Target::Sqlite(_)) => "sqlite".to_string(),
                    Err(e) => format!("{e:#}"),
                };
                let (text, neutral) = (shown(&url), shown(&url_for(NEUTRAL)));
                // Errors quote no input; a 1- or 2-character password may still match
                // their fixed words (`@` in "write it as %40").
                let refused = Target::parse(&url).is_err();
                prop_assert!(
                    refused && pw.trim().chars().count() < 3 || hidden(&pw, &text, &neutral),
                    "{}",
                    text
                );
                if !raw {
                    // Encoded, the password cannot change the parse: the same display.
                    prop_assert_eq!(&text, &neutral);
                }
                prop_assert!(hidden(&pw, &display(&url), &neutral));
                if let Ok(Target::Postgres(t)) = Target::parse(&url) {
                    // The scrubber knows exactly the password the driver will send.
                    if let Some(sent) = t.config.get_password() {
                        let sent = String::from_utf8_lossy(sent).into_owned();
                        let secrets = Secrets::default();
                        secrets.remember_url(&url);
                        let scrubbed = secrets.scrub(&format!("driver said: `{sent}` in {url}"));
                        prop_assert!(!scrubbed.contains(&format!(":{sent}@")), "{}", scrubbed);
                        // Masked anywhere only when it cannot be ordinary text (redact.rs).
                        let n = sent.chars().count();
                        let wordlike = sent.chars().all(char::is_alphabetic)
                            || sent.chars().all(|c| c.is_ascii_digit());
                        let maskable = n >= 8 || n >= 4 && !wordlike;
                        let neutral_secrets = Secrets::default();
                        let neutral_url = url_for(NEUTRAL);
                        neutral_secrets.remember_url(&neutral_url);
                        let reference = neutral_secrets
                            .scrub(&format!("driver said: `{NEUTRAL}` in {neutral_url}"));
                        prop_assert!(!maskable || hidden(&sent, &scrubbed, &reference), "{}", scrubbed);
                    }
                }
            }

            #[test]
            fn a_key_value_password_never_shows_and_reaches_the_driver_intact(
                pw in password(),
                sep in prop::sample::select(vec![" ", "\t", "\n", " \t ", "\r\n"]),
            ) {
                let text_for = |pw: &str| {
                    let quoted = format!("'{}'", pw.replace('\\', "\\\\").replace('\'', "\\'"));
                    format!("host=127.0.0.1{sep}port=1{sep}password = {quoted}{sep}dbname=db")
                };
                let text = text_for(&pw);
                let t = PgTarget::parse(&text);
                let neutral = PgTarget::parse(&text_for(NEUTRAL)).map(|t| t.display);
                prop_assert!(t.is_ok(), "{:?}", t.err().map(|e| e.to_string()));
                if let (Ok(t), Ok(neutral)) = (t, neutral) {
                    prop_assert_eq!(t.config.get_password(), Some(pw.as_bytes()));
                    prop_assert_eq!(&t.display, &neutral);
                }
                let secrets = Secrets::default();
                secrets.remember_url(&text);
                let scrubbed = secrets.scrub(&text);
                let reference = Secrets::default().scrub(&text_for(NEUTRAL));
                prop_assert!(hidden(&pw, &scrubbed, &reference), "{}", scrubbed);
            }
        }
    }
}
