//! The shipped contract covers every documented error code (or says why it cannot), and is
//! big enough to mean something.

use std::path::PathBuf;

use imconform::coverage::{CodeStatus, coverage_all_profiles};
use imconform::spec::load_suite;

#[test]
fn every_documented_code_is_covered_or_explained() {
    let suite =
        load_suite(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs")).expect("specs load");
    let report = coverage_all_profiles(&suite);
    let uncovered: Vec<String> = report
        .groups
        .iter()
        .flat_map(|g| {
            g.codes
                .iter()
                .filter(|c| c.status == CodeStatus::Uncovered)
                .map(move |c| format!("{} {}", g.group, c.code))
        })
        .collect();
    assert!(uncovered.is_empty(), "uncovered: {uncovered:?}");
    assert!(report.is_complete());
    assert!(
        report.totals.covered > report.totals.untriggerable,
        "{:?}",
        report.totals
    );
}

#[test]
fn the_default_profile_has_at_least_150_cases_and_every_endpoint_has_cases() {
    let suite =
        load_suite(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs")).expect("specs load");
    let plan = suite.plan(&suite.service.default_profile);
    assert!(plan.len() >= 150, "only {} cases", plan.len());
    for name in suite.endpoints.keys() {
        assert!(
            plan.iter().any(|c| c.steps.iter().any(|s| &s.call == name)),
            "no case calls {name}"
        );
    }
}
