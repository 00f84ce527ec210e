//! A whole run spends fewer requests on fixtures than its cases would alone: accounts are made
//! and removed in batches (and every one is removed), and the push attribute names that cases
//! only read are set once per stretch of readers, not once per case.

#[path = "emulator_support/mod.rs"]
mod emulator_support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use emulator_support::Api;
use imconform::auth::signer::Credentials;
use imconform::auth::usersig::SecretKey;
use imconform::check::SnapshotStore;
use imconform::emulator::{DEFAULT_ADMIN, DEFAULT_SDKAPPID, DEFAULT_TEST_KEY, EmulatorConfig};
use imconform::http::HttpSettings;
use imconform::result::{Outcome, Phase, RunReport};
use imconform::runner::ledger::{Ledger, pending};
use imconform::runner::{Interrupt, Quiet, RunConfig, Runner};
use imconform::spec::{FixtureUse, PlannedCase, Suite, Template, load_suite};
use serde_json::{Value, json};

fn suite() -> Arc<Suite> {
    Arc::new(load_suite(&Path::new(env!("CARGO_MANIFEST_DIR")).join("specs")).unwrap())
}

fn uses(case: &PlannedCase, fixture: &str) -> usize {
    case.fixtures
        .values()
        .filter(|u| u.fixture == fixture)
        .count()
}

/// Runs `cases` as one whole run against `api`'s emulator, recording fixtures in `ledger`.
async fn whole_run(
    suite: &Arc<Suite>,
    api: &Api,
    cases: Vec<PlannedCase>,
    ledger: &Path,
) -> RunReport {
    let report = run_cases(suite, api, cases, ledger).await;
    let failed: Vec<String> = report
        .cases
        .iter()
        .filter(|c| c.outcome != Outcome::Pass)
        .map(|c| format!("{} {:?}: {:?}", c.id, c.outcome, c.reason))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    report
}

async fn run_cases(
    suite: &Arc<Suite>,
    api: &Api,
    cases: Vec<PlannedCase>,
    ledger: &Path,
) -> RunReport {
    let scratch = tempfile::tempdir().unwrap();
    let profile = suite.service.default_profile.clone();
    let mut snapshots = SnapshotStore::for_profile(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"),
        &profile,
        &profile,
        false,
    );
    snapshots.pending_dir = Some(scratch.path().to_owned());
    let config = RunConfig {
        base_url: api.handle.base_url(),
        target_label: "emulator".to_owned(),
        profile,
        sdkappid: DEFAULT_SDKAPPID,
        identifier: DEFAULT_ADMIN.to_owned(),
        credentials: Credentials::Key(SecretKey::new(DEFAULT_TEST_KEY)),
        jobs: None,
        http: HttpSettings::default(),
        retries: 0,
        pacing: true,
        snapshots,
        run_id: None,
    };
    let runner = Runner::new(suite.clone(), config, Interrupt::default())
        .unwrap()
        .with_ledger(Ledger::open(ledger).unwrap());
    runner.run(cases, Arc::new(Quiet)).await
}

/// How many accounts the ledger names, and those the target still has.
async fn accounts_left(api: &Api, ledger: &Path) -> (usize, Vec<Value>) {
    let text = std::fs::read_to_string(ledger).unwrap();
    let names: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["fixture"] == "account")
        .filter_map(|e| e["scope"]["self.name"].as_str().map(str::to_owned))
        .collect::<std::collections::BTreeSet<String>>()
        .into_iter()
        .map(Value::from)
        .collect();
    let mut left = Vec::new();
    for chunk in names.chunks(100) {
        let items: Vec<Value> = chunk.iter().map(|n| json!({"UserID": n})).collect();
        let body = json!({"CheckItem": items});
        let answer = api.call("im_open_login_svc/account_check", body).await;
        assert!(answer.ok(), "{answer:?}");
        for item in answer.json["ResultItem"].as_array().unwrap() {
            if item["AccountStatus"] != "NotImported" {
                left.push(item.clone());
            }
        }
    }
    (names.len(), left)
}

fn setup_calls(report: &RunReport, call: &str) -> usize {
    report
        .cases
        .iter()
        .flat_map(|c| &c.steps)
        .filter(|s| s.phase == Phase::Setup && s.call == call)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_are_made_and_removed_in_batches_and_none_is_left() {
    let suite = suite();
    let cases: Vec<PlannedCase> = suite
        .plan(&suite.service.default_profile)
        .into_iter()
        .filter(|c| uses(c, "account") > 0)
        .collect();
    let instances: usize = cases.iter().map(|c| uses(c, "account")).sum();
    assert!(instances >= 20, "the suite's account fixtures: {instances}");
    // 20 ms a round trip: cases arriving while a batch is on its way wait for the next one.
    let api = Api::start(EmulatorConfig {
        latency: Duration::from_millis(20),
        ..EmulatorConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.jsonl");
    let report = whole_run(&suite, &api, cases, &ledger).await;

    assert_eq!(
        setup_calls(&report, "account_import"),
        0,
        "no account made alone"
    );
    let batches = setup_calls(&report, "multiaccount_import");
    assert!(
        batches >= 1 && batches * 2 <= instances,
        "{instances} accounts took {batches} multiaccount_import calls"
    );
    assert!(
        report.teardown_warnings.is_empty(),
        "{:?}",
        report.teardown_warnings
    );

    // Every account the run made is recorded as removed, and the target agrees.
    assert!(
        pending(&ledger).unwrap().is_empty(),
        "the ledger lists fixtures not removed"
    );
    let (names, left) = accounts_left(&api, &ledger).await;
    assert_eq!(names, instances);
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_that_cases_only_read_are_set_once_per_stretch_of_readers() {
    let suite = suite();
    let cases: Vec<PlannedCase> = suite
        .plan(&suite.service.default_profile)
        .into_iter()
        .filter(|c| uses(c, "attr_names") > 0)
        .collect();
    let readers = cases
        .iter()
        .filter(|c| c.locks.iter().all(|l| !l.exclusive))
        .count();
    let writers = cases.len() - readers;
    assert!(
        readers >= 10 && writers >= 1,
        "{readers} readers, {writers} writers"
    );
    let api = Api::start(EmulatorConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let report = whole_run(&suite, &api, cases, &dir.path().join("ledger.jsonl")).await;
    // Each writer sets the names for itself; the readers share one setting after the last
    // writer (writers go first while any waits), so at most one more than the writers.
    let set = setup_calls(&report, "set_attr_name");
    assert!(
        set <= writers + 1,
        "{readers} readers and {writers} writers set the names {set} times"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_queued_for_a_case_that_stopped_early_is_removed_too() {
    let suite = suite();
    // Accounts wanted by cases whose first fixture, a Community group, cannot be made: the
    // accounts were queued when the cases started, and other cases' calls make them.
    let community = FixtureUse {
        fixture: "group".to_owned(),
        with: [("type".to_owned(), Template::Literal(json!("Community")))]
            .into_iter()
            .collect(),
        loc: suite.service.fixtures["group"].loc.clone(),
    };
    let mut cases: Vec<PlannedCase> = suite
        .plan(&suite.service.default_profile)
        .into_iter()
        .filter(|c| uses(c, "account") > 0)
        .take(12)
        .collect();
    for case in cases.iter_mut().step_by(2) {
        case.fixtures
            .shift_insert(0, "early".to_owned(), community.clone());
    }
    let mut config = EmulatorConfig {
        latency: Duration::from_millis(20),
        ..EmulatorConfig::default()
    };
    config.features.community_groups = false;
    let api = Api::start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.jsonl");
    let report = run_cases(&suite, &api, cases, &ledger).await;
    let skipped = report
        .cases
        .iter()
        .filter(|c| c.outcome == Outcome::Skip)
        .count();
    assert_eq!(skipped, 6, "the cases with a Community group skip");
    // (The Community groups were never made: their teardown cannot run, a warning each.)
    let accounts_pending: Vec<_> = pending(&ledger)
        .unwrap()
        .into_iter()
        .filter(|e| e.fixture == "account")
        .map(|e| e.key)
        .collect();
    assert!(
        accounts_pending.is_empty(),
        "not removed: {accounts_pending:?}"
    );
    let (names, left) = accounts_left(&api, &ledger).await;
    assert!(names >= 12, "accounts recorded: {names}");
    assert!(left.is_empty(), "left behind: {left:?}");
}
