//! Fixtures made and removed many at a time (`batch:` in the service file), where the API
//! takes lists. A case that needs an instance queues it and waits; one waiting case at a time
//! sends everything queued so far in one call (up to the batch's `max`), so while a call is
//! on its way the next one fills up — the longer the round trip, the fuller the calls. A
//! finished case queues its instances for removal and goes on: removals go out in the
//! background, overlapping other cases, and the run waits for the last of them.
//!
//! Only a whole run batches; `Runner::run_one` makes each instance with the fixture's own
//! setup and teardown.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use super::RunContext;
use super::case::{Verdict, run_step};
use super::scope::Scope;
use crate::result::{Phase, StepReport};
use crate::spec::{BatchStep, FixtureDef, PlannedCase, Step, Template};

/// How an instance's batched setup ended.
#[derive(Debug, Clone)]
pub(crate) enum Made {
    Ok,
    /// Why it could not be made, and the optional feature the target lacks, if that is why.
    Failed {
        reason: String,
        feature: Option<String>,
        skipped: bool,
    },
}

/// An instance waiting to be removed: its entry in the list, its scope and ledger key.
type QueuedRemoval = (Value, Scope, LedgerNote);

/// One instance waiting to be made: its entry in the list, and the key its case waits on.
struct Queued {
    item: Value,
    key: usize,
}

#[derive(Default)]
struct Lane {
    pending: Vec<Queued>,
    /// Outcomes of instances already sent, by key.
    done: HashMap<usize, Made>,
}

/// The run's batch lanes: per fixture, one for setups and one for teardowns.
#[derive(Default)]
pub(crate) struct Batches {
    setups: Mutex<HashMap<String, Lane>>,
    /// Per fixture, the instances waiting to be removed.
    teardowns: Mutex<HashMap<String, Vec<QueuedRemoval>>>,
    /// One setup call on its way at a time: the next fills up meanwhile.
    setup_sender: tokio::sync::Mutex<()>,
    /// One removal call on its way at a time.
    teardown_sender: tokio::sync::Mutex<()>,
    /// A task is sending removals.
    flushing: std::sync::atomic::AtomicBool,
    next_key: std::sync::atomic::AtomicUsize,
    /// Problems of batched teardowns, for the run's report.
    warnings: Mutex<Vec<String>>,
}

/// What the ledger needs to mark an instance removed: its case's index and its local name.
#[derive(Clone)]
pub(crate) struct LedgerNote {
    pub index: usize,
    pub name: String,
}

impl Batches {
    /// Forgets everything (a new run starts).
    pub(crate) fn clear(&self) {
        self.setups.lock().expect("batch lanes").clear();
        self.teardowns.lock().expect("batch lanes").clear();
        self.warnings.lock().expect("batch warnings").clear();
    }

    /// Queues an instance of `def` to be made; returns its key for `made`.
    pub(crate) fn queue_setup(&self, def: &FixtureDef, scope: &Scope) -> Result<usize, String> {
        let batch = def.batch.as_ref().and_then(|b| b.setup.as_ref());
        let batch = batch.expect("only fixtures with a batch setup are queued");
        let item = render_item(batch, scope)?;
        let key = self
            .next_key
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut lanes = self.setups.lock().expect("batch lanes");
        lanes
            .entry(def.name.clone())
            .or_default()
            .pending
            .push(Queued { item, key });
        Ok(key)
    }

    /// Waits until the instance `key` of `def` is made, sending the batch itself when no call
    /// is on its way; the reports of calls this case sent go into `steps`.
    pub(crate) async fn made(
        &self,
        ctx: &RunContext,
        case: &PlannedCase,
        def: &FixtureDef,
        key: usize,
        steps: &mut Vec<StepReport>,
    ) -> Made {
        let batch = def.batch.as_ref().expect("a batched fixture");
        let setup = batch.setup.as_ref().expect("a batch setup");
        loop {
            if let Some(made) = self.outcome(&def.name, key) {
                return made;
            }
            let _sending = self.setup_sender.lock().await;
            if let Some(made) = self.outcome(&def.name, key) {
                return made;
            }
            let queued: Vec<Queued> = {
                let mut lanes = self.setups.lock().expect("batch lanes");
                let lane = lanes.entry(def.name.clone()).or_default();
                let n = lane.pending.len().min(batch.max);
                lane.pending.drain(..n).collect()
            };
            let items: Vec<Value> = queued.iter().map(|q| q.item.clone()).collect();
            let (report, verdict, failed_items) =
                send_batch(ctx, case, Phase::Setup, setup, items).await;
            steps.push(report);
            let mut lanes = self.setups.lock().expect("batch lanes");
            let lane = lanes.entry(def.name.clone()).or_default();
            for q in queued {
                let made = match &verdict {
                    Verdict::Passed if failed_items.contains(&q.item) => Made::Failed {
                        reason: format!(
                            "fixture `{}`: the batch call listed {} as failed",
                            def.name, q.item
                        ),
                        feature: None,
                        skipped: false,
                    },
                    Verdict::Passed => Made::Ok,
                    Verdict::NotEnabled { feature, reason } => Made::Failed {
                        reason: reason.clone(),
                        feature: Some(feature.clone()),
                        skipped: true,
                    },
                    Verdict::Skip(reason) => Made::Failed {
                        reason: reason.clone(),
                        feature: None,
                        skipped: true,
                    },
                    Verdict::Failed(reason) | Verdict::Error(reason) => Made::Failed {
                        reason: reason.clone(),
                        feature: None,
                        skipped: false,
                    },
                };
                lane.done.insert(q.key, made);
            }
        }
    }

    fn outcome(&self, fixture: &str, key: usize) -> Option<Made> {
        let mut lanes = self.setups.lock().expect("batch lanes");
        lanes.get_mut(fixture)?.done.remove(&key)
    }

    /// Queues an instance for removal; `flush_teardowns` sends it.
    pub(crate) fn queue_teardown(
        &self,
        def: &FixtureDef,
        scope: Scope,
        note: LedgerNote,
    ) -> Result<(), String> {
        let batch = def.batch.as_ref().and_then(|b| b.teardown.as_ref());
        let batch = batch.expect("only fixtures with a batch teardown are queued");
        let item = render_item(batch, &scope)?;
        self.teardowns
            .lock()
            .expect("batch lanes")
            .entry(def.name.clone())
            .or_default()
            .push((item, scope, note));
        Ok(())
    }

    /// Claims the right to start a background flush: true for one caller until
    /// `flushed` is called.
    pub(crate) fn claim_flush(&self) -> bool {
        self.teardowns_queued()
            && !self
                .flushing
                .swap(true, std::sync::atomic::Ordering::AcqRel)
    }

    /// A background flush is done.
    pub(crate) fn flushed(&self) {
        self.flushing
            .store(false, std::sync::atomic::Ordering::Release);
    }

    /// Whether any removal is queued.
    fn teardowns_queued(&self) -> bool {
        self.teardowns
            .lock()
            .expect("batch lanes")
            .values()
            .any(|v| !v.is_empty())
    }

    /// Sends every queued removal, `max` at a time; problems become run warnings.
    pub(crate) async fn flush_teardowns(&self, ctx: &RunContext) {
        loop {
            let _sending = self.teardown_sender.lock().await;
            let next = {
                let mut lanes = self.teardowns.lock().expect("batch lanes");
                lanes
                    .iter_mut()
                    .find(|(_, v)| !v.is_empty())
                    .map(|(name, v)| {
                        let def = &ctx.suite.service.fixtures[name];
                        let max = def.batch.as_ref().map_or(1, |b| b.max);
                        let n = v.len().min(max);
                        (def, v.drain(..n).collect::<Vec<_>>())
                    })
            };
            let Some((def, queued)) = next else { return };
            let teardown = def
                .batch
                .as_ref()
                .and_then(|b| b.teardown.as_ref())
                .expect("queued for a batch teardown");
            let case = batch_case(def);
            let items: Vec<Value> = queued.iter().map(|(item, _, _)| item.clone()).collect();
            let count = items.len();
            let (report, verdict, _) =
                send_batch(ctx, &case, Phase::Teardown, teardown, items).await;
            match verdict {
                Verdict::Passed => {
                    for (_, scope, note) in &queued {
                        super::case::record_removed(ctx, note, &def.name, scope);
                    }
                }
                Verdict::Failed(r)
                | Verdict::Error(r)
                | Verdict::Skip(r)
                | Verdict::NotEnabled { reason: r, .. } => {
                    self.warnings.lock().expect("batch warnings").push(format!(
                        "fixture `{}`: removing {count} instances: {}: {r}",
                        def.name,
                        report.label()
                    ));
                }
            }
        }
    }

    /// Problems of batched teardowns so far, taken.
    pub(crate) fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().expect("batch warnings"))
    }
}

fn render_item(batch: &BatchStep, scope: &Scope) -> Result<Value, String> {
    batch
        .item
        .render(&scope.lookup())
        .map_err(|e| format!("batch item: {e}"))
}

/// A stand-in case for a batch call that belongs to no one case (removals).
fn batch_case(def: &FixtureDef) -> PlannedCase {
    PlannedCase {
        id: format!("batch::{}", def.name),
        group: "batch".to_owned(),
        name: def.name.clone(),
        description: String::new(),
        tags: Vec::new(),
        requires: Vec::new(),
        locks: Vec::new(),
        vars: Default::default(),
        fixtures: Default::default(),
        steps: Vec::new(),
        teardown: Vec::new(),
        generated: false,
        loc: def.loc.clone(),
    }
}

/// Sends one batch call with `items` in its list; returns its report, its verdict and the
/// entries the answer lists as failed.
async fn send_batch(
    ctx: &RunContext,
    case: &PlannedCase,
    phase: Phase,
    batch: &BatchStep,
    items: Vec<Value>,
) -> (StepReport, Verdict, Vec<Value>) {
    let mut body = match &batch.step.body {
        Some(Template::Literal(Value::Object(m))) => m.clone(),
        Some(t) => match t.render(&|_| None) {
            Ok(Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        },
        None => serde_json::Map::new(),
    };
    body.insert(batch.list_field.clone(), Value::Array(items));
    let step = Step {
        body: Some(Template::Literal(Value::Object(body))),
        ..batch.step.clone()
    };
    let mut scope = Scope::default();
    let (report, verdict) = run_step(ctx, case, phase, 1, &step, &mut scope).await;
    let failed = batch
        .failed
        .as_ref()
        .and_then(|p| {
            report
                .response
                .as_ref()
                .and_then(|r| r.json())
                .and_then(|j| j.pointer(p).cloned())
        })
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    (report, verdict, failed)
}
