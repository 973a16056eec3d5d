//! The SQL and manifests are embedded with `include_dir!`, which cannot tell cargo to watch
//! them; this tells cargo to rebuild when anything under `sql/` or `schemas/` changes.
fn main() {
    println!("cargo:rerun-if-changed=sql");
    println!("cargo:rerun-if-changed=schemas");
}
