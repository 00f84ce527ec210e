//! One run with every outcome but error (a fault, a feature switched off, a known-deviations
//! list with a known, a fixed and a stale entry), written as JSON, JUnit and Markdown: each
//! report tells the outcomes apart and carries the reproducer of the failure.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_imconform");

struct Reports {
    output: Output,
    known: PathBuf,
    json: Value,
    junit: String,
    markdown: String,
}

/// The run, once for all tests of this file.
fn reports() -> &'static Reports {
    static REPORTS: OnceLock<Reports> = OnceLock::new();
    REPORTS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("outcomes_reports");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let known = dir.join("known.yaml");
        std::fs::write(
            &known,
            "- case: get_group_attr::unknown_group\n  expect: 10004\n  note: answers 10004\n  link: https://example.com/t/1\n\
             - case: get_group_attr::group_type.Public\n  expect: 10007\n\
             - endpoint: gone_endpoint\n  expect: anything\n",
        )
        .unwrap();
        let output = Command::new(BIN)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("IMCONFORM_NEW_SNAPSHOTS", dir.join("new"))
            .env_remove("IMCONFORM_TARGET")
            .env_remove("IMCONFORM_SECRET_KEY")
            .env_remove("IMCONFORM_SECRET_KEY_FILE")
            .env_remove("IMCONFORM_USERSIG")
            .args([
                "run",
                "--fault",
                "unknown-group-wrong-code",
                "--emulator-no-push",
                "--filter",
                "get_group_attr::unknown_group",
                "--filter",
                "get_group_attr::destroyed_group",
                "--filter",
                "get_group_attr::group_type.Public",
                "--filter",
                "get_group_attr::group_type.Private",
                "--filter",
                "get_attr::no_attributes",
                "--known",
            ])
            .arg(&known)
            .arg("--report")
            .arg(format!("json={}", dir.join("r.json").display()))
            .arg("--report")
            .arg(format!("junit={}", dir.join("r.xml").display()))
            .arg("--report")
            .arg(format!("markdown={}", dir.join("r.md").display()))
            .output()
            .expect("the binary runs");
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        Reports {
            json: serde_json::from_str(&read("r.json")).unwrap_or(Value::Null),
            junit: read("r.xml"),
            markdown: read("r.md"),
            output,
            known,
        }
    })
}

fn case<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

#[test]
fn the_run_fails_for_the_unlisted_failure_only() {
    let r = reports();
    let stdout = String::from_utf8_lossy(&r.output.stdout);
    assert_eq!(r.output.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some("1 passed, 1 failed, 1 skipped, 1 known, 1 fixed")
    );
}

#[test]
fn json_tells_the_outcomes_apart_and_carries_the_reproducer() {
    let r = reports();
    let j = &r.json;
    assert_eq!(j["schema_version"], 1);
    assert_eq!(
        j["totals"],
        serde_json::json!({"passed": 1, "failed": 1, "errors": 0, "skipped": 1, "known": 1, "fixed": 1})
    );
    let outcome = |id: &str| case(j, id)["outcome"].as_str().unwrap().to_owned();
    assert_eq!(outcome("get_group_attr::unknown_group"), "known");
    assert_eq!(outcome("get_group_attr::destroyed_group"), "fail");
    assert_eq!(outcome("get_group_attr::group_type.Public"), "fixed");
    assert_eq!(outcome("get_group_attr::group_type.Private"), "pass");
    assert_eq!(outcome("get_attr::no_attributes"), "skip");
    assert_eq!(
        case(j, "get_attr::no_attributes")["feature"],
        "push_service"
    );

    let known = case(j, "get_group_attr::unknown_group");
    assert_eq!(known["known"]["expect"], "code 10004");
    assert_eq!(known["known"]["link"], "https://example.com/t/1");
    assert_eq!(
        known["known"]["location"],
        format!("{}:1:3", r.known.display())
    );

    let failed = case(j, "get_group_attr::destroyed_group");
    let steps = failed["steps"].as_array().unwrap();
    let with_repro: Vec<&Value> = steps
        .iter()
        .filter(|s| s.get("reproducer").is_some())
        .collect();
    assert_eq!(with_repro.len(), 1, "only the failing step has one");
    assert_eq!(with_repro[0]["phase"], "step");
    assert_eq!(with_repro[0]["index"], 2);
    let repro = with_repro[0]["reproducer"].as_str().unwrap();
    let lines: Vec<&str> = repro.lines().collect();
    assert!(lines[0].starts_with(
        "# replace <usersig> with a UserSig: imconform usersig --sdkappid 1400000000 --identifier administrator"
    ));
    assert!(
        lines[1].starts_with("curl -X POST 'http://127.0.0.1:"),
        "{repro}"
    );
    assert!(lines[1].contains(
        "/get_group_attr?sdkappid=1400000000&identifier=administrator&usersig=<usersig>&random="
    ));
    let body = with_repro[0]["request"]["body"].as_str().unwrap();
    assert!(
        lines[1].ends_with(&format!("--data-raw '{body}'")),
        "{repro}"
    );
    assert!(
        case(j, "get_group_attr::group_type.Private")["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s.get("reproducer").is_none())
    );

    let stale = j["stale_known"].as_array().unwrap();
    assert_eq!(stale.len(), 1);
    assert!(stale[0]
        .as_str()
        .unwrap()
        .ends_with(":7:3: known-deviations entry `endpoint: gone_endpoint` matches no case of this run (stale: remove or correct it)"));
}

#[test]
fn junit_tells_the_outcomes_apart_and_carries_the_reproducer() {
    let x = &reports().junit;
    assert!(
        x.contains(r#"<testcase name="unknown_group" classname="get_group_attr""#),
        "{x}"
    );
    assert!(x.contains(r#"type="known-deviation""#));
    assert!(x.contains(r#"<property name="imconform.outcome" value="known"/>"#));
    assert!(x.contains(r#"<property name="imconform.outcome" value="fixed"/>"#));
    assert!(x.contains("<system-out>FIXED: listed as a known deviation at "));
    assert!(x.contains(
        r#"<failure message="step 2 (get_group_attr): code: expected ErrorCode 10010, got 10004"#
    ));
    assert!(x.contains("reproduce:\n# replace &lt;usersig&gt; with a UserSig"));
    assert!(x.contains("usersig=&lt;usersig&gt;&amp;random="));
    assert!(x.contains(
        r#"<skipped message="step 1 (get_attr): feature `push_service` is not enabled on the target (code 90045)"/>"#
    ));
    // No signature leaks (UserSigs are zlib streams in base64: they start with `eJ`).
    assert!(!x.contains("usersig=eJ"));
}

#[test]
fn markdown_tells_the_outcomes_apart_and_carries_the_reproducer() {
    let md = &reports().markdown;
    assert!(
        md.starts_with(
            "## imconform: not conformant — 1 passed, 1 failed, 1 skipped, 1 known, 1 fixed\n"
        ),
        "{md}"
    );
    assert!(md.contains("| endpoint | passed | failed | errors | skipped | known | fixed |"));
    assert!(md.contains("| `get_group_attr` | 1 | 1 | 0 | 0 | 1 | 1 |"));
    assert!(md.contains("| `get_attr` | 0 | 0 | 0 | 1 | 0 | 0 |"));
    assert!(md.contains("- **FAIL** `get_group_attr::destroyed_group` — step 2 (get_group_attr)"));
    assert!(md.contains("<summary>reproduce with curl</summary>"));
    assert!(md.contains("usersig=<usersig>&random="));
    assert!(md.contains(
        "- **FIXED** `get_group_attr::group_type.Public` — listed as a known deviation at "
    ));
    assert!(md.contains("### Stale known-deviations entries"));
    assert!(md.contains("- **KNOWN** `get_group_attr::unknown_group` — step 1 (get_group_attr)"));
    assert!(md.contains(
        "known deviation (code 10004; answers 10004; https://example.com/t/1) listed at "
    ));
    assert!(md.contains("- `get_attr::no_attributes`: step 1 (get_attr): feature `push_service` is not enabled on the target (code 90045)"));
}
