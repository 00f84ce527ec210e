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
        parallel: 6,
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
}
