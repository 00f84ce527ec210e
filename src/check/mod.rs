//! Checks of one response against a step's expectations: envelope, code, schema, paths,
//! snapshot. Each check yields a `CheckReport`; all are run, so a report shows every problem.

mod matchers;
mod recorded;
pub mod schema;
pub mod shape;
pub mod snapshot;
mod snapshot_check;
mod verdict;

use serde_json::Value;

pub use matchers::{contains, short};
pub use recorded::unrecorded_snapshots;
pub use schema::{SchemaError, SchemaSet};
pub use snapshot::{Normalizer, SnapshotMeta, SnapshotOutcome, SnapshotSetupError, SnapshotStore};

use crate::result::{CheckReport, ResponseRecord};
use crate::spec::{Envelope, Redaction, Step};

/// What the checks of one step need to know beyond the step itself.
pub struct CheckContext<'a> {
    pub envelope: &'a Envelope,
    pub schemas: &'a SchemaSet,
    pub snapshots: &'a SnapshotStore,
    pub redactions: &'a [Redaction],
    /// The endpoint the step called.
    pub endpoint: &'a str,
    /// `file` and `case step N`, for snapshot headers.
    pub source: &'a str,
    pub expression: &'a str,
    /// The step's label (`step 1 (get_group_info)`), for snapshot differences.
    pub step: &'a str,
    pub lookup: &'a dyn Fn(&str) -> Option<Value>,
    pub run_values: &'a [(String, String)],
}

/// The error code of a response, if it has a well-formed envelope.
pub fn response_code(envelope: &Envelope, body: &Value) -> Option<i64> {
    body.get(&envelope.code_field).and_then(Value::as_i64)
}

/// `json` is the response body parsed, when it is JSON.
pub fn check_step(
    ctx: &CheckContext<'_>,
    step: &Step,
    response: &ResponseRecord,
    json: Option<&Value>,
) -> Vec<CheckReport> {
    // Status, content type, envelope, code, schema, the paths, the snapshot: every step's
    // checks stay in the run's report, so the list is allocated once at its final size.
    let mut out = Vec::with_capacity(6 + step.expect.paths.len());
    let want_status = step.expect.http_status.unwrap_or(ctx.envelope.http_status);
    if response.status == want_status {
        out.push(CheckReport::pass("http status"));
    } else {
        out.push(CheckReport::fail(
            "http status",
            format!("expected HTTP {want_status}, got HTTP {}", response.status),
        ));
    }
    if let Some(want) = &ctx.envelope.content_type {
        out.push(content_type_check(want, response));
    }
    let Some(body) = json.filter(|b| b.is_object()) else {
        let what = if response.truncated {
            "a body cut at the response cap".to_owned()
        } else if json.is_some() {
            "JSON that is not an object".to_owned()
        } else {
            format!("a body that is not JSON: {}", preview(&response.body))
        };
        out.push(CheckReport::fail(
            "envelope",
            format!("expected a JSON object envelope, got {what}"),
        ));
        return out;
    };

    let code = response_code(ctx.envelope, body);
    out.push(envelope_check(ctx.envelope, body));

    // Where the docs call the top-level code of an accepted request meaningless (`x-open` on
    // the code field), a step expecting success does not judge it; the body still has to be
    // the success response.
    let success_expected = !step.expect.any_code
        && step
            .expect
            .code
            .as_ref()
            .is_none_or(|codes| codes.0 == [ctx.envelope.success_code]);
    let code_open = success_expected && ctx.schemas.code_open(ctx.endpoint);
    let expected = |c: i64| match &step.expect.code {
        _ if step.expect.any_code || code_open => true,
        Some(codes) => codes.contains(c),
        None => c == ctx.envelope.success_code,
    };
    let expected_text = || match &step.expect.code {
        _ if step.expect.any_code => "any code".to_owned(),
        Some(codes) => codes.to_string(),
        None => ctx.envelope.success_code.to_string(),
    };
    match code {
        Some(c) if expected(c) => out.push(CheckReport::pass("code")),
        Some(c) => out.push(CheckReport::fail(
            "code",
            format!(
                "expected {} {}, got {c}{}",
                ctx.envelope.code_field,
                expected_text(),
                info_suffix(ctx.envelope, body)
            ),
        )),
        None => out.push(CheckReport::fail(
            "code",
            format!(
                "expected {} {}, got no integer code",
                ctx.envelope.code_field,
                expected_text()
            ),
        )),
    }

    let success = code_open || code == Some(ctx.envelope.success_code);
    if step.expect.schema {
        let problems = ctx.schemas.check_response(ctx.endpoint, success, body);
        let which = if success {
            "response schema"
        } else {
            "envelope schema"
        };
        if problems.is_empty() {
            out.push(CheckReport::pass(which));
        } else {
            out.push(CheckReport::fail(which, problems.join("; ")));
        }
    }

    for p in &step.expect.paths {
        let name = format!("path {}", p.path);
        match matchers::check_path(p, body, ctx.lookup) {
            Ok(()) => out.push(CheckReport::pass(name)),
            Err(m) => out.push(CheckReport::fail(name, m)),
        }
    }

    if let Some(snap) = &step.expect.snapshot {
        out.push(snapshot_check::snapshot_check(ctx, snap, body, success));
    }
    out
}

/// The response must declare the envelope's media type (parameters such as `charset` are
/// ignored; for `application/json`, a `+json` type counts too). A target answering
/// `text/plain` breaks clients that dispatch on the media type even when the bytes parse.
fn content_type_check(want: &str, response: &ResponseRecord) -> CheckReport {
    const CHECK: &str = "content type";
    let essence = response
        .content_type
        .as_deref()
        .map(|t| t.split(';').next().unwrap_or_default().trim());
    // Compared without a lowercase copy of either side: this runs on every step.
    let json_suffix = |t: &str| {
        t.len() >= 5
            && t.is_char_boundary(t.len() - 5)
            && t[t.len() - 5..].eq_ignore_ascii_case("+json")
    };
    let accepts = |t: &str| {
        t.eq_ignore_ascii_case(want)
            || (want.eq_ignore_ascii_case("application/json") && json_suffix(t))
    };
    let want = || want.to_ascii_lowercase();
    match essence {
        Some(t) if accepts(t) => CheckReport::pass(CHECK),
        Some(t) => CheckReport::fail(
            CHECK,
            format!(
                "expected Content-Type {}, got {}",
                want(),
                short(&Value::from(t.to_ascii_lowercase()))
            ),
        ),
        None => CheckReport::fail(CHECK, format!("expected Content-Type {}, got none", want())),
    }
}

/// The status field must exist and agree with the code: OK exactly when the code is success.
fn envelope_check(envelope: &Envelope, body: &Value) -> CheckReport {
    let code = body.get(&envelope.code_field);
    let status = body.get(&envelope.status_field).and_then(Value::as_str);
    let info = body.get(&envelope.info_field);
    let problem = match (code, status) {
        (None, _) => Some(format!("{} is missing", envelope.code_field)),
        (Some(c), _) if c.as_i64().is_none() => Some(format!(
            "{} must be an integer, got {}",
            envelope.code_field,
            short(c)
        )),
        (_, None) => Some(format!(
            "{} is missing or not a string",
            envelope.status_field
        )),
        (Some(c), Some(s)) => {
            let ok = c.as_i64() == Some(envelope.success_code);
            let want = if ok {
                &envelope.ok_status
            } else {
                &envelope.fail_status
            };
            if s != want {
                Some(format!(
                    "{} is {s:?} with {} {c}; expected {want:?}",
                    envelope.status_field, envelope.code_field
                ))
            } else if !info.is_some_and(Value::is_string) {
                Some(format!(
                    "{} is missing or not a string",
                    envelope.info_field
                ))
            } else {
                None
            }
        }
    };
    match problem {
        None => CheckReport::pass("envelope"),
        Some(p) => CheckReport::fail("envelope", p),
    }
}

fn info_suffix(envelope: &Envelope, body: &Value) -> String {
    match body.get(&envelope.info_field).and_then(Value::as_str) {
        Some(info) if !info.is_empty() => {
            format!(" ({}: {})", envelope.info_field, short(&Value::from(info)))
        }
        _ => String::new(),
    }
}

fn preview(body: &str) -> String {
    let mut end = body.len().min(120);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    let cut = if end < body.len() { "…" } else { "" };
    format!("{:?}{cut}", &body[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(content_type: Option<&str>) -> ResponseRecord {
        ResponseRecord {
            status: 200,
            content_type: content_type.map(str::to_owned),
            body: "{}".into(),
            lossy: false,
            truncated: false,
            normalized: None,
        }
    }

    #[test]
    fn content_type_must_be_json() {
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/problem+json",
        ] {
            assert!(
                content_type_check("application/json", &response(Some(ok))).passed,
                "{ok}"
            );
        }
        let plain = content_type_check("application/json", &response(Some("text/plain")));
        assert!(!plain.passed);
        assert_eq!(
            plain.message(),
            Some("expected Content-Type application/json, got \"text/plain\"")
        );
        let none = content_type_check("application/json", &response(None));
        assert_eq!(
            none.message(),
            Some("expected Content-Type application/json, got none")
        );
    }
}
