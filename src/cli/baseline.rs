//! `run --record DIR` and `run --baseline DIR`: the file side of `imconform::baseline`.

use std::path::PathBuf;

use imconform::baseline::store::{BaselineError, read_baseline, write_baseline};
use imconform::baseline::{compare, record};
use imconform::result::RunReport;

pub struct Baselines {
    pub record: Option<PathBuf>,
    pub compare: Option<PathBuf>,
    /// The envelope's code field, whose moves are told apart from other changes.
    pub code_field: String,
    /// A filtered run does not report the cases it left out as missing.
    pub filtered: bool,
}

impl Baselines {
    /// Compares with the old baseline first (setting `report.drift`), then records this run.
    pub fn apply(&self, report: &mut RunReport) -> Result<(), BaselineError> {
        if self.record.is_none() && self.compare.is_none() {
            return Ok(());
        }
        let now = record(report, &self.code_field);
        if let Some(dir) = &self.compare {
            let then = read_baseline(dir)?;
            report.drift = Some(compare(
                &dir.display().to_string(),
                &then,
                &now,
                &self.code_field,
                !self.filtered,
            ));
        }
        if let Some(dir) = &self.record {
            write_baseline(dir, &now)?;
            eprintln!(
                "imconform: recorded {} cases in {}",
                now.len(),
                dir.display()
            );
        }
        Ok(())
    }
}
