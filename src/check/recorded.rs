//! Whether a contract's snapshots are complete: every snapshot a case compares with, under
//! every profile it runs in, is recorded. `lint` says which are not, at the step that names
//! them, instead of leaving it to the first run's failures.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::contract::ContractSource;
use crate::spec::{SpecError, Suite};

pub fn unrecorded_snapshots(suite: &Suite, snapshots: &ContractSource) -> Vec<SpecError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for profile in suite.service.profiles.keys() {
        // The default profile's snapshots sit at the root, the others' in a folder each.
        let folder = if *profile == suite.service.default_profile {
            PathBuf::new()
        } else {
            PathBuf::from(profile)
        };
        for case in suite.plan(profile) {
            for step in case.steps.iter().chain(&case.teardown) {
                let Some(snap) = &step.expect.snapshot else {
                    continue;
                };
                let rel = folder.join(format!("{}.snap", snap.name));
                if snapshots.exists(&rel) || !seen.insert(rel.clone()) {
                    continue;
                }
                out.push(SpecError {
                    loc: snap.loc.clone(),
                    message: format!(
                        "snapshot `{}` is not recorded under profile `{profile}`: there is no {} (record it with `run --profile {profile} --snapshots DIR --update-snapshots`)",
                        snap.name,
                        snapshots.shown_path(&rel).display()
                    ),
                });
            }
        }
    }
    out
}
