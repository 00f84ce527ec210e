//! Requests/s of the runner against the emulator, versus a plain reqwest loop sending the
//! same requests with the same concurrency.
//!
//! The runner runs every get_group_attr case of `specs/` (fixtures, checks, schemas,
//! snapshots), replicated `ROUNDS` times, `JOBS` cases at a time, pacing off, against an
//! emulator with its rate limits off. The plain loop then replays the very requests the runner
//! recorded (same URLs with a valid sig, same bodies, the group IDs its own create_group calls
//! returned swapped in), case by case on `JOBS` workers, reading each body and nothing more.
//! Trials alternate which side goes first; the median of their ratios is the figure. Each side
//! is set up once, outside the timings: one `Runner` (schemas compiled, client built) and one
//! reqwest `Client`, used by every trial.
//! Target: runner / plain ≥ 0.8.
//!
//! Run with `cargo bench --bench runner`; `BENCH_TRIALS=N` sets the number of trials (single
//! trials on a shared 2-core machine spread widely, so more trials steady the median). For
//! profilers: `BENCH_ROUNDS=N` sets the rounds;
//! `PROFILE_RUNNER_ONLY=N` (or `PROFILE_PLAIN_ONLY=N`) runs one side N more times after the
//! warm-up and nothing else, so `perf record` or `valgrind --tool=callgrind` sees one side.

/// The allocator the `imconform` binary ships with, for both sides of the comparison.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use imconform::auth::signer::{Credentials, unix_now};
use imconform::auth::usersig::{SecretKey, SigClaims, sign};
use imconform::check::SnapshotStore;
use imconform::emulator::{DEFAULT_ADMIN, DEFAULT_SDKAPPID, DEFAULT_TEST_KEY, EmulatorConfig};
use imconform::http::HttpSettings;
use imconform::result::Outcome;
use imconform::runner::{Interrupt, Quiet, RunConfig, Runner, select};
use imconform::spec::{Suite, load_suite};

const JOBS: usize = 16;
const ROUNDS: usize = 150;
const TRIALS: usize = 15;

fn emulator_config() -> EmulatorConfig {
    EmulatorConfig {
        api_rate_limits: false,
        write_rate_limit: false,
        ..EmulatorConfig::default()
    }
}

struct Measured {
    requests: u64,
    elapsed: Duration,
    /// CPU seconds the whole process used meanwhile (harness, client and emulator).
    cpu_secs: f64,
}

impl Measured {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// One request the runner sent: method, URL with a real sig, body, and the GroupId its
/// response created (create_group), so a replay can swap in the group it creates itself.
type Sent = (String, String, String, Option<String>);
/// One case's requests, in order.
type Recorded = Vec<Sent>;

/// The runner both sides' trials share: built once, as the plain loop builds its client once.
fn make_runner(suite: &Arc<Suite>, base_url: &str) -> Runner {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let profile = suite.service.default_profile.clone();
    let config = RunConfig {
        base_url: base_url.to_owned(),
        target_label: base_url.to_owned(),
        profile: profile.clone(),
        sdkappid: DEFAULT_SDKAPPID,
        identifier: DEFAULT_ADMIN.to_owned(),
        credentials: Credentials::Key(SecretKey::new(DEFAULT_TEST_KEY)),
        jobs: Some(JOBS),
        http: HttpSettings::default(),
        retries: 0,
        pacing: false,
        snapshots: SnapshotStore::for_profile(&root.join("snapshots"), &profile, &profile, false),
        run_id: None,
    };
    Runner::new(suite.clone(), config, Interrupt::default()).expect("runner")
}

async fn run_runner(suite: &Suite, runner: &Runner) -> (Measured, Vec<Recorded>) {
    let profile = &suite.service.default_profile;
    let cases = select(suite.plan(profile), &["get_group_attr".to_owned()]);
    let rounds = env_number("BENCH_ROUNDS").unwrap_or(ROUNDS);
    let planned: Vec<_> = (0..rounds).flat_map(|_| cases.iter().cloned()).collect();
    let cpu_before = cpu_secs();
    let started = Instant::now();
    let report = runner.run(planned, Arc::new(Quiet)).await;
    let elapsed = started.elapsed();
    let cpu_secs = cpu_secs() - cpu_before;
    let not_passed: Vec<_> = report
        .cases
        .iter()
        .filter(|c| !matches!(c.outcome, Outcome::Pass | Outcome::Skip))
        .map(|c| (&c.id, &c.reason))
        .collect();
    assert!(not_passed.is_empty(), "cases failed: {not_passed:?}");
    let requests = report
        .cases
        .iter()
        .flat_map(|c| &c.steps)
        .map(|s| u64::from(s.attempts))
        .sum();
    let sig = sign(
        &SecretKey::new(DEFAULT_TEST_KEY),
        &SigClaims::new(DEFAULT_SDKAPPID, DEFAULT_ADMIN, unix_now(), 86_400),
    );
    let recorded = report
        .cases
        .iter()
        .map(|c| {
            c.steps
                .iter()
                .map(|s| {
                    let created = s
                        .response
                        .as_ref()
                        .filter(|_| s.call == "create_group")
                        .and_then(|r| r.json())
                        .and_then(|j| j["GroupId"].as_str().map(str::to_owned));
                    (
                        s.request.method.clone(),
                        s.request
                            .url
                            .replace("usersig=<redacted>", &format!("usersig={sig}")),
                        s.request.body.clone(),
                        created,
                    )
                })
                .collect()
        })
        .collect();
    (
        Measured {
            requests,
            elapsed,
            cpu_secs,
        },
        recorded,
    )
}

fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .tcp_nodelay(true)
        .build()
        .unwrap()
}

async fn run_plain(client: &reqwest::Client, cases: Vec<Recorded>) -> Measured {
    let queue = Arc::new(Mutex::new(VecDeque::from(cases)));
    let cpu_before = cpu_secs();
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..JOBS {
        let (client, queue) = (client.clone(), queue.clone());
        workers.push(tokio::spawn(async move {
            let mut sent = 0u64;
            loop {
                let Some(case) = queue.lock().unwrap().pop_front() else {
                    break;
                };
                // The runner's group IDs, and the ones this replay got for the same requests.
                let mut swaps: Vec<(String, String)> = Vec::new();
                for (method, mut url, mut body, created) in case {
                    for (old, new) in &swaps {
                        url = url.replace(old.as_str(), new);
                        body = body.replace(old.as_str(), new);
                    }
                    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
                    let response = client
                        .request(method, &url)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .expect("the emulator answers");
                    let bytes = response.bytes().await.expect("a body");
                    assert!(!bytes.is_empty());
                    if let Some(old) = created {
                        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                        if let Some(new) = v["GroupId"].as_str() {
                            swaps.push((old, new.to_owned()));
                        }
                    }
                    sent += 1;
                }
            }
            sent
        }));
    }
    let mut requests = 0;
    for w in workers {
        requests += w.await.unwrap();
    }
    Measured {
        requests,
        elapsed: started.elapsed(),
        cpu_secs: cpu_secs() - cpu_before,
    }
}

fn env_number(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|n| n.parse().ok())
}

/// CPU seconds (user and system) this process has used so far.
fn cpu_secs() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let suite = Arc::new(load_suite(&root.join("specs")).expect("specs load"));
        let runner_target =
            imconform::emulator::start(emulator_config(), "127.0.0.1:0".parse().unwrap())
                .await
                .unwrap();
        let runner = make_runner(&suite, &runner_target.base_url());
        let client = plain_client();
        // Warm-up: one round through both paths (connections, caches, page cache).
        let (_, warm) = run_runner(&suite, &runner).await;
        if let Some(n) = env_number("PROFILE_RUNNER_ONLY") {
            for _ in 0..n {
                let _ = run_runner(&suite, &runner).await;
            }
            return;
        }
        let plain_target =
            imconform::emulator::start(emulator_config(), "127.0.0.1:0".parse().unwrap())
                .await
                .unwrap();
        let rebase = |cases: Vec<Recorded>, to: &str| -> Vec<Recorded> {
            cases
                .into_iter()
                .map(|c| {
                    c.into_iter()
                        .map(|(m, u, b, g)| (m, u.replace(&runner_target.base_url(), to), b, g))
                        .collect()
                })
                .collect()
        };
        let mut recorded = warm;
        let _ = run_plain(&client, rebase(recorded.clone(), &plain_target.base_url())).await;
        if let Some(n) = env_number("PROFILE_PLAIN_ONLY") {
            for _ in 0..n {
                let _ = run_plain(&client, rebase(recorded.clone(), &plain_target.base_url())).await;
            }
            return;
        }

        // Trials alternate which side goes first, so drift over the run (heap growth, the
        // machine's other load) does not favour one side.
        let mut ratios = Vec::new();
        let mut cpu_ratios = Vec::new();
        let trials = env_number("BENCH_TRIALS").unwrap_or(TRIALS);
        for trial in 1..=trials {
            let (runner, plain) = if trial % 2 == 1 {
                let (runner, next) = run_runner(&suite, &runner).await;
                recorded = next;
                let plain = run_plain(&client, rebase(recorded.clone(), &plain_target.base_url())).await;
                (runner, plain)
            } else {
                let plain = run_plain(&client, rebase(recorded.clone(), &plain_target.base_url())).await;
                let (runner, next) = run_runner(&suite, &runner).await;
                recorded = next;
                (runner, plain)
            };
            let ratio = runner.rps() / plain.rps();
            // CPU per request, plain over runner: how much more work a runner request costs.
            let cpu_ratio = (plain.cpu_secs / plain.requests as f64)
                / (runner.cpu_secs / runner.requests as f64);
            println!(
                "trial {trial}: runner {} requests in {:.2?} = {:.0} req/s ({:.2} s CPU); plain reqwest {} requests in {:.2?} = {:.0} req/s ({:.2} s CPU); ratio {:.2}",
                runner.requests,
                runner.elapsed,
                runner.rps(),
                runner.cpu_secs,
                plain.requests,
                plain.elapsed,
                plain.rps(),
                plain.cpu_secs,
                ratio
            );
            ratios.push(ratio);
            cpu_ratios.push(cpu_ratio);
        }
        ratios.sort_by(f64::total_cmp);
        cpu_ratios.sort_by(f64::total_cmp);
        println!(
            "median ratio runner/plain: {:.2} (target >= 0.80; {JOBS} jobs, pacing off, {trials} trials, range {:.2}..{:.2}); CPU per request plain/runner: {:.2}",
            ratios[trials / 2],
            ratios[0],
            ratios[trials - 1],
            cpu_ratios[trials / 2],
        );
        runner_target.shutdown().await;
        plain_target.shutdown().await;
    });
}
