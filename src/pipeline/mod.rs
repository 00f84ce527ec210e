//! One run of the suite against one target, from a config to plain report data:
//! plan (profile, features, known list, selected cases) → target and runner → results →
//! verdicts (`--require`, then `--known`) → baselines → the final `RunReport` and its status.
//!
//! The CLI's `run`, the `cargo test` harness and selftest all go through here; the callers only
//! build a [`PipelineConfig`], watch progress and present the outcome. Nothing here prints.

mod baseline;
mod config;
mod error;
mod many;
mod report_files;
mod verdicts;

use std::sync::Arc;

use crate::auth::signer::Credentials;
use crate::auth::usersig::SecretKey;
use crate::baseline::store::BaselineError;
use crate::check::SnapshotStore;
use crate::emulator::{DEFAULT_SDKAPPID, DEFAULT_TEST_KEY, EmulatorConfig, Fault};
use crate::http::HttpSettings;
use crate::known::load_known;
use crate::result::{CaseReport, RunReport};
use crate::runner::ledger::Ledger;
use crate::runner::{CostPolicy, Interrupt, RunConfig, RunObserver, Runner, exclude, select};
use crate::spec::{PlannedCase, Suite};
use crate::target::{ActiveTarget, TargetSpec};

pub use baseline::Recorded;
pub use config::{
    AppIdentity, BaselineInputs, EmulatorOptions, Execution, KeySource, PipelineConfig,
    SnapshotOptions, VerdictInputs,
};
pub use error::PipelineError;
pub use many::{NamedFinished, NamedPlan, TargetFailed, plan_each, run_each};
pub use report_files::{ReportFile, ReportFormat, write_matrix_reports, write_reports};
pub use verdicts::{RunStatus, Verdicts};

/// Told how a run goes; the CLI draws its progress bar with it.
pub trait RunProgress: Send + Sync {
    /// The target is up and the runner built; `cases` cases are about to run.
    fn started(&self, _target_label: &str, _cases: usize) {}
    /// Before any case runs against a URL target: what the plan spends of each declared cost
    /// and whether the run allows it, one line each.
    fn spending(&self, _lines: &[String]) {}
    /// A case finished, with the run's verdicts already applied to it.
    fn case_finished(&self, _case: &CaseReport) {}
}

/// Progress nobody watches.
pub struct Unwatched;
impl RunProgress for Unwatched {}

/// A run whose cases are chosen and whose verdict inputs are loaded; nothing has started.
pub struct Plan {
    suite: Arc<Suite>,
    config: PipelineConfig,
    profile: String,
    cases: Vec<PlannedCase>,
    verdicts: Arc<Verdicts>,
}

/// A finished run: the final report data and what it means.
#[derive(Debug)]
pub struct Finished {
    /// Outcomes after `--require` and `--known`, with the drift against `--baseline`.
    pub report: RunReport,
    pub status: RunStatus,
    /// The baseline this run recorded (`--record`).
    pub recorded: Option<Recorded>,
    /// The baseline could not be read or written (the status says `HarnessError` unless a
    /// case failed or the run was interrupted).
    pub baseline_error: Option<BaselineError>,
}

/// A target that is up and a runner built for it, for callers that run case by case.
pub struct Session {
    runner: Runner,
    target: ActiveTarget,
    verdicts: Arc<Verdicts>,
}

/// Resolves the profile, checks the required features, loads the known list and selects the
/// cases. Nothing is started.
pub fn plan(suite: Arc<Suite>, config: PipelineConfig) -> Result<Plan, PipelineError> {
    let service = &suite.service;
    let profile = config
        .profile
        .clone()
        .unwrap_or_else(|| service.default_profile.clone());
    if !service.profiles.contains_key(&profile) {
        return Err(PipelineError::UnknownProfile {
            profile,
            declared: names(service.profiles.keys()),
        });
    }
    if let Some(feature) =
        (config.verdicts.require.iter()).find(|f| !service.features.contains_key(*f))
    {
        return Err(PipelineError::UnknownFeature {
            feature: feature.clone(),
            declared: names(service.features.keys()),
        });
    }
    if let Some(cost) = (config.allow.iter()).find(|c| !service.costs.contains_key(*c)) {
        return Err(PipelineError::UnknownCost {
            cost: cost.clone(),
            declared: names(service.costs.keys()),
        });
    }
    let known = match &config.verdicts.known {
        None => None,
        Some(path) => Some(load_known(path, &service.envelope.code_field)?),
    };
    let verdicts = Arc::new(Verdicts {
        required: config.verdicts.require.clone(),
        known,
    });
    let mut cases = exclude(
        select(suite.plan(&profile), &config.filter),
        &config.exclude,
    );
    if config.target.is_none() && config.emulator.no_push_clock {
        cases.retain(|c| !probes_push_clock(&suite, c));
    }
    Ok(Plan {
        suite,
        config,
        profile,
        cases,
        verdicts,
    })
}

/// Whether `case` probes a one-second rule: it sends a burst to an endpoint the contract
/// declares at one call a second. Left out of runs with `EmulatorOptions::no_push_clock`.
pub fn probes_push_clock(suite: &Suite, case: &PlannedCase) -> bool {
    case.steps
        .iter()
        .any(|s| s.burst && one_a_second(suite, &s.call))
}

fn one_a_second(suite: &Suite, endpoint: &str) -> bool {
    (suite.endpoints.get(endpoint)).is_some_and(|e| e.rate_limit == Some(1))
}

/// The pace of the one-a-second endpoints with the emulator's push clock off.
const OFF_THE_CLOCK: u32 = 100;

fn names<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    keys.map(String::as_str).collect::<Vec<_>>().join(", ")
}

impl Plan {
    /// The selected cases, in plan order.
    pub fn cases(&self) -> &[PlannedCase] {
        &self.cases
    }

    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// Which declared costs the run lets cases spend: all against the embedded emulator,
    /// which spends nothing real; only `allow` against a URL.
    pub fn cost_policy(&self) -> CostPolicy {
        match self.config.target {
            None => CostPolicy::AllowAll,
            Some(_) => CostPolicy::Only(self.config.allow.clone()),
        }
    }

    /// What the selected cases spend of each declared cost and whether the run allows it,
    /// one line each; nothing for the embedded emulator.
    pub fn spending_lines(&self) -> Vec<String> {
        if self.config.target.is_none() {
            return Vec::new();
        }
        let policy = self.cost_policy();
        crate::runner::spending(&self.suite, &self.cases)
            .iter()
            .map(|s| s.line(policy.allows(&s.cost)))
            .collect()
    }

    /// Runs the selected cases and turns their results into the final report data.
    pub async fn run(
        self,
        progress: Arc<dyn RunProgress>,
        interrupt: Interrupt,
    ) -> Result<Finished, PipelineError> {
        if self.cases.is_empty() {
            return Err(PipelineError::NoCases);
        }
        let session = self.start(interrupt).await?;
        Ok(self.run_started(session, progress).await)
    }

    /// Runs the selected cases on a session this plan started ([`Plan::start`]), stops its
    /// target and turns the results into the final report data.
    pub async fn run_started(self, session: Session, progress: Arc<dyn RunProgress>) -> Finished {
        progress.started(&session.target.label, self.cases.len());
        progress.spending(&self.spending_lines());
        let observer = Arc::new(WithVerdicts {
            verdicts: self.verdicts.clone(),
            progress,
        });
        let mut report = session.runner.run(self.cases, observer).await;
        session.target.stop().await;
        report.target_name = self.config.name.clone();
        self.verdicts.apply(&mut report);
        let (recorded, baseline_error) = match baseline::apply_baselines(
            &self.config.baseline,
            &mut report,
            &self.suite.service.envelope.code_field,
            !self.config.filter.is_empty(),
        ) {
            Ok(recorded) => (recorded, None),
            Err(e) => (None, Some(e)),
        };
        let status = RunStatus::of(
            &report,
            baseline_error.is_some(),
            self.config.baseline.fail_on_drift,
        );
        Finished {
            report,
            status,
            recorded,
            baseline_error,
        }
    }

    /// Starts the target (a URL is checked, the embedded emulator started) and builds the
    /// runner, with the ledger for a URL target.
    pub async fn start(&self, interrupt: Interrupt) -> Result<Session, PipelineError> {
        let config = &self.config;
        let key = config
            .app
            .key
            .as_ref()
            .map(KeySource::read)
            .transpose()
            .map_err(PipelineError::KeyFile)?;
        let target = self.target_spec(key.clone())?;
        let credentials = match (&config.app.usersig, key, &target) {
            (Some(sig), _, _) => Credentials::Ready(sig.clone()),
            (None, Some(k), _) => Credentials::Key(k),
            (None, None, TargetSpec::Embedded(_)) => {
                Credentials::Key(SecretKey::new(DEFAULT_TEST_KEY))
            }
            (None, None, TargetSpec::Url(_)) => return Err(PipelineError::NoKey),
        };
        let snapshots = SnapshotStore::from_source(
            &config.snapshots.source,
            &self.profile,
            &self.suite.service.default_profile,
            config.snapshots.update,
        )?
        .with_strict(config.snapshots.strict)
        .with_new_snapshots_dir(config.snapshots.pending_dir.clone());
        let active = ActiveTarget::start(&target).await?;
        let run_config = RunConfig {
            base_url: active.base_url.clone(),
            target_label: active.label.clone(),
            profile: self.profile.clone(),
            sdkappid: self.sdkappid(),
            identifier: config.app.admin.clone(),
            credentials,
            jobs: config.execution.jobs,
            http: HttpSettings {
                timeout: config.execution.timeout,
                ..HttpSettings::default()
            },
            retries: config.execution.retries,
            pacing: config.execution.pacing,
            snapshots,
            run_id: None,
        };
        let normalize = config.baseline.record.is_some() || config.baseline.compare.is_some();
        let mut runner =
            Runner::new(self.suite.clone(), run_config, interrupt)?.normalize_responses(normalize);
        // An embedded emulator forgets everything when the run ends; a real target does not.
        if matches!(target, TargetSpec::Url(_)) {
            runner = runner.with_ledger(Ledger::open(&config.ledger)?);
        }
        runner = runner.with_costs(self.cost_policy());
        if matches!(target, TargetSpec::Embedded(_)) && config.emulator.no_push_clock {
            for name in self.suite.endpoints.keys() {
                if one_a_second(&self.suite, name) {
                    runner = runner.with_rate(name, OFF_THE_CLOCK);
                }
            }
        }
        Ok(Session {
            runner,
            target: active,
            verdicts: self.verdicts.clone(),
        })
    }

    fn sdkappid(&self) -> u64 {
        self.config.app.sdkappid.unwrap_or(DEFAULT_SDKAPPID)
    }

    /// The URL, or the emulator set up by the options (which a URL target must not have).
    fn target_spec(&self, key: Option<SecretKey>) -> Result<TargetSpec, PipelineError> {
        let options = &self.config.emulator;
        if let Some(url) = &self.config.target {
            if *options != EmulatorOptions::default() {
                return Err(PipelineError::EmulatorOptionsWithUrl);
            }
            return Ok(TargetSpec::Url(url.clone()));
        }
        let faults = (options.faults.iter())
            .map(|name| name.parse::<Fault>())
            .collect::<Result<Vec<_>, _>>()?;
        let mut emulator = EmulatorConfig {
            sdkappid: self.sdkappid(),
            key: key.unwrap_or_else(|| SecretKey::new(DEFAULT_TEST_KEY)),
            admins: vec![self.config.app.admin.clone()],
            profile: self.profile.clone(),
            faults,
            details_differ: options.details_differ,
            latency: options.latency,
            ..EmulatorConfig::default()
        };
        emulator.features.community_groups = !options.no_community;
        emulator.features.push_service = !options.no_push;
        if options.no_push_clock {
            emulator.push_interval = std::time::Duration::ZERO;
        }
        Ok(TargetSpec::Embedded(emulator))
    }
}

impl Session {
    /// Runs one case and applies the run's verdicts to it; `index` keeps fixture names unique
    /// within the session.
    pub async fn run_case(&self, case: PlannedCase, index: usize) -> CaseReport {
        let report = self.runner.run_one(case, index).await;
        self.verdicts.apply_case(&report)
    }

    pub fn target_label(&self) -> &str {
        &self.target.label
    }

    pub async fn stop(self) {
        self.target.stop().await;
    }
}

/// Passes each finished case on with its verdict, so progress shows the final outcome.
struct WithVerdicts {
    verdicts: Arc<Verdicts>,
    progress: Arc<dyn RunProgress>,
}

impl RunObserver for WithVerdicts {
    fn case_finished(&self, case: &CaseReport) {
        self.progress.case_finished(&self.verdicts.apply_case(case));
    }
}
