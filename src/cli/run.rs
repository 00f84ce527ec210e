//! `imconform run`: the suite against a target, with reports and a CI exit code. The flags
//! become one `PipelineConfig`; the library runs it; this file draws progress and the outcome.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use imconform::pipeline::{
    BaselineInputs, EmulatorOptions, Execution, Finished, PipelineConfig, PipelineError,
    ReportFile, RunProgress, SnapshotOptions, VerdictInputs, plan, write_reports,
};
use imconform::result::{CaseReport, Outcome, RunReport};
use imconform::runner::Interrupt;
use indicatif::{ProgressBar, ProgressStyle};

use super::common::{AppArgs, SignerArgs, SnapshotsArg, SpecsArg, eprint_error, runtime};
use super::exit;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Base URL of the target, e.g. https://adminapisgp.im.qcloud.com (default: the embedded emulator).
    #[arg(long, env = "IMCONFORM_TARGET")]
    target: Option<String>,
    #[command(flatten)]
    app: AppArgs,
    #[command(flatten)]
    signer: SignerArgs,
    #[command(flatten)]
    specs: SpecsArg,
    /// The doc revision to check against (default: the service file's newest).
    #[arg(long)]
    profile: Option<String>,
    /// Run only cases whose id, endpoint or tag matches (repeatable).
    #[arg(long)]
    filter: Vec<String>,
    /// Leave out cases whose id, endpoint or tag matches (repeatable; after --filter).
    #[arg(long)]
    exclude: Vec<String>,
    /// List the selected cases and exit.
    #[arg(long)]
    list: bool,
    /// Cases run at once.
    #[arg(long, default_value_t = 8)]
    jobs: usize,
    /// Per-request timeout, in seconds.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Extra attempts after a transport error or a documented retryable code.
    #[arg(long, default_value_t = 2)]
    retries: u32,
    /// Do not pace requests under the declared call rates (for targets without limits).
    #[arg(long)]
    no_pacing: bool,
    /// Record snapshots instead of comparing them (into a local --snapshots DIR).
    #[arg(long)]
    update_snapshots: bool,
    #[command(flatten)]
    snapshots: SnapshotsArg,
    /// Where the `.snap.new` files of mismatches go (default: beside a --snapshots DIR; for the
    /// built-in snapshots, imconform-new-snapshots/ in the working directory).
    #[arg(long, env = "IMCONFORM_NEW_SNAPSHOTS", value_name = "DIR")]
    new_snapshots: Option<PathBuf>,
    /// Write a report: junit=PATH, json=PATH, markdown=PATH or html=PATH (repeatable).
    #[arg(long, value_name = "FORMAT=PATH")]
    report: Vec<String>,
    /// Store every response of the run, normalized as snapshots are, in DIR (one file per case).
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// Compare the responses with a baseline recorded by --record and report the drift.
    #[arg(long, value_name = "DIR")]
    baseline: Option<PathBuf>,
    /// Exit non-zero (5) when the run drifted from --baseline, even if every case passed.
    #[arg(long, requires = "baseline")]
    fail_on_drift: bool,
    /// Embedded emulator only: switch on a named fault (repeatable; see `serve --list-faults`).
    #[arg(long)]
    fault: Vec<String>,
    /// Embedded emulator only: change undocumented details (wording, order, IDs).
    #[arg(long)]
    details_differ: bool,
    /// Record fixtures made on a --target here, for `imconform cleanup`.
    #[arg(
        long,
        env = "IMCONFORM_LEDGER",
        default_value = ".imconform/ledger.jsonl"
    )]
    ledger: PathBuf,
    /// Embedded emulator only: switch the Community groups feature off (creating one answers 11000).
    #[arg(long)]
    emulator_no_community: bool,
    /// Embedded emulator only: switch the push service off (push APIs answer 90045).
    #[arg(long)]
    emulator_no_push: bool,
    /// Fail, instead of skip, the cases needing this optional feature when the target lacks it
    /// (repeatable; the service file's `features:`, e.g. community_groups, push_service).
    #[arg(long, value_name = "FEATURE")]
    require: Vec<String>,
    /// A known-deviations list (YAML): listed failures are reported as known and do not fail the
    /// run; listed cases that pass are reported as fixed.
    #[arg(long, value_name = "FILE")]
    known: Option<PathBuf>,
    /// Print every case as it finishes.
    #[arg(long, short)]
    verbose: bool,
}

impl RunArgs {
    fn pipeline_config(&self) -> PipelineConfig {
        PipelineConfig {
            profile: self.profile.clone(),
            filter: self.filter.clone(),
            exclude: self.exclude.clone(),
            target: self.target.clone(),
            emulator: EmulatorOptions {
                faults: self.fault.clone(),
                details_differ: self.details_differ,
                no_community: self.emulator_no_community,
                no_push: self.emulator_no_push,
            },
            app: self.app.identity(&self.signer),
            execution: Execution {
                jobs: self.jobs,
                timeout: Duration::from_secs_f64(self.timeout.max(0.1)),
                retries: self.retries,
                pacing: !self.no_pacing,
            },
            snapshots: SnapshotOptions {
                source: self.snapshots.source(),
                update: self.update_snapshots,
                pending_dir: self.new_snapshots.clone(),
            },
            ledger: self.ledger.clone(),
            verdicts: VerdictInputs {
                require: self.require.clone(),
                known: self.known.clone(),
            },
            baseline: BaselineInputs {
                record: self.record.clone(),
                compare: self.baseline.clone(),
                fail_on_drift: self.fail_on_drift,
            },
        }
    }
}

pub fn execute(args: RunArgs) -> u8 {
    let reports: Vec<ReportFile> = match args.report.iter().map(|s| s.parse()).collect() {
        Ok(r) => r,
        Err(e) => {
            eprint_error(e);
            return exit::USAGE;
        }
    };
    let suite = match args.specs.load() {
        Ok(s) => Arc::new(s),
        Err(code) => return code,
    };
    let plan = match plan(suite, args.pipeline_config()) {
        Ok(p) => p,
        Err(e) => return failed(&e),
    };
    if args.list {
        for c in plan.cases() {
            println!("{}", c.id);
        }
        return exit::OK;
    }
    let progress = Arc::new(Progress::new(plan.cases().len() as u64, args.verbose));
    let finished = runtime().block_on(async {
        let interrupt = Interrupt::default();
        let on_signal = interrupt.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!(
                    "imconform: interrupted; tearing down running cases (Ctrl-C again to abort)"
                );
                on_signal.trigger();
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(i32::from(exit::INTERRUPTED));
                }
            }
        });
        plan.run(progress.clone(), interrupt).await
    });
    progress.finish();
    match finished {
        Ok(finished) => finish(&finished, &reports, args.known.as_deref()),
        Err(e) => failed(&e),
    }
}

/// Prints why the run could not start; returns its exit code.
fn failed(error: &PipelineError) -> u8 {
    if error.is_located() {
        eprintln!("{error}");
    } else {
        eprint_error(error);
    }
    error.exit_code()
}

/// Prints the failures, the drift and the closing line, writes the reports, returns the exit
/// code; on GitHub Actions, also one workflow annotation per failing case.
fn finish(finished: &Finished, reports: &[ReportFile], known_file: Option<&Path>) -> u8 {
    if let Some(recorded) = &finished.recorded {
        eprintln!(
            "imconform: recorded {} cases in {}",
            recorded.cases,
            recorded.dir.display()
        );
    }
    if let Some(e) = &finished.baseline_error {
        eprint_error(e);
    }
    let report = &finished.report;
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        print!("{}", imconform::report::github_annotations(report));
    }
    print_outcome(report, known_file);
    let not_written = write_reports(report, reports);
    for e in &not_written {
        eprint_error(e);
    }
    let status = if not_written.is_empty() {
        finished.status
    } else {
        finished.status.with_harness_problem()
    };
    status.exit_code()
}

fn print_outcome(report: &RunReport, known_file: Option<&Path>) {
    let failures = imconform::report::failure_lines(report);
    if !failures.is_empty() {
        print!("{failures}");
        if !failures.ends_with('\n') {
            println!();
        }
    }
    if let Some(drift) = &report.drift {
        print!("{}", imconform::report::drift_lines(drift));
    }
    // Which contract ran, just above the closing summary (which stays the last line).
    if let Some(contract) = &report.contract {
        println!("contract: {}", contract.label());
    }
    let totals = report.totals();
    println!("{}", imconform::report::summary_line(&totals));
    if let Some(drift) = &report.drift {
        println!(
            "drift: {} changes in {} cases against {}",
            drift.change_count(),
            drift.cases.len(),
            drift.baseline
        );
    }
    if let Some(file) = known_file {
        if totals.fixed > 0 {
            eprintln!(
                "imconform: {} case(s) listed in {} pass now (FIXED above): remove their entries",
                totals.fixed,
                file.display()
            );
        }
        if !report.stale_known.is_empty() {
            eprintln!(
                "imconform: {} stale entr{} in {} (STALE above)",
                report.stale_known.len(),
                if report.stale_known.len() == 1 {
                    "y"
                } else {
                    "ies"
                },
                file.display()
            );
        }
    }
}

/// A progress bar on a terminal (indicatif hides itself elsewhere); verbose lines go through
/// it so they do not tear the bar. Cases arrive with their final verdicts.
struct Progress {
    bar: ProgressBar,
    verbose: bool,
}

impl Progress {
    fn new(total: u64, verbose: bool) -> Self {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} cases {elapsed} {msg}")
                .expect("a valid template"),
        );
        Self { bar, verbose }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl RunProgress for Progress {
    fn started(&self, target_label: &str, cases: usize) {
        eprintln!("imconform: {cases} cases against {target_label}");
    }

    fn case_finished(&self, case: &CaseReport) {
        self.bar.inc(1);
        if self.verbose || case.outcome == Outcome::Fail {
            self.bar.println(imconform::report::case_line(case));
        }
    }
}
