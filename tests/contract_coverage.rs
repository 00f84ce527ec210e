//! The shipped contract covers every documented error code and probes every declared rule on
//! both sides of its edge (or says why it cannot), and is big enough to mean something.

use std::collections::HashSet;
use std::path::PathBuf;

use imconform::coverage::{CodeStatus, coverage_all_profiles};
use imconform::spec::load_suite;
use imconform::spec::rules::{RuleKind, SideExpect};

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

#[test]
fn every_declared_rule_is_probed_on_both_sides_or_explained() {
    let suite =
        load_suite(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs")).expect("specs load");
    let report = coverage_all_profiles(&suite);
    let rules = &report.rules;
    let gaps: Vec<String> = rules
        .gaps()
        .map(|(row, side)| format!("{} {} {}", row.scope, row.id, side.side))
        .collect();
    assert!(gaps.is_empty(), "sides no case probes: {gaps:#?}");
    // Every side names cases the plans hold (ids of other profiles are `PROFILE/id`).
    let mut planned = HashSet::new();
    for profile in suite.service.profiles.keys() {
        for case in suite.plan(profile) {
            planned.insert(if *profile == suite.service.default_profile {
                case.id
            } else {
                format!("{profile}/{}", case.id)
            });
        }
    }
    for row in &rules.rows {
        for side in &row.sides {
            for id in &side.cases {
                assert!(
                    planned.contains(id),
                    "{} {}: {id} is not planned",
                    row.id,
                    side.side
                );
            }
        }
        // A rule with an edge has both sides of it: what is accepted (or counted) and what is
        // refused (or not counted). Group-type support may have every type on one side.
        let has = |e: SideExpect| row.sides.iter().any(|s| s.expect == e);
        match row.kind {
            RuleKind::GroupTypes => {}
            RuleKind::WriteLimit if row.id.ends_with(".counting") => assert!(
                has(SideExpect::Counted) && has(SideExpect::NotCounted),
                "{}",
                row.id
            ),
            _ => assert!(
                has(SideExpect::Accepted) && has(SideExpect::Refused),
                "{} {}",
                row.scope,
                row.id
            ),
        }
    }
    // The kinds of rule the docs state are all declared.
    for kind in [
        RuleKind::Limit,
        RuleKind::Range,
        RuleKind::WriteLimit,
        RuleKind::GroupTypes,
        RuleKind::Expiry,
    ] {
        assert!(
            rules.rows.iter().any(|r| r.kind == kind),
            "no {kind:?} rule"
        );
    }
    assert!(
        rules.totals.sides_probed > 10 * rules.totals.sides_untriggerable,
        "{:?}",
        rules.totals
    );
    assert!(report.is_complete());
}
