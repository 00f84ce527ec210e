//! JUnit XML for CI: one test suite per group (endpoint), one test case per case. A broken
//! contract is a `failure`, a harness problem an `error`, so CI tells the two apart.

use std::time::Duration;

use indexmap::IndexMap;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::result::{CaseReport, Outcome, RunReport};

use super::detail::{bare_reason, failed_step, step_detail};
use super::redact::{redacted_report, redacted_text};

#[derive(Debug, thiserror::Error)]
pub enum JunitError {
    #[error("could not write JUnit XML: {0}")]
    Serialize(#[from] quick_junit::SerializeError),
}

/// The run as JUnit XML; suites in the order their first case ran.
pub fn to_junit(report: &RunReport) -> Result<String, JunitError> {
    let report = redacted_report(report);
    let mut groups: IndexMap<&str, Vec<&CaseReport>> = IndexMap::new();
    for case in &report.cases {
        groups.entry(case.group.as_str()).or_default().push(case);
    }
    let mut junit = Report::new("imconform");
    junit.set_time(Duration::from_millis(report.duration_ms));
    for (group, cases) in groups {
        let mut suite = TestSuite::new(group);
        suite.add_property(Property::new("target", report.target.as_str()));
        suite.add_property(Property::new("profile", report.profile.as_str()));
        suite.add_test_cases(cases.into_iter().map(test_case));
        junit.add_test_suite(suite);
    }
    Ok(redacted_text(junit.to_string()?))
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
    };
    if matches!(case.outcome, Outcome::Fail | Outcome::Error) {
        let detail = step.map(step_detail).unwrap_or_default();
        status.set_description(format!("{}\n\n{detail}", case.location).trim_end());
    }
    let mut test = TestCase::new(case.name.as_str(), status);
    test.set_classname(case.group.as_str());
    test.set_time(Duration::from_millis(case.duration_ms));
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
    use crate::report::sample::{assert_no_secret, sample_report};

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
    }
}
