//! GitHub Actions workflow commands: one `::error` line per failing case, pointing at the
//! case in its spec file, so the failure shows on the pull request's diff. When the specs are
//! the ones built into imconform, no file of the user's repository holds the case: the
//! annotation then names the location in its text and points at no file.

use crate::result::{CaseReport, Outcome, RunReport};

use super::detail::{bare_reason, failed_step};
use super::redact::{redacted_report, redacted_text};

/// `::error file=PATH,line=N,col=M,title=ID::REASON`, one line per failed or errored case.
pub fn github_annotations(report: &RunReport) -> String {
    let report = redacted_report(report);
    let mut out = String::new();
    let built_in = report.contract.as_ref().is_some_and(|c| c.specs_embedded());
    for case in report
        .cases
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Fail | Outcome::Error))
    {
        out.push_str(&annotation(case, built_in));
        out.push('\n');
    }
    redacted_text(out)
}

fn annotation(case: &CaseReport, built_in: bool) -> String {
    let step = failed_step(case);
    let reason = bare_reason(case, step);
    let label = step.map(|s| format!("{}: ", s.label())).unwrap_or_default();
    let kind = match case.outcome {
        Outcome::Error => "harness error, not a verdict on the target: ",
        _ => "",
    };
    let mut message = format!("{kind}{label}{reason}");
    let mut props = Vec::new();
    if built_in {
        if !case.location.is_empty() {
            message.push_str(&format!(
                " (at {} in the contract built into imconform)",
                case.location
            ));
        }
        props.push(format!("title={}", escape_property(&case.id)));
        return format!("::error {}::{}", props.join(","), escape_data(&message));
    }
    match split_location(&case.location) {
        Some((file, line, col)) => {
            props.push(format!("file={}", escape_property(file)));
            props.push(format!("line={line}"));
            props.push(format!("col={col}"));
        }
        None if !case.location.is_empty() => {
            props.push(format!("file={}", escape_property(&case.location)));
        }
        None => {}
    }
    props.push(format!("title={}", escape_property(&case.id)));
    format!("::error {}::{}", props.join(","), escape_data(&message))
}

/// `file:line:column`, split from the right so a path holding `:` stays whole.
fn split_location(location: &str) -> Option<(&str, u32, u32)> {
    let mut parts = location.rsplitn(3, ':');
    let col = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    let file = parts.next().filter(|f| !f.is_empty())?;
    Some((file, line, col))
}

/// The message of a workflow command: `%`, CR and LF are encoded.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: as data, plus `:` and `,`, which would end the value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{assert_no_secret, sample_report};

    #[test]
    fn one_error_line_per_failing_case_at_its_spec_location() {
        let text = github_annotations(&sample_report());
        assert_no_secret(&text);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "::error file=specs/endpoints/modify_group_attr.yaml,line=30,col=11,title=modify_group_attr%3A%3Asets_an_attribute::step 1 (modify_group_attr): code: expected 0, got 10010",
                "::error file=specs/endpoints/modify_group_attr.yaml,line=30,col=11,title=modify_group_attr%3A%3Agroup_type.Private::harness error, not a verdict on the target: setup 1 (create_group): connection refused",
            ]
        );
    }

    #[test]
    fn workflow_command_escaping() {
        let mut report = sample_report();
        let case = &mut report.cases[1];
        case.id = "a,b:c%".into();
        case.location = "C:\\specs\\x,y.yaml:7:3".into();
        case.reason = Some("50% done\r\nnext: line, more".into());
        case.steps.clear();
        let text = github_annotations(&report);
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            "::error file=C%3A\\specs\\x%2Cy.yaml,line=7,col=3,title=a%2Cb%3Ac%25::50%25 done%0D%0Anext: line, more"
        );
        assert_eq!(text.lines().count(), 2, "one line per failing case: {text}");
    }

    #[test]
    fn built_in_specs_are_named_in_the_text_and_point_at_no_file_of_the_repository() {
        let mut report = sample_report();
        let contract = report.contract.as_mut().unwrap();
        contract.specs = "embedded".into();
        let text = github_annotations(&report);
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            "::error title=modify_group_attr%3A%3Asets_an_attribute::step 1 (modify_group_attr): code: expected 0, got 10010 (at specs/endpoints/modify_group_attr.yaml:30:11 in the contract built into imconform)"
        );
        assert!(!text.contains("file="), "{text}");
    }

    #[test]
    fn nothing_for_a_passing_run() {
        let mut report = sample_report();
        report.cases.retain(|c| c.outcome == Outcome::Pass);
        assert_eq!(github_annotations(&report), "");
    }
}
