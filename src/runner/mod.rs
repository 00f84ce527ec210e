//! Runs planned cases against a base URL: fixtures, steps, teardown, pacing, retries. Returns
//! plain result data; it knows nothing about terminals or report formats.

mod batch;
mod case;
mod concurrency;
pub mod costs;
mod facts;
mod kept;
pub mod ledger;
mod pacing;
mod plan_cost;
mod request;
mod schedule;
mod scope;
mod volley;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::auth::signer::{Credentials, Signer};
use crate::check::{SchemaError, SchemaSet, SnapshotStore};
use crate::http::{HttpClient, HttpSettings, TransportError};
use crate::result::{CaseReport, DocumentedError, EndpointInfo, RunReport};
use crate::spec::{PlannedCase, Suite};

pub use concurrency::{MAX_JOBS, MIN_JOBS, jobs_for};
pub use costs::{CostPolicy, Spending, spending};
pub use pacing::Pacer;
pub use plan_cost::{CaseCost, PlanBound, PlanShape, case_cost, plan_bound};

/// Everything a run needs, resolved from flags, environment and defaults by the caller.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The base URL requests go to, e.g. `https://adminapisgp.im.qcloud.com`.
    pub base_url: String,
    /// How reports name the target.
    pub target_label: String,
    pub profile: String,
    pub sdkappid: u64,
    pub identifier: String,
    pub credentials: Credentials,
    /// Cases at once; None sizes it from the plan and the target's round trip
    /// (`concurrency.rs`).
    pub jobs: Option<usize>,
    pub http: HttpSettings,
    /// Extra attempts after a transport error or a retryable code.
    pub retries: u32,
    pub pacing: bool,
    pub snapshots: SnapshotStore,
    /// Fixed run id (tests); a random one otherwise.
    pub run_id: Option<String>,
}

/// Told about progress; the CLI draws a progress bar with it.
pub trait RunObserver: Send + Sync {
    fn planned(&self, _cases: usize) {}
    fn case_finished(&self, _case: &CaseReport) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl RunObserver for Quiet {}

/// Set by a Ctrl-C handler: running cases stop at the next step and tear down; no new case
/// starts.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    pub fn trigger(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("unknown profile `{0}` (the service declares {1})")]
    UnknownProfile(String, String),
    #[error("the spec schemas do not compile:\n{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Schemas(Vec<SchemaError>),
    #[error("the target URL {url:?} cannot be joined with the endpoint path {path:?}: {reason}")]
    BadTarget {
        url: String,
        path: String,
        reason: String,
    },
    #[error(transparent)]
    Http(#[from] TransportError),
}

/// Shared by every case of a run.
pub(crate) struct RunContext {
    pub suite: Arc<Suite>,
    pub config: RunConfig,
    pub schemas: SchemaSet,
    pub client: HttpClient,
    /// Each endpoint's URL under the run's profile, parsed once: a request only adds its query.
    endpoint_urls: HashMap<String, reqwest::Url>,
    pub signer: Signer,
    pub pacer: Pacer,
    pub run_id: String,
    pub run_prefix: String,
    pub interrupt: Interrupt,
    /// Keep every JSON response normalized as snapshots are (`ResponseRecord::normalized`).
    pub normalize_responses: bool,
    pub ledger: Option<ledger::Ledger>,
    /// Requests sent and round trips seen by the current run.
    pub(crate) wire: concurrency::WireStats,
    /// Fixtures made and removed in batches (`batch:`).
    pub(crate) batches: batch::Batches,
    /// Fixtures kept for cases that hold their locks shared (`reuse: while_shared`).
    pub(crate) kept: kept::KeptFixtures,
    /// The current run's concurrency, sized once the first round trips are back.
    pub(crate) concurrency: std::sync::Mutex<Option<Arc<concurrency::Concurrency>>>,
    /// Which declared costs cases may spend; the others are skipped.
    pub costs: CostPolicy,
}

impl RunContext {
    /// Notes one request sent and its round trip.
    pub(crate) fn note_request(&self, round_trip: std::time::Duration) {
        if let Some(least) = self.wire.note(round_trip)
            && let Some(c) = self.concurrency.lock().expect("concurrency slot").as_ref()
        {
            c.size_for(least);
        }
    }

    /// The URL of an endpoint of the suite (without its query).
    pub fn endpoint_url(&self, endpoint: &str) -> &reqwest::Url {
        &self.endpoint_urls[endpoint]
    }
}

/// Keeps the cases whose id, group or tags match any filter (all when there is none).
pub fn select(plan: Vec<PlannedCase>, filters: &[String]) -> Vec<PlannedCase> {
    if filters.is_empty() {
        return plan;
    }
    plan.into_iter()
        .filter(|c| filters.iter().any(|f| matches_filter(c, f)))
        .collect()
}

/// Drops the cases that match any of `patterns` (matched as in `select`).
pub fn exclude(plan: Vec<PlannedCase>, patterns: &[String]) -> Vec<PlannedCase> {
    plan.into_iter()
        .filter(|c| !patterns.iter().any(|f| matches_filter(c, f)))
        .collect()
}

fn matches_filter(c: &PlannedCase, f: &str) -> bool {
    c.id == f || c.group == f || c.id.contains(f) || c.tags.iter().any(|t| t == f)
}

/// A run's shared state, built once: schemas compiled, client and signer ready.
pub struct Runner {
    ctx: Arc<RunContext>,
}

impl Runner {
    pub fn new(
        suite: Arc<Suite>,
        config: RunConfig,
        interrupt: Interrupt,
    ) -> Result<Runner, RunError> {
        if !suite.service.profiles.contains_key(&config.profile) {
            let known = suite
                .service
                .profiles
                .keys()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(RunError::UnknownProfile(config.profile.clone(), known));
        }
        let schemas = SchemaSet::compile(&suite).map_err(RunError::Schemas)?;
        let client = HttpClient::new(config.http.clone())?;
        let endpoint_urls = request::endpoint_urls(&suite, &config.base_url, &config.profile)?;
        let run_id = config
            .run_id
            .clone()
            .unwrap_or_else(|| format!("{:08x}", rand::random::<u32>()));
        let signer = Signer::new(
            config.sdkappid,
            config.identifier.clone(),
            config.credentials.clone(),
        );
        let pacer = Pacer::new(&suite, config.pacing);
        Ok(Runner {
            ctx: Arc::new(RunContext {
                run_prefix: format!("imc{run_id}"),
                run_id,
                suite,
                config,
                schemas,
                client,
                endpoint_urls,
                signer,
                pacer,
                interrupt,
                normalize_responses: false,
                ledger: None,
                wire: Default::default(),
                kept: Default::default(),
                batches: Default::default(),
                concurrency: Default::default(),
                costs: CostPolicy::AllowAll,
            }),
        })
    }

    /// Keep every JSON response normalized as snapshots are (`ResponseRecord::normalized`),
    /// for recording or comparing a baseline. Set before the run starts.
    pub fn normalize_responses(mut self, on: bool) -> Self {
        Arc::get_mut(&mut self.ctx)
            .expect("no case has started yet")
            .normalize_responses = on;
        self
    }

    /// Records every fixture made on the target, so `cleanup` can remove what a killed run
    /// left. Call before running anything.
    pub fn with_ledger(mut self, ledger: ledger::Ledger) -> Self {
        Arc::get_mut(&mut self.ctx)
            .expect("the ledger is set before any case runs")
            .ledger = Some(ledger);
        self
    }

    /// Paces `endpoint` at `per_second` instead of its declared rate (see `Pacer::set_rate`).
    /// Call before running.
    pub fn with_rate(mut self, endpoint: &str, per_second: u32) -> Self {
        Arc::get_mut(&mut self.ctx)
            .expect("rates are set before any case runs")
            .pacer
            .set_rate(endpoint, per_second);
        self
    }

    /// Which declared costs (a daily quota, lasting state) cases may spend; a case with
    /// another is skipped before it sends anything. Every cost by default. Call before running.
    pub fn with_costs(mut self, policy: CostPolicy) -> Self {
        Arc::get_mut(&mut self.ctx)
            .expect("the cost policy is set before any case runs")
            .costs = policy;
        self
    }

    /// Runs the teardown of a fixture an earlier run left behind; true when every step passed.
    pub async fn remove_leftover(
        &self,
        entry: &ledger::LedgerEntry,
    ) -> (bool, Vec<crate::result::StepReport>) {
        case::remove_leftover(&self.ctx, entry).await
    }

    pub fn run_id(&self) -> &str {
        &self.ctx.run_id
    }

    /// Runs one case; `index` keeps fixture names unique within the run.
    pub async fn run_one(&self, case: PlannedCase, index: usize) -> CaseReport {
        case::run_case(&self.ctx, &case, index, false).await
    }

    /// Runs cases concurrently: `jobs` at a time, or as many as the round trip and the plan
    /// call for; the costliest first; locks held as declared; fixtures batched and kept where
    /// the service file says so. Returns when the last batched removal is back.
    pub async fn run(&self, cases: Vec<PlannedCase>, observer: Arc<dyn RunObserver>) -> RunReport {
        let ctx = &self.ctx;
        // Which contract runs, for the report: its files are read here, off the run's clock.
        let contract = crate::contract::describe(&ctx.suite.source, ctx.config.snapshots.source());
        let started = Instant::now();
        let started_at = rfc3339_now();
        observer.planned(cases.len());
        // The cases are collected by a task of the runtime: a caller on a thread outside its
        // workers (`block_on`) would otherwise be woken once per finished case.
        let planned = cases.len();
        ctx.wire.reset();
        ctx.kept.clear();
        ctx.batches.clear();
        let collector = tokio::spawn(run_all(ctx.clone(), cases, observer));
        let finished = collector.await.expect("the case collector does not panic");
        RunReport {
            requests: ctx.wire.requests(),
            teardown_warnings: ctx.batches.take_warnings(),
            target: ctx.config.target_label.clone(),
            target_name: None,
            profile: ctx.config.profile.clone(),
            contract: Some(contract),
            run_id: ctx.run_id.clone(),
            started_at,
            duration_ms: started.elapsed().as_millis() as u64,
            interrupted: ctx.interrupt.is_set(),
            cases: in_plan_order(finished, planned),
            stale_known: Vec::new(),
            group_types: ctx.suite.service.group_types.clone(),
            endpoints: endpoint_infos(&ctx.suite, &ctx.config.profile),
            drift: None,
        }
    }
}

/// Case reports in plan order. Each report is moved once into its slot: a sort would move
/// these large records many times over, on the run's clock.
fn in_plan_order(finished: Vec<(usize, CaseReport)>, planned: usize) -> Vec<CaseReport> {
    let mut slots: Vec<Option<CaseReport>> = Vec::with_capacity(planned);
    slots.resize_with(planned, || None);
    for (index, report) in finished {
        slots[index] = Some(report);
    }
    slots.into_iter().flatten().collect()
}

/// Runs the cases on `jobs` workers and collects the reports with their plan index.
async fn run_all(
    ctx: Arc<RunContext>,
    cases: Vec<PlannedCase>,
    observer: Arc<dyn RunObserver>,
) -> Vec<(usize, CaseReport)> {
    let planned = cases.len();
    let shape = PlanShape::new(&ctx.suite, &cases);
    let priority = priorities(&shape, &cases);
    let concurrency = Arc::new(concurrency::Concurrency::new(
        ctx.config.jobs,
        shape,
        planned,
    ));
    *ctx.concurrency.lock().expect("concurrency slot") = Some(concurrency.clone());
    let workers = concurrency.max_workers(planned);
    let queue = Arc::new(schedule::CaseQueue::new(cases, &priority));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (ctx, queue, observer) = (ctx.clone(), queue.clone(), observer.clone());
        let concurrency = concurrency.clone();
        tasks.spawn(async move {
            // About a fair share, so the list of reports is not regrown and copied as it fills.
            let mut done = Vec::with_capacity(planned / workers + 1);
            while !ctx.interrupt.is_set() {
                let _slot = concurrency.slot().await;
                let Some((index, case)) = queue.next().await else {
                    break;
                };
                // An interrupt while this worker waited for a lock: the case does not start.
                if ctx.interrupt.is_set() {
                    queue.finish(case);
                    break;
                }
                let report = match case::guarded(case::run_case(&ctx, case, index, true)).await {
                    Ok(report) => report,
                    Err(what) => case::panicked_case(&ctx, case, what),
                };
                queue.finish(case);
                // Removals queued in batches go out beside the cases still running.
                if ctx.batches.claim_flush() {
                    let ctx = ctx.clone();
                    tokio::spawn(async move {
                        ctx.batches.flush_teardowns(&ctx).await;
                        ctx.batches.flushed();
                    });
                }
                observer.case_finished(&report);
                done.push((index, report));
            }
            done
        });
    }
    let mut finished = Vec::with_capacity(planned);
    while let Some(joined) = tasks.join_next().await {
        // A worker catches its cases' panics; only the observer could still panic one.
        if let Ok(done) = joined {
            finished.extend(done);
        }
    }
    *ctx.concurrency.lock().expect("concurrency slot") = None;
    // The last removals: after any background flush still sending (it holds the sender).
    ctx.batches.flush_teardowns(&ctx).await;
    finished
}

/// Which cases start first: the longest line each stands in (`PlanShape::line`), then the
/// longest alone, ranked at a nominal round trip of 100 ms.
fn priorities(shape: &PlanShape, cases: &[PlannedCase]) -> Vec<(u64, u64)> {
    let nominal = std::time::Duration::from_millis(100);
    let micros = |d: std::time::Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
    (0..cases.len())
        .map(|i| {
            let line = shape.line(i, &cases[i].locks, nominal);
            (micros(line), micros(shape.costs()[i].alone(nominal)))
        })
        .collect()
}

/// What the reports need to know of the contract: documented codes and group-type support.
fn endpoint_infos(suite: &Suite, profile: &str) -> Vec<EndpointInfo> {
    let documented = |errors: &indexmap::IndexMap<i64, crate::spec::ErrorDecl>| {
        errors
            .values()
            .map(|e| DocumentedError {
                code: e.code,
                meaning: e.meaning.clone(),
                untriggerable: e.untriggerable.clone(),
            })
            .collect()
    };
    let mut out = vec![EndpointInfo {
        name: crate::spec::SERVICE_GROUP.to_owned(),
        supported_group_types: None,
        errors: documented(&suite.service.common_errors),
    }];
    let present = suite
        .endpoints
        .values()
        .filter(|e| e.absent_under(profile).is_none());
    out.extend(present.map(|e| EndpointInfo {
        name: e.name.clone(),
        supported_group_types: e.supported_group_types(profile).map(<[String]>::to_vec),
        errors: documented(&e.errors),
    }));
    out
}

fn rfc3339_now() -> String {
    let secs = crate::auth::signer::unix_now();
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a calendar date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reports_come_back_in_plan_order() {
        let cases = crate::report::sample::sample_report().cases;
        let ids: Vec<String> = cases.iter().map(|c| c.id.clone()).collect();
        let finished: Vec<_> = cases.into_iter().enumerate().rev().collect();
        let back: Vec<String> = super::in_plan_order(finished, ids.len())
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(back, ids);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(20_424), (2025, 12, 2));
    }
}
