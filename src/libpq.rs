//! libpq's conventions for what a connection string leaves out, so that what a DBA set up
//! for `psql`, `pg_dump` and cron works for chatdb too (issue 16): the `PG*` variables,
//! the service file (`service=NAME` / `PGSERVICE`), the password file (`PGPASSFILE` or
//! `~/.pgpass`) and libpq's built-in defaults.
//!
//! Precedence is libpq's: a value in the URL or key=value string wins; a part it leaves out
//! comes from the service's section, then from the `PG*` variable, then from libpq's
//! default. The password comes from the string, the service, `PGPASSWORD`, then the
//! passfile. rust-postgres reads none of this (its issue #729), so chatdb does.
//!
//! Everything here is pure over [`PgEnv`] (the variables, read once in `settings`) and the
//! text of the files; reading the files is [`Files`], so tests inject both. Nothing here
//! ever puts a password in a message: a warning names the file, never a line of it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

/// The environment variables libpq reads, and the ones chatdb uses for defaults (`HOME` for
/// `~/.pgpass` and `~/.pg_service.conf`; `USER`, then `LOGNAME`, for the default user name
/// only when the effective uid has no name, see [`effective_user`]).
pub const VARIABLES: &[&str] = &[
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGSYSCONFDIR",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGSSLCERT",
    "PGSSLKEY",
    "PGAPPNAME",
    "PGCONNECT_TIMEOUT",
    "PGTARGETSESSIONATTRS",
    "PGOPTIONS",
    "HOME",
    "USER",
    "LOGNAME",
];

/// Connection keywords and the variable that supplies each when the string leaves it out.
pub const KEYWORD_VARIABLES: &[(&str, &str)] = &[
    ("host", "PGHOST"),
    ("hostaddr", "PGHOSTADDR"),
    ("port", "PGPORT"),
    ("user", "PGUSER"),
    ("dbname", "PGDATABASE"),
    ("password", "PGPASSWORD"),
    ("passfile", "PGPASSFILE"),
    ("sslmode", "PGSSLMODE"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("sslcert", "PGSSLCERT"),
    ("sslkey", "PGSSLKEY"),
    ("application_name", "PGAPPNAME"),
    ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ("target_session_attrs", "PGTARGETSESSIONATTRS"),
    ("options", "PGOPTIONS"),
];

/// libpq's default port.
pub const DEFAULT_PORT: u16 = 5432;
/// Debian's libpq default socket directory (upstream's is /tmp).
pub const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";
/// Where the system-wide service file lives when `PGSYSCONFDIR` is not set (Debian).
pub const DEFAULT_SYSCONFDIR: &str = "/etc/postgresql-common";

/// The variables of [`VARIABLES`] that are set (non-empty), read once.
#[derive(Clone, Default)]
pub struct PgEnv {
    vars: BTreeMap<&'static str, String>,
    /// Whether libpq's default socket exists on this machine (decides the default host).
    pub default_socket: bool,
    /// The name of the effective uid ([`effective_user`]), libpq's default user.
    pub effective_user: Option<String>,
}

impl std::fmt::Debug for PgEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: BTreeMap<&str, &str> = self
            .vars
            .iter()
            .map(|(k, v)| {
                let v = if *k == "PGPASSWORD" {
                    crate::conninfo::MASK
                } else {
                    v.as_str()
                };
                (*k, v)
            })
            .collect();
        f.debug_struct("PgEnv")
            .field("vars", &shown)
            .field("default_socket", &self.default_socket)
            .field("effective_user", &self.effective_user)
            .finish()
    }
}

impl PgEnv {
    /// The variables as `env` gives them (the process's, or a test's).
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> PgEnv {
        let vars = VARIABLES
            .iter()
            .filter_map(|k| env(k).filter(|v| !v.is_empty()).map(|v| (*k, v)))
            .collect();
        PgEnv {
            vars,
            default_socket: false,
            effective_user: None,
        }
    }

    /// Forgets `key`, as when a chatdb setting above it in precedence was given
    /// (`--connect-timeout` over `PGCONNECT_TIMEOUT`).
    pub fn forget(&mut self, key: &str) {
        self.vars.remove(key);
    }

    /// A test's environment from pairs.
    #[cfg(test)]
    pub fn of(pairs: &[(&str, &str)]) -> PgEnv {
        PgEnv::from_lookup(&|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str)
    }

    fn home(&self) -> Option<PathBuf> {
        self.get("HOME").map(PathBuf::from)
    }

    /// The operating-system user name, libpq's default user: the effective uid's name
    /// (libpq's `getpwuid(geteuid())`); only when it has none, `USER`, then `LOGNAME`.
    pub fn os_user(&self) -> Option<&str> {
        self.effective_user
            .as_deref()
            .or(self.get("USER"))
            .or(self.get("LOGNAME"))
    }

    /// The password file libpq would read: `PGPASSFILE`, else `~/.pgpass`.
    pub fn passfile(&self) -> Option<PathBuf> {
        self.get("PGPASSFILE")
            .map(PathBuf::from)
            .or_else(|| self.home().map(|h| h.join(".pgpass")))
    }

    /// The service files libpq searches, in order: `PGSERVICEFILE` (else
    /// `~/.pg_service.conf`), then `PGSYSCONFDIR/pg_service.conf`.
    pub fn service_files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        match self.get("PGSERVICEFILE") {
            Some(f) => out.push(PathBuf::from(f)),
            None => out.extend(self.home().map(|h| h.join(".pg_service.conf"))),
        }
        out.push(
            Path::new(self.get("PGSYSCONFDIR").unwrap_or(DEFAULT_SYSCONFDIR))
                .join("pg_service.conf"),
        );
        out
    }
}

/// The name of the effective uid in the password database (`getpwuid_r(geteuid())`, so
/// NSS users count too), as libpq takes its default user; `None` when the uid has no entry.
/// Not `USER`/`LOGNAME`: under `sudo -u`, `su` or cron they can name someone else.
pub fn effective_user() -> Option<String> {
    let mut buf = vec![0u8; 1024];
    loop {
        // SAFETY: `pwd`, `result` and `buf` outlive the call, `buf.len()` is its length,
        // and the strings `pwd` points to live in `buf`, read before `buf` is dropped.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = unsafe {
            libc::getpwuid_r(
                libc::geteuid(),
                &mut pwd,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        // SAFETY: getpwuid_r succeeded: `pw_name` is a NUL-terminated string inside `buf`.
        let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
        return Some(name.to_string_lossy().into_owned()).filter(|n| !n.is_empty());
    }
}

/// A file as the resolution sees it: its text, and whether its permissions let anyone but
/// its owner read or write it (`mode & 0o077`).
pub struct FileText {
    pub text: String,
    pub group_or_world: bool,
    pub plain: bool,
}

/// How the resolution reads files: the real file system, or a test's map.
pub trait Files {
    fn read(&self, path: &Path) -> Option<FileText>;
}

/// The real file system. A file that is missing or unreadable is `None`, as for libpq.
pub struct RealFiles;

impl Files for RealFiles {
    fn read(&self, path: &Path) -> Option<FileText> {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).ok()?;
        let plain = meta.is_file();
        let text = if plain {
            std::fs::read_to_string(path).ok()?
        } else {
            String::new()
        };
        Some(FileText {
            text,
            group_or_world: meta.permissions().mode() & 0o077 != 0,
            plain,
        })
    }
}

/// The `[name]` section of a service file's text, as (keyword, value) pairs; `None` when
/// the file has no such section. libpq's format: `[section]` lines, `keyword=value` lines,
/// `#` comments, blank lines; spaces around keyword and value are dropped.
pub fn service_section(text: &str, name: &str) -> Result<Option<Vec<(String, String)>>> {
    let mut current: Option<&str> = None;
    let mut found = None::<Vec<(String, String)>>;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[') {
            if found.is_some() {
                break;
            }
            current = section.strip_suffix(']');
            if current == Some(name) {
                found = Some(Vec::new());
            }
            continue;
        }
        if current != Some(name) {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            bail!("syntax error in service file, line {}", n + 1);
        };
        let (k, v) = (k.trim(), v.trim());
        if k == "service" {
            bail!(
                "nested service specifications not supported in service file, line {}",
                n + 1
            );
        }
        if !crate::conninfo::is_keyword(k) {
            bail!(
                "syntax error in service file, line {}: unknown keyword",
                n + 1
            );
        }
        if let Some(f) = found.as_mut() {
            f.push((k.to_string(), v.to_string()));
        }
    }
    Ok(found)
}

/// The password of the first line of a passfile's text that matches, libpq's way: each
/// line is `host:port:database:user:password`, a field of `*` matches anything, `\`
/// escapes `:` and `\`, `#` starts a comment line.
pub fn passfile_password(
    text: &str,
    host: &str,
    port: &str,
    db: &str,
    user: &str,
) -> Option<String> {
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // Each field with whether it was written as a bare `*` (an escaped `\*` is a star).
        let mut fields: Vec<(String, bool)> = vec![(String::new(), true)];
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            if c == ':' && fields.len() < 5 {
                fields.push((String::new(), true));
                continue;
            }
            let field = fields.last_mut()?;
            if c == '\\' {
                if let Some(next) = chars.next() {
                    field.0.push(next);
                    field.1 = false;
                }
            } else {
                field.0.push(c);
            }
        }
        if fields.len() != 5 {
            continue;
        }
        let wanted = [host, port, db, user];
        let matches = fields[..4]
            .iter()
            .zip(wanted)
            .all(|((f, bare), w)| (*bare && f == "*") || f == w);
        if matches {
            return Some(fields[4].0.clone());
        }
    }
    None
}

/// What the resolution adds to the connection string: values to fill in, in order, and
/// warnings for stderr (naming files, never their contents).
#[derive(Debug, Default)]
pub struct Filled {
    pub values: Vec<(String, String)>,
    pub warnings: Vec<String>,
}

/// The values libpq would take for the keywords `given` leaves out: the service's section,
/// then the `PG*` variables. `given(k)` is the string's own value for keyword `k`.
pub fn fill(
    given: &dyn Fn(&str) -> Option<String>,
    env: &PgEnv,
    files: &dyn Files,
) -> Result<Filled> {
    let mut out = Filled::default();
    let have =
        |k: &str, out: &Filled| given(k).is_some() || out.values.iter().any(|(key, _)| key == k);
    let service = given("service").or_else(|| env.get("PGSERVICE").map(str::to_string));
    if let Some(name) = service {
        let mut section = None;
        for path in env.service_files() {
            if let Some(file) = files.read(&path) {
                if let Some(s) = service_section(&file.text, &name)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
                {
                    section = Some(s);
                    break;
                }
            }
        }
        let Some(section) = section else {
            bail!(
                "definition of service `{}` not found (looked in {})",
                printable(&name),
                env.service_files()
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        for (k, v) in section {
            if !have(&k, &out) {
                out.values.push((k, v));
            }
        }
    }
    for (keyword, var) in KEYWORD_VARIABLES {
        if let Some(v) = env.get(var) {
            if !have(keyword, &out) {
                out.values.push((keyword.to_string(), v.to_string()));
            }
        }
    }
    Ok(out)
}

/// The password for one host from the passfile `env` names (or the `passfile` keyword's
/// file), with libpq's warning when the file's permissions are looser than 0600.
pub fn passfile_lookup(
    passfile: Option<PathBuf>,
    host: &str,
    port: u16,
    db: &str,
    user: &str,
    files: &dyn Files,
    warnings: &mut Vec<String>,
) -> Option<String> {
    let path = passfile?;
    let file = files.read(&path)?;
    if !file.plain {
        warnings.push(format!(
            "password file {} is not a plain file",
            path.display()
        ));
        return None;
    }
    if file.group_or_world {
        warnings.push(format!(
            "password file {} has group or world access; permissions should be u=rw (0600) or less (ignored)",
            path.display()
        ));
        return None;
    }
    // libpq matches a socket connection (no host, or a socket directory) as `localhost`.
    let host = if host.is_empty() || host.starts_with('/') {
        "localhost"
    } else {
        host
    };
    passfile_password(&file.text, host, &port.to_string(), db, user)
}

/// A name fit for a message: shown only when it is plainly a name.
fn printable(name: &str) -> &str {
    let plain = name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if plain {
        name
    } else {
        "(name not shown)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct MapFiles(Vec<(&'static str, &'static str, bool)>);

    impl Files for MapFiles {
        fn read(&self, path: &Path) -> Option<FileText> {
            self.0
                .iter()
                .find(|(p, _, _)| Path::new(p) == path)
                .map(|(_, t, loose)| FileText {
                    text: t.to_string(),
                    group_or_world: *loose,
                    plain: true,
                })
        }
    }

    #[test]
    fn passfile_lines_match_with_wildcards_and_escapes() {
        let text =
            "# comment\nother:5432:*:*:no\nlocalhost:5432:app:alice:a\\:b\\\\c\n*:*:*:bob:wild\n";
        assert_eq!(
            passfile_password(text, "localhost", "5432", "app", "alice").as_deref(),
            Some("a:b\\c")
        );
        assert_eq!(
            passfile_password(text, "db.example", "6543", "x", "bob").as_deref(),
            Some("wild")
        );
        assert_eq!(
            passfile_password(text, "localhost", "5432", "app", "carol"),
            None
        );
        // The first matching line wins.
        assert_eq!(
            passfile_password("*:*:*:*:first\n*:*:*:*:second\n", "h", "1", "d", "u").as_deref(),
            Some("first")
        );
        // An escaped `*` is a literal star, not a wildcard.
        assert_eq!(passfile_password("\\*:*:*:*:x\n", "h", "1", "d", "u"), None);
    }

    #[test]
    fn a_loose_passfile_is_ignored_with_a_warning_naming_only_the_file() {
        let files = MapFiles(vec![("/h/.pgpass", "*:*:*:*:hunter2\n", true)]);
        let mut warnings = Vec::new();
        let pw = passfile_lookup(
            Some("/h/.pgpass".into()),
            "h",
            5432,
            "d",
            "u",
            &files,
            &mut warnings,
        );
        assert_eq!(pw, None);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("/h/.pgpass") && warnings[0].contains("0600"));
        assert!(!warnings[0].contains("hunter2"));
    }

    #[test]
    fn the_string_beats_the_service_beats_the_environment() {
        let env = PgEnv::of(&[
            ("PGHOST", "envhost"),
            ("PGPORT", "6000"),
            ("PGUSER", "envuser"),
            ("PGSERVICE", "svc"),
            ("HOME", "/h"),
        ]);
        let files = MapFiles(vec![(
            "/h/.pg_service.conf",
            "[other]\nhost=no\n[svc]\n# c\nhost = svchost\ndbname=svcdb\n",
            false,
        )]);
        let given = |k: &str| (k == "dbname").then(|| "urldb".to_string());
        let filled = fill(&given, &env, &files).expect("fills");
        assert_eq!(
            filled.values,
            vec![
                ("host".to_string(), "svchost".to_string()),
                ("port".to_string(), "6000".to_string()),
                ("user".to_string(), "envuser".to_string()),
            ]
        );
    }

    #[test]
    fn an_unknown_service_is_an_error() {
        let env = PgEnv::of(&[("HOME", "/h"), ("PGSYSCONFDIR", "/etc/x")]);
        let given = |k: &str| (k == "service").then(|| "nope".to_string());
        let err = fill(&given, &env, &MapFiles(vec![])).expect_err("no such service");
        assert!(format!("{err}").contains("`nope` not found"), "{err}");
        assert!(format!("{err}").contains("/etc/x/pg_service.conf"), "{err}");
    }

    #[test]
    fn passfile_and_service_file_locations_follow_libpq() {
        let env = PgEnv::of(&[("HOME", "/h")]);
        assert_eq!(env.passfile(), Some(PathBuf::from("/h/.pgpass")));
        assert_eq!(
            env.service_files(),
            vec![
                PathBuf::from("/h/.pg_service.conf"),
                PathBuf::from("/etc/postgresql-common/pg_service.conf")
            ]
        );
        let env = PgEnv::of(&[
            ("HOME", "/h"),
            ("PGPASSFILE", "/p"),
            ("PGSERVICEFILE", "/s"),
        ]);
        assert_eq!(env.passfile(), Some(PathBuf::from("/p")));
        assert_eq!(env.service_files()[0], PathBuf::from("/s"));
    }

    #[test]
    fn debug_never_shows_pgpassword() {
        let env = PgEnv::of(&[("PGPASSWORD", "hunter2")]);
        assert!(!format!("{env:?}").contains("hunter2"));
    }
}
