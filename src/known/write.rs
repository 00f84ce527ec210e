//! A known-deviations file written from a run's failures (`imconform known --from RUN.json`),
//! so a target's current state becomes its expectations in one step. Applied to the same run,
//! the file makes every failure `known` (the round trip its test checks).

use crate::auth::usersig::redact_in_text;
use crate::result::{CaseReport, Outcome, RunReport};

use super::failing_code;

/// The file's text and how many entries it has: one per failed (or already known) case, in
/// run order. An entry expects the code the failing step answered when the code check is what
/// failed, and otherwise the failure in words (any failure of the case then matches). Each has
/// a note to fill in; a known case keeps its note and link.
pub fn known_from_run(run: &RunReport, code_field: &str, source: &str) -> (String, usize) {
    let deviating: Vec<&CaseReport> = (run.cases.iter())
        .filter(|c| matches!(c.outcome, Outcome::Fail | Outcome::Known))
        .collect();
    let target = match &run.target_name {
        Some(name) => format!("`{name}` ({})", run.target),
        None => run.target.clone(),
    };
    let mut out = format!(
        "# Known deviations of {}, profile {}:\n\
         # {} entr{} written by `imconform known --from {}` from run {} of {}.\n\
         # Replace each TODO note with why the target deviates (and add `link:` to its ticket);\n\
         # remove an entry once the target is fixed.\n",
        one_line(&target),
        one_line(&run.profile),
        deviating.len(),
        if deviating.len() == 1 { "y" } else { "ies" },
        one_line(source),
        one_line(&run.run_id),
        one_line(&run.started_at),
    );
    for case in &deviating {
        out.push_str(&entry(case, code_field));
    }
    (redact_in_text(&out), deviating.len())
}

fn entry(case: &CaseReport, code_field: &str) -> String {
    let reason = one_line(case.reason.as_deref().unwrap_or("failed"));
    let step = case.steps.iter().find(|s| !s.passed());
    let code_check_failed =
        step.is_some_and(|s| s.checks.iter().any(|c| !c.passed && c.check == "code"));
    let expect = match failing_code(case, code_field) {
        Some(code) if code_check_failed => code.to_string(),
        _ => quoted(&clip(&reason, 200)),
    };
    let mark = case.known.as_ref();
    let note = mark
        .and_then(|m| m.note.clone())
        .unwrap_or_else(|| "TODO: why this target deviates".to_owned());
    let mut out = format!(
        "\n# {reason}\n- case: {}\n  expect: {expect}\n  note: {}\n",
        quoted(&case.id),
        quoted(&note)
    );
    if let Some(link) = mark.and_then(|m| m.link.as_deref()) {
        out.push_str(&format!("  link: {}\n", quoted(link)));
    }
    out
}

/// A double-quoted YAML scalar: JSON's string syntax is valid YAML.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

/// On one line, for a comment or a scalar.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::known::{KnownExpect, apply_known, parse_known};
    use crate::report::sample::{sample_report, sample_report_with_known};

    #[test]
    fn the_written_file_turns_every_failure_of_the_run_into_a_known_one() {
        let run = sample_report();
        let (text, entries) = known_from_run(&run, "ErrorCode", "out/run.json");
        assert_eq!(entries, 1);
        assert!(!text.contains("SECRETSIG"));
        let list = parse_known("written.yaml", &text, "ErrorCode").expect("the file parses");
        assert_eq!(list.entries.len(), 1);
        // The code check failed: the entry expects the code the target answered.
        assert_eq!(list.entries[0].expect, KnownExpect::Codes(vec![10010]));
        assert_eq!(
            list.entries[0].note.as_deref(),
            Some("TODO: why this target deviates")
        );
        let mut again = run.clone();
        apply_known(&mut again, &list);
        let totals = again.totals();
        assert_eq!((totals.failed, totals.known), (0, 1));
        assert!(again.stale_known.is_empty());
        assert!(text.contains(
            "\n# step 1 (modify_group_attr): code: expected 0, got 10010\n- case: \"modify_group_attr::sets_an_attribute\"\n  expect: 10010\n"
        ), "{text}");
    }

    #[test]
    fn known_cases_keep_their_note_and_link_and_other_failures_are_described() {
        let mut run = sample_report_with_known();
        // A failure that is not the code: a schema mismatch on a success.
        let failed = &mut run.cases[1];
        for check in &mut failed.steps[0].checks {
            if check.check == "code" {
                *check = crate::result::CheckReport::pass("code");
            }
        }
        failed.reason = Some("step 1 (modify_group_attr): snapshot: \"the body\"\ndiffers".into());
        let (text, entries) = known_from_run(&run, "ErrorCode", "r.json");
        assert_eq!(entries, 2);
        let list = parse_known("k.yaml", &text, "ErrorCode").unwrap();
        assert_eq!(
            list.entries[0].expect,
            KnownExpect::Text("step 1 (modify_group_attr): snapshot: \"the body\" differs".into())
        );
        assert_eq!(list.entries[1].expect, KnownExpect::Codes(vec![10004]));
        assert_eq!(
            list.entries[1].note.as_deref(),
            Some("answers 10004 instead of 10010")
        );
        assert_eq!(
            list.entries[1].link.as_deref(),
            Some("https://example.com/issue/1")
        );
        let mut again = run.clone();
        for case in &mut again.cases {
            if case.outcome == Outcome::Known {
                case.outcome = Outcome::Fail;
            }
        }
        apply_known(&mut again, &list);
        assert_eq!(again.totals().failed, 0);
        assert_eq!(again.totals().known, 2);
    }
}
