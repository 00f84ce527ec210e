//! `imconform usersig`: prints a sig. The key comes from --key, the environment or a file.

use clap::Args;
use imconform::auth::signer::unix_now;
use imconform::auth::usersig::{DEFAULT_EXPIRE_SECS, SigClaims, sign};

use super::common::{AppArgs, eprint_error};
use super::exit;

#[derive(Args, Debug)]
pub struct UsersigArgs {
    #[command(flatten)]
    app: AppArgs,
    /// The UserID the sig is for (an app admin for REST calls).
    #[arg(long, env = "IMCONFORM_ADMIN", default_value = "administrator")]
    identifier: String,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = DEFAULT_EXPIRE_SECS)]
    expire: u64,
    /// Issue time as Unix seconds (default: now).
    #[arg(long)]
    time: Option<u64>,
}

pub fn execute(args: UsersigArgs) -> u8 {
    let Some(sdkappid) = args.app.sdkappid else {
        eprint_error("--sdkappid (or IMCONFORM_SDKAPPID) is required");
        return exit::USAGE;
    };
    let key = match args.app.secret_key() {
        Ok(Some(k)) => k,
        Ok(None) => {
            eprint_error(
                "a secret key is required: --key, IMCONFORM_SECRET_KEY or IMCONFORM_SECRET_KEY_FILE",
            );
            return exit::USAGE;
        }
        Err(e) => {
            eprint_error(e);
            return exit::USAGE;
        }
    };
    let claims = SigClaims::new(
        sdkappid,
        args.identifier,
        args.time.unwrap_or_else(unix_now),
        args.expire,
    );
    println!("{}", sign(&key, &claims));
    exit::OK
}
