//! Turns a suite into the concrete cases one profile runs: the written cases plus the ones
//! generated from its declared rules (`rules.rs`).

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
    /// Every case that runs under `profile`, in file order: the service's written cases, then
    /// each endpoint's, each group followed by the cases generated from its declared rules.
    pub fn plan(&self, profile: &str) -> Vec<PlannedCase> {
        let mut generated = self.expand(profile).cases;
        let mut out = Vec::new();
        for case in &self.service.cases {
            if applies(case, profile) {
                out.push(self.written(SERVICE_GROUP, case));
            }
        }
        out.extend(generated.shift_remove(SERVICE_GROUP).unwrap_or_default());
        for endpoint in self.endpoints.values() {
            for case in &endpoint.cases {
                if applies(case, profile) {
                    out.push(self.written(&endpoint.name, case));
                }
            }
            out.extend(generated.shift_remove(&endpoint.name).unwrap_or_default());
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

    pub(super) fn locks_of(
        &self,
        own: &[Lock],
        fixtures: &IndexMap<String, FixtureUse>,
    ) -> Vec<Lock> {
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
