//! JSON Schema validation: every schema the suite uses is compiled once per run, against a
//! registry preloaded with the files under specs/schemas. A `$ref` to any other file is read
//! through the suite's contract source (a directory or the copy built into the binary), never
//! fetched and never read from the disk behind the source's back.

use std::collections::HashMap;
use std::sync::Arc;

use jsonschema::{Registry, Retrieve, Uri, Validator};
use serde_json::Value;

use crate::contract::ContractSource;
use crate::spec::{Loc, SchemaRef, Suite, file_uri};

#[derive(Debug, Clone, thiserror::Error)]
#[error("{loc}: schema does not compile: {message}")]
pub struct SchemaError {
    pub loc: Loc,
    pub message: String,
}

/// Compiled validators: per endpoint (request and success response) and the envelope.
pub struct SchemaSet {
    envelope: Arc<Validator>,
    responses: HashMap<String, Arc<Validator>>,
    requests: HashMap<String, Arc<Validator>>,
}

impl SchemaSet {
    pub fn compile(suite: &Suite) -> Result<SchemaSet, Vec<SchemaError>> {
        let retriever = || ContractRetriever::new(&suite.source);
        let mut builder = Registry::new().retriever(retriever());
        for (uri, doc) in &suite.schema_documents {
            builder = match builder.add(uri, doc.clone()) {
                Ok(b) => b,
                Err(e) => {
                    return Err(vec![SchemaError {
                        loc: suite.service.loc.clone(),
                        message: format!("{uri}: {e}"),
                    }]);
                }
            };
        }
        let registry = builder.prepare().map_err(|e| {
            vec![SchemaError {
                loc: suite.service.loc.clone(),
                message: format!("schema registry: {e}"),
            }]
        })?;
        let mut errors = Vec::new();
        let mut compile = |schema: &SchemaRef| -> Option<Arc<Validator>> {
            match jsonschema::draft202012::options()
                .with_registry(&registry)
                .with_retriever(retriever())
                .with_base_uri(schema.base_uri.clone())
                .build(&schema.schema)
            {
                Ok(v) => Some(Arc::new(v)),
                Err(e) => {
                    errors.push(SchemaError {
                        loc: schema.loc.clone(),
                        message: shorten(&e.to_string()),
                    });
                    None
                }
            }
        };
        let envelope = compile(&suite.service.envelope.schema);
        let mut responses = HashMap::new();
        let mut requests = HashMap::new();
        for (name, endpoint) in &suite.endpoints {
            if let Some(v) = compile(&endpoint.response_schema) {
                responses.insert(name.clone(), v);
            }
            if let Some(v) = compile(&endpoint.request_schema) {
                requests.insert(name.clone(), v);
            }
        }
        match envelope {
            Some(envelope) if errors.is_empty() => Ok(SchemaSet {
                envelope,
                responses,
                requests,
            }),
            _ => Err(errors),
        }
    }

    /// Problems with a response body: against the endpoint's success schema, or the envelope.
    pub fn check_response(&self, endpoint: &str, success: bool, body: &Value) -> Vec<String> {
        let validator = if success {
            self.responses.get(endpoint).unwrap_or(&self.envelope)
        } else {
            &self.envelope
        };
        violations(validator, body)
    }

    /// Problems with a request body the suite is about to send (a spec bug, not a target bug).
    pub fn check_request(&self, endpoint: &str, body: &Value) -> Vec<String> {
        self.requests
            .get(endpoint)
            .map(|v| violations(v, body))
            .unwrap_or_default()
    }
}

/// Serves `file://` URIs of the contract's files from its source.
struct ContractRetriever {
    source: ContractSource,
    /// `file:///…/specs/`: what every URI of a contract file starts with.
    root: String,
}

impl ContractRetriever {
    fn new(source: &ContractSource) -> Self {
        Self {
            source: source.clone(),
            root: format!("{}/", file_uri(&source.uri_root())),
        }
    }
}

impl Retrieve for ContractRetriever {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let rel = uri
            .as_str()
            .strip_prefix(&self.root)
            .ok_or_else(|| format!("{uri} is not a file of the contract ({})", self.source))?;
        let rel = std::path::Path::new(rel);
        let bytes = self
            .source
            .read(rel)
            .map_err(|e| format!("{}: {e}", self.source.shown_path(rel).display()))?;
        Ok(serde_json::from_slice(&bytes)?)
    }
}

fn violations(validator: &Validator, body: &Value) -> Vec<String> {
    // Most bodies conform: `is_valid` stops at nothing and builds no error values.
    if validator.is_valid(body) {
        return Vec::new();
    }
    validator
        .iter_errors(body)
        .take(8)
        .map(|e| {
            let path = e.instance_path().to_string();
            let path = if path.is_empty() {
                "/".to_owned()
            } else {
                path
            };
            format!("at {path}: {}", shorten(&e.to_string()))
        })
        .collect()
}

/// Schema errors can quote whole values; keep messages readable.
fn shorten(s: &str) -> String {
    const MAX: usize = 240;
    if s.len() <= MAX {
        return s.to_owned();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
