//! `imconform selftest`: the fault matrix.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use imconform::contract::{ContractSource, Part};
use imconform::selftest::{SelftestConfig, render_text, selftest};
use imconform::spec::load_contract;

use super::common::{eprint_error, runtime};
use super::exit;

#[derive(Args, Debug)]
pub struct SelftestArgs {
    /// The spec directory (default: the contract built into imconform).
    #[arg(
        long,
        env = "IMCONFORM_SPECS",
        default_value = imconform::contract::EMBEDDED,
        value_name = "DIR"
    )]
    specs: PathBuf,
    /// Where recorded snapshots live (default: the ones built into imconform).
    #[arg(
        long,
        env = "IMCONFORM_SNAPSHOTS",
        default_value = imconform::contract::EMBEDDED,
        value_name = "DIR"
    )]
    snapshots: PathBuf,
    /// Write the matrix as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Emulator runs at once.
    #[arg(long, default_value_t = 6)]
    parallel: usize,
}

pub fn execute(args: SelftestArgs) -> u8 {
    let suite = match load_contract(&ContractSource::from_arg(Part::Specs, &args.specs)) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("{e}");
            return exit::BAD_SPEC;
        }
    };
    let scratch = std::env::temp_dir().join(format!("imconform-selftest-{}", std::process::id()));
    let config = SelftestConfig {
        snapshots: ContractSource::from_arg(Part::Snapshots, &args.snapshots),
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
