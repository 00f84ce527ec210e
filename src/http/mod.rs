//! The one HTTP client of a run: no redirects, no proxy, a per-request timeout, and a cap on
//! how much of a response body is read, so a hostile target cannot hang or flood the harness.

use std::time::Duration;

use bytes::Bytes;

use crate::auth::usersig::redact_in_text;

mod query;

pub use query::{Query, percent_encode, percent_encode_into};

#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Bytes of a response body kept; the rest is not read.
    pub max_body_bytes: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_body_bytes: 4 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Bytes,
    /// The body was longer than the cap and was cut.
    pub truncated: bool,
}

/// Why no response came. Messages never contain the URL (it carries the usersig).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("timed out after {0:?} waiting for the target")]
    Timeout(Duration),
    #[error("could not connect to the target: {0}")]
    Connect(String),
    #[error("the connection failed while reading the response: {0}")]
    Body(String),
    #[error("the request failed: {0}")]
    Other(String),
    #[error("failed to build the HTTP client: {0}")]
    Client(String),
}

impl TransportError {
    /// Worth another attempt: the request may not have reached the target.
    pub fn is_retryable(&self) -> bool {
        matches!(self, TransportError::Connect(_) | TransportError::Body(_))
    }
}

#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    settings: HttpSettings,
}

impl HttpClient {
    pub fn new(settings: HttpSettings) -> Result<Self, TransportError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(settings.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| TransportError::Client(describe(&e)))?;
        Ok(Self { client, settings })
    }

    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// POSTs (or sends `method`) and reads at most the capped body, all within the timeout.
    /// The URL comes parsed: a run parses each endpoint's URL once and only sets the query.
    pub async fn send(
        &self,
        method: &str,
        url: reqwest::Url,
        body: impl Into<Bytes>,
    ) -> Result<HttpResponse, TransportError> {
        let body: Bytes = body.into();
        let method =
            reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let timeout = self.settings.timeout;
        let request = self
            .client
            .request(method, url)
            .header(
                reqwest::header::CONTENT_TYPE,
                reqwest::header::HeaderValue::from_static("application/json"),
            )
            .body(body);
        let exchange = async {
            let mut response = request.send().await.map_err(|e| classify(&e, timeout))?;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let cap = self.settings.max_body_bytes;
            // Small bodies come in one chunk, kept as it is; longer ones are joined once.
            let mut chunks: Vec<Bytes> = Vec::new();
            let mut read = 0;
            let mut truncated = false;
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| TransportError::Body(describe(&e)))?
            {
                let room = cap.saturating_sub(read);
                if chunk.len() > room {
                    chunks.push(chunk.slice(..room));
                    truncated = true;
                    break;
                }
                read += chunk.len();
                chunks.push(chunk);
            }
            let body = match chunks.len() {
                0 => Bytes::new(),
                1 => chunks.pop().expect("one chunk"),
                _ => Bytes::from(chunks.concat()),
            };
            Ok(HttpResponse {
                status,
                content_type,
                body,
                truncated,
            })
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(TransportError::Timeout(timeout)),
        }
    }
}

fn classify(e: &reqwest::Error, timeout: Duration) -> TransportError {
    if e.is_timeout() {
        TransportError::Timeout(timeout)
    } else if e.is_connect() {
        TransportError::Connect(describe(e))
    } else if e.is_body() || e.is_decode() {
        TransportError::Body(describe(e))
    } else {
        TransportError::Other(describe(e))
    }
}

/// The error and its causes, without the URL.
fn describe(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut parts = Vec::new();
    let mut source: Option<&dyn Error> = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    let head = if e.is_connect() {
        "connection failed"
    } else if e.is_request() {
        "request error"
    } else if e.is_body() {
        "body error"
    } else {
        "error"
    };
    let text = if parts.is_empty() {
        head.to_owned()
    } else {
        format!("{head}: {}", parts.join(": "))
    };
    redact_in_text(&text)
}
