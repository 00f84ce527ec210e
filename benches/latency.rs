//! The whole default suite at a real distance: the emulator answers every request 50, 100 and
//! 200 ms late, its API and write rate limits on, and the runner runs every case of the
//! default profile with default flags (pacing on, concurrency sized by the runner). Reported
//! per delay: wall time, requests sent, the plan's bound and wall / bound.
//!
//! The bound (`runner::plan_bound`) is the least time any schedule needs: the longest any
//! single case needs alone (its chain of dependent requests at that delay, or what its
//! declared rates force), the time the cases holding one lock exclusively need one after
//! another, or the time the declared per-API rates force on the whole plan, whichever is
//! more. Target: wall ≤ 2 × bound at 100 ms.
//!
//! `cargo bench --bench latency`. `BENCH_LATENCIES=100,200` picks the delays (ms),
//! `BENCH_TRIALS=N` repeats each (default 1), `BENCH_JOBS=N` fixes the concurrency as
//! `--jobs N` would. Every case must pass: a run with failures is reported and the bench
//! exits non-zero, since a fast run that fails proves nothing.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use imconform::auth::signer::Credentials;
use imconform::auth::usersig::SecretKey;
use imconform::check::SnapshotStore;
use imconform::emulator::{DEFAULT_ADMIN, DEFAULT_SDKAPPID, DEFAULT_TEST_KEY, EmulatorConfig};
use imconform::http::HttpSettings;
use imconform::result::Outcome;
use imconform::runner::{Interrupt, PlanShape, Quiet, RunConfig, Runner, jobs_for};
use imconform::spec::load_suite;
use imconform::target::{ActiveTarget, TargetSpec};

fn env_list(name: &str, default: &[u64]) -> Vec<u64> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .filter(|v: &Vec<u64>| !v.is_empty())
        .unwrap_or_else(|| default.to_vec())
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let suite = Arc::new(load_suite(&root.join("specs")).expect("the specs load"));
    let profile = suite.service.default_profile.clone();
    let plan = suite.plan(&profile);
    let shape = PlanShape::new(&suite, &plan);
    let latencies = env_list("BENCH_LATENCIES", &[50, 100, 200]);
    let trials = env_list("BENCH_TRIALS", &[1])[0].max(1);
    let jobs: Option<usize> = std::env::var("BENCH_JOBS")
        .ok()
        .and_then(|v| v.parse().ok());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    println!(
        "latency bench: {} cases of profile {profile}, pacing on, emulator rate limits on, concurrency {}",
        plan.len(),
        jobs.map_or("sized by the runner".to_owned(), |j| format!(
            "fixed at {j}"
        )),
    );
    let mut failed = false;
    for ms in latencies {
        let delay = Duration::from_millis(ms);
        let bound = shape.bound(delay);
        let sized = jobs.unwrap_or_else(|| jobs_for(&shape, delay, plan.len()));
        for trial in 1..=trials {
            let (wall, requests, failures) = rt.block_on(async {
                let emulator = EmulatorConfig {
                    latency: delay,
                    ..EmulatorConfig::default()
                };
                let target = ActiveTarget::start(&TargetSpec::Embedded(emulator))
                    .await
                    .expect("start the emulator");
                let config = RunConfig {
                    base_url: target.base_url.clone(),
                    target_label: target.label.clone(),
                    profile: profile.clone(),
                    sdkappid: DEFAULT_SDKAPPID,
                    identifier: DEFAULT_ADMIN.to_owned(),
                    credentials: Credentials::Key(SecretKey::new(DEFAULT_TEST_KEY)),
                    jobs,
                    http: HttpSettings::default(),
                    retries: 2,
                    pacing: true,
                    snapshots: SnapshotStore::for_profile(
                        &root.join("snapshots"),
                        &profile,
                        &profile,
                        false,
                    ),
                    run_id: None,
                };
                let runner = Runner::new(suite.clone(), config, Interrupt::default())
                    .expect("build the runner");
                let started = Instant::now();
                let report = runner.run(plan.clone(), Arc::new(Quiet)).await;
                let wall = started.elapsed();
                target.stop().await;
                let failures: Vec<String> = report
                    .cases
                    .iter()
                    .filter(|c| c.outcome != Outcome::Pass)
                    .map(|c| {
                        format!(
                            "{} {:?}: {}",
                            c.id,
                            c.outcome,
                            c.reason.clone().unwrap_or_default()
                        )
                    })
                    .collect();
                (wall, report.requests, failures)
            });
            let exclusive = bound
                .exclusive
                .as_ref()
                .map_or("none".to_owned(), |(l, d)| {
                    format!("{l} {:.2} s", d.as_secs_f64())
                });
            let rates = bound
                .rate_floor
                .as_ref()
                .map_or("none".to_owned(), |(e, d)| {
                    format!("{e} {:.2} s", d.as_secs_f64())
                });
            println!(
                "latency {ms} ms, trial {trial}: wall {:.2} s, {requests} requests (plan {} unbatched), {sized} cases at once; bound {:.2} s (longest case {} {:.2} s; exclusive {exclusive}; rate floor {rates}); wall/bound {:.2}{}",
                wall.as_secs_f64(),
                bound.requests,
                bound.bound().as_secs_f64(),
                bound.longest_case.0,
                bound.longest_case.1.as_secs_f64(),
                wall.as_secs_f64() / bound.bound().as_secs_f64(),
                if ms == 100 { " (target <= 2.00)" } else { "" },
            );
            if !failures.is_empty() {
                failed = true;
                println!("  {} cases did not pass:", failures.len());
                for f in failures.iter().take(20) {
                    println!("    {f}");
                }
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
