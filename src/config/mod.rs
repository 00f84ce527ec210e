//! `imconform.toml`: named targets, so a run says `--target sgp` instead of a URL, an SDKAppID,
//! an admin, a key, a known-deviations file and required features. The file says where each
//! key comes from, never the key itself: a file holding one is refused.
//!
//! ```toml
//! [targets.sgp]
//! url = "https://adminapisgp.im.qcloud.com"
//! sdkappid = 1400000000
//! admin = "administrator"                 # the default
//! key_env = "IMCONFORM_SGP_KEY"           # or key_file = "secrets/sgp.key", or usersig_env
//! known = "known/sgp.yaml"                # paths are relative to this file
//! require = ["community_groups", "push_service"]
//!
//! [targets.faulty]                        # the embedded emulator, set up as a target
//! emulator = { faults = ["avchatroom-refused"], details_differ = true }
//! ```
//!
//! Loading checks everything the file alone can tell (names, URLs, fault names, fields) with
//! `file:line:column` locations; [`resolve_targets`] then checks what depends on the machine
//! (environment variables, key files) for the targets a run actually uses.

mod file;
mod targets;

use std::path::{Path, PathBuf};

pub use file::{ConfigFile, EmulatorTarget, KeyRef, TargetEntry, TargetKind};
pub use targets::{BUILTIN_EMULATOR, TargetChoice, resolve_targets};

/// The file `run` looks for in the working directory when a `--target` is a name.
pub const CONFIG_FILE_NAME: &str = "imconform.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("failed to read the config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `file:line:column: reason`, one per problem.
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    #[error(
        "unknown target `{name}`: {file} declares {declared} (a --target is a name from it, `{BUILTIN_EMULATOR}`, or an http:// or https:// URL)"
    )]
    UnknownTarget {
        name: String,
        file: String,
        declared: String,
    },
    #[error(
        "--target `{name}` is neither an http:// or https:// URL nor `{BUILTIN_EMULATOR}`, and there is no {CONFIG_FILE_NAME} in {dir} to name it (give --config FILE)"
    )]
    NoConfigFile { name: String, dir: String },
    #[error("--target `{0}` is given twice")]
    Duplicate(String),
    #[error("target `{target}` ({location}): {problem}")]
    Unusable {
        target: String,
        location: String,
        problem: String,
    },
    #[error("{0}")]
    Usage(String),
}

impl ConfigError {
    /// Every config problem is a usage error (`docs/exit-codes.md`).
    pub fn exit_code(&self) -> u8 {
        crate::exit::USAGE
    }

    /// A list of `file:line:column: reason` lines, printed as they are.
    pub fn is_located(&self) -> bool {
        matches!(self, ConfigError::Invalid(_))
    }
}

/// The config file a run with these `--target` values uses: `--config FILE` when given (it
/// must exist and be valid); otherwise, when a value is a name rather than a URL,
/// `imconform.toml` in `dir` if it is there. A run of URLs alone reads no file.
pub fn config_for(
    values: &[String],
    explicit: Option<&Path>,
    dir: &Path,
) -> Result<Option<ConfigFile>, ConfigError> {
    if explicit.is_none() && values.iter().all(|v| targets::is_url(v)) {
        return Ok(None);
    }
    find_config(explicit, dir)
}

/// `--config FILE` when given (it must exist), otherwise `imconform.toml` in `dir` if it is
/// there.
pub fn find_config(explicit: Option<&Path>, dir: &Path) -> Result<Option<ConfigFile>, ConfigError> {
    match explicit {
        Some(path) => ConfigFile::load(path).map(Some),
        None => {
            let path = if dir == Path::new(".") {
                PathBuf::from(CONFIG_FILE_NAME)
            } else {
                dir.join(CONFIG_FILE_NAME)
            };
            if path.is_file() {
                ConfigFile::load(&path).map(Some)
            } else {
                Ok(None)
            }
        }
    }
}
