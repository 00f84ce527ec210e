//! `imconform cleanup`: tears down the fixtures earlier runs left on a target (a run killed
//! before its teardown), from the ledger those runs wrote.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use imconform::auth::signer::Credentials;
use imconform::check::SnapshotStore;
use imconform::contract::{ContractSource, Part};
use imconform::emulator::DEFAULT_SDKAPPID;
use imconform::http::HttpSettings;
use imconform::runner::ledger::{self, Ledger};
use imconform::runner::{Interrupt, RunConfig, Runner};

use super::common::{AppArgs, SignerArgs, SpecsArg, eprint_error, runtime};
use super::exit;

#[derive(Args, Debug)]
pub struct CleanupArgs {
    /// Base URL of the target the runs used.
    #[arg(long, env = "IMCONFORM_TARGET")]
    target: String,
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
    let credentials = match (&args.signer.usersig, args.app.secret_key()) {
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
    let all = match ledger::pending(&args.ledger) {
        Ok(p) => p,
        Err(e) => {
            eprint_error(e);
            return exit::USAGE;
        }
    };
    let target = args.target.trim_end_matches('/').to_owned();
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
        sdkappid: args.app.sdkappid.unwrap_or(DEFAULT_SDKAPPID),
        identifier: args.signer.admin.clone(),
        credentials,
        jobs: 1,
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
    let ledger_file = match Ledger::open(&args.ledger) {
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
    if let Err(e) = ledger::rewrite(&args.ledger, &keep) {
        eprint_error(e);
        return exit::HARNESS_ERROR;
    }
    if failures == 0 {
        exit::OK
    } else {
        exit::HARNESS_ERROR
    }
}
