//! A scratch PostgreSQL database for `chatdb validate`: `chatdb_validate_<pid>_<n>`,
//! created on the given server for one apply and dropped afterwards
//! (`DROP DATABASE ... WITH (FORCE)`) by a guard, on success, on error and on panic alike;
//! on SIGINT/SIGTERM by [`drop_live`], which a signal watcher calls. The given URL's
//! database is only the place the CREATE/DROP DATABASE statements are sent from.
//!
//! Leftovers of a validate killed outright (SIGKILL, a crash, a lost host) are removed by
//! the next one ([`sweep_leftovers`]): only databases named exactly like chatdb's own whose
//! pid is not a running process on this host and that nobody is connected to. That assumes
//! the validate runs sharing a server run on one host: a run on another host has other pids,
//! and only the "nobody connected" rule protects it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

use anyhow::{Context, Result};

use super::{quote_ident, PgTarget};
use crate::db::{ConnectOpts, SqlResult};

/// Numbers the scratch databases of one run.
static SCRATCH_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The scratch databases that exist now, with the server and options to drop them from.
static LIVE: Mutex<Vec<(String, PgTarget, ConnectOpts)>> = Mutex::new(Vec::new());

/// The leftover sweep runs once per process.
static SWEEP: Once = Once::new();

/// The prefix of every scratch database name.
const PREFIX: &str = "chatdb_validate_";

/// The pid in a scratch database name `chatdb_validate_<pid>_<n>`, if it is one.
fn scratch_pid(name: &str) -> Option<u32> {
    let (pid, n) = name.strip_prefix(PREFIX)?.split_once('_')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(n))
        .then(|| pid.parse().ok())
        .flatten()
}

/// Whether `pid` is a running process on this host (Linux: `/proc/<pid>`). Where that
/// cannot be known, every pid counts as running, so nothing is swept.
fn running(pid: u32) -> bool {
    let proc_fs = std::path::Path::new("/proc/self");
    !proc_fs.exists() || std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Drops the scratch databases of validate runs that are gone (see the module header);
/// returns the names dropped. Best effort: a server that refuses just keeps them.
pub fn sweep_leftovers(admin: &mut postgres::Client) -> Vec<String> {
    let Ok(rows) = admin.query(
        "SELECT d.datname::text FROM pg_database d
         WHERE left(d.datname, length($1)) = $1
           AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)",
        &[&PREFIX],
    ) else {
        return Vec::new();
    };
    let mut dropped = Vec::new();
    for row in rows {
        let name: String = row.get(0);
        let Some(pid) = scratch_pid(&name) else {
            continue;
        };
        if pid == std::process::id() || running(pid) {
            continue;
        }
        let sql = format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&name)
        );
        if admin.batch_execute(&sql).is_ok() {
            dropped.push(name);
        }
    }
    dropped
}

/// Drops every scratch database this process has made and not yet dropped (the signal
/// path: each from a connection of its own, since the run's may be busy). Returns the
/// names dropped.
pub fn drop_live() -> Vec<String> {
    let live: Vec<(String, PgTarget, ConnectOpts)> = match LIVE.lock() {
        Ok(mut l) => std::mem::take(&mut *l),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    let mut dropped = Vec::new();
    for (name, server, opts) in live {
        let Ok(mut admin) = server.connect(opts) else {
            continue;
        };
        let sql = format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&name)
        );
        if admin.batch_execute(&sql).is_ok() {
            dropped.push(name);
        }
    }
    dropped
}

fn forget(name: &str) {
    if let Ok(mut l) = LIVE.lock() {
        l.retain(|(n, _, _)| n != name);
    }
}

/// A scratch database, dropped when this goes out of scope.
pub struct ScratchDb {
    admin: Option<postgres::Client>,
    pub name: String,
}

impl ScratchDb {
    /// Creates the database; returns the guard and a target naming it.
    pub fn create(server: &PgTarget, opts: ConnectOpts) -> Result<(ScratchDb, PgTarget)> {
        let mut admin = server.connect(opts)?;
        SWEEP.call_once(|| {
            for name in sweep_leftovers(&mut admin) {
                eprintln!(
                    "chatdb: dropped {name}, a scratch database left by a validate that is no longer running"
                );
            }
        });
        let name = format!(
            "chatdb_validate_{}_{}",
            std::process::id(),
            SCRATCH_COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        admin
            .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&name)))
            .sql()
            .with_context(|| {
                format!(
                    "creating the scratch database {name} on {} (validate needs the CREATEDB privilege there)",
                    server.display
                )
            })?;
        if let Ok(mut l) = LIVE.lock() {
            l.push((name.clone(), server.clone(), opts));
        }
        let mut target = server.clone();
        target.config.dbname(&name);
        Ok((
            ScratchDb {
                admin: Some(admin),
                name,
            },
            target,
        ))
    }

    /// Drops the database now, reporting a failure (the guard's own drop cannot).
    pub fn drop_now(mut self) -> Result<()> {
        let result = self.drop_database();
        self.admin = None;
        result
    }

    fn drop_database(&mut self) -> Result<()> {
        let Some(admin) = self.admin.as_mut() else {
            return Ok(());
        };
        admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(&self.name)
            ))
            .sql()
            .with_context(|| format!("dropping the scratch database {}", self.name))?;
        forget(&self.name);
        Ok(())
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let _ = self.drop_database();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_chatdb_scratch_names_carry_a_pid() {
        assert_eq!(scratch_pid("chatdb_validate_4242_0"), Some(4242));
        assert_eq!(scratch_pid("chatdb_validate_4242_17"), Some(4242));
        for other in [
            "chatdb_validate_",
            "chatdb_validate_4242",
            "chatdb_validate_4242_",
            "chatdb_validate_x_0",
            "chatdb_validate_42_0_extra",
            "chatdb_validate_99999999999999_0",
            "my_chatdb_validate_1_0",
            "chatdb_t_1_x",
        ] {
            assert_eq!(scratch_pid(other), None, "{other}");
        }
        assert!(running(std::process::id()));
    }
}
