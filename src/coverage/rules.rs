//! Rule coverage: every rule the specs declare, and the case probing each side of its edge.
//! A side with no case and no stated reason is a gap; a rule probed on one side only has one.

use std::fmt::Write as _;

use indexmap::IndexMap;
use serde::Serialize;

use crate::spec::Suite;
use crate::spec::rules::{RuleKind, SideExpect};

#[derive(Debug, Clone, Serialize)]
pub struct RuleCoverage {
    /// The profiles whose rules are merged here.
    pub profiles: Vec<String>,
    pub rows: Vec<RuleRow>,
    pub totals: RuleTotals,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleRow {
    /// An endpoint, `service`, or `bucket:<name>`.
    pub scope: String,
    pub id: String,
    pub kind: RuleKind,
    pub summary: String,
    /// `file:line:column` of the declaration.
    pub at: String,
    /// The profiles the rule is declared in (a doc revision may state it differently).
    pub profiles: Vec<String>,
    pub status: RuleStatus,
    pub sides: Vec<SideCoverage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SideCoverage {
    pub side: String,
    pub expect: SideExpect,
    pub status: SideStatus,
    pub cases: Vec<String>,
    pub untriggerable: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SideStatus {
    Probed,
    Untriggerable,
    Gap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleStatus {
    /// Every side has a case.
    Probed,
    /// Every side has a case or a stated reason, and at least one has a reason.
    Explained,
    /// Some side has neither.
    Gap,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RuleTotals {
    pub rules: usize,
    pub probed: usize,
    pub explained: usize,
    pub gaps: usize,
    pub sides: usize,
    pub sides_probed: usize,
    pub sides_untriggerable: usize,
    pub sides_gaps: usize,
}

impl RuleCoverage {
    pub fn gaps(&self) -> impl Iterator<Item = (&RuleRow, &SideCoverage)> {
        self.rows.iter().flat_map(|row| {
            row.sides
                .iter()
                .filter(|s| s.status == SideStatus::Gap)
                .map(move |s| (row, s))
        })
    }
}

/// The rules of every profile given, merged: a rule stated alike in several profiles is one
/// row whose sides collect the cases of each. Case ids of profiles other than `default` are
/// named `PROFILE/id`, as in the error-code table.
pub fn rule_coverage(suite: &Suite, profiles: &[&str], default: &str) -> RuleCoverage {
    let mut rows: IndexMap<(String, String, String), RuleRow> = IndexMap::new();
    for profile in profiles {
        for rule in suite.rules(profile) {
            let key = (rule.scope.clone(), rule.id.clone(), rule.summary.clone());
            let row = rows.entry(key).or_insert_with(|| RuleRow {
                scope: rule.scope.clone(),
                id: rule.id.clone(),
                kind: rule.kind,
                summary: rule.summary.clone(),
                at: rule.at.clone(),
                profiles: Vec::new(),
                status: RuleStatus::Gap,
                sides: Vec::new(),
            });
            row.profiles.push((*profile).to_owned());
            for side in rule.sides {
                let cases = side.cases.iter().map(|id| {
                    if *profile == default {
                        id.clone()
                    } else {
                        format!("{profile}/{id}")
                    }
                });
                let at = row
                    .sides
                    .iter()
                    .position(|s| s.side == side.side && s.expect == side.expect);
                let merged = match at {
                    Some(i) => &mut row.sides[i],
                    None => {
                        row.sides.push(SideCoverage {
                            side: side.side.clone(),
                            expect: side.expect,
                            status: SideStatus::Gap,
                            cases: Vec::new(),
                            untriggerable: None,
                        });
                        row.sides.last_mut().expect("just pushed")
                    }
                };
                merged.cases.extend(cases);
                if merged.untriggerable.is_none() {
                    merged.untriggerable = side.untriggerable;
                }
            }
        }
    }
    // A rule only some profiles state sits with its scope's other rules.
    let mut scopes: Vec<String> = Vec::new();
    for (scope, _, _) in rows.keys() {
        if !scopes.contains(scope) {
            scopes.push(scope.clone());
        }
    }
    let mut rows: Vec<RuleRow> = rows.into_values().collect();
    rows.sort_by_key(|r| scopes.iter().position(|s| *s == r.scope));
    let mut totals = RuleTotals::default();
    let rows: Vec<RuleRow> = rows
        .into_iter()
        .map(|mut row| {
            for side in &mut row.sides {
                side.status = match (side.cases.is_empty(), &side.untriggerable) {
                    (false, _) => SideStatus::Probed,
                    (true, Some(_)) => SideStatus::Untriggerable,
                    (true, None) => SideStatus::Gap,
                };
                totals.sides += 1;
                match side.status {
                    SideStatus::Probed => totals.sides_probed += 1,
                    SideStatus::Untriggerable => totals.sides_untriggerable += 1,
                    SideStatus::Gap => totals.sides_gaps += 1,
                }
            }
            row.status = if row.sides.iter().any(|s| s.status == SideStatus::Gap) {
                RuleStatus::Gap
            } else if row
                .sides
                .iter()
                .any(|s| s.status == SideStatus::Untriggerable)
            {
                RuleStatus::Explained
            } else {
                RuleStatus::Probed
            };
            totals.rules += 1;
            match row.status {
                RuleStatus::Probed => totals.probed += 1,
                RuleStatus::Explained => totals.explained += 1,
                RuleStatus::Gap => totals.gaps += 1,
            }
            row
        })
        .collect();
    RuleCoverage {
        profiles: profiles.iter().map(|p| (*p).to_owned()).collect(),
        rows,
        totals,
    }
}

/// The rule table: one block per rule, one line per side; gaps are marked with `!`.
pub fn render_text(rules: &RuleCoverage, profile: &str) -> String {
    let t = &rules.totals;
    let mut out = format!(
        "rule coverage, profile {profile}: {} rules, {} probed on every side, {} with sides explained as untriggerable, {} with gaps ({} sides: {} probed, {} untriggerable, {} gaps)\n",
        t.rules,
        t.probed,
        t.explained,
        t.gaps,
        t.sides,
        t.sides_probed,
        t.sides_untriggerable,
        t.sides_gaps
    );
    let mut scope = "";
    for row in &rules.rows {
        if row.scope != scope {
            scope = &row.scope;
            let _ = writeln!(out, "\n{scope}");
        }
        let mark = if row.status == RuleStatus::Gap {
            '!'
        } else {
            ' '
        };
        let only = if row.profiles.len() < rules.profiles.len() {
            format!(" [{}]", row.profiles.join(", "))
        } else {
            String::new()
        };
        let _ = writeln!(out, "{mark} {}: {}{only}", row.id, row.summary);
        for side in &row.sides {
            let (mark, what) = match side.status {
                SideStatus::Probed => (' ', first_of(&side.cases)),
                SideStatus::Untriggerable => (
                    ' ',
                    format!(
                        "untriggerable: {}",
                        side.untriggerable.as_deref().unwrap_or_default()
                    ),
                ),
                SideStatus::Gap => ('!', "GAP: no case probes this side".to_owned()),
            };
            let label = match side.expect {
                SideExpect::Accepted | SideExpect::Refused => {
                    format!("{} {}", side.side, side.expect.label())
                }
                // `counted:<endpoint>` says it already.
                SideExpect::Counted | SideExpect::NotCounted => side.side.clone(),
            };
            let _ = writeln!(out, "{mark}     {label:<34} {what}");
        }
    }
    out
}

/// The first case, and how many more probe the same side (the JSON lists them all).
fn first_of(cases: &[String]) -> String {
    match cases {
        [] => String::new(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} (+{} more)", rest.len()),
    }
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

    fn row<'a>(c: &'a RuleCoverage, scope: &str, id: &str) -> &'a RuleRow {
        c.rows
            .iter()
            .find(|r| r.scope == scope && r.id == id)
            .unwrap_or_else(|| panic!("{scope} {id}"))
    }

    #[test]
    fn every_side_of_the_mini_suite_is_probed_or_explained() {
        let c = rule_coverage(&mini_suite(), &["current"], "current");
        assert_eq!(
            c.totals,
            RuleTotals {
                rules: 9,
                probed: 8,
                explained: 1,
                gaps: 0,
                sides: 20,
                sides_probed: 19,
                sides_untriggerable: 1,
                sides_gaps: 0,
            }
        );
        let level = row(&c, "create_group", "range.level.max");
        assert_eq!(level.status, RuleStatus::Explained);
        assert_eq!(level.sides[0].status, SideStatus::Untriggerable);
        assert_eq!(c.gaps().count(), 0);
    }

    #[test]
    fn a_side_without_a_case_or_a_reason_is_a_gap() {
        let mut suite = mini_suite();
        let modify = suite.endpoints.get_mut("modify_group_attr").unwrap();
        modify.write_limits[0].not_counted.clear();
        modify.limits.get_mut("key_bytes").unwrap().probe = None;
        let c = rule_coverage(&suite, &["current"], "current");
        let gaps: Vec<String> = c
            .gaps()
            .map(|(row, side)| format!("{} {}", row.id, side.side))
            .collect();
        assert_eq!(
            gaps,
            [
                "limit.key_bytes.ascii at_max",
                "limit.key_bytes.ascii past_max",
                "limit.key_bytes.multibyte at_max",
                "limit.key_bytes.multibyte past_max",
                "limit.key_bytes.min at_min",
                "limit.key_bytes.min below_min",
                "rate.group_attr_write.counting not_counted",
            ]
        );
        assert_eq!(c.totals.gaps, 4);
        let text = render_text(&c, "current");
        assert!(text.contains("! rate.group_attr_write.counting: writes of modify_group_attr"));
        assert!(
            text.contains("!     not_counted                        GAP: no case probes this side")
        );
    }

    #[test]
    fn profiles_that_state_a_rule_alike_share_a_row() {
        let c = rule_coverage(&mini_suite(), &["current", "legacy"], "current");
        let types: Vec<&RuleRow> = c
            .rows
            .iter()
            .filter(|r| r.scope == "modify_group_attr" && r.id == "group_types")
            .collect();
        // The two profiles support different types: two rows, one per statement.
        assert_eq!(types.len(), 2);
        assert_eq!(types[0].profiles, ["current"]);
        assert_eq!(types[1].profiles, ["legacy"]);
        assert_eq!(
            types[1].sides[1].cases,
            ["legacy/modify_group_attr::group_type.Public"]
        );
        // The same limit in both profiles: one row whose sides list both cases.
        let limit = row(&c, "modify_group_attr", "limit.key_bytes.ascii");
        assert_eq!(limit.profiles, ["current", "legacy"]);
        assert_eq!(
            limit.sides[0].cases,
            [
                "modify_group_attr::limit.key_bytes.ascii.at_max",
                "legacy/modify_group_attr::limit.key_bytes.ascii.at_max",
            ]
        );
        let text = render_text(&c, "current + legacy");
        assert!(
            text.contains(
                "  group_types: supported: AVChatRoom; other types answer 10007 [legacy]"
            )
        );
        assert!(text.contains("modify_group_attr::limit.key_bytes.ascii.at_max (+1 more)"));
    }

    #[test]
    fn json_names_every_side_and_its_status() {
        let c = rule_coverage(&mini_suite(), &["current"], "current");
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["totals"]["gaps"], 0);
        let expiry = &json["rows"][0];
        assert_eq!(expiry["scope"], "service");
        assert_eq!(expiry["kind"], "expiry");
        assert_eq!(expiry["sides"][1]["side"], "after");
        assert_eq!(expiry["sides"][1]["expect"], "refused");
        assert_eq!(expiry["sides"][1]["status"], "probed");
        assert_eq!(expiry["sides"][1]["cases"][0], "service::expiry.after");
        assert!(expiry["at"].as_str().unwrap().contains("service.yaml:"));
    }
}
