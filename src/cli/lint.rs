//! `imconform lint` and `imconform coverage`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use imconform::check::SchemaSet;
use imconform::spec::load_suite;

use super::common::eprint_error;
use super::exit;

#[derive(Args, Debug)]
pub struct LintArgs {
    /// The spec directory.
    #[arg(default_value = "specs")]
    dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct CoverageArgs {
    /// The spec directory.
    #[arg(long, default_value = "specs")]
    specs: PathBuf,
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
    let suite = match load_suite(&args.dir) {
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
    let cases: usize = suite
        .service
        .profiles
        .keys()
        .map(|p| suite.plan(p).len())
        .max()
        .unwrap_or(0);
    println!(
        "{}: {} endpoints, {} schema files, {} profiles, up to {cases} cases per profile: ok",
        args.dir.display(),
        suite.endpoints.len(),
        suite.schema_documents.len(),
        suite.service.profiles.len()
    );
    exit::OK
}

pub fn execute_coverage(args: CoverageArgs) -> u8 {
    let suite = match load_suite(&args.specs) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return exit::BAD_SPEC;
        }
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
