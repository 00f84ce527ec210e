//! Plain text for the terminal: one line per case that did not pass, the summary, and a
//! progress line per case in verbose mode.

use crate::result::{CaseReport, Outcome, RunReport, Totals};

use super::detail::{bare_reason, failed_step};
use super::redact::{redacted_report, redacted_text};

/// One line per non-passing case, in run order:
/// `FAIL id — step N (call): reason (at file:line:column)`; harness errors say so; skips give
/// their reason. Empty when every case passed.
pub fn failure_lines(report: &RunReport) -> String {
    let report = redacted_report(report);
    let mut out = String::new();
    for case in report.cases.iter().filter(|c| c.outcome != Outcome::Pass) {
        out.push_str(&failure_line(case));
        out.push('\n');
    }
    redacted_text(out)
}

fn failure_line(case: &CaseReport) -> String {
    let step = failed_step(case);
    let reason = bare_reason(case, step);
    let at = step.map_or(case.location.as_str(), |s| s.location.as_str());
    let label = step.map(|s| format!("{}: ", s.label())).unwrap_or_default();
    match case.outcome {
        Outcome::Fail => format!("FAIL {} — {label}{reason} (at {at})", case.id),
        Outcome::Error => format!(
            "ERROR {} — harness error, not a verdict on the target: {label}{reason} (at {at})",
            case.id
        ),
        Outcome::Skip => format!("SKIP {} — {reason}", case.id),
        Outcome::Pass => format!("PASS {}", case.id),
    }
}

/// A non-passing case in full: its line, then the failing step's request, response and
/// failed checks. For test harnesses, where one case is one test.
pub fn case_detail(case: &CaseReport) -> String {
    let report = RunReport {
        target: String::new(),
        profile: String::new(),
        run_id: String::new(),
        started_at: String::new(),
        duration_ms: 0,
        interrupted: false,
        cases: vec![case.clone()],
        group_types: Vec::new(),
        endpoints: Vec::new(),
        drift: None,
    };
    let report = redacted_report(&report);
    let case = &report.cases[0];
    let mut out = failure_line(case);
    if let Some(step) = failed_step(case) {
        out.push_str("\n\n");
        out.push_str(&super::detail::step_detail(step));
    }
    for w in &case.teardown_warnings {
        out.push_str(&format!("\nteardown warning: {w}"));
    }
    redacted_text(out)
}

/// `3 passed, 1 failed, 0 skipped`, with `, N errors` appended only when there are any.
pub fn summary_line(totals: &Totals) -> String {
    let mut line = format!(
        "{} passed, {} failed, {} skipped",
        totals.passed, totals.failed, totals.skipped
    );
    if totals.errors > 0 {
        line.push_str(&format!(", {} errors", totals.errors));
    }
    line
}

/// `pass  create_group::x (40 ms)`: a progress line for verbose runs.
pub fn case_line(case: &CaseReport) -> String {
    let status = match case.outcome {
        Outcome::Pass => "pass",
        Outcome::Fail => "FAIL",
        Outcome::Error => "ERROR",
        Outcome::Skip => "skip",
    };
    redacted_text(format!("{status:<5} {} ({} ms)", case.id, case.duration_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{assert_no_secret, sample_report};

    #[test]
    fn failure_lines_show_each_outcome_with_step_and_location() {
        let text = failure_lines(&sample_report());
        assert_no_secret(&text);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "FAIL modify_group_attr::sets_an_attribute — step 1 (modify_group_attr): code: expected 0, got 10010 (at specs/endpoints/modify_group_attr.yaml:40:15)",
                "ERROR modify_group_attr::group_type.Private — harness error, not a verdict on the target: setup 1 (create_group): connection refused (at specs/endpoints/create_group.yaml:40:15)",
                "SKIP modify_group_attr::community_attrs — feature `community_groups` is not enabled for the app",
            ]
        );
    }

    #[test]
    fn summary_line_mentions_errors_only_when_there_are_some() {
        assert_eq!(
            summary_line(&sample_report().totals()),
            "1 passed, 1 failed, 1 skipped, 1 errors"
        );
        let clean = Totals {
            passed: 3,
            failed: 1,
            errors: 0,
            skipped: 0,
        };
        assert_eq!(summary_line(&clean), "3 passed, 1 failed, 0 skipped");
        let with_errors = Totals { errors: 2, ..clean };
        assert_eq!(
            summary_line(&with_errors),
            "3 passed, 1 failed, 0 skipped, 2 errors"
        );
    }

    #[test]
    fn case_line_gives_status_id_and_time() {
        let report = sample_report();
        assert_eq!(
            case_line(&report.cases[0]),
            "pass  create_group::creates_a_public_group (40 ms)"
        );
        assert_eq!(
            case_line(&report.cases[1]),
            "FAIL  modify_group_attr::sets_an_attribute (40 ms)"
        );
    }
}
