//! Spec files as written: serde structs with `deny_unknown_fields` and spans. `resolve` turns
//! them into the model; nothing past `spec` sees these types.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

pub type S<T> = Spanned<T>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub service: S<String>,
    pub base_path: S<String>,
    pub auth: S<RawAuth>,
    pub envelope: S<RawEnvelope>,
    pub group_types: Vec<S<String>>,
    pub default_profile: S<String>,
    pub profiles: IndexMap<String, S<RawProfile>>,
    pub common_errors: IndexMap<i64, S<RawErrorDecl>>,
    #[serde(default)]
    pub retryable_codes: Vec<S<i64>>,
    #[serde(default)]
    pub features: IndexMap<String, S<RawFeature>>,
    #[serde(default)]
    pub fixtures: IndexMap<String, S<RawFixtureDef>>,
    /// Documented ranges of values every call takes (query parameters such as `random`).
    #[serde(default)]
    pub ranges: IndexMap<String, S<RawRange>>,
    #[serde(default)]
    pub redactions: Vec<S<RawRedaction>>,
    #[serde(default)]
    pub cases: Vec<S<RawCase>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAuth {
    pub scheme: S<String>,
    #[serde(default = "default_method")]
    pub method: String,
    pub query: IndexMap<String, S<Value>>,
    #[serde(default)]
    pub secret_params: Vec<S<String>>,
    #[serde(default)]
    pub expiry: Option<S<RawExpiry>>,
}

/// When a signature stops being valid, and the probe that shows it on both sides.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpiry {
    #[serde(default)]
    pub description: String,
    pub code: S<RawCodes>,
    pub before_secs: u64,
    pub after_secs: u64,
    #[serde(default = "default_issued_secs_ago")]
    pub issued_secs_ago: u64,
    #[serde(default)]
    pub probe: Option<S<RawCaseTemplate>>,
}

fn default_issued_secs_ago() -> u64 {
    600
}

fn default_method() -> String {
    "POST".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnvelope {
    pub http_status: u16,
    pub status_field: String,
    pub code_field: String,
    pub info_field: String,
    pub ok_status: String,
    pub fail_status: String,
    pub success_code: i64,
    #[serde(default)]
    pub content_type: Option<String>,
    pub schema: S<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawErrorDecl {
    pub meaning: String,
    #[serde(default)]
    pub untriggerable: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeature {
    pub description: String,
    pub not_enabled_codes: Vec<S<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRedaction {
    pub path: S<String>,
    pub placeholder: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFixtureDef {
    #[serde(default)]
    pub description: String,
    /// Parameter name → default value (`null`: the parameter is required).
    #[serde(default)]
    pub params: IndexMap<String, Value>,
    pub setup: Vec<S<RawStep>>,
    #[serde(default)]
    pub teardown: Vec<S<RawStep>>,
    #[serde(default)]
    pub exports: IndexMap<String, S<Value>>,
    #[serde(default)]
    pub locks: Vec<S<RawLock>>,
    /// `while_shared`: made once and kept for later cases holding its locks shared.
    #[serde(default)]
    pub reuse: Option<S<Reuse>>,
    /// The same made and removed for many instances in one call, where the API takes lists.
    #[serde(default)]
    pub batch: Option<S<RawFixtureBatch>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFixtureBatch {
    /// Most instances one call takes.
    pub max: S<u32>,
    #[serde(default)]
    pub setup: Option<S<RawBatchStep>>,
    #[serde(default)]
    pub teardown: Option<S<RawBatchStep>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBatchStep {
    /// The call, its body holding everything but the list.
    pub step: S<RawStep>,
    /// Where in the body the list goes: a one-segment JSON pointer (`/Accounts`).
    pub list: S<String>,
    /// One instance's entry in the list, over the instance's variables.
    pub item: S<Value>,
    /// Where the answer lists the entries that failed (setup only).
    #[serde(default)]
    pub failed: Option<S<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reuse {
    /// Made by the first case that holds the fixture's locks shared, and kept, with the same
    /// parameters, for every later such case, until a case holds one of its locks exclusively.
    WhileShared,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndpoint {
    pub endpoint: S<String>,
    #[serde(default)]
    pub summary: String,
    pub path: S<String>,
    #[serde(default)]
    pub aliases: Vec<S<String>>,
    #[serde(default)]
    pub rate_limit: Option<S<u32>>,
    #[serde(default)]
    pub write_limits: Vec<S<RawWriteLimit>>,
    #[serde(default)]
    pub group_types: Option<S<RawGroupTypes>>,
    #[serde(default)]
    pub profiles: IndexMap<String, S<RawEndpointOverride>>,
    pub request_schema: S<Value>,
    pub response_schema: S<Value>,
    #[serde(default)]
    pub limits: IndexMap<String, S<RawLimit>>,
    #[serde(default)]
    pub ranges: IndexMap<String, S<RawRange>>,
    pub errors: IndexMap<i64, S<RawErrorDecl>>,
    #[serde(default)]
    pub cases: Vec<S<RawCase>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndpointOverride {
    #[serde(default)]
    pub path: Option<S<String>>,
    #[serde(default)]
    pub group_types: Option<Vec<S<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGroupTypes {
    pub supported: Vec<S<String>>,
    pub unsupported_code: S<i64>,
    #[serde(default)]
    pub probe: Option<S<RawCaseTemplate>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimit {
    #[serde(default)]
    pub description: String,
    pub max: u64,
    pub unit: S<String>,
    pub code: S<RawCodes>,
    #[serde(default)]
    pub encodings: Vec<S<String>>,
    #[serde(default)]
    pub probe: Option<S<RawCaseTemplate>>,
    #[serde(default)]
    pub min: Option<S<u64>>,
    #[serde(default)]
    pub min_code: Option<S<RawCodes>>,
    #[serde(default)]
    pub read_back: Vec<S<RawStep>>,
    #[serde(default)]
    pub untriggerable: IndexMap<String, S<String>>,
}

/// A documented range of integer values (an index, an enum, a u32): both ends of it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRange {
    #[serde(default)]
    pub description: String,
    pub min: i64,
    pub max: i64,
    pub code: S<RawCodes>,
    #[serde(default)]
    pub profiles: Vec<S<String>>,
    #[serde(default)]
    pub probe: Option<S<RawCaseTemplate>>,
    #[serde(default)]
    pub untriggerable: IndexMap<String, S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWriteLimit {
    pub bucket: String,
    pub key: S<String>,
    pub per_second: u32,
    pub code: S<RawCodes>,
    #[serde(default)]
    pub probe: Option<S<RawCaseTemplate>>,
    #[serde(default)]
    pub counted: IndexMap<String, S<RawCaseTemplate>>,
    #[serde(default)]
    pub not_counted: IndexMap<String, S<RawCaseTemplate>>,
}

/// One code or a list of acceptable codes.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawCodes {
    One(i64),
    Many(Vec<i64>),
}

impl RawCodes {
    pub fn to_vec(&self) -> Vec<i64> {
        match self {
            RawCodes::One(c) => vec![*c],
            RawCodes::Many(cs) => cs.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCaseTemplate {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub fixtures: IndexMap<String, S<RawFixtureUse>>,
    pub steps: Vec<S<RawStep>>,
    #[serde(default)]
    pub teardown: Vec<S<RawStep>>,
    #[serde(default)]
    pub locks: Vec<S<RawLock>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCase {
    pub name: S<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub profiles: Vec<S<String>>,
    #[serde(default)]
    pub requires: Vec<S<String>>,
    #[serde(default)]
    pub locks: Vec<S<RawLock>>,
    #[serde(default)]
    pub vars: IndexMap<String, Value>,
    #[serde(default)]
    pub fixtures: IndexMap<String, S<RawFixtureUse>>,
    pub steps: Vec<S<RawStep>>,
    #[serde(default)]
    pub teardown: Vec<S<RawStep>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFixtureUse {
    #[serde(rename = "use")]
    pub fixture: S<String>,
    #[serde(default)]
    pub with: IndexMap<String, Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub call: S<String>,
    #[serde(default)]
    pub body: Option<S<Value>>,
    #[serde(default)]
    pub raw_body: Option<String>,
    #[serde(default)]
    pub query: IndexMap<String, Option<Value>>,
    #[serde(default)]
    pub usersig: Option<S<RawSigOverride>>,
    #[serde(default)]
    pub expect: Option<S<RawExpect>>,
    #[serde(default)]
    pub capture: IndexMap<String, S<String>>,
    #[serde(default)]
    pub burst: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSigOverride {
    #[serde(default)]
    pub identifier: Option<Value>,
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub sdkappid: Option<u64>,
    #[serde(default)]
    pub age_secs: Option<u64>,
    #[serde(default)]
    pub expire_secs: Option<u64>,
    #[serde(default)]
    pub literal: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    #[serde(default)]
    pub http_status: Option<u16>,
    #[serde(default)]
    pub code: Option<S<RawCodes>>,
    #[serde(default = "yes")]
    pub schema: bool,
    #[serde(default)]
    pub paths: Vec<S<RawPathCheck>>,
    #[serde(default)]
    pub snapshot: Option<S<RawSnapshot>>,
}

fn yes() -> bool {
    true
}

/// `snapshot: name` or `snapshot: {name: x, sort: [/GroupAttrAry]}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawSnapshot {
    Name(String),
    Full {
        name: String,
        #[serde(default)]
        sort: Vec<String>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPathCheck {
    pub path: S<String>,
    #[serde(default)]
    pub equals: Option<Value>,
    #[serde(default)]
    pub unordered: Option<Vec<Value>>,
    #[serde(default)]
    pub includes: Option<Value>,
    #[serde(default)]
    pub excludes: Option<Value>,
    #[serde(default)]
    pub exists: Option<bool>,
    #[serde(default)]
    pub empty_or_absent: Option<bool>,
    #[serde(default)]
    pub length: Option<usize>,
    #[serde(default)]
    pub one_of: Option<Vec<Value>>,
}

/// A lock a case or fixture holds: `name` (exclusive) or `{name: NAME, mode: shared}`.
#[derive(Debug)]
pub enum RawLock {
    Exclusive(String),
    Mode(RawLockMode),
}

/// By hand rather than `untagged`, so a mistake inside the map form is named (an unknown
/// mode, a missing name) instead of "did not match any variant".
impl<'de> Deserialize<'de> for RawLock {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct LockVisitor;
        impl<'de> serde::de::Visitor<'de> for LockVisitor {
            type Value = RawLock;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a lock name, or {name: NAME, mode: shared|exclusive}")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawLock, E> {
                Ok(RawLock::Exclusive(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawLock, A::Error> {
                RawLockMode::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawLock::Mode)
            }
        }
        d.deserialize_any(LockVisitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLockMode {
    pub name: String,
    pub mode: LockMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LockMode {
    /// Holders may overlap one another, but never an exclusive holder.
    Shared,
    /// The holder overlaps no other holder.
    Exclusive,
}
