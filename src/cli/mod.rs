//! Flags, environment and defaults, resolved in that order (flags win). Secrets are read
//! from the environment or a file and never printed, not even as `--help` defaults.

mod cleanup;
mod common;
mod diff;
mod export;
mod known;
mod lint;
mod matrix;
mod run;
mod selftest;
mod serve;
mod usersig;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, documented in `docs/exit-codes.md` (kept in the library: the run pipeline maps
/// its errors and verdicts to them).
pub use imconform::exit;

#[derive(Parser)]
#[command(
    name = "imconform",
    version,
    about = "Contract conformance harness for the Tencent Cloud Chat REST API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the suite against a target (default: the embedded emulator).
    Run(Box<run::RunArgs>),
    /// Serve the reference emulator.
    Serve(serve::ServeArgs),
    /// Load every spec and report problems as file:line:column: reason.
    Lint(lint::LintArgs),
    /// Per endpoint: documented error codes and the cases that cover each.
    Coverage(lint::CoverageArgs),
    /// Print a UserSig (TLSSigAPIv2).
    Usersig(usersig::UsersigArgs),
    /// Compare two JSON reports (from `run --report json=PATH`): cases that changed outcome.
    Diff(diff::DiffArgs),
    /// Targets side by side from earlier JSON reports: the interop matrix.
    Matrix(matrix::MatrixArgs),
    /// Write a known-deviations file from a run's failures (`--from RUN.json`).
    Known(known::KnownArgs),
    /// Tear down fixtures that earlier runs left on a target (from their ledger).
    Cleanup(cleanup::CleanupArgs),
    /// Run the suite against the emulator: faithful, details-differ, and once per fault.
    Selftest(selftest::SelftestArgs),
    /// Write the contract in another tool's format (OpenAPI 3.1, Hurl).
    Export(export::ExportArgs),
}

pub fn main() -> ExitCode {
    // clap exits with 2 on a bad flag, which is `BAD_SPEC` here: usage errors get `USAGE`.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(exit::USAGE);
        }
        Err(e) => e.exit(),
    };
    let code = match cli.command {
        Command::Run(args) => run::execute(*args),
        Command::Serve(args) => serve::execute(args),
        Command::Lint(args) => lint::execute_lint(args),
        Command::Coverage(args) => lint::execute_coverage(args),
        Command::Usersig(args) => usersig::execute(args),
        Command::Diff(args) => diff::execute(args),
        Command::Matrix(args) => matrix::execute(args),
        Command::Known(args) => known::execute(args),
        Command::Selftest(args) => selftest::execute(args),
        Command::Cleanup(args) => cleanup::execute(args),
        Command::Export(args) => export::execute(args),
    };
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap checks flag definitions (unique names, valid defaults) only when a command is
    /// built; this builds every one.
    #[test]
    fn every_command_s_flags_are_well_formed() {
        super::Cli::command().debug_assert();
    }
}
