//! Two run reports compared: the cases whose outcome changed (pass → fail, fail → pass, ...),
//! the cases only the newer run has, and those it lost. The data behind `imconform diff`.

use crate::result::{Outcome, RunReport};

/// One case whose outcome differs between the two runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeChange {
    pub id: String,
    /// None: the case is new in the second run.
    pub before: Option<Outcome>,
    /// None: the case is not in the second run.
    pub after: Option<Outcome>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportDiff {
    /// In the second run's order, then the removed cases in the first run's order.
    pub changes: Vec<OutcomeChange>,
    /// Cases in both runs with the same outcome.
    pub unchanged: usize,
}

impl ReportDiff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

pub fn diff_reports(before: &RunReport, after: &RunReport) -> ReportDiff {
    let mut out = ReportDiff::default();
    for case in &after.cases {
        let old = before.cases.iter().find(|c| c.id == case.id);
        match old {
            Some(old) if old.outcome == case.outcome => out.unchanged += 1,
            _ => out.changes.push(OutcomeChange {
                id: case.id.clone(),
                before: old.map(|c| c.outcome),
                after: Some(case.outcome),
            }),
        }
    }
    for case in &before.cases {
        if !after.cases.iter().any(|c| c.id == case.id) {
            out.changes.push(OutcomeChange {
                id: case.id.clone(),
                before: Some(case.outcome),
                after: None,
            });
        }
    }
    out
}

/// `pass → fail  id`, one line per change, and a closing count.
pub fn render_text(diff: &ReportDiff) -> String {
    let mut out = String::new();
    for c in &diff.changes {
        let line = match (c.before, c.after) {
            (Some(a), Some(b)) => format!("{} → {}", name(a), name(b)),
            (None, Some(b)) => format!("new ({})", name(b)),
            (Some(a), None) => format!("removed (was {})", name(a)),
            (None, None) => "unchanged".to_owned(),
        };
        out.push_str(&format!("{line:<18} {}\n", c.id));
    }
    let count = |f: fn(&OutcomeChange) -> bool| diff.changes.iter().filter(|c| f(c)).count();
    out.push_str(&format!(
        "{} changed outcome ({} newly failing, {} newly passing), {} new, {} removed, {} unchanged\n",
        count(|c| c.before.is_some() && c.after.is_some()),
        count(|c| c.before.is_some() && c.after.is_some_and(failing)),
        count(|c| c.before.is_some() && c.after == Some(Outcome::Pass)),
        count(|c| c.before.is_none()),
        count(|c| c.after.is_none()),
        diff.unchanged
    ));
    out
}

fn failing(o: Outcome) -> bool {
    matches!(o, Outcome::Fail | Outcome::Error)
}

fn name(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Error => "error",
        Outcome::Skip => "skip",
        Outcome::Known => "known",
        Outcome::Fixed => "fixed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::to_json;

    fn report(cases: &[(&str, Outcome)]) -> RunReport {
        let mut r: RunReport =
            serde_json::from_str(&to_json(&empty())).expect("a report reads back");
        for (id, outcome) in cases {
            r.cases.push(crate::result::CaseReport {
                id: (*id).into(),
                group: "g".into(),
                name: (*id).into(),
                tags: Vec::new(),
                generated: false,
                location: "s.yaml:1:1".into(),
                outcome: *outcome,
                reason: None,
                duration_ms: 0,
                steps: Vec::new(),
                teardown_warnings: Vec::new(),
                group_types: Vec::new(),
                expected_codes: Vec::new(),
                feature: None,
                known: None,
            });
        }
        r
    }

    fn empty() -> RunReport {
        RunReport {
            target: "t".into(),
            target_name: None,
            profile: "current".into(),
            contract: None,
            run_id: "r".into(),
            started_at: "2025-01-01T00:00:00Z".into(),
            duration_ms: 0,
            requests: 0,
            teardown_warnings: Vec::new(),
            interrupted: false,
            cases: Vec::new(),
            stale_known: Vec::new(),
            group_types: Vec::new(),
            endpoints: Vec::new(),
            drift: None,
        }
    }

    #[test]
    fn outcome_changes_new_and_removed_cases() {
        use Outcome::*;
        let a = report(&[("a", Pass), ("b", Fail), ("c", Pass), ("gone", Pass)]);
        let b = report(&[("a", Fail), ("b", Pass), ("c", Pass), ("fresh", Skip)]);
        let d = diff_reports(&a, &b);
        assert_eq!(d.unchanged, 1);
        let text = render_text(&d);
        assert_eq!(
            text,
            "pass → fail        a\n\
             fail → pass        b\n\
             new (skip)         fresh\n\
             removed (was pass) gone\n\
             2 changed outcome (1 newly failing, 1 newly passing), 1 new, 1 removed, 1 unchanged\n"
        );
        assert!(diff_reports(&a, &a).is_empty());
    }
}
