//! Plain result data: what a run produced. Reports are pure functions of these types.
//! Nothing here holds a secret: requests are recorded with secret parameters redacted.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One whole run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport {
    /// The base URL, or `embedded emulator (URL)`.
    pub target: String,
    /// The target's name, when the run was given one (`--target NAME` from `imconform.toml`):
    /// `imconform matrix` names the report's column after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    pub profile: String,
    /// Which contract ran: the one built into imconform, or local directories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<ContractInfo>,
    pub run_id: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub duration_ms: u64,
    /// HTTP requests the run sent, retries and fixtures included.
    #[serde(default)]
    pub requests: u64,
    /// Problems removing fixtures that were removed in batches, after their cases ended.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teardown_warnings: Vec<String>,
    pub interrupted: bool,
    pub cases: Vec<CaseReport>,
    /// Known-deviations entries that matched no case of the run (`file:line:column: ...`):
    /// stale entries to remove from the list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stale_known: Vec<String>,
    /// The service's group types, in its order (the columns of the compatibility matrix).
    #[serde(default)]
    pub group_types: Vec<String>,
    /// What the contract documents per endpoint under the run's profile; the service's
    /// common errors come first under the group `service`.
    #[serde(default)]
    pub endpoints: Vec<EndpointInfo>,
    /// Changes against a recorded baseline, when the run was compared with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<Drift>,
}

/// How `ContractInfo` names a part of the contract built into imconform.
pub const EMBEDDED: &str = "embedded";

/// Which contract a run checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractInfo {
    /// `embedded`, or the spec directory.
    pub specs: String,
    /// `embedded`, or the snapshot directory.
    pub snapshots: String,
    /// The imconform version whose built-in contract ran, when either part is built in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedded_version: Option<String>,
    /// `sha256:HEX` over every contract file (spec files and snapshots, by path): the same for
    /// the built-in contract and a copy `export contract` wrote.
    pub fingerprint: String,
}

impl ContractInfo {
    pub fn specs_embedded(&self) -> bool {
        self.specs == EMBEDDED
    }

    /// `embedded (imconform 0.1.0, sha256:0123456789ab)`, or the directories:
    /// `specs DIR, snapshots embedded in imconform 0.1.0 (sha256:0123456789ab)`.
    pub fn label(&self) -> String {
        let short = self
            .fingerprint
            .get(..self.fingerprint.find(':').map_or(0, |i| i + 13))
            .unwrap_or(&self.fingerprint);
        let version = self.embedded_version.as_deref().unwrap_or("?");
        let embedded = EMBEDDED;
        if self.specs == embedded && self.snapshots == embedded {
            return format!("{embedded} (imconform {version}, {short})");
        }
        let part = |p: &str| {
            if p == embedded {
                format!("{embedded} in imconform {version}")
            } else {
                p.to_owned()
            }
        };
        format!(
            "specs {}, snapshots {} ({short})",
            part(&self.specs),
            part(&self.snapshots)
        )
    }
}

/// The documented facts about one endpoint (or `service` for the common errors).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EndpointInfo {
    pub name: String,
    /// The group types it supports under the profile; None when it is not about groups.
    #[serde(default)]
    pub supported_group_types: Option<Vec<String>>,
    #[serde(default)]
    pub errors: Vec<DocumentedError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocumentedError {
    pub code: i64,
    pub meaning: String,
    /// Why no case can provoke it, if none can.
    #[serde(default)]
    pub untriggerable: Option<String>,
}

/// A code a case's own step expects from the endpoint it calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedCode {
    pub call: String,
    pub code: i64,
}

/// What changed against a recorded baseline beyond the contract.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// The directory the baseline was read from.
    pub baseline: String,
    pub cases: Vec<CaseDrift>,
}

impl Drift {
    pub fn change_count(&self) -> usize {
        self.cases.iter().map(|c| c.changes.len()).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseDrift {
    pub id: String,
    pub changes: Vec<DriftChange>,
}

/// One difference between the recorded response and this run's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DriftChange {
    /// The case is in the baseline but did not run now.
    CaseMissing,
    /// The case ran now but is not in the baseline.
    CaseNew,
    /// A step answered then and has no response now, or the other way round.
    StepMissing {
        step: String,
    },
    StepNew {
        step: String,
    },
    HttpStatus {
        step: String,
        from: u16,
        to: u16,
    },
    CodeMoved {
        step: String,
        from: Option<i64>,
        to: Option<i64>,
    },
    FieldAppeared {
        step: String,
        pointer: String,
        value: Value,
    },
    FieldDisappeared {
        step: String,
        pointer: String,
        was: Value,
    },
    ValueChanged {
        step: String,
        pointer: String,
        from: Value,
        to: Value,
    },
    /// The same elements in another order (snapshot comparisons only: baselines compare
    /// arrays element by element).
    OrderChanged {
        step: String,
        pointer: String,
    },
}

/// One difference between a recorded snapshot and this run's response, judged against what the
/// docs pin down (the response schema: required fields, allowed fields, `x-open` values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotDifference {
    pub change: DriftChange,
    pub verdict: DifferenceVerdict,
    /// Why it got that verdict: `required by the response schema`, `x-open: <doc line>`, ...
    pub why: String,
}

/// A difference the docs pin down fails the contract; one they leave open is drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceVerdict {
    Failure,
    Drift,
}

impl RunReport {
    /// A report holding just these cases, for code that works case by case (progress lines,
    /// one-case test harnesses).
    pub fn of_cases(cases: Vec<CaseReport>) -> RunReport {
        RunReport {
            target: String::new(),
            target_name: None,
            profile: String::new(),
            contract: None,
            run_id: String::new(),
            started_at: String::new(),
            duration_ms: 0,
            requests: 0,
            teardown_warnings: Vec::new(),
            interrupted: false,
            cases,
            stale_known: Vec::new(),
            group_types: Vec::new(),
            endpoints: Vec::new(),
            drift: None,
        }
    }

    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for c in &self.cases {
            match c.outcome {
                Outcome::Pass => t.passed += 1,
                Outcome::Fail => t.failed += 1,
                Outcome::Error => t.errors += 1,
                Outcome::Skip => t.skipped += 1,
                Outcome::Known => t.known += 1,
                Outcome::Fixed => t.fixed += 1,
            }
            if c.drifted() {
                t.drifted += 1;
            }
        }
        t
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub skipped: usize,
    /// Failures listed as known deviations (`--known`).
    #[serde(default)]
    pub known: usize,
    /// Listed deviations that pass now.
    #[serde(default)]
    pub fixed: usize,
    /// Cases whose responses differed from their recorded snapshots only where the docs leave
    /// them open (snapshot drift, not failures; counted apart, whatever the outcome).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub drifted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every check held.
    Pass,
    /// The target broke the contract.
    Fail,
    /// The harness or the transport failed (unreachable target, fixture not made, ...).
    Error,
    /// Not run, with a reason.
    Skip,
    /// Failed, and listed as a known deviation of the target (`--known`): does not fail the gate.
    Known,
    /// Listed as a known deviation, but passed: the entry is to be removed. Does not fail the
    /// gate; every report lists it apart from the passes.
    Fixed,
}

impl Outcome {
    /// `pass`, `fail`, `error`, `skip`, `known`, `fixed`: as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
            Outcome::Skip => "skip",
            Outcome::Known => "known",
            Outcome::Fixed => "fixed",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseReport {
    /// `endpoint::case`.
    pub id: String,
    pub group: String,
    pub name: String,
    pub tags: Vec<String>,
    pub generated: bool,
    /// `file:line:column` of the case in its spec file.
    pub location: String,
    pub outcome: Outcome,
    /// For anything but a pass: the first reason, naming the step.
    pub reason: Option<String>,
    pub duration_ms: u64,
    pub steps: Vec<StepReport>,
    /// Problems while tearing down fixtures: reported, never a failure of the case.
    pub teardown_warnings: Vec<String>,
    /// The group types the case exercises: the type a `group_type.*` probe sets, or the
    /// `type` its fixtures are made with.
    #[serde(default)]
    pub group_types: Vec<String>,
    /// The codes its own steps (not teardown) expect, with the endpoint each step calls.
    #[serde(default)]
    pub expected_codes: Vec<ExpectedCode>,
    /// The optional feature (service `features:`) the target lacks: set when the case was
    /// skipped for it, or failed under `--require`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    /// The known-deviations entry that lists this case, when one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known: Option<KnownMark>,
}

impl CaseReport {
    /// Whether a snapshot check of the case drifted without failing it.
    pub fn drifted(&self) -> bool {
        self.snapshot_drift().next().is_some()
    }

    /// The snapshot checks that drifted without failing, with their steps.
    pub fn snapshot_drift(&self) -> impl Iterator<Item = (&StepReport, &CheckReport)> {
        self.steps.iter().flat_map(|s| {
            s.checks
                .iter()
                .filter(|c| c.drifted_and_passed())
                .map(move |c| (s, c))
        })
    }
}

/// Which known-deviations entry matched a case, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownMark {
    /// `case get_group_attr::*` or `endpoint set_attr`.
    pub entry: String,
    /// `file:line:column` of the entry.
    pub location: String,
    /// The known wrong behaviour: `code 10004` or free text.
    pub expect: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// Which part of a case a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Setup,
    Step,
    Teardown,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepReport {
    pub phase: Phase,
    /// 1-based within its phase.
    pub index: usize,
    pub call: String,
    pub location: String,
    pub request: RequestRecord,
    pub response: Option<ResponseRecord>,
    /// Set when no response could be had (refused, reset, timeout, garbage).
    pub transport_error: Option<String>,
    pub checks: Vec<CheckReport>,
    pub attempts: u32,
    pub duration_ms: u64,
}

impl StepReport {
    pub fn passed(&self) -> bool {
        self.transport_error.is_none() && self.checks.iter().all(|c| c.passed)
    }

    /// `step 2 (modify_group_attr)`, `setup 1 (create_group)`.
    pub fn label(&self) -> String {
        let phase = match self.phase {
            Phase::Setup => "setup",
            Phase::Step => "step",
            Phase::Teardown => "teardown",
        };
        format!("{phase} {} ({})", self.index, self.call)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    /// With secret query parameters replaced by `<redacted>`.
    pub url: String,
    pub body: String,
}

/// A response as the run keeps it: text only. The parsed tree the checks ran on is not kept: a
/// run holds every step's response until the reports are written, and a tree costs several
/// times the memory (and allocations) of its text. `json()` parses it again when asked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResponseRecord {
    pub status: u16,
    pub content_type: Option<String>,
    /// The body as text (lossy UTF-8), cut at the record limit (64 KiB).
    pub body: String,
    /// The body was not UTF-8: `body` shows it with replacement characters, and it is not JSON.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lossy: bool,
    /// The body was longer than the response cap and was cut before it was read whole.
    pub truncated: bool,
    /// The JSON body normalized as snapshots are (keys sorted, volatile values replaced by
    /// name): filled in when the run records or compares a baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized: Option<Value>,
}

impl ResponseRecord {
    /// The body parsed as JSON, when it is JSON (the text the checks parsed, unless the record
    /// had to cut it).
    pub fn json(&self) -> Option<Value> {
        if self.lossy {
            return None;
        }
        serde_json::from_str(&self.body).ok()
    }
}

/// One check of a step. A run keeps one per check of every step, nearly all of them passes, so
/// the detail sits behind a pointer: a pass is a name and two flags. Serialized as
/// `{check, passed, message, diff}`, plus `drift` and `differences` for a snapshot check that
/// met differences.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "CheckRecord", into = "CheckRecord")]
pub struct CheckReport {
    /// `envelope`, `code`, `schema`, `path /GroupAttrAry`, `snapshot NAME`. Most names are
    /// fixed words: they are not copied for every step of a run.
    pub check: Cow<'static, str>,
    pub passed: bool,
    /// The response differed from the recorded snapshot only where the docs leave it open
    /// (snapshot drift): the check passed, or failed under `--strict-snapshots`.
    pub drift: bool,
    detail: Option<Box<CheckDetail>>,
}

#[derive(Debug, Clone)]
struct CheckDetail {
    message: String,
    diff: Option<String>,
    differences: Vec<SnapshotDifference>,
}

impl CheckReport {
    pub fn pass(check: impl Into<Cow<'static, str>>) -> Self {
        Self {
            check: check.into(),
            passed: true,
            drift: false,
            detail: None,
        }
    }

    pub fn fail(check: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::with_detail(check, false, message)
    }

    /// A pass with differences the docs leave open (snapshot drift), said in `message`.
    pub fn drifted(check: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        let mut report = Self::with_detail(check, true, message);
        report.drift = true;
        report
    }

    fn with_detail(
        check: impl Into<Cow<'static, str>>,
        passed: bool,
        message: impl Into<String>,
    ) -> Self {
        Self {
            check: check.into(),
            passed,
            drift: false,
            detail: Some(Box::new(CheckDetail {
                message: message.into(),
                diff: None,
                differences: Vec::new(),
            })),
        }
    }

    /// A failure or drift with a unified diff (a snapshot mismatch).
    pub fn with_diff(mut self, diff: impl Into<String>) -> Self {
        if let Some(detail) = &mut self.detail {
            detail.diff = Some(diff.into());
        }
        self
    }

    /// A failure or drift with the differences it was judged on.
    pub fn with_differences(mut self, differences: Vec<SnapshotDifference>) -> Self {
        if let Some(detail) = &mut self.detail {
            detail.differences = differences;
        }
        self
    }

    /// What was expected and what came, when it failed or drifted.
    pub fn message(&self) -> Option<&str> {
        self.detail.as_ref().map(|f| f.message.as_str())
    }

    /// A unified diff, for snapshot mismatches.
    pub fn diff(&self) -> Option<&str> {
        self.detail.as_ref()?.diff.as_deref()
    }

    /// The differences a snapshot check was judged on, each with its verdict.
    pub fn differences(&self) -> &[SnapshotDifference] {
        self.detail
            .as_ref()
            .map_or(&[][..], |d| d.differences.as_slice())
    }

    /// Drift that did not fail the case (the run did not hold snapshots strictly).
    pub fn drifted_and_passed(&self) -> bool {
        self.drift && self.passed
    }
}

/// `CheckReport` as reports write it.
#[derive(Serialize, Deserialize)]
struct CheckRecord {
    check: Cow<'static, str>,
    passed: bool,
    message: Option<String>,
    diff: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    drift: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    differences: Vec<SnapshotDifference>,
}

impl From<CheckRecord> for CheckReport {
    fn from(r: CheckRecord) -> Self {
        let detail = match (r.message, r.diff, r.differences.is_empty()) {
            (None, None, true) => None,
            (message, diff, _) => Some(Box::new(CheckDetail {
                message: message.unwrap_or_default(),
                diff,
                differences: r.differences,
            })),
        };
        CheckReport {
            check: r.check,
            passed: r.passed,
            drift: r.drift,
            detail,
        }
    }
}

impl From<CheckReport> for CheckRecord {
    fn from(r: CheckReport) -> Self {
        let (message, diff, differences) = match r.detail {
            Some(d) => (Some(d.message), d.diff, d.differences),
            None => (None, None, Vec::new()),
        };
        CheckRecord {
            check: r.check,
            passed: r.passed,
            message,
            diff,
            drift: r.drift,
            differences,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_is_written_with_its_four_fields_and_read_back() {
        let pass = serde_json::to_value(CheckReport::pass("envelope")).unwrap();
        assert_eq!(
            pass,
            serde_json::json!({"check": "envelope", "passed": true, "message": null, "diff": null})
        );
        let fail = CheckReport::fail("snapshot s", "differs").with_diff("-a\n+b\n");
        let text = serde_json::to_string(&fail).unwrap();
        assert_eq!(
            text,
            r#"{"check":"snapshot s","passed":false,"message":"differs","diff":"-a\n+b\n"}"#
        );
        let back: CheckReport = serde_json::from_str(&text).unwrap();
        assert_eq!(
            (back.passed, back.message(), back.diff()),
            (false, Some("differs"), Some("-a\n+b\n"))
        );
        let back: CheckReport = serde_json::from_value(pass).unwrap();
        assert_eq!(
            (back.passed, back.message(), back.diff()),
            (true, None, None)
        );
        assert!(std::mem::size_of::<CheckReport>() <= 40);
    }
}
