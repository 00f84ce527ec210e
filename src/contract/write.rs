//! `export contract DIR`: the built-in contract written out as files, the starting point for
//! a user who edits or extends it (`run --specs DIR/specs --snapshots DIR/snapshots`).

use std::path::{Path, PathBuf};

use super::{ContractSource, Part};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "{} already exists: the contract is not written over a copy that may hold edits (choose another directory, or pass --force to overwrite its files)",
        .0.display()
    )]
    Exists(PathBuf),
    #[error("failed to write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What was written.
#[derive(Debug, Clone)]
pub struct WrittenContract {
    pub specs_dir: PathBuf,
    pub snapshots_dir: PathBuf,
    pub spec_files: usize,
    pub snapshot_files: usize,
}

/// Writes the built-in contract under `dest` as `specs/` and `snapshots/`, laid out as in this
/// repository (so the `$schema` comments of spec files find `specs/language/`). Refuses a
/// destination that already has either folder unless `overwrite`, which writes over files of
/// the same name and leaves other files alone.
pub fn write_embedded(dest: &Path, overwrite: bool) -> Result<WrittenContract, WriteError> {
    let parts = [Part::Specs, Part::Snapshots].map(|part| (part, dest.join(part.dir_name())));
    if !overwrite && let Some((_, taken)) = parts.iter().find(|(_, dir)| dir.exists()) {
        return Err(WriteError::Exists(taken.clone()));
    }
    let mut counts = [0usize; 2];
    for (i, (part, dir)) in parts.iter().enumerate() {
        let source = ContractSource::embedded(*part);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| WriteError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        for rel in source.files(Path::new("")).map_err(io(dir))? {
            let to = dir.join(&rel);
            let bytes = source.read(&rel).map_err(io(&to))?;
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::write(&to, &bytes).map_err(io(&to))?;
            counts[i] += 1;
        }
    }
    let [(_, specs_dir), (_, snapshots_dir)] = parts;
    Ok(WrittenContract {
        specs_dir,
        snapshots_dir,
        spec_files: counts[0],
        snapshot_files: counts[1],
    })
}
