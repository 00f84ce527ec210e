//! Cross-reference checks over a resolved suite: what a single file cannot know alone.

use std::collections::{HashMap, HashSet};

use super::load::{SpecError, did_you_mean, list_names};
use super::model::*;

/// What the signer provides to the service's auth query and to step query overrides.
const AUTH_VARIABLES: [&str; 5] = [
    "auth.sdkappid",
    "auth.identifier",
    "auth.admin",
    "auth.usersig",
    "auth.random",
];

/// Variables every case and fixture can read.
const RUN_VARIABLES: [&str; 2] = ["run.id", "run.prefix"];

pub fn cross_check(suite: &Suite) -> Vec<SpecError> {
    let mut lint = Lint {
        suite,
        errors: Vec::new(),
        snapshots: HashMap::new(),
    };
    lint.service();
    for endpoint in suite.endpoints.values() {
        lint.endpoint(endpoint);
    }
    lint.errors
}

struct Lint<'a> {
    suite: &'a Suite,
    errors: Vec<SpecError>,
    snapshots: HashMap<String, Loc>,
}

/// What a step may expect: its endpoint's codes, the common codes, and generated codes.
fn declared_codes(suite: &Suite, endpoint: &Endpoint) -> HashSet<i64> {
    let mut codes: HashSet<i64> = endpoint.errors.keys().copied().collect();
    codes.extend(suite.service.common_errors.keys().copied());
    codes.insert(suite.service.envelope.success_code);
    codes
}

impl<'a> Lint<'a> {
    fn err(&mut self, loc: &Loc, message: impl Into<String>) {
        self.errors.push(SpecError {
            loc: loc.clone(),
            message: message.into(),
        });
    }

    /// A fixture kept for later cases stands for app-wide state held shared: it needs a
    /// shared lock, nothing to tear down (it is left standing), and nothing of the case that
    /// happened to make it (`self.name`).
    fn reused_fixture(&mut self, name: &str, fixture: &crate::spec::FixtureDef) {
        if !fixture.locks.iter().any(|l| !l.exclusive) {
            self.err(&fixture.loc, format!("fixture `{name}` has `reuse: while_shared` but holds no lock shared (`locks: [{{name: NAME, mode: shared}}]`)"));
        }
        if !fixture.teardown.is_empty() {
            self.err(&fixture.loc, format!("fixture `{name}` has `reuse: while_shared` and a teardown: a kept fixture is left standing, so it cannot be torn down per case"));
        }
        let reads_self = fixture
            .setup
            .iter()
            .filter_map(|s| s.body.as_ref())
            .chain(fixture.exports.values())
            .any(|t| t.variables().iter().any(|v| v == "self.name"));
        if reads_self {
            self.err(&fixture.loc, format!("fixture `{name}` has `reuse: while_shared` but reads `${{self.name}}`, which names the one case that made it"));
        }
    }

    fn service(&mut self) {
        let service = &self.suite.service;
        for (name, fixture) in &service.fixtures {
            let mut scope: HashSet<String> = RUN_VARIABLES.iter().map(|s| s.to_string()).collect();
            scope.insert("self.name".into());
            scope.extend(fixture.params.keys().cloned());
            for step in &fixture.setup {
                self.step(step, &mut scope, &format!("fixture `{name}`"));
            }
            for (export, t) in &fixture.exports {
                for v in t.variables() {
                    if !scope.contains(&v) {
                        let hint = did_you_mean(&v, scope.iter().map(String::as_str));
                        self.err(&fixture.loc, format!("export `{export}` of fixture `{name}` reads `${{{v}}}`, which nothing defines{hint}"));
                    }
                }
            }
            let mut teardown_scope = scope.clone();
            for step in &fixture.teardown {
                self.step(step, &mut teardown_scope, &format!("fixture `{name}`"));
            }
            if fixture.reuse_while_shared {
                self.reused_fixture(name, fixture);
            }
            if let Some(batch) = &fixture.batch {
                for b in batch.setup.iter().chain(&batch.teardown) {
                    self.step(
                        &b.step,
                        &mut scope.clone(),
                        &format!("fixture `{name}` batch"),
                    );
                    for v in b.item.variables() {
                        if !scope.contains(&v) {
                            let hint = did_you_mean(&v, scope.iter().map(String::as_str));
                            self.err(&b.loc, format!("the batch item of fixture `{name}` reads `${{{v}}}`, which nothing defines{hint}"));
                        }
                    }
                }
            }
        }
        let auth_vars = AUTH_VARIABLES;
        for (param, t) in &service.auth.query {
            for v in t.variables() {
                if !auth_vars.contains(&v.as_str()) {
                    self.err(
                        &service.loc,
                        format!(
                            "auth parameter `{param}` reads `${{{v}}}`; only {} are defined there",
                            list_names(auth_vars)
                        ),
                    );
                }
            }
        }
        self.cases(&service.cases, None);
        self.service_rules();
    }

    fn endpoint(&mut self, endpoint: &'a Endpoint) {
        let service = &self.suite.service;
        for (profile, over) in &endpoint.profiles {
            if !service.profiles.contains_key(profile) {
                let hint = did_you_mean(profile, service.profiles.keys().map(String::as_str));
                self.err(
                    &endpoint.loc,
                    format!("profile `{profile}` is not declared in the service file{hint}"),
                );
            }
            if let Some(types) = &over.group_types {
                self.group_types(&endpoint.loc, types);
            }
        }
        if let Some(support) = &endpoint.group_types {
            self.group_types(&support.loc, &support.supported);
            if !endpoint.errors.contains_key(&support.unsupported_code) {
                self.err(
                    &support.loc,
                    format!(
                        "unsupported_code {} is not among the endpoint's errors",
                        support.unsupported_code
                    ),
                );
            }
            if let Some(probe) = &support.probe {
                self.template(probe, &["group_type"], &[]);
            }
        }
        for limit in endpoint.limits.values() {
            let what = format!("limit `{}`", limit.name);
            self.codes_declared(&limit.loc, &what, &limit.code, endpoint);
            self.codes_declared(&limit.loc, &what, &limit.min_code, endpoint);
            for side in ["at_min", "below_min"] {
                if limit.min.is_none() && limit.untriggerable.contains_key(side) {
                    self.err(
                        &limit.loc,
                        format!("{what} declares side `{side}` untriggerable but has no `min`"),
                    );
                }
            }
            if let Some(probe) = &limit.probe {
                self.template(probe, &["n", "fill"], &limit.read_back);
            } else if !limit.read_back.is_empty() {
                self.err(&limit.loc, format!("{what} has `read_back` but no probe"));
            }
        }
        for range in endpoint.ranges.values() {
            let what = format!("range `{}`", range.name);
            self.codes_declared(&range.loc, &what, &range.code, endpoint);
            if let Some(probe) = &range.probe {
                self.template(probe, &["n"], &[]);
            }
        }
        for w in &endpoint.write_limits {
            self.write_limit(endpoint, w);
        }
        self.cases(&endpoint.cases, Some(endpoint));
    }

    fn write_limit(&mut self, endpoint: &Endpoint, w: &WriteLimit) {
        let what = format!("write limit `{}`", w.bucket);
        self.codes_declared(&w.loc, &what, &w.code, endpoint);
        let Some(probe) = &w.probe else {
            if !w.counted.is_empty() || !w.not_counted.is_empty() {
                self.err(
                    &w.loc,
                    format!("{what} has `counted` or `not_counted` entries but no probe"),
                );
            }
            return;
        };
        self.template(probe, &[], &[]);
        let entries = w
            .counted
            .iter()
            .map(|e| (true, e))
            .chain(w.not_counted.iter().map(|e| (false, e)));
        for (counted, (name, entry)) in entries {
            for fixture in entry.fixtures.keys() {
                if probe.fixtures.contains_key(fixture) {
                    self.err(
                        &entry.loc,
                        format!("{what}: entry `{name}` names fixture `{fixture}`, which the probe already uses"),
                    );
                }
            }
            let mut merged = probe.clone();
            merged.fixtures.extend(entry.fixtures.clone());
            merged.steps.extend(entry.steps.iter().cloned());
            self.template(&merged, &[], &entry.teardown);
            if !counted {
                continue;
            }
            if entry.steps.len() > w.per_second as usize {
                self.err(
                    &entry.loc,
                    format!(
                        "{what}: counted entry `{name}` has {} steps, more than the {} writes the bucket admits",
                        entry.steps.len(),
                        w.per_second
                    ),
                );
            }
            for step in &entry.steps {
                let member = self
                    .suite
                    .endpoints
                    .get(&step.call)
                    .is_some_and(|e| e.write_limits.iter().any(|o| o.bucket == w.bucket));
                if !member {
                    self.err(
                        &step.loc,
                        format!(
                            "{what}: counted entry `{name}` calls `{}`, which does not declare bucket `{}`",
                            step.call, w.bucket
                        ),
                    );
                }
            }
        }
    }

    fn group_types(&mut self, loc: &Loc, types: &[String]) {
        for t in types {
            if !self.suite.service.group_types.contains(t) {
                let hint =
                    did_you_mean(t, self.suite.service.group_types.iter().map(String::as_str));
                self.err(
                    loc,
                    format!(
                        "unknown group type `{t}`{hint}; the service declares {}",
                        list_names(self.suite.service.group_types.iter().map(String::as_str))
                    ),
                );
            }
        }
    }

    fn codes_declared(&mut self, loc: &Loc, what: &str, codes: &CodeSet, endpoint: &Endpoint) {
        let declared = declared_codes(self.suite, endpoint);
        for code in &codes.0 {
            if !declared.contains(code) {
                self.err(loc, format!("{what} expects code {code}, which endpoint `{}` does not declare (nor do the service's common errors)", endpoint.name));
            }
        }
    }

    /// A probe's steps, then `after` (read-back steps) and its teardown, in one scope.
    fn template(&mut self, probe: &CaseTemplate, generated: &[&str], after: &[Step]) {
        let mut scope = self.fixture_scope(&probe.fixtures);
        scope.extend(generated.iter().map(|s| s.to_string()));
        for step in probe.steps.iter().chain(after).chain(&probe.teardown) {
            self.step(step, &mut scope, "probe");
        }
    }

    /// Service-wide rules: each is checked against the endpoint its probe calls last.
    fn service_rules(&mut self) {
        let service = &self.suite.service;
        for range in service.ranges.values() {
            if let Some(probe) = &range.probe {
                self.template(probe, &["n"], &[]);
                self.probe_codes(probe, &format!("range `{}`", range.name), &range.code);
            }
        }
        if let Some(expiry) = &service.auth.expiry
            && let Some(probe) = &expiry.probe
        {
            self.template(probe, &[], &[]);
            self.probe_codes(probe, "expiry", &expiry.code);
        }
    }

    fn probe_codes(&mut self, probe: &CaseTemplate, what: &str, codes: &CodeSet) {
        let endpoint = probe
            .steps
            .last()
            .and_then(|s| self.suite.endpoints.get(&s.call));
        if let Some(endpoint) = endpoint {
            self.codes_declared(&probe.loc, what, codes, endpoint);
        }
    }

    fn cases(&mut self, cases: &[CaseDef], endpoint: Option<&Endpoint>) {
        let mut names: HashMap<&str, &Loc> = HashMap::new();
        for case in cases {
            if let Some(first) = names.get(case.name.as_str()) {
                let first = (*first).clone();
                self.err(
                    &case.loc,
                    format!("case `{}` is already defined at {first}", case.name),
                );
            }
            names.insert(&case.name, &case.loc);
            // Unknown profiles and features are reported by the loader, at the entry.
            let mut scope = self.fixture_scope(&case.fixtures);
            scope.extend(case.vars.keys().cloned());
            let what = format!("case `{}`", case.name);
            for step in &case.steps {
                self.step(step, &mut scope, &what);
            }
            for step in &case.teardown {
                self.step(step, &mut scope, &what);
            }
        }
        let _ = endpoint;
    }

    /// Checks the fixture uses and returns the variables they define.
    fn fixture_scope(&mut self, uses: &indexmap::IndexMap<String, FixtureUse>) -> HashSet<String> {
        let mut scope: HashSet<String> = RUN_VARIABLES.iter().map(|s| s.to_string()).collect();
        for (name, u) in uses {
            let Some(def) = self.suite.service.fixtures.get(&u.fixture) else {
                let hint = did_you_mean(
                    &u.fixture,
                    self.suite.service.fixtures.keys().map(String::as_str),
                );
                self.err(&u.loc, format!("unknown fixture `{}`{hint}", u.fixture));
                // Its exports are unknown: reads of `name.*` are not reported again.
                scope.insert(format!("{name}.*"));
                continue;
            };
            for param in u.with.keys() {
                if !def.params.contains_key(param) {
                    let hint = did_you_mean(param, def.params.keys().map(String::as_str));
                    self.err(
                        &u.loc,
                        format!("fixture `{}` has no parameter `{param}`{hint}", u.fixture),
                    );
                }
            }
            for (param, default) in &def.params {
                if default.is_none() && !u.with.contains_key(param) {
                    self.err(
                        &u.loc,
                        format!("fixture `{}` needs parameter `{param}`", u.fixture),
                    );
                }
            }
            for t in u.with.values() {
                for v in t.variables() {
                    // Fixture parameters may use run and generator variables; those are
                    // checked with the steps that read the fixture's exports.
                    if !(RUN_VARIABLES.contains(&v.as_str())
                        || ["group_type", "n", "fill"].contains(&v.as_str()))
                    {
                        self.err(&u.loc, format!("fixture parameter reads `${{{v}}}`; only run and generator variables are defined there"));
                    }
                }
            }
            scope.extend(def.exports.keys().map(|e| format!("{name}.{e}")));
        }
        scope
    }

    fn step(&mut self, step: &Step, scope: &mut HashSet<String>, what: &str) {
        let Some(endpoint) = self.suite.endpoints.get(&step.call) else {
            let hint = did_you_mean(&step.call, self.suite.endpoints.keys().map(String::as_str));
            self.err(
                &step.loc,
                format!("{what} calls unknown endpoint `{}`{hint}", step.call),
            );
            // Its captures still bind: reads of them are not the mistake.
            scope.extend(step.capture.keys().cloned());
            return;
        };
        let mut read = Vec::new();
        if let Some(body) = &step.body {
            read.extend(body.variables());
        }
        // Query overrides may also read the signer's values (`${auth.admin}`, ...).
        for t in step.query.values().flatten() {
            read.extend(
                t.variables()
                    .into_iter()
                    .filter(|v| !AUTH_VARIABLES.contains(&v.as_str())),
            );
        }
        if let Some(t) = &step.usersig.identifier {
            read.extend(t.variables());
        }
        for m in &step.expect.paths {
            match &m.matcher {
                Matcher::Equals(t) | Matcher::Includes(t) | Matcher::Excludes(t) => {
                    read.extend(t.variables())
                }
                Matcher::Unordered(ts) | Matcher::OneOf(ts) => {
                    ts.iter().for_each(|t| read.extend(t.variables()))
                }
                _ => {}
            }
        }
        for v in read {
            let of_unknown_fixture = v
                .split_once('.')
                .is_some_and(|(f, _)| scope.contains(&format!("{f}.*")));
            if !scope.contains(&v) && !of_unknown_fixture {
                let hint = did_you_mean(&v, scope.iter().map(String::as_str));
                self.err(
                    &step.loc,
                    format!("{what} reads `${{{v}}}`, which nothing defines{hint}"),
                );
            }
        }
        if let Some(codes) = &step.expect.code {
            let declared = declared_codes(self.suite, endpoint);
            for code in &codes.0 {
                if !declared.contains(code) {
                    self.err(
                        &step.expect.loc,
                        format!("{what} expects code {code}, which endpoint `{}` does not declare (nor do the service's common errors)", endpoint.name),
                    );
                }
            }
        }
        if let Some(snap) = &step.expect.snapshot {
            if let Some(first) = self.snapshots.get(&snap.name) {
                let first = first.clone();
                self.err(
                    &snap.loc,
                    format!("snapshot `{}` is already used at {first}", snap.name),
                );
            } else {
                self.snapshots.insert(snap.name.clone(), snap.loc.clone());
            }
        }
        scope.extend(step.capture.keys().cloned());
    }
}
