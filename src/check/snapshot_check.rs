//! The snapshot check of a step: this run's normalized response against the recorded one, each
//! difference judged against what the docs pin down. A difference the docs pin down fails the
//! check; differences only where they leave the response open are drift, a pass (a failure
//! when the store holds snapshots strictly).

use serde_json::Value;

use crate::result::{CheckReport, DifferenceVerdict, DriftChange, SnapshotDifference};
use crate::spec::SnapshotSpec;

use super::snapshot::{INFO_PLACEHOLDER, Normalizer, SnapshotMeta, SnapshotOutcome};
use super::verdict::{OpenValues, judge};
use super::{CheckContext, short};

/// Differences named in a check's message; the report data holds all of them.
const SHOWN: usize = 6;

pub(super) fn snapshot_check(
    ctx: &CheckContext<'_>,
    snap: &SnapshotSpec,
    body: &Value,
    success: bool,
) -> CheckReport {
    let normalizer = Normalizer {
        redactions: ctx.redactions,
        run_values: ctx.run_values,
        info_field: &ctx.envelope.info_field,
        sort: &snap.sort,
    };
    let now = normalizer.normalize_value(body);
    let content = serde_json::to_string_pretty(&now).expect("JSON serializes");
    let meta = SnapshotMeta {
        source: ctx.source,
        expression: ctx.expression,
    };
    let name = format!("snapshot {}", snap.name);
    let (diff, pending, recorded) = match ctx.snapshots.compare(&snap.name, &content, &meta) {
        Ok(SnapshotOutcome::Matched | SnapshotOutcome::Written) => return CheckReport::pass(name),
        Ok(SnapshotOutcome::Missing { pending }) => {
            return CheckReport::fail(
                name,
                format!(
                    "no recorded snapshot; this run's is in {} ({})",
                    pending.display(),
                    ctx.snapshots.accept_hint()
                ),
            );
        }
        Ok(SnapshotOutcome::Differs {
            diff,
            pending,
            recorded,
        }) => (diff, pending, recorded),
        Err(e) => return CheckReport::fail(name, e.to_string()),
    };
    let here = format!("this run's is in {}", pending.display());
    let Ok(recorded) = serde_json::from_str::<Value>(&recorded) else {
        return CheckReport::fail(
            name,
            format!("response differs from the recorded snapshot, which is not JSON, so nothing tells what the docs leave open ({here})"),
        )
        .with_diff(diff);
    };
    let mut placeholders: Vec<&str> = ctx
        .redactions
        .iter()
        .map(|r| r.placeholder.as_str())
        .collect();
    placeholders.push(INFO_PLACEHOLDER);
    let shape = ctx.schemas.response_shape(ctx.endpoint, success);
    let differences = judge(
        ctx.step,
        &recorded,
        &now,
        &shape.root(),
        &OpenValues {
            placeholders: &placeholders,
        },
    );
    let failures: Vec<&SnapshotDifference> = differences
        .iter()
        .filter(|d| d.verdict == DifferenceVerdict::Failure)
        .collect();
    let report = if !failures.is_empty() {
        CheckReport::fail(
            name,
            format!(
                "response differs from the recorded snapshot where the docs pin it: {} ({here})",
                listed(&failures)
            ),
        )
    } else {
        let drift: Vec<&SnapshotDifference> = differences.iter().collect();
        let what = if drift.is_empty() {
            // Equal once parsed: the texts differ in layout only.
            "the same JSON, laid out differently".to_owned()
        } else {
            listed(&drift)
        };
        if ctx.snapshots.strict {
            let mut report = CheckReport::fail(
                name,
                format!(
                    "response differs from the recorded snapshot only where the docs leave it open, and --strict-snapshots holds every byte: {what} ({here})"
                ),
            );
            report.drift = true;
            report
        } else {
            CheckReport::drifted(
                name,
                format!(
                    "snapshot drift, not a failure: the response differs from the recorded snapshot only where the docs leave it open: {what} ({here})"
                ),
            )
        }
    };
    report.with_diff(diff).with_differences(differences)
}

/// `/A/0/b disappeared (required by the response schema); …`, the first few.
fn listed(differences: &[&SnapshotDifference]) -> String {
    let mut parts: Vec<String> = differences
        .iter()
        .take(SHOWN)
        .map(|d| format!("{} ({})", short_change(d), d.why))
        .collect();
    if differences.len() > SHOWN {
        parts.push(format!("and {} more", differences.len() - SHOWN));
    }
    parts.join("; ")
}

/// A change without its step label (the check is reported under its step).
fn short_change(d: &SnapshotDifference) -> String {
    match &d.change {
        DriftChange::FieldDisappeared { pointer, was, .. } => {
            format!("{pointer} disappeared (was {})", short(was))
        }
        DriftChange::FieldAppeared { pointer, value, .. } => {
            format!("{pointer} appeared: {}", short(value))
        }
        DriftChange::ValueChanged {
            pointer, from, to, ..
        } => format!("{pointer}: {} → {}", short(from), short(to)),
        DriftChange::OrderChanged { pointer, .. } => format!("{pointer}: reordered"),
        other => format!("{other:?}"),
    }
}
