//! Private PostgreSQL servers for the tests that need a kind of server the shared one is
//! not: password-authenticated (scram-sha-256), TLS with client certificates, read-only,
//! one that starts late, a standby that answers "not accepting connections" (57P03) until
//! it is promoted, or a primary with a streaming replica ([`Server::replica`]). Each is
//! initialised with initdb from `pg_config --bindir` (as
//! the `postgres` user when we are root: initdb refuses root) in a temporary directory, on
//! a free port, listening on 127.0.0.1 and a socket in its own directory, and is stopped
//! and removed on drop. The shared server's configuration is never touched.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What kind of server to start.
#[derive(Default)]
pub struct Spec {
    /// `Some(password)`: initdb --auth=scram-sha-256 with this password for `postgres`.
    pub password: Option<&'static str>,
    /// TLS on, with a CA-signed certificate for `localhost` (see [`Server::ca`]).
    pub tls: bool,
    /// pg_hba.conf replaced by these lines (after TLS files are made).
    pub hba: Option<Vec<String>>,
    /// Extra `-c name=value` settings.
    pub settings: Vec<String>,
    /// Initialise, but do not start (the test starts it with [`Server::start`]).
    pub stopped: bool,
    /// Start as a standby (`standby.signal`, no primary to follow): with
    /// `hot_standby=off` in `settings` it answers every connection with SQLSTATE 57P03
    /// until [`Server::promote`].
    pub standby: bool,
}

/// A private PostgreSQL server, stopped (and its directory removed) on drop.
pub struct Server {
    bindir: PathBuf,
    pub data: PathBuf,
    as_postgres: bool,
    pub port: u16,
    options: String,
    /// The directory everything lives in (certificates too): owned by `postgres`.
    pub dir: PathBuf,
    _tmp: tempfile::TempDir,
}

pub fn output_of(cmd: &mut Command) -> Result<String, String> {
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

pub fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// The test's server, or `None` (skipped, said on stderr) when none can be started and
/// CHATDB_REQUIRE_PG is not 1; with it, a failure to start fails the test.
pub fn start_or_skip(what: &str, spec: Spec) -> Option<Server> {
    match Server::init(spec) {
        Ok(s) => Some(s),
        Err(e) => {
            if std::env::var("CHATDB_REQUIRE_PG").as_deref() == Ok("1") {
                panic!("CHATDB_REQUIRE_PG=1 but a private {what} server could not be started: {e}");
            }
            eprintln!("\n!!! SKIPPING the {what} test: {e}\n");
            None
        }
    }
}

fn openssl(args: &[&str], dir: &Path) -> Result<String, String> {
    output_of(Command::new("openssl").args(args).current_dir(dir))
}

impl Server {
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

    pub fn init(spec: Spec) -> Result<Server, String> {
        let bindir = PathBuf::from(output_of(Command::new("pg_config").arg("--bindir"))?);
        let as_postgres = output_of(Command::new("id").arg("-u"))? == "0";
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let dir = tmp.path().to_path_buf();
        let mut tls_options = String::new();
        if spec.tls {
            make_certs(&dir)?;
            tls_options = format!(
                " -c ssl=on -c ssl_cert_file={d}/server.crt -c ssl_key_file={d}/server.key -c ssl_ca_file={d}/ca.crt",
                d = dir.display()
            );
        }
        let chown = |p: &Path| chown_to_postgres(p, as_postgres);
        chown(&dir)?;
        for f in ["server.key", "server.crt", "ca.crt"] {
            if dir.join(f).exists() {
                chown(&dir.join(f))?;
            }
        }
        let data = dir.join("data");
        let mut initdb = Self::pg_command(&bindir, as_postgres, "initdb");
        initdb
            .args(["-U", "postgres", "--no-sync", "-D"])
            .arg(&data);
        match spec.password {
            Some(pw) => {
                let pwfile = dir.join("pwfile");
                std::fs::write(&pwfile, format!("{pw}\n")).map_err(|e| e.to_string())?;
                chown(&pwfile)?;
                initdb
                    .arg("--auth=scram-sha-256")
                    .arg(format!("--pwfile={}", pwfile.display()));
            }
            None => {
                initdb.arg("--auth=trust");
            }
        }
        output_of(&mut initdb)?;
        if let Some(lines) = &spec.hba {
            let hba = data.join("pg_hba.conf");
            std::fs::write(&hba, lines.join("\n") + "\n").map_err(|e| e.to_string())?;
            chown(&hba)?;
        }
        if spec.standby {
            let signal = data.join("standby.signal");
            std::fs::write(&signal, "").map_err(|e| e.to_string())?;
            chown(&signal)?;
        }
        let port = free_port()?;
        let mut options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off{tls_options}",
            dir.display()
        );
        for s in &spec.settings {
            options.push_str(&format!(" -c {s}"));
        }
        let server = Server {
            bindir,
            data,
            as_postgres,
            port,
            options,
            dir,
            _tmp: tmp,
        };
        if !spec.stopped {
            server.start()?;
        }
        Ok(server)
    }

    /// Starts the server (waits until it accepts connections).
    pub fn start(&self) -> Result<(), String> {
        self.start_command()
            .and_then(|mut c| output_of(&mut c))
            .map(|_| ())
    }

    /// The `pg_ctl start` command, for a test that starts the server in the background.
    pub fn start_command(&self) -> Result<Command, String> {
        let mut c = Self::pg_command(&self.bindir, self.as_postgres, "pg_ctl");
        c.arg("-D")
            .arg(&self.data)
            .arg("-o")
            .arg(&self.options)
            .arg("-l")
            .arg(self.data.join("server.log"))
            .args(["-w", "-t", "30", "start"]);
        Ok(c)
    }

    /// `pg_ctl promote`: a standby becomes a primary (waits until it accepts connections).
    pub fn promote(&self) -> Result<(), String> {
        self.pg_ctl(&["-w", "-t", "30", "promote"])
    }

    /// Replaces pg_hba.conf with `lines` and reloads the server.
    pub fn set_hba(&self, lines: &[&str]) -> Result<(), String> {
        let hba = self.data.join("pg_hba.conf");
        // Written in place: the file keeps its owner (the server's user).
        std::fs::write(&hba, lines.join("\n") + "\n").map_err(|e| e.to_string())?;
        self.pg_ctl(&["reload"])?;
        // The postmaster re-reads the file on SIGHUP, asynchronously: give it a moment.
        std::thread::sleep(std::time::Duration::from_millis(500));
        Ok(())
    }

    fn pg_ctl(&self, args: &[&str]) -> Result<(), String> {
        let mut c = Self::pg_command(&self.bindir, self.as_postgres, "pg_ctl");
        c.arg("-D").arg(&self.data).args(args);
        output_of(&mut c).map(|_| ())
    }

    pub fn url(&self, host: &str) -> String {
        format!("postgres://postgres@{host}:{}/postgres", self.port)
    }

    /// A streaming replica of this server (`pg_basebackup -R` over its socket), started on
    /// a port of its own with `settings` (`recovery_min_apply_delay=3s`, ...).
    pub fn replica(&self, settings: &[&str]) -> Result<Server, String> {
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let dir = tmp.path().to_path_buf();
        chown_to_postgres(&dir, self.as_postgres)?;
        let data = dir.join("data");
        output_of(
            Self::pg_command(&self.bindir, self.as_postgres, "pg_basebackup")
                .arg("-h")
                .arg(&self.dir)
                .args([
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    "postgres",
                    "-R",
                    "-X",
                    "stream",
                    "-D",
                ])
                .arg(&data),
        )?;
        let port = free_port()?;
        let mut options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            dir.display()
        );
        for s in settings {
            options.push_str(&format!(" -c {s}"));
        }
        let replica = Server {
            bindir: self.bindir.clone(),
            data,
            as_postgres: self.as_postgres,
            port,
            options,
            dir,
            _tmp: tmp,
        };
        replica.start()?;
        Ok(replica)
    }

    /// A file in the server's directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Self::pg_command(&self.bindir, self.as_postgres, "pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// Gives `p` to the `postgres` user when we run as root (initdb and pg_ctl run as it).
fn chown_to_postgres(p: &Path, as_postgres: bool) -> Result<(), String> {
    if !as_postgres {
        return Ok(());
    }
    let id = |flag: &str| -> Result<u32, String> {
        output_of(Command::new("id").args([flag, "postgres"]))?
            .parse()
            .map_err(|e| format!("id {flag} postgres: {e}"))
    };
    std::os::unix::fs::chown(p, Some(id("-u")?), Some(id("-g")?))
        .map_err(|e| format!("chown {}: {e}", p.display()))
}

/// A CA (`ca.crt`), a server certificate for `localhost` signed by it (`server.crt`,
/// `server.key`) and a client certificate for user `postgres` (`client.crt`,
/// `client.key`, PKCS#8, 0600), all in `dir`.
fn make_certs(dir: &Path) -> Result<(), String> {
    openssl(
        &[
            "req",
            "-new",
            "-x509",
            "-days",
            "2",
            "-nodes",
            "-newkey",
            "rsa:2048",
            "-subj",
            "/CN=chatdb test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ],
        dir,
    )?;
    for (name, subject, ext) in [
        ("server", "/CN=localhost", "subjectAltName=DNS:localhost"),
        ("client", "/CN=postgres", "keyUsage=digitalSignature"),
    ] {
        openssl(
            &[
                "req",
                "-new",
                "-nodes",
                "-newkey",
                "rsa:2048",
                "-subj",
                subject,
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
            ],
            dir,
        )?;
        std::fs::write(dir.join(format!("{name}.ext")), format!("{ext}\n"))
            .map_err(|e| e.to_string())?;
        openssl(
            &[
                "x509",
                "-req",
                "-days",
                "2",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &format!("{name}.crt"),
                "-extfile",
                &format!("{name}.ext"),
            ],
            dir,
        )?;
    }
    use std::os::unix::fs::PermissionsExt;
    for key in ["server.key", "client.key", "ca.key"] {
        std::fs::set_permissions(dir.join(key), std::fs::Permissions::from_mode(0o600))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
