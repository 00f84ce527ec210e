//! User tags (push_tags.md §3), both generations over one store: get, add (gen 2 `Replace`),
//! remove and remove all. A refused request changes nothing; unknown accounts are reported in
//! `ErrorList` and left alone.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::faults::{Fault, FaultSet};
use super::push_attr::{PushGen, account_array, param, unknown_account, with_error_list};
use super::reply::{ApiError, ApiResult, Reply, code};
use super::state::{AppState, TagStore, lock};

/// Tags per user in one add request (Replace 0; gen 1 always).
const MAX_ADDED: usize = 10;
/// Tags per user in one add request with Replace 1 (gen 2).
const MAX_REPLACED: usize = 100;
/// Tags a user holds at most.
pub(super) const MAX_PER_USER: usize = 100;
/// Distinct tags an app holds at most (gen 2).
const MAX_PER_APP: usize = 1000;
/// Bytes of one tag.
pub(super) const MAX_TAG_BYTES: usize = 50;

/// A tag's length as the app measures it (characters under `tag-length-in-chars`).
pub(super) fn tag_len(faults: FaultSet, tag: &str) -> usize {
    if faults.has(Fault::TagLengthInChars) {
        tag.chars().count()
    } else {
        tag.len()
    }
}

/// The accounts of a `To_Account` list (90001 / 90018).
fn accounts(faults: FaultSet, body: &Map<String, Value>) -> Result<Vec<&str>, ApiError> {
    account_array(faults, body, "To_Account")?
        .iter()
        .map(|v| {
            v.as_str()
                .ok_or_else(|| param("To_Account holds a non-string"))
        })
        .collect()
}

/// The `UserTags` elements: each account with its tag strings (90001 / 90018).
fn user_tags(
    faults: FaultSet,
    body: &Map<String, Value>,
) -> Result<Vec<(&str, Vec<&str>)>, ApiError> {
    account_array(faults, body, "UserTags")?
        .iter()
        .map(|item| {
            let account = item
                .get("To_Account")
                .and_then(Value::as_str)
                .ok_or_else(|| param("UserTags item lacks a string To_Account"))?;
            let tags = item
                .get("Tags")
                .and_then(Value::as_array)
                .ok_or_else(|| param("UserTags item lacks a Tags array"))?
                .iter()
                .map(|t| t.as_str().ok_or_else(|| param("a tag is not a string")))
                .collect::<Result<Vec<&str>, _>>()?;
            Ok((account, tags))
        })
        .collect()
}

pub(super) fn get_tag(state: &AppState, body: &Map<String, Value>) -> ApiResult {
    let faults = state.faults;
    let accounts = accounts(faults, body)?;
    let imported = lock(&state.accounts);
    let push = lock(&state.push);
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for account in accounts {
        if !imported.imported.contains(account) {
            errors.push(unknown_account(faults, account));
            continue;
        }
        found.push(json!({"To_Account": account, "Tags": push.tags.of(account)}));
    }
    Ok(with_error_list(
        faults,
        Reply::ok().with("UserTags", found),
        errors,
    ))
}

pub(super) fn add_tag(
    state: &AppState,
    generation: PushGen,
    body: &Map<String, Value>,
) -> ApiResult {
    let faults = state.faults;
    // Gen 1 has no Replace; its field is ignored there.
    let replace = match (generation, body.get("Replace")) {
        (PushGen::TimPush, Some(v)) => match v.as_u64() {
            Some(0) => false,
            Some(1) => true,
            _ => return Err(param("Replace must be 0 or 1")),
        },
        _ => false,
    };
    let entries = user_tags(faults, body)?;
    let per_request = if replace {
        MAX_REPLACED
    } else {
        MAX_ADDED + usize::from(faults.has(Fault::TagCountOffByOne))
    };
    for (_, tags) in &entries {
        if tags.len() > per_request {
            return Err(ApiError::new(
                code::PUSH_TOO_MANY_TAGS,
                "too many tags for a user in one request",
            ));
        }
        if tags
            .iter()
            .any(|t| t.is_empty() || tag_len(faults, t) > MAX_TAG_BYTES)
        {
            return Err(ApiError::new(
                code::PUSH_TAG_LENGTH,
                "a tag is empty or longer than 50 bytes",
            ));
        }
    }
    let overwrite = if replace {
        !faults.has(Fault::ReplaceAppends)
    } else {
        faults.has(Fault::AddTagReplaces)
    };
    let imported = lock(&state.accounts);
    let mut push = lock(&state.push);
    // Every write is worked out before any is made: a request over a limit changes nothing.
    // An account listed twice sees its first entry's result.
    let mut results: Vec<(&str, Vec<String>)> = Vec::new();
    let mut errors = Vec::new();
    for (account, tags) in entries {
        if !imported.imported.contains(account) {
            errors.push(unknown_account(faults, account));
            continue;
        }
        let mut result: Vec<String> = if overwrite {
            Vec::new()
        } else {
            match results.iter().rev().find(|(a, _)| *a == account) {
                Some((_, earlier)) => earlier.clone(),
                None => push.tags.of(account).to_vec(),
            }
        };
        for tag in tags {
            if !result.iter().any(|t| t == tag) {
                result.push(tag.to_owned());
            }
        }
        if result.len() > MAX_PER_USER && !faults.has(Fault::UserTagCapOff) {
            return Err(ApiError::new(
                code::PUSH_TOO_MANY_TAGS,
                "a user holds at most 100 tags; remove some first",
            ));
        }
        results.push((account, result));
    }
    let app_cap = generation == PushGen::TimPush && !faults.has(Fault::AppTagCapOff);
    if app_cap {
        let before = push.tags.distinct();
        let after = distinct_after(&push.tags, &results);
        // Only a request that adds distinct tags past the cap is refused.
        if after > MAX_PER_APP && after > before {
            return Err(ApiError::new(
                code::PUSH_TOO_MANY_TAGS,
                "an app holds at most 1000 distinct tags",
            ));
        }
    }
    for (account, tags) in results {
        push.tags.set(account, tags);
    }
    Ok(with_error_list(faults, Reply::ok(), errors))
}

/// The app's distinct tags once each account holds its result (the last one listed wins).
fn distinct_after(store: &TagStore, results: &[(&str, Vec<String>)]) -> usize {
    let mut last: HashMap<&str, &[String]> = HashMap::new();
    for (account, tags) in results {
        last.insert(account, tags);
    }
    let mut change: HashMap<&str, isize> = HashMap::new();
    for (account, tags) in &last {
        for t in store.of(account) {
            *change.entry(t).or_default() -= 1;
        }
        for t in tags.iter() {
            *change.entry(t).or_default() += 1;
        }
    }
    let mut distinct = store.distinct();
    for (tag, delta) in change {
        let held = store.holders_of(tag) as isize;
        match (held > 0, held + delta > 0) {
            (false, true) => distinct += 1,
            (true, false) => distinct -= 1,
            _ => {}
        }
    }
    distinct
}

pub(super) fn remove_tag(state: &AppState, body: &Map<String, Value>) -> ApiResult {
    let faults = state.faults;
    let entries = user_tags(faults, body)?;
    let imported = lock(&state.accounts);
    let mut push = lock(&state.push);
    let mut errors = Vec::new();
    for (account, tags) in entries {
        if !imported.imported.contains(account) {
            errors.push(unknown_account(faults, account));
            continue;
        }
        let kept: Vec<String> = if faults.has(Fault::RemoveTagRemovesAll) {
            Vec::new()
        } else {
            push.tags
                .of(account)
                .iter()
                .filter(|t| !tags.contains(&t.as_str()))
                .cloned()
                .collect()
        };
        push.tags.set(account, kept);
    }
    Ok(with_error_list(faults, Reply::ok(), errors))
}

pub(super) fn clear_all_tags(state: &AppState, body: &Map<String, Value>) -> ApiResult {
    let faults = state.faults;
    let accounts = accounts(faults, body)?;
    let imported = lock(&state.accounts);
    let mut push = lock(&state.push);
    let mut errors = Vec::new();
    for account in accounts {
        if imported.imported.contains(account) {
            push.tags.set(account, Vec::new());
        } else {
            errors.push(unknown_account(faults, account));
        }
    }
    Ok(with_error_list(faults, Reply::ok(), errors))
}
