//! The contract as built into the binary: `specs/` and `snapshots/` of the source tree at
//! build time.
//!
//! Why rust-embed and not include_dir:
//! - rust-embed is released regularly.
//! - Its include globs keep the spec language's Python helpers, and any `.snap.new` left in
//!   the tree, out of the binary.
//! - It hashes each file at build time, which makes the fingerprint free.
//!
//! On stable Rust both crates make the compiler track the files they embed, so an edit
//! rebuilds. Neither tracks the folders, so an added or removed file would not: `build.rs`
//! names the folders for cargo, and `scripts/check-contract-build.sh` checks all three
//! changes.

use std::borrow::Cow;

use super::Part;

/// Spec files: the service, endpoints, schemas and the spec language's own schemas. The
/// language's Python helpers stay in the repository.
#[derive(rust_embed::Embed)]
#[folder = "specs/"]
#[include = "*.yaml"]
#[include = "*.yml"]
#[include = "*.json"]
struct Specs;

/// Recorded snapshots (never a `.snap.new` a local run left beside them).
#[derive(rust_embed::Embed)]
#[folder = "snapshots/"]
#[include = "*.snap"]
struct Snapshots;

/// A file of one part, by its path relative to the part's root (`/`-separated).
pub(super) fn get(part: Part, rel: &str) -> Option<Cow<'static, [u8]>> {
    match part {
        Part::Specs => Specs::get(rel),
        Part::Snapshots => Snapshots::get(rel),
    }
    .map(|f| f.data)
}

/// Every file of one part, sorted, with the SHA-256 of its content (computed at build time).
pub(super) fn files(part: Part) -> Vec<(String, [u8; 32])> {
    let names: Vec<Cow<'static, str>> = match part {
        Part::Specs => Specs::iter().collect(),
        Part::Snapshots => Snapshots::iter().collect(),
    };
    let mut out: Vec<(String, [u8; 32])> = names
        .into_iter()
        .filter_map(|name| {
            let file = match part {
                Part::Specs => Specs::get(&name),
                Part::Snapshots => Snapshots::get(&name),
            }?;
            Some((name.into_owned(), file.metadata.sha256_hash()))
        })
        .collect();
    out.sort();
    out
}
