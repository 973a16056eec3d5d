//! TLS as managed PostgreSQL requires it: sslmode=require, and verify-full with a root cert.
//!
//! The test starts its own PostgreSQL server (initdb and pg_ctl from `pg_config --bindir`,
//! as the `postgres` user when run as root, since initdb refuses root) in a temporary
//! directory, on a free port, with `ssl=on` and a self-signed certificate for `localhost`
//! made by `openssl`; the server is stopped and its directory removed afterwards. The shared
//! server's configuration is never touched.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// A private PostgreSQL server (with TLS on, or plain with extra settings: tests/stats.rs),
/// stopped (and its directory removed) on drop.
pub struct TlsServer {
    bindir: PathBuf,
    data: PathBuf,
    as_postgres: bool,
    port: u16,
    cert: PathBuf,
    _dir: tempfile::TempDir,
}

fn output_of(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

impl TlsServer {
    /// Runs `program` from the server's bindir, as `postgres` when we are root.
    fn pg_command(bindir: &Path, as_postgres: bool, program: &str) -> Command {
        let path = bindir.join(program);
        if as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn start() -> Result<TlsServer, String> {
        Self::start_with(true, "")
    }

    /// A server with TLS on or off and `extra` server options (`-c max_connections=10`).
    pub fn start_with(tls: bool, extra: &str) -> Result<TlsServer, String> {
        let bindir = PathBuf::from(output_of(Command::new("pg_config").arg("--bindir"))?);
        if tls {
            output_of(Command::new("openssl").arg("version"))?;
        }
        let as_postgres = output_of(Command::new("id").arg("-u"))? == "0";
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let cert = dir.path().join("server.crt");
        let key = dir.path().join("server.key");
        if tls {
            output_of(
                Command::new("openssl")
                    .args(["req", "-new", "-x509", "-days", "2", "-nodes"])
                    .args(["-newkey", "rsa:2048", "-subj", "/CN=localhost"])
                    .args(["-addext", "subjectAltName=DNS:localhost"])
                    .arg("-keyout")
                    .arg(&key)
                    .arg("-out")
                    .arg(&cert),
            )?;
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| e.to_string())?;
        }
        if as_postgres {
            let ids = |flag: &str| -> Result<u32, String> {
                output_of(Command::new("id").args([flag, "postgres"]))?
                    .parse()
                    .map_err(|e| format!("id {flag} postgres: {e}"))
            };
            let (uid, gid) = (ids("-u")?, ids("-g")?);
            let files = if tls {
                vec![dir.path(), key.as_path(), cert.as_path()]
            } else {
                vec![dir.path()]
            };
            for p in files {
                std::os::unix::fs::chown(p, Some(uid), Some(gid))
                    .map_err(|e| format!("chown {}: {e}", p.display()))?;
            }
        }
        let data = dir.path().join("data");
        output_of(
            Self::pg_command(&bindir, as_postgres, "initdb")
                .args(["-U", "postgres", "--auth=trust", "--no-sync", "-D"])
                .arg(&data),
        )?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let ssl = if tls {
            format!(
                "-c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                cert.display(),
                key.display()
            )
        } else {
            String::new()
        };
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} {ssl} -c fsync=off {extra}",
            dir.path().display(),
        );
        let server = TlsServer {
            bindir,
            data,
            as_postgres,
            port,
            cert,
            _dir: dir,
        };
        output_of(
            Self::pg_command(&server.bindir, as_postgres, "pg_ctl")
                .arg("-D")
                .arg(&server.data)
                .arg("-o")
                .arg(&options)
                .arg("-l")
                .arg(server.data.join("server.log"))
                .args(["-w", "-t", "30", "start"]),
        )?;
        Ok(server)
    }

    pub fn url(&self, host: &str) -> String {
        format!("postgres://postgres@{host}:{}/postgres", self.port)
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = Self::pg_command(&self.bindir, self.as_postgres, "pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

#[test]
fn sslmode_require_and_verify_full_connect_over_tls() {
    let server = match TlsServer::start() {
        Ok(s) => s,
        Err(e) => {
            if std::env::var("CHATDB_REQUIRE_PG").as_deref() == Ok("1") {
                panic!("CHATDB_REQUIRE_PG=1 but a private TLS server could not be started: {e}");
            }
            eprintln!("\n!!! SKIPPING the TLS test: {e}\n");
            return;
        }
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let root = server.cert.to_str().expect("utf8 path");

    let require = format!("{}?sslmode=require", server.url("127.0.0.1"));
    chatdb(dir.path())
        .args(["-d", &require, "migrate"])
        .assert()
        .success();
    // The server really is speaking TLS to chatdb's connections.
    let mut c = postgres::Client::connect(&server.url("127.0.0.1"), postgres::NoTls)
        .expect("connect to the private server");
    let on: String = c.query_one("SHOW ssl", &[]).expect("show ssl").get(0);
    assert_eq!(on, "on");

    // verify-full: the certificate is checked against the root and the host name.
    let full = format!(
        "{}?sslmode=verify-full&sslrootcert={root}",
        server.url("localhost")
    );
    chatdb(dir.path())
        .args(["-d", &full, "status", "--exit-code"])
        .assert()
        .success();

    // The same root with a host name the certificate does not name: refused.
    let mismatch = format!(
        "{}?sslmode=verify-full&sslrootcert={root}",
        server.url("127.0.0.1")
    );
    let out = chatdb(dir.path())
        .args(["-d", &mismatch, "status"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("certificate verify failed"),
        "{}",
        stderr(&out)
    );

    // sslmode=disable on a server that allows it: no TLS, still works.
    let plain = format!("{}?sslmode=disable", server.url("127.0.0.1"));
    chatdb(dir.path())
        .args(["-d", &plain, "status"])
        .assert()
        .success();
}
