//! Emulator configuration: which app it pretends to be, which doc revision it follows, and
//! which deviations (faults) it ships.

use std::str::FromStr;
use std::time::Duration;

use crate::auth::usersig::SecretKey;

use super::faults::Fault;

/// The SDKAppID the emulator answers for unless told otherwise.
pub const DEFAULT_SDKAPPID: u64 = 1_400_000_000;
/// A well-known key so tests and the CLI can sign without configuration. Never a real key.
pub const DEFAULT_TEST_KEY: &str = "imconform-emulator-test-key";
/// The app admin that exists by default (the console's usual first admin).
pub const DEFAULT_ADMIN: &str = "administrator";

/// Everything that shapes one emulator instance.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub sdkappid: u64,
    pub key: SecretKey,
    pub admins: Vec<String>,
    /// "current" (default), "attr-2022" or "push-legacy".
    pub profile: String,
    /// Named deviations; empty means faithful.
    pub faults: Vec<Fault>,
    /// Answer differently wherever the docs leave it open, and only there (`differ`).
    pub details_differ: bool,
    pub features: Features,
    /// Enforce the documented per-API calls/s (60007 when exceeded).
    pub api_rate_limits: bool,
    /// Enforce 5 attribute writes/s per group (10049 when exceeded).
    pub write_rate_limit: bool,
    /// A round trip to a distant target: half of it passes before a request is handled (its
    /// way there, so rate windows see it arrive later), half before the answer leaves.
    pub latency: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            sdkappid: DEFAULT_SDKAPPID,
            key: SecretKey::new(DEFAULT_TEST_KEY),
            admins: vec![DEFAULT_ADMIN.to_owned()],
            profile: Profile::Current.name().to_owned(),
            faults: Vec::new(),
            details_differ: false,
            features: Features::default(),
            api_rate_limits: true,
            write_rate_limit: true,
            latency: Duration::ZERO,
        }
    }
}

/// Console switches and paid features the app has turned on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// Community groups (off: creating one answers 11000).
    pub community_groups: bool,
    /// Push service / all-member push (off: every push API answers 90045).
    pub push_service: bool,
}

impl Default for Features {
    fn default() -> Self {
        Self {
            community_groups: true,
            push_service: true,
        }
    }
}

/// Which doc revision the emulator follows where revisions disagree (reference §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// The 2023+ pages: attributes on all five group types (clear: not Community); both push
    /// generations served.
    Current,
    /// The 2022 pages: get/modify/clear/set on AVChatRoom only (delete on all five).
    Attr2022,
    /// Group rules as `Current`, but only the legacy `all_member_push/im_*` push generation.
    PushLegacy,
}

impl Profile {
    pub const ALL: [Profile; 3] = [Profile::Current, Profile::Attr2022, Profile::PushLegacy];

    pub fn name(self) -> &'static str {
        match self {
            Profile::Current => "current",
            Profile::Attr2022 => "attr-2022",
            Profile::PushLegacy => "push-legacy",
        }
    }
}

/// Why a configuration cannot start an emulator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("unknown profile {name:?}; valid profiles: current, attr-2022, push-legacy")]
    UnknownProfile { name: String },
}

impl FromStr for Profile {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| ConfigError::UnknownProfile { name: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_by_name() {
        for p in Profile::ALL {
            assert_eq!(p.name().parse::<Profile>(), Ok(p));
        }
        assert!("2022".parse::<Profile>().is_err());
    }

    #[test]
    fn default_is_faithful_current() {
        let c = EmulatorConfig::default();
        assert_eq!(c.sdkappid, DEFAULT_SDKAPPID);
        assert_eq!(c.profile, "current");
        assert!(c.faults.is_empty() && !c.details_differ);
        assert!(c.api_rate_limits && c.write_rate_limit);
        assert_eq!(c.admins, vec!["administrator".to_owned()]);
    }
}
