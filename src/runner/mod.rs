//! Runs planned cases against a base URL: fixtures, steps, teardown, pacing, retries. Returns
//! plain result data; it knows nothing about terminals or report formats.

mod case;
mod facts;
pub mod ledger;
mod pacing;
mod request;
mod scope;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tokio::sync::{Mutex, Semaphore};

use crate::auth::signer::{Credentials, Signer};
use crate::check::{SchemaError, SchemaSet, SnapshotStore};
use crate::http::{HttpClient, HttpSettings, TransportError};
use crate::result::{CaseReport, DocumentedError, EndpointInfo, RunReport};
use crate::spec::{PlannedCase, Suite};

pub use pacing::Pacer;

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
    pub jobs: usize,
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
    #[error(transparent)]
    Http(#[from] TransportError),
}

/// Shared by every case of a run.
pub(crate) struct RunContext {
    pub suite: Arc<Suite>,
    pub config: RunConfig,
    pub schemas: SchemaSet,
    pub client: HttpClient,
    pub signer: Signer,
    pub pacer: Pacer,
    pub run_id: String,
    pub run_prefix: String,
    pub interrupt: Interrupt,
    /// Keep every JSON response normalized as snapshots are (`ResponseRecord::normalized`).
    pub normalize_responses: bool,
    pub ledger: Option<ledger::Ledger>,
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
                signer,
                pacer,
                interrupt,
                normalize_responses: false,
                ledger: None,
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
        case::run_case(self.ctx.clone(), case, index).await
    }

    /// Runs cases concurrently (`jobs` at a time, cases sharing a lock one at a time).
    pub async fn run(&self, cases: Vec<PlannedCase>, observer: Arc<dyn RunObserver>) -> RunReport {
        let ctx = &self.ctx;
        let started = Instant::now();
        let started_at = rfc3339_now();
        observer.planned(cases.len());
        let locks: HashMap<String, Arc<Mutex<()>>> = cases
            .iter()
            .flat_map(|c| c.locks.iter().cloned())
            .map(|l| (l, Arc::new(Mutex::new(()))))
            .collect();
        let jobs = Arc::new(Semaphore::new(ctx.config.jobs.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, case) in cases.into_iter().enumerate() {
            let ctx = ctx.clone();
            let jobs = jobs.clone();
            let observer = observer.clone();
            let case_locks: Vec<Arc<Mutex<()>>> =
                case.locks.iter().map(|l| locks[l].clone()).collect();
            tasks.spawn(async move {
                // Locks first (in a fixed order), then a job slot: a case waiting for a lock
                // never holds a slot another case needs.
                let mut _held = Vec::new();
                for l in &case_locks {
                    _held.push(l.clone().lock_owned().await);
                }
                let _slot = jobs.acquire_owned().await.expect("semaphore never closes");
                if ctx.interrupt.is_set() {
                    return None;
                }
                let report = case::run_case(ctx, case, index).await;
                observer.case_finished(&report);
                Some((index, report))
            });
        }
        let mut finished = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            if let Ok(Some(done)) = joined {
                finished.push(done);
            }
        }
        finished.sort_by_key(|(i, _)| *i);
        RunReport {
            target: ctx.config.target_label.clone(),
            profile: ctx.config.profile.clone(),
            run_id: ctx.run_id.clone(),
            started_at,
            duration_ms: started.elapsed().as_millis() as u64,
            interrupted: ctx.interrupt.is_set(),
            cases: finished.into_iter().map(|(_, r)| r).collect(),
            stale_known: Vec::new(),
            group_types: ctx.suite.service.group_types.clone(),
            endpoints: endpoint_infos(&ctx.suite, &ctx.config.profile),
            drift: None,
        }
    }
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
    out.extend(suite.endpoints.values().map(|e| EndpointInfo {
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
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(20_424), (2025, 12, 2));
    }
}
