//! The resolved contract: what the runner, checks, coverage and exporters read.
//! Every node that a user wrote carries its `Loc`, so any later failure can point at the spec.

use std::fmt;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use super::template::Template;

/// Where a node was written: `file:line:column`, 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Loc {
    pub file: Arc<SpecFile>,
    pub line: u32,
    pub column: u32,
}

impl Loc {
    /// `file:line:column`. Every step and case report holds one, so it is built without the
    /// formatting machinery, at its final size.
    pub fn text(&self) -> String {
        let (mut line, mut column) = (itoa::Buffer::new(), itoa::Buffer::new());
        let (line, column) = (line.format(self.line), column.format(self.column));
        let file = self.file.text();
        let mut text = String::with_capacity(file.len() + line.len() + column.len() + 2);
        text.push_str(file);
        text.push(':');
        text.push_str(line);
        text.push(':');
        text.push_str(column);
        text
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.text(), self.line, self.column)
    }
}

/// The path of a spec file, and its text as reports show it, made once for the whole file.
#[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpecFile {
    path: PathBuf,
    text: String,
}

impl SpecFile {
    pub fn new(path: impl Into<PathBuf>) -> Arc<SpecFile> {
        let path = path.into();
        let text = path.display().to_string();
        Arc::new(SpecFile { path, text })
    }

    /// The path as text (lossy where it is not UTF-8).
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl Deref for SpecFile {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

/// The whole contract: one service file and its endpoints.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The path the spec files' `file://` URIs are made from (`ContractSource::uri_root`).
    pub root: PathBuf,
    /// Where the spec files were read from.
    pub source: crate::contract::ContractSource,
    pub service: Service,
    pub endpoints: IndexMap<String, Endpoint>,
    /// Every JSON Schema document the specs use, keyed by its absolute `file://` URI.
    pub schema_documents: IndexMap<String, Value>,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub base_path: String,
    pub auth: AuthScheme,
    pub envelope: Envelope,
    pub group_types: Vec<String>,
    pub default_profile: String,
    pub profiles: IndexMap<String, Profile>,
    pub common_errors: IndexMap<i64, ErrorDecl>,
    /// Codes that mean "try again": the runner retries these (bounded), and nothing else.
    pub retryable_codes: Vec<i64>,
    pub features: IndexMap<String, Feature>,
    /// What cases may spend on a real target; a run skips the ones it does not allow.
    pub costs: IndexMap<String, Cost>,
    pub fixtures: IndexMap<String, FixtureDef>,
    /// Documented ranges every call is subject to (a query parameter's values).
    pub ranges: IndexMap<String, Range>,
    /// Response values that change from run to run, replaced in snapshots.
    pub redactions: Vec<Redaction>,
    /// Cases that belong to the service rather than one endpoint (auth, envelope).
    pub cases: Vec<CaseDef>,
    pub loc: Loc,
}

/// How every request is authenticated: query parameters built from templates.
#[derive(Debug, Clone)]
pub struct AuthScheme {
    pub scheme: String,
    pub method: String,
    /// In order; values may use `${auth.sdkappid}`, `${auth.identifier}`, `${auth.usersig}`,
    /// `${auth.random}`.
    pub query: Vec<(String, Template)>,
    /// Parameters whose values are secrets: redacted in every output.
    pub secret_params: Vec<String>,
    /// When a signature stops being valid; generates the cases just before and just after.
    pub expiry: Option<SigExpiry>,
}

/// A signature is valid until `time + expire`; `probe` is sent with a sig that expires
/// `before_secs` after it is sent (accepted) and one that expired `after_secs` before (`code`).
/// Both are issued `issued_secs_ago`, so a target whose clock runs behind does not see a sig
/// from its future.
#[derive(Debug, Clone)]
pub struct SigExpiry {
    pub description: String,
    pub code: CodeSet,
    pub before_secs: u64,
    pub after_secs: u64,
    pub issued_secs_ago: u64,
    pub probe: Option<CaseTemplate>,
    pub loc: Loc,
}

impl Service {
    /// Where `endpoint` is under `profile`, below the base URL: `v4/group_open_http_svc/x`.
    pub fn endpoint_path(&self, endpoint: &Endpoint, profile: &str) -> String {
        let parts = [self.base_path.as_str(), endpoint.path_for(profile)];
        let parts: Vec<&str> = parts
            .iter()
            .map(|p| p.trim_matches('/'))
            .filter(|p| !p.is_empty())
            .collect();
        parts.join("/")
    }

    /// The query parameters a step sends and the template of each, in order: the auth
    /// parameters (a step may override one, or drop it with `null`), then the step's extra
    /// parameters. Callers render them: the runner with real `auth.*` values, an exporter with
    /// placeholders.
    pub fn step_query<'a>(
        &'a self,
        step: &'a Step,
    ) -> impl Iterator<Item = (&'a str, &'a Template)> + 'a {
        // Most steps override nothing: no lookup per parameter then.
        let overrides = (!step.query.is_empty()).then_some(&step.query);
        let auth = self.auth.query.iter().filter_map(move |(name, template)| {
            match overrides.and_then(|o| o.get(name)) {
                Some(None) => None,
                Some(Some(over)) => Some((name.as_str(), over)),
                None => Some((name.as_str(), template)),
            }
        });
        let extra = step
            .query
            .iter()
            .filter_map(move |(name, over)| match over {
                Some(t) if !self.auth.query.iter().any(|(n, _)| n == name) => {
                    Some((name.as_str(), t))
                }
                _ => None,
            });
        auth.chain(extra)
    }
}

#[derive(Debug, Clone)]
pub struct Envelope {
    pub http_status: u16,
    pub status_field: String,
    pub code_field: String,
    pub info_field: String,
    pub ok_status: String,
    pub fail_status: String,
    pub success_code: i64,
    /// The media type every response must declare, if the service documents one.
    pub content_type: Option<String>,
    pub schema: SchemaRef,
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct Feature {
    pub name: String,
    pub description: String,
    /// Codes by which a target says the feature is not enabled for the app.
    pub not_enabled_codes: Vec<i64>,
    pub loc: Loc,
}

/// Something a case spends on a real target that a run must allow explicitly: a daily quota,
/// or state the app keeps for good.
#[derive(Debug, Clone)]
pub struct Cost {
    pub name: String,
    pub description: String,
    /// What one call of a `spent_by` endpoint spends (`push call`); `call` when not given.
    pub unit: String,
    /// Endpoints each call of which spends one unit; a case calling one must declare the cost.
    pub spent_by: Vec<String>,
    /// The documented daily allowance, by edition, in units.
    pub per_day: IndexMap<String, u64>,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct ErrorDecl {
    pub code: i64,
    pub meaning: String,
    /// Why no case can provoke this code from outside, if none can.
    pub untriggerable: Option<String>,
    pub loc: Loc,
}

/// A value that differs between runs: every value at `path` becomes `placeholder`.
#[derive(Debug, Clone)]
pub struct Redaction {
    /// A JSON pointer in which a `*` segment matches every array index or object key.
    pub path: String,
    pub placeholder: String,
    pub loc: Loc,
}

/// A reusable setup/teardown pair that cases name in `fixtures:`.
#[derive(Debug, Clone)]
pub struct FixtureDef {
    pub name: String,
    pub description: String,
    /// Parameters and their defaults (None: required).
    pub params: IndexMap<String, Option<Value>>,
    pub setup: Vec<Step>,
    pub teardown: Vec<Step>,
    /// What a case sees as `${fixture_name.export}`.
    pub exports: IndexMap<String, Template>,
    /// App-wide state the fixture touches: cases using it hold these locks.
    pub locks: Vec<Lock>,
    /// Made once and kept for later cases that hold its locks shared (`reuse: while_shared`):
    /// the state it sets stands until a case holds one of its locks exclusively.
    pub reuse_while_shared: bool,
    /// Many instances made or removed in one call (`batch:`), in a whole run.
    pub batch: Option<FixtureBatch>,
    pub loc: Loc,
}

/// A fixture's batch form: one call makes (or removes) up to `max` instances.
#[derive(Debug, Clone)]
pub struct FixtureBatch {
    pub max: usize,
    pub setup: Option<BatchStep>,
    pub teardown: Option<BatchStep>,
    pub loc: Loc,
}

/// A step whose body carries one entry per instance.
#[derive(Debug, Clone)]
pub struct BatchStep {
    pub step: Step,
    /// The body field the list goes in (from a one-segment pointer).
    pub list_field: String,
    /// One instance's entry, over the instance's variables.
    pub item: Template,
    /// The pointer at which the answer lists failed entries.
    pub failed: Option<String>,
    pub loc: Loc,
}

/// App-wide state a case holds while it runs. Exclusive holders of a name overlap no other
/// holder of it; shared holders overlap one another (cases that only need the state as it
/// stands, not to change it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lock {
    pub name: String,
    pub exclusive: bool,
}

impl Lock {
    pub fn exclusive(name: impl Into<String>) -> Self {
        Lock {
            name: name.into(),
            exclusive: true,
        }
    }

    pub fn shared(name: impl Into<String>) -> Self {
        Lock {
            name: name.into(),
            exclusive: false,
        }
    }
}

/// A JSON Schema: inline, or a `$ref` to a file under specs/.
#[derive(Debug, Clone)]
pub struct SchemaRef {
    /// The schema to compile; a `$ref` is kept as `{"$ref": "file://..."}`.
    pub schema: Value,
    /// The base URI of the file the schema sits in, for relative refs inside inline schemas.
    pub base_uri: String,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub name: String,
    pub summary: String,
    pub path: String,
    /// Other paths real clients use for the same command (served by lenient targets).
    pub aliases: Vec<String>,
    /// Documented calls per second for this API, if any.
    pub rate_limit: Option<u32>,
    pub write_limits: Vec<WriteLimit>,
    pub group_types: Option<GroupTypeSupport>,
    pub profiles: IndexMap<String, EndpointOverride>,
    pub request_schema: SchemaRef,
    pub response_schema: SchemaRef,
    pub limits: IndexMap<String, Limit>,
    pub ranges: IndexMap<String, Range>,
    pub errors: IndexMap<i64, ErrorDecl>,
    pub cases: Vec<CaseDef>,
    pub file: Arc<SpecFile>,
    pub loc: Loc,
}

impl Endpoint {
    /// Why the endpoint does not exist under `profile`, if it does not.
    pub fn absent_under(&self, profile: &str) -> Option<&str> {
        self.profiles.get(profile)?.absent.as_deref()
    }

    /// The path this endpoint is called at under `profile`.
    pub fn path_for(&self, profile: &str) -> &str {
        self.profiles
            .get(profile)
            .and_then(|o| o.path.as_deref())
            .unwrap_or(&self.path)
    }

    /// The group types this endpoint supports under `profile`, if it is about groups at all.
    pub fn supported_group_types(&self, profile: &str) -> Option<&[String]> {
        let support = self.group_types.as_ref()?;
        Some(
            self.profiles
                .get(profile)
                .and_then(|o| o.group_types.as_deref())
                .unwrap_or(&support.supported),
        )
    }
}

/// What a named doc revision changes for one endpoint.
#[derive(Debug, Clone, Default)]
pub struct EndpointOverride {
    pub path: Option<String>,
    pub group_types: Option<Vec<String>>,
    /// The endpoint does not exist under the profile: why (its cases are not planned there).
    pub absent: Option<String>,
}

/// Which group types an endpoint supports, and the case that probes each type.
#[derive(Debug, Clone)]
pub struct GroupTypeSupport {
    pub supported: Vec<String>,
    pub unsupported_code: i64,
    /// Run once per group type with `${group_type}` set; its last step expects success for a
    /// supported type and `unsupported_code` otherwise.
    pub probe: Option<CaseTemplate>,
    pub loc: Loc,
}

/// A documented limit; `probe` generates the cases at and just past it.
#[derive(Debug, Clone)]
pub struct Limit {
    pub name: String,
    pub description: String,
    pub max: u64,
    pub unit: LimitUnit,
    pub code: CodeSet,
    /// Run with `${n}` set to the size under test (and `${fill}` to the character used);
    /// its last step expects success at `max` and `code` at `max + 1`.
    pub probe: Option<CaseTemplate>,
    pub encodings: Vec<Encoding>,
    /// The smallest allowed size, if the docs give one: generates the case at it (accepted)
    /// and, above 0, the one just below it (`min_code`).
    pub min: Option<u64>,
    pub min_code: CodeSet,
    /// Steps run after every accepted probe: read the value back where the docs say it is
    /// stored, and check it came back unchanged.
    pub read_back: Vec<Step>,
    /// Sides that no case probes, each with the reason (`at_max`, `past_max`, `at_min`,
    /// `below_min`).
    pub untriggerable: IndexMap<String, String>,
    pub loc: Loc,
}

/// A documented range of integer values: `probe` runs with `${n}` at both ends (accepted) and
/// just outside each (`code`).
#[derive(Debug, Clone)]
pub struct Range {
    pub name: String,
    pub description: String,
    pub min: i64,
    pub max: i64,
    pub code: CodeSet,
    /// Profiles the range is documented in; empty: all.
    pub profiles: Vec<String>,
    pub probe: Option<CaseTemplate>,
    /// Sides that no case probes, each with the reason (`at_min`, `below_min`, `at_max`,
    /// `past_max`).
    pub untriggerable: IndexMap<String, String>,
    pub loc: Loc,
}

impl Range {
    pub fn applies(&self, profile: &str) -> bool {
        self.profiles.is_empty() || self.profiles.iter().any(|p| p == profile)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitUnit {
    Bytes,
    Count,
}

/// How a byte-limit probe fills a string: with ASCII, or with characters of several bytes so
/// that a target counting characters instead of UTF-8 bytes is caught.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Ascii,
    Multibyte,
}

impl Encoding {
    pub fn fill(self) -> &'static str {
        match self {
            Encoding::Ascii => "a",
            Encoding::Multibyte => "中",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Encoding::Ascii => "ascii",
            Encoding::Multibyte => "multibyte",
        }
    }
}

/// A write-rate limit shared by several endpoints, keyed by a request field.
#[derive(Debug, Clone)]
pub struct WriteLimit {
    pub bucket: String,
    /// JSON pointer into the request body whose value keys the bucket (e.g. `/GroupId`).
    pub key: String,
    pub per_second: u32,
    pub code: CodeSet,
    /// Its steps are sent `per_second` (then `per_second + 1`) times in a burst.
    pub probe: Option<CaseTemplate>,
    /// Other writes that count toward the same bucket: each entry's steps (one write each)
    /// fill the bucket with the probe's writes, and the probe's next write is refused.
    pub counted: IndexMap<String, CaseTemplate>,
    /// Calls that must not count: each entry's steps are sent `per_second` times, then the
    /// probe's write `per_second` times, and all succeed.
    pub not_counted: IndexMap<String, CaseTemplate>,
    pub loc: Loc,
}

/// One or more acceptable error codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSet(pub Vec<i64>);

impl CodeSet {
    pub fn contains(&self, code: i64) -> bool {
        self.0.contains(&code)
    }
}

impl fmt::Display for CodeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|c| c.to_string()).collect();
        if parts.len() == 1 {
            write!(f, "{}", parts[0])
        } else {
            write!(f, "one of [{}]", parts.join(", "))
        }
    }
}

/// The skeleton a generator fills in.
#[derive(Debug, Clone)]
pub struct CaseTemplate {
    pub description: String,
    pub tags: Vec<String>,
    pub fixtures: IndexMap<String, FixtureUse>,
    pub steps: Vec<Step>,
    /// Run after the generated case, after failures too (e.g. remove what an accepting
    /// target created).
    pub teardown: Vec<Step>,
    pub locks: Vec<Lock>,
    /// Costs (service `costs:`) the generated cases spend.
    pub costs: Vec<String>,
    pub loc: Loc,
}

/// A case as written in a spec file.
#[derive(Debug, Clone)]
pub struct CaseDef {
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    /// Profiles the case runs under; empty: all.
    pub profiles: Vec<String>,
    /// Optional features the case needs (skipped with a reason when the target lacks one).
    pub requires: Vec<String>,
    pub locks: Vec<Lock>,
    /// Costs (service `costs:`) the case spends on a real target.
    pub costs: Vec<String>,
    pub vars: IndexMap<String, Value>,
    pub fixtures: IndexMap<String, FixtureUse>,
    pub steps: Vec<Step>,
    pub teardown: Vec<Step>,
    pub loc: Loc,
}

/// A case's use of a fixture: `g: {use: group, with: {type: Public}}`.
#[derive(Debug, Clone)]
pub struct FixtureUse {
    pub fixture: String,
    pub with: IndexMap<String, Template>,
    pub loc: Loc,
}

/// One request and what its response must satisfy.
#[derive(Debug, Clone)]
pub struct Step {
    pub call: String,
    pub body: Option<Template>,
    /// Sent verbatim instead of `body`: for bodies that are not JSON.
    pub raw_body: Option<String>,
    /// Query parameter overrides: a template, or None to leave the parameter out.
    pub query: IndexMap<String, Option<Template>>,
    pub usersig: SigOverride,
    pub expect: Expect,
    /// `${name}` for later steps, taken from the response at the first of these JSON pointers
    /// that is present (where docs disagree on a field's name).
    pub capture: IndexMap<String, Vec<String>>,
    /// Sent without client-side pacing: for steps that set out to trip a rate limit.
    pub burst: bool,
    pub loc: Loc,
}

/// How this step's UserSig differs from a good one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SigOverride {
    /// Sign for another identifier (and send that identifier).
    pub identifier: Option<Template>,
    /// Sign with another key.
    pub key: Option<String>,
    /// Sign for another sdkappid (the query keeps the configured one).
    pub sdkappid: Option<u64>,
    /// Issue time this many seconds in the past.
    pub age_secs: Option<u64>,
    pub expire_secs: Option<u64>,
    /// Send this literal usersig.
    pub literal: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Expect {
    pub http_status: Option<u16>,
    pub code: Option<CodeSet>,
    /// `code: any`: no code is documented for the outcome, so any code passes (later steps
    /// assert the state it must leave).
    pub any_code: bool,
    /// Validate against the endpoint's response schema (on success) or the envelope schema.
    pub schema: bool,
    pub paths: Vec<PathCheck>,
    pub snapshot: Option<SnapshotSpec>,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct SnapshotSpec {
    pub name: String,
    /// Arrays (JSON pointers) whose order the docs do not promise: sorted before comparing.
    pub sort: Vec<String>,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct PathCheck {
    /// A JSON pointer into the response body.
    pub path: String,
    pub matcher: Matcher,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub enum Matcher {
    Equals(Template),
    /// The array holds exactly these elements, in any order.
    Unordered(Vec<Template>),
    /// The array holds an element that contains this value (objects match on the given keys).
    Includes(Template),
    /// The array holds no element that contains this value.
    Excludes(Template),
    Exists(bool),
    /// Absent, null, `[]` or `{}`: for shapes the docs leave open.
    EmptyOrAbsent,
    Length(usize),
    OneOf(Vec<Template>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_reads_file_line_column() {
        let loc = Loc {
            file: SpecFile::new("specs/endpoints/get_group_attr.yaml"),
            line: 42,
            column: 7,
        };
        assert_eq!(loc.text(), "specs/endpoints/get_group_attr.yaml:42:7");
        assert_eq!(loc.to_string(), loc.text());
        assert_eq!(loc.file.extension().unwrap(), "yaml");
    }
}
