//! Judging the differences between a recorded snapshot and this run's response: a difference
//! is a contract failure only where the docs pin the response down, and drift where they leave
//! it open. What the docs pin down is read from the response schema (`Place`):
//!
//! - a field present in one and absent in the other: a failure when the schema requires it, or
//!   when the recorded one held documented values (the case's own data, such as the attributes
//!   it wrote); otherwise drift (an optional field, an empty array versus no field). A field
//!   that appeared is a failure only when the schema does not allow it;
//! - a value that differs: a failure when it is documented, drift when it is open — a
//!   redaction placeholder (volatile), or at a place the schema marks `x-open`;
//! - the same array elements in another order: drift;
//! - an array element missing or added: a failure (an array's content is documented), unless
//!   the array is open.

use serde_json::Value;

use crate::result::{DifferenceVerdict, DriftChange, SnapshotDifference};

use super::shape::Place;

/// What is not a documented value, besides `x-open` places: the placeholders redactions and
/// normalization put in place of volatile values.
pub struct OpenValues<'a> {
    pub placeholders: &'a [&'a str],
}

impl OpenValues<'_> {
    fn is_placeholder(&self, v: &Value) -> bool {
        v.as_str().is_some_and(|s| self.placeholders.contains(&s))
    }

    /// Whether `v` (at `place`) holds a value the docs pin down.
    fn documented(&self, v: &Value, place: &Place<'_>) -> bool {
        if place.open().is_some() {
            return false;
        }
        match v {
            Value::Array(items) => {
                let item = place.item();
                items.iter().any(|i| self.documented(i, &item))
            }
            Value::Object(map) => map.iter().any(|(k, v)| self.documented(v, &place.field(k))),
            other => !self.is_placeholder(other),
        }
    }
}

/// Every difference between `recorded` and `now` (both normalized), judged. `step` labels them.
pub fn judge(
    step: &str,
    recorded: &Value,
    now: &Value,
    place: &Place<'_>,
    open: &OpenValues<'_>,
) -> Vec<SnapshotDifference> {
    let mut judge = Judge {
        step,
        open,
        out: Vec::new(),
    };
    judge.value("", recorded, now, place, None);
    judge.out
}

struct Judge<'a> {
    step: &'a str,
    open: &'a OpenValues<'a>,
    out: Vec<SnapshotDifference>,
}

impl Judge<'_> {
    fn push(&mut self, change: DriftChange, verdict: DifferenceVerdict, why: impl Into<String>) {
        self.out.push(SnapshotDifference {
            change,
            verdict,
            why: why.into(),
        });
    }

    /// `open` is the reason an enclosing place is open, if one is.
    fn value(
        &mut self,
        pointer: &str,
        a: &Value,
        b: &Value,
        place: &Place<'_>,
        open: Option<&str>,
    ) {
        if a == b {
            return;
        }
        let open = open.or_else(|| place.open());
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, va) in x {
                    let p = format!("{pointer}/{}", escape(k));
                    let child = place.field(k);
                    match y.get(k) {
                        Some(vb) => self.value(&p, va, vb, &child, open),
                        None => self.absent(p, k, va, place, &child, open),
                    }
                }
                for (k, vb) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                    let p = format!("{pointer}/{}", escape(k));
                    self.appeared(p, k, vb, place, open);
                }
            }
            (Value::Array(x), Value::Array(y)) => self.array(pointer, x, y, place, open),
            _ => {
                let (verdict, why) = match open {
                    Some(why) => (DifferenceVerdict::Drift, format!("open: {why}")),
                    None if self.open.is_placeholder(a) || self.open.is_placeholder(b) => (
                        DifferenceVerdict::Drift,
                        "a redacted (volatile) value".to_owned(),
                    ),
                    None if kind(a) != kind(b) => (
                        DifferenceVerdict::Failure,
                        format!("a documented value's type: {} → {}", kind(a), kind(b)),
                    ),
                    None => (DifferenceVerdict::Failure, "a documented value".to_owned()),
                };
                let change = DriftChange::ValueChanged {
                    step: self.step.to_owned(),
                    pointer: root_pointer(pointer),
                    from: a.clone(),
                    to: b.clone(),
                };
                self.push(change, verdict, why);
            }
        }
    }

    fn absent(
        &mut self,
        pointer: String,
        key: &str,
        was: &Value,
        parent: &Place<'_>,
        place: &Place<'_>,
        open: Option<&str>,
    ) {
        let open = open.or_else(|| place.open());
        let (verdict, why) = if let Some(why) = open {
            (DifferenceVerdict::Drift, format!("open: {why}"))
        } else if parent.requires(key) {
            (
                DifferenceVerdict::Failure,
                "required by the response schema".to_owned(),
            )
        } else if is_empty(was) {
            (
                DifferenceVerdict::Drift,
                "optional in the response schema; an empty value versus no field".to_owned(),
            )
        } else if !self.open.documented(was, place) {
            (
                DifferenceVerdict::Drift,
                "optional in the response schema, and the recorded value held nothing documented"
                    .to_owned(),
            )
        } else {
            (
                DifferenceVerdict::Failure,
                "optional in the response schema, but the recorded one held documented values"
                    .to_owned(),
            )
        };
        let change = DriftChange::FieldDisappeared {
            step: self.step.to_owned(),
            pointer,
            was: was.clone(),
        };
        self.push(change, verdict, why);
    }

    fn appeared(
        &mut self,
        pointer: String,
        key: &str,
        value: &Value,
        parent: &Place<'_>,
        open: Option<&str>,
    ) {
        let (verdict, why) = if let Some(why) = open {
            (DifferenceVerdict::Drift, format!("open: {why}"))
        } else if !parent.allows(key) {
            (
                DifferenceVerdict::Failure,
                "a field the response schema does not allow".to_owned(),
            )
        } else if parent.lists(key) {
            (
                DifferenceVerdict::Drift,
                "optional in the response schema".to_owned(),
            )
        } else {
            (
                DifferenceVerdict::Drift,
                "a field the response schema does not list but allows".to_owned(),
            )
        };
        let change = DriftChange::FieldAppeared {
            step: self.step.to_owned(),
            pointer,
            value: value.clone(),
        };
        self.push(change, verdict, why);
    }

    /// Pairs the elements: equal ones first, then ones that differ only in open details, then
    /// the rest in order (their differences are failures). What stays unpaired was added or
    /// removed.
    fn array(
        &mut self,
        pointer: &str,
        x: &[Value],
        y: &[Value],
        place: &Place<'_>,
        open: Option<&str>,
    ) {
        let item = place.item();
        let mut partner: Vec<Option<usize>> = vec![None; x.len()];
        let mut taken = vec![false; y.len()];
        for (i, a) in x.iter().enumerate() {
            if let Some(j) = (0..y.len()).find(|&j| !taken[j] && &y[j] == a) {
                partner[i] = Some(j);
                taken[j] = true;
            }
        }
        for (i, a) in x.iter().enumerate() {
            if partner[i].is_some() {
                continue;
            }
            let drift_only = (0..y.len()).find(|&j| {
                !taken[j] && {
                    let found = judge(self.step, a, &y[j], &item, self.open);
                    open.is_some() || found.iter().all(|d| d.verdict == DifferenceVerdict::Drift)
                }
            });
            if let Some(j) = drift_only {
                partner[i] = Some(j);
                taken[j] = true;
            }
        }
        for p in partner.iter_mut().filter(|p| p.is_none()) {
            if let Some(j) = (0..y.len()).find(|&j| !taken[j]) {
                *p = Some(j);
                taken[j] = true;
            }
        }
        let mut order = Vec::new();
        for (i, a) in x.iter().enumerate() {
            match partner[i] {
                Some(j) => {
                    order.push(j);
                    self.value(&format!("{pointer}/{i}"), a, &y[j], &item, open);
                }
                None => {
                    let (verdict, why) = match open {
                        Some(why) => (DifferenceVerdict::Drift, format!("open: {why}")),
                        None => (
                            DifferenceVerdict::Failure,
                            "an element of a documented array is missing".to_owned(),
                        ),
                    };
                    let change = DriftChange::FieldDisappeared {
                        step: self.step.to_owned(),
                        pointer: format!("{pointer}/{i}"),
                        was: a.clone(),
                    };
                    self.push(change, verdict, why);
                }
            }
        }
        for (j, b) in y.iter().enumerate().filter(|(j, _)| !taken[*j]) {
            let (verdict, why) = match open {
                Some(why) => (DifferenceVerdict::Drift, format!("open: {why}")),
                None => (
                    DifferenceVerdict::Failure,
                    "an element a documented array did not hold".to_owned(),
                ),
            };
            let change = DriftChange::FieldAppeared {
                step: self.step.to_owned(),
                pointer: format!("{pointer}/{j}"),
                value: b.clone(),
            };
            self.push(change, verdict, why);
        }
        if order.windows(2).any(|w| w[0] > w[1]) {
            let change = DriftChange::OrderChanged {
                step: self.step.to_owned(),
                pointer: root_pointer(pointer),
            };
            self.push(
                change,
                DifferenceVerdict::Drift,
                "the docs promise no order of array elements",
            );
        }
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn root_pointer(pointer: &str) -> String {
    if pointer.is_empty() {
        "/".to_owned()
    } else {
        pointer.to_owned()
    }
}

/// RFC 6901: `~` and `/` in a key.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use indexmap::IndexMap;
    use serde_json::json;

    use super::*;
    use crate::check::shape::Shape;

    /// A schema like the real ones: an envelope with required fields, an array of items with a
    /// required id and an optional, open note, and an optional list.
    fn shape() -> Shape {
        let mut docs = IndexMap::new();
        docs.insert(
            "file:///s/r.json".to_owned(),
            json!({
                "type": "object",
                "required": ["ErrorCode", "Items"],
                "properties": {
                    "ErrorCode": {"type": "integer"},
                    "Items": {"type": "array", "items": {
                        "type": "object", "required": ["id"],
                        "properties": {"id": {"type": "string"}, "note": {"type": "string", "x-open": "§9: wording"},
                                       "extra": {"type": "string"}}}},
                    "List": {"type": "array"},
                    "Closed": {"type": "object", "properties": {"a": {}}, "additionalProperties": false}
                }
            }),
        );
        Shape::new(
            Arc::new(docs),
            json!({"$ref": "file:///s/r.json"}),
            "file:///s/e.yaml".into(),
        )
    }

    fn verdicts(recorded: Value, now: Value) -> Vec<(String, DifferenceVerdict)> {
        let shape = shape();
        let open = OpenValues {
            placeholders: &["[ts]"],
        };
        judge("step 1 (x)", &recorded, &now, &shape.root(), &open)
            .into_iter()
            .map(|d| {
                let pointer = match &d.change {
                    DriftChange::FieldAppeared { pointer, .. }
                    | DriftChange::FieldDisappeared { pointer, .. }
                    | DriftChange::ValueChanged { pointer, .. }
                    | DriftChange::OrderChanged { pointer, .. } => pointer.clone(),
                    other => panic!("{other:?}"),
                };
                (pointer, d.verdict)
            })
            .collect()
    }

    use DifferenceVerdict::{Drift, Failure};

    #[test]
    fn what_the_docs_leave_open_is_drift() {
        let recorded =
            json!({"ErrorCode": 0, "Items": [{"id": "a", "note": "x"}, {"id": "b"}], "List": []});
        // The empty list left out, the open note changed, order changed, an optional field and
        // an extra field added.
        let now = json!({"ErrorCode": 0, "Items": [{"id": "b", "extra": "e"}, {"id": "a", "note": "y"}], "New": 1});
        assert_eq!(
            verdicts(recorded, now),
            [
                ("/Items/0/note".to_owned(), Drift),
                ("/Items/1/extra".to_owned(), Drift),
                ("/Items".to_owned(), Drift),
                ("/List".to_owned(), Drift),
                ("/New".to_owned(), Drift),
            ]
        );
        // An empty array where there was none, a volatile value.
        assert_eq!(
            verdicts(
                json!({"ErrorCode": 0, "Items": [], "T": "[ts]"}),
                json!({"ErrorCode": 0, "Items": [], "List": [], "T": 5})
            ),
            [("/T".to_owned(), Drift), ("/List".to_owned(), Drift)]
        );
    }

    #[test]
    fn what_the_docs_pin_down_fails() {
        // A required field missing, a documented value changed, a type changed.
        assert_eq!(
            verdicts(
                json!({"ErrorCode": 0, "Items": [{"id": "a"}]}),
                json!({"ErrorCode": "0"})
            ),
            [
                ("/ErrorCode".to_owned(), Failure),
                ("/Items".to_owned(), Failure)
            ]
        );
        // An element missing and another added; a value of a paired element.
        assert_eq!(
            verdicts(
                json!({"ErrorCode": 0, "Items": [{"id": "a"}, {"id": "b"}]}),
                json!({"ErrorCode": 0, "Items": [{"id": "c"}]})
            ),
            [
                ("/Items/0/id".to_owned(), Failure),
                ("/Items/1".to_owned(), Failure)
            ]
        );
        assert_eq!(
            verdicts(
                json!({"ErrorCode": 0, "Items": []}),
                json!({"ErrorCode": 0, "Items": [{"id": "c"}]})
            ),
            [("/Items/0".to_owned(), Failure)]
        );
        // A field the schema does not allow; an optional field whose recorded value held the
        // case's own data.
        assert_eq!(
            verdicts(
                json!({"ErrorCode": 0, "Items": [], "List": [1], "Closed": {"a": 1}}),
                json!({"ErrorCode": 0, "Items": [], "Closed": {"a": 1, "b": 2}})
            ),
            [
                ("/List".to_owned(), Failure),
                ("/Closed/b".to_owned(), Failure)
            ]
        );
        // ... but not when all it held was volatile.
        assert_eq!(
            verdicts(
                json!({"ErrorCode": 0, "Items": [], "List": ["[ts]"]}),
                json!({"ErrorCode": 0, "Items": []})
            ),
            [("/List".to_owned(), Drift)]
        );
    }
}
