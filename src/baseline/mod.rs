//! Regression baselines: every response of a run, normalized as snapshots are, and what a
//! later run changed against them beyond the contract (a field that appeared or went away, a
//! value that changed, an error code that moved). Pure functions over result data; the file
//! I/O is in `store`.

pub mod store;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::result::{CaseDrift, Drift, DriftChange, RunReport};

/// The responses of one case, keyed by step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedCase {
    pub id: String,
    pub steps: Vec<RecordedStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedStep {
    /// The step's label (`setup 1 (create_group)`), with ` #2` on a repeated label.
    pub step: String,
    pub status: u16,
    /// The envelope's error code, when the body has one.
    pub code: Option<i64>,
    /// The normalized JSON body, or the body text when it is not JSON.
    pub body: Value,
}

/// What the run answered, case by case (cases without any response are kept, empty).
pub fn record(report: &RunReport, code_field: &str) -> Vec<RecordedCase> {
    report
        .cases
        .iter()
        .map(|case| {
            let mut seen: HashMap<String, usize> = HashMap::new();
            let steps = case
                .steps
                .iter()
                .filter_map(|s| {
                    let label = s.label();
                    let n = seen.entry(label.clone()).or_default();
                    *n += 1;
                    let response = s.response.as_ref()?;
                    let step = if *n == 1 {
                        label
                    } else {
                        format!("{label} #{n}")
                    };
                    let code = response
                        .json()
                        .as_ref()
                        .and_then(|j| j.get(code_field))
                        .and_then(Value::as_i64);
                    let body = response
                        .normalized
                        .clone()
                        .unwrap_or_else(|| Value::String(response.body.clone()));
                    Some(RecordedStep {
                        step,
                        status: response.status,
                        code,
                        body,
                    })
                })
                .collect();
            RecordedCase {
                id: case.id.clone(),
                steps,
            }
        })
        .collect()
}

/// The drift of `current` against `baseline`, in the current run's case order (cases only in
/// the baseline last, when `report_missing`: a filtered run leaves them out).
pub fn compare(
    baseline_name: &str,
    baseline: &[RecordedCase],
    current: &[RecordedCase],
    code_field: &str,
    report_missing: bool,
) -> Drift {
    let old: HashMap<&str, &RecordedCase> = baseline.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut cases = Vec::new();
    for now in current {
        let changes = match old.get(now.id.as_str()) {
            None => vec![DriftChange::CaseNew],
            Some(then) => case_changes(then, now, code_field),
        };
        if !changes.is_empty() {
            cases.push(CaseDrift {
                id: now.id.clone(),
                changes,
            });
        }
    }
    if report_missing {
        for then in baseline {
            if !current.iter().any(|c| c.id == then.id) {
                cases.push(CaseDrift {
                    id: then.id.clone(),
                    changes: vec![DriftChange::CaseMissing],
                });
            }
        }
    }
    Drift {
        baseline: baseline_name.to_owned(),
        cases,
    }
}

fn case_changes(then: &RecordedCase, now: &RecordedCase, code_field: &str) -> Vec<DriftChange> {
    let mut out = Vec::new();
    for step in &then.steps {
        if !now.steps.iter().any(|s| s.step == step.step) {
            out.push(DriftChange::StepMissing {
                step: step.step.clone(),
            });
        }
    }
    for b in &now.steps {
        let Some(a) = then.steps.iter().find(|s| s.step == b.step) else {
            out.push(DriftChange::StepNew {
                step: b.step.clone(),
            });
            continue;
        };
        if a.status != b.status {
            out.push(DriftChange::HttpStatus {
                step: b.step.clone(),
                from: a.status,
                to: b.status,
            });
        }
        if a.code != b.code {
            out.push(DriftChange::CodeMoved {
                step: b.step.clone(),
                from: a.code,
                to: b.code,
            });
        }
        let skip = format!("/{}", escape_pointer(code_field));
        value_changes(&b.step, "", &a.body, &b.body, &skip, &mut out);
    }
    out
}

/// Field-level differences between two normalized bodies; `skip` (the code field) is
/// reported as a moved code instead.
fn value_changes(
    step: &str,
    pointer: &str,
    a: &Value,
    b: &Value,
    skip: &str,
    out: &mut Vec<DriftChange>,
) {
    if pointer == skip || a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let p = format!("{pointer}/{}", escape_pointer(k));
                match y.get(k) {
                    Some(vb) => value_changes(step, &p, va, vb, skip, out),
                    None if p != skip => out.push(DriftChange::FieldDisappeared {
                        step: step.to_owned(),
                        pointer: p,
                        was: va.clone(),
                    }),
                    None => {}
                }
            }
            for (k, vb) in y {
                let p = format!("{pointer}/{}", escape_pointer(k));
                if !x.contains_key(k) && p != skip {
                    out.push(DriftChange::FieldAppeared {
                        step: step.to_owned(),
                        pointer: p,
                        value: vb.clone(),
                    });
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let p = format!("{pointer}/{i}");
                match (x.get(i), y.get(i)) {
                    (Some(va), Some(vb)) => value_changes(step, &p, va, vb, skip, out),
                    (Some(va), None) => out.push(DriftChange::FieldDisappeared {
                        step: step.to_owned(),
                        pointer: p,
                        was: va.clone(),
                    }),
                    (None, Some(vb)) => out.push(DriftChange::FieldAppeared {
                        step: step.to_owned(),
                        pointer: p,
                        value: vb.clone(),
                    }),
                    (None, None) => {}
                }
            }
        }
        _ => out.push(DriftChange::ValueChanged {
            step: step.to_owned(),
            pointer: if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer.to_owned()
            },
            from: a.clone(),
            to: b.clone(),
        }),
    }
}

/// RFC 6901: `~` and `/` in a key.
fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn case(id: &str, steps: Vec<RecordedStep>) -> RecordedCase {
        RecordedCase {
            id: id.into(),
            steps,
        }
    }

    fn step(label: &str, code: i64, body: Value) -> RecordedStep {
        RecordedStep {
            step: label.into(),
            status: 200,
            code: Some(code),
            body,
        }
    }

    #[test]
    fn same_responses_drift_nothing() {
        let a = vec![case(
            "x::y",
            vec![step("step 1 (c)", 0, json!({"ErrorCode": 0, "A": [1]}))],
        )];
        let drift = compare("b", &a, &a.clone(), "ErrorCode", true);
        assert_eq!(drift.cases, []);
    }

    #[test]
    fn fields_values_and_codes_are_told_apart() {
        let then = vec![
            case(
                "x::y",
                vec![step(
                    "step 1 (c)",
                    0,
                    json!({"ErrorCode": 0, "Gone": 1, "Same": "s", "V": "a", "L": [1, 2]}),
                )],
            ),
            case("x::old", vec![]),
        ];
        let now = vec![
            case(
                "x::y",
                vec![step(
                    "step 1 (c)",
                    10007,
                    json!({"ErrorCode": 10007, "New": true, "Same": "s", "V": "b", "L": [1]}),
                )],
            ),
            case("x::new", vec![]),
        ];
        let drift = compare("base", &then, &now, "ErrorCode", true);
        let s = "step 1 (c)".to_owned();
        assert_eq!(
            drift.cases[0].changes,
            [
                DriftChange::CodeMoved {
                    step: s.clone(),
                    from: Some(0),
                    to: Some(10007)
                },
                DriftChange::FieldDisappeared {
                    step: s.clone(),
                    pointer: "/Gone".into(),
                    was: json!(1)
                },
                DriftChange::ValueChanged {
                    step: s.clone(),
                    pointer: "/V".into(),
                    from: json!("a"),
                    to: json!("b")
                },
                DriftChange::FieldDisappeared {
                    step: s.clone(),
                    pointer: "/L/1".into(),
                    was: json!(2)
                },
                DriftChange::FieldAppeared {
                    step: s,
                    pointer: "/New".into(),
                    value: json!(true)
                },
            ]
        );
        assert_eq!(drift.cases[1].id, "x::new");
        assert_eq!(drift.cases[1].changes, [DriftChange::CaseNew]);
        assert_eq!(drift.cases[2].id, "x::old");
        assert_eq!(drift.cases[2].changes, [DriftChange::CaseMissing]);
        // A filtered run does not call the cases it left out missing.
        let filtered = compare("base", &then, &now, "ErrorCode", false);
        assert_eq!(filtered.cases.len(), 2);
    }

    #[test]
    fn steps_that_come_and_go_and_status_moves() {
        let then = vec![case(
            "x::y",
            vec![
                step("step 1 (c)", 0, json!({})),
                step("step 2 (d)", 0, json!({})),
            ],
        )];
        let mut moved = step("step 1 (c)", 0, json!({}));
        moved.status = 500;
        let now = vec![case("x::y", vec![moved, step("step 3 (e)", 0, json!({}))])];
        let drift = compare("b", &then, &now, "ErrorCode", true);
        assert_eq!(
            drift.cases[0].changes,
            [
                DriftChange::StepMissing {
                    step: "step 2 (d)".into()
                },
                DriftChange::HttpStatus {
                    step: "step 1 (c)".into(),
                    from: 200,
                    to: 500
                },
                DriftChange::StepNew {
                    step: "step 3 (e)".into()
                },
            ]
        );
    }
}
