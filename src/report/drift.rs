//! The drift section: what changed against a recorded baseline beyond the contract, as text.
//! Shared by the terminal output and the HTML report.

use serde_json::Value;

use crate::check::short;
use crate::result::{Drift, DriftChange};

use super::redact::redacted_text;

/// One line per change, grouped under its case; empty when nothing drifted.
pub fn drift_lines(drift: &Drift) -> String {
    if drift.cases.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "drift against {}: {} changes in {} cases (not contract failures)\n",
        drift.baseline,
        drift.change_count(),
        drift.cases.len()
    );
    for case in &drift.cases {
        out.push_str(&format!("DRIFT {}\n", case.id));
        for change in &case.changes {
            out.push_str(&format!("  {}\n", describe(change)));
        }
    }
    redacted_text(out)
}

/// `step 1 (get_group_attr): /GroupAttrAry/0/value changed: "a" → "b"`.
pub(crate) fn describe(change: &DriftChange) -> String {
    match change {
        DriftChange::CaseMissing => "in the baseline, not run now".to_owned(),
        DriftChange::CaseNew => "not in the baseline (new case)".to_owned(),
        DriftChange::StepMissing { step } => format!("{step}: answered in the baseline, not now"),
        DriftChange::StepNew { step } => format!("{step}: answered now, not in the baseline"),
        DriftChange::HttpStatus { step, from, to } => {
            format!("{step}: HTTP status moved: {from} → {to}")
        }
        DriftChange::CodeMoved { step, from, to } => {
            format!("{step}: error code moved: {} → {}", code(*from), code(*to))
        }
        DriftChange::FieldAppeared {
            step,
            pointer,
            value,
        } => format!("{step}: field appeared: {pointer} = {}", value_text(value)),
        DriftChange::FieldDisappeared { step, pointer, was } => {
            format!(
                "{step}: field disappeared: {pointer} (was {})",
                value_text(was)
            )
        }
        DriftChange::ValueChanged {
            step,
            pointer,
            from,
            to,
        } => format!(
            "{step}: value changed: {pointer}: {} → {}",
            value_text(from),
            value_text(to)
        ),
        DriftChange::OrderChanged { step, pointer } => {
            format!("{step}: order changed: {pointer} (the same elements)")
        }
    }
}

fn code(c: Option<i64>) -> String {
    c.map_or_else(|| "none".to_owned(), |c| c.to_string())
}

fn value_text(v: &Value) -> String {
    short(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::CaseDrift;
    use serde_json::json;

    #[test]
    fn drift_lines_name_case_step_and_change() {
        let drift = Drift {
            baseline: "base/".into(),
            cases: vec![CaseDrift {
                id: "get_group_attr::reads".into(),
                changes: vec![
                    DriftChange::CodeMoved {
                        step: "step 1 (get_group_attr)".into(),
                        from: Some(0),
                        to: Some(10007),
                    },
                    DriftChange::FieldAppeared {
                        step: "step 1 (get_group_attr)".into(),
                        pointer: "/Extra".into(),
                        value: json!("x"),
                    },
                ],
            }],
        };
        let text = drift_lines(&drift);
        assert_eq!(
            text,
            "drift against base/: 2 changes in 1 cases (not contract failures)\n\
             DRIFT get_group_attr::reads\n  \
             step 1 (get_group_attr): error code moved: 0 → 10007\n  \
             step 1 (get_group_attr): field appeared: /Extra = \"x\"\n"
        );
        assert_eq!(drift_lines(&Drift::default()), "");
    }
}
