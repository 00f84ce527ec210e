//! The contract in `specs/` and `snapshots/` is embedded into the binary (`src/contract`).
//! rust-embed makes the compiler track each file it embeds, so an edit rebuilds, but not the
//! folders: a file added or removed would not. Cargo scans a directory named here, recursively,
//! for any change, and rebuilds the crate when one did.

fn main() {
    println!("cargo:rerun-if-changed=specs");
    println!("cargo:rerun-if-changed=snapshots");
}
