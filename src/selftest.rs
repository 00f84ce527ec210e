//! Proves the suite catches deviations: the whole suite against the faithful emulator and
//! against one that differs only in undocumented details (both must pass), then once per named
//! fault (each must fail at least one case). Every run gets its own emulator instance.
//!
//! The push service's one-second rules (pushes more than 1 s apart, one revoke a second) would
//! pace every run's pushes into a chain of ~30 s. So each run has them off
//! (`EmulatorOptions::no_push_clock`, which leaves out the cases that probe them), and the
//! clean runs and the runs of the faults on those rules then run the probing cases again on an
//! emulator that keeps them; their cases join the run's report.
//!
//! The snapshots were recorded from the faithful emulator, so its runs hold them byte for byte
//! (`strict`); the details-differ and fault runs judge them as on a foreign target: drift
//! passes, and only differences the docs pin down fail.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::contract::ContractSource;
use crate::emulator::{Fault, all_faults};
use crate::pipeline::{
    EmulatorOptions, Execution, PipelineConfig, PipelineError, SnapshotOptions, Unwatched, plan,
    probes_push_clock,
};
use crate::result::{Outcome, RunReport};
use crate::runner::Interrupt;
use crate::spec::Suite;

#[derive(Debug, Clone)]
pub struct SelftestConfig {
    /// The recorded snapshots (a directory, or the ones built into the binary).
    pub snapshots: ContractSource,
    /// Where snapshot mismatches of faulty runs are left (never the snapshot folder).
    pub scratch: PathBuf,
    /// Runs at once.
    pub parallel: usize,
    /// Cases at once within a run.
    pub jobs: usize,
}

/// A run that must pass: the faithful emulator, or the details-differ mode, per profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CleanRun {
    pub mode: String,
    pub profile: String,
    pub passed: usize,
    /// Cases that did not pass (each is a defect of the suite or the emulator).
    pub not_passed: Vec<String>,
    /// Cases whose snapshots drifted (details the docs leave open): expected of details-differ.
    #[serde(default)]
    pub drifted: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FaultRun {
    pub fault: String,
    pub description: String,
    /// Cases that failed the contract with the fault on.
    pub caught_by: Vec<String>,
    /// Cases that ended in a harness error (the fault broke a fixture): not counted as caught.
    pub errors: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SelftestReport {
    pub clean: Vec<CleanRun>,
    pub faults: Vec<FaultRun>,
}

impl SelftestReport {
    pub fn passed(&self) -> bool {
        self.clean.iter().all(|c| c.not_passed.is_empty())
            && self.faults.iter().all(|f| !f.caught_by.is_empty())
    }

    pub fn caught(&self) -> usize {
        self.faults
            .iter()
            .filter(|f| !f.caught_by.is_empty())
            .count()
    }
}

enum Mode {
    Clean,
    DetailsDiffer,
    Fault(Fault),
}

struct Job {
    mode: Mode,
    profile: String,
}

impl Job {
    /// Whether the run also runs the cases probing the one-second push rules, with the rules.
    fn on_the_push_clock(&self) -> bool {
        match self.mode {
            Mode::Clean | Mode::DetailsDiffer => true,
            Mode::Fault(f) => f.concerns_push_clock(),
        }
    }
}

pub async fn selftest(
    suite: Arc<Suite>,
    config: &SelftestConfig,
) -> Result<SelftestReport, PipelineError> {
    let mut jobs = Vec::new();
    for profile in suite.service.profiles.keys() {
        jobs.push(Job {
            mode: Mode::Clean,
            profile: profile.clone(),
        });
        jobs.push(Job {
            mode: Mode::DetailsDiffer,
            profile: profile.clone(),
        });
    }
    let default = suite.service.default_profile.clone();
    for fault in all_faults() {
        jobs.push(Job {
            mode: Mode::Fault(*fault),
            profile: default.clone(),
        });
    }

    let limit = Arc::new(tokio::sync::Semaphore::new(config.parallel.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, job) in jobs.into_iter().enumerate() {
        let (suite, config, limit) = (suite.clone(), config.clone(), limit.clone());
        tasks.spawn(async move {
            let _slot = limit.acquire_owned().await.expect("semaphore never closes");
            let report = run_mode(suite, &config, &job).await;
            (i, job, report)
        });
    }
    let mut done = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        done.push(joined.expect("a selftest run panicked"));
    }
    done.sort_by_key(|(i, _, _)| *i);

    let mut report = SelftestReport {
        clean: Vec::new(),
        faults: Vec::new(),
    };
    for (_, job, run) in done {
        let run = run?;
        match job.mode {
            Mode::Clean | Mode::DetailsDiffer => {
                let mode = if matches!(job.mode, Mode::Clean) {
                    "clean"
                } else {
                    "details-differ"
                };
                report.clean.push(CleanRun {
                    mode: mode.to_owned(),
                    profile: job.profile,
                    passed: run
                        .cases
                        .iter()
                        .filter(|c| c.outcome == Outcome::Pass)
                        .count(),
                    not_passed: run
                        .cases
                        .iter()
                        .filter(|c| c.outcome != Outcome::Pass)
                        .map(|c| format!("{}: {}", c.id, c.reason.as_deref().unwrap_or("")))
                        .collect(),
                    drifted: run.totals().drifted,
                });
            }
            Mode::Fault(fault) => report.faults.push(FaultRun {
                fault: fault.name().to_owned(),
                description: fault.description().to_owned(),
                caught_by: run
                    .cases
                    .iter()
                    .filter(|c| c.outcome == Outcome::Fail)
                    .map(|c| c.id.clone())
                    .collect(),
                errors: run
                    .cases
                    .iter()
                    .filter(|c| c.outcome == Outcome::Error)
                    .count(),
            }),
        }
    }
    Ok(report)
}

/// One whole run through the pipeline, on an emulator of its own set up for the mode.
async fn run_mode(
    suite: Arc<Suite>,
    config: &SelftestConfig,
    job: &Job,
) -> Result<RunReport, PipelineError> {
    let mut report = run_part(suite.clone(), config, job, None).await?;
    let clocked: Vec<String> = (suite.plan(&job.profile).iter())
        .filter(|c| probes_push_clock(&suite, c))
        .map(|c| c.id.clone())
        .collect();
    if job.on_the_push_clock() && !clocked.is_empty() {
        let part = run_part(suite, config, job, Some(clocked)).await?;
        report.cases.extend(part.cases);
    }
    Ok(report)
}

/// The run of a mode without the one-second push rules, or with them (`clocked`: the cases
/// that probe them).
async fn run_part(
    suite: Arc<Suite>,
    config: &SelftestConfig,
    job: &Job,
    clocked: Option<Vec<String>>,
) -> Result<RunReport, PipelineError> {
    let mut emulator = EmulatorOptions {
        no_push_clock: clocked.is_none(),
        ..EmulatorOptions::default()
    };
    let label = match &job.mode {
        Mode::Clean => "clean",
        Mode::DetailsDiffer => {
            emulator.details_differ = true;
            "details-differ"
        }
        Mode::Fault(f) => {
            emulator.faults = vec![f.name().to_owned()];
            f.name()
        }
    };
    let run = PipelineConfig {
        profile: Some(job.profile.clone()),
        filter: clocked.unwrap_or_default(),
        emulator,
        execution: Execution {
            jobs: Some(config.jobs),
            retries: 1,
            ..Execution::default()
        },
        snapshots: SnapshotOptions {
            source: config.snapshots.clone(),
            update: false,
            // The snapshots were recorded from the faithful emulator: its runs hold them
            // byte for byte; the other runs judge them as on a foreign target.
            strict: matches!(job.mode, Mode::Clean),
            pending_dir: Some(config.scratch.join(format!("{}-{label}", job.profile))),
        },
        ..PipelineConfig::default()
    };
    let finished = plan(suite, run)?
        .run(Arc::new(Unwatched), Interrupt::default())
        .await?;
    Ok(finished.report)
}

/// The matrix as text: one line per clean run, then one per fault with the cases that caught it.
pub fn render_text(report: &SelftestReport) -> String {
    let mut out = String::new();
    for c in &report.clean {
        let verdict = if c.not_passed.is_empty() {
            "ok"
        } else {
            "FAILED"
        };
        out.push_str(&format!(
            "{verdict:<6} {:<15} profile {:<12} {} passed, {} not passed, {} with snapshot drift\n",
            c.mode,
            c.profile,
            c.passed,
            c.not_passed.len(),
            c.drifted
        ));
        for n in &c.not_passed {
            out.push_str(&format!("         {n}\n"));
        }
    }
    out.push('\n');
    let width = report
        .faults
        .iter()
        .map(|f| f.fault.len())
        .max()
        .unwrap_or(10);
    for f in &report.faults {
        let verdict = if f.caught_by.is_empty() {
            "MISSED"
        } else {
            "caught"
        };
        let mut by: BTreeMap<&str, usize> = BTreeMap::new();
        for id in &f.caught_by {
            *by.entry(id.split("::").next().unwrap_or(id)).or_default() += 1;
        }
        let first: Vec<&str> = f.caught_by.iter().take(3).map(String::as_str).collect();
        let more = f.caught_by.len().saturating_sub(first.len());
        let more = if more > 0 {
            format!(" (+{more} more)")
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{verdict:<6} {:<width$} {:>3} cases: {}{more}\n",
            f.fault,
            f.caught_by.len(),
            first.join(", ")
        ));
    }
    out.push_str(&format!(
        "\n{} of {} faults caught; clean and details-differ runs: {}\n",
        report.caught(),
        report.faults.len(),
        if report.clean.iter().all(|c| c.not_passed.is_empty()) {
            "all passed"
        } else {
            "FAILURES"
        }
    ));
    out
}
