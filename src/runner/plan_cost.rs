//! What a plan costs at a given round trip: how long each case needs alone, what the declared
//! rates force on the whole plan, and the bound no schedule can beat. The scheduler starts
//! the costliest cases first and sizes its concurrency from these figures; the latency bench
//! judges a run's wall time against the bound.

use std::collections::HashMap;
use std::time::Duration;

use crate::spec::{FixtureDef, PlannedCase, Step, Suite, Template};

use super::pacing::spacing;
use super::volley::{VOLLEY_GAP, VOLLEY_SPAN};

/// One case alone: its chain of dependent requests, and the time its declared rates force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseCost {
    /// Requests its fixtures, steps and teardown send when nothing fails.
    pub requests: u32,
    /// Round trips one after another, outside volleys.
    pub round_trips: u32,
    /// The sizes of its volleys of burst steps (`case.rs`: sent at once when, answer by
    /// answer, they would take longer than `VOLLEY_SPAN`).
    pub volleys: Vec<u32>,
    /// The least time the pacer needs for its calls, whatever the round trip.
    pub paced: Duration,
}

impl CaseCost {
    /// How long the case needs alone at `round_trip`.
    pub fn alone(&self, round_trip: Duration) -> Duration {
        let volleys: Duration = self
            .volleys
            .iter()
            .map(|&n| {
                let one_by_one = round_trip * n;
                if n > 1 && one_by_one > VOLLEY_SPAN {
                    round_trip + VOLLEY_GAP * (n - 1)
                } else {
                    one_by_one
                }
            })
            .sum();
        (round_trip * self.round_trips + volleys).max(self.paced)
    }
}

/// The plan's floor at one round trip: a run cannot be faster than any of these.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanBound {
    pub round_trip: Duration,
    /// Requests the plan sends when nothing fails, each case with its own fixtures.
    pub requests: u64,
    /// The case that needs the longest alone, and how long.
    pub longest_case: (String, Duration),
    /// The lock whose exclusive holders need the longest one after another, and how long.
    pub exclusive: Option<(String, Duration)>,
    /// What the declared per-API rates force on the whole plan: the endpoint whose paced calls
    /// need the longest, and how long.
    pub rate_floor: Option<(String, Duration)>,
}

impl PlanBound {
    /// The longest case alone, or the exclusive holders of one lock one after another, or the
    /// rate floor, whichever is more.
    pub fn bound(&self) -> Duration {
        let exclusive = self.exclusive.as_ref().map_or(Duration::ZERO, |e| e.1);
        let rates = self.rate_floor.as_ref().map_or(Duration::ZERO, |r| r.1);
        self.longest_case.1.max(exclusive).max(rates)
    }
}

/// A plan reduced to what its bound depends on, so the bound at another round trip is cheap.
#[derive(Debug, Clone)]
pub struct PlanShape {
    ids: Vec<String>,
    costs: Vec<CaseCost>,
    /// Per lock name, the plan indices of its exclusive holders.
    exclusive: Vec<(String, Vec<usize>)>,
    rate_floor: Option<(String, Duration)>,
    /// Per case, the longest its declared rates hold the whole plan's calls to an endpoint it
    /// calls: a case on a slow endpoint's line.
    rate_lines: Vec<Duration>,
}

impl PlanShape {
    pub fn new(suite: &Suite, cases: &[PlannedCase]) -> Self {
        let mut exclusive: Vec<(String, Vec<usize>)> = Vec::new();
        let mut paced: HashMap<&str, u32> = HashMap::new();
        let mut costs = Vec::with_capacity(cases.len());
        for (i, case) in cases.iter().enumerate() {
            costs.push(case_cost(suite, case));
            for lock in case.locks.iter().filter(|l| l.exclusive) {
                match exclusive.iter_mut().find(|(n, _)| *n == lock.name) {
                    Some((_, holders)) => holders.push(i),
                    None => exclusive.push((lock.name.clone(), vec![i])),
                }
            }
            for step in case_steps(suite, case).filter(|s| !s.burst) {
                if rate_of(suite, &step.call).is_some() {
                    *paced.entry(step.call.as_str()).or_default() += 1;
                }
            }
        }
        let floors: HashMap<&str, Duration> = paced
            .into_iter()
            .filter_map(|(name, calls)| {
                let rate = rate_of(suite, name)?;
                Some((name, spacing(rate) * calls.saturating_sub(1)))
            })
            .collect();
        let rate_floor = floors
            .iter()
            .max_by_key(|(name, d)| (**d, std::cmp::Reverse(**name)))
            .map(|(name, d)| ((*name).to_owned(), *d));
        let rate_lines = cases
            .iter()
            .map(|case| {
                case_steps(suite, case)
                    .filter_map(|s| floors.get(s.call.as_str()).copied())
                    .max()
                    .unwrap_or_default()
            })
            .collect();
        PlanShape {
            ids: cases.iter().map(|c| c.id.clone()).collect(),
            costs,
            exclusive,
            rate_floor,
            rate_lines,
        }
    }

    /// Each case's cost, in plan order.
    pub fn costs(&self) -> &[CaseCost] {
        &self.costs
    }

    /// The longest line case `i` stands in at `round_trip`: itself alone, the exclusive holders
    /// of a lock it holds exclusively, or the paced calls of an endpoint it calls. A case on a
    /// long line starts early, so the line is busy from the start of the run.
    pub fn line(&self, i: usize, locks: &[crate::spec::Lock], round_trip: Duration) -> Duration {
        let exclusive = locks
            .iter()
            .filter(|l| l.exclusive)
            .map(|l| self.exclusive_time(&l.name, round_trip))
            .max()
            .unwrap_or_default();
        self.costs[i]
            .alone(round_trip)
            .max(exclusive)
            .max(self.rate_lines[i])
    }

    /// The time the exclusive holders of `lock` need one after another at `round_trip`.
    pub fn exclusive_time(&self, lock: &str, round_trip: Duration) -> Duration {
        self.exclusive
            .iter()
            .filter(|(n, _)| n == lock)
            .flat_map(|(_, holders)| holders)
            .map(|&i| self.costs[i].alone(round_trip))
            .sum()
    }

    pub fn bound(&self, round_trip: Duration) -> PlanBound {
        let longest = self
            .costs
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.alone(round_trip)))
            .max_by_key(|(i, d)| (*d, std::cmp::Reverse(*i)))
            .map_or((String::new(), Duration::ZERO), |(i, d)| {
                (self.ids[i].clone(), d)
            });
        let exclusive = self
            .exclusive
            .iter()
            .map(|(name, _)| (name.clone(), self.exclusive_time(name, round_trip)))
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
        PlanBound {
            round_trip,
            requests: self.costs.iter().map(|c| u64::from(c.requests)).sum(),
            longest_case: longest,
            exclusive,
            rate_floor: self.rate_floor.clone(),
        }
    }
}

/// The bound of `cases` at `round_trip`.
pub fn plan_bound(suite: &Suite, cases: &[PlannedCase], round_trip: Duration) -> PlanBound {
    PlanShape::new(suite, cases).bound(round_trip)
}

fn rate_of(suite: &Suite, endpoint: &str) -> Option<u32> {
    suite.endpoints.get(endpoint).and_then(|e| e.rate_limit)
}

/// The steps a case sends when nothing fails, in order: fixture setups, its steps, its
/// teardown, fixture teardowns.
fn case_steps<'a>(suite: &'a Suite, case: &'a PlannedCase) -> impl Iterator<Item = &'a Step> {
    let fixtures: Vec<&FixtureDef> = case
        .fixtures
        .values()
        .filter_map(|u| suite.service.fixtures.get(&u.fixture))
        .collect();
    let setups: Vec<&Step> = fixtures.iter().flat_map(|d| &d.setup).collect();
    let teardowns: Vec<&Step> = fixtures.iter().rev().flat_map(|d| &d.teardown).collect();
    setups
        .into_iter()
        .chain(&case.steps)
        .chain(&case.teardown)
        .chain(teardowns)
}

/// The cost of `case` alone.
pub fn case_cost(suite: &Suite, case: &PlannedCase) -> CaseCost {
    let mut requests = 0u32;
    let mut round_trips = 0u32;
    let mut volleys: Vec<u32> = Vec::new();
    let mut in_volley = false;
    for step in &case.steps {
        match (step.burst, in_volley) {
            (true, true) => *volleys.last_mut().expect("a volley started") += 1,
            (true, false) => volleys.push(1),
            (false, _) => round_trips += 1,
        }
        in_volley = step.burst;
    }
    round_trips +=
        u32::try_from(case_steps(suite, case).count() - case.steps.len()).unwrap_or(u32::MAX);
    // Paced calls per endpoint, and per write bucket and key (the key's template text).
    let mut per_endpoint: HashMap<&str, u32> = HashMap::new();
    let mut per_bucket_key: HashMap<(&str, String), (u32, u32)> = HashMap::new();
    for step in case_steps(suite, case) {
        requests += 1;
        if step.burst {
            continue;
        }
        let Some(endpoint) = suite.endpoints.get(&step.call) else {
            continue;
        };
        if endpoint.rate_limit.is_some() {
            *per_endpoint.entry(endpoint.name.as_str()).or_default() += 1;
        }
        for w in &endpoint.write_limits {
            let key = step
                .body
                .as_ref()
                .and_then(|b| top_level(b, &w.key))
                .unwrap_or_default();
            per_bucket_key
                .entry((w.bucket.as_str(), key))
                .or_insert((w.per_second, 0))
                .1 += 1;
        }
    }
    let endpoint_gaps = per_endpoint
        .into_iter()
        .filter_map(|(name, calls)| Some(spacing(rate_of(suite, name)?) * (calls - 1)));
    let bucket_gaps = per_bucket_key
        .into_values()
        .map(|(per_second, calls)| spacing(per_second) * (calls - 1));
    CaseCost {
        requests,
        round_trips,
        volleys,
        paced: endpoint_gaps.chain(bucket_gaps).max().unwrap_or_default(),
    }
}

/// The text of the value at a one-segment pointer (`/GroupId`) of a body template: it names
/// the write-limit key. No write limit uses a deeper pointer.
fn top_level(body: &Template, pointer: &str) -> Option<String> {
    let field = pointer.strip_prefix('/')?;
    match body {
        Template::Object(fields) => fields
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| format!("{v:?}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite() -> Suite {
        crate::spec::load_suite(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs"))
            .expect("the specs load")
    }

    #[test]
    fn a_case_alone_needs_its_chain_or_its_pacing() {
        let suite = suite();
        let plan = suite.plan("current");
        let past = plan
            .iter()
            .find(|c| c.id == "modify_group_attr::rate.group_attr_write.past_limit")
            .expect("the generated write-rate probe");
        let cost = case_cost(&suite, past);
        // A group made and destroyed around one volley of six burst writes: eight requests,
        // nothing paced. At 100 ms the volley goes at once (one round trip, five gaps); at
        // 50 ms answer by answer (300 ms fits the span).
        assert_eq!((cost.requests, cost.round_trips), (8, 2));
        assert_eq!(cost.volleys, [6]);
        assert_eq!(cost.paced, Duration::ZERO);
        let ms = Duration::from_millis;
        assert_eq!(cost.alone(ms(100)), ms(200 + 100 + 5 * 20));
        assert_eq!(cost.alone(ms(50)), ms(100 + 6 * 50));
        let ok = plan
            .iter()
            .find(|c| c.id == "set_attr_name::ok")
            .expect("set_attr_name::ok");
        assert_eq!(case_cost(&suite, ok).requests, 2);
    }

    #[test]
    fn paced_writes_to_one_group_are_spaced_by_its_write_limit() {
        let suite = suite();
        let mut case = suite
            .plan("current")
            .into_iter()
            .find(|c| c.id == "modify_group_attr::rate.group_attr_write.past_limit")
            .expect("the generated write-rate probe");
        for step in &mut case.steps {
            step.burst = false;
        }
        // Six writes to one group at 5/s, each gap 1.25 × 200 ms: 1.25 s forced by the pacer.
        let cost = case_cost(&suite, &case);
        assert_eq!((cost.round_trips, cost.volleys.len()), (8, 0));
        assert_eq!(cost.paced, Duration::from_millis(1250));
        assert_eq!(
            cost.alone(Duration::from_millis(10)),
            Duration::from_millis(1250)
        );
    }

    #[test]
    fn the_bound_is_the_largest_of_its_parts() {
        let suite = suite();
        let plan = suite.plan("current");
        let at = |ms| plan_bound(&suite, &plan, Duration::from_millis(ms));
        let b = at(100);
        let exclusive = b
            .exclusive
            .clone()
            .expect("app_attr_names has exclusive holders");
        assert_eq!(exclusive.0, "app_attr_names");
        assert!(b.bound() >= b.longest_case.1 && b.bound() >= exclusive.1);
        assert_eq!(
            b.bound(),
            b.longest_case
                .1
                .max(exclusive.1)
                .max(b.rate_floor.clone().unwrap().1)
        );
        // Twice the round trip: chains of plain requests double, the rate floor does not move.
        let b2 = at(200);
        assert_eq!(b2.exclusive.unwrap().1, exclusive.1 * 2);
        assert_eq!(b2.rate_floor, b.rate_floor);
        assert_eq!(b2.requests, b.requests);
    }

    #[test]
    fn a_case_on_a_slow_endpoints_line_ranks_by_the_line() {
        let mut suite = suite();
        // As if get_attr_name allowed one call a second across the app.
        suite.endpoints.get_mut("get_attr_name").unwrap().rate_limit = Some(1);
        let plan = suite.plan("current");
        let calls = plan
            .iter()
            .flat_map(|c| case_steps(&suite, c))
            .filter(|s| s.call == "get_attr_name" && !s.burst)
            .count() as u32;
        assert!(calls >= 5, "get_attr_name calls in the plan: {calls}");
        let shape = PlanShape::new(&suite, &plan);
        let rt = Duration::from_millis(100);
        let at = plan
            .iter()
            .position(|c| c.id == "get_attr_name::ok")
            .unwrap();
        let line = Duration::from_millis(1250) * (calls - 1);
        assert_eq!(shape.line(at, &plan[at].locks, rt), line);
        assert!(shape.costs()[at].alone(rt) < line);
        assert_eq!(
            shape.bound(rt).rate_floor,
            Some(("get_attr_name".to_owned(), line))
        );
        // A case that never calls it stays on its own lines.
        let other = plan
            .iter()
            .position(|c| c.id == "create_group::ok")
            .unwrap();
        assert!(shape.line(other, &plan[other].locks, rt) < line);
    }
}
