//! TLS as managed PostgreSQL requires it: sslmode=require, and verify-full with a root cert.
//!
//! Debian's PostgreSQL has TLS on with the snakeoil certificate (CN and SAN `localhost`).
//! If the server has TLS off, the test turns it on with that certificate.

use crate::common::*;

const SNAKEOIL: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";

fn ensure_tls(db: &PgDb) -> bool {
    let mut c = db.client();
    let on: String = c.query_one("SHOW ssl", &[]).expect("show ssl").get(0);
    if on == "on" {
        return true;
    }
    if !std::path::Path::new(SNAKEOIL).exists() {
        return false;
    }
    c.batch_execute(&format!(
        "ALTER SYSTEM SET ssl = on; ALTER SYSTEM SET ssl_cert_file = '{SNAKEOIL}'; ALTER SYSTEM SET ssl_key_file = '/etc/ssl/private/ssl-cert-snakeoil.key'; SELECT pg_reload_conf()"
    ))
    .is_ok()
}

#[test]
fn sslmode_require_and_verify_full_connect_over_tls() {
    let Some(db) = PgDb::new("tls") else { return };
    assert!(
        ensure_tls(&db),
        "the local server has TLS on (or the test can turn it on)"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let sep = if db.url.contains('?') { '&' } else { '?' };

    let require = format!("{}{sep}sslmode=require", db.url);
    chatdb(dir.path())
        .args(["-d", &require, "migrate"])
        .assert()
        .success();

    // verify-full: the certificate is checked against the root and the host name.
    let localhost = db.url.replacen("127.0.0.1", "localhost", 1);
    let full = format!("{localhost}{sep}sslmode=verify-full&sslrootcert={SNAKEOIL}");
    chatdb(dir.path())
        .args(["-d", &full, "status", "--exit-code"])
        .assert()
        .success();

    // The same root with a host name the certificate does not name: refused.
    if db.url.contains("127.0.0.1") {
        let mismatch = format!("{}{sep}sslmode=verify-full&sslrootcert={SNAKEOIL}", db.url);
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
    }
}
