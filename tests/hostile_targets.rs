//! Issue "reliability": against misbehaving targets the binary finishes in bounded time,
//! marks each affected case failed or error with a clear reason, never panics, and still
//! writes every report. Each target is a raw server on 127.0.0.1 writing bytes by hand.

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

const KEY: &str = imconform::emulator::DEFAULT_TEST_KEY;
/// The cases each hostile run selects: one with a fixture (setup and teardown), one without.
const CASES: [&str; 2] = ["probe::passes", "probe::wrong_code"];
/// Wall-time bound of one run: `--timeout 1 --retries 1`, two steps at most per case.
const BOUND: Duration = Duration::from_secs(15);

struct Hostile {
    run: CliRun,
    junit: String,
    json: Value,
    markdown: String,
    /// Peak resident memory of the run, in KiB, as last seen in /proc.
    peak_kib: Option<u64>,
}

/// Runs the binary against `target`, polling its peak memory while it runs.
fn run_against(target: &str) -> Hostile {
    let dir = tempdir();
    let key = dir.path().join("key");
    std::fs::write(&key, KEY).unwrap();
    let report = |name: &str| dir.path().join(name).display().to_string();
    let specs = runner_specs().display().to_string();
    let mut cmd = command();
    cmd.args(["run", "--specs", &specs, "--target", target])
        .args(["--key-file", &key.display().to_string()])
        .args(["--timeout", "1", "--retries", "1", "--jobs", "4"])
        .args(["--snapshots", &report("snapshots")])
        .args(["--report", &format!("junit={}", report("junit.xml"))])
        .args(["--report", &format!("json={}", report("report.json"))])
        .args(["--report", &format!("markdown={}", report("report.md"))]);
    for c in CASES {
        cmd.args(["--filter", c]);
    }
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak_kib = None;
    // Poll memory until the process ends (or far past the bound, then kill it).
    while child.try_wait().unwrap().is_none() {
        if let Some(kib) = peak_rss_kib(pid) {
            peak_kib = Some(kib);
        }
        if started.elapsed() > BOUND * 3 {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let run = CliRun::from_output(out, started.elapsed());
    let read_or_panic = |name: &str| {
        let path = dir.path().join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("report {name} not written ({e})\n{}", run.all()))
    };
    let junit = read_or_panic("junit.xml");
    let markdown = read_or_panic("report.md");
    let json = serde_json::from_str(&read_or_panic("report.json")).expect("JSON report parses");
    Hostile {
        run,
        junit,
        json,
        markdown,
        peak_kib,
    }
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The plain case ends `outcome`, the case with a fixture ends `error` (a fixture the target
/// would not make is a harness problem, whatever the target did), both with a reason
/// containing `reason`; the run ended in time without a panic, with the matching exit code,
/// and every report names both cases.
fn assert_contained(h: &Hostile, outcome: &str, reason: &str) {
    let all = h.run.all();
    assert!(h.run.elapsed < BOUND, "took too long: {all}");
    assert!(!h.run.stderr.contains("panicked"), "{all}");
    let want_code = if outcome == "fail" { 1 } else { 3 };
    assert_eq!(h.run.code, Some(want_code), "{all}");
    for (id, want) in [("probe::wrong_code", outcome), ("probe::passes", "error")] {
        let case = json_case(&h.json, id);
        assert_eq!(case["outcome"], want, "{id}: {case:#}\n{all}");
        let text = case["reason"].as_str().unwrap_or_default();
        assert!(
            text.contains(reason),
            "{id}: reason {text:?} lacks {reason:?}"
        );
        let name = id.split("::").nth(1).unwrap();
        assert!(
            h.junit
                .contains(&format!(r#"<testcase name="{name}" classname="probe""#)),
            "{}",
            h.junit
        );
        assert!(h.markdown.contains(&format!("`{id}`")), "{}", h.markdown);
        assert!(h.run.stdout.contains(id), "{all}");
    }
    let passes = json_case(&h.json, "probe::passes")["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        passes.contains("fixture `t` (thing) could not be made: "),
        "{passes}"
    );
    let failures = usize::from(outcome == "fail");
    assert_eq!(
        h.junit.matches("<failure message=").count(),
        failures,
        "{}",
        h.junit
    );
    assert_eq!(
        h.junit.matches("<error message=").count(),
        2 - failures,
        "{}",
        h.junit
    );
    assert_eq!(h.json["interrupted"], false);
}

#[test]
fn connection_refused() {
    let h = run_against(&refused_url());
    assert_contained(&h, "error", "could not connect to the target");
    // A refused connection is retried once (`--retries 1`).
    let step = &json_case(&h.json, "probe::wrong_code")["steps"][0];
    assert_eq!(step["attempts"], 2);
}

#[test]
fn reset_in_the_middle_of_a_body() {
    let server = RawServer::start(|_| {
        Reply::ResetAfter(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"ActionStatus\":\"OK\",\"Err"
                .to_vec(),
        )
    });
    let h = run_against(&server.url());
    assert_contained(
        &h,
        "error",
        "the connection failed while reading the response",
    );
}

#[test]
fn a_server_that_accepts_and_never_answers() {
    let server = RawServer::start(|_| Reply::Hang);
    let h = run_against(&server.url());
    assert_contained(&h, "error", "timed out after 1s");
    // A timeout is not retried: the request may have had its effect.
    let step = &json_case(&h.json, "probe::wrong_code")["steps"][0];
    assert_eq!(step["attempts"], 1);
}

#[test]
fn headers_that_never_end() {
    let server = RawServer::start(|_| Reply::EndlessHeaders);
    let h = run_against(&server.url());
    assert_contained(&h, "error", "timed out after 1s");
}

#[test]
fn http_502_with_an_html_body() {
    let html = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";
    let server = RawServer::start(move |_| Reply::Raw(http("502 Bad Gateway", "text/html", html)));
    let h = run_against(&server.url());
    assert_contained(&h, "fail", "http status: expected HTTP 200, got HTTP 502");
    let reason = json_case(&h.json, "probe::wrong_code")["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        reason.contains("got a body that is not JSON: \"<html>"),
        "{reason}"
    );
}

#[test]
fn http_500_with_an_html_body() {
    let server = RawServer::start(|_| {
        Reply::Raw(http(
            "500 Internal Server Error",
            "text/html; charset=utf-8",
            b"<!DOCTYPE html><p>Internal Server Error</p>",
        ))
    });
    let h = run_against(&server.url());
    assert_contained(&h, "fail", "http status: expected HTTP 200, got HTTP 500");
}

#[test]
fn a_body_that_is_not_json() {
    let server = RawServer::start(|_| Reply::Raw(http("200 OK", "application/json", b"OK")));
    let h = run_against(&server.url());
    assert_contained(&h, "fail", "got a body that is not JSON: \"OK\"");
}

#[test]
fn truncated_json() {
    let server = RawServer::start(|_| {
        Reply::Raw(http(
            "200 OK",
            "application/json",
            br#"{"ActionStatus":"OK","ErrorCode":0,"Err"#,
        ))
    });
    let h = run_against(&server.url());
    assert_contained(
        &h,
        "fail",
        "got a body that is not JSON: \"{\\\"ActionStatus\\\"",
    );
}

#[test]
fn a_100_mb_body_is_cut_at_the_cap_and_memory_stays_bounded() {
    const HUNDRED_MB: u64 = 100 * 1024 * 1024;
    let server = RawServer::start(|_| Reply::Huge(HUNDRED_MB));
    let h = run_against(&server.url());
    assert_contained(&h, "fail", "got a body cut at the response cap");
    // The harness stopped reading at the 4 MiB cap: the server could not push the whole body
    // (what it did write sat in socket buffers).
    let written = server.bytes_written();
    assert!(written < HUNDRED_MB / 2, "the server wrote {written} bytes");
    let peak = h.peak_kib.expect("memory was sampled");
    eprintln!("100 MB body: server wrote {written} bytes; harness peak RSS {peak} KiB");
    assert!(peak < 96 * 1024, "peak resident memory {peak} KiB");
    // Reports keep only the first 64 KiB of a body.
    let body = json_case(&h.json, "probe::wrong_code")["steps"][0]["response"]["body"]
        .as_str()
        .unwrap()
        .len();
    assert!(body < 80 * 1024, "recorded body of {body} bytes");
    assert_eq!(
        json_case(&h.json, "probe::wrong_code")["steps"][0]["response"]["truncated"],
        true
    );
}

#[test]
fn a_wrong_content_type() {
    let server = RawServer::start(|req| {
        let body = match req.command() {
            "make_thing" => r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ThingId":"t"}"#,
            _ => r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","Value":1}"#,
        };
        Reply::Raw(http("200 OK", "text/html", body.as_bytes()))
    });
    let h = run_against(&server.url());
    // The fixture cannot be made (its setup fails the check): the case with a fixture is a
    // harness error, the plain case a contract failure.
    let all = h.run.all();
    assert_eq!(h.run.code, Some(1), "{all}");
    assert!(h.run.elapsed < BOUND, "{all}");
    let plain = json_case(&h.json, "probe::wrong_code");
    assert_eq!(plain["outcome"], "fail");
    assert_eq!(
        plain["reason"],
        "step 1 (probe): content type: expected Content-Type application/json, got \"text/html\""
    );
    let fixture = json_case(&h.json, "probe::passes");
    assert_eq!(fixture["outcome"], "error");
    assert!(
        fixture["reason"]
            .as_str()
            .unwrap()
            .contains("could not be made: content type: expected Content-Type application/json"),
        "{fixture:#}"
    );
}

#[test]
fn a_redirect_loop_is_not_followed() {
    let server = RawServer::start(|req| {
        let location = format!("{}?{}", req.path, req.query);
        Reply::Raw(
            format!(
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .into_bytes(),
        )
    });
    let h = run_against(&server.url());
    assert_contained(&h, "fail", "http status: expected HTTP 200, got HTTP 302");
    // One request per step attempt: the client never followed a Location.
    let requests = server.requests().len();
    assert!(requests <= 3, "{requests} requests");
    // The Location echoed the usersig; no report shows it.
    assert!(!h.junit.contains("eJy") && !h.markdown.contains("eJy"));
}

#[test]
fn tls_spoken_to_a_plain_http_port() {
    let server = RawServer::start(|_| {
        Reply::Raw(http(
            "400 Bad Request",
            "text/plain",
            b"this is a plain HTTP port",
        ))
    });
    let h = run_against(&format!("https://{}", server.addr));
    assert_contained(&h, "error", "could not connect to the target");
    // What came in was a TLS ClientHello, not an HTTP request.
    let first = &server.requests()[0];
    assert!(
        !first.complete && first.head.first() == Some(&0x16),
        "{first:?}"
    );
}

#[test]
fn plain_http_to_a_port_that_answers_with_tls_garbage() {
    // A TLS alert record (handshake failure), then noise.
    let server = RawServer::start(|_| {
        let mut bytes = vec![0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];
        bytes.extend_from_slice(&[
            0x16, 0x03, 0x01, 0x00, 0x31, 0x02, 0x00, 0x00, 0x2d, 0x03, 0x03,
        ]);
        Reply::Raw(bytes)
    });
    let h = run_against(&server.url());
    assert_contained(&h, "error", "the request failed");
}

#[test]
fn every_case_of_a_run_against_a_dead_port_finishes_quickly() {
    // The whole real suite against a refused port, to bound the run as a whole.
    let dir = tempdir();
    let key = dir.path().join("key");
    std::fs::write(&key, KEY).unwrap();
    let json = dir.path().join("report.json");
    let run = run_cli(&[
        "run",
        "--specs",
        &real_specs().display().to_string(),
        "--snapshots",
        &dir.path().join("snapshots").display().to_string(),
        "--target",
        &refused_url(),
        "--key-file",
        &key.display().to_string(),
        "--timeout",
        "1",
        "--retries",
        "0",
        "--no-pacing",
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_eq!(run.code, Some(3), "{}", run.all());
    assert!(run.elapsed < Duration::from_secs(30), "{}", run.all());
    let report = read_json(&json);
    let cases = report["cases"].as_array().unwrap();
    assert!(cases.len() > 200, "{} cases", cases.len());
    assert!(
        cases
            .iter()
            .all(|c| c["outcome"] == "error" || c["outcome"] == "skip")
    );
    assert!(Path::new(&json).exists());
}
