//! Load generator: requests/s of the emulator (get_group_attr, modify_group_attr) against a bare
//! axum handler that only returns the success envelope, driven the same way (one reqwest client,
//! keep-alive, 32 concurrent workers, 1 s warm-up, 3 s measured).
//!
//! Run with `cargo bench --bench emulator`.

/// The allocator the `imconform` binary ships with, for both sides of the comparison.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use imconform::auth::usersig::{SigClaims, sign};
use imconform::emulator::{EmulatorConfig, start};
use serde_json::json;

const WORKERS: usize = 32;
const WARM_UP: Duration = Duration::from_secs(1);
const MEASURE: Duration = Duration::from_secs(3);
const GROUPS: usize = 256;
const SUCCESS: &str = r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}"#;

/// Runs `WORKERS` loops of `request(worker, iteration)` and returns completed requests/s over
/// the measured window. A request counts if the response says ErrorCode 0.
async fn drive<F, Fut>(request: F) -> f64
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for worker in 0..WORKERS {
        let (request, measuring, stop, done, failed) = (
            Arc::clone(&request),
            Arc::clone(&measuring),
            Arc::clone(&stop),
            Arc::clone(&done),
            Arc::clone(&failed),
        );
        tasks.push(tokio::spawn(async move {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let ok = request(worker, i).await;
                i += 1;
                if measuring.load(Ordering::Relaxed) {
                    if ok {
                        done.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(WARM_UP).await;
    let started = Instant::now();
    measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(MEASURE).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    let failed = failed.load(Ordering::Relaxed);
    assert_eq!(failed, 0, "{failed} requests did not answer ErrorCode 0");
    done.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64()
}

async fn post_ok(client: &reqwest::Client, url: &str, body: impl Into<reqwest::Body>) -> bool {
    match client.post(url).body(body).send().await {
        Ok(response) => match response.bytes().await {
            Ok(bytes) => bytes.windows(13).any(|w| w == b"\"ErrorCode\":0"),
            Err(_) => false,
        },
        Err(_) => false,
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(WORKERS)
        .build()
        .unwrap();

    // (c) the bare baseline: same server stack, no work.
    let bare_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bare_url = format!("http://{}/v4/bare/ok", bare_listener.local_addr().unwrap());
    let bare = Router::new()
        .fallback(|| async { ([(header::CONTENT_TYPE, "application/json")], SUCCESS) });
    tokio::spawn(async move { axum::serve(bare_listener, bare).await.unwrap() });

    let config = EmulatorConfig {
        api_rate_limits: false,
        write_rate_limit: false,
        ..EmulatorConfig::default()
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let sig = sign(
        &config.key,
        &SigClaims::new(config.sdkappid, "administrator", now, 86400),
    );
    let query = format!(
        "sdkappid={}&identifier=administrator&usersig={sig}&random=42&contenttype=json",
        config.sdkappid
    );
    let emulator = start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let url = |path: &str| format!("{}/v4/{path}?{query}", emulator.base_url());
    let create_url = url("group_open_http_svc/create_group");
    let get_url = Arc::new(url("group_open_attr_http_svc/get_group_attr"));
    let modify_url = Arc::new(url("group_open_http_svc/modify_group_attr"));
    let mut groups = Vec::new();
    for i in 0..GROUPS {
        let id = format!("bench-{i}");
        let body = json!({"Type": "Public", "Name": "bench", "GroupId": id}).to_string();
        assert!(post_ok(&client, &create_url, body).await);
        let attrs = json!({"GroupId": id, "GroupAttr": [{"key": "seat1", "value": "alice"}, {"key": "seat2", "value": "bob"}, {"key": "topic", "value": "x".repeat(64)}]});
        assert!(post_ok(&client, &modify_url, attrs.to_string()).await);
        groups.push(id);
    }

    // Bodies are serialized up front so the generator's own work is the same in every phase.
    let get_bodies: Arc<Vec<Bytes>> = Arc::new(
        groups
            .iter()
            .map(|g| Bytes::from(json!({"GroupId": g}).to_string()))
            .collect(),
    );
    let modify_bodies: Arc<Vec<Bytes>> = Arc::new(
        (0..GROUPS * 4)
            .map(|n| {
                let attrs = [json!({"key": format!("w{}", n % 8), "value": n.to_string()})];
                Bytes::from(json!({"GroupId": groups[n % GROUPS], "GroupAttr": attrs}).to_string())
            })
            .collect(),
    );
    let pick = |worker: usize, i: u64, len: usize| (worker * 131 + i as usize) % len;

    let (c, u, b) = (client.clone(), Arc::new(bare_url), Arc::clone(&get_bodies));
    let bare_rps = drive(move |worker, i| {
        let (c, u) = (c.clone(), Arc::clone(&u));
        let body = b[pick(worker, i, b.len())].clone();
        async move { post_ok(&c, &u, body).await }
    })
    .await;

    let (c, u, b) = (
        client.clone(),
        Arc::clone(&get_url),
        Arc::clone(&get_bodies),
    );
    let get_rps = drive(move |worker, i| {
        let (c, u) = (c.clone(), Arc::clone(&u));
        let body = b[pick(worker, i, b.len())].clone();
        async move { post_ok(&c, &u, body).await }
    })
    .await;

    let (c, u, b) = (
        client.clone(),
        Arc::clone(&modify_url),
        Arc::clone(&modify_bodies),
    );
    let modify_rps = drive(move |worker, i| {
        let (c, u) = (c.clone(), Arc::clone(&u));
        let body = b[pick(worker, i, b.len())].clone();
        async move { post_ok(&c, &u, body).await }
    })
    .await;

    println!("workers: {WORKERS}, warm-up {WARM_UP:?}, measured {MEASURE:?}, groups {GROUPS}");
    println!("bare axum success envelope : {bare_rps:>10.0} req/s");
    println!(
        "emulator get_group_attr    : {get_rps:>10.0} req/s  ratio {:.2}",
        get_rps / bare_rps
    );
    println!(
        "emulator modify_group_attr : {modify_rps:>10.0} req/s  ratio {:.2}",
        modify_rps / bare_rps
    );
    emulator.shutdown().await;
}
