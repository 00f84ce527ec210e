//! From the runner's outcomes to the final ones (`--require`, then `--known`), and from those
//! to the run's status (`docs/exit-codes.md`: the first matching row wins).

use crate::exit;
use crate::known::{KnownList, apply_known, classify_case};
use crate::require::apply_required;
use crate::result::{CaseReport, RunReport};

/// What turns the runner's outcomes into the final ones: `--require` first (a required
/// feature's skip becomes a failure), then `--known` (which may then call that failure known).
#[derive(Debug, Clone, Default)]
pub struct Verdicts {
    pub required: Vec<String>,
    pub known: Option<KnownList>,
}

impl Verdicts {
    pub fn apply(&self, report: &mut RunReport) {
        apply_required(report, &self.required);
        if let Some(known) = &self.known {
            apply_known(report, known);
        }
    }

    /// The same for one case, as it finishes (no stale-entry bookkeeping: that needs the run).
    pub fn apply_case(&self, case: &CaseReport) -> CaseReport {
        let mut one = RunReport::of_cases(vec![case.clone()]);
        apply_required(&mut one, &self.required);
        let mut case = one.cases.pop().expect("one case in, one out");
        if let Some(known) = &self.known {
            classify_case(&mut case, known);
        }
        case
    }
}

/// How a run ended, as the exit code tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Every case passed, was skipped, known or fixed.
    Ok,
    /// At least one case failed the contract.
    ContractFailure,
    /// No case failed, but the harness did: a case error, a baseline or report not written.
    HarnessError,
    /// Clean, but responses drifted from the baseline and drift was to fail the run.
    Drift,
    Interrupted,
}

impl RunStatus {
    /// The status of a finished report; `harness_problem` is a failure after the run (a
    /// baseline that could not be read or written).
    pub fn of(report: &RunReport, harness_problem: bool, fail_on_drift: bool) -> RunStatus {
        let totals = report.totals();
        if report.interrupted {
            RunStatus::Interrupted
        } else if totals.failed > 0 {
            RunStatus::ContractFailure
        } else if totals.errors > 0 || harness_problem {
            RunStatus::HarnessError
        } else if fail_on_drift && report.drift.as_ref().is_some_and(|d| d.change_count() > 0) {
            RunStatus::Drift
        } else {
            RunStatus::Ok
        }
    }

    /// After a report file could not be written: a clean or merely drifted run is a harness
    /// error; a failed or interrupted one stays what it was.
    pub fn with_harness_problem(self) -> RunStatus {
        match self {
            RunStatus::Ok | RunStatus::Drift => RunStatus::HarnessError,
            other => other,
        }
    }

    /// The status of several runs together (one per target): the one whose exit code
    /// outranks the others' (interrupted, then a contract failure, a harness error, drift).
    pub fn worst(statuses: impl IntoIterator<Item = RunStatus>) -> RunStatus {
        let rank = |s: &RunStatus| match s {
            RunStatus::Ok => 0,
            RunStatus::Drift => 1,
            RunStatus::HarnessError => 2,
            RunStatus::ContractFailure => 3,
            RunStatus::Interrupted => 4,
        };
        statuses
            .into_iter()
            .max_by_key(rank)
            .unwrap_or(RunStatus::Ok)
    }

    pub fn exit_code(self) -> u8 {
        match self {
            RunStatus::Ok => exit::OK,
            RunStatus::ContractFailure => exit::CONTRACT_FAILURE,
            RunStatus::HarnessError => exit::HARNESS_ERROR,
            RunStatus::Drift => exit::DRIFT,
            RunStatus::Interrupted => exit::INTERRUPTED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::known::parse_known;
    use crate::result::{CaseDrift, Drift, DriftChange, Outcome};

    fn case(id: &str, outcome: Outcome, feature: Option<&str>) -> CaseReport {
        let (group, name) = id.split_once("::").unwrap();
        CaseReport {
            id: id.into(),
            group: group.into(),
            name: name.into(),
            tags: Vec::new(),
            generated: false,
            location: "x.yaml:1:1".into(),
            outcome,
            reason: Some(
                "step 1 (push): feature `push_service` is not enabled (code 90045)".into(),
            ),
            duration_ms: 0,
            steps: Vec::new(),
            teardown_warnings: Vec::new(),
            feature: feature.map(str::to_owned),
            known: None,
            group_types: Vec::new(),
            expected_codes: Vec::new(),
        }
    }

    fn known(text: &str) -> KnownList {
        parse_known("known.yaml", text, "ErrorCode").expect("a valid list")
    }

    fn drifted() -> Drift {
        Drift {
            baseline: "base".into(),
            cases: vec![CaseDrift {
                id: "a::b".into(),
                changes: vec![DriftChange::CaseMissing],
            }],
        }
    }

    #[test]
    fn require_turns_a_skip_into_a_failure_that_known_then_accepts() {
        let verdicts = Verdicts {
            required: vec!["push_service".into()],
            known: Some(known("- case: push::*\n  expect: no push service yet\n")),
        };
        let mut report = RunReport::of_cases(vec![
            case("push::one", Outcome::Skip, Some("push_service")),
            case("group::two", Outcome::Skip, Some("community_groups")),
        ]);
        verdicts.apply(&mut report);
        let outcomes: Vec<Outcome> = report.cases.iter().map(|c| c.outcome).collect();
        // Known first would leave the skip alone and `--require` would then fail it.
        assert_eq!(outcomes, [Outcome::Known, Outcome::Skip]);
        assert_eq!(RunStatus::of(&report, false, false), RunStatus::Ok);
    }

    #[test]
    fn a_case_as_it_finishes_gets_the_verdict_the_run_gets() {
        let verdicts = Verdicts {
            required: vec!["push_service".into()],
            known: Some(known("- endpoint: group\n  expect: 10004\n")),
        };
        let skipped = case("push::one", Outcome::Skip, Some("push_service"));
        let passed = case("group::two", Outcome::Pass, None);
        assert_eq!(verdicts.apply_case(&skipped).outcome, Outcome::Fail);
        assert_eq!(verdicts.apply_case(&passed).outcome, Outcome::Fixed);
        let mut report = RunReport::of_cases(vec![skipped, passed]);
        verdicts.apply(&mut report);
        assert_eq!(report.cases[0].outcome, Outcome::Fail);
        assert_eq!(report.cases[1].outcome, Outcome::Fixed);
        assert_eq!(
            RunStatus::of(&report, false, false),
            RunStatus::ContractFailure
        );
    }

    #[test]
    fn drift_fails_only_a_clean_run_and_only_when_asked() {
        let mut clean = RunReport::of_cases(vec![case("a::b", Outcome::Pass, None)]);
        clean.drift = Some(drifted());
        assert_eq!(RunStatus::of(&clean, false, false), RunStatus::Ok);
        assert_eq!(RunStatus::of(&clean, false, true), RunStatus::Drift);
        assert_eq!(RunStatus::of(&clean, false, true).exit_code(), exit::DRIFT);
        // A baseline that could not be written outranks drift, a failure outranks both.
        assert_eq!(RunStatus::of(&clean, true, true), RunStatus::HarnessError);
        let mut failed = RunReport::of_cases(vec![case("a::b", Outcome::Fail, None)]);
        failed.drift = Some(drifted());
        assert_eq!(
            RunStatus::of(&failed, true, true),
            RunStatus::ContractFailure
        );
        // No change in the drift is no drift.
        clean.drift = Some(Drift {
            baseline: "base".into(),
            cases: Vec::new(),
        });
        assert_eq!(RunStatus::of(&clean, false, true), RunStatus::Ok);
    }

    #[test]
    fn an_interrupted_run_exits_130_whatever_else_happened() {
        let mut report = RunReport::of_cases(vec![
            case("a::b", Outcome::Fail, None),
            case("a::c", Outcome::Error, None),
        ]);
        report.interrupted = true;
        report.drift = Some(drifted());
        let status = RunStatus::of(&report, true, true);
        assert_eq!(status, RunStatus::Interrupted);
        assert_eq!(status.with_harness_problem().exit_code(), exit::INTERRUPTED);
    }

    #[test]
    fn several_runs_exit_as_the_worst_of_them() {
        use RunStatus::*;
        assert_eq!(RunStatus::worst([]), Ok);
        assert_eq!(RunStatus::worst([Ok, Drift, Ok]), Drift);
        assert_eq!(RunStatus::worst([HarnessError, Drift]), HarnessError);
        assert_eq!(
            RunStatus::worst([Ok, ContractFailure, HarnessError]),
            ContractFailure
        );
        assert_eq!(
            RunStatus::worst([ContractFailure, Interrupted]),
            Interrupted
        );
    }

    #[test]
    fn a_report_not_written_fails_a_clean_or_drifted_run_only() {
        assert_eq!(
            RunStatus::Ok.with_harness_problem(),
            RunStatus::HarnessError
        );
        assert_eq!(
            RunStatus::Drift.with_harness_problem(),
            RunStatus::HarnessError
        );
        assert_eq!(
            RunStatus::ContractFailure.with_harness_problem(),
            RunStatus::ContractFailure
        );
        let errored = RunReport::of_cases(vec![case("a::b", Outcome::Error, None)]);
        assert_eq!(
            RunStatus::of(&errored, false, false).exit_code(),
            exit::HARNESS_ERROR
        );
    }
}
