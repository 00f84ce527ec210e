//! Flags shared by several subcommands.

use std::path::PathBuf;

use clap::Args;
use imconform::auth::usersig::SecretKey;
use imconform::contract::{ContractSource, EMBEDDED, Part};
use imconform::pipeline::{AppIdentity, KeySource};
use imconform::spec::{Suite, load_contract};

/// `--specs DIR`: a local spec directory instead of the one built into the binary.
#[derive(Args, Debug, Clone)]
pub struct SpecsArg {
    /// The spec directory (default: the contract built into imconform).
    #[arg(long, env = "IMCONFORM_SPECS", default_value = EMBEDDED, value_name = "DIR")]
    pub specs: PathBuf,
}

impl SpecsArg {
    /// The suite; when it does not load, its problems are printed and the exit code returned.
    pub fn load(&self) -> Result<Suite, u8> {
        load_contract(&ContractSource::from_arg(Part::Specs, &self.specs)).map_err(|e| {
            eprintln!("{e}");
            super::exit::BAD_SPEC
        })
    }
}

/// `--snapshots DIR`: local recorded snapshots instead of the ones built into the binary.
#[derive(Args, Debug, Clone)]
pub struct SnapshotsArg {
    /// Where recorded snapshots live (default: the ones built into imconform).
    #[arg(long, env = "IMCONFORM_SNAPSHOTS", default_value = EMBEDDED, value_name = "DIR")]
    pub snapshots: PathBuf,
}

impl SnapshotsArg {
    pub fn source(&self) -> ContractSource {
        ContractSource::from_arg(Part::Snapshots, &self.snapshots)
    }
}

/// The app and its admin.
#[derive(Args, Debug, Clone)]
pub struct AppArgs {
    /// The app's SDKAppID.
    #[arg(long, env = "IMCONFORM_SDKAPPID")]
    pub sdkappid: Option<u64>,
    /// The secret key (prefer the environment variable or --key-file: flags show in `ps`).
    #[arg(long, env = "IMCONFORM_SECRET_KEY", hide_env_values = true)]
    pub key: Option<String>,
    /// A file holding the secret key.
    #[arg(long, env = "IMCONFORM_SECRET_KEY_FILE")]
    pub key_file: Option<PathBuf>,
}

/// Who the requests are signed for, and a ready-made sig for users without the key.
#[derive(Args, Debug, Clone)]
pub struct SignerArgs {
    /// The app admin identifier the requests are signed for.
    #[arg(long, env = "IMCONFORM_ADMIN", default_value = imconform::emulator::DEFAULT_ADMIN)]
    pub admin: String,
    /// A ready-made UserSig for --admin, for users who do not hold the key.
    #[arg(long, env = "IMCONFORM_USERSIG", hide_env_values = true)]
    pub usersig: Option<String>,
}

impl AppArgs {
    /// Where the key comes from: --key (or its environment variable), else the key file.
    pub fn key_source(&self) -> Option<KeySource> {
        match (&self.key, &self.key_file) {
            (Some(k), _) => Some(KeySource::Value(SecretKey::new(k.trim().to_owned()))),
            (None, Some(path)) => Some(KeySource::File(path.clone())),
            (None, None) => None,
        }
    }

    /// The key from --key, the environment, or the key file, in that order.
    pub fn secret_key(&self) -> Result<Option<SecretKey>, String> {
        self.key_source().as_ref().map(KeySource::read).transpose()
    }

    /// The app and its signer, for the run pipeline (the key is read when the run starts).
    pub fn identity(&self, signer: &SignerArgs) -> AppIdentity {
        AppIdentity {
            sdkappid: self.sdkappid,
            admin: signer.admin.clone(),
            key: self.key_source(),
            usersig: signer.usersig.clone(),
        }
    }
}

pub fn eprint_error(message: impl std::fmt::Display) {
    eprintln!("imconform: error: {message}");
}

/// One multi-thread runtime per command: a reqwest client must never cross runtimes.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("failed to start the tokio runtime")
}
