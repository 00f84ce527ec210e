//! Ctrl-C: SIGINT to a running `imconform run` tears down the running cases' fixtures, writes
//! the reports for what finished, and exits 130.

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use support::*;

const KEY: &str = imconform::emulator::DEFAULT_TEST_KEY;

fn sigint(pid: u32) {
    // SAFETY: sending a signal to a child process this test started and has not reaped.
    let rc = unsafe { libc::kill(pid as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0, "kill -INT {pid}");
}

fn wait_until(what: &str, deadline: Duration, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn slow_probes(server: &RawServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.command() == "probe" && r.json()["Mode"] == "slow")
        .count()
}

#[test]
fn sigint_tears_down_writes_reports_and_exits_130() {
    let server = RawServer::start(probe_reply);
    let dir = tempdir();
    let key = dir.path().join("key");
    std::fs::write(&key, KEY).unwrap();
    let json = dir.path().join("report.json");
    let junit = dir.path().join("junit.xml");
    let started = Instant::now();
    let mut child = command()
        .args(["run", "--specs", &runner_specs().display().to_string()])
        .args(["--target", &server.url()])
        .args(["--key-file", &key.display().to_string()])
        .args([
            "--snapshots",
            &dir.path().join("snaps").display().to_string(),
        ])
        .args(["--timeout", "5", "--retries", "0", "--jobs", "4"])
        .args(["--filter", "probe::slow", "--filter", "probe::passes"])
        .args(["--filter", "probe::wrong_code"])
        .args(["--report", &format!("json={}", json.display())])
        .args(["--report", &format!("junit={}", junit.display())])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Interrupt while the slow case is in its first step and the other two have finished
    // (their fixture torn down: one drop_thing seen).
    wait_until(
        "the first slow step and the quick cases",
        Duration::from_secs(20),
        || {
            slow_probes(&server) >= 1
                && server.count("drop_thing") >= 1
                && server.count("probe") >= 2
        },
    );
    std::thread::sleep(Duration::from_millis(150));
    sigint(child.id());

    let pid = child.id();
    let mut waited = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if waited.elapsed() > Duration::from_secs(15) {
            let _ = child.kill();
            waited = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    let run = CliRun::from_output(out, started.elapsed());
    let all = format!("pid {pid}\n{}", run.all());
    assert_eq!(run.code, Some(130), "{all}");
    assert!(run.stderr.contains("interrupted"), "{all}");

    // Teardown ran: the three fixtures made (passes, slow, slow_again: `probe::slow` selects
    // both slow cases) were all dropped.
    assert_eq!(server.count("make_thing"), 3, "{all}");
    assert_eq!(server.count("drop_thing"), 3, "{all}");
    // The slow cases stopped after the step in flight: 3 + 2 steps were planned.
    let slow = slow_probes(&server);
    assert!(
        slow <= 2,
        "{slow} slow steps ran: the interrupt did not stop the cases"
    );

    // The reports were written, with the finished cases and the interruption.
    let report = read_json(&json);
    assert_eq!(report["interrupted"], true);
    assert_eq!(json_case(&report, "probe::passes")["outcome"], "pass");
    assert_eq!(json_case(&report, "probe::wrong_code")["outcome"], "fail");
    let slow_case = json_case(&report, "probe::slow");
    assert_eq!(slow_case["outcome"], "skip", "{slow_case:#}");
    assert_eq!(slow_case["reason"], "run interrupted");
    let teardown: Vec<_> = slow_case["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["phase"] == "teardown")
        .collect();
    assert_eq!(teardown.len(), 1, "{slow_case:#}");
    assert_eq!(teardown[0]["call"], "drop_thing");
    let xml = read(&junit);
    assert!(
        xml.contains(r#"<testcase name="wrong_code" classname="probe""#),
        "{xml}"
    );
}

#[test]
fn no_case_starts_after_sigint_and_nothing_is_left_behind() {
    // One job: `probe::slow` and `probe::slow_again` run one after the other; the interrupt
    // comes during the first one's first step, so the second never starts.
    let server = RawServer::start(probe_reply);
    let dir = tempdir();
    let key = dir.path().join("key");
    std::fs::write(&key, KEY).unwrap();
    let json = dir.path().join("report.json");
    let mut child = command()
        .args(["run", "--specs", &runner_specs().display().to_string()])
        .args(["--target", &server.url()])
        .args(["--key-file", &key.display().to_string()])
        .args([
            "--snapshots",
            &dir.path().join("snaps").display().to_string(),
        ])
        .args(["--timeout", "5", "--retries", "0", "--jobs", "1"])
        .args(["--filter", "probe::slow"])
        .args(["--report", &format!("json={}", json.display())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("the first slow step", Duration::from_secs(20), || {
        slow_probes(&server) >= 1
    });
    sigint(child.id());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(15) {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(130));
    let report = read_json(&json);
    assert_eq!(report["interrupted"], true);
    let cases = report["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{report:#}");
    assert_eq!(cases[0]["outcome"], "skip");
    assert_eq!(slow_probes(&server), 1);
    assert_eq!(server.count("make_thing"), 1);
    assert_eq!(server.count("drop_thing"), 1);
}
