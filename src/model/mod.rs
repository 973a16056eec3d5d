//! Dialect-free models that rules and judges read: what a database holds ([`inventory`]) and
//! how it means to run a query ([`plan`]). The dialect folders under `db/` fill them in.

pub mod inventory;
pub mod plan;
