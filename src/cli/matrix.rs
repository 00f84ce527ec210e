//! `imconform matrix RUN.json...`: targets side by side from earlier JSON reports (other
//! machines, other days), with the same reports as a run of several targets.

use std::path::PathBuf;

use clap::Args;
use imconform::matrix::{build_matrix, read_runs};
use imconform::pipeline::{ReportFile, write_matrix_reports};

use super::common::eprint_error;
use super::exit;

#[derive(Args, Debug)]
pub struct MatrixArgs {
    /// JSON reports (`run --report json=PATH`, or a matrix's); `NAME=PATH` names a report's
    /// column (default: the target's name in the report, else the file name).
    #[arg(required = true, value_name = "[NAME=]RUN.json")]
    reports: Vec<String>,
    /// Write the matrix: html=PATH, markdown=PATH, json=PATH or junit=PATH (repeatable).
    #[arg(long, value_name = "FORMAT=PATH")]
    report: Vec<String>,
}

/// 0 when every target conforms, 1 when one broke the contract, 3 when one only had harness
/// errors or was interrupted, 4 when a file cannot be read.
pub fn execute(args: MatrixArgs) -> u8 {
    let files: Vec<ReportFile> = match args.report.iter().map(|s| s.parse()).collect() {
        Ok(r) => r,
        Err(e) => {
            eprint_error(e);
            return exit::USAGE;
        }
    };
    let mut runs = Vec::new();
    for arg in &args.reports {
        let (name, path) = named(arg);
        match read_runs(&path) {
            Ok(read) => {
                let one = read.len() == 1;
                for (own, run) in read {
                    let column = match (&name, one) {
                        (Some(n), true) => n.clone(),
                        (Some(n), false) => format!("{n}/{own}"),
                        (None, _) => own,
                    };
                    runs.push((column, run));
                }
            }
            Err(e) => {
                eprint_error(e);
                return exit::USAGE;
            }
        }
    }
    let matrix = build_matrix(runs);
    print!("{}", imconform::report::matrix_summary(&matrix));
    let not_written = write_matrix_reports(&matrix, &files);
    for e in &not_written {
        eprint_error(e);
    }
    let status = matrix.status();
    if not_written.is_empty() {
        status.exit_code()
    } else {
        status.with_harness_problem().exit_code()
    }
}

/// `NAME=PATH` when the part before `=` is a plain name and the whole is not a file.
fn named(arg: &str) -> (Option<String>, PathBuf) {
    if let Some((name, path)) = arg.split_once('=')
        && !name.is_empty()
        && !name.contains(['/', '\\'])
        && !std::path::Path::new(arg).exists()
    {
        return (Some(name.to_owned()), PathBuf::from(path));
    }
    (None, PathBuf::from(arg))
}
