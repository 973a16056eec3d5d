//! The six stages of `chatdb validate`, one module each, in the order they run. Each
//! declares the rules it reports by and adds its findings to the [`super::Run`].

pub mod apply;
pub mod files;
pub mod lint;
pub mod lock;
pub mod manifest;
pub mod parity;
