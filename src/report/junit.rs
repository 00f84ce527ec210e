//! JUnit XML for CI: one test suite per group (endpoint), one test case per case. A broken
//! contract is a `failure`, a harness problem an `error`, so CI tells the two apart. A known
//! deviation is `skipped` with type `known-deviation` (like an expected failure), a fixed one a
//! success with `FIXED` in its output; both carry an `imconform.outcome` property. Snapshot
//! drift leaves a case a success, with `SNAPSHOT DRIFT`, the differences and the diff in its
//! output and an `imconform.snapshot_drift` property.

use std::time::Duration;

use indexmap::IndexMap;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::result::{CaseReport, Outcome, RunReport};

use super::detail::{bare_reason, case_reproducer, failed_step, known_text, step_detail};
use super::redact::{redacted_report, redacted_text};
use super::snapshot_drift::{drift_count, drift_detail};

#[derive(Debug, thiserror::Error)]
pub enum JunitError {
    #[error("could not write JUnit XML: {0}")]
    Serialize(#[from] quick_junit::SerializeError),
}

/// The run as JUnit XML; suites in the order their first case ran.
pub fn to_junit(report: &RunReport) -> Result<String, JunitError> {
    let mut junit = Report::new("imconform");
    junit.set_time(Duration::from_millis(report.duration_ms));
    add_suites(&mut junit, None, report);
    Ok(redacted_text(junit.to_string()?))
}

/// Several targets' runs in one file: each target's suites are named `TARGET: group`, so CI
/// lists the same case once per target.
pub fn to_junit_targets(runs: &[(&str, &RunReport)]) -> Result<String, JunitError> {
    let mut junit = Report::new("imconform");
    let longest = runs.iter().map(|(_, r)| r.duration_ms).max().unwrap_or(0);
    junit.set_time(Duration::from_millis(longest));
    for (name, report) in runs {
        add_suites(&mut junit, Some(name), report);
    }
    Ok(redacted_text(junit.to_string()?))
}

fn add_suites(junit: &mut Report, target: Option<&str>, report: &RunReport) {
    let report = redacted_report(report);
    let mut groups: IndexMap<&str, Vec<&CaseReport>> = IndexMap::new();
    for case in &report.cases {
        groups.entry(case.group.as_str()).or_default().push(case);
    }
    for (group, cases) in groups {
        let mut suite = match target {
            Some(name) => TestSuite::new(format!("{name}: {group}")),
            None => TestSuite::new(group),
        };
        suite.add_property(Property::new("target", report.target.as_str()));
        suite.add_property(Property::new("profile", report.profile.as_str()));
        if let Some(contract) = &report.contract {
            suite.add_property(Property::new("contract", contract.label()));
            suite.add_property(Property::new(
                "contract.fingerprint",
                contract.fingerprint.as_str(),
            ));
        }
        suite.add_test_cases(cases.into_iter().map(test_case));
        junit.add_test_suite(suite);
    }
}

fn test_case(case: &CaseReport) -> TestCase {
    let step = failed_step(case);
    let reason = bare_reason(case, step);
    let message = match step {
        Some(step) => format!("{}: {reason}", step.label()),
        None => reason,
    };
    let mut status = match case.outcome {
        Outcome::Pass => TestCaseStatus::success(),
        Outcome::Fail => non_success(NonSuccessKind::Failure, "contract", &message),
        Outcome::Error => non_success(NonSuccessKind::Error, "harness", &message),
        Outcome::Skip => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(message.as_str());
            s
        }
        Outcome::Known => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!("known deviation: {message}"))
                .set_type("known-deviation");
            s
        }
        Outcome::Fixed => TestCaseStatus::success(),
    };
    if matches!(
        case.outcome,
        Outcome::Fail | Outcome::Error | Outcome::Known
    ) {
        let mut text = case.location.clone();
        if let Some(mark) = &case.known {
            text.push_str(&format!("\n{}", known_text(mark)));
        }
        if let Some(step) = step {
            text.push_str(&format!("\n\n{}", step_detail(step)));
        }
        if let Some(repro) = case_reproducer(case) {
            text.push_str(&format!("\n\nreproduce:\n{repro}"));
        }
        status.set_description(text.trim_end());
    }
    let mut test = TestCase::new(case.name.as_str(), status);
    test.set_classname(case.group.as_str());
    test.set_time(Duration::from_millis(case.duration_ms));
    if matches!(case.outcome, Outcome::Known | Outcome::Fixed) {
        test.add_property(Property::new("imconform.outcome", case.outcome.as_str()));
    }
    let mut out = Vec::new();
    if case.outcome == Outcome::Fixed {
        out.push(format!("FIXED: {message}"));
    }
    if case.drifted() {
        // Drift is not a failure: the test case passes and says what drifted.
        test.add_property(Property::new(
            "imconform.snapshot_drift",
            drift_count(case).to_string(),
        ));
        for (step, check) in case.snapshot_drift() {
            out.push(format!(
                "SNAPSHOT DRIFT (not a failure: the docs leave these details open; --strict-snapshots fails them)\n{}: {} at {}\n{}",
                step.label(),
                check.check,
                step.location,
                drift_detail(check).trim_end()
            ));
        }
    }
    if !out.is_empty() {
        test.set_system_out(out.join("\n\n"));
    }
    if !case.teardown_warnings.is_empty() {
        test.set_system_err(case.teardown_warnings.join("\n"));
    }
    test
}

fn non_success(kind: NonSuccessKind, ty: &str, message: &str) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(kind);
    status.set_message(message).set_type(ty);
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{assert_no_secret, sample_report, sample_report_with_known};

    #[test]
    fn junit_has_a_suite_per_group_and_each_outcome() {
        let xml = to_junit(&sample_report()).unwrap();
        assert_no_secret(&xml);
        assert!(
            xml.contains(r#"<testsuite name="create_group" tests="1""#),
            "{xml}"
        );
        assert!(xml.contains(r#"<testsuite name="modify_group_attr" tests="3""#));
        assert!(xml.contains(r#"<property name="target" value="https://console.tim.qq.com"/>"#));
        assert!(xml.contains(r#"<property name="profile" value="current"/>"#));
        assert!(xml.contains(
            r#"<property name="contract" value="specs specs, snapshots snapshots (sha256:0123456789ab)"/>"#
        ));
        assert!(
            xml.contains(r#"<property name="contract.fingerprint" value="sha256:0123456789abcdef"#)
        );
        assert!(
            xml.contains(r#"<testcase name="creates_a_public_group" classname="create_group""#)
        );
        assert!(xml.contains(
            r#"<failure message="step 1 (modify_group_attr): code: expected 0, got 10010" type="contract">"#
        ));
        assert!(xml.contains(
            r#"<error message="setup 1 (create_group): connection refused" type="harness">"#
        ));
        assert!(xml.contains(
            r#"<skipped message="feature `community_groups` is not enabled for the app"/>"#
        ));
        // The failure text carries the request, the response and the diff.
        assert!(xml.contains("request: POST https://console.tim.qq.com/v4/"));
        assert!(xml.contains("usersig=&lt;redacted&gt;&amp;random=42"));
        assert!(xml.contains("+  &quot;ErrorCode&quot;: 10010"));
        // ... and the reproducer, with a placeholder for the sig.
        assert!(xml.contains("reproduce:\n# replace &lt;usersig&gt; with a UserSig: imconform usersig --sdkappid 1400000000 --identifier admin"), "{xml}");
        assert!(xml.contains("curl -X POST &apos;https://console.tim.qq.com/v4/group_open_http_svc/modify_group_attr?sdkappid=1400000000&amp;identifier=admin&amp;usersig=&lt;usersig&gt;&amp;random=42"), "{xml}");
    }

    #[test]
    fn several_targets_get_suites_of_their_own() {
        let (a, b) = (sample_report(), sample_report_with_known());
        let xml = to_junit_targets(&[("a", &a), ("b", &b)]).unwrap();
        assert_no_secret(&xml);
        assert!(
            xml.contains(r#"<testsuite name="a: modify_group_attr" tests="3""#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<testsuite name="b: get_group_attr" tests="1""#),
            "{xml}"
        );
        assert_eq!(xml.matches("<testsuite ").count(), 5, "{xml}");
    }

    #[test]
    fn junit_passes_a_drifted_case_and_shows_its_drift() {
        let xml = to_junit(&crate::report::sample::sample_report_with_drift()).unwrap();
        assert_no_secret(&xml);
        let case = xml
            .split("<testcase name=\"ok\" classname=\"get_group_info\"")
            .nth(1)
            .unwrap()
            .split("</testcase>")
            .next()
            .unwrap();
        assert!(
            !case.contains("<failure") && !case.contains("<skipped"),
            "{case}"
        );
        assert!(
            case.contains(r#"<property name="imconform.snapshot_drift" value="1"/>"#),
            "{case}"
        );
        assert!(case.contains("SNAPSHOT DRIFT (not a failure: the docs leave these details open; --strict-snapshots fails them)"));
        assert!(case.contains("step 1 (get_group_info): snapshot get_group_info.public at specs/endpoints/get_group_info.yaml:50:9"));
        assert!(case.contains("field disappeared: /GroupInfo/0/AppDefinedData (was []) [drift: optional in the response schema"));
        assert!(
            case.contains("-      &quot;AppDefinedData&quot;: [],"),
            "{case}"
        );
    }

    #[test]
    fn junit_tells_known_and_fixed_apart() {
        let xml = to_junit(&sample_report_with_known()).unwrap();
        assert_no_secret(&xml);
        assert!(xml.contains(
            r#"<skipped message="known deviation: step 1 (get_group_attr): code: expected 10010, got 10004" type="known-deviation">"#
        ), "{xml}");
        assert!(xml.contains("known deviation (code 10004; answers 10004 instead of 10010; https://example.com/issue/1) listed at known.yaml:2:3"));
        assert!(xml.contains(r#"<property name="imconform.outcome" value="known"/>"#));
        assert!(xml.contains(r#"<property name="imconform.outcome" value="fixed"/>"#));
        assert!(xml.contains("<system-out>FIXED: listed as a known deviation at known.yaml:6:3 (code 10004) but passes now: remove the entry</system-out>"), "{xml}");
        assert!(xml.contains("usersig=&lt;usersig&gt;"));
    }
}
