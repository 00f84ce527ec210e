//! Fixture endpoints specs need to set the stage: accounts (reference §7.1–7.4) and groups
//! (§7.5–7.7).

use std::sync::atomic::Ordering;

use serde_json::{Map, Value, json};

use super::auth::unix_now;
use super::faults::{Fault, FaultSet};
use super::group_attr::{MAX_GROUP_ID_BYTES, is_valid_group_id, parse_group_id};
use super::reply::{ApiError, ApiResult, Reply, code};
use super::state::{AppState, GroupInfo, GroupRecord, GroupType, lock};

const MAX_USER_ID_BYTES: usize = 32;
const MAX_BATCH_ACCOUNTS: usize = 100;
const MAX_GROUP_NAME_BYTES: usize = 30;
const MAX_INTRODUCTION_BYTES: usize = 240;
const MAX_NOTIFICATION_BYTES: usize = 300;
const MAX_FACE_URL_BYTES: usize = 100;
const MAX_CREATE_MEMBERS: usize = 100;
const MAX_GROUP_INFO_IDS: usize = 50;
/// The documented ResultInfo for an unknown account [F2].
pub(crate) const ACCOUNT_NOT_EXIST_INFO: &str = "Err_TLS_PT_Open_Login_Account_Not_Exist";

/// The per-request account cap (100), or 101 under `account-batch-off-by-one`.
pub(crate) fn batch_limit(faults: FaultSet) -> usize {
    MAX_BATCH_ACCOUNTS + usize::from(faults.has(Fault::AccountBatchOffByOne))
}

/// A profile field (Nick, FaceUrl) holds at most this many bytes (40601) [F1].
const MAX_PROFILE_FIELD_BYTES: usize = 500;

fn is_valid_user_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_USER_ID_BYTES
}

fn account_param(why: &'static str) -> ApiError {
    ApiError::new(code::ACCOUNT_PARAM, why)
}

fn group_param(why: &'static str) -> ApiError {
    ApiError::new(code::GROUP_PARAM, why)
}

/// `account_import`: `UserID`, or the 2020 name `Identifier` (§8.6).
pub(crate) fn account_import(state: &AppState, body: &Map<String, Value>) -> ApiResult {
    let id = body
        .get("UserID")
        .or_else(|| body.get("Identifier"))
        .and_then(Value::as_str)
        .ok_or_else(|| account_param("UserID is missing or not a string"))?;
    let at_max_refused = state.faults.has(Fault::UserIdMaxRefused) && id.len() == MAX_USER_ID_BYTES;
    if !is_valid_user_id(id) || at_max_refused {
        return Err(account_param("UserID is empty or longer than 32 bytes"));
    }
    for field in ["Nick", "FaceUrl"] {
        match body.get(field) {
            None => {}
            Some(Value::String(v)) if v.len() <= MAX_PROFILE_FIELD_BYTES => {}
            Some(Value::String(_)) => {
                return Err(ApiError::new(
                    code::PROFILE_FIELD_TOO_LONG,
                    "a profile field is longer than 500 bytes",
                ));
            }
            Some(_) => return Err(account_param("Nick and FaceUrl must be strings")),
        }
    }
    lock(&state.accounts).imported.insert(id.to_owned());
    Ok(Reply::ok())
}

/// A required array of at most `batch_limit` items (70402 otherwise).
fn account_batch<'a>(
    state: &AppState,
    body: &'a Map<String, Value>,
    field: &'static str,
) -> Result<&'a Vec<Value>, ApiError> {
    let list = body
        .get(field)
        .and_then(Value::as_array)
        .ok_or_else(|| account_param("account list is missing or not an array"))?;
    if list.is_empty() || list.len() > batch_limit(state.faults) {
        return Err(account_param("account list must hold 1 to 100 entries"));
    }
    Ok(list)
}

/// Each element's `UserID` string.
fn user_ids(list: &[Value]) -> Result<Vec<&str>, ApiError> {
    list.iter()
        .map(|item| {
            item.get("UserID")
                .and_then(Value::as_str)
                .ok_or_else(|| account_param("item lacks a string UserID"))
        })
        .collect()
}

pub(crate) fn multiaccount_import(state: &AppState, body: &Map<String, Value>) -> ApiResult {
    let list = account_batch(state, body, "Accounts")?;
    let ids: Vec<&str> = list
        .iter()
        .map(|v| {
            v.as_str()
                .ok_or_else(|| account_param("Accounts holds a non-string"))
        })
        .collect::<Result<_, _>>()?;
    let mut accounts = lock(&state.accounts);
    let mut failed = Vec::new();
    for id in ids {
        if is_valid_user_id(id) {
            accounts.imported.insert(id.to_owned());
        } else {
            failed.push(Value::from(id));
        }
    }
    Ok(Reply::ok().with("FailAccounts", failed))
}

pub(crate) fn account_delete(state: &AppState, body: &Map<String, Value>) -> ApiResult {
    let ids = user_ids(account_batch(state, body, "DeleteItem")?)?;
    let mut accounts = lock(&state.accounts);
    let mut push = lock(&state.push);
    let results: Vec<Value> = ids
        .into_iter()
        .map(|id| {
            if accounts.imported.remove(id) {
                push.users.remove(id);
                json!({"ResultCode": 0, "ResultInfo": "", "UserID": id})
            } else {
                json!({"ResultCode": code::ACCOUNT_NOT_FOUND, "ResultInfo": ACCOUNT_NOT_EXIST_INFO, "UserID": id})
            }
        })
        .collect();
    Ok(Reply::ok().with("ResultItem", results))
}

pub(crate) fn account_check(state: &AppState, body: &Map<String, Value>) -> ApiResult {
    let ids = user_ids(account_batch(state, body, "CheckItem")?)?;
    let accounts = lock(&state.accounts);
    let results: Vec<Value> = ids
        .into_iter()
        .map(|id| {
            let status = if accounts.imported.contains(id) {
                "Imported"
            } else {
                "NotImported"
            };
            json!({"UserID": id, "ResultCode": 0, "ResultInfo": "", "AccountStatus": status})
        })
        .collect();
    Ok(Reply::ok().with("ResultItem", results))
}

/// An optional string field of at most `max` bytes (10004 otherwise).
fn optional_text(
    body: &Map<String, Value>,
    field: &'static str,
    max: usize,
) -> Result<String, ApiError> {
    match body.get(field) {
        None => Ok(String::new()),
        Some(Value::String(s)) if s.len() <= max => Ok(s.clone()),
        Some(_) => Err(group_param("a text field is not a string or too long")),
    }
}

/// splitmix64: a well-mixed 64-bit value from a counter, enough for unique-looking IDs.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A fresh auto GroupId. Faithful shape: `@TGS#` + 9 of [A-Z0-9] (like `@TGS#aC5SZEAEF`'s
/// length); details_differ: `@TGS#emu` + 12 hex digits. Community IDs get the `@TGS#_` prefix.
fn auto_group_id(state: &AppState, group_type: GroupType) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let seq = state.id_seq.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut bits = mix(seq ^ mix(nanos));
    let body = if state.config.details_differ {
        format!("@TGS#emu{:012x}", bits & 0xffff_ffff_ffff)
    } else {
        let mut s = String::from("@TGS#");
        for _ in 0..9 {
            s.push(char::from(ALPHABET[(bits % 36) as usize]));
            bits /= 36;
        }
        s
    };
    if group_type == GroupType::Community {
        format!("@TGS#_{body}")
    } else {
        body
    }
}

/// Custom GroupId rules (§4.2): printable ASCII, ≤ 48 bytes, no `@TGS#` prefix except that a
/// Community ID must start with `@TGS#_`.
fn check_custom_group_id(
    faults: FaultSet,
    id: &str,
    group_type: GroupType,
) -> Result<(), ApiError> {
    let prefix_ok = if group_type == GroupType::Community {
        id.starts_with("@TGS#_")
    } else {
        !id.starts_with("@TGS#")
    };
    // `group-id-limit-off-by-one` lets one byte more through; the other rules still hold.
    let one_over = faults.has(Fault::GroupIdLimitOffByOne)
        && id.len() == MAX_GROUP_ID_BYTES + 1
        && id.bytes().all(|b| (0x20..=0x7e).contains(&b));
    if (is_valid_group_id(id) || one_over) && prefix_ok {
        Ok(())
    } else {
        Err(ApiError::new(
            code::GROUP_BAD_ID,
            "custom GroupId is invalid",
        ))
    }
}

pub(crate) fn create_group(state: &AppState, body: &Map<String, Value>) -> ApiResult {
    let group_type = body
        .get("Type")
        .and_then(Value::as_str)
        .and_then(GroupType::parse)
        .ok_or_else(|| group_param("Type is missing or not a group type"))?;
    let name = body
        .get("Name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty() && n.len() <= MAX_GROUP_NAME_BYTES)
        .map(|n| state.faults.stored(n, MAX_GROUP_NAME_BYTES))
        .ok_or_else(|| group_param("Name is missing, empty or longer than 30 bytes"))?;
    if group_type == GroupType::Community && !state.config.features.community_groups {
        return Err(ApiError::new(
            code::COMMUNITY_OFF,
            "the community feature is not enabled",
        ));
    }
    let custom_id = match body.get("GroupId") {
        None => None,
        Some(Value::String(id)) => {
            check_custom_group_id(state.faults, id, group_type)?;
            Some(id.as_str())
        }
        Some(_) => return Err(group_param("GroupId is not a string")),
    };
    let text = |field, max| optional_text(body, field, max).map(|t| state.faults.stored(&t, max));
    let introduction = text("Introduction", MAX_INTRODUCTION_BYTES)?;
    let notification = text("Notification", MAX_NOTIFICATION_BYTES)?;
    let face_url = text("FaceUrl", MAX_FACE_URL_BYTES)?;
    let apply_join_option = match body.get("ApplyJoinOption") {
        None if group_type == GroupType::AvChatRoom => "FreeAccess".to_owned(),
        None => "NeedPermission".to_owned(),
        Some(Value::String(s))
            if ["FreeAccess", "NeedPermission", "DisableApply"].contains(&s.as_str()) =>
        {
            s.clone()
        }
        Some(_) => return Err(group_param("ApplyJoinOption is invalid")),
    };
    let max_member_num = match body.get("MaxMemberCount") {
        None => match group_type {
            GroupType::Community => 100_000,
            GroupType::AvChatRoom => 0,
            _ => 200,
        },
        Some(v) => v
            .as_u64()
            .ok_or_else(|| group_param("MaxMemberCount is not an integer"))?,
    };
    let owner = match body.get("Owner_Account") {
        None => None,
        Some(Value::String(o)) => Some(o.clone()),
        Some(_) => return Err(group_param("Owner_Account is not a string")),
    };
    let members: Vec<String> = match body.get("MemberList") {
        None => Vec::new(),
        Some(_) if group_type == GroupType::AvChatRoom => {
            return Err(ApiError::new(
                code::GROUP_NO_PERMISSION,
                "AVChatRoom groups cannot be created with a MemberList",
            ));
        }
        Some(Value::Array(list)) => {
            if list.len() > MAX_CREATE_MEMBERS {
                return Err(ApiError::new(
                    code::GROUP_TOO_MANY_ACCOUNTS,
                    "MemberList holds more than 100 members",
                ));
            }
            list.iter()
                .map(|m| {
                    m.get("Member_Account")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .ok_or_else(|| group_param("MemberList item lacks Member_Account"))
                })
                .collect::<Result<_, _>>()?
        }
        Some(_) => return Err(group_param("MemberList is not an array")),
    };
    {
        let accounts = lock(&state.accounts);
        let unknown = owner
            .iter()
            .chain(members.iter())
            .any(|a| !accounts.imported.contains(a));
        if unknown {
            return Err(ApiError::new(
                code::GROUP_USER_NOT_FOUND,
                "owner or member account does not exist",
            ));
        }
    }
    let mut member_accounts: Vec<&String> = owner.iter().chain(members.iter()).collect();
    member_accounts.sort();
    member_accounts.dedup();
    let info = GroupInfo {
        group_type,
        name: name.to_owned(),
        owner: owner.clone(),
        introduction,
        notification,
        face_url,
        create_time: unix_now(),
        member_num: member_accounts.len() as u64,
        max_member_num,
        apply_join_option,
    };
    let mut store = lock(&state.groups);
    let group_id = match custom_id {
        Some(id) => {
            if store.groups.get(id).is_some_and(|g| !g.destroyed) {
                return Err(ApiError::new(
                    code::GROUP_ID_USED,
                    "GroupId is already used",
                ));
            }
            id.to_owned()
        }
        None => loop {
            let id = auto_group_id(state, group_type);
            if !store.groups.contains_key(&id) {
                break id;
            }
        },
    };
    store
        .groups
        .insert(group_id.clone(), GroupRecord::new(info));
    Ok(Reply::ok().with("GroupId", group_id))
}

pub(crate) fn destroy_group(state: &AppState, body: &Map<String, Value>) -> ApiResult {
    let group_id = parse_group_id(body)?;
    let mut store = lock(&state.groups);
    match store.groups.get_mut(group_id) {
        Some(record) if !record.destroyed => {
            if state.faults.has(Fault::DestroyedGroupKeepsAttrs) {
                record.destroyed = true;
            } else {
                store.groups.remove(group_id);
            }
            Ok(Reply::ok())
        }
        _ => Err(ApiError::new(code::GROUP_NOT_FOUND, "group does not exist")),
    }
}

pub(crate) fn get_group_info(state: &AppState, body: &Map<String, Value>) -> ApiResult {
    let list = body
        .get("GroupIdList")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty() && l.len() <= MAX_GROUP_INFO_IDS)
        .ok_or_else(|| group_param("GroupIdList must be an array of 1 to 50 GroupIds"))?;
    let ids: Vec<&str> = list
        .iter()
        .map(|v| {
            v.as_str()
                .ok_or_else(|| group_param("GroupIdList holds a non-string"))
        })
        .collect::<Result<_, _>>()?;
    let store = lock(&state.groups);
    let appid = state.config.sdkappid;
    let infos: Vec<Value> = ids
        .into_iter()
        .map(|id| {
            if !is_valid_group_id(id) {
                return json!({"GroupId": id, "ErrorCode": code::GROUP_BAD_ID, "ErrorInfo": "GroupId is invalid"});
            }
            match store.groups.get(id).filter(|g| !g.destroyed) {
                None => json!({"GroupId": id, "ErrorCode": code::GROUP_NOT_FOUND, "ErrorInfo": "group does not exist"}),
                Some(g) => {
                    let i = &g.info;
                    json!({
                        "GroupId": id,
                        "ErrorCode": 0,
                        "ErrorInfo": "",
                        "Type": i.group_type.as_str(),
                        "Name": i.name,
                        "Appid": appid,
                        "Introduction": i.introduction,
                        "Notification": i.notification,
                        "FaceUrl": i.face_url,
                        "Owner_Account": i.owner.clone().unwrap_or_default(),
                        "CreateTime": i.create_time,
                        "LastInfoTime": i.create_time,
                        "LastMsgTime": 0,
                        "NextMsgSeq": 1,
                        "MemberNum": i.member_num,
                        "MaxMemberNum": i.max_member_num,
                        "ApplyJoinOption": i.apply_join_option,
                        "MuteAllMember": "Off",
                        "AppDefinedData": [],
                    })
                }
            }
        })
        .collect();
    let infos = match base_info_filter(body) {
        Some(keep) => infos
            .into_iter()
            .map(|info| keep_fields(info, &keep))
            .collect(),
        None => infos,
    };
    Ok(Reply::ok().with("GroupInfo", infos))
}

/// `ResponseFilter.GroupBaseInfoFilter`: when given, only the named base fields come back [F4].
fn base_info_filter(body: &Map<String, Value>) -> Option<Vec<String>> {
    let names = body
        .get("ResponseFilter")?
        .get("GroupBaseInfoFilter")?
        .as_array()?;
    Some(
        names
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
    )
}

/// Keeps the per-group envelope (GroupId, ErrorCode, ErrorInfo) and the named fields.
fn keep_fields(info: Value, keep: &[String]) -> Value {
    let Value::Object(map) = info else {
        return info;
    };
    let kept = map
        .into_iter()
        .filter(|(k, _)| {
            matches!(k.as_str(), "GroupId" | "ErrorCode" | "ErrorInfo")
                || keep.iter().any(|n| n == k)
        })
        .collect();
    Value::Object(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_filter_keeps_only_named_fields() {
        let info = json!({"GroupId": "g", "ErrorCode": 0, "ErrorInfo": "", "Type": "Public", "Name": "n", "Introduction": ""});
        let kept = keep_fields(info, &["Type".to_owned()]);
        assert_eq!(
            kept,
            json!({"GroupId": "g", "ErrorCode": 0, "ErrorInfo": "", "Type": "Public"})
        );
    }

    #[test]
    fn custom_id_prefix_rules() {
        let none = FaultSet::default();
        assert!(check_custom_group_id(none, "MyGroup1", GroupType::Public).is_ok());
        assert!(check_custom_group_id(none, "@TGS#mine", GroupType::Public).is_err());
        assert!(check_custom_group_id(none, "@TGS#_mine", GroupType::Community).is_ok());
        assert!(check_custom_group_id(none, "mine", GroupType::Community).is_err());
        assert!(check_custom_group_id(none, &"g".repeat(48), GroupType::Private).is_ok());
        assert!(check_custom_group_id(none, &"g".repeat(49), GroupType::Private).is_err());
        let one_over = FaultSet::new(&[Fault::GroupIdLimitOffByOne]);
        assert!(check_custom_group_id(one_over, &"g".repeat(49), GroupType::Private).is_ok());
        assert!(check_custom_group_id(one_over, &"g".repeat(50), GroupType::Private).is_err());
        assert!(check_custom_group_id(one_over, &"群".repeat(16), GroupType::Private).is_err());
    }

    #[test]
    fn mix_spreads_counters() {
        assert_ne!(mix(1), mix(2));
        assert_ne!(mix(0), 0);
    }
}
