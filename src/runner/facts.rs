//! What a case is about, for the reports: the group types it exercises and the codes it
//! expects. Read off the planned case; nothing here runs anything.

use crate::result::ExpectedCode;
use crate::spec::PlannedCase;

/// Every code a step of the case (not its teardown) expects, once per endpoint and code.
pub(crate) fn expected_codes(case: &PlannedCase) -> Vec<ExpectedCode> {
    let mut out: Vec<ExpectedCode> = Vec::new();
    for step in &case.steps {
        for &code in step.expect.code.iter().flat_map(|c| &c.0) {
            let e = ExpectedCode {
                call: step.call.clone(),
                code,
            };
            if !out.contains(&e) {
                out.push(e);
            }
        }
    }
    out
}
