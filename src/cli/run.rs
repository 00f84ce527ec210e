//! `imconform run`: the suite against a target, with reports and a CI exit code. The flags
//! become one `PipelineConfig` (one per target, with `imconform.toml`); the library runs it;
//! this file draws progress and the outcome.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use imconform::config::{ConfigError, TargetChoice, config_for, resolve_targets};
use imconform::matrix::build_matrix;
use imconform::pipeline::{
    BaselineInputs, EmulatorOptions, Execution, Finished, NamedFinished, PipelineConfig,
    PipelineError, ReportFile, RunProgress, RunStatus, SnapshotOptions, TargetFailed,
    VerdictInputs, plan, plan_each, run_each, write_matrix_reports, write_reports,
};
use imconform::result::{CaseReport, Outcome, RunReport};
use imconform::runner::Interrupt;
use imconform::spec::Suite;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::common::{AppArgs, SignerArgs, SnapshotsArg, SpecsArg, eprint_error, runtime};
use super::exit;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The target: a base URL (e.g. https://adminapisgp.im.qcloud.com), a name from
    /// imconform.toml, or `emulator` (the default). Repeat it to run several targets at once
    /// and report them side by side as a matrix.
    #[arg(long, env = "IMCONFORM_TARGET", value_name = "URL|NAME")]
    target: Vec<String>,
    /// The config file naming the targets (default: imconform.toml in the working directory).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
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
    /// Cases run at once (default: sized from the target's round trip and the declared rates).
    #[arg(long)]
    jobs: Option<usize>,
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
    /// Hold snapshots byte for byte: a difference the docs leave open (snapshot drift) fails the
    /// case too. For snapshots recorded from the target under test.
    #[arg(long)]
    strict_snapshots: bool,
    /// Write a report: junit=PATH, json=PATH, markdown=PATH or html=PATH (repeatable; with
    /// several targets, the matrix in that format).
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
    /// Embedded emulator only: answer differently wherever the docs leave it open (wording, order,
    /// IDs, optional and extra fields, the other code of documented pairs; docs/emulator.md).
    #[arg(long)]
    details_differ: bool,
    /// Embedded emulator only: answer every request MS milliseconds later (a distant target).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency: u64,
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
    /// Embedded emulator only: switch the one-second push rules off (pushes 1 s apart, one
    /// revoke a second) and leave out the two cases that probe them; pushes are then not paced
    /// a second apart, so the run takes seconds instead of half a minute.
    #[arg(long)]
    emulator_no_push_clock: bool,
    /// Fail, instead of skip, the cases needing this optional feature when the target lacks it
    /// (repeatable; the service file's `features:`, e.g. community_groups, push_service).
    #[arg(long, value_name = "FEATURE")]
    require: Vec<String>,
    /// Against a --target, run the cases that spend this cost (repeatable; the service file's
    /// `costs:`, e.g. push_quota, all_users, lasting); they are skipped otherwise.
    #[arg(long, value_name = "COST")]
    allow: Vec<String>,
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
            target: None,
            name: None,
            emulator: EmulatorOptions {
                faults: self.fault.clone(),
                details_differ: self.details_differ,
                no_community: self.emulator_no_community,
                no_push: self.emulator_no_push,
                no_push_clock: self.emulator_no_push_clock,
                latency: Duration::from_millis(self.latency),
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
                strict: self.strict_snapshots,
                pending_dir: self.new_snapshots.clone(),
            },
            ledger: self.ledger.clone(),
            allow: self.allow.clone(),
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
    let mut targets = match choose_targets(&args, &suite) {
        Ok(t) => t,
        Err(e) => {
            if e.is_located() {
                eprintln!("{e}");
            } else {
                eprint_error(&e);
            }
            return e.exit_code();
        }
    };
    if targets.len() > 1 {
        return run_several(&args, suite, targets, &reports);
    }
    let config = targets.pop().expect("one target at least").config;
    let known_file = config.verdicts.known.clone();
    let plan = match plan(suite, config) {
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
    let finished = with_interrupt(|interrupt| plan.run(progress.clone(), interrupt));
    progress.finish();
    match finished {
        Ok(finished) => finish(&finished, &reports, known_file.as_deref()),
        Err(e) => failed(&e),
    }
}

/// One config per `--target` (none: the embedded emulator), from the flags and the config
/// file.
fn choose_targets(args: &RunArgs, suite: &Suite) -> Result<Vec<TargetChoice>, ConfigError> {
    let dir = Path::new(".");
    let file = config_for(&args.target, args.config.as_deref(), dir)?;
    let features: Vec<String> = suite.service.features.keys().cloned().collect();
    resolve_targets(
        &args.target,
        file.as_ref(),
        &args.pipeline_config(),
        &features,
        dir,
    )
}

/// Runs `run` on a fresh runtime with an interrupt that Ctrl-C triggers (a second Ctrl-C
/// exits at once).
fn with_interrupt<F: Future>(run: impl FnOnce(Interrupt) -> F) -> F::Output {
    runtime().block_on(async {
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
        run(interrupt).await
    })
}

/// Several targets at once, reported as one matrix.
fn run_several(
    args: &RunArgs,
    suite: Arc<Suite>,
    targets: Vec<TargetChoice>,
    reports: &[ReportFile],
) -> u8 {
    let named = targets.into_iter().map(|t| (t.name, t.config)).collect();
    let plans = match plan_each(suite, named) {
        Ok(p) => p,
        Err(e) => return failed_target(&e),
    };
    if args.list {
        for c in plans[0].plan.cases() {
            println!("{}", c.id);
        }
        return exit::OK;
    }
    let bars = MultiProgress::new();
    let width = plans.iter().map(|p| p.name.len()).max().unwrap_or(0);
    let watcher = |name: &str| -> Arc<dyn RunProgress> {
        Arc::new(TargetProgress::new(&bars, name, width, args.verbose))
    };
    let finished = with_interrupt(|interrupt| run_each(plans, &watcher, interrupt));
    let _ = bars.clear();
    match finished {
        Ok(runs) => finish_several(&runs, reports),
        Err(e) => failed_target(&e),
    }
}

fn failed_target(error: &TargetFailed) -> u8 {
    if error.error.is_located() {
        eprintln!("imconform: target `{}`:\n{}", error.name, error.error);
    } else {
        eprint_error(error);
    }
    error.exit_code()
}

/// Each target's failures under its name, then the matrix; writes the matrix reports and
/// returns the worst target's exit code.
fn finish_several(runs: &[NamedFinished], reports: &[ReportFile]) -> u8 {
    let annotate = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    for run in runs {
        let finished = &run.finished;
        if let Some(recorded) = &finished.recorded {
            eprintln!(
                "imconform: {}: recorded {} cases in {}",
                run.name,
                recorded.cases,
                recorded.dir.display()
            );
        }
        if let Some(e) = &finished.baseline_error {
            eprint_error(format!("{}: {e}", run.name));
        }
        if annotate {
            print!(
                "{}",
                imconform::report::github_annotations(&finished.report)
            );
        }
        println!("── {} ({})", run.name, finished.report.target);
        print_outcome(&finished.report, None);
    }
    let matrix = build_matrix(
        (runs.iter())
            .map(|r| (r.name.clone(), r.finished.report.clone()))
            .collect(),
    );
    print!("{}", imconform::report::matrix_summary(&matrix));
    let not_written = write_matrix_reports(&matrix, reports);
    for e in &not_written {
        eprint_error(e);
    }
    let status = RunStatus::worst(runs.iter().map(|r| r.finished.status));
    if not_written.is_empty() {
        status.exit_code()
    } else {
        status.with_harness_problem().exit_code()
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
    print!("{}", imconform::report::snapshot_drift_lines(report));
    if let Some(drift) = &report.drift {
        print!("{}", imconform::report::drift_lines(drift));
    }
    // Which contract ran, just above the closing summary (which stays the last line).
    if let Some(contract) = &report.contract {
        println!("contract: {}", contract.label());
    }
    let totals = report.totals();
    // Before the totals: CI and scripts read the totals as the closing line.
    println!("{}", imconform::report::requests_line(report));
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

    fn spending(&self, lines: &[String]) {
        for line in lines {
            eprintln!("imconform: {line}");
        }
    }

    fn case_finished(&self, case: &CaseReport) {
        self.bar.inc(1);
        if self.verbose || case.outcome == Outcome::Fail {
            self.bar.println(imconform::report::case_line(case));
        }
    }
}

/// One target's bar among several; lines go above all bars.
struct TargetProgress {
    bars: MultiProgress,
    bar: ProgressBar,
    name: String,
    verbose: bool,
}

impl TargetProgress {
    fn new(bars: &MultiProgress, name: &str, width: usize, verbose: bool) -> Self {
        let bar = bars.add(ProgressBar::new(0));
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{prefix:{width}}} {{bar:30}} {{pos}}/{{len}} cases {{elapsed}}"
            ))
            .expect("a valid template"),
        );
        bar.set_prefix(name.to_owned());
        Self {
            bars: bars.clone(),
            bar,
            name: name.to_owned(),
            verbose,
        }
    }
}

impl RunProgress for TargetProgress {
    fn started(&self, target_label: &str, cases: usize) {
        self.bar.set_length(cases as u64);
        self.bars.suspend(|| {
            eprintln!(
                "imconform: {}: {cases} cases against {target_label}",
                self.name
            )
        });
    }

    fn spending(&self, lines: &[String]) {
        self.bars.suspend(|| {
            for line in lines {
                eprintln!("imconform: {}: {line}", self.name);
            }
        });
    }

    fn case_finished(&self, case: &CaseReport) {
        self.bar.inc(1);
        if self.verbose || case.outcome == Outcome::Fail {
            self.bar.println(format!(
                "{}: {}",
                self.name,
                imconform::report::case_line(case)
            ));
        }
    }
}
