//! One case from start to end: fixtures, steps, then teardown, which always runs (after a
//! failure, a panic in a check, or an interrupt).

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use super::RunContext;
use super::ledger::{LedgerEntry, LedgerEvent};
use super::request::{Unsendable, ms_since, send_step};
use super::scope::Scope;
use crate::check::{CheckContext, Normalizer, check_step, response_code};
use crate::result::{CaseReport, CheckReport, Outcome, Phase, StepReport};
use crate::spec::{FixtureDef, PlannedCase, Step};

/// Longest fixture instance name: account IDs allow 32 bytes, group names 30.
const MAX_INSTANCE_NAME: usize = 30;

/// How a step ended, for deciding the case's outcome.
enum Verdict {
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

pub(crate) async fn run_case(ctx: &RunContext, case: &PlannedCase, index: usize) -> CaseReport {
    let started = Instant::now();
    let mut steps: Vec<StepReport> = Vec::with_capacity(step_count(ctx, case));
    let mut warnings = Vec::new();
    let mut scope = Scope::default();
    scope.set("run.id", Value::from(ctx.run_id.clone()));
    scope.set_volatile("run.prefix", Value::from(ctx.run_prefix.clone()));
    for (k, v) in &case.vars {
        scope.set(k.clone(), v.clone());
    }

    let mut stop: Option<Stop> = None;
    let mut made: Vec<(String, &FixtureDef, Scope)> = Vec::new();
    for (name, usage) in &case.fixtures {
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
        let mut ok = true;
        for (i, step) in def.setup.iter().enumerate() {
            let (report, verdict) =
                run_step(ctx, case, Phase::Setup, i + 1, step, &mut fscope).await;
            steps.push(report);
            match verdict {
                Verdict::Passed => {}
                Verdict::Skip(reason) => {
                    stop = Some(Stop {
                        outcome: Outcome::Skip,
                        reason: format!("fixture `{name}` ({}): {reason}", usage.fixture),
                        feature: None,
                    });
                    ok = false;
                }
                Verdict::NotEnabled { feature, reason } => {
                    stop = Some(Stop {
                        outcome: Outcome::Skip,
                        reason: format!("fixture `{name}` ({}): {reason}", usage.fixture),
                        feature: Some(feature),
                    });
                    ok = false;
                }
                Verdict::Failed(reason) | Verdict::Error(reason) => {
                    stop = Some(Stop {
                        outcome: Outcome::Error,
                        reason: format!(
                            "fixture `{name}` ({}) could not be made: {reason}",
                            usage.fixture
                        ),
                        feature: None,
                    });
                    ok = false;
                }
            }
            if !ok {
                break;
            }
        }
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
        let fscope = &made.last().expect("just pushed").2;
        for (export, t) in &def.exports {
            match t.render(&fscope.lookup()) {
                Ok(v) => scope.set_volatile(format!("{name}.{export}"), v),
                Err(e) => {
                    stop = Some(Stop {
                        outcome: Outcome::Error,
                        reason: format!("fixture `{name}`: export `{export}`: {e}"),
                        feature: None,
                    });
                }
            }
        }
        if stop.is_some() {
            break;
        }
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

/// The case's own steps, in order, until one does not pass.
async fn run_steps(
    ctx: &RunContext,
    case: &PlannedCase,
    scope: &mut Scope,
    reports: &mut Vec<StepReport>,
) -> Option<Stop> {
    for (i, step) in case.steps.iter().enumerate() {
        if ctx.interrupt.is_set() {
            return Some(Stop {
                outcome: Outcome::Skip,
                reason: "run interrupted".into(),
                feature: None,
            });
        }
        let (report, verdict) = run_step(ctx, case, Phase::Step, i + 1, step, scope).await;
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
    None
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

async fn run_step(
    ctx: &RunContext,
    case: &PlannedCase,
    phase: Phase,
    index: usize,
    step: &Step,
    scope: &mut Scope,
) -> (StepReport, Verdict) {
    let started = Instant::now();
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
    let sent = match send_step(ctx, endpoint, step, scope).await {
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
