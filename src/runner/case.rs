//! One case from start to end: fixtures, steps, then teardown, which always runs (after a
//! failure, a panic in a check, or an interrupt).

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use super::RunContext;
use super::batch::{LedgerNote, Made};
use super::kept::{Kept, KeptFailure, KeptFixtures};
use super::ledger::{LedgerEntry, LedgerEvent};
use super::request::{Unsendable, ms_since, send_step};
use super::scope::Scope;
use super::volley;
use crate::check::{CheckContext, Normalizer, check_step, response_code};
use crate::result::{CaseReport, CheckReport, Outcome, Phase, StepReport};
use crate::spec::{FixtureDef, PlannedCase, Step};

/// Longest fixture instance name: account IDs allow 32 bytes, group names 30.
const MAX_INSTANCE_NAME: usize = 30;

/// How a step ended, for deciding the case's outcome.
pub(crate) enum Verdict {
    Passed,
    Failed(String),
    /// The transport failed or the harness could not proceed.
    Error(String),
    Skip(String),
    /// The target answered a code of an optional feature it has not enabled.
    NotEnabled {
        feature: String,
        reason: String,
    },
}

struct Stop {
    outcome: Outcome,
    reason: String,
    /// The optional feature the target lacks, for a skip because of one.
    feature: Option<String>,
}

/// Runs one case. In a `whole_run` (a queue enforces the locks, and the run waits for
/// removals queued in batches): fixtures marked `reuse: while_shared` are taken from those kept
/// by earlier cases, and fixtures with a `batch:` form are made and removed in batches.
pub(crate) async fn run_case(
    ctx: &RunContext,
    case: &PlannedCase,
    index: usize,
    whole_run: bool,
) -> CaseReport {
    let started = Instant::now();
    if whole_run {
        ctx.kept.forget_for(case);
    }
    let mut steps: Vec<StepReport> = Vec::with_capacity(step_count(ctx, case));
    let mut warnings = Vec::new();
    let mut scope = Scope::default();
    scope.set("run.id", Value::from(ctx.run_id.clone()));
    scope.set_volatile("run.prefix", Value::from(ctx.run_prefix.clone()));
    for (k, v) in &case.vars {
        scope.set(k.clone(), v.clone());
    }

    let mut stop: Option<Stop> = None;
    // Instances made in batches, queued at once so that a case's several land in one call.
    let mut queued: Vec<(&str, usize, Scope)> = Vec::new();
    if whole_run {
        for (name, usage) in &case.fixtures {
            let def = &ctx.suite.service.fixtures[&usage.fixture];
            if def.batch.as_ref().is_some_and(|b| b.setup.is_some()) && usage.with.is_empty() {
                let fscope = fixture_scope(ctx, def, index, name);
                match ctx.batches.queue_setup(def, &fscope) {
                    Ok(key) => queued.push((name, key, fscope)),
                    Err(e) => {
                        stop = Some(Stop {
                            outcome: Outcome::Error,
                            reason: format!("fixture `{name}`: {e}"),
                            feature: None,
                        });
                    }
                }
            }
        }
    }
    let mut made: Vec<(String, &FixtureDef, Scope)> = Vec::new();
    for (name, usage) in &case.fixtures {
        if stop.is_some() {
            break;
        }
        // After an interrupt no further fixture is made; those already made are torn down.
        if ctx.interrupt.is_set() {
            stop = Some(Stop {
                outcome: Outcome::Skip,
                reason: "run interrupted".into(),
                feature: None,
            });
            break;
        }
        let def = &ctx.suite.service.fixtures[&usage.fixture];
        if let Some(at) = queued.iter().position(|(n, _, _)| n == name) {
            let (_, key, fscope) = queued.swap_remove(at);
            let outcome = ctx.batches.made(ctx, case, def, key, &mut steps).await;
            record(ctx, LedgerEvent::Made, (index, name), &def.name, &fscope);
            made.push((name.clone(), def, fscope));
            if let Made::Failed {
                reason,
                feature,
                skipped,
            } = outcome
            {
                let outcome = if skipped {
                    Outcome::Skip
                } else {
                    Outcome::Error
                };
                stop = Some(Stop {
                    outcome,
                    reason: format!("fixture `{name}` ({}): {reason}", def.name),
                    feature,
                });
                break;
            }
            stop = export(name, def, &made.last().expect("just pushed").2, &mut scope);
            continue;
        }
        let mut fscope = fixture_scope(ctx, def, index, name);
        for (param, t) in &usage.with {
            match t.render(&scope.lookup()) {
                Ok(v) => fscope.set(param.clone(), v),
                Err(e) => {
                    stop = Some(Stop {
                        outcome: Outcome::Error,
                        reason: format!("fixture `{name}`: parameter `{param}`: {e}"),
                        feature: None,
                    });
                }
            }
        }
        if stop.is_some() {
            break;
        }
        if whole_run && KeptFixtures::applies(case, def) {
            let params: Vec<(String, Option<Value>)> = def
                .params
                .keys()
                .map(|p| (p.clone(), fscope.get(p)))
                .collect();
            let cell = ctx.kept.cell(def, &params);
            let kept = cell
                .get_or_init(|| async {
                    let stop = set_up(ctx, case, name, def, &mut fscope, &mut steps).await;
                    Kept {
                        scope: fscope.clone(),
                        failure: stop.map(|s| KeptFailure {
                            outcome: s.outcome,
                            reason: s.reason,
                            feature: s.feature,
                        }),
                        maker: case.id.clone(),
                    }
                })
                .await;
            if let Some(f) = &kept.failure {
                let from = if kept.maker == case.id {
                    String::new()
                } else {
                    format!(" (kept from {})", kept.maker)
                };
                stop = Some(Stop {
                    outcome: f.outcome,
                    reason: format!("{}{from}", f.reason),
                    feature: f.feature.clone(),
                });
                break;
            }
            stop = export(name, def, &kept.scope, &mut scope);
            if stop.is_some() {
                break;
            }
            continue;
        }
        let failed = set_up(ctx, case, name, def, &mut fscope, &mut steps).await;
        let ok = failed.is_none();
        stop = failed;
        // Even a half-made fixture is torn down: its first steps may have created something.
        record(
            ctx,
            LedgerEvent::Made,
            (index, name),
            &usage.fixture,
            &fscope,
        );
        made.push((name.clone(), def, fscope));
        if !ok {
            break;
        }
        stop = export(name, def, &made.last().expect("just pushed").2, &mut scope);
        if stop.is_some() {
            break;
        }
    }

    // Instances queued for a batch that the case stopped before reaching are made all the
    // same (by this case or another's call): wait for them, so they are torn down.
    for (name, key, fscope) in queued {
        let def = &ctx.suite.service.fixtures[&case.fixtures[name].fixture];
        let _ = ctx.batches.made(ctx, case, def, key, &mut steps).await;
        record(ctx, LedgerEvent::Made, (index, name), &def.name, &fscope);
        made.push((name.to_owned(), def, fscope));
    }

    if stop.is_none() {
        // A panic in a check must not skip teardown: it ends the case as an error instead.
        match guarded(run_steps(ctx, case, &mut scope, &mut steps)).await {
            Ok(s) => stop = s,
            Err(what) => {
                stop = Some(Stop {
                    outcome: Outcome::Error,
                    reason: format!("the harness panicked while running steps: {what}"),
                    feature: None,
                });
            }
        }
    }

    for (i, step) in case.teardown.iter().enumerate() {
        let (report, verdict) = run_step(ctx, case, Phase::Teardown, i + 1, step, &mut scope).await;
        if let Some(w) = teardown_warning(&report, verdict) {
            warnings.push(w);
        }
        steps.push(report);
    }
    for (name, def, mut fscope) in made.into_iter().rev() {
        if whole_run && def.batch.as_ref().is_some_and(|b| b.teardown.is_some()) {
            let note = LedgerNote {
                index,
                name: name.clone(),
            };
            if let Err(e) = ctx.batches.queue_teardown(def, fscope, note) {
                warnings.push(format!("fixture `{name}`: {e}"));
            }
            continue;
        }
        let mut removed = true;
        for (i, step) in def.teardown.iter().enumerate() {
            let (report, verdict) =
                run_step(ctx, case, Phase::Teardown, i + 1, step, &mut fscope).await;
            if let Some(w) = teardown_warning(&report, verdict) {
                warnings.push(format!("fixture `{name}`: {w}"));
                removed = false;
            }
            steps.push(report);
        }
        if removed {
            record(
                ctx,
                LedgerEvent::Removed,
                (index, &name),
                &def.name,
                &fscope,
            );
        }
    }

    let mut report = case_report(ctx, case, stop);
    report.duration_ms = ms_since(started);
    report.steps = steps;
    report.teardown_warnings = warnings;
    report
}

/// A fixture instance's own variables before its setup: the run's, its unique name, and its
/// parameters' defaults.
fn fixture_scope(ctx: &RunContext, def: &FixtureDef, index: usize, name: &str) -> Scope {
    let mut fscope = Scope::default();
    fscope.set("run.id", Value::from(ctx.run_id.clone()));
    fscope.set("run.prefix", Value::from(ctx.run_prefix.clone()));
    fscope.set(
        "self.name",
        Value::from(instance_name(&ctx.run_prefix, index, name)),
    );
    for (param, default) in &def.params {
        if let Some(d) = default {
            fscope.set(param.clone(), d.clone());
        }
    }
    fscope
}

/// Notes in the ledger that a batch removed an instance.
pub(crate) fn record_removed(ctx: &RunContext, note: &LedgerNote, fixture: &str, scope: &Scope) {
    record(
        ctx,
        LedgerEvent::Removed,
        (note.index, &note.name),
        fixture,
        scope,
    );
}

/// Sets the fixture's exports in the case's scope as `${name.export}`.
fn export(name: &str, def: &FixtureDef, fscope: &Scope, scope: &mut Scope) -> Option<Stop> {
    let lookup = fscope.lookup();
    for (export, t) in &def.exports {
        match t.render(&lookup) {
            Ok(v) => scope.set_volatile(format!("{name}.{export}"), v),
            Err(e) => {
                return Some(Stop {
                    outcome: Outcome::Error,
                    reason: format!("fixture `{name}`: export `{export}`: {e}"),
                    feature: None,
                });
            }
        }
    }
    None
}

/// Runs a fixture's setup steps into `steps`; the stop if one did not pass.
async fn set_up(
    ctx: &RunContext,
    case: &PlannedCase,
    name: &str,
    def: &FixtureDef,
    fscope: &mut Scope,
    steps: &mut Vec<StepReport>,
) -> Option<Stop> {
    for (i, step) in def.setup.iter().enumerate() {
        let (report, verdict) = run_step(ctx, case, Phase::Setup, i + 1, step, fscope).await;
        steps.push(report);
        let fixture = &def.name;
        let (outcome, reason, feature) = match verdict {
            Verdict::Passed => continue,
            Verdict::Skip(reason) => (
                Outcome::Skip,
                format!("fixture `{name}` ({fixture}): {reason}"),
                None,
            ),
            Verdict::NotEnabled { feature, reason } => (
                Outcome::Skip,
                format!("fixture `{name}` ({fixture}): {reason}"),
                Some(feature),
            ),
            Verdict::Failed(reason) | Verdict::Error(reason) => (
                Outcome::Error,
                format!("fixture `{name}` ({fixture}) could not be made: {reason}"),
                None,
            ),
        };
        return Some(Stop {
            outcome,
            reason,
            feature,
        });
    }
    None
}

/// The report of a case the harness itself failed on: a panic outside the steps' guard.
pub(crate) fn panicked_case(ctx: &RunContext, case: &PlannedCase, what: String) -> CaseReport {
    let stop = Stop {
        outcome: Outcome::Error,
        reason: format!("the harness panicked: {what}"),
        feature: None,
    };
    case_report(ctx, case, Some(stop))
}

/// A case's report, without steps yet.
fn case_report(ctx: &RunContext, case: &PlannedCase, stop: Option<Stop>) -> CaseReport {
    let (outcome, reason, feature) = match stop {
        None => (Outcome::Pass, None, None),
        Some(s) => (s.outcome, Some(s.reason), s.feature),
    };
    CaseReport {
        id: case.id.clone(),
        group: case.group.clone(),
        name: case.name.clone(),
        tags: case.tags.clone(),
        generated: case.generated,
        location: case.loc.text(),
        outcome,
        reason,
        duration_ms: 0,
        steps: Vec::new(),
        teardown_warnings: Vec::new(),
        feature,
        known: None,
        group_types: ctx.suite.case_group_types(case),
        expected_codes: super::facts::expected_codes(case),
    }
}

/// The case's own steps, in order, until one does not pass. A run of consecutive `burst`
/// steps is a volley: when answer by answer it would spread over more than `VOLLEY_SPAN` (at a
/// distance, more than the one second a rate window spans), its steps are sent one
/// `VOLLEY_GAP` after another without waiting for the answers, then judged in order. Closer,
/// they go answer by answer, which keeps their order at the target certain.
async fn run_steps(
    ctx: &RunContext,
    case: &PlannedCase,
    scope: &mut Scope,
    reports: &mut Vec<StepReport>,
) -> Option<Stop> {
    let mut i = 0;
    while i < case.steps.len() {
        if ctx.interrupt.is_set() {
            return Some(Stop {
                outcome: Outcome::Skip,
                reason: "run interrupted".into(),
                feature: None,
            });
        }
        let burst = case.steps[i..].iter().take_while(|s| s.burst).count();
        let at_once = volley::sent_at_once(burst, ctx.wire.least_round_trip());
        let volley = if at_once { burst } else { 1 };
        let steps = &case.steps[i..i + volley];
        let sends = steps.iter().enumerate().map(|(j, step)| {
            let shared: &Scope = scope;
            async move {
                tokio::time::sleep(volley::VOLLEY_GAP * j as u32).await;
                let started = Instant::now();
                let endpoint = &ctx.suite.endpoints[&step.call];
                (started, send_step(ctx, endpoint, step, shared).await)
            }
        });
        let mut sent: Vec<_> = futures_util::future::join_all(sends)
            .await
            .into_iter()
            .map(Some)
            .collect();
        let order = answer_order(ctx, steps, &sent);
        for (j, step) in steps.iter().enumerate() {
            let (started, answer) = sent[order[j]].take().expect("each answer judged once");
            let (report, verdict) = judge_step(
                ctx,
                case,
                Phase::Step,
                i + j + 1,
                step,
                scope,
                started,
                answer,
            );
            let (outcome, reason, feature) = match verdict {
                Verdict::Passed => {
                    reports.push(report);
                    continue;
                }
                Verdict::Failed(r) => (Outcome::Fail, r, None),
                Verdict::Error(r) => (Outcome::Error, r, None),
                Verdict::Skip(r) => (Outcome::Skip, r, None),
                Verdict::NotEnabled { feature, reason } => (Outcome::Skip, reason, Some(feature)),
            };
            let stop = Stop {
                outcome,
                reason: format!("{}: {reason}", report.label()),
                feature,
            };
            reports.push(report);
            return Some(stop);
        }
        i += volley;
    }
    None
}

/// Which answer each step of a volley is judged on (`volley::answer_order`).
fn answer_order(
    ctx: &RunContext,
    steps: &[Step],
    sent: &[Option<(Instant, Result<super::request::Sent, Unsendable>)>],
) -> Vec<usize> {
    if steps.len() < 2 {
        return (0..steps.len()).collect();
    }
    let envelope = &ctx.suite.service.envelope;
    let calls: Vec<&str> = steps.iter().map(|s| s.call.as_str()).collect();
    let expected: Vec<Vec<i64>> = steps
        .iter()
        .map(|s| match &s.expect.code {
            Some(codes) => codes.0.clone(),
            None => vec![envelope.success_code],
        })
        .collect();
    let codes: Vec<Option<i64>> = sent
        .iter()
        .map(|s| {
            let (_, sent) = s.as_ref()?;
            let json = sent.as_ref().ok()?.response.as_ref().ok()?.json.as_ref()?;
            response_code(envelope, json)
        })
        .collect();
    volley::answer_order(&calls, &expected, &codes)
}

/// Runs `work`, turning a panic into its message. A plain adapter, not an `async fn`: that
/// would hold `work` twice (the argument and the adapter around it), and a case's future is
/// several kilobytes.
pub(crate) fn guarded<F: std::future::Future>(
    work: F,
) -> impl std::future::Future<Output = Result<F::Output, String>> {
    use futures_util::FutureExt;
    std::panic::AssertUnwindSafe(work)
        .catch_unwind()
        .map(|outcome| outcome.map_err(panic_text))
}

/// How many steps a case runs when nothing fails: its reports are collected without regrowth.
fn step_count(ctx: &RunContext, case: &PlannedCase) -> usize {
    let fixtures: usize = case
        .fixtures
        .values()
        .filter_map(|u| ctx.suite.service.fixtures.get(&u.fixture))
        .map(|d| d.setup.len() + d.teardown.len())
        .sum();
    fixtures + case.steps.len() + case.teardown.len()
}

fn ledger_key(ctx: &RunContext, index: usize, fixture: &str) -> String {
    format!("{}/{index}/{fixture}", ctx.run_id)
}

/// Notes a fixture (the case's index and the fixture's name) in the ledger; a ledger that
/// cannot be written is reported, not fatal.
fn record(
    ctx: &RunContext,
    event: LedgerEvent,
    (index, name): (usize, &str),
    fixture: &str,
    scope: &Scope,
) {
    let Some(ledger) = &ctx.ledger else { return };
    let entry = LedgerEntry {
        event,
        key: ledger_key(ctx, index, name),
        run_id: ctx.run_id.clone(),
        target: ctx.config.base_url.clone(),
        fixture: fixture.to_owned(),
        scope: scope.values(),
    };
    if let Err(e) = ledger.append(&entry) {
        eprintln!("imconform: warning: {e}");
    }
}

/// Tears down a fixture recorded by an earlier run.
pub(crate) async fn remove_leftover(
    ctx: &Arc<RunContext>,
    entry: &LedgerEntry,
) -> (bool, Vec<StepReport>) {
    let Some(def) = ctx.suite.service.fixtures.get(&entry.fixture) else {
        return (false, Vec::new());
    };
    let case = PlannedCase {
        id: format!("cleanup::{}", entry.key),
        group: "cleanup".to_owned(),
        name: entry.key.clone(),
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
    };
    let mut scope = Scope::from_values(entry.scope.clone());
    let mut ok = true;
    let mut reports = Vec::new();
    for (i, step) in def.teardown.iter().enumerate() {
        let (report, verdict) =
            run_step(ctx, &case, Phase::Teardown, i + 1, step, &mut scope).await;
        ok &= matches!(verdict, Verdict::Passed);
        reports.push(report);
    }
    if ok {
        let event = LedgerEntry {
            event: LedgerEvent::Removed,
            ..entry.clone()
        };
        if let Some(ledger) = &ctx.ledger {
            let _ = ledger.append(&event);
        }
    }
    (ok, reports)
}

fn teardown_warning(report: &StepReport, verdict: Verdict) -> Option<String> {
    match verdict {
        Verdict::Passed => None,
        Verdict::Failed(r)
        | Verdict::Error(r)
        | Verdict::Skip(r)
        | Verdict::NotEnabled { reason: r, .. } => Some(format!("{}: {r}", report.label())),
    }
}

/// `imc1a2b3c4d_12_g`: unique to the run, the case and the fixture.
fn instance_name(prefix: &str, index: usize, fixture: &str) -> String {
    let mut name = format!("{prefix}_{index}_{fixture}");
    name.truncate(MAX_INSTANCE_NAME);
    name
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

pub(crate) async fn run_step(
    ctx: &RunContext,
    case: &PlannedCase,
    phase: Phase,
    index: usize,
    step: &Step,
    scope: &mut Scope,
) -> (StepReport, Verdict) {
    let started = Instant::now();
    let endpoint = &ctx.suite.endpoints[&step.call];
    let sent = send_step(ctx, endpoint, step, scope).await;
    judge_step(ctx, case, phase, index, step, scope, started, sent)
}

/// Checks what sending a step produced, and takes its captures into `scope`.
#[allow(clippy::too_many_arguments)]
fn judge_step(
    ctx: &RunContext,
    case: &PlannedCase,
    phase: Phase,
    index: usize,
    step: &Step,
    scope: &mut Scope,
    started: Instant,
    sent: Result<super::request::Sent, Unsendable>,
) -> (StepReport, Verdict) {
    let endpoint = &ctx.suite.endpoints[&step.call];
    let mut report = StepReport {
        phase,
        index,
        call: step.call.clone(),
        location: step.loc.text(),
        request: crate::result::RequestRecord {
            method: String::new(),
            url: String::new(),
            body: String::new(),
        },
        response: None,
        transport_error: None,
        checks: Vec::new(),
        attempts: 0,
        duration_ms: 0,
    };
    let sent = match sent {
        Ok(sent) => sent,
        Err(Unsendable::Skip(reason)) => {
            report.duration_ms = ms_since(started);
            return (report, Verdict::Skip(reason));
        }
        Err(Unsendable::Harness(reason)) => {
            report.duration_ms = ms_since(started);
            return (
                report,
                Verdict::Error(format!("could not build the request: {reason}")),
            );
        }
    };
    report.request = sent.request;
    report.attempts = sent.attempts;
    let (mut response, json) = match sent.response {
        Ok(received) => (received.record, received.json),
        Err(e) => {
            report.transport_error = Some(e.clone());
            report.duration_ms = ms_since(started);
            return (report, Verdict::Error(e));
        }
    };

    // Only a snapshot's header names the step; most steps need neither string.
    let (expression, source, label) = match &step.expect.snapshot {
        Some(_) => {
            let label = report.label();
            (
                format!("{} {label}", case.id),
                step.loc.file.text().to_owned(),
                label,
            )
        }
        None => (String::new(), String::new(), String::new()),
    };
    let checks = {
        let lookup = scope.lookup();
        let cctx = CheckContext {
            envelope: &ctx.suite.service.envelope,
            schemas: &ctx.schemas,
            snapshots: &ctx.config.snapshots,
            redactions: &ctx.suite.service.redactions,
            endpoint: &endpoint.name,
            source: &source,
            expression: &expression,
            step: &label,
            lookup: &lookup,
            run_values: scope.run_values(),
        };
        check_step(&cctx, step, &response, json.as_ref())
    };
    report.checks = checks;

    if let Some(body) = &json {
        for (name, pointer) in &step.capture {
            match body.pointer(pointer) {
                Some(v) => scope.set_volatile(name.clone(), v.clone()),
                None => report.checks.push(CheckReport::fail(
                    format!("capture {name}"),
                    format!("expected a value at {pointer} to capture, the field is absent"),
                )),
            }
        }
    }

    let code = json
        .as_ref()
        .and_then(|b| response_code(&ctx.suite.service.envelope, b));
    if ctx.normalize_responses
        && let Some(body) = &json
    {
        // After the captures, so that IDs this step handed out are named too.
        // Fixture scopes hold the run prefix as a plain value: name it here too.
        let sort = step
            .expect
            .snapshot
            .as_ref()
            .map_or(&[][..], |s| &s.sort[..]);
        let mut run_values = scope.run_values().to_vec();
        run_values.push((ctx.run_prefix.clone(), "run.prefix".to_owned()));
        run_values.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
        let normalizer = Normalizer {
            redactions: &ctx.suite.service.redactions,
            run_values: &run_values,
            info_field: &ctx.suite.service.envelope.info_field,
            sort,
        };
        response.normalized = Some(normalizer.normalize_value(body));
    }
    report.response = Some(response);
    report.duration_ms = ms_since(started);

    let failed: Vec<&CheckReport> = report.checks.iter().filter(|c| !c.passed).collect();
    if failed.is_empty() {
        return (report, Verdict::Passed);
    }
    let expected_code = step
        .expect
        .code
        .as_ref()
        .is_some_and(|e| code.is_some_and(|c| e.contains(c)));
    if let Some(c) = code
        && !expected_code
        && let Some(feature) = ctx
            .suite
            .service
            .features
            .values()
            .find(|f| f.not_enabled_codes.contains(&c))
    {
        return (
            report,
            Verdict::NotEnabled {
                feature: feature.name.clone(),
                reason: format!(
                    "feature `{}` is not enabled on the target (code {c})",
                    feature.name
                ),
            },
        );
    }
    let reason = failed
        .iter()
        .map(|c| format!("{}: {}", c.check, c.message().unwrap_or("failed")))
        .collect::<Vec<_>>()
        .join("; ");
    (report, Verdict::Failed(reason))
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_panic_while_running_becomes_its_message() {
        let panicking = async {
            let reason = "a check met a body it did not expect";
            if !reason.is_empty() {
                panic!("{reason}");
            }
            7
        };
        assert_eq!(
            super::guarded(panicking).await,
            Err("a check met a body it did not expect".to_owned())
        );
        assert_eq!(super::guarded(async { 7 }).await, Ok(7));
    }

    #[test]
    fn instance_names_fit_every_id_limit() {
        let n = super::instance_name("imc0123abcd", 12345, "a_rather_long_fixture_name");
        assert!(n.len() <= 30, "{n}");
        assert!(n.starts_with("imc0123abcd_12345_"));
    }
}
