//! Every spec case as one test, run against the embedded emulator: `endpoint::case` for the
//! default profile, `PROFILE/endpoint::case` for the others. Works under `cargo test` and
//! `cargo nextest` (one process per test, so nothing here is shared between tests but lazily).
//!
//! Snapshots are compared with `snapshots/`; `INSTA_UPDATE=always` (or
//! `IMCONFORM_UPDATE_SNAPSHOTS=1`) records them instead.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use imconform::auth::signer::Credentials;
use imconform::auth::usersig::SecretKey;
use imconform::check::SnapshotStore;
use imconform::emulator::{DEFAULT_ADMIN, DEFAULT_SDKAPPID, DEFAULT_TEST_KEY, EmulatorConfig};
use imconform::http::HttpSettings;
use imconform::result::Outcome;
use imconform::runner::{Interrupt, RunConfig, Runner};
use imconform::spec::{PlannedCase, Suite, load_suite};
use imconform::target::{ActiveTarget, TargetSpec};
use libtest_mimic::{Arguments, Failed, Trial};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One runtime for the process: a reqwest client must never cross runtimes.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

struct ProfileTarget {
    runner: Runner,
    _target: ActiveTarget,
}

/// The emulator and runner of a profile, started by the first test that needs them.
fn target_for(suite: &Arc<Suite>, profile: &str) -> Arc<ProfileTarget> {
    static TARGETS: OnceLock<Mutex<HashMap<String, Arc<ProfileTarget>>>> = OnceLock::new();
    let mut targets = TARGETS.get_or_init(Default::default).lock().unwrap();
    if let Some(t) = targets.get(profile) {
        return t.clone();
    }
    let emulator = EmulatorConfig {
        profile: profile.to_owned(),
        ..EmulatorConfig::default()
    };
    let target = runtime()
        .block_on(ActiveTarget::start(&TargetSpec::Embedded(emulator)))
        .expect("start the emulator");
    let update = std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always")
        || std::env::var("IMCONFORM_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1");
    let config = RunConfig {
        base_url: target.base_url.clone(),
        target_label: target.label.clone(),
        profile: profile.to_owned(),
        sdkappid: DEFAULT_SDKAPPID,
        identifier: DEFAULT_ADMIN.to_owned(),
        credentials: Credentials::Key(SecretKey::new(DEFAULT_TEST_KEY)),
        jobs: Some(1),
        http: HttpSettings::default(),
        retries: 1,
        pacing: true,
        snapshots: SnapshotStore::for_profile(
            &root().join("snapshots"),
            profile,
            &suite.service.default_profile,
            update,
        ),
        run_id: None,
    };
    let runner =
        Runner::new(suite.clone(), config, Interrupt::default()).expect("build the runner");
    let t = Arc::new(ProfileTarget {
        runner,
        _target: target,
    });
    targets.insert(profile.to_owned(), t.clone());
    t
}

fn run_trial(suite: Arc<Suite>, profile: String, case: PlannedCase) -> Result<(), Failed> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let target = target_for(&suite, &profile);
    let index = NEXT.fetch_add(1, Ordering::Relaxed);
    let report = runtime().block_on(target.runner.run_one(case, index));
    match report.outcome {
        Outcome::Pass => Ok(()),
        _ => Err(imconform::report::case_detail(&report).into()),
    }
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let suite = match load_suite(&root().join("specs")) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let default = suite.service.default_profile.clone();
    let mut trials = Vec::new();
    for profile in suite.service.profiles.keys() {
        for case in suite.plan(profile) {
            let name = if *profile == default {
                case.id.clone()
            } else {
                format!("{profile}/{}", case.id)
            };
            let kind = if case.generated { "generated" } else { "spec" };
            let (suite, profile) = (suite.clone(), profile.clone());
            trials.push(Trial::test(name, move || run_trial(suite, profile, case)).with_kind(kind));
        }
    }
    libtest_mimic::run(&args, trials).exit_code()
}
