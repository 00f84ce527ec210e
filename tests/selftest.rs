//! The fault matrix in `cargo test`: the suite passes the faithful emulator and the
//! details-differ mode under every profile, and catches every named fault.

use std::path::PathBuf;
use std::sync::Arc;

use imconform::contract::{ContractSource, Part};
use imconform::selftest::{SelftestConfig, render_text, selftest};
use imconform::spec::load_suite;

#[test]
fn every_fault_is_caught_and_clean_runs_pass() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let suite = Arc::new(load_suite(&root.join("specs")).expect("the specs load"));
    let scratch =
        std::env::temp_dir().join(format!("imconform-selftest-test-{}", std::process::id()));
    let config = SelftestConfig {
        snapshots: ContractSource::dir(Part::Snapshots, root.join("snapshots")),
        scratch: scratch.clone(),
        parallel: 12,
        jobs: 8,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = rt
        .block_on(selftest(suite, &config))
        .expect("selftest runs");
    let _ = std::fs::remove_dir_all(&scratch);
    let text = render_text(&report);
    println!("{text}");
    assert!(
        report.faults.len() >= 30,
        "only {} faults",
        report.faults.len()
    );
    assert_eq!(
        report.clean.len(),
        6,
        "clean and details-differ under each of three profiles"
    );
    for clean in &report.clean {
        assert!(
            clean.passed > 200,
            "{} {}: only {} cases passed",
            clean.mode,
            clean.profile,
            clean.passed
        );
        assert!(
            clean.not_passed.is_empty(),
            "{} {} has failures:\n{text}",
            clean.mode,
            clean.profile
        );
        // The faithful runs hold the snapshots byte for byte; details-differ must show drift
        // (differences the docs leave open), or the mode varies too little to prove anything.
        match clean.mode.as_str() {
            "clean" => assert_eq!(clean.drifted, 0, "{text}"),
            _ => assert!(
                clean.drifted >= 10,
                "{} {}: only {} cases drifted:\n{text}",
                clean.mode,
                clean.profile,
                clean.drifted
            ),
        }
    }
    let missed: Vec<&str> = report
        .faults
        .iter()
        .filter(|f| f.caught_by.is_empty())
        .map(|f| f.fault.as_str())
        .collect();
    assert!(
        missed.is_empty(),
        "faults no case caught: {missed:?}\n{text}"
    );
    // Each edge the rule generators add catches a deviation at that edge.
    let mut not_caught = Vec::new();
    for (fault, case) in EDGE_CATCHES {
        let run = report
            .faults
            .iter()
            .find(|f| f.fault == *fault)
            .unwrap_or_else(|| panic!("no fault named {fault}"));
        if !run.caught_by.iter().any(|c| c == case) {
            not_caught.push(format!("{fault} not caught by {case}"));
        }
    }
    assert!(not_caught.is_empty(), "{not_caught:#?}\n{text}");
}

/// A generated case on each side of a declared rule, and a fault at that edge it must catch.
const EDGE_CATCHES: &[(&str, &str)] = &[
    ("expired-sig-grace", "service::expiry.after"),
    ("sig-expires-early", "service::expiry.before"),
    ("random-max-refused", "service::range.random.at_max"),
    (
        "push-min-length-off-by-one",
        "set_attr::limit.value_bytes.at_min",
    ),
    (
        "push-min-length-off-by-one",
        "set_attr_name::limit.name_bytes.at_min",
    ),
    (
        "push-empty-accepted",
        "set_attr::limit.value_bytes.below_min",
    ),
    (
        "push-empty-accepted",
        "set_attr_name::limit.name_bytes.below_min",
    ),
    (
        "attr-index-nine-refused",
        "set_attr_name::range.attr_index.at_max",
    ),
    (
        "attr-index-ten-accepted",
        "set_attr_name::range.attr_index.past_max",
    ),
    (
        "attr-index-negative-accepted",
        "set_attr_name::range.attr_index.below_min",
    ),
    (
        "attr-type-unchecked",
        "set_attr_name::range.attr_type.below_min",
    ),
    (
        "attr-type-unchecked",
        "set_attr_name::range.attr_type.past_max",
    ),
    (
        "group-id-limit-off-by-one",
        "create_group::limit.group_id_bytes.ascii.past_max",
    ),
    (
        "user-id-max-refused",
        "account_import::limit.user_id_bytes.ascii.at_max",
    ),
    (
        "stored-at-max-truncated",
        "modify_group_attr::limit.key_bytes.multibyte.at_max",
    ),
    (
        "stored-at-max-truncated",
        "set_group_attr::limit.value_bytes.ascii.at_max",
    ),
    (
        "stored-at-max-truncated",
        "set_attr::limit.value_bytes.multibyte.at_max",
    ),
    (
        "stored-at-max-truncated",
        "set_attr_name::limit.name_bytes.ascii.at_max",
    ),
    (
        "stored-at-max-truncated",
        "create_group::limit.name_bytes.multibyte.at_max",
    ),
    (
        "stored-at-max-truncated",
        "create_group::limit.face_url_bytes.ascii.at_max",
    ),
    (
        "reads-count-as-writes",
        "modify_group_attr::rate.group_attr_write.not_counted.reads",
    ),
    (
        "write-limit-per-app",
        "modify_group_attr::rate.group_attr_write.not_counted.other_group",
    ),
    (
        "write-limit-per-api",
        "modify_group_attr::rate.group_attr_write.counted.set_group_attr",
    ),
    (
        "write-limit-per-api",
        "modify_group_attr::rate.group_attr_write.counted.clear_group_attr",
    ),
    (
        "write-limit-per-api",
        "modify_group_attr::rate.group_attr_write.counted.delete_group_attr",
    ),
];
