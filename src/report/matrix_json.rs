//! The matrix as JSON, for tools: a schema version, the verdict and the interop share, each
//! target's summary and (trimmed) run, endpoint × target scores, and every case with each
//! target's outcome; a failing cell has its reason, step and `curl` reproducer. The file reads
//! back as runs (`imconform matrix`, `imconform known --from`).

use indexmap::IndexMap;
use serde::Serialize;

use crate::matrix::{MATRIX_KIND, Matrix};
use crate::result::{KnownMark, Outcome, RunReport, Totals};

use super::detail::{bare_reason, case_reproducer, failed_step};
use super::redact::{redacted_report, redacted_text};

/// Bumped when a field changes meaning or goes away; new fields do not bump it.
pub const MATRIX_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct MatrixJson<'a> {
    schema_version: u32,
    kind: &'static str,
    conforms: bool,
    interop: InteropJson,
    targets: Vec<TargetJson>,
    endpoints: Vec<EndpointJson<'a>>,
    cases: Vec<CaseJson<'a>>,
}

#[derive(Serialize)]
struct InteropJson {
    cases: usize,
    passing_everywhere: usize,
    disagreements: usize,
    /// `passing_everywhere / cases`.
    share: f64,
}

#[derive(Serialize)]
struct TargetJson {
    name: String,
    conforms: bool,
    totals: Totals,
    run: RunReport,
}

#[derive(Serialize)]
struct EndpointJson<'a> {
    endpoint: &'a str,
    cases: usize,
    interop: usize,
    scores: IndexMap<&'a str, ScoreJson>,
}

#[derive(Serialize)]
struct ScoreJson {
    #[serde(flatten)]
    totals: Totals,
    /// Passed (or fixed) of all the endpoint's cases in the target's run.
    share: f64,
}

#[derive(Serialize)]
struct CaseJson<'a> {
    id: &'a str,
    group: &'a str,
    location: &'a str,
    agree: bool,
    interop: bool,
    /// Per target; null where the target did not run the case.
    results: IndexMap<&'a str, Option<CellJson>>,
}

#[derive(Serialize)]
struct CellJson {
    outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// The step the failure is reported at: `step 2 (modify_group_attr)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    step: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reproducer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    known: Option<KnownMark>,
}

pub fn matrix_to_json(matrix: &Matrix) -> String {
    let runs: Vec<RunReport> = matrix
        .targets
        .iter()
        .map(|t| redacted_report(&t.run))
        .collect();
    let names: Vec<&str> = matrix.targets.iter().map(|t| t.name.as_str()).collect();
    let json = MatrixJson {
        schema_version: MATRIX_SCHEMA_VERSION,
        kind: MATRIX_KIND,
        conforms: matrix.targets.iter().all(|t| t.conforms),
        interop: InteropJson {
            cases: matrix.interop.cases,
            passing_everywhere: matrix.interop.passing_everywhere,
            disagreements: matrix.interop.disagreements,
            share: matrix.interop.share(),
        },
        targets: (matrix.targets.iter().zip(&runs))
            .map(|(t, run)| TargetJson {
                name: t.name.clone(),
                conforms: t.conforms,
                totals: t.totals,
                run: run.clone(),
            })
            .collect(),
        endpoints: (matrix.endpoints.iter())
            .map(|e| EndpointJson {
                endpoint: &e.endpoint,
                cases: e.cases,
                interop: e.interop,
                scores: (names.iter().zip(&e.scores))
                    .map(|(name, s)| {
                        let score = ScoreJson {
                            totals: *s,
                            share: Matrix::score_share(s),
                        };
                        (*name, score)
                    })
                    .collect(),
            })
            .collect(),
        cases: (matrix.rows.iter())
            .map(|row| CaseJson {
                id: &row.id,
                group: &row.group,
                location: &row.location,
                agree: row.agree,
                interop: row.interop,
                results: (names.iter().zip(&runs))
                    .map(|(name, run)| (*name, cell(run, &row.id)))
                    .collect(),
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&json).expect("the matrix is plain data");
    redacted_text(text)
}

fn cell(run: &RunReport, id: &str) -> Option<CellJson> {
    let case = run.cases.iter().find(|c| c.id == id)?;
    let step = failed_step(case).filter(|_| case.outcome != Outcome::Pass);
    let reason = (case.reason.is_some()).then(|| bare_reason(case, step));
    Some(CellJson {
        outcome: case.outcome,
        reason,
        step: step.map(|s| s.label()),
        reproducer: case_reproducer(case),
        known: case.known.clone(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::matrix::read_runs;
    use crate::report::sample::{assert_no_secret, sample_matrix};

    #[test]
    fn json_holds_the_matrix_and_reads_back_as_runs() {
        let text = matrix_to_json(&sample_matrix());
        assert_no_secret(&text);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["kind"], "imconform-matrix");
        assert_eq!(v["conforms"], false);
        assert_eq!(
            v["interop"],
            serde_json::json!({"cases": 6, "passing_everywhere": 1, "disagreements": 4, "share": 1.0 / 6.0})
        );
        assert_eq!(v["targets"][0]["name"], "a");
        assert_eq!(v["targets"][1]["conforms"], true);
        assert_eq!(v["endpoints"][1]["endpoint"], "modify_group_attr");
        assert_eq!(v["endpoints"][1]["scores"]["b"]["passed"], 2);
        let first = &v["cases"][0];
        assert_eq!(first["id"], "modify_group_attr::sets_an_attribute");
        assert_eq!(first["agree"], false);
        let failed = &first["results"]["a"];
        assert_eq!(failed["outcome"], "fail");
        assert_eq!(failed["step"], "step 1 (modify_group_attr)");
        assert_eq!(failed["reason"], "code: expected 0, got 10010");
        assert!(
            failed["reproducer"]
                .as_str()
                .unwrap()
                .contains("curl -X POST")
        );
        assert_eq!(
            first["results"]["b"],
            serde_json::json!({"outcome": "pass"})
        );
        let absent = v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "create_group::fixed_now")
            .unwrap();
        assert_eq!(absent["results"]["a"], Value::Null);
        assert_eq!(
            absent["results"]["b"]["known"]["location"],
            "known.yaml:6:3"
        );

        let dir =
            std::env::temp_dir().join(format!("imconform-matrix-json-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.json");
        std::fs::write(&path, &text).unwrap();
        let runs = read_runs(&path).unwrap();
        let names: Vec<&str> = runs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(runs[1].1.totals(), sample_matrix().targets[1].totals);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
