//! What a response schema says about one place in a response: whether a field must be there,
//! whether a field it does not list may be, and whether the docs leave the value there open
//! (the `x-open` annotation). Snapshot verdicts ask it to tell a contract failure from drift.
//!
//! The schemas are the one source of what is documented, so this reads them as written:
//! `$ref` and `allOf` combine (every branch applies), `anyOf`/`oneOf` branches only widen what
//! may be there (a field one branch requires is not required).

use std::collections::HashSet;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use crate::spec::Suite;

/// The annotation keyword marking a place whose value the docs do not fix. Its value is the
/// reason, with the doc line it rests on (`true` is accepted too).
pub const OPEN_KEYWORD: &str = "x-open";

/// Deeper nesting of `$ref`/`allOf` than this is taken for a cycle.
const MAX_DEPTH: u8 = 16;

/// A response schema with the documents its `$ref`s point into.
#[derive(Debug, Clone)]
pub struct Shape {
    docs: Arc<IndexMap<String, Value>>,
    root: Value,
    base: String,
}

/// The schema nodes written for one place of a response (before `$ref`/`allOf` are followed).
#[derive(Debug, Clone)]
pub struct Place<'a> {
    docs: &'a IndexMap<String, Value>,
    nodes: Vec<(&'a Value, &'a str)>,
}

impl Shape {
    /// `root` is a schema written in the document at `base` (its relative `$ref`s resolve there).
    pub fn new(docs: Arc<IndexMap<String, Value>>, root: Value, base: String) -> Self {
        Self { docs, root, base }
    }

    /// The place of the whole body.
    pub fn root(&self) -> Place<'_> {
        Place {
            docs: &self.docs,
            nodes: vec![(&self.root, self.base.as_str())],
        }
    }
}

/// The success-schema shape of every endpoint, on one copy of the schema documents.
pub fn response_shapes(suite: &Suite) -> IndexMap<String, Shape> {
    let docs = Arc::new(suite.schema_documents.clone());
    (suite.endpoints.iter())
        .map(|(name, e)| {
            let s = &e.response_schema;
            let shape = Shape::new(docs.clone(), s.schema.clone(), s.base_uri.clone());
            (name.clone(), shape)
        })
        .collect()
}

/// The endpoints whose success schema marks the envelope's code field `x-open`: the docs do
/// not fix the top-level code of a request they accept, so a step expecting success does not
/// judge it.
pub fn open_code_endpoints<'a>(
    suite: &Suite,
    shapes: impl IntoIterator<Item = (&'a String, &'a Shape)>,
) -> HashSet<String> {
    let code_field = &suite.service.envelope.code_field;
    shapes
        .into_iter()
        .filter(|(_, s)| s.root().field(code_field).open().is_some())
        .map(|(name, _)| name.clone())
        .collect()
}

impl<'a> Place<'a> {
    /// The place of the field `key` of an object here.
    pub fn field(&self, key: &str) -> Place<'a> {
        let mut nodes = Vec::new();
        for (node, base) in self.applicable(true) {
            let child = node
                .get("properties")
                .and_then(|p| p.get(key))
                .or_else(|| node.get("additionalProperties").filter(|a| a.is_object()));
            if let Some(c) = child {
                nodes.push((c, base));
            }
        }
        Place {
            docs: self.docs,
            nodes,
        }
    }

    /// The place of the elements of an array here.
    pub fn item(&self) -> Place<'a> {
        let nodes = self
            .applicable(true)
            .into_iter()
            .filter_map(|(node, base)| {
                node.get("items")
                    .filter(|i| i.is_object())
                    .map(|i| (i, base))
            })
            .collect();
        Place {
            docs: self.docs,
            nodes,
        }
    }

    /// Whether an object here must have the field `key`.
    pub fn requires(&self, key: &str) -> bool {
        self.applicable(false).iter().any(|(node, _)| {
            node.get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|k| k == key))
        })
    }

    /// Whether an object here may have the field `key`: every schema that applies either lists
    /// it or allows fields beside the ones it lists. (`patternProperties` are not matched: a
    /// key they refuse is left to the schema check.)
    pub fn allows(&self, key: &str) -> bool {
        self.applicable(false).iter().all(|(node, _)| {
            let listed = node.get("properties").is_some_and(|p| p.get(key).is_some());
            let closed = |k: &str| node.get(k) == Some(&Value::Bool(false));
            listed
                || node.get("patternProperties").is_some()
                || !(closed("additionalProperties") || closed("unevaluatedProperties"))
        })
    }

    /// Whether the field `key` is one the schema lists (as opposed to one it merely allows).
    pub fn lists(&self, key: &str) -> bool {
        self.applicable(true)
            .iter()
            .any(|(node, _)| node.get("properties").is_some_and(|p| p.get(key).is_some()))
    }

    /// The reason the docs leave the value here open, when a schema here says so.
    pub fn open(&self) -> Option<&'a str> {
        self.applicable(true)
            .into_iter()
            .find_map(|(node, _)| match node.get(OPEN_KEYWORD)? {
                Value::String(why) => Some(why.as_str()),
                Value::Bool(true) => Some("x-open"),
                _ => None,
            })
    }

    /// The nodes here with their `$ref` targets and `allOf` branches (and, with
    /// `alternatives`, their `anyOf`/`oneOf` branches).
    fn applicable(&self, alternatives: bool) -> Vec<(&'a Value, &'a str)> {
        let mut out = Vec::new();
        for &(node, base) in &self.nodes {
            self.collect(node, base, alternatives, 0, &mut out);
        }
        out
    }

    fn collect(
        &self,
        node: &'a Value,
        base: &'a str,
        alternatives: bool,
        depth: u8,
        out: &mut Vec<(&'a Value, &'a str)>,
    ) {
        let Some(obj) = node.as_object() else { return };
        if depth > MAX_DEPTH {
            return;
        }
        out.push((node, base));
        if let Some(Value::String(r)) = obj.get("$ref")
            && let Some((target, target_base)) = self.resolve(r, base)
        {
            self.collect(target, target_base, alternatives, depth + 1, out);
        }
        let mut branches = vec!["allOf"];
        if alternatives {
            branches.extend(["anyOf", "oneOf"]);
        }
        for k in branches {
            if let Some(Value::Array(items)) = obj.get(k) {
                for i in items {
                    self.collect(i, base, alternatives, depth + 1, out);
                }
            }
        }
    }

    /// A `$ref` read from a schema written in the document at `base`.
    fn resolve(&self, reference: &str, base: &str) -> Option<(&'a Value, &'a str)> {
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let uri = if file.is_empty() {
            base.to_owned()
        } else if file.contains("://") {
            file.to_owned()
        } else {
            let dir = std::path::Path::new(base.trim_start_matches("file://")).parent()?;
            crate::spec::file_uri(&dir.join(file))
        };
        let (key, doc) = self.docs.get_key_value(&uri)?;
        let target = if fragment.is_empty() {
            doc
        } else {
            doc.pointer(fragment)?
        };
        Some((target, key.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shape() -> Shape {
        let mut docs = IndexMap::new();
        docs.insert(
            "file:///s/envelope.json".to_owned(),
            json!({"type": "object", "required": ["ErrorCode"],
                   "properties": {"ErrorCode": {"type": "integer"}}}),
        );
        docs.insert(
            "file:///s/defs.json".to_owned(),
            json!({"$defs": {"Item": {"type": "object", "required": ["id"],
                    "properties": {"id": {"type": "string"}, "note": {"x-open": "§9: wording"}},
                    "additionalProperties": false}}}),
        );
        docs.insert(
            "file:///s/r.json".to_owned(),
            json!({"allOf": [{"$ref": "envelope.json"}, {
                "properties": {
                    "Items": {"type": "array", "items": {"$ref": "defs.json#/$defs/Item"}},
                    "Map": {"additionalProperties": {"type": "string", "x-open": true}}
                },
                "anyOf": [{"required": ["Items"]}, {"required": ["Map"]}]
            }]}),
        );
        Shape::new(
            Arc::new(docs),
            json!({"$ref": "file:///s/r.json"}),
            "file:///s/endpoint.yaml".to_owned(),
        )
    }

    #[test]
    fn required_allowed_and_open_follow_refs_and_all_of() {
        let shape = shape();
        let root = shape.root();
        assert!(root.requires("ErrorCode"), "through $ref and allOf");
        assert!(
            !root.requires("Items"),
            "an anyOf branch does not make it required"
        );
        assert!(root.allows("Extra") && !root.lists("Extra") && root.lists("Items"));
        let item = root.field("Items").item();
        assert!(item.requires("id") && !item.requires("note"));
        assert!(!item.allows("extra"), "additionalProperties: false");
        assert!(item.allows("note"));
        assert_eq!(item.field("note").open(), Some("§9: wording"));
        assert_eq!(item.field("id").open(), None);
        assert_eq!(root.field("Map").field("anything").open(), Some("x-open"));
        assert_eq!(root.field("Nowhere").open(), None);
        assert!(root.field("Nowhere").allows("x") && !root.field("Nowhere").requires("x"));
    }
}
