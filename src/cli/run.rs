//! `imconform run`: the suite against a target, with reports and a CI exit code.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use imconform::auth::signer::Credentials;
use imconform::auth::usersig::SecretKey;
use imconform::check::SnapshotStore;
use imconform::contract::{ContractSource, Part};
use imconform::emulator::{DEFAULT_SDKAPPID, DEFAULT_TEST_KEY, EmulatorConfig, Fault};
use imconform::http::HttpSettings;
use imconform::known::{KnownList, apply_known, classify_case, load_known};
use imconform::require::apply_required;
use imconform::result::{CaseReport, Outcome, RunReport};
use imconform::runner::ledger::Ledger;
use imconform::runner::{Interrupt, RunConfig, RunObserver, Runner, exclude, select};
use imconform::spec::load_contract;
use imconform::target::{ActiveTarget, TargetSpec};
use indicatif::{ProgressBar, ProgressStyle};

use super::baseline::Baselines;
use super::common::{AppArgs, SignerArgs, eprint_error, runtime};
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
    /// The spec directory (default: the contract built into imconform).
    #[arg(
        long,
        env = "IMCONFORM_SPECS",
        default_value = imconform::contract::EMBEDDED,
        value_name = "DIR"
    )]
    specs: PathBuf,
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
    /// Where recorded snapshots live (default: the ones built into imconform).
    #[arg(
        long,
        env = "IMCONFORM_SNAPSHOTS",
        default_value = imconform::contract::EMBEDDED,
        value_name = "DIR"
    )]
    snapshots: PathBuf,
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

enum ReportFormat {
    Junit,
    Json,
    Markdown,
    Html,
}

fn parse_reports(specs: &[String]) -> Result<Vec<(ReportFormat, PathBuf)>, String> {
    specs
        .iter()
        .map(|s| {
            let (format, path) = s.split_once('=').ok_or_else(|| {
                format!("--report {s:?}: expected FORMAT=PATH, e.g. junit=out/junit.xml")
            })?;
            let format = match format {
                "junit" => ReportFormat::Junit,
                "json" => ReportFormat::Json,
                "markdown" | "md" => ReportFormat::Markdown,
                "html" => ReportFormat::Html,
                other => {
                    return Err(format!(
                        "--report: unknown format {other:?} (expected junit, json, markdown or html)"
                    ));
                }
            };
            Ok((format, PathBuf::from(path)))
        })
        .collect()
}

pub fn execute(args: RunArgs) -> u8 {
    let reports = match parse_reports(&args.report) {
        Ok(r) => r,
        Err(e) => {
            eprint_error(e);
            return exit::USAGE;
        }
    };
    let suite = match load_contract(&ContractSource::from_arg(Part::Specs, &args.specs)) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("{e}");
            return exit::BAD_SPEC;
        }
    };
    let default_profile = suite.service.default_profile.clone();
    let profile = args
        .profile
        .clone()
        .unwrap_or_else(|| default_profile.clone());
    if !suite.service.profiles.contains_key(&profile) {
        let known: Vec<&str> = suite.service.profiles.keys().map(String::as_str).collect();
        eprint_error(format!(
            "unknown profile {profile:?} (expected one of {})",
            known.join(", ")
        ));
        return exit::USAGE;
    }
    for feature in &args.require {
        if !suite.service.features.contains_key(feature) {
            let known: Vec<&str> = suite.service.features.keys().map(String::as_str).collect();
            eprint_error(format!(
                "--require: unknown feature {feature:?} (the service declares {})",
                known.join(", ")
            ));
            return exit::USAGE;
        }
    }
    let known = match &args.known {
        None => None,
        Some(path) => match load_known(path, &suite.service.envelope.code_field) {
            Ok(list) => Some(list),
            Err(e) => {
                eprintln!("{e}");
                return exit::BAD_SPEC;
            }
        },
    };
    let snapshots = match SnapshotStore::from_source(
        &ContractSource::from_arg(Part::Snapshots, &args.snapshots),
        &profile,
        &default_profile,
        args.update_snapshots,
    ) {
        Ok(store) => store.with_new_snapshots_dir(args.new_snapshots.clone()),
        Err(e) => {
            eprint_error(e);
            return exit::USAGE;
        }
    };
    let code_field = suite.service.envelope.code_field.clone();
    let cases = exclude(select(suite.plan(&profile), &args.filter), &args.exclude);
    if args.list {
        for c in &cases {
            println!("{}", c.id);
        }
        return exit::OK;
    }
    if cases.is_empty() {
        eprint_error("no case matches the filters");
        return exit::USAGE;
    }

    let key = match args.app.secret_key() {
        Ok(k) => k,
        Err(e) => {
            eprint_error(e);
            return exit::USAGE;
        }
    };
    let sdkappid = args.app.sdkappid.unwrap_or(DEFAULT_SDKAPPID);
    let target = match &args.target {
        Some(url) => {
            if !args.fault.is_empty()
                || args.details_differ
                || args.emulator_no_community
                || args.emulator_no_push
            {
                eprint_error(
                    "--fault, --details-differ and --emulator-* apply to the embedded emulator only (drop --target)",
                );
                return exit::USAGE;
            }
            TargetSpec::Url(url.clone())
        }
        None => {
            let mut faults = Vec::new();
            for name in &args.fault {
                match name.parse::<Fault>() {
                    Ok(f) => faults.push(f),
                    Err(e) => {
                        eprint_error(e);
                        return exit::USAGE;
                    }
                }
            }
            let mut config = EmulatorConfig {
                sdkappid,
                key: key
                    .clone()
                    .unwrap_or_else(|| SecretKey::new(DEFAULT_TEST_KEY)),
                admins: vec![args.signer.admin.clone()],
                profile: profile.clone(),
                faults,
                details_differ: args.details_differ,
                ..EmulatorConfig::default()
            };
            config.features.community_groups = !args.emulator_no_community;
            config.features.push_service = !args.emulator_no_push;
            TargetSpec::Embedded(config)
        }
    };
    let credentials = match (&args.signer.usersig, key, &target) {
        (Some(sig), _, _) => Credentials::Ready(sig.clone()),
        (None, Some(k), _) => Credentials::Key(k),
        (None, None, TargetSpec::Embedded(_)) => Credentials::Key(SecretKey::new(DEFAULT_TEST_KEY)),
        (None, None, TargetSpec::Url(_)) => {
            eprint_error(
                "a real target needs the secret key (IMCONFORM_SECRET_KEY, IMCONFORM_SECRET_KEY_FILE or --key-file) or a ready-made --usersig",
            );
            return exit::USAGE;
        }
    };

    let rt = runtime();
    rt.block_on(async move {
        let active = match ActiveTarget::start(&target).await {
            Ok(t) => t,
            Err(e) => {
                eprint_error(e);
                return exit::USAGE;
            }
        };
        let config = RunConfig {
            base_url: active.base_url.clone(),
            target_label: active.label.clone(),
            profile: profile.clone(),
            sdkappid,
            identifier: args.signer.admin.clone(),
            credentials,
            jobs: args.jobs,
            http: HttpSettings {
                timeout: Duration::from_secs_f64(args.timeout.max(0.1)),
                ..HttpSettings::default()
            },
            retries: args.retries,
            pacing: !args.no_pacing,
            snapshots,
            run_id: None,
        };
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
        let mut runner = match Runner::new(suite, config, interrupt) {
            Ok(r) => r.normalize_responses(args.record.is_some() || args.baseline.is_some()),
            Err(e) => {
                let code = super::common::setup_exit_code(&e);
                eprint_error(e);
                return code;
            }
        };
        // An embedded emulator forgets everything when the run ends; a real target does not.
        if matches!(target, TargetSpec::Url(_)) {
            match Ledger::open(&args.ledger) {
                Ok(l) => runner = runner.with_ledger(l),
                Err(e) => {
                    eprint_error(e);
                    return exit::USAGE;
                }
            }
        }
        eprintln!("imconform: {} cases against {}", cases.len(), active.label);
        let verdicts = Arc::new(Verdicts {
            required: args.require.clone(),
            known,
        });
        let observer = Arc::new(Progress::new(
            cases.len() as u64,
            args.verbose,
            verdicts.clone(),
        ));
        let mut report = runner.run(cases, observer.clone()).await;
        observer.finish();
        active.stop().await;
        verdicts.apply(&mut report);
        let baselines = Baselines {
            record: args.record.clone(),
            compare: args.baseline.clone(),
            code_field,
            filtered: !args.filter.is_empty(),
        };
        let harness_problem = match baselines.apply(&mut report) {
            Ok(()) => false,
            Err(e) => {
                eprint_error(e);
                true
            }
        };
        let github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
        let mut code = finish(&report, &reports, args.known.as_deref(), github);
        if code == exit::OK {
            if harness_problem {
                code = exit::HARNESS_ERROR;
            } else if args.fail_on_drift
                && report.drift.as_ref().is_some_and(|d| d.change_count() > 0)
            {
                code = exit::DRIFT;
            }
        }
        code
    })
}

/// What turns the runner's outcomes into the final ones: `--require` first, then `--known`.
struct Verdicts {
    required: Vec<String>,
    known: Option<KnownList>,
}

impl Verdicts {
    fn apply(&self, report: &mut RunReport) {
        apply_required(report, &self.required);
        if let Some(known) = &self.known {
            apply_known(report, known);
        }
    }

    /// The same for one case, for progress lines (no stale bookkeeping).
    fn apply_case(&self, case: &CaseReport) -> CaseReport {
        let mut one = RunReport::of_cases(vec![case.clone()]);
        apply_required(&mut one, &self.required);
        let mut case = one.cases.pop().expect("one case in, one out");
        if let Some(known) = &self.known {
            classify_case(&mut case, known);
        }
        case
    }
}

/// Prints the failures, the drift and the closing line, writes the reports, picks the exit
/// code; with `github`, also one workflow annotation per failing case.
fn finish(
    report: &RunReport,
    reports: &[(ReportFormat, PathBuf)],
    known_file: Option<&std::path::Path>,
    github: bool,
) -> u8 {
    if github {
        print!("{}", imconform::report::github_annotations(report));
    }
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
    let mut code = if report.interrupted {
        exit::INTERRUPTED
    } else if totals.failed > 0 {
        exit::CONTRACT_FAILURE
    } else if totals.errors > 0 {
        exit::HARNESS_ERROR
    } else {
        exit::OK
    };
    for (format, path) in reports {
        let text = match format {
            ReportFormat::Json => Ok(imconform::report::to_json(report)),
            ReportFormat::Markdown => Ok(imconform::report::to_markdown(report)),
            ReportFormat::Html => Ok(imconform::report::to_html(report)),
            ReportFormat::Junit => imconform::report::to_junit(report).map_err(|e| e.to_string()),
        };
        let written = text.and_then(|t| {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            }
            std::fs::write(path, t).map_err(|e| e.to_string())
        });
        if let Err(e) = written {
            eprint_error(format!("failed to write report {}: {e}", path.display()));
            if code == exit::OK {
                code = exit::HARNESS_ERROR;
            }
        }
    }
    code
}

/// A progress bar on a terminal (indicatif hides itself elsewhere); verbose lines go through
/// it so they do not tear the bar.
struct Progress {
    bar: ProgressBar,
    verbose: bool,
    verdicts: Arc<Verdicts>,
}

impl Progress {
    fn new(total: u64, verbose: bool, verdicts: Arc<Verdicts>) -> Self {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} cases {elapsed} {msg}")
                .expect("a valid template"),
        );
        Self {
            bar,
            verbose,
            verdicts,
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl RunObserver for Progress {
    fn case_finished(&self, case: &CaseReport) {
        self.bar.inc(1);
        let case = self.verdicts.apply_case(case);
        if self.verbose || case.outcome == Outcome::Fail {
            self.bar.println(imconform::report::case_line(&case));
        }
    }
}
