//! `imconform export`: the contract as an OpenAPI 3.1 document or a Hurl file, or the
//! built-in contract itself written out as files.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use imconform::contract::{WriteError, write_embedded};
use imconform::export::{HurlOptions, OpenApiOptions, hurl, openapi};
use imconform::spec::Suite;

use super::common::{SpecsArg, eprint_error};
use super::exit;

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(subcommand)]
    format: Format,
}

#[derive(Subcommand, Debug)]
enum Format {
    /// An OpenAPI 3.1 document (JSON) of every endpoint.
    Openapi(OpenApiArgs),
    /// A .hurl file of the selected cases (fixture setup, steps, teardown).
    Hurl(HurlArgs),
    /// The contract built into imconform, as files: DIR/specs and DIR/snapshots, to edit or
    /// extend (`run --specs DIR/specs --snapshots DIR/snapshots`, `lint DIR`).
    Contract(ContractArgs),
}

#[derive(Args, Debug)]
struct ContractArgs {
    /// The directory to write specs/ and snapshots/ into (made if missing).
    dir: PathBuf,
    /// Write over the files of an earlier export (other files are left alone).
    #[arg(long)]
    force: bool,
}

#[derive(Args, Debug)]
struct Common {
    #[command(flatten)]
    specs: SpecsArg,
    /// The doc revision (default: the service file's newest).
    #[arg(long)]
    profile: Option<String>,
    /// Write here instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct OpenApiArgs {
    #[command(flatten)]
    common: Common,
    /// A base URL for `servers` (repeatable; default: a placeholder).
    #[arg(long)]
    server: Vec<String>,
}

#[derive(Args, Debug)]
struct HurlArgs {
    #[command(flatten)]
    common: Common,
    /// Export only cases whose id, endpoint or tag matches (repeatable), as `run --filter`.
    #[arg(long)]
    filter: Vec<String>,
    /// Leave out cases whose id, endpoint or tag matches (repeatable), as `run --exclude`.
    #[arg(long)]
    exclude: Vec<String>,
    /// Run id the fixture names are made from (prefix `hurl<ID>`; default: random).
    #[arg(long)]
    run_id: Option<String>,
    /// Also write the ids of the exported cases here, one a line.
    #[arg(long)]
    case_list: Option<PathBuf>,
}

pub fn execute(args: ExportArgs) -> u8 {
    match args.format {
        Format::Openapi(a) => export_openapi(a),
        Format::Hurl(a) => export_hurl(a),
        Format::Contract(a) => export_contract(a),
    }
}

fn load(common: &Common) -> Result<(Suite, String), u8> {
    let suite = common.specs.load()?;
    let profile = common
        .profile
        .clone()
        .unwrap_or_else(|| suite.service.default_profile.clone());
    Ok((suite, profile))
}

fn write(path: Option<&Path>, text: &str) -> u8 {
    match path {
        None => {
            print!("{text}");
            exit::OK
        }
        Some(p) => match std::fs::write(p, text) {
            Ok(()) => exit::OK,
            Err(e) => {
                eprint_error(format!("failed to write {}: {e}", p.display()));
                exit::HARNESS_ERROR
            }
        },
    }
}

fn export_openapi(args: OpenApiArgs) -> u8 {
    let (suite, profile) = match load(&args.common) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let options = OpenApiOptions {
        profile,
        servers: args.server,
    };
    match openapi(&suite, &options) {
        Ok(doc) => {
            let mut text = serde_json::to_string_pretty(&doc).expect("JSON serializes");
            text.push('\n');
            write(args.common.output.as_deref(), &text)
        }
        Err(e) => {
            eprint_error(e);
            exit::USAGE
        }
    }
}

fn export_hurl(args: HurlArgs) -> u8 {
    let (suite, profile) = match load(&args.common) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let options = HurlOptions {
        profile,
        filters: args.filter,
        exclude: args.exclude,
        run_id: args
            .run_id
            .unwrap_or_else(|| format!("{:08x}", rand::random::<u32>())),
    };
    let export = match hurl(&suite, &options) {
        Ok(x) => x,
        Err(e) => {
            eprint_error(e);
            return exit::USAGE;
        }
    };
    if export.cases.is_empty() {
        eprint_error("no exportable case matches the filters");
        return exit::USAGE;
    }
    for (id, reason) in &export.skipped {
        eprintln!("imconform: skipped {id}: {reason}");
    }
    eprintln!(
        "imconform: exported {} cases ({} requests), skipped {}",
        export.cases.len(),
        export.requests,
        export.skipped.len()
    );
    if let Some(p) = &args.case_list {
        let mut list = export.cases.join("\n");
        list.push('\n');
        if let Err(e) = std::fs::write(p, list) {
            eprint_error(format!("failed to write {}: {e}", p.display()));
            return exit::HARNESS_ERROR;
        }
    }
    write(args.common.output.as_deref(), &export.text)
}

fn export_contract(args: ContractArgs) -> u8 {
    match write_embedded(&args.dir, args.force) {
        Ok(written) => {
            println!(
                "wrote the contract of imconform {}: {} spec files to {}, {} snapshots to {}",
                imconform::contract::VERSION,
                written.spec_files,
                written.specs_dir.display(),
                written.snapshot_files,
                written.snapshots_dir.display()
            );
            exit::OK
        }
        Err(e @ WriteError::Exists(_)) => {
            eprint_error(e);
            exit::USAGE
        }
        Err(e) => {
            eprint_error(e);
            exit::HARNESS_ERROR
        }
    }
}
