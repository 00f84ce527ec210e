//! Where the contract is read from: a local directory, or the copy built into the binary.
//!
//! The contract has two parts, chosen one by one: the spec files (service, endpoints, JSON
//! Schemas, the spec language's own schemas) and the recorded snapshots. Everything that reads
//! a contract file goes through a `ContractSource`: the spec loader, the JSON Schema registry
//! (`$ref`s between schema files), the snapshot store and `export contract`. So an installed
//! binary runs its own suite from any directory, and a local copy (`--specs DIR`,
//! `--snapshots DIR`) takes the built-in one's place when given.

mod embedded;
mod fingerprint;
mod write;

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};

pub use fingerprint::describe;
pub use write::{WriteError, WrittenContract, write_embedded};

/// What `--specs` and `--snapshots` take to mean the built-in contract (their default), and
/// how reports name it.
pub const EMBEDDED: &str = crate::result::EMBEDDED;

/// The version whose contract is built in; reports name it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Where the `.snap.new` files of a run against the built-in snapshots go unless told
/// otherwise, under the working directory. Not a hidden folder: CI artifact uploads skip those.
pub const NEW_SNAPSHOTS_DIR: &str = "imconform-new-snapshots";

/// One half of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    Specs,
    Snapshots,
}

impl Part {
    /// The folder's name in this repository and in an exported contract; locations in the
    /// built-in contract start with it (`specs/endpoints/x.yaml:12:3`).
    pub fn dir_name(self) -> &'static str {
        match self {
            Part::Specs => "specs",
            Part::Snapshots => "snapshots",
        }
    }

    /// Whether a file (by its path under the part's root) belongs to the contract: what is
    /// built in, written out and fingerprinted.
    fn holds(self, rel: &Path) -> bool {
        let ext = rel.extension().and_then(|e| e.to_str());
        match self {
            Part::Specs => matches!(ext, Some("yaml" | "yml" | "json")),
            Part::Snapshots => ext == Some("snap"),
        }
    }
}

/// Where one part of the contract is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractSource {
    part: Part,
    /// None: the copy built into the binary.
    dir: Option<PathBuf>,
}

impl ContractSource {
    pub fn embedded(part: Part) -> Self {
        Self { part, dir: None }
    }

    pub fn dir(part: Part, dir: impl Into<PathBuf>) -> Self {
        Self {
            part,
            dir: Some(dir.into()),
        }
    }

    /// A `--specs` / `--snapshots` value: `embedded`, or a directory (write `./embedded` for
    /// a directory of that name).
    pub fn from_arg(part: Part, arg: &Path) -> Self {
        if arg == Path::new(EMBEDDED) {
            Self::embedded(part)
        } else {
            Self::dir(part, arg)
        }
    }

    pub fn part(&self) -> Part {
        self.part
    }

    /// The local directory, if this is one (only a directory can be written to).
    pub fn local_dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    pub fn is_embedded(&self) -> bool {
        self.dir.is_none()
    }

    /// How locations and messages name a file of this source: the directory joined with `rel`,
    /// or for the built-in copy `specs/rel` — where `export contract DIR` puts it under DIR.
    pub fn shown_path(&self, rel: &Path) -> PathBuf {
        match &self.dir {
            Some(dir) => dir.join(rel),
            None => Path::new(self.part.dir_name()).join(rel),
        }
    }

    /// The path that `file://` URIs of this source's files are made from. For the built-in
    /// copy it is a fixed root, the same from any working directory; nothing reads it from
    /// disk (the schema registry reads through `read`).
    pub fn uri_root(&self) -> PathBuf {
        match &self.dir {
            Some(dir) => dir.clone(),
            None => Path::new("/imconform-embedded").join(self.part.dir_name()),
        }
    }

    /// The path a `file://` URI is made from for a file named by `shown_path`.
    pub fn uri_path(&self, shown: &Path) -> PathBuf {
        match &self.dir {
            Some(_) => shown.to_path_buf(),
            None => {
                let rel = shown.strip_prefix(self.part.dir_name()).unwrap_or(shown);
                self.uri_root().join(rel)
            }
        }
    }

    /// The bytes of a file, by its path under the root.
    pub fn read(&self, rel: &Path) -> io::Result<Cow<'static, [u8]>> {
        match &self.dir {
            Some(dir) => std::fs::read(dir.join(rel)).map(Cow::Owned),
            None => slash_path(rel)
                .and_then(|rel| embedded::get(self.part, &rel))
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::NotFound,
                        "not a file of the contract built into imconform",
                    )
                }),
        }
    }

    pub fn exists(&self, rel: &Path) -> bool {
        match &self.dir {
            Some(dir) => dir.join(rel).is_file(),
            None => slash_path(rel).is_some_and(|rel| embedded::get(self.part, &rel).is_some()),
        }
    }

    /// The contract's files under `sub` (a folder under the root; empty for all), by their
    /// paths under the root, sorted. A folder that does not exist holds none.
    pub fn files(&self, sub: &Path) -> io::Result<Vec<PathBuf>> {
        let mut out = match &self.dir {
            Some(dir) => {
                let mut found = Vec::new();
                if dir.join(sub).exists() {
                    walk(dir, sub, &mut found)?;
                }
                found
            }
            None => embedded::files(self.part)
                .into_iter()
                .map(|(name, _)| PathBuf::from(name))
                .filter(|rel| rel.starts_with(sub))
                .collect(),
        };
        out.retain(|rel| self.part.holds(rel));
        out.sort();
        Ok(out)
    }
}

/// The contract one path names (`lint DIR`): `embedded` for the built-in one, a spec directory
/// (its service file sits in it), or a contract directory as `export contract` writes it, with
/// `specs/` and, if present, `snapshots/` inside. The snapshots come along where there are any.
pub fn sources_in(dir: &Path) -> (ContractSource, Option<ContractSource>) {
    if dir == Path::new(EMBEDDED) {
        return (
            ContractSource::embedded(Part::Specs),
            Some(ContractSource::embedded(Part::Snapshots)),
        );
    }
    let is_spec_dir = ["service.yaml", "service.yml", "service.json"]
        .iter()
        .any(|f| dir.join(f).is_file());
    let specs = dir.join(Part::Specs.dir_name());
    if is_spec_dir || !specs.is_dir() {
        return (ContractSource::dir(Part::Specs, dir), None);
    }
    let snapshots = dir.join(Part::Snapshots.dir_name());
    (
        ContractSource::dir(Part::Specs, specs),
        snapshots
            .is_dir()
            .then(|| ContractSource::dir(Part::Snapshots, snapshots)),
    )
}

impl fmt::Display for ContractSource {
    /// `embedded`, or the directory.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.dir {
            Some(dir) => write!(f, "{}", dir.display()),
            None => f.write_str(EMBEDDED),
        }
    }
}

/// Files under `root/sub`, recursively, as paths under `root`.
fn walk(root: &Path, sub: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(root.join(sub))? {
        let entry = entry?;
        let rel = sub.join(entry.file_name());
        let path = entry.path();
        if path.is_dir() {
            walk(root, &rel, out)?;
        } else if path.is_file() {
            out.push(rel);
        }
    }
    Ok(())
}

/// `a/b/c` for a relative path of plain names (the built-in copy's keys); None otherwise.
fn slash_path(rel: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(name) => parts.push(name.to_str()?),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests;
