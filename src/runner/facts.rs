//! What a case is about, for the reports: the group types it exercises and the codes it
//! expects. Read off the planned case; nothing here runs anything.

use serde_json::Value;

use crate::result::ExpectedCode;
use crate::spec::{PlannedCase, Suite, Template};

/// The type a `group_type.*` probe sets, else the literal `type` of each fixture (the
/// fixture's default when the case does not set it), in the service's order.
pub(crate) fn group_types(suite: &Suite, case: &PlannedCase) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    if case.generated
        && case.name.starts_with("group_type.")
        && let Some(Value::String(t)) = case.vars.get("group_type")
    {
        seen.push(t.clone());
    } else {
        for u in case.fixtures.values() {
            let given = match u.with.get("type") {
                Some(Template::Literal(Value::String(t))) => Some(t.clone()),
                Some(_) => None,
                None => suite
                    .service
                    .fixtures
                    .get(&u.fixture)
                    .and_then(|def| def.params.get("type"))
                    .and_then(|default| default.as_ref()?.as_str().map(str::to_owned)),
            };
            seen.extend(given);
        }
    }
    suite
        .service
        .group_types
        .iter()
        .filter(|t| seen.contains(t))
        .cloned()
        .collect()
}

/// Every code a step of the case (not its teardown) expects, once per endpoint and code.
pub(crate) fn expected_codes(case: &PlannedCase) -> Vec<ExpectedCode> {
    let mut out: Vec<ExpectedCode> = Vec::new();
    for step in &case.steps {
        for &code in step.expect.code.iter().flat_map(|c| &c.0) {
            let e = ExpectedCode {
                call: step.call.clone(),
                code,
            };
            if !out.contains(&e) {
                out.push(e);
            }
        }
    }
    out
}
