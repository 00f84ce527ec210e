//! `--record DIR` and `--baseline DIR`: this run's responses against a recorded baseline.

use std::path::PathBuf;

use crate::baseline::store::{BaselineError, read_baseline, write_baseline};
use crate::baseline::{compare, record};
use crate::result::RunReport;

use super::BaselineInputs;

/// A baseline this run wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub dir: PathBuf,
    pub cases: usize,
}

/// Compares with the old baseline first (setting `report.drift`), then records this run.
/// `filtered`: a run that selected cases does not report the ones it left out as missing.
pub fn apply_baselines(
    inputs: &BaselineInputs,
    report: &mut RunReport,
    code_field: &str,
    filtered: bool,
) -> Result<Option<Recorded>, BaselineError> {
    if inputs.record.is_none() && inputs.compare.is_none() {
        return Ok(None);
    }
    let now = record(report, code_field);
    if let Some(dir) = &inputs.compare {
        let then = read_baseline(dir)?;
        report.drift = Some(compare(
            &dir.display().to_string(),
            &then,
            &now,
            code_field,
            !filtered,
        ));
    }
    match &inputs.record {
        None => Ok(None),
        Some(dir) => {
            write_baseline(dir, &now)?;
            Ok(Some(Recorded {
                dir: dir.clone(),
                cases: now.len(),
            }))
        }
    }
}
