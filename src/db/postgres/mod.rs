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

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use postgres::config::SslMode as DriverSslMode;

use super::ConnectOpts;
use crate::conninfo;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
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
    pub root_cert: Option<PathBuf>,
    /// The URL with its password masked, for messages.
    pub display: String,
}

impl PgTarget {
    /// Parses a URL or key=value string the way the driver reads it (`conninfo`), with
    /// chatdb's TLS parameters taken out first; the display comes from the parsed form.
    pub fn parse(url: &str) -> Result<PgTarget> {
        let split = conninfo::split_postgres(url)?;
        let mut ssl_mode = SslMode::Prefer;
        let mut root_cert = None;
        for (key, value) in &split.ssl_params {
            match key.as_str() {
                "sslmode" => {
                    ssl_mode = match value.as_str() {
                        "disable" => SslMode::Disable,
                        "allow" | "prefer" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-ca" => SslMode::VerifyCa,
                        "verify-full" => SslMode::VerifyFull,
                        other => {
                            let plain = other.len() <= 16
                                && other.chars().all(|c| c.is_ascii_lowercase() || c == '-');
                            if plain {
                                bail!("unknown sslmode `{other}` (disable, prefer, require, verify-ca, verify-full)")
                            }
                            bail!("unknown sslmode (disable, prefer, require, verify-ca, verify-full)")
                        }
                    }
                }
                _ => root_cert = Some(PathBuf::from(value)),
            }
        }
        let mut config: postgres::Config = split
            .driver_text
            .parse()
            .map_err(|e| anyhow::anyhow!("invalid PostgreSQL URL: {e}"))?;
        let display = conninfo::display_postgres(&config, &split.ssl_params, split.style);
        if matches!(ssl_mode, SslMode::VerifyCa | SslMode::VerifyFull) && root_cert.is_none() {
            bail!(
                "{display}: sslmode={} needs sslrootcert=/path/to/root.crt",
                if ssl_mode == SslMode::VerifyCa {
                    "verify-ca"
                } else {
                    "verify-full"
                }
            );
        }
        config.ssl_mode(match ssl_mode {
            SslMode::Disable => DriverSslMode::Disable,
            SslMode::Prefer => DriverSslMode::Prefer,
            _ => DriverSslMode::Require,
        });
        if config.get_application_name().is_none() {
            config.application_name("chatdb");
        }
        Ok(PgTarget {
            config,
            ssl_mode,
            root_cert,
            display,
        })
    }

    /// Connects, bounding everything up to the first query (TCP, TLS, authentication) by
    /// the connect timeout: rust-postgres's own `connect_timeout` bounds only the socket
    /// connect, and a server that accepts and never answers would hold the run until the
    /// peer closes. The handshake runs on a thread; at the deadline chatdb gives up on it
    /// (the thread and its socket go when the process exits, which a failed connection
    /// always leads to).
    pub fn connect(&self, opts: ConnectOpts) -> Result<postgres::Client> {
        let mut config = self.config.clone();
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(opts.connect_timeout);
        }
        let bound = config
            .get_connect_timeout()
            .copied()
            .unwrap_or(opts.connect_timeout);
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
        let context = || {
            format!(
                "cannot connect to {} (connect timeout {})",
                self.display,
                humantime::format_duration(bound)
            )
        };
        match receive.recv_timeout(bound) {
            Ok(client) => client
                .map_err(crate::db::SqlError::from)
                .with_context(context),
            Err(_) => Err(anyhow::anyhow!(
                "no answer from {} within the connect timeout {} (TCP, TLS and authentication): \
                 is it a PostgreSQL server, and is it up? (--connect-timeout raises the bound)",
                servers(&config),
                humantime::format_duration(bound)
            ))
            .with_context(context),
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
            SslMode::Disable | SslMode::Prefer | SslMode::Require => {
                // Encrypt without verifying (libpq's `require`): no trust store is needed.
                builder
                    .danger_accept_invalid_certs(true)
                    .disable_built_in_roots(true);
            }
            SslMode::VerifyCa | SslMode::VerifyFull => {
                let path = self
                    .root_cert
                    .as_deref()
                    .unwrap_or(std::path::Path::new(""));
                let pem = std::fs::read(path)
                    .with_context(|| format!("reading sslrootcert {}", path.display()))?;
                let cert = native_tls::Certificate::from_pem(&pem).with_context(|| {
                    format!("sslrootcert {} is not a PEM certificate", path.display())
                })?;
                builder
                    .add_root_certificate(cert)
                    .disable_built_in_roots(true);
                if self.ssl_mode == SslMode::VerifyCa {
                    builder.danger_accept_invalid_hostnames(true);
                }
            }
        }
        let connector = builder.build().context("setting up TLS")?;
        Ok(postgres_native_tls::MakeTlsConnector::new(connector))
    }
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
