//! Runs read back from JSON files: a run's report (`run --report json=PATH`) is one run; a
//! matrix (`--report json=PATH` of a matrix) is one run per target.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::result::RunReport;

/// `"kind"` of a matrix's JSON, which a run's report does not have.
pub const MATRIX_KIND: &str = "imconform-matrix";

#[derive(Debug, thiserror::Error)]
pub enum MatrixReadError {
    #[error("failed to read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a JSON report of `imconform run` or a matrix: {source}", path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

#[derive(Deserialize)]
struct MatrixFile {
    targets: Vec<TargetIn>,
}

#[derive(Deserialize)]
struct TargetIn {
    name: String,
    run: RunReport,
}

/// The runs in a JSON file, each with its name: the target's name when the run had one,
/// otherwise the file's name without `.json`.
pub fn read_runs(path: &Path) -> Result<Vec<(String, RunReport)>, MatrixReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| MatrixReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let parse = |source| MatrixReadError::Parse {
        path: path.to_path_buf(),
        source,
    };
    let value: Value = serde_json::from_str(&text).map_err(parse)?;
    if value.get("kind").and_then(Value::as_str) == Some(MATRIX_KIND) {
        let file: MatrixFile = serde_json::from_value(value).map_err(parse)?;
        return Ok(file.targets.into_iter().map(|t| (t.name, t.run)).collect());
    }
    let run: RunReport = serde_json::from_value(value).map_err(parse)?;
    let name = run.target_name.clone().unwrap_or_else(|| {
        path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        )
    });
    Ok(vec![(name, run)])
}
