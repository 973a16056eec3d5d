//! Dialect-free models that rules and judges read: what a database holds ([`inventory`]),
//! how it means to run a query ([`plan`]) and how it is doing ([`stats`]). The dialect
//! folders under `db/` fill them in.

pub mod inventory;
pub mod plan;
pub mod stats;
