//! Which documented error codes the suite provokes, and which group types it exercises: the
//! data behind `imconform coverage`. A code is covered when a case under the profile has a
//! step calling the declaring endpoint that expects the code, or it must say why no case can.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use crate::spec::{ErrorDecl, Matcher, PlannedCase, SERVICE_GROUP, Step, Suite, Template};

pub mod rules;
pub use rules::{RuleCoverage, RuleStatus, SideStatus, rule_coverage};

/// The group under which the service's common errors are listed.
pub const COMMON_ERRORS_GROUP: &str = SERVICE_GROUP;

#[derive(Debug, Clone, Serialize)]
pub struct CoverageReport {
    pub profile: String,
    /// The service's common errors first, then each endpoint in suite order.
    pub groups: Vec<GroupCoverage>,
    pub totals: CoverageTotals,
    /// Every declared rule and the cases probing each side of its edge.
    pub rules: RuleCoverage,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupCoverage {
    /// An endpoint name, or `service` for the common errors.
    pub group: String,
    pub codes: Vec<CodeCoverage>,
    /// Group types some case exercises against this endpoint, in the service's order.
    pub group_types: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CodeCoverage {
    pub code: i64,
    pub meaning: String,
    pub status: CodeStatus,
    /// Ids of the cases that expect this code.
    pub cases: Vec<String>,
    pub untriggerable: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeStatus {
    Covered,
    Untriggerable,
    Uncovered,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CoverageTotals {
    pub codes: usize,
    pub covered: usize,
    pub untriggerable: usize,
    pub uncovered: usize,
    /// Cases planned under the profile, generated ones included.
    pub cases: usize,
}

impl CoverageReport {
    /// Every documented code is either provoked by a case or explained as untriggerable, and
    /// every side of every declared rule is probed or explained.
    pub fn is_complete(&self) -> bool {
        self.totals.uncovered == 0 && self.rules.totals.gaps == 0
    }
}

/// Coverage of `suite` under `profile`.
pub fn coverage(suite: &Suite, profile: &str) -> CoverageReport {
    let rules = rule_coverage(suite, &[profile], profile);
    coverage_of_plan(suite, profile.to_owned(), suite.plan(profile), rules)
}

/// Coverage of the whole suite: a code counts as covered when a case provokes it under any
/// profile (doc revisions differ in which codes can occur). Cases of other profiles than the
/// default are named `PROFILE/id`.
pub fn coverage_all_profiles(suite: &Suite) -> CoverageReport {
    let mut plan = Vec::new();
    for profile in suite.service.profiles.keys() {
        for mut case in suite.plan(profile) {
            if *profile != suite.service.default_profile {
                case.id = format!("{profile}/{}", case.id);
            }
            plan.push(case);
        }
    }
    let label = suite
        .service
        .profiles
        .keys()
        .cloned()
        .collect::<Vec<_>>()
        .join(" + ");
    let profiles: Vec<&str> = suite.service.profiles.keys().map(String::as_str).collect();
    let rules = rule_coverage(suite, &profiles, &suite.service.default_profile);
    coverage_of_plan(suite, label, plan, rules)
}

fn coverage_of_plan(
    suite: &Suite,
    profile: String,
    plan: Vec<PlannedCase>,
    rules: RuleCoverage,
) -> CoverageReport {
    let code_field = suite.service.envelope.code_field.as_str();
    let mut groups = vec![GroupCoverage {
        group: COMMON_ERRORS_GROUP.to_owned(),
        // A common error may come from any endpoint.
        codes: codes_of(
            suite.service.common_errors.values(),
            &plan,
            None,
            code_field,
        ),
        group_types: Vec::new(),
    }];
    for endpoint in suite.endpoints.values() {
        groups.push(GroupCoverage {
            group: endpoint.name.clone(),
            codes: codes_of(
                endpoint.errors.values(),
                &plan,
                Some(&endpoint.name),
                code_field,
            ),
            group_types: group_types_of(suite, &plan, &endpoint.name),
        });
    }
    let mut totals = CoverageTotals {
        cases: plan.len(),
        ..CoverageTotals::default()
    };
    for code in groups.iter().flat_map(|g| &g.codes) {
        totals.codes += 1;
        match code.status {
            CodeStatus::Covered => totals.covered += 1,
            CodeStatus::Untriggerable => totals.untriggerable += 1,
            CodeStatus::Uncovered => totals.uncovered += 1,
        }
    }
    CoverageReport {
        profile,
        groups,
        totals,
        rules,
    }
}

/// Only a case's own steps count: teardown steps tolerate codes while cleaning up, they do
/// not set out to provoke them.
fn codes_of<'a>(
    decls: impl Iterator<Item = &'a ErrorDecl>,
    plan: &[PlannedCase],
    endpoint: Option<&str>,
    code_field: &str,
) -> Vec<CodeCoverage> {
    decls
        .map(|decl| {
            let cases: Vec<String> = plan
                .iter()
                .filter(|case| {
                    case.steps.iter().any(|step| {
                        endpoint.is_none_or(|e| step.call == e)
                            && step_expects(step, code_field, decl.code)
                    })
                })
                .map(|case| case.id.clone())
                .collect();
            let status = match (&decl.untriggerable, cases.is_empty()) {
                (_, false) => CodeStatus::Covered,
                (Some(_), true) => CodeStatus::Untriggerable,
                (None, true) => CodeStatus::Uncovered,
            };
            CodeCoverage {
                code: decl.code,
                meaning: decl.meaning.clone(),
                status,
                cases,
                untriggerable: decl.untriggerable.clone(),
            }
        })
        .collect()
}

/// The step provokes `code`: as its envelope code, or as a per-item code that a path check
/// asserts (an element's `ErrorCode` in `ErrorList`, `GroupInfo`, ...).
fn step_expects(step: &Step, code_field: &str, code: i64) -> bool {
    if step.expect.code.as_ref().is_some_and(|c| c.contains(code)) {
        return true;
    }
    step.expect.paths.iter().any(|check| {
        let at_code = check.path.rsplit('/').next() == Some(code_field);
        match &check.matcher {
            Matcher::Equals(t) if at_code => literal(t).is_some_and(|v| v.as_i64() == Some(code)),
            Matcher::OneOf(ts) if at_code => ts
                .iter()
                .any(|t| literal(t).is_some_and(|v| v.as_i64() == Some(code))),
            Matcher::Includes(t) | Matcher::Equals(t) => holds_code(t, code_field, code),
            Matcher::Unordered(ts) => ts.iter().any(|t| holds_code(t, code_field, code)),
            _ => false,
        }
    })
}

fn literal(t: &Template) -> Option<&Value> {
    match t {
        Template::Literal(v) => Some(v),
        _ => None,
    }
}

/// The template holds `code_field: code` somewhere inside.
fn holds_code(t: &Template, code_field: &str, code: i64) -> bool {
    match t {
        Template::Literal(v) => value_holds_code(v, code_field, code),
        Template::Object(fields) => fields.iter().any(|(k, v)| {
            (k == code_field && literal(v).is_some_and(|c| c.as_i64() == Some(code)))
                || holds_code(v, code_field, code)
        }),
        Template::Array(items) => items.iter().any(|v| holds_code(v, code_field, code)),
        _ => false,
    }
}

fn value_holds_code(value: &Value, code_field: &str, code: i64) -> bool {
    match value {
        Value::Object(map) => {
            map.get(code_field).and_then(Value::as_i64) == Some(code)
                || map.values().any(|v| value_holds_code(v, code_field, code))
        }
        Value::Array(items) => items.iter().any(|v| value_holds_code(v, code_field, code)),
        _ => false,
    }
}

/// Types from the endpoint's own group-type probes and from the fixtures of the other cases
/// that call it.
fn group_types_of(suite: &Suite, plan: &[PlannedCase], endpoint: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for case in plan
        .iter()
        .filter(|c| c.steps.iter().any(|s| s.call == endpoint))
    {
        if case.is_group_type_probe() && case.group != endpoint {
            continue;
        }
        seen.extend(suite.case_group_types(case));
    }
    suite
        .service
        .group_types
        .iter()
        .filter(|t| seen.contains(t))
        .cloned()
        .collect()
}

/// A table per group; uncovered codes are marked so they stand out.
pub fn render_text(report: &CoverageReport) -> String {
    let t = &report.totals;
    let mut out = format!(
        "error-code coverage, profile {}: {} codes, {} covered, {} untriggerable, {} uncovered ({} cases)\n",
        report.profile, t.codes, t.covered, t.untriggerable, t.uncovered, t.cases
    );
    for group in &report.groups {
        let title = if group.group == COMMON_ERRORS_GROUP {
            "common errors (any endpoint)".to_owned()
        } else {
            group.group.clone()
        };
        let _ = writeln!(out, "\n{title}");
        for code in &group.codes {
            let (mark, status, why) = match code.status {
                CodeStatus::Covered => (' ', "covered", code.cases.join(", ")),
                CodeStatus::Untriggerable => (
                    ' ',
                    "untriggerable",
                    code.untriggerable.clone().unwrap_or_default(),
                ),
                CodeStatus::Uncovered => ('!', "UNCOVERED", "no case expects it".to_owned()),
            };
            let _ = writeln!(
                out,
                "{mark} {:<7} {status:<13} {}\n{:24}{why}",
                code.code, code.meaning, ""
            );
        }
        if group.group != COMMON_ERRORS_GROUP {
            let types = if group.group_types.is_empty() {
                "none".to_owned()
            } else {
                group.group_types.join(", ")
            };
            let _ = writeln!(out, "  group types: {types}");
        }
    }
    out.push('\n');
    out.push_str(&rules::render_text(&report.rules, &report.profile));
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::spec::load_suite;

    fn mini_suite() -> Suite {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini_specs");
        load_suite(&root).expect("the mini suite loads")
    }

    fn code<'a>(report: &'a CoverageReport, group: &str, code: i64) -> &'a CodeCoverage {
        report
            .groups
            .iter()
            .find(|g| g.group == group)
            .and_then(|g| g.codes.iter().find(|c| c.code == code))
            .unwrap_or_else(|| panic!("{group} declares {code}"))
    }

    #[test]
    fn codes_are_covered_by_written_and_generated_cases() {
        let report = coverage(&mini_suite(), "current");
        assert_eq!(
            code(&report, "modify_group_attr", 10004).cases,
            [
                "modify_group_attr::missing_group",
                "modify_group_attr::limit.key_bytes.ascii.past_max",
                "modify_group_attr::limit.key_bytes.multibyte.past_max",
                "modify_group_attr::limit.key_bytes.below_min",
            ]
        );
        assert_eq!(
            code(&report, "modify_group_attr", 10007).cases,
            ["modify_group_attr::group_type.Private"]
        );
        assert_eq!(
            code(&report, "modify_group_attr", 10049).cases,
            [
                "modify_group_attr::rate.group_attr_write.past_limit",
                "modify_group_attr::rate.group_attr_write.counted.other_key",
            ]
        );
        assert_eq!(
            code(&report, "service", 70001).cases,
            ["service::expired_usersig", "service::expiry.after"]
        );
        // Only steps calling the declaring endpoint count.
        assert_eq!(
            code(&report, "create_group", 10004).cases,
            [
                "create_group::rejects_an_unknown_type",
                "create_group::range.level.below_min",
                "create_group::range.level.past_max",
            ]
        );
    }

    #[test]
    fn statuses_and_totals_add_up() {
        let report = coverage(&mini_suite(), "current");
        assert_eq!(
            code(&report, "create_group", 10015).status,
            CodeStatus::Uncovered
        );
        let untriggerable = code(&report, "modify_group_attr", 10050);
        assert_eq!(untriggerable.status, CodeStatus::Untriggerable);
        assert_eq!(
            untriggerable.untriggerable.as_deref(),
            Some("the docs list no reserved names")
        );
        assert_eq!(
            report.totals,
            CoverageTotals {
                codes: 11,
                covered: 7,
                untriggerable: 3,
                uncovered: 1,
                cases: 26,
            }
        );
        assert!(!report.is_complete());
    }

    #[test]
    fn the_profile_changes_what_is_covered() {
        let report = coverage(&mini_suite(), "legacy");
        // Under `legacy` only AVChatRoom is supported, so three probes expect 10007.
        assert_eq!(code(&report, "modify_group_attr", 10007).cases.len(), 3);
        // `community_attrs` runs under `current` only.
        assert_eq!(report.totals.cases, 25);
    }

    #[test]
    fn group_types_come_from_probes_and_fixtures() {
        let report = coverage(&mini_suite(), "current");
        let of = |name: &str| {
            report
                .groups
                .iter()
                .find(|g| g.group == name)
                .unwrap()
                .group_types
                .clone()
        };
        assert_eq!(
            of("modify_group_attr"),
            ["Private", "Public", "ChatRoom", "AVChatRoom"]
        );
        assert!(of("create_group").is_empty());
    }

    #[test]
    fn text_marks_uncovered_codes_and_json_serialises() {
        let report = coverage(&mini_suite(), "current");
        let text = render_text(&report);
        assert!(text.starts_with(
            "error-code coverage, profile current: 11 codes, 7 covered, 3 untriggerable, 1 uncovered (26 cases)\n"
        ));
        assert!(text.contains("! 10015   UNCOVERED     The group ID is already in use."));
        assert!(text.contains("  10025   untriggerable Internal error."));
        assert!(text.contains("common errors (any endpoint)"));
        assert!(text.contains("  group types: Private, Public, ChatRoom, AVChatRoom"));
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["totals"]["uncovered"], 1);
        assert_eq!(json["groups"][2]["codes"][0]["status"], "covered");
    }
}
