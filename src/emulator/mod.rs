//! The reference emulator: an in-memory stand-in for the Tencent Cloud Chat REST API subset
//! imconform checks (group custom attributes, push attributes, and the account and group
//! fixtures specs need), served over HTTP on 127.0.0.1.
//!
//! - Every API-level outcome is HTTP 200 with the `{"ActionStatus","ErrorInfo","ErrorCode"}`
//!   envelope; query checks run in the reference's order (path 60009, method 60002,
//!   sdkappid 60012/60006, identifier 60004, usersig 70002/70003/70014/70013/70001/70009,
//!   random and contenttype 60002, admin 60010, API rate 60007, body 60003).
//! - `profile` picks the doc revision where revisions disagree ("current", "attr-2022",
//!   "push-legacy"); `faults` switch on named vendor deviations; `details_differ` changes only
//!   what no doc fixes (wording, order, whitespace, ID shape, empty lists, optional and extra
//!   fields, the other code of documented pairs: `differ`).
//! - `docs/emulator.md` has the full table of documented versus emulator-chosen behaviour and
//!   the fault list.
//!
//! Depends on `crate::auth` only.

mod auth;
mod config;
mod differ;
mod faults;
mod fixtures;
mod group_attr;
mod push_attr;
mod rate;
mod reply;
mod server;
mod state;

pub use config::{
    ConfigError, DEFAULT_ADMIN, DEFAULT_SDKAPPID, DEFAULT_TEST_KEY, EmulatorConfig, Features,
    Profile,
};
pub use faults::{Fault, UnknownFault, all_faults};
pub use server::{EmulatorHandle, start};
