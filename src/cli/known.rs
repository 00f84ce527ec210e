//! `imconform known --from RUN.json`: a known-deviations file written from a run's failures,
//! so a target's current state becomes its expectations in one step.

use std::path::PathBuf;

use clap::Args;
use imconform::known::known_from_run;
use imconform::matrix::read_runs;

use super::common::{SpecsArg, eprint_error};
use super::exit;

#[derive(Args, Debug)]
pub struct KnownArgs {
    /// A JSON report (`run --report json=PATH`), or a matrix's JSON with --target.
    #[arg(long, value_name = "RUN.json")]
    from: PathBuf,
    /// The target to take from a matrix's JSON (it names its targets).
    #[arg(long, value_name = "NAME")]
    target: Option<String>,
    /// Write the file here (default: standard output).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// For the response field holding the API code.
    #[command(flatten)]
    specs: SpecsArg,
}

pub fn execute(args: KnownArgs) -> u8 {
    let suite = match args.specs.load() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut runs = match read_runs(&args.from) {
        Ok(r) => r,
        Err(e) => {
            eprint_error(e);
            return exit::USAGE;
        }
    };
    let names = || {
        (runs.iter())
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let index = match &args.target {
        Some(t) => runs.iter().position(|(n, _)| n == t).ok_or_else(|| {
            format!(
                "{} has no target `{t}` (it has {})",
                args.from.display(),
                names()
            )
        }),
        None if runs.len() == 1 => Ok(0),
        None => Err(format!(
            "{} holds several targets ({}): choose one with --target",
            args.from.display(),
            names()
        )),
    };
    let run = match index {
        Ok(i) => runs.swap_remove(i).1,
        Err(e) => {
            eprint_error(e);
            return exit::USAGE;
        }
    };
    let source = args.from.display().to_string();
    let (text, entries) = known_from_run(&run, &suite.service.envelope.code_field, &source);
    match &args.output {
        None => print!("{text}"),
        Some(path) => {
            let written = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
                Some(dir) => std::fs::create_dir_all(dir),
                None => Ok(()),
            }
            .and_then(|_| std::fs::write(path, &text));
            if let Err(e) = written {
                eprint_error(format!("failed to write {}: {e}", path.display()));
                return exit::HARNESS_ERROR;
            }
            eprintln!(
                "imconform: wrote {entries} known deviation{} to {}: fill in the TODO notes",
                if entries == 1 { "" } else { "s" },
                path.display()
            );
        }
    }
    exit::OK
}
