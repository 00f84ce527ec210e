//! Why a run could not start, one variant per failure class; each maps to its documented exit
//! code (`docs/exit-codes.md`, "Before anything runs").

use crate::check::SnapshotSetupError;
use crate::emulator::UnknownFault;
use crate::exit;
use crate::known::KnownError;
use crate::runner::RunError;
use crate::runner::ledger::LedgerError;
use crate::target::TargetError;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("unknown profile {profile:?} (expected one of {declared})")]
    UnknownProfile { profile: String, declared: String },
    #[error("--require: unknown feature {feature:?} (the service declares {declared})")]
    UnknownFeature { feature: String, declared: String },
    #[error("--allow: unknown cost {cost:?} (the service declares {declared})")]
    UnknownCost { cost: String, declared: String },
    /// The known-deviations file cannot be read or is invalid (`file:line:column: reason`).
    #[error(transparent)]
    Known(#[from] KnownError),
    #[error("no case matches the filters")]
    NoCases,
    #[error("{0}")]
    KeyFile(String),
    #[error(
        "--fault, --details-differ, --latency and --emulator-* apply to the embedded emulator only (drop --target)"
    )]
    EmulatorOptionsWithUrl,
    #[error(transparent)]
    Fault(#[from] UnknownFault),
    #[error(
        "a real target needs the secret key (IMCONFORM_SECRET_KEY, IMCONFORM_SECRET_KEY_FILE or --key-file) or a ready-made --usersig"
    )]
    NoKey,
    /// A bad target URL, or an emulator that cannot start.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The runner cannot be built: schemas that do not compile, a URL that does not join.
    #[error(transparent)]
    Setup(#[from] RunError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// `--update-snapshots` with the snapshots built into the binary.
    #[error(transparent)]
    Snapshots(#[from] SnapshotSetupError),
}

impl PipelineError {
    pub fn exit_code(&self) -> u8 {
        match self {
            PipelineError::Known(_) => exit::BAD_SPEC,
            PipelineError::Setup(e) => exit::of_setup_error(e),
            PipelineError::UnknownProfile { .. }
            | PipelineError::UnknownFeature { .. }
            | PipelineError::UnknownCost { .. }
            | PipelineError::NoCases
            | PipelineError::KeyFile(_)
            | PipelineError::EmulatorOptionsWithUrl
            | PipelineError::Fault(_)
            | PipelineError::NoKey
            | PipelineError::Target(_)
            | PipelineError::Ledger(_)
            | PipelineError::Snapshots(_) => exit::USAGE,
        }
    }

    /// A list of `file:line:column: reason` lines, printed as they are rather than as one
    /// error message.
    pub fn is_located(&self) -> bool {
        matches!(self, PipelineError::Known(_))
    }
}
