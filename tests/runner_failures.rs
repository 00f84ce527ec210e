//! Issue "runner": for each kind of failure, the report names the case, the step and the
//! reason, in the RunReport and in the terminal, JUnit and JSON output; exit codes; and a run
//! against a separately started `imconform serve`.

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use imconform::result::{CaseReport, Outcome, RunReport};
use imconform::runner::{Interrupt, Quiet, Runner, select};
use imconform::spec::load_suite;
use support::*;

const KEY: &str = imconform::emulator::DEFAULT_TEST_KEY;

/// Every probe case but the slow one.
const KINDS: [&str; 6] = [
    "probe::passes",
    "probe::schema_violation",
    "probe::wrong_code",
    "probe::snapshot_mismatch",
    "probe::timeout",
    "probe::not_json",
];

fn recorded_snapshot(dir: &std::path::Path) {
    std::fs::write(
        dir.join("probe.ok.snap"),
        "---\nsource: \"probe.yaml\"\nexpression: \"probe::snapshot_mismatch step 1 (probe)\"\n---\n{\n  \"ActionStatus\": \"OK\",\n  \"ErrorCode\": 0,\n  \"ErrorInfo\": \"\",\n  \"Value\": 2\n}\n",
    )
    .unwrap();
}

async fn run_library(base_url: &str, snapshots: &std::path::Path, ids: &[&str]) -> RunReport {
    let suite = Arc::new(load_suite(&runner_specs()).expect("the runner suite loads"));
    let filters: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    let cases = select(suite.plan("current"), &filters);
    assert_eq!(cases.len(), ids.len(), "every id selects one case");
    let config = config(base_url, snapshots, Duration::from_secs(1), 0);
    let runner = Runner::new(suite, config, Interrupt::default()).expect("runner");
    runner.run(cases, Arc::new(Quiet)).await
}

fn case<'a>(report: &'a RunReport, id: &str) -> &'a CaseReport {
    report
        .cases
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

/// The case's reason, and that it is reported at the step with this label.
fn assert_case(report: &RunReport, id: &str, outcome: Outcome, label: &str, reason: &[&str]) {
    let c = case(report, id);
    assert_eq!(c.outcome, outcome, "{id}: {c:#?}");
    let text = c.reason.as_deref().unwrap_or_default();
    assert!(
        text.starts_with(label),
        "{id}: reason {text:?} names {label}"
    );
    for part in reason {
        assert!(text.contains(part), "{id}: reason {text:?} lacks {part:?}");
    }
    let failed = c.steps.iter().find(|s| !s.passed()).expect("a failed step");
    assert_eq!(failed.label(), label, "{id}");
    assert!(
        failed.location.contains("probe.yaml:"),
        "{id}: step location {}",
        failed.location
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_failure_kind_is_named_by_case_step_and_reason_in_every_report() {
    let server = RawServer::start(probe_reply);
    let snaps = tempdir();
    recorded_snapshot(snaps.path());
    let started = Instant::now();
    let report = run_library(&server.url(), snaps.path(), &KINDS).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    assert_eq!(case(&report, "probe::passes").outcome, Outcome::Pass);
    assert_case(
        &report,
        "probe::schema_violation",
        Outcome::Fail,
        "step 2 (probe)",
        &["response schema: at /Value:", "integer"],
    );
    assert_case(
        &report,
        "probe::wrong_code",
        Outcome::Fail,
        "step 1 (probe)",
        &["code: expected ErrorCode 0, got 10004", "bad parameter"],
    );
    assert_case(
        &report,
        "probe::snapshot_mismatch",
        Outcome::Fail,
        "step 1 (probe)",
        &["snapshot probe.ok: response differs from the recorded snapshot"],
    );
    assert_case(
        &report,
        "probe::timeout",
        Outcome::Error,
        "step 1 (probe)",
        &["timed out after 1s"],
    );
    assert_case(
        &report,
        "probe::not_json",
        Outcome::Fail,
        "step 1 (probe)",
        &[
            "envelope: expected a JSON object envelope, got a body that is not JSON: \"hello, not json\"",
            "content type: expected Content-Type application/json, got \"text/plain\"",
        ],
    );
    // The snapshot mismatch carries its diff and left the run's snapshot for review.
    let snap_step = &case(&report, "probe::snapshot_mismatch").steps[0];
    let diff = snap_step
        .checks
        .iter()
        .find_map(|c| c.diff())
        .expect("a diff");
    assert!(
        diff.contains("-  \"Value\": 2") && diff.contains("+  \"Value\": 1"),
        "{diff}"
    );
    assert!(snaps.path().join("probe.ok.snap.new").exists());

    // Terminal: one line per non-passing case with id, step and reason.
    let terminal = imconform::report::failure_lines(&report);
    for line in [
        "FAIL probe::schema_violation — step 2 (probe): response schema: at /Value:",
        "FAIL probe::wrong_code — step 1 (probe): code: expected ErrorCode 0, got 10004",
        "FAIL probe::snapshot_mismatch — step 1 (probe): snapshot probe.ok: response differs",
        "ERROR probe::timeout — harness error, not a verdict on the target: step 1 (probe): timed out after 1s",
        "FAIL probe::not_json — step 1 (probe): content type: expected Content-Type application/json, got \"text/plain\"; envelope: expected a JSON object envelope, got a body that is not JSON",
    ] {
        assert!(
            terminal.lines().any(|l| l.starts_with(line)),
            "terminal lacks {line:?}:\n{terminal}"
        );
    }
    assert!(!terminal.contains("probe::passes"), "{terminal}");

    // JUnit: failures are <failure>, the timeout an <error>, each with step and reason.
    let junit = imconform::report::to_junit(&report).unwrap();
    for part in [
        r#"<testcase name="wrong_code" classname="probe""#,
        r#"<failure message="step 1 (probe): code: expected ErrorCode 0, got 10004"#,
        r#"<failure message="step 2 (probe): response schema: at /Value:"#,
        r#"<failure message="step 1 (probe): snapshot probe.ok: response differs"#,
        r#"<error message="step 1 (probe): timed out after 1s waiting for the target" type="harness">"#,
        r#"<testcase name="passes" classname="probe""#,
    ] {
        assert!(junit.contains(part), "JUnit lacks {part:?}:\n{junit}");
    }

    // JSON: outcome, reason and the failing step's checks per case.
    let json: serde_json::Value =
        serde_json::from_str(&imconform::report::to_json(&report)).unwrap();
    assert_eq!(
        json["totals"],
        serde_json::json!({"passed": 1, "failed": 4, "errors": 1, "skipped": 0, "known": 0, "fixed": 0})
    );
    let wrong = json_case(&json, "probe::wrong_code");
    assert_eq!(wrong["outcome"], "fail");
    assert!(
        wrong["reason"]
            .as_str()
            .unwrap()
            .starts_with("step 1 (probe): code: expected ErrorCode 0, got 10004")
    );
    let timeout = json_case(&json, "probe::timeout");
    assert_eq!(timeout["outcome"], "error");
    assert_eq!(
        timeout["steps"][0]["transport_error"],
        "timed out after 1s waiting for the target"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_refused_is_a_harness_error_at_the_first_step() {
    let snaps = tempdir();
    let url = refused_url();
    let report = run_library(&url, snaps.path(), &["probe::passes", "probe::wrong_code"]).await;
    let wrong = case(&report, "probe::wrong_code");
    assert_eq!(wrong.outcome, Outcome::Error);
    assert!(
        wrong
            .reason
            .as_deref()
            .unwrap()
            .starts_with("step 1 (probe): could not connect to the target"),
        "{wrong:#?}"
    );
    // A fixture that cannot be made: the case errs at its setup step, and the half-made
    // fixture's teardown is still attempted.
    let passes = case(&report, "probe::passes");
    assert_eq!(passes.outcome, Outcome::Error);
    assert!(
        passes
            .reason
            .as_deref()
            .unwrap()
            .contains("fixture `t` (thing) could not be made: could not connect to the target"),
        "{passes:#?}"
    );
    assert_eq!(passes.steps[0].label(), "setup 1 (make_thing)");
    assert!(passes.steps[0].transport_error.is_some());
    let terminal = imconform::report::failure_lines(&report);
    assert!(
        terminal.contains("ERROR probe::passes — harness error, not a verdict on the target: setup 1 (make_thing): fixture `t` (thing) could not be made: could not connect"),
        "{terminal}"
    );
    let junit = imconform::report::to_junit(&report).unwrap();
    assert!(
        junit.contains(r#"<error message="step 1 (probe): could not connect to the target"#),
        "{junit}"
    );
    // The URL never shows in a transport error (it carries the usersig).
    assert!(
        !wrong.steps[0]
            .transport_error
            .as_deref()
            .unwrap()
            .contains(&url)
    );
}

fn key_file(dir: &std::path::Path) -> String {
    let path = dir.join("key");
    std::fs::write(&path, KEY).unwrap();
    path.display().to_string()
}

/// `imconform run` against the probe target with the given filters; reports in `dir`.
fn run_probe(target: &str, dir: &std::path::Path, filters: &[&str]) -> CliRun {
    let specs = runner_specs().display().to_string();
    let snaps = dir.join("snapshots");
    std::fs::create_dir_all(&snaps).unwrap();
    recorded_snapshot(&snaps);
    let key = key_file(dir);
    let junit = format!("junit={}", dir.join("junit.xml").display());
    let json = format!("json={}", dir.join("report.json").display());
    let snaps = snaps.display().to_string();
    let mut args = vec![
        "run",
        "--specs",
        &specs,
        "--target",
        target,
        "--key-file",
        &key,
        "--timeout",
        "1",
        "--retries",
        "0",
        "--snapshots",
        &snaps,
        "--report",
        &junit,
        "--report",
        &json,
    ];
    for f in filters {
        args.push("--filter");
        args.push(f);
    }
    run_cli(&args)
}

#[test]
fn the_binary_reports_every_failure_kind_and_exits_1() {
    let server = RawServer::start(probe_reply);
    let dir = tempdir();
    let run = run_probe(&server.url(), dir.path(), &KINDS);
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert!(run.elapsed < Duration::from_secs(20), "{}", run.all());
    for line in [
        "FAIL probe::wrong_code — step 1 (probe): code: expected ErrorCode 0, got 10004",
        "FAIL probe::schema_violation — step 2 (probe): response schema",
        "FAIL probe::snapshot_mismatch — step 1 (probe): snapshot probe.ok",
        "FAIL probe::not_json — step 1 (probe): content type: expected Content-Type application/json, got \"text/plain\"; envelope: expected a JSON object envelope, got a body that is not JSON",
        "ERROR probe::timeout — harness error, not a verdict on the target: step 1 (probe): timed out after 1s",
        "1 passed, 4 failed, 0 skipped, 1 errors",
    ] {
        assert!(
            run.stdout.contains(line),
            "stdout lacks {line:?}\n{}",
            run.all()
        );
    }
    let junit = read(&dir.path().join("junit.xml"));
    assert!(
        junit.contains(r#"<testsuite name="probe" tests="6""#),
        "{junit}"
    );
    assert!(
        junit.contains(r#"failures="4""#) && junit.contains(r#"errors="1""#),
        "{junit}"
    );
    let json = read_json(&dir.path().join("report.json"));
    assert_eq!(json_case(&json, "probe::not_json")["outcome"], "fail");
    assert_eq!(json_case(&json, "probe::passes")["outcome"], "pass");
    assert_eq!(json["interrupted"], false);
}

#[test]
fn exit_codes_tell_pass_failure_harness_error_bad_spec_and_usage_apart() {
    let server = RawServer::start(probe_reply);
    let dir = tempdir();

    let pass = run_probe(&server.url(), &dir.path().join("pass"), &["probe::passes"]);
    assert_eq!(pass.code, Some(0), "{}", pass.all());
    assert!(
        pass.stdout.contains("1 passed, 0 failed, 0 skipped"),
        "{}",
        pass.all()
    );

    let fail = run_probe(
        &server.url(),
        &dir.path().join("fail"),
        &["probe::wrong_code"],
    );
    assert_eq!(fail.code, Some(1), "{}", fail.all());

    let harness = run_probe(
        &refused_url(),
        &dir.path().join("harness"),
        &["probe::passes"],
    );
    assert_eq!(harness.code, Some(3), "{}", harness.all());
    assert!(
        harness
            .stdout
            .contains("0 passed, 0 failed, 0 skipped, 1 errors"),
        "{}",
        harness.all()
    );

    // A contract failure outranks a harness error.
    let both = run_probe(
        &server.url(),
        &dir.path().join("both"),
        &["probe::wrong_code", "probe::timeout"],
    );
    assert_eq!(both.code, Some(1), "{}", both.all());

    // Bad spec: a copy of the suite with a step calling an unknown endpoint.
    let specs = dir.path().join("bad_specs");
    copy_dir(&runner_specs(), &specs);
    let probe = specs.join("endpoints/probe.yaml");
    let text = read(&probe).replace(
        "  - name: wrong_code\n    steps:\n      - call: probe",
        "  - name: wrong_code\n    steps:\n      - call: no_such_endpoint",
    );
    std::fs::write(&probe, text).unwrap();
    let bad = run_cli(&["run", "--specs", &specs.display().to_string()]);
    assert_eq!(bad.code, Some(2), "{}", bad.all());
    let located = format!("{}:", probe.display());
    let line = bad
        .stderr
        .lines()
        .find(|l| l.starts_with(&located))
        .unwrap_or_else(|| panic!("no located error:\n{}", bad.all()));
    let rest = &line[located.len()..];
    let mut parts = rest.splitn(3, ':');
    assert!(parts.next().unwrap().parse::<u32>().is_ok(), "{line}");
    assert!(parts.next().unwrap().parse::<u32>().is_ok(), "{line}");
    assert!(line.contains("no_such_endpoint"), "{line}");

    // Usage: a bad report flag, a filter matching nothing, an unknown flag, a bad URL.
    let specs = runner_specs().display().to_string();
    // http:// but no URL: the endpoint URLs are parsed before any case runs.
    let unparsable = [
        "run",
        "--specs",
        &specs,
        "--target",
        "http://exa mple.com",
        "--key",
        KEY,
    ];
    for args in [
        vec!["run", "--specs", &specs, "--report", "yaml=x.yaml"],
        vec!["run", "--specs", &specs, "--filter", "no_such_case"],
        vec!["run", "--specs", &specs, "--no-such-flag"],
        vec![
            "run",
            "--specs",
            &specs,
            "--target",
            "ftp://example.com",
            "--key",
            KEY,
        ],
        vec!["run", "--specs", &specs, "--target", "http://127.0.0.1:9"],
        unparsable.to_vec(),
    ] {
        let usage = run_cli(&args);
        assert_eq!(usage.code, Some(4), "{args:?}\n{}", usage.all());
        assert!(usage.stderr.contains("error"), "{args:?}\n{}", usage.all());
    }
    let bad_url = run_cli(&unparsable);
    assert!(
        bad_url.stderr.contains(
            "the target URL \"http://exa mple.com\" cannot be joined with the endpoint path"
        ),
        "{}",
        bad_url.all()
    );
}

/// Kills the serve process it holds when dropped, so a failing test leaves nothing behind.
struct Serve(std::process::Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn run_against_a_separately_started_serve_passes_a_filtered_subset() {
    let dir = tempdir();
    let key = key_file(dir.path());
    let mut child = command()
        .args(["serve", "--addr", "127.0.0.1:0", "--key-file", &key])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().unwrap();
    let mut serve = Serve(child);
    let mut url = String::new();
    BufReader::new(stdout).read_line(&mut url).unwrap();
    let url = url.trim().to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "serve printed {url:?}"
    );

    let specs = real_specs().display().to_string();
    let snapshots = dir.path().join("snapshots");
    copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"),
        &snapshots,
    );
    let json = format!("json={}", dir.path().join("report.json").display());
    let run = run_cli(&[
        "run",
        "--specs",
        &specs,
        "--snapshots",
        &snapshots.display().to_string(),
        "--target",
        &url,
        "--key-file",
        &key,
        "--filter",
        "get_group_attr",
        "--filter",
        "create_group",
        "--report",
        &json,
    ]);
    assert_eq!(run.code, Some(0), "{}", run.all());
    let report = read_json(&dir.path().join("report.json"));
    let passed = report["totals"]["passed"].as_u64().unwrap();
    assert!(passed >= 10, "{}", run.all());
    assert_eq!(report["totals"]["failed"], 0);
    assert_eq!(report["target"], url.as_str());
    assert!(
        report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["group"] == "get_group_attr"
                || c["group"] == "create_group"
                || c["id"].as_str().unwrap().contains("create_group")
                || c["id"].as_str().unwrap().contains("get_group_attr")),
        "the filter selected only those endpoints"
    );
    // The server is still up after the run, and stops when killed.
    assert!(serve.0.try_wait().unwrap().is_none(), "serve exited early");
    serve.0.kill().unwrap();
    let status = serve.0.wait().unwrap();
    assert!(!status.success());
}
