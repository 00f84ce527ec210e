//! Group custom attributes (reference §5): get, modify, clear, set (reset), delete.
//!
//! Each write validates the whole request against the group's current attributes under the
//! store lock and only then swaps the new set in, so a refused request changes nothing.

use std::time::Instant;

use serde_json::{Map, Value, json};

use super::config::Profile;
use super::faults::{Fault, FaultSet};
use super::reply::{ApiError, ApiResult, Reply, code};
use super::state::{AppState, GroupType, lock};

const MAX_KEY_BYTES: usize = 32;
const MAX_VALUE_BYTES: usize = 4000;
const MAX_KEYS: usize = 16;
const MAX_TOTAL_VALUE_BYTES: usize = 16000;
const MAX_WRITES_PER_SEC: usize = 5;
/// Custom GroupIds are "up to 48 bytes" [R4] (G1's "less than 48" is the outlier, §8.8).
pub(crate) const MAX_GROUP_ID_BYTES: usize = 48;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttrOp {
    Get,
    Modify,
    Clear,
    Set,
    Delete,
}

/// Printable ASCII, 1..=48 bytes (§4.2).
pub(crate) fn is_valid_group_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_GROUP_ID_BYTES
        && id.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// `GroupId`: 10004 when missing or not a string, 10015 when malformed.
pub(crate) fn parse_group_id(body: &Map<String, Value>) -> Result<&str, ApiError> {
    let id = body
        .get("GroupId")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::new(code::GROUP_PARAM, "GroupId is missing or not a string"))?;
    if !is_valid_group_id(id) {
        return Err(ApiError::new(code::GROUP_BAD_ID, "GroupId is invalid"));
    }
    Ok(id)
}

/// Whether the profile's doc revision lets `op` work on `group_type` (reference §5.1, §8.2).
fn type_supported(profile: Profile, faults: FaultSet, op: AttrOp, group_type: GroupType) -> bool {
    if group_type == GroupType::AvChatRoom && faults.has(Fault::AvchatroomRefused) {
        return false;
    }
    if group_type == GroupType::Community {
        if op == AttrOp::Clear && faults.has(Fault::CommunityClearAllowed) {
            return true;
        }
        if op == AttrOp::Modify && faults.has(Fault::CommunityModifyRefused) {
            return false;
        }
    }
    match profile {
        // delete_group_attr was not documented before 2024; like its siblings of 2022 it is
        // taken as AVChatRoom-only under this profile.
        Profile::Attr2022 => group_type == GroupType::AvChatRoom,
        Profile::Current | Profile::PushLegacy => {
            !(op == AttrOp::Clear && group_type == GroupType::Community)
        }
    }
}

/// One `GroupAttr` element: a key and, for modify/set, a value.
type Entry = (String, Option<String>);

/// The `GroupAttr` array's shape (10004 for anything malformed).
fn parse_entries(
    body: &Map<String, Value>,
    with_value: bool,
    allow_empty: bool,
) -> Result<Vec<Entry>, ApiError> {
    let bad = |why: &'static str| ApiError::new(code::GROUP_PARAM, why);
    let list = body
        .get("GroupAttr")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("GroupAttr is missing or not an array"))?;
    if list.is_empty() && !allow_empty {
        return Err(bad("GroupAttr is empty"));
    }
    list.iter()
        .map(|item| {
            let key = item
                .get("key")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("GroupAttr element lacks a string key"))?;
            if key.is_empty() {
                return Err(bad("GroupAttr key is empty"));
            }
            let value = if with_value {
                Some(
                    item.get("value")
                        .and_then(Value::as_str)
                        .ok_or_else(|| bad("GroupAttr element lacks a string value"))?
                        .to_owned(),
                )
            } else {
                None
            };
            Ok((key.to_owned(), value))
        })
        .collect()
}

fn keys_equal(faults: FaultSet, a: &str, b: &str) -> bool {
    if faults.has(Fault::KeysCaseInsensitive) {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

fn upsert(faults: FaultSet, attrs: &mut Vec<(String, String)>, key: &str, value: &str) {
    match attrs.iter_mut().find(|(k, _)| keys_equal(faults, k, key)) {
        Some(slot) => slot.1 = value.to_owned(),
        None => attrs.push((key.to_owned(), value.to_owned())),
    }
}

/// Per-element limits: key length (10045), value length (10046).
fn check_entry_limits(faults: FaultSet, entries: &[Entry]) -> Result<(), ApiError> {
    let max_key = MAX_KEY_BYTES + usize::from(faults.has(Fault::KeyLimitOffByOne));
    let max_value = MAX_VALUE_BYTES + usize::from(faults.has(Fault::ValueLimitOffByOne));
    for (key, value) in entries {
        let key_len = if faults.has(Fault::KeyLengthInChars) {
            key.chars().count()
        } else {
            key.len()
        };
        if key_len > max_key {
            let code = if faults.has(Fault::LongKeyWrongCode) {
                code::GROUP_PARAM
            } else {
                code::ATTR_KEY_TOO_LONG
            };
            return Err(ApiError::new(code, "attribute key is longer than 32 bytes"));
        }
        if value.as_ref().is_some_and(|v| v.len() > max_value) {
            return Err(ApiError::new(
                code::ATTR_VALUE_TOO_LONG,
                "attribute value is longer than 4000 bytes",
            ));
        }
    }
    Ok(())
}

/// Whole-set limits on a write's result: key count (10047), total value size (10048).
fn check_set_limits(faults: FaultSet, attrs: &[(String, String)]) -> Result<(), ApiError> {
    let max_keys = MAX_KEYS + usize::from(faults.has(Fault::KeyCountOffByOne));
    if attrs.len() > max_keys {
        return Err(ApiError::new(
            code::ATTR_TOO_MANY_KEYS,
            "more than 16 attribute keys",
        ));
    }
    let max_total = MAX_TOTAL_VALUE_BYTES + usize::from(faults.has(Fault::TotalSizeOffByOne));
    let total: usize = attrs
        .iter()
        .map(|(_, v)| {
            if faults.has(Fault::TotalSizeInChars) {
                v.chars().count()
            } else {
                v.len()
            }
        })
        .sum();
    if total > max_total {
        return Err(ApiError::new(
            code::ATTR_TOTAL_TOO_LARGE,
            "attribute values total more than 16000 bytes",
        ));
    }
    Ok(())
}

/// The attribute set a write would leave behind.
fn apply(
    faults: FaultSet,
    op: AttrOp,
    current: &[(String, String)],
    entries: &[Entry],
) -> Result<Vec<(String, String)>, ApiError> {
    let upsert_all = |mut attrs: Vec<(String, String)>| {
        for (key, value) in entries {
            upsert(faults, &mut attrs, key, value.as_deref().unwrap_or(""));
        }
        attrs
    };
    let next = match op {
        AttrOp::Get => current.to_vec(),
        AttrOp::Modify if faults.has(Fault::ModifyReplacesAll) => upsert_all(Vec::new()),
        AttrOp::Modify => upsert_all(current.to_vec()),
        AttrOp::Set if faults.has(Fault::SetMergesInsteadOfReplacing) => {
            upsert_all(current.to_vec())
        }
        AttrOp::Set => upsert_all(Vec::new()),
        AttrOp::Clear if faults.has(Fault::ClearLeavesOneKey) => {
            current.iter().take(1).cloned().collect()
        }
        AttrOp::Clear => Vec::new(),
        AttrOp::Delete => {
            let mut attrs = current.to_vec();
            for (key, _) in entries {
                let present = attrs.iter().position(|(k, _)| keys_equal(faults, k, key));
                match present {
                    Some(i) => {
                        attrs.remove(i);
                    }
                    None if faults.has(Fault::DeleteMissingKeySucceeds) => {}
                    // A key listed twice is gone after its first mention; that is not
                    // "missing", so it only fails if it was never there.
                    None if current.iter().any(|(k, _)| keys_equal(faults, k, key)) => {}
                    None => {
                        return Err(ApiError::new(
                            code::ATTR_KEY_MISSING,
                            format!("attribute {key:?} does not exist"),
                        ));
                    }
                }
            }
            if faults.has(Fault::DeleteRemovesAllKeys) {
                attrs.clear();
            }
            attrs
        }
    };
    if matches!(op, AttrOp::Modify | AttrOp::Set) {
        check_set_limits(faults, &next)?;
    }
    Ok(next)
}

fn render_get(state: &AppState, attrs: &[(String, String)]) -> Reply {
    let field = if state.faults.has(Fault::GroupAttrFieldRenamed) {
        "GroupAttr"
    } else {
        "GroupAttrAry"
    };
    let list: Vec<Value> = attrs
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    Reply::ok().with(field, list)
}

/// Serves one group attribute API.
pub(crate) fn handle(state: &AppState, op: AttrOp, body: &Map<String, Value>) -> ApiResult {
    let faults = state.faults;
    let group_id = parse_group_id(body)?;
    // Parsed before locking; reported only after the group and type checks, which come first.
    let entries = match op {
        AttrOp::Get | AttrOp::Clear => Ok(Vec::new()),
        AttrOp::Modify => parse_entries(body, true, false),
        AttrOp::Set => parse_entries(body, true, true),
        AttrOp::Delete => parse_entries(body, false, false),
    };
    let mut store = lock(&state.groups);
    let store = &mut *store;
    let record = match store.groups.get_mut(group_id) {
        Some(r) if !r.destroyed || faults.has(Fault::DestroyedGroupKeepsAttrs) => r,
        _ => {
            let code = if faults.has(Fault::UnknownGroupWrongCode) {
                code::GROUP_PARAM
            } else {
                code::GROUP_NOT_FOUND
            };
            return Err(ApiError::new(code, "group does not exist"));
        }
    };
    if !type_supported(state.profile, faults, op, record.info.group_type) {
        return Err(ApiError::new(
            code::GROUP_NO_PERMISSION,
            "this group type does not support this attribute operation",
        ));
    }
    let limited = state.config.write_rate_limit && !faults.has(Fault::NoWriteRateLimit);
    if op == AttrOp::Get {
        if limited && faults.has(Fault::ReadsCountAsWrites) {
            record.recent_writes.record(Instant::now());
        }
        return Ok(render_get(state, &record.attrs));
    }
    let entries = entries?;
    check_entry_limits(faults, &entries)?;
    let next = stored(faults, apply(faults, op, &record.attrs, &entries)?);
    if limited {
        let limit = if faults.has(Fault::WriteRateLimitTen) {
            10
        } else {
            MAX_WRITES_PER_SEC
        };
        // The window the write counts in: the group's, or a faulty vendor's other one.
        let window = if faults.has(Fault::WriteLimitPerApp) {
            &mut store.app_writes
        } else if faults.has(Fault::WriteLimitPerApi) {
            &mut record.writes_per_api[write_slot(op)]
        } else {
            &mut record.recent_writes
        };
        let now = Instant::now();
        if !window.would_admit(now, limit) {
            return Err(ApiError::new(
                code::ATTR_WRITE_RATE,
                "more than 5 attribute writes per second on this group",
            ));
        }
        window.record(now);
    }
    record.attrs = next;
    Ok(Reply::ok())
}

/// Which of a group's per-API windows a write uses under `write-limit-per-api`.
fn write_slot(op: AttrOp) -> usize {
    match op {
        AttrOp::Get | AttrOp::Modify => 0,
        AttrOp::Set => 1,
        AttrOp::Clear => 2,
        AttrOp::Delete => 3,
    }
}

/// The attributes as the store keeps them: under `stored-at-max-truncated` a key or value of
/// exactly the maximum length loses its last character (after every limit was checked).
fn stored(faults: FaultSet, attrs: Vec<(String, String)>) -> Vec<(String, String)> {
    if !faults.has(Fault::StoredAtMaxTruncated) {
        return attrs;
    }
    attrs
        .into_iter()
        .map(|(k, v)| {
            (
                faults.stored(&k, MAX_KEY_BYTES),
                faults.stored(&v, MAX_VALUE_BYTES),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    fn entry(k: &str, v: Option<&str>) -> Entry {
        (k.to_owned(), v.map(str::to_owned))
    }

    const NONE: FaultSet = FaultSet::EMPTY;

    #[test]
    fn modify_upserts_and_set_replaces() {
        let current = vec![kv("a", "1"), kv("b", "2")];
        let changes = [entry("b", Some("3")), entry("c", Some("4"))];
        assert_eq!(
            apply(NONE, AttrOp::Modify, &current, &changes).unwrap(),
            vec![kv("a", "1"), kv("b", "3"), kv("c", "4")]
        );
        assert_eq!(
            apply(NONE, AttrOp::Set, &current, &changes).unwrap(),
            vec![kv("b", "3"), kv("c", "4")]
        );
        assert!(
            apply(NONE, AttrOp::Clear, &current, &[])
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn delete_of_missing_key_fails_whole_request() {
        let current = vec![kv("a", "1"), kv("b", "2")];
        let err = apply(
            NONE,
            AttrOp::Delete,
            &current,
            &[entry("a", None), entry("z", None)],
        );
        assert_eq!(err.unwrap_err().code, 10050);
        let twice = apply(
            NONE,
            AttrOp::Delete,
            &current,
            &[entry("a", None), entry("a", None)],
        );
        assert_eq!(twice.unwrap(), vec![kv("b", "2")]);
    }

    #[test]
    fn limits_use_bytes() {
        let cjk_key = "键".repeat(11); // 33 bytes, 11 characters
        let err = check_entry_limits(NONE, &[entry(&cjk_key, Some("v"))]).unwrap_err();
        assert_eq!(err.code, 10045);
        let chars = FaultSet::new(&[Fault::KeyLengthInChars]);
        assert!(check_entry_limits(chars, &[entry(&cjk_key, Some("v"))]).is_ok());
        let many: Vec<_> = (0..17).map(|i| kv(&format!("k{i}"), "v")).collect();
        assert_eq!(check_set_limits(NONE, &many).unwrap_err().code, 10047);
        let big: Vec<_> = (0..4)
            .map(|i| kv(&format!("k{i}"), &"x".repeat(4000)))
            .collect();
        assert!(check_set_limits(NONE, &big).is_ok());
        let mut over = big.clone();
        over.push(kv("k9", "x"));
        assert_eq!(check_set_limits(NONE, &over).unwrap_err().code, 10048);
    }

    #[test]
    fn type_rules_follow_the_profile() {
        use GroupType::*;
        for t in [Private, Public, ChatRoom, AvChatRoom, Community] {
            for op in [AttrOp::Get, AttrOp::Modify, AttrOp::Set, AttrOp::Delete] {
                assert!(type_supported(Profile::Current, NONE, op, t));
            }
            assert_eq!(
                type_supported(Profile::Current, NONE, AttrOp::Clear, t),
                t != Community
            );
            assert_eq!(
                type_supported(Profile::Attr2022, NONE, AttrOp::Delete, t),
                t == AvChatRoom
            );
            assert_eq!(
                type_supported(Profile::Attr2022, NONE, AttrOp::Modify, t),
                t == AvChatRoom
            );
        }
    }

    #[test]
    fn group_id_rules() {
        assert!(is_valid_group_id("@TGS#abc"));
        assert!(is_valid_group_id(&"a".repeat(48)));
        assert!(!is_valid_group_id(&"a".repeat(49)));
        assert!(!is_valid_group_id(""));
        assert!(!is_valid_group_id("tab\there"));
        assert!(!is_valid_group_id("群"));
    }
}
