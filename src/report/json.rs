//! The whole run as JSON, for tools: the result data as is, plus a schema version, totals, each
//! response's body parsed (`json`, when it is JSON), and a `reproducer` (a `curl` command) on
//! the failing step of each failed or known case.

use serde::Serialize;
use serde_json::Value;

use crate::result::{Outcome, RunReport, Totals};

use super::redact::{redacted_report, redacted_text};
use super::reproducer::reproducer;

/// Bumped when a field changes meaning or goes away; new fields do not bump it.
pub const JSON_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    totals: Totals,
    #[serde(flatten)]
    report: &'a Value,
}

/// Pretty JSON: `{"schema_version": 1, "totals": {...}, "target": ..., "cases": [...]}`.
pub fn to_json(report: &RunReport) -> String {
    let report = redacted_report(report);
    let mut value = serde_json::to_value(&report).expect("a RunReport is plain data");
    for (i, case) in report.cases.iter().enumerate() {
        for (s, step) in case.steps.iter().enumerate() {
            if let Some(response) = &step.response
                && let Some(record) = value["cases"][i]["steps"][s]["response"].as_object_mut()
            {
                record.insert("json".into(), response.json().unwrap_or(Value::Null));
            }
        }
        if !matches!(case.outcome, Outcome::Fail | Outcome::Known) {
            continue;
        }
        let Some(s) = case.steps.iter().position(|s| !s.passed()) else {
            continue;
        };
        if let Some(repro) = reproducer(&case.steps[s].request)
            && let Some(step) = value["cases"][i]["steps"][s].as_object_mut()
        {
            step.insert("reproducer".into(), Value::from(repro));
        }
    }
    let wrapped = JsonReport {
        schema_version: JSON_SCHEMA_VERSION,
        totals: report.totals(),
        report: &value,
    };
    let text = serde_json::to_string_pretty(&wrapped).expect("a RunReport is plain data");
    redacted_text(text)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::report::sample::{assert_no_secret, sample_report, sample_report_with_known};

    #[test]
    fn json_holds_version_totals_and_every_outcome() {
        let text = to_json(&sample_report());
        assert_no_secret(&text);
        let v: Value = serde_json::from_str(&text).expect("the report stays valid JSON");
        assert_eq!(v["schema_version"], 1);
        assert_eq!(
            v["contract"],
            serde_json::json!({"specs": "specs", "snapshots": "snapshots",
                               "fingerprint": format!("sha256:{}", "0123456789abcdef".repeat(4))})
        );
        assert_eq!(
            v["totals"],
            serde_json::json!({"passed": 1, "failed": 1, "errors": 1, "skipped": 1, "known": 0, "fixed": 0})
        );
        let outcomes: Vec<&str> = v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["outcome"].as_str().unwrap())
            .collect();
        assert_eq!(outcomes, ["pass", "fail", "error", "skip"]);
        assert!(
            v["cases"][1]["steps"][0]["request"]["url"]
                .as_str()
                .unwrap()
                .contains("usersig=<redacted>&random=42")
        );
        // The failing step carries its reproducer; passing and error steps do not.
        let repro = v["cases"][1]["steps"][0]["reproducer"].as_str().unwrap();
        assert!(repro.contains("curl -X POST 'https://console.tim.qq.com/v4/group_open_http_svc/modify_group_attr?sdkappid=1400000000&identifier=admin&usersig=<usersig>&random=42&contenttype=json'"), "{repro}");
        assert!(repro.starts_with("# replace <usersig> with a UserSig: imconform usersig --sdkappid 1400000000 --identifier admin"));
        assert!(v["cases"][0]["steps"][0].get("reproducer").is_none());
        // Every response carries its body parsed, as the checks saw it.
        let response = &v["cases"][1]["steps"][0]["response"];
        assert_eq!(
            response["json"],
            serde_json::from_str::<Value>(response["body"].as_str().unwrap()).unwrap()
        );
        assert!(response["json"].is_object());
        assert!(v["cases"][2]["steps"][0].get("reproducer").is_none());
        assert!(v.get("stale_known").is_none());
    }

    #[test]
    fn json_holds_known_fixed_and_stale() {
        let text = to_json(&sample_report_with_known());
        assert_no_secret(&text);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v["totals"],
            serde_json::json!({"passed": 1, "failed": 1, "errors": 1, "skipped": 1, "known": 1, "fixed": 1})
        );
        assert_eq!(v["cases"][4]["outcome"], "known");
        assert_eq!(
            v["cases"][4]["known"],
            serde_json::json!({
                "entry": "case get_group_attr::unknown_group",
                "location": "known.yaml:2:3",
                "expect": "code 10004",
                "note": "answers 10004 instead of 10010",
                "link": "https://example.com/issue/1"
            })
        );
        assert!(
            v["cases"][4]["steps"][0]["reproducer"]
                .as_str()
                .unwrap()
                .contains("curl ")
        );
        assert_eq!(v["cases"][5]["outcome"], "fixed");
        assert_eq!(v["cases"][5]["known"]["location"], "known.yaml:6:3");
        assert_eq!(v["stale_known"].as_array().unwrap().len(), 1);
        let back: RunReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back.totals(), sample_report_with_known().totals());
    }

    #[test]
    fn json_holds_snapshot_drift_apart_from_failures() {
        let report = crate::report::sample::sample_report_with_drift();
        let v: Value = serde_json::from_str(&to_json(&report)).unwrap();
        assert_eq!(v["totals"]["drifted"], 1);
        assert_eq!(v["totals"]["failed"], 1, "drift is not a failure");
        let drifted = &v["cases"][4];
        assert_eq!(drifted["outcome"], "pass");
        let check = &drifted["steps"][0]["checks"][1];
        assert_eq!(
            (&check["passed"], &check["drift"]),
            (&Value::Bool(true), &Value::Bool(true))
        );
        assert_eq!(
            check["differences"][0],
            serde_json::json!({
                "change": {"kind": "field_disappeared", "step": "step 1 (get_group_info)",
                           "pointer": "/GroupInfo/0/AppDefinedData", "was": []},
                "verdict": "drift",
                "why": "optional in the response schema; an empty value versus no field"
            })
        );
        assert!(
            check["diff"]
                .as_str()
                .unwrap()
                .contains("-      \"AppDefinedData\": [],")
        );
        // A run without drift says nothing of it; a report reads back with its drift.
        let plain: Value = serde_json::from_str(&to_json(&sample_report())).unwrap();
        assert!(plain["totals"].get("drifted").is_none());
        let back: RunReport = serde_json::from_str(&to_json(&report)).unwrap();
        assert_eq!(back.totals().drifted, 1);
        assert_eq!(back.cases[4].snapshot_drift().count(), 1);
    }

    #[test]
    fn json_reads_back_into_a_run_report() {
        let text = to_json(&sample_report());
        let back: RunReport = serde_json::from_str(&text).expect("the extra fields are ignored");
        assert_eq!(back.cases.len(), 4);
    }
}
