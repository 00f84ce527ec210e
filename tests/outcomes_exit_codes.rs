//! Each outcome and each exit code of `imconform run`, through the built binary against the
//! embedded emulator (a fault for a failure, a feature switched off for a skip, a closed port
//! for a harness error, a known-deviations list for known, fixed and stale).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_imconform");
/// The emulator's well-known test key (never a real key).
const TEST_KEY: &str = "imconform-emulator-test-key";

fn imconform(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("IMCONFORM_NEW_SNAPSHOTS", new_snapshots())
        .env_remove("IMCONFORM_TARGET")
        .env_remove("IMCONFORM_SECRET_KEY")
        .env_remove("IMCONFORM_SECRET_KEY_FILE")
        .env_remove("IMCONFORM_USERSIG")
        .env_remove("IMCONFORM_SDKAPPID")
        .env_remove("IMCONFORM_ADMIN")
        .output()
        .expect("the binary runs")
}

fn with_key(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("IMCONFORM_NEW_SNAPSHOTS", new_snapshots())
        .env_remove("IMCONFORM_TARGET")
        .env_remove("IMCONFORM_SECRET_KEY_FILE")
        .env_remove("IMCONFORM_USERSIG")
        .env_remove("IMCONFORM_SDKAPPID")
        .env_remove("IMCONFORM_ADMIN")
        .env("IMCONFORM_SECRET_KEY", TEST_KEY)
        .output()
        .expect("the binary runs")
}

/// Where the `.snap.new` files of faulty runs go: under the target dir, not the repository.
fn new_snapshots() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("outcomes_new_snapshots")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The closing summary line.
fn summary(o: &Output) -> String {
    stdout(o).lines().last().unwrap_or_default().to_owned()
}

#[track_caller]
fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "exit code\n--- stdout\n{}\n--- stderr\n{}",
        stdout(o),
        stderr(o)
    );
}

/// A file in a fresh per-test directory under the target dir.
fn temp_file(test: &str, name: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("outcomes_{test}"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_clean_run_exits_0_with_the_plain_summary() {
    let listed = imconform(&["run", "--filter", "get_group_info::", "--list"]);
    let selected = stdout(&listed)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert!(selected >= 10, "only {selected} get_group_info cases");
    let o = imconform(&["run", "--filter", "get_group_info::"]);
    assert_exit(&o, 0);
    assert_eq!(
        summary(&o),
        format!("{selected} passed, 0 failed, 0 skipped")
    );
}

#[test]
fn a_fault_fails_the_contract_exits_1_and_prints_a_reproducer() {
    let o = imconform(&[
        "run",
        "--fault",
        "unknown-group-wrong-code",
        "--filter",
        "get_group_attr::unknown_group",
    ]);
    assert_exit(&o, 1);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("FAIL get_group_attr::unknown_group — step 1 (get_group_attr): code: expected ErrorCode one of [10010, 10015], got 10004"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("    reproduce: curl -X POST 'http://127.0.0.1:"),
        "{out}"
    );
    assert!(lines[1].contains("/v4/group_open_attr_http_svc/get_group_attr?sdkappid=1400000000&identifier=administrator&usersig=<usersig>&random="));
    assert!(lines[1].contains(
        "&contenttype=json' -H 'Content-Type: application/json' --data-raw '{\"GroupId\":\"nosuch_imc"
    ));
    assert!(lines[1].ends_with("\"}'"), "{out}");
    assert!(out.contains("(reproducers: replace <usersig> with a UserSig: imconform usersig --sdkappid 1400000000 --identifier administrator (reads the key from IMCONFORM_SECRET_KEY)"));
    assert_eq!(summary(&o), "0 passed, 1 failed, 0 skipped");
}

/// The printed curl command, with a real sig for the placeholder, gets the same wrong answer
/// from a served emulator with the same fault.
#[test]
fn the_reproducer_reproduces_the_failure() {
    let mut serve = Command::new(BIN)
        .args(["serve", "--fault", "unknown-group-wrong-code"])
        .env("IMCONFORM_SECRET_KEY", TEST_KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut url = String::new();
    BufReader::new(serve.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let url = url.trim().to_owned();
    let run = with_key(&[
        "run",
        "--target",
        &url,
        "--filter",
        "get_group_attr::unknown_group",
    ]);
    let sig = with_key(&[
        "usersig",
        "--sdkappid",
        "1400000000",
        "--identifier",
        "administrator",
    ]);
    let _ = serve.kill();
    let _ = serve.wait();
    assert_exit(&run, 1);
    assert_exit(&sig, 0);
    let out = stdout(&run);
    let curl = out
        .lines()
        .find_map(|l| l.strip_prefix("    reproduce: "))
        .unwrap_or_else(|| panic!("no reproducer in\n{out}"));
    assert!(
        curl.starts_with(&format!("curl -X POST '{url}/v4/")),
        "{curl}"
    );
    // A second server, as the first is gone: the same fault answers the same way.
    let mut serve = Command::new(BIN)
        .args(["serve", "--fault", "unknown-group-wrong-code"])
        .env("IMCONFORM_SECRET_KEY", TEST_KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut url2 = String::new();
    BufReader::new(serve.stdout.take().unwrap())
        .read_line(&mut url2)
        .unwrap();
    let command = curl
        .replace(&url, url2.trim())
        .replace("<usersig>", stdout(&sig).trim());
    let answer = Command::new("sh")
        .args(["-c", &format!("{command} -s")])
        .output()
        .expect("sh runs curl");
    let _ = serve.kill();
    let _ = serve.wait();
    let body = stdout(&answer);
    assert!(body.contains("\"ErrorCode\":10004"), "{command}\n{body}");
}

#[test]
fn push_switched_off_skips_and_require_turns_the_skip_into_a_failure() {
    let o = imconform(&["run", "--emulator-no-push", "--filter", "get_attr::"]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains("SKIP get_attr::no_attributes — feature `push_service` is not enabled on the target (code 90045)"),
        "{out}"
    );
    // One case (a validation error answered before the feature check) passes either way.
    assert_eq!(summary(&o), "1 passed, 0 failed, 7 skipped");

    let o = imconform(&[
        "run",
        "--emulator-no-push",
        "--require",
        "push_service",
        "--filter",
        "get_attr::",
    ]);
    assert_exit(&o, 1);
    assert!(
        stdout(&o).contains("FAIL get_attr::no_attributes — step 1 (get_attr): feature `push_service` is not enabled on the target (code 90045); the run requires it (--require push_service) (at specs/endpoints/get_attr.yaml:"),
        "{}",
        stdout(&o)
    );
    assert_eq!(summary(&o), "1 passed, 7 failed, 0 skipped");

    // Requiring a feature the target has changes nothing.
    let o = imconform(&["run", "--require", "push_service", "--filter", "get_attr::"]);
    assert_exit(&o, 0);
    assert_eq!(summary(&o), "8 passed, 0 failed, 0 skipped");
}

#[test]
fn community_switched_off_skips_cases_whose_fixture_needs_it() {
    let filter = ["--filter", "get_group_attr::group_type.Community"];
    let o = imconform(&[&["run", "--emulator-no-community"][..], &filter].concat());
    assert_exit(&o, 0);
    assert_eq!(
        stdout(&o).lines().next(),
        Some(
            "SKIP get_group_attr::group_type.Community — fixture `g` (group): feature `community_groups` is not enabled on the target (code 11000)"
        )
    );
    assert!(stderr(&o).contains("features off: community_groups"));
    assert_eq!(summary(&o), "0 passed, 0 failed, 1 skipped");

    let o = imconform(
        &[
            &[
                "run",
                "--emulator-no-community",
                "--require",
                "community_groups",
            ][..],
            &filter,
        ]
        .concat(),
    );
    assert_exit(&o, 1);
    assert!(
        stdout(&o).starts_with("FAIL get_group_attr::group_type.Community — setup 1 (create_group): fixture `g` (group): feature `community_groups` is not enabled on the target (code 11000); the run requires it (--require community_groups) (at specs/service.yaml:"),
        "{}",
        stdout(&o)
    );
    assert_eq!(summary(&o), "0 passed, 1 failed, 0 skipped");
}

#[test]
fn an_unreachable_target_is_a_harness_error_exit_3() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let target = format!("http://127.0.0.1:{port}");
    let o = with_key(&[
        "run",
        "--target",
        &target,
        "--retries",
        "0",
        "--filter",
        "get_group_info::limit.group_ids",
    ]);
    assert_exit(&o, 3);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    // Two error lines, the contract, the requests line, the totals.
    assert_eq!(lines.len(), 5, "{out}");
    assert!(
        lines[2].starts_with("contract: embedded (imconform "),
        "{out}"
    );
    assert!(
        lines[3].ends_with(" s") && lines[3].contains(" requests in "),
        "{out}"
    );
    assert!(
        lines[..2]
            .iter()
            .all(|l| l.starts_with("ERROR get_group_info::limit.group_ids.")
                && l.contains("harness error, not a verdict on the target")
                && l.contains("Connection refused")),
        "{out}"
    );
    assert!(!out.contains("reproduce:"));
    assert_eq!(summary(&o), "0 passed, 0 failed, 0 skipped, 2 errors");
}

#[test]
fn known_failures_alone_exit_0() {
    let known = temp_file(
        "known_alone",
        "known.yaml",
        "- case: get_group_attr::unknown_group\n  expect: 10004\n  note: answers 10004, not 10010\n",
    );
    let o = imconform(&[
        "run",
        "--fault",
        "unknown-group-wrong-code",
        "--filter",
        "get_group_attr::unknown_group",
        "--known",
        known.to_str().unwrap(),
    ]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(
        out.starts_with("KNOWN get_group_attr::unknown_group — step 1 (get_group_attr): "),
        "{out}"
    );
    assert!(out.contains(&format!(
        "— known deviation (code 10004; answers 10004, not 10010) listed at {}:1:3",
        known.display()
    )));
    assert_eq!(summary(&o), "0 passed, 0 failed, 0 skipped, 1 known");
}

#[test]
fn a_listed_case_failing_another_way_still_fails() {
    let known = temp_file(
        "known_other",
        "known.yaml",
        "- case: get_group_attr::unknown_group\n  expect: 10007\n",
    );
    let o = imconform(&[
        "run",
        "--fault",
        "unknown-group-wrong-code",
        "--filter",
        "get_group_attr::unknown_group",
        "--known",
        known.to_str().unwrap(),
    ]);
    assert_exit(&o, 1);
    assert!(stdout(&o).contains("expecting code 10007, but this failure answered code 10004"));
    assert_eq!(summary(&o), "0 passed, 1 failed, 0 skipped");
}

#[test]
fn fixed_and_stale_entries_are_reported_and_do_not_fail_the_run() {
    let known = temp_file(
        "known_fixed",
        "known.yaml",
        "# no fault: both listed cases pass\n\
         - case: get_group_attr::unknown_*\n  expect: 10004\n\
         - endpoint: get_group_info\n  expect: used to answer the wrong shape\n\
         - case: get_group_attr::renamed_long_ago\n  expect: 10004\n",
    );
    let o = imconform(&[
        "run",
        "--filter",
        "get_group_attr::unknown_group",
        "--filter",
        "get_group_info::limit.group_ids.at_max",
        "--known",
        known.to_str().unwrap(),
    ]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    let k = known.display();
    assert!(out.contains(&format!("FIXED get_group_attr::unknown_group — listed as a known deviation at {k}:2:3 (code 10004) but passes now: remove the entry")), "{out}");
    assert!(out.contains(&format!("FIXED get_group_info::limit.group_ids.at_max — listed as a known deviation at {k}:4:3 (used to answer the wrong shape)")));
    assert!(out.contains(&format!("STALE {k}:6:3: known-deviations entry `case: get_group_attr::renamed_long_ago` matches no case of this run")));
    assert_eq!(summary(&o), "0 passed, 0 failed, 0 skipped, 2 fixed");
    let err = stderr(&o);
    assert!(err.contains("2 case(s) listed in"), "{err}");
    assert!(err.contains("1 stale entry in"), "{err}");
}

#[test]
fn a_bad_known_file_exits_2_with_its_location() {
    let known = temp_file(
        "known_bad",
        "known.yaml",
        "- case: a::b\n  expect: 1\n  colour: red\n- note: neither case nor endpoint\n  expect: 1\n",
    );
    let o = imconform(&[
        "run",
        "--filter",
        "get_attr::",
        "--known",
        known.to_str().unwrap(),
    ]);
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!("{}:3:3: unknown field `colour`", known.display())),
        "{err}"
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn bad_specs_exit_2() {
    let o = imconform(&["run", "--specs", "tests/no_such_spec_dir"]);
    assert_exit(&o, 2);
}

#[test]
fn bad_flags_exit_4() {
    let o = imconform(&["run", "--no-such-flag"]);
    assert_exit(&o, 4);
    let o = imconform(&["run", "--require", "teleport"]);
    assert_exit(&o, 4);
    assert!(
        stderr(&o).contains(
            "--require: unknown feature \"teleport\" (the service declares community_groups, push_service, account_deletion)"
        ),
        "{}",
        stderr(&o)
    );
    let o = with_key(&[
        "run",
        "--target",
        "http://127.0.0.1:9",
        "--emulator-no-push",
    ]);
    assert_exit(&o, 4);
    // Help is not an error.
    let o = imconform(&["run", "--help"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("--known <FILE>"));
}

#[test]
fn an_interrupted_run_exits_130() {
    let mut child = Command::new(BIN)
        .args(["run", "--jobs", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Wait until the run has started (it says so on stderr), then send Ctrl-C.
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("cases against"), "{line}");
    std::thread::sleep(Duration::from_millis(300));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let started = Instant::now();
    let status = child.wait().unwrap();
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(status.code(), Some(130));
}
