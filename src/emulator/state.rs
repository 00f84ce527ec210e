//! In-memory state: accounts, groups with their custom attributes, push attributes.
//!
//! Each store sits behind one `Mutex`, and every request does its whole read-validate-write
//! under that lock, so concurrent clients never see a torn read or lose an update, and a
//! request that fails validation changes nothing. Lock order, where two are needed:
//! accounts, then groups or push.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard};

use super::auth::SigCache;
use super::config::{EmulatorConfig, Profile};
use super::faults::FaultSet;
use super::rate::{ApiRateLimiter, SlidingWindow};

/// Locks a mutex, recovering the data if another thread panicked while holding it (every
/// critical section leaves the store consistent before it can panic).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Everything one emulator instance knows.
#[derive(Debug)]
pub(crate) struct AppState {
    pub config: EmulatorConfig,
    pub profile: Profile,
    pub faults: FaultSet,
    pub sig_cache: SigCache,
    pub api_rates: ApiRateLimiter,
    pub accounts: Mutex<AccountStore>,
    pub groups: Mutex<GroupAttrStore>,
    pub push: Mutex<PushAttrStore>,
    /// Feeds auto-assigned group IDs.
    pub id_seq: AtomicU64,
}

impl AppState {
    pub(crate) fn new(config: EmulatorConfig, profile: Profile, api_rates: ApiRateLimiter) -> Self {
        Self {
            faults: FaultSet::new(&config.faults),
            config,
            profile,
            sig_cache: SigCache::default(),
            api_rates,
            accounts: Mutex::default(),
            groups: Mutex::default(),
            push: Mutex::default(),
            id_seq: AtomicU64::new(0),
        }
    }

    /// Forgets all accounts, groups, attributes, cached sigs and rate windows.
    pub(crate) fn reset(&self) {
        *lock(&self.accounts) = AccountStore::default();
        *lock(&self.groups) = GroupAttrStore::default();
        *lock(&self.push) = PushAttrStore::default();
        self.sig_cache.clear();
        self.api_rates.reset();
    }
}

/// Imported accounts (UserIDs).
#[derive(Debug, Default)]
pub(crate) struct AccountStore {
    pub imported: HashSet<String>,
}

/// The five REST group types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupType {
    Private,
    Public,
    ChatRoom,
    AvChatRoom,
    Community,
}

impl GroupType {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Private" => GroupType::Private,
            "Public" => GroupType::Public,
            "ChatRoom" => GroupType::ChatRoom,
            "AVChatRoom" => GroupType::AvChatRoom,
            "Community" => GroupType::Community,
            _ => return None,
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            GroupType::Private => "Private",
            GroupType::Public => "Public",
            GroupType::ChatRoom => "ChatRoom",
            GroupType::AvChatRoom => "AVChatRoom",
            GroupType::Community => "Community",
        }
    }
}

/// The group profile get_group_info reports.
#[derive(Debug, Clone)]
pub(crate) struct GroupInfo {
    pub group_type: GroupType,
    pub name: String,
    pub owner: Option<String>,
    pub introduction: String,
    pub notification: String,
    pub face_url: String,
    pub create_time: u64,
    pub member_num: u64,
    pub max_member_num: u64,
    pub apply_join_option: String,
}

/// One group: its profile, its custom attributes and its recent attribute writes.
#[derive(Debug)]
pub(crate) struct GroupRecord {
    pub info: GroupInfo,
    /// In insertion order; at most 16 entries, so a linear scan beats hashing.
    pub attrs: Vec<(String, String)>,
    pub recent_writes: SlidingWindow,
    /// One window per write API, used only under the `write-limit-per-api` fault.
    pub writes_per_api: [SlidingWindow; 4],
    /// Only kept (instead of removed) under the `destroyed-group-keeps-attrs` fault.
    pub destroyed: bool,
}

impl GroupRecord {
    pub(crate) fn new(info: GroupInfo) -> Self {
        Self {
            info,
            attrs: Vec::new(),
            recent_writes: SlidingWindow::default(),
            writes_per_api: Default::default(),
            destroyed: false,
        }
    }
}

/// All groups by GroupId, together with their attributes: destroying a group and dropping its
/// attributes must be one step.
#[derive(Debug, Default)]
pub(crate) struct GroupAttrStore {
    pub groups: HashMap<String, GroupRecord>,
    /// details_differ only: every GroupId ever created, so that an ID no group ever had can
    /// answer 10015 while a destroyed one answers 10010.
    pub ever_created: HashSet<String>,
    /// Every attribute write of the app, used only under the `write-limit-per-app` fault.
    pub app_writes: SlidingWindow,
}

/// App attribute names and every user's push attribute values.
#[derive(Debug, Default)]
pub(crate) struct PushAttrStore {
    /// Index "0".."9" as 0..=9 → name.
    pub names: BTreeMap<u8, String>,
    /// Index → account type (0 UserID, 1 RegistrationID), once set immutable.
    pub types: BTreeMap<u8, u8>,
    /// Account → index → value. Stored by index so renaming an attribute keeps its values.
    pub users: HashMap<String, BTreeMap<u8, String>>,
}

impl PushAttrStore {
    pub(crate) fn index_of(&self, name: &str) -> Option<u8> {
        self.names
            .iter()
            .find_map(|(i, n)| (n == name).then_some(*i))
    }
}
