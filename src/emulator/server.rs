//! HTTP front: one fallback handler that routes `/v4/{service}/{command}`, runs the query
//! checks, parses the body and renders the JSON envelope (with any envelope faults or
//! `details_differ` changes). Routing by hand, not through axum's extractors, keeps every
//! outcome inside the vendor's envelope instead of axum's own 404/415/422 bodies.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Map, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::auth::{RestQuery, check_query};
use super::config::{EmulatorConfig, Profile};
use super::differ;
use super::faults::Fault;
use super::fixtures;
use super::group_attr::{self, AttrOp};
use super::push_attr::{self, PushGen, PushOp};
use super::rate::ApiRateLimiter;
use super::reply::{ApiError, ApiResult, Reply, code};
use super::state::AppState;

/// Bodies above this are refused with 60002; the docs name no general limit (§1.1), so this
/// only keeps a runaway client from exhausting memory.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Which error-code family an endpoint answers parameter errors in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Group,
    Push,
    Account,
}

impl Family {
    /// The code for a body that is JSON but not an object.
    fn parameter_code(self) -> u32 {
        match self {
            Family::Group => code::GROUP_PARAM,
            Family::Push => code::PUSH_PARAM,
            Family::Account => code::ACCOUNT_PARAM,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    GroupAttr(AttrOp),
    Push(PushGen, PushOp),
    AccountImport,
    MultiaccountImport,
    AccountDelete,
    AccountCheck,
    CreateGroup,
    DestroyGroup,
    GetGroupInfo,
}

impl Endpoint {
    pub(crate) fn family(self) -> Family {
        match self {
            Endpoint::GroupAttr(_)
            | Endpoint::CreateGroup
            | Endpoint::DestroyGroup
            | Endpoint::GetGroupInfo => Family::Group,
            Endpoint::Push(..) => Family::Push,
            Endpoint::AccountImport
            | Endpoint::MultiaccountImport
            | Endpoint::AccountDelete
            | Endpoint::AccountCheck => Family::Account,
        }
    }
}

struct Route {
    service: &'static str,
    command: &'static str,
    endpoint: Endpoint,
    /// Documented calls/s for this API [R4, P1, P4].
    calls_per_sec: usize,
}

const fn route(
    service: &'static str,
    command: &'static str,
    endpoint: Endpoint,
    calls_per_sec: usize,
) -> Route {
    Route {
        service,
        command,
        endpoint,
        calls_per_sec,
    }
}

const GROUP: &str = "group_open_http_svc";
const LOGIN: &str = "im_open_login_svc";
const TIMPUSH: &str = "timpush";
const LEGACY_PUSH: &str = "all_member_push";

const ROUTES: &[Route] = &[
    route(
        "group_open_attr_http_svc",
        "get_group_attr",
        Endpoint::GroupAttr(AttrOp::Get),
        200,
    ),
    route(
        GROUP,
        "get_group_attr",
        Endpoint::GroupAttr(AttrOp::Get),
        200,
    ),
    route(
        GROUP,
        "modify_group_attr",
        Endpoint::GroupAttr(AttrOp::Modify),
        200,
    ),
    route(
        GROUP,
        "clear_group_attr",
        Endpoint::GroupAttr(AttrOp::Clear),
        200,
    ),
    route(
        GROUP,
        "set_group_attr",
        Endpoint::GroupAttr(AttrOp::Set),
        200,
    ),
    route(
        GROUP,
        "delete_group_attr",
        Endpoint::GroupAttr(AttrOp::Delete),
        200,
    ),
    route(GROUP, "create_group", Endpoint::CreateGroup, 200),
    route(GROUP, "destroy_group", Endpoint::DestroyGroup, 200),
    route(GROUP, "get_group_info", Endpoint::GetGroupInfo, 200),
    route(LOGIN, "account_import", Endpoint::AccountImport, 200),
    route(
        LOGIN,
        "multiaccount_import",
        Endpoint::MultiaccountImport,
        100,
    ),
    route(LOGIN, "account_delete", Endpoint::AccountDelete, 100),
    route(LOGIN, "account_check", Endpoint::AccountCheck, 100),
    route(
        TIMPUSH,
        "set_attr_name",
        Endpoint::Push(PushGen::TimPush, PushOp::SetAttrName),
        100,
    ),
    route(
        TIMPUSH,
        "get_attr_name",
        Endpoint::Push(PushGen::TimPush, PushOp::GetAttrName),
        100,
    ),
    route(
        TIMPUSH,
        "get_attr",
        Endpoint::Push(PushGen::TimPush, PushOp::GetAttr),
        100,
    ),
    route(
        TIMPUSH,
        "set_attr",
        Endpoint::Push(PushGen::TimPush, PushOp::SetAttr),
        100,
    ),
    route(
        TIMPUSH,
        "remove_attr",
        Endpoint::Push(PushGen::TimPush, PushOp::RemoveAttr),
        100,
    ),
    route(
        LEGACY_PUSH,
        "im_set_attr_name",
        Endpoint::Push(PushGen::Legacy, PushOp::SetAttrName),
        100,
    ),
    route(
        LEGACY_PUSH,
        "im_get_attr_name",
        Endpoint::Push(PushGen::Legacy, PushOp::GetAttrName),
        100,
    ),
    route(
        LEGACY_PUSH,
        "im_get_attr",
        Endpoint::Push(PushGen::Legacy, PushOp::GetAttr),
        100,
    ),
    route(
        LEGACY_PUSH,
        "im_set_attr",
        Endpoint::Push(PushGen::Legacy, PushOp::SetAttr),
        100,
    ),
    route(
        LEGACY_PUSH,
        "im_remove_attr",
        Endpoint::Push(PushGen::Legacy, PushOp::RemoveAttr),
        100,
    ),
];

/// The route index for a request path, if this profile serves it.
fn find_route(profile: Profile, path: &str) -> Option<usize> {
    let rest = path.strip_prefix("/v4/")?;
    let (service, command) = rest.split_once('/')?;
    if profile == Profile::PushLegacy && service == TIMPUSH {
        return None;
    }
    ROUTES
        .iter()
        .position(|r| r.service == service && r.command == command)
}

async fn handle(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    body: Body,
) -> Response {
    let half_trip = state.config.latency / 2;
    if !half_trip.is_zero() {
        tokio::time::sleep(half_trip).await;
    }
    let outcome = serve(&state, &method, &uri, body).await;
    let response = render(&state, outcome);
    if !half_trip.is_zero() {
        tokio::time::sleep(state.config.latency - half_trip).await;
    }
    response
}

async fn serve(state: &AppState, method: &Method, uri: &Uri, body: Body) -> ApiResult {
    let differ = state.config.details_differ;
    let Some(index) = find_route(state.profile, uri.path()) else {
        return Err(if differ {
            differ::unknown_path(uri.path())
        } else {
            ApiError::new(code::BAD_PATH, "unknown service or command")
        });
    };
    let mut request = None;
    let outcome = answer(state, index, method, uri, body, &mut request).await;
    if differ {
        differ::reshape(state, ROUTES[index].endpoint, request.as_ref(), outcome)
    } else {
        outcome
    }
}

/// The answer of a served endpoint; `request` gets the parsed body once there is one.
async fn answer(
    state: &AppState,
    index: usize,
    method: &Method,
    uri: &Uri,
    body: Body,
    request: &mut Option<Map<String, Value>>,
) -> ApiResult {
    if method != Method::POST {
        return Err(ApiError::new(
            code::BAD_HTTP_REQUEST,
            "only POST is allowed",
        ));
    }
    let query = RestQuery::parse(uri.query().unwrap_or(""));
    check_query(&state.config, state.faults, &state.sig_cache, &query)?;
    if state.config.api_rate_limits && !state.api_rates.try_admit(index) {
        return Err(ApiError::new(code::API_RATE, "API call frequency exceeded"));
    }
    let endpoint = ROUTES[index].endpoint;
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::new(code::BAD_HTTP_REQUEST, "request body could not be read"))?;
    let body = parse_body(&bytes, endpoint.family())?;
    let outcome = match endpoint {
        Endpoint::GroupAttr(op) => group_attr::handle(state, op, &body),
        Endpoint::Push(generation, op) => push_attr::handle(state, generation, op, &body),
        Endpoint::AccountImport => fixtures::account_import(state, &body),
        Endpoint::MultiaccountImport => fixtures::multiaccount_import(state, &body),
        Endpoint::AccountDelete => fixtures::account_delete(state, &body),
        Endpoint::AccountCheck => fixtures::account_check(state, &body),
        Endpoint::CreateGroup => fixtures::create_group(state, &body),
        Endpoint::DestroyGroup => fixtures::destroy_group(state, &body),
        Endpoint::GetGroupInfo => fixtures::get_group_info(state, &body),
    };
    *request = Some(body);
    outcome
}

fn parse_body(bytes: &Bytes, family: Family) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(code::BAD_JSON_BODY, "request body is empty"));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::new(
            family.parameter_code(),
            "request body is not a JSON object",
        )),
        Err(e) => Err(ApiError::new(
            code::BAD_JSON_BODY,
            format!("request body is not valid JSON: {e}"),
        )),
    }
}

/// Builds the vendor envelope around an outcome.
fn render(state: &AppState, outcome: ApiResult) -> Response {
    let faults = state.faults;
    let differ = state.config.details_differ;
    let wording = |e: ApiError| {
        if differ {
            // Another wording for the same reason: the docs fix no ErrorInfo text (§1.3).
            format!("{} (emulator code {})", e.info.to_uppercase(), e.code)
        } else {
            e.info.into_owned()
        }
    };
    let (error_code, info, fields) = match outcome {
        Ok(Reply {
            fields,
            top_level: Some(e),
        }) => (e.code, wording(e), fields),
        Ok(reply) => (0, String::new(), reply.fields),
        Err(e) => (e.code, wording(e), Vec::new()),
    };
    let is_error = error_code != 0;
    let status = if is_error && faults.has(Fault::Http500OnError) {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    if is_error && faults.has(Fault::NonJsonErrorBody) {
        let text = format!("ERROR {error_code}: {info}");
        return respond(
            status,
            HeaderValue::from_static("text/plain"),
            text.into_bytes(),
        );
    }
    let action_status = Value::from(if is_error && !faults.has(Fault::OkStatusOnError) {
        "FAIL"
    } else {
        "OK"
    });
    let code_value = if faults.has(Fault::ErrorCodeAsString) {
        Value::from(error_code.to_string())
    } else {
        Value::from(error_code)
    };
    let info_value =
        (!(is_error && faults.has(Fault::ErrorInfoMissing))).then(|| Value::from(info));
    let mut envelope = Map::with_capacity(fields.len() + 4);
    if differ {
        envelope.insert("ErrorCode".into(), code_value);
        envelope.insert("ActionStatus".into(), action_status);
        if let Some(info) = info_value {
            envelope.insert("ErrorInfo".into(), info);
        }
    } else {
        envelope.insert("ActionStatus".into(), action_status);
        if let Some(info) = info_value {
            envelope.insert("ErrorInfo".into(), info);
        }
        envelope.insert("ErrorCode".into(), code_value);
    }
    for (name, value) in fields {
        envelope.insert(name.into(), value);
    }
    if differ {
        let id = state
            .id_seq
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        envelope.insert(
            differ::EXTRA_FIELD.into(),
            Value::from(format!("emu-{id:016x}")),
        );
    }
    let envelope = Value::Object(envelope);
    let bytes = if differ {
        serde_json::to_vec_pretty(&envelope)
    } else {
        serde_json::to_vec(&envelope)
    }
    .expect("a JSON value always serializes");
    let content_type = if faults.has(Fault::WrongContentType) {
        HeaderValue::from_static("text/plain")
    } else {
        HeaderValue::from_static("application/json")
    };
    respond(status, content_type, bytes)
}

fn respond(status: StatusCode, content_type: HeaderValue, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST"),
    );
    response
}

/// A running emulator. Dropping it stops the server too.
#[derive(Debug)]
pub struct EmulatorHandle {
    local_addr: SocketAddr,
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl EmulatorHandle {
    /// `http://IP:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Clears all state: accounts, groups, attributes, push data, cached sigs, rate windows.
    pub async fn reset(&self) {
        self.state.reset();
    }

    /// Stops accepting, lets in-flight requests finish (up to 5 s), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        // Graceful: the serve task stops accepting and closes idle connections by itself.
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Binds `addr` and serves the emulator on the current tokio runtime.
pub async fn start(config: EmulatorConfig, addr: SocketAddr) -> io::Result<EmulatorHandle> {
    let profile: Profile = config
        .profile
        .parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let limits = ApiRateLimiter::new(ROUTES.iter().map(|r| r.calls_per_sec));
    let state = Arc::new(AppState::new(config, profile, limits));
    let listener = TcpListener::bind(addr).await?;
    let local_addr = listener.local_addr()?;
    let router = Router::new()
        .fallback(handle)
        .with_state(Arc::clone(&state));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok(EmulatorHandle {
        local_addr,
        state,
        stop: Some(stop),
        task: Some(task),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_unique_and_found() {
        for (i, r) in ROUTES.iter().enumerate() {
            let path = format!("/v4/{}/{}", r.service, r.command);
            assert_eq!(find_route(Profile::Current, &path), Some(i));
        }
        assert_eq!(find_route(Profile::Current, "/v4/nope/x"), None);
        assert_eq!(
            find_route(Profile::Current, "/v4/timpush/get_attr/extra"),
            None
        );
        assert_eq!(
            find_route(Profile::PushLegacy, "/v4/timpush/get_attr"),
            None
        );
        assert!(find_route(Profile::PushLegacy, "/v4/all_member_push/im_get_attr").is_some());
    }

    #[test]
    fn body_parsing_codes() {
        assert_eq!(
            parse_body(&Bytes::from_static(b""), Family::Group)
                .unwrap_err()
                .code,
            60003
        );
        assert_eq!(
            parse_body(&Bytes::from_static(b"{x"), Family::Push)
                .unwrap_err()
                .code,
            60003
        );
        assert_eq!(
            parse_body(&Bytes::from_static(b"[]"), Family::Group)
                .unwrap_err()
                .code,
            10004
        );
        assert_eq!(
            parse_body(&Bytes::from_static(b"1"), Family::Push)
                .unwrap_err()
                .code,
            90001
        );
        assert_eq!(
            parse_body(&Bytes::from_static(b"\"s\""), Family::Account)
                .unwrap_err()
                .code,
            70402
        );
        assert!(parse_body(&Bytes::from_static(b"{}"), Family::Group).is_ok());
    }
}
