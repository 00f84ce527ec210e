//! `imconform diff A.json B.json`: which cases changed outcome between two JSON reports.

use std::path::{Path, PathBuf};

use clap::Args;
use imconform::diff::{diff_reports, render_text};
use imconform::result::RunReport;

use super::common::eprint_error;
use super::exit;

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The earlier report (`run --report json=PATH`).
    before: PathBuf,
    /// The later report.
    after: PathBuf,
}

#[derive(Debug, thiserror::Error)]
enum ReadError {
    #[error("failed to read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a JSON report of `imconform run`: {source}", path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

fn read(path: &Path) -> Result<RunReport, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| ReadError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// 0 when no case changed outcome, 1 otherwise, 4 when a report cannot be read.
pub fn execute(args: DiffArgs) -> u8 {
    let (before, after) = match (read(&args.before), read(&args.after)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprint_error(e);
            return exit::USAGE;
        }
    };
    let diff = diff_reports(&before, &after);
    print!("{}", render_text(&diff));
    if diff.is_empty() {
        exit::OK
    } else {
        exit::CONTRACT_FAILURE
    }
}
