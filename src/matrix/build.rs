//! From run reports to the matrix.

use indexmap::IndexMap;

use crate::result::{CaseReport, Outcome, RunReport, Totals};

use super::{CaseRow, EndpointRow, Interop, Matrix, TargetColumn, Verdict};

/// The matrix of these runs, one column each in the given order; a name given twice gets
/// `-2`, `-3`.
pub fn build_matrix(runs: Vec<(String, RunReport)>) -> Matrix {
    let mut targets: Vec<TargetColumn> = Vec::with_capacity(runs.len());
    for (name, run) in runs {
        let mut unique = name.clone();
        let mut n = 2;
        while targets.iter().any(|t| t.name == unique) {
            unique = format!("{name}-{n}");
            n += 1;
        }
        targets.push(column(unique, run));
    }
    let rows = rows(&targets);
    let interop = Interop {
        cases: rows.len(),
        passing_everywhere: rows.iter().filter(|r| r.interop).count(),
        disagreements: rows.iter().filter(|r| !r.agree).count(),
    };
    let endpoints = endpoints(&targets, &rows);
    Matrix {
        targets,
        rows,
        endpoints,
        interop,
    }
}

fn column(name: String, mut run: RunReport) -> TargetColumn {
    for case in &mut run.cases {
        trim(case);
    }
    let totals = run.totals();
    let conforms = totals.failed + totals.errors == 0 && !run.interrupted;
    TargetColumn {
        name,
        conforms,
        totals,
        run,
    }
}

/// A run holds every step of every case; the matrix shows a failure's step and nothing of a
/// pass (a suite × several targets would otherwise carry every response several times).
fn trim(case: &mut CaseReport) {
    match case.outcome {
        Outcome::Fail | Outcome::Known | Outcome::Error => {
            if let Some(at) = case.steps.iter().position(|s| !s.passed()) {
                let step = case.steps.swap_remove(at);
                case.steps = vec![step];
            } else {
                case.steps.clear();
            }
        }
        Outcome::Pass | Outcome::Fixed | Outcome::Skip => case.steps.clear(),
    }
}

fn rows(targets: &[TargetColumn]) -> Vec<CaseRow> {
    // Case ids in the order the runs list them, with where each run has it.
    let mut seen: IndexMap<&str, (&CaseReport, Vec<Option<Outcome>>)> = IndexMap::new();
    for (t, target) in targets.iter().enumerate() {
        for case in &target.run.cases {
            let entry = seen
                .entry(case.id.as_str())
                .or_insert_with(|| (case, vec![None; targets.len()]));
            entry.1[t] = Some(case.outcome);
        }
    }
    let mut rows: Vec<CaseRow> = seen
        .into_values()
        .map(|(case, outcomes)| {
            let verdicts: Vec<Verdict> = outcomes.iter().map(|o| Verdict::of(*o)).collect();
            CaseRow {
                id: case.id.clone(),
                group: case.group.clone(),
                location: case.location.clone(),
                agree: verdicts.windows(2).all(|w| w[0] == w[1]),
                interop: verdicts.iter().all(|v| *v == Verdict::Pass),
                outcomes,
            }
        })
        .collect();
    // Stable: each group keeps the runs' order.
    rows.sort_by_key(|r| match (r.agree, r.interop) {
        (false, _) => 0,
        (true, false) => 1,
        (true, true) => 2,
    });
    rows
}

fn endpoints(targets: &[TargetColumn], rows: &[CaseRow]) -> Vec<EndpointRow> {
    let mut names: Vec<&str> = Vec::new();
    for target in targets {
        for e in &target.run.endpoints {
            if !names.contains(&e.name.as_str()) {
                names.push(&e.name);
            }
        }
    }
    for row in rows {
        if !names.contains(&row.group.as_str()) {
            names.push(&row.group);
        }
    }
    names
        .into_iter()
        .filter_map(|endpoint| {
            let of_endpoint: Vec<&CaseRow> = rows.iter().filter(|r| r.group == endpoint).collect();
            if of_endpoint.is_empty() {
                // Documented (the `service` row of common errors) but no case is its own.
                return None;
            }
            let scores = (0..targets.len())
                .map(|t| {
                    let mut totals = Totals::default();
                    for outcome in of_endpoint.iter().filter_map(|r| r.outcomes[t]) {
                        count(&mut totals, outcome);
                    }
                    totals
                })
                .collect();
            Some(EndpointRow {
                endpoint: endpoint.to_owned(),
                cases: of_endpoint.len(),
                interop: of_endpoint.iter().filter(|r| r.interop).count(),
                scores,
            })
        })
        .collect()
}

fn count(t: &mut Totals, outcome: Outcome) {
    match outcome {
        Outcome::Pass => t.passed += 1,
        Outcome::Fail => t.failed += 1,
        Outcome::Error => t.errors += 1,
        Outcome::Skip => t.skipped += 1,
        Outcome::Known => t.known += 1,
        Outcome::Fixed => t.fixed += 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Matrix;
    use crate::pipeline::RunStatus;
    use crate::result::{CheckReport, Phase, RequestRecord, StepReport};

    fn step(passed: bool) -> StepReport {
        StepReport {
            phase: Phase::Step,
            index: 1,
            call: "x".into(),
            location: "x.yaml:1:1".into(),
            request: RequestRecord {
                method: "POST".into(),
                url: "http://h/v4/x".into(),
                body: "{}".into(),
            },
            response: None,
            transport_error: None,
            checks: vec![if passed {
                CheckReport::pass("code")
            } else {
                CheckReport::fail("code", "expected 0, got 1")
            }],
            attempts: 1,
            duration_ms: 1,
        }
    }

    fn case(id: &str, outcome: Outcome) -> CaseReport {
        let (group, name) = id.split_once("::").unwrap();
        let failing = matches!(outcome, Outcome::Fail | Outcome::Known | Outcome::Error);
        CaseReport {
            id: id.into(),
            group: group.into(),
            name: name.into(),
            tags: Vec::new(),
            generated: false,
            location: format!("{group}.yaml:1:1"),
            outcome,
            reason: None,
            duration_ms: 1,
            steps: vec![step(true), step(!failing), step(true)],
            teardown_warnings: Vec::new(),
            feature: None,
            known: None,
            group_types: Vec::new(),
            expected_codes: Vec::new(),
        }
    }

    fn run(cases: Vec<CaseReport>) -> RunReport {
        RunReport::of_cases(cases)
    }

    use Outcome::*;

    #[test]
    fn rows_put_disagreements_first_and_count_the_interop_share() {
        let a = run(vec![
            case("get::ok", Pass),
            case("get::broken_on_b", Pass),
            case("set::broken_everywhere", Fail),
            case("set::known_on_a", Known),
            case("set::only_a", Pass),
        ]);
        let b = run(vec![
            case("get::ok", Fixed),
            case("get::broken_on_b", Fail),
            case("set::broken_everywhere", Fail),
            case("set::known_on_a", Fail),
        ]);
        let m = build_matrix(vec![("a".into(), a), ("b".into(), b)]);
        let order: Vec<(&str, bool, bool)> = m
            .rows
            .iter()
            .map(|r| (r.id.as_str(), r.agree, r.interop))
            .collect();
        assert_eq!(
            order,
            [
                ("get::broken_on_b", false, false),
                ("set::only_a", false, false),
                ("set::broken_everywhere", true, false),
                // A known deviation and a failure agree: both deviate.
                ("set::known_on_a", true, false),
                ("get::ok", true, true),
            ]
        );
        assert_eq!(m.rows[1].outcomes, [Some(Pass), None]);
        assert_eq!(
            m.interop,
            Interop {
                cases: 5,
                passing_everywhere: 1,
                disagreements: 2
            }
        );
        assert!((m.interop.share() - 0.2).abs() < 1e-9);
        let get = &m.endpoints[0];
        assert_eq!(
            (get.endpoint.as_str(), get.cases, get.interop),
            ("get", 2, 1)
        );
        assert_eq!(
            (
                get.scores[0].passed,
                get.scores[1].fixed,
                get.scores[1].failed
            ),
            (2, 1, 1)
        );
        assert_eq!(Matrix::score_share(&get.scores[1]), 0.5);
        assert!(!m.targets[0].conforms && !m.targets[1].conforms);
        assert_eq!(m.status(), RunStatus::ContractFailure);
    }

    #[test]
    fn columns_keep_only_the_failing_step_and_unique_names() {
        let m = build_matrix(vec![
            (
                "x".into(),
                run(vec![case("a::b", Fail), case("a::c", Pass)]),
            ),
            (
                "x".into(),
                run(vec![case("a::b", Pass), case("a::c", Known)]),
            ),
        ]);
        assert_eq!(m.targets[1].name, "x-2");
        let failed = &m.targets[0].run.cases[0];
        assert_eq!(failed.steps.len(), 1);
        assert!(!failed.steps[0].passed());
        assert!(m.targets[0].run.cases[1].steps.is_empty());
        // Known deviations alone conform; an error does not.
        assert!(m.targets[1].conforms);
        assert_eq!(m.targets[1].status(), RunStatus::Ok);
        let errored = build_matrix(vec![("e".into(), run(vec![case("a::b", Error)]))]);
        assert!(!errored.targets[0].conforms);
        assert_eq!(errored.status(), RunStatus::HarnessError);
        let mut cut = run(vec![case("a::b", Pass)]);
        cut.interrupted = true;
        assert_eq!(
            build_matrix(vec![("i".into(), cut)]).status(),
            RunStatus::HarnessError
        );
    }
}
