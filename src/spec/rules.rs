//! The documented rules a suite declares (limits, ranges, write buckets, group-type support,
//! signature expiry), each with the sides of its edge, and the cases generated to probe each
//! side. One pass builds both, so the plan and the rule table in `imconform coverage` cannot
//! disagree about which case probes what.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use super::expand::{PlannedCase, SERVICE_GROUP};
use super::model::*;

/// One documented rule and the sides of its edge.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// Where it is declared: an endpoint, `service`, or `bucket:<name>` for a write bucket
    /// that several endpoints share.
    pub scope: String,
    /// Unique within the scope: `limit.key_bytes.ascii`, `range.attr_index.max`,
    /// `rate.group_attr_write.counting`, `group_types`, `expiry`.
    pub id: String,
    pub kind: RuleKind,
    /// The rule as the docs state it.
    pub summary: String,
    pub sides: Vec<RuleSide>,
    /// `file:line:column` of the declaration.
    pub at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    Limit,
    Range,
    WriteLimit,
    GroupTypes,
    Expiry,
}

/// One side of a rule's edge: what a target must do there, and the cases that probe it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSide {
    /// `at_max`, `past_max`, `at_min`, `below_min`, `at_limit`, `past_limit`,
    /// `counted:<endpoint>`, `not_counted:<name>`, a group type, `before`, `after`.
    pub side: String,
    pub expect: SideExpect,
    /// Ids (`group::name`) of the cases that probe this side.
    pub cases: Vec<String>,
    /// Why no case probes this side, when none can.
    pub untriggerable: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SideExpect {
    Accepted,
    Refused,
    Counted,
    NotCounted,
}

impl SideExpect {
    pub fn label(self) -> &'static str {
        match self {
            SideExpect::Accepted => "accepted",
            SideExpect::Refused => "refused",
            SideExpect::Counted => "counted",
            SideExpect::NotCounted => "not counted",
        }
    }
}

/// What one expansion of a profile yields: generated cases by group, and the rules.
#[derive(Default)]
pub(super) struct Expansion {
    pub cases: IndexMap<String, Vec<PlannedCase>>,
    pub rules: Vec<Rule>,
}

/// The sides a case fills in for one of a bucket's rule rows, gathered across endpoints.
#[derive(Default)]
struct BucketSides {
    at: String,
    per_second: u32,
    key: String,
    members: Vec<String>,
    at_limit: Vec<String>,
    past_limit: Vec<String>,
    counted: IndexMap<String, Vec<String>>,
    not_counted: IndexMap<String, Vec<String>>,
}

impl Suite {
    /// The rules the suite declares under `profile`, with the generated case of each side.
    pub fn rules(&self, profile: &str) -> Vec<Rule> {
        self.expand(profile).rules
    }

    pub(super) fn expand(&self, profile: &str) -> Expansion {
        let mut x = Expansion::default();
        self.expiry_rule(&mut x);
        for range in self.service.ranges.values() {
            self.range_rules(SERVICE_GROUP, range, profile, &mut x);
        }
        let mut buckets: IndexMap<String, BucketSides> = IndexMap::new();
        for endpoint in self.endpoints.values() {
            self.group_type_rule(endpoint, profile, &mut x);
            for limit in endpoint.limits.values() {
                self.limit_rules(endpoint, limit, &mut x);
            }
            for range in endpoint.ranges.values() {
                self.range_rules(&endpoint.name, range, profile, &mut x);
            }
            for w in &endpoint.write_limits {
                let sides = buckets
                    .entry(w.bucket.clone())
                    .or_insert_with(|| BucketSides {
                        at: w.loc.text(),
                        per_second: w.per_second,
                        key: w.key.clone(),
                        ..BucketSides::default()
                    });
                self.write_limit_cases(endpoint, w, sides, &mut x);
            }
        }
        for (bucket, sides) in buckets {
            x.rules.extend(bucket_rules(&bucket, sides));
        }
        x
    }

    fn generated(
        &self,
        group: &str,
        name: String,
        description: String,
        template: &CaseTemplate,
        vars: IndexMap<String, Value>,
        steps: Vec<Step>,
    ) -> PlannedCase {
        let mut tags = template.tags.clone();
        tags.push("generated".into());
        PlannedCase {
            id: format!("{group}::{name}"),
            group: group.to_owned(),
            name,
            description,
            tags,
            requires: Vec::new(),
            locks: self.locks_of(&template.locks, &template.fixtures),
            vars,
            fixtures: template.fixtures.clone(),
            steps,
            teardown: template.teardown.clone(),
            generated: true,
            loc: template.loc.clone(),
        }
    }

    fn group_type_rule(&self, endpoint: &Endpoint, profile: &str, x: &mut Expansion) {
        let Some(support) = &endpoint.group_types else {
            return;
        };
        let supported = endpoint.supported_group_types(profile).unwrap_or_default();
        let mut sides = Vec::new();
        for group_type in &self.service.group_types {
            let ok = supported.contains(group_type);
            let mut side = RuleSide::new(group_type, accepted_or_refused(ok));
            if let Some(probe) = &support.probe {
                let code = if ok {
                    self.service.envelope.success_code
                } else {
                    support.unsupported_code
                };
                let mut vars = IndexMap::new();
                vars.insert("group_type".to_owned(), Value::from(group_type.clone()));
                let verdict = if ok { "supported" } else { "not supported" };
                let case = self.generated(
                    &endpoint.name,
                    format!("group_type.{group_type}"),
                    format!(
                        "{group_type} is {verdict} under profile {profile}: expects code {code}"
                    ),
                    probe,
                    vars,
                    with_last_code(&probe.steps, CodeSet(vec![code])),
                );
                let case = tagged(case, "group_type");
                side.cases.push(case.id.clone());
                x.push(case);
            }
            sides.push(side);
        }
        x.rules.push(Rule {
            scope: endpoint.name.clone(),
            id: "group_types".into(),
            kind: RuleKind::GroupTypes,
            summary: format!(
                "supported: {}; other types answer {}",
                list(supported),
                support.unsupported_code
            ),
            sides,
            at: support.loc.text(),
        });
    }

    fn limit_rules(&self, endpoint: &Endpoint, limit: &Limit, x: &mut Expansion) {
        let unit = match limit.unit {
            LimitUnit::Bytes => "UTF-8 bytes",
            LimitUnit::Count => "items",
        };
        for encoding in &limit.encodings {
            let (id, label) = match limit.unit {
                LimitUnit::Bytes => (
                    format!("limit.{}.{}", limit.name, encoding.label()),
                    format!("{}.", encoding.label()),
                ),
                LimitUnit::Count => (format!("limit.{}", limit.name), String::new()),
            };
            let sides = [
                ("at_max", limit.max, true),
                ("past_max", limit.max + 1, false),
            ]
            .map(|(side, n, ok)| {
                let edge = LimitEdge {
                    side,
                    name: format!("limit.{}.{label}{side}", limit.name),
                    n: Value::from(n),
                    fill: encoding.fill(),
                    ok,
                };
                self.limit_side(endpoint, limit, edge, x)
            });
            x.rules.push(Rule {
                scope: endpoint.name.clone(),
                id,
                kind: RuleKind::Limit,
                summary: format!(
                    "at most {} {unit}{}",
                    limit.max,
                    encoding_note(limit, *encoding)
                ),
                sides: sides.into(),
                at: limit.loc.text(),
            });
        }
        let Some(min) = limit.min else { return };
        // A minimum is probed in ASCII: a multi-byte fill cannot make every small size.
        let mut edges = vec![("at_min", min, true)];
        if min > 0 {
            edges.push(("below_min", min - 1, false));
        }
        let sides = edges
            .into_iter()
            .map(|(side, n, ok)| {
                let edge = LimitEdge {
                    side,
                    name: format!("limit.{}.{side}", limit.name),
                    n: Value::from(n),
                    fill: Encoding::Ascii.fill(),
                    ok,
                };
                self.limit_side(endpoint, limit, edge, x)
            })
            .collect();
        let summary = if min == 0 {
            format!("may be empty (0 {unit})")
        } else {
            format!("at least {min} {unit}")
        };
        x.rules.push(Rule {
            scope: endpoint.name.clone(),
            id: format!("limit.{}.min", limit.name),
            kind: RuleKind::Limit,
            summary,
            sides,
            at: limit.loc.text(),
        });
    }

    fn limit_side(
        &self,
        endpoint: &Endpoint,
        limit: &Limit,
        edge: LimitEdge,
        x: &mut Expansion,
    ) -> RuleSide {
        let mut side = RuleSide::new(edge.side, accepted_or_refused(edge.ok));
        if let Some(reason) = limit.untriggerable.get(edge.side) {
            side.untriggerable = Some(reason.clone());
            return side;
        }
        let Some(probe) = &limit.probe else {
            return side;
        };
        let code = match (edge.ok, edge.side) {
            (true, _) => CodeSet(vec![self.service.envelope.success_code]),
            (false, "below_min") => limit.min_code.clone(),
            (false, _) => limit.code.clone(),
        };
        let mut steps = with_last_code(&probe.steps, code.clone());
        if edge.ok {
            steps.extend(limit.read_back.iter().cloned());
        }
        let mut vars = IndexMap::new();
        vars.insert("n".to_owned(), edge.n.clone());
        vars.insert("fill".to_owned(), Value::from(edge.fill));
        let bound = match edge.side {
            "at_min" | "below_min" => format!("minimum {}", limit.min.unwrap_or(0)),
            _ => format!("limit {}", limit.max),
        };
        let unit = match limit.unit {
            LimitUnit::Bytes => "UTF-8 bytes",
            LimitUnit::Count => "items",
        };
        let read_back = if edge.ok && !limit.read_back.is_empty() {
            ", read back unchanged"
        } else {
            ""
        };
        let case = self.generated(
            &endpoint.name,
            edge.name,
            format!(
                "{} at {} {unit} ({bound}): expects code {code}{read_back}",
                limit.name, edge.n
            ),
            probe,
            vars,
            steps,
        );
        let case = tagged(case, "limit");
        side.cases.push(case.id.clone());
        x.push(case);
        side
    }

    fn range_rules(&self, group: &str, range: &Range, profile: &str, x: &mut Expansion) {
        if !range.applies(profile) {
            return;
        }
        let ends = [
            (
                "min",
                "at least",
                range.min,
                [("at_min", 0, true), ("below_min", -1, false)],
            ),
            (
                "max",
                "at most",
                range.max,
                [("at_max", 0, true), ("past_max", 1, false)],
            ),
        ];
        for (end, words, bound, edges) in ends {
            let sides = edges
                .map(|(side, step, ok)| self.range_side(group, range, side, bound + step, ok, x))
                .into();
            x.rules.push(Rule {
                scope: group.to_owned(),
                id: format!("range.{}.{end}", range.name),
                kind: RuleKind::Range,
                summary: format!("{words} {bound}"),
                sides,
                at: range.loc.text(),
            });
        }
    }

    fn range_side(
        &self,
        group: &str,
        range: &Range,
        side: &str,
        n: i64,
        ok: bool,
        x: &mut Expansion,
    ) -> RuleSide {
        let mut out = RuleSide::new(side, accepted_or_refused(ok));
        if let Some(reason) = range.untriggerable.get(side) {
            out.untriggerable = Some(reason.clone());
            return out;
        }
        let Some(probe) = &range.probe else {
            return out;
        };
        let code = if ok {
            CodeSet(vec![self.service.envelope.success_code])
        } else {
            range.code.clone()
        };
        let mut vars = IndexMap::new();
        vars.insert("n".to_owned(), Value::from(n));
        let case = self.generated(
            group,
            format!("range.{}.{side}", range.name),
            format!(
                "{} = {n} (range {}..={}): expects code {code}",
                range.name, range.min, range.max
            ),
            probe,
            vars,
            with_last_code(&probe.steps, code),
        );
        let case = tagged(case, "range");
        out.cases.push(case.id.clone());
        x.push(case);
        out
    }

    /// The probe at and past the limit, then each `counted` and `not_counted` entry.
    fn write_limit_cases(
        &self,
        endpoint: &Endpoint,
        w: &WriteLimit,
        sides: &mut BucketSides,
        x: &mut Expansion,
    ) {
        sides.members.push(endpoint.name.clone());
        let Some(probe) = &w.probe else { return };
        let Some((write, setup)) = probe.steps.split_last() else {
            return;
        };
        let success = || CodeSet(vec![self.service.envelope.success_code]);
        let burst = |step: &Step, code: CodeSet| {
            let mut step = step.clone();
            step.burst = true;
            step.expect.code = Some(code);
            step
        };
        let writes = |count: u32| (0..count).map(|_| burst(write, success()));
        for past in [false, true] {
            let count = w.per_second + u32::from(past);
            let mut steps = setup.to_vec();
            steps.extend(writes(w.per_second));
            if past {
                steps.push(burst(write, w.code.clone()));
            }
            let edge = if past { "past_limit" } else { "at_limit" };
            let case = self.generated(
                &endpoint.name,
                format!("rate.{}.{edge}", w.bucket),
                format!(
                    "{count} writes at once to one `{}` bucket (limit {}/s)",
                    w.bucket, w.per_second
                ),
                probe,
                IndexMap::new(),
                steps,
            );
            let case = tagged(case, "rate");
            if past {
                sides.past_limit.push(case.id.clone());
            } else {
                sides.at_limit.push(case.id.clone());
            }
            x.push(case);
        }
        for (name, entry) in &w.counted {
            // The entry's writes take the last places in the bucket; the probe's next write
            // is one too many.
            let own = u32::try_from(entry.steps.len()).unwrap_or(u32::MAX);
            let mut steps = setup.to_vec();
            steps.extend(writes(w.per_second.saturating_sub(own)));
            steps.extend(entry.steps.iter().map(|s| burst(s, success())));
            steps.push(burst(write, w.code.clone()));
            let template = merged(probe, entry);
            let case = self.generated(
                &endpoint.name,
                format!("rate.{}.counted.{name}", w.bucket),
                with_why(
                    format!(
                        "{name} counts toward the `{}` bucket: with the probe's writes it makes \
                         {} writes, and the next one is refused (limit {}/s)",
                        w.bucket, w.per_second, w.per_second
                    ),
                    entry,
                ),
                &template,
                IndexMap::new(),
                steps,
            );
            let case = tagged(case, "rate");
            let mut calls: Vec<&str> = vec![endpoint.name.as_str()];
            calls.extend(entry.steps.iter().map(|s| s.call.as_str()));
            for call in calls {
                let cases = sides.counted.entry(call.to_owned()).or_default();
                if !cases.contains(&case.id) {
                    cases.push(case.id.clone());
                }
            }
            x.push(case);
        }
        for (name, entry) in &w.not_counted {
            let mut steps = setup.to_vec();
            for _ in 0..w.per_second {
                steps.extend(entry.steps.iter().map(|s| burst(s, success())));
            }
            steps.extend(writes(w.per_second));
            let template = merged(probe, entry);
            let case = self.generated(
                &endpoint.name,
                format!("rate.{}.not_counted.{name}", w.bucket),
                with_why(
                    format!(
                        "{name} does not count toward the `{}` bucket: sent {} times, then {} \
                         writes, all succeed (limit {}/s)",
                        w.bucket, w.per_second, w.per_second, w.per_second
                    ),
                    entry,
                ),
                &template,
                IndexMap::new(),
                steps,
            );
            let case = tagged(case, "rate");
            sides
                .not_counted
                .entry(name.clone())
                .or_default()
                .push(case.id.clone());
            x.push(case);
        }
    }

    fn expiry_rule(&self, x: &mut Expansion) {
        let Some(expiry) = &self.service.auth.expiry else {
            return;
        };
        let issued = expiry.issued_secs_ago;
        let edges = [
            ("before", issued + expiry.before_secs, true),
            ("after", issued - expiry.after_secs.min(issued), false),
        ];
        let mut sides = Vec::new();
        for (side, lifetime, ok) in edges {
            let mut out = RuleSide::new(side, accepted_or_refused(ok));
            if let Some(probe) = &expiry.probe {
                let code = if ok {
                    CodeSet(vec![self.service.envelope.success_code])
                } else {
                    expiry.code.clone()
                };
                let mut steps = with_last_code(&probe.steps, code.clone());
                if let Some(last) = steps.last_mut() {
                    last.usersig.age_secs = Some(issued);
                    last.usersig.expire_secs = Some(lifetime);
                }
                let when = if ok {
                    format!("expires {} s after it is sent", expiry.before_secs)
                } else {
                    format!("expired {} s before it is sent", expiry.after_secs)
                };
                let case = self.generated(
                    SERVICE_GROUP,
                    format!("expiry.{side}"),
                    format!(
                        "a UserSig issued {issued} s ago with expire {lifetime} ({when}): expects code {code}"
                    ),
                    probe,
                    IndexMap::new(),
                    steps,
                );
                let case = tagged(case, "expiry");
                out.cases.push(case.id.clone());
                x.push(case);
            }
            sides.push(out);
        }
        x.rules.push(Rule {
            scope: SERVICE_GROUP.into(),
            id: "expiry".into(),
            kind: RuleKind::Expiry,
            summary: if expiry.description.is_empty() {
                "a signature is valid while now <= time + expire".into()
            } else {
                expiry.description.clone()
            },
            sides,
            at: expiry.loc.text(),
        });
    }
}

impl Expansion {
    fn push(&mut self, case: PlannedCase) {
        self.cases.entry(case.group.clone()).or_default().push(case);
    }
}

impl RuleSide {
    fn new(side: &str, expect: SideExpect) -> Self {
        RuleSide {
            side: side.to_owned(),
            expect,
            cases: Vec::new(),
            untriggerable: None,
        }
    }
}

struct LimitEdge {
    side: &'static str,
    name: String,
    n: Value,
    fill: &'static str,
    ok: bool,
}

fn accepted_or_refused(ok: bool) -> SideExpect {
    if ok {
        SideExpect::Accepted
    } else {
        SideExpect::Refused
    }
}

fn encoding_note(limit: &Limit, encoding: Encoding) -> &'static str {
    match (limit.unit, encoding) {
        (LimitUnit::Count, _) => "",
        (LimitUnit::Bytes, Encoding::Ascii) => " (ASCII)",
        (LimitUnit::Bytes, Encoding::Multibyte) => " (multi-byte characters)",
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// The probe's fixtures, locks and teardown with an entry's added (lint rejects a fixture
/// name used by both).
fn merged(probe: &CaseTemplate, entry: &CaseTemplate) -> CaseTemplate {
    let mut t = probe.clone();
    for (name, u) in &entry.fixtures {
        t.fixtures.insert(name.clone(), u.clone());
    }
    t.locks.extend(entry.locks.iter().cloned());
    t.tags.extend(entry.tags.iter().cloned());
    t.teardown.extend(entry.teardown.iter().cloned());
    t.loc = entry.loc.clone();
    t
}

/// A bucket's two rows: the limit itself, and which calls count toward it. Every endpoint
/// naming the bucket must be shown to count in it; a bucket shared by several endpoints needs a
/// case mixing them, and every bucket needs a call shown not to count.
fn bucket_rules(bucket: &str, mut s: BucketSides) -> Vec<Rule> {
    let scope = format!("bucket:{bucket}");
    let limit = Rule {
        scope: scope.clone(),
        id: format!("rate.{bucket}"),
        kind: RuleKind::WriteLimit,
        summary: format!("at most {}/s per {}", s.per_second, s.key),
        sides: vec![
            RuleSide {
                cases: s.at_limit,
                ..RuleSide::new("at_limit", SideExpect::Accepted)
            },
            RuleSide {
                cases: s.past_limit.clone(),
                ..RuleSide::new("past_limit", SideExpect::Refused)
            },
        ],
        at: s.at.clone(),
    };
    let mut sides = Vec::new();
    for member in &s.members {
        let mut cases = s.counted.shift_remove(member).unwrap_or_default();
        if s.members.len() == 1 {
            // Alone in its bucket, an endpoint's own writes past the limit show it counts.
            cases.extend(
                s.past_limit
                    .iter()
                    .filter(|id| id.starts_with(&format!("{member}::")))
                    .cloned(),
            );
        }
        sides.push(RuleSide {
            cases,
            ..RuleSide::new(&format!("counted:{member}"), SideExpect::Counted)
        });
    }
    if s.not_counted.is_empty() {
        sides.push(RuleSide::new("not_counted", SideExpect::NotCounted));
    }
    for (name, cases) in s.not_counted {
        sides.push(RuleSide {
            cases,
            ..RuleSide::new(&format!("not_counted:{name}"), SideExpect::NotCounted)
        });
    }
    let counting = Rule {
        scope,
        id: format!("rate.{bucket}.counting"),
        kind: RuleKind::WriteLimit,
        summary: format!(
            "writes of {} count toward one bucket per {}; other calls do not",
            s.members.join(", "),
            s.key
        ),
        sides,
        at: s.at,
    };
    vec![limit, counting]
}

pub(super) fn with_last_code(steps: &[Step], code: CodeSet) -> Vec<Step> {
    let mut steps = steps.to_vec();
    if let Some(last) = steps.last_mut() {
        last.expect.code = Some(code);
    }
    steps
}

/// A generated description, followed by the entry's own where it gives one.
fn with_why(generated: String, entry: &CaseTemplate) -> String {
    if entry.description.is_empty() {
        generated
    } else {
        format!("{generated}. {}", entry.description)
    }
}

fn tagged(mut case: PlannedCase, tag: &str) -> PlannedCase {
    case.tags.push(tag.into());
    case
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;
    use crate::spec::load_suite;

    fn mini_suite() -> Suite {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini_specs");
        load_suite(&root).expect("the mini suite loads")
    }

    fn case<'a>(plan: &'a [PlannedCase], id: &str) -> &'a PlannedCase {
        plan.iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("{id} is planned"))
    }

    fn codes(case: &PlannedCase) -> Vec<Option<Vec<i64>>> {
        case.steps
            .iter()
            .map(|s| s.expect.code.as_ref().map(|c| c.0.clone()))
            .collect()
    }

    fn rule<'a>(rules: &'a [Rule], scope: &str, id: &str) -> &'a Rule {
        rules
            .iter()
            .find(|r| r.scope == scope && r.id == id)
            .unwrap_or_else(|| panic!("{scope} {id} is a rule"))
    }

    #[test]
    fn a_minimum_gives_the_case_at_it_and_below_it() {
        let plan = mini_suite().plan("current");
        let at = case(&plan, "modify_group_attr::limit.key_bytes.at_min");
        assert_eq!(at.vars["n"], json!(1));
        assert_eq!(at.vars["fill"], json!("a"));
        // The probe's write succeeds, then the read-back step runs; the teardown is kept.
        assert_eq!(codes(at), [Some(vec![0]), None]);
        assert!(format!("{:?}", at.steps[1].body).contains("\"read\""));
        assert_eq!(at.teardown.len(), 1);
        let below = case(&plan, "modify_group_attr::limit.key_bytes.below_min");
        assert_eq!(below.vars["n"], json!(0));
        assert_eq!(
            codes(below),
            [Some(vec![10004])],
            "no read-back when refused"
        );
        let past = case(
            &plan,
            "modify_group_attr::limit.key_bytes.multibyte.past_max",
        );
        assert_eq!(past.vars["n"], json!(33));
        assert_eq!(codes(past), [Some(vec![10004])]);
        let at_max = case(&plan, "modify_group_attr::limit.key_bytes.multibyte.at_max");
        assert_eq!(codes(at_max), [Some(vec![0]), None]);
        assert!(at_max.tags.contains(&"limit".to_owned()));
    }

    #[test]
    fn a_range_is_probed_at_and_outside_both_ends_unless_untriggerable() {
        let suite = mini_suite();
        let plan = suite.plan("current");
        let expect = [
            ("at_min", 0, 0),
            ("below_min", -1, 10004),
            ("past_max", 4, 10004),
        ];
        for (side, n, code) in expect {
            let c = case(&plan, &format!("create_group::range.level.{side}"));
            assert_eq!(c.vars["n"], json!(n), "{side}");
            assert_eq!(codes(c), [Some(vec![code])], "{side}");
        }
        assert!(
            !plan.iter().any(|c| c.name == "range.level.at_max"),
            "an untriggerable side generates no case"
        );
        let rules = suite.rules("current");
        let max = rule(&rules, "create_group", "range.level.max");
        assert_eq!(max.sides[0].side, "at_max");
        assert_eq!(
            max.sides[0].untriggerable.as_deref(),
            Some("level 3 would need a paid plan")
        );
        assert!(max.sides[0].cases.is_empty());
        assert_eq!(max.sides[1].cases, ["create_group::range.level.past_max"]);
    }

    #[test]
    fn a_counted_entry_takes_the_last_place_and_the_next_write_is_refused() {
        let plan = mini_suite().plan("current");
        let c = case(
            &plan,
            "modify_group_attr::rate.group_attr_write.counted.other_key",
        );
        let ok = Some(vec![0]);
        assert_eq!(
            codes(c),
            [
                ok.clone(),
                ok.clone(),
                ok.clone(),
                ok.clone(),
                ok,
                Some(vec![10049])
            ]
        );
        assert!(c.steps.iter().all(|s| s.burst));
        let bodies: Vec<String> = c.steps.iter().map(|s| format!("{:?}", s.body)).collect();
        assert!(bodies[4].contains("\"c\""), "the entry's write is fifth");
        assert!(bodies[5].contains("\"a\""), "then the probe's write");
    }

    #[test]
    fn a_not_counted_entry_is_sent_per_second_times_then_every_write_succeeds() {
        let plan = mini_suite().plan("current");
        let c = case(
            &plan,
            "modify_group_attr::rate.group_attr_write.not_counted.other_group",
        );
        assert_eq!(c.steps.len(), 10);
        assert!(c.steps.iter().all(|s| s.burst));
        assert!(
            codes(c)
                .iter()
                .all(|code| code.as_deref() == Some(&[0][..]))
        );
        assert_eq!(
            c.fixtures.keys().collect::<Vec<_>>(),
            ["g", "h"],
            "the entry's fixture joins the probe's"
        );
        let other = |s: &Step| format!("{:?}", s.body).contains("h.GroupId");
        assert!(c.steps[..5].iter().all(other));
        assert!(!c.steps[5..].iter().any(other));
    }

    #[test]
    fn expiry_signs_either_side_of_the_edge() {
        let plan = mini_suite().plan("current");
        let before = case(&plan, "service::expiry.before");
        let sig = &before.steps[0].usersig;
        assert_eq!((sig.age_secs, sig.expire_secs), (Some(600), Some(660)));
        assert_eq!(codes(before), [Some(vec![0])]);
        let after = case(&plan, "service::expiry.after");
        let sig = &after.steps[0].usersig;
        assert_eq!((sig.age_secs, sig.expire_secs), (Some(600), Some(590)));
        assert_eq!(codes(after), [Some(vec![70001])]);
    }

    #[test]
    fn every_side_names_a_planned_case_or_a_reason() {
        let suite = mini_suite();
        for profile in ["current", "legacy"] {
            let plan = suite.plan(profile);
            for rule in suite.rules(profile) {
                for side in &rule.sides {
                    assert!(
                        !side.cases.is_empty() || side.untriggerable.is_some(),
                        "{} {} {}",
                        rule.scope,
                        rule.id,
                        side.side
                    );
                    for id in &side.cases {
                        assert!(plan.iter().any(|c| &c.id == id), "{id} under {profile}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_bucket_shared_by_one_endpoint_counts_its_own_writes() {
        let rules = mini_suite().rules("current");
        let counting = rule(
            &rules,
            "bucket:group_attr_write",
            "rate.group_attr_write.counting",
        );
        let sides: Vec<(&str, SideExpect)> = counting
            .sides
            .iter()
            .map(|s| (s.side.as_str(), s.expect))
            .collect();
        assert_eq!(
            sides,
            [
                ("counted:modify_group_attr", SideExpect::Counted),
                ("not_counted:other_group", SideExpect::NotCounted)
            ]
        );
        assert_eq!(
            counting.sides[0].cases,
            [
                "modify_group_attr::rate.group_attr_write.counted.other_key",
                "modify_group_attr::rate.group_attr_write.past_limit",
            ]
        );
    }
}
