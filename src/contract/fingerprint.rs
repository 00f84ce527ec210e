//! Which contract ran, for reports: the sources and a fingerprint of their content.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::{ContractSource, VERSION, embedded};
use crate::result::ContractInfo;

/// The sources of a run, with `sha256:HEX` over every file of both: its path as an exported
/// contract has it (`specs/…`, `snapshots/…`) and the SHA-256 of its bytes, in path order.
/// So the built-in contract and a copy `export contract` wrote have the same fingerprint, and
/// any edit changes it.
pub fn describe(specs: &ContractSource, snapshots: &ContractSource) -> ContractInfo {
    let mut files = file_hashes(specs);
    files.extend(file_hashes(snapshots));
    files.sort();
    let mut all = Sha256::new();
    for (path, hash) in &files {
        all.update(path.as_bytes());
        all.update(b"\n");
        all.update(hex(hash).as_bytes());
        all.update(b"\n");
    }
    ContractInfo {
        specs: specs.to_string(),
        snapshots: snapshots.to_string(),
        embedded_version: (specs.is_embedded() || snapshots.is_embedded())
            .then(|| VERSION.to_owned()),
        fingerprint: format!("sha256:{}", hex(&all.finalize().into())),
    }
}

/// Each file of a source by its exported path, with the SHA-256 of its bytes. A file that
/// cannot be read counts as one with no bytes under a marked name, so the fingerprint still
/// differs from the readable contract's.
fn file_hashes(source: &ContractSource) -> Vec<(String, [u8; 32])> {
    let part = source.part().dir_name();
    if source.is_embedded() {
        return embedded::files(source.part())
            .into_iter()
            .map(|(rel, hash)| (format!("{part}/{rel}"), hash))
            .collect();
    }
    let files = source.files(Path::new("")).unwrap_or_default();
    files
        .into_iter()
        .map(|rel| {
            let name = format!("{part}/{}", slashes(&rel));
            match source.read(&rel) {
                Ok(bytes) => (name, Sha256::digest(&bytes).into()),
                Err(_) => (format!("{name} (unreadable)"), [0; 32]),
            }
        })
        .collect()
}

fn slashes(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
