//! A scratch PostgreSQL database for `chatdb validate`: `chatdb_validate_<pid>_<n>`,
//! created on the given server for one apply and dropped afterwards
//! (`DROP DATABASE ... WITH (FORCE)`) by a guard, on success, on error and on panic alike.
//! No other database is touched: the given URL's database is only the place the
//! CREATE/DROP DATABASE statements are sent from.

use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};

use super::{quote_ident, PgTarget};
use crate::db::{ConnectOpts, SqlResult};

/// Numbers the scratch databases of one run.
static SCRATCH_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A scratch database, dropped when this goes out of scope.
pub struct ScratchDb {
    admin: Option<postgres::Client>,
    pub name: String,
}

impl ScratchDb {
    /// Creates the database; returns the guard and a target naming it.
    pub fn create(server: &PgTarget, opts: ConnectOpts) -> Result<(ScratchDb, PgTarget)> {
        let mut admin = server.connect(opts)?;
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
            .with_context(|| format!("dropping the scratch database {}", self.name))
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let _ = self.drop_database();
    }
}
