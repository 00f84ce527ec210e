//! What one run needs, as one value. The CLI builds it from flags, environment and defaults;
//! the test harness and selftest build their own. Nothing a run reads is global, so several
//! runs (one per target) can go at once.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::auth::usersig::SecretKey;
use crate::contract::{ContractSource, Part};
use crate::emulator::DEFAULT_ADMIN;

#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// The doc revision to check against (None: the service file's newest).
    pub profile: Option<String>,
    /// Keep only cases whose id, endpoint or tag matches one of these (none: every case).
    pub filter: Vec<String>,
    /// Then leave out the cases matching one of these.
    pub exclude: Vec<String>,
    /// The base URL of the target (None: the embedded emulator, set up by `emulator`).
    pub target: Option<String>,
    /// The target's name in `imconform.toml`, written into the report (None: unnamed).
    pub name: Option<String>,
    pub emulator: EmulatorOptions,
    pub app: AppIdentity,
    pub execution: Execution,
    pub snapshots: SnapshotOptions,
    /// Where fixtures made on a URL target are recorded for `cleanup` (an embedded emulator
    /// forgets everything when the run ends, so it gets none).
    pub ledger: PathBuf,
    /// Costs (service `costs:`) a URL target may be made to spend (`--allow`); its cases
    /// declaring others are skipped. The embedded emulator runs every case.
    pub allow: Vec<String>,
    pub verdicts: VerdictInputs,
    pub baseline: BaselineInputs,
}

/// The embedded emulator's switches; any of them with a URL target is a usage error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmulatorOptions {
    /// Fault names as `serve --list-faults` prints them, checked when the run starts.
    pub faults: Vec<String>,
    /// Change undocumented details (wording, order, IDs).
    pub details_differ: bool,
    /// Community groups off (creating one answers 11000).
    pub no_community: bool,
    /// The push service off (push APIs answer 90045).
    pub no_push: bool,
    /// The push service's one-second rules off (pushes 1 s apart, one revoke a second): the
    /// endpoints declared at one call a second are then paced like the rest, and the cases
    /// that probe those rules are left out. For runs that check everything else (selftest).
    pub no_push_clock: bool,
    /// Answer every request this much later, as a distant target would.
    pub latency: Duration,
}

/// The app and who requests are signed for.
#[derive(Clone)]
pub struct AppIdentity {
    /// None: the emulator's default SDKAppID.
    pub sdkappid: Option<u64>,
    /// The app admin identifier requests are signed for.
    pub admin: String,
    /// The secret key, read when the run starts. None: the embedded emulator's test key (a
    /// URL target then needs `usersig`).
    pub key: Option<KeySource>,
    /// A ready-made UserSig for `admin`, for users who do not hold the key; wins over `key`.
    pub usersig: Option<String>,
}

/// Where the secret key comes from; the key itself is read as late as possible.
#[derive(Debug, Clone)]
pub enum KeySource {
    Value(SecretKey),
    File(PathBuf),
    /// An environment variable holding the key (a named target's `key_env`).
    Env(String),
}

/// How the runner goes about the cases.
#[derive(Debug, Clone)]
pub struct Execution {
    /// Cases run at once (None: sized from the target's round trip and the declared rates).
    pub jobs: Option<usize>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Extra attempts after a transport error or a documented retryable code.
    pub retries: u32,
    /// Pace requests under the declared call rates.
    pub pacing: bool,
}

#[derive(Debug, Clone)]
pub struct SnapshotOptions {
    /// Where snapshots live: a directory, or the ones built into the binary (a profile other
    /// than the default one has a folder inside).
    pub source: ContractSource,
    /// Record snapshots instead of comparing them (into a directory only).
    pub update: bool,
    /// Hold snapshots byte for byte: snapshot drift (a difference the docs leave open) fails
    /// too (`--strict-snapshots`).
    pub strict: bool,
    /// Where `.snap.new` files of mismatches go, in a folder per profile as the snapshots
    /// (None: beside a directory's snapshots, for `cargo insta review`; for the built-in ones
    /// `contract::NEW_SNAPSHOTS_DIR` under the working directory). Selftest points faulty runs
    /// elsewhere.
    pub pending_dir: Option<PathBuf>,
}

/// What turns the runner's outcomes into the final ones, applied in this order.
#[derive(Debug, Clone, Default)]
pub struct VerdictInputs {
    /// Features whose "not enabled" skips fail instead (`--require`).
    pub require: Vec<String>,
    /// A known-deviations file (`--known`).
    pub known: Option<PathBuf>,
}

#[derive(Debug, Clone, Default)]
pub struct BaselineInputs {
    /// Store every response of the run, normalized, in this folder.
    pub record: Option<PathBuf>,
    /// Compare the responses with the baseline in this folder and report the drift.
    pub compare: Option<PathBuf>,
    /// Drift alone fails the run (exit 5).
    pub fail_on_drift: bool,
}

impl Default for PipelineConfig {
    /// The whole suite of the newest profile against the faithful embedded emulator.
    fn default() -> Self {
        Self {
            profile: None,
            filter: Vec::new(),
            exclude: Vec::new(),
            target: None,
            name: None,
            emulator: EmulatorOptions::default(),
            app: AppIdentity::default(),
            execution: Execution::default(),
            snapshots: SnapshotOptions::default(),
            ledger: PathBuf::from(".imconform/ledger.jsonl"),
            allow: Vec::new(),
            verdicts: VerdictInputs::default(),
            baseline: BaselineInputs::default(),
        }
    }
}

impl Default for AppIdentity {
    fn default() -> Self {
        Self {
            sdkappid: None,
            admin: DEFAULT_ADMIN.to_owned(),
            key: None,
            usersig: None,
        }
    }
}

impl Default for Execution {
    fn default() -> Self {
        Self {
            jobs: None,
            timeout: Duration::from_secs(10),
            retries: 2,
            pacing: true,
        }
    }
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        Self {
            source: ContractSource::embedded(Part::Snapshots),
            update: false,
            strict: false,
            pending_dir: None,
        }
    }
}

impl KeySource {
    pub fn read(&self) -> Result<SecretKey, String> {
        match self {
            KeySource::Value(key) => Ok(key.clone()),
            KeySource::File(path) => std::fs::read_to_string(path)
                .map(|k| SecretKey::new(k.trim().to_owned()))
                .map_err(|e| format!("failed to read the key file {}: {e}", path.display())),
            KeySource::Env(var) => match std::env::var(var) {
                Ok(k) if !k.trim().is_empty() => Ok(SecretKey::new(k.trim().to_owned())),
                _ => Err(format!(
                    "the environment variable {var}, which should hold the secret key, is not set"
                )),
            },
        }
    }
}

impl fmt::Debug for AppIdentity {
    /// Never shows a UserSig (the key redacts itself).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppIdentity")
            .field("sdkappid", &self.sdkappid)
            .field("admin", &self.admin)
            .field("key", &self.key)
            .field("usersig", &self.usersig.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}
