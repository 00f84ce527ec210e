//! `details_differ`: the emulator answers differently wherever the docs leave an answer open,
//! and only there, so the suite can be seen to pass a target nobody here wrote. Each change
//! names the doc line that leaves it open (tags as in the reference's §0); docs/emulator.md
//! lists them all. Applied after the faithful handler answered, so the handlers stay faithful.
//!
//! Also changed elsewhere: auto GroupIds (`fixtures::auto_group_id`), the ErrorInfo wording,
//! envelope field order and whitespace (`server::render`).

use serde_json::{Map, Value};

use super::push_attr::{PushGen, PushOp};
use super::reply::{ApiError, ApiResult, Reply, code};
use super::server::{Endpoint, Family};
use super::state::{AppState, lock};

/// A field no doc lists, added to every answer: the envelope allows fields beside its own
/// ("API-specific fields sit beside them", §1.3 [R1]).
pub(crate) const EXTRA_FIELD: &str = "RequestId";

/// 60009 "bad URL path" [R1] and 10003 "invalid command word" [E1] both fit an unknown
/// command under the group service; elsewhere only 60009 does.
pub(crate) fn unknown_path(path: &str) -> ApiError {
    if path.starts_with("/v4/group_open_http_svc/") {
        ApiError::new(code::GROUP_BAD_COMMAND, "no such command word")
    } else {
        ApiError::new(code::BAD_PATH, "no such service or command")
    }
}

/// The answer of a served endpoint, changed where the docs leave it open. `request` is the
/// parsed body, when the request got that far.
pub(crate) fn reshape(
    state: &AppState,
    endpoint: Endpoint,
    request: Option<&Map<String, Value>>,
    outcome: ApiResult,
) -> ApiResult {
    match outcome {
        Err(e) => Err(other_code(state, endpoint, request, e)),
        Ok(reply) => Ok(reshape_reply(state, endpoint, reply)),
    }
}

/// The other code of each documented pair.
fn other_code(
    state: &AppState,
    endpoint: Endpoint,
    request: Option<&Map<String, Value>>,
    e: ApiError,
) -> ApiError {
    let family = endpoint.family();
    let field = |name: &str| request.and_then(|b| b.get(name));
    let code = match e.code {
        // One row for both: "account or signature error" (§2.1 [R1]).
        code::BAD_IDENTIFIER => code::BAD_ACCOUNT_OR_SIG,
        // "UserSig invalid", the same text for both (§2.2 [E1]).
        code::SIG_INVALID => code::SIG_INVALID_ALT,
        // The family's own parse code: group 10011 [E1 §2.3], push 90001 [§2.4].
        code::BAD_JSON_BODY if family == Family::Group => code::GROUP_BAD_JSON,
        code::BAD_JSON_BODY if family == Family::Push => code::PUSH_PARAM,
        // "60010, or an API-specific 'requires admin' code (70403, 90009, 10007, …)" (§1.1 [R1]).
        code::NOT_ADMIN => match family {
            Family::Group => code::GROUP_NO_PERMISSION,
            Family::Account => code::ACCOUNT_ADMIN_REQUIRED,
            Family::Push => code::PUSH_ADMIN_REQUIRED,
        },
        // A custom GroupId in use: 10021 (someone else) or 10025 (you) (§7.5 [F3]).
        code::GROUP_ID_USED => code::GROUP_ID_USED_ELSEWHERE,
        // Owner or member not imported: "must be imported", no code stated (§7.5 [F3]).
        code::GROUP_USER_NOT_FOUND => code::GROUP_PARAM,
        // Attribute length: 90030 [E1] or timpush's "invalid attribute" 90033 [P4].
        code::PUSH_ATTR_LENGTH => code::PUSH_ATTR_INVALID,
        // More than 100 accounts: 70402 "invalid parameter" or 70206 "invalid batch
        // quantity" [E1]; F1 names neither for the limit.
        code::ACCOUNT_PARAM if family == Family::Account && over_batch(request) => {
            code::ACCOUNT_BAD_BATCH
        }
        // GroupId missing or not a string: 10004 or 10015 "invalid group ID" [A1–A5].
        code::GROUP_PARAM
            if matches!(endpoint, Endpoint::GroupAttr(_) | Endpoint::DestroyGroup)
                && request.is_some_and(|b| !b.get("GroupId").is_some_and(Value::is_string)) =>
        {
            code::GROUP_BAD_ID
        }
        // An ID no group ever had: 10010 "does not exist" or 10015 "invalid group ID" [A1–A5];
        // a destroyed group stays 10010 ("or was disbanded").
        code::GROUP_NOT_FOUND
            if field("GroupId")
                .and_then(Value::as_str)
                .is_some_and(|id| !ever_created(state, id)) =>
        {
            code::GROUP_BAD_ID
        }
        other => other,
    };
    ApiError { code, info: e.info }
}

/// Whether the request's account list is over the 100 of §7.2–7.4.
fn over_batch(request: Option<&Map<String, Value>>) -> bool {
    request.is_some_and(|b| {
        ["Accounts", "DeleteItem", "CheckItem"].iter().any(|f| {
            b.get(*f)
                .and_then(Value::as_array)
                .is_some_and(|l| l.len() > 100)
        })
    })
}

fn ever_created(state: &AppState, id: &str) -> bool {
    lock(&state.groups).ever_created.contains(id)
}

fn reshape_reply(state: &AppState, endpoint: Endpoint, mut reply: Reply) -> Reply {
    match endpoint {
        Endpoint::CreateGroup => {
            if let Some(Value::String(id)) = field(&reply, "GroupId") {
                lock(&state.groups).ever_created.insert(id.clone());
            }
        }
        // No attributes: `[]` or no field, not documented (§5.2); order: not documented.
        Endpoint::GroupAttr(_) => {
            drop_if_empty(&mut reply, "GroupAttrAry");
            reverse(&mut reply, "GroupAttrAry");
        }
        // FailAccounts (Array) [F1]: sent only when something failed.
        Endpoint::MultiaccountImport => drop_if_empty(&mut reply, "FailAccounts"),
        // One ResultItem per item [F1, F2]; their order is not documented.
        Endpoint::AccountCheck | Endpoint::AccountDelete => reverse(&mut reply, "ResultItem"),
        Endpoint::Push(generation, op) => {
            reverse(&mut reply, "UserAttrs");
            reverse(&mut reply, "ErrorList");
            // ErrorInfo in an ErrorList item "may be empty" and the sample leaves it out
            // (seed 003); gen 2 "may include" ErrorList (§6.4 [P4]): sent empty too.
            if let Some(Value::Array(items)) = field_mut(&mut reply, "ErrorList") {
                for item in items.iter_mut().filter_map(Value::as_object_mut) {
                    item.remove("ErrorInfo");
                }
            }
            let lists_errors = matches!(op, PushOp::GetAttr | PushOp::SetAttr | PushOp::RemoveAttr);
            if generation == PushGen::TimPush
                && lists_errors
                && field(&reply, "ErrorList").is_none()
            {
                reply.fields.push(("ErrorList", Value::Array(Vec::new())));
            }
        }
        Endpoint::GetGroupInfo => group_info(state, &mut reply),
        Endpoint::AccountImport | Endpoint::DestroyGroup => {}
    }
    reply
}

/// get_group_info (§7.7 [F4]): elements in another order, fields the docs leave open changed,
/// and a top-level code that says the request failed when every group did: the docs call the
/// top-level ErrorCode/ErrorInfo meaningless.
fn group_info(state: &AppState, reply: &mut Reply) {
    reverse(reply, "GroupInfo");
    let Some(Value::Array(items)) = field_mut(reply, "GroupInfo") else {
        return;
    };
    let mut first_failure = None;
    let mut all_failed = !items.is_empty();
    for item in items.iter_mut().filter_map(Value::as_object_mut) {
        let code = item.get("ErrorCode").and_then(Value::as_u64).unwrap_or(0);
        if code == u64::from(code::GROUP_NOT_FOUND)
            && let Some(Value::String(id)) = item.get("GroupId")
            && !ever_created(state, id)
        {
            item.insert("ErrorCode".into(), Value::from(code::GROUP_BAD_ID));
        }
        let code = item.get("ErrorCode").and_then(Value::as_u64).unwrap_or(0);
        if code != 0 {
            first_failure = first_failure.or(Some(code));
            continue;
        }
        all_failed = false;
        // Unset text fields and an absent owner: "" or no field, not stated [F3, F4].
        for name in ["Introduction", "Notification", "FaceUrl", "Owner_Account"] {
            if item.get(name).is_some_and(|v| v == "") {
                item.remove(name);
            }
        }
        // MuteAllMember: listed with the sample value "On" and no rule [F4].
        if item.contains_key("MuteAllMember") {
            item.insert("MuteAllMember".into(), Value::from("On"));
        }
        // AppDefinedData and MemberList are listed element fields [F4]: the empty one left
        // out, the other sent empty.
        if item
            .get("AppDefinedData")
            .is_some_and(|v| v == &Value::Array(Vec::new()))
        {
            item.remove("AppDefinedData");
        }
        if item.contains_key("Type") {
            item.entry("MemberList")
                .or_insert_with(|| Value::Array(Vec::new()));
        }
    }
    if all_failed && let Some(code) = first_failure {
        reply.top_level = Some(ApiError::new(
            u32::try_from(code).unwrap_or(code::GROUP_NOT_FOUND),
            "no group could be read",
        ));
    }
}

fn field<'a>(reply: &'a Reply, name: &str) -> Option<&'a Value> {
    reply
        .fields
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

fn field_mut<'a>(reply: &'a mut Reply, name: &str) -> Option<&'a mut Value> {
    reply
        .fields
        .iter_mut()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

fn drop_if_empty(reply: &mut Reply, name: &str) {
    reply
        .fields
        .retain(|(n, v)| *n != name || v.as_array().is_none_or(|a| !a.is_empty()));
}

fn reverse(reply: &mut Reply, name: &str) {
    if let Some(Value::Array(items)) = field_mut(reply, name) {
        items.reverse();
    }
}
