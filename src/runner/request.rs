//! One step on the wire: the URL with its auth parameters, the body, pacing and bounded
//! retries. Secret parameters are redacted in what gets recorded.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use reqwest::Url;
use serde_json::Value;

use super::scope::Scope;
use super::{RunContext, RunError};
use crate::auth::signer::SigRequest;
use crate::check::response_code;
use crate::http::Query;
use crate::result::{RequestRecord, ResponseRecord};
use crate::spec::{Endpoint, Step, Suite, Template};

/// What sending a step produced.
pub(crate) struct Sent {
    pub request: RequestRecord,
    pub response: Result<Received, String>,
    /// Attempts made, retries included.
    pub attempts: u32,
}

/// A response: the record the run keeps, and its body parsed, for the checks and captures.
pub(crate) struct Received {
    pub record: ResponseRecord,
    pub json: Option<Value>,
}

/// Why a step could not even be sent (a spec or configuration problem, not the target's).
#[derive(Debug)]
pub(crate) enum Unsendable {
    /// The step needs something this run does not have (e.g. the key): skip with a reason.
    Skip(String),
    /// The spec asked for something impossible at run time.
    Harness(String),
}

const MAX_RECORDED_BODY: usize = 64 * 1024;

pub(crate) async fn send_step(
    ctx: &RunContext,
    endpoint: &Endpoint,
    step: &Step,
    scope: &Scope,
) -> Result<Sent, Unsendable> {
    let service = &ctx.suite.service;
    let lookup = scope.lookup();

    let identifier: Cow<str> = match &step.usersig.identifier {
        Some(t) => match t
            .render(&lookup)
            .map_err(|e| Unsendable::Harness(format!("usersig.identifier: {e}")))?
        {
            Value::String(s) => Cow::Owned(s),
            other => Cow::Owned(other.to_string()),
        },
        None => Cow::Borrowed(ctx.signer.identifier()),
    };
    let usersig = match &step.usersig.literal {
        Some(literal) => literal.clone(),
        None => {
            let request = SigRequest {
                identifier: step
                    .usersig
                    .identifier
                    .as_ref()
                    .map(|_| identifier.clone().into_owned()),
                key: step.usersig.key.clone(),
                sdkappid: step.usersig.sdkappid,
                age_secs: step.usersig.age_secs,
                expire_secs: step.usersig.expire_secs,
            };
            ctx.signer
                .usersig(&request)
                .map_err(|e| Unsendable::Skip(e.to_string()))?
        }
    };

    let query = step_query(ctx, step, scope, &identifier, &usersig)?;
    let (url, shown_url) = query.urls(ctx.endpoint_url(&endpoint.name));

    let (body_text, body_json) = match (&step.raw_body, &step.body) {
        (Some(raw), _) => (raw.clone(), Value::Null),
        (None, Some(t)) => {
            let v = t
                .render(&lookup)
                .map_err(|e| Unsendable::Harness(format!("body: {e}")))?;
            (serde_json::to_string(&v).expect("JSON serializes"), v)
        }
        (None, None) => ("{}".to_owned(), Value::Object(Default::default())),
    };
    // Shared, not copied, by every attempt.
    let body_bytes = bytes::Bytes::copy_from_slice(body_text.as_bytes());
    let request = RequestRecord {
        method: service.auth.method.clone(),
        url: shown_url,
        body: cut(body_text, MAX_RECORDED_BODY),
    };

    let expected = step.expect.code.clone();
    let mut attempts = 0;
    loop {
        attempts += 1;
        if step.burst {
            ctx.pacer.note(&endpoint.name, &body_json);
        } else {
            ctx.pacer.wait(&endpoint.name, &body_json).await;
        }
        let sent_at = Instant::now();
        let result = ctx
            .client
            .send(&service.auth.method, url.clone(), body_bytes.clone())
            .await;
        ctx.note_request(sent_at.elapsed());
        let retry_left = attempts <= ctx.config.retries;
        match result {
            Err(e) if retry_left && e.is_retryable() => {
                backoff(attempts).await;
            }
            Err(e) => {
                return Ok(Sent {
                    request,
                    response: Err(e.to_string()),
                    attempts,
                });
            }
            Ok(resp) => {
                let (mut text, lossy) = match std::str::from_utf8(&resp.body) {
                    Ok(t) => (t.to_owned(), false),
                    Err(_) => (String::from_utf8_lossy(&resp.body).into_owned(), true),
                };
                // A target echoing the sig (or the key) bare, where `usersig=` redaction
                // cannot see it: the record keeps the redacted text, and that is what is
                // parsed. JSON is UTF-8 (RFC 8259): a body that is not is not JSON.
                redact_secrets(&mut text, &[&usersig, key_text(ctx)]);
                let json = if lossy {
                    None
                } else {
                    serde_json::from_str::<Value>(&text).ok()
                };
                let code = json
                    .as_ref()
                    .and_then(|j| response_code(&service.envelope, j));
                let retryable = code.is_some_and(|c| {
                    service.retryable_codes.contains(&c)
                        && !expected.as_ref().is_some_and(|e| e.contains(c))
                });
                if retryable && retry_left {
                    backoff(attempts).await;
                    continue;
                }
                let record = ResponseRecord {
                    status: resp.status,
                    content_type: resp.content_type,
                    body: cut(text, MAX_RECORDED_BODY),
                    lossy,
                    truncated: resp.truncated,
                    normalized: None,
                };
                return Ok(Sent {
                    request,
                    response: Ok(Received { record, json }),
                    attempts,
                });
            }
        }
    }
}

/// The step's query, as sent and as shown. `identifier` and `usersig` are the ones this step
/// signs with.
fn step_query(
    ctx: &RunContext,
    step: &Step,
    scope: &Scope,
    identifier: &str,
    usersig: &str,
) -> Result<Query, Unsendable> {
    let service = &ctx.suite.service;
    let mut sdkappid = itoa::Buffer::new();
    let sdkappid = sdkappid.format(ctx.signer.sdkappid());
    // The `auth.*` values as query text. Every request has a few, one a UserSig of hundreds of
    // bytes: a parameter that is one of them (or a literal) is written without a copy.
    let auth_text = |name: &str| -> Option<Cow<str>> {
        Some(match name {
            "auth.sdkappid" => Cow::Borrowed(sdkappid),
            "auth.identifier" => Cow::Borrowed(identifier),
            "auth.admin" => Cow::Borrowed(ctx.signer.identifier()),
            "auth.usersig" => Cow::Borrowed(usersig),
            "auth.random" => {
                Cow::Owned(itoa::Buffer::new().format(rand::random::<u32>()).to_owned())
            }
            _ => return None,
        })
    };
    let auth_value = |name: &str| -> Option<Value> {
        match auth_text(name) {
            Some(text) => Some(Value::from(text.into_owned())),
            None => scope.get(name),
        }
    };
    let mut query = Query::default();
    for (name, template) in service.step_query(step) {
        let text: Cow<str> = match template {
            Template::Literal(Value::String(s)) => Cow::Borrowed(s),
            Template::Var(var) if let Some(text) = auth_text(var) => text,
            other => match other.render(&auth_value) {
                Ok(Value::String(s)) => Cow::Owned(s),
                Ok(v) => Cow::Owned(v.to_string()),
                Err(e) => {
                    return Err(Unsendable::Harness(format!(
                        "query parameter `{name}`: {e}"
                    )));
                }
            },
        };
        let secret = service.auth.secret_params.iter().any(|s| s == name);
        query.push(name, &text, secret);
    }
    Ok(query)
}

/// `base/base_path/path` of every endpoint under `profile`, parsed once for the run.
pub(crate) fn endpoint_urls(
    suite: &Suite,
    base_url: &str,
    profile: &str,
) -> Result<HashMap<String, Url>, RunError> {
    let base = base_url.trim_end_matches('/');
    suite
        .endpoints
        .values()
        .map(|endpoint| {
            let path = suite.service.endpoint_path(endpoint, profile);
            match Url::parse(&format!("{base}/{path}")) {
                Ok(url) if url.has_host() => Ok((endpoint.name.clone(), url)),
                Ok(_) => Err("it has no host".to_owned()),
                Err(e) => Err(e.to_string()),
            }
            .map_err(|reason| RunError::BadTarget {
                url: base_url.to_owned(),
                path,
                reason,
            })
        })
        .collect()
}

/// The secret key text, when the run signs with one.
fn key_text(ctx: &RunContext) -> &str {
    match &ctx.config.credentials {
        crate::auth::signer::Credentials::Key(k) => k.expose(),
        crate::auth::signer::Credentials::Ready(sig) => sig,
    }
}

/// Secrets shorter than this are not searched for (an empty or toy literal would redact
/// ordinary text).
const MIN_SECRET_LEN: usize = 8;

/// Replaces every occurrence of each secret in `text`; true if anything was replaced.
fn redact_secrets(text: &mut String, secrets: &[&str]) -> bool {
    let mut changed = false;
    for secret in secrets {
        if secret.len() >= MIN_SECRET_LEN && text.contains(secret) {
            *text = text.replace(secret, "<redacted>");
            changed = true;
        }
    }
    changed
}

async fn backoff(attempt: u32) {
    let ms = 100u64 << attempt.min(5);
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

fn cut(s: String, max: usize) -> String {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} bytes in all]", &s[..end], s.len())
}

/// Elapsed milliseconds since `start`.
pub(crate) fn ms_since(start: Instant) -> u64 {
    start.elapsed().as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_secrets_are_redacted_in_response_text() {
        let mut text = r#"{"ErrorInfo":"bad sig eJyabc-_* for key k3y-k3y-k3y"}"#.to_owned();
        assert!(redact_secrets(&mut text, &["eJyabc-_*", "k3y-k3y-k3y", ""]));
        assert_eq!(
            text,
            r#"{"ErrorInfo":"bad sig <redacted> for key <redacted>"}"#
        );
        let mut short = "ok".to_owned();
        assert!(!redact_secrets(&mut short, &["ok"]));
        assert_eq!(short, "ok");
    }
}
