//! PostgreSQL: the target (URL, TLS modes as libpq understands them), connecting, and
//! the server's own words for a driver error ([`describe`]). The [`PgConn`] backend is in
//! `conn.rs`; introspection, plans, retention and loading in their own files.
//!
//! rust-postgres only knows `sslmode=disable|prefer|require` and no `sslrootcert`. chatdb
//! takes both out of the URL itself and configures native-tls to match libpq: `require`
//! encrypts without verifying (as libpq does without a root certificate), `verify-ca`
//! checks the chain against `sslrootcert`, `verify-full` checks the chain and the host name.

pub mod conn;
pub mod introspect;
pub mod load;
pub mod online;
pub mod plan;
pub mod retention;
pub mod scratch;
pub mod stats;

pub use conn::PgConn;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use postgres::config::SslMode as DriverSslMode;

use super::ConnectOpts;
use crate::conninfo;
use crate::libpq::{self, PgEnv};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    /// libpq tries without TLS first; chatdb tries TLS first, as `prefer` (both accept
    /// either, verifying nothing).
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// A parsed PostgreSQL target: the driver's config plus chatdb's TLS settings.
#[derive(Debug, Clone)]
pub struct PgTarget {
    pub config: postgres::Config,
    pub ssl_mode: SslMode,
    /// `sslrootcert`: a file, or `None` with [`PgTarget::system_roots`] for `system`.
    pub root_cert: Option<PathBuf>,
    /// `sslrootcert=system`: the system's trust store.
    pub system_roots: bool,
    /// `sslcert` and `sslkey`: the client certificate and its key.
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// The URL with its password masked, for messages.
    pub display: String,
    /// What resolving the target had to say (a passfile ignored), for stderr.
    pub warnings: Vec<String>,
}

/// The string's own value for `key`, read from the driver's config or chatdb's keywords.
fn given(config: &postgres::Config, own: &[(String, String)], key: &str) -> Option<String> {
    let some = |b: bool| b.then(String::new);
    match key {
        "host" | "hostaddr" => {
            some(!config.get_hosts().is_empty() || !config.get_hostaddrs().is_empty())
        }
        "port" => some(!config.get_ports().is_empty()),
        "user" => config.get_user().map(str::to_string),
        "password" => some(config.get_password().is_some()),
        "dbname" => config.get_dbname().map(str::to_string),
        "options" => config.get_options().map(str::to_string),
        "application_name" => config.get_application_name().map(str::to_string),
        "connect_timeout" => some(config.get_connect_timeout().is_some()),
        "target_session_attrs" => {
            some(config.get_target_session_attrs() != postgres::config::TargetSessionAttrs::Any)
        }
        _ => own.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()),
    }
}

/// Sets one keyword libpq filled in (from the service file or a `PG*` variable).
fn apply(
    config: &mut postgres::Config,
    own: &mut Vec<(String, String)>,
    key: &str,
    value: &str,
) -> Result<()> {
    match key {
        "host" => {
            for h in value.split(',') {
                config.host(h);
            }
        }
        "hostaddr" => {
            for a in value.split(',') {
                let addr = a.trim().parse().map_err(|_| {
                    anyhow::anyhow!("invalid hostaddr (PGHOSTADDR or the service file)")
                })?;
                config.hostaddr(addr);
            }
        }
        "port" => {
            for p in value.split(',') {
                let port = p.trim().parse().map_err(|_| {
                    anyhow::anyhow!(
                        "invalid port (PGPORT or the service file): a number from 1 to 65535"
                    )
                })?;
                config.port(port);
            }
        }
        "user" => {
            config.user(value);
        }
        "password" => {
            crate::redact::SECRETS.remember_password(value);
            config.password(value);
        }
        "dbname" => {
            config.dbname(value);
        }
        "options" => {
            config.options(value);
        }
        "application_name" => {
            config.application_name(value);
        }
        "connect_timeout" => {
            let secs: i64 = value
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("invalid connect_timeout (PGCONNECT_TIMEOUT or the service file): whole seconds"))?;
            // libpq: zero or less waits forever; chatdb's own timeout then applies.
            if secs > 0 {
                config.connect_timeout(std::time::Duration::from_secs(secs.max(2) as u64));
            }
        }
        "target_session_attrs" => {
            config.target_session_attrs(match value {
                "any" => postgres::config::TargetSessionAttrs::Any,
                "read-write" => postgres::config::TargetSessionAttrs::ReadWrite,
                "read-only" => postgres::config::TargetSessionAttrs::ReadOnly,
                _ => bail!("invalid target_session_attrs (PGTARGETSESSIONATTRS or the service file): any, read-write or read-only"),
            });
        }
        _ => own.push((key.to_string(), value.to_string())),
    }
    Ok(())
}

impl PgTarget {
    /// Parses a URL or key=value string the way the driver reads it (`conninfo`), with
    /// nothing taken from the environment (tests, and the places that only display).
    #[cfg(test)]
    pub fn parse(url: &str) -> Result<PgTarget> {
        Self::resolve(url, &PgEnv::default(), &libpq::RealFiles, "chatdb")
    }

    /// Parses `url` and fills in what it leaves out the way libpq does ([`libpq`]): the
    /// service's section, the `PG*` variables, libpq's defaults, the passfile; the
    /// application name defaults to `app`. The display comes from the resolved form.
    pub fn resolve(
        url: &str,
        env: &PgEnv,
        files: &dyn libpq::Files,
        app: &str,
    ) -> Result<PgTarget> {
        let split = conninfo::split_postgres(url)?;
        let mut config: postgres::Config = split
            .driver_text
            .parse()
            .map_err(|e| anyhow::anyhow!("invalid PostgreSQL URL: {e}"))?;
        let mut own = split.ssl_params.clone();
        let filled = libpq::fill(&|k| given(&config, &own, k), env, files)?;
        let mut warnings = filled.warnings;
        for (k, v) in &filled.values {
            apply(&mut config, &mut own, k, v)?;
        }
        // libpq's defaults for what is still missing.
        if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
            config.host(if env.default_socket {
                libpq::DEFAULT_SOCKET_DIR
            } else {
                "localhost"
            });
        }
        if config.get_user().is_none() {
            if let Some(user) = env.os_user() {
                config.user(user);
            }
        }
        if config.get_dbname().is_none() {
            if let Some(user) = config.get_user().map(str::to_string) {
                config.dbname(&user);
            }
        }
        if config.get_password().is_none() {
            let passfile = given(&config, &own, "passfile")
                .map(PathBuf::from)
                .or_else(|| env.passfile());
            let host = match config.get_hosts().first() {
                Some(postgres::config::Host::Tcp(h)) => h.clone(),
                _ => String::new(),
            };
            let port = config
                .get_ports()
                .first()
                .copied()
                .unwrap_or(libpq::DEFAULT_PORT);
            let user = config.get_user().unwrap_or("").to_string();
            let db = config.get_dbname().unwrap_or("").to_string();
            if let Some(pw) =
                libpq::passfile_lookup(passfile, &host, port, &db, &user, files, &mut warnings)
            {
                crate::redact::SECRETS.remember_password(&pw);
                config.password(pw);
            }
        }
        let mut ssl_mode = SslMode::Prefer;
        let mut root_cert = None;
        let mut system_roots = false;
        let (mut cert, mut key) = (None, None);
        for (key_name, value) in &own {
            match key_name.as_str() {
                "sslmode" => {
                    ssl_mode = match value.as_str() {
                        "disable" => SslMode::Disable,
                        "allow" => SslMode::Allow,
                        "prefer" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-ca" => SslMode::VerifyCa,
                        "verify-full" => SslMode::VerifyFull,
                        other => {
                            let plain = other.len() <= 16
                                && other.chars().all(|c| c.is_ascii_lowercase() || c == '-');
                            if plain {
                                bail!("unknown sslmode `{other}` (disable, allow, prefer, require, verify-ca, verify-full)")
                            }
                            bail!("unknown sslmode (disable, allow, prefer, require, verify-ca, verify-full)")
                        }
                    }
                }
                "sslrootcert" if value == "system" => system_roots = true,
                "sslrootcert" => root_cert = Some(PathBuf::from(value)),
                "sslcert" => cert = Some(PathBuf::from(value)),
                "sslkey" => key = Some(PathBuf::from(value)),
                _ => {}
            }
        }
        // libpq's default files under ~/.postgresql, used when they exist.
        let dot = env.get("HOME").map(|h| Path::new(h).join(".postgresql"));
        let existing = |name: &str| dot.as_ref().map(|d| d.join(name)).filter(|p| p.is_file());
        if root_cert.is_none() && !system_roots {
            root_cert = existing("root.crt");
        }
        if cert.is_none() {
            cert = existing("postgresql.crt");
        }
        if key.is_none() {
            key = cert.as_ref().and_then(|_| existing("postgresql.key"));
        }
        let display = conninfo::display_postgres(&config, &own, split.style);
        // After the display: the database is shown as the user gave it, not with the
        // application_name chatdb sends when none was given.
        if config.get_application_name().is_none() {
            config.application_name(app);
        }
        if matches!(ssl_mode, SslMode::VerifyCa | SslMode::VerifyFull)
            && root_cert.is_none()
            && !system_roots
        {
            bail!(
                "{display}: sslmode={} needs sslrootcert=/path/to/root.crt (or sslrootcert=system, or ~/.postgresql/root.crt)",
                if ssl_mode == SslMode::VerifyCa {
                    "verify-ca"
                } else {
                    "verify-full"
                }
            );
        }
        let client_cert = match (cert, key) {
            (Some(c), Some(k)) => Some((c, k)),
            (Some(_), None) => bail!("{display}: sslcert is given but no sslkey"),
            (None, Some(_)) => bail!("{display}: sslkey is given but no sslcert"),
            (None, None) => None,
        };
        if matches!(
            ssl_mode,
            SslMode::Allow | SslMode::Prefer | SslMode::Require
        ) && !system_roots
        {
            skip_trust_store();
        }
        config.ssl_mode(match ssl_mode {
            SslMode::Disable => DriverSslMode::Disable,
            SslMode::Allow | SslMode::Prefer => DriverSslMode::Prefer,
            _ => DriverSslMode::Require,
        });
        Ok(PgTarget {
            config,
            ssl_mode,
            root_cert,
            system_roots,
            client_cert,
            display,
            warnings,
        })
    }

    /// Connects, bounding everything up to the first query (TCP, TLS, authentication) by
    /// the connect timeout: rust-postgres's own `connect_timeout` bounds only the socket
    /// connect, and a server that accepts and never answers would hold the run until the
    /// peer closes. The handshake runs on a thread; at the deadline chatdb gives up on it
    /// (the thread and its socket go when the process exits, which a failed connection
    /// always leads to).
    pub fn connect(&self, opts: ConnectOpts) -> Result<postgres::Client> {
        use std::time::{Duration, Instant};
        let started = Instant::now();
        let bound = self
            .config
            .get_connect_timeout()
            .copied()
            .unwrap_or(opts.connect_timeout);
        let deadline = started + bound;
        let context = || {
            let waited = if opts.wait {
                let ms = started.elapsed().as_millis() as u64;
                format!(
                    ", waited {}",
                    humantime::format_duration(Duration::from_millis(ms))
                )
            } else {
                String::new()
            };
            format!(
                "cannot connect to {} (connect timeout {}{waited})",
                self.display,
                humantime::format_duration(bound)
            )
        };
        loop {
            let left = deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(100));
            let mut config = self.config.clone();
            if config.get_connect_timeout().is_none() {
                config.connect_timeout(left);
            }
            let tls = if self.ssl_mode == SslMode::Disable {
                None
            } else {
                Some(self.tls()?)
            };
            let (send, receive) = std::sync::mpsc::channel();
            let handshake = config.clone();
            std::thread::Builder::new()
                .name("pg-connect".into())
                .spawn(move || {
                    let client = match tls {
                        None => handshake.connect(postgres::NoTls),
                        Some(tls) => handshake.connect(tls),
                    };
                    let _ = send.send(client);
                })
                .context("starting the connection thread")?;
            match receive.recv_timeout(left) {
                Ok(Ok(client)) => return Ok(client),
                // --wait: a refused connection or a server still starting is tried again
                // until the connect timeout; then the last error is the answer.
                Ok(Err(e))
                    if opts.wait && not_up_yet(&e) && Instant::now() + RETRY_PAUSE < deadline =>
                {
                    std::thread::sleep(RETRY_PAUSE);
                }
                Ok(Err(e)) => {
                    return Err(anyhow::Error::new(crate::db::SqlError::from(e)))
                        .with_context(context)
                }
                Err(_) => {
                    return Err(anyhow::anyhow!(
                        "no answer from {} within the connect timeout {} (TCP, TLS and authentication): \
                         is it a PostgreSQL server, and is it up? (--connect-timeout raises the bound)",
                        servers(&config),
                        humantime::format_duration(bound)
                    ))
                    .with_context(context)
                }
            }
        }
    }

    /// The TLS connector a cancel request goes through, as the connection's.
    pub fn cancel_tls(&self) -> Option<postgres_native_tls::MakeTlsConnector> {
        if self.ssl_mode == SslMode::Disable {
            None
        } else {
            self.tls().ok()
        }
    }

    fn tls(&self) -> Result<postgres_native_tls::MakeTlsConnector> {
        let mut builder = native_tls::TlsConnector::builder();
        match self.ssl_mode {
            SslMode::Disable | SslMode::Allow | SslMode::Prefer | SslMode::Require => {
                // Encrypt without verifying (libpq's `require`): no trust store is loaded.
                builder
                    .danger_accept_invalid_certs(true)
                    .disable_built_in_roots(true);
            }
            SslMode::VerifyCa | SslMode::VerifyFull => {
                if let Some(path) = self.root_cert.as_deref() {
                    let pem = std::fs::read(path)
                        .with_context(|| format!("reading sslrootcert {}", path.display()))?;
                    let cert = native_tls::Certificate::from_pem(&pem).with_context(|| {
                        format!("sslrootcert {} is not a PEM certificate", path.display())
                    })?;
                    builder.add_root_certificate(cert);
                }
                // `sslrootcert=system`: the system's trust store, and only then.
                builder.disable_built_in_roots(!self.system_roots);
                if self.ssl_mode == SslMode::VerifyCa {
                    builder.danger_accept_invalid_hostnames(true);
                }
            }
        }
        if let Some((cert, key)) = &self.client_cert {
            check_key_permissions(key)?;
            let cert_pem = std::fs::read(cert)
                .with_context(|| format!("reading sslcert {}", cert.display()))?;
            let key_pem =
                std::fs::read(key).with_context(|| format!("reading sslkey {}", key.display()))?;
            let identity = native_tls::Identity::from_pkcs8(&cert_pem, &key_pem).with_context(|| {
                format!(
                    "sslcert {} and sslkey {}: not a PEM certificate and PKCS#8 PEM key (convert a PKCS#1 key with `openssl pkcs8 -topk8 -nocrypt`)",
                    cert.display(),
                    key.display()
                )
            })?;
            builder.identity(identity);
        }
        let connector = builder.build().context("setting up TLS")?;
        Ok(postgres_native_tls::MakeTlsConnector::new(connector))
    }
}

/// Keeps OpenSSL from loading the system trust store, for the modes that verify nothing.
///
/// native-tls on OpenSSL reads and parses the whole CA bundle for every connector it builds
/// (`SslConnector::builder`'s default verify paths, then openssl-probe's file again), even when
/// told to disable the built-in roots: about 40 ms of CPU per process here, most of a no-op
/// migrate (issue 16; BENCHMARKS.md). Both read the file `SSL_CERT_FILE` names, so pointing it
/// at an empty file before the first connector is built makes the load free. It is set while
/// chatdb is still single-threaded (targets are resolved before anything connects), once,
/// unless `sslrootcert=system` asks for that store: the other modes either verify nothing or
/// replace the store with `sslrootcert`'s certificate.
fn skip_trust_store() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::set_var("SSL_CERT_FILE", "/dev/null"));
}

/// How long `--wait` pauses between attempts.
const RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(100);

/// Whether `e` says the server is not up yet: the connection was refused (or its socket is
/// not there), or the server answered "the database system is starting up" (57P03).
fn not_up_yet(e: &postgres::Error) -> bool {
    if e.code() == Some(&postgres::error::SqlState::CANNOT_CONNECT_NOW) {
        return true;
    }
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NotFound
            );
        }
        source = inner.source();
    }
    false
}

/// libpq's rule for a private key file: no group or world access (0600 or less) when the
/// current user owns it; owned by root, group read is allowed (0640 or less).
fn check_key_permissions(key: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta =
        std::fs::metadata(key).with_context(|| format!("reading sslkey {}", key.display()))?;
    if !meta.is_file() {
        bail!("sslkey {} is not a regular file", key.display());
    }
    let loose = if meta.uid() == 0 {
        meta.mode() & 0o037 != 0
    } else {
        meta.mode() & 0o077 != 0
    };
    if loose {
        bail!(
            "private key file {} has group or world access; file must have permissions u=rw (0600) or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root",
            key.display()
        );
    }
    Ok(())
}

/// The servers a config names, `host:port` each, for messages (no user, no password).
fn servers(config: &postgres::Config) -> String {
    let ports = config.get_ports();
    config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            match h {
                postgres::config::Host::Tcp(name) => format!("{name}:{port}"),
                postgres::config::Host::Unix(path) => format!("{}:{port}", path.display()),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The server's own words for an error: severity, SQLSTATE, message, detail, hint, where.
/// rust-postgres's `Display` says only "db error".
pub fn describe(err: &postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => {
            let mut s = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
            if let Some(detail) = db.detail() {
                s.push_str(&format!("\nDETAIL: {detail}"));
            }
            if let Some(hint) = db.hint() {
                s.push_str(&format!("\nHINT: {hint}"));
            }
            if let Some(w) = db.where_() {
                s.push_str(&format!("\nWHERE: {w}"));
            }
            s
        }
        None => {
            // Walk the chain: the io or TLS cause carries the useful part.
            let mut s = err.to_string();
            let mut source = std::error::Error::source(err);
            while let Some(e) = source {
                let text = e.to_string();
                if !s.contains(&text) {
                    s.push_str(": ");
                    s.push_str(&text);
                }
                source = e.source();
            }
            s
        }
    }
}

pub use crate::db::quote_ident;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_params_are_taken_out_of_urls_and_key_values() {
        let split = conninfo::split_postgres(
            "postgres://u@h/db?sslmode=verify-full&sslrootcert=/r.crt&application_name=x",
        )
        .expect("splits");
        assert_eq!(split.driver_text, "postgres://u@h/db?application_name=x");
        assert_eq!(split.ssl_params.len(), 2);
        let split = conninfo::split_postgres("host=h password='a b' sslmode=require dbname=d")
            .expect("splits");
        assert_eq!(split.driver_text, "host='h' password='a b' dbname='d'");
        assert_eq!(
            split.ssl_params,
            vec![("sslmode".to_string(), "require".to_string())]
        );
    }

    #[test]
    fn ssl_modes_parse_like_libpq() {
        let t = PgTarget::parse("postgres://u@h/db?sslmode=require").expect("parses");
        assert_eq!(t.ssl_mode, SslMode::Require);
        assert!(
            PgTarget::parse("postgres://u@h/db?sslmode=verify-full").is_err(),
            "needs a root cert"
        );
        assert!(PgTarget::parse("postgres://u@h/db?sslmode=bogus").is_err());
    }
}
