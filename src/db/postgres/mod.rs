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
    /// Plaintext first; TLS only when the server refuses the plaintext connection (its
    /// pg_hba.conf wants `hostssl`), verifying nothing: libpq's order.
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
    /// Several hosts whose passfile passwords differ: each host's own line's password (by
    /// the index of the host), each host then tried alone, in order, with its password
    /// (libpq matches the passfile per host as it tries it). Empty when
    /// [`PgTarget::config`] serves every host.
    pub per_host: Vec<Option<HostPassword>>,
}

/// A password the passfile gave one host; its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct HostPassword(String);

impl std::fmt::Debug for HostPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(conninfo::MASK)
    }
}

/// The config for host `i` alone (its port, its hostaddr), everything else as `config`.
fn one_host(config: &postgres::Config, i: usize) -> postgres::Config {
    let mut c = postgres::Config::new();
    if let Some(u) = config.get_user() {
        c.user(u);
    }
    if let Some(pw) = config.get_password() {
        c.password(pw);
    }
    if let Some(db) = config.get_dbname() {
        c.dbname(db);
    }
    if let Some(o) = config.get_options() {
        c.options(o);
    }
    if let Some(a) = config.get_application_name() {
        c.application_name(a);
    }
    match config.get_hosts().get(i) {
        Some(postgres::config::Host::Tcp(h)) => {
            c.host(h);
        }
        Some(postgres::config::Host::Unix(p)) => {
            c.host_path(p);
        }
        None => {}
    }
    if let Some(a) = config.get_hostaddrs().get(i) {
        c.hostaddr(*a);
    }
    let ports = config.get_ports();
    if let Some(p) = ports.get(i).or(ports.first()) {
        c.port(*p);
    }
    if let Some(t) = config.get_connect_timeout() {
        c.connect_timeout(*t);
    }
    if let Some(t) = config.get_tcp_user_timeout() {
        c.tcp_user_timeout(*t);
    }
    c.keepalives(config.get_keepalives())
        .keepalives_idle(config.get_keepalives_idle());
    if let Some(t) = config.get_keepalives_interval() {
        c.keepalives_interval(t);
    }
    if let Some(n) = config.get_keepalives_retries() {
        c.keepalives_retries(n);
    }
    c.ssl_mode(config.get_ssl_mode())
        .ssl_negotiation(config.get_ssl_negotiation())
        .target_session_attrs(config.get_target_session_attrs())
        .channel_binding(config.get_channel_binding());
    c
}

/// Host `i` as the passfile matches it: its name, else its address; a socket directory
/// (matched as `localhost` by [`libpq::passfile_lookup`]) as its path.
fn passfile_host(config: &postgres::Config, i: usize) -> String {
    match config.get_hosts().get(i) {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        Some(postgres::config::Host::Unix(p)) => p.to_string_lossy().into_owned(),
        None => config
            .get_hostaddrs()
            .get(i)
            .map(|a| a.to_string())
            .unwrap_or_default(),
    }
}

/// Why one pass over the hosts failed.
enum Failure {
    /// The driver's error (the server's words, or the socket's).
    Driver(postgres::Error),
    /// No answer within the connect timeout (TCP, TLS and authentication).
    Timeout,
    /// chatdb could not even try (the connection thread).
    Setup(anyhow::Error),
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
        // The passfile, matched per host as libpq matches it when it tries each one.
        let mut passfile_passwords = Vec::new();
        if config.get_password().is_none() {
            let passfile = given(&config, &own, "passfile")
                .map(PathBuf::from)
                .or_else(|| env.passfile());
            let user = config.get_user().unwrap_or("").to_string();
            let db = config.get_dbname().unwrap_or("").to_string();
            let ports = config.get_ports();
            let count = config
                .get_hosts()
                .len()
                .max(config.get_hostaddrs().len())
                .max(1);
            for i in 0..count {
                let port = ports
                    .get(i)
                    .or(ports.first())
                    .copied()
                    .unwrap_or(libpq::DEFAULT_PORT);
                let host = passfile_host(&config, i);
                let pw = libpq::passfile_lookup(
                    passfile.clone(),
                    &host,
                    port,
                    &db,
                    &user,
                    files,
                    &mut warnings,
                );
                if let Some(pw) = &pw {
                    crate::redact::SECRETS.remember_password(pw);
                }
                passfile_passwords.push(pw);
            }
            // One warning per file, not per host.
            warnings.dedup();
            if passfile_passwords
                .iter()
                .all(|p| *p == passfile_passwords[0])
            {
                if let Some(pw) = passfile_passwords[0].take() {
                    config.password(pw);
                }
                passfile_passwords.clear();
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
        config.ssl_mode(match ssl_mode {
            SslMode::Disable => DriverSslMode::Disable,
            SslMode::Allow | SslMode::Prefer => DriverSslMode::Prefer,
            _ => DriverSslMode::Require,
        });
        let per_host = passfile_passwords
            .into_iter()
            .map(|pw| pw.map(HostPassword))
            .collect();
        Ok(PgTarget {
            config,
            ssl_mode,
            root_cert,
            system_roots,
            client_cert,
            display,
            warnings,
            per_host,
        })
    }

    /// Connects, bounding everything up to the first query (TCP, TLS, authentication) by
    /// the connect timeout ([`handshake`]), with `--wait`'s retries inside that bound.
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
        let tls = if self.ssl_mode == SslMode::Disable {
            None
        } else {
            Some(self.tls()?)
        };
        loop {
            match self.try_hosts(tls.as_ref(), deadline) {
                Ok(client) => return Ok(client),
                // --wait: a refused connection or a server still starting is tried again
                // until the connect timeout; then the last error is the answer.
                Err(Failure::Driver(e))
                    if opts.wait && not_up_yet(&e) && Instant::now() + RETRY_PAUSE < deadline =>
                {
                    std::thread::sleep(RETRY_PAUSE);
                }
                Err(Failure::Driver(e)) => {
                    return Err(anyhow::Error::new(crate::db::SqlError::from(e)))
                        .with_context(context)
                }
                Err(Failure::Timeout) => {
                    return Err(anyhow::anyhow!(
                        "no answer from {} within the connect timeout {} (TCP, TLS and authentication): \
                         is it a PostgreSQL server, and is it up? (--connect-timeout raises the bound)",
                        servers(&self.config),
                        humantime::format_duration(bound)
                    ))
                    .with_context(context)
                }
                Err(Failure::Setup(e)) => return Err(e),
            }
        }
    }

    /// The TLS tries of one host, in libpq's order: `allow` tries plaintext first and TLS
    /// only after the server refused it (its pg_hba.conf has `hostssl` lines only);
    /// `prefer` TLS when the server offers it (else plaintext: the driver's `prefer`), and
    /// plaintext after the server refused the TLS connection; `require` and up TLS only.
    fn tries(&self) -> &'static [(DriverSslMode, bool)] {
        match self.ssl_mode {
            SslMode::Disable => &[(DriverSslMode::Disable, false)],
            SslMode::Allow => &[
                (DriverSslMode::Disable, false),
                (DriverSslMode::Prefer, true),
            ],
            // libpq's prefer also tries plaintext after the server refused the TLS connection.
            SslMode::Prefer => &[
                (DriverSslMode::Prefer, true),
                (DriverSslMode::Disable, false),
            ],
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                &[(DriverSslMode::Require, true)]
            }
        }
    }

    /// One pass: every host (each alone, with its own passfile password, when those
    /// differ; else all of them through the driver, which tries them in order and checks
    /// `target_session_attrs`), each with its sslmode's tries. The last failure is the
    /// answer; a timeout ends the pass.
    fn try_hosts(
        &self,
        tls: Option<&postgres_native_tls::MakeTlsConnector>,
        deadline: std::time::Instant,
    ) -> Result<postgres::Client, Failure> {
        let configs: Vec<postgres::Config> = if self.per_host.is_empty() {
            vec![self.config.clone()]
        } else {
            let hosts = self.per_host.iter().enumerate();
            hosts
                .map(|(i, pw)| {
                    let mut c = one_host(&self.config, i);
                    if let Some(HostPassword(pw)) = pw {
                        c.password(pw);
                    }
                    c
                })
                .collect()
        };
        let mut last = Failure::Setup(anyhow::anyhow!("no host to connect to"));
        for config in configs {
            for (mode, with_tls) in self.tries() {
                let mut config = config.clone();
                config.ssl_mode(*mode);
                let tls = if *with_tls { tls.cloned() } else { None };
                match handshake(config, tls, deadline) {
                    Ok(client) => return Ok(client),
                    Err(Failure::Driver(e)) => {
                        // allow's TLS try follows only a refusal by the server itself.
                        let server_refused = e.as_db_error().is_some();
                        last = Failure::Driver(e);
                        if !server_refused {
                            break;
                        }
                    }
                    Err(other) => return Err(other),
                }
            }
        }
        Err(last)
    }

    /// Keeps OpenSSL from loading the system trust store this target will not use (every
    /// sslmode but `sslrootcert=system`), before anything connects: see
    /// [`skip_trust_store`]. Called once per process from the command's target resolution
    /// (`commands::resolve_target`), while chatdb is still single-threaded.
    pub fn skip_unused_trust_store(&self) {
        if self.ssl_mode != SslMode::Disable && !self.system_roots {
            skip_trust_store();
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

/// Keeps OpenSSL from loading the system trust store, for the targets that do not use it.
///
/// native-tls on OpenSSL reads and parses the whole CA bundle for every connector it builds
/// (`SslConnector::builder`'s default verify paths, then openssl-probe's file again), even when
/// told to disable the built-in roots: about 40 ms of CPU per process here, most of a no-op
/// migrate (issue 16; BENCHMARKS.md). Neither native-tls nor postgres-native-tls has an option
/// to build a connector without it (the `openssl` builder is not reachable through them), and
/// both read the file `SSL_CERT_FILE` names, so pointing it at an empty file before the first
/// connector is built makes the load free. Only then: `disable` builds no connector,
/// `allow`/`prefer`/`require` verify nothing, `verify-ca`/`verify-full` with a root file replace
/// the store with that file's certificate (as libpq, which ignores `SSL_CERT_FILE` there);
/// `sslrootcert=system` keeps the store, and the user's own `SSL_CERT_FILE`, as OpenSSL reads them.
///
/// Why mutating the environment is safe here: it is done once per process (`Once`), from
/// `commands::resolve_target`, which every command runs (in `select`, or validate's server)
/// before it connects or starts a thread (the signal watchers, the connection thread, seed's
/// generator all start later), so no other thread can be reading the environment; chatdb starts
/// no child process, so nothing inherits the value. Unit tests never call it. The tests in
/// `tests/tls.rs` show the store unopened for every mode but `system` (a FIFO as `SSL_CERT_FILE`
/// would block whoever opened it) and the user's `SSL_CERT_FILE` honoured for `system`.
fn skip_trust_store() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::set_var("SSL_CERT_FILE", "/dev/null"));
}

/// Connects with `config` on a thread, waiting at most until `deadline` (the connect
/// timeout bounds TCP, TLS and authentication together): rust-postgres's own
/// `connect_timeout` bounds only the socket connect, and a server that accepts and never
/// answers would hold the run until the peer closes. At the deadline chatdb gives up on
/// the thread (it and its socket go when the process exits, which a failed connection
/// always leads to).
fn handshake(
    mut config: postgres::Config,
    tls: Option<postgres_native_tls::MakeTlsConnector>,
    deadline: std::time::Instant,
) -> Result<postgres::Client, Failure> {
    let left = deadline
        .saturating_duration_since(std::time::Instant::now())
        .max(std::time::Duration::from_millis(100));
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(left);
    }
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("pg-connect".into())
        .spawn(move || {
            let client = match tls {
                None => config.connect(postgres::NoTls),
                Some(tls) => config.connect(tls),
            };
            let _ = send.send(client);
        })
        .context("starting the connection thread")
        .map_err(Failure::Setup)?;
    match receive.recv_timeout(left) {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(e)) => Err(Failure::Driver(e)),
        Err(_) => Err(Failure::Timeout),
    }
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

/// A string literal that reads the same whatever `standard_conforming_strings` says (`E''`,
/// backslashes and quotes doubled), for statements sent in one simple-query round trip.
pub fn quote_literal(text: &str) -> String {
    format!("E'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

/// The rows of one simple-query round trip (no Parse/Describe round trip first, as a query
/// with parameters needs): each row's columns as text (`None` for NULL).
pub fn simple_rows(
    c: &mut impl postgres::GenericClient,
    sql: &str,
) -> Result<Vec<Vec<Option<String>>>, postgres::Error> {
    Ok(c.simple_query(sql)?
        .into_iter()
        .filter_map(|m| match m {
            postgres::SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect(),
            ),
            _ => None,
        })
        .collect())
}

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
