//! TLS as managed PostgreSQL requires it: sslmode=require, verify-ca and verify-full with a
//! root certificate, and client certificates (`sslcert`/`sslkey`, the key's permissions
//! checked as libpq checks them) against a server whose pg_hba.conf demands them; the
//! order of `allow`'s and `prefer`'s tries; `sslrootcert=system`, the one mode that loads
//! the system trust store.
//!
//! Each test starts its own server (`pgserver`: initdb and pg_ctl in a temporary directory,
//! on a free port, `ssl=on` with a CA and certificates made by `openssl`); it is stopped
//! and removed afterwards. The shared server's configuration is never touched.

use std::time::{Duration, Instant};

use crate::common::*;
use crate::pgserver::{start_or_skip, Spec};

#[test]
fn sslmode_require_and_verify_full_connect_over_tls() {
    let Some(server) = start_or_skip(
        "TLS",
        Spec {
            tls: true,
            ..Spec::default()
        },
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let root = server.file("ca.crt");
    let root = root.to_str().expect("utf8 path");

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

    // verify-ca checks the chain, not the name: 127.0.0.1 is accepted.
    let ca = format!(
        "{}?sslmode=verify-ca&sslrootcert={root}",
        server.url("127.0.0.1")
    );
    chatdb(dir.path())
        .args(["-d", &ca, "status"])
        .assert()
        .success();

    // sslmode=disable on a server that allows it: no TLS, still works.
    let plain = format!("{}?sslmode=disable", server.url("127.0.0.1"));
    chatdb(dir.path())
        .args(["-d", &plain, "status"])
        .assert()
        .success();
}

#[test]
fn a_server_that_requires_client_certificates_accepts_sslcert_and_sslkey() {
    let Some(server) = start_or_skip(
        "client-certificate",
        Spec {
            tls: true,
            hba: Some(vec![
                "local all all trust".into(),
                "hostssl all all 127.0.0.1/32 cert".into(),
            ]),
            ..Spec::default()
        },
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = |f: &str| server.file(f).to_str().expect("utf8").to_string();
    let base = server.url("localhost");
    let with_cert = format!(
        "{base}?sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}",
        path("ca.crt"),
        path("client.crt"),
        path("client.key")
    );
    chatdb(dir.path())
        .args(["-d", &with_cert, "migrate"])
        .assert()
        .success();

    // The same through PGSSLCERT/PGSSLKEY/PGSSLROOTCERT/PGSSLMODE.
    chatdb(dir.path())
        .env("PGSSLMODE", "require")
        .env("PGSSLCERT", path("client.crt"))
        .env("PGSSLKEY", path("client.key"))
        .args(["-d", &base, "status", "--exit-code"])
        .assert()
        .success();

    // Without a certificate the server refuses.
    let out = chatdb(dir.path())
        .args(["-d", &format!("{base}?sslmode=require"), "status"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("certificate"), "{}", stderr(&out));

    // A key others can read is refused before any connection, as libpq refuses it.
    let loose = dir.path().join("loose.key");
    std::fs::copy(server.file("client.key"), &loose).expect("copy key");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let url = format!(
        "{base}?sslmode=require&sslcert={}&sslkey={}",
        path("client.crt"),
        loose.display()
    );
    let out = chatdb(dir.path())
        .args(["-d", &url, "status"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("has group or world access"),
        "{}",
        stderr(&out)
    );
}

/// Whether the session of `app` waiting on a lock uses TLS (pg_stat_ssl), or `None`.
fn waiting_session_ssl(client: &mut postgres::Client, app: &str) -> Option<bool> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let row = client
            .query_opt(
                "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid
                 WHERE a.application_name = $1 AND a.wait_event_type = 'Lock'",
                &[&app],
            )
            .expect("pg_stat_ssl");
        if let Some(row) = row {
            return Some(row.get(0));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[test]
fn sslmode_allow_tries_plaintext_first_and_tls_after_a_refusal_and_prefer_the_reverse() {
    let Some(server) = start_or_skip(
        "TLS (allow/prefer)",
        Spec {
            tls: true,
            ..Spec::default()
        },
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let url = |mode: &str| format!("{}?sslmode={mode}", server.url("127.0.0.1"));
    // A server that takes both: allow connects in plaintext, prefer over TLS. Each run
    // waits on the migrate lock of its namespace, where pg_stat_ssl can see it.
    let mut admin =
        postgres::Client::connect(&server.url("127.0.0.1"), postgres::NoTls).expect("connect");
    for (mode, tls) in [("allow", false), ("prefer", true)] {
        let namespace = format!("ns_{mode}");
        let mut holder =
            postgres::Client::connect(&server.url("127.0.0.1"), postgres::NoTls).expect("holder");
        let mut tx = holder.transaction().expect("begin");
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext('chatdb.migrate'), hashtext($1))",
            &[&namespace],
        )
        .expect("take the lock");
        let child = spawn_chatdb(
            dir.path(),
            &[
                "-d",
                &url(mode),
                "--namespace",
                &namespace,
                "migrate",
                "--lock-timeout",
                "30s",
            ],
        );
        let seen = waiting_session_ssl(&mut admin, "chatdb migrate");
        tx.rollback().expect("release");
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{mode}: {}", stderr(&out));
        assert_eq!(seen, Some(tls), "sslmode={mode}: TLS in use");
    }

    // With `hba` in force, `gets_in` connects by its second try and `refused` cannot.
    let second_try = |hba: &[&str], gets_in: &str, refused: &str| {
        server.set_hba(hba).expect("hba");
        chatdb(dir.path())
            .args(["-d", &url(gets_in), "status"])
            .assert()
            .success();
        let out = chatdb(dir.path())
            .args(["-d", &url(refused), "status"])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{refused}: {}", stderr(&out));
        assert!(stderr(&out).contains("pg_hba.conf"), "{}", stderr(&out));
    };
    // Plaintext refused by the server (hostssl only): allow tries TLS next and gets in;
    // disable cannot.
    second_try(
        &[
            "local all all trust",
            "hostnossl all all 127.0.0.1/32 reject",
            "hostssl all all 127.0.0.1/32 trust",
        ],
        "allow",
        "disable",
    );
    // TLS refused by the server: prefer tries plaintext next and gets in; require cannot.
    second_try(
        &[
            "local all all trust",
            "hostssl all all 127.0.0.1/32 reject",
            "hostnossl all all 127.0.0.1/32 trust",
        ],
        "prefer",
        "require",
    );
}

/// Runs chatdb to its end, failing the test if it has not ended within 30 s (it would be
/// blocked opening the FIFO given as SSL_CERT_FILE).
fn ends_without_opening(mut cmd: std::process::Command, what: &str) -> std::process::Output {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn chatdb");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what}: chatdb opened SSL_CERT_FILE (blocked on the FIFO)");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn sslrootcert_system_loads_the_system_store_and_only_it_does() {
    let Some(server) = start_or_skip(
        "TLS (sslrootcert=system)",
        Spec {
            tls: true,
            ..Spec::default()
        },
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let system = format!(
        "{}?sslmode=verify-full&sslrootcert=system",
        server.url("localhost")
    );
    // The test CA is in no system store: verification fails.
    let out = chatdb(dir.path())
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .args(["-d", &system, "status"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("certificate verify failed"),
        "{}",
        stderr(&out)
    );
    // The system store as OpenSSL reads it, SSL_CERT_FILE included: with the test CA as
    // that file, the same URL verifies. So `system` loads the store.
    chatdb(dir.path())
        .env("SSL_CERT_FILE", server.file("ca.crt"))
        .args(["-d", &system, "status"])
        .assert()
        .success();

    // Every other mode leaves the store alone: SSL_CERT_FILE is a FIFO, which blocks
    // whoever opens it, and each run ends (connected) without opening it.
    let fifo = dir.path().join("store.fifo");
    crate::pgserver::output_of(std::process::Command::new("mkfifo").arg(&fifo)).expect("mkfifo");
    let root = server.file("ca.crt");
    let root = root.to_str().expect("utf8");
    for query in [
        "sslmode=disable".to_string(),
        "sslmode=allow".to_string(),
        "sslmode=prefer".to_string(),
        "sslmode=require".to_string(),
        format!("sslmode=verify-full&sslrootcert={root}"),
    ] {
        let url = format!("{}?{query}", server.url("localhost"));
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("chatdb"));
        cmd.current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("PGSSLMODE")
            .env_remove("PGSSLROOTCERT")
            .env("SSL_CERT_FILE", &fifo)
            .args(["-d", &url, "status"]);
        let out = ends_without_opening(cmd, &query);
        assert!(out.status.success(), "{query}: {}", stderr(&out));
    }
}
