//! Reads `specs/` into a `Suite`: parse each file (YAML or JSON) with spans, resolve it into
//! the model, then check cross-references. Every problem found is returned, each located.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_saphyr::Location;

use super::load_rules::LIMIT_SIDES;
use super::model::*;
use super::raw::*;
use super::template::Template;
use crate::contract::{ContractSource, Part};

/// One located problem in a spec file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{loc}: {message}")]
pub struct SpecError {
    pub loc: Loc,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("failed to read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", SpecErrors(.0))]
    Invalid(Vec<SpecError>),
    /// A problem with the contract built into the binary: its files are named as `export
    /// contract DIR` writes them under DIR.
    #[error(
        "{0}\n(in the contract built into imconform {version}: `imconform export contract DIR` writes these files out)",
        version = crate::contract::VERSION
    )]
    Embedded(Box<LoadError>),
}

struct SpecErrors<'a>(&'a [SpecError]);

impl fmt::Display for SpecErrors<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl LoadError {
    /// The located problems, if the specs were read but are invalid.
    pub fn spec_errors(&self) -> &[SpecError] {
        match self {
            LoadError::Invalid(errors) => errors,
            LoadError::Embedded(inner) => inner.spec_errors(),
            LoadError::Io { .. } => &[],
        }
    }
}

/// Loads the spec directory `root`: `service.yaml`, `endpoints/*`, and `schemas/**/*.json`.
pub fn load_suite(root: &Path) -> Result<Suite, LoadError> {
    load_contract(&ContractSource::dir(Part::Specs, root))
}

/// Loads the spec files of a contract source (a directory, or the copy built into the binary):
/// `service.yaml` (or `.yml`, `.json`), `endpoints/*` and `schemas/**/*.json`.
pub fn load_contract(source: &ContractSource) -> Result<Suite, LoadError> {
    let loaded = load_from(source);
    match loaded {
        Err(e) if source.is_embedded() => Err(LoadError::Embedded(Box::new(e))),
        other => other,
    }
}

fn load_from(source: &ContractSource) -> Result<Suite, LoadError> {
    let listing = |sub: &str| {
        source.files(Path::new(sub)).map_err(|e| LoadError::Io {
            path: source.shown_path(Path::new(sub)),
            source: e,
        })
    };
    let service_rel = ["service.yaml", "service.yml", "service.json"]
        .iter()
        .map(PathBuf::from)
        .find(|p| source.exists(p))
        .unwrap_or_else(|| PathBuf::from("service.yaml"));
    // Endpoint files sit directly in `endpoints/`; schemas anywhere under `schemas/`.
    let endpoint_rels: Vec<PathBuf> = listing("endpoints")?
        .into_iter()
        .filter(|p| p.parent() == Some(Path::new("endpoints")))
        .collect();
    let schema_rels: Vec<PathBuf> = listing("schemas")?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();

    let mut ctx = Resolver {
        errors: Vec::new(),
        schema_documents: IndexMap::new(),
        root_uri: file_uri(&source.uri_root()),
        source: source.clone(),
        profile_names: Vec::new(),
        feature_names: Vec::new(),
        cost_names: Vec::new(),
    };
    for rel in &schema_rels {
        let path = source.shown_path(rel);
        let text = read(source, rel)?;
        match serde_json::from_str::<Value>(&text) {
            Ok(doc) => {
                ctx.schema_documents
                    .insert(file_uri(&source.uri_path(&path)), doc);
            }
            Err(e) => ctx.errors.push(SpecError {
                loc: Loc {
                    file: SpecFile::new(path),
                    line: e.line() as u32,
                    column: e.column() as u32,
                },
                message: format!(
                    "schema file is not valid JSON: {}",
                    strip_position(&e.to_string())
                ),
            }),
        }
    }

    let service_text = read(source, &service_rel)?;
    let service_file = SpecFile::new(source.shown_path(&service_rel));
    let raw_service: Option<RawService> = parse(&service_file, &service_text, &mut ctx.errors);
    let mut raw_endpoints = Vec::new();
    let mut any_unparsed = false;
    for rel in &endpoint_rels {
        let text = read(source, rel)?;
        let file = SpecFile::new(source.shown_path(rel));
        match parse::<RawEndpoint>(&file, &text, &mut ctx.errors) {
            Some(raw) => raw_endpoints.push((file, raw)),
            None => any_unparsed = true,
        }
    }
    let Some(raw_service) = raw_service else {
        return Err(LoadError::Invalid(ctx.errors));
    };

    let service = ctx.service(&service_file, raw_service);
    let mut endpoints = IndexMap::new();
    for (file, raw) in raw_endpoints {
        let endpoint = ctx.endpoint(&file, raw);
        if let Some(previous) = endpoints.get(&endpoint.name) {
            let previous: &Endpoint = previous;
            ctx.errors.push(SpecError {
                loc: endpoint.loc.clone(),
                message: format!(
                    "endpoint `{}` is already defined at {}",
                    endpoint.name, previous.loc
                ),
            });
            continue;
        }
        endpoints.insert(endpoint.name.clone(), endpoint);
    }
    let suite = Suite {
        root: source.uri_root(),
        source: source.clone(),
        service,
        endpoints,
        schema_documents: std::mem::take(&mut ctx.schema_documents),
    };
    let mut errors = ctx.errors;
    if !any_unparsed {
        errors.extend(super::lint::cross_check(&suite));
    }
    if errors.is_empty() {
        Ok(suite)
    } else {
        errors.sort_by(|a, b| {
            (a.loc.file.as_ref(), a.loc.line, a.loc.column).cmp(&(
                b.loc.file.as_ref(),
                b.loc.line,
                b.loc.column,
            ))
        });
        errors.dedup();
        Err(LoadError::Invalid(errors))
    }
}

/// A spec file's text; problems are located at the file as the user finds it.
fn read(source: &ContractSource, rel: &Path) -> Result<String, LoadError> {
    let path = source.shown_path(rel);
    let bytes = source
        .read(rel)
        .map_err(|e| LoadError::Io {
            path: path.clone(),
            source: e,
        })?
        .into_owned();
    String::from_utf8(bytes).map_err(|e| {
        // Located like every other spec problem: at the first byte that is not UTF-8.
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        let byte = e.as_bytes()[valid.len()];
        LoadError::Invalid(vec![SpecError {
            loc: Loc {
                file: SpecFile::new(path),
                line: line as u32,
                column: column as u32,
            },
            message: format!("the file is not valid UTF-8 (byte 0x{byte:02x})"),
        }])
    })
}

/// `file:///abs/path`, the base URI of a schema file.
pub fn file_uri(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut normal = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::ParentDir => {
                normal.pop();
            }
            std::path::Component::CurDir => {}
            other => normal.push(other),
        }
    }
    format!("file://{}", normal.display())
}

fn parse<T: DeserializeOwned>(
    file: &Arc<SpecFile>,
    text: &str,
    errors: &mut Vec<SpecError>,
) -> Option<T> {
    match serde_saphyr::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            let (line, column) = e
                .location()
                .map(|l| (l.line() as u32, l.column() as u32))
                .unwrap_or((1, 1));
            let message = strip_position(&e.without_snippet().to_string());
            let (line, column, message) = explain_parse_error(text, line, column, message);
            errors.push(SpecError {
                loc: Loc {
                    file: file.clone(),
                    line: line.max(1),
                    column: column.max(1),
                },
                message,
            });
            None
        }
    }
}

/// Rewords the parser's terse messages for people editing specs: `invalid u32` becomes what
/// was expected and what was written; a missing field of the file's top-level mapping is
/// located at the top of the file (the parser reports where the mapping ended).
fn explain_parse_error(text: &str, line: u32, column: u32, message: String) -> (u32, u32, String) {
    if let Some(ty) = message.strip_prefix("invalid ")
        && !ty.contains(' ')
    {
        let expected = match ty {
            "u8" | "u16" | "u32" | "u64" | "usize" => "a non-negative integer",
            "i8" | "i16" | "i32" | "i64" | "isize" => "an integer",
            "f32" | "f64" => "a number",
            "bool" => "`true` or `false`",
            _ => return (line, column, message),
        };
        let (key, found) = scalar_at(text, line, column);
        let message = match key {
            Some(key) => format!("`{key}` must be {expected}, found `{found}`"),
            None => format!("expected {expected}, found `{found}`"),
        };
        return (line, column, message);
    }
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        let top: Option<Value> = serde_saphyr::from_str(text).ok();
        if top
            .as_ref()
            .and_then(Value::as_object)
            .is_some_and(|m| !m.contains_key(field))
        {
            return (1, 1, format!("the file lacks the required field `{field}`"));
        }
        return (line, column, format!("missing required field `{field}`"));
    }
    (line, column, message)
}

/// The plain scalar written at a 1-based line and column, and the mapping key it is the value
/// of when that key is on the same line (`per_second: five`), for messages.
fn scalar_at(text: &str, line: u32, column: u32) -> (Option<String>, String) {
    let Some(row) = text.lines().nth(line.saturating_sub(1) as usize) else {
        return (None, String::new());
    };
    let start = row
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(row.len(), |(i, _)| i);
    let found = row[start..]
        .split([',', '}', ']', '#'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let key = row[..start]
        .trim_end()
        .strip_suffix(':')
        .and_then(|before| before.rsplit(['{', ',', ' ', '-']).next())
        .map(|k| k.trim_matches('"').to_owned())
        .filter(|k| !k.is_empty());
    (key, found)
}

/// Drops a trailing " at line N, column M": the location is printed in front already.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(pos) => message[..pos].to_owned(),
        None => message.to_owned(),
    }
}

pub(super) struct Resolver {
    errors: Vec<SpecError>,
    schema_documents: IndexMap<String, Value>,
    /// `file://` URI of the suite root: paths in messages are shown relative to it.
    root_uri: String,
    /// Where the files come from: the base URI of a file's schemas is made through it.
    source: ContractSource,
    /// Declared in the service file; set before any case is resolved.
    pub(super) profile_names: Vec<String>,
    feature_names: Vec<String>,
    cost_names: Vec<String>,
}

pub(super) fn loc_of(file: &Arc<SpecFile>, l: &Location) -> Loc {
    Loc {
        file: file.clone(),
        line: (l.line() as u32).max(1),
        column: (l.column() as u32).max(1),
    }
}

impl Resolver {
    pub(super) fn err(&mut self, loc: &Loc, message: impl Into<String>) {
        self.errors.push(SpecError {
            loc: loc.clone(),
            message: message.into(),
        });
    }

    fn template(&mut self, loc: &Loc, value: &Value) -> Template {
        match Template::parse(value) {
            Ok(t) => t,
            Err(e) => {
                self.err(loc, e.to_string());
                Template::Literal(Value::Null)
            }
        }
    }

    pub(super) fn strings(&self, file: &Arc<SpecFile>, items: &[S<String>]) -> Vec<String> {
        let _ = file;
        items.iter().map(|s| s.value.clone()).collect()
    }

    fn service(&mut self, file: &Arc<SpecFile>, raw: RawService) -> Service {
        let loc = loc_of(file, &raw.service.referenced);
        let auth_loc = loc_of(file, &raw.auth.referenced);
        let raw_auth = raw.auth.value;
        if raw_auth.scheme.value != "usersig" {
            self.err(
                &loc_of(file, &raw_auth.scheme.referenced),
                format!(
                    "unknown auth scheme `{}` (expected `usersig`)",
                    raw_auth.scheme.value
                ),
            );
        }
        let query = raw_auth
            .query
            .iter()
            .map(|(k, v)| {
                let l = loc_of(file, &v.referenced);
                (k.clone(), self.template(&l, &v.value))
            })
            .collect();
        let secret_params: Vec<String> = self.strings(file, &raw_auth.secret_params);
        for s in &raw_auth.secret_params {
            if !raw_auth.query.contains_key(&s.value) {
                self.err(
                    &loc_of(file, &s.referenced),
                    format!(
                        "secret parameter `{}` is not one of the auth query parameters",
                        s.value
                    ),
                );
            }
        }
        let env = raw.envelope.value;
        let envelope = Envelope {
            http_status: env.http_status,
            status_field: env.status_field,
            code_field: env.code_field,
            info_field: env.info_field,
            ok_status: env.ok_status,
            fail_status: env.fail_status,
            success_code: env.success_code,
            content_type: env.content_type,
            schema: self.schema_ref(file, &env.schema),
        };
        let profiles: IndexMap<String, Profile> = raw
            .profiles
            .into_iter()
            .map(|(name, p)| {
                let profile = Profile {
                    name: name.clone(),
                    description: p.value.description,
                    loc: loc_of(file, &p.referenced),
                };
                (name, profile)
            })
            .collect();
        let default_profile = raw.default_profile.value.clone();
        if !profiles.contains_key(&default_profile) {
            self.err(
                &loc_of(file, &raw.default_profile.referenced),
                format!("default profile `{default_profile}` is not declared under `profiles`"),
            );
        }
        let features: IndexMap<String, Feature> = raw
            .features
            .into_iter()
            .map(|(name, f)| {
                let feature = Feature {
                    name: name.clone(),
                    description: f.value.description,
                    not_enabled_codes: f.value.not_enabled_codes.iter().map(|c| c.value).collect(),
                    loc: loc_of(file, &f.referenced),
                };
                (name, feature)
            })
            .collect();
        let costs: IndexMap<String, Cost> = raw
            .costs
            .into_iter()
            .map(|(name, c)| {
                let cost = Cost {
                    name: name.clone(),
                    description: c.value.description,
                    unit: c.value.unit.unwrap_or_else(|| "call".to_owned()),
                    spent_by: c.value.spent_by.iter().map(|e| e.value.clone()).collect(),
                    per_day: c.value.per_day,
                    loc: loc_of(file, &c.referenced),
                };
                (name, cost)
            })
            .collect();
        self.cost_names = costs.keys().cloned().collect();
        let fixtures = raw
            .fixtures
            .into_iter()
            .map(|(name, f)| {
                let floc = loc_of(file, &f.referenced);
                let def = f.value;
                let fixture = FixtureDef {
                    name: name.clone(),
                    description: def.description,
                    params: def
                        .params
                        .into_iter()
                        .map(|(k, v)| (k, if v.is_null() { None } else { Some(v) }))
                        .collect(),
                    setup: def.setup.iter().map(|s| self.step(file, s)).collect(),
                    teardown: def.teardown.iter().map(|s| self.step(file, s)).collect(),
                    exports: def
                        .exports
                        .iter()
                        .map(|(k, v)| {
                            let l = loc_of(file, &v.referenced);
                            (k.clone(), self.template(&l, &v.value))
                        })
                        .collect(),
                    locks: locks(&def.locks),
                    reuse_while_shared: def.reuse.is_some(),
                    batch: def.batch.as_ref().map(|b| self.fixture_batch(file, b)),
                    loc: floc,
                };
                (name, fixture)
            })
            .collect();
        let redactions = raw
            .redactions
            .iter()
            .map(|r| {
                let l = loc_of(file, &r.value.path.referenced);
                if !r.value.path.value.starts_with('/') {
                    self.err(
                        &l,
                        format!(
                            "redaction path `{}` is not a JSON pointer (starts with `/`)",
                            r.value.path.value
                        ),
                    );
                }
                Redaction {
                    path: r.value.path.value.clone(),
                    placeholder: r.value.placeholder.clone(),
                    loc: l,
                }
            })
            .collect();
        self.profile_names = profiles.keys().cloned().collect();
        self.feature_names = features.keys().cloned().collect();
        let group_types: Vec<String> = raw.group_types.iter().map(|g| g.value.clone()).collect();
        let common_errors = self.errors_decl(file, raw.common_errors);
        let cases = raw.cases.iter().map(|c| self.case(file, c)).collect();
        let ranges = self.ranges(file, &raw.ranges);
        let expiry = raw_auth.expiry.as_ref().map(|e| self.expiry(file, e));
        let _ = auth_loc;
        Service {
            name: raw.service.value,
            base_path: raw.base_path.value.trim_matches('/').to_owned(),
            auth: AuthScheme {
                scheme: raw_auth.scheme.value,
                method: raw_auth.method,
                query,
                secret_params,
                expiry,
            },
            envelope,
            group_types,
            default_profile,
            profiles,
            common_errors,
            retryable_codes: raw.retryable_codes.iter().map(|c| c.value).collect(),
            features,
            costs,
            fixtures,
            ranges,
            redactions,
            cases,
            loc,
        }
    }

    fn errors_decl(
        &mut self,
        file: &Arc<SpecFile>,
        raw: IndexMap<i64, S<RawErrorDecl>>,
    ) -> IndexMap<i64, ErrorDecl> {
        raw.into_iter()
            .map(|(code, d)| {
                let l = loc_of(file, &d.referenced);
                if d.value.meaning.trim().is_empty() {
                    self.err(&l, format!("error {code} has an empty `meaning`"));
                }
                if d.value
                    .untriggerable
                    .as_deref()
                    .is_some_and(|r| r.trim().is_empty())
                {
                    self.err(
                        &l,
                        format!("error {code} is `untriggerable` without a reason"),
                    );
                }
                (
                    code,
                    ErrorDecl {
                        code,
                        meaning: d.value.meaning,
                        untriggerable: d.value.untriggerable,
                        loc: l,
                    },
                )
            })
            .collect()
    }

    fn schema_ref(&mut self, file: &Arc<SpecFile>, raw: &S<Value>) -> SchemaRef {
        let loc = loc_of(file, &raw.referenced);
        let base_uri = file_uri(&self.source.uri_path(file));
        let mut schema = raw.value.clone();
        if !schema.is_object() && !schema.is_boolean() {
            self.err(
                &loc,
                "a schema must be an object (inline JSON Schema or `{$ref: FILE}`)",
            );
            return SchemaRef {
                schema: Value::Bool(true),
                base_uri,
                loc,
            };
        }
        self.absolutize_refs(&loc, &base_uri, &mut schema);
        SchemaRef {
            schema,
            base_uri,
            loc,
        }
    }

    /// Rewrites relative file `$ref`s into absolute `file://` URIs and checks that each file
    /// is one of the loaded schema documents.
    fn absolutize_refs(&mut self, loc: &Loc, base_uri: &str, value: &mut Value) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get_mut("$ref")
                    && !r.starts_with('#')
                {
                    let (file_part, fragment) = match r.split_once('#') {
                        Some((f, frag)) => (f.to_owned(), format!("#{frag}")),
                        None => (r.clone(), String::new()),
                    };
                    let base_dir = Path::new(base_uri.trim_start_matches("file://"))
                        .parent()
                        .map(Path::to_path_buf);
                    let target = match base_dir {
                        Some(dir) if !file_part.contains("://") => file_uri(&dir.join(&file_part)),
                        _ => file_part.clone(),
                    };
                    if !self.schema_documents.contains_key(&target) {
                        let shown = target
                            .strip_prefix(&format!("{}/", self.root_uri))
                            .unwrap_or(target.trim_start_matches("file://"));
                        self.err(
                            loc,
                            format!(
                                "`$ref: {r}` does not resolve: there is no schema file {shown}"
                            ),
                        );
                    }
                    *r = format!("{target}{fragment}");
                }
                for v in map.values_mut() {
                    self.absolutize_refs(loc, base_uri, v);
                }
            }
            Value::Array(items) => items
                .iter_mut()
                .for_each(|v| self.absolutize_refs(loc, base_uri, v)),
            _ => {}
        }
    }

    fn endpoint(&mut self, file: &Arc<SpecFile>, raw: RawEndpoint) -> Endpoint {
        let loc = loc_of(file, &raw.endpoint.referenced);
        let group_types = raw.group_types.as_ref().map(|g| {
            let gl = loc_of(file, &g.referenced);
            GroupTypeSupport {
                supported: g.value.supported.iter().map(|s| s.value.clone()).collect(),
                unsupported_code: g.value.unsupported_code.value,
                probe: g.value.probe.as_ref().map(|p| self.case_template(file, p)),
                loc: gl,
            }
        });
        let profiles = raw
            .profiles
            .iter()
            .map(|(name, o)| {
                let over = EndpointOverride {
                    path: o
                        .value
                        .path
                        .as_ref()
                        .map(|p| p.value.trim_matches('/').to_owned()),
                    group_types: o
                        .value
                        .group_types
                        .as_ref()
                        .map(|g| g.iter().map(|s| s.value.clone()).collect()),
                    absent: o.value.absent.as_ref().map(|a| a.value.clone()),
                };
                if let Some(a) = &o.value.absent
                    && a.value.trim().is_empty()
                {
                    self.err(
                        &loc_of(file, &a.referenced),
                        format!("`absent` under profile `{name}` needs a reason"),
                    );
                }
                (name.clone(), over)
            })
            .collect();
        let limits = raw
            .limits
            .iter()
            .map(|(name, l)| {
                let ll = loc_of(file, &l.referenced);
                let unit = match l.value.unit.value.as_str() {
                    "bytes" => Some(LimitUnit::Bytes),
                    "count" => Some(LimitUnit::Count),
                    other => {
                        self.err(
                            &loc_of(file, &l.value.unit.referenced),
                            format!("unknown limit unit `{other}` (expected `bytes` or `count`)"),
                        );
                        None
                    }
                };
                let mut encodings = Vec::new();
                for e in &l.value.encodings {
                    match e.value.as_str() {
                        "ascii" => encodings.push(Encoding::Ascii),
                        "multibyte" => encodings.push(Encoding::Multibyte),
                        other => self.err(
                            &loc_of(file, &e.referenced),
                            format!("unknown encoding `{other}` (expected `ascii` or `multibyte`)"),
                        ),
                    }
                }
                if !encodings.is_empty() && unit == Some(LimitUnit::Count) {
                    self.err(
                        &ll,
                        format!("limit `{name}` counts items, so `encodings` do not apply"),
                    );
                }
                if encodings.is_empty() {
                    encodings.push(Encoding::Ascii);
                }
                let code = self.generated_codes(file, &l.value.code);
                let limit = Limit {
                    name: name.clone(),
                    description: l.value.description.clone(),
                    max: l.value.max,
                    unit: unit.unwrap_or(LimitUnit::Bytes),
                    min_code: l
                        .value
                        .min_code
                        .as_ref()
                        .map_or_else(|| code.clone(), |c| self.generated_codes(file, c)),
                    code,
                    probe: l.value.probe.as_ref().map(|p| self.case_template(file, p)),
                    encodings,
                    min: self.limit_min(file, name, &l.value),
                    read_back: l
                        .value
                        .read_back
                        .iter()
                        .map(|s| self.step(file, s))
                        .collect(),
                    untriggerable: self.untriggerable(file, &l.value.untriggerable, &LIMIT_SIDES),
                    loc: ll,
                };
                (name.clone(), limit)
            })
            .collect();
        let write_limits = raw
            .write_limits
            .iter()
            .map(|w| {
                let wl = loc_of(file, &w.referenced);
                if !w.value.key.value.starts_with('/') {
                    self.err(
                        &loc_of(file, &w.value.key.referenced),
                        format!(
                            "write limit key `{}` is not a JSON pointer (starts with `/`)",
                            w.value.key.value
                        ),
                    );
                }
                WriteLimit {
                    bucket: w.value.bucket.clone(),
                    key: w.value.key.value.clone(),
                    per_second: w.value.per_second,
                    code: self.generated_codes(file, &w.value.code),
                    probe: w.value.probe.as_ref().map(|p| self.case_template(file, p)),
                    counted: self.templates(file, &w.value.counted),
                    not_counted: self.templates(file, &w.value.not_counted),
                    loc: wl,
                }
            })
            .collect();
        let ranges = self.ranges(file, &raw.ranges);
        let errors = self.errors_decl(file, raw.errors);
        let cases = raw.cases.iter().map(|c| self.case(file, c)).collect();
        Endpoint {
            name: raw.endpoint.value,
            summary: raw.summary,
            path: raw.path.value.trim_matches('/').to_owned(),
            aliases: raw
                .aliases
                .iter()
                .map(|a| a.value.trim_matches('/').to_owned())
                .collect(),
            rate_limit: raw.rate_limit.map(|r| r.value),
            write_limits,
            group_types,
            profiles,
            request_schema: self.schema_ref(file, &raw.request_schema),
            response_schema: self.schema_ref(file, &raw.response_schema),
            limits,
            ranges,
            errors,
            cases,
            file: file.clone(),
            loc,
        }
    }

    pub(super) fn case_template(
        &mut self,
        file: &Arc<SpecFile>,
        raw: &S<RawCaseTemplate>,
    ) -> CaseTemplate {
        let loc = loc_of(file, &raw.referenced);
        if raw.value.steps.is_empty() {
            self.err(&loc, "a probe needs at least one step");
        }
        CaseTemplate {
            description: raw.value.description.clone(),
            tags: raw.value.tags.clone(),
            fixtures: self.fixture_uses(file, &raw.value.fixtures),
            steps: raw.value.steps.iter().map(|s| self.step(file, s)).collect(),
            teardown: raw
                .value
                .teardown
                .iter()
                .map(|s| self.step(file, s))
                .collect(),
            locks: locks(&raw.value.locks),
            costs: self.costs(file, &raw.value.costs, "a probe"),
            loc,
        }
    }

    /// The codes a generated case expects past a limit: `any` would assert nothing there.
    pub(super) fn generated_codes(&mut self, file: &Arc<SpecFile>, raw: &S<RawCodes>) -> CodeSet {
        if let RawCodes::Word(w) = &raw.value {
            self.err(
                &loc_of(file, &raw.referenced),
                format!("`code: {w}`: a generated case needs a code or a list of codes"),
            );
        }
        CodeSet(raw.value.to_vec())
    }

    /// A `costs:` list, each name checked against the service's `costs:`.
    fn costs(&mut self, file: &Arc<SpecFile>, items: &[S<String>], what: &str) -> Vec<String> {
        for c in items {
            if !self.cost_names.contains(&c.value) {
                let hint = did_you_mean(&c.value, self.cost_names.iter().map(String::as_str));
                self.err(
                    &loc_of(file, &c.referenced),
                    format!(
                        "{what} declares unknown cost `{}`{hint}; the service declares {}",
                        c.value,
                        list_names(self.cost_names.iter().map(String::as_str))
                    ),
                );
            }
        }
        self.strings(file, items)
    }

    fn fixture_uses(
        &mut self,
        file: &Arc<SpecFile>,
        raw: &IndexMap<String, S<RawFixtureUse>>,
    ) -> IndexMap<String, FixtureUse> {
        raw.iter()
            .map(|(name, u)| {
                let l = loc_of(file, &u.referenced);
                let with = u
                    .value
                    .with
                    .iter()
                    .map(|(k, v)| (k.clone(), self.template(&l, v)))
                    .collect();
                (
                    name.clone(),
                    FixtureUse {
                        fixture: u.value.fixture.value.clone(),
                        with,
                        loc: l,
                    },
                )
            })
            .collect()
    }

    fn case(&mut self, file: &Arc<SpecFile>, raw: &S<RawCase>) -> CaseDef {
        let c = &raw.value;
        let loc = loc_of(file, &c.name.referenced);
        if c.steps.is_empty() {
            self.err(&loc, format!("case `{}` has no steps", c.name.value));
        }
        if c.name.value.is_empty()
            || c.name.value.contains(char::is_whitespace)
            || c.name.value.contains("::")
        {
            self.err(
                &loc,
                format!(
                    "case name `{}` must be non-empty, without spaces or `::`",
                    c.name.value
                ),
            );
        }
        for p in &c.profiles {
            if !self.profile_names.contains(&p.value) {
                let hint = did_you_mean(&p.value, self.profile_names.iter().map(String::as_str));
                self.err(
                    &loc_of(file, &p.referenced),
                    format!(
                        "case `{}` names unknown profile `{}`{hint}",
                        c.name.value, p.value
                    ),
                );
            }
        }
        for f in &c.requires {
            if !self.feature_names.contains(&f.value) {
                let hint = did_you_mean(&f.value, self.feature_names.iter().map(String::as_str));
                self.err(
                    &loc_of(file, &f.referenced),
                    format!(
                        "case `{}` requires unknown feature `{}`{hint}",
                        c.name.value, f.value
                    ),
                );
            }
        }
        CaseDef {
            name: c.name.value.clone(),
            description: c.description.clone(),
            tags: c.tags.clone(),
            profiles: self.strings(file, &c.profiles),
            requires: self.strings(file, &c.requires),
            locks: locks(&c.locks),
            costs: self.costs(file, &c.costs, &format!("case `{}`", c.name.value)),
            vars: c.vars.clone(),
            fixtures: self.fixture_uses(file, &c.fixtures),
            steps: c.steps.iter().map(|s| self.step(file, s)).collect(),
            teardown: c.teardown.iter().map(|s| self.step(file, s)).collect(),
            loc,
        }
    }

    fn fixture_batch(&mut self, file: &Arc<SpecFile>, raw: &S<RawFixtureBatch>) -> FixtureBatch {
        let loc = loc_of(file, &raw.referenced);
        if raw.value.max.value == 0 {
            self.err(
                &loc_of(file, &raw.value.max.referenced),
                "a batch takes at least one instance (`max: 1` or more)",
            );
        }
        FixtureBatch {
            max: raw.value.max.value.max(1) as usize,
            setup: raw.value.setup.as_ref().map(|b| self.batch_step(file, b)),
            teardown: raw
                .value
                .teardown
                .as_ref()
                .map(|b| self.batch_step(file, b)),
            loc,
        }
    }

    fn batch_step(&mut self, file: &Arc<SpecFile>, raw: &S<RawBatchStep>) -> BatchStep {
        let loc = loc_of(file, &raw.referenced);
        let b = &raw.value;
        let step = self.step(file, &b.step);
        let list_loc = loc_of(file, &b.list.referenced);
        let list_field = match b.list.value.strip_prefix('/') {
            Some(f) if !f.is_empty() && !f.contains('/') => f.to_owned(),
            _ => {
                self.err(&list_loc, format!("`list` is a one-segment JSON pointer into the body, such as `/Accounts`; found {:?}", b.list.value));
                String::new()
            }
        };
        if step.raw_body.is_some()
            || !matches!(
                step.body,
                None | Some(Template::Object(_)) | Some(Template::Literal(Value::Object(_)))
            )
        {
            self.err(
                &list_loc,
                "a batch step's body is a JSON object (the list is put into it)",
            );
        }
        let item = self.template(&loc_of(file, &b.item.referenced), &b.item.value);
        BatchStep {
            step,
            list_field,
            item,
            failed: b.failed.as_ref().map(|f| f.value.clone()),
            loc,
        }
    }

    pub(super) fn step(&mut self, file: &Arc<SpecFile>, raw: &S<RawStep>) -> Step {
        let s = &raw.value;
        let loc = loc_of(file, &s.call.referenced);
        if s.body.is_some() && s.raw_body.is_some() {
            self.err(&loc, "a step has either `body` or `raw_body`, not both");
        }
        let body = s.body.as_ref().map(|b| {
            let l = loc_of(file, &b.referenced);
            self.template(&l, &b.value)
        });
        let query = s
            .query
            .iter()
            .map(|(k, v)| (k.clone(), v.as_ref().map(|v| self.template(&loc, v))))
            .collect();
        let usersig = match &s.usersig {
            None => SigOverride::default(),
            Some(o) => {
                let l = loc_of(file, &o.referenced);
                let o = &o.value;
                SigOverride {
                    identifier: o.identifier.as_ref().map(|v| self.template(&l, v)),
                    key: o.key.clone(),
                    sdkappid: o.sdkappid,
                    age_secs: o.age_secs,
                    expire_secs: o.expire_secs,
                    literal: o.literal.clone(),
                }
            }
        };
        let expect = match &s.expect {
            None => Expect {
                http_status: None,
                code: None,
                any_code: false,
                schema: true,
                paths: Vec::new(),
                snapshot: None,
                loc: loc.clone(),
            },
            Some(e) => self.expect(file, e),
        };
        let capture = s
            .capture
            .iter()
            .map(|(k, v)| {
                let pointers = match &v.value {
                    RawCapture::One(p) => vec![p.clone()],
                    RawCapture::FirstOf(ps) => ps.clone(),
                };
                if pointers.is_empty() {
                    self.err(
                        &loc_of(file, &v.referenced),
                        format!("capture `{k}` lists no JSON pointer"),
                    );
                }
                for p in &pointers {
                    if !p.starts_with('/') && !p.is_empty() {
                        self.err(
                            &loc_of(file, &v.referenced),
                            format!("capture `{k}`: `{p}` is not a JSON pointer"),
                        );
                    }
                }
                (k.clone(), pointers)
            })
            .collect();
        Step {
            call: s.call.value.clone(),
            body,
            raw_body: s.raw_body.clone(),
            query,
            usersig,
            expect,
            capture,
            burst: s.burst,
            loc,
        }
    }

    fn expect(&mut self, file: &Arc<SpecFile>, raw: &S<RawExpect>) -> Expect {
        let loc = loc_of(file, &raw.referenced);
        let e = &raw.value;
        let paths = e
            .paths
            .iter()
            .map(|p| {
                let l = loc_of(file, &p.referenced);
                let matcher = self.matcher(&l, &p.value);
                if !p.value.path.value.starts_with('/') && !p.value.path.value.is_empty() {
                    self.err(
                        &l,
                        format!(
                            "path `{}` is not a JSON pointer (starts with `/`)",
                            p.value.path.value
                        ),
                    );
                }
                PathCheck {
                    path: p.value.path.value.clone(),
                    matcher,
                    loc: l,
                }
            })
            .collect();
        let snapshot = e.snapshot.as_ref().map(|s| {
            let l = loc_of(file, &s.referenced);
            let (name, sort) = match &s.value {
                RawSnapshot::Name(n) => (n.clone(), Vec::new()),
                RawSnapshot::Full { name, sort } => (name.clone(), sort.clone()),
            };
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            {
                self.err(
                    &l,
                    format!(
                        "snapshot name `{name}` may use only letters, digits, `.`, `_` and `-`"
                    ),
                );
            }
            SnapshotSpec { name, sort, loc: l }
        });
        let any_code = match e.code.as_ref().map(|c| &c.value) {
            Some(RawCodes::Word(w)) if w == "any" => true,
            Some(RawCodes::Word(w)) => {
                let l = loc_of(file, &e.code.as_ref().expect("matched").referenced);
                self.err(
                    &l,
                    format!("`code: {w}`: expected a code, a list of codes, or `any`"),
                );
                false
            }
            _ => false,
        };
        Expect {
            http_status: e.http_status,
            code: e
                .code
                .as_ref()
                .filter(|_| !any_code)
                .map(|c| CodeSet(c.value.to_vec())),
            any_code,
            schema: e.schema,
            paths,
            snapshot,
            loc,
        }
    }

    fn matcher(&mut self, loc: &Loc, p: &RawPathCheck) -> Matcher {
        let mut found = Vec::new();
        if let Some(v) = &p.equals {
            found.push(Matcher::Equals(self.template(loc, v)));
        }
        if let Some(vs) = &p.unordered {
            found.push(Matcher::Unordered(
                vs.iter().map(|v| self.template(loc, v)).collect(),
            ));
        }
        if let Some(v) = &p.includes {
            found.push(Matcher::Includes(self.template(loc, v)));
        }
        if let Some(v) = &p.excludes {
            found.push(Matcher::Excludes(self.template(loc, v)));
        }
        if let Some(b) = p.exists {
            found.push(Matcher::Exists(b));
        }
        if let Some(b) = p.empty_or_absent {
            if !b {
                self.err(
                    loc,
                    "`empty_or_absent: false` asserts nothing; use `exists: true` or `length`",
                );
            }
            found.push(Matcher::EmptyOrAbsent);
        }
        if let Some(n) = p.length {
            found.push(Matcher::Length(n));
        }
        if let Some(vs) = &p.one_of {
            found.push(Matcher::OneOf(
                vs.iter().map(|v| self.template(loc, v)).collect(),
            ));
        }
        match found.len() {
            1 => found.pop().expect("one matcher"),
            0 => {
                self.err(
                    loc,
                    format!(
                        "path check `{}` has no matcher (expected one of equals, unordered, includes, excludes, exists, empty_or_absent, length, one_of)",
                        p.path.value
                    ),
                );
                Matcher::Exists(true)
            }
            _ => {
                self.err(
                    loc,
                    format!(
                        "path check `{}` has more than one matcher; write one check per matcher",
                        p.path.value
                    ),
                );
                found.swap_remove(0)
            }
        }
    }
}

/// Names close to `name` among `known`, for "did you mean" hints.
pub(crate) fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let mut best: Option<(usize, &str)> = None;
    for k in known {
        let d = edit_distance(name, k);
        if d <= (name.len().max(3) / 3).max(2) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Known names joined for messages: `a`, `b`, `c`.
pub(crate) fn list_names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let set: BTreeSet<&str> = names.into_iter().collect();
    set.into_iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `locks:` list: a bare name is held exclusively; a name listed twice is held in the
/// stronger mode.
fn locks(items: &[S<RawLock>]) -> Vec<Lock> {
    let mut out: Vec<Lock> = Vec::new();
    for item in items {
        let lock = match &item.value {
            RawLock::Exclusive(name) => Lock::exclusive(name.clone()),
            RawLock::Mode(m) => Lock {
                name: m.name.clone(),
                exclusive: m.mode == LockMode::Exclusive,
            },
        };
        match out.iter_mut().find(|l| l.name == lock.name) {
            Some(held) => held.exclusive |= lock.exclusive,
            None => out.push(lock),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_suggests_close_names() {
        assert_eq!(
            did_you_mean("modfy_group_attr", ["modify_group_attr", "get_group_attr"]),
            " (did you mean `modify_group_attr`?)"
        );
        assert_eq!(did_you_mean("zzz", ["modify_group_attr"]), "");
    }

    #[test]
    fn bad_scalars_name_their_key_and_what_was_written() {
        let text = "a: 1\nlimits: {per_second: five, x: 1}\n";
        let (line, column, message) = explain_parse_error(text, 2, 22, "invalid u32".into());
        assert_eq!((line, column), (2, 22));
        assert_eq!(
            message,
            "`per_second` must be a non-negative integer, found `five`"
        );
    }

    #[test]
    fn a_missing_top_level_field_points_at_the_top_of_the_file() {
        let text = "endpoint: x\nerrors: {}\n";
        let (line, column, message) =
            explain_parse_error(text, 3, 1, "missing field `path`".into());
        assert_eq!((line, column), (1, 1));
        assert_eq!(message, "the file lacks the required field `path`");
    }

    #[test]
    fn problems_in_the_built_in_contract_say_so() {
        let inner = LoadError::Invalid(vec![SpecError {
            loc: Loc {
                file: SpecFile::new("specs/endpoints/x.yaml"),
                line: 12,
                column: 3,
            },
            message: "bad".into(),
        }]);
        let e = LoadError::Embedded(Box::new(inner));
        assert_eq!(
            e.to_string(),
            format!(
                "specs/endpoints/x.yaml:12:3: bad\n(in the contract built into imconform {}: `imconform export contract DIR` writes these files out)",
                crate::contract::VERSION
            )
        );
        assert_eq!(e.spec_errors().len(), 1);
    }

    #[test]
    fn strip_position_drops_the_trailing_location() {
        assert_eq!(
            strip_position("invalid u32 at line 3, column 4"),
            "invalid u32"
        );
    }
}
