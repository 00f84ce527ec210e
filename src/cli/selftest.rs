//! `imconform selftest`: the fault matrix.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use imconform::selftest::{SelftestConfig, render_text, selftest};

use super::common::{SnapshotsArg, SpecsArg, eprint_error, runtime};
use super::exit;

#[derive(Args, Debug)]
pub struct SelftestArgs {
    #[command(flatten)]
    specs: SpecsArg,
    #[command(flatten)]
    snapshots: SnapshotsArg,
    /// Write the matrix as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Emulator runs at once (runs mostly wait on pacing, so more than cores).
    #[arg(long, default_value_t = 12)]
    parallel: usize,
}

pub fn execute(args: SelftestArgs) -> u8 {
    let suite = match args.specs.load() {
        Ok(s) => Arc::new(s),
        Err(code) => return code,
    };
    let scratch = std::env::temp_dir().join(format!("imconform-selftest-{}", std::process::id()));
    let config = SelftestConfig {
        snapshots: args.snapshots.source(),
        scratch: scratch.clone(),
        parallel: args.parallel,
        jobs: 8,
    };
    let report = match runtime().block_on(selftest(suite, &config)) {
        Ok(r) => r,
        Err(e) => {
            eprint_error(e);
            return exit::HARNESS_ERROR;
        }
    };
    let _ = std::fs::remove_dir_all(&scratch);
    print!("{}", render_text(&report));
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report).expect("the matrix serializes");
        if let Err(e) = std::fs::write(path, text) {
            eprint_error(format!("failed to write {}: {e}", path.display()));
            return exit::HARNESS_ERROR;
        }
    }
    if report.passed() {
        exit::OK
    } else {
        exit::CONTRACT_FAILURE
    }
}
