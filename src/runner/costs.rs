//! What cases spend on a real target (service `costs:`: a daily quota, lasting state), which of
//! those costs a run allows, and how much a plan would spend. A case with a cost the run does
//! not allow is reported as skipped, with the reason, before it sends anything.

use indexmap::IndexMap;

use crate::spec::{PlannedCase, Suite};

/// Which declared costs a run may spend.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CostPolicy {
    /// Every cost: the embedded emulator, which spends nothing real.
    #[default]
    AllowAll,
    /// Only these (a real target: the user's `--allow` list).
    Only(Vec<String>),
}

impl CostPolicy {
    pub fn allows(&self, cost: &str) -> bool {
        match self {
            CostPolicy::AllowAll => true,
            CostPolicy::Only(allowed) => allowed.iter().any(|a| a == cost),
        }
    }

    /// Why `case` does not run under this policy, if it does not.
    pub fn held_back(&self, case: &PlannedCase) -> Option<String> {
        let refused: Vec<&str> = case
            .costs
            .iter()
            .map(String::as_str)
            .filter(|c| !self.allows(c))
            .collect();
        if refused.is_empty() {
            return None;
        }
        let names: Vec<String> = refused.iter().map(|c| format!("`{c}`")).collect();
        let flags: Vec<String> = refused.iter().map(|c| format!("--allow {c}")).collect();
        Some(format!(
            "not run against this target: it spends {}, which the run does not allow ({} runs it)",
            names.join(" and "),
            flags.join(" ")
        ))
    }
}

/// How much of one cost a plan spends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spending {
    pub cost: String,
    pub description: String,
    /// What one counted call spends (`push call`).
    pub unit: String,
    /// The documented daily allowance, by edition.
    pub per_day: IndexMap<String, u64>,
    /// Cases declaring the cost.
    pub cases: usize,
    /// Calls of the cost's `spent_by` endpoints those cases make (steps and teardown).
    pub units: usize,
}

impl Spending {
    /// One line for the start of a run: what is spent and whether the run spends it.
    pub fn line(&self, allowed: bool) -> String {
        let cases = plural(self.cases, "case", "cases");
        let mut line = if self.units > 0 {
            let make = if self.cases == 1 { "makes" } else { "make" };
            format!(
                "{}: {cases} {make} {}",
                self.cost,
                plural(self.units, &self.unit, &format!("{}s", self.unit))
            )
        } else {
            format!("{}: {cases}", self.cost)
        };
        if !self.per_day.is_empty() {
            let allowance: Vec<String> = self
                .per_day
                .iter()
                .map(|(edition, n)| format!("{edition} {n}"))
                .collect();
            line.push_str(&format!(" (a day: {})", allowance.join(", ")));
        }
        let smallest = self.per_day.values().min().copied();
        if allowed {
            line.push_str(if self.cases == 1 {
                "; allowed, it runs"
            } else {
                "; allowed, they run"
            });
            if let Some(min) = smallest.filter(|&m| self.units as u64 > m) {
                line.push_str(&format!(
                    "; more than the smallest daily allowance ({min}): late calls may be refused"
                ));
            }
        } else {
            let them = if self.cases == 1 { "it" } else { "them" };
            line.push_str(&format!("; skipped (--allow {} runs {them})", self.cost));
        }
        line
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What `cases` spend, per declared cost, in the service's order; costs no case has are left out.
pub fn spending(suite: &Suite, cases: &[PlannedCase]) -> Vec<Spending> {
    suite
        .service
        .costs
        .values()
        .filter_map(|cost| {
            let spenders: Vec<&PlannedCase> = cases
                .iter()
                .filter(|c| c.costs.contains(&cost.name))
                .collect();
            if spenders.is_empty() {
                return None;
            }
            let units = spenders
                .iter()
                .flat_map(|c| c.steps.iter().chain(&c.teardown))
                .filter(|s| cost.spent_by.contains(&s.call))
                .count();
            Some(Spending {
                cost: cost.name.clone(),
                description: cost.description.clone(),
                unit: cost.unit.clone(),
                per_day: cost.per_day.clone(),
                cases: spenders.len(),
                units,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spend(units: usize) -> Spending {
        Spending {
            cost: "push_quota".into(),
            description: String::new(),
            unit: "push call".into(),
            per_day: [("standard".to_owned(), 100), ("free".to_owned(), 10)]
                .into_iter()
                .collect(),
            cases: 3,
            units,
        }
    }

    #[test]
    fn the_line_says_what_is_spent_and_whether_it_runs() {
        assert_eq!(
            spend(4).line(false),
            "push_quota: 3 cases make 4 push calls (a day: standard 100, free 10); skipped (--allow push_quota runs them)"
        );
        assert_eq!(
            spend(1).line(true),
            "push_quota: 3 cases make 1 push call (a day: standard 100, free 10); allowed, they run"
        );
        let one = Spending {
            cases: 1,
            units: 0,
            per_day: IndexMap::new(),
            cost: "lasting".into(),
            ..spend(0)
        };
        assert_eq!(
            one.line(false),
            "lasting: 1 case; skipped (--allow lasting runs it)"
        );
        assert!(
            spend(11).line(true).ends_with(
                "more than the smallest daily allowance (10): late calls may be refused"
            )
        );
    }

    #[test]
    fn only_allowed_costs_run() {
        let policy = CostPolicy::Only(vec!["lasting".into()]);
        assert!(policy.allows("lasting") && !policy.allows("push_quota"));
        assert!(CostPolicy::AllowAll.allows("push_quota"));
    }
}
