//! The reporters' guard against leaking a UserSig: every string of the report is redacted
//! before formatting, and the finished text once more, so a URL recorded unredacted (or a
//! signature echoed in a response body) never reaches a file or a pull-request comment.

use serde_json::Value;

use crate::auth::usersig::redact_in_text;
use crate::result::RunReport;

/// A copy of the report with `usersig=` values redacted in every string it holds.
pub(crate) fn redacted_report(report: &RunReport) -> RunReport {
    // Through `Value` so that fields added to the result types later are covered too.
    let mut value = serde_json::to_value(report).expect("a RunReport is plain data");
    redact_strings(&mut value);
    serde_json::from_value(value).expect("redaction keeps the report's shape")
}

fn redact_strings(value: &mut Value) {
    match value {
        Value::String(s) => *s = redact_in_text(s),
        Value::Array(items) => items.iter_mut().for_each(redact_strings),
        Value::Object(map) => map.values_mut().for_each(redact_strings),
        _ => {}
    }
}

/// The last line of defence, applied to every finished report.
pub(crate) fn redacted_text(text: String) -> String {
    redact_in_text(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{SECRET_SIG, sample_report};

    #[test]
    fn every_string_of_the_report_is_redacted() {
        let text = serde_json::to_string(&redacted_report(&sample_report())).unwrap();
        assert!(!text.contains(SECRET_SIG));
        assert!(text.contains("usersig=<redacted>"));
    }
}
