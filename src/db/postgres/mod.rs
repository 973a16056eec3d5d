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

pub use conn::PgConn;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use postgres::config::SslMode as DriverSslMode;

use super::ConnectOpts;
use crate::redact::redact_url;

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
    pub fn parse(url: &str) -> Result<PgTarget> {
        let display = redact_url(url);
        let (rest, params) = take_ssl_params(url);
        let mut ssl_mode = SslMode::Prefer;
        let mut root_cert = None;
        for (key, value) in params {
            match key.as_str() {
                "sslmode" => {
                    ssl_mode = match value.as_str() {
                        "disable" => SslMode::Disable,
                        "allow" | "prefer" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-ca" => SslMode::VerifyCa,
                        "verify-full" => SslMode::VerifyFull,
                        other => bail!("{display}: unknown sslmode `{other}` (disable, prefer, require, verify-ca, verify-full)"),
                    }
                }
                _ => root_cert = Some(PathBuf::from(value)),
            }
        }
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
        let mut config: postgres::Config = rest
            .parse()
            .map_err(|e| anyhow::anyhow!("invalid PostgreSQL URL {display}: {e}"))?;
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

    pub fn connect(&self, opts: ConnectOpts) -> Result<postgres::Client> {
        let mut config = self.config.clone();
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(opts.connect_timeout);
        }
        let client = if self.ssl_mode == SslMode::Disable {
            config.connect(postgres::NoTls)
        } else {
            config.connect(self.tls()?)
        };
        client.map_err(crate::db::SqlError::from).with_context(|| {
            format!(
                "cannot connect to {} (connect timeout {})",
                self.display,
                humantime::format_duration(opts.connect_timeout)
            )
        })
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

/// Removes `sslmode` and `sslrootcert` from a URL or key=value string, returning the rest
/// and the removed pairs (rust-postgres rejects the values it does not know).
fn take_ssl_params(url: &str) -> (String, Vec<(String, String)>) {
    let is_ssl = |k: &str| k == "sslmode" || k == "sslrootcert";
    let mut taken = Vec::new();
    if url.contains("://") {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_string(), taken);
        };
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if is_ssl(k) {
                taken.push((k.to_string(), v.to_string()));
            } else {
                kept.push(pair);
            }
        }
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return (rest, taken);
    }
    // key=value: tokens separated by spaces, values optionally single-quoted.
    let mut kept = Vec::new();
    let mut chars = url.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut end = url.len();
        let mut quoted = false;
        while let Some((i, ch)) = chars.next() {
            if ch == '\\' && quoted {
                chars.next();
            } else if ch == '\'' {
                quoted = !quoted;
            } else if ch.is_whitespace() && !quoted {
                end = i;
                break;
            }
        }
        let token = &url[start..end];
        match token.split_once('=') {
            Some((k, v)) if is_ssl(k.trim()) => {
                taken.push((k.trim().to_string(), v.trim_matches('\'').to_string()))
            }
            _ => kept.push(token),
        }
    }
    (kept.join(" "), taken)
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
        let (rest, taken) = take_ssl_params(
            "postgres://u@h/db?sslmode=verify-full&sslrootcert=/r.crt&application_name=x",
        );
        assert_eq!(rest, "postgres://u@h/db?application_name=x");
        assert_eq!(taken.len(), 2);
        let (rest, taken) = take_ssl_params("host=h password='a b' sslmode=require dbname=d");
        assert_eq!(rest, "host=h password='a b' dbname=d");
        assert_eq!(taken, vec![("sslmode".to_string(), "require".to_string())]);
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
