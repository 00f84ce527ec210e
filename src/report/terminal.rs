//! Plain text for the terminal: one line per case that did not pass, the summary, and a
//! progress line per case in verbose mode.

use crate::result::{CaseReport, Outcome, RunReport, Totals};

use super::detail::{bare_reason, failed_step, known_text};
use super::redact::{redacted_report, redacted_text};
use super::reproducer::{curl_command, usersig_note};

/// One line per non-passing case, in run order:
/// `FAIL id — step N (call): reason (at file:line:column)`; harness errors say so; skips give
/// their reason. A failure is followed by its `curl` reproducer, indented (how to make the
/// sig it needs is said once, after the list); known failures say which entry lists them,
/// fixed cases that their entry is to go, and stale entries of the known-deviations list close
/// the list. Empty when every case passed.
pub fn failure_lines(report: &RunReport) -> String {
    let report = redacted_report(report);
    let mut out = String::new();
    let mut note = None;
    for case in report.cases.iter().filter(|c| c.outcome != Outcome::Pass) {
        out.push_str(&failure_line(case));
        out.push('\n');
        if case.outcome == Outcome::Fail
            && let Some(step) = failed_step(case)
            && let Some(curl) = curl_command(&step.request)
        {
            out.push_str(&format!("    reproduce: {curl}\n"));
            note = note.or_else(|| usersig_note(&step.request));
        }
    }
    for stale in &report.stale_known {
        out.push_str(&format!("STALE {stale}\n"));
    }
    for w in &report.teardown_warnings {
        out.push_str(&format!("teardown warning: {w}\n"));
    }
    if let Some(note) = note {
        out.push_str(&format!("(reproducers: {note})\n"));
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
        Outcome::Known => {
            let known = case.known.as_ref().map(known_text).unwrap_or_default();
            format!("KNOWN {} — {label}{reason} (at {at}) — {known}", case.id)
        }
        Outcome::Fixed => format!("FIXED {} — {reason}", case.id),
    }
}

/// A non-passing case in full: its line, then the failing step's request, response and
/// failed checks. For test harnesses, where one case is one test.
pub fn case_detail(case: &CaseReport) -> String {
    let report = RunReport::of_cases(vec![case.clone()]);
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

/// `3 passed, 1 failed, 0 skipped`, with `, N known`, `, N fixed`, `, N errors` and
/// `, N with snapshot drift` appended (in that order) only when there are any.
pub fn summary_line(totals: &Totals) -> String {
    let mut line = format!(
        "{} passed, {} failed, {} skipped",
        totals.passed, totals.failed, totals.skipped
    );
    if totals.known > 0 {
        line.push_str(&format!(", {} known", totals.known));
    }
    if totals.fixed > 0 {
        line.push_str(&format!(", {} fixed", totals.fixed));
    }
    if totals.errors > 0 {
        line.push_str(&format!(", {} errors", totals.errors));
    }
    if totals.drifted > 0 {
        line.push_str(&format!(", {} with snapshot drift", totals.drifted));
    }
    line
}

/// `1043 requests in 2.4 s`: what the run spent of the target's quotas, and how long it took.
pub fn requests_line(report: &RunReport) -> String {
    format!(
        "{} requests in {:.1} s",
        report.requests,
        report.duration_ms as f64 / 1000.0
    )
}

/// `pass  create_group::x (40 ms)`: a progress line for verbose runs.
pub fn case_line(case: &CaseReport) -> String {
    let status = match case.outcome {
        Outcome::Pass => "pass",
        Outcome::Fail => "FAIL",
        Outcome::Error => "ERROR",
        Outcome::Skip => "skip",
        Outcome::Known => "KNOWN",
        Outcome::Fixed => "FIXED",
    };
    redacted_text(format!("{status:<5} {} ({} ms)", case.id, case.duration_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{assert_no_secret, sample_report, sample_report_with_known};

    #[test]
    fn failure_lines_show_each_outcome_with_step_and_location() {
        let text = failure_lines(&sample_report());
        assert_no_secret(&text);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "FAIL modify_group_attr::sets_an_attribute — step 1 (modify_group_attr): code: expected 0, got 10010 (at specs/endpoints/modify_group_attr.yaml:40:15)",
                r#"    reproduce: curl -X POST 'https://console.tim.qq.com/v4/group_open_http_svc/modify_group_attr?sdkappid=1400000000&identifier=admin&usersig=<usersig>&random=42&contenttype=json' -H 'Content-Type: application/json' --data-raw '{"GroupId":"@TGS#1","GroupAttr":[{"key":"a","value":"hello"}]}'"#,
                "ERROR modify_group_attr::group_type.Private — harness error, not a verdict on the target: setup 1 (create_group): connection refused (at specs/endpoints/create_group.yaml:40:15)",
                "SKIP modify_group_attr::community_attrs — feature `community_groups` is not enabled for the app",
                "(reproducers: replace <usersig> with a UserSig: imconform usersig --sdkappid 1400000000 --identifier admin (reads the key from IMCONFORM_SECRET_KEY); a step that signs differently in its spec (usersig: ...) needs that sig instead)",
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
            ..Totals::default()
        };
        assert_eq!(summary_line(&clean), "3 passed, 1 failed, 0 skipped");
        let with_errors = Totals { errors: 2, ..clean };
        assert_eq!(
            summary_line(&with_errors),
            "3 passed, 1 failed, 0 skipped, 2 errors"
        );
        let all = Totals {
            known: 4,
            fixed: 1,
            ..with_errors
        };
        assert_eq!(
            summary_line(&all),
            "3 passed, 1 failed, 0 skipped, 4 known, 1 fixed, 2 errors"
        );
        let drifted = Totals { drifted: 5, ..all };
        assert_eq!(
            summary_line(&drifted),
            "3 passed, 1 failed, 0 skipped, 4 known, 1 fixed, 2 errors, 5 with snapshot drift"
        );
    }

    #[test]
    fn known_fixed_and_stale_lines_stand_apart() {
        let report = sample_report_with_known();
        let text = failure_lines(&report);
        assert_no_secret(&text);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.contains(&"KNOWN get_group_attr::unknown_group — step 1 (get_group_attr): code: expected 10010, got 10004 (at specs/endpoints/get_group_attr.yaml:40:15) — known deviation (code 10004; answers 10004 instead of 10010; https://example.com/issue/1) listed at known.yaml:2:3"), "{text}");
        assert!(lines.contains(&"FIXED create_group::fixed_now — listed as a known deviation at known.yaml:6:3 (code 10004) but passes now: remove the entry"), "{text}");
        assert_eq!(
            lines[lines.len() - 2],
            "STALE known.yaml:9:3: known-deviations entry `case: gone::case` matches no case of this run (stale: remove or correct it)"
        );
        assert!(lines[lines.len() - 1].starts_with("(reproducers: replace <usersig>"));
        // A known failure carries no reproducer on the terminal (the reports have it).
        let known_at = lines.iter().position(|l| l.starts_with("KNOWN")).unwrap();
        assert!(!lines[known_at + 1].starts_with("    "));
        assert_eq!(
            summary_line(&report.totals()),
            "1 passed, 1 failed, 1 skipped, 1 known, 1 fixed, 1 errors"
        );
        assert_eq!(
            case_line(&report.cases[4]),
            "KNOWN get_group_attr::unknown_group (40 ms)"
        );
        assert_eq!(
            case_line(&report.cases[5]),
            "FIXED create_group::fixed_now (40 ms)"
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
