//! The matrix as GitHub-flavoured Markdown tables, for a pull-request comment: the verdict and
//! the interop share, the targets, endpoint × target scores, the cases not passing on every
//! target (disagreements first), and each failure folded with its reproducer.

use crate::matrix::{Matrix, TargetColumn};
use crate::result::{CaseReport, Outcome};

use super::detail::{bare_reason, case_reproducer, failed_step, known_text};
use super::matrix_text::{interop_line, outcome_label, score_text, target_verdict, verdict};
use super::redact::{redacted_report, redacted_text};
use super::terminal::summary_line;

pub fn matrix_to_markdown(matrix: &Matrix) -> String {
    let mut m = matrix.clone();
    for t in &mut m.targets {
        t.run = redacted_report(&t.run);
    }
    let mut out = format!(
        "## imconform matrix: {}\n\nInterop: {}.\n\n",
        verdict(&m),
        interop_line(&m)
    );
    out.push_str(
        "| target | what ran | profile | run | outcomes | verdict |\n|---|---|---|---|---|---|\n",
    );
    for t in &m.targets {
        let v = target_verdict(t);
        out.push_str(&format!(
            "| `{}` | {} | `{}` | `{}` | {}{} | {} |\n",
            t.name,
            cell(&t.run.target),
            t.run.profile,
            t.run.run_id,
            summary_line(&t.totals),
            if t.run.interrupted {
                " (interrupted)"
            } else {
                ""
            },
            if t.conforms {
                v.to_owned()
            } else {
                format!("**{v}**")
            }
        ));
    }
    out.push_str(&endpoint_table(&m));
    out.push_str(&case_table(&m));
    out.push_str(&failures(&m));
    redacted_text(out)
}

fn header(m: &Matrix, first: &str, last: Option<&str>) -> String {
    let mut head = format!("| {first} |");
    let mut rule = String::from("|---|");
    for t in &m.targets {
        head.push_str(&format!(" {} |", cell(&t.name)));
        rule.push_str(":---:|");
    }
    if let Some(last) = last {
        head.push_str(&format!(" {last} |"));
        rule.push_str(":---:|");
    }
    format!("{head}\n{rule}\n")
}

fn endpoint_table(m: &Matrix) -> String {
    if m.endpoints.is_empty() {
        return String::new();
    }
    let mut out =
        String::from("\n### Endpoint × target (cases passed of the endpoint's cases)\n\n");
    out.push_str(&header(m, "endpoint", Some("on every target")));
    for row in &m.endpoints {
        out.push_str(&format!("| `{}` |", row.endpoint));
        for score in &row.scores {
            let text = score_text(score);
            if score.failed + score.errors > 0 {
                out.push_str(&format!(" **{text}** |"));
            } else {
                out.push_str(&format!(" {text} |"));
            }
        }
        out.push_str(&format!(" {}/{} |\n", row.interop, row.cases));
    }
    out
}

fn case_table(m: &Matrix) -> String {
    let rest: Vec<_> = m.rows.iter().filter(|r| !r.interop).collect();
    let passing = m.rows.len() - rest.len();
    let mut out = format!(
        "\n### Cases not passing on every target ({}; disagreements first)\n\n",
        rest.len()
    );
    if rest.is_empty() {
        out.push_str("None.\n");
    } else {
        let mut head = header(m, "case", Some("targets"));
        // `targets` is the last column: agree or disagree.
        head = head.replacen(":---:|\n", "---|\n", 1);
        out.push_str(&head);
        for row in rest {
            out.push_str(&format!("| `{}` |", row.id));
            for outcome in &row.outcomes {
                let label = outcome_label(*outcome);
                match outcome {
                    Some(Outcome::Fail | Outcome::Error) => {
                        out.push_str(&format!(" **{label}** |"))
                    }
                    None => out.push_str(&format!(" _{label}_ |")),
                    _ => out.push_str(&format!(" {label} |")),
                }
            }
            out.push_str(if row.agree {
                " agree |\n"
            } else {
                " **disagree** |\n"
            });
        }
    }
    out.push_str(&format!(
        "\n{passing} case{} on every target.\n",
        if passing == 1 { " passes" } else { "s pass" }
    ));
    out
}

fn failures(m: &Matrix) -> String {
    let mut out = String::new();
    for t in &m.targets {
        let failing: Vec<&CaseReport> = (t.run.cases.iter())
            .filter(|c| matches!(c.outcome, Outcome::Fail | Outcome::Known | Outcome::Error))
            .collect();
        if failing.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n### Failures on `{}` ({})\n\n",
            t.name,
            failing.len()
        ));
        for case in failing {
            out.push_str(&failure(t, case));
        }
    }
    out
}

fn failure(_t: &TargetColumn, case: &CaseReport) -> String {
    let step = failed_step(case);
    let reason = bare_reason(case, step);
    let kind = match case.outcome {
        Outcome::Error => "ERROR (harness)",
        Outcome::Known => "KNOWN",
        _ => "FAIL",
    };
    let label = step.map(|s| format!("{}: ", s.label())).unwrap_or_default();
    let known = (case.known.as_ref())
        .filter(|_| case.outcome == Outcome::Known)
        .map(|k| format!(" — {}", escape(&known_text(k))))
        .unwrap_or_default();
    let mut out = format!(
        "- **{kind}** `{}` — {}{} (`{}`){known}\n",
        case.id,
        escape(&label),
        escape(&reason),
        case.location
    );
    if let Some(repro) = case_reproducer(case) {
        let fence = "`".repeat(
            repro
                .split(|c| c != '`')
                .map(str::len)
                .max()
                .unwrap_or(0)
                .max(2)
                + 1,
        );
        let indented: Vec<String> = repro.lines().map(|l| format!("  {l}")).collect();
        out.push_str(&format!(
            "  <details><summary>reproduce with curl</summary>\n\n  {fence}sh\n{}\n  {fence}\n  </details>\n\n",
            indented.join("\n")
        ));
    }
    out
}

/// A table cell's text: no `|`, no markup.
fn cell(text: &str) -> String {
    escape(text).replace('|', "\\|")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{assert_no_secret, sample_matrix};

    #[test]
    fn markdown_has_the_verdict_and_the_three_tables() {
        let md = matrix_to_markdown(&sample_matrix());
        assert_no_secret(&md);
        assert!(md.starts_with(
            "## imconform matrix: 1 of 2 targets does not conform: a\n\nInterop: 1 of 6 cases (16.7%) pass on every target; 4 disagreements.\n"
        ), "{md}");
        assert!(md.contains("| `a` | https://console.tim.qq.com | `current` | `r1a2b3` | 1 passed, 1 failed, 1 skipped, 1 errors | **does not conform** |\n"), "{md}");
        assert!(md.contains("| `b` | http://127.0.0.1:9000 |"));
        assert!(md.contains("| endpoint | a | b | on every target |\n|---|:---:|:---:|:---:|\n"));
        assert!(md.contains("| `modify_group_attr` | **0/3 · 1 FAIL · 1 ERROR · 1 skip** | 2/3 · 1 skip | 0/3 |\n"), "{md}");
        assert!(
            md.contains("| case | a | b | targets |\n|---|:---:|:---:|---|\n"),
            "{md}"
        );
        assert!(md.contains(
            "| `modify_group_attr::sets_an_attribute` | **FAIL** | pass | **disagree** |\n"
        ));
        assert!(
            md.contains("| `get_group_attr::unknown_group` | _not run_ | KNOWN | **disagree** |\n")
        );
        assert!(md.contains("| `modify_group_attr::community_attrs` | skip | skip | agree |\n"));
        assert!(md.contains("\n1 case passes on every target.\n"));
        assert!(md.contains("### Failures on `a` (2)"));
        assert!(md.contains("- **KNOWN** `get_group_attr::unknown_group`"));
        assert!(md.contains("  curl -X POST 'https://console.tim.qq.com/v4/group_open_http_svc/modify_group_attr?sdkappid=1400000000&identifier=admin&usersig=<usersig>"));
        // Disagreements come before the agreed row.
        assert!(
            md.find("sets_an_attribute` | **FAIL**").unwrap()
                < md.find("community_attrs` | skip").unwrap()
        );
    }
}
