//! JSON Schema validation: every schema the suite uses is compiled once per run, against a
//! registry preloaded with the files under specs/schemas (so nothing is fetched).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use jsonschema::{Registry, Validator};
use serde_json::Value;

use crate::spec::{Loc, SchemaRef, Suite};

use super::shape::{self, Shape};

#[derive(Debug, Clone, thiserror::Error)]
#[error("{loc}: schema does not compile: {message}")]
pub struct SchemaError {
    pub loc: Loc,
    pub message: String,
}

/// Compiled validators: per endpoint (request and success response) and the envelope; and
/// what the same schemas document, for snapshot verdicts.
pub struct SchemaSet {
    envelope: Arc<Validator>,
    responses: HashMap<String, Arc<Validator>>,
    requests: HashMap<String, Arc<Validator>>,
    envelope_shape: Shape,
    response_shapes: HashMap<String, Shape>,
    /// Endpoints whose success schema marks the envelope's code field `x-open`: the docs do
    /// not fix the top-level code of a request they accept.
    open_codes: HashSet<String>,
}

impl SchemaSet {
    pub fn compile(suite: &Suite) -> Result<SchemaSet, Vec<SchemaError>> {
        let mut builder = Registry::new();
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
        let response_shapes: HashMap<String, Shape> =
            shape::response_shapes(suite).into_iter().collect();
        let open_codes = shape::open_code_endpoints(suite, &response_shapes);
        let envelope_schema = &suite.service.envelope.schema;
        match envelope {
            Some(envelope) if errors.is_empty() => Ok(SchemaSet {
                envelope,
                responses,
                requests,
                envelope_shape: Shape::new(
                    Arc::new(suite.schema_documents.clone()),
                    envelope_schema.schema.clone(),
                    envelope_schema.base_uri.clone(),
                ),
                response_shapes,
                open_codes,
            }),
            _ => Err(errors),
        }
    }

    /// What the schema a response is checked against documents: the endpoint's success schema,
    /// or the envelope.
    pub fn response_shape(&self, endpoint: &str, success: bool) -> &Shape {
        match self.response_shapes.get(endpoint) {
            Some(shape) if success => shape,
            _ => &self.envelope_shape,
        }
    }

    /// Whether the docs leave the top-level code of an accepted request open (`x-open` on the
    /// code field of the endpoint's success schema).
    pub fn code_open(&self, endpoint: &str) -> bool {
        self.open_codes.contains(endpoint)
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
