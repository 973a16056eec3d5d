//! TLS as managed PostgreSQL requires it: sslmode=require, verify-ca and verify-full with a
//! root certificate, and client certificates (`sslcert`/`sslkey`, the key's permissions
//! checked as libpq checks them) against a server whose pg_hba.conf demands them.
//!
//! Each test starts its own server (`pgserver`: initdb and pg_ctl in a temporary directory,
//! on a free port, `ssl=on` with a CA and certificates made by `openssl`); it is stopped
//! and removed afterwards. The shared server's configuration is never touched.

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
