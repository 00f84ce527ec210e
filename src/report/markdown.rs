//! A summary for a pull-request comment: totals, endpoint × outcome counts, and the cases
//! that did not pass with their details folded away.

use indexmap::IndexMap;

use crate::result::{CaseReport, Outcome, RunReport, Totals};

use super::compat::{CellState, group_type_matrix};
use super::detail::{bare_reason, case_reproducer, failed_step, known_text, step_detail};
use super::redact::{redacted_report, redacted_text};
use super::snapshot_drift::drift_detail;
use super::terminal::summary_line;

/// GitHub-flavoured Markdown.
pub fn to_markdown(report: &RunReport) -> String {
    let report = redacted_report(report);
    let totals = report.totals();
    let mut out = String::new();
    let verdict = match (totals.failed + totals.errors == 0, totals.known > 0) {
        (true, false) => "conformant",
        (true, true) => "conformant but for known deviations",
        (false, _) => "not conformant",
    };
    out.push_str(&format!(
        "## imconform: {verdict} — {}\n\n",
        summary_line(&totals)
    ));
    let contract = report
        .contract
        .as_ref()
        .map(|c| format!(" · contract `{}`", c.label()))
        .unwrap_or_default();
    out.push_str(&format!(
        "Target `{}` · profile `{}`{contract} · run `{}` · {} ms{}\n\n",
        report.target,
        report.profile,
        report.run_id,
        report.duration_ms,
        if report.interrupted {
            " · **interrupted**"
        } else {
            ""
        }
    ));
    out.push_str(&outcome_table(&report));
    out.push_str(&group_type_table(&report));
    let failing: Vec<&CaseReport> = report
        .cases
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Fail | Outcome::Error))
        .collect();
    if !failing.is_empty() {
        out.push_str("\n### Failing cases\n\n");
        for case in failing {
            out.push_str(&failing_case(case));
        }
    }
    out.push_str(&snapshot_drift(&report));
    let fixed: Vec<&CaseReport> = report
        .cases
        .iter()
        .filter(|c| c.outcome == Outcome::Fixed)
        .collect();
    if !fixed.is_empty() {
        out.push_str(
            "\n### Fixed: listed as known deviations, passing now (remove the entries)\n\n",
        );
        for case in fixed {
            let reason = case.reason.as_deref().unwrap_or("passes now");
            out.push_str(&format!("- **FIXED** `{}` — {}\n", case.id, escape(reason)));
        }
    }
    if !report.stale_known.is_empty() {
        out.push_str("\n### Stale known-deviations entries\n\n");
        for stale in &report.stale_known {
            out.push_str(&format!("- {}\n", escape(stale)));
        }
    }
    let known: Vec<&CaseReport> = report
        .cases
        .iter()
        .filter(|c| c.outcome == Outcome::Known)
        .collect();
    if !known.is_empty() {
        out.push_str("\n### Known deviations (failing as listed)\n\n");
        for case in known {
            out.push_str(&failing_case(case));
        }
    }
    let skipped: Vec<&CaseReport> = report
        .cases
        .iter()
        .filter(|c| c.outcome == Outcome::Skip)
        .collect();
    if !skipped.is_empty() {
        out.push_str("\n### Skipped\n\n");
        for case in skipped {
            let reason = case.reason.as_deref().unwrap_or("no reason recorded");
            out.push_str(&format!("- `{}`: {}\n", case.id, escape(reason)));
        }
    }
    redacted_text(out)
}

fn outcome_table(report: &RunReport) -> String {
    let mut by_group: IndexMap<&str, Totals> = IndexMap::new();
    for case in &report.cases {
        let t = by_group.entry(case.group.as_str()).or_default();
        match case.outcome {
            Outcome::Pass => t.passed += 1,
            Outcome::Fail => t.failed += 1,
            Outcome::Error => t.errors += 1,
            Outcome::Skip => t.skipped += 1,
            Outcome::Known => t.known += 1,
            Outcome::Fixed => t.fixed += 1,
        }
    }
    // The known and fixed columns appear only in runs with a known-deviations list at work.
    let listed = by_group.values().any(|t| t.known + t.fixed > 0);
    let mut out = if listed {
        String::from(
            "| endpoint | passed | failed | errors | skipped | known | fixed |\n|---|---:|---:|---:|---:|---:|---:|\n",
        )
    } else {
        String::from(
            "| endpoint | passed | failed | errors | skipped |\n|---|---:|---:|---:|---:|\n",
        )
    };
    for (group, t) in by_group {
        out.push_str(&format!(
            "| `{group}` | {} | {} | {} | {} |",
            t.passed, t.failed, t.errors, t.skipped
        ));
        if listed {
            out.push_str(&format!(" {} | {} |", t.known, t.fixed));
        }
        out.push('\n');
    }
    out
}

/// The HTML report's headline matrix: endpoint × group type, a text label in every cell.
fn group_type_table(report: &RunReport) -> String {
    let matrix = group_type_matrix(report);
    if matrix.rows.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n### Endpoint × group type\n\n| endpoint |");
    for t in &matrix.columns {
        out.push_str(&format!(" {} |", escape(t)));
    }
    out.push_str("\n|---|");
    out.push_str(&":---:|".repeat(matrix.columns.len()));
    out.push('\n');
    for (endpoint, cells) in &matrix.rows {
        out.push_str(&format!("| `{endpoint}` |"));
        for cell in cells {
            let text = cell.text();
            let text = match cell.state {
                CellState::Fail | CellState::Error => format!("**{text}**"),
                CellState::NotCovered => format!("_{text}_"),
                _ => text,
            };
            let mark = if cell.unsupported { " †" } else { "" };
            out.push_str(&format!(" {text}{mark} |"));
        }
        out.push('\n');
    }
    out.push_str(
        "\n† documented as not supported under this profile: the cases expect the refusal.\n",
    );
    out
}

/// Responses that differed from their snapshots only where the docs leave them open.
fn snapshot_drift(report: &RunReport) -> String {
    let drifted: Vec<&CaseReport> = report.cases.iter().filter(|c| c.drifted()).collect();
    if drifted.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\n### Snapshot drift: not failures, the docs leave these details open (`--strict-snapshots` fails them)\n\n",
    );
    for case in drifted {
        for (step, check) in case.snapshot_drift() {
            out.push_str(&format!(
                "- **DRIFT** `{}` — {}: {} (`{}`)\n",
                case.id,
                escape(&step.label()),
                escape(&check.check),
                step.location
            ));
            let detail = drift_detail(check);
            let fence = fence_for(&detail);
            out.push_str(&format!(
                "  <details><summary>differences and diff</summary>\n\n  {fence}diff\n{}\n  {fence}\n  </details>\n\n",
                indent(detail.trim_end()),
            ));
        }
    }
    out
}

fn failing_case(case: &CaseReport) -> String {
    let step = failed_step(case);
    let reason = bare_reason(case, step);
    let kind = match case.outcome {
        Outcome::Error => "ERROR (harness)",
        Outcome::Known => "KNOWN",
        _ => "FAIL",
    };
    let label = step.map(|s| format!("{}: ", s.label())).unwrap_or_default();
    let known = case
        .known
        .as_ref()
        .filter(|_| case.outcome == Outcome::Known)
        .map(|m| format!(" — {}", escape(&known_text(m))))
        .unwrap_or_default();
    let mut out = format!(
        "- **{kind}** `{}` — {}{} (`{}`){known}\n",
        case.id,
        escape(&label),
        escape(&reason),
        case.location
    );
    if let Some(step) = step {
        let detail = step_detail(step);
        let fence = fence_for(&detail);
        out.push_str(&format!(
            "  <details><summary>request, response and diff</summary>\n\n  {fence}diff\n{}\n  {fence}\n  </details>\n\n",
            indent(&detail),
        ));
    }
    if let Some(repro) = case_reproducer(case) {
        let fence = fence_for(&repro);
        out.push_str(&format!(
            "  <details><summary>reproduce with curl</summary>\n\n  {fence}sh\n{}\n  {fence}\n  </details>\n\n",
            indent(&repro),
        ));
    }
    out
}

/// A code fence longer than any run of backticks in the text, so the text cannot close it.
fn fence_for(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Keeps reasons from being read as HTML by the comment renderer.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{assert_no_secret, sample_report, sample_report_with_known};

    #[test]
    fn markdown_summarises_totals_table_and_failures() {
        let md = to_markdown(&sample_report());
        assert_no_secret(&md);
        assert!(md.starts_with(
            "## imconform: not conformant — 1 passed, 1 failed, 1 skipped, 1 errors\n"
        ));
        assert!(md.contains(
            "Target `https://console.tim.qq.com` · profile `current` · contract `specs specs, snapshots snapshots (sha256:0123456789ab)`"
        ));
        assert!(md.contains("| `create_group` | 1 | 0 | 0 | 0 |"));
        assert!(md.contains("| `modify_group_attr` | 0 | 1 | 1 | 1 |"));
        assert!(md.contains(
            "- **FAIL** `modify_group_attr::sets_an_attribute` — step 1 (modify_group_attr): code: expected 0, got 10010"
        ));
        assert!(md.contains("- **ERROR (harness)** `modify_group_attr::group_type.Private`"));
        assert!(md.contains(
            "- `modify_group_attr::community_attrs`: feature `community_groups` is not enabled"
        ));
        assert!(md.contains("<details>"));
        assert!(md.contains(
            "### Endpoint × group type\n\n| endpoint | Private | Public | AVChatRoom |\n|---|:---:|:---:|:---:|\n"
        ));
        assert!(md.contains("| `create_group` | _not covered_ | pass 1 | _not covered_ |\n"));
        assert!(md.contains(
            "| `modify_group_attr` | **ERROR 1/1** † | **FAIL 1/2** | _not covered_ |\n"
        ));
        assert!(md.contains("  +  \"ErrorCode\": 10010"));
        assert!(md.contains("<summary>reproduce with curl</summary>"));
        assert!(md.contains("  curl -X POST 'https://console.tim.qq.com/v4/group_open_http_svc/modify_group_attr?sdkappid=1400000000&identifier=admin&usersig=<usersig>&random=42&contenttype=json' -H 'Content-Type: application/json' --data-raw '{\"GroupId\""));
        // No known-deviations list: no known or fixed columns, sections or stale list.
        assert!(
            !md.contains("| known |") && !md.contains("### Known") && !md.contains("### Fixed")
        );
    }

    #[test]
    fn markdown_lists_known_fixed_and_stale_apart() {
        let md = to_markdown(&sample_report_with_known());
        assert_no_secret(&md);
        assert!(md.starts_with(
            "## imconform: not conformant — 1 passed, 1 failed, 1 skipped, 1 known, 1 fixed, 1 errors\n"
        ), "{md}");
        assert!(md.contains("| endpoint | passed | failed | errors | skipped | known | fixed |"));
        assert!(md.contains("| `get_group_attr` | 0 | 0 | 0 | 0 | 1 | 0 |"));
        assert!(md.contains("| `create_group` | 1 | 0 | 0 | 0 | 0 | 1 |"));
        assert!(md.contains("### Fixed: listed as known deviations, passing now (remove the entries)\n\n- **FIXED** `create_group::fixed_now` — listed as a known deviation at known.yaml:6:3"));
        assert!(md.contains("### Stale known-deviations entries\n\n- known.yaml:9:3: known-deviations entry `case: gone::case` matches no case"));
        assert!(md.contains("### Known deviations (failing as listed)\n\n- **KNOWN** `get_group_attr::unknown_group` — step 1 (get_group_attr): code: expected 10010, got 10004 (`specs/endpoints/get_group_attr.yaml:30:11`) — known deviation (code 10004; answers 10004 instead of 10010; https://example.com/issue/1) listed at known.yaml:2:3"), "{md}");
        let known_section = md.split("### Known deviations").nth(1).unwrap();
        assert!(known_section.contains("usersig=<usersig>"));
    }

    #[test]
    fn known_deviations_alone_leave_the_run_conformant() {
        let mut report = sample_report_with_known();
        report
            .cases
            .retain(|c| matches!(c.outcome, Outcome::Pass | Outcome::Known));
        let md = to_markdown(&report);
        assert!(md.starts_with(
            "## imconform: conformant but for known deviations — 1 passed, 0 failed, 0 skipped, 1 known\n"
        ), "{md}");
    }

    #[test]
    fn markdown_lists_snapshot_drift_apart_from_failures() {
        let md = to_markdown(&crate::report::sample::sample_report_with_drift());
        assert_no_secret(&md);
        assert!(md.starts_with(
            "## imconform: not conformant — 2 passed, 1 failed, 1 skipped, 1 errors, 1 with snapshot drift\n"
        ), "{md}");
        let section = md
            .split("### Snapshot drift: not failures, the docs leave these details open (`--strict-snapshots` fails them)\n\n")
            .nth(1)
            .expect("a drift section");
        assert!(section.starts_with("- **DRIFT** `get_group_info::ok` — step 1 (get_group_info): snapshot get_group_info.public (`specs/endpoints/get_group_info.yaml:50:9`)\n"), "{section}");
        assert!(section.contains("  step 1 (get_group_info): field disappeared: /GroupInfo/0/AppDefinedData (was []) [drift: "));
        assert!(section.contains("  -      \"AppDefinedData\": [],"));
        assert!(
            !md.split("### Failing cases")
                .nth(1)
                .unwrap()
                .split("### Snapshot drift")
                .next()
                .unwrap()
                .contains("get_group_info::ok")
        );
        assert!(!to_markdown(&sample_report()).contains("Snapshot drift"));
    }

    #[test]
    fn fences_outgrow_backticks_in_the_text() {
        assert_eq!(fence_for("plain"), "```");
        assert_eq!(fence_for("a ```` b"), "`````");
    }
}
