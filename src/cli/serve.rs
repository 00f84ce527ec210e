//! `imconform serve`: the reference emulator, until Ctrl-C.

use std::net::SocketAddr;

use clap::Args;
use imconform::auth::usersig::SecretKey;
use imconform::emulator::{
    DEFAULT_ADMIN, DEFAULT_SDKAPPID, DEFAULT_TEST_KEY, EmulatorConfig, Fault, all_faults,
};

use super::common::{AppArgs, eprint_error, runtime};
use super::exit;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    #[command(flatten)]
    app: AppArgs,
    /// App admin identifiers (repeatable).
    #[arg(long, env = "IMCONFORM_ADMIN", value_delimiter = ',')]
    admin: Vec<String>,
    /// Doc revision to follow where revisions disagree: current, attr-2022, push-legacy.
    #[arg(long, default_value = "current")]
    profile: String,
    /// Switch on a named fault (repeatable).
    #[arg(long)]
    fault: Vec<String>,
    /// Print the faults, one `name<TAB>description` per line, and exit.
    #[arg(long)]
    list_faults: bool,
    /// Answer differently wherever the docs leave it open (wording, order, IDs, optional and
    /// extra fields, the other code of documented pairs; docs/emulator.md).
    #[arg(long)]
    details_differ: bool,
    /// Turn the Community groups feature off (creating one answers 11000).
    #[arg(long)]
    no_community: bool,
    /// Turn the push service off (push APIs answer 90045).
    #[arg(long)]
    no_push: bool,
    /// Do not enforce per-API call rates.
    #[arg(long)]
    no_api_rate_limits: bool,
    /// Do not enforce the per-group attribute write rate (5/s, 10049).
    #[arg(long)]
    no_write_rate_limits: bool,
    /// Answer every request this many milliseconds later, as a distant target would (the
    /// round trip: half before the request is handled, half after).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency: u64,
}

pub fn execute(args: ServeArgs) -> u8 {
    if args.list_faults {
        for f in all_faults() {
            println!("{}\t{}", f.name(), f.description());
        }
        return exit::OK;
    }
    let mut faults = Vec::new();
    for name in &args.fault {
        match name.parse::<Fault>() {
            Ok(f) => faults.push(f),
            Err(e) => {
                eprint_error(e);
                return exit::USAGE;
            }
        }
    }
    let key = match args.app.secret_key() {
        Ok(k) => k.unwrap_or_else(|| SecretKey::new(DEFAULT_TEST_KEY)),
        Err(e) => {
            eprint_error(e);
            return exit::USAGE;
        }
    };
    let mut config = EmulatorConfig {
        sdkappid: args.app.sdkappid.unwrap_or(DEFAULT_SDKAPPID),
        key,
        admins: if args.admin.is_empty() {
            vec![DEFAULT_ADMIN.to_owned()]
        } else {
            args.admin.clone()
        },
        profile: args.profile.clone(),
        faults,
        details_differ: args.details_differ,
        api_rate_limits: !args.no_api_rate_limits,
        write_rate_limit: !args.no_write_rate_limits,
        latency: std::time::Duration::from_millis(args.latency),
        ..EmulatorConfig::default()
    };
    config.features.community_groups = !args.no_community;
    config.features.push_service = !args.no_push;
    runtime().block_on(async move {
        let handle = match imconform::emulator::start(config, args.addr).await {
            Ok(h) => h,
            Err(e) => {
                eprint_error(format!("failed to listen on {}: {e}", args.addr));
                return exit::USAGE;
            }
        };
        println!("{}", handle.base_url());
        let _ = tokio::signal::ctrl_c().await;
        handle.shutdown().await;
        exit::OK
    })
}
