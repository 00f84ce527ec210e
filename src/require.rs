//! `--require FEATURE`: a case skipped because the target lacks a feature the user requires
//! fails instead. A pure function of the result data, applied after the run.

use crate::result::{Outcome, RunReport};

/// Turns every skip for a feature in `required` into a failure that names the flag.
pub fn apply_required(report: &mut RunReport, required: &[String]) {
    for case in &mut report.cases {
        let Some(feature) = case.feature.as_deref() else {
            continue;
        };
        if case.outcome != Outcome::Skip || !required.iter().any(|r| r == feature) {
            continue;
        }
        let reason = case.reason.take().unwrap_or_default();
        // Appended, so the step label the reason starts with stays in front.
        case.reason = Some(format!(
            "{reason}; the run requires it (--require {feature})"
        ));
        case.outcome = Outcome::Fail;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::CaseReport;

    fn case(id: &str, outcome: Outcome, feature: Option<&str>) -> CaseReport {
        CaseReport {
            id: id.into(),
            group: "g".into(),
            name: id.into(),
            tags: Vec::new(),
            generated: false,
            location: "x.yaml:1:1".into(),
            outcome,
            reason: Some("step 1 (get_attr): feature `push_service` is not enabled on the target (code 90045)".into()),
            duration_ms: 0,
            steps: Vec::new(),
            teardown_warnings: Vec::new(),
            feature: feature.map(str::to_owned),
            known: None,
            group_types: Vec::new(),
            expected_codes: Vec::new(),
        }
    }

    #[test]
    fn only_skips_for_a_required_feature_fail() {
        let mut report = RunReport {
            target: "t".into(),
            target_name: None,
            profile: "current".into(),
            contract: None,
            run_id: "r".into(),
            started_at: String::new(),
            duration_ms: 0,
            requests: 0,
            teardown_warnings: Vec::new(),
            interrupted: false,
            cases: vec![
                case("push", Outcome::Skip, Some("push_service")),
                case("community", Outcome::Skip, Some("community_groups")),
                case("no_key", Outcome::Skip, None),
            ],
            stale_known: Vec::new(),
            group_types: Vec::new(),
            endpoints: Vec::new(),
            drift: None,
        };
        apply_required(&mut report, &["push_service".to_owned()]);
        let outcomes: Vec<Outcome> = report.cases.iter().map(|c| c.outcome).collect();
        assert_eq!(outcomes, [Outcome::Fail, Outcome::Skip, Outcome::Skip]);
        assert!(
            report.cases[0].reason.as_deref().unwrap()
                == "step 1 (get_attr): feature `push_service` is not enabled on the target (code 90045); the run requires it (--require push_service)"
        );
    }
}
