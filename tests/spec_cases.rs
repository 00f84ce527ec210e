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
use std::sync::{Arc, Mutex, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use imconform::contract::{ContractSource, Part};
use imconform::pipeline::{
    EmulatorOptions, Execution, PipelineConfig, Session, SnapshotOptions, plan, probes_push_clock,
};
use imconform::result::Outcome;
use imconform::runner::Interrupt;
use imconform::spec::{PlannedCase, Suite, load_suite};
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

/// The emulator and runner of a profile, started by the first test that needs them: the run
/// pipeline's own setup, with one case at a time. The cases probing the one-second push rules
/// (pushes 1 s apart, one revoke a second) get an emulator that keeps them; every other case
/// one without them, so its pushes are not paced a second apart (the whole suite on the real
/// clock is `paced_rates.rs` and selftest's clean runs).
fn session_for(suite: &Arc<Suite>, profile: &str, clock: bool) -> Arc<Session> {
    type Sessions = Mutex<HashMap<(String, bool), Arc<Session>>>;
    static SESSIONS: OnceLock<Sessions> = OnceLock::new();
    let mut sessions = SESSIONS.get_or_init(Default::default).lock().unwrap();
    if let Some(s) = sessions.get(&(profile.to_owned(), clock)) {
        return s.clone();
    }
    let update = std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always")
        || std::env::var("IMCONFORM_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1");
    let config = PipelineConfig {
        profile: Some(profile.to_owned()),
        execution: Execution {
            jobs: Some(1),
            retries: 1,
            ..Execution::default()
        },
        snapshots: SnapshotOptions {
            source: ContractSource::dir(Part::Snapshots, root().join("snapshots")),
            update,
            // Recorded from this very emulator: held byte for byte, drift included.
            strict: true,
            pending_dir: None,
        },
        emulator: EmulatorOptions {
            no_push_clock: !clock,
            ..EmulatorOptions::default()
        },
        ..PipelineConfig::default()
    };
    let plan = plan(suite.clone(), config).expect("plan the profile");
    let session = runtime()
        .block_on(plan.start(Interrupt::default()))
        .expect("start the emulator and build the runner");
    let s = Arc::new(session);
    sessions.insert((profile.to_owned(), clock), s.clone());
    s
}

/// A profile's lock of app-wide state (its emulator's): tests run on several threads, and
/// cases holding one lock must overlap as a run's queue lets them (shared with shared only).
fn app_lock(profile: &str, name: &str) -> Arc<RwLock<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<RwLock<()>>>>> = OnceLock::new();
    let mut locks = LOCKS.get_or_init(Default::default).lock().unwrap();
    locks
        .entry(format!("{profile}/{name}"))
        .or_default()
        .clone()
}

/// A lock held until the case ends.
enum Held<'a> {
    Shared(#[allow(dead_code)] RwLockReadGuard<'a, ()>),
    Exclusive(#[allow(dead_code)] RwLockWriteGuard<'a, ()>),
}

fn run_trial(suite: Arc<Suite>, profile: String, case: PlannedCase) -> Result<(), Failed> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let session = session_for(&suite, &profile, probes_push_clock(&suite, &case));
    let index = NEXT.fetch_add(1, Ordering::Relaxed);
    // Taken in the plan's (sorted) order of lock names, so two cases never wait on each other.
    let locks: Vec<(Arc<RwLock<()>>, bool)> = case
        .locks
        .iter()
        .map(|l| (app_lock(&profile, &l.name), l.exclusive))
        .collect();
    let _held: Vec<Held<'_>> = locks
        .iter()
        .map(|(lock, exclusive)| match exclusive {
            true => Held::Exclusive(lock.write().unwrap()),
            false => Held::Shared(lock.read().unwrap()),
        })
        .collect();
    let report = runtime().block_on(session.run_case(case, index));
    match report.outcome {
        Outcome::Pass => Ok(()),
        _ => Err(imconform::report::case_detail(&report).into()),
    }
}

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    // The cases probing the push rules wait a second or two on them, holding their test
    // thread: a few more threads than cores keep the rest going meanwhile.
    args.test_threads.get_or_insert(8);
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
