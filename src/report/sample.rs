//! A hand-built run with one case of each outcome, and secrets where a careless recorder
//! could leave them: the reporters' tests assert that none of it leaks.

use crate::result::*;

/// A UserSig as it would sit in a request URL.
pub(crate) const SECRET_SIG: &str = "SECRETSIG123";
/// The app's secret key. Reporters never see it; it rides here in a URL echoed by a response
/// body, the one way a runner bug could carry it into a report.
pub(crate) const TEST_KEY: &str = "made-up-app-key-00000000000000000000000000000000000000000000000";

fn url(call: &str) -> String {
    format!(
        "https://console.tim.qq.com/v4/group_open_http_svc/{call}?sdkappid=1400000000&identifier=admin&usersig={SECRET_SIG}&random=42&contenttype=json"
    )
}

fn step(call: &str, checks: Vec<CheckReport>, response_body: &str) -> StepReport {
    StepReport {
        phase: Phase::Step,
        index: 1,
        call: call.into(),
        location: format!("specs/endpoints/{call}.yaml:40:15"),
        request: RequestRecord {
            method: "POST".into(),
            url: url(call),
            body: r#"{"GroupId":"@TGS#1","GroupAttr":[{"key":"a","value":"hello"}]}"#.into(),
        },
        response: Some(ResponseRecord {
            status: 200,
            content_type: Some("application/json".into()),
            body: response_body.into(),
            lossy: false,
            truncated: false,
            normalized: None,
        }),
        transport_error: None,
        checks,
        attempts: 1,
        duration_ms: 12,
    }
}

fn case(group: &str, name: &str, outcome: Outcome, reason: Option<&str>) -> CaseReport {
    CaseReport {
        id: format!("{group}::{name}"),
        group: group.into(),
        name: name.into(),
        tags: Vec::new(),
        generated: false,
        location: format!("specs/endpoints/{group}.yaml:30:11"),
        outcome,
        reason: reason.map(str::to_owned),
        duration_ms: 40,
        steps: Vec::new(),
        teardown_warnings: Vec::new(),
        feature: None,
        known: None,
        group_types: vec!["Public".into()],
        expected_codes: Vec::new(),
    }
}

pub(crate) fn sample_report() -> RunReport {
    let mut pass = case(
        "create_group",
        "creates_a_public_group",
        Outcome::Pass,
        None,
    );
    pass.steps.push(step(
        "create_group",
        vec![CheckReport::pass("envelope"), CheckReport::pass("code")],
        r#"{"ActionStatus":"OK","ErrorCode":0,"GroupId":"@TGS#1"}"#,
    ));

    let mut fail = case(
        "modify_group_attr",
        "sets_an_attribute",
        Outcome::Fail,
        Some("step 1 (modify_group_attr): code: expected 0, got 10010"),
    );
    fail.expected_codes = vec![ExpectedCode {
        call: "modify_group_attr".into(),
        code: 0,
    }];
    let snapshot = CheckReport::fail("snapshot modify_group_attr.ok", "the body differs")
        .with_diff("-  \"ErrorCode\": 0\n+  \"ErrorCode\": 10010\n");
    let echoed = format!(
        r#"{{"ActionStatus":"FAIL","ErrorCode":10010,"ErrorInfo":"group not found; request {}&debug=https://x/?usersig={TEST_KEY}"}}"#,
        url("modify_group_attr")
    );
    fail.steps.push(step(
        "modify_group_attr",
        vec![
            CheckReport::pass("envelope"),
            CheckReport::fail("code", "expected 0, got 10010"),
            snapshot,
        ],
        &echoed,
    ));

    let mut error = case(
        "modify_group_attr",
        "group_type.Private",
        Outcome::Error,
        Some("setup 1 (create_group): connection refused"),
    );
    error.generated = true;
    error.group_types = vec!["Private".into()];
    error.expected_codes = vec![ExpectedCode {
        call: "modify_group_attr".into(),
        code: 10007,
    }];
    let mut refused = step("create_group", Vec::new(), "");
    refused.phase = Phase::Setup;
    refused.response = None;
    refused.transport_error = Some("connection refused".into());
    error.steps.push(refused);

    let skip = case(
        "modify_group_attr",
        "community_attrs",
        Outcome::Skip,
        Some("feature `community_groups` is not enabled for the app"),
    );

    RunReport {
        target: "https://console.tim.qq.com".into(),
        target_name: None,
        profile: "current".into(),
        contract: Some(ContractInfo {
            specs: "specs".into(),
            snapshots: "snapshots".into(),
            embedded_version: None,
            fingerprint: format!("sha256:{}", "0123456789abcdef".repeat(4)),
        }),
        run_id: "r1a2b3".into(),
        started_at: "2025-01-02T03:04:05Z".into(),
        duration_ms: 1234,
        requests: 1043,
        teardown_warnings: Vec::new(),
        interrupted: false,
        cases: vec![pass, fail, error, skip],
        stale_known: Vec::new(),
        group_types: vec!["Private".into(), "Public".into(), "AVChatRoom".into()],
        endpoints: vec![
            EndpointInfo {
                name: "service".into(),
                supported_group_types: None,
                errors: vec![documented(70001, "UserSig expired", None)],
            },
            EndpointInfo {
                name: "create_group".into(),
                supported_group_types: None,
                errors: Vec::new(),
            },
            EndpointInfo {
                name: "modify_group_attr".into(),
                supported_group_types: Some(vec!["Public".into(), "AVChatRoom".into()]),
                errors: vec![
                    documented(10007, "group type not supported", None),
                    documented(10002, "internal error", Some("a fault inside the service")),
                    documented(10010, "<no such group>", None),
                ],
            },
        ],
        drift: None,
    }
}

fn documented(code: i64, meaning: &str, untriggerable: Option<&str>) -> DocumentedError {
    DocumentedError {
        code,
        meaning: meaning.into(),
        untriggerable: untriggerable.map(str::to_owned),
    }
}

/// The known-deviations list `sample_report_with_known` applies.
pub(crate) const SAMPLE_KNOWN: &str = "\
# deviations of the sample target
- case: get_group_attr::unknown_group
  expect: 10004
  note: answers 10004 instead of 10010
  link: https://example.com/issue/1
- case: create_group::fixed_now
  expect: 10004
  note: fixed upstream
- case: gone::case
  expect: a case that was renamed
";

/// `sample_report` plus a known failure and a fixed case, with `SAMPLE_KNOWN` applied (which
/// also leaves one stale entry).
pub(crate) fn sample_report_with_known() -> RunReport {
    let mut report = sample_report();
    let mut known = case(
        "get_group_attr",
        "unknown_group",
        Outcome::Fail,
        Some("step 1 (get_group_attr): code: expected 10010, got 10004"),
    );
    known.steps.push(step(
        "get_group_attr",
        vec![
            CheckReport::pass("envelope"),
            CheckReport::fail("code", "expected 10010, got 10004"),
        ],
        r#"{"ActionStatus":"FAIL","ErrorCode":10004,"ErrorInfo":"bad group"}"#,
    ));
    let mut fixed = case("create_group", "fixed_now", Outcome::Pass, None);
    fixed.steps.push(step(
        "create_group",
        vec![CheckReport::pass("envelope"), CheckReport::pass("code")],
        r#"{"ActionStatus":"OK","ErrorCode":0,"GroupId":"@TGS#2"}"#,
    ));
    report.cases.push(known);
    report.cases.push(fixed);
    let list = crate::known::parse_known("known.yaml", SAMPLE_KNOWN, "ErrorCode")
        .expect("the sample list parses");
    crate::known::apply_known(&mut report, &list);
    report
}

/// `sample_report` plus a passing case whose snapshot drifted (an empty array left out).
pub(crate) fn sample_report_with_drift() -> RunReport {
    let mut report = sample_report();
    let mut drifted = case("get_group_info", "ok", Outcome::Pass, None);
    let label = "step 1 (get_group_info)";
    let change = DriftChange::FieldDisappeared {
        step: label.into(),
        pointer: "/GroupInfo/0/AppDefinedData".into(),
        was: serde_json::json!([]),
    };
    let snapshot = CheckReport::drifted(
        "snapshot get_group_info.public",
        "snapshot drift, not a failure: /GroupInfo/0/AppDefinedData disappeared",
    )
    .with_diff(
        "--- get_group_info.public.snap (recorded)\n+++ get_group_info.public.snap.new (this run)\n@@ -5,3 +5,2 @@\n     {\n-      \"AppDefinedData\": [],\n       \"Appid\": \"[sdkappid]\",\n",
    )
    .with_differences(vec![SnapshotDifference {
        change,
        verdict: DifferenceVerdict::Drift,
        why: "optional in the response schema; an empty value versus no field".into(),
    }]);
    let mut s = step(
        "get_group_info",
        vec![CheckReport::pass("code"), snapshot],
        r#"{"ActionStatus":"OK","ErrorCode":0,"GroupInfo":[{"GroupId":"@TGS#1","ErrorCode":0}]}"#,
    );
    s.location = "specs/endpoints/get_group_info.yaml:50:9".into();
    drifted.steps.push(s);
    report.cases.push(drifted);
    report
}

/// Neither the sig nor the key may appear in any report.
pub(crate) fn assert_no_secret(output: &str) {
    assert!(
        !output.contains(SECRET_SIG),
        "the UserSig leaked into:\n{output}"
    );
    assert!(
        !output.contains(TEST_KEY),
        "the secret key leaked into:\n{output}"
    );
}

/// Two targets side by side: `a` is `sample_report`; `b` is `sample_report_with_known` (which
/// also has two cases `a` lacks) with the failing and the erring case passing.
pub(crate) fn sample_matrix() -> crate::matrix::Matrix {
    let a = sample_report();
    let mut b = sample_report_with_known();
    b.target = "http://127.0.0.1:9000".into();
    b.target_name = Some("b".into());
    let fixed = &mut b.cases[1];
    fixed.outcome = Outcome::Pass;
    fixed.reason = None;
    fixed.steps.clear();
    let made = &mut b.cases[2];
    made.outcome = Outcome::Pass;
    made.reason = None;
    made.steps.clear();
    crate::matrix::build_matrix(vec![("a".into(), a), ("b".into(), b)])
}
