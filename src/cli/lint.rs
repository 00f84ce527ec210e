//! `imconform lint` and `imconform coverage`.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use imconform::check::{SchemaSet, unrecorded_snapshots};
use imconform::contract::sources_in;
use imconform::spec::load_contract;

use super::common::{SpecsArg, eprint_error};
use super::exit;

#[derive(Args, Debug)]
pub struct LintArgs {
    /// A spec directory, or a contract directory with specs/ and snapshots/ inside (as
    /// `export contract DIR` writes it). Default: the contract built into imconform.
    #[arg(default_value = imconform::contract::EMBEDDED)]
    dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct CoverageArgs {
    #[command(flatten)]
    specs: SpecsArg,
    /// Count only this profile's cases (default: every profile; a code is covered when a case
    /// provokes it under any of them).
    #[arg(long)]
    profile: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn execute_lint(args: LintArgs) -> u8 {
    let (specs, snapshots) = sources_in(&args.dir);
    let suite = match load_contract(&specs) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return exit::BAD_SPEC;
        }
    };
    if let Err(errors) = SchemaSet::compile(&suite) {
        for e in errors {
            eprintln!("{e}");
        }
        return exit::BAD_SPEC;
    }
    let mut recorded = String::new();
    if let Some(snapshots) = &snapshots {
        let missing = unrecorded_snapshots(&suite, snapshots);
        if !missing.is_empty() {
            for e in missing {
                eprintln!("{e}");
            }
            return exit::BAD_SPEC;
        }
        let count = snapshots.files(Path::new("")).map_or(0, |f| f.len());
        recorded = format!(", {count} snapshots (each one a case compares with is recorded)");
    }
    let cases: usize = suite
        .service
        .profiles
        .keys()
        .map(|p| suite.plan(p).len())
        .max()
        .unwrap_or(0);
    let label = if specs.is_embedded() {
        format!(
            "embedded contract (imconform {})",
            imconform::contract::VERSION
        )
    } else {
        specs.to_string()
    };
    println!(
        "{label}: {} endpoints, {} schema files, {} profiles, up to {cases} cases per profile{recorded}: ok",
        suite.endpoints.len(),
        suite.schema_documents.len(),
        suite.service.profiles.len()
    );
    exit::OK
}

pub fn execute_coverage(args: CoverageArgs) -> u8 {
    let suite = match args.specs.load() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let report = match &args.profile {
        None => imconform::coverage::coverage_all_profiles(&suite),
        Some(profile) if suite.service.profiles.contains_key(profile) => {
            imconform::coverage::coverage(&suite, profile)
        }
        Some(profile) => {
            eprint_error(format!("unknown profile {profile:?}"));
            return exit::USAGE;
        }
    };
    match args.format {
        Format::Text => print!("{}", imconform::coverage::render_text(&report)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("coverage serializes")
        ),
    }
    if report.is_complete() {
        exit::OK
    } else {
        exit::CONTRACT_FAILURE
    }
}
