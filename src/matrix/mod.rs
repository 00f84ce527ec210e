//! Several targets side by side: a column per target (its run), a row per case, per-endpoint
//! scores, and the interop share (cases passing on every target). Plain data, built from run
//! reports: a run with several `--target`s, or `imconform matrix` on earlier JSON reports.
//! The formats are `report::matrix_*`.

mod build;
mod read;

use crate::pipeline::RunStatus;
use crate::result::{Outcome, RunReport, Totals};

pub use build::build_matrix;
pub use read::{MATRIX_KIND, MatrixReadError, read_runs};

#[derive(Debug, Clone)]
pub struct Matrix {
    pub targets: Vec<TargetColumn>,
    /// Disagreements first, then the cases no target passes alike, then those passing on
    /// every target; each group in the order the runs listed the cases.
    pub rows: Vec<CaseRow>,
    pub endpoints: Vec<EndpointRow>,
    pub interop: Interop,
}

/// One target: its run, trimmed to what the matrix shows.
#[derive(Debug, Clone)]
pub struct TargetColumn {
    /// Its name in `imconform.toml`, or what the report or its file was called.
    pub name: String,
    pub conforms: bool,
    pub totals: Totals,
    /// A pass keeps no step; any other outcome keeps the step it is reported at.
    pub run: RunReport,
}

/// How a case ended, as the matrix compares targets: a known deviation still deviates, a
/// fixed one passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Error,
    Skip,
    /// The target's run did not have the case (another profile or filter, or interrupted).
    NotRun,
}

impl Verdict {
    pub fn of(outcome: Option<Outcome>) -> Verdict {
        match outcome {
            None => Verdict::NotRun,
            Some(Outcome::Pass | Outcome::Fixed) => Verdict::Pass,
            Some(Outcome::Fail | Outcome::Known) => Verdict::Fail,
            Some(Outcome::Error) => Verdict::Error,
            Some(Outcome::Skip) => Verdict::Skip,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CaseRow {
    pub id: String,
    pub group: String,
    /// `file:line:column` of the case, from the first run that has it.
    pub location: String,
    /// Every target ended the case the same way (see [`Verdict`]).
    pub agree: bool,
    /// Every target passed it.
    pub interop: bool,
    /// One per target, in column order; None where the target did not run the case.
    pub outcomes: Vec<Option<Outcome>>,
}

/// An endpoint's cases on each target.
#[derive(Debug, Clone)]
pub struct EndpointRow {
    pub endpoint: String,
    /// Cases of the endpoint in any run.
    pub cases: usize,
    /// Of those, the ones passing on every target.
    pub interop: usize,
    /// One per target, in column order: the outcomes of the endpoint's cases in its run.
    pub scores: Vec<Totals>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Interop {
    /// Cases in any run.
    pub cases: usize,
    /// Cases every target passed.
    pub passing_everywhere: usize,
    /// Cases the targets ended differently.
    pub disagreements: usize,
}

impl Interop {
    /// The share of cases passing on every target, 0 to 1 (1 for no case at all).
    pub fn share(&self) -> f64 {
        if self.cases == 0 {
            1.0
        } else {
            self.passing_everywhere as f64 / self.cases as f64
        }
    }
}

impl TargetColumn {
    /// What the target's run means for the exit code. Read from a report, an interrupted
    /// run is a failure if a case failed and a harness problem otherwise (it is incomplete).
    pub fn status(&self) -> RunStatus {
        match RunStatus::of(&self.run, false, false) {
            RunStatus::Interrupted if self.totals.failed > 0 => RunStatus::ContractFailure,
            RunStatus::Interrupted => RunStatus::HarnessError,
            other => other,
        }
    }
}

impl Matrix {
    /// The exit status of the whole matrix: 0 only when every target conforms.
    pub fn status(&self) -> RunStatus {
        RunStatus::worst(self.targets.iter().map(TargetColumn::status))
    }

    /// Passed (or fixed) cases out of all cases of a score, 0 to 1.
    pub fn score_share(score: &Totals) -> f64 {
        let total =
            score.passed + score.failed + score.errors + score.skipped + score.known + score.fixed;
        if total == 0 {
            1.0
        } else {
            (score.passed + score.fixed) as f64 / total as f64
        }
    }
}
