//! Turns a suite into the concrete cases one profile runs: the written cases plus the ones
//! generated from declared group-type support, limits and write rates.

use indexmap::IndexMap;
use serde_json::Value;

use super::model::*;
use super::template::Template;

/// The group name of cases written in the service file.
pub const SERVICE_GROUP: &str = "service";

/// A case ready to run: its id is `group::name`.
#[derive(Debug, Clone)]
pub struct PlannedCase {
    pub id: String,
    /// The endpoint the case belongs to, or `service`.
    pub group: String,
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub requires: Vec<String>,
    /// The case's locks and those of its fixtures (a name held both ways: exclusive).
    pub locks: Vec<Lock>,
    pub vars: IndexMap<String, Value>,
    pub fixtures: IndexMap<String, FixtureUse>,
    pub steps: Vec<Step>,
    pub teardown: Vec<Step>,
    /// Made by a generator rather than written out.
    pub generated: bool,
    pub loc: Loc,
}

impl Suite {
    /// Every case that runs under `profile`, in file order, generated cases after written ones.
    pub fn plan(&self, profile: &str) -> Vec<PlannedCase> {
        let mut out = Vec::new();
        for case in &self.service.cases {
            if applies(case, profile) {
                out.push(self.written(SERVICE_GROUP, case));
            }
        }
        for endpoint in self.endpoints.values() {
            for case in &endpoint.cases {
                if applies(case, profile) {
                    out.push(self.written(&endpoint.name, case));
                }
            }
            self.group_type_cases(endpoint, profile, &mut out);
            self.limit_cases(endpoint, &mut out);
            self.write_limit_cases(endpoint, &mut out);
        }
        out
    }

    fn written(&self, group: &str, case: &CaseDef) -> PlannedCase {
        PlannedCase {
            id: format!("{group}::{}", case.name),
            group: group.to_owned(),
            name: case.name.clone(),
            description: case.description.clone(),
            tags: case.tags.clone(),
            requires: case.requires.clone(),
            locks: self.locks_of(&case.locks, &case.fixtures),
            vars: case.vars.clone(),
            fixtures: case.fixtures.clone(),
            steps: case.steps.clone(),
            teardown: case.teardown.clone(),
            generated: false,
            loc: case.loc.clone(),
        }
    }

    fn locks_of(&self, own: &[Lock], fixtures: &IndexMap<String, FixtureUse>) -> Vec<Lock> {
        let mut locks: Vec<Lock> = Vec::new();
        let fixture_locks = fixtures
            .values()
            .filter_map(|u| self.service.fixtures.get(&u.fixture))
            .flat_map(|def| &def.locks);
        for lock in own.iter().chain(fixture_locks) {
            match locks.iter_mut().find(|l| l.name == lock.name) {
                Some(held) => held.exclusive |= lock.exclusive,
                None => locks.push(lock.clone()),
            }
        }
        locks.sort();
        locks
    }

    fn generated(
        &self,
        endpoint: &Endpoint,
        name: String,
        description: String,
        template: &CaseTemplate,
        vars: IndexMap<String, Value>,
        steps: Vec<Step>,
    ) -> PlannedCase {
        let mut tags = template.tags.clone();
        tags.push("generated".into());
        PlannedCase {
            id: format!("{}::{name}", endpoint.name),
            group: endpoint.name.clone(),
            name,
            description,
            tags,
            requires: Vec::new(),
            locks: self.locks_of(&template.locks, &template.fixtures),
            vars,
            fixtures: template.fixtures.clone(),
            steps,
            teardown: Vec::new(),
            generated: true,
            loc: template.loc.clone(),
        }
    }

    fn group_type_cases(&self, endpoint: &Endpoint, profile: &str, out: &mut Vec<PlannedCase>) {
        let Some(support) = &endpoint.group_types else {
            return;
        };
        let Some(probe) = &support.probe else { return };
        let supported = endpoint.supported_group_types(profile).unwrap_or_default();
        for group_type in &self.service.group_types {
            let ok = supported.contains(group_type);
            let code = if ok {
                self.service.envelope.success_code
            } else {
                support.unsupported_code
            };
            let mut vars = IndexMap::new();
            vars.insert("group_type".to_owned(), Value::from(group_type.clone()));
            let steps = with_last_code(&probe.steps, CodeSet(vec![code]));
            let verdict = if ok { "supported" } else { "not supported" };
            let mut case = self.generated(
                endpoint,
                format!("group_type.{group_type}"),
                format!("{group_type} is {verdict} under profile {profile}: expects code {code}"),
                probe,
                vars,
                steps,
            );
            case.tags.push("group_type".into());
            out.push(case);
        }
    }

    fn limit_cases(&self, endpoint: &Endpoint, out: &mut Vec<PlannedCase>) {
        for limit in endpoint.limits.values() {
            let Some(probe) = &limit.probe else { continue };
            for encoding in &limit.encodings {
                for past in [false, true] {
                    let n = limit.max + u64::from(past);
                    let code = if past {
                        limit.code.clone()
                    } else {
                        CodeSet(vec![self.service.envelope.success_code])
                    };
                    let label = match limit.unit {
                        LimitUnit::Bytes => format!("{}.", encoding.label()),
                        LimitUnit::Count => String::new(),
                    };
                    let edge = if past { "past_max" } else { "at_max" };
                    let mut vars = IndexMap::new();
                    vars.insert("n".to_owned(), Value::from(n));
                    vars.insert("fill".to_owned(), Value::from(encoding.fill()));
                    let unit = match limit.unit {
                        LimitUnit::Bytes => "UTF-8 bytes",
                        LimitUnit::Count => "items",
                    };
                    let mut case = self.generated(
                        endpoint,
                        format!("limit.{}.{label}{edge}", limit.name),
                        format!(
                            "{} at {n} {unit} (limit {}): expects code {code}",
                            limit.name, limit.max
                        ),
                        probe,
                        vars,
                        with_last_code(&probe.steps, code),
                    );
                    case.tags.push("limit".into());
                    out.push(case);
                }
            }
        }
    }

    fn write_limit_cases(&self, endpoint: &Endpoint, out: &mut Vec<PlannedCase>) {
        for w in &endpoint.write_limits {
            let Some(probe) = &w.probe else { continue };
            let Some((last, setup)) = probe.steps.split_last() else {
                continue;
            };
            for past in [false, true] {
                let count = w.per_second + u32::from(past);
                let mut steps = setup.to_vec();
                for i in 0..count {
                    let mut step = last.clone();
                    step.burst = true;
                    let expected = if past && i + 1 == count {
                        w.code.clone()
                    } else {
                        CodeSet(vec![self.service.envelope.success_code])
                    };
                    step.expect.code = Some(expected);
                    steps.push(step);
                }
                let edge = if past { "past_limit" } else { "at_limit" };
                let mut case = self.generated(
                    endpoint,
                    format!("rate.{}.{edge}", w.bucket),
                    format!(
                        "{count} writes at once to one `{}` bucket (limit {}/s)",
                        w.bucket, w.per_second
                    ),
                    probe,
                    IndexMap::new(),
                    steps,
                );
                case.tags.push("rate".into());
                out.push(case);
            }
        }
    }
}

impl Suite {
    /// The group types a case exercises: the type a `group_type.*` probe sets, else the literal
    /// `type` of each fixture (the fixture's default when the case does not set it), in the
    /// service's order.
    pub fn case_group_types(&self, case: &PlannedCase) -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        if case.is_group_type_probe()
            && let Some(Value::String(t)) = case.vars.get("group_type")
        {
            seen.push(t.clone());
        } else {
            for u in case.fixtures.values() {
                let given = match u.with.get("type") {
                    Some(Template::Literal(Value::String(t))) => Some(t.clone()),
                    Some(_) => None,
                    None => self
                        .service
                        .fixtures
                        .get(&u.fixture)
                        .and_then(|def| def.params.get("type"))
                        .and_then(|default| default.as_ref()?.as_str().map(str::to_owned)),
                };
                seen.extend(given);
            }
        }
        self.service
            .group_types
            .iter()
            .filter(|t| seen.contains(t))
            .cloned()
            .collect()
    }
}

impl PlannedCase {
    /// Made by the group-type generator (`group_type.<T>`).
    pub fn is_group_type_probe(&self) -> bool {
        self.generated && self.name.starts_with("group_type.")
    }
}

fn applies(case: &CaseDef, profile: &str) -> bool {
    case.profiles.is_empty() || case.profiles.iter().any(|p| p == profile)
}

fn with_last_code(steps: &[Step], code: CodeSet) -> Vec<Step> {
    let mut steps = steps.to_vec();
    if let Some(last) = steps.last_mut() {
        last.expect.code = Some(code);
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(suite: &Suite, id: &str) -> PlannedCase {
        suite
            .plan(&suite.service.default_profile)
            .into_iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("{id} is planned"))
    }

    #[test]
    fn a_lock_held_both_ways_is_held_exclusively() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
        let suite = crate::spec::load_suite(&root).expect("the specs load");
        // Its own `locks: [app_attr_names]` and the attr_names fixture's shared hold.
        let writer = planned(&suite, "set_attr_name::duplicate_name");
        assert_eq!(writer.locks, [Lock::exclusive("app_attr_names")]);
        // Only the fixture's shared hold.
        let reader = planned(&suite, "get_attr_name::ok");
        assert_eq!(reader.locks, [Lock::shared("app_attr_names")]);
    }
}
