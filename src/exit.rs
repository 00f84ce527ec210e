//! Exit codes, documented in `docs/exit-codes.md`. They live in the library because the run
//! pipeline's errors and verdicts map to them; the CLI only returns them.

use crate::runner::RunError;

/// Every selected case passed, was skipped, or failed as a listed known deviation (or the
/// command succeeded).
pub const OK: u8 = 0;
/// The target broke the contract in at least one case.
pub const CONTRACT_FAILURE: u8 = 1;
/// The spec files (or the `--known` list) are invalid: `file:line:column: reason`.
pub const BAD_SPEC: u8 = 2;
/// The harness or the transport failed (target unreachable, fixture not made) and no
/// case failed the contract.
pub const HARNESS_ERROR: u8 = 3;
/// Bad flags or configuration.
pub const USAGE: u8 = 4;
/// `run --fail-on-drift`: every case passed but responses drifted from the baseline.
pub const DRIFT: u8 = 5;
/// Interrupted by Ctrl-C.
pub const INTERRUPTED: u8 = 130;

/// The exit code for a run that could not be set up: a target URL that cannot be used is a
/// configuration problem; anything else is the specs'.
pub fn of_setup_error(error: &RunError) -> u8 {
    match error {
        RunError::BadTarget { .. } => USAGE,
        _ => BAD_SPEC,
    }
}
