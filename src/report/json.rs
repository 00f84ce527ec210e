//! The whole run as JSON, for tools: the result data as is, plus a schema version and totals.

use serde::Serialize;

use crate::result::{RunReport, Totals};

use super::redact::{redacted_report, redacted_text};

/// Bumped when a field changes meaning or goes away; new fields do not bump it.
pub const JSON_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    totals: Totals,
    #[serde(flatten)]
    report: &'a RunReport,
}

/// Pretty JSON: `{"schema_version": 1, "totals": {...}, "target": ..., "cases": [...]}`.
pub fn to_json(report: &RunReport) -> String {
    let report = redacted_report(report);
    let wrapped = JsonReport {
        schema_version: JSON_SCHEMA_VERSION,
        totals: report.totals(),
        report: &report,
    };
    let text = serde_json::to_string_pretty(&wrapped).expect("a RunReport is plain data");
    redacted_text(text)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::report::sample::{assert_no_secret, sample_report};

    #[test]
    fn json_holds_version_totals_and_every_outcome() {
        let text = to_json(&sample_report());
        assert_no_secret(&text);
        let v: Value = serde_json::from_str(&text).expect("the report stays valid JSON");
        assert_eq!(v["schema_version"], 1);
        assert_eq!(
            v["totals"],
            serde_json::json!({"passed": 1, "failed": 1, "errors": 1, "skipped": 1})
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
    }

    #[test]
    fn json_reads_back_into_a_run_report() {
        let text = to_json(&sample_report());
        let back: RunReport = serde_json::from_str(&text).expect("the extra fields are ignored");
        assert_eq!(back.cases.len(), 4);
    }
}
