//! What a failing step looked like, as plain text: shared by the JUnit and Markdown reports.

use crate::result::{CaseReport, KnownMark, Outcome, StepReport};

use super::reproducer::reproducer;

/// The step a non-passing case is reported at: the first one that did not pass.
pub(crate) fn failed_step(case: &CaseReport) -> Option<&StepReport> {
    case.steps.iter().find(|s| !s.passed())
}

/// The case's reason without a leading step label, since the reporters print the label
/// themselves (the runner may or may not have put it in front).
pub(crate) fn bare_reason(case: &CaseReport, step: Option<&StepReport>) -> String {
    let reason = case.reason.as_deref().unwrap_or("no reason recorded");
    if let Some(step) = step
        && let Some(rest) = reason.strip_prefix(&step.label())
    {
        return rest.trim_start_matches([':', ' ']).to_owned();
    }
    reason.to_owned()
}

/// Request, response, and the failed checks with their diffs.
pub(crate) fn step_detail(step: &StepReport) -> String {
    let mut out = format!("{} at {}\n\n", step.label(), step.location);
    out.push_str(&format!(
        "request: {} {}\n{}\n\n",
        step.request.method, step.request.url, step.request.body
    ));
    match (&step.response, &step.transport_error) {
        (_, Some(error)) => out.push_str(&format!("no response: {error}\n\n")),
        (Some(response), None) => {
            let cut = if response.truncated {
                " (truncated)"
            } else {
                ""
            };
            out.push_str(&format!(
                "response: HTTP {}{cut}\n{}\n\n",
                response.status, response.body
            ));
        }
        (None, None) => out.push_str("no response recorded\n\n"),
    }
    let failed: Vec<_> = step.checks.iter().filter(|c| !c.passed).collect();
    if !failed.is_empty() {
        out.push_str("failed checks:\n");
        for check in failed {
            let message = check.message().unwrap_or("failed");
            out.push_str(&format!("- {}: {message}\n", check.check));
            if let Some(diff) = check.diff() {
                out.push_str(diff);
                if !diff.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
    }
    out.trim_end().to_owned()
}

/// For a failure (or a known one): the `curl` reproducer of the step that failed.
pub(crate) fn case_reproducer(case: &CaseReport) -> Option<String> {
    if !matches!(case.outcome, Outcome::Fail | Outcome::Known) {
        return None;
    }
    reproducer(&failed_step(case)?.request)
}

/// `known deviation (code 10004; note; link) listed at known.yaml:2:3`.
pub(crate) fn known_text(mark: &KnownMark) -> String {
    let mut parts = vec![mark.expect.clone()];
    parts.extend(mark.note.clone());
    parts.extend(mark.link.clone());
    format!(
        "known deviation ({}) listed at {}",
        parts.join("; "),
        mark.location
    )
}
