//! JSON Schema validation: every schema the suite uses is compiled once per run, against a
//! registry preloaded with the files under specs/schemas. A `$ref` to any other file is read
//! through the suite's contract source (a directory or the copy built into the binary), never
//! fetched and never read from the disk behind the source's back.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use jsonschema::{Registry, Retrieve, Uri, Validator};
use serde_json::Value;

use crate::contract::ContractSource;
use crate::spec::{Loc, SchemaRef, Suite, file_uri};

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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::contract::Part;

    fn build(
        source: &ContractSource,
        base: &std::path::Path,
        schema: &Value,
    ) -> Result<Validator, String> {
        jsonschema::draft202012::options()
            .with_retriever(ContractRetriever::new(source))
            .with_base_uri(file_uri(base))
            .build(schema)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_ref_is_read_through_the_contract_source_and_never_outside_it() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("specs");
        std::fs::create_dir_all(root.join("shared")).unwrap();
        std::fs::write(
            root.join("shared/count.json"),
            r#"{"type": "integer", "minimum": 1}"#,
        )
        .unwrap();
        std::fs::write(tmp.path().join("outside.json"), r#"{"type": "string"}"#).unwrap();
        let local = ContractSource::dir(Part::Specs, &root);
        let base = root.join("schemas/x.json");

        let count = build(&local, &base, &json!({"$ref": "../shared/count.json"})).unwrap();
        assert!(count.is_valid(&json!(2)) && !count.is_valid(&json!(0)));
        // The file exists, but it is not part of the contract.
        let err = build(&local, &base, &json!({"$ref": "../../outside.json"})).unwrap_err();
        assert!(err.contains("is not a file of the contract"), "{err}");

        // The built-in copy answers under its own root, from any working directory.
        let built_in = ContractSource::embedded(Part::Specs);
        let base = built_in.uri_root().join("schemas/x.json");
        let group_id = build(
            &built_in,
            &base,
            &json!({"$ref": "defs.json#/$defs/GroupId"}),
        )
        .unwrap();
        assert!(group_id.is_valid(&json!("@TGS#1")) && !group_id.is_valid(&json!(1)));
        let err = build(&built_in, &base, &json!({"$ref": "missing.json"})).unwrap_err();
        assert!(err.contains("specs/schemas/missing.json"), "{err}");
    }
}
