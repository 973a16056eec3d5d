//! The expected model: what the canonical migrations create at a given version, obtained by
//! applying them to a scratch database and introspecting it with the very same queries.
//! - SQLite: a fresh in-memory database.
//! - PostgreSQL: a scratch namespace `chatdb_scratch_<pid>` created inside a transaction on
//!   the same server (so the server's version and defaults apply), with `search_path` set to
//!   it; the migrations run there, the result is introspected, and the transaction is rolled
//!   back. That needs no CREATEDB privilege (only CREATE on the database, as for `migrate`),
//!   never touches the checked namespace, and leaves nothing behind, even if chatdb is killed
//!   halfway (the server rolls back an open transaction when its connection goes).

use std::time::Duration;

use anyhow::{anyhow, Context, Result};

use super::{Conn, ConnectOpts, TxKind};
use crate::catalog::MigrationFile;
use crate::model::inventory::Inventory;

/// Builds the expected model: the given migrations applied to a scratch database of the
/// same dialect (see the module header), introspected, and thrown away.
pub fn expected(
    conn: &mut Conn,
    migrations: &[&MigrationFile],
    connect_timeout: Duration,
    lock_timeout: Duration,
) -> Result<Inventory> {
    let apply = |session: &mut dyn super::Session, namespace: &str| -> Result<Inventory> {
        for file in migrations {
            session.batch(&file.sql).map_err(|e| {
                anyhow!(
                    "applying {} to the scratch database failed: {}",
                    file.path,
                    e.message
                )
            })?;
        }
        session.inventory(namespace)
    };
    match conn {
        Conn::Postgres(_) => {
            let scratch = format!("chatdb_scratch_{}", std::process::id());
            conn.in_transaction(TxKind::Scratch, &scratch, lock_timeout, |s| {
                apply(s, &scratch)
            })
            .context("building the expected schema in a scratch namespace (rolled back; needs CREATE on the database)")
        }
        Conn::Sqlite(_) => {
            let mut memory = Conn::Sqlite(
                super::sqlite::open(
                    None,
                    ConnectOpts {
                        connect_timeout,
                        lock_timeout,
                        access: super::Access::Create,
                    },
                )
                .context("opening the in-memory scratch database")?,
            );
            memory
                .in_transaction(
                    TxKind::Scratch,
                    crate::names::DEFAULT_NAMESPACE,
                    lock_timeout,
                    |s| apply(s, crate::names::DEFAULT_NAMESPACE),
                )
                .context("building the expected schema in an in-memory SQLite database")
        }
    }
}
