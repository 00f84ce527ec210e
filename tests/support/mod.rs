//! Shared helpers for the runner and reliability tests: a raw HTTP/1.1 target on 127.0.0.1 that
//! writes exactly the bytes a test asks for (or misbehaves on purpose), a probe handler that
//! answers the suite in `tests/fixtures/runner_specs`, run configs, and the built binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use imconform::auth::signer::Credentials;
use imconform::auth::usersig::SecretKey;
use imconform::check::SnapshotStore;
use imconform::http::HttpSettings;
use imconform::runner::RunConfig;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const SDKAPPID: u64 = 1_400_000_000;
pub const ADMIN: &str = "administrator";

/// The suite the in-test targets answer.
pub fn runner_specs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runner_specs")
}

pub fn real_specs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("specs")
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_imconform")
}

/// One request as the raw target read it.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// False when no `\r\n\r\n` came (e.g. a TLS ClientHello): `head` holds what was read.
    pub complete: bool,
    pub head: Vec<u8>,
}

impl Request {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The last path segment: `make_thing` for `/v4/test/make_thing`.
    pub fn command(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or("")
    }
}

/// What the raw target does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Write these bytes, then close.
    Raw(Vec<u8>),
    /// Wait, then write these bytes and close.
    Delayed(Duration, Vec<u8>),
    /// Never answer; keep the connection open until the server stops.
    Hang,
    /// Write these bytes, then reset the connection (RST, not FIN).
    ResetAfter(Vec<u8>),
    /// A status line, then header lines forever (one every 50 ms), never the blank line.
    EndlessHeaders,
    /// HTTP 200 with `Content-Length: n` and then zeros until `n` or until the client leaves.
    Huge(u64),
    /// Close at once without writing.
    Close,
}

pub type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// A target on 127.0.0.1 running on its own thread and runtime, so a test may block on a
/// child process while it serves. Stops when dropped.
pub struct RawServer {
    pub addr: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    connections: Arc<AtomicUsize>,
    bytes_written: Arc<AtomicU64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RawServer {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> RawServer {
        Self::start_with(Arc::new(handler))
    }

    pub fn start_with(handler: Handler) -> RawServer {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let bytes_written = Arc::new(AtomicU64::new(0));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let (r, c, b) = (requests.clone(), connections.clone(), bytes_written.clone());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::from_std(std_listener).unwrap();
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            c.fetch_add(1, Ordering::SeqCst);
                            let (handler, r, b) = (handler.clone(), r.clone(), b.clone());
                            tokio::spawn(serve_connection(stream, handler, r, b));
                        }
                    }
                }
            });
            rt.shutdown_timeout(Duration::from_millis(100));
        });
        RawServer {
            addr,
            requests,
            connections,
            bytes_written,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// How many requests for `command` (the last path segment) arrived.
    pub fn count(&self, command: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.command() == command)
            .count()
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn bytes_written(&self) -> u64 {
        self.bytes_written.load(Ordering::SeqCst)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn serve_connection(
    mut stream: TcpStream,
    handler: Handler,
    requests: Arc<Mutex<Vec<Request>>>,
    written: Arc<AtomicU64>,
) {
    let request = read_request(&mut stream).await;
    requests.lock().unwrap().push(request.clone());
    match handler(&request) {
        Reply::Raw(bytes) => write_all(&mut stream, &bytes, &written).await,
        Reply::Delayed(d, bytes) => {
            tokio::time::sleep(d).await;
            write_all(&mut stream, &bytes, &written).await;
        }
        Reply::Hang => tokio::time::sleep(Duration::from_secs(3600)).await,
        Reply::ResetAfter(bytes) => {
            write_all(&mut stream, &bytes, &written).await;
            let _ = stream.flush().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            reset(stream);
            return;
        }
        Reply::EndlessHeaders => {
            write_all(&mut stream, b"HTTP/1.1 200 OK\r\n", &written).await;
            for i in 0u64.. {
                let line = format!("X-Still-Coming-{i}: yes\r\n");
                if stream.write_all(line.as_bytes()).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Reply::Huge(n) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {n}\r\nConnection: close\r\n\r\n"
            );
            write_all(&mut stream, head.as_bytes(), &written).await;
            let chunk = vec![b' '; 64 * 1024];
            let mut left = n;
            while left > 0 {
                let len = left.min(chunk.len() as u64) as usize;
                if stream.write_all(&chunk[..len]).await.is_err() {
                    return;
                }
                written.fetch_add(len as u64, Ordering::SeqCst);
                left -= len as u64;
            }
        }
        Reply::Close => return,
    }
    let _ = stream.shutdown().await;
}

async fn write_all(stream: &mut TcpStream, bytes: &[u8], written: &AtomicU64) {
    if stream.write_all(bytes).await.is_ok() {
        written.fetch_add(bytes.len() as u64, Ordering::SeqCst);
    }
}

fn reset(stream: TcpStream) {
    let std = stream.into_std().unwrap();
    set_zero_linger(&std);
    drop(std);
}

/// SO_LINGER with a zero timeout, so closing sends RST.
fn set_zero_linger(stream: &std::net::TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid fd and a correctly sized `linger` struct.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

/// Reads a request head and a `Content-Length` body; gives up waiting for a head after 300 ms
/// (what came is kept in `head`).
async fn read_request(stream: &mut TcpStream) -> Request {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + Duration::from_millis(300);
    let head_end = loop {
        if let Some(p) = find(&buf, b"\r\n\r\n") {
            break Some(p);
        }
        match tokio::time::timeout_at(deadline, stream.read(&mut tmp)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break None,
            Ok(Ok(n)) => buf.extend_from_slice(&tmp[..n]),
        }
    };
    let Some(end) = head_end else {
        return Request {
            head: buf,
            ..Request::default()
        };
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_owned();
    let target = first.next().unwrap_or("").to_owned();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target, String::new()),
    };
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[end + 4..].to_vec();
    while body.len() < len {
        match tokio::time::timeout(Duration::from_secs(2), stream.read(&mut tmp)).await {
            Ok(Ok(n)) if n > 0 => body.extend_from_slice(&tmp[..n]),
            _ => break,
        }
    }
    Request {
        method,
        path,
        query,
        headers,
        body,
        complete: true,
        head: buf[..end].to_vec(),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A complete HTTP/1.1 response that closes the connection.
pub fn http(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

pub fn json_reply(v: &Value) -> Reply {
    Reply::Raw(http("200 OK", "application/json", v.to_string().as_bytes()))
}

pub fn ok_envelope(extra: Value) -> Value {
    let mut v = json!({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""});
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    v
}

/// How long `Mode: slow` probes take.
pub const SLOW: Duration = Duration::from_millis(700);

/// Answers `tests/fixtures/runner_specs`: `make_thing` and `drop_thing` succeed; `probe` does
/// what the body's `Mode` says: `ok`, `schema` (Value of the wrong type), `code` (10004),
/// `hang`, `text` (a body that is not JSON), `slow` (`SLOW`, then ok).
pub fn probe_reply(req: &Request) -> Reply {
    match req.command() {
        "make_thing" => json_reply(&ok_envelope(json!({"ThingId": "thing-1"}))),
        "drop_thing" => json_reply(&ok_envelope(json!({}))),
        "probe" => match req.json()["Mode"].as_str().unwrap_or("") {
            "ok" => json_reply(&ok_envelope(json!({"Value": 1}))),
            "schema" => json_reply(&ok_envelope(json!({"Value": "one"}))),
            "code" => json_reply(&json!({
                "ActionStatus": "FAIL", "ErrorCode": 10004, "ErrorInfo": "bad parameter"
            })),
            "hang" => Reply::Hang,
            "text" => Reply::Raw(http("200 OK", "text/plain", b"hello, not json")),
            "slow" => Reply::Delayed(
                SLOW,
                http(
                    "200 OK",
                    "application/json",
                    ok_envelope(json!({"Value": 1})).to_string().as_bytes(),
                ),
            ),
            other => panic!("the probe target has no mode {other:?}"),
        },
        other => json_reply(&json!({
            "ActionStatus": "FAIL", "ErrorCode": 60009, "ErrorInfo": format!("no {other}")
        })),
    }
}

/// A port on 127.0.0.1 nothing listens on (bound, then released).
pub fn refused_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

/// A library run config for `base_url`, with short timeouts and no pacing.
pub fn config(base_url: &str, snapshots: &Path, timeout: Duration, retries: u32) -> RunConfig {
    RunConfig {
        base_url: base_url.to_owned(),
        target_label: base_url.to_owned(),
        profile: "current".to_owned(),
        sdkappid: SDKAPPID,
        identifier: ADMIN.to_owned(),
        credentials: Credentials::Key(SecretKey::new(imconform::emulator::DEFAULT_TEST_KEY)),
        jobs: Some(4),
        http: HttpSettings {
            timeout,
            connect_timeout: timeout,
            ..HttpSettings::default()
        },
        retries,
        pacing: false,
        snapshots: SnapshotStore::new(snapshots.to_path_buf(), false),
        run_id: Some("0badc0de".to_owned()),
    }
}

/// What a run of the binary left behind.
pub struct CliRun {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl CliRun {
    pub fn from_output(out: Output, elapsed: Duration) -> CliRun {
        CliRun {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed,
        }
    }

    pub fn all(&self) -> String {
        format!(
            "exit {:?} after {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// A `Command` for the binary with no IMCONFORM_* variables from the environment.
pub fn command() -> Command {
    let mut cmd = Command::new(bin());
    for (k, _) in std::env::vars() {
        if k.starts_with("IMCONFORM_") {
            cmd.env_remove(k);
        }
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// Runs the binary to the end.
pub fn run_cli(args: &[&str]) -> CliRun {
    let started = Instant::now();
    let out = command().args(args).output().expect("the binary runs");
    CliRun::from_output(out, started.elapsed())
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("imconform-test-")
        .tempdir()
        .unwrap()
}

/// Copies a directory tree (spec suites are small).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses a JSON report file.
pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The case with this id in a JSON report.
pub fn json_case<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no case {id} in the JSON report"))
}
