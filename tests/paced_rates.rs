//! Never over a declared rate: the whole paced suite, many cases at once, against the emulator
//! with its per-API limits (60007) and per-group write limits (10049) on. Every case passes
//! under every profile, and no step met a rate limit its spec did not expect (only the rate
//! probes set out to meet one). Then the same at a distance: burst volleys still land inside
//! one rate window when each answer takes 200 ms.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use imconform::auth::signer::Credentials;
use imconform::auth::usersig::SecretKey;
use imconform::check::SnapshotStore;
use imconform::emulator::{DEFAULT_ADMIN, DEFAULT_SDKAPPID, DEFAULT_TEST_KEY, EmulatorConfig};
use imconform::http::HttpSettings;
use imconform::result::{Outcome, Phase, RunReport};
use imconform::runner::{Interrupt, Quiet, RunConfig, Runner};
use imconform::spec::{PlannedCase, Suite, load_suite};
use imconform::target::{ActiveTarget, TargetSpec};

/// What a target answers when a call rate is exceeded: per API or per app (60007, 60011,
/// reference §1.4 [R1]). Write limits name their own code in the endpoint files.
const API_RATE_CODES: [i64; 2] = [60007, 60011];

fn suite() -> Arc<Suite> {
    Arc::new(load_suite(&Path::new(env!("CARGO_MANIFEST_DIR")).join("specs")).unwrap())
}

async fn run(
    suite: &Arc<Suite>,
    profile: &str,
    cases: Vec<PlannedCase>,
    jobs: Option<usize>,
    latency: Duration,
) -> RunReport {
    let emulator = EmulatorConfig {
        profile: profile.to_owned(),
        latency,
        ..EmulatorConfig::default()
    };
    assert!(emulator.api_rate_limits && emulator.write_rate_limit);
    let target = ActiveTarget::start(&TargetSpec::Embedded(emulator))
        .await
        .unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let mut snapshots = SnapshotStore::for_profile(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"),
        profile,
        &suite.service.default_profile,
        false,
    );
    snapshots.pending_dir = Some(scratch.path().to_owned());
    let config = RunConfig {
        base_url: target.base_url.clone(),
        target_label: target.label.clone(),
        profile: profile.to_owned(),
        sdkappid: DEFAULT_SDKAPPID,
        identifier: DEFAULT_ADMIN.to_owned(),
        credentials: Credentials::Key(SecretKey::new(DEFAULT_TEST_KEY)),
        jobs,
        http: HttpSettings::default(),
        // No retry may hide a limit met: a retried 60007 would pass on the second attempt.
        retries: 0,
        pacing: true,
        snapshots,
        run_id: None,
    };
    let runner = Runner::new(suite.clone(), config, Interrupt::default()).unwrap();
    let report = runner.run(cases, Arc::new(Quiet)).await;
    target.stop().await;
    report
}

/// Every step that met a rate limit its case did not set out to meet: `case step: code`.
fn unexpected_limits(suite: &Suite, plan: &[PlannedCase], report: &RunReport) -> Vec<String> {
    let mut found = Vec::new();
    for (case, planned) in report.cases.iter().zip(plan) {
        assert_eq!(case.id, planned.id, "reports come in plan order");
        for step in &case.steps {
            let Some(code) = step
                .response
                .as_ref()
                .and_then(|r| r.json())
                .and_then(|j| j["ErrorCode"].as_i64())
            else {
                continue;
            };
            let write_codes = suite.endpoints[&step.call]
                .write_limits
                .iter()
                .flat_map(|w| w.code.0.clone());
            let is_rate_code =
                API_RATE_CODES.contains(&code) || write_codes.into_iter().any(|c| c == code);
            if !is_rate_code {
                continue;
            }
            let expected = step.phase == Phase::Step
                && planned.steps[step.index - 1]
                    .expect
                    .code
                    .as_ref()
                    .is_some_and(|e| e.contains(code));
            if !expected {
                found.push(format!("{} {}: {code}", case.id, step.label()));
            }
        }
    }
    found
}

#[test]
fn the_paced_suite_meets_no_limit_it_did_not_set_out_to_meet() {
    let suite = suite();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut probes_met = 0;
    for profile in suite.service.profiles.keys() {
        let plan = suite.plan(profile);
        let report = rt.block_on(run(&suite, profile, plan.clone(), Some(64), Duration::ZERO));
        let failed: Vec<String> = report
            .cases
            .iter()
            .filter(|c| c.outcome != Outcome::Pass)
            .map(|c| format!("{} {:?}: {:?}", c.id, c.outcome, c.reason))
            .collect();
        assert!(failed.is_empty(), "profile {profile}: {failed:#?}");
        let unexpected = unexpected_limits(&suite, &plan, &report);
        assert!(
            unexpected.is_empty(),
            "profile {profile}: limits met that no spec expected: {unexpected:#?}"
        );
        // The detector sees the limits the probes do set out to meet.
        probes_met += report
            .cases
            .iter()
            .flat_map(|c| &c.steps)
            .filter(|s| {
                s.response
                    .as_ref()
                    .and_then(|r| r.json())
                    .is_some_and(|j| j["ErrorCode"] == 10049)
            })
            .count();
    }
    assert!(
        probes_met > 0,
        "no write-rate probe met 10049: the detector saw nothing"
    );
}

#[test]
fn burst_volleys_trip_the_write_limit_at_a_distance() {
    let suite = suite();
    let profile = suite.service.default_profile.clone();
    let bursts: Vec<PlannedCase> = suite
        .plan(&profile)
        .into_iter()
        .filter(|c| c.steps.iter().any(|s| s.burst))
        .collect();
    assert!(bursts.len() >= 4, "the write-rate probes: {}", bursts.len());
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Answer by answer, six writes at 200 ms each span 1.2 s: more than one rate window.
    let report = rt.block_on(run(
        &suite,
        &profile,
        bursts,
        None,
        Duration::from_millis(200),
    ));
    let failed: Vec<String> = report
        .cases
        .iter()
        .filter(|c| c.outcome != Outcome::Pass)
        .map(|c| format!("{} {:?}: {:?}", c.id, c.outcome, c.reason))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
}
