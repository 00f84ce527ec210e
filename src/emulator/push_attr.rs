//! Push attributes (reference §6.1–6.5), served in both API generations over one state:
//! `timpush/*` (gen 2) and `all_member_push/im_*` (gen 1). Gen 2 adds `AttrTypes`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::faults::{Fault, FaultSet};
use super::fixtures::batch_limit;
use super::reply::{ApiError, ApiResult, Reply, code};
use super::state::{AppState, PushAttrStore, lock};

const MAX_NAME_BYTES: usize = 50;
const MAX_VALUE_BYTES: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PushGen {
    /// `v4/timpush/*`
    TimPush,
    /// `v4/all_member_push/im_*`
    Legacy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PushOp {
    SetAttrName,
    GetAttrName,
    GetAttr,
    SetAttr,
    RemoveAttr,
}

fn param(why: &'static str) -> ApiError {
    ApiError::new(code::PUSH_PARAM, why)
}

fn invalid_attr(why: impl Into<std::borrow::Cow<'static, str>>) -> ApiError {
    ApiError::new(code::PUSH_ATTR_INVALID, why)
}

/// Serves one push attribute API.
pub(crate) fn handle(
    state: &AppState,
    generation: PushGen,
    op: PushOp,
    body: &Map<String, Value>,
) -> ApiResult {
    if !state.config.features.push_service {
        return Err(ApiError::new(
            code::PUSH_OFF,
            "the push service is not enabled",
        ));
    }
    match op {
        PushOp::SetAttrName => set_attr_name(state, generation, body),
        PushOp::GetAttrName => Ok(get_attr_name(state, generation)),
        PushOp::GetAttr => get_attr(state, body),
        PushOp::SetAttr => set_attr(state, body),
        PushOp::RemoveAttr => remove_attr(state, body),
    }
}

/// `"0"`..`"9"` → 0..=9.
fn parse_index(key: &str) -> Option<u8> {
    match key.as_bytes() {
        [d @ b'0'..=b'9'] => Some(d - b'0'),
        _ => None,
    }
}

/// An AttrNames key as an index, with the index faults applied: `Ok(None)` is a key the
/// faulty vendor accepts and ignores.
fn attr_index(faults: FaultSet, key: &str) -> Result<Option<u8>, ApiError> {
    match (parse_index(key), key) {
        (Some(9), _) if faults.has(Fault::AttrIndexNineRefused) => {}
        (Some(index), _) => return Ok(Some(index)),
        (None, "10") if faults.has(Fault::AttrIndexTenAccepted) => return Ok(Some(10)),
        (None, "-1") if faults.has(Fault::AttrIndexNegativeAccepted) => return Ok(None),
        (None, _) => {}
    }
    Err(invalid_attr(format!("attribute index {key:?} is not 0-9")))
}

/// Attribute names and values are 1..=50 bytes (90030 "length is 0 or greater than 50").
fn check_length(
    faults: FaultSet,
    text: &str,
    max: usize,
    what: &'static str,
) -> Result<(), ApiError> {
    let min = if faults.has(Fault::PushEmptyAccepted) {
        0
    } else if faults.has(Fault::PushMinLengthOffByOne) {
        2
    } else {
        1
    };
    if text.len() < min || text.len() > max {
        return Err(ApiError::new(code::PUSH_ATTR_LENGTH, what));
    }
    Ok(())
}

fn set_attr_name(state: &AppState, generation: PushGen, body: &Map<String, Value>) -> ApiResult {
    let faults = state.faults;
    let names = body
        .get("AttrNames")
        .and_then(Value::as_object)
        .ok_or_else(|| param("AttrNames is missing or not an object"))?;
    let mut requested = BTreeMap::new();
    for (key, name) in names {
        let index = attr_index(faults, key)?;
        let name = name
            .as_str()
            .ok_or_else(|| param("attribute name is not a string"))?;
        check_length(
            faults,
            name,
            MAX_NAME_BYTES,
            "attribute name is empty or longer than 50 bytes",
        )?;
        if let Some(index) = index {
            requested.insert(index, faults.stored(name, MAX_NAME_BYTES));
        }
    }
    // Gen 1 has no AttrTypes; its field is ignored there.
    let mut requested_types = BTreeMap::new();
    if generation == PushGen::TimPush
        && let Some(types) = body.get("AttrTypes")
    {
        let types = types
            .as_object()
            .ok_or_else(|| param("AttrTypes is not an object"))?;
        for (key, kind) in types {
            let index = parse_index(key)
                .filter(|i| requested.contains_key(i))
                .ok_or_else(|| {
                    invalid_attr(format!("AttrTypes key {key:?} is not in AttrNames"))
                })?;
            let kind = match kind.as_i64() {
                Some(k @ 0..=1) => k as u8,
                Some(_) if faults.has(Fault::AttrTypeUnchecked) => 0,
                _ => return Err(invalid_attr("AttrTypes value must be 0 or 1")),
            };
            requested_types.insert(index, kind);
        }
    }
    let mut push = lock(&state.push);
    let mut merged = push.names.clone();
    merged.extend(requested.iter().map(|(i, n)| (*i, n.clone())));
    for (index, name) in &merged {
        if merged.iter().any(|(other, n)| other != index && n == name) {
            return Err(invalid_attr(format!("attrName:{name} already exists")));
        }
    }
    for index in requested.keys() {
        let kind = requested_types.get(index).copied();
        if let (Some(old), Some(new)) = (push.types.get(index), kind)
            && *old != new
        {
            return Err(invalid_attr("an attribute's AttrType cannot be changed"));
        }
    }
    for index in requested.keys() {
        let kind = requested_types.get(index).copied().unwrap_or(0);
        push.types.entry(*index).or_insert(kind);
    }
    push.names = merged;
    Ok(Reply::ok())
}

fn get_attr_name(state: &AppState, generation: PushGen) -> Reply {
    let push = lock(&state.push);
    let names: Map<String, Value> = push
        .names
        .iter()
        .map(|(i, n)| (i.to_string(), Value::from(n.clone())))
        .collect();
    let reply = Reply::ok().with("AttrNames", names);
    if generation == PushGen::Legacy {
        return reply;
    }
    let types: Map<String, Value> = push
        .names
        .keys()
        .map(|i| {
            (
                i.to_string(),
                Value::from(push.types.get(i).copied().unwrap_or(0)),
            )
        })
        .collect();
    reply.with("AttrTypes", types)
}

/// The ErrorList entry for an account that was never imported.
fn unknown_account(faults: FaultSet, account: &str) -> Value {
    let code = if faults.has(Fault::ErrorListWrongCode) {
        code::PUSH_ACCOUNT_NOT_FOUND
    } else {
        code::ACCOUNT_NOT_FOUND
    };
    json!({"To_Account": account, "ErrorCode": code, "ErrorInfo": "account does not exist"})
}

fn with_error_list(faults: FaultSet, reply: Reply, errors: Vec<Value>) -> Reply {
    if errors.is_empty() || faults.has(Fault::ErrorListMissing) {
        reply
    } else {
        reply.with("ErrorList", errors)
    }
}

/// A required array of at most `batch_limit` accounts (90001 / 90018).
fn account_array<'a>(
    faults: FaultSet,
    body: &'a Map<String, Value>,
    field: &'static str,
) -> Result<&'a Vec<Value>, ApiError> {
    let list = body
        .get(field)
        .and_then(Value::as_array)
        .ok_or_else(|| param("account list is missing or not an array"))?;
    if list.len() > batch_limit(faults) {
        return Err(ApiError::new(
            code::PUSH_TOO_MANY_ACCOUNTS,
            "more than 100 accounts in one request",
        ));
    }
    Ok(list)
}

fn get_attr(state: &AppState, body: &Map<String, Value>) -> ApiResult {
    let faults = state.faults;
    let accounts: Vec<&str> = account_array(faults, body, "To_Account")?
        .iter()
        .map(|v| {
            v.as_str()
                .ok_or_else(|| param("To_Account holds a non-string"))
        })
        .collect::<Result<_, _>>()?;
    let imported = lock(&state.accounts);
    let push = lock(&state.push);
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for account in accounts {
        if !imported.imported.contains(account) {
            errors.push(unknown_account(faults, account));
            continue;
        }
        let attrs: Map<String, Value> = push
            .users
            .get(account)
            .into_iter()
            .flatten()
            .filter_map(|(i, v)| Some((push.names.get(i)?.clone(), Value::from(v.clone()))))
            .collect();
        found.push(json!({"To_Account": account, "Attrs": attrs}));
    }
    Ok(with_error_list(
        faults,
        Reply::ok().with("UserAttrs", found),
        errors,
    ))
}

/// One `UserAttrs` element: the account and its `Attrs` field.
fn user_entries(
    faults: FaultSet,
    body: &Map<String, Value>,
) -> Result<Vec<(&str, &Value)>, ApiError> {
    account_array(faults, body, "UserAttrs")?
        .iter()
        .map(|item| {
            let account = item
                .get("To_Account")
                .and_then(Value::as_str)
                .ok_or_else(|| param("UserAttrs item lacks a string To_Account"))?;
            let attrs = item
                .get("Attrs")
                .ok_or_else(|| param("UserAttrs item lacks Attrs"))?;
            Ok((account, attrs))
        })
        .collect()
}

fn name_index(push: &PushAttrStore, name: &str) -> Result<u8, ApiError> {
    push.index_of(name)
        .ok_or_else(|| invalid_attr(format!("attribute {name:?} was never set")))
}

fn set_attr(state: &AppState, body: &Map<String, Value>) -> ApiResult {
    let faults = state.faults;
    let entries = user_entries(faults, body)?;
    let max_value = MAX_VALUE_BYTES + usize::from(faults.has(Fault::PushValueLimitOffByOne));
    let imported = lock(&state.accounts);
    let mut push = lock(&state.push);
    // Validate everything before writing anything.
    let mut writes: Vec<(&str, Vec<(u8, String)>)> = Vec::with_capacity(entries.len());
    for (account, attrs) in entries {
        let attrs = attrs
            .as_object()
            .ok_or_else(|| param("Attrs is not an object"))?;
        let mut values = Vec::with_capacity(attrs.len());
        for (name, value) in attrs {
            let value = value
                .as_str()
                .ok_or_else(|| param("attribute value is not a string"))?;
            check_length(
                faults,
                value,
                max_value,
                "attribute value is empty or longer than 50 bytes",
            )?;
            match name_index(&push, name) {
                Ok(index) => values.push((index, faults.stored(value, MAX_VALUE_BYTES))),
                // The faulty vendor says OK but has nowhere to keep the value.
                Err(_) if faults.has(Fault::UnsetAttrNameAccepted) => {}
                Err(e) => return Err(e),
            }
        }
        writes.push((account, values));
    }
    let mut errors = Vec::new();
    for (account, values) in writes {
        if !imported.imported.contains(account) {
            errors.push(unknown_account(faults, account));
            continue;
        }
        push.users
            .entry(account.to_owned())
            .or_default()
            .extend(values);
    }
    Ok(with_error_list(faults, Reply::ok(), errors))
}

fn remove_attr(state: &AppState, body: &Map<String, Value>) -> ApiResult {
    let faults = state.faults;
    let entries = user_entries(faults, body)?;
    let imported = lock(&state.accounts);
    let mut push = lock(&state.push);
    let mut removals: Vec<(&str, Vec<u8>)> = Vec::with_capacity(entries.len());
    for (account, names) in entries {
        let names = names
            .as_array()
            .ok_or_else(|| param("Attrs is not an array of names"))?;
        let indexes = names
            .iter()
            .map(|n| {
                let name = n
                    .as_str()
                    .ok_or_else(|| param("attribute name is not a string"))?;
                name_index(&push, name)
            })
            .collect::<Result<Vec<_>, _>>()?;
        removals.push((account, indexes));
    }
    let mut errors = Vec::new();
    for (account, indexes) in removals {
        if !imported.imported.contains(account) {
            errors.push(unknown_account(faults, account));
            continue;
        }
        if let Some(values) = push.users.get_mut(account) {
            for index in indexes {
                values.remove(&index);
            }
        }
    }
    Ok(with_error_list(faults, Reply::ok(), errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_are_single_digits() {
        assert_eq!(parse_index("0"), Some(0));
        assert_eq!(parse_index("9"), Some(9));
        assert_eq!(parse_index("10"), None);
        assert_eq!(parse_index("a"), None);
        assert_eq!(parse_index(""), None);
    }
}
