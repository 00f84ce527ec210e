//! Push itself (push_tags.md §4): gen 1 `im_push` and gen 2 `push` (both payload styles),
//! `batch` and `revoke`. Pushes are recorded as tasks for revoke; a push must come more than
//! `push_interval` after the last one (90024), revokes likewise (90051), and successful pushes
//! a UTC day are capped at `push_quota` (90047). Nothing is delivered: there are no devices.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::faults::{Fault, FaultSet};
use super::push_attr::{PushGen, invalid_attr, param, unknown_account, with_error_list};
use super::push_tags::{MAX_TAG_BYTES, tag_len};
use super::reply::{ApiError, ApiResult, Reply, code};
use super::state::{AppState, PushAttrStore, PushTask, PushTasks, lock};

/// Longest gen 1 offline storage: 7 days (T1).
const MAX_LIFE_TIME: u64 = 604_800;
/// A gen 2 push-to-all body is at most 10K (W10b 90056); read as 10,240 bytes.
const MAX_PUSH_BODY: usize = 10 * 1024;
/// Tags in one condition list (T1).
const MAX_CONDITION_TAGS: usize = 10;
/// Batch recipients, 1 to 500 (W8).
const MAX_RECIPIENTS: usize = 500;
/// DataId bytes (W8b, R8).
const MAX_DATA_ID: usize = 64;
/// A task can be revoked for 24 hours (W9c).
const REVOKE_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// The message element types of gen 1 (T1).
const MSG_TYPES: [&str; 8] = [
    "TIMTextElem",
    "TIMLocationElem",
    "TIMFaceElem",
    "TIMCustomElem",
    "TIMSoundElem",
    "TIMImageElem",
    "TIMFileElem",
    "TIMVideoFileElem",
];

fn err(code: u32, why: &'static str) -> ApiError {
    ApiError::new(code, why)
}

/// A 32-bit unsigned MsgRandom, or `code`.
fn msg_random(body: &Map<String, Value>, code: u32) -> Result<u64, ApiError> {
    body.get("MsgRandom")
        .and_then(Value::as_u64)
        .filter(|r| *r <= u64::from(u32::MAX))
        .ok_or_else(|| {
            err(
                code,
                "MsgRandom is missing or not a 32-bit unsigned integer",
            )
        })
}

/// An optional field that must be an object when present (90001).
fn optional_object<'a>(
    body: &'a Map<String, Value>,
    field: &'static str,
) -> Result<Option<&'a Map<String, Value>>, ApiError> {
    match body.get(field) {
        None => Ok(None),
        Some(v) => v
            .as_object()
            .map(Some)
            .ok_or_else(|| param("a field that must be an object is not one")),
    }
}

/// MsgBody elements: an array of `{MsgType, MsgContent}` with a known MsgType. Gen 1 answers
/// its own codes (90002, 90007); gen 2 documents neither, so 90001.
fn check_msg_body(generation: PushGen, body: &Value) -> Result<(), ApiError> {
    let (not_array, bad) = match generation {
        PushGen::Legacy => (code::PUSH_MSG_BODY_NOT_ARRAY, code::PUSH_BAD_MSG_BODY),
        PushGen::TimPush => (code::PUSH_PARAM, code::PUSH_PARAM),
    };
    let elements = body
        .as_array()
        .ok_or_else(|| err(not_array, "MsgBody is not an array"))?;
    let valid = |e: &Value| {
        e.get("MsgType")
            .and_then(Value::as_str)
            .is_some_and(|t| MSG_TYPES.contains(&t))
            && e.get("MsgContent").is_some_and(Value::is_object)
    };
    if elements.is_empty() || !elements.iter().all(valid) {
        return Err(err(bad, "MsgBody is not in message format"));
    }
    Ok(())
}

/// What a push carries: gen 1 a MsgBody; gen 2 a MsgBody (Chat pages) or an OfflinePushInfo
/// (Push Service pages), or both.
fn check_content(
    faults: FaultSet,
    generation: PushGen,
    body: &Map<String, Value>,
) -> Result<(), ApiError> {
    if body.get("From_Account").is_some_and(|v| !v.is_string()) {
        return Err(param("From_Account is not a string"));
    }
    let offline = optional_object(body, "OfflinePushInfo")?;
    match (generation, body.get("MsgBody")) {
        (PushGen::Legacy, None) => return Err(err(code::PUSH_BAD_MSG_BODY, "MsgBody is missing")),
        (PushGen::TimPush, None) if faults.has(Fault::PushRequiresMsgBody) => {
            return Err(param("MsgBody is missing"));
        }
        (PushGen::TimPush, None) if offline.is_none() => {
            return Err(param("a push needs MsgBody or OfflinePushInfo"));
        }
        (_, None) => {}
        (_, Some(msg)) => check_msg_body(generation, msg)?,
    }
    if let Some(life) = body.get("MsgLifeTime") {
        let seconds = life
            .as_i64()
            .ok_or_else(|| param("MsgLifeTime is not an integer"))?;
        if !(0..=MAX_LIFE_TIME as i64).contains(&seconds) {
            return Err(err(
                code::PUSH_BAD_LIFE_TIME,
                "MsgLifeTime must be 0 to 604800 seconds",
            ));
        }
    }
    if generation == PushGen::TimPush
        && body
            .get("OnlineOnlyFlag")
            .is_some_and(|f| !matches!(f.as_u64(), Some(0 | 1)))
    {
        return Err(param("OnlineOnlyFlag must be 0 or 1"));
    }
    Ok(())
}

/// A Condition: attributes or tags, never both (90039); tags non-empty (90040), at most 50
/// bytes (90020), 10 per list (90032), none in both lists (90022); attributes named by the
/// app with values of 1 to 50 bytes (90033).
fn check_condition(
    faults: FaultSet,
    push: &PushAttrStore,
    condition: &Map<String, Value>,
) -> Result<(), ApiError> {
    let present = |field: &str| condition.get(field).filter(|v| !v.is_null());
    let attr_lists = [present("AttrsOr"), present("AttrsAnd")];
    let tag_lists = [present("TagsOr"), present("TagsAnd")];
    let has_attrs = attr_lists.iter().any(Option::is_some);
    let has_tags = tag_lists.iter().any(Option::is_some);
    if has_attrs && has_tags && !faults.has(Fault::AttrsAndTagsAllowed) {
        return Err(err(
            code::PUSH_ATTRS_AND_TAGS,
            "a condition holds attributes or tags, not both",
        ));
    }
    let max_tags = MAX_CONDITION_TAGS + usize::from(faults.has(Fault::ConditionTagCountOffByOne));
    let mut lists: Vec<Vec<&str>> = Vec::new();
    for list in tag_lists.into_iter().flatten() {
        let tags = list
            .as_array()
            .ok_or_else(|| param("TagsOr/TagsAnd is not an array"))?
            .iter()
            .map(|t| t.as_str().ok_or_else(|| param("a tag is not a string")))
            .collect::<Result<Vec<&str>, _>>()?;
        for tag in &tags {
            if tag.is_empty() {
                return Err(err(code::PUSH_EMPTY_TAG, "a condition tag is empty"));
            }
            if tag_len(faults, tag) > MAX_TAG_BYTES {
                return Err(err(
                    code::PUSH_TAG_TOO_LONG,
                    "a condition tag is longer than 50 bytes",
                ));
            }
        }
        if tags.len() > max_tags {
            return Err(err(
                code::PUSH_TOO_MANY_TAGS,
                "more than 10 tags in a condition list",
            ));
        }
        lists.push(tags);
    }
    if let [or, and] = lists.as_slice()
        && or.iter().any(|t| and.contains(t))
        && !faults.has(Fault::RepeatedConditionTagAccepted)
    {
        return Err(err(
            code::PUSH_TAG_REPEATED,
            "TagsOr and TagsAnd repeat a tag",
        ));
    }
    for attrs in attr_lists.into_iter().flatten() {
        let attrs = attrs
            .as_object()
            .ok_or_else(|| param("AttrsOr/AttrsAnd is not an object"))?;
        for (name, value) in attrs {
            let value = value
                .as_str()
                .ok_or_else(|| param("an attribute value is not a string"))?;
            if push.index_of(name).is_none() {
                return Err(invalid_attr(format!("attribute {name:?} was never set")));
            }
            if value.is_empty() || value.len() > MAX_TAG_BYTES {
                return Err(invalid_attr(
                    "an attribute value is empty or longer than 50 bytes",
                ));
            }
        }
    }
    Ok(())
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A new task ID, in the shape the docs' samples show for each kind (§4.2.3).
fn task_id(state: &AppState, tasks: &mut PushTasks, kind: TaskKind) -> String {
    tasks.seq += 1;
    let (seq, now, salt) = (tasks.seq, unix_now(), rand::random::<u32>());
    match kind {
        TaskKind::Legacy => format!(
            "{}_{:018}_{now}_{:08}",
            state.config.sdkappid,
            seq,
            salt % 100_000_000
        ),
        TaskKind::Push => format!("{now:08x}_{salt:08x}_{seq:x}_{:06x}", salt & 0xff_ffff),
        TaskKind::Batch => format!(
            "batch_{now:08x}_{salt:08x}_{seq:x}_{:06x}",
            salt & 0xff_ffff
        ),
    }
}

#[derive(Clone, Copy)]
enum TaskKind {
    Legacy,
    Push,
    Batch,
}

/// Whether `last` is within the push interval of `now` (the 1 s rules; zero: never).
fn too_soon(state: &AppState, last: Option<Instant>, now: Instant) -> bool {
    let interval = state.config.push_interval;
    !interval.is_zero() && last.is_some_and(|t| now.duration_since(t) <= interval)
}

pub(super) fn push(
    state: &AppState,
    generation: PushGen,
    body: &Map<String, Value>,
    body_len: usize,
) -> ApiResult {
    let faults = state.faults;
    if generation == PushGen::TimPush && body_len > MAX_PUSH_BODY {
        return Err(err(code::PUSH_BODY_TOO_LARGE, "a push body is at most 10K"));
    }
    msg_random(body, code::PUSH_BAD_MSG_RANDOM)?;
    check_content(faults, generation, body)?;
    if let Some(condition) = body.get("Condition") {
        let condition = condition
            .as_object()
            .ok_or_else(|| param("Condition is not an object"))?;
        check_condition(faults, &lock(&state.push), condition)?;
    }
    let mut tasks = lock(&state.push_tasks);
    let now = Instant::now();
    if too_soon(state, tasks.last_push, now) && !faults.has(Fault::PushSpacingNotEnforced) {
        return Err(err(
            code::PUSH_TOO_FREQUENT,
            "pushes must be more than 1 s apart",
        ));
    }
    let day = unix_now() / 86_400;
    if tasks.day != day {
        tasks.day = day;
        tasks.today = 0;
    }
    if tasks.today >= state.config.push_quota {
        return Err(err(
            code::PUSH_QUOTA_USED_UP,
            "the daily push quota is used up",
        ));
    }
    tasks.today += 1;
    tasks.last_push = Some(now);
    let kind = match generation {
        PushGen::Legacy => TaskKind::Legacy,
        PushGen::TimPush => TaskKind::Push,
    };
    let id = task_id(state, &mut tasks, kind);
    tasks.tasks.insert(
        id.clone(),
        PushTask {
            started: now,
            revoked: false,
        },
    );
    if faults.has(Fault::TaskIdMissing) {
        return Ok(Reply::ok());
    }
    Ok(Reply::ok().with("TaskId", id))
}

pub(super) fn batch(state: &AppState, body: &Map<String, Value>) -> ApiResult {
    let faults = state.faults;
    body.get("From_Account")
        .and_then(Value::as_str)
        .ok_or_else(|| param("From_Account is missing or not a string"))?;
    let recipients = body
        .get("To_Account")
        .and_then(Value::as_array)
        .ok_or_else(|| param("To_Account is missing or not an array"))?
        .iter()
        .map(|v| {
            v.as_str()
                .ok_or_else(|| param("To_Account holds a non-string"))
        })
        .collect::<Result<Vec<&str>, _>>()?;
    if recipients.is_empty() {
        return Err(param("To_Account holds no account"));
    }
    let max = MAX_RECIPIENTS + usize::from(faults.has(Fault::BatchRecipientLimitOffByOne));
    if recipients.len() > max {
        return Err(err(
            code::PUSH_TOO_MANY_ACCOUNTS,
            "more than 500 accounts in one batch",
        ));
    }
    // The batch sample answers a bad MsgRandom with 90001 (R8).
    msg_random(body, code::PUSH_PARAM)?;
    if optional_object(body, "OfflinePushInfo")?.is_none() {
        return Err(param("OfflinePushInfo is missing"));
    }
    if let Some(data_id) = body.get("DataId") {
        let data_id = data_id
            .as_str()
            .ok_or_else(|| param("DataId is not a string"))?;
        let max = MAX_DATA_ID + usize::from(faults.has(Fault::DataIdLimitOffByOne));
        if data_id.len() > max {
            return Err(err(
                code::BATCH_DATA_ID_TOO_LONG,
                "DataId is longer than 64 bytes",
            ));
        }
    }
    let errors: Vec<Value> = {
        let imported = lock(&state.accounts);
        recipients
            .iter()
            .filter(|r| !imported.imported.contains(**r))
            .map(|r| unknown_account(faults, r))
            .collect()
    };
    let mut tasks = lock(&state.push_tasks);
    let id = task_id(state, &mut tasks, TaskKind::Batch);
    tasks.tasks.insert(
        id.clone(),
        PushTask {
            started: Instant::now(),
            revoked: false,
        },
    );
    Ok(with_error_list(
        faults,
        Reply::ok().with("TaskId", id),
        errors,
    ))
}

pub(super) fn revoke(state: &AppState, body: &Map<String, Value>) -> ApiResult {
    let faults = state.faults;
    // TaskId on the revoke pages; TaskID is the statistics APIs' spelling of the same ID.
    let id = body
        .get("TaskId")
        .or_else(|| body.get("TaskID"))
        .and_then(Value::as_str)
        .ok_or_else(|| param("TaskId is missing or not a string"))?;
    // Required by the newest page (2025-12); 90053 is the code for a revoke without it.
    if optional_object(body, "OfflinePushInfo")?.is_none() {
        return Err(err(
            code::REVOKE_NEEDS_OFFLINE_PUSH_INFO,
            "a revoke needs OfflinePushInfo",
        ));
    }
    let mut tasks = lock(&state.push_tasks);
    let now = Instant::now();
    if too_soon(state, tasks.last_revoke, now) && !faults.has(Fault::RevokeRateNotEnforced) {
        return Err(err(
            code::REVOKE_TOO_FREQUENT,
            "at most one revoke a second",
        ));
    }
    tasks.last_revoke = Some(now);
    let task = tasks
        .tasks
        .get_mut(id)
        .ok_or_else(|| err(code::REVOKE_UNKNOWN_TASK, "no push task has this TaskId"))?;
    if task.revoked && !faults.has(Fault::RevokeTwiceAccepted) {
        return Err(err(code::REVOKE_ALREADY, "the task was revoked already"));
    }
    if now.duration_since(task.started) > REVOKE_WINDOW {
        return Err(err(
            code::REVOKE_TOO_LATE,
            "a task can be revoked for 24 hours",
        ));
    }
    task.revoked = true;
    Ok(Reply::ok())
}
