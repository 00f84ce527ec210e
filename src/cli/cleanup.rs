//! `imconform cleanup`: tears down the fixtures earlier runs left on a target (a run killed
//! before its teardown), from the ledger those runs wrote.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use imconform::auth::signer::Credentials;
use imconform::check::SnapshotStore;
use imconform::config::{ConfigError, config_for, resolve_targets};
use imconform::contract::{ContractSource, Part};
use imconform::emulator::DEFAULT_SDKAPPID;
use imconform::http::HttpSettings;
use imconform::pipeline::{KeySource, PipelineConfig};
use imconform::runner::ledger::{self, Ledger};
use imconform::runner::{Interrupt, RunConfig, Runner};
use imconform::spec::Suite;

use super::common::{AppArgs, SignerArgs, SpecsArg, eprint_error, runtime};
use super::exit;

#[derive(Args, Debug)]
pub struct CleanupArgs {
    /// Base URL of the target the runs used, or its name in imconform.toml (which also gives
    /// its app, key source and ledger).
    #[arg(long, env = "IMCONFORM_TARGET", value_name = "URL|NAME")]
    target: String,
    /// The config file naming the targets (default: imconform.toml in the working directory).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    app: AppArgs,
    #[command(flatten)]
    signer: SignerArgs,
    #[command(flatten)]
    specs: SpecsArg,
    #[arg(
        long,
        env = "IMCONFORM_LEDGER",
        default_value = ".imconform/ledger.jsonl"
    )]
    ledger: PathBuf,
    /// Only fixtures of runs whose prefix starts with this (e.g. `imc1a2b`); default: all.
    #[arg(long)]
    prefix: Option<String>,
}

pub fn execute(args: CleanupArgs) -> u8 {
    let suite = match args.specs.load() {
        Ok(s) => Arc::new(s),
        Err(code) => return code,
    };
    let place = match where_to_clean(&args, &suite) {
        Ok(p) => p,
        Err(e) => {
            if e.is_located() {
                eprintln!("{e}");
            } else {
                eprint_error(&e);
            }
            return e.exit_code();
        }
    };
    let Some(target) = place
        .target
        .as_deref()
        .map(|t| t.trim_end_matches('/').to_owned())
    else {
        eprint_error(format!(
            "target `{}` is an embedded emulator: it forgets everything when its run ends, so there is nothing to clean up",
            args.target
        ));
        return exit::USAGE;
    };
    let secret = place.app.key.as_ref().map(KeySource::read).transpose();
    let credentials = match (&place.app.usersig, secret) {
        (Some(sig), _) => Credentials::Ready(sig.clone()),
        (None, Ok(Some(key))) => Credentials::Key(key),
        (None, Ok(None)) => {
            eprint_error(
                "cleanup needs the secret key (IMCONFORM_SECRET_KEY or --key-file) or --usersig",
            );
            return exit::USAGE;
        }
        (None, Err(e)) => {
            eprint_error(e);
            return exit::USAGE;
        }
    };
    let all = match ledger::pending(&place.ledger) {
        Ok(p) => p,
        Err(e) => {
            eprint_error(e);
            return exit::USAGE;
        }
    };
    let (mine, others): (Vec<_>, Vec<_>) = all.into_iter().partition(|e| {
        e.target == target
            && args
                .prefix
                .as_ref()
                .is_none_or(|p| format!("imc{}", e.run_id).starts_with(p.as_str()))
    });
    if mine.is_empty() {
        println!("nothing to clean up on {target}");
        return exit::OK;
    }
    let config = RunConfig {
        base_url: target.clone(),
        target_label: target.clone(),
        profile: suite.service.default_profile.clone(),
        sdkappid: place.app.sdkappid.unwrap_or(DEFAULT_SDKAPPID),
        identifier: place.app.admin.clone(),
        credentials,
        jobs: Some(1),
        http: HttpSettings::default(),
        retries: 2,
        pacing: true,
        // Teardown steps compare no snapshot.
        snapshots: SnapshotStore::from_source(
            &ContractSource::embedded(Part::Snapshots),
            "",
            "",
            false,
        )
        .expect("a store that only reads is always set up"),
        run_id: None,
    };
    let ledger_file = match Ledger::open(&place.ledger) {
        Ok(l) => l,
        Err(e) => {
            eprint_error(e);
            return exit::USAGE;
        }
    };
    let runner = match Runner::new(suite, config, Interrupt::default()) {
        Ok(r) => r.with_ledger(ledger_file),
        Err(e) => {
            let code = imconform::exit::of_setup_error(&e);
            eprint_error(e);
            return code;
        }
    };
    let failed = runtime().block_on(async {
        let mut failed = Vec::new();
        for entry in mine {
            let (ok, steps) = runner.remove_leftover(&entry).await;
            let what = format!("{} ({})", entry.key, entry.fixture);
            if ok {
                println!("removed {what}");
            } else {
                let why = steps
                    .iter()
                    .flat_map(|s| {
                        s.checks
                            .iter()
                            .filter(|c| !c.passed)
                            .filter_map(|c| c.message().map(str::to_owned))
                    })
                    .chain(steps.iter().filter_map(|s| s.transport_error.clone()))
                    .next()
                    .unwrap_or_else(|| "unknown fixture".to_owned());
                println!("FAILED  {what}: {why}");
                failed.push(entry);
            }
        }
        failed
    });
    let mut keep = others;
    let failures = failed.len();
    keep.extend(failed);
    if let Err(e) = ledger::rewrite(&place.ledger, &keep) {
        eprint_error(e);
        return exit::HARNESS_ERROR;
    }
    if failures == 0 {
        exit::OK
    } else {
        exit::HARNESS_ERROR
    }
}

/// The target, its app and key source, and its ledger: from the flags for a URL, from the
/// config file for a name (as `run --target NAME` would run it).
fn where_to_clean(args: &CleanupArgs, suite: &Suite) -> Result<PipelineConfig, ConfigError> {
    let dir = Path::new(".");
    let values = [args.target.clone()];
    let file = config_for(&values, args.config.as_deref(), dir)?;
    let base = PipelineConfig {
        app: args.app.identity(&args.signer),
        ledger: args.ledger.clone(),
        ..PipelineConfig::default()
    };
    let features: Vec<String> = suite.service.features.keys().cloned().collect();
    let mut chosen = resolve_targets(&values, file.as_ref(), &base, &features, dir)?;
    Ok(chosen.remove(0).config)
}
