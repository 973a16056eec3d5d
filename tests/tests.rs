//! Integration tests: the real `chatdb` binary against real SQLite files and a real
//! PostgreSQL (one database per test). One test target, so the suite links once.

mod common;
mod pgserver;

mod adopt;
mod apps;
mod bad_input;
mod catalog;
mod check;
mod check_index;
mod cleanup;
mod cli_output;
mod conn;
mod explain;
mod migrate;
mod online;
mod readme;
mod secrets;
mod seed;
mod shell;
mod sqltext;
mod stats;
mod tls;
mod trust;
mod validate;
