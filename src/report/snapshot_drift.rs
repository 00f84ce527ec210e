//! Snapshot drift as text: responses that differed from their recorded snapshots only where
//! the docs leave them open. Not failures, so every report shows them apart, named "snapshot
//! drift" (drift against a `--baseline` is another thing: see `drift`).

use crate::result::{CaseReport, CheckReport, DifferenceVerdict, RunReport};

use super::drift::describe;
use super::redact::{redacted_report, redacted_text};

/// For the terminal: a heading, then per drifted case its step, snapshot, each difference
/// with why it is drift, and the unified diff, indented. Empty when nothing drifted.
pub fn snapshot_drift_lines(report: &RunReport) -> String {
    let report = redacted_report(report);
    let drifted: Vec<&CaseReport> = report.cases.iter().filter(|c| c.drifted()).collect();
    if drifted.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "snapshot drift in {} cases: responses differ from their recorded snapshots only where the docs leave them open (not contract failures; --strict-snapshots fails them)\n",
        drifted.len()
    );
    for case in drifted {
        for (step, check) in case.snapshot_drift() {
            out.push_str(&format!(
                "SNAPSHOT DRIFT {} — {}: {} (at {})\n",
                case.id,
                step.label(),
                check.check,
                step.location
            ));
            for line in drift_detail(check).lines() {
                out.push_str("    ");
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    redacted_text(out)
}

/// One drifted check in full: each difference with its verdict and why, then the diff.
pub(crate) fn drift_detail(check: &CheckReport) -> String {
    let mut out = String::new();
    for d in check.differences() {
        let verdict = match d.verdict {
            DifferenceVerdict::Drift => "drift",
            DifferenceVerdict::Failure => "failure",
        };
        out.push_str(&format!("{} [{verdict}: {}]\n", describe(&d.change), d.why));
    }
    if let Some(diff) = check.diff() {
        out.push_str(diff);
        if !diff.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// `N differences in M drifted snapshot checks`: how much a case drifted, for properties.
pub(crate) fn drift_count(case: &CaseReport) -> usize {
    case.snapshot_drift()
        .map(|(_, c)| c.differences().len().max(1))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{assert_no_secret, sample_report_with_drift};

    #[test]
    fn drift_lines_name_case_step_differences_and_diff() {
        let report = sample_report_with_drift();
        let text = snapshot_drift_lines(&report);
        assert_no_secret(&text);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "snapshot drift in 1 cases: responses differ from their recorded snapshots only where the docs leave them open (not contract failures; --strict-snapshots fails them)"
        );
        assert_eq!(
            lines[1],
            "SNAPSHOT DRIFT get_group_info::ok — step 1 (get_group_info): snapshot get_group_info.public (at specs/endpoints/get_group_info.yaml:50:9)"
        );
        assert_eq!(
            lines[2],
            "    step 1 (get_group_info): field disappeared: /GroupInfo/0/AppDefinedData (was []) [drift: optional in the response schema; an empty value versus no field]"
        );
        assert!(
            lines.contains(&"    -      \"AppDefinedData\": [],"),
            "{text}"
        );
        assert_eq!(snapshot_drift_lines(&RunReport::of_cases(vec![])), "");
    }
}
