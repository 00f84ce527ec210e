//! Flags shared by several subcommands.

use std::path::PathBuf;

use clap::Args;
use imconform::auth::usersig::SecretKey;

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
    /// The key from --key, the environment, or the key file, in that order.
    pub fn secret_key(&self) -> Result<Option<SecretKey>, String> {
        if let Some(k) = &self.key {
            return Ok(Some(SecretKey::new(k.trim().to_owned())));
        }
        match &self.key_file {
            None => Ok(None),
            Some(path) => std::fs::read_to_string(path)
                .map(|k| Some(SecretKey::new(k.trim().to_owned())))
                .map_err(|e| format!("failed to read the key file {}: {e}", path.display())),
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

/// The exit code for a run that could not be set up: a target URL that cannot be used is a
/// configuration problem; anything else is the specs'.
pub fn setup_exit_code(error: &imconform::runner::RunError) -> u8 {
    match error {
        imconform::runner::RunError::BadTarget { .. } => super::exit::USAGE,
        _ => super::exit::BAD_SPEC,
    }
}
